"""aws:FederatedProvider through the CLI, as a user types it: a GitHub Actions session
saved with `assume-role-with-web-identity --output json`, then `simulate --session FILE`
against a bucket policy that requires the provider (IAM User Guide, "AWS global condition
context keys", aws:FederatedProvider: present in a session assumed through an OIDC
provider, its value the provider's ARN; docs/federation.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamsim.cli import main

ACC = "222222222222"
GH = "token.actions.githubusercontent.com"
GH_ARN = f"arn:aws:iam::{ACC}:oidc-provider/{GH}"
SHARED = "arn:aws:s3:::shared/report.csv"


def _world(path: Path) -> str:
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}
    bucket = {
        **read,
        "Principal": {"AWS": ACC},
        "Condition": {"StringEquals": {"aws:FederatedProvider": GH_ARN}},
    }
    trust = {
        "Effect": "Allow",
        "Principal": {"Federated": GH_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }

    def doc(*statements: object) -> dict[str, object]:
        return {"Version": "2012-10-17", "Statement": list(statements)}

    world = {
        "accounts": {
            ACC: {
                "oidc_providers": {GH: {"client_ids": ["sts.amazonaws.com"]}},
                "roles": {"Deploy": {"trust_policy": doc(trust), "policies": [doc(read)]}},
                "users": {"alice": {"policies": [doc(read)]}},
            },
            "111111111111": {"resources": {"arn:aws:s3:::shared": {"policy": doc(bucket)}}},
        }
    }
    out = path / "world.json"
    out.write_text(json.dumps(world), "utf-8")
    return str(out)


def test_saved_web_identity_session_keeps_its_provider(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    world = _world(tmp_path)
    token = json.dumps({"iss": f"https://{GH}", "aud": "sts.amazonaws.com", "sub": "repo:a/b"})
    code = main(
        [
            "assume-role-with-web-identity", "--world", world,
            "--role-arn", f"arn:aws:iam::{ACC}:role/Deploy", "--role-session-name", "gha-run",
            "--web-identity-token", token, "--output", "json",
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["session"]["federated_provider"] == GH_ARN
    saved = tmp_path / "session.json"
    saved.write_text(out, "utf-8")
    ask = ["simulate", "--world", world, "--action", "s3:GetObject", "--resource", SHARED]
    code = main([*ask, "--session", str(saved)])
    out, _ = capsys.readouterr()
    assert code == 0, out
    assert out.startswith(f"Allowed: arn:aws:sts::{ACC}:assumed-role/Deploy/gha-run")
    # A plain IAM user's requests never carry the key: the bucket policy's condition fails.
    code = main([*ask, "--caller", f"arn:aws:iam::{ACC}:user/alice"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert out.splitlines()[0] == (
        "Denied: the target account's (111111111111) resource-based policy requires "
        "aws:FederatedProvider, which the request does not carry; the source side is fine"
    )
