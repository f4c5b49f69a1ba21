"""All policies of one type → one verdict, with each policy's trace.

Within a type, policies and statements are ORed, and a matching Deny beats any
Allow (IAM User Guide, policy evaluation logic).
"""

from __future__ import annotations

from collections.abc import Sequence

from iamsim.compile import CompiledPolicy
from iamsim.evaluate.statement import evaluate_statement
from iamsim.model import Policy
from iamsim.request import Request
from iamsim.trace import PolicyTrace, Verdict, make_policy_trace

__all__ = ["combined_verdict", "evaluate_policy"]


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
    return make_policy_trace(
        policy_type=policy_type,
        name=name,
        account=account,
        statements=tuple(
            evaluate_statement(s, request, require_resource) for s in compiled.statements
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
