"""Organization paths: where an account sits, its SCP/RCP levels, and its org path keys.

AWS Organizations: an account is governed by every level from the root, through
each OU, down to the account itself; each level must allow (SCPs, RCPs).
"""

from __future__ import annotations

import hashlib

import attrs

from iamsim.evaluate.inputs import Attached, OrgLevel
from iamsim.world.managed import org_default_policy
from iamsim.world.model import Organization, OrgUnit

__all__ = ["AccountPlacement", "place_accounts"]


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
        if policy is not None:  # the loader has already reported unknown names
            out.append(Attached(policy, name=name, account=org.management_account))
    return tuple(out)


def place_accounts(org: Organization) -> dict[str, AccountPlacement]:
    """Every account the organization lists, with its path and policy levels."""
    root_id = "r-" + _short_id(org.id, 4)
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
            ou_id = f"ou-{root_id[2:]}-{_short_id(org.id + '/' + '/'.join(ids) + child.name, 8)}"
            walk(child, here, (*ids, ou_id))

    walk(org.root, (), (root_id,))
    return out
