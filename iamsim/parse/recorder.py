"""The problem collector every check writes to, with the checks shared by all elements."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from iamsim.errors import Problem, did_you_mean
from iamsim.model import PolicyKind
from iamsim.parse.grammar import _ALLOWED_CONTROLS, _CHARSET_LIMITED, _KIND_NAMES
from iamsim.parse.values import _describe, _key_path

# The characters IAM refuses in the kinds it stores: all but `_ALLOWED_CONTROLS` and
# U+0020 to U+00FF. One regular-expression search per string, not a loop per character
# (the loop was the largest single cost of loading a large world).
_REFUSED_CHARACTER = re.compile(
    "[^" + "".join(sorted(_ALLOWED_CONTROLS)).encode("unicode_escape").decode() + r"\x20-\xff]"
)


class _Recorder:
    """Collects the problems of one document, each once, in the order found."""

    def __init__(self, kind: PolicyKind | None) -> None:
        self.kind = kind
        self.problems: list[Problem] = []
        self._seen: set[Problem] = set()
        self.version: str | None = None

    # -- recording -------------------------------------------------------------

    def add(self, code: str, path: str, message: str, hint: str | None = None) -> None:
        problem = Problem(code, path, message, hint)
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append(problem)

    def wrong_type(self, path: str, name: str, expected: str, value: Any) -> None:
        self.add("value.type", path, f"{name} must be {expected}, not {_describe(value)}")

    def text(self, path: str, value: str) -> None:
        """Check the characters of one string (value or key) for IAM-stored kinds."""
        if self.kind not in _CHARSET_LIMITED:
            return
        refused = _REFUSED_CHARACTER.search(value)
        if refused is not None:
            self.add(
                "text.character",
                path,
                f"character U+{ord(refused.group()):04X} is not allowed",
                "IAM policies may contain only tab, line feed, carriage return"
                " and characters U+0020 to U+00FF",
            )

    def kind_name(self) -> str:
        return _KIND_NAMES.get(self.kind or "", "this policy")

    def unknown_keys(self, mapping: Mapping[Any, Any], prefix: str, known: Sequence[str]) -> None:
        for key in mapping:
            if isinstance(key, str):
                if key in known:
                    continue
                path = _key_path(prefix, key)
                self.text(path, key)
                self.add("element.unknown", path, "unknown element", did_you_mean(key, known))
            else:
                self.add(
                    "element.unknown",
                    prefix,
                    f"element names must be strings, not {_describe(key)}",
                )
