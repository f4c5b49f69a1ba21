"""Policy grammar: every rule of iamsim.parse, by example, and its messages verbatim."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from iamsim.errors import IamsimError, PolicyError, Problem
from iamsim.model import ConditionEntry, Policy, Principal, Statement
from iamsim.parse import load_json, parse_policy, policy_problems

GRAMMAR_CORPUS = Path(__file__).parents[1] / "compliance" / "grammar"

ALLOW_GET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
BUCKET = "arn:aws:s3:::bkt/*"
ALICE = "arn:aws:iam::111122223333:user/alice"


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out = {"Version": version, **out}
    return out


def problems(document: Any, kind: Any = None) -> list[Problem]:
    with pytest.raises(PolicyError) as info:
        parse_policy(document, kind=kind)
    return list(info.value.problems)


def paths(document: Any, kind: Any = None) -> list[str]:
    return [p.path for p in problems(document, kind)]


def codes(document: Any, kind: Any = None) -> list[str]:
    return [p.code for p in problems(document, kind)]


def error_text(document: Any, kind: Any = None) -> str:
    with pytest.raises(PolicyError) as info:
        parse_policy(document, kind=kind)
    return str(info.value)


def only(document: Any, kind: Any = None) -> Problem:
    found = problems(document, kind)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------ valid policies


def test_minimal_identity_policy() -> None:
    p = parse_policy(doc(ALLOW_GET), kind="identity")
    assert p == Policy(
        statements=(Statement(effect="Allow", action="s3:GetObject", resource="*"),),
        version="2012-10-17",
    )


def test_text_bytes_and_dict_agree() -> None:
    d = doc(ALLOW_GET)
    text = json.dumps(d)
    assert parse_policy(text) == parse_policy(text.encode()) == parse_policy(d)


def test_single_statement_object_is_kept_as_object() -> None:
    p = parse_policy({"Version": "2012-10-17", "Statement": ALLOW_GET})
    assert p.statement_is_list is False
    assert p.to_dict()["Statement"] == ALLOW_GET


def test_shapes_are_kept_for_round_trip() -> None:
    d = {
        "Version": "2012-10-17",
        "Id": "bucket-policy",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": {"AWS": [ALICE], "Service": "cloudtrail.amazonaws.com"},
                "Action": ["s3:GetObject"],
                "Resource": BUCKET,
                "Condition": {
                    "StringEquals": {"aws:PrincipalTag/team": ["blue", "red"]},
                    "Bool": {"aws:SecureTransport": True},
                    "NumericLessThan": {"s3:max-keys": 10},
                },
            }
        ],
    }
    p = parse_policy(d, kind="resource")
    assert p.to_dict() == d
    s = p.statements[0]
    assert s.action == ("s3:GetObject",)
    assert s.principal == Principal(
        entries=(("AWS", (ALICE,)), ("Service", "cloudtrail.amazonaws.com"))
    )
    assert s.condition == (
        ConditionEntry("StringEquals", "aws:PrincipalTag/team", ("blue", "red")),
        ConditionEntry("Bool", "aws:SecureTransport", (True,), scalar=True),
        ConditionEntry("NumericLessThan", "s3:max-keys", (10,), scalar=True),
    )
    assert hash(p) == hash(parse_policy(json.dumps(d), kind="resource"))


def test_principal_star_and_aws_star_are_distinct_shapes() -> None:
    star = parse_policy(doc({**ALLOW_GET, "Principal": "*"}))
    aws_star = parse_policy(doc({**ALLOW_GET, "Principal": {"AWS": "*"}}))
    assert star.statements[0].principal == Principal(wildcard=True)
    assert aws_star.statements[0].principal == Principal(entries=(("AWS", "*"),))
    assert star.to_dict()["Statement"][0]["Principal"] == "*"


def test_version_may_be_absent_or_2008() -> None:
    assert parse_policy({"Statement": ALLOW_GET}).version is None
    assert parse_policy(doc(ALLOW_GET, version="2008-10-17")).version == "2008-10-17"


def test_empty_condition_block_is_accepted_and_round_trips() -> None:
    p = parse_policy(doc({**ALLOW_GET, "Condition": {}}))
    assert p.statements[0].condition == ()
    assert parse_policy(p.to_dict()) == p


def test_policy_instance_is_returned_or_rechecked() -> None:
    p = parse_policy(doc(ALLOW_GET))
    assert parse_policy(p) is p
    assert Policy.from_json(p, kind="identity") == p
    with pytest.raises(PolicyError) as info:
        parse_policy(p, kind="trust")
    assert [x.path for x in info.value.problems] == [
        "Statement[0].Principal",
        "Statement[0].Resource",
    ]


def test_kind_none_checks_generic_grammar_only() -> None:
    # No Resource, no Principal, a Sid with spaces, duplicate Sids: all fine without a kind.
    stmt = {"Sid": "a b", "Effect": "Allow", "Action": "s3:GetObject"}
    assert len(parse_policy(doc(stmt, stmt)).statements) == 2


def test_policy_problems_returns_a_list() -> None:
    assert policy_problems(doc(ALLOW_GET), kind="identity") == []
    assert [p.code for p in policy_problems({"Statement": []})] == ["policy.statement.empty"]


def test_unknown_kind_is_an_iamsim_error() -> None:
    with pytest.raises(PolicyError, match='unknown policy kind "identiy"'):
        parse_policy(doc(ALLOW_GET), kind="identiy")  # type: ignore[arg-type]


# ------------------------------------------------------------------ JSON text


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy('{\n  "Version": "2012-10-17",\n  "Statement": [\n}')
    assert str(info.value) == ("invalid JSON in policy at line 4, column 1: Expecting value")
    assert info.value.problems[0].code == "json.syntax"


def test_duplicate_keys_are_rejected_with_position_and_path() -> None:
    text = '{"Statement": [{"Effect": "Allow",\n  "Effect": "Deny", "Action": "s3:*"}]}'
    assert error_text(text) == (
        'Statement[0].Effect: duplicate key "Effect" at line 2, column 3'
        " (IAM rejects a policy that repeats a key in one object)"
    )


def test_every_duplicate_key_is_reported() -> None:
    text = (
        '{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": {"Sid": "a", "Sid": "b"}}'
    )
    found = problems(text)
    assert [(p.code, p.path) for p in found] == [
        ("json.duplicate_key", "Version"),
        ("json.duplicate_key", "Statement.Sid"),
    ]


def test_nan_and_infinity_are_not_json() -> None:
    text = '{"Statement": {"Condition": {"NumericLessThan": {"s3:max-keys": [1, NaN]}}}}'
    assert error_text(text) == (
        "Statement.Condition.NumericLessThan.s3:max-keys[1]: invalid JSON in policy"
        " at line 1, column 69: NaN is not a JSON value"
    )
    assert codes('{"Statement": 1e999}') == ["json.syntax"]
    assert codes('{"Statement": -Infinity}') == ["json.syntax"]


def test_non_utf8_bytes() -> None:
    assert error_text(b'{"Id": "\xff"}') == ("policy is not valid UTF-8 at line 1, column 9")


def test_deep_nesting_and_huge_numbers_are_policy_errors() -> None:
    assert codes("[" * 100_000 + "]" * 100_000) == ["json.too_deep"]
    assert codes('{"Id": ' + "9" * 5000 + "}") == ["json.syntax"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "a policy must be a JSON object, not a list"),
        ('"policy"', "a policy must be a JSON object, not a string"),
        ("null", "a policy must be a JSON object, not null"),
        ("", "invalid JSON in policy at line 1, column 1: Expecting value"),
    ],
)
def test_top_level_must_be_an_object(text: str, message: str) -> None:
    assert error_text(text) == message


def test_load_json_what_names_the_document() -> None:
    with pytest.raises(PolicyError, match=r"^invalid JSON in trust policy at line 1, column 2"):
        load_json("{", what="trust policy")
    assert load_json(b'{"a": [1, 2.5, true, null]}') == {"a": [1, 2.5, True, None]}


# ------------------------------------------------------------------ top level


def test_unknown_top_level_element_suggests_the_right_one() -> None:
    p = only({"Version": "2012-10-17", "Statment": [ALLOW_GET], "Statement": [ALLOW_GET]})
    assert (p.code, p.path, p.hint) == ("element.unknown", "Statment", "did you mean `Statement`?")


def test_element_names_are_case_sensitive() -> None:
    p = only(doc({**ALLOW_GET, "effect": "Deny"}))
    assert (p.code, p.path, p.hint) == (
        "element.unknown",
        "Statement[0].effect",
        "did you mean `Effect`?",
    )


def test_version_values() -> None:
    p = only(doc(ALLOW_GET, version="2012-10-18"))
    assert str(p) == (
        'Version: Version must be "2012-10-17" or "2008-10-17", not "2012-10-18"'
        " (did you mean `2012-10-17`?)"
    )
    p = only(doc(ALLOW_GET, version="latest"))
    assert p.hint == 'use "2012-10-17", the current version'
    assert str(only({"Version": 2012, "Statement": ALLOW_GET})) == (
        "Version: Version must be a string, not a number"
    )


def test_id_must_be_a_string() -> None:
    assert codes({"Id": ["x"], "Statement": ALLOW_GET}) == ["value.type"]


@pytest.mark.parametrize(
    ("statement", "code", "message"),
    [
        (None, "policy.statement.missing", "Statement: Statement is required"),
        ([], "policy.statement.empty", "Statement: Statement must list at least one statement"),
        (
            "Allow",
            "value.type",
            "Statement: Statement must be an object or a list of objects, not a string",
        ),
        (
            [ALLOW_GET, ["x"]],
            "statement.type",
            "Statement[1]: each statement must be an object, not a list",
        ),
    ],
)
def test_statement_element(statement: Any, code: str, message: str) -> None:
    d = {"Version": "2012-10-17"} if statement is None else {"Statement": statement}
    p = only(d)
    assert (p.code, str(p)) == (code, message)


# ------------------------------------------------------------------ statements


@pytest.mark.parametrize(
    ("effect", "hint"), [("allow", "did you mean `Allow`?"), ("DENY", "did you mean `Deny`?")]
)
def test_effect_is_case_sensitive(effect: str, hint: str) -> None:
    p = only(doc({**ALLOW_GET, "Effect": effect}))
    assert p.code == "statement.effect.invalid"
    assert p.message == f'Effect must be "Allow" or "Deny", not "{effect}"'
    assert p.hint == hint


def test_effect_is_required_and_a_string() -> None:
    stmt = {"Action": "s3:GetObject", "Resource": "*"}
    assert str(only({"Statement": stmt})) == "Statement.Effect: Effect is required"
    assert codes(doc({**stmt, "Effect": True})) == ["value.type"]


def test_action_or_not_action_exactly_one() -> None:
    p = only(doc({"Effect": "Allow", "Resource": "*"}))
    assert (p.code, str(p)) == (
        "statement.action.missing",
        "Statement[0].Action: Action or NotAction is required",
    )
    p = only(doc({**ALLOW_GET, "NotAction": "s3:PutObject"}))
    assert (p.code, str(p)) == (
        "statement.action.conflict",
        "Statement[0].NotAction: Action and NotAction cannot both appear in one statement",
    )


def test_resource_pair_and_principal_pair_conflict() -> None:
    both = {**ALLOW_GET, "NotResource": BUCKET}
    assert codes(doc(both)) == ["statement.resource.conflict"]
    stmt = {**ALLOW_GET, "Effect": "Deny", "Principal": "*", "NotPrincipal": {"AWS": ALICE}}
    assert codes(doc(stmt)) == ["statement.principal.conflict"]


@pytest.mark.parametrize("element", ["Action", "NotAction", "Resource", "NotResource"])
def test_string_or_list_values(element: str) -> None:
    base = {"Effect": "Allow"}
    other = {
        "Action": {"Resource": "*"},
        "NotAction": {"Resource": "*"},
        "Resource": {"Action": "s3:*"},
        "NotResource": {"Action": "s3:*"},
    }[element]
    found = problems(doc({**base, **other, element: []}))
    assert [str(p) for p in found] == [
        f"Statement[0].{element}: {element} must not be an empty list"
    ]
    found = problems(doc({**base, **other, element: ["", 7, None]}))
    assert [str(p) for p in found] == [
        f"Statement[0].{element}[0]: {element} value must not be empty",
        f"Statement[0].{element}[1]: each {element} value must be a string, not a number",
        f"Statement[0].{element}[2]: each {element} value must be a string, not null",
    ]
    found = problems(doc({**base, **other, element: {"a": 1}}))
    assert [str(p) for p in found] == [
        f"Statement[0].{element}: {element} must be a string or a list of strings, not an object"
    ]


def test_action_values_are_validated() -> None:
    p = only(doc({**ALLOW_GET, "Action": ["s3:GetObject", "GetObject"]}))
    assert (p.code, p.path) == ("statement.action.invalid", "Statement[0].Action[1]")
    p = only(doc({**ALLOW_GET, "Action": "s3:Get:Object:"}))
    assert p.path == "Statement[0].Action"


def test_not_action_values_are_validated() -> None:
    stmt = {"Effect": "Deny", "NotAction": "iam", "Resource": "*"}
    p = only(doc(stmt))
    assert (p.code, p.path) == ("statement.not_action.invalid", "Statement[0].NotAction")


def test_resource_values_are_validated_except_star() -> None:
    p = only(doc({**ALLOW_GET, "Resource": ["*", BUCKET, "bkt/key"]}))
    assert (p.code, p.path) == ("statement.resource.invalid", "Statement[0].Resource[2]")
    p = only(doc({**ALLOW_GET, "Resource": "arn:aws"}))
    assert p.path == "Statement[0].Resource"


def test_sid_must_be_a_string() -> None:
    assert codes(doc({**ALLOW_GET, "Sid": 1})) == ["value.type"]


def test_sid_characters_in_iam_stored_kinds_only() -> None:
    stmt = {**ALLOW_GET, "Sid": "Read objects"}
    p = only(doc(stmt), kind="identity")
    assert str(p) == (
        'Statement[0].Sid: Sid "Read objects" may contain only ASCII letters and digits'
        " (IAM accepts only A-Z, a-z and 0-9 in the Sid of an identity policy)"
    )
    # KMS key policies and other resource policies allow spaces.
    parse_policy(doc({**stmt, "Principal": "*"}), kind="resource")


def test_duplicate_sids_in_iam_stored_kinds() -> None:
    # IAM User Guide, Sid: "In IAM, the Sid value must be unique within a JSON policy."
    a = {**ALLOW_GET, "Sid": "Read"}
    found = problems(doc(a, ALLOW_GET, a), kind="boundary")
    assert [str(p) for p in found] == [
        'Statement[2].Sid: Sid "Read" is already used by Statement[0]'
        " (IAM requires each Sid to be unique within a policy)"
    ]
    assert found[0].code == "statement.sid.duplicate"
    # Sids are case-sensitive strings; empty Sids name nothing.
    parse_policy(doc(a, {**a, "Sid": "read"}, {**a, "Sid": ""}, {**a, "Sid": ""}), kind="identity")
    parse_policy(doc({**a, "Principal": "*"}, {**a, "Principal": "*"}), kind="resource")


# ------------------------------------------------------------------ principals


def test_principal_forms() -> None:
    base = {"Effect": "Allow", "Action": "s3:GetObject"}
    assert str(only(doc({**base, "Principal": "arn:aws:iam::111122223333:root"}))) == (
        'Statement[0].Principal: Principal must be "*" or an object such as {"AWS": "…"},'
        ' not "arn:aws:iam::111122223333:root"'
    )
    p = only(doc({**base, "Principal": {"aws": ALICE}}))
    assert (p.code, p.path, p.message, p.hint) == (
        "statement.principal.unknown_type",
        "Statement[0].Principal.aws",
        'unknown principal type "aws"',
        "did you mean `AWS`?",
    )
    assert str(only(doc({**base, "Principal": {}}))) == (
        "Statement[0].Principal: Principal must name at least one principal"
    )
    assert str(only(doc({**base, "Principal": ["*"]}))) == (
        'Statement[0].Principal: Principal must be "*" or an object, not a list'
    )


def test_principal_entries_are_validated_with_their_type() -> None:
    stmt = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Principal": {"AWS": [ALICE, "111122223333", "arn:aws:iam::1:role/*", 5, ""]},
    }
    found = problems(doc(stmt))
    assert [(p.code, p.path) for p in found] == [
        ("statement.principal.invalid", "Statement[0].Principal.AWS[2]"),
        ("value.type", "Statement[0].Principal.AWS[3]"),
        ("value.empty", "Statement[0].Principal.AWS[4]"),
    ]
    bad_service = {**stmt, "Principal": {"Service": "not a service"}}
    assert paths(doc(bad_service)) == ["Statement[0].Principal.Service"]


def test_not_principal_only_with_deny() -> None:
    stmt = {**ALLOW_GET, "NotPrincipal": {"AWS": ALICE}}
    p = only(doc(stmt))
    assert str(p) == (
        'Statement[0].NotPrincipal: NotPrincipal can only be used with "Effect": "Deny"'
    )
    assert p.code == "statement.not_principal.allow"
    parse_policy(doc({**stmt, "Effect": "Deny"}), kind="resource")


# ------------------------------------------------------------------ conditions


def test_condition_value_types() -> None:
    cond = {
        "StringEquals": {"aws:PrincipalTag/team": None, "aws:username": ["a", {"b": 1}]},
        "Bool": "true",
        "NumericLessThan": {"s3:max-keys": []},
        "StringLike": {},
    }
    found = problems(doc({**ALLOW_GET, "Condition": cond}))
    assert [str(p) for p in found] == [
        "Statement[0].Condition.StringEquals.aws:PrincipalTag/team: a condition value must be"
        " a string, number or boolean, or a list of them, not null",
        "Statement[0].Condition.StringEquals.aws:username[1]: each condition value must be"
        " a string, number or boolean, not an object",
        "Statement[0].Condition.Bool: Bool must be an object of condition keys, not a string",
        "Statement[0].Condition.NumericLessThan.s3:max-keys: s3:max-keys must not be an empty list",
        "Statement[0].Condition.StringLike: StringLike must name at least one condition key",
    ]
    assert codes(doc({**ALLOW_GET, "Condition": ["x"]})) == ["value.type"]


def test_unquoted_numbers_and_booleans_only_in_conditions() -> None:
    assert codes(doc({**ALLOW_GET, "Resource": 5})) == ["value.type"]
    assert codes(doc({**ALLOW_GET, "Action": True})) == ["value.type"]
    p = parse_policy(doc({**ALLOW_GET, "Condition": {"NumericEquals": {"s3:max-keys": 1.5}}}))
    assert p.statements[0].condition == (
        ConditionEntry("NumericEquals", "s3:max-keys", (1.5,), scalar=True),
    )


def test_non_finite_floats_from_python_are_rejected() -> None:
    cond = {"NumericEquals": {"s3:max-keys": float("nan")}}
    assert codes(doc({**ALLOW_GET, "Condition": cond})) == ["value.type"]


def test_condition_entries_are_checked_and_paths_prefixed() -> None:
    cond = {"StringEqualz": {"aws:username": "bob"}}
    stmt = {**ALLOW_GET, "Condition": cond}
    found = problems(doc(ALLOW_GET, stmt))
    assert found
    assert all(p.path.startswith("Statement[1].Condition.StringEqualz") for p in found)
    # The operator is reported once, not once per key.
    two = {"StringEqualz": {"aws:username": "bob", "aws:userid": "x"}}
    again = problems(doc(ALLOW_GET, {**ALLOW_GET, "Condition": two}))
    assert len([p for p in again if p.path == "Statement[1].Condition.StringEqualz"]) == 1


def test_condition_entries_keep_document_order() -> None:
    cond = {
        "StringLike": {"s3:prefix": ["home/", "home/*"], "aws:username": "bob"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    entries = parse_policy(doc({**ALLOW_GET, "Condition": cond})).statements[0].condition
    assert entries is not None
    assert [(e.operator, e.key, e.scalar) for e in entries] == [
        ("StringLike", "s3:prefix", False),
        ("StringLike", "aws:username", True),
        ("Bool", "aws:SecureTransport", True),
    ]


# ------------------------------------------------------------------ kinds

RESOURCE_STMT = {**ALLOW_GET, "Principal": {"AWS": ALICE}}
TRUST_STMT = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "sts:AssumeRole",
}


@pytest.mark.parametrize("kind", ["identity", "boundary", "session", "scp"])
def test_principal_forbidden_and_resource_required(kind: str) -> None:
    stmt = {"Effect": "Deny", "Action": "s3:*", "Principal": "*", "NotPrincipal": "*"}
    found = problems(doc(stmt), kind=kind)
    assert [p.code for p in found] == [
        "statement.principal.forbidden",
        "statement.not_principal.forbidden",
        "statement.resource.missing",
    ]
    assert found[0].path == "Statement[0].Principal"
    assert found[2].path == "Statement[0].Resource"
    parse_policy(doc(ALLOW_GET), kind=kind)
    not_resource = {"Effect": "Deny", "Action": "s3:*", "NotResource": BUCKET}
    parse_policy(doc(not_resource), kind=kind)


def test_identity_messages() -> None:
    found = problems(doc({"Effect": "Allow", "Action": "s3:*", "Principal": "*"}), "identity")
    assert [str(p) for p in found] == [
        "Statement[0].Principal: Principal is not allowed in an identity policy"
        " (only resource-based and trust policies name principals)",
        "Statement[0].Resource: Resource or NotResource is required in an identity policy",
    ]


def test_resource_policy_needs_a_principal_and_not_a_resource() -> None:
    parse_policy(doc({**RESOURCE_STMT, "Resource": BUCKET}), kind="resource")
    no_resource = {k: v for k, v in RESOURCE_STMT.items() if k != "Resource"}
    parse_policy(doc(no_resource), kind="resource")
    p = only(doc(ALLOW_GET), kind="resource")
    assert str(p) == (
        "Statement[0].Principal: Principal or NotPrincipal is required in a resource policy"
    )
    deny_not = {**ALLOW_GET, "Effect": "Deny", "NotPrincipal": {"AWS": ALICE}}
    parse_policy(doc(deny_not), kind="resource")


def test_trust_policy_rules() -> None:
    parse_policy(doc(TRUST_STMT), kind="trust")
    bad = {**TRUST_STMT, "Resource": "*", "NotResource": "*"}
    assert [str(p) for p in problems(doc(bad), "trust")] == [
        "Statement[0].NotResource: Resource and NotResource cannot both appear in one statement",
        "Statement[0].Resource: Resource is not allowed in a trust policy"
        ' (AWS rejects it: "Has prohibited field Resource")',
        "Statement[0].NotResource: NotResource is not allowed in a trust policy"
        ' (AWS rejects it: "Has prohibited field NotResource")',
    ]
    not_principal = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": ALICE},
        "Action": "sts:AssumeRole",
    }
    assert codes(doc(not_principal), "trust") == [
        "statement.not_principal.forbidden",
        "statement.principal.missing",
    ]


def test_scp_version_rules() -> None:
    parse_policy(doc(ALLOW_GET), kind="scp")
    assert str(only(doc(ALLOW_GET, version=None), "scp")) == (
        'Version: Version is required in an SCP (use "2012-10-17")'
    )
    assert str(only(doc(ALLOW_GET, version="2008-10-17"), "scp")) == (
        'Version: Version must be "2012-10-17" in an SCP, not "2008-10-17"'
    )


RCP_STMT = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abcd123456"}},
}


def test_rcp_rules() -> None:
    parse_policy(doc(RCP_STMT), kind="rcp")
    bad = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["s3:*", "*"],
        "NotAction": "kms:*",
    }
    assert [str(p) for p in problems(doc(bad, version="2008-10-17"), "rcp")] == [
        'Version: Version must be "2012-10-17" in an RCP, not "2008-10-17"',
        "Statement[0].NotAction: Action and NotAction cannot both appear in one statement",
        "Statement[0].Resource: Resource or NotResource is required in an RCP",
        'Statement[0].Effect: Effect must be "Deny" in an RCP, not "Allow"'
        " (only the AWS-managed RCPFullAWSAccess policy allows)",
        'Statement[0].Principal: Principal must be "*" in an RCP'
        ' (use "Principal": "*" and narrow with conditions such as aws:PrincipalOrgID)',
        "Statement[0].NotAction: NotAction is not allowed in an RCP",
        'Statement[0].Action[1]: Action "*" is not allowed in an RCP'
        ' (name a service prefix, such as "s3:*")',
    ]
    no_principal = {k: v for k, v in RCP_STMT.items() if k != "Principal"}
    assert codes(doc(no_principal), "rcp") == ["statement.principal.missing"]
    assert codes(doc({**RCP_STMT, "Action": "*"}), "rcp") == ["statement.action.wildcard"]
    not_principal = {**RCP_STMT, "NotPrincipal": {"AWS": ALICE}}
    assert "statement.not_principal.forbidden" in codes(doc(not_principal), "rcp")


@pytest.mark.parametrize("kind", ["identity", "boundary", "trust", "session", "scp", "rcp"])
def test_characters_limited_in_iam_stored_kinds(kind: str) -> None:
    d = {"Id": "caf\u00e9 \u2019quoted\u2019", "Statement": ALLOW_GET}
    found = [p for p in problems(d, kind) if p.code == "text.character"]
    assert [str(p) for p in found] == [
        "Id: character U+2019 is not allowed (IAM policies may contain only tab, line feed,"
        " carriage return and characters U+0020 to U+00FF)"
    ]
    parse_policy(d)  # no kind: no character limit
    parse_policy({"Id": "\u2019", "Statement": {**RESOURCE_STMT}}, kind="resource")


def test_characters_checked_in_keys_and_condition_values() -> None:
    cond = {"StringEquals": {"aws:PrincipalTag/\u00e9quipe": "\u65e5\u672c"}}
    found = problems(doc({**ALLOW_GET, "Condition": cond}), "identity")
    assert [(p.code, p.path) for p in found if p.code == "text.character"] == [
        ("text.character", "Statement[0].Condition.StringEquals.aws:PrincipalTag/\u00e9quipe")
    ]


def test_control_characters_rejected_for_iam_kinds() -> None:
    assert "text.character" in codes(doc({**ALLOW_GET, "Sid": "a\x00"}), "identity")
    parse_policy(doc({**RESOURCE_STMT, "Sid": "tab\tand\nnewline"}), kind="resource")


# ------------------------------------------------------------------ many problems at once


MANY = {
    "Version": "2012-10-18",
    "Statment": [],
    "Statement": [
        {
            "Sid": "first statement",
            "Effect": "allow",
            "Action": [],
            "Resource": "*",
            "Principal": "*",
        },
        "Deny everything",
        {"Sid": "first statement", "Effect": "Deny", "Resource": 12},
    ],
}


def test_many_problems_verbatim() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(MANY, kind="identity")
    assert str(info.value) == "\n".join(
        [
            "11 policy problems:",
            "  Statment: unknown element (did you mean `Statement`?)",
            '  Version: Version must be "2012-10-17" or "2008-10-17", not "2012-10-18"'
            " (did you mean `2012-10-17`?)",
            '  Statement[0].Sid: Sid "first statement" may contain only ASCII letters and digits'
            " (IAM accepts only A-Z, a-z and 0-9 in the Sid of an identity policy)",
            '  Statement[0].Effect: Effect must be "Allow" or "Deny", not "allow"'
            " (did you mean `Allow`?)",
            "  Statement[0].Action: Action must not be an empty list",
            "  Statement[0].Principal: Principal is not allowed in an identity policy"
            " (only resource-based and trust policies name principals)",
            "  Statement[1]: each statement must be an object, not a string",
            '  Statement[2].Sid: Sid "first statement" may contain only ASCII letters and digits'
            " (IAM accepts only A-Z, a-z and 0-9 in the Sid of an identity policy)",
            "  Statement[2].Resource: Resource must be a string or a list of strings, not a number",
            "  Statement[2].Action: Action or NotAction is required",
            '  Statement[2].Sid: Sid "first statement" is already used by Statement[0]'
            " (IAM requires each Sid to be unique within a policy)",
        ]
    )
    assert info.value.lines()[0].startswith("Statment")


def test_many_problems_codes() -> None:
    assert codes(MANY, "identity") == [
        "element.unknown",
        "policy.version.invalid",
        "statement.sid.invalid",
        "statement.effect.invalid",
        "value.empty",
        "statement.principal.forbidden",
        "statement.type",
        "statement.sid.invalid",
        "value.type",
        "statement.action.missing",
        "statement.sid.duplicate",
    ]


def test_whole_message_for_a_broken_trust_policy() -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Service": ["ec2.amazonaws.com", 3]},
                "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::111122223333:role/r",
                "Condition": {"StringEquals": {"sts:ExternalId": None}},
            },
        }
    )
    assert error_text(text, "trust") == "\n".join(
        [
            "3 policy problems:",
            "  Statement.Principal.Service[1]: each Service value must be a string, not a number",
            "  Statement.Condition.StringEquals.sts:ExternalId: a condition value must be"
            " a string, number or boolean, or a list of them, not null",
            "  Statement.Resource: Resource is not allowed in a trust policy"
            ' (AWS rejects it: "Has prohibited field Resource")',
        ]
    )


# ------------------------------------------------------------------ odd Python input


class Weird:
    pass


@pytest.mark.parametrize(
    "document",
    [
        None,
        42,
        {1: "x"},
        {"Statement": {1: "x", None: 2}},
        {"Statement": [{"Effect": "Allow", "Action": {"s3:*"}, "Resource": Weird()}]},
        {"Statement": {"Effect": "Deny", "Action": ("s3:*",), "Resource": b"*"}},
        {"Statement": {"Effect": "Allow", "Action": "s3:*", "Condition": {1: {2: 3}}}},
        {"Statement": {"Effect": "Allow", "Action": "s3:*", "Condition": {"Bool": {2: 3}}}},
        {"Statement": {"Effect": "Allow", "Action": "s3:*", "Principal": {None: "*"}}},
        {"Version": bytearray(b"x"), "Statement": ALLOW_GET},
    ],
)
def test_odd_python_values_only_raise_policy_errors(document: Any) -> None:
    for kind in (None, "identity", "resource", "trust", "rcp"):
        with contextlib.suppress(IamsimError):
            parse_policy(document, kind=kind)


def test_cyclic_python_input_does_not_hang() -> None:
    loop: dict[str, Any] = {"Effect": "Allow", "Action": "s3:*"}
    loop["Condition"] = {"StringEquals": {"k": loop}}
    with pytest.raises(PolicyError):
        parse_policy({"Statement": loop})


def test_numbers_json_cannot_carry_are_rejected() -> None:
    cond = {"NumericEquals": {"s3:max-keys": [1, 10**5000]}}
    assert error_text(doc({**ALLOW_GET, "Condition": cond})) == (
        "Statement[0].Condition.NumericEquals.s3:max-keys[1]: each condition value must be"
        " a string, number or boolean, not a number too long for JSON"
    )


def test_odd_keys_are_quoted_in_paths() -> None:
    found = problems({"": 1, "a b": 2, "a.b": 3, "Statement": ALLOW_GET})
    assert [p.path for p in found] == ['[""]', '["a b"]', "a.b"]
    cond = {"StringEquals": {"aws:RequestTag/a.b": None}}
    assert paths(doc({**ALLOW_GET, "Condition": cond})) == [
        "Statement[0].Condition.StringEquals.aws:RequestTag/a.b"
    ]


def test_control_character_in_json_text() -> None:
    assert error_text('{"Id": "a\x00"}') == (
        "invalid JSON in policy at line 1, column 10: Invalid control character"
    )


def test_policy_without_statements_built_in_code() -> None:
    empty = Policy(statements=(), statement_is_list=False)
    assert parse_policy(empty) is empty
    assert codes(empty, "identity") == ["policy.statement.empty"]


def test_long_values_are_shortened_in_messages() -> None:
    p = only(doc({**ALLOW_GET, "Effect": "A" * 500}))
    assert len(p.message) < 120


# ------------------------------------------------------------------ compliance corpus


def _grammar_cases() -> list[Any]:
    out = []
    for path in sorted(GRAMMAR_CORPUS.glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            out.append(pytest.param(case, id=case["id"]))
    return out


@pytest.mark.parametrize("case", _grammar_cases())
def test_grammar_corpus_parse_side(case: dict[str, Any]) -> None:
    """The parse half of the grammar corpus: error paths exactly, valid policies parse."""
    kind = case.get("kind")
    if "expect_error" in case:
        found = sorted({p.path for p in problems(case["policy"], kind)})
        assert found == sorted(set(case["expect_error"]))
    else:
        policy = parse_policy(case["policy"], kind=kind)
        assert parse_policy(policy.to_dict(), kind=kind) == policy
        assert case["expect"] in ("allow", "deny", "none")


def test_grammar_corpus_is_large_and_well_formed() -> None:
    cases = [c.values[0] for c in _grammar_cases()]
    assert len(cases) >= 30
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))
    allowed = {"id", "cite", "kind", "policy", "expect_error", "request", "expect"}
    for case in cases:
        assert set(case) <= allowed, case["id"]
        assert case["cite"]
        assert ("expect_error" in case) != ("expect" in case), case["id"]
        assert ("request" in case) == ("expect" in case), case["id"]
