"""Every data-perimeter key makes a resource-policy Deny a guardrail: reported, never
narrowed (IAM User Guide, "Establish permissions guardrails using data perimeters")."""

from __future__ import annotations

from typing import Any

import pytest

import iamsim
from iamsim.fixes.guardrails import PERIMETER_KEYS, perimeter_keys

MALLORY = "arn:aws:iam::333333333333:user/mallory"
BUCKET = "arn:aws:s3:::shared"
# PERIMETER_KEYS holds lower-case keys; these are their documented spellings.
SPELLED = {
    k.lower(): k
    for k in (
        "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount",
        "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:ResourceAccount",
        "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceAccount",
        "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpce", "aws:VpcSourceIp",
    )
}  # fmt: skip


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _decision(condition: dict[str, Any]) -> iamsim.Decision:
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": MALLORY},
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    deny = {
        "Sid": "Perimeter",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": f"{BUCKET}/*",
        "Condition": condition,
    }
    world = iamsim.World.of(
        iamsim.User(
            MALLORY, policies=[_policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})]
        ),
        iamsim.Resource(BUCKET, account="222222222222", policy=_policy(grant, deny)),
    )
    return world.simulate(MALLORY, "s3:GetObject", f"{BUCKET}/q1.csv")


def test_every_key_is_spelled() -> None:
    assert set(SPELLED) == set(PERIMETER_KEYS)


@pytest.mark.parametrize("key", sorted(SPELLED.values()))
def test_a_deny_on_any_perimeter_key_is_reported_not_narrowed(key: str) -> None:
    ip = key in ("aws:SourceIp", "aws:VpcSourceIp")
    operator = "NotIpAddressIfExists" if ip else "StringNotEqualsIfExists"
    d = _decision({operator: {key: "10.0.0.0/8" if ip else "o-a1b2c3d4e5"}})
    assert d.outcome == "explicitDeny"
    (fix,) = d.suggest_fixes()
    assert fix.guardrail and fix.change["perimeter_keys"] == [key]
    assert "Perimeter" in fix.description and "account 222222222222" in fix.description


def test_keys_are_found_in_any_operator_block_without_case() -> None:
    statement = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": MALLORY},
        "Condition": {
            "StringEquals": {"s3:prefix": "x"},
            "ForAnyValue:StringNotLike": {"AWS:PrincipalOrgPaths": ["o-1/*"]},
        },
    }
    assert perimeter_keys(statement) == ("AWS:PrincipalOrgPaths", "NotPrincipal")
    assert (
        perimeter_keys({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
        == ()
    )
