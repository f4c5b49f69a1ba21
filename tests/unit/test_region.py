"""aws:RequestedRegion through the Python API: the `region` keyword, the world's
`default_region`, and where AWS takes the region from (IAM User Guide, AWS global condition
context keys, aws:RequestedRegion; "Manage AWS STS in an AWS Region")."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import iamsim
from iamsim.evaluate.services import GLOBAL_SERVICES
from iamsim.expectations import request_from_mapping, request_to_mapping
from iamsim.world.context import REGION, scope_region

ALICE = "arn:aws:iam::111111111111:user/alice"
OBJ = "arn:aws:s3:::data/report.csv"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _world(**top: Any) -> iamsim.World:
    """alice may do anything her region allows: her identity policy Denies outside eu-west-1
    (no organization needed to see the key's value)."""
    allow = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    lock = {
        "Sid": "OnlyEU",
        "Effect": "Deny",
        "NotAction": "iam:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    return iamsim.World.from_dict(
        {
            **top,
            "accounts": {
                "111111111111": {
                    "users": {"alice": {"policies": [_policy(allow, lock)]}},
                    "resources": {"arn:aws:s3:::data": {}},
                }
            },
        }
    )


def _region(d: iamsim.Decision) -> object:
    """The aws:RequestedRegion the request carried, read from the lock's condition trace."""
    for layer in d.layers:
        for trace in layer.policies:
            for stmt in trace.statements:
                for cond in stmt.conditions:
                    if cond.key == "aws:RequestedRegion":
                        return cond.request_values
    raise AssertionError("the lock was not traced")


def test_simulate_region_keyword_and_default_region() -> None:
    world = _world()
    assert world.simulate(ALICE, "s3:GetObject", OBJ, region="eu-west-1").allowed
    assert not world.simulate(ALICE, "s3:GetObject", OBJ, region="us-east-1").allowed
    d = world.simulate(ALICE, "s3:GetObject", OBJ)
    assert not d.allowed and d.missing_context_keys == ("aws:RequestedRegion",)
    assert "no region is known for this call" in str(d)
    regional = _world(default_region="eu-west-1")
    assert regional.default_region == "eu-west-1"
    assert regional.simulate(ALICE, "s3:GetObject", OBJ).allowed
    assert not regional.simulate(ALICE, "s3:GetObject", OBJ, region="eu-north-1").allowed


def test_the_region_is_replayed_with_the_call() -> None:
    """A decision asked again (fixes, `Decision.replay`) keeps the call's region."""
    d = _world().simulate(ALICE, "s3:GetObject", OBJ, region="eu-west-1")
    assert d.call is not None and d.call.region == "eu-west-1"
    assert d.replay(_world()).allowed


def test_assume_role_region() -> None:
    trust = _policy(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
         "Action": "sts:AssumeRole"}
    )  # fmt: skip
    world = iamsim.World.of(
        iamsim.User(ALICE, policies=[_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})]),
        iamsim.Role("arn:aws:iam::111111111111:role/R", trust_policy=trust),
    )
    lock = _policy(
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}
    )  # fmt: skip
    user = world.user(ALICE)
    assert user is not None
    locked = world.replace(user, iamsim.User(ALICE, policies=[*user.policies, lock]))
    role = "arn:aws:iam::111111111111:role/R"
    assert locked.assume_role(ALICE, role, "s1", region="eu-west-1").allowed
    assert not locked.assume_role(ALICE, role, "s1", region="us-east-1").allowed
    assert not locked.assume_role(ALICE, role, "s1").allowed  # no fixed us-east-1 any more


@pytest.mark.parametrize("bad", ["Europe", "", "us_east_1", 7])
def test_a_bad_region_is_a_validation_error(bad: Any) -> None:
    with pytest.raises(iamsim.ValidationError, match=r"region: .* is not an AWS region code"):
        _world().simulate(ALICE, "s3:GetObject", OBJ, region=bad)


def test_a_bad_default_region_is_a_world_error() -> None:
    with pytest.raises(iamsim.WorldError, match="default_region"):
        _world(default_region="Europe")
    with pytest.raises(iamsim.WorldError, match="default_region"):
        iamsim.World(default_region="Europe")


def test_default_region_round_trips_pickles_and_merges() -> None:
    world = _world(default_region="eu-west-1")
    assert world.to_dict()["default_region"] == "eu-west-1"
    assert iamsim.World.from_dict(world.to_dict()) == world
    assert pickle.loads(pickle.dumps(world)).default_region == "eu-west-1"
    assert "default_region" not in _world().to_dict()
    assert iamsim.World.merge(world, iamsim.World()).default_region == "eu-west-1"
    with pytest.raises(iamsim.WorldError, match="different default regions"):
        iamsim.World.merge(world, iamsim.World(default_region="us-east-1"))


def test_world_load_reads_default_region(tmp_path: Any) -> None:
    path = tmp_path / "world.yaml"
    path.write_text("default_region: eu-central-1\naccounts: {}\n", "utf-8")
    assert iamsim.World.load(path).default_region == "eu-central-1"


def test_request_records_carry_the_region() -> None:
    record = {"caller": ALICE, "action": "s3:GetObject", "resource": OBJ, "region": "eu-west-1"}
    expectation = request_from_mapping(record)
    assert expectation.call.region == "eu-west-1"
    assert request_to_mapping(expectation.call) == record


@pytest.mark.parametrize(
    ("resource", "service", "region"),
    [
        ("arn:aws:sqs:eu-west-1:111111111111:q", "sqs", "eu-west-1"),
        ("arn:aws:s3:::bucket/key", "s3", ""),
        ("*", "ec2", ""),
        ("arn:aws:iam::111111111111:role/R", "sts", ""),
        ("arn:aws:iam::111111111111:user/alice", "iam", "us-east-1"),
        ("*", "organizations", "us-east-1"),
        ("arn:aws:route53:::hostedzone/Z1", "route53", "us-east-1"),
    ],
)
def test_where_the_region_comes_from(resource: str, service: str, region: str) -> None:
    """The ARN's region; us-east-1 for a global service; "" (the call's own) otherwise."""
    assert scope_region(resource, service, GLOBAL_SERVICES) == region


@given(st.from_regex(REGION, fullmatch=True), st.sampled_from(["s3", "sts", "ec2"]))
def test_any_region_code_is_the_requests_region(region: str, service: str) -> None:
    """For services whose ARNs carry none, the call's region is the request's, whatever it is."""
    resource = "arn:aws:iam::111111111111:role/R" if service == "sts" else "*"
    assert scope_region(resource, service, GLOBAL_SERVICES) == ""
    d = _world().simulate(ALICE, "s3:GetObject", OBJ, region=region)
    assert _region(d) == (region,)
    assert d.allowed == (region == "eu-west-1")


def test_world_of_takes_a_default_region() -> None:
    world = iamsim.World.of(
        iamsim.User(ALICE), iamsim.Resource("arn:aws:s3:::data", account="111111111111"),
        default_region="eu-west-1",
    )  # fmt: skip
    assert world.default_region == "eu-west-1"


def test_why_replays_a_cloudtrail_record_in_its_region() -> None:
    """AWS CloudTrail User Guide, record contents: awsRegion is the region the request was
    made to, so the replay's aws:RequestedRegion is that region for an S3 object."""
    from iamsim.questions.why import replay

    path = Path(__file__).parents[1] / "data" / "cloudtrail" / "s3-getobject.json"
    record = json.loads(path.read_text("utf-8"))
    assert record["awsRegion"] == "us-east-1"
    r = replay(iamsim.World.demo(), record)
    assert r.evidence.region == "us-east-1" and r.agrees
    assert dict(r.decision.context)["aws:RequestedRegion"] == "us-east-1"
    moved = replay(iamsim.World.demo(), {**record, "awsRegion": "eu-west-1"})
    assert dict(moved.decision.context)["aws:RequestedRegion"] == "eu-west-1"
    unknown = replay(iamsim.World.demo(), {k: v for k, v in record.items() if k != "awsRegion"})
    assert "aws:RequestedRegion" not in dict(unknown.decision.context)


def test_an_allowed_call_says_when_a_region_deny_was_skipped_for_want_of_a_region() -> None:
    # IAM User Guide, condition operators: a Deny whose key the request lacks does not apply.
    # A real call always carries aws:RequestedRegion, so an allow that rests on its absence
    # says so in the first line (issue: "where no region is known, say so").
    deny_us = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    }
    allow = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    world = iamsim.World.from_dict(
        {
            "accounts": {
                "111111111111": {
                    "users": {"alice": {"policies": [_policy(allow, deny_us)]}},
                    "resources": {"arn:aws:s3:::data": {}},
                }
            }
        }
    )
    unknown = world.simulate(ALICE, "s3:GetObject", OBJ)
    assert unknown.allowed and "no region is known" in str(unknown)
    assert not world.simulate(ALICE, "s3:GetObject", OBJ, region="us-east-1").allowed
    known = world.simulate(ALICE, "s3:GetObject", OBJ, region="eu-west-1")
    assert known.allowed and "no region is known" not in str(known)
