"""Wildcard patterns: `*` matches any run of characters (including none), `?` exactly one.

A pattern is given as pieces `(text, literal)`: literal pieces (from `${*}`, `${?}` or a
substituted policy variable) never act as wildcards.

Matching takes time linear in the text (times the pattern's length), never more:
compiled patterns use the regexes of `linear_source`, and `glob_match` the greedy
two-pointer walk, in which a star only ever restarts from its latest position.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence

import attrs

__all__ = [
    "Glob",
    "One",
    "Pieces",
    "Star",
    "Step",
    "Token",
    "compile_glob",
    "glob_lead",
    "glob_match",
    "glob_tokens",
    "linear_source",
    "steps_match",
]

Pieces = Sequence[tuple[str, bool]]
"""A pattern as `(text, literal)` pieces; see the module docstring."""


class Star(enum.Enum):
    """A wildcard `*` as a regex token: any run of characters, or (inside one segment of an
    ARN pattern's head) any run without a colon."""

    ANY = ".*"
    SEGMENT = "[^:]*"


Token = str | Star
"""A pattern token: a `Star`, or a regex of fixed width (one character, or a literal run)."""


class One(enum.Enum):
    """A wildcard `?`: any one character, or (inside one segment of an ARN pattern's head)
    any one character but a colon."""

    ANY = "."
    SEGMENT = "[^:]"


Step = str | Star | One
"""A step of a pattern matched without a regex (`steps_match`): one literal character, a
`Star` or a `One`."""


def glob_tokens(pieces: Iterable[tuple[str, bool]]) -> list[Token]:
    """The tokens of a wildcard pattern: `*` any run, `?` any one character."""
    out: list[Token] = []
    for text, literal in pieces:
        if literal:
            out.extend(re.escape(ch) for ch in text)
            continue
        for ch in text:
            out.append(Star.ANY if ch == "*" else "." if ch == "?" else re.escape(ch))
    return out


def linear_source(tokens: Iterable[Token]) -> str:
    """A regex for `fullmatch` that matches what the tokens do, in time linear in the text
    (times the pattern's length), where the plain translation (`.*` for each star)
    backtracks through every way of splitting the text between the stars: `*a*a*a*b`
    against a run of `a`s takes time growing with the run's length to the power of the
    number of stars.

    The classic greedy glob argument: a `*` followed by the rest of a pattern that itself
    begins with a `*` may take the *shortest* run after which its next fixed-width piece
    matches, and never reconsider it (whatever a longer run leaves, the next `*` can
    absorb the difference). Each `*` but the last becomes an atomic group `(?>.*?PIECE)`
    that commits to the earliest match; the last stays `.*PIECE`, which `fullmatch`
    anchors at the end of the text.

    A `Star.SEGMENT` cannot absorb a colon, so an `ANY` star commits to the earliest end of
    the whole block up to the next `ANY` star (the block's own `SEGMENT` stars nested as
    atomic groups, which is exact within a colon-free run). This is exact for ARN patterns,
    where a block after an `ANY` star starts at a segment's colon and its `SEGMENT` stars
    are followed by that segment's closing colon (`iamsim.patterns.resources`).
    """
    pieces: list[list[str]] = [[]]
    stars: list[Star] = []
    for token in tokens:
        if isinstance(token, Star):
            if pieces[-1] or not stars:
                stars.append(token)
                pieces.append([])
            elif token is Star.ANY:  # `**`, `*` next to a segment `*`: one run
                stars[-1] = Star.ANY
        else:
            pieces[-1].append(token)
    texts = ["".join(p) for p in pieces]
    # Blocks: what follows each ANY star (the text before the first one leads), each a
    # first piece and then (SEGMENT star, piece) pairs.
    blocks: list[tuple[str, list[str]]] = [(texts[0], [])]
    for star, text in zip(stars, texts[1:], strict=True):
        if star is Star.ANY:
            blocks.append((text, []))
        else:
            blocks[-1][1].append(text)

    def block(first: str, rest: list[str], final: bool) -> str:
        out = [first]
        for i, text in enumerate(rest):
            if final and i == len(rest) - 1:
                out.append(f"[^:]*{text}")  # anchored by the end of the text
            else:
                out.append(f"(?>[^:]*?{text})")
        return "".join(out)

    last = len(blocks) - 1
    out = [block(*blocks[0], final=last == 0)]
    for i, (first, rest) in enumerate(blocks[1:], start=1):
        if i == last:
            out.append(".*" + block(first, rest, final=True))
        else:
            out.append("(?>.*?" + block(first, rest, final=False) + ")")
    return "".join(out)


def _regex_source(pieces: Iterable[tuple[str, bool]]) -> str:
    return linear_source(glob_tokens(pieces))


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
    so that evaluation never builds a regex. Classic greedy `*`: on a mismatch only the
    latest `*` takes one more character, so the walk is linear in the text (times the
    pattern's length).
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


def glob_lead(pieces: Pieces) -> tuple[tuple[str | None, ...], bool]:
    """A pattern's fixed-width start, one character (None for `?`) a position, and whether
    a `*` follows it (if not, the start is the whole pattern)."""
    lead: list[str | None] = []
    for text, literal in pieces:
        for ch in text:
            if not literal and ch == "*":
                return tuple(lead), True
            lead.append(None if not literal and ch == "?" else ch)
    return tuple(lead), False


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def steps_match(steps: Sequence[Step], text: str) -> bool:
    """Whether `text` matches the steps as a whole, without compiling anything: for patterns
    that only exist per request (an ARN pattern whose account holds a policy variable).

    The steps run as a set of positions, advanced together one character at a time (each
    `Star` may stay, or give way to the step after it), so the walk takes time linear in
    the text times the pattern's length, whatever its stars.
    """
    end = len(steps)

    def close(positions: set[int]) -> set[int]:
        out = set(positions)
        for at in sorted(positions):
            while at < end and isinstance(steps[at], Star):
                at += 1
                out.add(at)
        return out

    current = close({0})
    for ch in text:
        following: set[int] = set()
        for at in current:
            if at == end:
                continue
            step = steps[at]
            if step is Star.ANY or (step is Star.SEGMENT and ch != ":"):
                following.add(at)
            elif step is One.ANY or (step is One.SEGMENT and ch != ":") or step == ch:
                following.add(at + 1)
        if not following:
            return False
        current = close(following)
    return end in current
