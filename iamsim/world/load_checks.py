"""Value checks shared by every part of a world document (and aws_export): names, tags, policies."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard

from iamsim.errors import PolicyError, Problem, did_you_mean, join_path
from iamsim.model import Policy, PolicyKind
from iamsim.world.names import ACCOUNT_ID, IAM_NAME, IAM_PATH, PLAIN_KEY, POLICY_ARN

# Length limits of IAM names (CreateUser, CreateGroup, CreateRole, CreatePolicy).
_NAME_LIMITS = {"user": 64, "group": 128, "role": 64, "policy": 128}

_MAX_TAGS, _MAX_TAG_KEY, _MAX_TAG_VALUE = 50, 128, 256


class _YamlInt(int):
    """An int YAML read from other digits than it prints: `011111111111` is octal in YAML 1.1.

    It remembers the text as written, so that problems show what the user typed.
    """

    text: str

    def __new__(cls, value: int, text: str) -> _YamlInt:
        self = super().__new__(cls, value)
        self.text = text
        return self

    def __getnewargs__(self) -> tuple[int, str]:  # type: ignore[override]
        return int(self), self.text


def _key(path: str, key: Any) -> str:
    """The path of `key` under `path`: `a.b`, or `a["my.bucket"]` when the key needs quoting."""
    text = key if isinstance(key, str) else key.text if isinstance(key, _YamlInt) else str(key)
    if PLAIN_KEY.fullmatch(text):
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


def _is_reference(value: Any) -> TypeGuard[str]:
    """A string that is not JSON text: a policy name or ARN rather than a document."""
    return isinstance(value, str) and not value.lstrip().startswith("{")


def _choices(what: str, names: Any) -> str:
    names = sorted(names)
    if not names:
        return f"there are no {what}"
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return f"known {what}: {shown}"


class _Checks:
    """The problems found so far, and the checks of values any section can hold."""

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
        if isinstance(value, _YamlInt):
            self.add(
                "account.id",
                path,
                f"YAML read the account ID {value.text} as the number {int(value)}",
                f'quote it: "{value.text}"',
            )
            return None
        if isinstance(value, int) and not isinstance(value, bool) and 10**11 <= value < 10**12:
            return str(value)
        if isinstance(value, str) and ACCOUNT_ID.fullmatch(value):
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
        if not name or len(name) > limit or not IAM_NAME.fullmatch(name):
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
        if len(text) > 512 or not IAM_PATH.fullmatch(text):
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
        if isinstance(value, _YamlInt):
            return value.text
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

    def check_document_type(self, doc: Any, path: str) -> bool:
        """Whether `doc` can be a policy document (a mapping or JSON text); a problem if not."""
        if isinstance(doc, str | Mapping):
            return True
        self.add(
            "value.type",
            path,
            f"a policy document must be a mapping or JSON text, not {_type_name(doc)}",
        )
        return False

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
        if _is_reference(value):
            if value.startswith("arn:"):
                if not POLICY_ARN.fullmatch(value):
                    self.add(
                        "policy.reference",
                        path,
                        f"malformed policy ARN {_short(value)}",
                        "a policy ARN looks like arn:aws:iam::aws:policy/ReadOnlyAccess",
                    )
                    return None
            elif not value or len(value) > 128 or not IAM_NAME.fullmatch(value):
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
