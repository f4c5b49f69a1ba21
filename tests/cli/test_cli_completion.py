"""Shell completion (issue #13, item 10), as a user installs it: `iamsim completion bash`
printed into a real bash, which must then complete iamsim's commands, options and files;
`iamsim completion zsh` prints a zsh completion function (checked by running zsh when it is
installed, and by its form otherwise)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iamsim.cli import build_parser, main

BASH = shutil.which("bash")


def _script(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["completion", shell]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def _complete(script: str, words: list[str], cwd: Path) -> list[str]:
    """What bash offers for the last of `words` once the script is sourced."""
    assert BASH is not None, "bash is needed for the completion tests"
    program = (
        'source "$1"; shift; complete -p iamsim >&2\n'
        'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}\n'
        "_shtab_iamsim; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    path = cwd / "iamsim.bash"
    path.write_text(script)
    done = subprocess.run(
        [BASH, "--norc", "-c", program, "bash", str(path), "iamsim", *words],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stderr.strip() == "complete -o bashdefault -F _shtab_iamsim iamsim"
    return [line for line in done.stdout.splitlines() if line]


def _commands() -> list[str]:
    """Every command the parser has (the completion must offer each)."""
    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"simulate", "assume-role", "completion"} <= set(commands.choices)
    return list(commands.choices)


def test_bash_completes_commands_options_and_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    script = _script("bash", capsys)
    assert _complete(script, ["si"], tmp_path) == ["simulate"]
    assert sorted(_complete(script, [""], tmp_path)) == sorted(_commands())
    assert _complete(script, ["simulate", "--wo"], tmp_path) == ["--world"]
    assert _complete(script, ["simulate", "--st"], tmp_path) == ["--strict"]
    assert _complete(script, ["lint", "--format", "s"], tmp_path) == ["sarif"]
    (tmp_path / "org.yaml").write_text("accounts: {}\n")
    assert _complete(script, ["simulate", "--world", "or"], tmp_path) == ["org.yaml"]


def test_zsh_script(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    script = _script("zsh", capsys)
    assert script.startswith("#compdef iamsim\n")
    for word in ("simulate", "assume-role", "--world", "--strict", "completion"):
        assert word in script
    zsh = shutil.which("zsh")
    if zsh is not None:  # the script must at least parse in a real zsh
        path = tmp_path / "_iamsim"
        path.write_text(script)
        subprocess.run([zsh, "-n", str(path)], check=True, timeout=60)


def test_an_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "fish"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "iamsim: error: argument shell: invalid choice: 'fish' (choose from 'bash', 'zsh') "
        "(see `iamsim completion --help`)"
    ]


def test_the_installed_command_prints_the_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "iamsim", "completion", "bash"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "complete -o bashdefault -F _shtab_iamsim iamsim" in done.stdout
