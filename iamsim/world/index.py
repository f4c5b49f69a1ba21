"""The world's lookups, built once: every policy reference resolved, every entity indexed.

Building the index checks the whole world and raises one `WorldError` listing each
problem with its document path; afterwards lookups are plain dictionary reads.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.errors import IamsimWarning, PolicyError, Problem, WorldError, did_you_mean
from iamsim.evaluate.inputs import Attached
from iamsim.evaluate.public import is_public
from iamsim.evaluate.services import (
    RBP_SERVICES,
    RESOURCELESS_POLICY_SERVICES,
    WHOLE_ARN_SERVICES,
)
from iamsim.model import Policy
from iamsim.request import FederatedPrincipal
from iamsim.session import RoleSession
from iamsim.tags import Tags
from iamsim.world.endpoints import DEFAULT_ENDPOINT_POLICY_NAME, default_endpoint_policy
from iamsim.world.managed import (
    AWS_MANAGED_PREFIX,
    aws_managed_arn,
    aws_managed_policy,
    unknown_managed_hint,
)
from iamsim.world.model import (
    Account,
    Group,
    Organization,
    PolicySpec,
    Resource,
    Role,
    User,
    VpcEndpoint,
    arn_account,
    arn_name,
)
from iamsim.world.names import ACCOUNT_ID, ARN_PARTS
from iamsim.world.org import AccountPlacement, org_problems, place_accounts
from iamsim.world.quotas import (
    GROUP_INLINE,
    MANAGED_POLICY,
    ORGANIZATION_POLICY,
    ROLE_INLINE,
    TRUST_POLICY_MAX,
    USER_INLINE,
    VPC_ENDPOINT_POLICY,
    policy_length,
)

if TYPE_CHECKING:
    from iamsim.world.callers import Profile
    from iamsim.world.gather import Scope, Target

__all__ = ["Identity", "WorldIndex"]


def _type(value: Any) -> str:
    return "None" if value is None else type(value).__name__


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
        # VPC endpoint ID → the endpoint and its policy (AWS's default one when it has none).
        self.endpoints: dict[str, tuple[VpcEndpoint, Attached]] = {}
        # Buckets whose policy is public and RestrictPublicBuckets in effect (S3 BPA).
        self.restricted_buckets: set[str] = set()
        self.placements: dict[str, AccountPlacement] = {}
        self.profiles: dict[str | RoleSession | FederatedPrincipal, Profile] = {}  # per-world memos
        self.targets: dict[tuple[bool, str, str | None], Target] = {}
        self.scopes: dict[tuple[Profile, str, str] | tuple[Profile, str, str, str], Scope] = {}
        self.problems: list[Problem] = []
        accounts = [a for i, a in enumerate(accounts) if self._check_account(i, a)]
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
            self._check_quotas(account)
            self._index_endpoints(account)
        if organization is not None:
            self.problems += org_problems(organization, self.accounts)
            self.placements = place_accounts(organization)
            self._check_org(organization)
        if self.problems:
            raise WorldError(self.problems)

    def __getstate__(self) -> dict[str, Any]:
        """Pickling and deep copies keep the lookups and drop the per-world memos (profiles,
        targets, scopes and their plans): they are rebuilt on first use, and keyed on
        profiles compared by identity, so they are not worth carrying."""
        state = dict(self.__dict__)
        state.update(profiles={}, targets={}, scopes={})
        return state

    def _problem(self, code: str, path: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(code, path, message, hint))

    def _check_account(self, i: int, account: Account) -> bool:
        """Whether an Account built in code holds what its fields promise; problems if not."""
        if not isinstance(account.id, str) or not ACCOUNT_ID.fullmatch(account.id):
            shown = (
                repr(account.id)[:40] if isinstance(account.id, str) else "a " + _type(account.id)
            )
            self._problem(
                "world.account.id",
                f"accounts[{i}].id",
                f"an account ID is a string of 12 digits (0-9), not {shown}",
            )
            return False
        base = f"accounts.{account.id}"
        sound = True
        if account.alias is not None and not isinstance(account.alias, str):
            self._problem(
                "value.type", f"{base}.alias", f"alias must be a string, not {_type(account.alias)}"
            )
            sound = False
        for field, cls in (
            ("users", User),
            ("groups", Group),
            ("roles", Role),
            ("resources", Resource),
        ):
            items = getattr(account, field)
            if not isinstance(items, tuple | list):
                self._problem(
                    "value.type",
                    f"{base}.{field}",
                    f"{field} must be a tuple of {cls.__name__}, not {_type(items)}",
                )
                sound = False
                continue
            for j, item in enumerate(items):
                if not isinstance(item, cls):
                    self._problem(
                        "value.type",
                        f"{base}.{field}[{j}]",
                        f"expected a {cls.__name__}, not {_type(item)}",
                    )
                    sound = False
        return sound

    def _check_arn(self, arn: str, service: str, kind: str, account: str, path: str) -> bool:
        """An IAM entity's ARN names its kind (`user/…`) and the account that holds it."""
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != service:
            self._problem("world.arn", path, f"{arn[:100]!r} is not an ARN of {service}")
            return False
        if not parts[5].startswith(f"{kind}/") or parts[5].endswith("/"):
            self._problem(
                "world.arn",
                path,
                f"{arn[:100]!r} is not an IAM {kind} ARN",
                f"an IAM {kind} ARN looks like arn:aws:iam::{account}:{kind}/NAME",
            )
            return False
        if parts[4] != account:
            self._problem(
                "world.account.entity",
                path,
                f"the {kind} belongs to account {parts[4][:40]!r} (its ARN says so), not {account}",
            )
            return False
        return True

    def _check_tags(self, tags: Tags, path: str, iam: bool) -> None:
        """IAM's tag rules: keys unique regardless of case; no `aws:` prefix (on IAM users
        and roles, on values too: IAM User Guide, "Tagging IAM resources")."""
        seen: dict[str, str] = {}
        for key, value in tags.items():
            where = f"{path}[{json.dumps(key)}]"
            if key.lower() in seen:
                self._problem(
                    "tag.duplicate",
                    where,
                    f"tag key {key!r} repeats {seen[key.lower()]!r}; tag keys are not "
                    "distinguished by case",
                )
            seen[key.lower()] = key
            if key.lower().startswith("aws:"):
                self._problem(
                    "tag.invalid", where, "tag keys starting with `aws:` are reserved by AWS"
                )
            elif iam and value.lower().startswith("aws:"):
                self._problem(
                    "tag.invalid",
                    where,
                    "tag values starting with `aws:` are reserved by AWS",
                    'IAM rejects a tag key or value that begins with "aws:"',
                )

    def resolve(
        self, spec: PolicySpec, account: Account, path: str, inline_name: str | None = None
    ) -> Attached | None:
        """A policy reference → its document, or a problem recorded at `path`."""
        if isinstance(spec, Policy):
            return Attached(spec, name=inline_name, account=account.id)
        if spec.startswith(AWS_MANAGED_PREFIX):
            copy = dict(account.aws_managed_policies).get(spec)  # the export's version wins
            if copy is not None:
                return Attached(copy, name=arn_name(spec), account="aws")
            try:
                policy = aws_managed_policy(spec)
            except PolicyError as exc:
                self._problem(
                    "world.policy.managed_unparsed",
                    path,
                    f"iamsim cannot parse AWS's document of {spec} yet: {exc.problems[0]}",
                    f"copy its document under accounts.{account.id}.policies, adjusted, "
                    "and refer to it by name",
                )
                return None
            if policy is None:
                self._problem(
                    "world.policy.unknown_managed",
                    path,
                    f"unknown AWS managed policy {spec}",
                    unknown_managed_hint(spec, account.id),
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
            if hint is None and aws_managed_arn(name) is not None:
                hint = f"did you mean `{aws_managed_arn(name)}`?"
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
        aid = account.id
        account_groups = [
            g
            for g in account.groups
            if self._check_arn(g.arn, "iam", "group", aid, f"{base}.groups[{g.arn!r}]")
        ]
        groups = {g.name: g for g in account_groups}
        group_policies: dict[str, tuple[Attached, ...]] = {}
        for g in account_groups:
            self.groups[g.arn] = g
            group_policies[g.name] = self._resolve_all(
                g.policies, account, f"{base}.groups.{g.name}.policies", f"group {g.name}"
            )
        for u in account.users:
            if not self._check_arn(u.arn, "iam", "user", aid, f"{base}.users[{u.arn!r}]"):
                continue
            path = f"{base}.users.{u.name}"
            if u.arn in self.users:
                self._problem("world.user.duplicate", path, f"user {u.name} is described twice")
            self._check_tags(u.tags, f"{path}.tags", iam=True)
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
            boundary = self._boundary(u, account, path)
            self.users[u.arn] = (u, Identity(tuple(policies), boundary))
        for r in account.roles:
            if not self._check_arn(r.arn, "iam", "role", aid, f"{base}.roles[{r.arn!r}]"):
                continue
            path = f"{base}.roles.{r.name}"
            if r.arn in self.roles:
                self._problem("world.role.duplicate", path, f"role {r.name} is described twice")
            duration = r.max_session_duration
            if isinstance(duration, bool) or not isinstance(duration, int):
                self._problem(
                    "world.role.max_session_duration",
                    f"{path}.max_session_duration",
                    f"max_session_duration must be a number of seconds, not {_type(duration)}",
                )
            elif not 3600 <= duration <= 43200:
                self._problem(
                    "world.role.max_session_duration",
                    f"{path}.max_session_duration",
                    f"max_session_duration must be between 3600 and 43200 seconds, not {duration}",
                )
            self._check_tags(r.tags, f"{path}.tags", iam=True)
            trust = None
            if isinstance(r.trust_policy, str):
                # A trust policy is part of the role itself: AWS has no managed trust policy.
                self._problem(
                    "world.role.trust_reference",
                    f"{path}.trust_policy",
                    "a trust policy must be a document, not a reference to a managed policy",
                )
            else:
                trust = self.resolve(r.trust_policy, account, f"{path}.trust_policy")
            role_policies = self._resolve_all(r.policies, account, f"{path}.policies", r.name)
            boundary = self._boundary(r, account, path)
            if trust is not None:
                trust = attrs.evolve(trust, name=f"{r.name} trust policy")
                self.roles[r.arn] = (r, Identity(role_policies, boundary), trust)
        for res in account.resources:
            path = f"{base}.resources.{res.arn}"
            if not ARN_PARTS.fullmatch(res.arn):
                self._problem(
                    "world.resource.arn",
                    path,
                    f"malformed resource ARN {res.arn[:100]!r}",
                    "an ARN looks like arn:aws:service:region:account:resource",
                )
                continue
            owner = arn_account(res.arn)
            if owner and owner != "aws" and not ACCOUNT_ID.fullmatch(owner):
                self._problem(
                    "world.resource.arn",
                    path,
                    f"the account field {owner[:40]!r} of the ARN is not 12 digits",
                )
            elif owner and owner != account.id:
                self._problem(
                    "world.resource.account",
                    path,
                    f"{res.arn} belongs to account {owner}, not {account.id}",
                )
            if res.arn in self.resources:
                self._problem(
                    "world.resource.duplicate", path, f"{res.arn} is listed by two accounts"
                )
            self._check_tags(res.tags, f"{path}.tags", iam=res.service == "iam")
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
            elif (
                res.policy is not None
                and res.arn.split(":", 5)[5].startswith("alias/")
                and res.service == "kms"
            ):
                # AWS KMS Developer Guide, "Controlling access to aliases": an alias has no
                # key policy; IAM policies govern it.
                self._problem(
                    "world.resource.no_policy",
                    f"{path}.policy",
                    "a KMS alias has no policy of its own; IAM policies govern it",
                    "give the policy to the KMS key the alias points to",
                )
            elif isinstance(res.policy, str):
                self._problem(
                    "world.resource.policy_reference",
                    f"{path}.policy",
                    "a resource policy must be a document, not a reference to a managed policy",
                )
            elif res.policy is not None:
                policy = self.resolve(res.policy, account, f"{path}.policy")
                if policy is not None:
                    policy = attrs.evolve(policy, name=f"{res.arn} policy")
                    self._check_resource_elements(res, policy.policy, f"{path}.policy")
            self.resources[res.arn] = (attrs.evolve(res, account=account.id), policy)
            if res.service == "s3":
                self.buckets[res.arn.split(":", 5)[5].split("/", 1)[0]] = res.arn
                if policy is not None:
                    self._public_bucket(account, res, policy.policy, f"{path}.policy")

    def _public_bucket(self, account: Account, res: Resource, policy: Policy, path: str) -> None:
        """S3 Block Public Access on a bucket whose policy is public: RestrictPublicBuckets
        restricts it; BlockPublicPolicy would have refused it, so it can only come from
        before the setting, and loads with a warning (S3 User Guide, "Blocking public
        access to your Amazon S3 storage")."""
        settings = res.block_public_access
        level = account.s3_block_public_access
        effective = level if settings is None else settings.combined(level)
        if effective is None or not (
            effective.restrict_public_buckets or effective.block_public_policy
        ):
            return
        if not is_public(policy):
            return
        if effective.restrict_public_buckets:
            self.restricted_buckets.add(res.arn)
        if effective.block_public_policy:
            warnings.warn(
                IamsimWarning(
                    f"{path}: the bucket policy is public and BlockPublicPolicy is on, so S3 "
                    "would refuse to put it now; iamsim loads it as already in place"
                ),
                stacklevel=2,
            )

    def _boundary(self, entity: User | Role, account: Account, path: str) -> Attached | None:
        """A user's or role's permissions boundary, resolved (None when it has none)."""
        if entity.permissions_boundary is None:
            return None
        return self.resolve(
            entity.permissions_boundary,
            account,
            f"{path}.permissions_boundary",
            f"{entity.name} boundary",
        )

    def _check_resource_elements(self, res: Resource, policy: Policy, path: str) -> None:
        """IAM User Guide, Resource element: "Statements must include either a Resource or
        a NotResource element"; services refuse a policy with one that does not. ECR
        repository policies name no Resource, and a KMS key policy keeps such a statement
        ("it has no effect")."""
        if res.service in RESOURCELESS_POLICY_SERVICES or res.service == "kms":
            return
        for i, stmt in enumerate(policy.statements):
            if stmt.resource is None and stmt.not_resource is None:
                where = (
                    f"{path}.Statement[{i}]" if policy.statement_is_list else f"{path}.Statement"
                )
                self._problem(
                    "world.resource.statement_resource",
                    where,
                    f"a statement of a {res.service} resource-based policy needs Resource or "
                    "NotResource: AWS refuses the policy without it",
                )

    # -- AWS's size quotas ---------------------------------------------------------

    def _quota(
        self, code: str, path: str, length: int, limit: int, quota: str, imported: bool, hint: str
    ) -> None:
        """A document past an AWS quota: a problem, or a warning for what AWS already
        accepted (an export, checked against the highest quota AWS grants)."""
        if length <= limit:
            return
        message = (
            f"{length:,} characters (without whitespace between JSON elements) exceed AWS's "
            f"quota {quota!r} of {limit:,} characters"
        )
        if imported:
            warnings.warn(
                IamsimWarning(f"{path}: {message}; AWS accepted it, so iamsim loads it"),
                stacklevel=2,
            )
        else:
            self._problem(code, path, message, hint)

    def _index_endpoints(self, account: Account) -> None:
        """The account's VPC endpoints, each once in the world, with the policy that applies."""
        for endpoint in account.vpc_endpoints:
            path = f"accounts.{account.id}.vpc_endpoints.{endpoint.id}"
            if endpoint.id in self.endpoints:
                self._problem(
                    "world.vpce.duplicate", path, f"VPC endpoint {endpoint.id} is described twice"
                )
                continue
            if endpoint.policy is None:
                attached = Attached(
                    default_endpoint_policy(), DEFAULT_ENDPOINT_POLICY_NAME, account.id
                )
            else:
                self._quota(
                    "world.quota.vpc_endpoint_policy",
                    f"{path}.policy",
                    policy_length(endpoint.policy),
                    VPC_ENDPOINT_POLICY,
                    "VPC endpoint policy size",
                    account.quotas.imported,
                    "shorten it (fewer statements, wildcards): AWS grants no more",
                )
                attached = Attached(endpoint.policy, f"{endpoint.id} endpoint policy", account.id)
            self.endpoints[endpoint.id] = (endpoint, attached)

    def _check_quotas(self, account: Account) -> None:
        """IAM User Guide, "IAM and AWS STS quotas": managed policies, each principal's inline
        policies together, and role trust policies (its account's quota), as IAM counts them
        ("IAM does not count white space"). AWS managed policies are AWS's and exempt."""
        base = f"accounts.{account.id}"
        quotas = account.quotas
        imported = quotas.imported
        shorten = "split it into several policies, or shorten it (fewer statements, wildcards)"
        for name, policy in account.policies:
            self._quota(
                "world.quota.managed_policy",
                f"{base}.policies.{name}",
                policy_length(policy),
                MANAGED_POLICY,
                "Managed policy size",
                imported,
                shorten,
            )
        entities: list[tuple[str, User | Group | Role, int]] = [
            *(("users", u, USER_INLINE) for u in account.users),
            *(("groups", g, GROUP_INLINE) for g in account.groups),
            *(("roles", r, ROLE_INLINE) for r in account.roles),
        ]
        for kind, entity, limit in entities:
            path = f"{base}.{kind}.{entity.name}"
            inline = [p for p in entity.policies if isinstance(p, Policy)]
            self._quota(
                "world.quota.inline_policies",
                f"{path}.policies",
                sum(map(policy_length, inline)),
                limit,
                f"Inline policy size for an IAM {kind[:-1]} (all its inline policies together)",
                imported,
                "move some statements into a managed policy of the account and attach it",
            )
            boundary = getattr(entity, "permissions_boundary", None)
            if isinstance(boundary, Policy):  # a boundary is a managed policy in AWS
                self._quota(
                    "world.quota.managed_policy",
                    f"{path}.permissions_boundary",
                    policy_length(boundary),
                    MANAGED_POLICY,
                    "Managed policy size",
                    imported,
                    shorten,
                )
            if isinstance(entity, Role) and isinstance(entity.trust_policy, Policy):
                limit = quotas.role_trust_policy_length
                raise_it = (
                    f"raise the account's quota with accounts.{account.id}.quotas."
                    f"role_trust_policy_length (AWS grants up to {TRUST_POLICY_MAX:,})"
                    if limit < TRUST_POLICY_MAX
                    else "shorten it: AWS grants no more"
                )
                self._quota(
                    "world.quota.trust_policy",
                    f"{path}.trust_policy",
                    policy_length(entity.trust_policy),
                    limit,
                    "Role trust policy length",
                    imported,
                    raise_it,
                )

    def _check_org(self, org: Organization) -> None:
        # AWS Organizations, "Quotas and service limits": an SCP or RCP holds at most 5,120
        # characters. The library's FullAWSAccess is AWS's and is never listed here.
        for name, policy in org.policies:
            self._quota(
                "world.quota.organization_policy",
                f"organization.policies.{name}",
                policy_length(policy),
                ORGANIZATION_POLICY,
                "Maximum size of a policy document (SCP or RCP)",
                org.imported,
                "split it into several policies (each level takes up to five)",
            )
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

    def covering(self, arn: str) -> tuple[Resource, Attached | None] | None:
        """The listed resource whose policy governs `arn`: the resource itself, or the
        longest listed ARN that `arn` extends past a `/` or `:` (a DynamoDB table for its
        indexes), except for services whose every ARN is a resource of its own (ECR)."""
        found = self.resources.get(arn)
        service = arn.split(":", 3)[2] if arn.count(":") >= 3 else ""
        if found is not None or service in WHOLE_ARN_SERVICES:
            return found
        below = [a for a in self.resources if arn.startswith(a) and arn[len(a)] in ":/"]
        return self.resources[max(below, key=len)] if below else None

    def role(self, arn: str) -> Role | None:
        found = self.roles.get(arn)
        return None if found is None else found[0]

    def user(self, arn: str) -> User | None:
        found = self.users.get(arn)
        return None if found is None else found[0]

    def placement(self, account: str | None) -> AccountPlacement | None:
        return None if account is None else self.placements.get(account)
