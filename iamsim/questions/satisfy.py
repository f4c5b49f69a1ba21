"""Which request context satisfies a condition that blocked one hop of a path.

`who_can` and `reachable_from` list a path when some request context makes every hop
allowed. A hop denied with the request context empty is re-asked with values chosen from
the conditions that blocked it (its near misses), but only for keys the caller chooses
when it sends the request; keys that are facts of the world (`aws:PrincipalOrgID`,
`aws:PrincipalArn`, `aws:PrincipalTag/…`, resource tags) are never invented. The chosen
value is derived from the operator and the policy's values, and the hop is listed only
if the world, asked again with it, allows it: a value is a guess until the engine agrees.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from iamsim.conditions.operators import OPERATORS
from iamsim.decision import NearMiss
from iamsim.sts import STS_NAME

__all__ = [
    "CALLER_KEYS",
    "REQUEST_KEYS",
    "caller_settable",
    "escaping_value",
    "satisfying_value",
]

REQUEST_KEYS: frozenset[str] = frozenset(
    {
        # Where and how the request is sent: the caller's network and client
        # (IAM User Guide, "AWS global condition context keys", request properties).
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:securetransport",
        "aws:requestedregion",
        "aws:useragent",
        "aws:referer",
    }
)
"""Condition keys (lower case) of how any request is sent, the caller's to choose."""

CALLER_KEYS: frozenset[str] = REQUEST_KEYS | {
    # Set from AssumeRole's own parameters (IAM User Guide, "AWS STS condition keys").
    "sts:externalid",
    "sts:rolesessionname",
    # The caller authenticates with MFA (serial number and token code).
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
}
"""Condition keys (lower case) whose value the caller chooses when it sends a request."""

Settable = Callable[[str], bool]
"""Whether the caller of a hop chooses a key's value (`caller_settable` for a principal
of AWS; a federated caller's own in `reach_federated.settable_for`)."""

_CALLER_PREFIXES = ("aws:requesttag/",)
"""Keys by prefix: tags the caller passes with the request."""


def caller_settable(key: str) -> bool:
    """Whether the caller chooses `key`'s value (never a fact of the world)."""
    low = key.lower()
    return low in CALLER_KEYS or low.startswith(_CALLER_PREFIXES)


def _base(operator: str) -> tuple[str, bool]:
    """The base operator name and whether a set qualifier (`ForAnyValue:`) wraps it."""
    qualified = ":" in operator
    name = operator.split(":", 1)[1] if qualified else operator
    if name.endswith("IfExists"):
        name = name[: -len("IfExists")]
    return name, qualified


def _like(pattern: str) -> str:
    """A value a `StringLike` glob matches: every `*` empty, every `?` one letter."""
    return pattern.replace("*", "").replace("?", "x")


def _session_name(value: str, pattern: str, wildcards: bool) -> str | None:
    """`value` as a session name STS accepts (2 to 64 of letters, digits and +=,.@-, AWS STS
    API Reference, AssumeRole RoleSessionName), a glob's first `*` filled to reach the
    minimum length; None when no such name meets the condition."""
    if wildcards and len(value) < 2 and "*" in pattern:
        first, _, rest = pattern.partition("*")
        value = _like(first) + "x" * (2 - len(value)) + _like(rest)
    if 2 <= len(value) <= 64 and STS_NAME.fullmatch(value):
        return value
    return None


def _numeric(comparator: str, value: str) -> str | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    shifted = {"lt": number - 1, "gt": number + 1}.get(comparator, number)
    return str(shifted)


def satisfying_value(near: NearMiss, settable: Settable = caller_settable) -> object | None:
    """A request value that meets `near`'s condition, or None when none can be derived
    (a negated operator, a policy variable, a date, `Null`, or a key the caller does not
    choose)."""
    return _value(near.key, near.operator, near.policy_values, settable)


def escaping_value(
    key: str, operator: str, policy_values: Sequence[str], settable: Settable = caller_settable
) -> object | None:
    """A request value for an absent `key` that keeps a Deny's negated condition
    (`StringNotEquals aws:RequestedRegion eu-west-1`: a request without the key matches it)
    from matching: a value the positive operator meets. None when none can be derived (a
    set qualifier, a date, a policy variable, or a key the caller does not choose)."""
    name, qualified = _base(operator)
    spec = OPERATORS.get(name)
    if qualified or spec is None or not spec.negated:
        return None
    positive = name.replace("Not", "", 1)
    if positive not in OPERATORS:
        return None
    return _value(key, positive, policy_values, settable)


def _value(
    key: str, operator: str, policy_values: Sequence[str], settable: Settable
) -> object | None:
    """A value of caller-chosen `key` that `operator` meets against `policy_values`."""
    if not settable(key) or not policy_values:
        return None
    name, qualified = _base(operator)
    spec = OPERATORS.get(name)
    if spec is None or spec.negated or spec.kind in ("date", "null", "binary"):
        return None
    first = policy_values[0]
    if "${" in first:
        return None
    value: object | None
    if spec.kind == "bool":
        value = first.lower() == "true" if first.lower() in ("true", "false") else None
    elif spec.kind == "ip":
        try:
            value = str(ipaddress.ip_network(first, strict=False).network_address)
        except ValueError:
            value = None
    elif spec.kind == "numeric":
        value = _numeric(spec.comparator, first)
    elif spec.wildcards:
        value = _like(first)
    else:
        value = first
    if value is not None and key.lower() == "sts:rolesessionname":
        value = _session_name(str(value), first, spec.wildcards)
    if value is None:
        return None
    return [value] if qualified else value
