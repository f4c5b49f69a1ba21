"""`iamsim simulate` on a bucket under S3 Block Public Access, as a user types it: the
layer is listed on the target side and S3's bare `Access Denied` is printed (S3 User Guide,
"Blocking public access to your Amazon S3 storage")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamsim.cli import main

BUCKET = "arn:aws:s3:::public-site"


def _world(tmp_path: Path) -> str:
    grant = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    doc = {
        "accounts": {
            "222222222222": {
                "s3_block_public_access": {"restrict_public_buckets": True},
                "resources": {BUCKET: {"policy": {"Version": "2012-10-17", "Statement": [grant]}}},
            }
        }
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_anonymous_read_of_a_restricted_public_bucket(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            "simulate", "--world", _world(tmp_path), "--caller", "anonymous",
            "--action", "s3:GetObject", "--resource", f"{BUCKET}/index.html", "--explain",
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert any(
        line.startswith(">>[DENY] S3 Block Public Access setting: implicit deny") for line in lines
    ), out
    assert lines[-1] == "AWS error: Access Denied"
