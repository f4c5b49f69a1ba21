"""AWS's own exports of a real account and organization → the world model.

`parse_authorization_details` reads the JSON output of
`aws iam get-account-authorization-details`; `parse_organization_export` reads
the Organizations `describe-organization`, `list-roots`,
`list-organizational-units-for-parent`, `list-accounts`, `describe-policy` and
`list-targets-for-policy` outputs gathered into one mapping. Fields the
simulator does not use (`CreateDate`, `RoleLastUsed`, `InstanceProfileList`, …)
are ignored. Errors are `WorldError`s whose paths point into the export
(`RoleDetailList[2].AssumeRolePolicyDocument.Statement[0].Principal`).
"""

from __future__ import annotations

import urllib.parse
import warnings
from collections.abc import Mapping
from typing import Any

from iamsim.errors import IamsimWarning, PolicyError, WorldError, did_you_mean, join_path
from iamsim.model import Policy, PolicyKind
from iamsim.world.load import _index, _Parser, _short, _type_name
from iamsim.world.managed import aws_managed_policy
from iamsim.world.model import (
    MAX_OU_DEPTH,
    Account,
    Group,
    Organization,
    OrgUnit,
    Quotas,
    Role,
    User,
)
from iamsim.world.names import (
    ACCOUNT_ID,
    IAM_ENTITY_ARN,
    ORG_ID,
    ORG_OTHER_POLICY_TYPES,
    ORG_POLICY_TYPES,
    OU_ID,
    ROOT_ID,
)
from iamsim.world.quotas import TRUST_POLICY_MAX

__all__ = ["TRUNCATED", "parse_authorization_details", "parse_organization_export"]

TRUNCATED = (
    "the export is truncated (IsTruncated: true), so the account may be missing entities; "
    "run `aws iam get-account-authorization-details` without --max-items"
)


class _Export(_Parser):
    """Shared checks for AWS export documents."""

    def __init__(self) -> None:
        super().__init__()
        self.reported: set[str] = set()

    def add(self, code: str, path: str, message: str, hint: str | None = None) -> None:
        # One problem per element: a wrong ARN is reported once, not once per check.
        if path not in self.reported:
            self.reported.add(path)
            super().add(code, path, message, hint)

    def field(self, body: Mapping[Any, Any], key: str, path: str, what: str) -> str | None:
        """A required string field."""
        if key not in body:
            self.add("key.missing", join_path(path, key), f"{what} needs {key}")
            return None
        return self.string(body[key], join_path(path, key), key)

    def records(self, body: Mapping[Any, Any], key: str, path: str) -> list[tuple[str, Any]]:
        """An optional list of records as `(path, mapping)` pairs."""
        value = body.get(key)
        where = join_path(path, key)
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            self.add("value.type", where, f"{key} must be a list, not {_type_name(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            record = self.expect_mapping(item, _index(where, i), f"each item of {key}")
            if record is not None:
                out.append((_index(where, i), record))
        return out

    def export_document(self, value: Any, path: str, kind: PolicyKind | None) -> Policy | None:
        """A policy document as IAM returns it: an object, JSON text, or URL-encoded JSON."""
        if isinstance(value, str) and not value.lstrip().startswith("{"):
            # The IAM API returns documents URL-encoded (RFC 3986); `+` stays literal.
            value = urllib.parse.unquote(value)
        if not isinstance(value, str | Mapping):
            self.add(
                "value.type",
                path,
                f"a policy document must be an object or text, not {_type_name(value)}",
            )
            return None
        return self.document(value, path, kind)


# --------------------------------------------------------------------------- IAM


def parse_authorization_details(doc: Mapping[str, Any], *, account: str | None = None) -> Account:
    """One account from the output of `aws iam get-account-authorization-details`.

    The account id is `account`, else the one every ARN in the export carries.
    Customer managed policies (`Policies`, default version) become the account's
    `policies` and are referenced by name; AWS managed policies stay ARNs for the
    `World` to resolve. Inline policies are kept as documents (their names are not
    part of the model).
    """
    parser = _Export()
    result = _authorization_details(parser, doc, account)
    if parser.problems or result is None:
        raise WorldError(parser.problems or "the export is empty")
    return result


def _authorization_details(p: _Export, doc: Any, account: str | None) -> Account | None:
    if not isinstance(doc, Mapping):
        p.add("value.type", "", f"the export must be a JSON object, not {_type_name(doc)}")
        return None
    truncated = doc.get("IsTruncated")
    if isinstance(truncated, str):  # some tools print the flag as text
        truncated = {"true": True, "false": False}.get(truncated.strip().lower(), truncated)
    if not (truncated is None or isinstance(truncated, bool)):
        p.add(
            "value.type",
            "IsTruncated",
            f"IsTruncated must be true or false, not {_short(doc['IsTruncated'])}",
        )
    elif truncated:
        warnings.warn(TRUNCATED, IamsimWarning, stacklevel=3)

    lists = {
        key: p.records(doc, key, "")
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    }
    account_id = _export_account(p, lists, account)
    if account_id is None:
        return None

    # Customer managed policies of this account, default version only.
    policies: list[tuple[str, Policy]] = []
    aws_copies: list[tuple[str, Policy]] = []  # AWS managed: kept where they differ
    local: set[str] = set()  # ARNs of this account's policies, referenced by name
    for path, record in lists["Policies"]:
        arn = p.field(record, "Arn", path, "a policy")
        match = IAM_ENTITY_ARN.fullmatch(arn or "")
        if arn is None or match is None or match["type"] != "policy":
            if arn is not None:
                p.add("resource.arn", join_path(path, "Arn"), f"malformed policy ARN {_short(arn)}")
            continue
        if match["account"] == "aws":
            _aws_managed_copy(p, record, path, arn, aws_copies)
            continue
        if match["account"] != account_id:
            p.add(
                "resource.arn",
                join_path(path, "Arn"),
                f"{_short(arn)} is not the ARN of a policy in account {account_id}",
            )
            continue
        name = match["name"]
        default = _default_version(p, record, path)
        if default is None:
            continue
        version_path, version = default
        parsed = p.export_document(
            version.get("Document"), join_path(version_path, "Document"), "identity"
        )
        if parsed is not None:
            policies.append((name, parsed))
            local.add(arn)

    def attached(record: Mapping[Any, Any], path: str, inline_key: str) -> list[Policy | str]:
        out: list[Policy | str] = []
        for item_path, item in p.records(record, inline_key, path):
            parsed = p.export_document(
                item.get("PolicyDocument"), join_path(item_path, "PolicyDocument"), "identity"
            )
            if parsed is not None:
                out.append(parsed)
        for item_path, item in p.records(record, "AttachedManagedPolicies", path):
            ref = p.field(item, "PolicyArn", item_path, "an attached policy")
            if ref is not None:
                out.append(_reference(p, ref, join_path(item_path, "PolicyArn"), local))
        return out

    def boundary(record: Mapping[Any, Any], path: str) -> str | None:
        value = record.get("PermissionsBoundary")
        if value is None:
            return None
        where = join_path(path, "PermissionsBoundary")
        body = p.expect_mapping(value, where, "PermissionsBoundary")
        if body is None:
            return None
        ref = p.field(body, "PermissionsBoundaryArn", where, "a permissions boundary")
        return (
            None
            if ref is None
            else _reference(p, ref, join_path(where, "PermissionsBoundaryArn"), local)
        )

    groups: list[Group] = []
    for path, record in lists["GroupDetailList"]:
        arn = _entity_arn(p, record, path, "group", account_id)
        policies_of = attached(record, path, "GroupPolicyList")
        if arn is not None:
            groups.append(Group(arn=arn, policies=policies_of))
    # Names as listed, so that one bad group ARN does not also fail every member.
    group_names = {record.get("GroupName") for _, record in lists["GroupDetailList"]}

    users: list[User] = []
    for path, record in lists["UserDetailList"]:
        arn = _entity_arn(p, record, path, "user", account_id)
        policies_of = attached(record, path, "UserPolicyList")
        member_of: list[str] = []
        if record.get("GroupList") is not None:
            where = join_path(path, "GroupList")
            for item_path, name in p.string_list(record["GroupList"], where, "GroupList") or []:
                if name in group_names:
                    member_of.append(name)
                else:
                    p.add(
                        "group.unknown",
                        item_path,
                        f"group {_short(name)} is not in GroupDetailList",
                        "export the account without --filter, so that groups are included",
                    )
        bound = boundary(record, path)
        tags = _tags(p, record, path)
        if arn is not None:
            users.append(
                User(
                    arn=arn,
                    policies=policies_of,
                    groups=tuple(member_of),
                    permissions_boundary=bound,
                    tags=tags,
                )
            )

    roles: list[Role] = []
    for path, record in lists["RoleDetailList"]:
        arn = _entity_arn(p, record, path, "role", account_id)
        where = join_path(path, "AssumeRolePolicyDocument")
        trust = None
        if record.get("AssumeRolePolicyDocument") is None:
            p.add("key.missing", where, "a role needs its AssumeRolePolicyDocument")
        else:
            trust = p.export_document(record["AssumeRolePolicyDocument"], where, "trust")
        policies_of = attached(record, path, "RolePolicyList")
        bound = boundary(record, path)
        tags = _tags(p, record, path)
        duration = record.get("MaxSessionDuration", 3600)
        if not isinstance(duration, int) or isinstance(duration, bool):
            p.add(
                "value.type",
                join_path(path, "MaxSessionDuration"),
                "MaxSessionDuration must be a whole number of seconds, "
                f"not {_short(duration) if isinstance(duration, float) else _type_name(duration)}",
            )
            duration = 3600
        if arn is not None and trust is not None:
            roles.append(
                Role(
                    arn=arn,
                    trust_policy=trust,
                    policies=policies_of,
                    permissions_boundary=bound,
                    max_session_duration=duration,
                    tags=tags,
                )
            )
    if p.problems:
        return None
    return Account(
        id=account_id,
        policies=tuple(policies),
        users=tuple(users),
        groups=tuple(groups),
        roles=tuple(roles),
        # AWS accepted these documents: the highest quota AWS grants, and only a warning past it.
        quotas=Quotas(role_trust_policy_length=TRUST_POLICY_MAX, imported=True),
        aws_managed_policies=tuple(aws_copies),
    )


def _aws_managed_copy(
    p: _Export, record: Mapping[Any, Any], path: str, arn: str, out: list[tuple[str, Policy]]
) -> None:
    """The export's default version of an AWS managed policy, kept where it differs from
    the shipped one (the export is what the account sees)."""
    if "PolicyVersionList" not in record:
        return  # listed without its document: the shipped one applies
    default = _default_version(p, record, path)
    if default is None:
        return
    version_path, version = default
    parsed = p.export_document(
        version.get("Document"), join_path(version_path, "Document"), "identity"
    )
    if parsed is None:
        return
    try:
        shipped = aws_managed_policy(arn)
    except PolicyError:
        shipped = None
    if parsed != shipped:
        out.append((arn, parsed))


def _export_account(
    p: _Export, lists: dict[str, list[tuple[str, Any]]], account: str | None
) -> str | None:
    """The account the export describes: given, or the one its ARNs agree on."""
    if account is not None:
        if not isinstance(account, str) or not ACCOUNT_ID.fullmatch(account):
            p.add(
                "account.id",
                "account",
                f"an account ID must be a string of 12 digits, not {_short(account)}",
            )
            return None
        return account
    found: str | None = None
    for records in lists.values():
        for path, record in records:
            arn = record.get("Arn")
            match = IAM_ENTITY_ARN.fullmatch(arn) if isinstance(arn, str) else None
            if match is None or match["account"] == "aws":
                continue
            if found is None:
                found = match["account"]
            elif match["account"] != found:
                p.add(
                    "account.mismatch",
                    join_path(path, "Arn"),
                    f"the ARN is in account {match['account']} but the export's other ARNs "
                    f"are in account {found}",
                    "one export describes one account",
                )
    if found is None and not p.problems:
        p.add(
            "account.id",
            "",
            "the export names no account (no ARN of a user, group, role or policy)",
            'pass account="123456789012"',
        )
    return found


def _default_version(
    p: _Export, record: Mapping[Any, Any], path: str
) -> tuple[str, Mapping[Any, Any]] | None:
    default_id = record.get("DefaultVersionId")
    versions = p.records(record, "PolicyVersionList", path)
    for version_path, version in versions:
        if version.get("IsDefaultVersion") is True or (
            default_id is not None and version.get("VersionId") == default_id
        ):
            return version_path, version
    p.add(
        "policy.default_version",
        join_path(path, "PolicyVersionList"),
        "the policy's default version is not in PolicyVersionList",
        None if default_id is None else f"DefaultVersionId is {_short(default_id)}",
    )
    return None


def _reference(p: _Export, arn: str, path: str, local: set[str]) -> str:
    """Attached managed policies: this account's by name, the rest by ARN."""
    match = IAM_ENTITY_ARN.fullmatch(arn)
    if match is None or match["type"] != "policy":
        p.add("policy.reference", path, f"malformed policy ARN {_short(arn)}")
        return arn
    return match["name"] if arn in local else arn


def _entity_arn(
    p: _Export, record: Mapping[Any, Any], path: str, kind: str, account_id: str
) -> str | None:
    key = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
    name = p.field(record, key, path, f"a {kind}")
    arn = record.get("Arn")
    if arn is None:
        if name is None:
            return None
        iam_path = p.iam_path(record.get("Path"), join_path(path, "Path"))
        p.iam_name(name, join_path(path, key), kind)
        return f"arn:aws:iam::{account_id}:{kind}{iam_path}{name}"
    text = p.string(arn, join_path(path, "Arn"), "Arn")
    match = IAM_ENTITY_ARN.fullmatch(text or "")
    if text is None:
        return None
    if match is None or match["type"] != kind or match["account"] != account_id:
        p.add(
            "resource.arn",
            join_path(path, "Arn"),
            f"{_short(text)} is not the ARN of a {kind} in account {account_id}",
        )
        return None
    if name is not None and match["name"] != name:
        p.add(
            "value.mismatch",
            join_path(path, key),
            f"{key} {_short(name)} does not match the ARN's name {_short(match['name'])}",
        )
    return text


def _tags(p: _Export, record: Mapping[Any, Any], path: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for item_path, tag in p.records(record, "Tags", path):
        key = p.field(tag, "Key", item_path, "a tag")
        value = p.field(tag, "Value", item_path, "a tag")
        if key is not None and value is not None:
            out.append((key, value))
    return tuple(out)


# --------------------------------------------------------------------------- Organizations


class _Unit:
    """A root or OU while the tree is assembled from parent ids."""

    def __init__(self, name: str, parent: str | None, path: str) -> None:
        self.name = name
        self.parent = parent
        self.path = path
        self.scps: list[str] = []
        self.rcps: list[str] = []
        self.accounts: list[str] = []
        self.children: list[str] = []


def parse_organization_export(doc: Mapping[str, Any]) -> Organization:
    """An organization from Organizations CLI outputs gathered into one mapping.

    Keys: `Organization` (describe-organization; its `Organization` wrapper is
    optional), `Roots` (list-roots), `OrganizationalUnits` (each with `ParentId`),
    `Accounts` (list-accounts, each with `ParentId`), `Policies` (each a
    describe-policy output, `Policy` wrapper optional, with `Targets` from
    list-targets-for-policy). Only SCPs and RCPs are read; other Organizations policy
    types are ignored, and a type Organizations does not define is a problem. A level
    with no SCP attached keeps AWS's default (`FullAWSAccess`).
    """
    parser = _Export()
    result = _organization(parser, doc)
    if parser.problems or result is None:
        raise WorldError(parser.problems or "the organization export is empty")
    return result


def _unwrap(value: Any, key: str) -> Any:
    if isinstance(value, Mapping) and set(value) == {key}:
        return value[key]
    return value


def _organization(p: _Export, doc: Any) -> Organization | None:
    if not isinstance(doc, Mapping):
        p.add("value.type", "", f"the export must be a JSON object, not {_type_name(doc)}")
        return None
    org_id, management = "", ""
    if doc.get("Organization") is None:
        p.add("key.missing", "Organization", "the output of describe-organization is missing")
    else:
        body = p.expect_mapping(
            _unwrap(doc["Organization"], "Organization"), "Organization", "Organization"
        )
        if body is not None:
            org_id = p.field(body, "Id", "Organization", "the organization") or ""
            if org_id and not ORG_ID.fullmatch(org_id):
                p.add(
                    "organization.id",
                    "Organization.Id",
                    f"invalid organization id {_short(org_id)}",
                )
            key = "ManagementAccountId" if "ManagementAccountId" in body else "MasterAccountId"
            raw = p.field(body, key, "Organization", "the organization")
            if raw is not None:
                management = p.account_id(raw, join_path("Organization", key)) or ""

    units: dict[str, _Unit] = {}
    roots = p.records(doc, "Roots", "")
    if len(roots) != 1 and not p.problems:
        p.add(
            "organization.root",
            "Roots",
            f"an organization has exactly one root, the export lists {len(roots)}",
        )
    root_id = ""
    for path, record in roots[:1]:
        root_id = p.field(record, "Id", path, "a root") or ""
        units[root_id] = _Unit("Root", None, path)

    for path, record in p.records(doc, "OrganizationalUnits", ""):
        unit_id = p.field(record, "Id", path, "an OU")
        name = p.field(record, "Name", path, "an OU")
        parent = _parent(p, record, path)
        if unit_id is None or name is None or parent is None:
            continue
        if unit_id in units:
            p.add("organization.duplicate", join_path(path, "Id"), f"OU {unit_id} is listed twice")
            continue
        units[unit_id] = _Unit(name, parent, path)
    for unit_id, unit in units.items():
        if unit.parent is None:
            continue
        if unit.parent not in units:
            p.add(
                "organization.parent",
                join_path(unit.path, "ParentId"),
                f"parent {_short(unit.parent)} is neither the root nor a listed OU",
            )
        else:
            units[unit.parent].children.append(unit_id)
    _check_cycles(p, units, root_id)

    members: dict[str, str] = {}
    listed: set[str] = set()  # every account id, placed in the tree or not
    for path, record in p.records(doc, "Accounts", ""):
        raw = p.field(record, "Id", path, "an account")
        account_id = None if raw is None else p.account_id(raw, join_path(path, "Id"))
        if account_id is not None:
            listed.add(account_id)
        parent = _parent(p, record, path)
        if account_id is None or parent is None:
            continue
        if account_id in members:
            p.add(
                "account.duplicate",
                join_path(path, "Id"),
                f"account {account_id} is already listed at {members[account_id]}",
            )
            continue
        if parent not in units:
            p.add(
                "organization.parent",
                join_path(path, "ParentId"),
                f"parent {_short(parent)} is neither the root nor a listed OU",
            )
            continue
        members[account_id] = path
        units[parent].accounts.append(account_id)
    if management and management not in members and not p.problems:
        p.add(
            "organization.management_account",
            "Accounts",
            f"the management account {management} is not in Accounts",
        )

    policies: list[tuple[str, Policy]] = []
    names: dict[str, str] = {}
    account_scps: dict[str, list[str]] = {}
    account_rcps: dict[str, list[str]] = {}
    for path, record in p.records(doc, "Policies", ""):
        # describe-policy wraps the policy in `Policy`; a flattened record works too.
        body = record.get("Policy", record)
        body_path = join_path(path, "Policy") if "Policy" in record else path
        if not isinstance(body, Mapping):
            p.add("value.type", body_path, f"a policy must be an object, not {_type_name(body)}")
            continue
        summary = p.expect_mapping(
            body.get("PolicySummary"), join_path(body_path, "PolicySummary"), "PolicySummary"
        )
        if summary is None:
            continue
        summary_path = join_path(body_path, "PolicySummary")
        ptype = p.field(summary, "Type", summary_path, "a policy summary")
        name = p.field(summary, "Name", summary_path, "a policy summary")
        known = ptype in ORG_POLICY_TYPES or ptype in ORG_OTHER_POLICY_TYPES
        if ptype is not None and not known:
            p.add(
                "organization.policy_type",
                join_path(summary_path, "Type"),
                f"unknown policy type {_short(ptype)}",
                did_you_mean(ptype, [*ORG_POLICY_TYPES, *sorted(ORG_OTHER_POLICY_TYPES)])
                or "SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY are read, the "
                "other Organizations policy types ignored",
            )
            continue
        if ptype not in ORG_POLICY_TYPES or name is None:
            continue  # tag, backup, AI opt-out … policies do not authorize requests
        kind = ORG_POLICY_TYPES[ptype]
        if name in names:
            p.add(
                "organization.duplicate",
                join_path(summary_path, "Name"),
                f"another SCP or RCP is also named {_short(name)} (at {names[name]})",
                "the world names organization policies uniquely",
            )
            continue
        names[name] = path
        parsed = p.export_document(body.get("Content"), join_path(body_path, "Content"), kind)
        if parsed is not None:
            policies.append((name, parsed))
        for target_path, target in p.records(record, "Targets", path):
            target_id = p.field(target, "TargetId", target_path, "a target")
            if target_id is None:
                continue
            if target_id in units:
                unit = units[target_id]
                (unit.scps if kind == "scp" else unit.rcps).append(name)
            elif target_id in members:
                attached = account_scps if kind == "scp" else account_rcps
                attached.setdefault(target_id, []).append(name)
            elif target_id not in listed:  # a listed account without a place: reported
                p.add(
                    "organization.target",
                    join_path(target_path, "TargetId"),
                    f"target {_short(target_id)} is not the root, a listed OU or a listed account",
                )

    if p.problems or root_id not in units:
        return None

    def build(unit_id: str) -> OrgUnit:
        unit = units[unit_id]
        return OrgUnit(
            name=unit.name,
            scps=tuple(unit.scps) or None,  # none attached: AWS's default FullAWSAccess
            rcps=tuple(unit.rcps),
            accounts=tuple(unit.accounts),
            children=tuple(build(child) for child in unit.children),
            # Organizations' own id, for attachments named by id (World.merge) and org paths
            id=unit_id if (ROOT_ID if unit.parent is None else OU_ID).fullmatch(unit_id) else None,
        )

    return Organization(
        id=org_id,
        management_account=management,
        root=build(root_id),
        policies=tuple(policies),
        account_scps=tuple((a, tuple(n)) for a, n in account_scps.items()),
        account_rcps=tuple((a, tuple(n)) for a, n in account_rcps.items()),
        imported=True,  # AWS accepted these policies: past a quota only warns
    )


def _parent(p: _Export, record: Mapping[Any, Any], path: str) -> str | None:
    """`ParentId`, or the single entry of a list-parents `Parents` list."""
    if "ParentId" in record:
        return p.string(record["ParentId"], join_path(path, "ParentId"), "ParentId")
    parents = p.records(record, "Parents", path)
    if len(parents) == 1:
        return p.field(parents[0][1], "Id", parents[0][0], "a parent")
    p.add(
        "key.missing",
        join_path(path, "ParentId"),
        "the export does not say where this sits in the organization",
        "add ParentId (from list-parents)",
    )
    return None


def _check_cycles(p: _Export, units: dict[str, _Unit], root_id: str) -> None:
    """Every OU must reach the root by its parents, at most `MAX_OU_DEPTH` levels below it."""
    for unit_id, unit in units.items():
        seen = {unit_id}
        parent = unit.parent
        while parent is not None and parent in units and parent != root_id:
            if parent in seen:
                p.add(
                    "organization.parent",
                    join_path(unit.path, "ParentId"),
                    f"OU {unit_id} is its own ancestor",
                )
                # break the cycle so the tree can still be walked for other problems
                break
            seen.add(parent)
            parent = units[parent].parent
        else:
            if len(seen) == MAX_OU_DEPTH + 1:  # the OUs below it are implied
                p.add(
                    "organization.ou.too_deep",
                    join_path(unit.path, "ParentId"),
                    f"OU {unit_id} is {len(seen)} levels below the root; AWS allows at most "
                    f"{MAX_OU_DEPTH}",
                )
