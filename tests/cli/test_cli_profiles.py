"""`iamsim assume-role --profile NAME --config FILE --caller ARN`: the AWS CLI's profile chain
on the command line, with assume-role's output and exit codes (0 allowed, 1 denied, 2 bad
input)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from iamsim.cli import main

ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
NOW = "2026-06-15T12:45:00Z"
STAMP = 1781527500  # NOW as a unix time: botocore's default session name

CONFIG = f"""\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile prod-reader]
role_arn = {ROLE}
source_profile = default
external_id = my-secret-123

[profile wrong-id]
role_arn = {ROLE}
source_profile = default
external_id = not-the-secret
"""


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "config"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["assume-role", *argv, "--now", NOW, "--no-color"])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_allowed_profile_prints_the_session_and_the_chain(
    capsys: pytest.CaptureFixture[str], config: str
) -> None:
    code, out, err = run(capsys, "--profile", "prod-reader", "--config", config, "--caller", ALICE)
    assert (code, err) == (0, "")
    session = (
        f"arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/botocore-session-{STAMP}"
    )
    assert out.startswith(f"Allowed: {ALICE} may perform sts:AssumeRole on {ROLE}")
    assert f"  Arn:            {session}" in out
    assert f"Allowed: profile prod-reader, 1 AssumeRole hop as {session}" in out
    assert "  start: profile default, static access keys, as " + ALICE in out


def test_json_output_is_what_aws_sts_assume_role_prints(
    capsys: pytest.CaptureFixture[str], config: str
) -> None:
    code, out, _ = run(
        capsys,
        "--profile",
        "prod-reader",
        "--config",
        config,
        "--caller",
        ALICE,
        "--output",
        "aws",
    )
    assert code == 0
    data = json.loads(out)
    assert data["AssumedRoleUser"]["Arn"].endswith(f"/botocore-session-{STAMP}")


def test_a_denied_hop_prints_aws_error_and_exits_1(
    capsys: pytest.CaptureFixture[str], config: str
) -> None:
    code, out, err = run(capsys, "--profile", "wrong-id", "--config", config, "--caller", ALICE)
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == (
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: "
        f"{ALICE} is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
    )
    assert lines[1].startswith("iamsim: Denied:") and "sts:ExternalId" in lines[1]
    assert any(
        line.startswith(f"Denied at hop 1 of 1 (profile wrong-id, {ROLE}): ") for line in lines
    )
    assert "Source side" not in out  # the full account only with --explain
    code, out, _ = run(
        capsys, "--profile", "wrong-id", "--config", config, "--caller", ALICE, "--explain"
    )
    assert code == 1 and out.count("Source side") == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--profile", "nope"], "The config profile (nope) could not be found"),
        (["--profile", "prod-reader", "--no-caller"], "caller=ARN (--caller ARN)"),
        (["--profile", "prod-reader", "--role-arn", ROLE], "drop --role-arn"),
        (
            ["--caller", ALICE, "--role-arn", ROLE, "--role-session-name", "s", "--config", "x"],
            "--config goes with --profile",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], config: str, argv: list[str], expected: str
) -> None:
    if "--no-caller" in argv:
        argv = [a for a in argv if a != "--no-caller"]
    elif "--caller" not in argv:
        argv = [*argv, "--caller", ALICE]
    if "--config" not in argv:
        argv = [*argv, "--config", config]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("iamsim: error: ") and expected in line


def test_a_broken_config_file_never_shows_a_traceback(tmp_path: Path) -> None:
    # A real process: the exit code and stderr as a shell sees them.
    broken = tmp_path / "config"
    broken.write_text("role_arn = before any section\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "iamsim", "assume-role", "--profile", "x", "--config", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"iamsim: error: Unable to parse config file: {broken} (line 1: ")
