"""The errors iamsim raises on purpose, and the problem records they carry.

Parsing collects every problem before raising once, so each error holds a tuple
of `Problem`s, each naming where (a JSON path, or a column) and what.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import attrs

__all__ = [
    "IamsimError",
    "IamsimWarning",
    "Location",
    "PolicyError",
    "Problem",
    "ValidationError",
    "WorldError",
    "did_you_mean",
    "join_path",
    "one_line",
]


@attrs.frozen
class Location:
    """Where in a file a problem is: the file name, and the 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        """`FILE:LINE:COLUMN`, the form editors and CI annotations read."""
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen
class Problem:
    """One thing wrong with an input: a stable code, where it is, what is wrong, a hint.

    `location` is the line and column in the file it came from, for a problem in a
    world file (`World.load`); None otherwise.
    """

    code: str
    path: str
    message: str
    hint: str | None = None
    location: Location | None = None

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        if self.location is not None:
            # `FILE:LINE:COLUMN: MESSAGE (HINT) [PATH]`: the path after, when it says more
            # than the file name.
            path = f" [{self.path}]" if self.path and self.path != self.location.file else ""
            return f"{self.location}: {self.message}{hint}{path}"
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}{hint}"

    def line(self) -> str:
        """`str(self)` on one line, as the command line prints it (see `one_line`)."""
        # A caret display under echoed text (`    ${oops`, then `      ^`) repeats what the
        # first line says with "column C": dropped.
        head, _, rest = self.message.partition("\n")
        caret = "\n" in rest and rest.rsplit("\n", 1)[1].strip(" ") == "^"
        message = head if "column" in head and caret else self.message
        return one_line(str(attrs.evolve(self, message=message)))

    def under(self, prefix: str) -> Problem:
        """The same problem, seen from an enclosing document at `prefix`."""
        return attrs.evolve(self, path=join_path(prefix, self.path))


def join_path(prefix: str, path: str) -> str:
    """Join two JSON-path fragments: `a.b` + `c[0]` → `a.b.c[0]`, `a` + `[1]` → `a[1]`."""
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def one_line(text: str) -> str:
    """`text` with newlines and other unprintable characters escaped as Python does (`\\n`).

    Problems echo user text (a file name, an action, a session name); one escaped
    line per problem keeps what the user typed visible and the output parseable.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean `X`?" hint for the closest of `choices`, or None when none is close."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f"did you mean `{lowered[word.lower()]}`?"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    if not close:
        close = [
            lowered[c]
            for c in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.75)
        ]
    return f"did you mean `{close[0]}`?" if close else None


class IamsimError(Exception):
    """Root of every error iamsim raises on purpose."""


class IamsimWarning(UserWarning):
    """Root of every warning iamsim issues (through `warnings`): something to check, not an
    error (an imported document past an AWS quota, an unknown action)."""


class _ProblemsError(IamsimError):
    """An error made of one or more problems; its message lists them all, one per line."""

    kind = "problem"

    def __init__(self, problems: Sequence[Problem] | Problem | str, *, path: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem("invalid", path, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} {self.kind}s:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)

    def lines(self) -> list[str]:
        """One line per problem, as the command line prints them (`Problem.line`)."""
        return [p.line() for p in self.problems]


class PolicyError(_ProblemsError):
    """A policy document is malformed; `problems` lists every defect with its JSON path."""

    kind = "policy problem"


class WorldError(_ProblemsError):
    """A world document (or a world built in code) is inconsistent or malformed."""

    kind = "world problem"


class ValidationError(IamsimError):
    """A parameter that AWS itself would reject, worded as AWS words it."""

    def __init__(self, message: str, *, code: str = "ValidationError") -> None:
        self.code = code
        super().__init__(message)
