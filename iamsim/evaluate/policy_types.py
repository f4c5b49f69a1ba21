"""All policies of one type → one verdict, with each policy's trace.

Within a type, policies and statements are ORed, and a matching Deny beats any
Allow (IAM User Guide, policy evaluation logic).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from iamsim.compile import CompiledPolicy
from iamsim.evaluate.statement import evaluate_statement
from iamsim.model import Policy
from iamsim.request import Request
from iamsim.trace import PolicyTrace, StatementTrace, Verdict

__all__ = ["combined_verdict", "evaluate_policy", "trace_policy"]


def evaluate_policy(
    policy: Policy | CompiledPolicy,
    request: Request,
    *,
    policy_type: str,
    name: str | None = None,
    account: str | None = None,
    attached_to: str | None = None,
    require_resource: bool = False,
) -> PolicyTrace:
    """Evaluate every statement of one policy against the request.

    `require_resource`: statements without Resource/NotResource do not apply (KMS key
    policies, where such a statement "has no effect").
    """
    compiled = policy if isinstance(policy, CompiledPolicy) else policy.compile()
    return trace_policy(
        compiled, request, policy_type, name, account, attached_to, require_resource
    )


def trace_policy(
    compiled: CompiledPolicy,
    request: Request,
    policy_type: str,
    name: str | None,
    account: str | None,
    attached_to: str | None,
    require_resource: bool,
) -> PolicyTrace:
    """`evaluate_policy` for a compiled policy, with every argument given (the engine's path)."""
    if compiled.unconditional and not require_resource:
        return _unconditional_trace(compiled, policy_type, name, account, attached_to)
    return PolicyTrace(
        policy_type,
        name,
        account,
        tuple([evaluate_statement(s, request, require_resource) for s in compiled.statements]),
        attached_to,
        compiled.policy,
    )


@functools.lru_cache(maxsize=1024)
def _unconditional_trace(
    compiled: CompiledPolicy,
    policy_type: str,
    name: str | None,
    account: str | None,
    attached_to: str | None,
) -> PolicyTrace:
    """The trace of a policy that applies to every request, built once (FullAWSAccess…)."""
    return PolicyTrace(
        policy_type=policy_type,
        name=name,
        account=account,
        statements=tuple(
            StatementTrace(
                index=s.index,
                sid=s.sid,
                effect=s.effect,
                failed=(),
                principal_match="any" if s.principal is None else "wildcard",
            )
            for s in compiled.statements
        ),
        attached_to=attached_to,
        policy=compiled.policy,
    )


def combined_verdict(traces: Sequence[PolicyTrace]) -> Verdict:
    """The verdict of several policies of one type: any Deny, else any Allow, else none."""
    verdict: Verdict = "none"
    for trace in traces:
        if trace.verdict == "deny":
            return "deny"
        if trace.verdict == "allow":
            verdict = "allow"
    return verdict
