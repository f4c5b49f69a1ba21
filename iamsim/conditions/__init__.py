"""Condition operators: check a condition entry, compile it once, evaluate it per request.

    check_condition(entry, substitute=…)  -> every problem, paths relative to the Condition block
    compile_condition(entry, substitute=…) -> CompiledCondition (raises PolicyError if invalid)
    CompiledCondition.evaluate(context)    -> ConditionTrace (never raises, never compiles a regex)

This module only re-exports. The code follows the data flow:

    grammar.lark, syntax.py  operator keys and `${…}` templates (the only lark import)
    ast.py                   the nodes the grammar produces
    operators.py             the operator table: one row per documented base operator
    values.py                readers for typed values (numbers, dates, IPs, base64, ARNs)
    check.py                 one condition entry → problems (operator key, qualifier, values)
    matchers.py              one policy value → compiled form → per-request-value hit test
    compiled.py              CompiledCondition: missing keys, set qualifiers, IfExists,
                             least-permissive readings of what AWS does not document
    requests.py              the caller's context values, checked against documented types
"""

from __future__ import annotations

from iamsim.conditions.check import check_condition
from iamsim.conditions.compiled import CompiledCondition, Effect, compile_condition
from iamsim.conditions.operators import OPERATORS, SET_QUALIFIERS, OperatorSpec

__all__ = [
    "OPERATORS",
    "SET_QUALIFIERS",
    "CompiledCondition",
    "Effect",
    "OperatorSpec",
    "check_condition",
    "compile_condition",
]
