"""The line and column of each problem of a world file, found by reading the file again.

Loading reads a file straight to plain data and keeps no positions: that is what makes
a large world load fast. Only when a world file has problems is it read once more,
here, to place each problem's path (`accounts.111111111111.roles.R.trust_policy.
Statement[0].Effect`) at a line and column of the file, in JSON, YAML and TOML alike.

Each format has a navigator that lists the entries of a mapping or list with their
positions, on demand: JSON is walked from the text (the C scanner skips each value),
YAML is composed into PyYAML's nodes (which carry their marks), TOML is walked by a
small reader of its structure (tables, arrays of tables, dotted keys, inline values;
`tomllib` itself keeps no positions). A path is followed step by step, matching each
key however the checks spelled it (`a.b`, `a["x.y"]`, `a['x']`, `a[0]`); a path only
partly found is placed at the deepest value found. Locating never fails a load: a
problem it cannot place keeps its path alone.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import os
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import attrs
import yaml

from iamsim.errors import Location, Problem, WorldError
from iamsim.world.files import InputRefused, read_input_file

__all__ = ["locate_problems"]

# Problems about a key itself (not its value) point at the key: an unknown key, a name or
# an ARN written as a key. So does any problem whose value is a mapping or a list, which in
# YAML's block style starts on the line below its key.
_KEY_CODES = frozenset(
    {"key.unknown", "element.unknown", "account.id", "name.invalid", "resource.arn"}
)

_Entry = tuple[str | None, Any, Any]  # key (None in a list), where the key is, the value


class _Navigator(Protocol):
    """What locating needs of a format: a document's root, a value's entries, positions."""

    root: Any

    def entries(self, node: Any) -> list[_Entry]: ...

    def position(self, where: Any) -> tuple[int, int]: ...


def locate_problems(
    error: WorldError, path: str | os.PathLike[str], max_bytes: int | None
) -> WorldError:
    """`error` with a `Location` on each of its problems that `path` (a world document file)
    places; `error` itself when the file is not a world document or places none."""
    try:
        name = os.fspath(path)
    except TypeError:
        return error
    if not isinstance(name, str) or not any(_wants_location(p, name) for p in error.problems):
        return error
    try:
        navigator = _navigator(name, max_bytes)
        if navigator is None or not _is_world(navigator):
            return error
        problems = [
            _placed(navigator, name, p) if _wants_location(p, name) else p for p in error.problems
        ]
    except (OSError, InputRefused, ValueError, LookupError, yaml.YAMLError, RecursionError):
        return error  # the file changed since it was read, or cannot be walked: no positions
    return WorldError(problems)


def _wants_location(problem: Problem, name: str) -> bool:
    return problem.location is None and problem.path not in ("", name)


def _is_world(navigator: _Navigator) -> bool:
    keys = {key for key, _, _ in navigator.entries(navigator.root)}
    return bool(keys & {"accounts", "organization"})


def _placed(navigator: _Navigator, name: str, problem: Problem) -> Problem:
    at_key = problem.code in _KEY_CODES or problem.code.endswith(".duplicate")
    found = _find(navigator, problem.path, at_key)
    if found is None:
        return problem
    line, column = navigator.position(found)
    return attrs.evolve(problem, location=Location(name, line, column))


def _find(navigator: _Navigator, path: str, at_key: bool) -> Any:
    """Where `path` is in the document: its value, or its key when `at_key` or when the value
    is a mapping or list that is not empty; the deepest value found for a path only partly
    there; None when not even its first step is."""
    node, rest, key_where = navigator.root, path, None
    cache: dict[int, list[_Entry]] = {}
    while rest:
        entries = cache.get(id(node))
        if entries is None:
            entries = cache[id(node)] = navigator.entries(node)
        step: tuple[int, Any, Any] | None = None
        for index, (key, where, child) in enumerate(entries):
            for spelled in _spellings(key, index, first=rest is path):
                if _starts_step(rest, spelled) and (step is None or len(spelled) > step[0]):
                    step = (len(spelled), where, child)
        if step is None:
            break
        size, key_where, node = step
        rest = rest[size:]
    if rest is path:
        return None
    if not rest and key_where is not None and (at_key or navigator.entries(node)):
        return key_where
    return _value_where(navigator, node)


def _value_where(navigator: _Navigator, node: Any) -> Any:
    return getattr(navigator, "value_where", lambda n: n)(node)


def _starts_step(rest: str, spelled: str) -> bool:
    return rest.startswith(spelled) and (len(rest) == len(spelled) or rest[len(spelled)] in ".[")


def _spellings(key: str | None, index: int, first: bool) -> Iterator[str]:
    """Every way the checks spell a step to this entry."""
    if key is None:
        yield f"[{index}]"
        return
    yield key if first else "." + key
    yield f"[{json.dumps(key)}]"
    yield f"[{json.dumps(key, ensure_ascii=False)}]"
    yield f"[{key!r}]"


def _navigator(name: str, max_bytes: int | None) -> _Navigator | None:
    ext = Path(name).suffix.lower()
    text = read_input_file(name, max_bytes).decode("utf-8-sig")
    if ext == ".json":
        return _Json(text)
    if ext in (".yaml", ".yml"):
        return _Yaml(text)
    if ext == ".toml":
        return _Toml(text)
    return None


class _Lines:
    """1-based line and column of a character offset, by binary search of line starts."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


# --------------------------------------------------------------------------- JSON

_WS = re.compile(r"[ \t\n\r]*")
_jd: Any = json.decoder
_SKIP: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class _Json(_Lines):
    """A JSON text walked from its characters: a value is its offset."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
        self.root = _WS.match(text, 0).end()  # type: ignore[union-attr]

    def entries(self, node: Any) -> list[_Entry]:
        text, ws, out = self.text, _WS.match, []
        opening = text[node]
        if opening not in "{[":
            return []
        i = ws(text, node + 1).end()  # type: ignore[union-attr]
        while text[i] not in "}]":
            key: str | None = None
            where = i
            if opening == "{":
                key, i = _jd.scanstring(text, i + 1)
                i = ws(text, ws(text, i).end() + 1).end()  # type: ignore[union-attr]
            out.append((key, where, i))
            _, i = _SKIP(text, i)
            i = ws(text, i).end()  # type: ignore[union-attr]
            if text[i] == ",":
                i = ws(text, i + 1).end()  # type: ignore[union-attr]
        return out


# --------------------------------------------------------------------------- YAML


class _Yaml:
    """A YAML text composed into PyYAML's nodes, which carry their start marks."""

    def __init__(self, text: str) -> None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self.root = yaml.compose(text, Loader=loader)

    def entries(self, node: Any) -> list[_Entry]:
        if isinstance(node, yaml.MappingNode):
            return [
                (str(k.value), k, v)
                for k, v in node.value
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge"
            ]
        if isinstance(node, yaml.SequenceNode):
            return [(None, v, v) for v in node.value]
        return []

    def position(self, where: Any) -> tuple[int, int]:
        return where.start_mark.line + 1, where.start_mark.column + 1


# --------------------------------------------------------------------------- TOML


@attrs.define(eq=False)
class _TomlValue:
    """A TOML value: where it starts, and its entries when it is a table or an array."""

    offset: int
    table: dict[str, tuple[int, _TomlValue]] | None = None
    array: list[_TomlValue] | None = None


def _new_table(offset: int) -> _TomlValue:
    return _TomlValue(offset, table={})


def _new_array(offset: int) -> _TomlValue:
    return _TomlValue(offset, array=[])


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_STRINGS = (
    ('"""', re.compile(r'"""(?:\\[\s\S]|[^\\])*?"{3,5}')),
    ("'''", re.compile(r"'''[\s\S]*?'{3,5}")),
    ('"', re.compile(r'"(?:[^"\\\n]|\\.)*"')),
    ("'", re.compile(r"'[^'\n]*'")),
)
_TOML_SCALAR = re.compile(r"[^,\]}\n#]*")
_TOML_BLANK = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")
_TOML_SPACE = re.compile(r"[ \t]*")


class _Toml(_Lines):
    """A TOML text read for its structure and positions (the file already loaded, so it is
    valid TOML): tables, arrays of tables, dotted keys, inline tables and arrays."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
        self.root = _TomlValue(0, table={})
        self._read()

    def entries(self, node: Any) -> list[_Entry]:
        if node.table is not None:
            return [(k, where, v) for k, (where, v) in node.table.items()]
        if node.array is not None:
            return [(None, v.offset, v) for v in node.array]
        return []

    def value_where(self, node: Any) -> Any:
        return node.offset

    def _read(self) -> None:
        text, i, current = self.text, 0, self.root
        while True:
            i = _TOML_BLANK.match(text, i).end()  # type: ignore[union-attr]
            if i >= len(text):
                return
            if text.startswith("[[", i):
                keys, i = self._keys(i + 2, "]")
                table = _TomlValue(keys[-1][1], table={})
                array = self._open(self.root, keys[:-1], keys[-1], _new_array)
                if array.array is not None:
                    array.array.append(table)
                current, i = table, i + 2
            elif text[i] == "[":
                keys, i = self._keys(i + 1, "]")
                current = self._open(self.root, keys[:-1], keys[-1], _new_table)
                i += 1
            else:
                keys, i = self._keys(i, "=")
                value, i = self._value(i + 1)
                self._set(current, keys, value)
            i = _TOML_SPACE.match(text, i).end()  # type: ignore[union-attr]

    def _keys(self, i: int, end: str) -> tuple[list[tuple[str, int]], int]:
        """A dotted key up to `end` (not consumed): each key with its offset."""
        text, keys = self.text, []
        while True:
            i = _TOML_SPACE.match(text, i).end()  # type: ignore[union-attr]
            start = i
            if text[i] in "\"'":
                match = _TOML_STRINGS[2 if text[i] == '"' else 3][1].match(text, i)
                if match is None:
                    raise ValueError("unterminated key")
                key = tomllib.loads(f"k = {match.group()}")["k"]
                i = match.end()
            else:
                match = _BARE_KEY.match(text, i)
                if match is None:
                    raise ValueError("not a key")
                key, i = match.group(), match.end()
            keys.append((key, start))
            i = _TOML_SPACE.match(text, i).end()  # type: ignore[union-attr]
            if text[i] == ".":
                i += 1
                continue
            if not text.startswith(end, i):
                raise ValueError("not a key")
            return keys, i

    def _open(
        self,
        table: _TomlValue,
        parents: list[tuple[str, int]],
        last: tuple[str, int],
        make: Callable[[int], _TomlValue],
    ) -> _TomlValue:
        """The table a header names (`[a.b]`), or the array of tables (`[[a.b]]`)."""
        for key, offset in parents:
            table = self._child(table, key, offset, _new_table, True)
        return self._child(table, last[0], last[1], make, make is _new_table)

    @staticmethod
    def _child(
        table: _TomlValue,
        key: str,
        offset: int,
        make: Callable[[int], _TomlValue],
        into_array: bool,
    ) -> _TomlValue:
        """The value at `key` of `table`, made when absent; with `into_array`, an array of
        tables stands for its last table (as TOML reads `[a.b]` after `[[a]]`)."""
        if table.table is None:
            raise ValueError("not a table")
        found = table.table.get(key)
        if found is None:
            found = table.table[key] = (offset, make(offset))
        value = found[1]
        if into_array and value.array:
            return value.array[-1]
        return value

    def _set(self, table: _TomlValue, keys: list[tuple[str, int]], value: _TomlValue) -> None:
        for key, offset in keys[:-1]:
            table = self._child(table, key, offset, _new_table, True)
        if table.table is not None:
            table.table[keys[-1][0]] = (keys[-1][1], value)

    def _value(self, i: int) -> tuple[_TomlValue, int]:
        text = self.text
        i = _TOML_SPACE.match(text, i).end()  # type: ignore[union-attr]
        if text[i] == "{":
            table = _TomlValue(i, table={})
            i += 1
            while True:
                i = _TOML_BLANK.match(text, i).end()  # type: ignore[union-attr]
                if text[i] == "}":
                    return table, i + 1
                keys, i = self._keys(i, "=")
                value, i = self._value(i + 1)
                self._set(table, keys, value)
                i = _TOML_BLANK.match(text, i).end()  # type: ignore[union-attr]
                if text[i] == ",":
                    i += 1
        if text[i] == "[":
            array = _TomlValue(i, array=[])
            i += 1
            while True:
                i = _TOML_BLANK.match(text, i).end()  # type: ignore[union-attr]
                if text[i] == "]":
                    return array, i + 1
                value, i = self._value(i)
                assert array.array is not None
                array.array.append(value)
                i = _TOML_BLANK.match(text, i).end()  # type: ignore[union-attr]
                if text[i] == ",":
                    i += 1
        for opening, pattern in _TOML_STRINGS:
            if text.startswith(opening, i):
                match = pattern.match(text, i)
                if match is None:
                    raise ValueError("unterminated string")
                return _TomlValue(i), match.end()
        end = _TOML_SCALAR.match(text, i).end()  # type: ignore[union-attr]
        return _TomlValue(i), end
