"""Every code example in the README and docs/ runs, and shows what iamsim really prints.

```python blocks are executed; ```console blocks that run `iamsim` against the
embedded world are replayed through the CLI, and each output line they show (other
than elided ones, marked with …) must appear in the real output. The blocks of
docs/testing.md whose first line is `# file: NAME` (or whose fence reads ```json NAME) make
a small user project, which runs under pytest (with iamsim's plugin) and `iamsim check`;
the failure that page shows is what pytest really prints.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from pathlib import Path

import pytest

from iamsim import cli

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+(?: [\w./-]+)?)\n(.*?)^```", re.S | re.M)


def _blocks(kind: str) -> list[object]:
    out = []
    for path in DOCS:
        for n, match in enumerate(FENCE.finditer(path.read_text("utf-8"))):
            # A `# file:` block is part of the testing page's project, run there.
            if match.group(1) == kind and not match.group(2).startswith("# file: "):
                out.append(pytest.param(match.group(2), id=f"{path.name}#{n}"))
    return out


@pytest.mark.parametrize("code", _blocks("python"))
def test_python_example_runs(code: str) -> None:
    exec(compile(code, "<doc example>", "exec"), {"__name__": "__doc_example__"})


def _commands(block: str) -> list[tuple[list[str], list[str]]]:
    """(argv, expected output lines) for each `$ iamsim …` command of a console block."""
    out: list[tuple[list[str], list[str]]] = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ iamsim"):
            i += 1
            continue
        command = line[2:]
        while command.endswith("\\"):
            i += 1
            command = command[:-1] + " " + lines[i].strip()
        i += 1
        shown = []
        while i < len(lines) and not lines[i].startswith("$ "):
            shown.append(lines[i])
            i += 1
        out.append((shlex.split(command)[1:], shown))
    return out


CONSOLE = [
    pytest.param(argv, shown, id=f"{p.id}:{argv[0]}")
    for p in _blocks("console")
    for argv, shown in _commands(str(p.values[0]))
    if "--world" not in argv and argv[0] != "check"  # `check` reads the page's own files
]


@pytest.mark.parametrize(("argv", "shown"), CONSOLE)
def test_console_example_replays(
    argv: list[str],
    shown: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    status = cli.main(argv)
    assert status in (0, 1)
    printed = capsys.readouterr().out
    for line in shown:
        if "…" in line or not line.strip():
            continue
        assert line.strip() in printed, f"{line!r} not in the output of iamsim {' '.join(argv)}"


def test_the_testing_page_is_a_project_that_passes(
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = (ROOT / "docs" / "testing.md").read_text("utf-8")
    files = 0
    for match in FENCE.finditer(page):
        first, _, _ = match.group(2).partition("\n")
        # ```json plan.json names its file in the fence: JSON has no comments.
        _, _, named = match.group(1).partition(" ")
        if first.startswith("# file: ") or named:
            name = named or first.removeprefix("# file: ")
            (pytester.path / name).write_text(match.group(2))
            files += 1
    assert files >= 4
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=10)  # 3 tests, 3 table rows, 2 boto3 tests, 2 IaC tests
    monkeypatch.chdir(pytester.path)
    monkeypatch.setenv("NO_COLOR", "1")
    capsys.readouterr()
    commands = [
        c
        for n, m in enumerate(FENCE.finditer(page))
        if m.group(1) == "console"
        for c in _commands(m.group(2))
    ]
    assert commands
    for argv, shown in commands:
        assert cli.main(argv) == 0
        printed = capsys.readouterr().out
        for line in shown:
            assert line.strip() in printed


def test_the_testing_page_shows_a_real_failure(pytester: pytest.Pytester) -> None:
    """The failing test the page shows fails with the explanation it shows, line for line."""
    page = (ROOT / "docs" / "testing.md").read_text("utf-8")
    blocks = {m.group(1): [] for m in FENCE.finditer(page)}
    for match in FENCE.finditer(page):
        blocks[match.group(1)].append(match.group(2))
    failure = next(b for b in blocks["text"] if "AssertionError" in b)
    source = [line for line in failure.splitlines() if not line.startswith(("E", "…"))]
    test = "\n".join(line[1:] if line.startswith(">") else line for line in source)
    files = {}
    for block in blocks["python"] + blocks["yaml"] + blocks["ini"]:
        first, _, _ = block.partition("\n")
        if first.startswith("# file: "):
            files[first.removeprefix("# file: ")] = block
    access = files.pop("test_access.py")
    for name in ("world.yaml", "pytest.ini"):
        (pytester.path / name).write_text(files[name])
    (pytester.path / "test_failing.py").write_text(access + "\n\n" + textwrap.dedent(test))
    result = pytester.runpytest("-p", "no:cacheprovider", "test_failing.py::test_alice_writes")
    result.assert_outcomes(failed=1)
    shown = [line[1:].strip() for line in failure.splitlines() if line.startswith("E")]
    assert len([line for line in shown if line]) >= 5
    printed = result.stdout.str()
    for line in shown:
        if line and "…" not in line:
            assert line in printed, f"{line!r} is not what pytest prints"
