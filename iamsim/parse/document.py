"""Checks the top level and each statement, building the `Policy` only when nothing is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamsim.errors import did_you_mean
from iamsim.model import Policy, Statement
from iamsim.parse.elements import _ElementChecks
from iamsim.parse.grammar import (
    _IAM_STORED,
    _NEEDS_VERSION_2012,
    CURRENT_VERSION,
    STATEMENT_ELEMENTS,
    TOP_ELEMENTS,
    VERSIONS,
)
from iamsim.parse.kinds import _KindRules
from iamsim.parse.values import _describe, _is_list, _show


class _Checker(_ElementChecks, _KindRules):
    """Walks one document, collecting problems and building the model alongside."""

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
            written_order=_written_order(stmt),
        )


_USUAL_ORDER = {name: i for i, name in enumerate(STATEMENT_ELEMENTS)}


def _written_order(stmt: Mapping[Any, Any]) -> tuple[str, ...] | None:
    """The statement's element names as written, or None when they follow IAM's usual order
    (most statements: nothing to keep)."""
    names = tuple(k for k in stmt if isinstance(k, str))
    ranks = [_USUAL_ORDER.get(k, len(_USUAL_ORDER)) for k in names]
    return None if ranks == sorted(ranks) else names
