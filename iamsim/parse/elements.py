"""Value checks of each statement element: record its problems, return its model value."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from iamsim.conditions import check_condition
from iamsim.conditions.syntax import parse_template
from iamsim.errors import PolicyError, did_you_mean, join_path
from iamsim.model import ConditionEntry, ConditionScalar, Principal, StrOrList
from iamsim.parse.grammar import (
    _IAM_STORED,
    _SID_CHARS,
    CURRENT_VERSION,
    EFFECTS,
    PRINCIPAL_TYPES,
)
from iamsim.parse.recorder import _Recorder
from iamsim.parse.values import _describe, _is_list, _is_scalar, _key_path, _show
from iamsim.patterns import action_problem, arn_problem, arn_segments, principal_problem


class _ElementChecks(_Recorder):
    """The value checks of each statement element, one method per element."""

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
        substitute = self.version == CURRENT_VERSION
        problem = arn_problem(text, allow_wildcards=True, variables=substitute)
        if problem is None and substitute and "${" in text:
            # IAM User Guide, policy variables: `${…}` is only read in 2012-10-17 policies,
            # in the resource part of the ARN (and its account field: arn_problem).
            try:
                for part in arn_segments(text, variables=True)[4:]:
                    parse_template(part)
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
            seen: dict[str, str] = {}
            for key, values in keys.items():
                if isinstance(key, str):
                    first = seen.setdefault(key.lower(), key)
                    if first != key:
                        # IAM Access Analyzer, "Duplicate keys with different case": key
                        # names ignore case, so AWS cannot tell which one the policy means.
                        self.add(
                            "condition.key.duplicate",
                            _key_path(op_path, key),
                            f"{key} and {first} are one condition key (names ignore case)",
                            "keep one of them, with every value it should allow",
                        )
                        good = False
                        continue
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
