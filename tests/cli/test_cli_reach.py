"""`iamsim who-can` and `iamsim reach` as a user types them: exit 0 with the answer,
2 with one `iamsim: error:` line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from iamsim.cli import main

BUCKET_OBJECT = "arn:aws:s3:::prod-bucket/report.csv"
ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"


def test_who_can_text_on_the_seed_world(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["who-can", "s3:GetObject", BUCKET_OBJECT]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"2 principals can s3:GetObject on {BUCKET_OBJECT} (at most 3 AssumeRole hops)"
    assert out[1:4] == [
        ALICE,
        f"  -> sts:AssumeRole {ROLE}  [needs sts:ExternalId StringEquals my-secret-123]",
        f"  -> s3:GetObject {BUCKET_OBJECT}",
    ]
    assert out[4:6] == [ROLE, f"  -> s3:GetObject {BUCKET_OBJECT}"]
    assert any(line.startswith("note: AssumeRole edges and the web identity") for line in out)


def test_who_can_max_hops_zero_lists_direct_callers_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["who-can", "s3:GetObject", BUCKET_OBJECT, "--max-hops", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1 principal can")
    assert out[1] == ROLE


def test_reach_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", ALICE, "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (access,) = data["accesses"]
    assert access["target"] == ROLE and access["via"] == []
    assert access["conditions"][0]["key"] == "sts:ExternalId"


def test_reach_context_given_needs_nothing_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A condition the --context already meets is not listed as needed."""
    doc = {
        "accounts": {
            "111111111111": {
                "users": {
                    "dev": {
                        "policies": [
                            {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
                                ],
                            }
                        ]
                    }
                },
                "roles": {
                    "Ops": {
                        "trust_policy": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                                    "Action": "sts:AssumeRole",
                                    "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                                }
                            ],
                        }
                    }
                },
            }
        }
    }
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(doc))
    user = "arn:aws:iam::111111111111:user/dev"
    assert main(["reach", user, "--world", str(path)]) == 0
    assert "[needs aws:SourceIp IpAddress 203.0.113.0/24]" in capsys.readouterr().out
    argv = ["reach", user, "--world", str(path), "--context", "aws:SourceIp=203.0.113.9"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "can become 1 role" in out and "needs" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["reach", "arn:aws:iam::111111111111:user/bob"],
            "no user arn:aws:iam::111111111111:user/bob",
        ),
        (["who-can", "s3:GetObject", BUCKET_OBJECT, "--max-hops", "11"], "max_hops must be"),
        (["who-can", "s3GetObject", BUCKET_OBJECT], "s3GetObject"),
        (["reach", ALICE, "--world", "/nonexistent/world.yaml"], "/nonexistent/world.yaml"),
    ],
)
def test_bad_input_is_one_error_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("iamsim: error:") and message in err[0]


def test_who_can_asks_in_the_region_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # IAM User Guide, aws:RequestedRegion: S3 ARNs name no region, so the key is the
    # region the call is made in; a region lock denies a call with none (or another).
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    lock = {
        "Effect": "Deny",
        "NotAction": "iam:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    world = tmp_path / "world.yaml"
    world.write_text(
        yaml.safe_dump(
            {
                "accounts": {
                    "111111111111": {
                        "users": {
                            "alice": {
                                "policies": [{"Version": "2012-10-17", "Statement": [allow, lock]}]
                            }
                        },
                        "resources": {"arn:aws:s3:::data": {}},
                    }
                }
            }
        )
    )
    ask = ["who-can", "s3:GetObject", "arn:aws:s3:::data/k", "--world", str(world)]
    assert main([*ask, "--region", "eu-west-1"]) == 0
    assert ALICE in capsys.readouterr().out.splitlines()
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert main(ask) == 0
    assert ALICE not in capsys.readouterr().out.splitlines()


GH = "token.actions.githubusercontent.com"
GH_ARN = f"arn:aws:iam::222222222222:oidc-provider/{GH}"
DEPLOY = "arn:aws:iam::222222222222:role/Deploy"


def _github_world(tmp_path: Path) -> Path:
    """docs/federation.md's GitHub Actions role (IAM User Guide, "Configuring a role for
    GitHub OIDC identity provider"), which may write the artifacts bucket."""
    doc = {
        "accounts": {
            "222222222222": {
                "oidc_providers": {GH: {"client_ids": ["sts.amazonaws.com"]}},
                "resources": {"arn:aws:s3:::artifacts": {}},
                "roles": {
                    "Deploy": {
                        "trust_policy": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Federated": GH_ARN},
                                    "Action": "sts:AssumeRoleWithWebIdentity",
                                    "Condition": {
                                        "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
                                        "StringLike": {f"{GH}:sub": "repo:acme/app:*"},
                                    },
                                }
                            ],
                        },
                        "policies": [
                            {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "s3:PutObject",
                                        "Resource": "arn:aws:s3:::artifacts/*",
                                    }
                                ],
                            }
                        ],
                    }
                },
            }
        }
    }
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_who_can_lists_the_workflow_token_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _github_world(tmp_path)
    argv = ["who-can", "s3:PutObject", "arn:aws:s3:::artifacts/app.zip", "--world", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    start = out.index(GH_ARN)
    assert out[start + 1 : start + 3] == [
        f"  -> sts:AssumeRoleWithWebIdentity {DEPLOY}  [needs {GH}:sub StringLike repo:acme/app:*]",
        "  -> s3:PutObject arn:aws:s3:::artifacts/app.zip",
    ]
    assert main([*argv, "--output", "json"]) == 0
    (token,) = [
        a for a in json.loads(capsys.readouterr().out)["accesses"] if a["principal"] == GH_ARN
    ]
    assert token["kind"] == "web_identity" and token["via"] == [DEPLOY]
    assert token["conditions"][0]["value"] == "repo:acme/app:"


def test_reach_from_an_identity_provider(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reach", GH_ARN, "--world", str(_github_world(tmp_path))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{GH_ARN} can become 1 role (at most 3 AssumeRole hops)"
    assert out[2].startswith(f"  -> sts:AssumeRoleWithWebIdentity {DEPLOY}  [needs {GH}:sub")
