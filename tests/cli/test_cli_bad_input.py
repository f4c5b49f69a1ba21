"""Bad input on the command line, as a user types it: exit 2, one line per problem, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from iamsim.cli import main

ROOT = Path(__file__).parents[2]
ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
ASSUME = [
    "assume-role",
    "--caller",
    ALICE,
    "--role-arn",
    ROLE,
    "--role-session-name",
    "dev-session",
    "--external-id",
    "my-secret-123",
]
SIMULATE = ["simulate", "--caller", ALICE, "--action", "s3:GetObject", "--resource", "*"]
POLICY_PROBLEMS = """{"accounts": {"111111111111": {"users": {"alice": {"policies": [{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:Get\\nObject",
                 "Resource": "arn:aws:s3:::b/${oops",
                 "Condition": {"Str ing": {"a:b": "c"}}}]}]}}}}}"""


def bad_input(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """Run the command line; check exit 2, nothing on stdout, no traceback; stderr's lines."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert "Traceback" not in err
    assert err.endswith("\n") and all(line for line in err.splitlines())
    return err.splitlines()


def one_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    (line,) = bad_input(capsys, *argv)
    return line


# ---------------------------------------------------------------------------- world files


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.toml", "[organization.root" + "".join(f".ous.O{i}" for i in range(300)) + "]\n"),
        ("deep-array.toml", "x = " + "[" * 3000 + "]" * 3000 + "\n"),
        ("deep-inline.toml", "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"),
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.yaml", "[" * 100_000 + "]" * 100_000),
    ],
)
def test_deeply_nested_world(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str
) -> None:
    world = tmp_path / name
    world.write_text(text)
    line = one_line(capsys, *SIMULATE, "--world", str(world))
    assert line == f"iamsim: error: {world}: the document is nested more than 100 levels deep"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("w.json", '{"accounts": NaN}', "1:14: NaN is not valid JSON"),
        ("w.json", '{"accounts": ' + "9" * 5000 + "}", "1:14: number too long"),
        ("w.yaml", "accounts: {}\x00\n", "1:13: character U+0000 is not allowed"),
        ("w.json", "", "1:1: the world document is empty"),
        ("w.yaml", " \n", "1:1: the world document is empty"),
        ("w.toml", "", "1:1: the world document is empty"),
    ],
)
def test_bad_world_file_names_line_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str, expected: str
) -> None:
    world = tmp_path / name
    world.write_text(text)
    line = one_line(capsys, *SIMULATE, "--world", str(world))
    assert line.startswith(f"iamsim: error: {world}:{expected}")


def test_world_file_name_with_a_newline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    world = tmp_path / "a\nb.json"
    world.write_text("{")
    line = one_line(capsys, *SIMULATE, "--world", str(world))
    assert line.startswith(f"iamsim: error: {tmp_path}/a\\nb.json:1:2: ")


def test_empty_world_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert one_line(capsys, *SIMULATE, "--world", "") == (
        "iamsim: error: the world file path is empty"
    )


def test_yaml_octal_account_id(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    world = tmp_path / "w.yaml"
    world.write_text("accounts:\n  011111111111: {}\n")
    assert one_line(capsys, *SIMULATE, "--world", str(world)) == (
        f"iamsim: error: {world}:2:3: YAML read the account ID 011111111111 as the "
        'number 1227133513 (quote it: "011111111111") [accounts.011111111111]'
    )


def test_policy_problems_one_line_each(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    world = tmp_path / "w.json"
    world.write_text(POLICY_PROBLEMS)
    lines = bad_input(capsys, *SIMULATE, "--world", str(world))
    # FILE:LINE:COLUMN: MESSAGE, then the path in brackets.
    where = re.compile(
        rf"iamsim: error: {re.escape(str(world))}:\d+:\d+: .* "
        r"\[accounts\.111111111111\.users\.alice\.policies\[0\]\.Statement\[0\]\..*\]"
    )
    assert len(lines) == 3 and all(where.fullmatch(line) for line in lines)
    assert "`s3:Get\\nObject`" in lines[0]
    assert "at column 5 [" in lines[1]
    assert "'Str ing': unexpected character at column 4 [" in lines[2]


# ------------------------------------------------------------------------------ --now


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00", "1969-12-31"])
@pytest.mark.parametrize("argv", [ASSUME, SIMULATE])
@pytest.mark.parametrize("suggest", [[], ["--suggest"]])
def test_now_outside_the_years_iamsim_simulates(
    capsys: pytest.CaptureFixture[str], now: str, argv: list[str], suggest: list[str]
) -> None:
    line = one_line(capsys, *argv, "--now", now, *suggest)
    expected = f"iamsim: error: argument --now: {now!r}: the year must be in 1970..9000"
    assert line.startswith(expected)


def test_now_inside_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*SIMULATE, "--now", "9000-06-01T00:00:00Z", "--suggest"]) == 1
    assert main([*SIMULATE, "--now", "1970-01-01T00:00:00Z"]) == 1
    capsys.readouterr()


# ------------------------------------------------------------------- --context and --tags


def test_context_with_a_huge_number(capsys: pytest.CaptureFixture[str]) -> None:
    value = "[" + "5" * 5000 + "]"
    line = one_line(capsys, *SIMULATE, "--context", f"s3:max-keys={value}")
    assert line.startswith("iamsim: error: argument --context: 's3:max-keys': the value '[555")
    assert "(5002 characters) is not a JSON list (a number has more than 4300 digits)" in line
    assert "_context_item" not in line and len(line) < 300


def test_context_nested_too_deeply(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line(capsys, *SIMULATE, "--context", "k=" + "[" * 100_000)
    assert line.endswith("is not a JSON list (nested too deeply) (see `iamsim simulate --help`)")


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        ("Key=team", "'Key=team' has no Value: write Key=project,Value=reports"),
        ("Value=platform", "'Value=platform' has no Key: write Key=project,Value=reports"),
        ('{"Key":"team","Value":null}', "a tag's Key and Value must be strings"),
        ('{"Key":1,"Value":2}', "a tag's Key and Value must be strings"),
        ('[{"Key":"team","Value":true}]', "a tag's Key and Value must be strings"),
    ],
)
def test_malformed_tags(capsys: pytest.CaptureFixture[str], tag: str, reason: str) -> None:
    line = one_line(capsys, *ASSUME, "--tags", tag)
    assert line.startswith("iamsim: error: argument --tags: ") and reason in line


def test_long_duration_is_cut(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line(capsys, *ASSUME, "--duration-seconds", "1" * 5000)
    assert "argument --duration-seconds: invalid int value: '1111" in line
    assert "(5000 characters)" in line and len(line) < 300


# ------------------------------------------------------------------------------ --action


@pytest.mark.parametrize("action", ["s3:Get Object", "s3:Get*", "s3:", "s3GetObject", " s3:Get"])
def test_malformed_action(capsys: pytest.CaptureFixture[str], action: str) -> None:
    argv = ["simulate", "--caller", ALICE, "--action", action, "--resource", "*"]
    line = one_line(capsys, *argv)
    assert line.startswith(f"iamsim: error: argument --action: {action!r} is not an action")


# -------------------------------------------------------------- text echoed from the user


def test_validation_error_escapes_newlines(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*ASSUME[:6], "a\nb"]
    line = one_line(capsys, *argv)
    assert "Value 'a\\nb' at 'roleSessionName'" in line


def test_usage_error_escapes_newlines(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line(capsys, *SIMULATE, "--bogus\nflag")
    assert line.startswith("iamsim: error: unrecognized arguments: --bogus\\nflag")


# ------------------------------------------------------------------------ a real process


def test_process_deep_toml_exits_2_without_traceback(tmp_path: Path) -> None:
    world = tmp_path / "deep.toml"
    world.write_text("[organization.root" + "".join(f".ous.O{i}" for i in range(300)) + "]\n")
    for extra in (["--world", str(world)], ["--now", "0001-01-01T00:00:00+05:00"]):
        done = subprocess.run(
            [sys.executable, "-m", "iamsim", *ASSUME, *extra, "--suggest"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stdout) == (2, "")
        assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
