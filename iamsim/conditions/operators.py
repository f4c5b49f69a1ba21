"""The condition operator table: one row per documented base operator.

Source for every row: AWS IAM User Guide, "IAM JSON policy elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
cited as [OPS]; policy variables: "IAM policy elements: Variables and tags"
(reference_policies_variables.html), cited as [VARS].

A row says which kind of value the operator reads, how a request value is compared with
a policy value (`comparator`), whether the operator is negated (several policy values
are then combined with NOR instead of OR, and a missing key makes it true), whether
`*`/`?` are wildcards, whether policy variables may appear in its values, and whether
the comparison ignores case.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import attrs

__all__ = [
    "OPERATORS",
    "SET_QUALIFIERS",
    "Comparator",
    "OperatorSpec",
    "ValueKind",
    "all_spellings",
]

ValueKind = Literal["string", "numeric", "date", "bool", "binary", "ip", "arn", "null"]
Comparator = Literal["eq", "lt", "le", "gt", "ge", "like", "in", "null"]

# [OPS] "Condition operators to check multiple values": ForAnyValue / ForAllValues.
SET_QUALIFIERS: tuple[str, ...] = ("ForAnyValue", "ForAllValues")


@attrs.frozen
class OperatorSpec:
    """One base operator (no set qualifier, no `IfExists`)."""

    name: str
    kind: ValueKind
    comparator: Comparator  # request value <comparator> policy value
    negated: bool = False
    wildcards: bool = False
    variables: bool = False
    ignore_case: bool = False
    if_exists_allowed: bool = True
    cite: str = "[OPS]"


def _table() -> dict[str, OperatorSpec]:
    rows: list[OperatorSpec] = [
        # [OPS] String condition operators: case-sensitive except *IgnoreCase; StringLike is a
        # whole-value glob (`*` any run, `?` one character); policy variables allowed [VARS].
        OperatorSpec("StringEquals", "string", "eq", variables=True, cite="[OPS] String"),
        OperatorSpec(
            "StringNotEquals", "string", "eq", negated=True, variables=True, cite="[OPS] String"
        ),
        OperatorSpec(
            "StringEqualsIgnoreCase",
            "string",
            "eq",
            variables=True,
            ignore_case=True,
            cite="[OPS] String",
        ),
        OperatorSpec(
            "StringNotEqualsIgnoreCase",
            "string",
            "eq",
            negated=True,
            variables=True,
            ignore_case=True,
            cite="[OPS] String",
        ),
        OperatorSpec(
            "StringLike", "string", "like", wildcards=True, variables=True, cite="[OPS] String"
        ),
        OperatorSpec(
            "StringNotLike",
            "string",
            "like",
            negated=True,
            wildcards=True,
            variables=True,
            cite="[OPS] String",
        ),
    ]
    # [OPS] Numeric and Date condition operators: no wildcards, no policy variables.
    ordered: tuple[tuple[ValueKind, str], ...] = (("numeric", "Numeric"), ("date", "Date"))
    for kind, prefix in ordered:
        label = f"[OPS] {prefix}"
        rows += [
            OperatorSpec(f"{prefix}Equals", kind, "eq", cite=label),
            OperatorSpec(f"{prefix}NotEquals", kind, "eq", negated=True, cite=label),
            OperatorSpec(f"{prefix}LessThan", kind, "lt", cite=label),
            OperatorSpec(f"{prefix}LessThanEquals", kind, "le", cite=label),
            OperatorSpec(f"{prefix}GreaterThan", kind, "gt", cite=label),
            OperatorSpec(f"{prefix}GreaterThanEquals", kind, "ge", cite=label),
        ]
    rows += [
        # [OPS] Boolean: "true"/"false"; the operators page allows policy variables (the
        # variables page does not list Bool — reference §9.1.5); we allow them as the brief says.
        OperatorSpec("Bool", "bool", "eq", variables=True, cite="[OPS] Boolean"),
        # [OPS] Binary: base64 policy value compared byte-for-byte; no variables.
        OperatorSpec("BinaryEquals", "binary", "eq", cite="[OPS] Binary"),
        # [OPS] IP address: CIDR match; no variables, no wildcards.
        OperatorSpec("IpAddress", "ip", "in", cite="[OPS] IP address"),
        OperatorSpec("NotIpAddress", "ip", "in", negated=True, cite="[OPS] IP address"),
        # [OPS] ARN: ArnEquals behaves as ArnLike (and ArnNotEquals as ArnNotLike): each of the
        # six parts is matched separately with wildcards, case-sensitively; variables allowed.
        OperatorSpec("ArnEquals", "arn", "like", wildcards=True, variables=True, cite="[OPS] ARN"),
        OperatorSpec("ArnLike", "arn", "like", wildcards=True, variables=True, cite="[OPS] ARN"),
        OperatorSpec(
            "ArnNotEquals",
            "arn",
            "like",
            negated=True,
            wildcards=True,
            variables=True,
            cite="[OPS] ARN",
        ),
        OperatorSpec(
            "ArnNotLike",
            "arn",
            "like",
            negated=True,
            wildcards=True,
            variables=True,
            cite="[OPS] ARN",
        ),
        # [OPS] "Condition operator to check existence of condition keys": Null "true" = the
        # key is absent, "false" = present; `...IfExists` is documented for "any condition
        # operator name except the Null condition".
        OperatorSpec("Null", "null", "null", if_exists_allowed=False, cite="[OPS] Null"),
    ]
    return {row.name: row for row in rows}


OPERATORS: Mapping[str, OperatorSpec] = MappingProxyType(_table())
"""Every documented base operator, by exact name."""


@functools.cache
def all_spellings() -> tuple[str, ...]:
    """Every valid operator key (qualifier, base, IfExists), for "did you mean" hints.

    `ForAnyValue:Null` / `ForAllValues:Null` are left out: iamsim rejects them (see
    `check_condition`).
    """
    out: list[str] = []
    for prefix in ("", *(q + ":" for q in SET_QUALIFIERS)):
        for spec in OPERATORS.values():
            if prefix and spec.kind == "null":
                continue
            out.append(prefix + spec.name)
            if spec.if_exists_allowed:
                out.append(prefix + spec.name + "IfExists")
    return tuple(out)
