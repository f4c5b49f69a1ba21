"""VPC endpoint policies (AWS PrivateLink Guide, "Control access to VPC endpoints using
endpoint policies"): the world's `vpc_endpoints`, their checks, their round trip, and the
layer's properties. Decisions themselves are pinned in compliance/decisions/vpc_endpoint.json."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.errors import IamsimWarning
from iamsim.world.endpoints import endpoint_service

VPCE, VPC = "vpce-0a1b2c3d4e5f67890", "vpc-0123456789abcdef0"
ALICE = "arn:aws:iam::111111111111:user/alice"
OBJ = "arn:aws:s3:::data/report.csv"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# An endpoint policy that allows nothing of S3.
_NO_S3 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}
]}  # fmt: skip


def _world(endpoint: dict[str, Any], vpce: str = VPCE) -> dict[str, Any]:
    return {
        "accounts": {
            "111111111111": {
                "users": {"alice": {"policies": [_policy(_allow("s3:*"))]}},
                "vpc_endpoints": {vpce: endpoint},
                "resources": {"arn:aws:s3:::data": {}},
            }
        }
    }


def _allow(action: str, resource: str = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def _problems(doc: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_dict(doc)
    return [(p.path, p.message) for p in info.value.problems]


def test_bad_endpoint_id_vpc_and_service_are_named_by_path() -> None:
    problems = _problems(_world({"vpc": "vpc-XYZ", "service": "S3!"}, vpce="vpce-nothex"))
    paths = [p for p, _ in problems]
    base = "accounts.111111111111.vpc_endpoints.vpce-nothex"
    assert paths == [base, f"{base}.vpc", f"{base}.service"], problems


def test_an_endpoint_needs_its_vpc_and_no_unknown_keys() -> None:
    problems = _problems(_world({"servce": "s3"}))
    base = f"accounts.111111111111.vpc_endpoints.{VPCE}"
    assert problems == [
        (f"{base}.servce", "unknown key in a VPC endpoint"),
        (base, "a VPC endpoint needs its vpc (vpc-…)"),
    ]


def test_an_endpoint_policy_must_name_its_principal() -> None:
    # PrivateLink Guide: an endpoint policy "must contain a Principal element".
    problems = _problems(_world({"vpc": VPC, "policy": _policy(_allow("s3:*"))}))
    assert problems and all(
        p.startswith(f"accounts.111111111111.vpc_endpoints.{VPCE}.policy") for p, _ in problems
    ), problems


def test_an_endpoint_policy_over_20480_characters_is_refused() -> None:
    # PrivateLink Guide: "The size of an endpoint policy cannot exceed 20,480 characters".
    many = [
        {**_allow("s3:GetObject", f"arn:aws:s3:::bucket-{i:04}/*"), "Principal": "*"}
        for i in range(400)
    ]
    problems = _problems(_world({"vpc": VPC, "policy": _policy(*many)}))
    assert problems == [
        (
            f"accounts.111111111111.vpc_endpoints.{VPCE}.policy",
            problems[0][1],
        )
    ]
    assert "20,480" in problems[0][1]


def test_an_endpoint_described_twice_is_an_error() -> None:
    doc = _world({"vpc": VPC})
    doc["accounts"]["222222222222"] = {"vpc_endpoints": {VPCE: {"vpc": VPC}}}
    assert any("described twice" in m for _, m in _problems(doc))


def test_endpoints_round_trip() -> None:
    doc = _world(
        {
            "vpc": VPC,
            "service": "com.amazonaws.us-east-1.s3",
            "policy": _policy({**_allow("s3:GetObject"), "Principal": "*"}),
        }
    )
    world = iamsim.World.from_dict(doc)
    again = iamsim.World.from_dict(world.to_dict())
    assert again == world
    assert (
        world.to_dict()["accounts"]["111111111111"]["vpc_endpoints"]
        == doc["accounts"]["111111111111"]["vpc_endpoints"]
    )


@pytest.mark.parametrize(
    ("name", "service"),
    [
        ("s3", "s3"),
        ("com.amazonaws.us-east-1.s3", "s3"),
        ("com.amazonaws.eu-west-1.ecr.api", "ecr"),
        ("com.amazonaws.us-east-1.execute-api", "execute-api"),
    ],
)
def test_endpoint_service_names(name: str, service: str) -> None:
    assert endpoint_service(name) == service


def test_requests_without_the_key_see_no_endpoint_layer() -> None:
    world = iamsim.World.from_dict(_world({"vpc": VPC, "policy": _NO_S3}))
    d = world.simulate(ALICE, "s3:GetObject", OBJ)
    assert d.allowed
    assert all(layer.policy_type != "vpc_endpoint" for layer in d.layers)


def test_the_layer_is_listed_on_the_source_side_with_its_policy() -> None:
    endpoint = {"vpc": VPC, "policy": _policy({**_allow("s3:GetObject"), "Principal": "*"})}
    world = iamsim.World.from_dict(_world(endpoint))
    d = world.simulate(ALICE, "s3:GetObject", OBJ, context={"aws:SourceVpce": VPCE})
    (layer,) = [x for x in d.layers if x.policy_type == "vpc_endpoint"]
    assert (layer.side, layer.verdict) == ("source", "allow")
    assert [p.name for p in layer.policies] == [f"{VPCE} endpoint policy"]
    assert dict(d.context)["aws:SourceVpc"] == VPC


def test_the_fix_reports_the_endpoint_policy_and_never_loosens_it() -> None:
    world = iamsim.World.from_dict(_world({"vpc": VPC, "policy": _NO_S3}))
    d = world.simulate(ALICE, "s3:GetObject", OBJ, context={"aws:SourceVpce": VPCE})
    (fix,) = d.suggest_fixes()
    assert (fix.policy_type, fix.side, fix.guardrail) == ("vpc_endpoint", "source", True)
    assert "network guardrail owned by the administrators of account 111111111111" in (
        fix.description
    )


# -- properties -------------------------------------------------------------------------

_ACTIONS = st.sampled_from(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:*", "*"])
_STATEMENTS = st.lists(
    st.builds(
        lambda effect, action: {
            "Effect": effect,
            "Principal": "*",
            "Action": action,
            "Resource": "*",
        },
        st.sampled_from(["Allow", "Deny"]),
        _ACTIONS,
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements=_STATEMENTS, denied=_ACTIONS, action=_ACTIONS.filter(lambda a: "*" not in a))
def test_a_deny_added_to_an_endpoint_policy_never_allows_more(
    statements: list[dict[str, Any]], denied: str, action: str
) -> None:
    context = {"aws:SourceVpce": VPCE}
    deny = {"Effect": "Deny", "Principal": "*", "Action": denied, "Resource": "*"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IamsimWarning)
        before = iamsim.World.from_dict(_world({"vpc": VPC, "policy": _policy(*statements)}))
        after = iamsim.World.from_dict(_world({"vpc": VPC, "policy": _policy(*statements, deny)}))
    was = before.simulate(ALICE, action, OBJ, context=context).allowed
    now = after.simulate(ALICE, action, OBJ, context=context).allowed
    assert now <= was
    # Through an endpoint, never more than without one.
    assert was <= before.simulate(ALICE, action, OBJ).allowed


def test_each_request_is_worded_from_its_own_conditions() -> None:
    # An Allow with two conditions fails for either one: the plan keeps one finding for both
    # requests (iamsim.evaluate.plan), and each denial names the key its own request failed
    # (PrivateLink Guide: the endpoint policy must allow; IAM User Guide, "Condition": every
    # condition must match).
    conditions = {"StringEquals": {"aws:RequestTag/a": "1", "aws:RequestTag/b": "1"}}
    endpoint = {
        "vpc": VPC,
        "policy": _policy({**_allow("s3:GetObject"), "Principal": "*", "Condition": conditions}),
    }
    doc = _world(endpoint)
    warm = iamsim.World.from_dict(doc)
    asked = [
        ({"aws:RequestTag/a": "0", "aws:RequestTag/b": "1"}, ("aws:RequestTag/a",)),
        ({"aws:RequestTag/a": "1", "aws:RequestTag/b": "0"}, ("aws:RequestTag/b",)),
        (
            {"aws:RequestTag/a": "0", "aws:RequestTag/b": "0"},
            ("aws:RequestTag/a", "aws:RequestTag/b"),
        ),
    ]
    for tags, keys in asked + asked[::-1]:
        context = {"aws:SourceVpce": VPCE, **tags}
        d = warm.simulate(ALICE, "s3:GetObject", OBJ, context=context)
        (denial,) = d.denied_by
        assert (denial.policy_type, denial.condition_keys) == ("vpc_endpoint", keys)
        cold = iamsim.World.from_dict(doc).simulate(ALICE, "s3:GetObject", OBJ, context=context)
        assert d == cold and d.explain() == cold.explain()
    allowed = {"aws:SourceVpce": VPCE, "aws:RequestTag/a": "1", "aws:RequestTag/b": "1"}
    assert warm.simulate(ALICE, "s3:GetObject", OBJ, context=allowed).allowed
