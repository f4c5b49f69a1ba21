"""World documents (JSON, YAML, TOML) → accounts and organization, every problem with its path.

`read_world_file` turns a file into plain data and reports syntax errors with a
line and column; `parse_world` checks that data against the contract of
`WORLD.md` and builds the frozen model. Both collect every problem before
raising one `WorldError`, and nothing is built unless the whole document is
sound (nothing half-loads).

Policy references (names of an account's `policies`, ARNs) are only checked for
their form here; the `World` resolves them.
"""

from __future__ import annotations

import datetime
import json
import json.decoder
import json.scanner
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from iamsim.errors import PolicyError, Problem, WorldError, did_you_mean, join_path
from iamsim.model import Policy, PolicyKind
from iamsim.world.model import Account, Group, Organization, OrgUnit, Resource, Role, User

__all__ = [
    "AWS_MANAGED_RCP",
    "AWS_MANAGED_SCP",
    "SUPPORTED_EXTENSIONS",
    "parse_world",
    "read_world_file",
]

SUPPORTED_EXTENSIONS = (".json", ".yaml", ".yml", ".toml")

AWS_MANAGED_SCP = "FullAWSAccess"
"""AWS's default SCP; the library ships its document, so it need not be listed."""

AWS_MANAGED_RCP = "RCPFullAWSAccess"
"""AWS's implicit RCP at every level; the library ships its document."""


# --------------------------------------------------------------------------- files


def read_world_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a world document as plain data; the format follows the file extension.

    Raise `WorldError` for an unsupported extension, an unreadable file, a syntax
    error (`<file>: line L, column C: message`), a duplicate key, or a document
    whose top level is not a mapping.
    """
    file = Path(path)
    name = str(path)
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
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise WorldError(
            Problem("file.unreadable", name, f"cannot read the file: {exc.strerror or exc}")
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw[: exc.start].decode("utf-8", "replace"), None)
        raise WorldError(
            Problem("file.syntax", name, f"line {line}, column {column}: not UTF-8 text")
        ) from None

    if ext == ".json":
        data = _load_json(text, name)
    elif ext == ".toml":
        data = _load_toml(text, name)
    else:
        data = _load_yaml(text, name)
    if not isinstance(data, dict):
        raise WorldError(
            Problem(
                "value.type",
                name,
                f"a world document must be a mapping at the top level, not {_type_name(data)}",
            )
        )
    return data


def _line_column(text: str, pos: int | None) -> tuple[int, int]:
    """1-based line and column of `pos` in `text` (end of `text` when None)."""
    if pos is None:
        pos = len(text)
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column


def _syntax(name: str, line: int, column: int, message: str) -> WorldError:
    return WorldError(Problem("file.syntax", name, f"line {line}, column {column}: {message}"))


class _DuplicateKey(Exception):
    def __init__(self, key: str, pos: int) -> None:
        super().__init__(key)
        self.key = key
        self.pos = pos


# JSONObject, WHITESPACE and scanstring are real but missing from typeshed.
_jd: Any = json.decoder
_js: Any = json.scanner


def _json_decoder() -> json.JSONDecoder:
    """A decoder that rejects duplicate keys (and NaN/Infinity, which are not JSON)."""

    def reject_constant(value: str) -> Any:
        raise ValueError(f"{value} is not valid JSON")

    decoder: Any = json.JSONDecoder(parse_constant=reject_constant)
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


def _load_json(text: str, name: str) -> Any:
    try:
        return _json_decoder().decode(text)
    except _DuplicateKey as exc:
        line, column = _line_column(text, exc.pos)
        raise _syntax(name, line, column, f"duplicate key {json.dumps(exc.key)}") from None
    except json.JSONDecodeError as exc:
        raise _syntax(name, exc.lineno, exc.colno, exc.msg) from None
    except ValueError as exc:  # NaN / Infinity
        raise WorldError(Problem("file.syntax", name, str(exc))) from None
    except RecursionError:
        raise WorldError(
            Problem("file.syntax", name, "the document is nested too deeply")
        ) from None


_TOML_POSITION = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def _load_toml(text: str, name: str) -> Any:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.match(message)
        if match:
            raise _syntax(name, int(match["line"]), int(match["column"]), match["msg"]) from None
        message = message.replace(" (at end of document)", "")
        line, column = _line_column(text, None)
        raise _syntax(name, line, column, message) from None
    return _dates_as_text(data)


def _dates_as_text(value: Any) -> Any:
    """TOML reads `Version = 2012-10-17` as a date; a world document only holds text there."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


class _WorldYamlLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that rejects duplicate keys and keeps dates as text.

    Unquoted `Version: 2012-10-17` would otherwise become a `datetime.date`.
    """


_WorldYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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


_WorldYamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_WorldYamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise WorldError(Problem("file.syntax", name, message)) from None
        raise _syntax(name, mark.line + 1, mark.column + 1, message) from None
    except yaml.YAMLError as exc:
        raise WorldError(Problem("file.syntax", name, str(exc))) from None
    except RecursionError:
        raise WorldError(
            Problem("file.syntax", name, "the document is nested too deeply")
        ) from None


# --------------------------------------------------------------------------- rules

_ACCOUNT_ID = re.compile(r"\d{12}")
_ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
# IAM names: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
_IAM_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")
# IAM paths: `/` or `/a/b/`, printable ASCII, at most 512 characters (IAM API `path` type).
_IAM_PATH = re.compile(r"/|/[\x21-\x7e]+/")
# Account aliases: 3-63 lowercase letters, digits and hyphens, not starting/ending with `-`.
_ALIAS = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]")
_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):(?P<service>[a-z0-9][a-z0-9-]*):(?P<region>[a-z0-9-]*):"
    r"(?P<account>[^:]*):(?P<resource>.+)",
    re.DOTALL,
)
_POLICY_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::(?:aws|\d{12}):policy/(?:[\x21-\x7e]*/)?[^/]+")

# Length limits of IAM names (CreateUser, CreateGroup, CreateRole, CreatePolicy).
_NAME_LIMITS = {"user": 64, "group": 128, "role": 64, "policy": 128}

_MIN_SESSION, _MAX_SESSION = 3600, 43200  # CreateRole MaxSessionDuration
_MAX_TAGS, _MAX_TAG_KEY, _MAX_TAG_VALUE = 50, 128, 256
_MAX_DESCRIPTION = 1000  # CreateRole Description

_TOP_KEYS = ("organization", "accounts")
_ORG_KEYS = ("id", "management_account", "policies", "root")
_OU_KEYS = ("scps", "rcps", "accounts", "ous")
_ACCOUNT_KEYS = ("alias", "scps", "rcps", "policies", "users", "groups", "roles", "resources")
_USER_KEYS = ("path", "policies", "groups", "permissions_boundary", "tags")
_GROUP_KEYS = ("path", "policies")
_ROLE_KEYS = (
    "path",
    "trust_policy",
    "policies",
    "permissions_boundary",
    "max_session_duration",
    "tags",
    "description",
)
_RESOURCE_KEYS = ("policy", "tags", "aws_managed")

_PLAIN_KEY = re.compile(r"[^.\[\]\"\s]+")


def _key(path: str, key: Any) -> str:
    """The path of `key` under `path`: `a.b`, or `a["my.bucket"]` when the key needs quoting."""
    text = key if isinstance(key, str) else str(key)
    if _PLAIN_KEY.fullmatch(text):
        return join_path(path, text)
    return join_path(path, f"[{json.dumps(text)}]")


def _index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Parser:
    """One pass over a world document, collecting problems; builds only when clean."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    # ----------------------------------------------------------------- helpers

    def add(self, code: str, path: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(code, path, message, hint))

    def expect_mapping(self, value: Any, path: str, what: str) -> Mapping[Any, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.add("value.type", path, f"{what} must be a mapping, not {_type_name(value)}")
        return None

    def optional_mapping(self, value: Any, path: str, what: str) -> Mapping[Any, Any]:
        """An optional section: absent or null means empty."""
        if value is None:
            return {}
        return self.expect_mapping(value, path, what) or {}

    def check_keys(
        self, mapping: Mapping[Any, Any], allowed: tuple[str, ...], path: str, what: str
    ) -> None:
        for key in mapping:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed) or "allowed keys: " + ", ".join(allowed)
                self.add("key.unknown", _key(path, key), f"unknown key in {what}", hint)

    def items(self, mapping: Mapping[Any, Any], path: str, what: str) -> Iterator[tuple[str, Any]]:
        """The entries of a name-keyed mapping whose keys are strings."""
        for key, value in mapping.items():
            if isinstance(key, str):
                yield key, value
            else:
                self.add(
                    "value.type", _key(path, key), f"{what} must be a string, not {_type_name(key)}"
                )

    def string(self, value: Any, path: str, what: str) -> str | None:
        if isinstance(value, str):
            return value
        self.add("value.type", path, f"{what} must be a string, not {_type_name(value)}")
        return None

    def string_list(self, value: Any, path: str, what: str) -> list[tuple[str, str]] | None:
        """A list of strings as `(path, value)` pairs; None (with a problem) if not a list."""
        if not isinstance(value, list | tuple):
            self.add("value.type", path, f"{what} must be a list, not {_type_name(value)}")
            return None
        out: list[tuple[str, str]] = []
        for i, item in enumerate(value):
            text = self.string(item, _index(path, i), f"each item of {what}")
            if text is not None:
                out.append((_index(path, i), text))
        return out

    def account_id(self, value: Any, path: str) -> str | None:
        """A 12-digit account id; YAML may give an unquoted id as a 12-digit int."""
        if isinstance(value, int) and not isinstance(value, bool) and 10**11 <= value < 10**12:
            return str(value)
        if isinstance(value, str) and _ACCOUNT_ID.fullmatch(value):
            return value
        hint = None
        if isinstance(value, int) and not isinstance(value, bool):
            hint = "quote account IDs: an unquoted number loses its leading zeros"
        self.add(
            "account.id",
            path,
            f"an account ID must be a string of 12 digits, not {_short(value)}",
            hint,
        )
        return None

    def iam_name(self, name: str, path: str, kind: str) -> None:
        limit = _NAME_LIMITS[kind]
        if not name or len(name) > limit or not _IAM_NAME.fullmatch(name):
            self.add(
                "name.invalid",
                path,
                f"invalid {kind} name {_short(name)}",
                f"IAM {kind} names are 1-{limit} characters of letters, digits and _+=,.@-",
            )

    def unique_names(self, names: list[tuple[str, str]], kind: str) -> None:
        """IAM names are unique in their account regardless of case (CreateUser, CreateRole…)."""
        seen: dict[str, str] = {}
        for path, name in names:
            first = seen.setdefault(name.lower(), name)
            if first != name:
                self.add(
                    "name.duplicate",
                    path,
                    f"{kind} name {_short(name)} differs from {kind} {_short(first)} only by case",
                    "IAM names are not distinguished by case; each must be unique in its account",
                )

    def iam_path(self, value: Any, path: str) -> str:
        if value is None:
            return "/"
        text = self.string(value, path, "path")
        if text is None:
            return "/"
        if len(text) > 512 or not _IAM_PATH.fullmatch(text):
            self.add(
                "path.invalid",
                path,
                f"invalid IAM path {_short(text)}",
                "a path is `/` or starts and ends with `/`, like `/teams/dev/`",
            )
            return "/"
        return text

    def tags(self, value: Any, path: str) -> tuple[tuple[str, str], ...]:
        mapping = self.optional_mapping(value, path, "tags")
        out: list[tuple[str, str]] = []
        for raw_key, raw_value in mapping.items():
            where = _key(path, raw_key)
            key = self.tag_text(raw_key, where, "a tag key")
            text = self.tag_text(raw_value, where, "a tag value")
            if key is None or text is None:
                continue
            if not key or len(key) > _MAX_TAG_KEY:
                self.add("tag.invalid", where, f"a tag key must be 1-{_MAX_TAG_KEY} characters")
            elif key.lower().startswith("aws:"):
                self.add("tag.invalid", where, "tag keys starting with `aws:` are reserved by AWS")
            if len(text) > _MAX_TAG_VALUE:
                self.add(
                    "tag.invalid", where, f"a tag value must be at most {_MAX_TAG_VALUE} characters"
                )
            out.append((key, text))
        if len(out) > _MAX_TAGS:
            self.add("tag.invalid", path, f"{len(out)} tags; AWS allows at most {_MAX_TAGS}")
        return tuple(out)

    def tag_text(self, value: Any, path: str, what: str) -> str | None:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, str):
            return value
        hint = 'write "" for an empty value' if value is None else None
        self.add("value.type", path, f"{what} must be a string, not {_type_name(value)}", hint)
        return None

    # ----------------------------------------------------------------- policies

    def document(self, value: Any, path: str, kind: PolicyKind | None) -> Policy | None:
        """A policy document (dict or JSON text); its problems re-rooted at `path`."""
        try:
            return Policy.from_json(value, kind=kind)
        except PolicyError as exc:
            self.problems.extend(p.under(path) for p in exc.problems)
        except RecursionError:
            self.add("policy.too_deep", path, "the policy document is nested too deeply")
        return None

    def policy_item(self, value: Any, path: str, kind: PolicyKind) -> Policy | str | None:
        """An inline document, a name of the account's `policies`, or a policy ARN."""
        if isinstance(value, str) and not value.lstrip().startswith("{"):
            if value.startswith("arn:"):
                if not _POLICY_ARN.fullmatch(value):
                    self.add(
                        "policy.reference",
                        path,
                        f"malformed policy ARN {_short(value)}",
                        "a policy ARN looks like arn:aws:iam::aws:policy/ReadOnlyAccess",
                    )
                    return None
            elif not value or len(value) > 128 or not _IAM_NAME.fullmatch(value):
                self.add(
                    "policy.reference",
                    path,
                    f"{_short(value)} is neither a policy name nor a policy ARN",
                    "a policy item is a document, a name from this account's `policies`, "
                    "or a policy ARN",
                )
                return None
            return value
        if isinstance(value, str | Mapping):
            return self.document(value, path, kind)
        self.add(
            "value.type",
            path,
            f"a policy must be a document, a policy name or an ARN, not {_type_name(value)}",
        )
        return None

    def policy_list(self, value: Any, path: str, kind: PolicyKind) -> tuple[Policy | str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            hint = None
            if isinstance(value, Mapping) and "Statement" in value:
                hint = "write the document as the only item of a list"
            elif isinstance(value, str):
                hint = f"write [{_short(value)}]"
            self.add("value.type", path, f"policies must be a list, not {_type_name(value)}", hint)
            return ()
        out: list[Policy | str] = []
        for i, item in enumerate(value):
            parsed = self.policy_item(item, _index(path, i), kind)
            if parsed is not None:
                out.append(parsed)
        return tuple(out)

    # ----------------------------------------------------------------- world

    def world(self, doc: Any) -> tuple[tuple[Account, ...], Organization | None]:
        if not isinstance(doc, Mapping):
            self.add("value.type", "", f"a world document must be a mapping, not {_type_name(doc)}")
            return (), None
        self.check_keys(doc, _TOP_KEYS, "", "the world document")
        accounts = self.accounts(doc.get("accounts"))
        org_doc = doc.get("organization")
        organization = None
        if org_doc is not None:
            organization = self.organization(org_doc, accounts)
        for account_id, (path, body) in accounts.items():
            for field in ("scps", "rcps"):
                if body.get(field) is None or (org_doc is not None and organization is None):
                    continue  # nothing attached, or the organization itself is malformed
                if organization is None or account_id not in organization.members:
                    self.add(
                        "account.outside_organization",
                        join_path(path, field),
                        f"account {account_id} is not in the organization, so no "
                        f"{field[:-1].upper()} can be attached to it",
                        "list the account under organization.root or one of its OUs",
                    )
        built = tuple(
            self.account(account_id, path, body) for account_id, (path, body) in accounts.items()
        )
        self.duplicate_resources(built, accounts)
        org = organization.build(self) if organization is not None else None
        return tuple(a for a in built if a is not None), org

    def accounts(self, value: Any) -> dict[str, tuple[str, Mapping[Any, Any]]]:
        """Account id → (path, body) for every well-formed entry of `accounts`."""
        mapping = self.optional_mapping(value, "accounts", "accounts")
        out: dict[str, tuple[str, Mapping[Any, Any]]] = {}
        for key, body in mapping.items():
            path = _key("accounts", key)
            account_id = self.account_id(key, path)
            if account_id is None:
                continue
            if account_id in out:  # YAML `111111111111` and `"111111111111"`
                self.add("account.duplicate", path, f"account {account_id} is listed twice")
                continue
            out[account_id] = (path, self.optional_mapping(body, path, "an account"))
        return out

    def account(self, account_id: str, path: str, body: Mapping[Any, Any]) -> Account | None:
        self.check_keys(body, _ACCOUNT_KEYS, path, "an account")
        alias = body.get("alias")
        if alias is not None:
            alias = self.string(alias, join_path(path, "alias"), "alias")
            if alias is not None and not _ALIAS.fullmatch(alias):
                self.add(
                    "account.alias",
                    join_path(path, "alias"),
                    f"invalid account alias {_short(alias)}",
                    "an alias is 3-63 lowercase letters, digits and hyphens, "
                    "not starting or ending with a hyphen",
                )
                alias = None

        policies: list[tuple[str, Policy]] = []
        names: list[tuple[str, str]] = []
        section = join_path(path, "policies")
        for name, doc in self.items(
            self.optional_mapping(body.get("policies"), section, "policies"),
            section,
            "a policy name",
        ):
            where = _key(section, name)
            self.iam_name(name, where, "policy")
            names.append((where, name))
            if not isinstance(doc, str | Mapping):
                self.add(
                    "value.type",
                    where,
                    f"a policy document must be a mapping or JSON text, not {_type_name(doc)}",
                )
                continue
            parsed = self.document(doc, where, "identity")
            if parsed is not None:
                policies.append((name, parsed))
        self.unique_names(names, "policy")

        groups = self.entities(body, path, "groups", "group", self.group, account_id)
        group_names = {g.name for g in groups}
        users = self.entities(body, path, "users", "user", self.user, account_id, group_names)
        roles = self.entities(body, path, "roles", "role", self.role, account_id)
        resources = self.resources(body.get("resources"), join_path(path, "resources"), account_id)
        return Account(
            id=account_id,
            alias=alias,
            policies=tuple(policies),
            users=tuple(users),
            groups=tuple(groups),
            roles=tuple(roles),
            resources=tuple(resources),
        )

    def entities(
        self,
        body: Mapping[Any, Any],
        path: str,
        section: str,
        kind: str,
        build: Callable[..., Any],
        *args: Any,
    ) -> list[Any]:
        where = join_path(path, section)
        out: list[Any] = []
        names: list[tuple[str, str]] = []
        for name, value in self.items(
            self.optional_mapping(body.get(section), where, section), where, f"a {kind} name"
        ):
            entity_path = _key(where, name)
            self.iam_name(name, entity_path, kind)
            names.append((entity_path, name))
            entity_body = self.optional_mapping(value, entity_path, f"a {kind}")
            entity = build(name, entity_path, entity_body, *args)
            if entity is not None:
                out.append(entity)
        self.unique_names(names, kind)
        return out

    def user(
        self, name: str, path: str, body: Mapping[Any, Any], account_id: str, group_names: set[str]
    ) -> User | None:
        self.check_keys(body, _USER_KEYS, path, "a user")
        iam_path = self.iam_path(body.get("path"), join_path(path, "path"))
        policies = self.policy_list(body.get("policies"), join_path(path, "policies"), "identity")
        groups: list[str] = []
        if body.get("groups") is not None:
            where = join_path(path, "groups")
            for item_path, group in self.string_list(body["groups"], where, "groups") or []:
                if group in group_names:
                    groups.append(group)
                else:
                    self.add(
                        "group.unknown",
                        item_path,
                        f"account {account_id} has no group {_short(group)}",
                        did_you_mean(group, group_names) or _choices("groups", group_names),
                    )
        boundary = self.boundary(body.get("permissions_boundary"), path)
        tags = self.tags(body.get("tags"), join_path(path, "tags"))
        return User(
            arn=f"arn:aws:iam::{account_id}:user{iam_path}{name}",
            policies=policies,
            groups=tuple(groups),
            permissions_boundary=boundary,
            tags=tags,
        )

    def group(self, name: str, path: str, body: Mapping[Any, Any], account_id: str) -> Group:
        self.check_keys(body, _GROUP_KEYS, path, "a group")
        iam_path = self.iam_path(body.get("path"), join_path(path, "path"))
        policies = self.policy_list(body.get("policies"), join_path(path, "policies"), "identity")
        return Group(arn=f"arn:aws:iam::{account_id}:group{iam_path}{name}", policies=policies)

    def role(self, name: str, path: str, body: Mapping[Any, Any], account_id: str) -> Role | None:
        self.check_keys(body, _ROLE_KEYS, path, "a role")
        iam_path = self.iam_path(body.get("path"), join_path(path, "path"))
        trust: Policy | str | None = None
        if body.get("trust_policy") is None:
            self.add(
                "key.missing",
                join_path(path, "trust_policy"),
                "a role needs a trust policy",
                "add `trust_policy: {...}`",
            )
        else:
            trust = self.policy_item(body["trust_policy"], join_path(path, "trust_policy"), "trust")
            if isinstance(trust, str):
                # A trust policy is part of the role itself: AWS has no managed trust policy.
                self.add(
                    "value.type",
                    join_path(path, "trust_policy"),
                    "a trust policy must be a document, not a reference to a managed policy",
                )
                trust = None
        policies = self.policy_list(body.get("policies"), join_path(path, "policies"), "identity")
        boundary = self.boundary(body.get("permissions_boundary"), path)
        duration = _MIN_SESSION
        raw = body.get("max_session_duration")
        if raw is not None:
            where = join_path(path, "max_session_duration")
            if not isinstance(raw, int) or isinstance(raw, bool):
                self.add(
                    "value.type",
                    where,
                    f"max_session_duration must be a number of seconds, not {_type_name(raw)}",
                )
            elif not _MIN_SESSION <= raw <= _MAX_SESSION:
                self.add(
                    "value.range",
                    where,
                    f"max_session_duration {raw} is outside {_MIN_SESSION}..{_MAX_SESSION}",
                    "AWS allows 1 to 12 hours, in seconds",
                )
            else:
                duration = raw
        description = body.get("description")
        if description is not None:
            where = join_path(path, "description")
            text = self.string(description, where, "description")
            if text is not None and len(text) > _MAX_DESCRIPTION:
                self.add(
                    "value.range",
                    where,
                    f"a role description is at most {_MAX_DESCRIPTION} characters",
                )
        tags = self.tags(body.get("tags"), join_path(path, "tags"))
        if trust is None:
            return None
        return Role(
            arn=f"arn:aws:iam::{account_id}:role{iam_path}{name}",
            trust_policy=trust,
            policies=policies,
            permissions_boundary=boundary,
            max_session_duration=duration,
            tags=tags,
        )

    def boundary(self, value: Any, path: str) -> Policy | str | None:
        if value is None:
            return None
        return self.policy_item(value, join_path(path, "permissions_boundary"), "boundary")

    def resources(self, value: Any, path: str, account_id: str) -> list[Resource]:
        out: list[Resource] = []
        for arn, raw in self.items(
            self.optional_mapping(value, path, "resources"), path, "a resource ARN"
        ):
            where = _key(path, arn)
            body = self.optional_mapping(raw, where, "a resource")
            self.check_keys(body, _RESOURCE_KEYS, where, "a resource")
            match = _ARN.fullmatch(arn)
            owner = account_id
            if match is None:
                self.add(
                    "resource.arn",
                    where,
                    f"malformed resource ARN {_short(arn)}",
                    "an ARN looks like arn:aws:service:region:account:resource",
                )
            elif match["account"]:
                if not _ACCOUNT_ID.fullmatch(match["account"]):
                    self.add(
                        "resource.arn",
                        where,
                        f"the account field {_short(match['account'])} of the ARN is not 12 digits",
                    )
                elif match["account"] != account_id:
                    self.add(
                        "resource.account",
                        where,
                        f"the resource belongs to account {match['account']} (its ARN says "
                        f"so) but is listed under account {account_id}",
                        f"move it under accounts.{match['account']}.resources",
                    )
            policy = None
            if body.get("policy") is not None:
                doc = body["policy"]
                if isinstance(doc, str | Mapping) and not (
                    isinstance(doc, str) and not doc.lstrip().startswith("{")
                ):
                    policy = self.document(doc, join_path(where, "policy"), "resource")
                else:
                    self.add(
                        "value.type",
                        join_path(where, "policy"),
                        "a resource policy must be a document (a mapping or JSON text), "
                        f"not {_type_name(doc)}",
                    )
            aws_managed = body.get("aws_managed", False)
            if not isinstance(aws_managed, bool):
                self.add(
                    "value.type",
                    join_path(where, "aws_managed"),
                    f"aws_managed must be true or false, not {_type_name(aws_managed)}",
                )
                aws_managed = False
            elif aws_managed and match is not None and match["service"] != "kms":
                self.add(
                    "resource.aws_managed",
                    join_path(where, "aws_managed"),
                    "only KMS keys can be AWS managed",
                )
            tags = self.tags(body.get("tags"), join_path(where, "tags"))
            out.append(
                Resource(arn=arn, account=owner, policy=policy, tags=tags, aws_managed=aws_managed)
            )
        return out

    def duplicate_resources(
        self, built: tuple[Account | None, ...], accounts: dict[str, tuple[str, Mapping[Any, Any]]]
    ) -> None:
        """A resource has one owner: the same ARN under two accounts is an error."""
        owners: dict[str, str] = {}
        for account in built:
            if account is None:
                continue
            for resource in account.resources:
                match = _ARN.fullmatch(resource.arn)
                if match is None or (match["account"] and match["account"] != account.id):
                    continue  # already reported
                first = owners.setdefault(resource.arn, account.id)
                if first != account.id:
                    where = _key(join_path(accounts[account.id][0], "resources"), resource.arn)
                    self.add(
                        "resource.duplicate",
                        where,
                        f"the resource is also listed under account {first}",
                        "a resource has exactly one owning account",
                    )

    def organization(
        self, value: Any, accounts: dict[str, tuple[str, Mapping[Any, Any]]]
    ) -> _OrgDraft | None:
        body = self.expect_mapping(value, "organization", "organization")
        if body is None:
            return None
        self.check_keys(body, _ORG_KEYS, "organization", "the organization")
        draft = _OrgDraft()
        if "id" not in body:
            self.add(
                "key.missing",
                "organization.id",
                "the organization needs an id",
                "for example `id: o-a1b2c3d4e5`",
            )
        else:
            org_id = self.string(body["id"], "organization.id", "the organization id")
            if org_id is not None and not _ORG_ID.fullmatch(org_id):
                self.add(
                    "organization.id",
                    "organization.id",
                    f"invalid organization id {_short(org_id)}",
                    "an organization id is `o-` and 10-32 lowercase letters or digits",
                )
            draft.id = org_id or ""

        section = "organization.policies"
        for name, doc in self.items(
            self.optional_mapping(body.get("policies"), section, "policies"),
            section,
            "a policy name",
        ):
            where = _key(section, name)
            if not name or len(name) > 128:
                self.add("name.invalid", where, "an organization policy name is 1-128 characters")
            if not isinstance(doc, str | Mapping):
                self.add(
                    "value.type",
                    where,
                    f"a policy document must be a mapping or JSON text, not {_type_name(doc)}",
                )
                continue
            draft.documents[name] = (where, doc)

        if body.get("root") is None:
            self.add(
                "key.missing",
                "organization.root",
                "the organization needs a root",
                "list the accounts under `root: {accounts: [...]}`",
            )
        else:
            draft.root = self.org_unit("Root", body["root"], "organization.root", draft)

        for account_id, (path, account_body) in accounts.items():
            for field, attached in (("scps", draft.account_scps), ("rcps", draft.account_rcps)):
                if account_body.get(field) is not None:
                    names = self.attachments(
                        account_body[field], join_path(path, field), field, draft
                    )
                    if names is not None:
                        attached[account_id] = names

        if "management_account" not in body:
            self.add(
                "key.missing",
                "organization.management_account",
                "the organization needs a management account",
            )
        else:
            where = "organization.management_account"
            management = self.account_id(body["management_account"], where)
            if (
                management is not None
                and draft.root is not None
                and (management not in draft.members)
            ):
                self.add(
                    "organization.management_account",
                    where,
                    f"the management account {management} is not listed in the organization",
                    "add it to organization.root.accounts",
                )
            draft.management = management or ""

        for account_id, where in draft.members.items():
            if account_id not in accounts:
                self.add(
                    "account.unknown",
                    where,
                    f"account {account_id} is in the organization but not under `accounts`",
                    did_you_mean(account_id, accounts)
                    or f'add `"{account_id}": {{}}` under accounts',
                )
        return draft

    def org_unit(self, name: str, value: Any, path: str, draft: _OrgDraft) -> OrgUnit | None:
        body = self.optional_mapping(value, path, "an organizational unit")
        self.check_keys(body, _OU_KEYS, path, "the root" if name == "Root" else "an OU")
        scps = None
        if body.get("scps") is not None:
            scps = self.attachments(body["scps"], join_path(path, "scps"), "scps", draft)
        rcps = None
        if body.get("rcps") is not None:
            rcps = self.attachments(body["rcps"], join_path(path, "rcps"), "rcps", draft)
        members: list[str] = []
        if body.get("accounts") is not None:
            where = join_path(path, "accounts")
            raw = body["accounts"]
            if not isinstance(raw, list | tuple):
                self.add("value.type", where, f"accounts must be a list, not {_type_name(raw)}")
            else:
                for i, item in enumerate(raw):
                    item_path = _index(where, i)
                    account_id = self.account_id(item, item_path)
                    if account_id is None:
                        continue
                    if account_id in draft.members:
                        self.add(
                            "account.duplicate",
                            item_path,
                            f"account {account_id} is already listed at "
                            f"{draft.members[account_id]}",
                            "an account belongs to exactly one OU or the root",
                        )
                        continue
                    draft.members[account_id] = item_path
                    members.append(account_id)
        children: list[OrgUnit] = []
        ous_path = join_path(path, "ous")
        for child, child_body in self.items(
            self.optional_mapping(body.get("ous"), ous_path, "ous"), ous_path, "an OU name"
        ):
            child_path = _key(ous_path, child)
            if not child or len(child) > 128:
                self.add("name.invalid", child_path, "an OU name is 1-128 characters")
            unit = self.org_unit(child, child_body, child_path, draft)
            if unit is not None:
                children.append(unit)
        return OrgUnit(
            name=name, scps=scps, rcps=rcps or (), accounts=tuple(members), children=tuple(children)
        )

    def attachments(
        self, value: Any, path: str, field: str, draft: _OrgDraft
    ) -> tuple[str, ...] | None:
        """SCP or RCP names attached at one level; records each name's kind for parsing."""
        items = self.string_list(value, path, field)
        if items is None:
            return None
        kind = field[:-1]  # "scp" / "rcp"
        if kind == "scp" and not value:
            self.add(
                "organization.empty_scps",
                path,
                "scps: [] detaches every SCP",
                "AWS keeps at least one SCP attached to every root, OU and account; "
                "omit `scps` for the default FullAWSAccess",
            )
        builtin = AWS_MANAGED_SCP if kind == "scp" else AWS_MANAGED_RCP
        names: list[str] = []
        for item_path, name in items:
            if name in draft.documents:
                draft.kinds.setdefault(name, {}).setdefault(kind, item_path)
            elif name != builtin:
                self.add(
                    "organization.unknown_policy",
                    item_path,
                    f"no policy {_short(name)} in organization.policies",
                    did_you_mean(name, [*draft.documents, builtin])
                    or _choices("policies", [*draft.documents, builtin]),
                )
                continue
            names.append(name)
        return tuple(names)


class _OrgDraft:
    """What the organization section says, gathered before its policies can be parsed."""

    def __init__(self) -> None:
        self.id = ""
        self.management = ""
        self.root: OrgUnit | None = None
        self.documents: dict[str, tuple[str, Any]] = {}
        self.kinds: dict[str, dict[str, str]] = {}  # name → {"scp"/"rcp": first attachment path}
        self.members: dict[str, str] = {}  # account id → path where the org lists it
        self.account_scps: dict[str, tuple[str, ...]] = {}
        self.account_rcps: dict[str, tuple[str, ...]] = {}

    def build(self, parser: _Parser) -> Organization | None:
        policies: list[tuple[str, Policy]] = []
        for name, (where, doc) in self.documents.items():
            kinds = self.kinds.get(name, {})
            kind: PolicyKind | None = None
            if len(kinds) > 1:
                parser.add(
                    "organization.policy_kind",
                    where,
                    f"policy {_short(name)} is attached both as an SCP (at {kinds['scp']}) "
                    f"and as an RCP (at {kinds['rcp']})",
                    "an organization policy is either a service control policy or a "
                    "resource control policy",
                )
            elif kinds:
                kind = "scp" if "scp" in kinds else "rcp"
            parsed = parser.document(doc, where, kind)
            if parsed is not None:
                policies.append((name, parsed))
        if parser.problems or self.root is None:
            return None
        return Organization(
            id=self.id,
            management_account=self.management,
            root=self.root,
            policies=tuple(policies),
            account_scps=tuple(self.account_scps.items()),
            account_rcps=tuple(self.account_rcps.items()),
        )


def _choices(what: str, names: Any) -> str:
    names = sorted(names)
    if not names:
        return f"there are no {what}"
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return f"known {what}: {shown}"


def parse_world(doc: Mapping[str, Any]) -> tuple[tuple[Account, ...], Organization | None]:
    """Check a world document (see WORLD.md) and build its accounts and organization.

    Every problem in the document is collected, each with its path, before one
    `WorldError` is raised; nothing is returned half-built.
    """
    parser = _Parser()
    accounts, organization = parser.world(doc)
    if parser.problems:
        raise WorldError(_dedupe(parser.problems))
    return accounts, organization


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out: list[Problem] = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out
