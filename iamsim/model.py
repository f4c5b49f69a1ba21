"""The policy language as data: Policy, Statement, Principal, ConditionEntry.

Every class is frozen and hashable. Element values keep the shape the author
wrote (a bare string or a list) so that `to_dict` round-trips exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

if TYPE_CHECKING:
    from iamsim.compile import CompiledPolicy

__all__ = [
    "ConditionEntry",
    "ConditionScalar",
    "Policy",
    "PolicyKind",
    "Principal",
    "Statement",
    "StrOrList",
    "as_tuple",
]

StrOrList = str | tuple[str, ...]
"""A JSON string, or a JSON list of strings, as the author wrote it."""

ConditionScalar = str | bool | int | float
"""A condition value as JSON carries it; numbers and booleans may be unquoted."""

PolicyKind = Literal["identity", "resource", "trust", "boundary", "session", "scp", "rcp"]
"""Where a policy is attached; decides which elements it must and must not have."""

POLICY_KINDS: tuple[str, ...] = (
    "identity",
    "resource",
    "trust",
    "boundary",
    "session",
    "scp",
    "rcp",
)


def _json_list(value: Any) -> Any:
    """A tuple as a JSON list; anything else as it is (so the parser can name what is wrong)."""
    return list(value) if isinstance(value, tuple | list) else value


def as_tuple(value: StrOrList | None) -> tuple[str, ...]:
    """The values of a string-or-list element, as a tuple."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


@attrs.frozen
class Principal:
    """A `Principal` or `NotPrincipal` element: `"*"`, or a map of principal type to ARNs/ids.

    `entries` keeps the author's order: ``(("AWS", "arn:…"), ("Service", ("a", "b")))``.
    """

    wildcard: bool = False
    entries: tuple[tuple[str, StrOrList], ...] = ()

    def values(self, principal_type: str) -> tuple[str, ...]:
        """Every value listed under one principal type (`AWS`, `Service`, …)."""
        out: list[str] = []
        for kind, value in self.entries:
            if kind == principal_type:
                out.extend(as_tuple(value))
        return tuple(out)

    def to_json(self) -> Any:
        """The element as JSON data (an ill-typed `entries` is passed through for the parser)."""
        if self.wildcard:
            return "*"
        entries = self.entries
        if not isinstance(entries, tuple | list) or not all(
            isinstance(e, tuple | list) and len(e) == 2 for e in entries
        ):
            return entries
        return {kind: _json_list(v) for kind, v in entries}


@attrs.frozen
class ConditionEntry:
    """One `operator → key → values` triple of a `Condition` block.

    `operator` is the key exactly as written (`ForAnyValue:StringLikeIfExists`);
    `scalar` records that the author wrote one value without brackets.
    """

    operator: str
    key: str
    values: tuple[ConditionScalar, ...]
    scalar: bool = False


def _condition_json(condition: Any) -> Any:
    """A `Condition` block as JSON data (ill-typed entries passed through for the parser)."""
    if not isinstance(condition, tuple | list) or not all(
        isinstance(e, ConditionEntry) for e in condition
    ):
        return condition
    block: dict[Any, dict[Any, Any]] = {}
    for entry in condition:
        values = entry.values
        if entry.scalar and isinstance(values, tuple | list) and len(values) == 1:
            shown: Any = values[0]
        else:
            shown = _json_list(values)
        block.setdefault(entry.operator, {})[entry.key] = shown
    return block


@attrs.frozen(cache_hash=True)
class Statement:
    """One statement; exactly one of each element pair is set where the grammar requires it."""

    effect: str
    sid: str | None = None
    principal: Principal | None = None
    not_principal: Principal | None = None
    action: StrOrList | None = None
    not_action: StrOrList | None = None
    resource: StrOrList | None = None
    not_resource: StrOrList | None = None
    condition: tuple[ConditionEntry, ...] | None = None
    # The order the author wrote the elements in, when it is not IAM's usual one: shown
    # back as written (`to_dict`), never part of what the statement means (eq, hash).
    written_order: tuple[str, ...] | None = attrs.field(default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = self._elements()
        if self.written_order is None:
            return out
        ordered = {k: out[k] for k in self.written_order if k in out}
        return {**ordered, **out}

    def _elements(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect
        for key, principal in (("Principal", self.principal), ("NotPrincipal", self.not_principal)):
            if principal is not None:
                out[key] = principal.to_json() if isinstance(principal, Principal) else principal
        for name, value in (
            ("Action", self.action),
            ("NotAction", self.not_action),
            ("Resource", self.resource),
            ("NotResource", self.not_resource),
        ):
            if value is not None:
                out[name] = _json_list(value)
        if self.condition is not None:
            out["Condition"] = _condition_json(self.condition)
        return out

    def label(self, index: int) -> str:
        """How reports name this statement: its Sid, else its position."""
        return self.sid if self.sid else f"Statement[{index}]"


@attrs.frozen(cache_hash=True)
class Policy:
    """A whole policy document. Build one with `Policy.from_json`; it never half-exists."""

    statements: tuple[Statement, ...]
    version: str | None = None
    id: str | None = None
    statement_is_list: bool = True

    @classmethod
    def from_json(
        cls, document: str | bytes | Mapping[str, Any] | Policy, *, kind: PolicyKind | None = None
    ) -> Policy:
        """Parse a policy from JSON text, bytes or a dict; raise `PolicyError` with every problem.

        With `kind`, also enforce the rules of that attachment point (for example a
        trust policy must name a `Principal` and may not name a `Resource`).
        """
        from iamsim.parse import parse_policy

        return parse_policy(document, kind=kind)

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-able data; `Policy.from_json(p.to_dict()) == p`."""
        out: dict[str, Any] = {}
        if self.version is not None:
            out["Version"] = self.version
        if self.id is not None:
            out["Id"] = self.id
        if not isinstance(self.statements, tuple | list):  # ill-typed: left to the parser
            out["Statement"] = self.statements
            return out
        stmts = [s.to_dict() if isinstance(s, Statement) else s for s in self.statements]
        out["Statement"] = stmts if self.statement_is_list or len(stmts) != 1 else stmts[0]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        import json

        return json.dumps(self.to_dict(), indent=indent)

    @property
    def substitutes_variables(self) -> bool:
        """Policy variables are only expanded under Version 2012-10-17 (otherwise literal)."""
        return self.version == "2012-10-17"

    def compile(self) -> CompiledPolicy:
        """The compiled form, built once per distinct policy."""
        from iamsim.compile import compile_policy

        return compile_policy(self)

    def _repr_html_(self) -> str:
        from iamsim.render.html import policy_html

        return policy_html(self)
