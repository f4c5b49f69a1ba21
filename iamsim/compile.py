"""Policy → CompiledPolicy: every wildcard, template and condition built once.

Compiled forms are memoized on the (frozen, hashable) Policy, so a policy that
many principals share is compiled once per process.
"""

from __future__ import annotations

import functools
import weakref

import attrs

from iamsim.conditions import CompiledCondition, compile_condition
from iamsim.limits import MEMO_BOUND
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


@functools.lru_cache(maxsize=MEMO_BOUND)
def _compile_recent(policy: Policy) -> CompiledPolicy:
    substitute = policy.substitutes_variables
    return CompiledPolicy(
        policy=policy,
        statements=tuple(_statement(i, s, substitute) for i, s in enumerate(policy.statements)),
    )


class _PolicyCompiler:
    """`compile_policy`: the `MEMO_BOUND` policies compiled last, and every compiled policy still
    in use (by a world's attached policies, say), are each compiled once.

    The bounded cache alone falls off a cliff: a world of more policies than it holds
    recompiled all of them each time it was rebuilt (a fix verified on a copy of the
    world), hundreds of times slower. What is alive is kept by weak reference only, so
    nothing outlives the worlds that use it.
    """

    def __init__(self) -> None:
        self._alive: weakref.WeakValueDictionary[Policy, CompiledPolicy] = (
            weakref.WeakValueDictionary()
        )

    def __call__(self, policy: Policy) -> CompiledPolicy:
        """Compile a parsed policy. Parsing has validated it, so this cannot fail."""
        found = self._alive.get(policy)
        if found is None:
            found = self._alive[policy] = _compile_recent(policy)
        return found

    def cache_clear(self) -> None:
        """Forget every compiled policy (benchmarks measure compiling from scratch)."""
        _compile_recent.cache_clear()
        self._alive.clear()


compile_policy = _PolicyCompiler()
