"""JSON values named in words and paths, shared so the reader and the checker word them alike."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final

from iamsim.errors import join_path

# Keys that would make a dotted path unreadable are written `prefix["key"]`. Dots are
# left alone: condition keys such as `aws:RequestTag/a.b` stay readable, and the paths
# `check_condition` reports for the same keys (plain `join_path`) agree with ours.
_PATH_SPECIAL: Final = frozenset('[]"') | frozenset(" \t\n\r")
_MAX_INT_BITS: Final = 13_000  # about 3,900 decimal digits: still printable as JSON
_SHOW: Final = 60  # longest quoted value shown in a message


def _describe(value: Any) -> str:
    """A value's JSON type in words, for "must be X, not Y" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float) and not math.isfinite(value):
        return "a number JSON cannot carry (NaN or infinity)"
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        return "a number too long for JSON"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a Python {type(value).__name__}"


def _show(text: str) -> str:
    """A string quoted as JSON for a message, shortened when long."""
    if len(text) > _SHOW:
        text = text[: _SHOW - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def _key_path(prefix: str, key: str) -> str:
    """`prefix.key`, or `prefix["odd key"]` when the key would make the path ambiguous."""
    if key and not any(c in _PATH_SPECIAL for c in key):
        return join_path(prefix, key)
    return f"{prefix}[{json.dumps(key, ensure_ascii=False)}]"


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _is_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):  # bool is an int
        return value.bit_length() <= _MAX_INT_BITS
    return isinstance(value, str)
