"""Hardening: inputs from the issue "Fidelity and hardening" end in an IamsimError."""

from __future__ import annotations

from pathlib import Path

import pytest

import iamsim
from iamsim.cli import main
from iamsim.errors import WorldError

ALICE = "arn:aws:iam::111111111111:user/alice"
SIMULATE = ["simulate", "--caller", ALICE, "--action", "s3:GetObject", "--resource", "*"]


def cli_error(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """Run the command line: exit 2, nothing on stdout, no traceback; stderr's lines."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines and all(line.startswith("iamsim: error: ") for line in lines)
    return lines


# ------------------------------------------------ 8. YAML tags whose value does not fit

YAML_TAGS = [
    ("!!float x", 'line 2, column 11: "x" is not a valid !!float value'),
    ("!!int x", 'line 2, column 11: "x" is not a valid !!int value'),
    ("!!bool x", 'line 2, column 11: "x" is not a valid !!bool value'),
    ("!!timestamp x", 'line 2, column 11: "x" is not a valid !!timestamp value'),
    (
        "!!timestamp 2020-13-45",
        'line 2, column 11: "2020-13-45" is not a valid !!timestamp value '
        "(month must be in 1..12)",
    ),
    ("!!map [a]", "line 2, column 11: a sequence cannot be tagged !!map"),
    ("[1, !!int 0x]", 'line 2, column 15: "0x" is not a valid !!int value'),
]


@pytest.mark.parametrize(("value", "message"), YAML_TAGS)
def test_yaml_tag_misfit_is_a_world_error(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(f"# a world\naccounts: {value}\n")
    with pytest.raises(WorldError) as caught:
        iamsim.World.load(path)
    (problem,) = caught.value.problems
    assert (problem.code, problem.path, problem.message) == ("file.syntax", str(path), message)


@pytest.mark.parametrize(("value", "message"), YAML_TAGS)
def test_yaml_tag_misfit_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(f"# a world\naccounts: {value}\n")
    assert cli_error(capsys, *SIMULATE, "--world", str(path)) == [
        f"iamsim: error: {path}: {message}"
    ]
