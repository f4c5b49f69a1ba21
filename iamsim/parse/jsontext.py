"""JSON text → data as strictly as IAM reads it, each error located by line and column."""

from __future__ import annotations

import json
import math
from typing import Any, Final

from iamsim.errors import PolicyError, Problem
from iamsim.parse.values import _describe, _key_path, _show

_MAX_NUMBER_DIGITS: Final = 4000  # below CPython's int-from-text limit (4300 digits)


def load_json(text: str | bytes, *, what: str = "policy") -> Any:
    """Decode JSON text strictly, as IAM does: no duplicate keys, no NaN, UTF-8 only.

    Every error becomes a `PolicyError` whose message gives line and column; `what`
    names the document in those messages (`invalid JSON in policy at line 2, …`).
    """
    if isinstance(text, bytes | bytearray | memoryview):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, column = _line_column_bytes(raw, exc.start)
            raise PolicyError(
                Problem(
                    "json.encoding",
                    "",
                    f"{what} is not valid UTF-8 at line {line}, column {column}",
                )
            ) from None
    if not isinstance(text, str):
        raise PolicyError(
            Problem("json.type", "", f"{what} must be JSON text, not {_describe(text)}")
        )

    suspicious = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal suspicious
        out = dict(items)
        if len(out) != len(items):
            suspicious = True
        return out

    def constant(name: str) -> None:
        nonlocal suspicious
        suspicious = True

    def integer(digits: str) -> int:
        nonlocal suspicious
        if len(digits) > _MAX_NUMBER_DIGITS:
            suspicious = True
            return 0
        return int(digits)

    def real(digits: str) -> float:
        nonlocal suspicious
        value = float(digits)
        if not math.isfinite(value):
            suspicious = True
        return value

    try:
        data = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=constant,
            parse_int=integer,
            parse_float=real,
        )
    except json.JSONDecodeError as exc:
        reason = exc.msg.removesuffix(" at")  # "Invalid control character at"
        raise PolicyError(
            Problem(
                "json.syntax",
                "",
                f"invalid JSON in {what} at line {exc.lineno}, column {exc.colno}: {reason}",
            )
        ) from None
    except RecursionError:
        raise PolicyError(
            Problem("json.too_deep", "", f"{what} JSON is nested too deeply")
        ) from None
    except ValueError as exc:  # pragma: no cover - only with a lowered int digit limit
        raise PolicyError(Problem("json.syntax", "", f"invalid JSON in {what}: {exc}")) from None
    if suspicious:
        problems = _strict_json_problems(text, what)
        if problems:
            raise PolicyError(problems)
    return data


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of `text[index]`, counted as `json` counts them."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _line_column_bytes(raw: bytes, index: int) -> tuple[int, int]:
    return raw.count(b"\n", 0, index) + 1, index - raw.rfind(b"\n", 0, index)


_DELIMITERS: Final = frozenset(" \t\n\r,:]}")


def _strict_json_problems(text: str, what: str) -> list[Problem]:
    """Locate what `json` accepts but IAM does not: duplicate keys, NaN/Infinity, huge numbers.

    Runs only on text `json` has already accepted, so the token walk can be simple;
    it is iterative, so nesting depth is no concern.
    """
    problems: list[Problem] = []
    # frame: [is_object, path, keys seen, current key or index, expecting a key]
    stack: list[list[Any]] = []
    i, n = 0, len(text)

    def value_path() -> str:
        if not stack:
            return ""
        frame = stack[-1]
        if frame[0]:
            return _key_path(frame[1], frame[3])
        return f"{frame[1]}[{frame[3]}]"

    while i < n:
        c = text[i]
        if c in " \t\n\r":
            i += 1
        elif c == "{" or c == "[":
            stack.append([c == "{", value_path(), set(), "" if c == "{" else 0, True])
            i += 1
        elif c == "}" or c == "]":
            stack.pop()
            i += 1
        elif c == ",":
            if stack[-1][0]:
                stack[-1][4] = True
            else:
                stack[-1][3] += 1
            i += 1
        elif c == ":":
            stack[-1][4] = False
            i += 1
        elif c == '"':
            value, end = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
            if stack and stack[-1][0] and stack[-1][4]:
                frame = stack[-1]
                frame[3] = value
                if value in frame[2]:
                    line, column = _line_column(text, i)
                    problems.append(
                        Problem(
                            "json.duplicate_key",
                            _key_path(frame[1], value),
                            f"duplicate key {_show(value)} at line {line}, column {column}",
                            "IAM rejects a policy that repeats a key in one object",
                        )
                    )
                frame[2].add(value)
            i = end
        else:
            start = i
            while i < n and text[i] not in _DELIMITERS:
                i += 1
            token = text[start:i]
            bad = _bad_token(token)
            if bad:
                line, column = _line_column(text, start)
                problems.append(
                    Problem(
                        "json.syntax",
                        value_path(),
                        f"invalid JSON in {what} at line {line}, column {column}: {bad}",
                    )
                )
    return problems


def _bad_token(token: str) -> str | None:
    if token in ("NaN", "Infinity", "-Infinity"):
        return f"{token} is not a JSON value"
    if token in ("true", "false", "null"):
        return None
    digits = token.lstrip("-")
    if len(digits) > _MAX_NUMBER_DIGITS:
        return "number too long"
    if any(c in token for c in ".eE") and not math.isfinite(float(token)):
        return "number out of range"
    return None
