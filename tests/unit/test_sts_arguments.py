"""STS AssumeRole arguments of the wrong shape: a ValidationError naming the parameter,
never a Python exception from inside the library (and never a coerced value)."""

from __future__ import annotations

from typing import Any

import pytest

import iamsim
from iamsim.world.demo import ALICE, DEMO_NOW, ROLE

CALL: dict[str, Any] = {
    "role_arn": ROLE,
    "session_name": "s1",
    "external_id": "my-secret-123",
    "now": DEMO_NOW,
}


@pytest.mark.parametrize(
    ("override", "names"),
    [
        ({"external_id": 123}, "externalId"),
        ({"source_identity": 5}, "sourceIdentity"),
        ({"serial_number": 5, "token_code": "123456"}, "serialNumber"),
        ({"token_code": 123456, "serial_number": "arn:aws:iam::111111111111:mfa/a"}, "tokenCode"),
        ({"policy_arns": 5}, "policy_arns"),
        ({"policy_arns": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, "policy_arns"),
        ({"tags": 5}, "tags"),
        ({"tags": {"team": None}}, "tags"),
        ({"tags": [{"Key": 1, "Value": 2}]}, "tags"),
        ({"transitive_tag_keys": 5}, "transitive_tag_keys"),
        ({"transitive_tag_keys": [None]}, "transitive_tag_keys"),
        ({"source_identity": "aws:alice"}, "sourceIdentity"),
        ({"tags": {"AWS:team": "x"}}, "tags.1.member.key"),
        ({"tags": {"team": "aws:x"}}, "tags.1.member.value"),
    ],
)
def test_malformed_arguments_raise_validation_errors(override: dict[str, Any], names: str) -> None:
    world = iamsim.World.demo()
    with pytest.raises(iamsim.ValidationError) as info:
        world.assume_role(ALICE, **{**CALL, **override})
    assert names in str(info.value)
