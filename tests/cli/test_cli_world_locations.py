"""World-file errors as a user meets them: `FILE:LINE:COLUMN: message [path]` on the command
line and `Problem.location` in Python, for JSON, YAML and TOML alike (docs/errors.md);
the progress bar of a long load, on a terminal only."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim import cli
from iamsim.cli import main
from iamsim.errors import Location
from iamsim.world.dump import dump_text

ALICE = "arn:aws:iam::111111111111:user/alice"
SIMULATE = ["simulate", "--caller", ALICE, "--action", "s3:GetObject", "--resource", "*"]

BAD_POLICY = "accounts.111111111111.users.alice.policies[0].Statement[0].Effect"
UNKNOWN_KEY = "accounts.111111111111.users.alice.colour"
BAD_ARN = "accounts.111111111111.roles.R.trust_policy.Statement[0].Principal.AWS"

# A world with a bad policy (Effect "Alow"), an unknown key and a bad ARN, written by hand
# in each format; each case: (file name, text, the line and column of each problem).
YAML = """\
accounts:
  "111111111111":
    users:
      alice:
        policies:
          - Version: "2012-10-17"
            Statement:
              - Effect: Alow
                Action: s3:GetObject
                Resource: "*"
        colour: blue
    roles:
      R:
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "arn:aws:iam::bad"}, Action: sts:AssumeRole}
"""

JSON = """\
{
  "accounts": {
    "111111111111": {
      "users": {
        "alice": {
          "policies": [
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Alow", "Action": "s3:GetObject", "Resource": "*"}]}
          ],
          "colour": "blue"
        }
      },
      "roles": {
        "R": {
          "trust_policy": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow",
                           "Principal": {"AWS": "arn:aws:iam::bad"},
                           "Action": "sts:AssumeRole"}]
          }
        }
      }
    }
  }
}
"""

TOML = """\
# a world
[accounts.111111111111.users.alice]
policies = [
  { Version = "2012-10-17", Statement = [{ Effect = "Alow", Action = "s3:*", Resource = "*" }] },
]
colour = "blue"

[accounts.111111111111.roles.R.trust_policy]
Version = "2012-10-17"

[[accounts.111111111111.roles.R.trust_policy.Statement]]
Effect = "Allow"
Principal.AWS = 'arn:aws:iam::bad'
Action = "sts:AssumeRole"
"""

CASES = [
    ("w.yaml", YAML, {BAD_POLICY: (8, 25), UNKNOWN_KEY: (11, 9), BAD_ARN: (17, 48)}),
    ("w.json", JSON, {BAD_POLICY: (8, 39), UNKNOWN_KEY: (10, 11), BAD_ARN: (18, 49)}),
    ("w.toml", TOML, {BAD_POLICY: (4, 53), UNKNOWN_KEY: (6, 1), BAD_ARN: (13, 17)}),
]


def bad_input(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert "Traceback" not in err
    return err.splitlines()


@pytest.mark.parametrize(("name", "text", "where"), CASES)
def test_each_problem_has_its_line_and_column_in_python(
    tmp_path: Path, name: str, text: str, where: dict[str, tuple[int, int]]
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.load(path)
    found = {p.path: p.location for p in caught.value.problems}
    assert found == {p: Location(str(path), *lc) for p, lc in where.items()}
    # The text the user wrote is at that line and column.
    lines = text.splitlines()
    for problem in caught.value.problems:
        assert problem.location is not None
        line = lines[problem.location.line - 1]
        at = line[problem.location.column - 1 :]
        assert at.lstrip("'\"").startswith(("Alow", "colour", "arn:aws:iam::bad")), at


@pytest.mark.parametrize(("name", "text", "where"), CASES)
def test_the_command_line_prints_file_line_column_then_the_path(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    text: str,
    where: dict[str, tuple[int, int]],
) -> None:
    path = tmp_path / name
    path.write_text(text)
    lines = bad_input(capsys, *SIMULATE, "--world", str(path))
    assert len(lines) == 3
    for problem_path, (line, column) in where.items():
        (printed,) = [p for p in lines if p.endswith(f" [{problem_path}]")]
        assert printed.startswith(f"iamsim: error: {path}:{line}:{column}: ")
    assert any('not "Alow"' in p for p in lines)


@pytest.mark.parametrize("ext", [".json", ".yaml", ".toml"])
def test_problems_found_when_the_world_is_built_are_located_too(tmp_path: Path, ext: str) -> None:
    # A policy reference that does not resolve is found by the world's index, after the
    # document was checked: it is located the same way.
    doc: dict[str, Any] = {
        "accounts": {"111111111111": {"roles": {"R": {
            "trust_policy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111111111111"},
                               "Action": "sts:AssumeRole"}],
            },
            "policies": ["NoSuchPolicy"],
        }}}}
    }  # fmt: skip
    path = tmp_path / f"w{ext}"
    path.write_text(json.dumps(doc, indent=1) if ext == ".json" else dump_text(doc, ext[1:]))
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.load(path)
    (problem,) = caught.value.problems
    assert (problem.code, problem.path) == (
        "world.policy.unknown",
        "accounts.111111111111.roles.R.policies[0]",
    )
    assert problem.location is not None
    text = path.read_text().splitlines()[problem.location.line - 1]
    assert text[problem.location.column - 1 :].lstrip("'\"").startswith("NoSuchPolicy")
    assert str(problem).startswith(f"{path}:{problem.location.line}:{problem.location.column}: ")


def test_a_problem_outside_any_file_keeps_its_path_alone() -> None:
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_dict({"accounts": {"111111111111": {"colour": "blue"}}})
    (problem,) = caught.value.problems
    assert problem.location is None
    assert str(problem).startswith("accounts.111111111111.colour: unknown key")


def test_a_quoted_key_in_the_path_is_found(tmp_path: Path) -> None:
    # Keys that need quoting in a path (`resources["arn:aws:s3:::my.bucket"]`) are matched
    # however the checks spelled them.
    path = tmp_path / "w.yaml"
    path.write_text(
        'accounts:\n  "111111111111":\n    resources:\n      "arn:aws:s3:::my.bucket":\n'
        "        colour: blue\n"
    )
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.load(path)
    (problem,) = caught.value.problems
    assert problem.code == "key.unknown"
    assert problem.location == Location(str(path), 5, 9)


# ------------------------------------------------------------------------ the progress bar

SMALL_WORLD = {"accounts": {f"1111111111{i:02d}": {} for i in range(3)}}


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _args(path: Path) -> argparse.Namespace:
    """What the command line parsed for `--world PATH --no-cache` (a cache hit shows no bar)."""
    return argparse.Namespace(world=str(path), no_cache=True, strict=False)


def test_a_long_load_on_a_terminal_shows_a_progress_bar(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(SMALL_WORLD))
    stderr = FakeTerminal()
    monkeypatch.setattr("sys.stderr", stderr)
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)  # every load counts as long
    world = cli._load_world(_args(path))
    assert len(world.accounts) == 3
    shown = stderr.getvalue()
    assert shown.startswith(f"\rloading {path}: ") and "account" in shown


def test_no_progress_bar_off_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(SMALL_WORLD))
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    assert len(cli._load_world(_args(path)).accounts) == 3
    assert capsys.readouterr().err == ""


def test_no_progress_bar_for_a_short_load_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(SMALL_WORLD))
    stderr = FakeTerminal()
    monkeypatch.setattr("sys.stderr", stderr)
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 3600.0)
    assert len(cli._load_world(_args(path)).accounts) == 3
    assert stderr.getvalue() == ""


def test_progress_is_told_each_account(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(dump_text(SMALL_WORLD, "yaml"))
    told: list[tuple[int, int]] = []
    iamsim.World.load(path, progress=lambda done, total: told.append((done, total)))
    assert told == [(1, 3), (2, 3), (3, 3)]
