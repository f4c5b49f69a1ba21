"""The engine's plan (evaluate/plan.py): what a caller, action and resource decide is
evaluated once, and a request's trace is the trace a full evaluation gives.

[EVAL] IAM User Guide, "Policy evaluation logic": a statement applies when its principal,
       action, resource and conditions all match the request.
[VARS] IAM User Guide, "IAM policy elements: Variables and tags": a Resource may name
       request keys such as ${aws:username}, so its match depends on the request.
"""

from __future__ import annotations

from typing import Any

import pytest

from iamsim.compile import CompiledStatement
from iamsim.evaluate.engine import evaluate
from iamsim.evaluate.inputs import Attached, Inputs
from iamsim.evaluate.plan import Pending, applying, plan, trace_plan
from iamsim.evaluate.policy_types import evaluate_policy
from iamsim.model import Policy
from iamsim.request import Context, Request, caller_from_arn
from iamsim.trace import StatementTrace

ALICE = caller_from_arn("arn:aws:iam::111111111111:user/alice")
ACTION = "s3:GetObject"
OBJECT = "arn:aws:s3:::bkt/alice/notes.txt"


def _policy(*statements: dict[str, Any]) -> Policy:
    return Policy.from_json({"Version": "2012-10-17", "Statement": list(statements)})


def _plan(policy: Policy) -> Any:
    inputs = Inputs(
        caller_account="111111111111",
        resource_account=None,
        identity=(Attached(policy, name="p", account="111111111111"),),
    )
    return plan(inputs, ALICE, ACTION, OBJECT).layers.identity[0]


def _resource_plan(policy: Policy, require_resource: bool) -> Any:
    attached = Attached(policy, name="b", account="222222222222", require_resource=require_resource)
    inputs = Inputs(
        caller_account="111111111111",
        resource_account="222222222222",
        identity=(),
        resource_policy=attached,
    )
    return plan(inputs, ALICE, ACTION, OBJECT).layers.resource


def _request(context: dict[str, object]) -> Request:
    return Request(ALICE, ACTION, OBJECT, Context.of(context))


PLAIN = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*"}
OTHER_ACTION = {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}
CONDITIONED = PLAIN | {"Condition": {"Bool": {"aws:SecureTransport": "true"}}}
VARIABLE = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::bkt/${aws:username}/*",
}
CONTEXTS: list[dict[str, object]] = [
    {},
    {"aws:SecureTransport": True},
    {"aws:SecureTransport": False},
    {"aws:username": "alice"},
    {"aws:username": "bob", "aws:SecureTransport": True},
]


def test_a_policy_the_scope_decides_keeps_one_trace() -> None:
    # [EVAL] principal, action and resource alone decide these statements.
    planned = _plan(_policy(PLAIN, OTHER_ACTION))
    assert all(isinstance(s, StatementTrace) for s in planned.statements)
    traces = {id(trace_plan(planned, _request(c))) for c in CONTEXTS}
    assert traces == {id(planned.trace)}
    assert planned.trace.verdict == "allow"


def test_conditions_are_evaluated_on_every_request() -> None:
    planned = _plan(_policy(CONDITIONED))
    assert isinstance(planned.statements[0], Pending)
    assert planned.trace is None
    assert trace_plan(planned, _request({"aws:SecureTransport": True})).verdict == "allow"
    assert trace_plan(planned, _request({"aws:SecureTransport": False})).verdict == "none"


def test_a_resource_with_variables_is_matched_on_every_request() -> None:
    # [VARS] ${aws:username} resolves per request: alice's prefix, not bob's.
    planned = _plan(_policy(VARIABLE))
    assert isinstance(planned.statements[0], CompiledStatement)
    assert trace_plan(planned, _request({"aws:username": "alice"})).verdict == "allow"
    assert trace_plan(planned, _request({"aws:username": "bob"})).verdict == "none"
    assert trace_plan(planned, _request({})).statements[0].missing_keys == ("aws:username",)


@pytest.mark.parametrize("context", CONTEXTS)
def test_a_planned_trace_is_the_full_evaluation(context: dict[str, object]) -> None:
    policy = _policy(PLAIN, OTHER_ACTION, CONDITIONED, VARIABLE)
    request = _request(context)
    full = evaluate_policy(
        policy, request, policy_type="identity", name="p", account="111111111111"
    )
    planned = trace_plan(_plan(policy), request)
    assert planned == full
    assert (planned.verdict, planned.deciding, planned.allows) == (
        full.verdict,
        full.deciding,
        full.allows,
    )


# Resource-policy statements: Principal and NotPrincipal name the caller; NotResource may
# hold variables; a statement without Resource has no effect where one is required (KMS).
ALICE_ARN = "arn:aws:iam::111111111111:user/alice"
PRINCIPAL = {"Effect": "Allow", "Principal": {"AWS": ALICE_ARN}, "Action": "s3:*"}
RESOURCE_STATEMENTS: list[dict[str, Any]] = [
    PRINCIPAL | {"Resource": "arn:aws:s3:::bkt/*"},
    PRINCIPAL,  # no Resource
    PRINCIPAL | {"NotResource": "arn:aws:s3:::bkt/${aws:username}/*"},
    PRINCIPAL | {"NotResource": "arn:aws:s3:::other/*"},
    {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "s3:GetObject",
        "Resource": "*",
    },
    PRINCIPAL | {"Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
]


@pytest.mark.parametrize("require_resource", [False, True])
@pytest.mark.parametrize("context", CONTEXTS)
def test_a_planned_resource_policy_trace_is_the_full_evaluation(
    context: dict[str, object], require_resource: bool
) -> None:
    # [EVAL] and [VARS]; AWS KMS, "Key policies": a statement without Resource has no effect.
    policy = Policy.from_json({"Version": "2012-10-17", "Statement": RESOURCE_STATEMENTS})
    request = _request(context)
    full = evaluate_policy(
        policy,
        request,
        policy_type="resource",
        name="b",
        account="222222222222",
        require_resource=require_resource,
    )
    planned = _resource_plan(policy, require_resource)
    assert isinstance(planned.statements[2], CompiledStatement)  # NotResource reads context
    assert trace_plan(planned, request) == full


def test_the_rules_findings_are_kept_per_pattern_of_open_statements() -> None:
    # What the combining rules find reads of the traces only what the scope fixes and which
    # statements apply: requests whose open statements apply alike share one finding, and
    # every request still evaluates each open statement's conditions.
    policy = _policy(PLAIN, CONDITIONED, VARIABLE)
    inputs = Inputs(
        caller_account="111111111111",
        resource_account=None,
        identity=(Attached(policy, name="p", account="111111111111"),),
    )
    planned = plan(inputs, ALICE, ACTION, OBJECT)
    assert [type(s).__name__ for s, _ in planned.open] == ["Pending", "CompiledStatement"]
    seen: dict[tuple[bool, ...], Any] = {}
    for context in CONTEXTS * 2:
        request = _request(context)
        pattern = applying(planned, request)
        trace = trace_plan(planned.layers.identity[0], request)
        assert pattern == tuple(not s.failed for s in trace.statements[1:])
        evaluated = evaluate(planned, request)
        assert seen.setdefault(pattern, evaluated.findings) is evaluated.findings
    assert set(seen) == {(False, False), (True, False), (False, True), (True, True)} - {
        (True, True)
    } | {p for p in seen}
    assert planned.findings == seen
