"""The pytest plugin (entry point `pytest11`), active once iamsim is installed.

- fixture `iam_world`: the world named by `--iamsim-world FILE` or the ini option
  `iamsim_world` (relative to the ini file); a fixture of that name of your own wins;
- expectation tables (`iam_expect*.yaml`, `.yml`, `.json`; the ini option
  `iamsim_expectations` sets the globs, matched against the file name and against its path
  from the root directory) are collected as one test per row, a failure showing the
  explanation;
- `assert a == b` where either side is a `Decision` shows the decision's explanation.

iamsim itself is imported only inside the hooks and the fixture that need it.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from iamsim.expectations import Expectation, ExpectationTable, Result
    from iamsim.world import World

__all__ = [
    "ExpectationFile",
    "ExpectationItem",
    "iam_world",
    "pytest_addoption",
    "pytest_assertrepr_compare",
    "pytest_collect_file",
]

_DEFAULT_GLOBS = ["iam_expect*.yaml", "iam_expect*.yml", "iam_expect*.json"]
_NO_WORLD = (
    "iam_world: no world is configured: pass --iamsim-world FILE, or set "
    "`iamsim_world = FILE` in your pytest configuration (ini), or define your own "
    "`iam_world` fixture"
)
_worlds_key = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("iamsim", "iamsim (AWS IAM decisions)")
    group.addoption(
        "--iamsim-world",
        dest="iamsim_world",
        metavar="FILE",
        default=None,
        help="world document for the iam_world fixture and expectation tables "
        "(overrides the ini option iamsim_world)",
    )
    parser.addini(
        "iamsim_world",
        "world document for the iam_world fixture (relative to the ini file)",
        default="",
    )
    parser.addini(
        "iamsim_expectations",
        "globs of iamsim expectation tables to collect (default: iam_expect*.yaml/.yml/.json)",
        type="args",
        default=_DEFAULT_GLOBS,
    )


def configured_world(config: pytest.Config) -> Path | None:
    """The world file `--iamsim-world` or the ini option names, or None."""
    option = config.getoption("iamsim_world", None)
    if option:
        return config.invocation_params.dir / str(option)
    ini = config.getini("iamsim_world")
    if ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return base / str(ini)
    return None


def _load_world(config: pytest.Config, path: Path | str) -> World:
    """The world in `path`, loaded once per test session."""
    from iamsim.world import World

    cache = config.stash.setdefault(_worlds_key, {})
    key = str(path)
    if key not in cache:
        cache[key] = World.load(path)
    world: World = cache[key]
    return world


def _error_text(exc: Exception) -> str:
    from iamsim.errors import IamsimError, _ProblemsError

    if isinstance(exc, _ProblemsError):
        return "\n".join(f"iamsim: error: {line}" for line in exc.lines())
    if isinstance(exc, IamsimError):
        return f"iamsim: error: {exc}"
    raise exc


@pytest.fixture(scope="session")
def iam_world(pytestconfig: pytest.Config) -> World:
    """The world named by `--iamsim-world` or the ini option `iamsim_world`."""
    from iamsim.errors import IamsimError

    path = configured_world(pytestconfig)
    if path is None:
        pytest.fail(_NO_WORLD, pytrace=False)
    try:
        return _load_world(pytestconfig, path)
    except IamsimError as exc:
        pytest.fail(_error_text(exc), pytrace=False)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    globs = parent.config.getini("iamsim_expectations")
    names = [file_path.name]
    if file_path.is_relative_to(parent.config.rootpath):  # globs such as `checks/*.yaml`
        names.append(file_path.relative_to(parent.config.rootpath).as_posix())
    if any(fnmatch.fnmatch(name, g) for g in globs for name in names):
        file: ExpectationFile = ExpectationFile.from_parent(parent, path=file_path)
        return file
    return None


class ExpectationFile(pytest.File):
    """An expectation table: one test per row."""

    def collect(self) -> Iterator[pytest.Item]:
        from iamsim.errors import IamsimError
        from iamsim.expectations import load_table

        try:
            table = load_table(self.path)
        except IamsimError as exc:
            raise self.CollectError(_error_text(exc)) from None
        for row in table.rows:
            yield ExpectationItem.from_parent(self, name=row.id or row.path, row=row, table=table)


class ExpectationMismatch(Exception):
    """A row's decision is not the one it expects."""

    def __init__(self, result: Result) -> None:
        self.result = result
        super().__init__(result.problem)


class ExpectationItem(pytest.Item):
    """One row of an expectation table."""

    def __init__(self, *, row: Expectation, table: ExpectationTable, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.row = row
        self.table = table

    def _world(self) -> World:
        if self.table.world is not None:
            return _load_world(self.config, self.table.world)
        path = configured_world(self.config)
        if path is None:
            raise LookupError(
                f"{self.table.path}: no world: add a top-level `world:` to the table, or pass "
                "--iamsim-world FILE, or set `iamsim_world = FILE` in your pytest configuration"
            )
        return _load_world(self.config, path)

    def runtest(self) -> None:
        result = self.row.check(self._world())
        if not result.passed:
            raise ExpectationMismatch(result)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        from iamsim.errors import IamsimError

        exc = excinfo.value
        if isinstance(exc, ExpectationMismatch):
            return exc.result.message()
        if isinstance(exc, LookupError):
            return f"iamsim: error: {exc}"
        if isinstance(exc, IamsimError):
            return f"{self.table.path}: {self.row.path}\n{_error_text(exc)}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"iamsim expectation {self.name}"


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> list[str] | None:
    """`assert d == other` with a Decision on either side shows its explanation."""
    module = sys.modules.get("iamsim.decision")
    if module is None or op != "==":  # no Decision can exist before iamsim is imported
        return None
    decision = module.Decision
    if isinstance(left, decision) and isinstance(right, decision):
        return _both(left, right)
    for one, other in ((left, right), (right, left)):
        if isinstance(one, decision):
            lines = [f"{one.outcome} decision == {other!r}", ""]
            return lines + list(one.explain().splitlines())
    return None


def _both(left: Any, right: Any) -> list[str]:
    import attrs

    fields = [f.name for f in attrs.fields(type(left)) if f.eq]
    differ = [n for n in fields if getattr(left, n) != getattr(right, n)]
    texts = [left.explain().splitlines() or [""], right.explain().splitlines() or [""]]
    # pytest cuts a long explanation short (without -vv): what matters comes first.
    lines = [f"{left.outcome} decision == {right.outcome} decision"]
    lines += [f"left:  {texts[0][0]}", f"right: {texts[1][0]}"]
    lines.append("differing fields: " + (", ".join(differ) or "none"))
    for label, text in zip(("left", "right"), texts, strict=True):
        lines += ["", f"{label}:", *("  " + line for line in text)]
    return lines
