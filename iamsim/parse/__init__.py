"""Policy JSON (text, bytes or data) → `Policy`, collecting every problem with its JSON path.

Nothing half-parses: either every element is valid and a `Policy` is returned, or
one `PolicyError` lists every problem found (code, JSON path, message, hint).
No other exception escapes, whatever the input: the checks only ever look
at a fixed depth of the document, describe wrong values by their type (never by
`repr`, which can recurse or be huge) and treat any Python value as possible.

Grammar: IAM User Guide, "IAM JSON policy element reference" and "Grammar of the
IAM JSON policy language"; SCPs and RCPs: AWS Organizations User Guide, "SCP
syntax" and "RCP syntax". Summarised in /work/shared/reference/aws-evaluation.md §2.

Along the data flow: `jsontext` (text → data) → `document` (top level, statements)
→ `elements` (each element's value) and `kinds` (element combinations, per-kind rules);
`values`, `grammar` and `recorder` hold what they share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamsim.errors import PolicyError, Problem, did_you_mean
from iamsim.limits import MEMO_BOUND
from iamsim.model import POLICY_KINDS, Policy, PolicyKind
from iamsim.parse.document import _Checker
from iamsim.parse.jsontext import load_json
from iamsim.parse.values import _describe, _show

__all__ = ["check_policy", "load_json", "parse_policy", "policy_problems"]

# (policy, kind) pairs known to pass the checks of `kind`: documents parsed with a kind,
# and Policy objects already re-checked. Bounded; cleared when full.
_CHECKED: dict[tuple[Policy, str | None], None] = {}


def _remember(policy: Policy, kind: str | None) -> None:
    if len(_CHECKED) >= MEMO_BOUND:
        _CHECKED.clear()
    _CHECKED[(policy, kind)] = None


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
        return document if kind is None else check_policy(document, kind)
    if isinstance(document, str | bytes | bytearray | memoryview):
        document = load_json(document)
    checker = _Checker(kind)
    policy = checker.policy(document)
    if checker.problems or policy is None:
        raise PolicyError(checker.problems or [Problem("policy.invalid", "", "invalid policy")])
    if kind is not None:
        _remember(policy, kind)
    return policy


def check_policy(policy: Policy, kind: PolicyKind | None = None) -> Policy:
    """A `Policy` object given the checks a document gets: the grammar, and with `kind`
    the rules of that attachment point. Returns `policy`; raises `PolicyError` otherwise.

    A Policy built in code must also read back as itself from its JSON form (`to_dict`),
    so that what is checked is what is evaluated.
    """
    _check_kind(kind)
    try:
        if (policy, kind) in _CHECKED:
            return policy
    except TypeError:  # a list or dict where the model has tuples
        raise PolicyError(
            Problem(
                "policy.unhashable",
                "",
                "this Policy holds a list or dict where a tuple is expected",
                "build policies with iamsim.Policy.from_json",
            )
        ) from None
    try:
        # A Policy built in code may hold no statement at all; to_dict cannot show that.
        document = policy.to_dict() if policy.statements else {"Statement": []}
    except (TypeError, ValueError, AttributeError, IndexError):
        raise PolicyError(
            Problem(
                "policy.malformed",
                "",
                "this Policy object is malformed (its parts are not Statement, Principal "
                "and ConditionEntry values of the documented types)",
                "build policies with iamsim.Policy.from_json",
            )
        ) from None
    checker = _Checker(kind)
    parsed = checker.policy(document)
    if checker.problems or parsed is None:
        raise PolicyError(checker.problems or [Problem("policy.invalid", "", "invalid policy")])
    if parsed != policy:
        raise PolicyError(
            Problem(
                "policy.not_canonical",
                "",
                "this Policy object does not read back as itself from its JSON form "
                "(for example a wildcard Principal that also lists entries, or several "
                "statements with statement_is_list=False)",
                "build policies with iamsim.Policy.from_json",
            )
        )
    _remember(policy, kind)
    return policy
