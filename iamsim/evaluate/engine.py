"""The only orchestrator: evaluate every layer of one request, then apply the combining rules."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import attrs

from iamsim.calls import Replay
from iamsim.decision import Decision, Denial, NearMiss, Outcome, make_check
from iamsim.evaluate.combine import (
    Findings,
    LayerTraces,
    denial_order,
    find,
    finish,
    request_denial,
    verdict,
)
from iamsim.evaluate.plan import Plan, applying, trace_plan
from iamsim.frozen import builder, deferring
from iamsim.limits import remember
from iamsim.reason import Reason, make_reason
from iamsim.request import Request
from iamsim.session import Minting, RoleSession
from iamsim.trace import PolicyTrace, StatementTrace

__all__ = ["Evaluated", "build_decision", "evaluate"]


@attrs.frozen(eq=False)
class Evaluated:
    """One action of a request, evaluated: its outcome, and what builds what only a reader
    of the decision needs (`combine.finish`): the plan, what its rules found, and the
    request's traces when the rules were asked for them (else built when read)."""

    allowed: bool
    explicit: bool
    request: Request
    plan: Plan
    findings: Findings
    traces: Traces | None


make_evaluated = builder(Evaluated)


def evaluate(plan: Plan, request: Request) -> Evaluated:
    """Evaluate one request against every policy of its scope's plan, then combine.

    The combining rules read of the traces only what the scope fixes and which statements
    apply, so the plan keeps what they find for each pattern of open statements that apply
    (`applying`, which evaluates their conditions for every request)."""
    pattern = applying(plan, request)
    findings = plan.findings.get(pattern)
    traces = None
    if findings is None:  # the first request of this pattern: the rules read its traces
        traces = _traces(plan, request)
        found = find(plan.inputs, request, traces[0], plan.inert, traces[1], plan.denies)
        findings = remember(plan.findings, pattern, found)
    # With the one rule that reads the request's own context (a source identity fixed in a
    # role chain).
    denied = request_denial(plan.inputs, request) is not None
    allowed, explicit = verdict(plan.inputs, findings, denied)
    return make_evaluated(allowed, explicit, request, plan, findings, traces)  # positional


Traces = tuple[LayerTraces, PolicyTrace | None]  # (`_traces`)


def _traces(plan: Plan, request: Request) -> Traces:
    """The request's traces: of each layer's policies, and of the VPC endpoint's policy."""
    endpoint = plan.endpoint
    return (
        plan.layers.traced(trace_plan, request) if plan.traces is None else plan.traces,
        None if endpoint is None else trace_plan(endpoint, request),
    )


def _absent_deny_note(trace: PolicyTrace, stmt: StatementTrace) -> tuple[Reason, ...]:
    """A caveat for a Deny that did not apply because the request lacks a key it tests."""
    keys = tuple([c.key for c in stmt.failed_conditions if c.request_values is None])
    if not keys:
        return ()
    return (
        make_reason(
            "deny_skipped_missing_key",
            (("statement", stmt.label), ("policy", trace.label), ("keys", keys)),
        ),
    )


def build_decision(
    operation: str,
    results: Sequence[Evaluated],
    *,
    session: RoleSession | Minting | None = None,
    replay: Replay | None = None,
) -> Decision:
    """One Decision from the evaluation of each action a call needs (main action first);
    `session` is what an allowed call hands back, `replay` the world and the call. What only
    a reader needs (the denials in order, the layers, near misses, missing keys, the context
    and the notes) is assembled on first read (`_detail`)."""
    first = results[0]
    request = first.request
    outcome: Outcome = "allowed"
    for evaluated in results:
        if evaluated.explicit:
            outcome = "explicitDeny"
            break
        if not evaluated.allowed:
            outcome = "implicitDeny"
    # Positional (iamsim.frozen): operation, caller, caller account, action, resource,
    # resource account, outcome, session, replay, then what computes the rest.
    return _make_decision(
        operation,
        request.caller.display,
        first.plan.inputs.caller_account,
        request.action,
        request.resource,
        first.plan.inputs.resource_account,
        outcome,
        replay,
        partial(_detail, results, session if outcome == "allowed" else None),
    )


_DETAIL = (
    "checks",
    "denied_by",
    "near_misses",
    "missing_context_keys",
    "context",
    "_notes",
    "session",
)
_make_decision = deferring(Decision, _DETAIL)


def _detail(results: Sequence[Evaluated], session: RoleSession | Minting | None) -> tuple[Any, ...]:
    """A decision's fields in `_DETAIL`'s order, from the evaluation of each action and the
    session an allowed call hands back (minted now if it was not)."""
    denied: list[Denial] = []
    near: dict[NearMiss, None] = {}
    missing: dict[str, None] = {}
    all_notes: dict[Reason, None] = {}
    checks = []
    for evaluated in results:
        plan, req = evaluated.plan, evaluated.request
        traces, endpoint = evaluated.traces or _traces(plan, req)
        denials, layers, near_misses = finish(
            plan.inputs, req, traces, evaluated.findings, evaluated.allowed, plan.inert, endpoint
        )
        checks.append(make_check(req.action, req.resource, evaluated.allowed, layers))
        denied += denials
        if near_misses:
            near.update(dict.fromkeys(near_misses))
        for layer in layers:
            for trace in layer.policies:
                for stmt in trace.statements:
                    if stmt.missing_keys:
                        missing.update(dict.fromkeys(stmt.missing_keys))
                        if stmt.effect == "Deny" and stmt.failed == ("condition",):
                            all_notes.update(dict.fromkeys(_absent_deny_note(trace, stmt)))
        if plan.inputs.notes:
            all_notes.update(dict.fromkeys(plan.inputs.notes))
    if len(denied) > 1:
        denied.sort(key=denial_order)
    return (
        tuple(checks),
        tuple(denied),
        tuple(near),
        tuple(missing),
        results[0].request.context.entries,
        tuple(all_notes),
        session if session is None or isinstance(session, RoleSession) else session(),
    )
