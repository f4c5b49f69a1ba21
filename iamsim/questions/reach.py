"""Who can reach what: `who_can`, `reachable_from` and `assume_graph` (docs/questions.md).

A path is a principal, the roles it assumes one after another (AssumeRole hops), and,
for `who_can`, the final action. A federated caller (the web identity tokens of one
issuer, the SAML assertions of one provider: `iamsim.questions.reach_federated`) starts a
path with its own call, AssumeRoleWithWebIdentity or AssumeRoleWithSAML; its next hop is
asked as the session that call hands back (a web identity session carries
aws:FederatedProvider on that call only: `entered_paths`), the later ones as any role
session's. Every hop is asked through the world's seam
(`World.authorize`), the verdict only; the `Decision`s of a path (`Access.path`) are
built when someone reads them, by replaying the path with `World.assume_role` and
`World.simulate`.

A path is listed when some request context makes every hop allowed. A hop denied with
the question's context is asked again with values for the conditions that blocked it, if
the caller chooses those keys (`iamsim.questions.satisfy`); the conditions that needed a
value are the path's `conditions`. Keys that are facts of the world are never invented,
so a path that only a different world would allow is not listed.

Each principal is listed once, with one of its shortest paths (ties: roles in ARN order).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.calls import AccessRequest, Principal
from iamsim.decision import Decision
from iamsim.errors import ValidationError
from iamsim.questions.facts import account_of
from iamsim.questions.reach_federated import (
    FEDERATED_ACTIONS,
    HOP_ACTIONS,
    check_claim_keys,
    default_keys,
    federated_call,
    provider_kind,
    registered_audience,
    settable_for,
)
from iamsim.questions.reach_index import ASSUME, Node, ReachIndex, TargetNames
from iamsim.questions.satisfy import Settable, caller_settable, escaping_value, satisfying_value
from iamsim.session import RoleSession
from iamsim.sts_federated import sts_refusal
from iamsim.world import World

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = [
    "Access",
    "Accesses",
    "AssumeEdge",
    "AssumeGraph",
    "Condition",
    "assume_graph",
    "reachable_from",
    "who_can",
]

SESSION_NAME = "iamsim-reach"
"""The session name every hop of a path uses (unless a condition names another)."""

_MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")


def _frozen_value(value: Any) -> Any:
    """A chosen value as a frozen record holds it: a list becomes a tuple."""
    return tuple(value) if isinstance(value, list) else value


@attrs.frozen
class Condition:
    """One condition a path needs: at which hop (index into `Access.path`), the key, the
    operator and the policy's values, and the value iamsim chose that meets it."""

    hop: int
    key: str
    operator: str
    values: tuple[str, ...]
    value: Any = attrs.field(converter=_frozen_value)

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {
            "hop": self.hop,
            "key": self.key,
            "operator": self.operator,
            "values": list(self.values),
            "value": value,
        }


_Need = tuple[tuple[str, str, tuple[str, ...], Any], ...]
"""The conditions one hop needs: (key, operator, policy values, chosen value)."""


@attrs.frozen
class _Step:
    """One hop: the role assumed (or, last, the action's resource) and what it needs."""

    target: str
    needs: _Need


@attrs.frozen
class Access:
    """One principal that reaches `target`, and how.

    `principal` is `arn:aws:iam::X:root` with `whole_account` set for every principal of an
    account outside the world (its own administrators decide who of it may). `via` are the
    roles assumed, in order. `path` replays each hop (`Decision`s: each AssumeRole, then
    the final action for `who_can`).
    """

    principal: str
    target: str
    action: str
    via: tuple[str, ...]
    conditions: tuple[Condition, ...]
    whole_account: bool = False
    # the principal: "user", "role", "service", "foreign", "web_identity" or "saml"
    kind: str = "user"
    _world: World | None = attrs.field(default=None, eq=False, repr=False)
    _context: tuple[tuple[str, Any], ...] = attrs.field(default=(), eq=False, repr=False)
    _now: _dt.datetime | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def hops(self) -> int:
        """How many roles the path assumes."""
        return len(self.via)

    def hop_action(self, hop: int) -> str:
        """The action of hop `hop` (an index into `path`): a federated caller's own call
        first, then AssumeRole into each role of `via`, then `action`."""
        if hop == len(self.via):
            return self.action
        return HOP_ACTIONS.get(self.kind, ASSUME) if hop == 0 else ASSUME

    @property
    def path(self) -> tuple[Decision, ...]:
        """The `Decision` of each hop, replayed now: each AssumeRole, then the final action
        (for `who_can`). A first hop of a principal outside the world shows its source side
        denied (the world holds none of its policies); its target side allows."""
        if self._world is None:
            raise ValidationError("this Access carries no world to replay its path with")
        return replay(self._world, self, dict(self._context), self._now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "kind": self.kind,
            "whole_account": self.whole_account,
            "target": self.target,
            "action": self.action,
            "via": list(self.via),
            "conditions": [c.to_dict() for c in self.conditions],
        }


@attrs.frozen
class Accesses(Sequence[Access]):
    """The answer of `who_can` or `reachable_from`: a sequence of `Access`, with the
    question it answers and notes on what it does not cover."""

    question: str
    items: tuple[Access, ...]
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Access]:
        return iter(self.items)

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def principals(self) -> tuple[str, ...]:
        return tuple(a.principal for a in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "accesses": [a.to_dict() for a in self.items],
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        from iamsim.render.svg import accesses_html

        return accesses_html(self.question, [a.to_dict() for a in self.items], self.notes)


@attrs.frozen
class AssumeEdge:
    """`caller` may assume `role` directly, given `conditions` (hop 0)."""

    caller: str
    role: str
    conditions: tuple[Condition, ...] = ()


@attrs.frozen
class AssumeGraph:
    """Every principal of the world and every role each may assume directly."""

    nodes: tuple[str, ...]
    edges: tuple[AssumeEdge, ...]

    def successors(self, caller: str) -> tuple[str, ...]:
        return tuple(e.role for e in self.edges if e.caller == caller)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": list(self.nodes),
            "edges": [
                {
                    "caller": e.caller,
                    "role": e.role,
                    "conditions": [c.to_dict() for c in e.conditions],
                }
                for e in self.edges
            ],
        }


# -- asking one hop -------------------------------------------------------------------


def _split(needs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Chosen values as the call keys STS sets from AssumeRole's parameters, and the
    rest of the request context."""
    call: dict[str, Any] = {}
    context: dict[str, Any] = {}
    for key, value in needs.items():
        low = key.lower()
        if low in _MFA_KEYS:
            call["aws:MultiFactorAuthPresent"] = True
            call.setdefault("aws:MultiFactorAuthAge", 0)
            if low == "aws:multifactorauthage":
                call["aws:MultiFactorAuthAge"] = int(float(value))
        elif low.startswith("sts:"):
            call[key] = value
        else:
            context[key] = value
    return call, context


def hop_action(node: Node) -> str:
    """The call a node makes to become a role: its federated call, or AssumeRole."""
    return HOP_ACTIONS.get(node.kind, ASSUME)


_ROLE_ACTIONS = frozenset({ASSUME.lower(), *FEDERATED_ACTIONS})


class _Asker:
    """Asks the world one hop at a time, the verdict only, memoized per question. STS's
    refusals of a federated caller's hop are kept (`refusals`) for the answer's notes."""

    def __init__(self, world: World, context: Mapping[str, Any], now: _dt.datetime) -> None:
        self.world, self.context, self.now = world, dict(context), now
        self.memo: dict[tuple[str, str, str, str], _Need | None] = {}
        self.refusals: dict[tuple[str, str], str] = {}
        self.sessions: dict[tuple[str, str], RoleSession | None] = {}

    def entered(self, via: Node, role: str) -> RoleSession | None:
        """The session of `role` that the federated caller `via`'s own call hands back
        (a web identity session carries `aws:FederatedProvider` on its next call), or None
        if no token of it gets in."""
        key = (via.arn, role)
        if key not in self.sessions:
            need = self.needs(via, hop_action(via), role)
            session = None
            if need is not None:
                values = {k: v for k, _, _, v in need}
                decision = federated_call(
                    self.world, via.kind, via.arn, role, values, self.context, self.now
                )
                session = decision.session
            self.sessions[key] = session
        return self.sessions[key]

    def _ask(
        self,
        node: Node,
        action: str,
        resource: str,
        needs: Mapping[str, Any],
        session: RoleSession | None = None,
    ) -> Decision:
        if node.kind in HOP_ACTIONS:
            return federated_call(
                self.world, node.kind, node.arn, resource, needs, self.context, self.now
            )
        call, extra = _split(needs)
        context = {**self.context, **extra}
        principal: Principal = node.arn if session is None else session
        if action == ASSUME:
            call.setdefault("sts:RoleSessionName", SESSION_NAME)
            request = AccessRequest(
                principal, action, resource, context or None, self.now, (), call, "AssumeRole"
            )
        else:
            request = AccessRequest(
                principal, action, resource, {**context, **call} or None, self.now
            )
        return self.world.authorize(request)

    @staticmethod
    def _passes(node: Node, decision: Decision) -> bool:
        if decision.allowed:
            return True
        # A principal outside the world: its own account's policies (identity, SCPs) are
        # unknown to the world and are its administrators' to grant.
        return node.kind == "foreign" and all(d.side == "source" for d in decision.denied_by)

    def needs(
        self, node: Node, action: str, resource: str, via: Node | None = None
    ) -> _Need | None:
        """The conditions under which `node` may perform `action` on `resource` (empty:
        none), or None if no context the caller chooses allows it. With `via` (a web
        identity caller), `node` is a role asked as the session `via`'s call into it hands
        back, not as a fresh session of the role."""
        memo_key = (node.arn, action, resource, "" if via is None else via.arn)
        if memo_key in self.memo:
            return self.memo[memo_key]
        session = None if via is None else self.entered(via, node.arn)
        if via is not None and session is None:
            self.memo[memo_key] = None
            return None
        settable: Settable = caller_settable
        free: frozenset[str] = frozenset()
        if node.kind in HOP_ACTIONS:
            if action.lower() != hop_action(node).lower():
                self.memo[memo_key] = None  # its own call into a role is all it makes
                return None
            settable = settable_for(node.kind, node.arn)
            free = default_keys(node.kind, node.arn)
        chosen: dict[str, Any] = {}
        need: list[tuple[str, str, tuple[str, ...], Any]] = []
        found: _Need | None = None
        for _ in range(4):
            try:
                decision = self._ask(node, action, resource, chosen, session)
            except ValidationError as exc:
                if node.kind not in HOP_ACTIONS or not sts_refusal(exc):
                    raise
                if chosen:
                    # Not STS refusing every call: the values derived from the conditions.
                    named = ", ".join(sorted(chosen))
                    why = f"STS refuses the values derived for {named} ({exc}); none other is tried"
                else:
                    # STS refuses the call itself: no token of this provider gets in.
                    why = f"STS refuses the call ({exc})"
                self.refusals[(node.arn, resource)] = why
                break
            if self._passes(node, decision):
                found = tuple(need)
                break
            failing = {(d.side, d.policy_type) for d in decision.denied_by}
            added = False
            if any(d.explicit for d in decision.denied_by):
                # A Deny that applied only because the request lacks a key the caller sets
                # (a region lock and no region): the value that keeps it from applying.
                for key, operator, values, value in _escapes(decision, settable, free):
                    if key not in chosen and key not in self.context:
                        chosen[key] = value
                        need.append((key, operator, values, value))
                        added = True
                if not added:
                    break
                continue
            for near in decision.near_misses:
                if (near.side, near.policy_type) not in failing or near.key in chosen:
                    continue
                value = satisfying_value(near, settable)
                if value is None or near.key in self.context:
                    continue
                if node.kind == "web_identity":
                    value = registered_audience(
                        self.world, node.arn, resource, near.key, near.policy_values, value
                    )
                chosen[near.key] = value
                need.append((near.key, near.operator, near.policy_values, value))
                added = True
            if not added:
                break
        self.memo[memo_key] = found
        return found


def _escapes(
    decision: Decision, settable: Settable, free: frozenset[str]
) -> Iterator[tuple[str, str, tuple[str, ...], object]]:
    """For each Deny statement that applied, its negated conditions on keys the request
    lacks (or holds only iamsim's default for: `free`, a federated token's `sub`) and the
    caller sets, each with a value that keeps the condition from matching."""
    for layer in decision.layers:
        for trace in layer.policies:
            for stmt in trace.statements:
                if stmt.effect != "Deny" or not stmt.matched:
                    continue
                for cond in stmt.conditions:
                    if cond.request_values is not None and cond.key.lower() not in free:
                        continue
                    value = escaping_value(cond.key, cond.operator, cond.policy_values, settable)
                    if value is not None:
                        yield cond.key, cond.operator, cond.policy_values, value


def _access(
    world: World,
    node: Node,
    steps: Sequence[_Step],
    action: str,
    context: Mapping[str, Any],
    now: _dt.datetime,
) -> Access:
    conditions = tuple(
        Condition(i, key, operator, values, value)
        for i, step in enumerate(steps)
        for key, operator, values, value in step.needs
    )
    via = tuple(s.target for s in steps[:-1])
    return Access(
        node.arn,
        steps[-1].target,
        action,
        via,
        conditions,
        node.whole_account,
        node.kind,
        world,
        tuple(sorted(context.items())),
        now,
    )


def replay(
    world: World, access: Access, context: Mapping[str, Any], now: _dt.datetime | None
) -> tuple[Decision, ...]:
    """Each hop of `access` asked again through the public calls, with the values its
    conditions name."""
    out: list[Decision] = []
    caller: Any = access.principal
    hops = list(access.via)
    for i, target in enumerate([*hops, access.target]):
        needs = {c.key: c.value for c in access.conditions if c.hop == i}
        call, extra = _split(needs)
        hop_context = {**context, **extra} or None
        is_assume = i < len(hops) or access.action == ASSUME
        if i == 0 and access.kind in HOP_ACTIONS:
            decision = federated_call(
                world, access.kind, access.principal, target, needs, context, now
            )
            caller = decision.session if decision.session is not None else target
        elif is_assume:
            mfa = "aws:MultiFactorAuthPresent" in call
            account = world.caller(caller).account if mfa else None
            decision = world.assume_role(
                caller,
                target,
                str(call.get("sts:RoleSessionName", SESSION_NAME)),
                external_id=call.get("sts:ExternalId"),
                serial_number=f"arn:aws:iam::{account}:mfa/iamsim" if mfa else None,
                token_code="123456" if mfa else None,
                context=hop_context,
                now=now,
            )
            caller = decision.session if decision.session is not None else target
        else:
            decision = world.simulate(caller, access.action, target, hop_context, now=now)
        out.append(decision)
    return tuple(out)


# -- the questions --------------------------------------------------------------------


def _target_policy_names(index: ReachIndex, action: str, resource: str) -> TargetNames:
    """Who the resource's own policy names: a role's trust policy, a resource policy."""
    if resource in index.roles and action.lower() in _ROLE_ACTIONS:
        return index.trust(resource)
    role = index.roles.get(resource)
    if role is not None:
        return TargetNames.of(index.trust_policy(role), action, resource)
    covering = index.world.covering(resource)
    policy = None if covering is None else covering.policy
    if isinstance(policy, str):
        policy = None
    return TargetNames.of(policy, action, resource)


def _worth_asking(index: ReachIndex, node: Node, names: TargetNames, action: str, res: str) -> bool:
    """The filters of `reach_index`: could the engine allow this at all? A federated
    caller makes only its own call, into a role; only a federated caller makes it."""
    federated = action.lower() in FEDERATED_ACTIONS
    if node.kind in HOP_ACTIONS:
        # STS takes the token (assertion) as the role account's provider's: a provider of
        # another account never gets in (AssumeRoleWithWebIdentity, AssumeRoleWithSAML).
        role = index.roles.get(res)
        if role is None or action.lower() != hop_action(node).lower():
            return False
        home = node.account is None or node.account == role.account
        return home and names.admits(node)
    if federated:
        return False
    if node.kind in ("service", "foreign"):
        return names.admits(node)
    if names.anyone or names.names_exactly(node):
        return True
    return index.identity_could_allow(node, action, res)


def _check_hops(max_hops: object) -> int:
    if isinstance(max_hops, bool) or not isinstance(max_hops, int) or not 0 <= max_hops <= 10:
        raise ValidationError(f"max_hops must be an integer from 0 to 10, not {max_hops!r}")
    return max_hops


def _check_context(context: object) -> Mapping[str, Any]:
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise ValidationError(
            f"context must be a mapping of condition keys to values, not {type(context).__name__}"
        )
    check_claim_keys(context)
    return context


_NOTES = (
    "AssumeRole edges and the web identity and SAML callers a trust policy names as "
    "Federated, or admits with a Principal of * (AssumeRoleWithWebIdentity, "
    "AssumeRoleWithSAML) are followed; passing a role to a service (iam:PassRole) is not "
    "a path yet.",
    "A condition on a key the caller does not choose (aws:PrincipalOrgID, aws:PrincipalTag/…, "
    "resource tags) is taken as the world states it; a condition no derived value meets "
    "(dates, Null, negated operators in an Allow, policy variables) leaves its path out.",
    "A federated caller's token claims (ISSUER:sub, ISSUER:aud, the provider's own claims) "
    "and SAML keys (saml:sub, saml:aud, …; not saml:doc, saml:namequalifier or saml:iss, "
    "which AWS sets from the provider) are the caller's: a condition on them is a value the "
    "path lists, to be met. iamsim checks no token signature.",
)


def _notes(
    refusals: Mapping[tuple[str, str], str], listed: Collection[str] = ()
) -> tuple[str, ...]:
    """The general notes, then why STS refuses each (federated caller, role) asked about.
    `who_can` passes the callers it lists (`listed`): once one is found it is not asked at
    other roles, so only an unlisted caller's refusals explain an answer. `reachable_from`
    keeps every refusal: a role STS refused is never among the roles found."""
    refused = tuple(
        f"{caller} gets no session of {role}: {why}"
        for (caller, role), why in sorted(refusals.items())
        if caller not in listed
    )
    return _NOTES + refused


def who_can(
    world: World,
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    max_hops: int = 3,
    *,
    now: _dt.datetime | None = None,
    client: Client | None = None,
) -> Accesses:
    """Every principal that can perform `action` on `resource`, directly or through at most
    `max_hops` AssumeRole hops, each with one of its shortest paths."""
    hops = _check_hops(max_hops)
    ctx = _check_context(context)
    if not isinstance(action, str) or not isinstance(resource, str) or not resource:
        raise ValidationError("who_can takes an action and a resource ARN (strings)")
    if client is not None:
        from iamsim.questions.distributed import who_can_distributed

        return who_can_distributed(client, world, action, resource, ctx, hops, now)
    moment = now if now is not None else _dt.datetime.now(_dt.UTC)
    index = ReachIndex(world)
    names = _target_policy_names(index, action, resource)
    index.add_resource_names(names)
    asker = _Asker(world, ctx, moment)
    world.simulate("anonymous", action, resource, ctx or None, now=moment)  # checks the input
    found: dict[str, tuple[Node, tuple[_Step, ...]]] = {}
    if resource in index.roles and action.lower() in _ROLE_ACTIONS:
        # The trust policy must allow the call: only whom it names can (module docstring).
        first = sorted(index.candidates(names), key=lambda n: n.arn)
    else:
        if names.anyone:
            index.all_trusts()
        first = [index.nodes[a] for a in sorted(index.nodes)]
    for node in first:
        arn = node.arn
        if not _worth_asking(index, node, names, action, resource):
            continue
        need = asker.needs(node, action, resource)
        if need is not None:
            found[arn] = (node, (_Step(resource, need),))
    frontier = sorted(a for a, (n, _) in found.items() if n.kind == "role")
    for _ in range(hops):
        reached: list[str] = []
        for role in frontier:
            trust = index.trust(role)
            for node in sorted(index.candidates(trust), key=lambda n: n.arn):
                hop = hop_action(node)
                if node.arn in found or not _worth_asking(index, node, trust, hop, role):
                    continue
                need = asker.needs(node, hop, role)
                if need is None:
                    continue
                found[node.arn] = (node, (_Step(role, need), *found[role][1]))
                if node.kind == "role":
                    reached.append(node.arn)
        frontier = sorted(reached)
    return who_can_answer(
        world, index, names, found, action, resource, hops, ctx, moment, asker.refusals
    )


def who_can_answer(
    world: World,
    index: ReachIndex,
    names: TargetNames,
    found: dict[str, tuple[Node, tuple[_Step, ...]]],
    action: str,
    resource: str,
    hops: int,
    context: Mapping[str, Any],
    now: _dt.datetime,
    refusals: Mapping[tuple[str, str], str],
) -> Accesses:
    """`who_can`'s answer from the paths a search `found` (locally or on a cluster): the
    web identity sessions' own next hops added (`entered_paths`), each path replayed."""
    entered_paths(world, index, names, found, action, resource, hops, context, now)
    items = tuple(
        _access(world, node, steps, action, context, now)
        for node, steps in (found[a] for a in sorted(found))
    )
    return Accesses(f"who can {action} on {resource}", items, _notes(refusals, found))


def entered_paths(
    world: World,
    index: ReachIndex,
    names: TargetNames,
    found: dict[str, tuple[Node, tuple[_Step, ...]]],
    action: str,
    resource: str,
    hops: int,
    context: Mapping[str, Any],
    now: _dt.datetime,
) -> None:
    """Add to `found` each web identity caller's shorter path through the session its own
    call hands back. That session carries aws:FederatedProvider on its next call (IAM User
    Guide, global condition keys), which a fresh session of the role the search asks
    otherwise lacks; a session chained from it does not, so only that next hop, the final
    action or an AssumeRole into a role `found` holds, is asked again. A path replaces the
    one found only if shorter: ties keep the plain search's (its order). Its own asker:
    the notes stay the plain search's, as the distributed search gives them."""
    if hops < 1:
        return
    asker = _Asker(world, context, now)
    onward = [(arn, steps) for arn, (n, steps) in sorted(found.items()) if n.kind == "role"]
    targets = [(action, names, resource, ())] + [
        (ASSUME, index.trust(arn), arn, steps) for arn, steps in onward if len(steps) < hops
    ]
    best: dict[str, tuple[_Step, ...]] = {a: steps for a, (_, steps) in found.items()}
    entering: dict[str, list[Node]] = {}  # role → the web identity callers its trust names
    takers_of: dict[TargetNames, list[Node]] = {}

    def entered(node: Node) -> bool:
        """Whether a web identity caller may enter this role (its trust names one)."""
        if node.kind != "role":
            return False
        if node.arn not in entering:
            trust = index.trust(node.arn)
            named = trust.federated_kinds or trust.federated or trust.anyone
            callers = (n for n in index.candidates(trust) if n.kind == "web_identity")
            entering[node.arn] = sorted(callers, key=lambda n: n.arn) if named else []
        return bool(entering[node.arn])

    for act, target_names, target, rest in targets:
        # Who enters a role is read first (once per role), its policies only then.
        if target == resource and not (resource in index.roles and act.lower() in _ROLE_ACTIONS):
            takers = [n for n in list(index.nodes.values()) if entered(n)]
        else:
            # Trust policies naming the same principals share their takers (an account's
            # roles trusting its root): the candidates are walked once per distinct names.
            if target_names not in takers_of:
                takers_of[target_names] = [
                    n for n in list(index.candidates(target_names)) if entered(n)
                ]
            takers = takers_of[target_names]
        for role in sorted(takers, key=lambda n: n.arn):
            if not _worth_asking(index, role, target_names, act, target):
                continue
            trust = index.trust(role.arn)
            for provider in entering[role.arn]:
                shortest = best.get(provider.arn)
                if shortest is not None and 2 + len(rest) >= len(shortest):
                    continue
                hop = hop_action(provider)
                if not _worth_asking(index, provider, trust, hop, role.arn):
                    continue
                first = asker.needs(provider, hop, role.arn)
                if first is None:
                    continue
                need = asker.needs(role, act, target, provider)
                if need is not None:
                    best[provider.arn] = (_Step(role.arn, first), _Step(target, need), *rest)
                    found[provider.arn] = (provider, best[provider.arn])


def _start_node(world: World, index: ReachIndex, principal: str) -> Node:
    kind = provider_kind(principal)
    if kind is not None:
        # A federated caller: named as a trust policy names its provider (module docstring).
        index.all_trusts()
        found = index.nodes.get(principal)
        return found if found is not None else Node(principal, kind, account_of(principal))
    node = index.nodes.get(principal)
    if node is not None:
        return node
    caller = world.caller(principal)  # raises the world's error for an unknown one
    if caller.kind == "service":
        return Node(principal, "service", None)
    account = caller.account
    if account is not None and world.account(account) is None:
        return Node(principal, "foreign", account, whole_account=caller.kind == "root")
    raise ValidationError(
        f"{principal}: reach starts from a user, a role, a service, an outsider or an "
        "identity provider (an OIDC or SAML provider ARN, or a built-in provider's name)"
    )


def reachable_from(
    world: World,
    principal: str,
    max_hops: int = 3,
    *,
    context: Mapping[str, Any] | None = None,
    now: _dt.datetime | None = None,
) -> Accesses:
    """Every role `principal` can become in at most `max_hops` AssumeRole hops, and how."""
    hops = _check_hops(max_hops)
    ctx = _check_context(context)
    if not isinstance(principal, str) or not principal:
        raise ValidationError("reachable_from takes a principal ARN (a string)")
    moment = now if now is not None else _dt.datetime.now(_dt.UTC)
    index = ReachIndex(world)
    start = _start_node(world, index, principal)
    asker = _Asker(world, ctx, moment)
    found: dict[str, tuple[_Step, ...]] = {}
    # A role entered by a web identity caller's own call goes on as that session, which
    # carries aws:FederatedProvider on its next call only (`via`); later hops as any role's.
    via = start if start.kind == "web_identity" else None
    frontier: list[tuple[Node, tuple[_Step, ...], Node | None]] = [(start, (), None)]
    for _ in range(hops):
        reached: list[tuple[Node, tuple[_Step, ...], Node | None]] = []
        for caller, steps, entered_by in frontier:
            for role in index.admitting(caller):
                if role in found or role == start.arn:
                    continue
                hop = hop_action(caller)
                if not _worth_asking(index, caller, index.trust(role), hop, role):
                    continue
                need = asker.needs(caller, hop, role, entered_by)
                if need is None:
                    continue
                found[role] = (*steps, _Step(role, need))
                reached.append((index.nodes[role], found[role], via if not steps else None))
        frontier = reached
    items = tuple(
        _access(world, start, steps, hop_action(start) if len(steps) == 1 else ASSUME, ctx, moment)
        for steps in (found[r] for r in sorted(found))
    )
    notes = _notes(asker.refusals)
    return Accesses(f"what {principal} can reach", items, notes)


def graph_edges(
    world: World,
    roles: Sequence[str] | None = None,
    *,
    now: _dt.datetime | None = None,
    context: Mapping[str, Any] | None = None,
) -> tuple[AssumeEdge, ...]:
    """The direct AssumeRole edges into `roles` (default: every role of the world)."""
    moment = now if now is not None else _dt.datetime.now(_dt.UTC)
    index = ReachIndex(world)
    asker = _Asker(world, context or {}, moment)
    edges: list[AssumeEdge] = []
    for role in sorted(index.roles) if roles is None else roles:
        trust = index.trust(role)
        for node in sorted(index.candidates(trust), key=lambda n: n.arn):
            hop = hop_action(node)
            if not _worth_asking(index, node, trust, hop, role):
                continue
            need = asker.needs(node, hop, role)
            if need is not None:
                conditions = tuple(Condition(0, k, o, v, x) for k, o, v, x in need)
                edges.append(AssumeEdge(node.arn, role, conditions))
    return tuple(edges)


def assume_graph(
    world: World, client: Client | None = None, *, now: _dt.datetime | None = None
) -> AssumeGraph:
    """The whole assume-role graph: every principal and the roles each may assume."""
    if client is not None:
        from iamsim.questions.distributed import assume_graph_distributed

        return assume_graph_distributed(client, world, now)
    index = ReachIndex(world)
    index.all_trusts()
    edges = graph_edges(world, now=now)
    return AssumeGraph(tuple(sorted(index.nodes)), tuple(sorted(edges, key=_edge_key)))


def _edge_key(edge: AssumeEdge) -> tuple[str, str]:
    return (edge.caller, edge.role)
