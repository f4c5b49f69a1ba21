"""`iamsim simulate --context aws:SourceVpce=…` as a user types it: the endpoint policy is a
layer of the source side (AWS PrivateLink Guide, endpoint policies)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamsim.cli import main

ALICE = "arn:aws:iam::111111111111:user/alice"
VPCE = "vpce-0a1b2c3d4e5f67890"


def _world(tmp_path: Path) -> str:
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    read = {
        "Sid": "ReadOnly",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "*",
    }
    doc = {
        "accounts": {
            "111111111111": {
                "users": {"alice": {"policies": [{"Version": "2012-10-17", "Statement": [allow]}]}},
                "vpc_endpoints": {
                    VPCE: {
                        "vpc": "vpc-0123456789abcdef0",
                        "service": "s3",
                        "policy": {"Version": "2012-10-17", "Statement": [read]},
                    }
                },
                "resources": {"arn:aws:s3:::data": {}},
            }
        }
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc))
    return str(path)


def _simulate(
    capsys: pytest.CaptureFixture[str], world: str, action: str, *more: str
) -> tuple[int, str, str]:
    code = main(
        [
            "simulate", "--world", world, "--caller", ALICE, "--action", action,
            "--resource", "arn:aws:s3:::data/report.csv", *more,
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_shows_the_endpoint_layer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _simulate(
        capsys, _world(tmp_path), "s3:PutObject", "--context", f"aws:SourceVpce={VPCE}", "--explain"
    )
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert ">>[DENY] VPC endpoint policy: implicit deny (nothing allows it)" in lines
    assert f"      {VPCE} endpoint policy: no statement applies" in lines
    assert out.rstrip().endswith("because no VPC endpoint policy allows the s3:PutObject action")


def test_an_allowed_read_through_the_endpoint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _simulate(
        capsys, _world(tmp_path), "s3:GetObject", "--context", f"aws:SourceVpce={VPCE}"
    )
    assert (code, err) == (0, "")


def test_a_conflicting_source_vpc_is_one_line_of_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _simulate(
        capsys,
        _world(tmp_path),
        "s3:GetObject",
        "--context",
        f"aws:SourceVpce={VPCE}",
        "--context",
        "aws:SourceVpc=vpc-0fedcba9876543210",
    )
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "is not the VPC of endpoint" in err
