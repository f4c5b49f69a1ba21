"""`Action`/`NotAction` values: validation, and one case-insensitive matcher for all of them."""

from __future__ import annotations

import re

import attrs

from iamsim.errors import PolicyError, Problem
from iamsim.patterns.glob import _has_wildcard, _regex_source

__all__ = ["ActionMatcher", "action_problem", "compile_actions"]

_ACTION_PREFIX = re.compile(r"[A-Za-z0-9-]+")
_ACTION_NAME = re.compile(r"[A-Za-z0-9_.*?-]+")


def action_problem(text: str) -> str | None:
    """Why `text` is not a valid `Action`/`NotAction` value, else None.

    IAM User Guide, "IAM JSON policy elements: Action": values are `*` or
    `service-prefix:action-name`; wildcards are allowed in the action name.
    """
    if text == "*":
        return None
    if ":" not in text:
        return (
            f"`{text}` is not an action: expected `service:ActionName` (like `s3:GetObject`) or `*`"
        )
    prefix, name = text.split(":", 1)
    if _has_wildcard(prefix):
        return f"`{text}`: wildcards are not allowed in the service prefix `{prefix}`"
    if not _ACTION_PREFIX.fullmatch(prefix):
        return f"`{text}`: the service prefix `{prefix}` may only contain letters, digits and `-`"
    if not name:
        return f"`{text}`: the action name after `{prefix}:` is empty"
    if not _ACTION_NAME.fullmatch(name):
        return (
            f"`{text}`: the action name `{name}` may only contain letters, digits, `_`, `.`, "
            "`-` and the wildcards `*` and `?`"
        )
    return None


@attrs.frozen(eq=False)
class ActionMatcher:
    """Compiled `Action`/`NotAction` values: one case-insensitive regex for all of them."""

    values: tuple[str, ...]
    match_all: bool
    _regex: re.Pattern[str] | None = attrs.field(repr=False)

    def matches(self, action: str) -> bool:
        if self.match_all:
            return True
        return self._regex is not None and self._regex.fullmatch(action) is not None


def compile_actions(values: tuple[str, ...]) -> ActionMatcher:
    """Compile `Action`/`NotAction` values; raise `PolicyError` for a malformed one.

    IAM User Guide, "IAM JSON policy elements: Action": prefixes and action names are
    case-insensitive (`iam:ListAccessKeys` ≡ `IAM:listaccesskeys`); `*` and `?` may
    appear anywhere in the action name; `"*"` alone is every action.
    """
    sources: list[str] = []
    match_all = False
    for value in values:
        problem = action_problem(value)
        if problem is not None:
            raise PolicyError(Problem("action.invalid", "", problem))
        if value == "*":
            match_all = True
            continue
        sources.append(_regex_source(((value, False),)))
    regex = None
    if sources:
        regex = re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE | re.DOTALL)
    return ActionMatcher(tuple(values), match_all, regex)
