"""`findings`: the cross-account best practices a world breaks, each with a verified fix.

The rules come from the seed page's "Best practices" list and the AWS pages around it;
each rule cites its page. A finding names its statement by the path it has in the world
document (`accounts.222222222222.roles.CrossAccountS3Reader.trust_policy.Statement[0]`,
docs/world.md), and carries a fix: the statement (or attachment) after the change, and
`apply(world) -> World`. `findings` keeps a fix only once the rule, re-run on the world
with the fix applied, no longer finds it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, Protocol

import attrs

from iamsim.errors import IamsimError, join_path
from iamsim.model import Policy, PolicyKind, Statement
from iamsim.questions.facts import account_of, element_values, matches, resolve
from iamsim.world import World
from iamsim.world.managed import AWS_MANAGED_PREFIX
from iamsim.world.model import Account, Group, Resource, Role, User
from iamsim.world.names import ACCOUNT_ID, PLAIN_KEY
from iamsim.world.org import AccountPlacement

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = [
    "RULES",
    "SEVERITIES",
    "Finding",
    "FindingFix",
    "Rule",
    "at_or_above",
    "findings",
]

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
"""Most severe first."""


@attrs.frozen
class Rule:
    """One best practice: a stable id, its name, severity, what it checks, and its source."""

    id: str
    name: str
    severity: Severity
    summary: str
    cite: str


RULES: tuple[Rule, ...] = (
    Rule(
        "IAMSIM001",
        "trust-third-party-without-external-id",
        "high",
        "A role trusts an account outside the world and the organization (a third party) "
        "without requiring sts:ExternalId: the confused deputy.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    ),
    Rule(
        "IAMSIM002",
        "trust-any-principal",
        "critical",
        "A role trusts every AWS principal (`*`) with no organization "
        "(aws:PrincipalOrgID, aws:PrincipalOrgPaths) or source condition.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
    ),
    Rule(
        "IAMSIM003",
        "cross-account-role-admin",
        "high",
        "A role that another account may assume carries AdministratorAccess or `*` on `*` "
        "(least privilege; the seed page: never for convenience).",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    ),
    Rule(
        "IAMSIM004",
        "trust-outside-organization",
        "low",
        "A role trusts an account outside the organization and the world: review that it "
        "still needs access.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html",
    ),
    Rule(
        "IAMSIM005",
        "identity-assume-any-role",
        "medium",
        "An identity policy allows sts:AssumeRole on every role (`*`): name the roles.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html",
    ),
    Rule(
        "IAMSIM006",
        "cross-account-users-without-mfa",
        "medium",
        "A role trusts the users (or the root: any principal) of another account of the "
        "world or the organization with no aws:MultiFactorAuthPresent or "
        "aws:MultiFactorAuthAge condition (a third party's access is IAMSIM001/004's).",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html",
    ),
    Rule(
        "IAMSIM007",
        "resource-policy-any-principal",
        "critical",
        "A resource-based policy allows every principal (`*`) with no condition.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html",
    ),
    Rule(
        "IAMSIM008",
        "not-principal",
        "medium",
        "A statement uses NotPrincipal, which AWS advises against: use Principal with an "
        "aws:PrincipalArn condition.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html",
    ),
    Rule(
        "IAMSIM009",
        "web-identity-trust-without-subject",
        "critical",
        "A role trusts a web identity provider for sts:AssumeRoleWithWebIdentity with no "
        "condition on who signed in (ISSUER:sub, or :aud for Amazon Cognito): every user or "
        "workload of that provider, in any organization, may assume it.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc_secure-by-default.html",
    ),
)
_RULES = {r.id: r for r in RULES}


@attrs.frozen
class FindingFix:
    """A change that removes a finding: what it does, the statement (or attachment) after it
    (`None`: removed), and `apply(world)`, which makes it in a copy of the world."""

    description: str
    change: Any
    apply: Callable[[World], World] = attrs.field(eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"description": self.description, "change": self.change}


@attrs.frozen
class Finding:
    """One broken best practice: the rule, how severe, whose account, where (the path in the
    world document), why, and a verified fix (None when no change could be verified)."""

    rule: str
    severity: Severity
    account: str
    path: str
    message: str
    fix: FindingFix | None = attrs.field(eq=False)

    @property
    def name(self) -> str:
        return _RULES[self.rule].name

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "account": self.account,
            "path": self.path,
            "message": self.message,
            "fix": None if self.fix is None else self.fix.to_dict(),
        }


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether `severity` is `threshold` or more severe."""
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


# -- where a statement lives -----------------------------------------------------------


def _key(path: str, key: str) -> str:
    """`a.b`, or `a["arn:aws:s3:::bucket"]` when the key needs quoting (as the loader names
    paths)."""
    return join_path(path, key if PLAIN_KEY.fullmatch(key) else f"[{json.dumps(key)}]")


@attrs.frozen
class _Slot:
    """One policy of the world: whose (`kind` and `name` in `account`) and which field."""

    account: str
    kind: str  # "roles", "users", "groups", "resources", "policies" (the account's)
    name: str  # the entity's name, the resource's ARN, or the policy's name
    field: str  # "trust_policy", "policies", "policy", ""
    index: int | None = None  # the position in an entity's `policies` list

    @property
    def entity(self) -> str:
        """The path of the entity (or named policy) that holds the policy."""
        return _key(_key(_key("accounts", self.account), self.kind), self.name)

    @property
    def path(self) -> str:
        path = _key(_key(_key("accounts", self.account), self.kind), self.name)
        if self.field:
            path = join_path(path, self.field)
        return path if self.index is None else f"{path}[{self.index}]"


def _statement_path(slot: _Slot, policy: Policy, i: int) -> str:
    return join_path(slot.path, f"Statement[{i}]" if policy.statement_is_list else "Statement")


@attrs.frozen
class _Hit:
    rule: str
    account: str
    path: str
    message: str
    subject: str  # what the fix must remove, independent of positions
    fix: Edit | None
    description: str
    change: Any


# -- statement facts -----------------------------------------------------------------


def _covers(stmt: Statement, action: str) -> bool:
    """Whether the statement's Action (or NotAction) takes in `action`."""
    if stmt.not_action is not None:
        return not any(matches(p, action) for p in element_values(stmt.not_action))
    return any(matches(p, action) for p in element_values(stmt.action))


def _keys(stmt: Statement) -> set[str]:
    return {c.key.lower() for c in stmt.condition or ()}


_WILD = str.maketrans("", "", "*?:")


def _narrows(stmt: Statement, key: str) -> bool:
    """Whether the statement tests `key` with a value that narrows it: a value of wildcards
    alone (`*`), or GitHub's `repo:*`, admits everyone, as no condition does (IAM User
    Guide, "Identity-provider controls for shared OIDC providers")."""
    wanted = key.lower()
    return any(
        c.key.lower() == wanted
        and not c.operator.lower().startswith(("stringnot", "forallvalues:stringnot"))
        and all(
            isinstance(v, str) and v.translate(_WILD).lower() not in ("", "repo") for v in c.values
        )
        for c in stmt.condition or ()
    )


def _aws(stmt: Statement) -> tuple[str, ...]:
    """The statement's `AWS` principals (`*` for `"Principal": "*"`)."""
    if stmt.principal is None:
        return ()
    if stmt.principal.wildcard:
        return ("*",)
    return stmt.principal.values("AWS")


def _is_user_or_root(principal: str) -> bool:
    return (
        bool(ACCOUNT_ID.fullmatch(principal))
        or principal.endswith(":root")
        or (":user/" in principal)
    )


_ORG_KEYS = {"aws:principalorgid", "aws:principalorgpaths"}
_SOURCE_KEYS = {
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "sts:externalid",
}
_MFA_KEYS = {"aws:multifactorauthpresent", "aws:multifactorauthage"}
_ADMIN = f"{AWS_MANAGED_PREFIX}AdministratorAccess"


def _admin(stmt: Statement) -> bool:
    """`Allow` `*` (or `*:*`) on `*`."""
    return (
        stmt.effect == "Allow"
        and stmt.not_action is None
        and any(a in ("*", "*:*") for a in element_values(stmt.action))
        and stmt.not_resource is None
        and "*" in element_values(stmt.resource)
    )


def _any_role(resource: str) -> bool:
    """A Resource that takes in the roles of every account."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[2] in ("iam", "*") and "*" in parts[4]


# -- editing a copy of the world ---------------------------------------------------


def _doc(policy: Policy) -> dict[str, Any]:
    doc = policy.to_dict()
    statements = doc["Statement"]
    doc["Statement"] = list(statements) if isinstance(statements, list) else [statements]
    return doc


def _edit_policy(
    policy: Policy, i: int, new: dict[str, Any] | None, kind: PolicyKind
) -> Policy | None:
    """`policy` with statement `i` replaced by `new` (removed when None); None when empty."""
    doc = _doc(policy)
    statements = doc["Statement"]
    if new is None:
        del statements[i]
    else:
        statements[i] = new
    if not statements:
        return None
    return Policy.from_json(doc, kind=kind)


Accounts = tuple[Account, ...]
Edit = Callable[[Accounts], Accounts]
"""A fix, as a change of the world's accounts."""


class _Facts(Protocol):
    """What the rules read of a world (a `World`, or a `_View` of one being fixed)."""

    @property
    def accounts(self) -> Accounts: ...

    def account(self, account_id: str) -> Account | None: ...

    def placement(self, account: str | None) -> AccountPlacement | None: ...


@attrs.frozen
class _View:
    """A world's accounts with one fix made, read without rebuilding the world: a fix never
    adds an account or changes the organization."""

    accounts: Accounts
    base: World

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def placement(self, account: str | None) -> AccountPlacement | None:
        return self.base.placement(account)


@attrs.frozen
class _OwnerView:
    """A world with one fix made in one account, for re-running a rule on that account's
    entity: the rules iterate the owner's account only (the entity lives there), and look
    every other account up in the world as it is. Re-running a rule costs one account,
    not the whole world, so verifying every fix stays linear in the world's size."""

    owner: Account
    base: World

    @property
    def accounts(self) -> Accounts:
        return (self.owner,)

    def account(self, account_id: str) -> Account | None:
        return self.owner if account_id == self.owner.id else self.base.account(account_id)

    def placement(self, account: str | None) -> AccountPlacement | None:
        return self.base.placement(account)


def _edit_account(
    accounts: Accounts, account_id: str, change: Callable[[Account], Account]
) -> Accounts:
    return tuple(change(a) if a.id == account_id else a for a in accounts)


def _replace_in(items: tuple[Any, ...], old: Any, new: Any | None) -> tuple[Any, ...]:
    return tuple(new if x is old else x for x in items if not (x is old and new is None))


def _set_policy(accounts: Accounts, slot: _Slot, policy: Policy | None) -> Accounts:
    """The accounts with the policy in `slot` replaced (removed when None: an empty trust
    policy removes its role)."""

    def change(account: Account) -> Account:
        if slot.kind == "policies":
            named = tuple(
                (n, policy if n == slot.name else p)
                for n, p in account.policies
                if not (n == slot.name and policy is None)
            )
            return attrs.evolve(account, policies=named)
        entities: tuple[Any, ...] = getattr(account, slot.kind)
        for entity in entities:
            if _entity_name(entity) != slot.name:
                continue
            if slot.field == "trust_policy":
                new = None if policy is None else attrs.evolve(entity, trust_policy=policy)
            elif slot.field == "policy":
                new = attrs.evolve(entity, policy=policy)
            else:
                assert slot.index is not None
                specs = list(entity.policies)
                if policy is None:
                    del specs[slot.index]
                else:
                    specs[slot.index] = policy
                new = attrs.evolve(entity, policies=tuple(specs))
            changes: dict[str, Any] = {slot.kind: _replace_in(entities, entity, new)}
            return attrs.evolve(account, **changes)
        return account

    return _edit_account(accounts, slot.account, change)


def _statement_fix(
    slot: _Slot, policy: Policy, i: int, new: dict[str, Any] | None, kind: PolicyKind
) -> Edit:
    def edit(accounts: Accounts) -> Accounts:
        return _set_policy(accounts, slot, _edit_policy(policy, i, new, kind))

    return edit


def _entity_name(entity: User | Role | Group | Resource) -> str:
    return entity.arn if isinstance(entity, Resource) else entity.name


# -- the world's policies ------------------------------------------------------------


def _trusts(world: _Facts) -> Iterator[tuple[Role, _Slot, Policy]]:
    for account in world.accounts:
        for role in account.roles:
            if isinstance(role.trust_policy, Policy):
                yield role, _Slot(account.id, "roles", role.name, "trust_policy"), role.trust_policy


def _editable_identity(world: _Facts) -> Iterator[tuple[_Slot, Policy]]:
    """Every identity policy a world document writes out: named ones, and inline ones."""
    for account in world.accounts:
        for name, policy in account.policies:
            yield _Slot(account.id, "policies", name, ""), policy
        for kind in ("users", "groups", "roles"):
            for entity in getattr(account, kind):
                for i, spec in enumerate(entity.policies):
                    if isinstance(spec, Policy):
                        yield _Slot(account.id, kind, entity.name, "policies", i), spec


# -- the rules -------------------------------------------------------------------------


def _outsider(world: _Facts, account: str) -> bool:
    """An account outside the world and outside its organization: a third party."""
    return world.account(account) is None and world.placement(account) is None


def _subject(rule: str, path: str, what: Any) -> str:
    owner = re.sub(r"\[\d+\]", "", path)
    return f"{rule} {owner} {json.dumps(what, sort_keys=True, default=str)}"


def _with_condition(raw: dict[str, Any], operator: str, key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(raw))
    block = out.setdefault("Condition", {})
    block.setdefault(operator, {})[key] = value
    return out


def _without_principals(raw: dict[str, Any], dropped: set[str]) -> dict[str, Any] | None:
    """The statement with some `AWS` principals dropped; None when none would be left."""
    out: dict[str, Any] = json.loads(json.dumps(raw))
    principal = out.get("Principal")
    if not isinstance(principal, dict):
        return None
    kept = [p for p in element_values(principal.get("AWS")) if p not in dropped]
    others = {k: v for k, v in principal.items() if k != "AWS"}
    if not kept and not others:
        return None
    out["Principal"] = {**others, **({"AWS": kept if len(kept) > 1 else kept[0]} if kept else {})}
    return out


def _org_restriction(world: _Facts, account: str) -> tuple[str, str, Any]:
    """The condition that keeps a `*` grant inside the organization (or the world)."""
    placement = world.placement(account)
    if placement is not None:
        return "StringEquals", "aws:PrincipalOrgID", placement.org_id
    accounts = sorted(a.id for a in world.accounts)
    return "StringEquals", "aws:PrincipalAccount", accounts if len(accounts) > 1 else accounts[0]


def _trust_rules(world: _Facts, within: str | None = None) -> Iterator[_Hit]:
    for role, slot, policy in _trusts(world):
        if within is not None and slot.entity != within:
            continue
        for i, stmt in enumerate(policy.statements):
            path = _statement_path(slot, policy, i)
            raw = stmt.to_dict()
            if stmt.effect != "Allow" or not _covers(stmt, "sts:AssumeRole"):
                continue
            principals = _aws(stmt)
            keys = _keys(stmt)
            outside = sorted(
                {p for p in principals if (a := account_of(p)) and _outsider(world, a)}
            )
            if "*" in principals and not keys & (_ORG_KEYS | _SOURCE_KEYS):
                op, key, value = _org_restriction(world, slot.account)
                yield _Hit(
                    "IAMSIM002",
                    slot.account,
                    path,
                    f'{role.arn} trusts every AWS principal ("*") with no organization or '
                    "source condition: anyone in any account who is allowed sts:AssumeRole "
                    "may assume it.",
                    _subject("IAMSIM002", path, raw),
                    _statement_fix(slot, policy, i, _with_condition(raw, op, key, value), "trust"),
                    f"Add the condition {op} {key} = {json.dumps(value)}.",
                    _with_condition(raw, op, key, value),
                )
            if outside and "sts:externalid" not in keys:
                new = _with_condition(raw, "StringEquals", "sts:ExternalId", "CHANGE-ME")
                yield _Hit(
                    "IAMSIM001",
                    slot.account,
                    path,
                    f"{role.arn} trusts {', '.join(outside)}, outside the world and the "
                    "organization (a third party), without sts:ExternalId: a confused deputy "
                    "could make that party assume it on another customer's behalf.",
                    _subject("IAMSIM001", path, raw),
                    _statement_fix(slot, policy, i, new, "trust"),
                    "Require the external ID the third party gives you: add the condition "
                    'StringEquals sts:ExternalId = "CHANGE-ME" (their value).',
                    new,
                )
            if outside:
                kept = _without_principals(raw, set(outside))
                yield _Hit(
                    "IAMSIM004",
                    slot.account,
                    path,
                    f"{role.arn} trusts {', '.join(outside)}, outside the organization and "
                    "the world: review that it still needs access, and remove it if not.",
                    _subject("IAMSIM004", path, raw),
                    _statement_fix(slot, policy, i, kept, "trust"),
                    f"Remove {', '.join(outside)} from the trust policy"
                    + (" (its only principal: the statement goes)" if kept is None else "")
                    + ".",
                    kept,
                )
            humans = sorted(
                p
                for p in principals
                if p != "*"
                and _is_user_or_root(p)
                and (account_of(p) or slot.account) != slot.account
                and not _outsider(world, account_of(p) or slot.account)
            )
            if humans and not keys & _MFA_KEYS:
                new = _with_condition(raw, "Bool", "aws:MultiFactorAuthPresent", "true")
                yield _Hit(
                    "IAMSIM006",
                    slot.account,
                    path,
                    f"{role.arn} trusts {', '.join(humans)}, which takes in the IAM users of "
                    "another account of yours, without requiring MFA: a leaked access key is "
                    "enough to cross over.",
                    _subject("IAMSIM006", path, raw),
                    _statement_fix(slot, policy, i, new, "trust"),
                    'Add the condition Bool aws:MultiFactorAuthPresent = "true" (callers '
                    "then pass --serial-number and --token-code).",
                    new,
                )


def _web_identity_key(provider: str) -> tuple[str, str, str] | None:
    """For a `Federated` web identity provider: the key that says who signed in, the
    operator and the placeholder of the fix; None for a SAML provider."""
    if ":saml-provider/" in provider:
        return None
    host = provider.split(":oidc-provider/", 1)[-1]
    if host == "cognito-identity.amazonaws.com":
        # Cognito Developer Guide, "Role trust and permissions": without an aud condition any
        # identity pool, anyone's, can assume the role.
        return f"{host}:aud", "StringEquals", "us-east-1:CHANGE-ME"
    if host == "token.actions.githubusercontent.com":
        return f"{host}:sub", "StringLike", "repo:CHANGE-ME/CHANGE-ME:*"
    return f"{host}:sub", "StringEquals", "CHANGE-ME"


def _web_identity_rules(world: _Facts, within: str | None = None) -> Iterator[_Hit]:
    """IAM User Guide, "Identity-provider controls for shared OIDC providers" and
    "Configuring a role for GitHub OIDC identity provider": a trust policy must test the
    claim that says who signed in, or every user of a shared provider may assume the role."""
    for role, slot, policy in _trusts(world):
        if within is not None and slot.entity != within:
            continue
        for i, stmt in enumerate(policy.statements):
            if stmt.effect != "Allow" or not _covers(stmt, "sts:AssumeRoleWithWebIdentity"):
                continue
            providers = [
                v
                for kind, vs in (stmt.principal.entries if stmt.principal else ())
                if kind == "Federated"
                for v in element_values(vs)
            ]
            for provider in providers:
                found = _web_identity_key(provider)
                if found is None or _narrows(stmt, found[0]):
                    continue
                key, op, value = found
                path = _statement_path(slot, policy, i)
                raw = stmt.to_dict()
                new = _with_condition(raw, op, key, value)
                yield _Hit(
                    "IAMSIM009",
                    slot.account,
                    path,
                    f"{role.arn} trusts {provider} for sts:AssumeRoleWithWebIdentity with no "
                    f"condition on {key}: every user or workload that provider signs in, in "
                    "any organization, may assume it.",
                    _subject("IAMSIM009", path, raw),
                    _statement_fix(slot, policy, i, new, "trust"),
                    f"Add the condition {op} {key} = {json.dumps(value)} (your value).",
                    new,
                )


def _cross_account(world: _Facts, role: Role) -> bool:
    """Whether another account (or anyone) may assume `role`, by its trust policy."""
    trust = role.trust_policy
    if not isinstance(trust, Policy):
        return False
    for stmt in trust.statements:
        if stmt.effect == "Allow" and _covers(stmt, "sts:AssumeRole"):
            for p in _aws(stmt):
                if p == "*" or (account_of(p) or role.account) != role.account:
                    return True
    return False


def _admin_rules(world: _Facts, within: str | None = None) -> Iterator[_Hit]:
    for account in world.accounts:
        for role in account.roles:
            if within is not None and _Slot(account.id, "roles", role.name, "").entity != within:
                continue
            if not _cross_account(world, role):
                continue
            for i, spec in enumerate(role.policies):
                slot = _Slot(account.id, "roles", role.name, "policies", i)
                if isinstance(spec, str):
                    policy = resolve(world, account, spec)
                    admin = spec == _ADMIN or (
                        policy is not None and any(map(_admin, policy.statements))
                    )
                    if admin:
                        yield _Hit(
                            "IAMSIM003",
                            account.id,
                            slot.path,
                            f"{role.arn} may be assumed from another account and carries "
                            f"{spec}, which allows every action on every resource.",
                            _subject("IAMSIM003", slot.path, [role.arn, spec]),
                            _detach(slot),
                            f"Detach {spec}; attach only the permissions the role needs.",
                            None,
                        )
                    continue
                for j, stmt in enumerate(spec.statements):
                    if _admin(stmt):
                        path = _statement_path(slot, spec, j)
                        yield _Hit(
                            "IAMSIM003",
                            account.id,
                            path,
                            f"{role.arn} may be assumed from another account and its inline "
                            "policy allows every action on every resource.",
                            _subject("IAMSIM003", path, [role.arn, stmt.to_dict()]),
                            _statement_fix(slot, spec, j, None, "identity"),
                            "Remove the statement; grant only the actions the role needs.",
                            None,
                        )


def _detach(slot: _Slot) -> Edit:
    def edit(accounts: Accounts) -> Accounts:
        return _set_policy(accounts, slot, None)

    return edit


def _trusting_index(world: _Facts) -> tuple[dict[str, set[str]], set[str]]:
    """For each account, the roles whose trust policy names it; and the roles whose trust
    policy names anyone (`*`). One pass over the world's roles, for every identity hit."""
    by_account: dict[str, set[str]] = {}
    anyone: set[str] = set()
    for role, _, policy in _trusts(world):
        for stmt in policy.statements:
            if stmt.effect != "Allow":
                continue
            for p in _aws(stmt):
                if p == "*":
                    anyone.add(role.arn)
                else:
                    account = account_of(p)
                    if account is not None:
                        by_account.setdefault(account, set()).add(role.arn)
    return by_account, anyone


def _trusting_roles(index: tuple[dict[str, set[str]], set[str]], account: str) -> list[str]:
    """Roles whose trust policy names `account` (or anyone): where its principals may go."""
    by_account, anyone = index
    return sorted(by_account.get(account, set()) | anyone)


def _identity_rules(world: _Facts, within: str | None = None) -> Iterator[_Hit]:
    trusting: tuple[dict[str, set[str]], set[str]] | None = None
    for slot, policy in _editable_identity(world):
        if within is not None and slot.entity != within:
            continue
        for i, stmt in enumerate(policy.statements):
            if stmt.effect != "Allow" or stmt.not_resource is not None:
                continue
            actions = element_values(stmt.action)
            if not any(
                a.lower().startswith("sts:") and matches(a, "sts:AssumeRole") for a in actions
            ):
                continue
            wide = [r for r in element_values(stmt.resource) if _any_role(r)]
            if not wide:
                continue
            path = _statement_path(slot, policy, i)
            raw = stmt.to_dict()
            if trusting is None:
                trusting = _trusting_index(world)
            roles = _trusting_roles(trusting, slot.account) or [
                f"arn:aws:iam::{slot.account}:role/*"
            ]
            kept = [r for r in element_values(stmt.resource) if r not in wide]
            new = dict(raw, Resource=sorted(set(kept + roles)))
            if len(new["Resource"]) == 1:
                new["Resource"] = new["Resource"][0]
            yield _Hit(
                "IAMSIM005",
                slot.account,
                path,
                f"This identity policy allows sts:AssumeRole on {', '.join(wide)}: its "
                "holders may assume any role, in any account, that trusts them.",
                _subject("IAMSIM005", path, raw),
                _statement_fix(slot, policy, i, new, "identity"),
                f"Name the roles: Resource = {json.dumps(new['Resource'])}.",
                new,
            )


def _resource_rules(world: _Facts, within: str | None = None) -> Iterator[_Hit]:
    for account in world.accounts:
        for resource in account.resources:
            policy = resource.policy
            if not isinstance(policy, Policy):
                continue
            slot = _Slot(account.id, "resources", resource.arn, "policy")
            if within is not None and slot.entity != within:
                continue
            for i, stmt in enumerate(policy.statements):
                path = _statement_path(slot, policy, i)
                raw = stmt.to_dict()
                if stmt.effect == "Allow" and "*" in _aws(stmt) and not stmt.condition:
                    op, key, value = _org_restriction(world, resource.account)
                    new = _with_condition(raw, op, key, value)
                    yield _Hit(
                        "IAMSIM007",
                        account.id,
                        path,
                        f'The policy of {resource.arn} allows every principal ("*") with no '
                        "condition: anyone, in any account or none, may use it.",
                        _subject("IAMSIM007", path, raw),
                        _statement_fix(slot, policy, i, new, "resource"),
                        f"Add the condition {op} {key} = {json.dumps(value)}.",
                        new,
                    )


def _not_principal_rules(world: _Facts, within: str | None = None) -> Iterator[_Hit]:
    slots: list[tuple[_Slot, Policy, PolicyKind]] = [
        (slot, policy, "trust") for _, slot, policy in _trusts(world)
    ]
    for account in world.accounts:
        for resource in account.resources:
            if isinstance(resource.policy, Policy):
                slots.append(
                    (
                        _Slot(account.id, "resources", resource.arn, "policy"),
                        resource.policy,
                        "resource",
                    )
                )
    for slot, policy, kind in slots:
        if within is not None and slot.entity != within:
            continue
        for i, stmt in enumerate(policy.statements):
            if stmt.not_principal is None:
                continue
            path = _statement_path(slot, policy, i)
            raw = stmt.to_dict()
            listed = [v for _, vs in stmt.not_principal.entries for v in element_values(vs)]
            new: dict[str, Any] | None = None
            if stmt.effect == "Deny":
                new = {k: v for k, v in raw.items() if k != "NotPrincipal"}
                new["Principal"] = "*"
                new = _with_condition(
                    new,
                    "ArnNotEquals",
                    "aws:PrincipalArn",
                    listed if len(listed) > 1 else listed[0],
                )
                how = (
                    'Write Principal "*" with the condition ArnNotEquals aws:PrincipalArn = '
                    f"{json.dumps(listed)} (the same deny, as AWS advises)."
                )
                severity_note = ""
            else:
                how = "Remove the statement: name the principals it should allow instead."
                severity_note = (
                    " An Allow with NotPrincipal grants everyone else, anonymous users too."
                )
            yield _Hit(
                "IAMSIM008",
                slot.account,
                path,
                f"This statement uses NotPrincipal ({', '.join(listed)}), which AWS advises "
                f"against: its meaning depends on how each principal is named.{severity_note}",
                _subject("IAMSIM008", path, raw),
                _statement_fix(slot, policy, i, new, kind),
                how,
                new,
            )


_CHECKS: tuple[Callable[[_Facts, str | None], Iterator[_Hit]], ...] = (
    _trust_rules,
    _admin_rules,
    _identity_rules,
    _resource_rules,
    _not_principal_rules,
    _web_identity_rules,
)


_ENTITY = re.compile(
    r"accounts\.[^.\[]+\.(?:roles|users|groups|resources|policies)"
    r'(?:\.[^.\["\s]+|\["(?:[^"\\]|\\.)*"\])'
)
"""The entity part of a finding's path: the fix is re-checked there alone."""

_CHECK_OF: dict[str, Callable[[_Facts, str | None], Iterator[_Hit]]] = {
    "IAMSIM001": _trust_rules,
    "IAMSIM002": _trust_rules,
    "IAMSIM003": _admin_rules,
    "IAMSIM004": _trust_rules,
    "IAMSIM005": _identity_rules,
    "IAMSIM006": _trust_rules,
    "IAMSIM007": _resource_rules,
    "IAMSIM008": _not_principal_rules,
    "IAMSIM009": _web_identity_rules,
}


def _hits(world: _Facts) -> list[_Hit]:
    return [hit for check in _CHECKS for hit in check(world, None)]


def _fix_holds(world: World, hit: _Hit) -> bool:
    """Whether the hit's fix makes a valid world in which the rule no longer finds it."""
    if hit.fix is None:
        return False
    try:
        accounts = hit.fix(world.accounts)
    except IamsimError:  # the changed statement is not a valid policy
        return False
    owner = _ENTITY.match(hit.path)
    within = None if owner is None else owner.group(0)
    fixed: _Facts = _View(accounts, world)
    if within is not None:
        # A hit's subject is its rule, path and statement: whether it comes back depends
        # on the owner's entity and on lookups, which the owner's view answers alike.
        account_id = within.split(".")[1]
        edited = next((a for a in accounts if a.id == account_id), None)
        if edited is not None:
            fixed = _OwnerView(edited, world)
    return not any(h.subject == hit.subject for h in _CHECK_OF[hit.rule](fixed, within))


def _fix_of(hit: _Hit) -> FindingFix:
    """The hit's fix as a `FindingFix` (once `_fix_holds` has said it holds)."""
    edit = hit.fix
    assert edit is not None

    def apply(world: World) -> World:
        return attrs.evolve(world, accounts=edit(world.accounts))

    return FindingFix(hit.description, hit.change, apply)


def _verified(world: World, hit: _Hit) -> FindingFix | None:
    """The hit's fix, once the rule re-run on the fixed world no longer finds it."""
    return _fix_of(hit) if _fix_holds(world, hit) else None


def holding_fixes(world: World, accounts: frozenset[str], others: bool = False) -> list[int]:
    """The indices (in `_hits` order) of the hits of `accounts` (and, with `others`, of
    accounts the world does not list) whose fix holds: one shard of `findings(client=)`."""
    return [
        i
        for i, hit in enumerate(_hits(world))
        if (hit.account in accounts or (others and world.account(hit.account) is None))
        and _fix_holds(world, hit)
    ]


def findings(world: World, client: Client | None = None) -> tuple[Finding, ...]:
    """The best practices `world` breaks, most severe first, each with a verified fix;
    a `dask.distributed.Client` verifies the fixes on its workers, sharded by account."""
    if client is None:
        hits = _hits(world)
        fixes = [_verified(world, hit) for hit in hits]
    else:
        from iamsim.questions.distributed import holding_fixes_distributed

        hits, holding = holding_fixes_distributed(client, world, lambda: _hits(world))
        fixes = [_fix_of(hit) if i in holding else None for i, hit in enumerate(hits)]
    out = [
        Finding(
            hit.rule,
            _RULES[hit.rule].severity,
            hit.account,
            hit.path,
            hit.message,
            fix,
        )
        for hit, fix in zip(hits, fixes, strict=True)
    ]
    return tuple(
        sorted(out, key=lambda f: (SEVERITIES.index(f.severity), f.rule, f.account, f.path))
    )
