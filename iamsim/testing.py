"""Assertions for a user's test suite: a failing one says why, in iamsim's own words.

    from iamsim.testing import assert_allowed, assert_denied

    assert_allowed(world, "arn:aws:iam::111111111111:user/alice", "s3:GetObject",
                   "arn:aws:s3:::prod-bucket/report.csv")
    assert_denied(world, alice, role_arn=ROLE, session_name="ci", external_id="wrong",
                  side="target", policy_type="trust")

The keywords are those of a request record (`iamsim.expectations`): `context`, `now` for
a call; `role_arn`, `session_name`, `external_id`, … for AssumeRole (a present `role_arn`
means AssumeRole). A record itself (a mapping, or a `SimulateCall`/`AssumeRoleCall`) may
stand in for the caller. The failure message is the decision's explanation; each helper
returns the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamsim.calls import Answerer, AssumeRoleCall, SimulateCall
from iamsim.decision import Decision
from iamsim.expectations import Expectation, request_from_mapping, request_to_mapping
from iamsim.session import RoleSession

__all__ = [
    "assert_allowed",
    "assert_assume_allowed",
    "assert_assume_denied",
    "assert_denied",
    "decide",
    "failure_message",
]

Caller = str | RoleSession | Mapping[str, Any] | SimulateCall | AssumeRoleCall


def _record(
    where: str, caller: Caller, action: str | None, resource: str | None, request: dict[str, Any]
) -> Expectation:
    """The request record the helper's arguments describe."""
    if isinstance(caller, SimulateCall | AssumeRoleCall):
        data: dict[str, Any] = request_to_mapping(caller)
    elif isinstance(caller, Mapping):
        data = dict(caller)
    else:
        data = {"caller": caller}
    for key, value in (("action", action), ("resource", resource)):
        if value is not None:
            data[key] = value
    return request_from_mapping(data | request, path=where)


def decide(
    world: Answerer,
    caller: Caller,
    action: str | None = None,
    resource: str | None = None,
    **request: Any,
) -> Decision:
    """Ask `world` the question the arguments describe (a call, or AssumeRole)."""
    return _record("decide", caller, action, resource, request).run(world)


def failure_message(decision: Decision, problem: str | None = None) -> str:
    """What a failed assertion says: the explanation, then what was expected instead."""
    text = decision.explain()
    return text if problem is None else f"{text}\n\niamsim: {problem}"


def assert_allowed(
    world: Answerer,
    caller: Caller,
    action: str | None = None,
    resource: str | None = None,
    **request: Any,
) -> Decision:
    """Assert that AWS would allow the request; else fail with the explanation."""
    __tracebackhide__ = True
    record = _record("assert_allowed", caller, action, resource, request)
    decision = record.run(world)
    if not decision.allowed:
        raise AssertionError(failure_message(decision))
    return decision


def assert_denied(
    world: Answerer,
    caller: Caller,
    action: str | None = None,
    resource: str | None = None,
    *,
    side: str | None = None,
    policy_type: str | None = None,
    explicit: bool | None = None,
    **request: Any,
) -> Decision:
    """Assert that AWS would deny the request — by the named side, layer and kind of deny
    when given; else fail with the explanation."""
    __tracebackhide__ = True
    named = {
        k: v
        for k, v in (("side", side), ("policy_type", policy_type), ("explicit", explicit))
        if v is not None
    }
    if named:
        request = request | {"denied_by": [*_as_list(request.get("denied_by")), named]}
    record = _record("assert_denied", caller, action, resource, request)
    decision = record.run(world)
    if decision.allowed:
        raise AssertionError(failure_message(decision, "expected denied, got allowed"))
    problem = _with_expect(record).mismatch(decision)
    if problem is not None:
        raise AssertionError(failure_message(decision, problem))
    return decision


def assert_assume_allowed(
    world: Answerer, caller: str | RoleSession, role_arn: str, session_name: str, **kw: Any
) -> Decision:
    """Assert that `caller` may assume `role_arn` (`World.assume_role`'s keywords)."""
    __tracebackhide__ = True
    return assert_allowed(world, caller, role_arn=role_arn, session_name=session_name, **kw)


def assert_assume_denied(
    world: Answerer,
    caller: str | RoleSession,
    role_arn: str,
    session_name: str,
    *,
    side: str | None = None,
    policy_type: str | None = None,
    explicit: bool | None = None,
    **kw: Any,
) -> Decision:
    """Assert that `caller` may not assume `role_arn`, by the named side and layer if given."""
    __tracebackhide__ = True
    return assert_denied(
        world,
        caller,
        role_arn=role_arn,
        session_name=session_name,
        side=side,
        policy_type=policy_type,
        explicit=explicit,
        **kw,
    )


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _with_expect(record: Expectation) -> Expectation:
    if record.expect is not None:
        return record
    return Expectation(record.call, record.id, "denied", record.denied_by, record.path)
