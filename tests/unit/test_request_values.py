"""Request values an operator cannot read.

A documented key carries only values of its documented type (IAM User Guide, "AWS global
condition context keys"; Service Authorization Reference, each service's "Condition keys"):
any other value is a `ValidationError` at the request. For a key AWS does not document, an
operator that cannot read the value takes the least permissive reading for the statement's
effect (IAM User Guide, "IAM JSON policy elements: Condition operators", which documents no
operator on such a value): the condition holds in a Deny and fails in an Allow, whatever the
operator family, negated or not, with `IfExists` or a set qualifier.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.conditions import OPERATORS, compile_condition
from iamsim.conditions.requests import checked_context, value_problem
from iamsim.conditions.values import (
    read_arn,
    read_base64,
    read_bool,
    read_date,
    read_ip_address,
    read_number,
)
from iamsim.model import ConditionEntry
from iamsim.request import Context

ALICE = "arn:aws:iam::111111111111:user/alice"
BUCKET = "arn:aws:s3:::bkt"
UNDOCUMENTED = "myapp:value"

# One readable policy value per operator family, and the reader a request value must pass.
FAMILIES: dict[str, tuple[str, Any]] = {
    "numeric": ("10", read_number),
    "date": ("2020-01-01T00:00:00Z", read_date),
    "bool": ("true", read_bool),
    "binary": ("QmluYXJ5", read_base64),
    "ip": ("203.0.113.0/24", read_ip_address),
    "arn": ("arn:aws:sqs:*:111111111111:q", read_arn),
}
TYPED = sorted(name for name, spec in OPERATORS.items() if spec.kind in FAMILIES)


def _world(effect: str, condition: dict[str, Any]) -> iamsim.World:
    statements: list[dict[str, Any]] = [
        {"Effect": effect, "Action": "s3:ListBucket", "Resource": "*", "Condition": condition}
    ]
    if effect == "Deny":
        statements.append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    policy = {"Version": "2012-10-17", "Statement": statements}
    return iamsim.World.of(
        iamsim.User(ALICE, policies=[policy]), iamsim.Resource(BUCKET, account="111111111111")
    )


def _holds(operator: str, effect: str, value: str, request: object) -> bool:
    entry = ConditionEntry(operator, UNDOCUMENTED, (value,), True)
    condition = compile_condition(entry, substitute=True, effect=effect)  # type: ignore[arg-type]
    return condition.evaluate(Context.of({UNDOCUMENTED: request})).matched


# -- documented keys: refused at the request -------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        pytest.param("s3:max-keys", "NaN", "Numeric", id="numeric"),
        pytest.param("aws:SourceIp", "1.2.3.4/33", "IPAddress", id="ip"),
        pytest.param("aws:TokenIssueTime", "2019-02-29", "Date", id="date"),
        pytest.param("aws:SecureTransport", "yes", "Bool", id="bool"),
        pytest.param("aws:SourceArn", "q", "ARN", id="arn"),
        pytest.param("AWS:SOURCEIP", ["10.0.0.1", "x"], "IPAddress", id="case-and-lists"),
        pytest.param("aws:MultiFactorAuthAge", True, "Numeric", id="python-bool"),
        pytest.param("aws:username", b"alice", "String", id="bytes-for-a-string-key"),
    ],
)
def test_documented_key_with_a_value_aws_never_sends_is_refused(
    key: str, value: object, kind: str
) -> None:
    """AWS global condition context keys (and the Service Authorization Reference) type each
    key; a Deny must not silently fail to apply because the value could not be read."""
    world = _world("Deny", {"NumericGreaterThan": {"s3:max-keys": "1000"}})
    with pytest.raises(iamsim.ValidationError) as info:
        world.simulate(ALICE, "s3:ListBucket", BUCKET, context={key: value})
    assert f"context[{key!r}]" in str(info.value)
    assert f"documents as {kind}" in str(info.value)


def test_documented_keys_accept_what_aws_sends() -> None:
    context = {
        "s3:max-keys": 10,
        "aws:SourceIp": "2001:db8::1",
        "aws:TokenIssueTime": "2020-02-29T00:00:00Z",
        "aws:EpochTime": "1700000000",
        "aws:SecureTransport": False,
        "aws:SourceArn": "arn:aws:sqs:us-east-1:111111111111:q",
        "aws:CalledVia": ["athena.amazonaws.com"],
        "aws:PrincipalTag/team": "anything at all",
    }
    assert all(value_problem(k, v) is None for k, v in context.items())
    checked = checked_context(context)
    assert checked is not None and checked.get("s3:max-keys") == "10"
    world = _world("Deny", {"NumericGreaterThan": {"s3:max-keys": "1000"}})
    assert world.simulate(ALICE, "s3:ListBucket", BUCKET, context=context).allowed


def test_a_context_object_is_checked_too() -> None:
    world = _world("Deny", {"NumericGreaterThan": {"s3:max-keys": "1000"}})
    with pytest.raises(iamsim.ValidationError, match="Numeric"):
        world.simulate(ALICE, "s3:ListBucket", BUCKET, context=Context.of({"s3:max-keys": "x"}))


def test_keys_iamsim_fills_are_not_checked_and_an_empty_context_costs_nothing() -> None:
    assert checked_context(None) is None and checked_context({}) is None
    world = _world("Deny", {"NumericGreaterThan": {"s3:max-keys": "1000"}})
    d = world.simulate(ALICE, "s3:ListBucket", BUCKET)
    assert d.allowed and dict(d.context)["aws:CurrentTime"].endswith("Z")


# -- undocumented keys: the least permissive reading -----------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "request_value"),
    [
        pytest.param("NumericGreaterThan", "1000", "NaN", id="numeric"),
        pytest.param("IpAddress", "203.0.113.0/24", "1.2.3.4/33", id="ip"),
        pytest.param("DateLessThan", "2020-01-01", "2019-02-29", id="date"),
    ],
)
def test_undocumented_key_deny_applies_allow_does_not_grant(
    operator: str, value: str, request_value: str
) -> None:
    """IAM JSON policy elements: Condition operators documents no operator on a value it
    cannot read; the brief's three examples, on a key AWS does not document."""
    condition = {operator: {UNDOCUMENTED: value}}
    context = {UNDOCUMENTED: request_value}
    deny = _world("Deny", condition).simulate(ALICE, "s3:ListBucket", BUCKET, context=context)
    assert deny.outcome == "explicitDeny"
    trace = deny.denied_by[0]
    assert trace.explicit
    allow = _world("Allow", condition).simulate(ALICE, "s3:ListBucket", BUCKET, context=context)
    assert allow.outcome == "implicitDeny"
    (near,) = allow.near_misses
    assert near.key == UNDOCUMENTED


def test_the_trace_note_says_which_reading_was_taken() -> None:
    entry = ConditionEntry("NumericLessThan", UNDOCUMENTED, ("5",), True)
    for effect, verb in (("Deny", "satisfies it"), ("Allow", "does not satisfy it")):
        condition = compile_condition(entry, substitute=True, effect=effect)  # type: ignore[arg-type]
        trace = condition.evaluate(Context.of({UNDOCUMENTED: "NaN"}))
        assert trace.matched is (effect == "Deny")
        assert trace.note is not None
        assert "least permissive" in trace.note and verb in trace.note and effect in trace.note


_TEXT = st.text(max_size=12)


@given(data=st.data(), value=_TEXT)
def test_property_numeric_deny_applies_to_any_unreadable_value(
    data: st.DataObject, value: str
) -> None:
    """For any Numeric operator (IfExists or not) in a Deny, and any request value that is
    no number, the condition holds; in an Allow it never does."""
    if read_number(value) is not None:
        return
    base = data.draw(st.sampled_from([n for n in TYPED if OPERATORS[n].kind == "numeric"]))
    operator = base + data.draw(st.sampled_from(["", "IfExists"]))
    assert _holds(operator, "Deny", "10", value)
    assert not _holds(operator, "Allow", "10", value)


@given(data=st.data(), values=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4))
def test_property_any_family_any_qualifier(data: st.DataObject, values: list[str]) -> None:
    """Every typed operator family, plain or with a set qualifier: unreadable request values
    never weaken a Deny and never make an Allow hold."""
    base = data.draw(st.sampled_from(TYPED))
    policy_value, read = FAMILIES[OPERATORS[base].kind]
    operator = data.draw(st.sampled_from(["", "ForAnyValue:", "ForAllValues:"])) + base
    unreadable = [v for v in values if read(v) is None]
    readable = [v for v in values if read(v) is not None]
    if not unreadable:
        return
    assert _holds(operator, "Deny", policy_value, unreadable)
    assert not _holds(operator, "Allow", policy_value, unreadable)
    if readable:
        mixed = [*readable, *unreadable]
        assert _holds(operator, "Deny", policy_value, mixed) >= _holds(
            operator, "Deny", policy_value, readable
        )
        assert _holds(operator, "Allow", policy_value, mixed) <= _holds(
            operator, "Allow", policy_value, readable
        )


_NUMERIC_WORLDS = {
    (name, effect): _world(effect, {name: {UNDOCUMENTED: "10"}})
    for name in TYPED
    if OPERATORS[name].kind == "numeric"
    for effect in ("Deny", "Allow")
}


@settings(max_examples=40, deadline=None)
@given(data=st.data(), value=st.text(max_size=10))
def test_property_through_the_world(data: st.DataObject, value: str) -> None:
    """A whole decision: any Numeric Deny applies to any request value on an undocumented key
    that is no number, and no Numeric Allow grants on one."""
    if read_number(value) is not None:
        return
    name = data.draw(st.sampled_from(sorted({n for n, _ in _NUMERIC_WORLDS})))
    context = {UNDOCUMENTED: value}
    deny = _NUMERIC_WORLDS[name, "Deny"].simulate(ALICE, "s3:ListBucket", BUCKET, context=context)
    allow = _NUMERIC_WORLDS[name, "Allow"].simulate(ALICE, "s3:ListBucket", BUCKET, context=context)
    assert deny.outcome == "explicitDeny" and allow.outcome == "implicitDeny"


# -- Binary: Python bytes ---------------------------------------------------------------------


@given(blob=st.binary(max_size=32), other=st.binary(max_size=32))
def test_property_bytes_compare_as_their_base64(blob: bytes, other: bytes) -> None:
    """IAM JSON policy elements: Condition operators (Binary): the policy holds base64 text;
    request bytes are base64-encoded before the comparison."""
    policy_value = base64.b64encode(blob).decode("ascii")
    assert _holds("BinaryEquals", "Allow", policy_value, blob)
    assert _holds("BinaryEquals", "Allow", policy_value, bytearray(blob))
    assert _holds("BinaryEquals", "Allow", policy_value, other) is (other == blob)
    assert Context.of({UNDOCUMENTED: blob}).get(UNDOCUMENTED) == policy_value


def test_bytes_through_the_world() -> None:
    condition = {"BinaryEquals": {UNDOCUMENTED: "QmluYXJ5"}}
    world = _world("Allow", condition)
    assert world.simulate(ALICE, "s3:ListBucket", BUCKET, context={UNDOCUMENTED: b"Binary"}).allowed
    assert not world.simulate(
        ALICE, "s3:ListBucket", BUCKET, context={UNDOCUMENTED: b"binary"}
    ).allowed
