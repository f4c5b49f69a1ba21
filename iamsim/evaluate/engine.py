"""The only orchestrator: evaluate every layer of one request, then apply the combining rules."""

from __future__ import annotations

from collections.abc import Sequence

from iamsim.calls import Replay
from iamsim.decision import Decision, Denial, NearMiss, Outcome, make_check, make_decision
from iamsim.evaluate.combine import Combined, decide, denial_order
from iamsim.evaluate.plan import Plan, trace_plan
from iamsim.reason import Reason, make_reason
from iamsim.request import Request
from iamsim.session import RoleSession
from iamsim.trace import PolicyTrace, StatementTrace

__all__ = ["build_decision", "evaluate"]


def evaluate(plan: Plan, request: Request) -> Combined:
    """Evaluate one request against every policy of its scope's plan, then combine."""
    endpoint = plan.endpoint
    return decide(
        plan.inputs,
        request,
        plan.layers.traced(trace_plan, request),
        plan.inert,
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
    results: Sequence[Combined],
    *,
    session: RoleSession | None = None,
    replay: Replay | None = None,
) -> Decision:
    """One Decision from the evaluation of each action a call needs (main action first);
    `session` is what an allowed call hands back, `replay` the world and the call."""
    first = results[0]
    request = first.request
    denied: list[Denial] = []
    near: dict[NearMiss, None] = {}
    missing: dict[str, None] = {}
    all_notes: dict[Reason, None] = {}
    checks = []
    for combined in results:
        req = combined.request
        checks.append(make_check(req.action, req.resource, combined.allowed, combined.layers))
        denied += combined.denials
        if combined.near_misses:
            near.update(dict.fromkeys(combined.near_misses))
        for layer in combined.layers:
            for trace in layer.policies:
                for stmt in trace.statements:
                    if stmt.missing_keys:
                        missing.update(dict.fromkeys(stmt.missing_keys))
                        if stmt.effect == "Deny" and stmt.failed == ("condition",):
                            all_notes.update(dict.fromkeys(_absent_deny_note(trace, stmt)))
        if combined.inputs.notes:
            all_notes.update(dict.fromkeys(combined.inputs.notes))
    if len(denied) > 1:
        denied.sort(key=denial_order)
    outcome: Outcome
    if not denied:
        outcome = "allowed"
    elif any(d.explicit for d in denied):
        outcome = "explicitDeny"
    else:
        outcome = "implicitDeny"
    # Positional, as the builders the evaluator calls on each request (iamsim.frozen):
    # keywords would cost about a thousand machine instructions here.
    return make_decision(
        operation,
        request.caller.display,
        first.inputs.caller_account,
        request.action,
        request.resource,
        first.inputs.resource_account,
        outcome,
        tuple(denied),
        tuple(near),
        tuple(missing),
        tuple(checks),
        request.context.entries,
        tuple(all_notes),
        session if outcome == "allowed" else None,
        replay,
    )
