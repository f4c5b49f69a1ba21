"""Reading world files (.json, .yaml, .toml) to plain data; syntax errors give line and column."""

from __future__ import annotations

import datetime
import json
import json.decoder
import json.scanner
import os
import re
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from iamsim.errors import Location, Problem, WorldError
from iamsim.world.load_checks import _type_name, _YamlInt

__all__ = [
    "DEFAULT_MAX_INPUT_BYTES",
    "MAX_DEPTH",
    "MAX_INPUT_BYTES_ENV",
    "SUPPORTED_EXTENSIONS",
    "WORLD_KINDS",
    "InputRefused",
    "file_kind",
    "json_int",
    "max_input_bytes",
    "read_data_file",
    "read_input_file",
    "read_text_file",
    "read_world_file",
    "world_data",
]


# CPython reads no longer integer from decimal text (sys.get_int_max_str_digits()).
INT_DIGITS_LIMIT = 4300


def json_int(digits: str) -> int:
    """`json.loads`' `parse_int`: an integer, refused past `INT_DIGITS_LIMIT` digits."""
    if len(digits.lstrip("-")) > INT_DIGITS_LIMIT:
        raise ValueError(f"a number has more than {INT_DIGITS_LIMIT} digits")
    return int(digits)


# In JSON: strings (skipped whole), then what Python's JSON reader accepts and JSON does
# not (NaN, Infinity) or cannot read (an integer past the digit limit), in group `bad`.
JSON_BAD_TOKEN = re.compile(
    rf'"(?:[^"\\]|\\.)*"|(?P<bad>NaN|-?Infinity|-?\d{{{INT_DIGITS_LIMIT + 1},}}(?![.eE\d]))'
)

# In TOML: an integer past the digit limit (underscores allowed between digits).
TOML_LONG_NUMBER = re.compile(rf"\d[\d_]{{{INT_DIGITS_LIMIT},}}")

# tomllib's error message suffix ` (at line N, column M)`, split off to report the position.
TOML_POSITION = re.compile(
    r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$", re.ASCII
)

SUPPORTED_EXTENSIONS = (".json", ".yaml", ".yml", ".toml")

MAX_DEPTH = 100
"""How deeply a world file may nest; a real world needs about twenty levels."""


DEFAULT_MAX_INPUT_BYTES = 1 << 30
"""The most bytes read from one input file (1 GiB): multi-account exports run to hundreds
of megabytes; a file past this is refused rather than read whole."""

MAX_INPUT_BYTES_ENV = "IAMSIM_MAX_INPUT_BYTES"
"""The environment variable that changes `DEFAULT_MAX_INPUT_BYTES` (a whole number of bytes)."""

_CHUNK = 1 << 20


class InputRefused(Exception):
    """An input file iamsim will not read: not a regular file, or larger than the limit.

    `code` is `file.not_regular`, `file.too_large` or `file.limit`; `hint` says what to do.
    """

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


def max_input_bytes(limit: int | None = None) -> int:
    """The byte limit in force: `limit` when given, else `$IAMSIM_MAX_INPUT_BYTES`, else 1 GiB.

    Raise `InputRefused` (`file.limit`) for a limit that is not a whole number of bytes.
    """
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            shown = repr(limit)[:40] if isinstance(limit, int) else type(limit).__name__
            raise InputRefused(
                "file.limit", f"max_bytes must be a whole number of bytes (0 or more), not {shown}"
            )
        return limit
    text = os.environ.get(MAX_INPUT_BYTES_ENV)
    if text is None or not text.strip():
        return DEFAULT_MAX_INPUT_BYTES
    digits = text.strip().replace("_", "")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 30):
        raise InputRefused(
            "file.limit",
            f"{MAX_INPUT_BYTES_ENV} must be a whole number of bytes, not {text[:40]!r}",
            "unset it for the default of 1 GiB",
        )
    return int(digits)


def read_input_file(name: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file `name`, at most `max_input_bytes(limit)` of them.

    A device, pipe, socket or directory (`/dev/zero`, `/dev/stdin`) could be endless: it is
    refused before it is opened (`file.not_regular`). A file larger than the limit is
    refused (`file.too_large`) after reading at most limit + 1 bytes, never all of it.
    `OSError` (a missing file, no permission) passes through.
    """
    most = max_input_bytes(limit)
    mode = os.stat(name).st_mode  # follows symlinks: a `.json` link to /dev/zero is a device
    if not stat.S_ISREG(mode):
        raise InputRefused(
            "file.not_regular",
            f"not a regular file ({_file_kind(mode)}); iamsim reads only regular files",
        )
    with open(name, "rb", buffering=0) as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):  # replaced since the check
            raise InputRefused("file.not_regular", "not a regular file")
        chunks: list[bytes] = []
        size = 0
        if status.st_size > most:  # known to be too large: nothing to read
            size = status.st_size
        while size <= most:
            chunk = file.read(min(_CHUNK, most + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    if size > most:
        raise InputRefused(
            "file.too_large",
            f"the file is larger than the input limit of {most} bytes",
            f"set {MAX_INPUT_BYTES_ENV} to a larger number of bytes to read it",
        )
    return b"".join(chunks)


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a pipe"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((words for test, words in kinds if test(mode)), "not a plain file")


def read_world_file(
    path: str | os.PathLike[str], *, max_bytes: int | None = None
) -> dict[str, Any]:
    """Read a world document as plain data; the format follows the file extension.

    Raise `WorldError` for a path that is not a file name, an unsupported
    extension, an unreadable file, what is not a regular file (`file.not_regular`),
    a file larger than `max_bytes` (default `$IAMSIM_MAX_INPUT_BYTES`, else 1 GiB;
    `file.too_large`), a syntax error (`<file>: line L, column C: message`), a
    duplicate key, nesting deeper than `MAX_DEPTH`, a document whose top level is not
    a mapping, or an empty document.
    """
    return world_data(*read_data_file(path, max_bytes=max_bytes))


def world_data(name: str, data: Any) -> dict[str, Any]:
    """`data` read from the file `name`, checked to be a world document's shape: a mapping,
    not empty (`WorldError` otherwise)."""
    if data is None:  # YAML with only comments, or a lone `null`
        data = {}
    if not isinstance(data, dict):
        raise WorldError(
            Problem(
                "value.type",
                name,
                f"a world document must be a mapping at the top level, not {_type_name(data)}",
                location=Location(name, 1, 1),
            )
        )
    if not data:
        # An empty file is almost always a mistake, and would answer every question with
        # "nothing allows it": say so instead of loading an empty world.
        raise WorldError(
            Problem(
                "file.empty",
                name,
                "the world document is empty",
                "describe at least `accounts` (see docs/world.md)",
                Location(name, 1, 1),
            )
        )
    return data


def read_text_file(name: str, max_bytes: int | None = None) -> str:
    """The UTF-8 text of input file `name` (`read_input_file`'s limits); a `WorldError`
    naming the file (and the line and column of a byte that is not UTF-8) otherwise."""
    try:
        raw = read_input_file(name, max_bytes)
    except InputRefused as exc:
        raise WorldError(Problem(exc.code, name, exc.message, exc.hint)) from None
    except OSError as exc:
        raise WorldError(
            Problem("file.unreadable", name, f"cannot read the file: {exc.strerror or exc}")
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw[: exc.start].decode("utf-8", "replace"), None)
        raise _syntax(name, line, column, "not UTF-8 text") from None


def read_data_file(
    path: str | os.PathLike[str], *, max_bytes: int | None = None
) -> tuple[str, Any]:
    """The file name and the data of a .json, .yaml/.yml or .toml file, whatever its shape
    (blank text is `{}`); the same checks and errors as `read_world_file` up to the shape."""
    name = _file_name(path)
    file = Path(name)
    ext = file.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise WorldError(
            Problem(
                "file.format",
                name,
                f"unsupported world file extension {ext or '(none)'!r}",
                "use one of " + ", ".join(SUPPORTED_EXTENSIONS),
            )
        )
    text = read_text_file(name, max_bytes)
    data: Any = {}  # empty or blank text: an empty document in every format
    if text.strip():
        if ext == ".json":
            data = _load_json(text, name)
        elif ext == ".toml":
            data = _load_toml(text, name)
        else:
            data = _load_yaml(text, name)
    if isinstance(data, dict | list) and _deeper_than(data, MAX_DEPTH):
        raise _too_deep(name)
    return name, _dates_as_text(data) if ext == ".toml" else data


# --------------------------------------------------------------------------- kinds

WORLD_KINDS: dict[str, str] = {
    "world": "a world document (`accounts`, `organization`)",
    "authorization-details": "aws iam get-account-authorization-details",
    "organization-export": "the Organizations outputs gathered in one mapping",
    "describe-organization": "aws organizations describe-organization",
    "list-roots": "aws organizations list-roots",
    "list-organizational-units-for-parent": "aws organizations "
    "list-organizational-units-for-parent",
    "list-accounts": "aws organizations list-accounts (or list-accounts-for-parent)",
    "list-parents": "aws organizations list-parents",
    "list-policies": "aws organizations list-policies",
    "describe-policy": "aws organizations describe-policy",
    "list-targets-for-policy": "aws organizations list-targets-for-policy",
    "resource-policy": "a resource policy: s3api get-bucket-policy, kms get-key-policy, "
    "lambda get-policy, ecr get-repository-policy",
    "resource-attributes": "sqs get-queue-attributes or sns get-topic-attributes",
    "secret-policy": "secretsmanager get-resource-policy",
}
"""Each kind of file `World.load` reads, with what produces it."""

_DETAILS_KEYS = ("UserDetailList", "RoleDetailList", "GroupDetailList")


def file_kind(data: Any) -> str | None:
    """What a parsed file is, from its content alone (a key of `WORLD_KINDS`), or None.

    A list of authorization details (several accounts in one file) is `authorization-details`.
    """
    if isinstance(data, list):
        if data and all(file_kind(item) == "authorization-details" for item in data):
            return "authorization-details"
        return None
    if not isinstance(data, dict):
        return None
    keys = set(data)
    if keys & {"accounts", "organization"}:
        return "world"
    if keys & set(_DETAILS_KEYS):
        return "authorization-details"
    if "Organization" in keys:
        return "organization-export" if keys & {"Roots", "Accounts"} else "describe-organization"
    if isinstance(data.get("Policies"), list):
        entries = [e for e in data["Policies"] if isinstance(e, dict)]
        if any("PolicyVersionList" in e or "DefaultVersionId" in e for e in entries):
            return "authorization-details"
        if not entries or all("Type" in e or "PolicySummary" in e for e in entries):
            return "list-policies"
        return None
    for key, kind in (
        ("Roots", "list-roots"),
        ("OrganizationalUnits", "list-organizational-units-for-parent"),
        ("Accounts", "list-accounts"),
        ("Parents", "list-parents"),
        ("Targets", "list-targets-for-policy"),
        ("ResourcePolicy", "secret-policy"),
    ):
        if key in keys:
            return kind
    policy = data.get("Policy")
    if isinstance(policy, dict) and "Content" in policy:
        return "describe-policy"
    if isinstance(policy, str) or isinstance(data.get("policyText"), str):
        return "resource-policy"
    attributes = data.get("Attributes")
    if isinstance(attributes, dict) and "Policy" in attributes:
        return "resource-attributes"
    return None


def _file_name(path: object) -> str:
    """`path` as a file name; `World.load(None)` is bad input (`file.path`), not a crash."""
    try:
        name = os.fspath(path)  # type: ignore[call-overload]
    except TypeError:
        shown = "None" if path is None else type(path).__name__
        raise WorldError(
            Problem("file.path", "", f"a world file path must be a str or os.PathLike, not {shown}")
        ) from None
    if not isinstance(name, str):
        raise WorldError(
            Problem("file.path", "", "a world file path must be text, not bytes", "decode it first")
        )
    if not name:
        raise WorldError(Problem("file.path", "", "the world file path is empty"))
    if "\x00" in name:
        raise WorldError(Problem("file.path", name, "a file name cannot contain a NUL character"))
    return name


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether `data` nests more than `limit` mappings and lists; iterative, shared nodes once."""
    level, depth = [data], 1
    while level:
        if depth > limit:
            return True
        below: dict[int, Any] = {}  # by id: a YAML alias used twice is walked once
        for value in level:
            children = value.values() if isinstance(value, dict) else value
            below.update((id(c), c) for c in children if isinstance(c, dict | list))
        level, depth = list(below.values()), depth + 1
    return False


def _too_deep(name: str) -> WorldError:
    return WorldError(
        Problem("file.syntax", name, f"the document is nested more than {MAX_DEPTH} levels deep")
    )


def _line_column(text: str, pos: int | None) -> tuple[int, int]:
    """1-based line and column of `pos` in `text` (end of `text` when None)."""
    if pos is None:
        pos = len(text)
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column


def _syntax(name: str, line: int, column: int, message: str) -> WorldError:
    return WorldError(Problem("file.syntax", name, message, location=Location(name, line, column)))


class _DuplicateKey(Exception):
    def __init__(self, key: str, pos: int) -> None:
        super().__init__(key)
        self.key = key
        self.pos = pos


# JSONObject, WHITESPACE and scanstring are real but missing from typeshed.
_jd: Any = json.decoder
_js: Any = json.scanner


class _BadToken(Exception):
    """NaN, Infinity or an over-long integer: valid Python, not a world document."""


def _json_decoder() -> json.JSONDecoder:
    """A decoder that rejects duplicate keys, NaN/Infinity (not JSON) and over-long integers."""

    def reject_constant(value: str) -> Any:
        raise _BadToken(value)

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > INT_DIGITS_LIMIT:
            raise _BadToken(digits)
        return int(digits)

    decoder: Any = json.JSONDecoder(parse_constant=reject_constant, parse_int=integer)
    original = _jd.JSONObject

    def parse_object(
        s_and_end: tuple[str, int],
        strict: bool,
        scan_once: Callable[[str, int], tuple[Any, int]],
        object_hook: Any,
        object_pairs_hook: Any,
        memo: Any = None,
    ) -> tuple[dict[str, Any], int]:
        s, start = s_and_end
        pairs, end = original(s_and_end, strict, scan_once, None, list, memo)
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise _DuplicateKey(key, _key_position(s, start, key, scan_once, strict))
            out[key] = value
        return out, end

    # The C scanner ignores `parse_object`; the pure-Python one calls it.
    decoder.parse_object = parse_object
    decoder.scan_once = _js.py_make_scanner(decoder)
    return decoder  # type: ignore[no-any-return]


def _bad_token_position(text: str) -> int:
    """Where the first NaN, Infinity or over-long integer outside a string starts."""
    for match in JSON_BAD_TOKEN.finditer(text):
        if match["bad"]:
            return match.start()
    return 0  # pragma: no cover - the decoder only rejects what the pattern finds


def _key_position(
    s: str, start: int, key: str, scan_once: Callable[[str, int], tuple[Any, int]], strict: bool
) -> int:
    """Where the second `key` of the (already valid) object opened at `start - 1` begins."""
    ws = _jd.WHITESPACE.match
    seen = False
    pos = start
    while True:
        pos = ws(s, pos).end()
        if s[pos] != '"':
            return start - 1
        key_pos = pos
        name, pos = _jd.scanstring(s, pos + 1, strict)
        if name == key:
            if seen:
                return int(key_pos)
            seen = True
        pos = ws(s, pos).end() + 1  # past ':'
        pos = ws(s, pos).end()
        _, pos = scan_once(s, pos)
        pos = ws(s, pos).end()
        if s[pos] != ",":
            return start - 1
        pos += 1


class _Refused(Exception):
    """The fast JSON reader met something to refuse; the careful one says where and why."""


def _refuse_constant(value: str) -> Any:
    raise _Refused(value)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Refused("duplicate key")
    return out


# The C scanner with two hooks: pairs (to see duplicate keys) and constants (NaN, Infinity).
# An integer past CPython's digit limit makes it raise ValueError.
_FAST_JSON: Any = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_constant=_refuse_constant)


def _load_json(text: str, name: str) -> Any:
    """Read JSON with the C scanner; only when it refuses the text, read it again with the
    careful (pure Python) decoder, which finds the line and column of the problem.

    The careful decoder alone took about 40 times what `json.load` takes on a large world.
    """
    try:
        return _FAST_JSON.decode(text)
    except (_Refused, ValueError, RecursionError):
        return _load_json_carefully(text, name)


def _load_json_carefully(text: str, name: str) -> Any:
    try:
        return _json_decoder().decode(text)
    except _DuplicateKey as exc:
        line, column = _line_column(text, exc.pos)
        raise _syntax(name, line, column, f"duplicate key {json.dumps(exc.key)}") from None
    except json.JSONDecodeError as exc:
        raise _syntax(name, exc.lineno, exc.colno, exc.msg) from None
    except _BadToken as exc:
        token = str(exc)
        line, column = _line_column(text, _bad_token_position(text))
        if token.lstrip("-")[:1].isdigit():
            digits = len(token.lstrip("-"))
            message = f"number too long ({digits} digits; at most {INT_DIGITS_LIMIT})"
        else:
            message = f"{token} is not valid JSON"
        raise _syntax(name, line, column, message) from None
    except RecursionError:
        raise _too_deep(name) from None


def _load_toml(text: str, name: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = TOML_POSITION.match(message)
        if match:
            raise _syntax(name, int(match["line"]), int(match["column"]), match["msg"]) from None
        message = message.replace(" (at end of document)", "")
        line, column = _line_column(text, None)
        raise _syntax(name, line, column, message) from None
    except RecursionError:
        raise _too_deep(name) from None
    except ValueError as exc:  # an integer longer than CPython reads: tomllib lets it through
        long_number = TOML_LONG_NUMBER.search(text)
        if long_number is None:
            raise WorldError(Problem("file.syntax", name, str(exc))) from None
        line, column = _line_column(text, long_number.start())
        message = f"number too long (at most {INT_DIGITS_LIMIT} digits)"
        raise _syntax(name, line, column, message) from None


def _dates_as_text(value: Any) -> Any:
    """TOML reads `Version = 2012-10-17` as a date; a world document only holds text there."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


class _WorldConstructing:
    """PyYAML's constructor, with a value that does not fit its tag as a marked error (a
    mixin of both world loaders, on PyYAML's parser and on libyaml's)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's constructor, with a value that does not fit its tag as a marked error.

        `!!int x`, `!!bool x`, `!!float ` (empty), `!!timestamp 2020-13-45` or `!!map [a]`
        make PyYAML's own constructors raise ValueError, KeyError, IndexError,
        AttributeError or TypeError, without a position; here they become a
        `ConstructorError` at the node.
        """
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[misc]
        except (ValueError, LookupError, AttributeError, TypeError, ArithmeticError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, _misfit(node, exc), node.start_mark
            ) from None


class _WorldYamlLoader(_WorldConstructing, yaml.SafeLoader):
    """`yaml.SafeLoader` that rejects duplicate keys and keeps dates as text.

    Unquoted `Version: 2012-10-17` would otherwise become a `datetime.date`.
    """


_WorldYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _misfit(node: yaml.Node, exc: Exception) -> str:
    """Why a tagged YAML value could not be read: the tag, the value and the reason."""
    tag = str(node.tag)
    shown = "!!" + tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag
    if isinstance(node, yaml.ScalarNode):
        value = json.dumps(node.value)
        value = value if len(value) <= 60 else value[:57] + "..."
        # Only a date's own complaint says more than the tag does ("month must be in 1..12").
        reason = str(exc) if shown == "!!timestamp" and isinstance(exc, ValueError) else ""
        return f"{value} is not a valid {shown} value" + (f" ({reason})" if reason else "")
    kind = "a sequence" if isinstance(node, yaml.SequenceNode) else "a mapping"
    return f"{kind} cannot be tagged {shown}"


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in out
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found unhashable key",
                key_node.start_mark,
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """An int as YAML 1.1 reads it; one written otherwise (`011111111111`) keeps its text."""
    text = loader.construct_scalar(node)
    if len(text) > INT_DIGITS_LIMIT:
        raise yaml.constructor.ConstructorError(
            None, None, f"number too long (at most {INT_DIGITS_LIMIT} digits)", node.start_mark
        )
    value = loader.construct_yaml_int(node)
    return value if str(value) == text else _YamlInt(value, text)


_WorldYamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_WorldYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _fast_yaml_loader() -> type[yaml.SafeLoader] | None:
    """`_WorldYamlLoader`'s constructors and resolvers on libyaml's parser (PyYAML's
    `CSafeLoader`), about six times faster; None when PyYAML was built without libyaml.

    It leaves out `_WorldConstructing`, which only words a misfit value's error: any error
    here sends the text to the careful reader, which words it."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:  # pragma: no cover - the wheels of PyYAML ship libyaml
        return None
    loader: Any = type(
        "_FastWorldYamlLoader",
        (base,),
        {
            "yaml_implicit_resolvers": _WorldYamlLoader.yaml_implicit_resolvers,
            "yaml_constructors": _WorldYamlLoader.yaml_constructors,
            "__doc__": "`_WorldYamlLoader` on libyaml's parser.",
        },
    )
    return loader  # type: ignore[no-any-return]


_FAST_YAML = _fast_yaml_loader()


def _load_yaml(text: str, name: str) -> Any:
    """Read YAML with libyaml's parser; only when it refuses the text, read it again with
    PyYAML's own (pure Python) reader, whose errors `_load_yaml_carefully` words with their
    line and column as they always were."""
    if _FAST_YAML is not None:
        fast = _FAST_YAML(text)
        try:
            return fast.get_single_data()
        except Exception:
            # Whatever the fast reader refuses (PyYAML's constructors raise ValueError,
            # AttributeError, … on a misfit value), the careful reader below refuses too,
            # and says where and why.
            pass
        finally:
            fast.dispose()
    return _load_yaml_carefully(text, name)


def _load_yaml_carefully(text: str, name: str) -> Any:
    loader = None
    try:
        loader = _WorldYamlLoader(text)  # reading starts here: a NUL fails already
        return loader.get_single_data()
    except ValueError as exc:
        # PyYAML's scanner lets `chr()` fail on an escape past U+10FFFF ("\U001e9991"); it
        # stopped at the escape's first hex digit, two characters after its backslash.
        if loader is None:  # pragma: no cover - the reader raises only ReaderError
            raise WorldError(Problem("file.syntax", name, f"invalid YAML ({exc})")) from None
        stop = loader.get_mark()
        if "chr()" in str(exc):
            column = max(stop.column - 1, 1)
            message = "the \\U escape names a code point past U+10FFFF"
            raise _syntax(name, stop.line + 1, column, message) from None
        raise _syntax(name, stop.line + 1, stop.column + 1, f"invalid YAML ({exc})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise WorldError(Problem("file.syntax", name, message)) from None
        raise _syntax(name, mark.line + 1, mark.column + 1, message) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as NUL
        line, column = _line_column(text, exc.position)
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise _syntax(name, line, column, f"character {char} is not allowed in YAML") from None
    except yaml.YAMLError as exc:
        raise WorldError(Problem("file.syntax", name, str(exc))) from None
    except RecursionError:
        raise _too_deep(name) from None
    finally:
        if loader is not None:
            loader.dispose()
