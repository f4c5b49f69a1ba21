"""Checking one condition entry: operator key, set qualifier, key and values → problems.

    check_condition(entry, substitute=…) -> every problem, paths relative to the Condition block

Every problem is reported at once (never just the first), with a did-you-mean hint where
one helps; `compile_condition` refuses any entry this objects to, so evaluation only ever
sees operators it knows and values it can read (or that hold policy variables, which are
read per request).

Sources, cited beside each rule:
  [OPS]   IAM User Guide, "IAM JSON policy elements: Condition operators"
          (reference_policies_elements_condition_operators.html)
  [VARS]  IAM User Guide, "IAM policy elements: Variables and tags"
          (reference_policies_variables.html)
"""

from __future__ import annotations

import functools
import math

from iamsim.conditions.ast import OperatorKey
from iamsim.conditions.hints import Choices
from iamsim.conditions.matchers import (
    arn_pattern_usable,
    literal_pieces,
    split_arn_pieces,
    static_template,
)
from iamsim.conditions.operators import (
    OPERATORS,
    SET_QUALIFIERS,
    OperatorSpec,
    all_spellings,
)
from iamsim.conditions.syntax import parse_operator_key
from iamsim.conditions.values import (
    key_problem,
    policy_text,
    read_base64,
    read_bool,
    read_date,
    read_ip_network,
    read_number,
)
from iamsim.errors import PolicyError, Problem, did_you_mean, join_path
from iamsim.model import ConditionEntry

__all__ = ["check_condition"]

_KIND_WORDS = {
    "numeric": "an integer or decimal number",
    "date": "a W3C ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s]]TZD) "
    "or epoch seconds",
    "bool": "`true` or `false`",
    "null": "`true` or `false`",
    "ip": "an IPv4 or IPv6 address or CIDR block",
    "binary": "base64 text",
    "arn": "an ARN with six colon-separated parts",
}


# ------------------------------------------------------------------------------------------------
# Operator keys
# ------------------------------------------------------------------------------------------------


@functools.cache
def _spellings() -> Choices:
    return Choices(all_spellings())


@functools.cache
def _operators() -> Choices:
    return Choices(OPERATORS)


def _parse_operator(text: str) -> tuple[OperatorKey | None, list[Problem]]:
    path = text
    if ":" in text:
        prefix = text.partition(":")[0]
        if prefix not in SET_QUALIFIERS and prefix[:3].lower() == "for":
            # [OPS] the only set qualifiers are ForAnyValue and ForAllValues.
            hint = did_you_mean(prefix, SET_QUALIFIERS) or _spellings().hint(text)
            return None, [
                Problem(
                    "condition.qualifier.unknown",
                    path,
                    f"unknown condition set qualifier `{prefix}`",
                    hint,
                )
            ]
    try:
        parsed = parse_operator_key(text)
    except PolicyError as exc:
        return None, [p.under(path) for p in exc.problems]
    if parsed.base not in OPERATORS:
        hint = _spellings().hint(text)
        if hint is None and parsed.qualifier is None and parsed.base != text:
            # (With base == text, every operator is among the spellings just tried.)
            hint = _operators().hint(parsed.base)
        return None, [
            Problem(
                "condition.operator.unknown", path, f"unknown condition operator `{text}`", hint
            )
        ]
    spec = OPERATORS[parsed.base]
    if parsed.if_exists and not spec.if_exists_allowed:
        # [OPS] "...IfExists" may be added to "any condition operator except the Null condition".
        return None, [
            Problem(
                "condition.operator.ifexists",
                path,
                f"`{text}` is not a valid operator: IfExists cannot be used with Null",
                "use `Null` on its own",
            )
        ]
    if parsed.qualifier is not None and spec.kind == "null":
        # Design decision: AWS documents no meaning for a set qualifier on Null (Null tests
        # whether the key exists, not its values), so iamsim refuses it rather than guess.
        return None, [
            Problem(
                "condition.qualifier.null",
                path,
                f"`{text}` is not supported: Null tests whether a key exists, so a set "
                "qualifier has no documented meaning",
                "use `Null` without ForAnyValue:/ForAllValues:",
            )
        ]
    return parsed, []


# ------------------------------------------------------------------------------------------------
# Checking
# ------------------------------------------------------------------------------------------------


def _value_path(entry: ConditionEntry, index: int) -> str:
    key_path = join_path(entry.operator, entry.key)
    return key_path if entry.scalar else f"{key_path}[{index}]"


def _value_problems(
    spec: OperatorSpec, value: object, substitute: bool, path: str
) -> list[Problem]:
    if not isinstance(value, str | bool | int | float):
        return [
            Problem(
                "condition.value.type",
                path,
                f"condition value must be a string, number or boolean, not {type(value).__name__}",
            )
        ]
    if spec.kind == "numeric" and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return [Problem("condition.value.numeric", path, f"`{value}` is not a number")]
        return []
    text = policy_text(value)
    if substitute and "${" in text and not spec.variables:
        # [VARS] policy variables are not allowed in Numeric, Date, IP, Null and Binary values.
        return [
            Problem(
                "condition.variable.not_allowed",
                path,
                f"policy variables cannot be used in {spec.name} values: `{text}`",
                "use a String or ARN operator, or write the value out",
            )
        ]
    try:
        template = static_template(text, spec, substitute)
    except PolicyError as exc:
        return [p.under(path) for p in exc.problems]
    if not template.is_literal:
        return []  # read per request; a value that then cannot be read matches nothing
    literal = "".join(t for t, _ in literal_pieces(template))
    ok: bool
    if spec.kind == "numeric":
        ok = read_number(literal) is not None
    elif spec.kind == "date":
        ok = read_date(literal) is not None
    elif spec.kind in ("bool", "null"):
        ok = read_bool(literal) is not None
    elif spec.kind == "ip":
        ok = read_ip_network(literal) is not None
    elif spec.kind == "binary":
        ok = read_base64(literal) is not None
    elif spec.kind == "arn":
        ok = arn_pattern_usable(split_arn_pieces(literal_pieces(template)))
    else:
        ok = True
    if ok:
        return []
    return [
        Problem(
            f"condition.value.{spec.kind}",
            path,
            f"{spec.name} cannot read `{literal}`: expected {_KIND_WORDS[spec.kind]}",
        )
    ]


def check_condition(entry: ConditionEntry, *, substitute: bool) -> list[Problem]:
    """Every problem with one condition entry; paths are relative to the Condition block."""
    problems: list[Problem] = []
    parsed, op_problems = _parse_operator(entry.operator)
    problems += op_problems
    key_path = join_path(entry.operator, entry.key)
    reason = key_problem(entry.key) if isinstance(entry.key, str) else "condition key must be text"
    if reason is not None:
        problems.append(Problem("condition.key.invalid", key_path, reason))
    if not entry.values:
        problems.append(
            Problem(
                "condition.value.empty",
                key_path,
                f"`{entry.key}` has no values: a condition needs at least one",
            )
        )
    if parsed is not None:
        spec = OPERATORS[parsed.base]
        for index, value in enumerate(entry.values):
            problems += _value_problems(spec, value, substitute, _value_path(entry, index))
    return problems
