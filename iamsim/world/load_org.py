"""The world document's `organization` → an `Organization`: its OUs, SCPs and RCPs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamsim.errors import did_you_mean, join_path
from iamsim.model import Policy, PolicyKind
from iamsim.world.load_checks import _Checks, _choices, _index, _key, _short, _type_name
from iamsim.world.model import MAX_OU_DEPTH, Organization, OrgUnit
from iamsim.world.names import ORG_ID, OU_ID, ROOT_ID

AWS_MANAGED_SCP = "FullAWSAccess"
"""AWS's default SCP; the library ships its document, so it need not be listed."""

AWS_MANAGED_RCP = "RCPFullAWSAccess"
"""AWS's implicit RCP at every level; the library ships its document."""

_ORG_KEYS = ("id", "management_account", "policies", "root")
_OU_KEYS = ("id", "scps", "rcps", "accounts", "ous")


class _OrgParser(_Checks):
    """The `organization` part of the world parser: its id, policies, OUs and attachments."""

    def organization(
        self, value: Any, accounts: dict[str, tuple[str, Mapping[Any, Any]]]
    ) -> _OrgDraft | None:
        body = self.expect_mapping(value, "organization", "organization")
        if body is None:
            return None
        self.check_keys(body, _ORG_KEYS, "organization", "the organization")
        draft = _OrgDraft()
        if "id" not in body:
            self.add(
                "key.missing",
                "organization.id",
                "the organization needs an id",
                "for example `id: o-a1b2c3d4e5`",
            )
        else:
            org_id = self.string(body["id"], "organization.id", "the organization id")
            if org_id is not None and not ORG_ID.fullmatch(org_id):
                self.add(
                    "organization.id",
                    "organization.id",
                    f"invalid organization id {_short(org_id)}",
                    "an organization id is `o-` and 10-32 lowercase letters or digits",
                )
            draft.id = org_id or ""

        section = "organization.policies"
        for name, doc in self.items(
            self.optional_mapping(body.get("policies"), section, "policies"),
            section,
            "a policy name",
        ):
            where = _key(section, name)
            if not name or len(name) > 128:
                self.add("name.invalid", where, "an organization policy name is 1-128 characters")
            if not self.check_document_type(doc, where):
                continue
            draft.documents[name] = (where, doc)

        if body.get("root") is None:
            self.add(
                "key.missing",
                "organization.root",
                "the organization needs a root",
                "list the accounts under `root: {accounts: [...]}`",
            )
        else:
            draft.root = self.org_unit("Root", body["root"], "organization.root", draft)

        for account_id, (path, account_body) in accounts.items():
            for field, attached in (("scps", draft.account_scps), ("rcps", draft.account_rcps)):
                if account_body.get(field) is not None:
                    names = self.attachments(
                        account_body[field], join_path(path, field), field, draft
                    )
                    if names is not None:
                        attached[account_id] = names

        if "management_account" not in body:
            self.add(
                "key.missing",
                "organization.management_account",
                "the organization needs a management account",
            )
        else:
            where = "organization.management_account"
            management = self.account_id(body["management_account"], where)
            if (
                management is not None
                and draft.root is not None
                and (management not in draft.members)
            ):
                self.add(
                    "organization.management_account",
                    where,
                    f"the management account {management} is not listed in the organization",
                    "add it to organization.root.accounts",
                )
            draft.management = management or ""

        for account_id, where in draft.members.items():
            if account_id not in accounts:
                self.add(
                    "account.unknown",
                    where,
                    f"account {account_id} is in the organization but not under `accounts`",
                    did_you_mean(account_id, accounts)
                    or f'add `"{account_id}": {{}}` under accounts',
                )
        return draft

    def org_unit(
        self, name: str, value: Any, path: str, draft: _OrgDraft, depth: int = 0
    ) -> OrgUnit | None:
        """The root (`depth` 0) or an OU `depth` levels below it, with everything under it."""
        if depth > MAX_OU_DEPTH:
            self.add(
                "organization.ou.too_deep",
                path,
                f"this OU is {depth} levels below the root; AWS allows at most {MAX_OU_DEPTH}",
                "move it, or the OUs above it, closer to the root",
            )
            return None
        body = self.optional_mapping(value, path, "an organizational unit")
        self.check_keys(body, _OU_KEYS, path, "the root" if name == "Root" else "an OU")
        scps = None
        if body.get("scps") is not None:
            scps = self.attachments(body["scps"], join_path(path, "scps"), "scps", draft)
        rcps = None
        if body.get("rcps") is not None:
            rcps = self.attachments(body["rcps"], join_path(path, "rcps"), "rcps", draft)
        members: list[str] = []
        if body.get("accounts") is not None:
            where = join_path(path, "accounts")
            raw = body["accounts"]
            if not isinstance(raw, list | tuple):
                self.add("value.type", where, f"accounts must be a list, not {_type_name(raw)}")
            else:
                for i, item in enumerate(raw):
                    item_path = _index(where, i)
                    account_id = self.account_id(item, item_path)
                    if account_id is None:
                        continue
                    if account_id in draft.members:
                        self.add(
                            "account.duplicate",
                            item_path,
                            f"account {account_id} is already listed at "
                            f"{draft.members[account_id]}",
                            "an account belongs to exactly one OU or the root",
                        )
                        continue
                    draft.members[account_id] = item_path
                    members.append(account_id)
        unit_id = None
        if body.get("id") is not None:
            where = join_path(path, "id")
            unit_id = self.string(body["id"], where, "an id")
            pattern, shape = (ROOT_ID, "r-") if depth == 0 else (OU_ID, "ou-…-")
            if unit_id is not None and not pattern.fullmatch(unit_id):
                self.add(
                    "organization.unit_id",
                    where,
                    f"invalid {'root' if depth == 0 else 'OU'} id {_short(unit_id)}",
                    f"Organizations writes it `{shape}` and lowercase letters or digits",
                )
                unit_id = None
            elif unit_id is not None and unit_id in draft.unit_ids:
                self.add(
                    "organization.duplicate",
                    where,
                    f"id {unit_id} is also the id of {draft.unit_ids[unit_id]}",
                )
                unit_id = None
            elif unit_id is not None:
                draft.unit_ids[unit_id] = path
        children: list[OrgUnit] = []
        ous_path = join_path(path, "ous")
        for child, child_body in self.items(
            self.optional_mapping(body.get("ous"), ous_path, "ous"), ous_path, "an OU name"
        ):
            child_path = _key(ous_path, child)
            if not child or len(child) > 128:
                self.add("name.invalid", child_path, "an OU name is 1-128 characters")
            unit = self.org_unit(child, child_body, child_path, draft, depth + 1)
            if unit is not None:
                children.append(unit)
        return OrgUnit(
            name=name,
            scps=scps,
            rcps=rcps or (),
            accounts=tuple(members),
            children=tuple(children),
            id=unit_id,
        )

    def attachments(
        self, value: Any, path: str, field: str, draft: _OrgDraft
    ) -> tuple[str, ...] | None:
        """SCP or RCP names attached at one level; records each name's kind for parsing."""
        items = self.string_list(value, path, field)
        if items is None:
            return None
        kind = field[:-1]  # "scp" / "rcp"
        if kind == "scp" and not value:
            self.add(
                "organization.empty_scps",
                path,
                "scps: [] detaches every SCP",
                "AWS keeps at least one SCP attached to every root, OU and account; "
                "omit `scps` for the default FullAWSAccess",
            )
        builtin = AWS_MANAGED_SCP if kind == "scp" else AWS_MANAGED_RCP
        names: list[str] = []
        for item_path, name in items:
            if name in draft.documents:
                draft.kinds.setdefault(name, {}).setdefault(kind, item_path)
            elif name != builtin:
                self.add(
                    "organization.unknown_policy",
                    item_path,
                    f"no policy {_short(name)} in organization.policies",
                    did_you_mean(name, [*draft.documents, builtin])
                    or _choices("policies", [*draft.documents, builtin]),
                )
                continue
            names.append(name)
        return tuple(names)


class _OrgDraft:
    """What the organization section says, gathered before its policies can be parsed."""

    def __init__(self) -> None:
        self.id = ""
        self.management = ""
        self.root: OrgUnit | None = None
        self.documents: dict[str, tuple[str, Any]] = {}
        self.kinds: dict[str, dict[str, str]] = {}  # name → {"scp"/"rcp": first attachment path}
        self.members: dict[str, str] = {}  # account id → path where the org lists it
        self.unit_ids: dict[str, str] = {}  # root/OU id → path of the unit that has it
        self.account_scps: dict[str, tuple[str, ...]] = {}
        self.account_rcps: dict[str, tuple[str, ...]] = {}

    def build(self, parser: _Checks) -> Organization | None:
        policies: list[tuple[str, Policy]] = []
        for name, (where, doc) in self.documents.items():
            kinds = self.kinds.get(name, {})
            kind: PolicyKind | None = None
            if len(kinds) > 1:
                parser.add(
                    "organization.policy_kind",
                    where,
                    f"policy {_short(name)} is attached both as an SCP (at {kinds['scp']}) "
                    f"and as an RCP (at {kinds['rcp']})",
                    "an organization policy is either a service control policy or a "
                    "resource control policy",
                )
            elif kinds:
                kind = "scp" if "scp" in kinds else "rcp"
            parsed = parser.document(doc, where, kind)
            if parsed is not None:
                policies.append((name, parsed))
        if parser.problems or self.root is None:
            return None
        return Organization(
            id=self.id,
            management_account=self.management,
            root=self.root,
            policies=tuple(policies),
            account_scps=tuple(self.account_scps.items()),
            account_rcps=tuple(self.account_rcps.items()),
        )
