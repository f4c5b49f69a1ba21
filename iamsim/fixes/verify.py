"""Replaying the call with fixes applied, verifying each candidate, composing Deny+Allow fixes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.calls import Call
from iamsim.decision import Decision, Denial
from iamsim.errors import IamsimError
from iamsim.fixes.documents import _tag_dict
from iamsim.fixes.model import Fix
from iamsim.fixes.planner import _Planner
from iamsim.model import Policy
from iamsim.session import RoleSession
from iamsim.sts_federated import FEDERATED_KINDS

if TYPE_CHECKING:
    from iamsim.world import World

__all__ = ["apply_all", "replay", "session_with", "suggest_fixes"]


def session_with(fixes: Sequence[Fix], session: RoleSession) -> RoleSession:
    """The session AssumeRole would return with every `request_for == "session"` change.

    Session policies do not take part in authorizing the AssumeRole call itself, so the
    rest of the session (role, name, tags, source identity) is unchanged.
    """
    for fix in fixes:
        if fix.request is None or fix.request_for != "session":
            continue
        if "policy" in fix.request:
            doc = fix.request["policy"]
            session = attrs.evolve(
                session,
                session_policies=() if doc is None else (Policy.from_json(doc, kind="session"),),
            )
        if "policy_arns" in fix.request:
            session = attrs.evolve(session, session_policy_arns=tuple(fix.request["policy_arns"]))
    return session


def _merged(request: dict[str, Any], more: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(request)
    for key, value in more.items():
        if key in ("context", "tags") and isinstance(out.get(key), Mapping):
            out[key] = {**out[key], **_tag_dict(value)} if key == "tags" else {**out[key], **value}
        else:
            out[key] = value
    return out


def _asked(decision: Decision) -> tuple[World, Call]:
    """The world that made a decision and the call it answered; an error for one rebuilt
    from JSON, which has neither."""
    world, call = decision.world, decision.call
    if world is None or call is None:
        raise IamsimError(
            "this decision was rebuilt from JSON; fixes need the world: "
            "re-run the request with World.simulate or World.assume_role"
        )
    return world, call  # type: ignore[return-value]


def _kind(call: Call) -> str:
    """How the planner reads a call: an AssumeRole (or a federated one), or a request of a
    principal."""
    if call.kind in ("assume_role", *FEDERATED_KINDS):
        return call.kind
    return "simulate"


def _replay(decision: Decision, world: World, call: Call, fixes: Sequence[Fix] = ()) -> Decision:
    """The decision's call asked again of `world`, with the fixes' changes to the call."""
    args = call.arguments()
    for fix in fixes:
        if fix.request is not None and fix.request_for == "call":
            args = _merged(args, fix.request)
    who = "caller" if call.kind == "assume_role" else "principal"
    if isinstance(args.get(who), RoleSession):
        args[who] = session_with(fixes, args[who])
    return decision.replay(world, call.changed(**args))


def _same(a: Denial, b: Denial) -> bool:
    return (a.policy_type, a.side, a.action, a.explicit) == (
        b.policy_type,
        b.side,
        b.action,
        b.explicit,
    )


def _alone(fix: Fix, decision: Decision, world: World, call: Call) -> Decision | None:
    """The call replayed with this one fix applied (None if the changed world is rejected)."""
    try:
        changed = fix.apply(world) if fix.apply is not None else world
        return _replay(decision, changed, call, (fix,))
    except IamsimError:
        return None


def _verified(
    fix: Fix, decision: Decision, world: World, call: Call, before: Sequence[Denial]
) -> bool:
    """Whether the fix, applied on its own, removes its denial and adds none."""
    if fix.guardrail:
        return True  # a report: nothing to verify
    after = _alone(fix, decision, world, call)
    if after is None:
        return False
    assert fix.denial is not None
    return not any(_same(fix.denial, d) for d in after.denied_by) and all(
        any(_same(d, b) for b in before) for d in after.denied_by
    )


def _compose(first: Fix, then: Fix) -> Fix:
    """Two changes to one layer as one fix (remove a Deny, then add the missing Allow)."""
    apply = None
    if first.apply is not None or then.apply is not None:
        a, b = first.apply, then.apply

        def apply(world: World) -> World:
            world = a(world) if a is not None else world
            return b(world) if b is not None else world

    request = None
    if first.request is not None or then.request is not None:
        request = _merged(dict(first.request or {}), then.request or {})
    return attrs.evolve(
        first,
        description=f"{first.description} Then: {then.description}",
        change=[first.change, then.change],
        apply=apply,
        request=request,
    )


def _completed(
    fix: Fix, decision: Decision, world: World, call: Call, before: Sequence[Denial]
) -> Fix | None:
    """A fix for an explicit Deny whose layer allows nothing once the Deny is gone.

    Each layer is listed once, so removing its Deny uncovers "nothing allows it" in the
    same layer; the fix that removes the Deny then also adds the narrow Allow.
    """
    denial = fix.denial
    if denial is None or not denial.explicit or fix.guardrail:
        return None
    after = _alone(fix, decision, world, call)
    if after is None:
        return None
    gap = [
        d
        for d in after.denied_by
        if not d.explicit
        and (d.policy_type, d.side, d.action) == (denial.policy_type, denial.side, denial.action)
    ]
    if len(gap) != 1:
        return None
    fixed_world, _ = _asked(after)
    planner = _Planner(after, fixed_world, _kind(call), call.arguments())
    for follow in planner.candidates(gap[0]):
        if follow is None or follow.guardrail:
            continue
        both = _compose(fix, follow)
        if _verified(both, decision, world, call, before):
            return both
    return None


def suggest_fixes(decision: Decision) -> Sequence[Fix]:
    """The verified fixes for every denial of a decision made by a world: one per denial."""
    if decision.allowed:
        return ()
    world, call = _asked(decision)
    planner = _Planner(decision, world, _kind(call), call.arguments())
    fixes: list[Fix] = []
    for denial in decision.denied_by:
        for fix in planner.candidates(denial):
            if fix in fixes:
                break
            if _verified(fix, decision, world, call, decision.denied_by):
                fixes.append(fix)
                break
            completed = _completed(fix, decision, world, call, decision.denied_by)
            if completed is not None:
                fixes.append(completed)
                break
    return tuple(fixes)


def apply_all(fixes: Sequence[Fix], world: World) -> tuple[World, dict[str, Any]]:
    """Apply every fix: the changed world and the merged changes to the denied call.

    Changes to the AssumeRole call that created the calling session
    (`request_for == "session"`) are not in the returned arguments: see `session_with`.
    """
    request: dict[str, Any] = {}
    for fix in fixes:
        if fix.apply is not None:
            world = fix.apply(world)
        if fix.request is not None and fix.request_for == "call":
            request = _merged(request, fix.request)
    return world, request


def replay(decision: Decision, fixes: Sequence[Fix] | None = None) -> Decision:
    """The same call again, with every fix applied (world, call and session changes)."""
    world, call = _asked(decision)
    fixes = decision.suggest_fixes() if fixes is None else fixes
    for fix in fixes:
        if fix.apply is not None:
            world = fix.apply(world)
    return _replay(decision, world, call, fixes)
