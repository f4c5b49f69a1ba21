"""The conformance corpus: every JSON case file under tests/compliance/, one parametrized test.

Two kinds of case, told apart by their keys:

- policy cases (`policy` + `request` + `expect` allow/deny/none, or `expect_error`):
  one policy's own verdict for one request, on the road production takes: the policy
  attached as the world attaches it (compiled once), planned for the request's caller,
  action and resource (`iamsim.evaluate.plan.plan`), then traced for the request
  (`trace_plan`), as the engine does for every layer;
- decision cases (`world` + `call` + `expect` {outcome, denied_by, …}): a whole
  decision through the world, the engine and STS.

Files are named by topic (`conditions/string.json`, `decisions/kms.json`, …). Set
IAMSIM_COMPLIANCE=<substring> to run only the files whose path contains it.
Each case carries a `cite`: the AWS behaviour it pins.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim.evaluate.inputs import Attached, Inputs, OrgLevel
from iamsim.evaluate.plan import plan, trace_plan
from iamsim.evaluate.rules import statement_needs_resource
from iamsim.request import Context, Request, caller_from_arn
from iamsim.trace import PolicyTrace

ROOT = Path(__file__).parent / "compliance"
CASE_KEYS = {
    "id",
    "cite",
    "kind",
    "policy",
    "request",
    "expect",
    "expect_error",
    "world",
    "call",
    "note",
}
EXPECT_KEYS = {
    "outcome",
    "denied_by",
    "near_miss_keys",
    "missing_context_keys",
    "error",
    "error_code",
    "message_contains",
    "session_arn",
    "aws_error",
    "aws_error_detailed",
    "notes_contain",
    "first_line_contains",
}


def _cases() -> list[Any]:
    only = os.environ.get("IAMSIM_COMPLIANCE", "")
    params = []
    for path in sorted(ROOT.rglob("*.json")):
        rel = path.relative_to(ROOT).as_posix()
        if only not in rel:
            continue
        data = json.loads(path.read_text("utf-8"))
        for case in data["cases"]:
            params.append(pytest.param(case, id=f"{rel}::{case['id']}"))
    return params


CASES = _cases()


def test_corpus_is_large_enough() -> None:
    """Each issue asks for a minimum corpus; keep it from shrinking unnoticed."""
    if os.environ.get("IAMSIM_COMPLIANCE"):
        pytest.skip("a subset was selected")
    policy = sum(1 for c in CASES if "world" not in c.values[0])
    decision = sum(1 for c in CASES if "world" in c.values[0])
    assert policy >= 150
    assert decision >= 140


def test_case_ids_are_unique_per_file() -> None:
    """A case is named `<file>::<id>`: two cases of one file must not share a name."""
    counts = collections.Counter(c.id for c in CASES)
    assert not [name for name, n in counts.items() if n > 1]


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"unknown case keys {unknown}"
    assert case.get("cite"), "every case cites the AWS behaviour it pins"
    if "world" in case:
        _decision_case(case)
    else:
        _policy_case(case)


def _policy_case(case: dict[str, Any]) -> None:
    kind = case.get("kind")
    if "expect_error" in case:
        with pytest.raises(iamsim.PolicyError) as info:
            iamsim.Policy.from_json(case["policy"], kind=kind)
        paths = {p.path for p in info.value.problems}
        for expected in case["expect_error"]:
            assert expected in paths, f"{expected} not among {sorted(paths)}"
        return
    policy = iamsim.Policy.from_json(case["policy"], kind=kind)
    req = case["request"]
    caller = caller_from_arn(req.get("principal", "arn:aws:iam::111111111111:user/alice"))
    request = Request(
        caller=caller,
        action=req.get("action", "s3:GetObject"),
        resource=req.get("resource", "arn:aws:s3:::bkt/key.txt"),
        context=Context.of(req.get("context", {})),
    )
    trace = _production_trace(policy, request, kind or "identity")
    assert trace.verdict == case["expect"], [s.to_dict() for s in trace.statements]


def _production_trace(policy: iamsim.Policy, request: Request, kind: str) -> PolicyTrace:
    """One policy's trace as the engine builds it: attached in its layer (a resource-based
    policy requires Resource, as `world.gather.locate` attaches it, except where the service's
    policies name none), planned for the request's caller, action and resource, then traced
    for the request's context."""
    service = request.resource.split(":", 3)[2] if request.resource.count(":") >= 3 else ""
    attached = Attached(
        policy,
        require_resource=kind == "resource" and statement_needs_resource(service),
    )
    levels = (OrgLevel("root", (attached,)),)
    inputs = Inputs(
        caller_account=request.caller.account,
        resource_account=None,
        identity=(attached,) if kind == "identity" else None,
        resource_type="trust" if kind == "trust" else "resource",
        resource_policy=attached if kind in ("resource", "trust") else None,
        boundary=attached if kind == "boundary" else None,
        session=(attached,) if kind == "session" else None,
        scp=levels if kind == "scp" else None,
        rcp=levels if kind == "rcp" else None,
    )
    scope = plan(inputs, request.caller, request.action, request.resource).layers
    (planned,) = [
        *scope.identity,
        *(p for p in (scope.boundary, scope.resource) if p is not None),
        *scope.session,
        *itertools.chain.from_iterable(scope.scp),
        *itertools.chain.from_iterable(scope.rcp),
    ]
    assert planned.policy_type == kind, (planned.policy_type, kind)
    return trace_plan(planned, request)


def _world(spec: Any) -> iamsim.World:
    if spec == "seed":
        return iamsim.World.demo()
    return iamsim.World.from_dict(spec)


def _run_call(world: iamsim.World, call: dict[str, Any]) -> iamsim.Decision:
    ((kind, args),) = call.items()
    args = dict(args)
    if "now" in args:
        args["now"] = dt.datetime.fromisoformat(args["now"].replace("Z", "+00:00"))
    if kind == "assume_role":
        caller = args.pop("caller")
        if isinstance(caller, dict):  # a session from an earlier (allowed) AssumeRole: chaining
            first = _run_call(world, caller)
            assert first.allowed, f"the first hop was denied: {first.explain()}"
            caller = first.session
        return world.assume_role(caller, **args)
    if kind in ("assume_role_with_web_identity", "assume_role_with_saml"):
        return getattr(world, kind)(**args)
    if kind == "authorize":  # one call needing several checks, some on other resources
        also = tuple(tuple(x) if isinstance(x, list) else x for x in args.pop("also", ()))
        return world.authorize(iamsim.AccessRequest(**args, also=also))
    assert kind == "simulate", kind
    principal = args.pop("principal")
    if isinstance(principal, dict):
        first = _run_call(world, principal)
        assert first.allowed, f"the first hop was denied: {first.explain()}"
        principal = first.session
    return world.simulate(principal, args.pop("action"), args.pop("resource"), **args)


def _decision_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    unknown = set(expect) - EXPECT_KEYS
    assert not unknown, f"unknown expect keys {unknown}"
    if "error" in expect:
        with pytest.raises(iamsim.IamsimError) as info:
            _run_call(_world(case["world"]), case["call"])
        assert type(info.value).__name__ == expect["error"], repr(info.value)
        if "message_contains" in expect:
            assert expect["message_contains"] in str(info.value)
        if "error_code" in expect:
            assert getattr(info.value, "code", None) == expect["error_code"], repr(info.value)
        return
    d = _run_call(_world(case["world"]), case["call"])
    assert d.outcome == expect["outcome"], d.explain()
    if "denied_by" in expect:
        got = sorted((x.policy_type, x.side, x.explicit) for x in d.denied_by)
        want = sorted((x["policy_type"], x["side"], x["explicit"]) for x in expect["denied_by"])
        assert got == want, d.explain()
        for wanted in expect["denied_by"]:
            if "action" in wanted:
                assert any(
                    x.action == wanted["action"] and x.policy_type == wanted["policy_type"]
                    for x in d.denied_by
                ), d.explain()
    if "near_miss_keys" in expect:
        assert sorted({n.key for n in d.near_misses}) == sorted(expect["near_miss_keys"])
    if "missing_context_keys" in expect:
        assert sorted(d.missing_context_keys) == sorted(expect["missing_context_keys"])
    if "session_arn" in expect:
        assert d.session is not None and d.session.arn == expect["session_arn"]
    if "aws_error" in expect:
        assert d.aws_error == expect["aws_error"]
    if "aws_error_detailed" in expect:
        assert d.aws_error_detailed == expect["aws_error_detailed"]
    for text in expect.get("notes_contain", ()):
        assert any(text in n for n in d.notes), d.notes
    for text in expect.get("first_line_contains", ()):
        assert text in str(d), str(d)
