"""The world's lookups, built once: every policy reference resolved, every entity indexed.

Building the index checks the whole world and raises one `WorldError` listing each
problem with its document path; afterwards lookups are plain dictionary reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from iamsim.errors import Problem, WorldError, did_you_mean
from iamsim.evaluate.inputs import Attached
from iamsim.model import Policy
from iamsim.session import RoleSession
from iamsim.world.managed import AWS_MANAGED_PREFIX, aws_managed_names, aws_managed_policy
from iamsim.world.model import (
    Account,
    Group,
    Organization,
    PolicySpec,
    Resource,
    Role,
    User,
    arn_account,
    arn_name,
)
from iamsim.world.org import AccountPlacement, place_accounts
from iamsim.world.services import RBP_SERVICES

if TYPE_CHECKING:
    from iamsim.world.callers import Profile
    from iamsim.world.gather import Scope, Target

__all__ = ["Identity", "WorldIndex"]


@attrs.frozen
class Identity:
    """A principal's resolved policies (user, or role for its sessions)."""

    policies: tuple[Attached, ...]
    boundary: Attached | None


class WorldIndex:
    """Lookups built once per world; raises WorldError listing every problem found."""

    def __init__(self, accounts: Iterable[Account], organization: Organization | None) -> None:
        self.accounts: dict[str, Account] = {}
        self.users: dict[str, tuple[User, Identity]] = {}
        self.roles: dict[str, tuple[Role, Identity, Attached]] = {}
        self.groups: dict[str, Group] = {}
        self.resources: dict[str, tuple[Resource, Attached | None]] = {}
        self.buckets: dict[str, str] = {}
        self.placements: dict[str, AccountPlacement] = {}
        self.profiles: dict[str | RoleSession, Profile] = {}  # per-world memos
        self.targets: dict[tuple[bool, str, str | None], Target] = {}
        self.scopes: dict[tuple[Profile, str, str], Scope] = {}
        self.problems: list[Problem] = []
        for account in accounts:
            if account.id in self.accounts:
                self._problem(
                    "world.account.duplicate",
                    f"accounts.{account.id}",
                    f"account {account.id} is described twice",
                )
            self.accounts[account.id] = account
        for account in accounts:
            self._index_account(account)
        if organization is not None:
            self.placements = place_accounts(organization)
            self._check_org(organization)
        if self.problems:
            raise WorldError(self.problems)

    def _problem(self, code: str, path: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(code, path, message, hint))

    def resolve(
        self, spec: PolicySpec, account: Account, path: str, inline_name: str | None = None
    ) -> Attached | None:
        """A policy reference → its document, or a problem recorded at `path`."""
        if isinstance(spec, Policy):
            return Attached(spec, name=inline_name, account=account.id)
        if spec.startswith(AWS_MANAGED_PREFIX):
            policy = aws_managed_policy(spec)
            if policy is None:
                self._problem(
                    "world.policy.unknown_managed",
                    path,
                    f"unknown AWS managed policy {spec}",
                    f"iamsim ships {', '.join(aws_managed_names())}; for another one, add its "
                    f"document under accounts.{account.id}.policies and refer to it by name",
                )
                return None
            return Attached(policy, name=arn_name(spec), account="aws")
        name = spec
        if spec.startswith("arn:"):
            if arn_account(spec) != account.id or ":policy/" not in spec:
                self._problem(
                    "world.policy.foreign",
                    path,
                    f"{spec} is not a policy of account {account.id}",
                    "a customer managed policy can only be attached in its own account",
                )
                return None
            name = arn_name(spec)
        found = dict(account.policies).get(name)
        if found is None:
            names = [n for n, _ in account.policies]
            hint = did_you_mean(name, names)
            if hint is None and name in aws_managed_names():
                hint = f"did you mean `{AWS_MANAGED_PREFIX}{name}`?"
            self._problem(
                "world.policy.unknown",
                path,
                f"no policy named {name!r} in account {account.id}",
                hint,
            )
            return None
        return Attached(found, name=name, account=account.id)

    def _resolve_all(
        self, specs: Iterable[PolicySpec], account: Account, path: str, owner: str
    ) -> tuple[Attached, ...]:
        out = []
        for i, spec in enumerate(specs):
            got = self.resolve(spec, account, f"{path}[{i}]", f"{owner} inline policy #{i + 1}")
            if got is not None:
                out.append(got)
        return tuple(out)

    def _index_account(self, account: Account) -> None:
        base = f"accounts.{account.id}"
        groups = {g.name: g for g in account.groups}
        group_policies: dict[str, tuple[Attached, ...]] = {}
        for g in account.groups:
            self.groups[g.arn] = g
            group_policies[g.name] = self._resolve_all(
                g.policies, account, f"{base}.groups.{g.name}.policies", f"group {g.name}"
            )
        for u in account.users:
            path = f"{base}.users.{u.name}"
            if u.arn in self.users:
                self._problem("world.user.duplicate", path, f"user {u.name} is described twice")
            policies = list(self._resolve_all(u.policies, account, f"{path}.policies", u.name))
            for i, gname in enumerate(u.groups):
                if gname not in groups:
                    self._problem(
                        "world.user.group_unknown",
                        f"{path}.groups[{i}]",
                        f"no group named {gname!r} in account {account.id}",
                        did_you_mean(gname, groups),
                    )
                    continue
                policies += group_policies[gname]
            boundary = None
            if u.permissions_boundary is not None:
                boundary = self.resolve(
                    u.permissions_boundary,
                    account,
                    f"{path}.permissions_boundary",
                    f"{u.name} boundary",
                )
            self.users[u.arn] = (u, Identity(tuple(policies), boundary))
        for r in account.roles:
            path = f"{base}.roles.{r.name}"
            if r.arn in self.roles:
                self._problem("world.role.duplicate", path, f"role {r.name} is described twice")
            if not 3600 <= r.max_session_duration <= 43200:
                self._problem(
                    "world.role.max_session_duration",
                    f"{path}.max_session_duration",
                    "max_session_duration must be between 3600 and 43200 seconds, "
                    f"not {r.max_session_duration}",
                )
            trust = self.resolve(r.trust_policy, account, f"{path}.trust_policy")
            role_policies = self._resolve_all(r.policies, account, f"{path}.policies", r.name)
            boundary = None
            if r.permissions_boundary is not None:
                boundary = self.resolve(
                    r.permissions_boundary,
                    account,
                    f"{path}.permissions_boundary",
                    f"{r.name} boundary",
                )
            if trust is not None:
                trust = attrs.evolve(trust, name=f"{r.name} trust policy")
                self.roles[r.arn] = (r, Identity(role_policies, boundary), trust)
        for res in account.resources:
            path = f"{base}.resources.{res.arn}"
            owner = arn_account(res.arn)
            if owner and owner != account.id:
                self._problem(
                    "world.resource.account",
                    path,
                    f"{res.arn} belongs to account {owner}, not {account.id}",
                )
            if res.arn in self.resources:
                self._problem(
                    "world.resource.duplicate", path, f"{res.arn} is listed by two accounts"
                )
            policy = None
            if res.policy is not None and res.service not in RBP_SERVICES:
                # IAM User Guide, "AWS services that work with IAM": no resource-based
                # policy exists for this service (IAM's own is a role's trust policy).
                self._problem(
                    "world.resource.no_policy",
                    f"{path}.policy",
                    f"{res.service or 'this service'} does not support resource-based "
                    "policies; give the resource no policy",
                    "for an IAM role, write its trust_policy under roles"
                    if res.service == "iam"
                    else None,
                )
            elif res.policy is not None:
                policy = self.resolve(res.policy, account, f"{path}.policy")
                if policy is not None:
                    policy = attrs.evolve(policy, name=f"{res.arn} policy")
            self.resources[res.arn] = (attrs.evolve(res, account=account.id), policy)
            if res.service == "s3":
                self.buckets[res.arn.split(":", 5)[5].split("/", 1)[0]] = res.arn

    def _check_org(self, org: Organization) -> None:
        for account in self.placements:
            if account not in self.accounts:
                self._problem(
                    "world.org.account_unknown",
                    "organization",
                    f"the organization lists account {account}, which is not "
                    "described under accounts",
                    f"add accounts.{account}",
                )
        if org.management_account not in self.placements:
            self._problem(
                "world.org.management",
                "organization.management_account",
                f"management account {org.management_account} is not in the organization tree",
            )

    def role(self, arn: str) -> Role | None:
        found = self.roles.get(arn)
        return None if found is None else found[0]

    def user(self, arn: str) -> User | None:
        found = self.users.get(arn)
        return None if found is None else found[0]

    def placement(self, account: str | None) -> AccountPlacement | None:
        return None if account is None else self.placements.get(account)
