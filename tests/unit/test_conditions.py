"""Example tests for condition operators; each names the AWS rule it checks.

[OPS]   IAM User Guide, "IAM JSON policy elements: Condition operators"
[MULTI] IAM User Guide, "Single-valued vs. multivalued context keys" / "Multivalued context keys"
[VARS]  IAM User Guide, "IAM policy elements: Variables and tags"
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from iamsim.conditions import (
    OPERATORS,
    SET_QUALIFIERS,
    CompiledCondition,
    check_condition,
    compile_condition,
)
from iamsim.errors import PolicyError
from iamsim.model import ConditionEntry
from iamsim.request import Context

CORPUS = Path(__file__).resolve().parents[1] / "compliance" / "conditions"


def cond(
    op: str, key: str, *values: Any, substitute: bool = True, effect: str | None = None
) -> CompiledCondition:
    entry = ConditionEntry(op, key, tuple(values), scalar=len(values) == 1)
    return compile_condition(entry, substitute=substitute, effect=effect)  # type: ignore[arg-type]


def matches(op: str, key: str, values: Any, context: dict[str, Any], **kw: Any) -> bool:
    vals = values if isinstance(values, list) else [values]
    return cond(op, key, *vals, **kw).evaluate(Context.of(context)).matched


def problems(op: str, key: str, *values: Any, substitute: bool = True) -> list[tuple[str, str]]:
    entry = ConditionEntry(op, key, tuple(values), scalar=len(values) == 1)
    return [(p.code, p.path) for p in check_condition(entry, substitute=substitute)]


# --- the table -----------------------------------------------------------------------------------


def test_operator_table_lists_every_documented_operator() -> None:
    """[OPS] lists 27 base operators (String 6, Numeric 6, Date 6, Bool, Binary, IP 2, ARN 4,
    Null)."""
    assert len(OPERATORS) == 27
    assert SET_QUALIFIERS == ("ForAnyValue", "ForAllValues")
    assert {n for n, s in OPERATORS.items() if s.negated} == {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    }


# --- error messages -----------------------------------------------------------------------------


def test_unknown_operator_message_and_hint() -> None:
    """[OPS] only the documented spellings exist; unknown ones fail loudly with a hint."""
    entry = ConditionEntry("StringEqualz", "aws:username", ("bob",), scalar=True)
    (problem,) = check_condition(entry, substitute=True)
    assert problem.code == "condition.operator.unknown"
    assert problem.path == "StringEqualz"
    assert problem.message == "unknown condition operator `StringEqualz`"
    assert problem.hint == "did you mean `StringEquals`?"
    assert str(problem) == (
        "StringEqualz: unknown condition operator `StringEqualz` (did you mean `StringEquals`?)"
    )


def test_miscased_operator_hint() -> None:
    """S3 rejects mis-cased operators (reference §3.1): hint the exact spelling."""
    entry = ConditionEntry("stringequalsifexists", "k:k", ("a",), scalar=True)
    (problem,) = check_condition(entry, substitute=True)
    assert problem.code == "condition.operator.unknown"
    assert problem.hint == "did you mean `StringEqualsIfExists`?"


def test_unknown_qualifier_message_and_hint() -> None:
    """[MULTI] the only set qualifiers are ForAnyValue and ForAllValues."""
    entry = ConditionEntry("ForAnyValues:StringEquals", "aws:TagKeys", ("a",), scalar=True)
    (problem,) = check_condition(entry, substitute=True)
    assert problem.code == "condition.qualifier.unknown"
    assert problem.path == "ForAnyValues:StringEquals"
    assert problem.message == "unknown condition set qualifier `ForAnyValues`"
    assert problem.hint == "did you mean `ForAnyValue`?"
    entry = ConditionEntry("ForSomeValues:StringEquals", "aws:TagKeys", ("a",), scalar=True)
    (problem,) = check_condition(entry, substitute=True)
    assert problem.code == "condition.qualifier.unknown"
    assert problem.message == "unknown condition set qualifier `ForSomeValues`"
    assert problem.hint is not None and problem.hint.startswith("did you mean `For")


def test_null_if_exists_is_an_error() -> None:
    """[OPS] IfExists applies to every operator except Null."""
    assert problems("NullIfExists", "aws:TokenIssueTime", "true") == [
        ("condition.operator.ifexists", "NullIfExists")
    ]


def test_set_qualifier_on_null_is_refused() -> None:
    """Design decision (undocumented by AWS): ForAllValues:Null / ForAnyValue:Null fail loudly."""
    assert problems("ForAllValues:Null", "aws:TagKeys", "true") == [
        ("condition.qualifier.null", "ForAllValues:Null")
    ]


@pytest.mark.parametrize(
    ("op", "values", "code", "path"),
    [
        ("NumericLessThan", ("ten",), "condition.value.numeric", "NumericLessThan.k:k"),
        ("NumericLessThan", ("1", "x"), "condition.value.numeric", "NumericLessThan.k:k[1]"),
        ("DateLessThan", ("01/02/2020",), "condition.value.date", "DateLessThan.k:k"),
        ("DateLessThan", ("2020-01-01T10:00:00",), "condition.value.date", "DateLessThan.k:k"),
        ("Bool", ("yes",), "condition.value.bool", "Bool.k:k"),
        ("Null", ("maybe",), "condition.value.null", "Null.k:k"),
        ("IpAddress", ("10.0.0.0/33",), "condition.value.ip", "IpAddress.k:k"),
        ("IpAddress", ("bad",), "condition.value.ip", "IpAddress.k:k"),
        ("BinaryEquals", ("not base64!",), "condition.value.binary", "BinaryEquals.k:k"),
        ("ArnLike", ("arn:aws:s3",), "condition.value.arn", "ArnLike.k:k"),
        ("NumericEquals", ("${aws:x}",), "condition.variable.not_allowed", "NumericEquals.k:k"),
        ("StringEquals", ("${aws:x",), "variable.syntax", "StringEquals.k:k"),
    ],
)
def test_unreadable_policy_values_fail_loudly(
    op: str, values: tuple[str, ...], code: str, path: str
) -> None:
    """[OPS] each operator family documents the value format it reads."""
    found = problems(op, "k:k", *values)
    assert (code, path) in found


def test_bad_keys_and_empty_lists() -> None:
    assert problems("StringEquals", "", "a") == [("condition.key.invalid", "StringEquals")]
    assert problems("StringEquals", "aws:${x}", "a") == [
        ("condition.key.invalid", "StringEquals.aws:${x}")
    ]
    entry = ConditionEntry("StringEquals", "aws:username", ())
    assert [(p.code, p.path) for p in check_condition(entry, substitute=True)] == [
        ("condition.value.empty", "StringEquals.aws:username")
    ]


def test_compile_refuses_invalid_entries() -> None:
    with pytest.raises(PolicyError):
        cond("StringEqualz", "k:k", "a")


def test_variables_literal_without_2012_version() -> None:
    """[VARS] variables are only substituted in Version 2012-10-17 policies."""
    assert problems("NumericEquals", "k:k", "${aws:x}", substitute=False) == [
        ("condition.value.numeric", "NumericEquals.k:k")
    ]
    assert matches("StringEquals", "k:k", "${aws:x}", {"k:k": "${aws:x}"}, substitute=False)


# --- semantics ----------------------------------------------------------------------------------


def test_string_operators() -> None:
    """[OPS] String: case-sensitive except IgnoreCase; Like is a whole-value glob."""
    assert not matches("StringEquals", "k:k", "blue", {"k:k": "Blue"})
    assert matches("StringEqualsIgnoreCase", "k:k", "BLUE", {"k:k": "blue"})
    assert not matches("StringEquals", "k:k", "b*", {"k:k": "blue"})
    assert matches("StringLike", "k:k", "b*", {"k:k": "blue"})
    assert not matches("StringLike", "k:k", "B*", {"k:k": "blue"})
    assert matches("StringLike", "k:k", "*", {"k:k": ""})  # K18
    assert matches("StringNotLike", "k:k", ["a*", "b*"], {"k:k": "cat"})
    assert not matches("StringNotLike", "k:k", ["a*", "b*"], {"k:k": "bat"})  # NOR


def test_numeric_and_date() -> None:
    """[OPS] Numeric accepts integers and decimals; Date mixes epoch seconds and ISO 8601."""
    assert matches("NumericLessThanEquals", "s3:max-keys", "10.0", {"s3:max-keys": "10"})  # K14
    assert not matches("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "10"})
    assert matches(
        "DateLessThan", "aws:CurrentTime", "1577836800", {"aws:CurrentTime": "2019-12-31T23:59:59Z"}
    )  # K13
    assert not matches(
        "DateLessThan", "aws:CurrentTime", "1577836800", {"aws:CurrentTime": "2020-01-01T00:00:00Z"}
    )
    assert matches(
        "DateEquals",
        "aws:CurrentTime",
        "2020-01-01T01:00:00+01:00",
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
    )


def test_unreadable_request_value_does_not_match_and_is_explained() -> None:
    """A request value the operator cannot read never matches; the trace says why."""
    for op in ("NumericLessThan", "NumericNotEquals"):
        trace = cond(op, "k:k", "10").evaluate(Context.of({"k:k": "abc"}))
        assert not trace.matched
        assert trace.note is not None and "not a number" in trace.note


def test_bool_null_binary() -> None:
    """[OPS] Bool true/false; Null tests presence; BinaryEquals compares decoded bytes."""
    assert not matches("Bool", "aws:MultiFactorAuthPresent", "false", {})  # K15
    assert matches("BoolIfExists", "aws:MultiFactorAuthPresent", "false", {})
    assert matches("Bool", "aws:SecureTransport", True, {"aws:SecureTransport": "TRUE"})
    assert matches("Null", "aws:TokenIssueTime", "true", {})  # K16
    assert not matches("Null", "aws:TokenIssueTime", "false", {})
    assert matches("Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "x"})
    assert matches("BinaryEquals", "k:k", "YWJj", {"k:k": "YWJj"})
    assert not matches("BinaryEquals", "k:k", "YWJj", {"k:k": "YWJk"})


def test_ip() -> None:
    """[OPS] IP: CIDR; a bare address is /32; IPv4 never matches IPv6."""
    assert not matches("IpAddress", "aws:SourceIp", "203.0.113.9", {"aws:SourceIp": "203.0.113.10"})
    assert matches(
        "IpAddress",
        "aws:SourceIp",
        "2001:DB8:1234:5678::/64",
        {"aws:SourceIp": "2001:db8:1234:5678::1"},
    )
    assert not matches("IpAddress", "aws:SourceIp", "0.0.0.0/0", {"aws:SourceIp": "::1"})
    assert matches("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {})  # K08
    assert matches("IpAddress", "AWS:SOURCEIP", "10.0.0.0/8", {"aws:SourceIp": "10.1.2.3"})  # K12


def test_arn() -> None:
    """[OPS] ARN: parts compared separately (K17); not a 6-part ARN → no match."""
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/doc.txt"
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    assert not matches("ArnLike", "aws:SourceArn", pattern, {"aws:SourceArn": value})
    assert matches("StringLike", "aws:SourceArn", pattern, {"aws:SourceArn": value})
    assert not matches("ArnLike", "aws:SourceArn", "arn:*:*:*:*:*", {"aws:SourceArn": "nope"})
    # Fewer than six parts: undocumented, so the least permissive reading for the effect.
    short = {"k:k": "arn:aws:logs:r:1:log-group:g:x"}
    assert not matches("ArnLike", "k:k", "arn:aws:logs:*", short)
    assert matches("ArnLike", "k:k", "arn:aws:logs:*", short, effect="Deny")
    assert not matches("ArnNotLike", "k:k", "arn:aws:logs:*", short)
    assert matches("ArnNotLike", "k:k", "arn:aws:logs:*", short, effect="Deny")


def test_missing_keys() -> None:
    """[OPS] missing key: positive false, negated true, IfExists true; [MULTI] set operators."""
    assert not matches("StringEquals", "aws:PrincipalTag/team", "blue", {})  # K01
    assert matches("StringNotEquals", "aws:PrincipalTag/team", "blue", {})  # K02
    assert matches("StringNotEqualsIfExists", "aws:PrincipalTag/team", "blue", {})
    assert matches(
        "StringNotEqualsIfExists", "aws:PrincipalTag/team", "blue", {"aws:PrincipalTag/team": "red"}
    )
    assert matches("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {})  # K04
    assert not matches("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], {})  # K05
    assert not matches("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["a"], {})
    assert matches("ForAllValues:StringEquals", "aws:TagKeys", ["a"], {"aws:TagKeys": []})


def test_set_operators() -> None:
    """[MULTI] ForAllValues: every request value; ForAnyValue: at least one (K06, K07)."""
    assert matches(
        "ForAllValues:StringNotLike", "aws:TagKeys", "key1*", {"aws:TagKeys": ["key2:a"]}
    )
    assert not matches(
        "ForAllValues:StringNotLike", "aws:TagKeys", "key1*", {"aws:TagKeys": ["key1:a", "key2:a"]}
    )
    assert matches(
        "ForAnyValue:StringNotEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a", "c"]}
    )


def test_plain_operator_on_multivalued_value_is_least_permissive() -> None:
    """Undocumented by AWS ([MULTI] only says multivalued keys "require" a set operator):
    never matches in an Allow, matches in a Deny if any plausible reading does."""
    ctx = Context.of({"aws:TagKeys": ["a", "b"]})
    allow = cond("StringEquals", "aws:TagKeys", "a").evaluate(ctx)
    assert not allow.matched and allow.note is not None and "not documented" in allow.note
    assert cond("StringEquals", "aws:TagKeys", "a", effect="Deny").evaluate(ctx).matched
    assert not cond("StringEquals", "aws:TagKeys", "z", effect="Deny").evaluate(ctx).matched
    assert cond("StringNotEquals", "aws:TagKeys", "a", effect="Deny").evaluate(ctx).matched
    assert not cond("StringNotEquals", "aws:TagKeys", "a", effect="Allow").evaluate(ctx).matched


def test_variables() -> None:
    """[VARS] substitution, defaults, escapes; a missing variable drops the value."""
    ctx = {"s3:prefix": "home/bob/x", "aws:username": "bob"}
    assert matches("StringLike", "s3:prefix", "home/${aws:username}/*", ctx)
    assert not matches(
        "StringLike", "s3:prefix", "home/${aws:username}/*", {"s3:prefix": "home//x"}
    )
    # [VARS] an unresolvable variable "might cause the entire statement to be invalid": a
    # negated operator grants nothing on it in an Allow, and still denies in a Deny.
    assert not matches("StringNotEquals", "s3:prefix", "${aws:username}", {"s3:prefix": "x"})
    assert matches(
        "StringNotEquals", "s3:prefix", "${aws:username}", {"s3:prefix": "x"}, effect="Deny"
    )
    assert matches("StringEquals", "k:k", "${aws:PrincipalTag/t, 'dflt'}", {"k:k": "dflt"})
    assert matches("StringLike", "k:k", "a${*}", {"k:k": "a*"})
    assert not matches("StringLike", "k:k", "a${*}", {"k:k": "ab"})
    # a substituted value is literal text, never a wildcard
    assert not matches(
        "StringLike", "k:k", "${aws:PrincipalTag/p}", {"k:k": "ab", "aws:PrincipalTag/p": "a*"}
    )


def test_trace_and_keys() -> None:
    """ConditionTrace records the operator and key as written, values after substitution."""
    c = cond("ForAnyValue:StringLike", "AWS:TagKeys", "${aws:username}-*", "${aws:userid}")
    assert c.keys == ("AWS:TagKeys", "aws:username", "aws:userid")
    ctx = Context.of({"aws:username": "bob", "aws:TagKeys": ["bob-1"]})
    assert c.missing_keys(ctx) == ("aws:userid",)
    trace = c.evaluate(ctx)
    assert trace.operator == "ForAnyValue:StringLike"
    assert trace.key == "AWS:TagKeys"
    assert trace.policy_values == ("bob-*", "${aws:userid}")
    assert trace.request_values == ("bob-1",)
    assert trace.matched
    assert cond("StringEquals", "k:k", "a").evaluate(Context()).request_values is None


def test_evaluate_never_compiles_a_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    """Evaluation must not build regexes (iamsim.patterns compiles them once, at compile time)."""
    compiled = [
        cond("StringLike", "k:k", "a*", "${aws:username}*"),
        cond("ArnLike", "k:k", "arn:aws:${aws:username}:*:*:*"),
        cond("ArnLike", "k:k", "arn:aws:s3:::*"),
        cond("DateLessThan", "k:k", "2020-01-01T00:00:00Z"),
        cond("IpAddress", "k:k", "10.0.0.0/8"),
        cond("BinaryEquals", "k:k", "YWJj"),
    ]

    def boom(*_: Any, **__: Any) -> Any:
        raise AssertionError("regex compiled during evaluation")

    monkeypatch.setattr(re, "compile", boom)
    monkeypatch.setattr(re, "_compile", boom)
    for c in compiled:
        for value in ("arn:aws:bob:r:1:x", "2019-01-01T00:00:00Z", "10.1.1.1", "YWJj", "zz"):
            c.evaluate(Context.of({"k:k": value, "aws:username": "bob"}))


# --- the compliance corpus, checked statement by statement ---------------------------------------


def _corpus_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CORPUS.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        out += [(f"{path.stem}:{case['id']}", case) for case in data["cases"]]
    return out


def _entries(condition: dict[str, Any]) -> list[ConditionEntry]:
    out = []
    for op, block in condition.items():
        for key, values in block.items():
            scalar = not isinstance(values, list)
            out.append(ConditionEntry(op, key, (values,) if scalar else tuple(values), scalar))
    return out


def test_corpus_is_large_enough() -> None:
    cases = _corpus_cases()
    assert len(cases) >= 120
    assert len({cid for cid, _ in cases}) == len(cases)


@pytest.mark.parametrize(
    ("cid", "case"), _corpus_cases(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_corpus_case(cid: str, case: dict[str, Any]) -> None:
    """Local checker: one statement with Resource "*" → conditions decide the verdict."""
    policy = case["policy"]
    substitute = policy.get("Version") == "2012-10-17"
    (stmt,) = policy["Statement"]
    entries = _entries(stmt.get("Condition", {}))
    if "expect_error" in case:
        paths = [
            f"Statement[0].Condition.{p.path}"
            for e in entries
            for p in check_condition(e, substitute=substitute)
        ]
        assert sorted(paths) == sorted(case["expect_error"])
        return
    request = case["request"]
    assert stmt["Resource"] == "*" and stmt["Action"] == request["action"]
    context = Context.of(request["context"])
    effect = stmt["Effect"]
    matched = all(
        compile_condition(e, substitute=substitute, effect=effect).evaluate(context).matched
        for e in entries
    )
    expected = {"allow": effect == "Allow", "deny": effect == "Deny", "none": False}
    if case["expect"] == "none":
        assert not matched
    else:
        assert matched and expected[case["expect"]]
