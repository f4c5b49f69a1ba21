"""Whether a bucket policy is "public", as S3 Block Public Access defines it.

Amazon S3 User Guide, "Blocking public access to your Amazon S3 storage", section "The
meaning of 'public'" (read 2026-12-06), and the S3 API Reference's
PublicAccessBlockConfiguration: S3 takes a bucket policy to be public unless every
statement that allows grants only to fixed principals, or is limited by a condition on one
of the keys below with fixed values (no wildcard, no policy variable). For aws:SourceIp the
fixed value is a CIDR block no wider than /8 (IPv4) or /32 (IPv6).

Kept least permissive: anything this module cannot read as fixed counts as public, so
RestrictPublicBuckets cuts it (never more access with Block Public Access on than off).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from iamsim.model import Policy

__all__ = ["NON_PUBLIC_KEYS", "is_public"]

# The condition keys whose fixed values make a grant non-public (S3 User Guide, "The meaning
# of 'public'"), lower-cased; aws:SourceIp is handled on its own (a CIDR, not a string).
NON_PUBLIC_KEYS: frozenset[str] = frozenset(
    key.lower()
    for key in (
        "aws:SourceArn",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:userid",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    )
)

# Operators that limit a key to the values they list (a negated one, or IfExists, which is
# true when the key is absent, limits nothing).
_FIXING_OPERATORS = frozenset(
    op.lower()
    for op in ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike")
)
_MIN_PREFIX = {4: 8, 6: 32}


def _values(raw: Any) -> tuple[Any, ...]:
    return tuple(raw) if isinstance(raw, list | tuple) else (raw,)


def _fixed(value: Any) -> bool:
    """A value with no wildcard and no policy variable."""
    return isinstance(value, str) and bool(value) and not any(c in value for c in "*?$")


def _narrow_cidr(value: Any) -> bool:
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False
    return network.prefixlen >= _MIN_PREFIX[network.version]


def _limits(operator: str, key: str, values: tuple[Any, ...]) -> bool:
    """Whether one condition limits the grant to fixed values of a non-public key."""
    op = operator.lower()
    if op.startswith("forallvalues:") or op.endswith("ifexists"):
        return False  # true when the key is absent: it limits nothing
    op = op.removeprefix("foranyvalue:")
    if key.lower() == "aws:sourceip":
        return op == "ipaddress" and all(map(_narrow_cidr, values))
    if key.lower() == "aws:userid" and any(v.endswith(":*") for v in values if isinstance(v, str)):
        return False
    return op in _FIXING_OPERATORS and key.lower() in NON_PUBLIC_KEYS and all(map(_fixed, values))


def _principals(principal: Any) -> Iterable[Any]:
    if isinstance(principal, Mapping):
        for value in principal.values():
            yield from _values(value)
    else:
        yield from _values(principal)


def _statement_public(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if "NotPrincipal" in statement:
        return True  # an Allow to everyone but a few
    if all(_fixed(p) for p in _principals(statement.get("Principal"))):
        return False
    condition = statement.get("Condition")
    if isinstance(condition, Mapping):
        for operator, block in condition.items():
            if not isinstance(block, Mapping):
                continue
            for key, raw in block.items():
                if _limits(str(operator), str(key), _values(raw)):
                    return False
    return True


def is_public(policy: Policy) -> bool:
    """Whether S3 takes this bucket policy to be public (any of its Allows public)."""
    statements = policy.to_dict().get("Statement", ())
    if isinstance(statements, Mapping):
        statements = (statements,)
    return any(_statement_public(s) for s in statements if isinstance(s, Mapping))
