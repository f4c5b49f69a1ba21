"""One policy value, from its text to a comparator: template, pieces, compiled form, hit test.

    static_template(text, spec, substitute) -> the value as a template (variables parsed
                                               only where they are substituted)
    value_form(spec, value, pieces, static) -> the ready-to-compare form, or None
    make_hit(spec, forms)                   -> Hit: does one request value match any form?

Checking (`check.py`) and compiling (`compiled.py`) both read values through here, so the
rule for what a usable value is (an ARN pattern's parts, say) is written once. Static
values are compiled once with `compile_glob`; values holding policy variables are matched
per request with `glob_match`, so evaluation never compiles a regex.

Sources, cited beside each rule:
  [OPS]   IAM User Guide, "IAM JSON policy elements: Condition operators"
          (reference_policies_elements_condition_operators.html)
"""

from __future__ import annotations

import bisect
import functools
import operator
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

# iamsim.patterns imports iamsim.conditions.ast/syntax, so this package must not import names
# from it at import time (circular import); the module object is resolved lazily.
import iamsim.patterns as _patterns
from iamsim.conditions.ast import Literal as TemplateLiteral
from iamsim.conditions.ast import Template
from iamsim.conditions.operators import OperatorSpec
from iamsim.conditions.syntax import parse_template
from iamsim.conditions.values import (
    read_arn,
    read_base64,
    read_bool,
    read_date,
    read_ip_address,
    read_ip_network,
    read_number,
)
from iamsim.model import ConditionScalar

if TYPE_CHECKING:
    from iamsim.patterns import Pieces

__all__ = [
    "Hit",
    "arn_pattern_usable",
    "literal_pieces",
    "make_hit",
    "split_arn_pieces",
    "static_template",
    "value_form",
]

# A per-request-value test: True/False, or None when the operator cannot read the value.
Hit = Callable[[str], bool | None]


# ------------------------------------------------------------------------------------------------
# Policy values as templates and pieces
# ------------------------------------------------------------------------------------------------


def static_template(text: str, spec: OperatorSpec, substitute: bool) -> Template:
    """The value as a template: parsed for variables only where they are substituted."""
    if substitute and spec.variables and "${" in text:
        return parse_template(text)
    return Template(text=text, parts=(TemplateLiteral(text),) if text else ())


def literal_pieces(template: Template) -> tuple[tuple[str, bool], ...]:
    return tuple((p.text, p.escaped) for p in template.parts if isinstance(p, TemplateLiteral))


def split_arn_pieces(pieces: Pieces) -> list[list[tuple[str, bool]]]:
    """Split a pattern into at most six ARN parts at its first five colons."""
    parts: list[list[tuple[str, bool]]] = [[]]
    for text, literal in pieces:
        rest = text
        while len(parts) < 6 and ":" in rest:
            head, _, rest = rest.partition(":")
            parts[-1].append((head, literal))
            parts.append([])
        parts[-1].append((rest, literal))
    return parts


def arn_pattern_usable(parts: list[list[tuple[str, bool]]]) -> bool:
    """Six parts, or fewer when the last one ends in a wildcard `*`.

    [OPS] ARN operators compare the six parts separately. With fewer parts, a trailing `*`
    stands for the rest of the ARN, as in a Resource element (IAM User Guide, "IAM JSON
    policy elements: Resource": a `*` ending a segment may expand past colons).
    """
    if len(parts) == 6:
        return True
    last = [piece for piece in parts[-1] if piece[0]]
    return bool(last) and not last[-1][1] and last[-1][0].endswith("*")


# ------------------------------------------------------------------------------------------------
# Compiling: policy values into ready-to-compare forms
# ------------------------------------------------------------------------------------------------

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}

_ArnMatch = Callable[[tuple[str, ...]], bool]


def _glob_test(pieces: Pieces, ignore_case: bool, text: str) -> bool:
    return _patterns.glob_match(pieces, text, ignore_case=ignore_case)


def _dynamic_glob(pieces: Pieces, *, ignore_case: bool) -> Callable[[str], bool]:
    """A glob test for a per-request pattern: glob_match, never a compiled regex."""
    return functools.partial(_glob_test, pieces, ignore_case)


def _arn_match(tests: tuple[Callable[[str], bool], ...], request: tuple[str, ...]) -> bool:
    """Each ARN part against its test; the last test takes the rest of a short pattern."""
    last = len(tests) - 1
    for i in range(last):
        if not tests[i](request[i]):
            return False
    tail = request[last] if last == 5 else ":".join(request[last:])
    return tests[last](tail)


def _arn_matcher(parts: list[list[tuple[str, bool]]], *, static: bool) -> _ArnMatch:
    tests: list[Callable[[str], bool]]
    if static:
        tests = [_patterns.compile_glob(tuple(p)).match for p in parts]
    else:
        tests = [_dynamic_glob(tuple(p), ignore_case=False) for p in parts]
    return functools.partial(_arn_match, tuple(tests))


def value_form(
    spec: OperatorSpec, value: ConditionScalar | None, pieces: Pieces, static: bool
) -> Any:
    """The compiled form of one policy value, or None when it cannot be used (matches nothing).

    `value` is the raw policy value for static values (None for substituted ones).
    """
    text = "".join(t for t, _ in pieces)
    kind = spec.kind
    if kind == "string":
        if spec.comparator == "like":
            # [OPS] StringLike: `*`/`?` wildcards, case-sensitive; substituted text is literal.
            if static:
                return _patterns.compile_glob(tuple(pieces), ignore_case=spec.ignore_case).match
            return _dynamic_glob(tuple(pieces), ignore_case=spec.ignore_case)
        # [OPS] StringEquals: exact; `*` is literal. IgnoreCase variants compare without case.
        return text.lower() if spec.ignore_case else text
    if kind == "numeric":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return read_number(text)
    if kind == "date":
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)  # a JSON number: epoch seconds
        return read_date(text)
    if kind in ("bool", "null"):
        return read_bool(text)
    if kind == "binary":
        return read_base64(text)
    if kind == "ip":
        return read_ip_network(text)
    if kind == "arn":
        parts = split_arn_pieces(pieces)
        return _arn_matcher(parts, static=static) if arn_pattern_usable(parts) else None
    raise AssertionError(kind)  # pragma: no cover


# ------------------------------------------------------------------------------------------------
# Matching: one request value against the compiled policy values
# ------------------------------------------------------------------------------------------------


# Hits are partials of module-level functions (not closures) so that compiled conditions,
# and the policies, worlds and decisions holding them, pickle and deep-copy.


def _any_like(tests: tuple[Callable[[str], bool], ...], v: str) -> bool:
    return any(t(v) for t in tests)


def _in_lower(pool: frozenset[str], v: str) -> bool:
    return v.lower() in pool


def _order_hit(
    read: Callable[[str], Any], cmp: Callable[[Any, Any], bool], limits: tuple[Any, ...], v: str
) -> bool | None:
    got = read(v)
    if got is None:
        return None
    return any(cmp(got, limit) for limit in limits)


def _bool_hit(wanted: frozenset[bool], v: str) -> bool | None:
    got = read_bool(v)
    return None if got is None else got in wanted


def _binary_hit(blobs: frozenset[bytes], v: str) -> bool | None:
    got = read_base64(v)
    return None if got is None else got in blobs


IpRanges = tuple[tuple[int, ...], tuple[int, ...]]
"""Disjoint address ranges, sorted: their first addresses, and their last ones."""


def ip_ranges(networks: Sequence[Any], version: int) -> IpRanges:
    """The networks of one IP version as sorted, merged ranges of addresses (as integers),
    so that one bisection tests an address against all of them."""
    starts: list[int] = []
    ends: list[int] = []
    spans = (
        (int(n.network_address), int(n.broadcast_address)) for n in networks if n.version == version
    )
    for first, last in sorted(spans):
        if ends and first <= ends[-1] + 1:
            ends[-1] = max(ends[-1], last)
        else:
            starts.append(first)
            ends.append(last)
    return tuple(starts), tuple(ends)


def _ip_hit(v4: IpRanges, v6: IpRanges, v: str) -> bool | None:
    # [OPS] IP: an address of the other IP version never matches.
    addr = read_ip_address(v)
    if addr is None:
        return None
    starts, ends = v4 if addr.version == 4 else v6
    number = int(addr)
    i = bisect.bisect_right(starts, number) - 1
    return i >= 0 and number <= ends[i]


def _arn_hit(matchers: tuple[_ArnMatch, ...], v: str) -> bool | None:
    parts = read_arn(v)  # [OPS] not a six-part ARN: no match
    if parts is None:
        return None
    return any(m(parts) for m in matchers)


def make_hit(spec: OperatorSpec, forms: Sequence[Any]) -> Hit:
    """Does one request value match any of the policy values? None: value unreadable."""
    kind = spec.kind
    if kind == "string":
        if spec.comparator == "like":
            return functools.partial(_any_like, tuple(forms))
        pool = frozenset(forms)
        if spec.ignore_case:
            return functools.partial(_in_lower, pool)
        return pool.__contains__
    if kind in ("numeric", "date"):
        # [OPS] Numeric/Date operators: request value <op> policy value; dates compared as
        # instants (UTC), epoch seconds and ISO 8601 mix freely.
        read = read_number if kind == "numeric" else read_date
        return functools.partial(_order_hit, read, _ORDER[spec.comparator], tuple(forms))
    if kind == "bool":
        return functools.partial(_bool_hit, frozenset(forms))
    if kind == "binary":
        return functools.partial(_binary_hit, frozenset(forms))
    if kind == "ip":
        return functools.partial(_ip_hit, ip_ranges(forms, 4), ip_ranges(forms, 6))
    if kind == "arn":
        return functools.partial(_arn_hit, tuple(forms))
    raise AssertionError(kind)  # pragma: no cover
