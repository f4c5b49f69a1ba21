"""What a user sees (issue #13): each test replays what the user typed and checks what
they should have seen. Region lock, a misspelt role, a data perimeter, a saved session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamsim.cli import main

ORG = "o-a1b2c3d4e5"
MGMT, SRC, TGT, OUT = "999999999999", "111111111111", "222222222222", "333333333333"
ALICE = f"arn:aws:iam::{SRC}:user/alice"
MALLORY = f"arn:aws:iam::{OUT}:user/mallory"
BUCKET = "arn:aws:s3:::shared-reports"
REPORT = f"{BUCKET}/q1.csv"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow_all(*actions: str) -> dict[str, Any]:
    return _policy({"Effect": "Allow", "Action": list(actions), "Resource": "*"})


def perimeter_world(tmp_path: Path, deny: dict[str, Any]) -> str:
    """A bucket in 222222222222 that grants mallory (outside the organization) s3:GetObject
    and carries one Deny statement `deny`."""
    grant = {
        "Sid": "ShareWithMallory",
        "Effect": "Allow",
        "Principal": {"AWS": MALLORY},
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    doc = {
        "organization": {
            "id": ORG,
            "management_account": MGMT,
            "root": {"accounts": [MGMT, SRC, TGT]},
        },
        "accounts": {
            MGMT: {},
            SRC: {"users": {"alice": {"policies": [_allow_all("s3:GetObject")]}}},
            TGT: {"resources": {BUCKET: {"policy": _policy(grant, deny)}}},
            OUT: {"users": {"mallory": {"policies": [_allow_all("s3:GetObject")]}}},
        },
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc), "utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- item 4: a fix never removes a security perimeter ----------------------------------------

DENY_OUTSIDE_ORG = {
    "Sid": "DenyOutsideOrg",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET, f"{BUCKET}/*"],
    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
}


def test_suggest_reports_the_bucket_perimeter_as_a_guardrail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """IAM User Guide, "Establish permissions guardrails using data perimeters": a Deny on
    aws:PrincipalOrgID is the identity perimeter; the fix must not narrow it."""
    world = perimeter_world(tmp_path, DENY_OUTSIDE_ORG)
    code, out, _ = run(
        capsys, "simulate", "--world", world, "--caller", MALLORY,
        "--action", "s3:GetObject", "--resource", REPORT, "--suggest",
    )  # fmt: skip
    assert code == 1
    fixes = [line for line in out.splitlines() if line.startswith("  - ")]
    assert len(fixes) == 1, out
    assert "DenyOutsideOrg" in fixes[0] and "data perimeter" in fixes[0]
    assert "aws:PrincipalOrgID" in fixes[0] and f"account {TGT}" in fixes[0]
    assert "guardrail owned by" in fixes[0]
    assert "Remove or narrow" not in out and "change:" not in out


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("StringNotEquals", "aws:PrincipalAccount", [SRC, TGT]),
        ("ForAllValues:StringNotLike", "aws:PrincipalOrgPaths", [f"{ORG}/r-ab12/*"]),
        ("StringNotEquals", "aws:SourceVpce", ["vpce-0a1b2c3d4e5f67890"]),
        ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
    ],
)
def test_every_perimeter_key_is_a_guardrail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, operator: str, key: str, value: Any
) -> None:
    """The identity and network perimeters of the data-perimeter guide, one key at a time."""
    deny = {**DENY_OUTSIDE_ORG, "Sid": "Perimeter", "Condition": {operator: {key: value}}}
    world = perimeter_world(tmp_path, deny)
    code, out, _ = run(
        capsys, "simulate", "--world", world, "--caller", MALLORY,
        "--action", "s3:GetObject", "--resource", REPORT, "--suggest", "--output", "json",
    )  # fmt: skip
    assert code == 1
    (fix,) = json.loads(out)["suggested_fixes"]
    assert fix["change"]["perimeter_keys"] == [key]
    assert fix["applies_to_world"] is False and fix["request"] is None


def test_not_principal_deny_is_a_guardrail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """IAM User Guide, NotPrincipal with Deny: everyone but the named principals is denied,
    a perimeter drawn by name."""
    deny = {
        "Sid": "OnlyAlice",
        "Effect": "Deny",
        "NotPrincipal": {"AWS": ALICE},
        "Action": "s3:*",
        "Resource": [BUCKET, f"{BUCKET}/*"],
    }
    world = perimeter_world(tmp_path, deny)
    code, out, _ = run(
        capsys, "simulate", "--world", world, "--caller", MALLORY,
        "--action", "s3:GetObject", "--resource", REPORT, "--suggest", "--output", "json",
    )  # fmt: skip
    assert code == 1
    (fix,) = json.loads(out)["suggested_fixes"]
    assert fix["change"]["perimeter_keys"] == ["NotPrincipal"]
    assert "OnlyAlice" in fix["description"]


def test_a_plain_deny_is_still_narrowed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A Deny that keys on no perimeter (here the object's name) is an ordinary statement the
    bucket's owner may narrow: the fix still offers it."""
    deny = {
        "Sid": "NoReports",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/q1.*",
    }
    world = perimeter_world(tmp_path, deny)
    code, out, _ = run(
        capsys, "simulate", "--world", world, "--caller", MALLORY,
        "--action", "s3:GetObject", "--resource", REPORT, "--suggest",
    )  # fmt: skip
    assert code == 1
    assert "Remove or narrow the Deny statement NoReports" in out
