"""`iamsim lint`: text, JSON and SARIF; --fail-on sets exit 1; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamsim.cli import main

EVERY_RULE = Path(__file__).parents[1] / "data" / "lint" / "every-rule.yaml"


def test_lint_demo_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "MEDIUM   IAMSIM006 cross-account-users-without-mfa" in out
    assert "fix: Add the condition Bool aws:MultiFactorAuthPresent" in out
    assert out.rstrip().endswith("1 finding (1 medium)")


@pytest.mark.parametrize(
    ("fail_on", "status"), [("critical", 0), ("high", 0), ("medium", 1), ("info", 1)]
)
def test_lint_fail_on_demo(fail_on: str, status: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--fail-on", fail_on]) == status


def test_lint_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--world", str(EVERY_RULE), "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {f["rule"] for f in found} >= {"IAMSIM001", "IAMSIM002", "IAMSIM007"}
    assert set(found[0]) == {"rule", "name", "severity", "account", "path", "message", "fix"}


def test_lint_sarif_locates_results(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["lint", "--world", str(EVERY_RULE), "--format", "sarif", "--fail-on", "critical"]
    assert main(argv) == 1
    log = json.loads(capsys.readouterr().out)
    results = log["runs"][0]["results"]
    assert results and all(
        r["locations"][0]["physicalLocation"]["region"]["startLine"] > 1 for r in results
    )
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "every-rule.yaml"
    )


def test_lint_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--fail-on", "severe"]) == 2
    assert main(["lint", "--world", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("iamsim: error: ") for line in err)
