"""Organization policies and the organization's tree, as infrastructure as code declares them.

Terraform and CloudFormation both declare SCPs and RCPs with the targets they attach to
(a root `r-…`, an OU `ou-…`, an account), and sometimes the tree itself: the organization,
its OUs, its accounts. `OrgInput` gathers those declarations; `build` turns them into the
world document's `organization` section when the input holds the tree, or else into an
`OrgFragment` that `World.merge` attaches to the world that has it.

Only SCPs and RCPs authorize requests; tag, backup, AI opt-out and the other Organizations
policy types are read and left out, and so are their attachments. AWS keeps its default
`FullAWSAccess` SCP attached to the root, every OU and every account unless someone detaches
it, and `RCPFullAWSAccess` likewise; an input that attaches policies detaches neither, so a
tree built here keeps both everywhere.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from iamsim.inputs._iac import Draft
from iamsim.model import Policy
from iamsim.world.load_org import AWS_MANAGED_SCP
from iamsim.world.names import ACCOUNT_ID, ORG_ID, OU_ID, ROOT_ID
from iamsim.world.names import ORG_OTHER_POLICY_TYPES as OTHER_POLICY_TYPES
from iamsim.world.names import ORG_POLICY_TYPES as POLICY_TYPES
from iamsim.world.org_fragment import FragmentPolicy, OrgAttachment, OrgFragment, OrgPlacement

__all__ = ["POLICY_TYPES", "OrgInput", "OrgUnitDecl"]

Kind = Literal["scp", "rcp"]

AWS_FULL_ACCESS_ID = "p-FullAWSAccess"
"""The id of AWS's own FullAWSAccess SCP (the same in every organization)."""


@attrs.frozen
class _Policy:
    name: str
    kind: Kind
    document: dict[str, Any]
    where: str


@attrs.frozen
class OrgUnitDecl:
    """An OU the input declares: its name, parent id, own id (when known) and input path."""

    name: str
    parent: str
    id: str | None
    where: str


@attrs.define
class OrgInput:
    """Organization declarations met while reading one input, keyed by their input path."""

    policies: dict[str, _Policy] = attrs.field(factory=dict)  # key → policy
    ignored: set[str] = attrs.field(factory=set)  # keys of tag, backup, … policies
    ids: dict[str, str] = attrs.field(factory=dict)  # p-… id, when known → key
    attachments: list[tuple[str, str, str]] = attrs.field(factory=list)  # key/id, target, where
    organization: dict[str, Any] | None = None  # id, root, management, types, feature_set, where
    units: dict[str, OrgUnitDecl] = attrs.field(factory=dict)  # key → OU
    members: list[tuple[str, str, str]] = attrs.field(factory=list)  # account, parent, where

    def policy(
        self,
        draft: Draft,
        key: str,
        name: Any,
        ptype: Any,
        content: Any,
        where: str,
        fields: tuple[str, str] = ("type", "content"),
    ) -> None:
        """Declare a policy; `content` is its JSON text or object, `where` its input path and
        `fields` what the input calls its type and content (for problem paths)."""
        if ptype in OTHER_POLICY_TYPES:
            self.ignored.add(key)
            return
        if ptype not in POLICY_TYPES:
            draft.add(
                "organization.policy_type",
                f"{where}.{fields[0]}",
                f"unknown Organizations policy type {ptype!r}",
                "SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY are read, the other "
                "Organizations policy types left out",
            )
            return
        if not isinstance(name, str) or content is None:
            return  # unknown: the reader recorded the problem
        kind = POLICY_TYPES[ptype]
        document = draft.policy(content, f"{where}.{fields[1]}", kind)
        if document is None:
            return
        for other in self.policies.values():
            if other.name == name:
                draft.add(
                    "organization.duplicate",
                    where,
                    f"organization policy {name!r} is also declared by {other.where}",
                    "an organization names its policies uniquely",
                )
                return
        self.policies[key] = _Policy(name, kind, document, where)

    def attach(self, draft: Draft, policy: str, target: Any, where: str) -> None:
        """Attach the policy `policy` (a key, or a `p-…` id) to `target`."""
        if target is None:
            return  # unknown: the reader recorded the problem
        if not isinstance(target, str):
            draft.add("value.type", where, "a target id must be a string")
            return
        if not (
            ROOT_ID.fullmatch(target) or OU_ID.fullmatch(target) or ACCOUNT_ID.fullmatch(target)
        ):
            draft.add(
                "organization.target",
                where,
                f"target {target!r} is neither a root id (r-…), an OU id (ou-…-…) nor an "
                "account id",
            )
            return
        self.attachments.append((policy, target, where))

    def build(self, draft: Draft, source: str) -> tuple[dict[str, Any] | None, OrgFragment | None]:
        """The `organization` section (the input holds the tree) or a fragment (it does not);
        problems go to `draft`."""
        resolved: list[tuple[_Policy, str, str]] = []
        for policy, target, where in self.attachments:
            key = self.ids.get(policy, policy)
            if key in self.ignored:
                continue
            if key == AWS_FULL_ACCESS_ID:
                continue  # AWS's own FullAWSAccess: attached everywhere already
            found = self.policies.get(key)
            if found is None:
                if key.startswith("p-"):
                    draft.add(
                        "organization.unknown_policy",
                        where,
                        f"attaches policy {key}, which {source} does not declare",
                        "declare the policy in the same input, or describe it in the "
                        "organization's world document",
                    )
                continue  # a policy that could not be read: its own problem is recorded
            if any(f is found and t == target for f, t, _ in resolved):
                draft.add(
                    "organization.duplicate", where, f"{found.name} is attached to {target} twice"
                )
                continue
            resolved.append((found, target, where))
        if self.organization is None:
            placements = [
                OrgPlacement(u.id, u.parent, u.where)
                for u in self.units.values()
                if u.id is not None
            ]
            placements += [OrgPlacement(a, parent, w) for a, parent, w in self.members]
            if not self.policies and not placements:
                return None, None
            return None, OrgFragment(
                source,
                tuple(
                    FragmentPolicy(
                        p.name, p.kind, Policy.from_json(p.document, kind=p.kind), p.where
                    )
                    for p in self.policies.values()
                ),
                tuple(OrgAttachment(p.name, t, w) for p, t, w in resolved),
                tuple(placements),
            )
        return self._tree(draft, source, resolved), None

    def _tree(
        self, draft: Draft, source: str, resolved: list[tuple[_Policy, str, str]]
    ) -> dict[str, Any] | None:
        org = self.organization or {}
        where = str(org.get("where", source))
        root_id, org_id = org.get("root"), org.get("id")
        if not isinstance(org_id, str) or not ORG_ID.fullmatch(org_id):
            if isinstance(org_id, str):
                draft.add("organization.id", f"{where}.id", f"invalid organization id {org_id!r}")
            return None
        if not isinstance(root_id, str) or not ROOT_ID.fullmatch(root_id):
            if isinstance(root_id, str):
                draft.add("organization.root", f"{where}.roots", f"invalid root id {root_id!r}")
            return None
        root: dict[str, Any] = {"id": root_id}
        bodies: dict[str, dict[str, Any]] = {root_id: root}
        for unit in self.units.values():
            if unit.id is not None:
                bodies[unit.id] = {"id": unit.id}
        placed: set[str] = {root_id}
        pending = dict(self.units)
        while pending:  # parents before children, whatever order the input lists them in
            progress = False
            for key, unit in list(pending.items()):
                above = bodies.get(unit.parent)
                if above is None or unit.parent not in placed:
                    continue
                body = bodies[unit.id] if unit.id is not None else {}
                ous = above.setdefault("ous", {})
                if unit.name in ous:
                    draft.add(
                        "organization.ou.duplicate",
                        unit.where,
                        f"two OUs named {unit.name!r} under {unit.parent}",
                    )
                else:
                    ous[unit.name] = body
                if unit.id is not None:
                    placed.add(unit.id)
                del pending[key]
                progress = True
            if not progress:
                for unit in pending.values():
                    draft.add(
                        "organization.parent",
                        f"{unit.where}.parent_id",
                        f"parent {unit.parent} is neither the organization's root nor an OU "
                        f"of {source}",
                    )
                break
        management = org.get("management")
        members: dict[str, str] = {}
        for account, parent, at in self.members:
            level_body = bodies.get(parent)
            if parent not in placed or level_body is None:
                draft.add(
                    "organization.parent",
                    f"{at}.parent_id",
                    f"parent {parent} is neither the organization's root nor an OU of {source}",
                )
                continue
            if account in members:
                draft.add(
                    "account.duplicate",
                    at,
                    f"account {account} is also declared by {members[account]}",
                )
                continue
            members[account] = at
            level_body.setdefault("accounts", []).append(account)
        if isinstance(management, str) and management not in members:
            root.setdefault("accounts", []).insert(0, management)  # where AWS creates it
            members[management] = where
        enabled = org.get("types")
        for policy, target, at in resolved:
            ptype = next(t for t, k in POLICY_TYPES.items() if k == policy.kind)
            if org.get("feature_set") not in (None, "ALL") or (
                isinstance(enabled, list) and ptype not in enabled
            ):
                draft.add(
                    "organization.policy_type",
                    at,
                    f"{ptype} is not enabled in the organization ({where})",
                    "add it to enabled_policy_types (and use feature_set ALL)",
                )
                continue
            field = f"{policy.kind}s"
            level = bodies.get(target) if target in placed else None
            if level is None and target in members:
                level = draft.account(target)
            if level is None:
                draft.add(
                    "organization.target",
                    at,
                    f"target {target} is not the root, an OU or an account of {source}",
                )
                continue
            names = level.setdefault(field, [AWS_MANAGED_SCP] if field == "scps" else [])
            names.append(policy.name)
        for account in members:
            draft.account(account)
        out: dict[str, Any] = {"id": org_id, "root": root}
        if isinstance(management, str):
            out["management_account"] = management
        if self.policies:
            out["policies"] = {p.name: p.document for p in self.policies.values()}
        return out
