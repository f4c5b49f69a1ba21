"""`iamsim assume-role --profile` on a three-hop chain, as a user types it: one MFA code per
profile that sets `mfa_serial` (`--token-code PROFILE=CODE` or `MFA-SERIAL=CODE`, repeated),
and each of botocore's configuration errors as one line with exit code 2.

botocore's AssumeRoleProvider resolves `source_profile` recursively and prompts
`Enter MFA code for <mfa_serial>:` for each profile of the chain that sets `mfa_serial`
(botocore/credentials.py); STS marks a session created with SerialNumber and TokenCode as
MFA-authenticated (`aws:MultiFactorAuthPresent`), which a trust policy can require
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iamsim.cli import main

NOW = "2026-06-15T12:45:00Z"
ALICE = "arn:aws:iam::111111111111:user/alice"
MFA_A = "arn:aws:iam::111111111111:mfa/alice"
MFA_C = "arn:aws:iam::111111111111:mfa/alice-backup"
ROLE_A = "arn:aws:iam::222222222222:role/A"
ROLE_B = "arn:aws:iam::333333333333:role/B"
ROLE_C = "arn:aws:iam::444444444444:role/C"
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _trust(principal: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _may_assume(role: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}],
    }


def _world(*, a_mfa: bool = True) -> dict[str, Any]:
    """alice → A (MFA required unless not `a_mfa`) → B → C (MFA required): each role
    trusts the one before."""
    return {
        "accounts": {
            "111111111111": {"users": {"alice": {"policies": [_may_assume(ROLE_A)]}}},
            "222222222222": {
                "roles": {
                    "A": {
                        "trust_policy": _trust(ALICE, MFA if a_mfa else None),
                        "policies": [_may_assume(ROLE_B)],
                    }
                }
            },
            "333333333333": {
                "roles": {"B": {"trust_policy": _trust(ROLE_A), "policies": [_may_assume(ROLE_C)]}}
            },
            "444444444444": {"roles": {"C": {"trust_policy": _trust(ROLE_B, MFA)}}},
        }
    }


CONFIG = f"""\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile a]
role_arn = {ROLE_A}
source_profile = default
mfa_serial = {MFA_A}

[profile b]
role_arn = {ROLE_B}
source_profile = a
role_session_name = b-session

[profile c]
role_arn = {ROLE_C}
source_profile = b
mfa_serial = {MFA_C}
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    world = tmp_path / "world.json"
    world.write_text(json.dumps(_world()), encoding="utf-8")
    config = tmp_path / "config"
    config.write_text(CONFIG, encoding="utf-8")
    return str(world), str(config)


def run(
    capsys: pytest.CaptureFixture[str], files: tuple[str, str | None], *argv: str
) -> tuple[int, str, str]:
    world, config = files
    base = ["assume-role", "--world", world, "--caller", ALICE]
    base += [] if config is None else ["--config", config]
    code = main([*base, "--now", NOW, "--no-color", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_three_hops_with_a_code_for_each_mfa_profile(
    capsys: pytest.CaptureFixture[str], files: tuple[str, str]
) -> None:
    code, out, err = run(
        capsys, files, "--profile", "c", "--token-code", "a=123456", "--token-code", "c=654321"
    )
    assert (code, err) == (0, "")
    assert "Allowed: profile c, 3 AssumeRole hops as arn:aws:sts::444444444444:assumed-role/C/" in (
        out
    )
    assert f"hop 1: profile a: AssumeRole {ROLE_A} (" in out and f"SerialNumber={MFA_A}" in out
    assert f"hop 3: profile c: AssumeRole {ROLE_C} (" in out and f"SerialNumber={MFA_C}" in out


def test_a_code_may_name_the_mfa_serial_the_prompt_shows(
    capsys: pytest.CaptureFixture[str], files: tuple[str, str]
) -> None:
    code, out, _ = run(
        capsys,
        files,
        *("--profile", "c", "--token-code", f"{MFA_A}=123456", "--token-code", "c=654321"),
        *("--output", "json"),
    )
    assert code == 0
    decision = json.loads(out)
    assert decision["allowed"] and decision["resource"] == ROLE_C
    assert decision["session"]["arn"].startswith("arn:aws:sts::444444444444:assumed-role/C/")


def test_the_code_reaches_its_own_hop(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Only profile c sets mfa_serial, and only C's trust wants MFA: the one bare code goes
    # to hop 3 and makes it an MFA call. Without c's mfa_serial, C's trust denies hop 3.
    world = tmp_path / "world-c-mfa.json"
    world.write_text(json.dumps(_world(a_mfa=False)), encoding="utf-8")
    config = tmp_path / "config-c-mfa"
    config.write_text(CONFIG.replace(f"mfa_serial = {MFA_A}\n", ""), encoding="utf-8")
    code, out, err = run(capsys, (str(world), str(config)), "--profile", "c", "--token-code", "1")
    assert code == 2 and "'1' at 'tokenCode'" in err  # it reached STS's check of hop 3
    code, out, _ = run(
        capsys, (str(world), str(config)), "--profile", "c", "--token-code", "123456"
    )
    assert code == 0 and "Allowed: profile c, 3 AssumeRole hops" in out
    config.write_text(
        CONFIG.replace(f"mfa_serial = {MFA_A}\n", "").replace(f"mfa_serial = {MFA_C}\n", ""),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, (str(world), str(config)), "--profile", "c")
    assert code == 1
    assert f"Denied at hop 3 of 3 (profile c, {ROLE_C}): " in out
    assert "aws:MultiFactorAuthPresent" in out


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], f'"Enter MFA code for {MFA_A}: "; give the code'),
        (["123456"], "token_code answers the one MFA prompt of a chain, but profiles a, c set"),
        (["a=123456"], f'"Enter MFA code for {MFA_C}: "'),
        (["a=123456", "c=1", "zz=2"], "token code given for zz, which is not a hop of the chain"),
        (["123456", "c=1"], "--token-code: a bare CODE answers a chain's only MFA prompt"),
        (["a=1", "a=2"], "--token-code: two codes given for 'a'"),
        (["=123456"], "--token-code: '=123456' names no profile before '='"),
        (["a=123456", "c=12345a"], "Value '12345a' at 'tokenCode' failed to satisfy"),
    ],
)
def test_wrong_token_codes_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    files: tuple[str, str],
    codes: list[str],
    expected: str,
) -> None:
    argv = [arg for c in codes for arg in ("--token-code", c)]
    code, out, err = run(capsys, files, "--profile", "c", *argv)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert expected in line


def test_without_profile_token_code_is_one_bare_code(
    capsys: pytest.CaptureFixture[str], files: tuple[str, str]
) -> None:
    base = ["--role-arn", ROLE_A, "--role-session-name", "s1", "--serial-number", MFA_A]
    world = (files[0], None)
    code, _, err = run(capsys, world, *base, "--token-code", "123456")
    assert (code, err) == (0, "")
    code, _, err = run(capsys, world, *base, "--token-code", "a=123456")
    assert code == 2 and "without --profile, give one CODE" in err
    code, _, err = run(capsys, world, *base, "--token-code", "1", "--token-code", "2")
    assert code == 2 and "without --profile, give one CODE" in err


@pytest.mark.parametrize(
    ("profile", "edit", "expected"),
    [
        (
            "c",
            ("source_profile = default", "source_profile = c"),
            "Infinite loop in credential configuration detected. Attempting to load from "
            "profile c which has already been visited. Visited profiles: ['c', 'b', 'a']",
        ),
        ("d", ("", ""), "The config profile (d) could not be found"),
        (
            "c",
            ("source_profile = a", "source_profile = gone"),
            'The source_profile "gone" referenced in the profile "b" does not exist.',
        ),
        (
            "c",
            ("source_profile = a\n", ""),
            "Partial credentials found in assume-role, missing: source_profile or "
            "credential_source",
        ),
    ],
)
def test_each_broken_chain_is_botocores_error_as_a_shell_sees_it(
    tmp_path: Path, files: tuple[str, str], profile: str, edit: tuple[str, str], expected: str
) -> None:
    config = tmp_path / "broken-config"
    config.write_text(CONFIG.replace(*edit), encoding="utf-8")
    argv = ["assume-role", "--profile", profile, "--world", files[0], "--config", str(config)]
    argv += ["--caller", ALICE, "--token-code", "a=123456", "--token-code", "c=654321"]
    done = subprocess.run(
        [sys.executable, "-m", "iamsim", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    (line,) = done.stderr.splitlines()
    assert line.startswith("iamsim: error: ") and expected in line
