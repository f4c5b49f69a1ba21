"""The only orchestrator: evaluate every layer of one request, then apply the combining rules."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from iamsim.calls import Replay
from iamsim.decision import Decision, Denial, NearMiss, Outcome, make_check
from iamsim.evaluate.combine import Combined, decide, denial_order, finish
from iamsim.evaluate.plan import Plan, trace_plan
from iamsim.frozen import deferring
from iamsim.reason import Reason, make_reason
from iamsim.request import Request
from iamsim.session import Minting, RoleSession
from iamsim.trace import PolicyTrace, StatementTrace

__all__ = ["build_decision", "evaluate"]


def evaluate(plan: Plan, request: Request) -> Combined:
    """Evaluate one request against every policy of its scope's plan, then combine."""
    settled = plan.settled
    if settled is not None:  # the scope fixes every trace, and the rules' findings from them
        return decide(plan.inputs, request, settled.traces, plan.inert, None, settled)
    endpoint = plan.endpoint
    return decide(
        plan.inputs,
        request,
        plan.layers.traced(trace_plan, request),
        plan.inert,
        None if endpoint is None else trace_plan(endpoint, request),
        None,
        plan.denies,
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
    for combined in results:
        if combined.explicit:
            outcome = "explicitDeny"
            break
        if not combined.allowed:
            outcome = "implicitDeny"
    # Positional (iamsim.frozen): operation, caller, caller account, action, resource,
    # resource account, outcome, session, replay, then what computes the rest.
    return _make_decision(
        operation,
        request.caller.display,
        first.inputs.caller_account,
        request.action,
        request.resource,
        first.inputs.resource_account,
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


def _detail(results: Sequence[Combined], session: RoleSession | Minting | None) -> tuple[Any, ...]:
    """A decision's fields in `_DETAIL`'s order, from the evaluation of each action and the
    session an allowed call hands back (minted now if it was not)."""
    denied: list[Denial] = []
    near: dict[NearMiss, None] = {}
    missing: dict[str, None] = {}
    all_notes: dict[Reason, None] = {}
    checks = []
    for combined in results:
        req = combined.request
        denials, layers, near_misses = finish(combined)
        checks.append(make_check(req.action, req.resource, combined.allowed, layers))
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
        if combined.inputs.notes:
            all_notes.update(dict.fromkeys(combined.inputs.notes))
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
