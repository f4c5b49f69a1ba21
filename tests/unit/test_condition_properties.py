"""Property tests for condition evaluation (hypothesis, modest example counts)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamsim.conditions import OPERATORS, SET_QUALIFIERS, check_condition, compile_condition
from iamsim.model import ConditionEntry
from iamsim.request import Context

KEY = "svc:key"

# Valid policy values per value kind.
_VALUES: dict[str, st.SearchStrategy[str]] = {
    "string": st.one_of(
        st.text(max_size=8),
        st.sampled_from(["${aws:username}", "a${*}b", "${aws:PrincipalTag/t, 'x'}-*", "?*"]),
    ),
    "numeric": st.one_of(st.integers(-1000, 1000).map(str), st.sampled_from(["10.0", "-0.5"])),
    "date": st.sampled_from(["2020", "2020-01", "2020-01-01", "2020-01-01T10:00Z", "1577836800"]),
    "bool": st.sampled_from(["true", "false", "TRUE"]),
    "null": st.sampled_from(["true", "false"]),
    "binary": st.sampled_from(["YWJj", "", "QUJD"]),
    "ip": st.sampled_from(["10.0.0.0/8", "203.0.113.9", "2001:db8::/32", "0.0.0.0/0"]),
    "arn": st.sampled_from(["arn:aws:s3:::*", "arn:*:iam::${aws:username}:*", "*", "arn:aws:*"]),
}

_REQUEST_TEXT = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        [
            "10",
            "abc",
            "2019-12-31T23:59:59Z",
            "1577836800",
            "true",
            "10.1.2.3",
            "::1",
            "YWJj",
            "arn:aws:s3:::bkt/k",
            "arn:aws:iam::bob:role/x",
            "",
        ]
    ),
)
_REQUEST_VALUE = st.one_of(_REQUEST_TEXT, st.lists(_REQUEST_TEXT, max_size=3))


@st.composite
def conditions(draw: st.DrawFn, *, with_set: bool = True) -> ConditionEntry:
    base = draw(st.sampled_from(sorted(OPERATORS)))
    spec = OPERATORS[base]
    qualifier = ""
    if with_set and spec.kind != "null":
        qualifier = draw(st.sampled_from(["", *(q + ":" for q in SET_QUALIFIERS)]))
    if_exists = "IfExists" if spec.if_exists_allowed and draw(st.booleans()) else ""
    values = tuple(draw(st.lists(_VALUES[spec.kind], min_size=1, max_size=3)))
    return ConditionEntry(qualifier + base + if_exists, KEY, values)


def _context(value: Any, username: Any) -> Context:
    items: dict[str, Any] = {}
    if value is not None:
        items[KEY] = value
    if username is not None:
        items["aws:username"] = username
    return Context.of(items)


@settings(max_examples=150, deadline=None)
@given(
    conditions(),
    st.none() | _REQUEST_VALUE,
    st.none() | _REQUEST_TEXT,
    st.sampled_from([None, "Allow", "Deny"]),
)
def test_evaluate_never_raises(
    entry: ConditionEntry, value: Any, username: Any, effect: Any
) -> None:
    assert check_condition(entry, substitute=True) == []
    compiled = compile_condition(entry, substitute=True, effect=effect)
    trace = compiled.evaluate(_context(value, username))
    assert isinstance(trace.matched, bool)
    assert trace.operator == entry.operator
    assert len(trace.policy_values) == len(entry.values)


@settings(max_examples=100, deadline=None)
@given(conditions(), _REQUEST_VALUE, st.none() | _REQUEST_TEXT)
def test_if_exists_equals_base_when_key_present(
    entry: ConditionEntry, value: Any, username: Any
) -> None:
    """[OPS] ...IfExists behaves like the base operator when the key is present."""
    if entry.operator.endswith("IfExists"):
        entry = ConditionEntry(entry.operator[: -len("IfExists")], entry.key, entry.values)
    spec = OPERATORS[entry.operator.rpartition(":")[2]]
    if not spec.if_exists_allowed:
        return
    with_if = ConditionEntry(entry.operator + "IfExists", entry.key, entry.values)
    ctx = _context(value, username)
    base = compile_condition(entry, substitute=True).evaluate(ctx)
    if base.request_values == ():
        return  # an empty set is read as absent
    assert compile_condition(with_if, substitute=True).evaluate(ctx).matched == base.matched


@settings(max_examples=80, deadline=None)
@given(conditions(with_set=False), st.none() | _REQUEST_TEXT)
def test_for_all_values_true_on_missing_key(entry: ConditionEntry, username: Any) -> None:
    """[MULTI] ForAllValues is true when the key is missing."""
    if OPERATORS[entry.operator.removesuffix("IfExists")].kind == "null":
        return
    entry = ConditionEntry("ForAllValues:" + entry.operator, entry.key, entry.values)
    assert compile_condition(entry, substitute=True).evaluate(_context(None, username)).matched


@settings(max_examples=80, deadline=None)
@given(conditions(with_set=False), st.none() | _REQUEST_TEXT)
def test_negated_operator_true_on_missing_key(entry: ConditionEntry, username: Any) -> None:
    """[OPS] a negated operator is true when the key is missing."""
    spec = OPERATORS[entry.operator.removesuffix("IfExists")]
    if not spec.negated:
        return
    assert compile_condition(entry, substitute=True).evaluate(_context(None, username)).matched


@settings(max_examples=80, deadline=None)
@given(conditions(), _REQUEST_VALUE, st.none() | _REQUEST_TEXT)
def test_evaluate_never_compiles_a_regex(entry: ConditionEntry, value: Any, username: Any) -> None:
    compiled = compile_condition(entry, substitute=True)
    ctx = _context(value, username)

    def boom(*_: Any, **__: Any) -> Any:
        raise AssertionError("regex compiled during evaluation")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(re, "compile", boom)
        mp.setattr(re, "_compile", boom)
        compiled.evaluate(ctx)


@settings(max_examples=200, deadline=None)
@given(
    conditions(),
    st.none() | _REQUEST_VALUE,
    st.none() | _REQUEST_TEXT,
    st.sampled_from([None, "Allow", "Deny"]),
)
def test_the_fast_path_agrees_with_the_general_one(
    entry: ConditionEntry, value: Any, username: Any, effect: Any
) -> None:
    """`evaluate`'s path for one request value and static values gives what the general
    path gives, for any condition and request value; so does `holds`, which decides a
    request's outcome (the trace is built only for a reader)."""
    compiled = compile_condition(entry, substitute=True, effect=effect)
    ctx = _context(value, username)
    general = compiled._general(ctx, ctx.get(KEY))
    assert compiled.evaluate(ctx) == general
    assert compiled.holds(ctx) == general.matched
