"""One compiled statement × one request → a StatementTrace (matched, or which element missed).

Conditions are only consulted once principal, action and resource all match, so a
statement that misses on an element reports that element, and a statement that
misses only on a condition is a near miss with every condition's comparison.
"""

from __future__ import annotations

from iamsim.compile import CompiledStatement
from iamsim.patterns import PrincipalMatcher
from iamsim.request import Caller, Context, Request
from iamsim.trace import PrincipalMatch, StatementTrace, make_statement_trace

__all__ = ["evaluate_conditions", "evaluate_statement", "match_elements"]


def _chain(caller: Caller) -> tuple[tuple[Caller, frozenset[str]], ...]:
    """The identities AWS may check a NotPrincipal against, each with how it must be listed.

    IAM User Guide, NotPrincipal: AWS may evaluate the account, then the role or user,
    then the session; a caller escapes a `Deny` + `NotPrincipal` only when every one of
    them is listed by its own ARN (listing the account exempts the account check only).
    """
    if caller.account is None:  # service principals, anonymous and federated callers
        return ((caller, frozenset({"service", "federated", "wildcard"})),)
    partition = (caller.arn or caller.principal_arn or "arn:aws:").split(":")[1] or "aws"
    root = f"arn:{partition}:iam::{caller.account}:root"
    account = Caller(kind="root", arn=root, account=caller.account, principal_arn=root)
    chain = [(account, frozenset({"account", "wildcard"}))]
    if caller.kind == "role_session":
        role = Caller(
            kind="role_session",
            arn=None,
            account=caller.account,
            principal_arn=caller.principal_arn,
        )
        chain.append((role, frozenset({"role", "wildcard"})))
        chain.append((caller, frozenset({"session", "wildcard"})))
    elif caller.kind in ("user", "federated_user"):
        chain.append((caller, frozenset({caller.kind, "wildcard"})))
    return tuple(chain)


def _not_principal_applies(matcher: PrincipalMatcher, caller: Caller, effect: str) -> bool:
    """Whether a NotPrincipal statement covers the caller.

    IAM User Guide, permissions boundaries / NotPrincipal: a Deny with NotPrincipal
    always denies a principal that has a permissions boundary, whatever it lists.
    """
    if effect == "Deny" and caller.has_boundary:
        return True
    return not all(matcher.match(identity) in kinds for identity, kinds in _chain(caller))


def evaluate_statement(
    stmt: CompiledStatement, request: Request, require_resource: bool = False
) -> StatementTrace:
    """Whether `stmt` applies to `request`; never raises for a parsed policy."""
    failed, how, missing = match_elements(stmt, request, require_resource)
    if failed or not stmt.conditions:
        return make_statement_trace(stmt.index, stmt.sid, stmt.effect, failed, how, (), missing)
    return evaluate_conditions(stmt, how, missing, request.context)


def match_elements(
    stmt: CompiledStatement, request: Request, require_resource: bool
) -> tuple[tuple[str, ...], PrincipalMatch | None, tuple[str, ...]]:
    """The elements (principal, action, resource) that miss, how the principal matched,
    and the keys of unresolvable Resource variables."""
    failed: list[str] = []
    caller = request.caller
    how: PrincipalMatch | None = "any"
    if stmt.principal is not None:
        how = stmt.principal.match(caller)
        if how is None:
            failed.append("principal")
    elif stmt.not_principal is not None:
        if _not_principal_applies(stmt.not_principal, caller, stmt.effect):
            how = "not_principal"
        else:
            how = None
            failed.append("principal")

    if stmt.actions is not None:
        if not stmt.actions.matches(request.action):
            failed.append("action")
    elif stmt.not_actions is not None and stmt.not_actions.matches(request.action):
        failed.append("action")

    missing: tuple[str, ...] = ()
    if stmt.resources is not None:
        hit, missing = stmt.resources.match(request.resource, request.context)
        if not hit:
            failed.append("resource")
    elif stmt.not_resources is not None:
        hit, missing = stmt.not_resources.match(request.resource, request.context)
        # IAM User Guide, policy variables: a variable that cannot be resolved "might cause
        # the entire statement to be invalid". An Allow is then not granted (a Deny still
        # applies): the least permissive reading of that warning.
        if hit or (missing and stmt.effect == "Allow"):
            failed.append("resource")
    elif require_resource:
        failed.append("resource")
    return tuple(failed), how, missing


def evaluate_conditions(
    stmt: CompiledStatement,
    how: PrincipalMatch | None,
    missing: tuple[str, ...],
    context: Context,
) -> StatementTrace:
    """The trace of a statement whose principal, action and resource match: its conditions
    decide."""
    traces = []
    matched = True
    missing_keys = missing  # a new tuple only when a key is missing (rare)
    for cond in stmt.conditions:
        trace = cond.evaluate(context)
        traces.append(trace)
        if not trace.matched:
            matched = False
        if cond.static:  # only the condition's own key can be missing
            if trace.request_values is None and trace.key not in missing_keys:
                missing_keys += (trace.key,)
            continue
        for key in cond.missing_keys(context):
            if key not in missing_keys:
                missing_keys += (key,)
    return make_statement_trace(  # positional: once per statement (iamsim.frozen)
        stmt.index,
        stmt.sid,
        stmt.effect,
        () if matched else ("condition",),
        how,
        tuple(traces),
        missing_keys,
    )
