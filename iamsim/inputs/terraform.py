"""A Terraform plan or state, as `terraform show -json` prints it, read as a world document.

What is read: the planned values of a plan (`planned_values.root_module`, the state after
apply) or the values of a state (`values.root_module`), child modules included. Policy
documents are strings of JSON there, already rendered: an `aws_iam_policy_document` data
source has become the `json` text of the resource that uses it.

Values known only after apply (`resource_changes[].change.after_unknown`) are never
guessed. An unknown attribute that names another resource of the same plan (an attachment's
`policy_arn` = `aws_iam_policy.x.arn`, a role's `name` read from `aws_iam_role.x.name`) is
worked out from that resource, as Terraform's own configuration section records the
reference; any other unknown that a policy, an attachment or a membership needs is a
`WorldError` naming the address and attribute (`aws_iam_role.deploy.assume_role_policy:
known only after apply`). An entity whose own name or ARN is unknown (a new KMS key's ARN)
is left out with an `IamsimWarning`: a world without it is never more permissive.

Accounts: a resource's own ARN says its account when it is known (a state; an update).
Otherwise its provider configuration does: `accounts={"aws.target": "222222222222"}` maps a
provider configuration key (or its bare alias) to an account, and a provider whose
`allowed_account_ids` holds one account, or whose `assume_role.role_arn` is constant, says
its own. Everything else belongs to `account=`. Regions (for queue, topic and key ARNs)
come from the provider's constant `region`, else `region=`.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from iamsim.errors import IamsimWarning, Problem, WorldError
from iamsim.inputs._iac import BPA_SETTINGS, Draft, default_key_policy
from iamsim.inputs._iac_org import OrgInput, OrgUnitDecl
from iamsim.world.files import read_data_file
from iamsim.world.names import ACCOUNT_ID
from iamsim.world.org_fragment import OrgFragment, unmerged

__all__ = ["POLICY_TYPES_NOT_READ", "terraform_document", "terraform_parts"]

POLICY_TYPES_NOT_READ = frozenset(
    {
        "aws_lambda_permission",
        "aws_ecr_repository_policy",
        "aws_secretsmanager_secret_policy",
        "aws_s3_access_point",
        "aws_s3control_access_point_policy",
        "aws_kms_grant",
        "aws_cloudwatch_log_resource_policy",
        "aws_backup_vault_policy",
        "aws_efs_file_system_policy",
        "aws_opensearch_domain_policy",
        "aws_elasticsearch_domain_policy",
        "aws_api_gateway_rest_api_policy",
        "aws_glue_resource_policy",
        "aws_iam_openid_connect_provider",
        "aws_iam_saml_provider",
        "aws_vpc_endpoint_policy",
    }
)
"""Terraform types that carry or attach a policy iamsim does not read from a plan: each
one present is an `IamsimWarning` (decisions that depend on it may differ from AWS's)."""

_INDEX = re.compile(r"\[[^\]]*\]")
_MODULE_PREFIX = re.compile(r"(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*")


@attrs.frozen
class _Resource:
    """One managed resource of the plan: its values and what is known only after apply."""

    address: str
    type: str
    values: Mapping[str, Any]
    unknown: Mapping[str, Any]
    config: Mapping[str, Any]  # the configuration's `expressions`
    provider: str  # the provider configuration key
    plan: bool  # from a plan's planned_values (False: a state's values)

    def configured(self, attribute: str) -> bool:
        return attribute in self.config

    def unknown_unset(self, attribute: str) -> bool:
        """Unknown because the configuration leaves it to AWS (or to other resources)."""
        return _is_unknown(self.unknown.get(attribute)) and attribute not in self.config


def _modules(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield module
    for child in _seq(module.get("child_modules")):
        if isinstance(child, Mapping):
            yield from _modules(child)


def _config_resources(
    module: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for resource in _seq(module.get("resources")):
        if isinstance(resource, Mapping) and isinstance(resource.get("address"), str):
            yield prefix + resource["address"], resource
    for name, call in _map(module.get("module_calls")).items():
        if isinstance(call, Mapping) and isinstance(call.get("module"), Mapping):
            yield from _config_resources(call["module"], f"{prefix}module.{name}.")


def _arn_account(arn: Any) -> str | None:
    """The 12-digit account field of an ARN, or None."""
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and ACCOUNT_ID.fullmatch(parts[4]) else None


_DERIVABLE = frozenset(
    {
        "role",
        "user",
        "group",
        "users",
        "roles",
        "groups",
        "policy_arn",
        "bucket",
        "queue_url",
        "arn",
        "key_id",
        "permissions_boundary",
        "name",
        "target_id",
        "parent_id",
    }
)
"""Attributes that hold a name or an ARN: only these are worked out from a reference."""


def _is_unknown(marker: Any) -> bool:
    """Whether an `after_unknown` marker says some part of the value is unknown."""
    if isinstance(marker, list):
        return any(_is_unknown(m) for m in marker)
    if isinstance(marker, Mapping):
        return any(_is_unknown(m) for m in marker.values())
    return marker is True


def _map(value: Any) -> Mapping[str, Any]:
    """`value` when it is a mapping, else an empty one (a malformed part reads as absent)."""
    return value if isinstance(value, Mapping) else {}


def _seq(value: Any) -> list[Any] | tuple[Any, ...]:
    """`value` when it is a list, else an empty tuple (never a string's characters)."""
    return value if isinstance(value, list | tuple) else ()


def _constant(expression: Any) -> Any:
    return expression.get("constant_value") if isinstance(expression, Mapping) else None


@attrs.define
class _Reader:
    draft: Draft
    source: str
    account: str | None
    accounts: Mapping[str, str]
    region: str | None
    providers: Mapping[str, Any]
    by_address: dict[str, _Resource] = attrs.field(factory=dict)
    org: OrgInput = attrs.field(factory=OrgInput)
    org_tree: bool = False  # the input holds aws_organizations_organization

    # -- where a resource lives ----------------------------------------------------------

    def expressions(self, key: str) -> Mapping[str, Any]:
        """The constant-or-reference expressions of a provider configuration."""
        bare = key.rsplit(":", 1)[-1]
        provider = _map(self.providers.get(key)) or _map(self.providers.get(bare))
        return _map(provider.get("expressions"))

    def provider_account(self, key: str) -> str | None:
        bare = key.rsplit(":", 1)[-1]
        for name in (key, bare, bare.partition(".")[2]):
            if name and name in self.accounts:
                return self.accounts[name]
        expressions = self.expressions(key)
        allowed = _constant(expressions.get("allowed_account_ids"))
        if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
            return allowed[0]
        assume = expressions.get("assume_role")
        if isinstance(assume, list) and assume and isinstance(assume[0], Mapping):
            owner = _arn_account(_constant(assume[0].get("role_arn")))
            if owner is not None:
                return owner
        return self.account

    def account_of(self, r: _Resource) -> str | None:
        owner = _arn_account(r.values.get("arn"))
        if owner is not None:
            return owner
        account = self.provider_account(r.provider)
        if account is None:
            self.draft.add(
                "terraform.account",
                r.address,
                f"cannot tell the account of {r.address} (provider {r.provider or 'aws'})",
                "pass account=, or accounts={provider alias: account id}",
            )
        elif not ACCOUNT_ID.fullmatch(account):
            self.draft.add("terraform.account", r.address, f"{account!r} is not a 12-digit account")
            return None
        return account

    def region_of(self, r: _Resource) -> str | None:
        expressions = self.expressions(r.provider)
        region = _constant(expressions.get("region"))
        return region if isinstance(region, str) else self.region

    # -- values, known or derived --------------------------------------------------------

    def value(self, r: _Resource, attribute: str) -> Any:
        """The attribute's value; what is unknown worked out from the plan's own resources it
        references (names and ARNs only), else a problem naming it (and None)."""
        marker = r.unknown.get(attribute)
        if not _is_unknown(marker):
            return r.values.get(attribute)
        derived: list[str] = []
        if attribute in _DERIVABLE:
            expression = r.config.get(attribute)
            references = expression.get("references") if isinstance(expression, Mapping) else None
            for reference in references or ():
                found = self.derived(str(reference), r.address)
                if found is not None and found not in derived:
                    derived.append(found)
        if marker is True and len(derived) == 1:
            return derived[0]
        if isinstance(marker, list):
            known = r.values.get(attribute)
            known = list(known) if isinstance(known, list) else [None] * len(marker)
            missing = [i for i, m in enumerate(marker) if _is_unknown(m)]
            fill = [d for d in derived if d not in known]
            if len(fill) == len(missing) and len(known) == len(marker):
                for i, value in zip(missing, fill, strict=True):
                    known[i] = value
                return known
        self.draft.add(
            "terraform.unknown",
            f"{r.address}.{attribute}",
            "known only after apply",
            "iamsim never guesses it: plan again once what it depends on exists",
        )
        return None

    def derived(self, reference: str, address: str) -> str | None:
        """The value of `type.name.attribute` when the plan itself fixes it (a name, an ARN)."""
        base, _, attribute = reference.rpartition(".")
        found = _MODULE_PREFIX.match(address)
        prefix = _INDEX.sub("", found.group(0)) if found else ""
        target = self.by_address.get(prefix + base) or self.by_address.get(base)
        if target is None or not attribute:
            return None
        return self.identity(target).get(attribute)

    def identity(self, r: _Resource) -> dict[str, str]:
        """What the plan fixes about a resource's identity: its name, id and ARN."""
        known = {k: v for k, v in r.values.items() if isinstance(v, str) and not r.unknown.get(k)}
        account = self.provider_account(r.provider)
        name = known.get("name")
        if r.type in ("aws_iam_role", "aws_iam_user", "aws_iam_group") and name and account:
            path = known.get("path", "/")
            kind = r.type.removeprefix("aws_iam_")
            known.setdefault("arn", f"arn:aws:iam::{account}:{kind}{path}{name}")
            known.setdefault("id", name)
            known.setdefault("unique_id", "")  # never derived
        elif r.type == "aws_iam_policy" and name and account:
            arn = f"arn:aws:iam::{account}:policy{known.get('path', '/')}{name}"
            known.setdefault("arn", arn)
            known.setdefault("id", arn)
        elif r.type == "aws_s3_bucket" and known.get("bucket"):
            known.setdefault("id", known["bucket"])
            known.setdefault("arn", f"arn:aws:s3:::{known['bucket']}")
        elif r.type in ("aws_sqs_queue", "aws_sns_topic") and name and account:
            region = self.region_of(r)
            if region:
                service = r.type[4:7]
                known.setdefault("arn", f"arn:aws:{service}:{region}:{account}:{name}")
                if service == "sqs":
                    known.setdefault("url", f"https://sqs.{region}.amazonaws.com/{account}/{name}")
                    known.setdefault("id", known["url"])
                else:
                    known.setdefault("id", known["arn"])
        return {k: v for k, v in known.items() if v}


def _resources(plan: Mapping[str, Any], source: str, draft: Draft) -> list[_Resource]:
    """The managed resources a plan or state describes, with their unknowns and config."""
    is_plan = isinstance(plan.get("planned_values"), Mapping)
    if is_plan:
        root = plan["planned_values"].get("root_module")
    elif isinstance(plan.get("values"), Mapping):
        root = plan["values"].get("root_module")
    else:
        draft.add(
            "terraform.shape",
            source,
            "not the output of `terraform show -json`: no planned_values or values",
            "run `terraform show -json PLANFILE > plan.json` (or without PLANFILE for the state)",
        )
        return []
    if not isinstance(root, Mapping):
        return []
    unknowns: dict[str, Mapping[str, Any]] = {}
    for change in _seq(plan.get("resource_changes")):
        if isinstance(change, Mapping) and isinstance(change.get("change"), Mapping):
            after = change["change"].get("after_unknown")
            if isinstance(after, Mapping):
                unknowns[str(change.get("address"))] = after
    configuration = _map(plan.get("configuration"))
    config = dict(_config_resources(_map(configuration.get("root_module"))))
    out = []
    for module in _modules(root):
        for resource in _seq(module.get("resources")):
            if not isinstance(resource, Mapping) or resource.get("mode", "managed") != "managed":
                continue
            address = str(resource.get("address", ""))
            values = resource.get("values")
            if not isinstance(values, Mapping) or not isinstance(resource.get("type"), str):
                draft.add("terraform.shape", address or source, "a resource without values")
                continue
            declared = _map(config.get(_INDEX.sub("", address)))
            expressions = declared.get("expressions")
            out.append(
                _Resource(
                    address=address,
                    type=resource["type"],
                    values=values,
                    unknown=unknowns.get(address, {}),
                    config=expressions if isinstance(expressions, Mapping) else {},
                    provider=str(declared.get("provider_config_key") or "aws"),
                    plan=is_plan,
                )
            )
    return out


_IAM_ENTITIES = {"aws_iam_role": "roles", "aws_iam_user": "users", "aws_iam_group": "groups"}
_INLINE = {
    "aws_iam_role_policy": "role",
    "aws_iam_user_policy": "user",
    "aws_iam_group_policy": "group",
}
_ATTACH = {
    "aws_iam_role_policy_attachment": "role",
    "aws_iam_user_policy_attachment": "user",
    "aws_iam_group_policy_attachment": "group",
}


def _read(reader: _Reader, r: _Resource) -> None:
    draft = reader.draft
    t = r.type
    if t in POLICY_TYPES_NOT_READ:
        warnings.warn(
            f"{reader.source}: {r.address}: iamsim does not read {t} from Terraform; "
            "decisions that depend on it may differ from AWS's",
            IamsimWarning,
            stacklevel=4,
        )
        return
    if t in _ORGANIZATIONS:
        _ORGANIZATIONS[t](reader, r)
        return
    handled = t in _IAM_ENTITIES or t in _INLINE or t in _ATTACH or t in _OTHER
    if not handled:
        return
    account = reader.account_of(r)
    if account is None:
        return
    if t in _IAM_ENTITIES:
        _entity(reader, r, account)
    elif t in _INLINE:
        kind = _INLINE[t]
        owner = reader.value(r, kind)
        policy = reader.value(r, "policy")
        if isinstance(owner, str) and policy is not None:
            doc = draft.policy(policy, f"{r.address}.policy", "identity")
            if doc is not None:
                draft.link(f"{kind}s", account, owner.split(":")[0], "policies", doc, r.address)
    elif t in _ATTACH:
        kind = _ATTACH[t]
        owner = reader.value(r, kind)
        arn = reader.value(r, "policy_arn")
        if isinstance(owner, str) and isinstance(arn, str):
            draft.link(f"{kind}s", account, owner, "policies", arn, r.address)
    else:
        _OTHER[t](reader, r, account)


def _entity(reader: _Reader, r: _Resource, account: str) -> None:
    draft = reader.draft
    kind = _IAM_ENTITIES[r.type]
    name = r.values.get("name") if not r.unknown.get("name") else None
    if not isinstance(name, str):
        warnings.warn(
            f"{reader.source}: {r.address}.name: known only after apply; "
            f"the {kind[:-1]} is left out",
            IamsimWarning,
            stacklevel=5,
        )
        return
    body: dict[str, Any] = {}
    path = r.values.get("path")
    if isinstance(path, str) and path != "/":
        body["path"] = path
    tags = r.values.get("tags")
    if isinstance(tags, Mapping) and tags and kind != "groups":
        body["tags"] = dict(tags)
    if kind != "groups" and (
        r.values.get("permissions_boundary") or _is_unknown(r.unknown.get("permissions_boundary"))
    ):
        boundary = reader.value(r, "permissions_boundary")
        if isinstance(boundary, str):
            body["permissions_boundary"] = boundary
    if kind == "roles":
        trust = reader.value(r, "assume_role_policy")
        if not trust and not _is_unknown(r.unknown.get("assume_role_policy")):
            draft.add(
                "terraform.value",
                f"{r.address}.assume_role_policy",
                "a role needs its trust policy",
            )
        doc = draft.policy(trust, f"{r.address}.assume_role_policy", "trust") if trust else None
        if doc is None:
            draft.fail(kind, account, name)
            return
        body["trust_policy"] = doc
        duration = r.values.get("max_session_duration")
        if isinstance(duration, int) and duration != 3600:
            body["max_session_duration"] = duration
        _role_extras(reader, r, account, name, body)
    draft.entity(kind, account, name, body, r.address)


def _role_extras(
    reader: _Reader, r: _Resource, account: str, name: str, body: dict[str, Any]
) -> None:
    """A role's `inline_policy` blocks and `managed_policy_arns`: in a plan only when the
    configuration sets them (otherwise they echo the separate policy resources as they
    were before the plan, and those resources decide); in a state always (they are what
    the role has)."""
    draft = reader.draft
    for attribute in ("inline_policy", "managed_policy_arns"):
        if _is_unknown(r.unknown.get(attribute)) and r.configured(attribute):
            reader.value(r, attribute)  # records the problem
    if r.plan and not r.configured("inline_policy"):
        blocks: list[Any] | tuple[Any, ...] = ()
    else:
        blocks = _seq(r.values.get("inline_policy"))
    arns = (
        ()
        if r.plan and not r.configured("managed_policy_arns")
        else _seq(r.values.get("managed_policy_arns"))
    )
    for i, block in enumerate(blocks):
        if isinstance(block, Mapping) and block.get("policy"):
            path = f"{r.address}.inline_policy[{i}].policy"
            doc = draft.policy(block["policy"], path, "identity")
            if doc is not None:
                draft.link("roles", account, name, "policies", doc, path)
    for i, arn in enumerate(arns):
        if isinstance(arn, str):
            path = f"{r.address}.managed_policy_arns[{i}]"
            draft.link("roles", account, name, "policies", arn, path)


def _policy(reader: _Reader, r: _Resource, account: str) -> None:
    name = reader.value(r, "name")
    document = reader.value(r, "policy")
    if isinstance(name, str) and document is not None:
        doc = reader.draft.policy(document, f"{r.address}.policy", "identity")
        if doc is not None:
            reader.draft.managed_policy(account, name, doc, r.address)


def _policy_attachment(reader: _Reader, r: _Resource, account: str) -> None:
    arn = reader.value(r, "policy_arn")
    for kind in ("users", "roles", "groups"):
        names = reader.value(r, kind)
        for name in _seq(names):
            if isinstance(arn, str) and isinstance(name, str):
                reader.draft.link(kind, account, name, "policies", arn, r.address)


def _group_membership(reader: _Reader, r: _Resource, account: str) -> None:
    group = reader.value(r, "group")
    users = reader.value(r, "users")
    for user in _seq(users):
        if isinstance(group, str) and isinstance(user, str):
            reader.draft.link("users", account, user, "groups", group, r.address)


def _user_groups(reader: _Reader, r: _Resource, account: str) -> None:
    user = reader.value(r, "user")
    groups = reader.value(r, "groups")
    for group in _seq(groups):
        if isinstance(user, str) and isinstance(group, str):
            reader.draft.link("users", account, user, "groups", group, r.address)


def _with_policy(
    reader: _Reader, r: _Resource, account: str, arn: str | None, attribute: str = "policy"
) -> None:
    """A resource ARN and the policy `attribute` that goes with it (when configured)."""
    if arn is None:
        return
    reader.draft.resource(account, arn, r.address)
    if r.unknown_unset(attribute):
        return  # not set: the resource has no policy (a key: see _kms_key)
    document = reader.value(r, attribute)
    if document:
        doc = reader.draft.policy(document, f"{r.address}.{attribute}", "resource")
        if doc is not None:
            # A bucket's, queue's, topic's or key's own `policy`, unset in the configuration,
            # shows the policy a separate resource (aws_s3_bucket_policy, …) set before the
            # plan: that resource, when present, decides.
            echo = r.type in _OWN_POLICY and not r.configured(attribute)
            reader.draft.resource_policy(account, arn, doc, r.address, echo=echo)


def _identity_arn(reader: _Reader, r: _Resource) -> str | None:
    arn = reader.identity(r).get("arn")
    if arn is None:
        warnings.warn(
            f"{reader.source}: {r.address}.arn: known only after apply; the resource is left out",
            IamsimWarning,
            stacklevel=6,
        )
    return arn


def _bucket(reader: _Reader, r: _Resource, account: str) -> None:
    _with_policy(reader, r, account, _identity_arn(reader, r))


def _bucket_policy(reader: _Reader, r: _Resource, account: str) -> None:
    bucket = reader.value(r, "bucket")
    if isinstance(bucket, str):
        _with_policy(reader, r, account, f"arn:aws:s3:::{bucket}")


def _public_access(reader: _Reader, r: _Resource, account: str, bucket: str | None) -> None:
    """`aws_s3_account_public_access_block` / `aws_s3_bucket_public_access_block`: the
    four settings, named as in the world document."""
    settings = {key: reader.value(r, key) for key in BPA_SETTINGS}
    reader.draft.block_public_access(account, bucket, settings, r.address)


def _account_public_access(reader: _Reader, r: _Resource, account: str) -> None:
    owner = reader.value(r, "account_id")
    _public_access(reader, r, owner if isinstance(owner, str) and owner else account, None)


def _bucket_public_access(reader: _Reader, r: _Resource, account: str) -> None:
    bucket = reader.value(r, "bucket")
    if isinstance(bucket, str):
        _public_access(reader, r, account, f"arn:aws:s3:::{bucket}")


def _kms_key(reader: _Reader, r: _Resource, account: str) -> None:
    arn = _identity_arn(reader, r)
    if arn is None:
        return
    if r.unknown_unset("policy"):
        # A key created without a policy gets KMS's default key policy, unless an
        # aws_kms_key_policy sets one.
        reader.draft.resource(account, arn, r.address)
        reader.draft.resource_policy(
            account, arn, default_key_policy(account), r.address, echo=True
        )
        return
    _with_policy(reader, r, account, arn)


def _kms_key_policy(reader: _Reader, r: _Resource, account: str) -> None:
    key = reader.value(r, "key_id")
    if not isinstance(key, str):
        return
    if not key.startswith("arn:"):
        region = reader.region_of(r)
        if region is None:
            reader.draft.add(
                "terraform.region", r.address, "cannot tell the key's region", "pass region="
            )
            return
        key = f"arn:aws:kms:{region}:{account}:key/{key}"
    _with_policy(reader, r, account, key)


def _queue(reader: _Reader, r: _Resource, account: str) -> None:
    _with_policy(reader, r, account, _identity_arn(reader, r))


def _queue_policy(reader: _Reader, r: _Resource, account: str) -> None:
    url = reader.value(r, "queue_url")
    if not isinstance(url, str):
        return
    match = re.fullmatch(r"https://sqs\.([a-z0-9-]+)\.amazonaws\.com/(\d{12})/([^/]+)", url)
    if match is None:
        reader.draft.add("terraform.value", f"{r.address}.queue_url", f"not a queue URL: {url!r}")
        return
    region, owner, name = match.groups()
    _with_policy(reader, r, owner, f"arn:aws:sqs:{region}:{owner}:{name}")


def _topic(reader: _Reader, r: _Resource, account: str) -> None:
    _with_policy(reader, r, account, _identity_arn(reader, r))


def _topic_policy(reader: _Reader, r: _Resource, account: str) -> None:
    arn = reader.value(r, "arn")
    if isinstance(arn, str):
        _with_policy(reader, r, account, arn)


_OWN_POLICY = frozenset({"aws_s3_bucket", "aws_sqs_queue", "aws_sns_topic", "aws_kms_key"})

_OTHER = {
    "aws_iam_policy": _policy,
    "aws_iam_policy_attachment": _policy_attachment,
    "aws_iam_group_membership": _group_membership,
    "aws_iam_user_group_membership": _user_groups,
    "aws_s3_bucket": _bucket,
    "aws_s3_bucket_policy": _bucket_policy,
    "aws_s3_account_public_access_block": _account_public_access,
    "aws_s3_bucket_public_access_block": _bucket_public_access,
    "aws_kms_key": _kms_key,
    "aws_kms_key_policy": _kms_key_policy,
    "aws_sqs_queue": _queue,
    "aws_sqs_queue_policy": _queue_policy,
    "aws_sns_topic": _topic,
    "aws_sns_topic_policy": _topic_policy,
}


# -- Organizations ------------------------------------------------------------------------


def _org_policy(reader: _Reader, r: _Resource) -> None:
    name = reader.value(r, "name")
    ptype = r.values.get("type")
    content = reader.value(r, "content") if ptype in _AUTHORIZING else None
    known = r.values.get("id")
    if isinstance(known, str) and not _is_unknown(r.unknown.get("id")):
        reader.org.ids[known] = r.address
    reader.org.policy(reader.draft, r.address, name, ptype, content, r.address)


_AUTHORIZING = frozenset({"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"})


def _org_attachment(reader: _Reader, r: _Resource) -> None:
    policy: str | None = None
    if _is_unknown(r.unknown.get("policy_id")):
        # A policy created by the same plan: the configuration names it.
        expression = r.config.get("policy_id")
        references = expression.get("references") if isinstance(expression, Mapping) else None
        found = _MODULE_PREFIX.match(r.address)
        prefix = _INDEX.sub("", found.group(0)) if found else ""
        for reference in references or ():
            base = str(reference).removesuffix(".id")
            target = reader.by_address.get(prefix + base) or reader.by_address.get(base)
            if target is not None and target.type == "aws_organizations_policy":
                policy = target.address
                break
        if policy is None:
            reader.value(r, "policy_id")  # records the problem
    else:
        known = r.values.get("policy_id")
        policy = known if isinstance(known, str) else None
    target = reader.value(r, "target_id")
    if policy is not None:
        reader.org.attach(reader.draft, policy, target, r.address)


def _organization(reader: _Reader, r: _Resource) -> None:
    org_id = reader.value(r, "id")
    roots = r.values.get("roots")
    root = None
    if _is_unknown(r.unknown.get("roots")) or not roots:
        reader.draft.add(
            "terraform.unknown",
            f"{r.address}.roots",
            "known only after apply",
            "iamsim never guesses it: plan again once the organization exists",
        )
    elif isinstance(roots, list) and isinstance(roots[0], Mapping):
        root = roots[0].get("id")
    management = reader.value(r, "master_account_id")
    if reader.org.organization is not None:
        reader.draft.add(
            "organization.duplicate",
            r.address,
            f"a second organization (the first is {reader.org.organization['where']})",
        )
        return
    reader.org.organization = {
        "id": org_id,
        "root": root,
        "management": management,
        "types": list(_seq(r.values.get("enabled_policy_types")))
        if not _is_unknown(r.unknown.get("enabled_policy_types"))
        else None,
        "feature_set": r.values.get("feature_set"),
        "where": r.address,
    }


def _new_in_fragment(reader: _Reader, r: _Resource) -> bool:
    """An OU or account created by a plan that does not hold its organization: no request
    can name it before Organizations gives it its id, so it is left out (warned about)."""
    if reader.org_tree or not _is_unknown(r.unknown.get("id")):
        return False
    warnings.warn(
        f"{reader.source}: {r.address}.id: known only after apply; the new "
        f"{'OU' if r.type.endswith('unit') else 'account'} is left out",
        IamsimWarning,
        stacklevel=5,
    )
    return True


def _org_unit(reader: _Reader, r: _Resource) -> None:
    if _new_in_fragment(reader, r):
        return
    name = reader.value(r, "name")
    parent = reader.value(r, "parent_id")
    own = r.values.get("id") if not _is_unknown(r.unknown.get("id")) else None
    if isinstance(name, str) and isinstance(parent, str):
        own_id = own if isinstance(own, str) else None
        reader.org.units[r.address] = OrgUnitDecl(name, parent, own_id, r.address)


def _org_account(reader: _Reader, r: _Resource) -> None:
    if _new_in_fragment(reader, r):
        return
    account = reader.value(r, "id")
    parent = reader.value(r, "parent_id")
    if isinstance(account, str) and isinstance(parent, str):
        reader.org.members.append((account, parent, r.address))


_ORGANIZATIONS = {
    "aws_organizations_policy": _org_policy,
    "aws_organizations_policy_attachment": _org_attachment,
    "aws_organizations_organization": _organization,
    "aws_organizations_organizational_unit": _org_unit,
    "aws_organizations_account": _org_account,
}


def terraform_document(
    plan: Any,
    *,
    source: str = "plan",
    account: str | None = None,
    accounts: Mapping[str, str] | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """The world document (WORLD.md) of a parsed `terraform show -json` plan or state.

    Raise `WorldError` with every problem: each names the resource address (and attribute);
    SCPs/RCPs attached without the organization's tree are one too (see `terraform_parts`).
    """
    document, fragment = terraform_parts(
        plan, source=source, account=account, accounts=accounts, region=region
    )
    if fragment is not None:
        raise unmerged(fragment)
    return document


def terraform_parts(
    plan: Any,
    *,
    source: str = "plan",
    account: str | None = None,
    accounts: Mapping[str, str] | None = None,
    region: str | None = None,
) -> tuple[dict[str, Any], OrgFragment | None]:
    """The world document of a plan or state, and the SCPs/RCPs it attaches by target id
    when it does not describe the organization's tree (`World.merge` places them)."""
    if not isinstance(plan, Mapping) or "format_version" not in plan:
        raise WorldError(
            Problem(
                "terraform.shape",
                source,
                "not the output of `terraform show -json` (no format_version)",
                "run `terraform show -json PLANFILE > plan.json`",
            )
        )
    if accounts is not None and not isinstance(accounts, Mapping):
        raise WorldError(
            Problem("value.type", "accounts", "accounts maps provider aliases to account IDs")
        )
    given = {"account": account, **{f"accounts[{k!r}]": v for k, v in (accounts or {}).items()}}
    wrong = [
        Problem("value.account", where, f"{value!r} is not a 12-digit account ID")
        for where, value in given.items()
        if value is not None and not (isinstance(value, str) and ACCOUNT_ID.fullmatch(value))
    ]
    if wrong:
        raise WorldError(wrong)
    draft = Draft()
    providers = _map(_map(plan.get("configuration")).get("provider_config"))
    reader = _Reader(
        draft=draft,
        source=source,
        account=account,
        accounts=dict(accounts or {}),
        region=region,
        providers=providers if isinstance(providers, Mapping) else {},
    )
    resources = _resources(plan, source, draft)
    reader.by_address.update((_INDEX.sub("", r.address), r) for r in resources)
    reader.by_address.update((r.address, r) for r in resources)
    reader.org_tree = any(r.type == "aws_organizations_organization" for r in resources)
    for resource in resources:
        try:
            _read(reader, resource)
        except RecursionError:
            draft.add("terraform.too_deep", resource.address, "nested too deeply to read")
    organization, fragment = reader.org.build(draft, source)
    return draft.document(source, organization, fragment is not None), fragment


def load_terraform(
    path: str | os.PathLike[str],
    *,
    account: str | None = None,
    accounts: Mapping[str, str] | None = None,
    region: str | None = None,
    max_bytes: int | None = None,
) -> tuple[dict[str, Any], OrgFragment | None]:
    """The world document of the `terraform show -json` output in the file `path`, and the
    SCPs/RCPs it attaches without the organization's tree (`terraform_parts`)."""
    name, data = read_data_file(path, max_bytes=max_bytes)
    return terraform_parts(data, source=name, account=account, accounts=accounts, region=region)
