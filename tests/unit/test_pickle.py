"""Worlds, decisions, sessions and policies survive `pickle` and `copy.deepcopy`.

Users send them through multiprocessing, pytest-xdist, joblib and Dask, and the CLI
caches worlds on disk: a copy must answer exactly as the original. Compiled forms hold
no local closures (conditions compare through partials of module-level functions), and
a world drops its memos when copied and rebuilds them on first use.

Protocols 2 and up are covered (the default and the highest among them); protocols 0
and 1 cannot save slotted classes without `__getstate__` and are not supported.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import iamsim
from iamsim.evaluate.policy_types import evaluate_policy
from iamsim.request import Context, Request, caller_from_arn
from iamsim.world.demo import ALICE, DEMO_NOW, ROLE

PROTOCOLS = list(range(2, pickle.HIGHEST_PROTOCOL + 1))


def _pickled(protocol: int) -> Callable[[Any], Any]:
    return lambda obj: pickle.loads(pickle.dumps(obj, protocol=protocol))


COPIES: list[Callable[[Any], Any]] = [*map(_pickled, PROTOCOLS), copy.deepcopy]
COPY_IDS = [f"pickle-{p}" for p in PROTOCOLS] + ["deepcopy"]


def _answers(d: iamsim.Decision) -> tuple[Any, ...]:
    """Everything a user reads from a decision."""
    return (
        d,
        d.to_dict(),
        d.explain(),
        d.aws_error,
        [f.description for f in d.suggest_fixes()],
    )


def _seed(world: iamsim.World, session_name: str = "dev-session") -> iamsim.Decision:
    return world.assume_role(ALICE, ROLE, session_name, external_id="my-secret-123", now=DEMO_NOW)


@pytest.mark.parametrize("clone", COPIES, ids=COPY_IDS)
def test_demo_world_fresh_and_warm(clone: Callable[[Any], Any]) -> None:
    fresh = iamsim.World.demo()
    cold = clone(fresh)
    warm_world = iamsim.World.demo()
    _seed(warm_world)  # fills the world's memos (profiles, targets, scopes and plans)
    warm = clone(warm_world)
    for world in (cold, warm):
        assert world == fresh
        assert _answers(_seed(world)) == _answers(_seed(fresh))
        assert _answers(_seed(world, "other")) == _answers(_seed(fresh, "other"))


def test_pickle_dumps_demo_world() -> None:
    data = pickle.dumps(iamsim.World.demo())
    assert pickle.loads(data) == iamsim.World.demo()


@pytest.mark.parametrize("clone", COPIES, ids=COPY_IDS)
def test_decision_and_its_session(clone: Callable[[Any], Any]) -> None:
    world = iamsim.World.demo()
    decision = _seed(world)
    assert decision.allowed and decision.session is not None
    copied = clone(decision)
    assert _answers(copied) == _answers(decision)
    assert copied.session == decision.session
    # The copied session is a caller in the original world and in a copied one.
    other_world = clone(world)
    bucket = "arn:aws:s3:::prod-bucket/report.csv"
    expected = world.simulate(decision.session, "s3:GetObject", bucket, now=DEMO_NOW)
    session_alone = clone(decision.session)
    assert session_alone == decision.session
    assert session_alone.credentials == decision.session.credentials
    for w, session in (
        (world, copied.session),
        (world, session_alone),
        (other_world, copied.session),
        (other_world, decision.session),
    ):
        got = w.simulate(session, "s3:GetObject", bucket, now=DEMO_NOW)
        assert _answers(got) == _answers(expected)


@pytest.mark.parametrize("clone", COPIES, ids=COPY_IDS)
def test_denied_decision(clone: Callable[[Any], Any]) -> None:
    world = iamsim.World.demo()
    denied = world.assume_role(ALICE, ROLE, "s2", external_id="wrong", now=DEMO_NOW)
    assert not denied.allowed and denied.suggest_fixes()
    assert _answers(clone(denied)) == _answers(denied)


A = "111111111111"
# One statement per condition operator kind, static and with policy variables, each on
# its own action, so that every compiled comparator (string, glob, number, date, bool,
# binary, IP, ARN, Null, set qualifiers) is copied and then asked.
KINDS: dict[str, dict[str, Any]] = {
    "s3:GetObject": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/al*"}},
    "s3:PutObject": {"StringEqualsIgnoreCase": {"aws:username": "ALICE"}},
    "s3:DeleteObject": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
    "s3:ListBucket": {"NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"}},
    "s3:GetObjectTagging": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    "s3:PutObjectTagging": {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
    "s3:GetObjectAcl": {"BinaryEquals": {"s3:blob": "QmluYXJ5"}},
    "s3:PutObjectAcl": {"ArnLike": {"aws:SourceArn": "arn:aws:sqs:*:111111111111:q-*"}},
    "s3:GetBucketPolicy": {
        "ArnLike": {"aws:SourceArn": "arn:aws:sqs:*:${aws:PrincipalAccount}:q-*"}
    },
    "s3:PutBucketPolicy": {"StringLike": {"aws:PrincipalArn": "*/${aws:username}"}},
    "s3:GetBucketTagging": {"Null": {"aws:TokenIssueTime": "true"}},
    "s3:PutBucketTagging": {"ForAnyValue:StringLike": {"aws:TagKeys": ["team*", "cost?"]}},
    "s3:GetBucketAcl": {"Bool": {"aws:SecureTransport": "true"}},
    "s3:PutBucketAcl": {"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "red"}},
    "s3:GetBucketCors": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost"]}},
}
KINDS_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition}
        for action, condition in KINDS.items()
    ],
}
CONTEXTS: list[dict[str, Any]] = [
    {},
    {
        "aws:SourceIp": "10.1.2.3",
        "aws:MultiFactorAuthAge": "60",
        "s3:blob": "QmluYXJ5",
        "aws:SourceArn": "arn:aws:sqs:us-east-1:111111111111:q-1",
        "aws:TagKeys": ["team", "cost"],
        "aws:SecureTransport": "true",
    },
    {
        "aws:SourceIp": "2001:db8::1",
        "aws:MultiFactorAuthAge": "7200",
        "s3:blob": "b3RoZXI=",
        "aws:SourceArn": "arn:aws:sqs:us-east-1:222222222222:q-1",
        "aws:TagKeys": ["costs", "other"],
        "aws:SecureTransport": "false",
    },
    {"aws:SourceIp": "not an address", "aws:SourceArn": "not an arn", "aws:TagKeys": []},
]
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def _kinds_world() -> iamsim.World:
    return iamsim.World.from_dict(
        {
            "accounts": {
                A: {
                    "users": {
                        "alice": {"policies": [KINDS_POLICY], "tags": {"team": "blue"}},
                    }
                }
            }
        }
    )


# The last context holds values AWS never sends for documented keys: a request through the
# world refuses it (ValidationError); the compiled policy still reads it (below).
WORLD_CONTEXTS = CONTEXTS[:-1]


def _kinds_decisions(world: iamsim.World) -> list[iamsim.Decision]:
    return [
        world.simulate(f"arn:aws:iam::{A}:user/alice", action, "*", context, now=NOW)
        for action in KINDS
        for context in WORLD_CONTEXTS
    ]


@pytest.mark.parametrize("clone", COPIES, ids=COPY_IDS)
def test_every_condition_kind(clone: Callable[[Any], Any]) -> None:
    world = _kinds_world()
    before = _kinds_decisions(world)  # warm
    assert {d.outcome for d in before} == {"allowed", "implicitDeny"}
    with pytest.raises(iamsim.ValidationError, match="documents"):
        world.simulate(f"arn:aws:iam::{A}:user/alice", "s3:GetObject", "*", CONTEXTS[-1])
    copied_world, copied = clone((world, before))
    for d, c in zip(before, copied, strict=True):
        assert (c, c.to_dict(), c.explain()) == (d, d.to_dict(), d.explain())
    for d, again in zip(before, _kinds_decisions(copied_world), strict=True):
        assert (again, again.to_dict(), again.explain()) == (d, d.to_dict(), d.explain())


@pytest.mark.parametrize("clone", COPIES, ids=COPY_IDS)
def test_policy_and_compiled_policy(clone: Callable[[Any], Any]) -> None:
    policy = iamsim.Policy.from_json(KINDS_POLICY)
    copied = clone(policy)
    assert copied == policy and hash(copied) == hash(policy)
    assert copied.to_dict() == policy.to_dict()
    compiled = policy.compile()
    copied_compiled = clone(compiled)
    assert copied_compiled.policy == policy
    alice = caller_from_arn(f"arn:aws:iam::{A}:user/alice")
    for action in KINDS:
        for context in CONTEXTS:
            request = Request(alice, action, "*", Context.of(context))
            expected = evaluate_policy(compiled, request, policy_type="identity")
            got = evaluate_policy(copied_compiled, request, policy_type="identity")
            assert got == expected and got.to_dict() == expected.to_dict()


_CHILD = """
import pickle, sys
from {module} import answer
sys.stdout.write(repr(answer(*pickle.loads(sys.stdin.buffer.read()))))
"""


def answer(
    world: iamsim.World,
    decisions: list[iamsim.Decision],
    demo: iamsim.World,
    seed: iamsim.Decision,
) -> list[Any]:
    """What a process reads from pickled worlds and decisions (see the test below)."""
    out: list[Any] = [(d.to_dict(), d.explain()) for d in [*decisions, seed]]
    out += [(d.to_dict(), d.explain()) for d in _kinds_decisions(world)]
    out.append([f.description for f in seed.suggest_fixes()])
    bucket = "arn:aws:s3:::prod-bucket/report.csv"
    again = demo.simulate(seed.session, "s3:GetObject", bucket, now=DEMO_NOW)
    out.append((again.to_dict(), [f.description for f in again.suggest_fixes()]))
    return out


def test_round_trip_through_another_interpreter() -> None:
    """A pickle read by a fresh interpreter (another string hash seed, empty compile caches)
    answers as the original: what multiprocessing, joblib and Dask workers do."""
    world = _kinds_world()
    demo = iamsim.World.demo()
    sent = (world, _kinds_decisions(world), demo, _seed(demo))
    expected = answer(*sent)
    env = dict(os.environ, PYTHONHASHSEED="12345")
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(__file__), env.get("PYTHONPATH", "")])
    run = subprocess.run(
        [sys.executable, "-c", _CHILD.format(module=__name__)],
        input=pickle.dumps(sent),
        capture_output=True,
        check=True,
        env=env,
    )
    assert run.stdout.decode() == repr(expected)
