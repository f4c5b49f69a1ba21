"""SCPs and RCPs attached by Organizations id, without the organization's tree.

Infrastructure as code often declares an organization's policies and their attachments
(`aws_organizations_policy_attachment.target_id = "ou-ab12-workload"`) while the tree
they attach to — the root, the OUs, the accounts — is described elsewhere. Such an
`OrgFragment` cannot decide anything alone: `World.merge` attaches it to the one world
that has the tree (`attach`), and a world left holding one refuses every question.

AWS keeps its default `FullAWSAccess` SCP attached to every root, OU and account until
someone detaches it, and `RCPFullAWSAccess` at every level; attaching another policy
detaches neither, so an attachment adds to what the tree already holds
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html,
https://docs.aws.amazon.com/organizations/latest/APIReference/API_DetachPolicy.html,
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import attrs

from iamsim.errors import Problem, WorldError
from iamsim.model import Policy
from iamsim.world.load_org import AWS_MANAGED_RCP, AWS_MANAGED_SCP
from iamsim.world.model import Organization, OrgUnit
from iamsim.world.names import ACCOUNT_ID, ROOT_ID

__all__ = [
    "FragmentPolicy",
    "OrgAttachment",
    "OrgFragment",
    "OrgPlacement",
    "attach",
    "combine",
    "unmerged",
]

OrgPolicyKind = Literal["scp", "rcp"]


@attrs.frozen
class FragmentPolicy:
    """One SCP or RCP the input declares, and where (a Terraform address, a template path)."""

    name: str
    kind: OrgPolicyKind
    policy: Policy
    where: str


@attrs.frozen
class OrgAttachment:
    """A policy (by name) attached to a root (`r-…`), an OU (`ou-…`) or an account."""

    policy: str
    target: str
    where: str


@attrs.frozen
class OrgPlacement:
    """An existing OU or account the input keeps under `parent` (a root or OU id): the
    tree it merges into must already have it there (the input does not move it)."""

    target: str
    parent: str
    where: str


@attrs.frozen
class OrgFragment:
    """Organization policies and attachments by target id, from `source`, with no tree."""

    source: str
    policies: tuple[FragmentPolicy, ...] = ()
    attachments: tuple[OrgAttachment, ...] = ()
    placements: tuple[OrgPlacement, ...] = ()


def unmerged(fragment: OrgFragment) -> WorldError:
    """The error of a question asked of a world that holds SCPs/RCPs it cannot place."""
    names = ", ".join(p.name for p in fragment.policies) or "no policy"
    return WorldError(
        Problem(
            "world.org.fragment",
            fragment.source,
            f"SCPs/RCPs ({names}) are attached by root, OU or account id, but this world "
            "does not describe the organization",
            "merge with a world describing the organization: World.merge(org_world, this_world)",
        )
    )


def combine(fragments: Iterable[OrgFragment]) -> OrgFragment:
    """Several fragments as one; a policy name declared twice is an error naming both."""
    seen: dict[str, str] = {}
    policies: list[FragmentPolicy] = []
    attachments: list[OrgAttachment] = []
    placements: list[OrgPlacement] = []
    problems: list[Problem] = []
    sources: list[str] = []
    for fragment in fragments:
        sources.append(fragment.source)
        for policy in fragment.policies:
            first = seen.setdefault(policy.name, f"{fragment.source}: {policy.where}")
            if first != f"{fragment.source}: {policy.where}":
                problems.append(_twice(policy.name, f"{fragment.source}: {policy.where}", first))
                continue
            policies.append(policy)
        attachments.extend(fragment.attachments)
        placements.extend(fragment.placements)
    if problems:
        raise WorldError(problems)
    return OrgFragment(" + ".join(sources), tuple(policies), tuple(attachments), tuple(placements))


def _twice(name: str, where: str, first: str) -> Problem:
    return Problem(
        "organization.duplicate",
        where,
        f"organization policy {name!r} is also described by {first}",
        "an organization names its policies uniquely: describe each once",
    )


def _units(unit: OrgUnit) -> Iterable[OrgUnit]:
    yield unit
    for child in unit.children:
        yield from _units(child)


def _members(unit: OrgUnit) -> set[str]:
    return {a for u in _units(unit) for a in u.accounts}


def attach(org: Organization, fragment: OrgFragment, org_source: str) -> Organization:
    """`org` with the fragment's policies added and attached where its targets say.

    A target is the root (its id, or any root id when the tree gives its root none: an
    organization has exactly one root), an OU by its id, or an account of the tree; any
    other target is an error naming it. A policy named like one `org` has is an error.
    """
    problems: list[Problem] = []
    known = {name for name, _ in org.policies} | {AWS_MANAGED_SCP, AWS_MANAGED_RCP}
    kinds: dict[str, OrgPolicyKind] = {}
    for policy in fragment.policies:
        if policy.name in known:
            problems.append(_twice(policy.name, f"{fragment.source}: {policy.where}", org_source))
        kinds[policy.name] = policy.kind
    by_id = {u.id: u for u in _units(org.root) if u.id is not None}
    members = _members(org.root)
    added: dict[int, list[tuple[OrgPolicyKind, str]]] = {}  # id(unit) → attachments
    account_adds: dict[str, list[tuple[OrgPolicyKind, str]]] = {}
    for item in fragment.attachments:
        kind = kinds.get(item.policy)
        if kind is None:
            problems.append(
                Problem(
                    "organization.unknown_policy",
                    f"{fragment.source}: {item.where}",
                    f"attaches policy {item.policy!r}, which no input declares",
                )
            )
            continue
        unit = by_id.get(item.target)
        if unit is None and org.root.id is None and ROOT_ID.fullmatch(item.target):
            unit = org.root
        if unit is not None:
            added.setdefault(id(unit), []).append((kind, item.policy))
        elif ACCOUNT_ID.fullmatch(item.target) and item.target in members:
            account_adds.setdefault(item.target, []).append((kind, item.policy))
        else:
            problems.append(
                Problem(
                    "organization.target",
                    f"{fragment.source}: {item.where}",
                    f"target {item.target} is not the root, an OU or an account of the "
                    f"organization {org.id} ({org_source})",
                    "give the tree's root and OUs their Organizations `id`, or fix the target",
                )
            )
    problems.extend(_misplaced(org, fragment, org_source))
    if problems:
        raise WorldError(problems)

    def grown(unit: OrgUnit) -> OrgUnit:
        scps, rcps = _with(unit.scps, unit.rcps, added.get(id(unit), ()))
        return attrs.evolve(
            unit, scps=scps, rcps=rcps, children=tuple(grown(c) for c in unit.children)
        )

    account_scps = dict(org.account_scps)
    account_rcps = dict(org.account_rcps)
    for account, adds in account_adds.items():
        scps, rcps = _with(account_scps.get(account), account_rcps.get(account, ()), adds)
        if scps is not None:
            account_scps[account] = scps
        if rcps:
            account_rcps[account] = rcps
    return attrs.evolve(
        org,
        root=grown(org.root),
        policies=(*org.policies, *((p.name, p.policy) for p in fragment.policies)),
        account_scps=tuple(account_scps.items()),
        account_rcps=tuple(account_rcps.items()),
    )


def _misplaced(org: Organization, fragment: OrgFragment, org_source: str) -> list[Problem]:
    """Each existing OU or account the fragment keeps somewhere the tree does not have it."""
    parents: dict[str, str | None] = {}  # OU id or account → its parent's id (None: no id)
    for unit in _units(org.root):
        for child in unit.children:
            if child.id is not None:
                parents[child.id] = unit.id
        for account in unit.accounts:
            parents[account] = unit.id
    problems = []
    for placement in fragment.placements:
        if placement.target not in parents:
            found = "is not in the organization"
        else:
            parent = parents[placement.target]
            if parent == placement.parent or (
                parent is None
                and org.root.id is None
                and ROOT_ID.fullmatch(placement.parent)
                and placement.target in (*org.root.accounts, *(c.id for c in org.root.children))
            ):
                continue
            found = f"is under {parent or 'a unit without id'} there"
        problems.append(
            Problem(
                "organization.placement",
                f"{fragment.source}: {placement.where}",
                f"keeps {placement.target} under {placement.parent}, but it {found} "
                f"({org.id}, {org_source})",
                "iamsim does not move OUs or accounts: describe the tree as the input leaves "
                "it in the organization's world",
            )
        )
    return problems


def _with(
    scps: tuple[str, ...] | None,
    rcps: tuple[str, ...],
    adds: Iterable[tuple[OrgPolicyKind, str]],
) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    """A level's SCPs and RCPs with more attached: the default FullAWSAccess (an omitted
    `scps`) stays attached, as AWS keeps it until it is detached."""
    new_scps = list(scps) if scps is not None else None
    new_rcps = list(rcps)
    for kind, name in adds:
        if kind == "scp":
            new_scps = new_scps if new_scps is not None else [AWS_MANAGED_SCP]
            if name not in new_scps:
                new_scps.append(name)
        elif name not in new_rcps:
            new_rcps.append(name)
    return (None if new_scps is None else tuple(new_scps)), tuple(new_rcps)
