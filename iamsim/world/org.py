"""Organization paths: where an account sits, its SCP/RCP levels, and its org path keys.

AWS Organizations: an account is governed by every level from the root, through
each OU, down to the account itself; each level must allow (SCPs, RCPs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import attrs

from iamsim.errors import Problem
from iamsim.evaluate.inputs import Attached, OrgLevel
from iamsim.model import Policy
from iamsim.world.load_checks import _Checks, _key
from iamsim.world.load_org import _OrgParser
from iamsim.world.managed import org_default_policy
from iamsim.world.model import Organization, OrgUnit

__all__ = ["AccountPlacement", "org_problems", "place_accounts"]


def _short_id(seed: str, length: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % 36] for b in digest[:length])


@attrs.frozen
class AccountPlacement:
    """Where one account sits in its organization, and what governs it."""

    org_id: str
    management: bool
    path: tuple[OrgUnit, ...]  # root first, then each OU down to the account's parent
    org_path: str  # aws:PrincipalOrgPaths / aws:ResourceOrgPaths form: o-…/r-…/ou-…/
    scp_levels: tuple[OrgLevel, ...]
    rcp_levels: tuple[OrgLevel, ...]


def _attached(org: Organization, names: tuple[str, ...]) -> tuple[Attached, ...]:
    out: list[Attached] = []
    for name in names:
        policy = org.policy(name) or org_default_policy(name)
        if policy is not None:  # unknown names are reported (org_problems) before placing
            out.append(Attached(policy, name=name, account=org.management_account))
    return tuple(out)


def place_accounts(org: Organization) -> dict[str, AccountPlacement]:
    """Every account the organization lists, with its path and policy levels."""
    root_id = org.root.id or "r-" + _short_id(org.id, 4)
    account_scps = dict(org.account_scps)
    account_rcps = dict(org.account_rcps)
    out: dict[str, AccountPlacement] = {}

    def walk(unit: OrgUnit, path: tuple[OrgUnit, ...], ids: tuple[str, ...]) -> None:
        here = (*path, unit)
        for account in unit.accounts:
            scp_levels = [
                OrgLevel(
                    "root" if i == 0 else f"ou:{u.name}",
                    _attached(org, u.scps if u.scps is not None else ("FullAWSAccess",)),
                )
                for i, u in enumerate(here)
            ]
            scp_levels.append(
                OrgLevel(
                    f"account:{account}",
                    _attached(org, account_scps.get(account, ("FullAWSAccess",))),
                )
            )
            rcp_levels = [
                OrgLevel(
                    "root" if i == 0 else f"ou:{u.name}",
                    _attached(org, ("RCPFullAWSAccess", *u.rcps)),
                )
                for i, u in enumerate(here)
            ]
            rcp_levels.append(
                OrgLevel(
                    f"account:{account}",
                    _attached(org, ("RCPFullAWSAccess", *account_rcps.get(account, ()))),
                )
            )
            out[account] = AccountPlacement(
                org_id=org.id,
                management=account == org.management_account,
                path=here,
                org_path="/".join((org.id, *ids)) + "/",
                scp_levels=tuple(scp_levels),
                rcp_levels=tuple(rcp_levels),
            )
        for child in unit.children:
            ou_id = (
                child.id
                or f"ou-{root_id[2:]}-{_short_id(org.id + '/' + '/'.join(ids) + child.name, 8)}"
            )
            walk(child, here, (*ids, ou_id))

    walk(org.root, (), (root_id,))
    return out


def org_problems(org: Organization, accounts: Mapping[str, object]) -> list[Problem]:
    """Every problem of an organization built in code, found by the rules a world
    document's `organization` is checked with (`world/load_org.py`): its id, unknown or
    misused SCP/RCP names, each policy checked as the kind it is attached as, accounts
    listed twice or not in the world, the management account. `accounts` is the world's.
    """

    parser = _OrgParser()
    policies: dict[str, Any] = {}
    for i, (name, policy) in enumerate(org.policies):
        if name in policies:
            parser.add(
                "organization.duplicate",
                f"organization.policies[{i}]",
                f"another policy is also named {name!r}",
                "the world names organization policies uniquely",
            )
        policies[name] = _document(policy)
    document = {
        "id": org.id,
        "management_account": org.management_account,
        "policies": policies,
        "root": _unit_document(org.root, "organization.root", parser),
    }
    draft = parser.organization(document, {a: (f"accounts.{a}", {}) for a in accounts})
    if draft is None:
        return parser.problems
    for field, attached in (("scps", org.account_scps), ("rcps", org.account_rcps)):
        seen: set[str] = set()
        for account, names in attached:
            path = _key(f"organization.account_{field}", account)
            if account in seen:
                parser.add("account.duplicate", path, f"account {account} is listed twice")
            seen.add(account)
            if account not in draft.members:
                parser.add(
                    "account.outside_organization",
                    path,
                    f"account {account} is not in the organization, so no "
                    f"{field[:-1].upper()} can be attached to it",
                    "list the account under the root or one of its OUs",
                )
            parser.attachments(list(names), path, field, draft)
    draft.build(parser)
    # The World reports these two itself (`world.org.account_unknown`, `world.org.management`).
    return [
        p
        for p in parser.problems
        if p.code not in ("account.unknown", "organization.management_account")
    ]


def _document(policy: Policy) -> dict[str, Any]:
    """A policy as a world document holds it (one with no statement stays visible)."""
    return policy.to_dict() if policy.statements else {"Statement": []}


def _unit_document(unit: OrgUnit, path: str, parser: _Checks) -> dict[str, Any]:
    """An OU as a world document writes it; OUs are at most MAX_OU_DEPTH levels deep."""

    body: dict[str, Any] = {}
    if unit.id is not None:
        body["id"] = unit.id
    if unit.scps is not None:
        body["scps"] = list(unit.scps)
    if unit.rcps:
        body["rcps"] = list(unit.rcps)
    if unit.accounts:
        body["accounts"] = list(unit.accounts)
    if unit.children:
        ous: dict[str, Any] = {}
        for child in unit.children:
            child_path = _key(f"{path}.ous", child.name)
            if child.name in ous:
                parser.add(
                    "organization.ou.duplicate",
                    child_path,
                    f"two OUs named {child.name!r} under one parent",
                    "AWS Organizations names the OUs of one parent uniquely",
                )
                continue
            ous[child.name] = _unit_document(child, child_path, parser)
        body["ous"] = ous
    return body
