"""Wildcard patterns: `*` matches any run of characters (including none), `?` exactly one.

A pattern is given as pieces `(text, literal)`: literal pieces (from `${*}`, `${?}` or a
substituted policy variable) never act as wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import attrs

__all__ = ["Glob", "Pieces", "compile_glob", "glob_match"]

Pieces = Sequence[tuple[str, bool]]
"""A pattern as `(text, literal)` pieces; see the module docstring."""


def _regex_source(pieces: Iterable[tuple[str, bool]]) -> str:
    out: list[str] = []
    for text, literal in pieces:
        if literal:
            out.append(re.escape(text))
            continue
        for ch in text:
            out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return "".join(out)


@attrs.frozen
class Glob:
    """A precompiled wildcard pattern; `match` is a whole-string match."""

    source: str
    ignore_case: bool
    _regex: re.Pattern[str] = attrs.field(eq=False, repr=False)

    def match(self, text: str) -> bool:
        return self._regex.fullmatch(text) is not None


def compile_glob(pieces: Pieces | str, *, ignore_case: bool = False) -> Glob:
    """Compile a wildcard pattern (a plain string, or pieces) to a reusable `Glob`."""
    if isinstance(pieces, str):
        pieces = ((pieces, False),)
    source = "".join(text for text, _ in pieces)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return Glob(source, ignore_case, re.compile(_regex_source(pieces), flags))


def glob_match(pieces: Pieces, text: str, *, ignore_case: bool = False) -> bool:
    """Match `text` against a wildcard pattern without compiling anything.

    Used for patterns that only exist per request (after variable substitution),
    so that evaluation never builds a regex. Classic greedy `*` with backtracking.
    """
    tokens: list[str | None] = []  # a character, "*" as None-marker below
    for piece, literal in pieces:
        for ch in piece:
            if not literal and ch == "*":
                if not tokens or tokens[-1] is not None:
                    tokens.append(None)
            elif not literal and ch == "?":
                tokens.append("")  # any one character
            else:
                tokens.append(ch.lower() if ignore_case else ch)
    if ignore_case:
        text = text.lower()
    t = p = 0
    star_p = star_t = -1
    while t < len(text):
        if p < len(tokens) and tokens[p] is not None and (tokens[p] == "" or tokens[p] == text[t]):
            t += 1
            p += 1
        elif p < len(tokens) and tokens[p] is None:
            star_p, star_t = p, t
            p += 1
        elif star_p >= 0:
            star_t += 1
            t = star_t
            p = star_p + 1
        else:
            return False
    while p < len(tokens) and tokens[p] is None:
        p += 1
    return p == len(tokens)


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text
