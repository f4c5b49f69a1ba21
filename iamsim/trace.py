"""What the evaluator records at each step — data only, so any rendering can be rebuilt.

A `ConditionTrace` says what one condition compared; a `StatementTrace` says
whether a statement applied and, if not, which element missed; a `PolicyTrace`
gathers the statements of one policy with that policy's verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

import attrs

from iamsim.frozen import builder, every_field_builder

if TYPE_CHECKING:
    from iamsim.model import Policy

__all__ = [
    "ConditionTrace",
    "PolicyTrace",
    "PrincipalMatch",
    "StatementTrace",
    "Verdict",
    "make_condition_trace",
    "make_policy_trace",
    "make_statement_trace",
]

Verdict = Literal["allow", "deny", "none"]
"""A policy's own answer: a matching Deny, else a matching Allow, else nothing."""

PrincipalMatch = Literal[
    "any",  # no Principal element (identity-style policies): the principal is implied
    "wildcard",  # "*" / {"AWS": "*"}
    "account",  # the account (root ARN or bare id): delegates to that account's policies
    "user",  # the calling IAM user's own ARN
    "role",  # the role ARN, matching one of its sessions
    "session",  # the exact assumed-role session ARN
    "federated_user",  # the exact federated-user ARN
    "service",  # {"Service": …}
    "federated",  # {"Federated": …}
    "canonical",  # {"CanonicalUser": …}
    "not_principal",  # NotPrincipal: the caller is not among those listed
]


@attrs.frozen
class ConditionTrace:
    """One condition (operator × key) and what it compared.

    `request_values` is None when the request lacks the key. `policy_values` are
    after variable substitution; `note` explains a value that could not be read.
    """

    operator: str
    key: str
    policy_values: tuple[str, ...]
    request_values: tuple[str, ...] | None
    matched: bool
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "key": self.key,
            "policy_values": list(self.policy_values),
            "request_values": None if self.request_values is None else list(self.request_values),
            "matched": self.matched,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConditionTrace:
        rv = data.get("request_values")
        return cls(
            operator=data["operator"],
            key=data["key"],
            policy_values=tuple(data["policy_values"]),
            request_values=None if rv is None else tuple(rv),
            matched=data["matched"],
            note=data.get("note"),
        )


@attrs.frozen
class StatementTrace:
    """Whether one statement applied to the request, and if not, why.

    `failed` names the elements that did not match (`principal`, `action`,
    `resource`, `condition`); a near miss is a statement whose only failure is a
    condition.
    """

    index: int
    sid: str | None
    effect: str
    failed: tuple[str, ...]
    principal_match: PrincipalMatch | None = None
    conditions: tuple[ConditionTrace, ...] = ()
    missing_keys: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        return not self.failed

    @property
    def near_miss(self) -> bool:
        return self.failed == ("condition",)

    @property
    def label(self) -> str:
        return self.sid if self.sid else f"Statement[{self.index}]"

    @property
    def failed_conditions(self) -> tuple[ConditionTrace, ...]:
        return tuple(c for c in self.conditions if not c.matched)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "sid": self.sid,
            "effect": self.effect,
            "matched": self.matched,
            "failed": list(self.failed),
            "principal_match": self.principal_match,
            "conditions": [c.to_dict() for c in self.conditions],
            "missing_keys": list(self.missing_keys),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatementTrace:
        return cls(
            index=data["index"],
            sid=data.get("sid"),
            effect=data["effect"],
            failed=tuple(data["failed"]),
            principal_match=data.get("principal_match"),
            conditions=tuple(ConditionTrace.from_dict(c) for c in data.get("conditions", ())),
            missing_keys=tuple(data.get("missing_keys", ())),
        )


@attrs.frozen
class PolicyTrace:
    """One policy's statements evaluated against the request, and its own verdict."""

    policy_type: str
    name: str | None
    account: str | None
    statements: tuple[StatementTrace, ...]
    attached_to: str | None = None  # for SCPs/RCPs: "root", "ou:Workloads", "account:1111…"
    policy: Policy | None = attrs.field(default=None, eq=False, repr=False)
    # Derived once from the statements: a matching Deny, else a matching Allow, else none;
    # the statements that decided it; whether any Allow applies.
    verdict: Verdict = attrs.field(init=False, eq=False, repr=False)
    deciding: tuple[StatementTrace, ...] = attrs.field(init=False, eq=False, repr=False)
    allows: bool = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        verdict, deciding, allows = _derived(self.statements)
        put = object.__setattr__
        put(self, "verdict", verdict)
        put(self, "deciding", deciding)
        put(self, "allows", allows)

    @property
    def near_misses(self) -> tuple[StatementTrace, ...]:
        return tuple(s for s in self.statements if s.near_miss)

    @property
    def label(self) -> str:
        return self.name or self.policy_type

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_type": self.policy_type,
            "name": self.name,
            "account": self.account,
            "attached_to": self.attached_to,
            "verdict": self.verdict,
            "statements": [s.to_dict() for s in self.statements],
            "document": None if self.policy is None else self.policy.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolicyTrace:
        from iamsim.model import Policy

        document = data.get("document")
        return cls(
            policy_type=data["policy_type"],
            name=data.get("name"),
            account=data.get("account"),
            statements=tuple(StatementTrace.from_dict(s) for s in data["statements"]),
            attached_to=data.get("attached_to"),
            policy=None if document is None else Policy.from_json(document),
        )


def _derived(
    statements: tuple[StatementTrace, ...],
) -> tuple[Verdict, tuple[StatementTrace, ...], bool]:
    """A policy's verdict, the statements that decide it, and whether any Allow applies."""
    denies: tuple[StatementTrace, ...] = ()
    allows: tuple[StatementTrace, ...] = ()
    for stmt in statements:
        if not stmt.failed:
            if stmt.effect == "Deny":
                denies += (stmt,)
            elif stmt.effect == "Allow":
                allows += (stmt,)
    return ("deny" if denies else "allow" if allows else "none"), denies or allows, bool(allows)


# The evaluator's builders (iamsim.frozen): the constructors' signatures, checked by mypy.
make_condition_trace = builder(ConditionTrace)
make_statement_trace = builder(StatementTrace)


class _PolicyTraceBuilder(Protocol):
    """Every field of PolicyTrace, the derived (`init=False`) ones last."""

    def __call__(
        self,
        policy_type: str,
        name: str | None,
        account: str | None,
        statements: tuple[StatementTrace, ...],
        attached_to: str | None,
        policy: Policy | None,
        verdict: Verdict,
        deciding: tuple[StatementTrace, ...],
        allows: bool,
        /,
    ) -> PolicyTrace: ...


_make_policy_trace: _PolicyTraceBuilder = every_field_builder(PolicyTrace)


def make_policy_trace(
    policy_type: str,
    name: str | None,
    account: str | None,
    statements: tuple[StatementTrace, ...],
    attached_to: str | None,
    policy: Policy | None,
) -> PolicyTrace:
    """`PolicyTrace(...)` with every init field given, built the evaluator's way."""
    verdict, deciding, allows = _derived(statements)
    return _make_policy_trace(
        policy_type, name, account, statements, attached_to, policy, verdict, deciding, allows
    )
