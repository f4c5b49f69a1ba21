"""Policy JSON (text, bytes or data) → `Policy`, collecting every problem with its JSON path.

Nothing half-parses: either every element is valid and a `Policy` is returned, or
one `PolicyError` lists every problem found (code, JSON path, message, hint).
No other exception escapes, whatever the input: the checks below only ever look
at a fixed depth of the document, describe wrong values by their type (never by
`repr`, which can recurse or be huge) and treat any Python value as possible.

Grammar: IAM User Guide, "IAM JSON policy element reference" and "Grammar of the
IAM JSON policy language"; SCPs and RCPs: AWS Organizations User Guide, "SCP
syntax" and "RCP syntax". Summarised in /work/shared/reference/aws-evaluation.md §2.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from iamsim.conditions import check_condition
from iamsim.conditions.syntax import parse_template
from iamsim.errors import PolicyError, Problem, did_you_mean, join_path
from iamsim.model import (
    POLICY_KINDS,
    ConditionEntry,
    ConditionScalar,
    Policy,
    PolicyKind,
    Principal,
    Statement,
    StrOrList,
)
from iamsim.patterns import action_problem, arn_problem, principal_problem

__all__ = ["load_json", "parse_policy", "policy_problems"]

VERSIONS: Final = ("2012-10-17", "2008-10-17")
CURRENT_VERSION: Final = "2012-10-17"
TOP_ELEMENTS: Final = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS: Final = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_TYPES: Final = ("AWS", "Service", "Federated", "CanonicalUser")
EFFECTS: Final = ("Allow", "Deny")

# Kinds IAM itself stores and validates. IAM User Guide, "IAM JSON policy elements:
# Sid": "In IAM, the Sid value must be unique within a JSON policy" and "The Sid
# element supports ASCII uppercase letters (A-Z), lowercase letters (a-z), and
# numbers (0-9)". Services with their own policy store (S3, SQS, SNS, KMS…) have
# their own Sid rules (KMS allows spaces), so resource policies are not held to it.
_IAM_STORED: Final = frozenset({"identity", "boundary", "trust", "session"})
# IAM User Guide, "IAM JSON policy grammar" / IAM quotas: policy documents may only
# hold U+0009, U+000A, U+000D and U+0020-U+00FF. Organizations policies follow it.
_CHARSET_LIMITED: Final = _IAM_STORED | {"scp", "rcp"}
_NO_PRINCIPAL: Final = frozenset({"identity", "boundary", "session", "scp"})
_RESOURCE_REQUIRED: Final = frozenset({"identity", "boundary", "session", "scp", "rcp"})
_NEEDS_VERSION_2012: Final = frozenset({"scp", "rcp"})

_KIND_NAMES: Final = {
    "identity": "an identity policy",
    "resource": "a resource policy",
    "trust": "a trust policy",
    "boundary": "a permissions boundary",
    "session": "a session policy",
    "scp": "an SCP",
    "rcp": "an RCP",
}
_SID_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_ALLOWED_CONTROLS: Final = frozenset("\t\n\r")
# Keys that would make a dotted path unreadable are written `prefix["key"]`. Dots are
# left alone: condition keys such as `aws:RequestTag/a.b` stay readable, and the paths
# `check_condition` reports for the same keys (plain `join_path`) agree with ours.
_PATH_SPECIAL: Final = frozenset('[]"') | frozenset(" \t\n\r")
_MAX_NUMBER_DIGITS: Final = 4000  # below CPython's int-from-text limit (4300 digits)
_MAX_INT_BITS: Final = 13_000  # about 3,900 decimal digits: still printable as JSON
_SHOW: Final = 60  # longest quoted value shown in a message


# --------------------------------------------------------------------- JSON text


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


# --------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------- checking


class _Checker:
    """Walks one document, collecting problems and building the model alongside."""

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
        for ch in value:
            if ch in _ALLOWED_CONTROLS or " " <= ch <= "\u00ff":
                continue
            self.add(
                "text.character",
                path,
                f"character U+{ord(ch):04X} is not allowed",
                "IAM policies may contain only tab, line feed, carriage return"
                " and characters U+0020 to U+00FF",
            )
            return

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

    # -- document ----------------------------------------------------------------

    def policy(self, doc: Any) -> Policy | None:
        if not isinstance(doc, Mapping):
            self.add("policy.type", "", f"a policy must be a JSON object, not {_describe(doc)}")
            return None
        self.unknown_keys(doc, "", TOP_ELEMENTS)
        version = self.version_element(doc)
        policy_id = self.id_element(doc)
        statements, is_list = self.statement_element(doc)
        if self.problems or statements is None:
            return None
        return Policy(
            statements=statements, version=version, id=policy_id, statement_is_list=is_list
        )

    def version_element(self, doc: Mapping[Any, Any]) -> str | None:
        if "Version" not in doc:
            if self.kind in _NEEDS_VERSION_2012:
                self.add(
                    "policy.version.missing",
                    "Version",
                    f"Version is required in {self.kind_name()}",
                    f'use "{CURRENT_VERSION}"',
                )
            return None
        value = doc["Version"]
        if not isinstance(value, str):
            self.wrong_type("Version", "Version", "a string", value)
            return None
        self.text("Version", value)
        self.version = value
        if value not in VERSIONS:
            self.add(
                "policy.version.invalid",
                "Version",
                f'Version must be "2012-10-17" or "2008-10-17", not {_show(value)}',
                did_you_mean(value, VERSIONS) or f'use "{CURRENT_VERSION}", the current version',
            )
        elif self.kind in _NEEDS_VERSION_2012 and value != CURRENT_VERSION:
            self.add(
                "policy.version.unsupported",
                "Version",
                f'Version must be "{CURRENT_VERSION}" in {self.kind_name()}, not {_show(value)}',
            )
        return value

    def id_element(self, doc: Mapping[Any, Any]) -> str | None:
        if "Id" not in doc:
            return None
        value = doc["Id"]
        if not isinstance(value, str):
            self.wrong_type("Id", "Id", "a string", value)
            return None
        self.text("Id", value)
        return value

    def statement_element(
        self, doc: Mapping[Any, Any]
    ) -> tuple[tuple[Statement, ...] | None, bool]:
        if "Statement" not in doc:
            self.add("policy.statement.missing", "Statement", "Statement is required")
            return None, True
        value = doc["Statement"]
        if isinstance(value, Mapping):
            one = self.statement(value, "Statement")
            sids = [(value, "Statement")]
            self.unique_sids(sids)
            return ((one,) if one is not None else None), False
        if not _is_list(value):
            self.wrong_type("Statement", "Statement", "an object or a list of objects", value)
            return None, True
        if not value:
            self.add(
                "policy.statement.empty",
                "Statement",
                "Statement must list at least one statement",
            )
            return None, True
        built: list[Statement] = []
        located: list[tuple[Mapping[Any, Any], str]] = []
        for index, item in enumerate(value):
            path = f"Statement[{index}]"
            if not isinstance(item, Mapping):
                self.add(
                    "statement.type",
                    path,
                    f"each statement must be an object, not {_describe(item)}",
                )
                continue
            located.append((item, path))
            statement = self.statement(item, path)
            if statement is not None:
                built.append(statement)
        self.unique_sids(located)
        return tuple(built), True

    def unique_sids(self, located: list[tuple[Mapping[Any, Any], str]]) -> None:
        # IAM User Guide, "IAM JSON policy elements: Sid": "In IAM, the Sid value must
        # be unique within a JSON policy". Empty Sids identify nothing and are skipped.
        if self.kind not in _IAM_STORED:
            return
        seen: dict[str, str] = {}
        for statement, path in located:
            sid = statement.get("Sid")
            if not isinstance(sid, str) or not sid:
                continue
            if sid in seen:
                self.add(
                    "statement.sid.duplicate",
                    f"{path}.Sid",
                    f"Sid {_show(sid)} is already used by {seen[sid]}",
                    "IAM requires each Sid to be unique within a policy",
                )
            else:
                seen[sid] = path

    # -- statement ---------------------------------------------------------------

    def statement(self, stmt: Mapping[Any, Any], prefix: str) -> Statement | None:
        before = len(self.problems)
        self.unknown_keys(stmt, prefix, STATEMENT_ELEMENTS)
        at = {name: f"{prefix}.{name}" for name in STATEMENT_ELEMENTS}
        sid = self.sid(stmt, at["Sid"])
        effect = self.effect(stmt, at["Effect"])
        principal = self.principal(stmt, "Principal", at["Principal"])
        not_principal = self.principal(stmt, "NotPrincipal", at["NotPrincipal"])
        action = self.strings(stmt, "Action", at["Action"], self.action_value)
        not_action = self.strings(stmt, "NotAction", at["NotAction"], self.action_value)
        resource = self.strings(stmt, "Resource", at["Resource"], self.resource_value)
        not_resource = self.strings(stmt, "NotResource", at["NotResource"], self.resource_value)
        condition = self.condition(stmt, at["Condition"])
        self.structure(stmt, at, effect)
        if len(self.problems) != before or effect is None:
            return None
        return Statement(
            effect=effect,
            sid=sid,
            principal=principal,
            not_principal=not_principal,
            action=action,
            not_action=not_action,
            resource=resource,
            not_resource=not_resource,
            condition=condition,
        )

    def sid(self, stmt: Mapping[Any, Any], path: str) -> str | None:
        if "Sid" not in stmt:
            return None
        value = stmt["Sid"]
        if not isinstance(value, str):
            self.wrong_type(path, "Sid", "a string", value)
            return None
        self.text(path, value)
        if self.kind in _IAM_STORED and not set(value) <= _SID_CHARS:
            self.add(
                "statement.sid.invalid",
                path,
                f"Sid {_show(value)} may contain only ASCII letters and digits",
                f"IAM accepts only A-Z, a-z and 0-9 in the Sid of {self.kind_name()}",
            )
        return value

    def effect(self, stmt: Mapping[Any, Any], path: str) -> str | None:
        if "Effect" not in stmt:
            self.add("statement.effect.missing", path, "Effect is required")
            return None
        value = stmt["Effect"]
        if not isinstance(value, str):
            self.wrong_type(path, "Effect", 'the string "Allow" or "Deny"', value)
            return None
        self.text(path, value)
        if value not in EFFECTS:
            self.add(
                "statement.effect.invalid",
                path,
                f'Effect must be "Allow" or "Deny", not {_show(value)}',
                did_you_mean(value, EFFECTS),
            )
            return None
        return value

    def strings(
        self,
        stmt: Mapping[Any, Any],
        name: str,
        path: str,
        check: Callable[[str, str, str], None],
    ) -> StrOrList | None:
        """A string-or-list element (Action, Resource, …), each value checked by `check`."""
        if name not in stmt:
            return None
        value = stmt[name]
        if isinstance(value, str):
            items: list[tuple[str, Any]] = [(path, value)]
        elif _is_list(value):
            if not value:
                self.add("value.empty", path, f"{name} must not be an empty list")
                return None
            items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
        else:
            self.wrong_type(path, name, "a string or a list of strings", value)
            return None
        good = True
        for item_path, item in items:
            if not isinstance(item, str):
                self.wrong_type(item_path, f"each {name} value", "a string", item)
                good = False
                continue
            self.text(item_path, item)
            if not item:
                self.add("value.empty", item_path, f"{name} value must not be empty")
                good = False
                continue
            check(name, item_path, item)
        if not good:
            return None
        return value if isinstance(value, str) else tuple(value)

    def action_value(self, name: str, path: str, text: str) -> None:
        problem = action_problem(text)
        if problem:
            code = (
                "statement.not_action.invalid"
                if name == "NotAction"
                else "statement.action.invalid"
            )
            self.add(code, path, problem)

    def resource_value(self, name: str, path: str, text: str) -> None:
        if text == "*":
            return
        problem = arn_problem(text, allow_wildcards=True)
        if problem is None and self.version == CURRENT_VERSION and "${" in text:
            # IAM User Guide, policy variables: `${…}` is only read in 2012-10-17 policies,
            # and only in the resource part of the ARN.
            try:
                parse_template(text.split(":", 5)[-1])
            except PolicyError as exc:
                problem = exc.problems[0].message
        if problem:
            code = (
                "statement.not_resource.invalid"
                if name == "NotResource"
                else "statement.resource.invalid"
            )
            self.add(code, path, problem)

    def principal(self, stmt: Mapping[Any, Any], name: str, path: str) -> Principal | None:
        if name not in stmt:
            return None
        value = stmt[name]
        code = "statement.not_principal" if name == "NotPrincipal" else "statement.principal"
        if isinstance(value, str):
            self.text(path, value)
            if value == "*":
                return Principal(wildcard=True)
            self.add(
                f"{code}.invalid",
                path,
                f'{name} must be "*" or an object such as {{"AWS": "…"}}, not {_show(value)}',
            )
            return None
        if not isinstance(value, Mapping):
            self.wrong_type(path, name, '"*" or an object', value)
            return None
        if not value:
            self.add("value.empty", path, f"{name} must name at least one principal")
            return None
        entries: list[tuple[str, StrOrList]] = []
        good = True
        for ptype, pvalue in value.items():
            if not isinstance(ptype, str):
                self.add(
                    f"{code}.unknown_type",
                    path,
                    f"principal types must be strings, not {_describe(ptype)}",
                )
                good = False
                continue
            type_path = _key_path(path, ptype)
            self.text(type_path, ptype)
            if ptype not in PRINCIPAL_TYPES:
                self.add(
                    f"{code}.unknown_type",
                    type_path,
                    f"unknown principal type {_show(ptype)}",
                    did_you_mean(ptype, PRINCIPAL_TYPES)
                    or "use AWS, Service, Federated or CanonicalUser",
                )
                good = False
                continue
            checked = self.principal_values(ptype, type_path, pvalue, code)
            if checked is None:
                good = False
            else:
                entries.append((ptype, checked))
        if not good:
            return None
        return Principal(wildcard=False, entries=tuple(entries))

    def principal_values(self, ptype: str, path: str, value: Any, code: str) -> StrOrList | None:
        if isinstance(value, str):
            items: list[tuple[str, Any]] = [(path, value)]
        elif _is_list(value):
            if not value:
                self.add("value.empty", path, f"{ptype} must not be an empty list")
                return None
            items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
        else:
            self.wrong_type(path, ptype, "a string or a list of strings", value)
            return None
        good = True
        for item_path, item in items:
            if not isinstance(item, str):
                self.wrong_type(item_path, f"each {ptype} value", "a string", item)
                good = False
                continue
            self.text(item_path, item)
            if not item:
                self.add("value.empty", item_path, f"{ptype} value must not be empty")
                good = False
                continue
            problem = principal_problem(ptype, item)
            if problem:
                self.add(f"{code}.invalid", item_path, problem)
                good = False
        if not good:
            return None
        return value if isinstance(value, str) else tuple(value)

    def condition(self, stmt: Mapping[Any, Any], path: str) -> tuple[ConditionEntry, ...] | None:
        if "Condition" not in stmt:
            return None
        block = stmt["Condition"]
        if not isinstance(block, Mapping):
            self.wrong_type(path, "Condition", "an object", block)
            return None
        entries: list[ConditionEntry] = []
        good = True
        for operator, keys in block.items():
            if not isinstance(operator, str):
                self.add(
                    "condition.operator.type",
                    path,
                    f"condition operators must be strings, not {_describe(operator)}",
                )
                good = False
                continue
            op_path = _key_path(path, operator)
            self.text(op_path, operator)
            if not isinstance(keys, Mapping):
                self.wrong_type(op_path, operator, "an object of condition keys", keys)
                good = False
                continue
            if not keys:
                self.add("value.empty", op_path, f"{operator} must name at least one condition key")
                good = False
                continue
            for key, values in keys.items():
                entry = self.condition_entry(op_path, operator, key, values)
                if entry is None:
                    good = False
                else:
                    entries.append(entry)
        # Entries are checked even when a sibling is malformed, so that one pass
        # reports everything; the paths check_condition gives are block-relative.
        substitute = self.version == CURRENT_VERSION
        for entry in entries:
            for problem in check_condition(entry, substitute=substitute):
                self.add(problem.code, join_path(path, problem.path), problem.message, problem.hint)
        return tuple(entries) if good else None

    def condition_entry(
        self, op_path: str, operator: str, key: Any, values: Any
    ) -> ConditionEntry | None:
        if not isinstance(key, str):
            self.add(
                "condition.key.type",
                op_path,
                f"condition keys must be strings, not {_describe(key)}",
            )
            return None
        key_path = _key_path(op_path, key)
        self.text(key_path, key)
        expected = "a string, number or boolean, or a list of them"
        if _is_list(values):
            if not values:
                self.add("value.empty", key_path, f"{key} must not be an empty list")
                return None
            good = True
            for i, item in enumerate(values):
                item_path = f"{key_path}[{i}]"
                if not _is_scalar(item):
                    self.wrong_type(
                        item_path, "each condition value", "a string, number or boolean", item
                    )
                    good = False
                elif isinstance(item, str):
                    self.text(item_path, item)
            if not good:
                return None
            return ConditionEntry(operator, key, tuple(values), scalar=False)
        if not _is_scalar(values):
            self.wrong_type(key_path, "a condition value", expected, values)
            return None
        if isinstance(values, str):
            self.text(key_path, values)
        scalar: ConditionScalar = values
        return ConditionEntry(operator, key, (scalar,), scalar=True)

    # -- element combinations and the rules of each attachment point -------------

    def structure(self, stmt: Mapping[Any, Any], at: Mapping[str, str], effect: str | None) -> None:
        kind = self.kind
        where = self.kind_name()
        has = {name: name in stmt for name in STATEMENT_ELEMENTS}

        # Exactly one of Action/NotAction (IAM User Guide, "IAM JSON policy elements").
        if has["Action"] and has["NotAction"]:
            self.add(
                "statement.action.conflict",
                at["NotAction"],
                "Action and NotAction cannot both appear in one statement",
            )
        elif not has["Action"] and not has["NotAction"]:
            self.add("statement.action.missing", at["Action"], "Action or NotAction is required")

        # Principal / NotPrincipal.
        if kind in _NO_PRINCIPAL:
            for name in ("Principal", "NotPrincipal"):
                if has[name]:
                    self.add(
                        f"statement.{_snake(name)}.forbidden",
                        at[name],
                        f"{name} is not allowed in {where}",
                        "only resource-based and trust policies name principals",
                    )
        else:
            if has["Principal"] and has["NotPrincipal"]:
                self.add(
                    "statement.principal.conflict",
                    at["NotPrincipal"],
                    "Principal and NotPrincipal cannot both appear in one statement",
                )
            if kind in ("trust", "rcp") and has["NotPrincipal"]:
                self.add(
                    "statement.not_principal.forbidden",
                    at["NotPrincipal"],
                    f"NotPrincipal is not allowed in {where}",
                )
            if kind in ("trust", "rcp") and not has["Principal"]:
                self.add(
                    "statement.principal.missing",
                    at["Principal"],
                    f"Principal is required in {where}",
                )
            elif kind == "resource" and not has["Principal"] and not has["NotPrincipal"]:
                self.add(
                    "statement.principal.missing",
                    at["Principal"],
                    f"Principal or NotPrincipal is required in {where}",
                )
        # IAM User Guide, "NotPrincipal": it is only supported with "Effect": "Deny".
        if has["NotPrincipal"] and effect == "Allow":
            self.add(
                "statement.not_principal.allow",
                at["NotPrincipal"],
                'NotPrincipal can only be used with "Effect": "Deny"',
            )

        # Resource / NotResource.
        if has["Resource"] and has["NotResource"]:
            self.add(
                "statement.resource.conflict",
                at["NotResource"],
                "Resource and NotResource cannot both appear in one statement",
            )
        if kind == "trust":
            # MalformedPolicyDocument: "Has prohibited field Resource".
            for name in ("Resource", "NotResource"):
                if has[name]:
                    self.add(
                        f"statement.{_snake(name)}.forbidden",
                        at[name],
                        f"{name} is not allowed in {where}",
                        f'AWS rejects it: "Has prohibited field {name}"',
                    )
        elif kind in _RESOURCE_REQUIRED and not has["Resource"] and not has["NotResource"]:
            self.add(
                "statement.resource.missing",
                at["Resource"],
                f"Resource or NotResource is required in {where}",
            )

        if kind == "rcp":
            self.rcp_rules(stmt, at, effect)

    def rcp_rules(self, stmt: Mapping[Any, Any], at: Mapping[str, str], effect: str | None) -> None:
        # AWS Organizations User Guide, "RCP syntax": customer RCPs only Deny; Principal
        # is "*"; NotPrincipal and NotAction are unsupported; Action names a service.
        if effect == "Allow":
            self.add(
                "statement.effect.not_deny",
                at["Effect"],
                'Effect must be "Deny" in an RCP, not "Allow"',
                "only the AWS-managed RCPFullAWSAccess policy allows",
            )
        if "Principal" in stmt and stmt["Principal"] != "*":
            self.add(
                "statement.principal.not_wildcard",
                at["Principal"],
                'Principal must be "*" in an RCP',
                'use "Principal": "*" and narrow with conditions such as aws:PrincipalOrgID',
            )
        if "NotAction" in stmt:
            self.add(
                "statement.not_action.forbidden",
                at["NotAction"],
                "NotAction is not allowed in an RCP",
            )
        action = stmt.get("Action")
        if action == "*":
            paths = [at["Action"]]
        elif isinstance(action, list | tuple):
            paths = [f"{at['Action']}[{i}]" for i, v in enumerate(action) if v == "*"]
        else:
            paths = []
        for path in paths:
            self.add(
                "statement.action.wildcard",
                path,
                'Action "*" is not allowed in an RCP',
                'name a service prefix, such as "s3:*"',
            )


def _snake(name: str) -> str:
    return "not_" + name[3:].lower() if name.startswith("Not") else name.lower()


# --------------------------------------------------------------------- entry points


def _check_kind(kind: Any) -> None:
    if kind is not None and kind not in POLICY_KINDS:
        shown = _show(kind) if isinstance(kind, str) else _describe(kind)
        raise PolicyError(
            Problem(
                "policy.kind.unknown",
                "",
                f"unknown policy kind {shown}",
                (did_you_mean(kind, POLICY_KINDS) if isinstance(kind, str) else None)
                or "use one of " + ", ".join(POLICY_KINDS),
            )
        )


def policy_problems(document: Any, *, kind: PolicyKind | None = None) -> list[Problem]:
    """Every problem in a policy given as data (a `Mapping`), in document order; [] if valid."""
    _check_kind(kind)
    checker = _Checker(kind)
    checker.policy(document)
    return checker.problems


def parse_policy(
    document: str | bytes | Mapping[str, Any] | Policy, *, kind: PolicyKind | None = None
) -> Policy:
    """Parse a policy from JSON text, bytes or data; raise one `PolicyError` listing every problem.

    `kind` is where the policy is attached (`identity`, `resource`, `trust`, `boundary`,
    `session`, `scp`, `rcp`) and adds that attachment point's rules; None checks only
    the generic grammar. A `Policy` is returned as is, or re-checked when `kind` is given.
    """
    _check_kind(kind)
    if isinstance(document, Policy):
        if kind is None:
            return document
        # A Policy built in code may hold no statement at all; to_dict cannot show that.
        document = document.to_dict() if document.statements else {"Statement": []}
    if isinstance(document, str | bytes | bytearray | memoryview):
        document = load_json(document)
    checker = _Checker(kind)
    policy = checker.policy(document)
    if checker.problems or policy is None:
        raise PolicyError(checker.problems or [Problem("policy.invalid", "", "invalid policy")])
    return policy
