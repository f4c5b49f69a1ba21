"""`iamsim assume-role-with-web-identity` and `assume-role-with-saml`, as a user types them.

The AWS CLI's parameter names; the token and the assertion as their claims (docs/federation.md).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from iamsim.cli import main

DATA = Path(__file__).parent / "data"
WORLD = str(DATA / "federation.yaml")
DEPLOY = "arn:aws:iam::222222222222:role/Deploy"
ADMINS = "arn:aws:iam::222222222222:role/Admins"
OKTA = "arn:aws:iam::222222222222:saml-provider/Okta"
GH = "token.actions.githubusercontent.com"


def _claims(sub: str, iss: str = f"https://{GH}") -> dict[str, str]:
    return {"iss": iss, "aud": "sts.amazonaws.com", "sub": sub}


def _web(capsys: pytest.CaptureFixture[str], token: str, *more: str) -> tuple[int, str, str]:
    argv = [
        "assume-role-with-web-identity",
        "--world",
        WORLD,
        "--role-arn",
        DEPLOY,
        "--role-session-name",
        "gha-run",
        "--web-identity-token",
        token,
        *more,
    ]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_github_main_branch_is_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _web(capsys, json.dumps(_claims("repo:acme/app:ref:refs/heads/main")))
    assert (code, err) == (0, "")
    assert "arn:aws:sts::222222222222:assumed-role/Deploy/gha-run" in out


def test_environment_job_is_denied_with_the_reason_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GitHub Docs, "OpenID Connect reference": a job with an environment gets the sub
    repo:ORG/REPO:environment:NAME; STS answers AccessDenied."""
    code, out, _ = _web(capsys, json.dumps(_claims("repo:acme/app:environment:prod")), "--suggest")
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == (
        "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity "
        "operation: Not authorized to perform sts:AssumeRoleWithWebIdentity"
    )
    assert "the job runs in the environment prod" in lines[1]
    assert '"Federated": "arn:aws:iam::222222222222:oidc-provider/' in out  # the fix


def test_unregistered_issuer_is_sts_invalid_identity_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _web(capsys, json.dumps(_claims("x", iss="https://example.com")))
    assert (code, out) == (2, "")
    assert err == (
        "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity "
        "operation: No OpenIDConnect provider found in your account for https://example.com\n"
    )


def test_unsigned_jwt_and_token_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    payload = json.dumps(_claims("repo:acme/app:ref:refs/heads/main")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    code, out, _ = _web(capsys, f"eyJhbGciOiJSUzI1NiJ9.{body}.c2lnbmF0dXJl", "--output", "aws")
    assert code == 0
    printed = json.loads(out)
    assert printed["AssumedRoleUser"]["Arn"].endswith("assumed-role/Deploy/gha-run")
    # AWS STS API Reference, AssumeRoleWithWebIdentity: the response names the token's subject,
    # issuer and audience.
    assert printed["SubjectFromWebIdentityToken"] == "repo:acme/app:ref:refs/heads/main"
    assert printed["Provider"] == f"https://{GH}"
    assert printed["Audience"] == "sts.amazonaws.com"
    token = tmp_path / "token.json"
    token.write_text(payload.decode())
    assert _web(capsys, f"file://{token}")[0] == 0


@pytest.mark.parametrize(
    ("token", "said"),
    [
        ("nonsense", "not a JSON object of claims, a file or a JWT"),
        ("[1, 2]", "expected a JSON object, not list"),
        ("a.!!!.c", "the JWT's payload is not base64url-encoded JSON"),
        ('{"iss": "https://token.actions.githubusercontent.com"}', "the claim 'sub' is missing"),
    ],
)
def test_bad_token_is_one_error_line(
    capsys: pytest.CaptureFixture[str], token: str, said: str
) -> None:
    code, out, err = _web(capsys, token)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and said in err and "Traceback" not in err


def test_help_says_no_signature_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("assume-role-with-web-identity", "assume-role-with-saml"):
        assert main([command, "--help"]) == 0
        assert "checks no signature" in " ".join(capsys.readouterr().out.split())


def _saml(capsys: pytest.CaptureFixture[str], assertion: str) -> tuple[int, str, str]:
    code = main(
        [
            "assume-role-with-saml",
            "--world",
            WORLD,
            "--role-arn",
            ADMINS,
            "--principal-arn",
            OKTA,
            "--saml-assertion",
            assertion,
            "--output",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_saml_allowed_and_denied(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = {
        "saml:aud": "https://signin.aws.amazon.com/saml",
        "saml:sub": "jane",
        "https://aws.amazon.com/SAML/Attributes/RoleSessionName": "jane",
    }
    path = tmp_path / "assertion.json"
    path.write_text(json.dumps(good))
    code, out, _ = _saml(capsys, str(path))
    assert code == 0 and json.loads(out)["outcome"] == "allowed"
    code, out, _ = _saml(capsys, json.dumps({**good, "saml:aud": "https://example.com/acs"}))
    assert code == 1 and json.loads(out)["outcome"] == "implicitDeny"
    code, out, err = _saml(capsys, json.dumps({**good, "saml:department": "x"}))
    assert (code, out) == (2, "") and "saml:department" in err
