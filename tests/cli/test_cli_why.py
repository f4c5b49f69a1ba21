"""`iamsim why`: exit 0 when the replay reproduces AWS's answer, 1 when it disagrees,
2 for bad evidence (one `iamsim: error:` line, no traceback)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from iamsim.cli import main

DATA = Path(__file__).parents[1] / "data" / "cloudtrail"
SEED_ERROR = """An error occurred (AccessDenied) when calling the AssumeRole operation:
User: arn:aws:iam::111111111111:user/alice is not authorized to perform:
sts:AssumeRole on resource: arn:aws:iam::222222222222:role/CrossAccountS3Reader"""


def test_why_message_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", SEED_ERROR, "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "AWS denied sts:AssumeRole" in out
    assert "requires sts:ExternalId" in out
    assert "The replay lacks sts:ExternalId" in out
    assert out.rstrip().endswith("The replay agrees with AWS.")


def test_why_external_id_given_points_at_the_identity_side(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["why", SEED_ERROR, "--external-id", "my-secret-123"]) == 1  # AWS denied
    assert "disagrees" in capsys.readouterr().out


def test_why_records_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", str(DATA / "records.json")]) == 0
    out = capsys.readouterr().out
    assert "== record 3 of 3 ==" in out


def test_why_stdin_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO((DATA / "s3-getobject.json").read_text()))
    assert main(["why", "-", "--output", "json"]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert item["agrees"] and item["aws_answered"] == "allowed"
    assert item["decision"]["outcome"] == "allowed"


def test_why_disagreement_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = json.loads((DATA / "s3-getobject.json").read_text())
    record["userIdentity"]["arn"] = "arn:aws:iam::111111111111:user/alice"
    path = tmp_path / "event.json"
    path.write_text(json.dumps(record))
    assert main(["why", str(path)]) == 1
    assert "The replay disagrees with AWS" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, text",
    [
        (["why", "Access Denied"], "names no caller"),
        (["why", "nonsense"], "not an AWS AccessDenied message"),
        (["why", "-"], "not an AWS AccessDenied message"),
    ],
)
def test_why_bad_input(
    argv: list[str],
    text: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("not a message"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("iamsim: error: ") and text in err and len(err.splitlines()) == 1


def test_why_bad_json_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "event.json"
    path.write_text('{"eventSource": ')
    assert main(["why", str(path)]) == 2
    assert "not JSON" in capsys.readouterr().err


def test_why_bare_s3_with_flags(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "why",
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        "--caller",
        "arn:aws:iam::111111111111:user/alice",
        "--resource",
        "arn:aws:s3:::prod-bucket/x",
    ]
    assert main(argv) == 0
    assert "AWS denied s3:GetObject" in capsys.readouterr().out


def test_why_names_the_bad_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = json.loads((DATA / "s3-getobject.json").read_text())
    path = tmp_path / "trail.json"
    path.write_text(json.dumps({"Records": [good, {"eventSource": "x.amazonaws.com"}]}))
    assert main(["why", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iamsim: error: record 2 of 2: ") and len(err.splitlines()) == 1


FEDERATION_WORLD = str(DATA / "federation-world.yaml")


def test_why_web_identity_record_of_the_environment_job(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/federation.md's environment job, as CloudTrail records its denial (fixture:
    SOURCES.md): the replay agrees, and says the sub did not match."""
    argv = ["why", str(DATA / "web-identity-denied.json"), "--world", FEDERATION_WORLD]
    assert main([*argv, "--no-color"]) == 0
    out = capsys.readouterr().out
    provider = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
    assert f"AWS denied sts:AssumeRoleWithWebIdentity for {provider}." in out
    assert "requires a different token.actions.githubusercontent.com:sub" in out
    assert "repo:acme/app:environment:prod" in out
    assert out.rstrip().endswith("The replay agrees with AWS.")


def test_why_federated_records_allowed_json(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("web-identity-allowed.json", "saml-allowed.json"):
        argv = ["why", str(DATA / name), "--world", FEDERATION_WORLD, "--output", "json"]
        assert main(argv) == 0
        (item,) = json.loads(capsys.readouterr().out)
        assert item["agrees"] and item["aws_answered"] == "allowed"
        assert item["decision"]["outcome"] == "allowed"


def test_why_sts_federated_denial_message(capsys: pytest.CaptureFixture[str]) -> None:
    """STS's denial names no role or claim: without them, one error line; with the role
    and the token's sub and aud as context, the replay."""
    message = (
        "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity "
        "operation: Not authorized to perform sts:AssumeRoleWithWebIdentity"
    )
    assert main(["why", message, "--world", FEDERATION_WORLD]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "give resource= (--resource) the role ARN" in err[0]
    gh = "token.actions.githubusercontent.com"
    argv = [
        "why",
        message,
        "--world",
        FEDERATION_WORLD,
        "--resource",
        "arn:aws:iam::222222222222:role/Deploy",
        "--context",
        f"{gh}:sub=repo:acme/app:environment:prod",
        "--context",
        f"{gh}:aud=sts.amazonaws.com",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"requires a different {gh}:sub" in out
