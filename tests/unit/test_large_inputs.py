"""Large policies and requests take time near-linear in their size.

Inputs where a quadratic algorithm takes minutes and a near-linear one a fraction of a
second; no test measures time, each asserts the right answer.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import lark
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamsim.conditions import compile_condition
from iamsim.conditions.hints import Choices
from iamsim.conditions.operators import OPERATORS, all_spellings
from iamsim.conditions.syntax import _parser, parse_operator_key
from iamsim.errors import PolicyError, did_you_mean
from iamsim.model import ConditionEntry, Policy
from iamsim.request import Context

N = 10_000


def _ip_condition(operator: str, cidrs: tuple[str, ...]) -> object:
    return compile_condition(ConditionEntry(operator, "aws:SourceIp", cidrs), substitute=True)


def test_ip_address_ten_thousand_cidrs_by_ten_thousand_addresses() -> None:
    # IAM User Guide, condition operators, IpAddress: the request's address is in any of
    # the policy's ranges; with ForAllValues each of the request's values must be
    # ("Multivalued context keys"). Every other /24 of 10.0.0.0/8 is listed.
    cidrs = tuple(f"10.{i // 256}.{i % 256}.0/24" for i in range(0, 2 * N, 2))
    inside = [f"10.{i // 256}.{i % 256}.7" for i in range(0, 2 * N, 2)]
    outside = [f"10.{i // 256}.{i % 256}.7" for i in range(1, 2 * N, 2)]
    every = _ip_condition("ForAllValues:IpAddress", cidrs)
    assert every.evaluate(Context.of({"aws:SourceIp": inside})).matched  # type: ignore[attr-defined]
    mixed = [*inside[1:], outside[0]]  # one address between two listed ranges
    assert not every.evaluate(Context.of({"aws:SourceIp": mixed})).matched  # type: ignore[attr-defined]


_V4 = st.builds(
    lambda a, p: f"{ipaddress.IPv4Address(a)}/{p}",
    st.integers(0, 2**32 - 1),
    st.integers(16, 32),
)
_V6 = st.builds(
    lambda a, p: f"{ipaddress.IPv6Address(a)}/{p}",
    st.integers(0, 2**20),
    st.integers(108, 128),
)
_ADDRESSES = st.one_of(
    st.builds(lambda a: str(ipaddress.IPv4Address(a)), st.integers(0, 2**32 - 1)),
    st.builds(lambda a: str(ipaddress.IPv6Address(a)), st.integers(0, 2**20)),
    st.sampled_from(["not-an-ip", "::ffff:10.0.0.1", "10.0.0.1"]),
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(_V4, _V6, st.sampled_from(["10.0.0.0/8", "::/0", "0.0.0.0/0"])),
        min_size=1,
        max_size=8,
    ),
    st.lists(_ADDRESSES, min_size=1, max_size=6),
    st.sampled_from(["IpAddress", "NotIpAddress"]),
)
def test_property_ip_ranges_answer_as_each_network_does(
    cidrs: list[str], addresses: list[str], operator: str
) -> None:
    # IpAddress: in any listed network of the same IP version; NotIpAddress: in none.
    networks = [ipaddress.ip_network(c, strict=False) for c in cidrs]
    condition = _ip_condition(operator, tuple(cidrs))
    for address in addresses:
        try:
            addr = ipaddress.ip_address(address)
        except ValueError:
            continue  # unreadable values are covered by the condition tests
        inside = any(addr.version == n.version and addr in n for n in networks)
        trace = condition.evaluate(Context.of({"aws:SourceIp": address}))  # type: ignore[attr-defined]
        assert trace.matched == (inside != (operator == "NotIpAddress")), address


def test_ten_thousand_unknown_operators_in_one_statement() -> None:
    # IAM User Guide, condition operators: an operator that is not one of them makes the
    # policy invalid. Every unknown operator is reported, each with its own hint.
    condition: dict[str, Any] = {f"StringFoo{i}": {"aws:username": "x"} for i in range(N)}
    condition["StringEqualz"] = {"aws:username": "x"}
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]}
    with pytest.raises(PolicyError) as info:
        Policy.from_json(document)
    problems = info.value.problems
    assert len(problems) == N + 1
    assert {p.code for p in problems} == {"condition.operator.unknown"}
    assert problems[0].path == "Statement[0].Condition.StringFoo0"
    assert problems[-1].hint == "did you mean `StringEquals`?"


def _near(word: str, edits: list[tuple[int, int, str]]) -> str:
    """`word` after a few edits: (kind, position, character)."""
    for kind, at, char in edits:
        at %= len(word) + 1
        if kind == 0:
            word = word[:at] + char + word[at:]
        elif kind == 1:
            word = word[:at] + word[at + 1 :]
        elif kind == 2:
            word = word[:at] + char + word[at + 1 :]
        else:
            word = word[:at] + word[at:].swapcase()
    return word


_SPELLINGS = Choices(all_spellings())
_OPERATORS = Choices(OPERATORS)
_EDITS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 40), st.sampled_from("aeiEsSxX:1 ")),
    max_size=5,
)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(all_spellings()), _EDITS, st.text("ForAnyValueStringIfExists:", max_size=30))
def test_property_operator_hints_are_did_you_mean(
    spelling: str, edits: list[tuple[int, int, str]], noise: str
) -> None:
    # Hints for operators come from an index; they are the ones `did_you_mean` gives.
    spellings, operators = _SPELLINGS, _OPERATORS
    for word in (_near(spelling, edits), noise, noise + spelling, spelling.lower()):
        assert spellings.hint(word) == did_you_mean(word, all_spellings()), word
        assert operators.hint(word) == did_you_mean(word, OPERATORS), word


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["For", "Any", "All", "Value", "Values", ":", "String", "IfExists", "x"])
        | st.text("Fo1_ :-", max_size=2),
        max_size=6,
    )
)
def test_property_operator_keys_parse_as_the_grammar_says(parts: list[str]) -> None:
    # Well-formed operator keys skip lark; they must split exactly as lark splits them.
    text = "".join(parts)
    try:
        tree = _parser("operator_key").parse(text)
    except lark.UnexpectedInput:
        with pytest.raises(PolicyError):
            parse_operator_key.__wrapped__(text)
        return
    tokens = {t.type: str(t) for t in tree.children if isinstance(t, lark.Token)}
    got = parse_operator_key.__wrapped__(text)
    name = tokens["OPNAME"]
    assert got.qualifier == tokens.get("QUALIFIER")
    assert got.base + ("IfExists" if got.if_exists else "") == name
