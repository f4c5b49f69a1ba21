"""Policy → CompiledPolicy: every wildcard, template and condition built once.

Compiled forms are memoized on the (frozen, hashable) Policy, so a policy that
many principals share is compiled once per process.
"""

from __future__ import annotations

import functools

import attrs

from iamsim.conditions import CompiledCondition, compile_condition
from iamsim.model import Policy, Statement, as_tuple
from iamsim.patterns import (
    ActionMatcher,
    PrincipalMatcher,
    ResourceMatcher,
    compile_actions,
    compile_principal,
    compile_resources,
)

__all__ = ["CompiledPolicy", "CompiledStatement", "compile_policy"]


@attrs.frozen
class CompiledStatement:
    """One statement ready to evaluate: matchers for each element, compiled conditions."""

    index: int
    sid: str | None
    effect: str
    principal: PrincipalMatcher | None
    not_principal: PrincipalMatcher | None
    actions: ActionMatcher | None
    not_actions: ActionMatcher | None
    resources: ResourceMatcher | None
    not_resources: ResourceMatcher | None
    conditions: tuple[CompiledCondition, ...]


@attrs.frozen(eq=False)  # compiled once per policy: identity is equality, and hashing is cheap
class CompiledPolicy:
    """A policy's statements, compiled, with the policy they came from."""

    policy: Policy
    statements: tuple[CompiledStatement, ...]


def _statement(index: int, stmt: Statement, substitute: bool) -> CompiledStatement:
    def resources(values: object) -> ResourceMatcher | None:
        if values is None:
            return None
        return compile_resources(as_tuple(values), substitute=substitute)  # type: ignore[arg-type]

    return CompiledStatement(
        index=index,
        sid=stmt.sid,
        effect=stmt.effect,
        principal=None if stmt.principal is None else compile_principal(stmt.principal),
        not_principal=(
            None if stmt.not_principal is None else compile_principal(stmt.not_principal)
        ),
        actions=None if stmt.action is None else compile_actions(as_tuple(stmt.action)),
        not_actions=None if stmt.not_action is None else compile_actions(as_tuple(stmt.not_action)),
        resources=resources(stmt.resource),
        not_resources=resources(stmt.not_resource),
        conditions=tuple(
            compile_condition(entry, substitute=substitute, effect=stmt.effect)  # type: ignore[arg-type]
            for entry in stmt.condition or ()
        ),
    )


@functools.lru_cache(maxsize=4096)
def compile_policy(policy: Policy) -> CompiledPolicy:
    """Compile a parsed policy. Parsing has validated it, so this cannot fail."""
    substitute = policy.substitutes_variables
    return CompiledPolicy(
        policy=policy,
        statements=tuple(_statement(i, s, substitute) for i, s in enumerate(policy.statements)),
    )
