"""The `iamsim` command line, end to end, as a user types it.

Most tests call `iamsim.cli.main(argv)` in-process (fast); a few run
`python -m iamsim` in a subprocess to check real exit codes, real terminals and
that no traceback reaches the user.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iamsim.cli import main

ROOT = Path(__file__).parents[2]
DATA = Path(__file__).parent / "data"

ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
SESSION_ARN = "arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev-session"
SEED_CALL = [
    "assume-role",
    "--caller",
    ALICE,
    "--role-arn",
    ROLE,
    "--role-session-name",
    "dev-session",
]

# The error exactly as the seed page shows it (the page wraps it over three lines).
SEED_ERROR = """An error occurred (AccessDenied) when calling the AssumeRole operation:
User: arn:aws:iam::111111111111:user/alice is not authorized to perform:
sts:AssumeRole on resource: arn:aws:iam::222222222222:role/CrossAccountS3Reader"""
SEED_ERROR_LINE = " ".join(SEED_ERROR.split())

CAROL = "arn:aws:iam::333333333333:user/carol"
AUDITOR = "arn:aws:iam::444444444444:role/Auditor"
ERIN = "arn:aws:iam::555555555555:user/erin"
REPORT = "arn:aws:s3:::shared-reports/q1.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamsim", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_bad_input(code: int, out: str, err: str, lines: int = 1) -> list[str]:
    """Exit 2, nothing on stdout, `lines` lines on stderr, no traceback."""
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    got = err.splitlines()
    assert len(got) == lines, err
    return got


def normalized(text: str) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------------------- demo


def test_demo_replays_the_seed_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo")
    assert code == 0
    assert err == ""
    assert "\x1b" not in out  # capsys is not a terminal
    sections = out.split("\n== ")[1:]
    titles = [s.splitlines()[0] for s in sections]
    assert any("alice assumes the role" in t for t in titles)
    allowed, *failures = sections
    # The allowed case: the AWS CLI output, then a confirmation.
    body = allowed[allowed.index("{") : allowed.rindex("}") + 1]
    shown = json.loads(body)
    assert shown["AssumedRoleUser"]["Arn"] == SESSION_ARN
    assert set(shown["Credentials"]) == {
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    }
    assert "iamsim: Allowed" in allowed
    assert "$ iamsim assume-role" in allowed
    # Every classic failure: the seed's vague error, then which side really failed, then a fix.
    classic = {
        "The source user lacks sts:AssumeRole": "source",
        "The trust policy omits the source account": "target",
        "The external ID is wrong": "target",
        "The external ID is missing": "target",
    }
    for title, side in classic.items():
        section = next(s for s in sections if title in s.splitlines()[0])
        assert SEED_ERROR_LINE in section.splitlines()
        assert normalized(SEED_ERROR) in normalized(section)
        diagnosis = next(line for line in section.splitlines() if line.startswith("iamsim: "))
        assert diagnosis.startswith("iamsim: Denied")
        assert f"the {side} account's" in diagnosis
        assert any(line.startswith("Fix: ") for line in section.splitlines())
    assert len(failures) >= 4
    assert all("Fix: " in f for f in failures)
    wrong = next(s for s in sections if "The external ID is wrong" in s.splitlines()[0])
    assert "sts:ExternalId" in wrong
    assert "--external-id my-secret-123" in wrong  # the fix names the expected ID


# ---------------------------------------------------------------------- assume-role


def test_assume_role_allowed_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *SEED_CALL, "--external-id", "my-secret-123")
    assert (code, err) == (0, "")
    assert out.startswith("Allowed: ")
    assert SESSION_ARN in out
    assert "AssumedRoleId:" in out and ":dev-session" in out
    assert "Expiration:" in out
    assert "simulated" in out
    assert "Source side" not in out  # the full explanation only with --explain


def test_assume_role_json_is_the_decision_allowed_or_denied(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """API.md §5: `--output json` always prints the decision in its documented schema, so
    `jq .allowed` reads the same field whatever the answer; the session is in it."""
    for external_id, allowed in (("my-secret-123", True), ("wrong-id", False)):
        code, out, _ = run(
            capsys, *SEED_CALL, "--external-id", external_id, "--output", "json", "--explain"
        )
        data = json.loads(out)
        assert (code, data["allowed"]) == (0 if allowed else 1, allowed)
        assert data["schema"] == "iamsim.decision/1"
        assert (data["session"] is not None) is allowed


def test_assume_role_allowed_aws_output_is_the_aws_cli_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        *SEED_CALL,
        "--external-id",
        "my-secret-123",
        "--output",
        "aws",
        "--now",
        "2026-06-15T12:45:00Z",
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"Credentials", "AssumedRoleUser"}
    assert data["AssumedRoleUser"]["Arn"] == SESSION_ARN
    assert data["AssumedRoleUser"]["AssumedRoleId"].endswith(":dev-session")
    assert data["Credentials"]["Expiration"] == "2026-06-15T13:45:00+00:00"
    assert data["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert out.startswith('{\n    "Credentials"')  # indent 4, as the AWS CLI prints


def test_assume_role_allowed_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *SEED_CALL, "--external-id", "my-secret-123", "--explain")
    assert code == 0
    assert out.startswith("Allowed: ")
    assert "Source side" in out and "Target side" in out
    assert SESSION_ARN in out


@pytest.mark.parametrize(
    "extra", [["--external-id", "wrong-id"], []], ids=["wrong-external-id", "missing-external-id"]
)
def test_assume_role_external_id_denied(
    capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    code, out, err = run(capsys, *SEED_CALL, *extra)
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == SEED_ERROR_LINE
    assert lines[1].startswith("iamsim: Denied")
    assert "target" in lines[1] and "sts:ExternalId" in lines[1]
    assert len(lines) == 2  # no explanation, no fixes unless asked


def test_assume_role_denied_explain_and_suggest(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *SEED_CALL, "--external-id", "wrong-id", "--explain", "--suggest")
    assert code == 1
    assert out.splitlines()[0] == SEED_ERROR_LINE
    assert "Source side" in out and "Target side" in out
    assert 'request has "wrong-id"' in out
    assert "Suggested fixes:" in out
    assert "--external-id my-secret-123" in out.split("Suggested fixes:")[1]


def test_assume_role_denied_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, *SEED_CALL, "--external-id", "wrong-id", "--output", "json", "--suggest"
    )
    assert code == 1
    data = json.loads(out)
    assert data["allowed"] is False
    assert data["aws_error"] == SEED_ERROR_LINE.split("operation: ", 1)[1]
    assert [d["side"] for d in data["denied_by"]] == ["target"]
    assert data["suggested_fixes"][0]["request"] == {"external_id": "my-secret-123"}


def test_assume_role_session_options(capsys: pytest.CaptureFixture[str]) -> None:
    policy = DATA / "session-policy.json"
    for given in (f"file://{policy}", f"@{policy}", str(policy), policy.read_text()):
        code, out, err = run(
            capsys,
            *SEED_CALL,
            "--external-id",
            "my-secret-123",
            "--policy",
            given,
            "--duration-seconds",
            "900",
            "--policy-arns",
            "arn=arn:aws:iam::aws:policy/ReadOnlyAccess",
            "--context",
            "aws:SourceIp=203.0.113.7",
            "--output",
            "aws",
            "--now",
            "2026-06-15T12:45:00",
        )
        assert (code, err) == (0, ""), given
        assert json.loads(out)["Credentials"]["Expiration"] == "2026-06-15T13:00:00+00:00"


def test_assume_role_tags_need_tag_session(capsys: pytest.CaptureFixture[str]) -> None:
    for tags in (["Key=project,Value=reports"], ["project=reports"]):
        code, out, _ = run(
            capsys,
            *SEED_CALL,
            "--external-id",
            "my-secret-123",
            "--tags",
            *tags,
            "--transitive-tag-keys",
            "project",
        )
        assert code == 1
        assert "sts:TagSession" in out.splitlines()[0]


def test_assume_role_with_a_yaml_world(capsys: pytest.CaptureFixture[str]) -> None:
    world = str(DATA / "world.yaml")
    base = ["assume-role", "--world", world, "--role-arn", AUDITOR, "--role-session-name", "audit"]
    code, out, _ = run(
        capsys, *base, "--caller", CAROL, "--duration-seconds", "7200", "--output", "aws"
    )
    assert code == 0
    assert json.loads(out)["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::444444444444:assumed-role/Auditor/audit"
    )
    code, out, _ = run(capsys, *base, "--caller", "arn:aws:iam::333333333333:user/dave")
    assert code == 1
    assert "the source account's (333333333333) identity policy" in out.splitlines()[1]


# ------------------------------------------------------------------------- simulate


def test_simulate_with_a_json_world(capsys: pytest.CaptureFixture[str]) -> None:
    base = [
        "simulate",
        "--world",
        str(DATA / "world.json"),
        "--caller",
        ERIN,
        "--action",
        "s3:GetObject",
        "--resource",
        REPORT,
    ]
    code, out, _ = run(capsys, *base, "--context", "aws:SourceIp=203.0.113.9")
    assert code == 0
    assert out.startswith("Allowed: ")
    code, out, _ = run(capsys, *base, "--context", "aws:SourceIp=198.51.100.1", "--suggest")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("Denied: ") and "target" in lines[0]
    assert "aws:SourceIp" in lines[0]
    assert lines[1] == (
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied"
    )
    assert "Suggested fixes:" in out


def test_simulate_seed_world_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    session = "arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev-session"
    code, out, _ = run(
        capsys,
        "simulate",
        "--caller",
        session,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::prod-bucket/report.csv",
        "--explain",
    )
    assert code == 0
    assert out.startswith("Allowed: ") and "Source side" in out
    code, out, _ = run(
        capsys,
        "simulate",
        "--caller",
        ALICE,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::prod-bucket/report.csv",
        "--output",
        "json",
    )
    assert code == 1
    data = json.loads(out)
    assert data["allowed"] is False
    assert data["aws_error"] == "Access Denied"


def test_context_values(capsys: pytest.CaptureFixture[str]) -> None:
    """Repeated keys and JSON lists make multivalued keys; the decision echoes them."""
    code, out, _ = run(
        capsys,
        "simulate",
        "--caller",
        ALICE,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::prod-bucket/x",
        "--output",
        "json",
        "--context",
        "aws:TagKeys=a",
        "--context",
        "aws:TagKeys=b",
        'aws:CalledVia=["athena.amazonaws.com"]',
        "aws:SourceIp=10.0.0.1",
    )
    assert code == 1
    context = json.loads(out)["context"]
    assert context["aws:TagKeys"] == ["a", "b"]
    assert context["aws:CalledVia"] == ["athena.amazonaws.com"]
    assert context["aws:SourceIp"] == "10.0.0.1"


# ------------------------------------------------------------------------ bad input


def test_missing_world_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    (line,) = assert_bad_input(*run(capsys, *SEED_CALL, "--world", str(missing)))
    assert line.startswith("iamsim: error: ")
    assert str(missing) in line and "No such file" in line


def test_world_with_bad_policies_reports_each_problem(capsys: pytest.CaptureFixture[str]) -> None:
    lines = assert_bad_input(
        *run(
            capsys,
            "simulate",
            "--world",
            str(DATA / "bad-policy.yaml"),
            "--caller",
            CAROL,
            "--action",
            "s3:GetObject",
            "--resource",
            "*",
        ),
        lines=3,
    )
    # Each problem at its line and column in the file, then its path (docs/errors.md).
    world = str(DATA / "bad-policy.yaml")
    assert all(line.startswith(f"iamsim: error: {world}:") for line in lines)
    assert all("[accounts.333333333333.policies.Broken." in line for line in lines)
    assert "Statement[0].Effect" in lines[0] and "did you mean `Allow`?" in lines[0]
    assert "Statement[1].Action" in lines[1]
    assert "StringEqualz" in lines[2]


def test_invalid_duration_uses_aws_wording(capsys: pytest.CaptureFixture[str]) -> None:
    (line,) = assert_bad_input(*run(capsys, *SEED_CALL, "--duration-seconds", "899"))
    assert line == (
        "An error occurred (ValidationError) when calling the AssumeRole operation: "
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 900"
    )


def test_one_character_session_name(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*SEED_CALL[:-1], "a"]
    (line,) = assert_bad_input(*run(capsys, *argv))
    assert line.startswith("An error occurred (ValidationError) when calling the AssumeRole")
    assert "Value 'a' at 'roleSessionName'" in line


def test_unknown_caller(capsys: pytest.CaptureFixture[str]) -> None:
    bob = "arn:aws:iam::111111111111:user/bob"
    (line,) = assert_bad_input(
        *run(capsys, "simulate", "--caller", bob, "--action", "s3:GetObject", "--resource", "*")
    )
    assert line.startswith("iamsim: error: ") and bob in line and "alice" in line
    (line,) = assert_bad_input(
        *run(
            capsys,
            "assume-role",
            "--caller",
            bob,
            "--role-arn",
            ROLE,
            "--role-session-name",
            "dev-session",
        )
    )
    assert bob in line


@pytest.mark.parametrize("item", ["aws:SourceIp", "=value", 'aws:TagKeys=["a"', 'k=[{"a": 1}]'])
def test_malformed_context(capsys: pytest.CaptureFixture[str], item: str) -> None:
    (line,) = assert_bad_input(*run(capsys, *SEED_CALL, "--context", item))
    assert line.startswith("iamsim: error: argument --context: ")


@pytest.mark.parametrize("policy", ['{"Version": "2012-10-17", "Statement": [', "{bad"])
def test_malformed_policy_json(capsys: pytest.CaptureFixture[str], policy: str) -> None:
    (line,) = assert_bad_input(
        *run(capsys, *SEED_CALL, "--external-id", "my-secret-123", "--policy", policy)
    )
    assert line.startswith("iamsim: error: policy: invalid JSON")


def test_invalid_session_policy_reports_each_problem(capsys: pytest.CaptureFixture[str]) -> None:
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allo", "Action": "s3:*"}]}'
    lines = assert_bad_input(*run(capsys, *SEED_CALL, "--policy", policy), lines=2)
    assert all(line.startswith("iamsim: error: policy.Statement[0].") for line in lines)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--policy", "no-such-file.json"], "--policy: 'no-such-file.json'"),
        (["--policy", "file://no-such-file.json"], "cannot read no-such-file.json"),
        (["--duration-seconds", "abc"], "argument --duration-seconds: invalid int value"),
        (["--now", "yesterday"], "argument --now: 'yesterday' is not an ISO 8601 time"),
        (["--tags", "project"], "argument --tags: 'project' is not a tag"),
        (["--output", "yaml"], "argument --output: invalid choice"),
    ],
)
def test_other_bad_flags(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    (line,) = assert_bad_input(*run(capsys, *SEED_CALL, *argv))
    assert line.startswith("iamsim: error: ") and expected in line


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    (line,) = assert_bad_input(*run(capsys, "assume-role", "--caller", ALICE))
    assert "the following arguments are required: --role-arn, --role-session-name" in line
    (line,) = assert_bad_input(*run(capsys))
    assert "choose a command" in line
    (line,) = assert_bad_input(*run(capsys, "frobnicate"))
    assert "invalid choice" in line


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("iamsim ")
    code, out, _ = run(capsys, "assume-role", "--help")
    assert code == 0
    assert "--role-session-name" in out and "exit codes:" in out
    assert "2  bad input" in out


# --------------------------------------------------------------------------- colour


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "no_color_env, flag, coloured",
    [(False, [], True), (True, [], False), (False, ["--no-color"], False)],
)
def test_colour_only_on_a_terminal_without_no_color(
    monkeypatch: pytest.MonkeyPatch, no_color_env: bool, flag: list[str], coloured: bool
) -> None:
    if no_color_env:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main([*SEED_CALL, "--external-id", "wrong-id", "--explain", *flag]) == 1
    assert ("\x1b" in terminal.getvalue()) is coloured


# ----------------------------------------------------------------- real processes


def test_process_exit_codes_and_no_traceback() -> None:
    allowed = run_process(*SEED_CALL, "--external-id", "my-secret-123", "--output", "aws")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["AssumedRoleUser"]["Arn"] == SESSION_ARN
    denied = run_process(*SEED_CALL, "--external-id", "wrong-id")
    assert denied.returncode == 1
    assert denied.stdout.splitlines()[0] == SEED_ERROR_LINE
    bad = run_process(
        "simulate",
        "--world",
        str(DATA / "bad-policy.yaml"),
        "--caller",
        CAROL,
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
    )
    assert bad.returncode == 2
    assert bad.stdout == "" and "Traceback" not in bad.stderr
    assert len(bad.stderr.splitlines()) == 3


def test_process_demo() -> None:
    demo = run_process("demo")
    assert demo.returncode == 0, demo.stderr
    assert demo.stderr == ""
    assert demo.stdout.count(SEED_ERROR_LINE) >= 4


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("no_color", [False, True], ids=["terminal", "NO_COLOR"])
def test_process_on_a_real_terminal(no_color: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "iamsim", *SEED_CALL, "--external-id", "wrong-id"],
            cwd=ROOT,
            env=env,
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    output = b"".join(chunks).decode()
    assert proc.returncode == 1
    assert ("\x1b" in output) is not no_color
    assert SEED_ERROR_LINE in output.replace("\r\n", "\n")
