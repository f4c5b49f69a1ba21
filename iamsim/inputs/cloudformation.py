"""A CloudFormation template (JSON or YAML, CDK's synthesized output included) read as the
world document of the stack it would deploy.

YAML's short-form tags (`!Sub`, `!Ref`, `!GetAtt`, …) are read by cfn-flip's loader
(`cfn_tools.load_yaml`, the `cloudformation` extra), which turns each into its long form.
Intrinsic functions are then resolved as CloudFormation resolves them for a stack named
`stack_name` in `account` and `region`: pseudo parameters, the template's `Parameters`
(`parameters=` overrides a `Default`), `Mappings`, `Conditions`, and the names and ARNs of
the template's own resources. A value CloudFormation would only know during deployment
(`Fn::ImportValue`, `Fn::GetAZs`, a resource attribute iamsim cannot compute) is a
`WorldError` naming its path (`Resources.Reader.Properties.Policies[0].PolicyDocument`).

A resource declared without its name (a role without `RoleName`) gets, from CloudFormation,
`STACK-LOGICALID-` and a random suffix. iamsim writes a deterministic stand-in instead: the
same prefix and twelve characters derived from account, region, stack and logical ID, so a
template always loads to the same world (docs/iac.md). KMS keys get a stand-in key ID the
same way (AWS picks a random UUID).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import re
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from iamsim.errors import IamsimWarning, Problem, WorldError
from iamsim.inputs._iac import BPA_SETTINGS, Draft, default_key_policy
from iamsim.inputs._iac_org import OrgInput
from iamsim.model import PolicyKind
from iamsim.world.files import read_text_file
from iamsim.world.names import ACCOUNT_ID
from iamsim.world.org_fragment import OrgFragment, unmerged

__all__ = [
    "POLICY_TYPES_NOT_READ",
    "cloudformation_document",
    "cloudformation_parts",
    "load_cloudformation",
]

# AWS::S3::Bucket PublicAccessBlockConfiguration: the world document's name → CloudFormation's.
_CFN_BPA = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}

POLICY_TYPES_NOT_READ = frozenset(
    {
        "AWS::Lambda::Permission",
        "AWS::ECR::Repository",
        "AWS::SecretsManager::ResourcePolicy",
        "AWS::S3::AccessPoint",
        "AWS::Logs::ResourcePolicy",
        "AWS::Backup::BackupVault",
        "AWS::EFS::FileSystem",
        "AWS::OpenSearchService::Domain",
        "AWS::Elasticsearch::Domain",
        "AWS::IAM::OIDCProvider",
        "AWS::IAM::SAMLProvider",
        "AWS::EC2::VPCEndpoint",
        "AWS::ApiGateway::RestApi",
        "AWS::Organizations::ResourcePolicy",
        "AWS::Serverless::Function",
    }
)
"""Resource types that carry a policy iamsim does not read from a template: each one present
is an `IamsimWarning` (decisions that depend on it may differ from AWS's)."""


class _Unresolved(Exception):
    """A value that cannot be resolved; caught per property and recorded as a problem."""

    def __init__(self, path: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.problem = Problem("cloudformation.unresolved", path, message, hint)


_NO_VALUE = object()  # AWS::NoValue: the key or list item disappears


@attrs.frozen
class _Missing:
    """A parameter without a value: an error only where something refers to it."""

    message: str
    hint: str


def _partition(region: str) -> tuple[str, str]:
    """The partition and URL suffix of a region (AWS::Partition, AWS::URLSuffix)."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


def _suffix(*parts: str) -> str:
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return base64.b32encode(digest).decode()[:12]


@attrs.define
class _Stack:
    """The template, deployed: resolves values and knows each resource's name and ARN."""

    template: Mapping[str, Any]
    account: str
    region: str
    stack_name: str
    parameters: dict[str, Any]
    draft: Draft
    source: str = "template"
    conditions: dict[str, bool] = attrs.field(factory=dict)
    naming: set[str] = attrs.field(factory=set)  # resources whose name is being resolved

    @property
    def resources(self) -> Mapping[str, Any]:
        value = self.template.get("Resources")
        return value if isinstance(value, Mapping) else {}

    # -- names and ARNs of the template's resources -----------------------------------------

    def generated(self, logical: str, limit: int, lower: bool = False) -> str:
        """The stand-in for a name CloudFormation generates: `STACK-LOGICALID-SUFFIX`."""
        suffix = _suffix(self.account, self.region, self.stack_name, logical)
        room = max(limit - len(suffix) - 2, 2)
        stack = self.stack_name[: room // 2]
        name = f"{stack}-{logical[: room - len(stack)]}-{suffix}"
        return name.lower() if lower else name

    def resource(self, logical: str, path: str) -> tuple[str, Mapping[str, Any]]:
        body = self.resources.get(logical)
        if not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
            hint = None
            if logical in self.resources:
                hint = "the resource has no Type"
            raise _Unresolved(
                path, f"{logical!r} is not a resource or parameter of the template", hint
            )
        props = body.get("Properties")
        return body["Type"], props if isinstance(props, Mapping) else {}

    def own_name(
        self, logical: str, key: str, path: str, limit: int = 64, lower: bool = False
    ) -> str:
        _, props = self.resource(logical, path)
        if key in props:
            if logical in self.naming:
                raise _Unresolved(path, f"the name of {logical} refers back to itself")
            self.naming.add(logical)
            try:
                name = self.resolve(props[key], f"Resources.{logical}.Properties.{key}")
            finally:
                self.naming.discard(logical)
            if not isinstance(name, str):
                raise _Unresolved(f"Resources.{logical}.Properties.{key}", "must be a string")
            return name
        return self.generated(logical, limit, lower)

    def iam_path(self, logical: str) -> str:
        _, props = self.resource(logical, f"Resources.{logical}")
        path = self.resolve(props.get("Path", "/"), f"Resources.{logical}.Properties.Path")
        return path if isinstance(path, str) else "/"

    def key_id(self, logical: str) -> str:
        return str(
            uuid.uuid5(
                uuid.NAMESPACE_URL, f"{self.account}:{self.region}:{self.stack_name}:{logical}"
            )
        )

    def attribute(self, logical: str, attribute: str | None, path: str) -> Any:
        """`Ref` (attribute None) or `Fn::GetAtt` of one of the template's resources."""
        kind, _ = self.resource(logical, path)
        p, acct, region = _partition(self.region)[0], self.account, self.region
        iam = {
            "AWS::IAM::Role": ("role", "RoleName"),
            "AWS::IAM::User": ("user", "UserName"),
            "AWS::IAM::Group": ("group", "GroupName"),
        }
        if kind in iam:
            word, key = iam[kind]
            name = self.own_name(logical, key, path)
            if attribute is None:
                return name
            if attribute == "Arn":
                return f"arn:{p}:iam::{acct}:{word}{self.iam_path(logical)}{name}"
        elif kind == "AWS::IAM::ManagedPolicy":
            name = self.own_name(logical, "ManagedPolicyName", path, 128)
            arn = f"arn:{p}:iam::{acct}:policy{self.iam_path(logical)}{name}"
            if attribute in (None, "PolicyArn"):
                return arn
        elif kind == "AWS::S3::Bucket":
            name = self.own_name(logical, "BucketName", path, 63, lower=True)
            if attribute is None:
                return name
            if attribute == "Arn":
                return f"arn:{p}:s3:::{name}"
        elif kind == "AWS::SQS::Queue":
            name = self.own_name(logical, "QueueName", path, 80)
            url = f"https://sqs.{region}.{_partition(region)[1]}/{acct}/{name}"
            values = {
                None: url,
                "QueueUrl": url,
                "QueueName": name,
                "Arn": f"arn:{p}:sqs:{region}:{acct}:{name}",
            }
            if attribute in values:
                return values[attribute]
        elif kind == "AWS::SNS::Topic":
            name = self.own_name(logical, "TopicName", path, 256)
            arn = f"arn:{p}:sns:{region}:{acct}:{name}"
            if attribute in (None, "TopicArn", "TopicName"):
                return name if attribute == "TopicName" else arn
        elif kind == "AWS::KMS::Key":
            key = self.key_id(logical)
            values = {None: key, "KeyId": key, "Arn": f"arn:{p}:kms:{region}:{acct}:key/{key}"}
            if attribute in values:
                return values[attribute]
        what = f"Ref to {logical}" if attribute is None else f"{logical}.{attribute}"
        raise _Unresolved(
            path,
            f"{what} ({kind}) is known only once the stack is deployed",
            "iamsim resolves the names and ARNs of roles, users, groups, managed policies, "
            "buckets, queues, topics and keys",
        )

    # -- intrinsic functions ---------------------------------------------------------------

    def pseudo(self, name: str, path: str) -> Any:
        partition, url_suffix = _partition(self.region)
        values: dict[str, Any] = {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": partition,
            "AWS::URLSuffix": url_suffix,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:{partition}:cloudformation:{self.region}:{self.account}:"
            f"stack/{self.stack_name}/{self.key_id('AWS::StackId')}",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": _NO_VALUE,
        }
        if name not in values:
            raise _Unresolved(path, f"unknown pseudo parameter {name}")
        return values[name]

    def ref(self, name: Any, path: str) -> Any:
        if not isinstance(name, str):
            raise _Unresolved(path, "Ref takes the name of a parameter or resource")
        if name.startswith("AWS::"):
            return self.pseudo(name, path)
        if name in self.parameters:
            value = self.parameters[name]
            if isinstance(value, _Missing):
                raise _Unresolved(path, value.message, value.hint)
            return value
        return self.attribute(name, None, path)

    def resolve(self, value: Any, path: str) -> Any:
        """`value` with every intrinsic function replaced by its result."""
        if isinstance(value, _dt.date):
            return value.isoformat()  # an unquoted `2012-10-17` is text to CloudFormation
        if isinstance(value, list):
            items = [self.resolve(v, f"{path}[{i}]") for i, v in enumerate(value)]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            fpath = f"{path}.{key}"
            if key == "Ref":
                return self.ref(arg, fpath)
            if key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                if not (isinstance(parts, list) and len(parts) == 2):
                    raise _Unresolved(fpath, "Fn::GetAtt takes [LogicalId, Attribute]")
                attr = self.resolve(parts[1], fpath)
                return self.attribute(str(parts[0]), str(attr), fpath)
            if key == "Fn::Sub":
                return self.sub(arg, fpath)
            if key == "Fn::Join":
                if not (isinstance(arg, list) and len(arg) == 2):
                    raise _Unresolved(fpath, "Fn::Join takes [delimiter, [values]]")
                items = self.resolve(arg[1], f"{fpath}[1]")
                if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                    raise _Unresolved(fpath, "Fn::Join joins a list of strings")
                return str(self.resolve(arg[0], f"{fpath}[0]")).join(items)
            if key == "Fn::Select":
                if not (isinstance(arg, list) and len(arg) == 2):
                    raise _Unresolved(fpath, "Fn::Select takes [index, [values]]")
                index = self.resolve(arg[0], f"{fpath}[0]")
                items = self.resolve(arg[1], f"{fpath}[1]")
                try:
                    position = int(index)
                    if position < 0:
                        raise IndexError(position)
                    return items[position]
                except (ValueError, TypeError, IndexError):
                    raise _Unresolved(fpath, f"index {index!r} is not in the list") from None
            if key == "Fn::Split":
                if not (isinstance(arg, list) and len(arg) == 2):
                    raise _Unresolved(fpath, "Fn::Split takes [delimiter, string]")
                text = self.resolve(arg[1], f"{fpath}[1]")
                if not isinstance(text, str):
                    raise _Unresolved(fpath, "Fn::Split splits a string")
                return text.split(str(self.resolve(arg[0], f"{fpath}[0]")))
            if key == "Fn::If":
                if not (isinstance(arg, list) and len(arg) == 3):
                    raise _Unresolved(fpath, "Fn::If takes [condition, if true, if false]")
                chosen = 1 if self.condition(arg[0], f"{fpath}[0]") else 2
                return self.resolve(arg[chosen], f"{fpath}[{chosen}]")
            if key == "Fn::FindInMap":
                return self.find_in_map(arg, fpath)
            if key == "Fn::Base64":
                return base64.b64encode(str(self.resolve(arg, fpath)).encode()).decode()
            if key in (
                "Fn::ImportValue",
                "Fn::GetAZs",
                "Fn::Cidr",
                "Fn::Transform",
                "Fn::GetStackOutput",
            ):
                raise _Unresolved(
                    fpath,
                    f"{key} is known only when the stack is deployed",
                    "replace it with the value, or pass it as a parameter",
                )
            if key.startswith("Fn::") or key == "Condition":
                raise _Unresolved(fpath, f"iamsim does not resolve {key}")
        out: dict[str, Any] = {}
        for k, v in value.items():
            resolved = self.resolve(v, _key_path(path, str(k)))
            if resolved is not _NO_VALUE:
                out[str(k)] = resolved
        return out

    def sub(self, arg: Any, path: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[1], Mapping):
                raise _Unresolved(path, "Fn::Sub takes a string or [string, {variables}]")
            variables = {str(k): self.resolve(v, f"{path}[1].{k}") for k, v in arg[1].items()}
            arg = arg[0]
        if not isinstance(arg, str):
            raise _Unresolved(path, "Fn::Sub takes a string")
        out: list[str] = []
        rest = arg
        while "${" in rest:
            before, _, after = rest.partition("${")
            out.append(before)
            name, closed, rest = after.partition("}")
            if not closed:
                raise _Unresolved(path, f"unclosed ${{ in {arg!r}")
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")  # ${!Literal} writes ${Literal}
                continue
            if name in variables:
                value = variables[name]
            elif name.startswith("AWS::"):
                value = self.pseudo(name, path)
            elif "." in name and name not in self.parameters:
                logical, _, attribute = name.partition(".")
                value = self.attribute(logical, attribute, path)
            else:
                value = self.ref(name, path)
            if not isinstance(value, str):
                raise _Unresolved(path, f"${{{name}}} is not a string")
            out.append(value)
        out.append(rest)
        return "".join(out)

    def find_in_map(self, arg: Any, path: str) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            raise _Unresolved(path, "Fn::FindInMap takes [map, top-level key, second key]")
        keys = [self.resolve(a, f"{path}[{i}]") for i, a in enumerate(arg)]
        found: Any = self.template.get("Mappings") or {}
        for key in keys:
            if not isinstance(found, Mapping) or str(key) not in found:
                raise _Unresolved(path, f"Mappings has no {'.'.join(map(str, keys))}")
            found = found[str(key)]
        return self.resolve(found, path)

    def condition(self, name: Any, path: str) -> bool:
        if not isinstance(name, str):
            raise _Unresolved(path, "a condition is named by a string")
        if name not in self.conditions:
            body = (self.template.get("Conditions") or {}).get(name)
            if body is None:
                raise _Unresolved(path, f"no condition {name!r} in Conditions")
            self.conditions[name] = False  # a cycle reads False rather than recursing forever
            self.conditions[name] = self.truth(body, f"Conditions.{name}")
        return self.conditions[name]

    def truth(self, value: Any, path: str) -> bool:
        if isinstance(value, Mapping) and len(value) == 1:
            ((key, arg),) = value.items()
            fpath = f"{path}.{key}"
            if key == "Condition":
                return self.condition(arg, fpath)
            if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                a, b = (self.resolve(v, f"{fpath}[{i}]") for i, v in enumerate(arg))
                return bool(_scalar(a) == _scalar(b))
            if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
                return not self.truth(arg[0], f"{fpath}[0]")
            if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
                truths = [self.truth(a, f"{fpath}[{i}]") for i, a in enumerate(arg)]
                return all(truths) if key == "Fn::And" else any(truths)
        raise _Unresolved(path, "a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition")


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int | float) else value


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _parameters(
    template: Mapping[str, Any], given: Mapping[str, Any], draft: Draft
) -> dict[str, Any]:
    """Each parameter's value: `given` first, else its Default (lists split on commas)."""
    declared = template.get("Parameters") or {}
    if not isinstance(declared, Mapping):
        draft.add("value.type", "Parameters", "Parameters must be a mapping")
        return {}
    for name in given:
        if name not in declared:
            draft.add(
                "cloudformation.parameter",
                "parameters",
                f"the template has no parameter {name!r}",
                f"it declares {', '.join(declared) or 'none'}",
            )
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, Mapping) else {}
        kind = str(spec.get("Type", "String"))
        if name in given:
            value = given[name]
        elif "Default" in spec and not kind.startswith("AWS::SSM::Parameter::Value"):
            value = spec["Default"]
        else:
            # Only a parameter the resources read needs a value (CDK's BootstrapVersion is
            # read by Rules alone): the problem is raised where it is referenced.
            values[str(name)] = _Missing(
                f"parameter {name} has no value"
                if "Default" not in spec
                else f"parameter {name} names an SSM parameter, whose value iamsim cannot read",
                f"pass parameters={{{name!r}: ...}}",
            )
            continue
        if (kind == "CommaDelimitedList" or kind.startswith("List<")) and isinstance(value, str):
            value = [v.strip() for v in value.split(",")]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and isinstance(value, str) and value not in map(str, allowed):
            draft.add(
                "cloudformation.parameter",
                f"Parameters.{name}",
                f"{value!r} is not one of its AllowedValues",
            )
        pattern = spec.get("AllowedPattern")
        if isinstance(pattern, str) and isinstance(value, str):
            try:
                matched = re.fullmatch(pattern, value) is not None
            except re.error:
                matched = True  # CloudFormation's pattern dialect: not ours to judge
            if not matched:
                draft.add(
                    "cloudformation.parameter",
                    f"Parameters.{name}",
                    f"{value!r} does not match its AllowedPattern {pattern!r}",
                )
        values[str(name)] = value
    return values


# -- resources ---------------------------------------------------------------------------


def _tags(value: Any) -> dict[str, str]:
    if isinstance(value, list):
        return {
            str(t["Key"]): str(t["Value"])
            for t in value
            if isinstance(t, Mapping) and "Key" in t and "Value" in t
        }
    return {}


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@attrs.define
class _Reader:
    stack: _Stack
    org: OrgInput = attrs.field(factory=OrgInput)

    @property
    def draft(self) -> Draft:
        return self.stack.draft

    def props(self, logical: str, *keys: str) -> dict[str, Any]:
        """The properties `keys` of a resource, resolved (the others may stay unresolvable)."""
        _, props = self.stack.resource(logical, f"Resources.{logical}")
        out = {}
        for key in keys:
            if key in props:
                value = self.stack.resolve(props[key], f"Resources.{logical}.Properties.{key}")
                if value is not _NO_VALUE:
                    out[key] = value
        return out

    def policy(self, value: Any, path: str, kind: PolicyKind) -> dict[str, Any] | None:
        return self.draft.policy(value, path, kind)

    def inline(self, logical: str, props: Mapping[str, Any], kind: str, name: str) -> None:
        for i, entry in enumerate(props.get("Policies") or ()):
            path = f"Resources.{logical}.Properties.Policies[{i}].PolicyDocument"
            if isinstance(entry, Mapping):
                doc = self.policy(entry.get("PolicyDocument"), path, "identity")
                if doc is not None:
                    self.draft.link(kind, self.stack.account, name, "policies", doc, path)
        for i, arn in enumerate(_names(props.get("ManagedPolicyArns"))):
            path = f"Resources.{logical}.Properties.ManagedPolicyArns[{i}]"
            self.draft.link(kind, self.stack.account, name, "policies", arn, path)

    def entity(self, logical: str, kind: str) -> None:
        props = self.props(
            logical,
            "Path",
            "PermissionsBoundary",
            "Tags",
            "Groups",
            "Policies",
            "ManagedPolicyArns",
            "AssumeRolePolicyDocument",
            "MaxSessionDuration",
            "Description",
        )
        key = {"roles": "RoleName", "users": "UserName", "groups": "GroupName"}[kind]
        name = self.stack.own_name(logical, key, f"Resources.{logical}")
        body: dict[str, Any] = {}
        if props.get("Path", "/") != "/":
            body["path"] = props["Path"]
        if kind != "groups":
            if props.get("PermissionsBoundary"):
                body["permissions_boundary"] = props["PermissionsBoundary"]
            if _tags(props.get("Tags")):
                body["tags"] = _tags(props.get("Tags"))
        if kind == "users":
            body["groups"] = _names(props.get("Groups"))
        if kind == "roles":
            path = f"Resources.{logical}.Properties.AssumeRolePolicyDocument"
            trust = self.policy(props.get("AssumeRolePolicyDocument"), path, "trust")
            if trust is None:
                self.draft.fail(kind, self.stack.account, name)
                return
            body["trust_policy"] = trust
            if "MaxSessionDuration" in props:
                duration = props["MaxSessionDuration"]
                # CloudFormation takes the number as text too ("7200")
                if isinstance(duration, str) and duration.isdigit():
                    duration = int(duration)
                body["max_session_duration"] = duration
            if isinstance(props.get("Description"), str):
                body["description"] = props["Description"]
        self.draft.entity(kind, self.stack.account, name, body, f"Resources.{logical}")
        self.inline(logical, props, kind, name)

    def attach_to(self, logical: str, props: Mapping[str, Any], item: Any) -> None:
        for kind, key in (("roles", "Roles"), ("users", "Users"), ("groups", "Groups")):
            for name in _names(props.get(key)):
                self.draft.link(
                    kind,
                    self.stack.account,
                    name,
                    "policies",
                    item,
                    f"Resources.{logical}.Properties.{key}",
                )

    def iam_policy(self, logical: str) -> None:
        props = self.props(logical, "PolicyDocument", "Roles", "Users", "Groups")
        doc = self.policy(
            props.get("PolicyDocument"),
            f"Resources.{logical}.Properties.PolicyDocument",
            "identity",
        )
        if doc is not None:
            self.attach_to(logical, props, doc)

    def managed_policy(self, logical: str) -> None:
        props = self.props(logical, "PolicyDocument", "Roles", "Users", "Groups")
        doc = self.policy(
            props.get("PolicyDocument"),
            f"Resources.{logical}.Properties.PolicyDocument",
            "identity",
        )
        if doc is None:
            return
        arn = self.stack.attribute(logical, None, f"Resources.{logical}")
        name = arn.rsplit("/", 1)[-1]
        self.draft.managed_policy(self.stack.account, name, doc, f"Resources.{logical}")
        self.attach_to(logical, props, arn)

    def entity_policy(self, logical: str, kind: str) -> None:
        key = {"roles": "RoleName", "users": "UserName", "groups": "GroupName"}[kind]
        props = self.props(logical, "PolicyDocument", key)
        doc = self.policy(
            props.get("PolicyDocument"),
            f"Resources.{logical}.Properties.PolicyDocument",
            "identity",
        )
        if doc is not None and isinstance(props.get(key), str):
            self.draft.link(
                kind,
                self.stack.account,
                props[key],
                "policies",
                doc,
                f"Resources.{logical}.Properties.{key}",
            )

    def group_addition(self, logical: str) -> None:
        props = self.props(logical, "GroupName", "Users")
        group = props.get("GroupName")
        for user in _names(props.get("Users")):
            if isinstance(group, str):
                self.draft.link(
                    "users",
                    self.stack.account,
                    user,
                    "groups",
                    group,
                    f"Resources.{logical}.Properties.Users",
                )

    def declare(self, logical: str) -> None:
        kind = self.stack.resource(logical, "")[0]
        attribute = "TopicArn" if kind == "AWS::SNS::Topic" else "Arn"
        arn = self.stack.attribute(logical, attribute, f"Resources.{logical}")
        self.draft.resource(self.stack.account, arn, f"Resources.{logical}")
        if kind == "AWS::S3::Bucket":
            # PublicAccessBlockConfiguration: the bucket's own Block Public Access settings.
            config = self.props(logical, "PublicAccessBlockConfiguration").get(
                "PublicAccessBlockConfiguration"
            )
            if isinstance(config, Mapping):
                self.draft.block_public_access(
                    self.stack.account,
                    arn,
                    {key: config.get(_CFN_BPA[key]) for key in BPA_SETTINGS},
                    f"Resources.{logical}.Properties.PublicAccessBlockConfiguration",
                )
        if kind == "AWS::KMS::Key":
            props = self.props(logical, "KeyPolicy")
            path = f"Resources.{logical}.Properties.KeyPolicy"
            doc = (
                self.policy(props["KeyPolicy"], path, "resource")
                if "KeyPolicy" in props
                else default_key_policy(self.stack.account)
            )
            if doc is not None:
                self.draft.resource_policy(self.stack.account, arn, doc, path)

    def resource_policy(
        self, logical: str, targets: list[str], to_arn: Callable[[str], str]
    ) -> None:
        props = self.props(logical, "PolicyDocument")
        path = f"Resources.{logical}.Properties.PolicyDocument"
        doc = self.policy(props.get("PolicyDocument"), path, "resource")
        if doc is None:
            return
        for target in targets:
            self.draft.resource_policy(self.stack.account, to_arn(target), doc, path)

    def read(self, logical: str, kind: str) -> None:
        stack = self.stack
        if kind in POLICY_TYPES_NOT_READ:
            warnings.warn(
                f"{stack.source}: Resources.{logical}: iamsim does not read {kind} from "
                "CloudFormation; "
                "decisions that depend on it may differ from AWS's",
                IamsimWarning,
                stacklevel=5,
            )
        elif kind == "AWS::Organizations::Policy":
            self.org_policy(logical)
        elif kind in ("AWS::Organizations::OrganizationalUnit", "AWS::Organizations::Account"):
            # Organizations gives a new OU or account its id when it creates it: no request
            # can name it before, and a policy attached to it by Ref is an error.
            warnings.warn(
                f"{stack.source}: Resources.{logical}: a new {kind.rsplit(':', 1)[-1]} is left "
                "out: Organizations gives it its id once the stack is deployed",
                IamsimWarning,
                stacklevel=5,
            )
        elif kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            self.entity(logical, kind.rsplit(":", 1)[-1].lower() + "s")
        elif kind == "AWS::IAM::Policy":
            self.iam_policy(logical)
        elif kind == "AWS::IAM::ManagedPolicy":
            self.managed_policy(logical)
        elif kind in ("AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy"):
            self.entity_policy(logical, kind[10:].removesuffix("Policy").lower() + "s")
        elif kind == "AWS::IAM::UserToGroupAddition":
            self.group_addition(logical)
        elif kind in ("AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::KMS::Key"):
            self.declare(logical)
        elif kind == "AWS::S3::BucketPolicy":
            bucket = self.props(logical, "Bucket").get("Bucket")
            if isinstance(bucket, str):
                p = _partition(stack.region)[0]
                self.resource_policy(logical, [bucket], lambda b: f"arn:{p}:s3:::{b}")
        elif kind == "AWS::SQS::QueuePolicy":
            queues = _names(self.props(logical, "Queues").get("Queues"))
            self.resource_policy(logical, queues, self.queue_arn)
        elif kind == "AWS::SNS::TopicPolicy":
            topics = _names(self.props(logical, "Topics").get("Topics"))
            self.resource_policy(logical, topics, str)

    def org_policy(self, logical: str) -> None:
        """An SCP or RCP (other Organizations policy types are left out) and its TargetIds."""
        where = f"Resources.{logical}"
        props = self.props(logical, "Name", "Type", "Content", "TargetIds")
        missing = [k for k in ("Name", "Type", "Content") if k not in props]
        for key in missing:
            self.draft.add(
                "key.missing", f"{where}.Properties.{key}", f"an Organizations policy needs {key}"
            )
        if missing:
            return
        self.org.policy(
            self.draft,
            where,
            props.get("Name"),
            props.get("Type"),
            props.get("Content"),
            where,
            ("Properties.Type", "Properties.Content"),
        )
        targets = props.get("TargetIds", [])
        if not isinstance(targets, list):
            self.draft.add("value.type", f"{where}.Properties.TargetIds", "must be a list")
            return
        for i, target in enumerate(targets):
            self.org.attach(self.draft, where, target, f"{where}.Properties.TargetIds[{i}]")

    def queue_arn(self, url: str) -> str:
        parts = url.split("/")
        if len(parts) != 5 or not ACCOUNT_ID.fullmatch(parts[3]):
            raise _Unresolved("Queues", f"not a queue URL: {url!r}")
        region = parts[2].split(".")[1]
        return f"arn:{_partition(region)[0]}:sqs:{region}:{parts[3]}:{parts[4]}"


_ENTITY_KINDS = {
    "AWS::IAM::Role": ("roles", "RoleName"),
    "AWS::IAM::User": ("users", "UserName"),
    "AWS::IAM::Group": ("groups", "GroupName"),
}


def _failed(stack: _Stack, logical: str, kind: str) -> None:
    """Mark a role, user or group that could not be read, so that what attaches to it adds
    no second problem."""
    if kind in _ENTITY_KINDS:
        key, name_key = _ENTITY_KINDS[kind]
        try:
            name = stack.own_name(logical, name_key, f"Resources.{logical}")
        except _Unresolved:
            return
        stack.draft.fail(key, stack.account, name)


def cloudformation_document(
    template: Any,
    *,
    account: str,
    region: str = "us-east-1",
    parameters: Mapping[str, Any] | None = None,
    stack_name: str = "iamsim-stack",
    source: str = "template",
) -> dict[str, Any]:
    """The world document (WORLD.md) of a parsed template deployed in `account`/`region`.

    Raise `WorldError` with every problem, each naming its template path; SCPs/RCPs attached
    by target id, which need the organization's tree, are one too (`cloudformation_parts`).
    """
    document, fragment = cloudformation_parts(
        template,
        account=account,
        region=region,
        parameters=parameters,
        stack_name=stack_name,
        source=source,
    )
    if fragment is not None:
        raise unmerged(fragment)
    return document


def cloudformation_parts(
    template: Any,
    *,
    account: str,
    region: str = "us-east-1",
    parameters: Mapping[str, Any] | None = None,
    stack_name: str = "iamsim-stack",
    source: str = "template",
) -> tuple[dict[str, Any], OrgFragment | None]:
    """The world document of a parsed template, and the SCPs/RCPs (`AWS::Organizations::Policy`)
    it attaches by target id, which `World.merge` places in the organization's tree."""
    if not isinstance(account, str) or not ACCOUNT_ID.fullmatch(account):
        raise WorldError(
            Problem("value.account", "account", f"{account!r} is not a 12-digit account ID")
        )
    if not isinstance(template, Mapping) or not isinstance(template.get("Resources"), Mapping):
        raise WorldError(
            Problem(
                "cloudformation.shape",
                source,
                "not a CloudFormation template: no Resources mapping",
            )
        )
    draft = Draft()
    transform = template.get("Transform")
    if transform:
        warnings.warn(
            f"{source}: Transform {transform!r}: iamsim reads the template as written, "
            "without the transform's expansion",
            IamsimWarning,
            stacklevel=3,
        )
    if parameters is not None and not isinstance(parameters, Mapping):
        raise WorldError(
            Problem(
                "value.type",
                "parameters",
                "parameters must be a mapping of parameter names to values",
            )
        )
    values = _parameters(template, dict(parameters or {}), draft)
    stack = _Stack(template, account, region, stack_name, values, draft, source)
    reader = _Reader(stack)
    for logical, body in stack.resources.items():
        path = f"Resources.{logical}"
        if not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
            draft.add("cloudformation.shape", path, "a resource needs a Type")
            continue
        try:
            if "Condition" in body and not stack.condition(body["Condition"], f"{path}.Condition"):
                continue
            reader.read(str(logical), body["Type"])
        except _Unresolved as exc:
            draft.problems.append(exc.problem)
            _failed(stack, str(logical), body["Type"])
        except RecursionError:
            draft.add("cloudformation.too_deep", path, "nested too deeply to resolve")
    organization, fragment = reader.org.build(draft, source)
    return draft.document(source, organization, fragment is not None), fragment


def _load(name: str, max_bytes: int | None) -> tuple[Any, str]:
    """The template in file `name` and its text: JSON by extension `.json`, else YAML with
    short forms."""
    try:
        from cfn_tools import load_json, load_yaml
    except ImportError:  # pragma: no cover - the extra is part of the test environment
        raise WorldError(
            Problem(
                "cloudformation.loader",
                name,
                "reading CloudFormation needs cfn-flip",
                "pip install 'iamsim[cloudformation]'",
            )
        ) from None
    import yaml

    text = read_text_file(name, max_bytes)
    try:
        if Path(name).suffix.lower() == ".json":
            return load_json(text), text
        return load_yaml(text), text
    except json.JSONDecodeError as exc:
        raise WorldError(
            Problem("file.syntax", f"{name}:{exc.lineno}:{exc.colno}", exc.msg)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise WorldError(Problem("file.syntax", where, str(problem))) from None


def _locate(text: str, path: str) -> tuple[int, int] | None:
    """The line and column (1-based) of the deepest YAML/JSON node on a template path
    (`Resources.R.Properties.Policies[0]`), or None when the text cannot be composed."""
    import yaml
    from cfn_tools.yaml_loader import CfnYamlLoader

    try:
        node = yaml.compose(text, Loader=CfnYamlLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    rest = path
    while rest:
        if isinstance(node, yaml.SequenceNode) and rest.startswith("["):
            end = rest.index("]")
            position = int(rest[1:end])
            if position >= len(node.value):
                break
            node, rest = node.value[position], rest[end + 1 :].removeprefix(".")
            continue
        if isinstance(node, yaml.MappingNode):
            keys = sorted(
                ((k.value, v) for k, v in node.value if isinstance(k.value, str)),
                key=lambda kv: -len(kv[0]),
            )
            found = next(
                (
                    (k, v)
                    for k, v in keys
                    if rest == k or rest.startswith(k + ".") or rest.startswith(k + "[")
                ),
                None,
            )
            if found is None:
                break
            node, rest = found[1], rest[len(found[0]) :].removeprefix(".")
            continue
        # a short-form tag (`!Ref X`) stands for the one-key mapping its path goes through
        tag = node.tag.removeprefix("!")
        long = tag if tag in ("Ref", "Condition") else f"Fn::{tag}"
        if node.tag.startswith("!") and (rest == long or rest.startswith((long + ".", long + "["))):
            rest = rest[len(long) :].removeprefix(".")
            if isinstance(node, yaml.ScalarNode):
                break
            continue
        break
    if rest == path:
        return None  # not a template path (`parameters`), or its first key is missing
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


def _with_lines(error: WorldError, name: str, text: str) -> WorldError:
    """`error` with each problem's path prefixed by FILE:LINE:COLUMN where it can be found."""
    problems = []
    for problem in error.problems:
        where = _locate(text, problem.path) if problem.path else None
        if where is not None:
            problem = attrs.evolve(problem, path=f"{name}:{where[0]}:{where[1]}: {problem.path}")
        problems.append(problem)
    return WorldError(problems)


def load_cloudformation(
    template: str | os.PathLike[str] | Mapping[str, Any],
    *,
    account: str,
    region: str = "us-east-1",
    parameters: Mapping[str, Any] | None = None,
    stack_name: str = "iamsim-stack",
    max_bytes: int | None = None,
) -> tuple[dict[str, Any], OrgFragment | None]:
    """The world document of a template (a file: .json, .yaml, .yml, .template; or parsed)
    and the SCPs/RCPs it attaches by target id (`cloudformation_parts`)."""
    if isinstance(template, Mapping):
        data, source = template, "template"
        return cloudformation_parts(
            data,
            account=account,
            region=region,
            parameters=parameters,
            stack_name=stack_name,
            source=source,
        )
    source = os.fspath(template)
    data, text = _load(source, max_bytes)
    try:
        return cloudformation_parts(
            data,
            account=account,
            region=region,
            parameters=parameters,
            stack_name=stack_name,
            source=source,
        )
    except WorldError as exc:
        raise _with_lines(exc, source, text) from None
