"""`iamsim check TABLE [--world FILE]`: exit 0 when every row matches, 1 on a mismatch, 2 on
bad input (one `iamsim: error:` line per problem, never a traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iamsim import cli

WORLD = """\
accounts:
  "111111111111":
    users:
      alice:
        policies:
          - Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: "arn:aws:s3:::team-bucket/*"
    resources:
      "arn:aws:s3:::team-bucket": {}
"""

TABLE = """\
world: world.yaml
expectations:
  - id: alice-reads
    caller: arn:aws:iam::111111111111:user/alice
    action: s3:GetObject
    resource: arn:aws:s3:::team-bucket/report.csv
    expect: allowed
  - id: alice-cannot-delete
    caller: arn:aws:iam::111111111111:user/alice
    action: s3:DeleteObject
    resource: arn:aws:s3:::team-bucket/report.csv
    denied_by: {side: source, policy_type: identity}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "world.yaml").write_text(WORLD)
    (tmp_path / "iam_expect.yaml").write_text(TABLE)
    return tmp_path


def test_every_row_matches(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", str(project / "iam_expect.yaml")]) == 0
    assert capsys.readouterr().out == "2 passed, 0 failed\n"


def test_a_mismatch_prints_its_explanation(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = project / "iam_expect.yaml"
    table.write_text(TABLE.replace("expect: allowed", "expect: denied"))
    assert cli.main(["check", str(table)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "FAIL alice-reads: expected denied, got allowed"
    assert out[1].startswith("  Allowed")
    assert out[-1] == "1 passed, 1 failed"


def test_world_option_overrides_the_table(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = project / "other.yaml"
    other.write_text(WORLD.replace("s3:GetObject", "s3:PutObject"))
    assert cli.main(["check", str(project / "iam_expect.yaml"), "--world", str(other)]) == 1
    assert "FAIL alice-reads: expected allowed, got implicitDeny" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("table", "lines"),
    [
        (
            "expectations:\n  - {caller: x, actoin: s3:GetObject, resource: '*', expect: denied}\n",
            [
                "iamsim: error: {t}: expectations[0].actoin: unknown key 'actoin' "
                "(did you mean `action`?)",
                "iamsim: error: {t}: expectations[0].action: action is required",
            ],
        ),
        (
            "expectations: []\n",
            [
                "iamsim: error: {t}: no world: name one with a top-level `world:` in the table, "
                "or --world"
            ],
        ),
        (
            "world: missing.yaml\nexpectations: []\n",
            ["iamsim: error: {d}/missing.yaml: cannot read the file: No such file or directory"],
        ),
        (
            "world: world.yaml\nexpectations:\n  - {caller: 'arn:aws:iam::111111111111:user/bob',"
            " action: s3:GetObject, resource: '*', expect: denied}\n",
            [
                "iamsim: error: {t}: expectations[0]: no user arn:aws:iam::111111111111:user/bob "
                "in account 111111111111 (its users: alice)"
            ],
        ),
    ],
)
def test_bad_input_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str], table: str, lines: list[str]
) -> None:
    path = project / "t.yaml"
    path.write_text(table)
    assert cli.main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    got = captured.err.splitlines()
    want = [line.format(t=path, d=project) for line in lines]
    assert [g[: len(w)] for g, w in zip(got, want, strict=True)] == want


def test_a_real_process_shows_no_traceback(project: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "iamsim", "check", str(project / "nope.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.startswith("iamsim: error: ") and "Traceback" not in run.stderr
