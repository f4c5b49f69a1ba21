"""`--explain` as a user reads it (issue #13, item 8): in an organization, AWS's allow-all
policies (FullAWSAccess, RCPFullAWSAccess: AWS Organizations attaches them at the root, at
each OU and at each account, "Service control policies": "FullAWSAccess ... attached to
every root, OU and account") used to take two lines each, six times per decision; now they
take one line per layer, the layer and the statement that denied start with `>>`, and
`--explain=full` still lists every policy and statement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim.cli import main

ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"


def _org_world(tmp_path: Path) -> Path:
    doc: dict[str, Any] = iamsim.World.demo().to_dict()
    doc["organization"] = {
        "id": "o-a1b2c3d4e5",
        "management_account": "999999999999",
        "policies": {
            "DenyAssumeRole": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "NoRoleAssumption",
                        "Effect": "Deny",
                        "Action": "sts:AssumeRole",
                        "Resource": "*",
                    }
                ],
            }
        },
        "root": {
            "accounts": ["999999999999"],
            "ous": {
                "Workloads": {
                    "scps": ["FullAWSAccess", "DenyAssumeRole"],
                    "accounts": ["111111111111", "222222222222"],
                }
            },
        },
    }
    doc["accounts"]["999999999999"] = {}
    path = tmp_path / "org.json"
    path.write_text(json.dumps(doc))
    return path


def _explain(capsys: pytest.CaptureFixture[str], world: Path, *flags: str) -> list[str]:
    code = main(
        [
            "assume-role", "--world", str(world), "--caller", ALICE, "--role-arn", ROLE,
            "--role-session-name", "dev", "--external-id", "my-secret-123", *flags,
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    return out.splitlines()


def test_explain_collapses_allow_all_and_marks_the_denial(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = _explain(capsys, _org_world(tmp_path), "--explain")
    source = lines[lines.index(next(x for x in lines if x.startswith("Source side"))) :]
    assert source[1:5] == [
        ">>[DENY] service control policy: explicit deny",
        "      FullAWSAccess at root, ou:Workloads, account:111111111111: allows everything",
        "      DenyAssumeRole, attached to ou:Workloads: denies",
        ">>      [DENY] NoRoleAssumption (Deny): applies -- this statement denies the request",
    ]
    assert (
        "  [ok]   resource control policy: allows everything "
        "(RCPFullAWSAccess at root, ou:Workloads, account:222222222222)"
    ) in lines
    assert sum("FullAWSAccess" in line for line in lines) == 2  # one line per side
    assert [line[:2] for line in lines].count(">>") == 2


def test_explain_full_lists_every_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    world = _org_world(tmp_path)
    compact = _explain(capsys, world, "--explain")
    full = _explain(capsys, world, "--explain=full")
    assert sum("FullAWSAccess, attached to" in line for line in full) == 6
    assert len(full) == len(compact) + 11
    assert (
        ">>      [DENY] NoRoleAssumption (Deny): applies -- this statement denies the request"
        in (full)
    )
    code = main(["assume-role", "--caller", ALICE, "--role-arn", ROLE,
                 "--role-session-name", "dev", "--explain=everything"])  # fmt: skip
    assert code == 2
    assert "invalid choice: 'everything' (choose from 'compact', 'full')" in capsys.readouterr()[1]
