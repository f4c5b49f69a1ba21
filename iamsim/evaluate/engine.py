"""The only orchestrator: evaluate every layer of one request, then apply the combining rules."""

from __future__ import annotations

from collections.abc import Sequence

from iamsim.decision import Check, Decision, Denial, NearMiss
from iamsim.evaluate.combine import Combined, LayerTraces, OrgTraces, decide, denial_order
from iamsim.evaluate.inputs import Attached, Inputs, OrgLevel
from iamsim.evaluate.policy_types import evaluate_policy
from iamsim.request import Request
from iamsim.session import RoleSession
from iamsim.trace import PolicyTrace

__all__ = ["build_decision", "evaluate"]


def _trace(
    attached: Attached, request: Request, policy_type: str, attached_to: str | None = None
) -> PolicyTrace:
    return evaluate_policy(
        attached.compiled,
        request,
        policy_type=policy_type,
        name=attached.name,
        account=attached.account,
        attached_to=attached_to,
        require_resource=attached.require_resource,
    )


def _org(levels: tuple[OrgLevel, ...] | None, request: Request, kind: str) -> tuple[OrgTraces, ...]:
    if levels is None:
        return ()
    return tuple(
        OrgTraces(level, tuple(_trace(a, request, kind, level.attached_to) for a in level.policies))
        for level in levels
    )


def evaluate(inputs: Inputs) -> Combined:
    """Evaluate one request against every policy that applies to it."""
    request = inputs.request
    traces = LayerTraces(
        identity=tuple(_trace(a, request, "identity") for a in inputs.identity or ()),
        boundary=None if inputs.boundary is None else _trace(inputs.boundary, request, "boundary"),
        session=tuple(_trace(a, request, "session") for a in inputs.session or ()),
        resource=(
            None
            if inputs.resource_policy is None
            else _trace(inputs.resource_policy, request, inputs.resource_type)
        ),
        scp=_org(inputs.scp, request, "scp"),
        rcp=_org(inputs.rcp, request, "rcp"),
    )
    return decide(inputs, traces)


def _missing_keys(combined: Combined, into: dict[str, None]) -> None:
    for layer in combined.layers:
        for trace in layer.policies:
            for stmt in trace.statements:
                for key in stmt.missing_keys:
                    into[key] = None


def build_decision(
    operation: str,
    results: Sequence[tuple[Inputs, Combined]],
    *,
    session: RoleSession | None = None,
    notes: Sequence[str] = (),
    origin: object = None,
) -> Decision:
    """One Decision from the evaluation of each action a call needs (main action first)."""
    first, _ = results[0]
    request = first.request
    denials: list[Denial] = []
    near: dict[NearMiss, None] = {}
    missing: dict[str, None] = {}
    all_notes = dict.fromkeys(notes)
    for inputs, combined in results:
        denials += combined.denials
        near.update(dict.fromkeys(combined.near_misses))
        _missing_keys(combined, missing)
        all_notes.update(dict.fromkeys(inputs.notes))
    if len(denials) > 1:
        denials.sort(key=denial_order)
    if not denials:
        outcome = "allowed"
    elif any(d.explicit for d in denials):
        outcome = "explicitDeny"
    else:
        outcome = "implicitDeny"
    return Decision(
        operation=operation,
        caller=request.caller.display,
        caller_account=first.caller_account,
        action=request.action,
        resource=request.resource,
        resource_account=first.resource_account,
        outcome=outcome,  # type: ignore[arg-type]
        denied_by=tuple(denials),
        near_misses=tuple(near),
        missing_context_keys=tuple(missing),
        checks=tuple(
            Check(i.request.action, i.request.resource, c.allowed, c.layers) for i, c in results
        ),
        context=request.context.entries,
        notes=tuple(all_notes),
        session=session if outcome == "allowed" else None,
        origin=origin,
    )
