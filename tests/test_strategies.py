"""iamsim.strategies: everything generated is accepted, and the strategies find holes.

Every example budget is a number of examples (`max_examples`), never a time.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import iamsim
from iamsim import strategies
from iamsim.conditions.operators import OPERATORS
from iamsim.testing import assert_denied, decide

FAST = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@FAST
@given(st.sampled_from(strategies.KINDS), st.data())
def test_every_generated_policy_is_accepted_for_its_kind(kind: Any, data: st.DataObject) -> None:
    document = data.draw(strategies.policies(kind))
    policy = iamsim.Policy.from_json(document, kind=kind)
    assert iamsim.Policy.from_json(policy.to_dict(), kind=kind) == policy


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_every_operator_gets_values_it_reads(operator: str) -> None:
    @settings(FAST, max_examples=8)
    @given(strategies.conditions(operators=[operator]))
    def accepted(block: dict[str, Any]) -> None:
        assert {re.sub(r"^For\w+:|IfExists$", "", op) for op in block} == {operator}
        statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        statement["Condition"] = block
        document = {"Version": "2012-10-17", "Statement": [statement]}
        iamsim.Policy.from_json(document, kind="identity")

    accepted()


def test_conditions_use_set_qualifiers_and_if_exists() -> None:
    seen: set[str] = set()

    @settings(FAST, max_examples=100, derandomize=True)
    @given(strategies.conditions())
    def collect(block: dict[str, Any]) -> None:
        seen.update(block)

    collect()
    assert any(op.startswith("ForAnyValue:") for op in seen)
    assert any(op.startswith("ForAllValues:") for op in seen)
    assert any(op.endswith("IfExists") for op in seen)


@settings(FAST, max_examples=50)
@given(strategies.world_documents(), st.data())
def test_every_generated_world_is_accepted_and_answers(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    world = iamsim.World.from_dict(doc)
    entities = [e for a in world.accounts for e in (*a.users, *a.roles, *a.groups, *a.resources)]
    if entities:
        iamsim.World.of(*entities, organization=world.organization)
    request = data.draw(strategies.requests(world))
    d = decide(world, request)
    assert d.allowed == (not d.denied_by)


@settings(FAST, max_examples=50)
@given(strategies.arns())
def test_arns_have_six_parts(arn: str) -> None:
    assert arn.startswith("arn:aws:") and len(arn.split(":", 5)) == 6


# -------------------------------------------------------- a user's property, and a hole

ORG_ACCOUNTS = {"111111111111", "222222222222", "999999999999"}
OBJECT = "arn:aws:s3:::org-data/report.csv"


def _perimeter_world(*extra: dict[str, Any]) -> iamsim.World:
    """A bucket that only principals of the organization may read (plus `extra` statements)."""
    read = {
        "Sid": "OrgReads",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::org-data/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-aaaaaaaaaa"}},
    }
    return iamsim.World.from_dict(
        {
            "accounts": {
                "111111111111": {},
                "999999999999": {},
                "222222222222": {
                    "resources": {
                        "arn:aws:s3:::org-data": {
                            "policy": {"Version": "2012-10-17", "Statement": [read, *extra]}
                        }
                    }
                },
            },
            "organization": {
                "id": "o-aaaaaaaaaa",
                "management_account": "999999999999",
                "root": {"accounts": ["999999999999", "111111111111", "222222222222"]},
            },
        }
    )


def _outsider_reads(world: iamsim.World, caller: str, context: dict[str, Any]) -> None:
    assume(caller.split(":")[4] not in ORG_ACCOUNTS)
    assert_denied(world, caller, "s3:GetObject", OBJECT, context=context)


def test_no_principal_outside_the_organization_reads_the_bucket() -> None:
    world = _perimeter_world()

    @settings(FAST, max_examples=100)
    @given(strategies.arns(service="iam"), strategies.contexts(world, prefix="aws:PrincipalTag/"))
    def holds(caller: str, context: dict[str, Any]) -> None:
        _outsider_reads(world, caller, context)

    holds()


def test_the_strategies_find_a_planted_hole() -> None:
    hole = {
        "Sid": "Auditors",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::org-data/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "audit"}},
    }
    world = _perimeter_world(hole)
    found: list[tuple[str, dict[str, Any]]] = []

    @settings(FAST, max_examples=200, derandomize=True)
    @given(strategies.arns(service="iam"), strategies.contexts(world, prefix="aws:PrincipalTag/"))
    def holds(caller: str, context: dict[str, Any]) -> None:
        try:
            _outsider_reads(world, caller, context)
        except AssertionError:
            found.append((caller, context))
            raise

    with pytest.raises(AssertionError, match=r"^Allowed: arn:aws:iam::\d{12}:root may perform"):
        holds()
    caller, context = found[-1]  # the shrunk counterexample
    assert caller.endswith(":root") and context == {"aws:PrincipalTag/team": "audit"}
