"""What a caller, action and resource fix, evaluated once: the engine's plan for a scope.

A statement's Principal, Action and Resource depend only on the caller, the action and
the resource (unless its Resource or NotResource holds policy variables); its conditions
depend on the request's context. The world asks for a plan once per caller, action and resource and
reuses it: each request then evaluates only the conditions, and a policy with none left
to evaluate keeps the trace built with its plan. What the combining rules find is kept per
pattern of open statements that apply (`Plan.findings`, `applying`).
"""

from __future__ import annotations

import attrs

from iamsim.compile import CompiledStatement
from iamsim.decision import Layer
from iamsim.evaluate.combine import Findings, LayerTraces, inert_layer
from iamsim.evaluate.inputs import Attached, Inputs, OrgLevel
from iamsim.evaluate.layers import Layers
from iamsim.evaluate.statement import evaluate_conditions, evaluate_statement, match_elements
from iamsim.request import Caller, Context, Request
from iamsim.trace import PolicyTrace, PrincipalMatch, StatementTrace, make_policy_trace

__all__ = [
    "Pending",
    "Plan",
    "PolicyPlan",
    "applying",
    "plan",
    "trace_plan",
    "with_endpoint",
]


@attrs.frozen(eq=False)
class Pending:
    """A statement whose principal, action and resource match: its conditions decide."""

    statement: CompiledStatement
    how: PrincipalMatch | None


# A statement's plan: its trace when the scope decides it, the conditions left to evaluate,
# or the whole statement (a Resource or NotResource with policy variables reads the
# context).
StatementPlan = StatementTrace | Pending | CompiledStatement


@attrs.frozen(eq=False)
class PolicyPlan:
    """One attached policy's statements, planned; `trace` when no statement is left open."""

    attached: Attached
    policy_type: str
    attached_to: str | None
    statements: tuple[StatementPlan, ...]
    trace: PolicyTrace | None


@attrs.frozen(eq=False)
class Plan:
    """Every policy of a scope, planned, by layer (`iamsim.evaluate.layers`)."""

    inputs: Inputs
    layers: Layers[PolicyPlan]
    # The SCP and RCP layers when they take no part (exempt, or not applicable).
    inert: tuple[Layer | None, Layer | None] = (None, None)
    # The policy of the VPC endpoint the request comes through, when the world holds it.
    endpoint: PolicyPlan | None = None
    # Whether a Deny statement of a policy of the layers may apply (else none can deny
    # explicitly, whatever the request's context).
    denies: bool = True
    # Every layer's traces, when the scope fixes every one.
    traces: LayerTraces | None = None
    # The statements the scope leaves open, each with its policy's `require_resource`:
    # whether each applies is all a request can change in what the combining rules find.
    open: tuple[tuple[Pending | CompiledStatement, bool], ...] = ()
    # What the rules find (`combine.find`) for each pattern of open statements that apply
    # (`applying`), kept as requests meet them. (Not an init field: `attrs.evolve` gives a
    # changed plan an empty one.)
    findings: dict[tuple[bool, ...], Findings] = attrs.field(init=False, factory=dict)


def _statement(stmt: CompiledStatement, scope: Request, require_resource: bool) -> StatementPlan:
    if any(m is not None and m.reads_context for m in (stmt.resources, stmt.not_resources)):
        return stmt
    failed, how, _ = match_elements(stmt, scope, require_resource)  # no variable: none missing
    if failed or not stmt.conditions:
        return StatementTrace(stmt.index, stmt.sid, stmt.effect, failed, how)
    return Pending(stmt, how)


def _policy(
    attached: Attached, scope: Request, policy_type: str, attached_to: str | None = None
) -> PolicyPlan:
    statements = tuple(
        _statement(s, scope, attached.require_resource) for s in attached.compiled.statements
    )
    planned = PolicyPlan(attached, policy_type, attached_to, statements, None)
    if all(isinstance(s, StatementTrace) for s in statements):
        return attrs.evolve(planned, trace=trace_plan(planned, scope))
    return planned


def _org(
    levels: tuple[OrgLevel, ...] | None, scope: Request, kind: str
) -> tuple[tuple[PolicyPlan, ...], ...]:
    if levels is None:
        return ()
    return tuple(
        tuple(_policy(a, scope, kind, level.attached_to) for a in level.policies)
        for level in levels
    )


def plan(inputs: Inputs, caller: Caller, action: str, resource: str) -> Plan:
    """Evaluate what the caller, action and resource decide, for every policy of `inputs`."""
    scope = Request(caller, action, resource, Context())
    planned = Plan(
        inputs=inputs,
        layers=Layers(
            identity=tuple(_policy(a, scope, "identity") for a in inputs.identity or ()),
            boundary=(
                None if inputs.boundary is None else _policy(inputs.boundary, scope, "boundary")
            ),
            session=tuple(_policy(a, scope, "session") for a in inputs.session or ()),
            resource=(
                None
                if inputs.resource_policy is None
                else _policy(inputs.resource_policy, scope, inputs.resource_type)
            ),
            scp=_org(inputs.scp, scope, "scp"),
            rcp=_org(inputs.rcp, scope, "rcp"),
        ),
        inert=(
            None if inputs.scp is not None else inert_layer("source", "scp", inputs.scp_note),
            None if inputs.rcp is not None else inert_layer("target", "rcp", inputs.rcp_note),
        ),
    )
    policies = _policies(planned.layers)
    if not all(p.trace is not None for p in policies):
        return attrs.evolve(planned, denies=any(map(_may_deny, policies)), open=_open(policies))
    # The scope decides every policy: its traces, once.
    return attrs.evolve(planned, traces=planned.layers.traced(trace_plan, scope))


def _may_deny(policy: PolicyPlan) -> bool:
    """Whether a Deny statement of the policy may apply to a request of the scope."""
    for stmt in policy.statements:
        if isinstance(stmt, StatementTrace):
            if stmt.effect == "Deny" and not stmt.failed:
                return True
        elif (stmt.statement if isinstance(stmt, Pending) else stmt).effect == "Deny":
            return True
    return False


def _open(policies: list[PolicyPlan]) -> tuple[tuple[Pending | CompiledStatement, bool], ...]:
    """The statements of `policies` the scope leaves open, with their `require_resource`."""
    found: list[tuple[Pending | CompiledStatement, bool]] = []
    for policy in policies:
        for stmt in policy.statements:
            if not isinstance(stmt, StatementTrace):
                found.append((stmt, policy.attached.require_resource))
    return tuple(found)


def applying(planned: Plan, request: Request) -> tuple[bool, ...]:
    """Whether each statement the scope leaves open applies to `request`: the one part of
    the traces the combining rules read that the request's context changes (they read a
    statement's principal match and effect, fixed by the scope, and whether it failed)."""
    context = request.context
    out = []
    for stmt, require_resource in planned.open:
        if isinstance(stmt, Pending):
            holds = True
            for cond in stmt.statement.conditions:  # each evaluated, as `evaluate_conditions`
                if not cond.holds(context):
                    holds = False
            out.append(holds)
        else:
            out.append(not evaluate_statement(stmt, request, require_resource).failed)
    return tuple(out)


def _policies(layers: Layers[PolicyPlan]) -> list[PolicyPlan]:
    """Every planned policy of every layer."""
    found = [*layers.identity, *layers.session]
    found += [p for p in (layers.boundary, layers.resource) if p is not None]
    for level in (*layers.scp, *layers.rcp):
        found += level
    return found


def with_endpoint(
    planned: Plan, endpoint: Attached, caller: Caller, action: str, resource: str
) -> Plan:
    """The plan with the policy of the VPC endpoint the request comes through, one more
    layer that must allow (AWS PrivateLink Guide, endpoint policies)."""
    scope = Request(caller, action, resource, Context())
    # Its open statements join the plan's: what the rules find depends on them too.
    policy = _policy(endpoint, scope, "vpc_endpoint")
    return attrs.evolve(
        planned,
        endpoint=policy,
        open=(*planned.open, *_open([policy])),
    )


def trace_plan(policy: PolicyPlan, request: Request) -> PolicyTrace:
    """The policy's trace for one request: only what the scope left open is evaluated."""
    if policy.trace is not None:
        return policy.trace
    context = request.context
    statements = []
    for stmt in policy.statements:
        if isinstance(stmt, Pending):
            statements.append(evaluate_conditions(stmt.statement, stmt.how, (), context))
        elif isinstance(stmt, StatementTrace):
            statements.append(stmt)
        else:
            statements.append(evaluate_statement(stmt, request, policy.attached.require_resource))
    attached = policy.attached
    return make_policy_trace(  # positional: once per policy and request (iamsim.frozen)
        policy.policy_type,
        attached.name,
        attached.account,
        tuple(statements),
        policy.attached_to,
        attached.policy,
    )
