"""World: every account, principal, resource and guardrail a decision can depend on.

A World is frozen. Building one resolves every policy reference and checks the
whole world, raising one `WorldError` that lists each problem with its path;
afterwards it answers `simulate` and `assume_role` without re-parsing anything.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from iamsim.decision import Decision
from iamsim.errors import Problem, ValidationError, WorldError, did_you_mean
from iamsim.evaluate.engine import build_decision, evaluate
from iamsim.evaluate.inputs import Attached, Inputs
from iamsim.model import Policy
from iamsim.request import Caller, Context, Request, caller_from_arn
from iamsim.session import RoleSession
from iamsim.world.context import principal_keys, request_context, resource_keys
from iamsim.world.managed import AWS_MANAGED_PREFIX, aws_managed_names, aws_managed_policy
from iamsim.world.model import (
    Account,
    Group,
    Organization,
    OrgUnit,
    PolicySpec,
    Resource,
    Role,
    User,
    arn_account,
    arn_name,
)
from iamsim.world.org import AccountPlacement, place_accounts

__all__ = [
    "Account",
    "Group",
    "OrgUnit",
    "Organization",
    "Resource",
    "Role",
    "User",
    "World",
]

# Actions authorized against a role's trust policy (IAM User Guide, role trust policies).
TRUST_ACTIONS = frozenset(
    a.lower()
    for a in (
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:SetContext",
    )
)

# Services whose resources RCPs govern (AWS Organizations, "Resource control policies",
# list of supported services). Kept as data: AWS extends it over time.
RCP_SERVICES = frozenset(
    {"s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "dynamodb", "logs", "cognito-idp", "aoss"}
)

# Services that accept unsigned requests, where a resource policy can admit anonymous
# callers (IAM User Guide, policy variables: the anonymous row covers S3, SQS and SNS).
ANONYMOUS_SERVICES = frozenset({"s3", "sqs", "sns"})

# Services with one global endpoint, whose requests carry aws:RequestedRegion us-east-1.
GLOBAL_SERVICES = frozenset({"iam", "sts", "organizations", "cloudfront", "route53", "support"})

# KMS operations that work across accounts (AWS KMS Developer Guide, "Allowing users in
# other accounts to use a KMS key"); any other KMS operation fails cross-account.
KMS_CROSS_ACCOUNT = frozenset(
    a.lower()
    for a in (
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyPair",
        "kms:GenerateDataKeyPairWithoutPlaintext",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:GenerateMac",
        "kms:VerifyMac",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:Sign",
        "kms:Verify",
        "kms:DeriveSharedSecret",
        "kms:CreateGrant",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:GetPublicKey",
        "kms:ListGrants",
        "kms:RetireGrant",
        "kms:RevokeGrant",
    )
)


@attrs.frozen
class _Identity:
    """A principal's resolved policies (user, or role for its sessions)."""

    policies: tuple[Attached, ...]
    boundary: Attached | None


@attrs.frozen
class _Profile:
    """A caller as the world knows it: who, which policies, which context keys."""

    caller: Caller
    identity: tuple[Attached, ...] | None
    boundary: Attached | None = None
    session: tuple[Attached, ...] | None = None
    context: Context = attrs.field(factory=Context, eq=False)
    role_session: RoleSession | None = None
    identity_note: str | None = None
    notes: tuple[str, ...] = ()
    # A session made up from an ARN string: its issue time is the request's own clock.
    synthetic: bool = False


@attrs.frozen
class _Target:
    """What a request acts on: its owner account and resource-based policy."""

    account: str | None
    policy: Attached | None
    policy_type: str = "resource"
    required: bool = False
    label: str = "resource"
    tags: tuple[tuple[str, str], ...] = ()
    aws_managed: bool = False
    iam: bool = False
    notes: tuple[str, ...] = ()
    arn: str | None = None  # the entity that owns the policy (a bucket for its objects)
    missing: str | None = None  # why the world knows no policy for it
    context: Context = attrs.field(factory=Context, eq=False)


class _Index:
    """Lookups built once per world; raises WorldError listing every problem found."""

    def __init__(self, world: World) -> None:
        self.accounts: dict[str, Account] = {}
        self.users: dict[str, tuple[User, _Identity]] = {}
        self.roles: dict[str, tuple[Role, _Identity, Attached]] = {}
        self.groups: dict[str, Group] = {}
        self.resources: dict[str, tuple[Resource, Attached | None]] = {}
        self.buckets: dict[str, str] = {}
        self.placements: dict[str, AccountPlacement] = {}
        self.profiles: dict[str | RoleSession, _Profile] = {}  # per-world memos
        self.targets: dict[tuple[bool, str, str | None], _Target] = {}
        self.problems: list[Problem] = []
        for account in world.accounts:
            if account.id in self.accounts:
                self._problem(
                    "world.account.duplicate",
                    f"accounts.{account.id}",
                    f"account {account.id} is described twice",
                )
            self.accounts[account.id] = account
        for account in world.accounts:
            self._index_account(account)
        if world.organization is not None:
            self.placements = place_accounts(world.organization)
            self._check_org(world.organization)
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
            self.users[u.arn] = (u, _Identity(tuple(policies), boundary))
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
                self.roles[r.arn] = (r, _Identity(role_policies, boundary), trust)
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
            if res.policy is not None:
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


def _accounts(value: Iterable[Account]) -> tuple[Account, ...]:
    """Converter: the world's accounts as a tuple."""
    return tuple(value)


def _as_utc(now: _dt.datetime | None) -> _dt.datetime:
    if now is None:
        return _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    return now if now.tzinfo else now.replace(tzinfo=_dt.UTC)


@attrs.frozen
class World:
    """Accounts, their principals and resources, and the organization that governs them."""

    accounts: tuple[Account, ...] = attrs.field(default=(), converter=_accounts)
    organization: Organization | None = None
    _ix: _Index = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_ix", _Index(self))

    # -- construction ---------------------------------------------------------------

    @classmethod
    def of(
        cls, *entities: User | Role | Group | Resource, organization: Organization | None = None
    ) -> World:
        """A world from the entities a test or notebook cares about (accounts from ARNs)."""
        accounts: dict[str, dict[str, list[Any]]] = {}  # account → kind → entities
        for entity in entities:
            if not isinstance(entity, User | Role | Group | Resource):
                raise WorldError(
                    f"World.of: expected User, Role, Group or Resource, got {type(entity).__name__}"
                )
            account = entity.account
            if not (account.isdigit() and len(account) == 12):
                raise WorldError(
                    f"{entity.arn}: cannot tell the account (give a 12-digit "
                    "account in the ARN, or account= for S3 buckets)"
                )
            kind = {User: "users", Role: "roles", Group: "groups", Resource: "resources"}
            accounts.setdefault(account, {}).setdefault(kind[type(entity)], []).append(entity)
        if organization is not None:
            for account in place_accounts(organization):
                accounts.setdefault(account, {})
        return cls(
            accounts=tuple(
                Account(id=a, **{k: tuple(v) for k, v in parts.items()})  # type: ignore[arg-type]
                for a, parts in accounts.items()
            ),
            organization=organization,
        )

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> World:
        """A world from a parsed world document (WORLD.md)."""
        from iamsim.world.load import parse_world

        accounts, organization = parse_world(document)
        return cls(accounts=accounts, organization=organization)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> World:
        """A world from a .json, .yaml/.yml or .toml file."""
        from iamsim.world.load import read_world_file

        return cls.from_dict(read_world_file(path))

    @classmethod
    def demo(cls) -> World:
        """The scenario of the seed page: alice in 111111111111, the role in 222222222222."""
        from iamsim.world.demo import demo_world

        return demo_world()

    # -- lookups --------------------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        return self._ix.accounts.get(account_id)

    def role(self, arn: str) -> Role | None:
        found = self._ix.roles.get(arn)
        return None if found is None else found[0]

    def user(self, arn: str) -> User | None:
        found = self._ix.users.get(arn)
        return None if found is None else found[0]

    def resource(self, arn: str) -> Resource | None:
        found = self._ix.resources.get(arn)
        return None if found is None else found[0]

    def replace(self, old: User | Role | Resource, new: User | Role | Resource) -> World:
        """A copy of the world with one entity replaced (for what-if questions)."""
        accounts = []
        for acct in self.accounts:
            fields: dict[str, Any] = {}
            for name in ("users", "roles", "resources"):
                items = getattr(acct, name)
                if old in items:
                    fields[name] = tuple(new if x == old else x for x in items)
            accounts.append(attrs.evolve(acct, **fields) if fields else acct)
        return attrs.evolve(self, accounts=tuple(accounts))

    def placement(self, account: str | None) -> AccountPlacement | None:
        return None if account is None else self._ix.placements.get(account)

    # -- callers --------------------------------------------------------------------

    def _profile(self, principal: str | RoleSession) -> _Profile:
        """The caller's profile, built once per principal (the world never changes)."""
        cache = self._ix.profiles
        found = cache.get(principal)
        if found is None:
            found = self._build_profile(principal)
            if len(cache) < 4096:
                cache[principal] = found
        return found

    def _build_profile(self, principal: str | RoleSession) -> _Profile:
        if isinstance(principal, RoleSession):
            return self._session_profile(principal)
        if not isinstance(principal, str) or not principal:
            raise ValidationError(
                f"principal must be an ARN string or a RoleSession, not {principal!r}"
            )
        if ":role/" in principal and arn_account(principal) not in self._ix.accounts:
            # A role of an account the world does not describe: one of its sessions, with
            # no identity policies (diagnosed below like any caller of an unknown account).
            parts = principal.split(":", 5)
            principal = f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{arn_name(principal)}/iamsim"
        caller = caller_from_arn(principal) if ":role/" not in principal else None
        if caller is None:  # a role ARN: simulate one of its sessions
            role = self.role(principal)
            if role is None:
                raise self._unknown("role", principal)
            now = _as_utc(None)
            session = RoleSession(
                role_arn=role.arn,
                session_name="iamsim",
                issued=now,
                role_unique_id=role.unique_id,
                expiration=now + _dt.timedelta(hours=1),
            )
            profile = self._session_profile(session)
            return attrs.evolve(
                profile,
                synthetic=True,
                notes=(
                    *profile.notes,
                    f"{principal} is a role; simulated as its session {session.arn}",
                ),
            )
        if caller.kind in ("service", "anonymous"):
            return _Profile(caller, identity=None, context=Context.of(principal_keys(caller)))
        account = caller.account
        placement = self.placement(account)
        if account not in self._ix.accounts:
            note = (
                f"Account {account} is not described by the world, so {principal} has no "
                "identity policies that could allow the request."
            )
            return _Profile(
                caller,
                identity=(),
                identity_note=note,
                notes=(note,),
                context=Context.of(principal_keys(caller, placement=placement)),
            )
        if caller.kind == "root":
            return _Profile(
                caller, identity=(), context=Context.of(principal_keys(caller, placement=placement))
            )
        if caller.kind == "user":
            found = self._ix.users.get(principal)
            if found is None:
                raise self._unknown("user", principal)
            user, ident = found
            caller = attrs.evolve(
                caller, unique_id=user.unique_id, has_boundary=ident.boundary is not None
            )
            keys = principal_keys(caller, username=user.name, tags=user.tags, placement=placement)
            return _Profile(
                caller, identity=ident.policies, boundary=ident.boundary, context=Context.of(keys)
            )
        if caller.kind == "role_session":
            role_name = principal.split("/")[1]
            session_name = principal.split("/")[2]
            role = next(
                (
                    r
                    for r, _, _ in self._ix.roles.values()
                    if r.account == account and r.name == role_name
                ),
                None,
            )
            if role is None:
                raise self._unknown("role", f"arn:aws:iam::{account}:role/{role_name}")
            now = _as_utc(None)
            return attrs.evolve(
                self._session_profile(
                    RoleSession(
                        role_arn=role.arn,
                        session_name=session_name,
                        role_unique_id=role.unique_id,
                        issued=now,
                        expiration=now + _dt.timedelta(hours=1),
                    )
                ),
                synthetic=True,
            )
        raise ValidationError(f"{principal}: federated users are not modelled yet")

    def _unknown(self, kind: str, arn: str) -> ValidationError:
        account = arn_account(arn)
        pool = [*self._ix.users] if kind == "user" else [*self._ix.roles]
        names = [a for a in pool if arn_account(a) == account]
        hint = did_you_mean(arn, names)
        known = ", ".join(arn_name(a) for a in names) or "none"
        return ValidationError(
            f"no {kind} {arn} in account {account} (its {kind}s: {known})"
            + (f"; {hint}" if hint else "")
        )

    def _session_profile(self, session: RoleSession) -> _Profile:
        found = self._ix.roles.get(session.role_arn)
        if found is None:
            raise self._unknown("role", session.role_arn)
        role, ident, _ = found
        account = self._ix.accounts[role.account]
        caller = Caller(
            kind="role_session",
            arn=session.arn,
            account=role.account,
            principal_arn=role.arn,
            unique_id=session.assumed_role_id,
            has_boundary=ident.boundary is not None,
            service_linked=role.service_linked,
        )
        session_policies: list[Attached] = [
            Attached(p, name="inline session policy", account=role.account)
            for p in session.session_policies
        ]
        for i, arn in enumerate(session.session_policy_arns):
            ref = self._ix.resolve(arn, account, f"policy_arns[{i}]")
            if ref is None:
                raise WorldError(self._ix.problems.pop())
            session_policies.append(ref)
        tags = dict(role.tags)
        lowered = {k.lower(): k for k in tags}
        for k, v in session.tags:  # session tags override role tags with the same key
            tags.pop(lowered.get(k.lower(), k), None)
            tags[k] = v
        keys = principal_keys(
            caller, tags=tags.items(), placement=self.placement(role.account), session=session
        )
        return _Profile(
            caller,
            identity=ident.policies,
            boundary=ident.boundary,
            session=tuple(session_policies) if session_policies else None,
            context=Context.of(keys),
            role_session=session,
        )

    # -- targets --------------------------------------------------------------------

    def _target(self, action: str, resource: str, caller_account: str | None) -> _Target:
        """What the request acts on, with the resource's context keys filled in."""
        target = self._locate(action, resource, caller_account)
        keys = resource_keys(
            target.account, self.placement(target.account), target.tags, iam_resource=target.iam
        )
        return attrs.evolve(target, context=Context.of(keys))

    def _locate(self, action: str, resource: str, caller_account: str | None) -> _Target:
        if resource == "*":
            return _Target(account=caller_account, policy=None)
        parts = resource.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise ValidationError(
                f"{resource!r} is not a resource ARN (arn:partition:service:"
                'region:account:resource) or "*"'
            )
        service = parts[2]
        if action.lower() in TRUST_ACTIONS and service == "iam" and ":role/" in resource:
            found = self._ix.roles.get(resource)
            account = arn_account(resource)
            if found is None:
                known = account in self._ix.accounts
                note = (
                    f"The role {resource} does not exist in account {account}; AWS answers "
                    "AccessDenied, exactly as for a trust failure."
                    if known
                    else f"Account {account} is not described by the world, so the role "
                    f"{resource} and its trust policy are unknown."
                )
                return _Target(
                    account=account,
                    policy=None,
                    policy_type="trust",
                    required=True,
                    label="role",
                    notes=(note,),
                    arn=resource,
                    missing=note,
                )
            role, _, trust = found
            return _Target(
                account=role.account,
                policy=trust,
                policy_type="trust",
                required=True,
                label="role",
                tags=role.tags,
                iam=True,
                arn=role.arn,
            )
        arn = resource
        if service == "s3":
            bucket = parts[5].split("/", 1)[0]
            arn = self._ix.buckets.get(bucket, f"arn:{parts[1]}:s3:::{bucket}")
        entry = self._ix.resources.get(arn)
        if entry is None:
            entry = next(
                (
                    e
                    for a, e in self._ix.resources.items()
                    if arn.startswith(a) and arn[len(a) : len(a) + 1] in (":", "/")
                ),
                None,
            )
        label = {
            "s3": "bucket",
            "kms": "key",
            "sqs": "queue",
            "sns": "topic",
            "lambda": "function",
            "secretsmanager": "secret",
            "ecr": "repository",
            "iam": "IAM resource",
        }.get(service, "resource")
        required = service == "kms"
        if entry is None:
            owner = arn_account(resource) or None
            notes: tuple[str, ...] = ()
            if owner is None:
                notes = (
                    f"{arn} is not described by the world, so its owner and its "
                    "resource-based policy are unknown.",
                )
            return _Target(
                account=owner,
                policy=None,
                required=required,
                label=label,
                notes=notes,
                arn=arn,
                missing=notes[0] if notes else None,
            )
        res, policy = entry
        if policy is not None and service == "kms":
            policy = attrs.evolve(policy, require_resource=True)
        return _Target(
            account=res.account,
            policy=policy,
            required=required,
            label=label,
            tags=res.tags,
            aws_managed=res.aws_managed,
            arn=res.arn,
        )

    # -- asking ---------------------------------------------------------------------

    def _inputs(
        self,
        profile: _Profile,
        action: str,
        resource: str,
        extra: Mapping[str, object] | Context | None,
        now: _dt.datetime,
        call_keys: Mapping[str, object] | None = None,
    ) -> Inputs:
        caller = profile.caller
        memo_key = (
            action.lower() in TRUST_ACTIONS,
            resource,
            caller.account if resource == "*" else None,
        )
        target = self._ix.targets.get(memo_key)
        if target is None:
            target = self._target(action, resource, caller.account)
            if len(self._ix.targets) < 4096:
                self._ix.targets[memo_key] = target
        caller_place = self.placement(caller.account)
        target_place = self.placement(target.account)
        parts = resource.split(":", 4)
        region = parts[3] if len(parts) == 5 else ""
        if not region and action.split(":", 1)[0].lower() in GLOBAL_SERVICES:
            # Global services are called in us-east-1 (IAM User Guide, aws:RequestedRegion).
            region = "us-east-1"
        context = Context.chain(
            request_context(now, region),
            profile.context,
            self._session_clock(profile, now),
            target.context,
            *(() if not call_keys else (Context.of(call_keys),)),
            *(() if not extra else (extra if isinstance(extra, Context) else Context.of(extra),)),
        )
        request = Request(caller=caller, action=action, resource=resource, context=context)

        scp = rcp = None
        scp_note = rcp_note = None
        if caller.kind in ("service", "anonymous"):
            scp_note = "SCPs do not apply to AWS service principals or anonymous callers"
        elif caller_place is None:
            scp_note = "the caller's account is not in an organization"
        elif caller_place.management:
            scp_note = "exempt: SCPs never restrict the management account"
        elif caller.service_linked:
            scp_note = "exempt: SCPs do not restrict service-linked roles"
        else:
            scp = caller_place.scp_levels
        service = action.split(":", 1)[0].lower()
        if target_place is None:
            rcp_note = "the resource's account is not in an organization"
        elif target_place.management:
            rcp_note = "exempt: RCPs never restrict resources of the management account"
        elif service not in RCP_SERVICES:
            rcp_note = f"RCPs do not apply to the {service} service"
        elif caller.service_linked:
            rcp_note = "exempt: RCPs do not restrict service-linked roles"
        elif target.aws_managed:
            rcp_note = "exempt: RCPs do not apply to AWS managed KMS keys"
        elif action.lower() == "kms:retiregrant":
            rcp_note = "exempt: RCPs do not restrict kms:RetireGrant"
        else:
            rcp = target_place.rcp_levels

        service_denial = service_allow = None
        service_side = "target"
        if action.lower() == "sts:getcalleridentity" and caller.kind != "anonymous":
            service_allow = (
                "sts:GetCallerIdentity needs no permission and cannot be denied "
                "(AWS STS API reference, GetCallerIdentity)."
            )
        elif caller.kind == "anonymous" and service not in ANONYMOUS_SERVICES:
            service_denial = (
                f"{service} does not accept anonymous (unsigned) requests; only "
                f"{', '.join(sorted(ANONYMOUS_SERVICES))} do."
            )
            service_side = "source"
        elif (
            service == "kms"
            and caller.account
            and target.account
            and caller.account != target.account
            and action.lower() not in KMS_CROSS_ACCOUNT
        ):
            service_denial = (
                f"KMS does not allow {action} across accounts: only cryptographic "
                "operations, grants, DescribeKey, GetKeyRotationStatus and "
                "GetPublicKey work on another account's key."
            )
        return Inputs(
            request=request,
            caller_account=caller.account,
            resource_account=target.account,
            identity=profile.identity,
            resource_type=target.policy_type,  # type: ignore[arg-type]
            resource_policy=target.policy,
            resource_required=target.required,
            resource_label=target.label,
            resource_arn=target.arn,
            resource_missing=target.missing,
            root_caller=caller.kind == "root",
            boundary=profile.boundary,
            session=profile.session,
            scp=scp,
            scp_note=scp_note,
            rcp=rcp,
            rcp_note=rcp_note,
            service_denial=service_denial,
            service_side=service_side,  # type: ignore[arg-type]
            service_allow=service_allow,
            identity_note=profile.identity_note,
            notes=(
                *((service_allow,) if service_allow else ()),
                *profile.notes,
                *target.notes,
                *self._org_note(caller_place, target_place, caller.account, target.account),
            ),
        )

    @staticmethod
    def _session_clock(profile: _Profile, now: _dt.datetime) -> Context:
        """Session keys that depend on the request's time: token issue time, MFA age."""
        session = profile.role_session
        if session is None:
            return Context()
        keys: dict[str, object] = {}
        if profile.synthetic:
            keys["aws:TokenIssueTime"] = now
        elif session.expiration <= now:
            raise ValidationError(
                "The security token included in the request is expired", code="ExpiredToken"
            )
        if session.mfa_authenticated and session.mfa_time is not None:
            # Global condition keys: seconds since the principal authenticated with MFA.
            keys["aws:MultiFactorAuthAge"] = max(0, int((now - session.mfa_time).total_seconds()))
        return Context.of(keys)

    @staticmethod
    def _org_note(
        source: AccountPlacement | None,
        target: AccountPlacement | None,
        caller_account: str | None,
        resource_account: str | None,
    ) -> tuple[str, ...]:
        if (
            source is None
            or target is None
            or source.org_id != target.org_id
            or caller_account == resource_account
        ):
            return ()
        return (
            f"The caller's and the resource's accounts are in the same organization "
            f"({source.org_id}).",
        )

    def simulate(
        self,
        principal: str | RoleSession,
        action: str,
        resource: str,
        context: Mapping[str, object] | None = None,
        *,
        now: _dt.datetime | None = None,
    ) -> Decision:
        """Would AWS allow `principal` to perform `action` on `resource`?"""
        if not isinstance(action, str) or action.count(":") != 1 or not all(action.split(":")):
            raise ValidationError(
                f"{action!r} is not an action (service:Action, such as s3:GetObject)"
            )
        profile = self._profile(principal)
        inputs = self._inputs(profile, action, resource, context, _as_utc(now))
        return build_decision(
            action,
            [(inputs, evaluate(inputs))],
            origin=self._origin(
                "simulate",
                principal=principal,
                action=action,
                resource=resource,
                context=context,
                now=now,
            ),
        )

    def _origin(self, kind: str, **call: Any) -> tuple[World, str, dict[str, Any]]:
        return (self, kind, call)

    def assume_role(
        self, caller: str | RoleSession, role_arn: str, session_name: str, **params: Any
    ) -> Decision:
        """Replay `sts:AssumeRole` (API.md §3): validation, authorization, the new session."""
        from iamsim.sts import assume_role

        return assume_role(self, caller, role_arn=role_arn, session_name=session_name, **params)

    def _repr_html_(self) -> str:
        from iamsim.render.html import world_html

        return world_html(self)
