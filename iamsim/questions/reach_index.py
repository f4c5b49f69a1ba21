"""The facts `who_can` and `reachable_from` search: who may call, and cheap filters.

A *node* is a principal that can start or continue a path: a user, a role (acting through
a session), a service principal, a principal outside the world that a policy names
(an exact ARN, or an account root standing for every principal of that account), or the
federated callers a trust policy names as `Federated` (the web identity tokens of one
issuer, the SAML assertions of one provider: `iamsim.questions.reach_federated`), which
only start a path.

The filters only ever rule a pair out when the engine would deny it for sure, so they
never change an answer, only its cost:

- a role's trust policy must allow AssumeRole, even within one account (IAM User Guide,
  "Granting a user permissions to switch roles"): a caller its Allow statements cannot
  name (exact ARN, account, `*`, `NotPrincipal`) is never a candidate;
- an identity-based allow is needed unless a resource-based policy names the caller
  itself (IAM User Guide, "Policy evaluation logic", same-account requests): a caller no
  Allow statement of its identity policies covers (action and resource, conditions
  ignored) is a candidate only if the target policy names its exact ARN.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from iamsim.model import Policy, Statement
from iamsim.questions.facts import account_of, element_values, matches, resolve
from iamsim.questions.reach_federated import HOP_ACTIONS, provider_kind
from iamsim.sts_federated import BUILT_IN_PROVIDERS
from iamsim.world import World
from iamsim.world.model import Account, Role
from iamsim.world.names import ACCOUNT_ID

__all__ = ["Node", "ReachIndex", "TargetNames"]

ASSUME = "sts:AssumeRole"


@attrs.frozen
class Node:
    """A principal a path can start from or pass through."""

    arn: str  # the principal; "arn:aws:iam::X:root" for every principal of account X
    # "user", "role", "service", "foreign" (a principal outside the world), "web_identity"
    # or "saml" (arn: the provider as the trust policy names it)
    kind: str
    account: str | None
    whole_account: bool = False


def covers_action(stmt: Statement, action: str) -> bool:
    """Whether an Allow statement's Action (or NotAction) could take in `action`."""
    if stmt.effect != "Allow":
        return False
    if stmt.not_action is not None:
        return not any(matches(p, action) for p in element_values(stmt.not_action))
    return any(matches(p, action) for p in element_values(stmt.action))


def covers(stmt: Statement, action: str, resource: str) -> bool:
    """Whether an Allow statement could apply to `action` on `resource` (conditions and
    policy variables taken as met: the filter may only be wider than the engine)."""
    if not covers_action(stmt, action):
        return False
    if stmt.resource is None:
        return True  # NotResource (or a resource-based policy): taken as covering
    return any("${" in p or matches(p, resource) for p in element_values(stmt.resource))


@attrs.frozen
class _Patterns:
    """Resource patterns split for speed: exact ARNs (compared lower-cased, as `_matches`
    compares) and the ones with a wildcard."""

    everything: bool
    exact: frozenset[str]
    wild: tuple[str, ...]

    @classmethod
    def of(cls, patterns: tuple[str, ...]) -> _Patterns:
        wild = tuple(p for p in patterns if "*" in p or "?" in p)
        exact = frozenset(p.lower() for p in patterns if p not in wild)
        return cls(patterns == ("*",), exact, wild)

    def could_match(self, resource: str) -> bool:
        if self.everything or resource.lower() in self.exact:
            return True
        return any(matches(p, resource) for p in self.wild)


@attrs.frozen
class TargetNames:
    """The principals the Allow statements of one resource-based (or trust) policy name."""

    anyone: bool  # `*`, or a NotPrincipal: every caller is a candidate
    accounts: frozenset[str]
    arns: frozenset[str]  # exact user, role and foreign ARNs
    roles_by_session: frozenset[str]  # roles whose sessions are named
    services: frozenset[str]
    # (kind, provider) of the federated callers a trust policy's Allow statements name
    federated: frozenset[tuple[str, str]] = frozenset()
    # the federated kinds ("web_identity", "saml") a `*` principal (or a NotPrincipal) of an
    # Allow statement covering that kind's call admits: every provider of that kind
    federated_kinds: frozenset[str] = frozenset()

    @classmethod
    def of(cls, policy: Policy | None, action: str, resource: str) -> TargetNames:
        anyone = False
        accounts: set[str] = set()
        arns: set[str] = set()
        sessions: set[str] = set()
        services: set[str] = set()
        federated: set[tuple[str, str]] = set()
        kinds: set[str] = set()
        trust = action.lower() == ASSUME.lower()
        for stmt in () if policy is None else policy.statements:
            if trust:
                # "AWS JSON policy elements: Principal": `*` (or {"AWS": "*"}) is every
                # principal, web identity and SAML callers included, as the engine matches it.
                wildcard = stmt.not_principal is not None or (
                    stmt.principal is not None
                    and (stmt.principal.wildcard or "*" in stmt.principal.values("AWS"))
                )
                kinds.update(
                    k for k, hop in HOP_ACTIONS.items() if wildcard and covers_action(stmt, hop)
                )
                named = () if stmt.principal is None else stmt.principal.values("Federated")
                for value in named:
                    which = provider_kind(value)
                    if which is not None and covers_action(stmt, HOP_ACTIONS[which]):
                        federated.add((which, value))
            if not covers(stmt, action, resource):
                continue
            if stmt.not_principal is not None:
                anyone = True
                continue
            if stmt.principal is None:
                continue
            if stmt.principal.wildcard:
                anyone = True
                continue
            services.update(stmt.principal.values("Service"))
            for value in stmt.principal.values("AWS"):
                if value == "*":
                    anyone = True
                elif ACCOUNT_ID.fullmatch(value) or value.endswith(":root"):
                    account = account_of(value)
                    if account is not None:
                        accounts.add(account)
                elif ":assumed-role/" in value:
                    parts = value.split(":", 5)
                    name = parts[5].split("/")[1] if parts[5].count("/") >= 1 else ""
                    sessions.add(f"arn:{parts[1]}:iam::{parts[4]}:role/{name}")
                else:
                    arns.add(value)
        return cls(
            anyone,
            frozenset(accounts),
            frozenset(arns),
            frozenset(sessions),
            frozenset(services),
            frozenset(federated),
            frozenset(kinds),
        )

    def names_exactly(self, node: Node) -> bool:
        """Whether the policy names this very principal (not its account, not `*`)."""
        return node.arn in self.arns or node.arn in self.roles_by_session

    def admits(self, node: Node) -> bool:
        """Whether some Allow statement's principal could be this node."""
        if node.kind == "service":
            return self.anyone or node.arn in self.services
        if node.kind in HOP_ACTIONS:
            return node.kind in self.federated_kinds or (node.kind, node.arn) in self.federated
        if self.anyone or self.names_exactly(node):
            return True
        return node.account is not None and node.account in self.accounts


class ReachIndex:
    """The nodes of one world and its policies, resolved once per question."""

    def __init__(self, world: World, extra: Iterable[Node] = ()) -> None:
        self.world = world
        self.roles: dict[str, Role] = {}
        self.nodes: dict[str, Node] = {}
        self._identity: dict[str, tuple[Statement, ...] | None] = {}
        self._specs: dict[str, tuple[Account, list[Policy | str]]] = {}
        self._trusts: dict[str, TargetNames] = {}
        self._all_trusts = False
        self._by_account: dict[str | None, list[Node]] = {}
        self._resources: dict[tuple[str, str], _Patterns] = {}
        self._admitting: dict[str, list[str]] | None = None
        for account in world.accounts:
            groups = {g.name: g for g in account.groups}
            for user in account.users:
                self._add(Node(user.arn, "user", account.id))
                specs = list(user.policies)
                for name in user.groups:
                    specs += groups[name].policies if name in groups else []
                self._specs[user.arn] = (account, specs)
            for role in account.roles:
                self.roles[role.arn] = role
                self._add(Node(role.arn, "role", account.id))
                self._specs[role.arn] = (account, list(role.policies))
        for node in extra:
            self._add(node)

    def _add(self, node: Node) -> None:
        if node.arn not in self.nodes:
            self.nodes[node.arn] = node
            if node.kind not in HOP_ACTIONS:  # an account's principal never names them
                self._by_account.setdefault(node.account, []).append(node)
            self._admitting = None

    def trust(self, role: str) -> TargetNames:
        """Who the role's trust policy names, read on first use (the principals it names
        outside the world become nodes then)."""
        found = self._trusts.get(role)
        if found is None:
            found = TargetNames.of(self.trust_policy(self.roles[role]), ASSUME, role)
            self._trusts[role] = found
            self._add_outsiders(found)
            if found.federated_kinds:
                self._add_providers(self.roles[role].account, found.federated_kinds)
        return found

    def _add_providers(self, account_id: str, kinds: frozenset[str]) -> None:
        """Every provider a `*` trust admits (`TargetNames.federated_kinds`): the role
        account's SAML or OIDC providers, and the built-in web identity providers."""
        account = self.world.account(account_id)
        if "saml" in kinds and account is not None:
            for saml in account.saml_providers:
                arn = f"arn:aws:iam::{account_id}:saml-provider/{saml.name}"
                self._add(Node(arn, "saml", account_id))
        if "web_identity" in kinds:
            for oidc in () if account is None else account.oidc_providers:
                arn = f"arn:aws:iam::{account_id}:oidc-provider/{oidc.url}"
                self._add(Node(arn, "web_identity", account_id))
            for name in sorted(BUILT_IN_PROVIDERS):
                self._add(Node(name, "web_identity", None))

    def all_trusts(self) -> dict[str, TargetNames]:
        """Every role's trust names: every principal a trust policy names is a node."""
        if not self._all_trusts:
            for role in self.roles:
                self.trust(role)
            self._all_trusts = True
        return self._trusts

    def _statements(
        self, account: Account, specs: Iterable[Policy | str]
    ) -> tuple[Statement, ...] | None:
        out: list[Statement] = []
        for spec in specs:
            policy = resolve(self.world, account, spec)
            if policy is None:
                return None
            out += policy.statements
        return tuple(out)

    def trust_policy(self, role: Role) -> Policy | None:
        account = self.world.account(role.account)
        if account is None:
            return None
        return resolve(self.world, account, role.trust_policy)

    def _add_outsiders(self, names: TargetNames) -> None:
        """Principals a policy names that the world does not hold: services, principals of
        accounts outside the world (an account root stands for all of them), federated
        callers."""
        for service in names.services:
            self._add(Node(service, "service", None))
        for kind, provider in sorted(names.federated):
            self._add(Node(provider, kind, account_of(provider)))
        for account in names.accounts:
            if self.world.account(account) is None:
                root = f"arn:aws:iam::{account}:root"
                self._add(Node(root, "foreign", account, whole_account=True))
        for arn in names.arns:
            owner = account_of(arn)
            if owner is not None and self.world.account(owner) is None:
                self._add(Node(arn, "foreign", owner))

    def add_resource_names(self, names: TargetNames) -> None:
        self._add_outsiders(names)

    def identity_could_allow(self, node: Node, action: str, resource: str) -> bool:
        """Whether the node's identity policies could allow `action` on `resource`
        (a principal outside the world or a service: its own account decides)."""
        if node.kind in ("service", "foreign", *HOP_ACTIONS):
            return True
        key = (node.arn, action)
        patterns = self._resources.get(key)
        if patterns is None:
            patterns = self._resources[key] = _Patterns.of(self._resource_patterns(node, action))
        return patterns.could_match(resource)

    def _resource_patterns(self, node: Node, action: str) -> tuple[str, ...]:
        """The Resource patterns of the node's Allow statements that cover `action`;
        `("*",)` when one of them could cover every resource."""
        if node.arn not in self._identity and node.arn in self._specs:
            account, specs = self._specs[node.arn]
            self._identity[node.arn] = self._statements(account, specs)
        statements = self._identity.get(node.arn)
        if statements is None:
            return ("*",)
        out: list[str] = []
        for stmt in statements:
            if not covers_action(stmt, action):
                continue
            values = element_values(stmt.resource)
            if stmt.resource is None or any(v == "*" or "${" in v for v in values):
                return ("*",)
            out += values
        return tuple(dict.fromkeys(out))

    def candidates(self, names: TargetNames) -> Iterator[Node]:
        """Every node the policy's Allow statements could admit."""
        if names.anyone or any(self.world.account(a) is None for a in names.accounts):
            # `*` or an account outside the world: every principal any policy names
            # outside the world may be one of them.
            self.all_trusts()
        if names.anyone:
            yield from list(self.nodes.values())
            return
        seen: set[str] = set()
        federated = sorted(p for _, p in names.federated)
        for arn in (*names.arns, *names.roles_by_session, *names.services, *federated):
            node = self.nodes.get(arn)
            if node is not None and arn not in seen:
                seen.add(arn)
                yield node
        for account in sorted(names.accounts):
            for node in self._by_account.get(account, ()):
                if node.arn not in seen and node.kind != "service":
                    seen.add(node.arn)
                    yield node
        for node in list(self.nodes.values()):
            if node.kind in names.federated_kinds and node.arn not in seen:
                seen.add(node.arn)
                yield node

    def admitting(self, node: Node) -> list[str]:
        """The roles whose trust policy could admit `node`, in ARN order."""
        if self._admitting is None:
            by_key: dict[str, list[str]] = {}
            for role, names in sorted(self.all_trusts().items()):
                keys = ["*"] if names.anyone else []
                keys += [*names.arns, *names.roles_by_session, *names.services]
                keys += [p for _, p in names.federated]
                keys += [f"federated:{k}" for k in names.federated_kinds]
                keys += [f"account:{a}" for a in names.accounts]
                for key in dict.fromkeys(keys):
                    by_key.setdefault(key, []).append(role)
            self._admitting = by_key
        if node.kind in HOP_ACTIONS:
            # `*` stands for a federated caller only where it covers that caller's own call.
            own = self._admitting.get(f"federated:{node.kind}", ())
            return sorted({*own, *self._admitting.get(node.arn, ())})
        found = {*self._admitting.get("*", ()), *self._admitting.get(node.arn, ())}
        if node.kind not in ("service", *HOP_ACTIONS) and node.account is not None:
            found.update(self._admitting.get(f"account:{node.account}", ()))
        return sorted(found)
