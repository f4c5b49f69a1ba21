"""The values `who_can` chooses for the conditions a path needs (iamsim.questions.satisfy).

Each expectation follows the IAM User Guide, "IAM JSON policy elements: Condition
operators", and "AWS global condition context keys" for which keys the caller sets.
"""

from __future__ import annotations

import pytest

from iamsim.decision import NearMiss
from iamsim.questions.satisfy import caller_settable, satisfying_value


def _near(key: str, operator: str, *values: str) -> NearMiss:
    return NearMiss("trust", "target", "p", "Statement[0]", key, operator, values, None, "a:b")


@pytest.mark.parametrize(
    ("key", "operator", "values", "expected"),
    [
        ("sts:ExternalId", "StringEquals", ("ext-1", "ext-2"), "ext-1"),  # any listed value
        ("sts:RoleSessionName", "StringLike", ("ops-*",), "ops-"),  # `*` matches nothing too
        ("sts:RoleSessionName", "StringLike", ("a?c",), "axc"),  # `?` is one character
        ("aws:MultiFactorAuthPresent", "Bool", ("true",), True),
        ("aws:SourceIp", "IpAddress", ("203.0.113.0/24",), "203.0.113.0"),  # inside the range
        ("aws:SourceIp", "IpAddress", ("2001:db8::/32",), "2001:db8::"),
        ("aws:MultiFactorAuthAge", "NumericLessThan", ("3600",), "3599"),  # strictly below
        ("aws:MultiFactorAuthAge", "NumericGreaterThanEquals", ("10",), "10"),
        ("aws:SourceVpce", "StringEqualsIfExists", ("vpce-1",), "vpce-1"),
        ("aws:RequestTag/team", "ForAnyValue:StringEquals", ("red",), ["red"]),  # a set key
    ],
)
def test_a_value_that_meets_the_operator(
    key: str, operator: str, values: tuple[str, ...], expected: object
) -> None:
    assert satisfying_value(_near(key, operator, *values)) == expected


@pytest.mark.parametrize(
    ("key", "operator", "values"),
    [
        ("aws:PrincipalOrgID", "StringEquals", ("o-abc",)),  # a fact of the caller's account
        ("aws:PrincipalTag/team", "StringEquals", ("red",)),  # a fact of the principal
        ("aws:SourceVpc", "StringNotEquals", ("vpc-1",)),  # negated: absent already meets it
        ("aws:SourceIp", "NotIpAddress", ("10.0.0.0/8",)),
        ("sts:ExternalId", "StringEquals", ("${aws:username}",)),  # a policy variable
        ("aws:MultiFactorAuthAge", "Null", ("false",)),
        ("aws:SourceIp", "IpAddress", ("not-an-ip",)),
    ],
)
def test_no_value_is_invented(key: str, operator: str, values: tuple[str, ...]) -> None:
    assert satisfying_value(_near(key, operator, *values)) is None


def test_caller_settable_keys_are_case_insensitive() -> None:
    assert caller_settable("STS:EXTERNALID") and caller_settable("aws:RequestTag/Env")
    assert not caller_settable("aws:PrincipalArn") and not caller_settable("aws:ResourceTag/x")
