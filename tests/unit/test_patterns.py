"""Wildcard, ARN, action and principal matching (iamsim.patterns).

Sources (AWS IAM User Guide):
- ACTION: "IAM JSON policy elements: Action" (reference_policies_elements_action.html)
- RESOURCE: "IAM JSON policy elements: Resource" (reference_policies_elements_resource.html)
- PRINCIPAL: "AWS JSON policy elements: Principal" (reference_policies_elements_principal.html)
- VARS: "IAM policy elements: Variables and tags" (reference_policies_variables.html)
- NOTACTION / NOTRESOURCE / VERSION: the matching element pages.
Case ids K19-K30 refer to /work/shared/reference/aws-evaluation.md §8.6.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamsim.conditions.syntax import parse_template
from iamsim.errors import PolicyError
from iamsim.model import Principal
from iamsim.patterns import (
    Arn,
    action_problem,
    arn_problem,
    compile_actions,
    compile_glob,
    compile_principal,
    compile_resources,
    glob_match,
    parse_arn,
    principal_problem,
)
from iamsim.request import Caller, Context, caller_from_arn

EMPTY = Context()
A = "111111111111"
B = "222222222222"


# ----------------------------------------------------------------------- globs


def test_glob_literal_pieces_are_not_wildcards() -> None:
    assert glob_match((("a", False), ("*", True), ("b", False)), "a*b")
    assert not glob_match((("a", False), ("*", True), ("b", False)), "axb")
    assert compile_glob((("a", False), ("?", True)), ignore_case=False).match("a?")
    assert not compile_glob((("a", False), ("?", True))).match("ab")


_GLOB_ALPHABET = "ab*?:/"


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.tuples(st.text(_GLOB_ALPHABET, max_size=5), st.booleans()), max_size=4),
    text=st.text("ab*?:/A", max_size=10),
    ignore_case=st.booleans(),
)
def test_property_compiled_and_uncompiled_globs_agree(
    pieces: list[tuple[str, bool]], text: str, ignore_case: bool
) -> None:
    compiled = compile_glob(pieces, ignore_case=ignore_case).match(text)
    assert compiled == glob_match(pieces, text, ignore_case=ignore_case)


@given(text=st.text(max_size=20), extra=st.text(min_size=1, max_size=3))
def test_property_literal_pattern_matches_exactly_itself(text: str, extra: str) -> None:
    pieces = ((text, True),)
    assert glob_match(pieces, text)
    assert compile_glob(pieces).match(text)
    assert not glob_match(pieces, text + extra)
    assert not compile_glob(pieces).match(extra + text)


@given(text=st.text(string.ascii_letters + string.digits + "/:-", max_size=20))
def test_property_wildcard_free_pattern_matches_exactly_itself(text: str) -> None:
    assert compile_glob(text).match(text)
    assert not compile_glob(text).match(text + "x")


# ---------------------------------------------------------------------- actions


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        pytest.param("S3:getobject", "s3:GetObject", True, id="K19-ACTION-case-insensitive"),
        pytest.param("iam:listaccesskeys", "IAM:ListAccessKeys", True, id="ACTION-prefix-and-name"),
        pytest.param("s3:Get*", "s3:GetObjectAcl", True, id="ACTION-star-suffix"),
        pytest.param("s3:Get*", "s3:PutObject", False, id="ACTION-star-does-not-cover-put"),
        pytest.param("s3:*Object*", "s3:PutObjectTagging", True, id="ACTION-star-anywhere"),
        pytest.param("ec2:Describe?nstances", "ec2:DescribeInstances", True, id="ACTION-qmark-one"),
        pytest.param(
            "ec2:Describe?nstances", "ec2:Describenstances", False, id="ACTION-qmark-not-zero"
        ),
        pytest.param("*", "kms:Decrypt", True, id="ACTION-star-alone-everything"),
        pytest.param("s3:GetObject", "s3express:GetObject", False, id="ACTION-prefix-must-match"),
        pytest.param("s3:*", "s3express:GetObject", False, id="ACTION-star-stays-in-name"),
    ],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    assert compile_actions((pattern,)).matches(action) is expected


def test_actions_are_combined_and_ored() -> None:
    matcher = compile_actions(("s3:GetObject", "s3:PutObject"))
    assert matcher.matches("s3:getobject")
    assert matcher.matches("S3:PUTOBJECT")
    assert not matcher.matches("s3:DeleteObject")
    assert not compile_actions(()).matches("s3:GetObject")


def test_action_regex_metacharacters_are_literal() -> None:
    assert not compile_actions(("s3:Get.bject",)).matches("s3:GetObject")
    assert compile_actions(("s3:Get.bject",)).matches("s3:get.bject")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("GetObject", "not an action", id="ACTION-needs-prefix"),
        pytest.param("s3*:GetObject", "service prefix", id="ACTION-no-wildcard-in-prefix"),
        pytest.param("*:GetObject", "service prefix", id="ACTION-no-star-prefix"),
        pytest.param("s3:", "empty", id="ACTION-empty-name"),
        pytest.param("s3:Get Object", "action name", id="ACTION-no-space"),
        pytest.param("s 3:GetObject", "service prefix", id="ACTION-bad-prefix-chars"),
        pytest.param("", "not an action", id="ACTION-empty"),
    ],
)
def test_action_problem(text: str, fragment: str) -> None:
    problem = action_problem(text)
    assert problem is not None and fragment in problem
    with pytest.raises(PolicyError):
        compile_actions((text,))


@pytest.mark.parametrize("text", ["*", "s3:GetObject", "S3:get*", "execute-api:Invoke", "s3:?et*"])
def test_action_problem_accepts_valid(text: str) -> None:
    assert action_problem(text) is None


_PREFIX = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=8)
_NAME = st.text(string.ascii_letters + string.digits, min_size=1, max_size=12)


@given(prefix=_PREFIX, name=_NAME, data=st.data())
def test_property_action_matching_ignores_case(prefix: str, name: str, data: st.DataObject) -> None:
    action = f"{prefix}:{name}"
    flips = data.draw(st.lists(st.booleans(), min_size=len(action), max_size=len(action)))
    variant = "".join(c.swapcase() if f else c for c, f in zip(action, flips, strict=True))
    assert compile_actions((action,)).matches(variant)
    assert compile_actions((variant,)).matches(action)
    assert compile_actions((f"{prefix.upper()}:*",)).matches(action)


# ------------------------------------------------------------------------- ARNs


def test_parse_arn() -> None:
    arn = parse_arn("arn:aws:logs:us-east-1:222222222222:log-group:g:log-stream:s")
    assert arn == Arn("aws", "logs", "us-east-1", "222222222222", "log-group:g:log-stream:s")
    assert str(arn) == "arn:aws:logs:us-east-1:222222222222:log-group:g:log-stream:s"
    assert parse_arn("arn:aws:s3:::bkt") == Arn("aws", "s3", "", "", "bkt")
    assert parse_arn("arn:aws:s3::bkt") is None
    assert parse_arn("ARN:aws:s3:::bkt") is None
    assert parse_arn("bucket") is None


@pytest.mark.parametrize(
    "text",
    [
        "*",
        "arn:aws:s3:::bkt",
        "arn:aws:s3:::bkt/*",
        "arn:*:s3:::bkt/*",
        "arn:aws:logs:*",
        "arn:aws:ec2:us-east-1:*",
        "arn:aws:sqs:us-*-1:11111111111?:q",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:s3:::bkt/${aws:username}/*",
    ],
)
def test_arn_problem_accepts_patterns(text: str) -> None:
    assert arn_problem(text, allow_wildcards=True) is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("bucket", "not an ARN", id="RESOURCE-not-arn"),
        pytest.param("arn:aws:s3*:::bkt", "service", id="RESOURCE-no-wildcard-in-service"),
        pytest.param("arn:aws:*", "service", id="RESOURCE-star-service"),
        pytest.param("arn:aws:iam::123", "6 colon-separated", id="RESOURCE-short-needs-star"),
        pytest.param("arn:aws:s3:::", "resource part", id="RESOURCE-empty-resource"),
        pytest.param("arn::s3:::bkt", "partition", id="RESOURCE-empty-partition"),
        pytest.param("arn:aws:s3:${aws:x}::bkt", "variables", id="VARS-only-in-resource-part"),
        pytest.param("arn:aws:S3:::bkt", "service", id="RESOURCE-service-lower-case"),
    ],
)
def test_arn_problem_rejects(text: str, fragment: str) -> None:
    problem = arn_problem(text, allow_wildcards=True)
    assert problem is not None and fragment in problem
    with pytest.raises(PolicyError):
        compile_resources((text,), substitute=True)


def test_arn_problem_without_wildcards() -> None:
    assert arn_problem("arn:aws:iam::111111111111:role/R", allow_wildcards=False) is None
    assert arn_problem("arn:aws:s3:::bkt/a*b", allow_wildcards=False) is None  # an S3 key
    assert arn_problem("*", allow_wildcards=False) is not None
    assert arn_problem("arn:aws:logs:*", allow_wildcards=False) is not None
    assert arn_problem("arn:*:s3:::bkt", allow_wildcards=False) is not None


def _res(pattern: str, resource: str, *, substitute: bool = True, ctx: Context = EMPTY) -> bool:
    return compile_resources((pattern,), substitute=substitute).match(resource, ctx)[0]


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        pytest.param("*", "arn:aws:s3:::anything", True, id="RESOURCE-star-everything"),
        pytest.param("*", "*", True, id="RESOURCE-star-covers-star"),
        pytest.param("arn:aws:s3:::*", "*", False, id="RESOURCE-arn-does-not-cover-star"),
        pytest.param("arn:aws:s3:::bkt/key.txt", "arn:aws:s3:::bkt/Key.txt", False, id="K20"),
        pytest.param(
            "arn:aws:logs:us-east-1:222222222222:*",
            "arn:aws:logs:us-east-1:222222222222:log-group:g:log-stream:s",
            True,
            id="K21-resource-star-crosses-colon",
        ),
        pytest.param(
            "arn:aws:logs:*",
            "arn:aws:logs:us-east-1:222222222222:log-group:g:log-stream:s",
            True,
            id="K21-trailing-star-expands",
        ),
        pytest.param(
            "arn:aws:ec2:us-east-1:*",
            "arn:aws:ec2:us-east-1:111111111111:instance/i-1",
            True,
            id="RESOURCE-trailing-star-in-account",
        ),
        pytest.param(
            "arn:aws:ec2:us-east-1:*",
            "arn:aws:ec2:us-west-2:111111111111:instance/i-1",
            False,
            id="RESOURCE-trailing-star-keeps-region",
        ),
        pytest.param(
            "arn:aws:ec2:us-*",
            "arn:aws:ec2:us-west-2:111111111111:instance/i-1",
            True,
            id="RESOURCE-trailing-star-in-region",
        ),
        pytest.param(
            "arn:aws:s3:::bkt/*/test/*", "arn:aws:s3:::bkt/1/2/test/3/o.jpg", True, id="K22a"
        ),
        pytest.param("arn:aws:s3:::bkt/*/test/*", "arn:aws:s3:::bkt//test/o.jpg", True, id="K22b"),
        pytest.param("arn:aws:s3:::bkt/*/test/*", "arn:aws:s3:::bkt/test/o.jpg", False, id="K22c"),
        pytest.param(
            "arn:aws:s3:::bkt/*/test/*", "arn:aws:s3:::bkt/1/test/", True, id="RESOURCE-empty-tail"
        ),
        pytest.param(
            "arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt", False, id="RESOURCE-objects-not-bucket"
        ),
        pytest.param(
            "arn:aws:sqs:us-*-1:111111111111:q",
            "arn:aws:sqs:us-east-1:111111111111:q",
            True,
            id="RESOURCE-star-in-region",
        ),
        pytest.param(
            "arn:aws:sqs:*:111111111111:q",
            "arn:aws:sqs:us-east-1:111111111111:x:q",
            False,
            id="RESOURCE-segments-matched-separately",
        ),
        pytest.param(
            "arn:aws:logs:us-east-1:*:log-group:g",
            "arn:aws:logs:us-east-1:111111111111:x:log-group:g",
            True,
            id="RESOURCE-segment-trailing-star-crosses-colons",
        ),
        pytest.param(
            "arn:aws:sqs:us-*-1:111111111111:q",
            "arn:aws:sqs:us-east:x-1:111111111111:q",
            False,
            id="RESOURCE-inner-star-stays-in-segment",
        ),
        pytest.param(
            "arn:aws:sqs:?:111111111111:q",
            "arn:aws:sqs::111111111111:q",
            False,
            id="RESOURCE-qmark-needs-a-character",
        ),
        pytest.param(
            "arn:aws:sqs:us-east-1:11111111111?:q",
            "arn:aws:sqs:us-east-1:111111111112:q",
            True,
            id="RESOURCE-qmark-in-account",
        ),
        pytest.param(
            "arn:aws:s3:::bkt/?", "arn:aws:s3:::bkt//", True, id="RESOURCE-qmark-eats-slash"
        ),
        pytest.param("arn:aws:s3:::bkt/*", "arn:aws-cn:s3:::bkt/x", False, id="RESOURCE-partition"),
        pytest.param(
            "arn:*:s3:::bkt/*", "arn:aws-cn:s3:::bkt/x", True, id="RESOURCE-star-partition"
        ),
        pytest.param("arn:aws:s3:::bkt.a", "arn:aws:s3:::bktXa", False, id="RESOURCE-dot-literal"),
        pytest.param(
            "arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt/a\nb", True, id="RESOURCE-star-newline"
        ),
        pytest.param(
            "arn:aws:logs:*", "arn:aws:logs:us-east-1", False, id="RESOURCE-needs-six-parts"
        ),
        pytest.param(
            "arn:aws:s3:::bkt/*", "ARN:aws:s3:::bkt/x", False, id="RESOURCE-arn-prefix-case"
        ),
    ],
)
def test_resource_matching(pattern: str, resource: str, expected: bool) -> None:
    assert _res(pattern, resource) is expected
    assert _res(pattern, resource, substitute=False) is expected


def test_resource_values_are_ored_and_combined() -> None:
    matcher = compile_resources(
        ("arn:aws:s3:::a/*", "arn:aws:s3:::b/*", "arn:aws:s3:::c/${aws:username}"), substitute=True
    )
    ctx = Context.of({"aws:username": "bob"})
    assert matcher.match("arn:aws:s3:::a/x", ctx) == (True, ())
    assert matcher.match("arn:aws:s3:::b/x", ctx) == (True, ())
    assert matcher.match("arn:aws:s3:::c/bob", ctx) == (True, ())
    assert matcher.match("arn:aws:s3:::d/x", ctx) == (False, ())
    assert compile_resources((), substitute=True).match("arn:aws:s3:::a/x", ctx) == (False, ())


# -------------------------------------------------------------------- variables


def test_variables_substituted_only_in_2012() -> None:
    """K23/K24/K25 (VERSION, VARS): variables only substituted under 2012-10-17."""
    pattern = "arn:aws:s3:::bkt/${aws:username}/*"
    ctx = Context.of({"aws:username": "bob"})
    assert _res(pattern, "arn:aws:s3:::bkt/bob/x", ctx=ctx)
    assert not _res(pattern, "arn:aws:s3:::bkt/bob/x", ctx=ctx, substitute=False)
    assert _res(pattern, "arn:aws:s3:::bkt/${aws:username}/x", ctx=ctx, substitute=False)


def test_variable_default_and_missing() -> None:
    """K26/K27 (VARS): defaults fill in; a missing key without default matches nothing."""
    with_default = "arn:aws:s3:::bkt-${aws:PrincipalTag/team, 'company-wide'}/*"
    assert _res(with_default, "arn:aws:s3:::bkt-company-wide/x")
    assert _res(
        with_default, "arn:aws:s3:::bkt-blue/x", ctx=Context.of({"aws:PrincipalTag/team": "blue"})
    )
    matcher = compile_resources(("arn:aws:s3:::bkt-${aws:PrincipalTag/team}/*",), substitute=True)
    assert matcher.match("arn:aws:s3:::bkt-/x", EMPTY) == (False, ("aws:PrincipalTag/team",))
    assert matcher.match("arn:aws:s3:::bkt-${aws:PrincipalTag/team}/x", EMPTY)[0] is False


def test_multivalued_variable_matches_nothing() -> None:
    """VARS: only single-valued keys can be variables."""
    matcher = compile_resources(("arn:aws:s3:::bkt/${aws:TagKeys}",), substitute=True)
    ctx = Context.of({"aws:TagKeys": ["a"]})
    assert matcher.match("arn:aws:s3:::bkt/a", ctx) == (False, ("aws:TagKeys",))


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        pytest.param(
            "arn:aws:s3:::bkt/a${*}b", "arn:aws:s3:::bkt/a*b", True, id="K28-star-literal"
        ),
        pytest.param(
            "arn:aws:s3:::bkt/a${*}b", "arn:aws:s3:::bkt/axxb", False, id="K28-not-wildcard"
        ),
        pytest.param(
            "arn:aws:s3:::bkt/a${?}b", "arn:aws:s3:::bkt/a?b", True, id="VARS-qmark-literal"
        ),
        pytest.param(
            "arn:aws:s3:::bkt/a${?}b", "arn:aws:s3:::bkt/axb", False, id="VARS-qmark-not-wild"
        ),
        pytest.param("arn:aws:s3:::bkt/${$}x", "arn:aws:s3:::bkt/$x", True, id="VARS-dollar"),
        pytest.param(
            "arn:aws:s3:::bkt/a${*}*", "arn:aws:s3:::bkt/a*zz", True, id="VARS-escape-then-star"
        ),
    ],
)
def test_escapes(pattern: str, resource: str, expected: bool) -> None:
    assert _res(pattern, resource) is expected


def test_substituted_values_are_literal() -> None:
    """VARS (§9.1 item 5, iamsim decision): a substituted `*` is text, not a wildcard."""
    pattern = "arn:aws:s3:::bkt/${aws:username}/*"
    star = Context.of({"aws:username": "*"})
    assert not _res(pattern, "arn:aws:s3:::bkt/bob/x", ctx=star)
    assert _res(pattern, "arn:aws:s3:::bkt/*/x", ctx=star)


def test_variable_key_case_insensitive_and_prefix_segments() -> None:
    pattern = "arn:aws:s3:::bkt/${AWS:USERNAME}"
    ctx = Context.of({"aws:username": "bob"})
    assert _res(pattern, "arn:aws:s3:::bkt/bob", ctx=ctx)
    # The segments before the resource part still match segment by segment, except that a
    # segment's trailing `*` "can expand to match beyond the colon boundaries" (Resource).
    variable = "arn:aws:sqs:us-*:111111111111:${aws:username}"
    assert _res(variable, "arn:aws:sqs:us-east-1:111111111111:bob", ctx=ctx)
    assert not _res(variable, "arn:aws:sqs:eu-west-1:111111111111:bob", ctx=ctx)
    assert not _res(variable, "arn:aws:sqs:us-east-1:222222222222:bob", ctx=ctx)
    assert _res(variable, "arn:aws:sqs:us-east-1:x:111111111111:bob", ctx=ctx)
    inner = "arn:aws:sqs:us-*-1:111111111111:${aws:username}"
    assert not _res(inner, "arn:aws:sqs:us-east:x-1:111111111111:bob", ctx=ctx)


def test_bad_variable_syntax_fails_loudly_only_when_substituting() -> None:
    with pytest.raises(PolicyError):
        compile_resources(("arn:aws:s3:::bkt/${aws:username",), substitute=True)
    assert _res(
        "arn:aws:s3:::bkt/${aws:username", "arn:aws:s3:::bkt/${aws:username", substitute=False
    )


_VALUE = st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=10)


@given(value=_VALUE, other=_VALUE)
def test_property_variable_equals_inlined_value(value: str, other: str) -> None:
    ctx = Context.of({"aws:username": value})
    dynamic = compile_resources(("arn:aws:s3:::bkt/${aws:username}/*",), substitute=True)
    static = compile_resources((f"arn:aws:s3:::bkt/{value}/*",), substitute=True)
    for name in (value, other):
        resource = f"arn:aws:s3:::bkt/{name}/obj"
        assert dynamic.match(resource, ctx)[0] == static.match(resource, ctx)[0]


def test_matching_never_compiles_a_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    """Performance contract: all regexes are built by compile_* functions."""
    resources = compile_resources(
        ("arn:aws:s3:::a/*", "arn:aws:s3:::b/${aws:username}/*"), substitute=True
    )
    actions = compile_actions(("s3:Get*",))
    principal = compile_principal(Principal(entries=(("AWS", A),)))

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("re.compile called during matching")

    monkeypatch.setattr(re, "compile", boom)
    ctx = Context.of({"aws:username": "bob"})
    assert resources.match("arn:aws:s3:::b/bob/x", ctx)[0]
    assert not resources.match("arn:aws:s3:::c/x", ctx)[0]
    assert actions.matches("s3:GetObject")
    assert principal.match(caller_from_arn(f"arn:aws:iam::{A}:user/alice")) == "account"


# ------------------------------------------------------------------- principals


def _principal(**entries: str | tuple[str, ...]) -> Principal:
    return Principal(entries=tuple(entries.items()))


ALICE = caller_from_arn(f"arn:aws:iam::{A}:user/alice")
SESSION = caller_from_arn(f"arn:aws:sts::{A}:assumed-role/Reader/s1", role_path="/team/")
ROOT = caller_from_arn(f"arn:aws:iam::{A}:root")
FEDERATED = caller_from_arn(f"arn:aws:sts::{A}:federated-user/carol")
SERVICE = Caller.for_service("cloudtrail.amazonaws.com")
ANON = Caller.anonymous()


@pytest.mark.parametrize(
    ("principal", "caller", "expected"),
    [
        pytest.param(Principal(wildcard=True), ANON, "wildcard", id="PRINCIPAL-star-anonymous"),
        pytest.param(_principal(AWS="*"), ANON, "wildcard", id="PRINCIPAL-aws-star-anonymous"),
        pytest.param(_principal(AWS="*"), ALICE, "wildcard", id="PRINCIPAL-aws-star-user"),
        pytest.param(_principal(AWS=A), ALICE, "account", id="PRINCIPAL-account-id-user"),
        pytest.param(_principal(AWS=A), SESSION, "account", id="PRINCIPAL-account-id-session"),
        pytest.param(_principal(AWS=A), ROOT, "account", id="PRINCIPAL-account-id-root"),
        pytest.param(_principal(AWS=A), FEDERATED, "account", id="PRINCIPAL-account-federated"),
        pytest.param(
            _principal(AWS=f"arn:aws:iam::{A}:root"), SESSION, "account", id="PRINCIPAL-root-arn"
        ),
        pytest.param(
            _principal(AWS=f"arn:aws-cn:iam::{A}:root"), ALICE, None, id="PRINCIPAL-root-partition"
        ),
        pytest.param(_principal(AWS=B), ALICE, None, id="PRINCIPAL-other-account"),
        pytest.param(_principal(AWS=A), ANON, None, id="PRINCIPAL-account-not-anonymous"),
        pytest.param(_principal(AWS=A), SERVICE, None, id="PRINCIPAL-account-not-service"),
        pytest.param(
            _principal(AWS=f"arn:aws:iam::{A}:user/alice"), ALICE, "user", id="PRINCIPAL-user"
        ),
        pytest.param(
            _principal(AWS=f"arn:aws:iam::{A}:user/Alice"), ALICE, None, id="PRINCIPAL-user-case"
        ),
        pytest.param(
            _principal(AWS=f"arn:aws:iam::{A}:role/team/Reader"),
            SESSION,
            "role",
            id="PRINCIPAL-role-path",
        ),
        pytest.param(
            _principal(AWS=f"arn:aws:iam::{A}:role/Reader"),
            SESSION,
            None,
            id="PRINCIPAL-role-path-differs",
        ),
        pytest.param(
            _principal(AWS=f"arn:aws:sts::{A}:assumed-role/Reader/s1"),
            SESSION,
            "session",
            id="PRINCIPAL-session",
        ),
        pytest.param(
            _principal(AWS=f"arn:aws:sts::{A}:assumed-role/Reader/s2"),
            SESSION,
            None,
            id="PRINCIPAL-other-session",
        ),
        pytest.param(
            _principal(AWS=f"arn:aws:sts::{A}:federated-user/carol"),
            FEDERATED,
            "federated_user",
            id="PRINCIPAL-fed-user",
        ),
        pytest.param(
            _principal(Service="cloudtrail.amazonaws.com"),
            SERVICE,
            "service",
            id="PRINCIPAL-service",
        ),
        pytest.param(
            _principal(Service="config.amazonaws.com"), SERVICE, None, id="PRINCIPAL-other-service"
        ),
        pytest.param(
            _principal(Federated="accounts.google.com"),
            SESSION,
            None,
            id="PRINCIPAL-federated-no-caller",
        ),
        pytest.param(
            _principal(CanonicalUser="a" * 64), ALICE, None, id="PRINCIPAL-canonical-never"
        ),
        pytest.param(
            _principal(AWS="AROAEXAMPLEEXAMPLE1234"), SESSION, None, id="PRINCIPAL-unique-id-never"
        ),
    ],
)
def test_principal_matching(principal: Principal, caller: Caller, expected: str | None) -> None:
    assert compile_principal(principal).match(caller) == expected


def test_principal_most_specific_form_wins() -> None:
    """Several forms name the caller: session > role > account > wildcard."""
    principal = Principal(
        entries=(
            ("AWS", ("*", A, f"arn:aws:iam::{A}:role/team/Reader")),
            ("AWS", f"arn:aws:sts::{A}:assumed-role/Reader/s1"),
        )
    )
    matcher = compile_principal(principal)
    assert matcher.match(SESSION) == "session"
    assert matcher.match(ALICE) == "account"
    assert matcher.match(ANON) == "wildcard"
    both = compile_principal(_principal(AWS=(A, f"arn:aws:iam::{A}:user/alice")))
    assert both.match(ALICE) == "user"
    assert both.match(ROOT) == "account"
    svc = compile_principal(
        Principal(entries=(("AWS", "*"), ("Service", "cloudtrail.amazonaws.com")))
    )
    assert svc.match(SERVICE) == "service"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("AWS", "*"),
        ("AWS", A),
        ("AWS", f"arn:aws:iam::{A}:root"),
        ("AWS", f"arn:aws:iam::{A}:user/division/alice"),
        ("AWS", f"arn:aws:iam::{A}:role/Reader"),
        ("AWS", f"arn:aws:sts::{A}:assumed-role/Reader/s1"),
        ("AWS", f"arn:aws:sts::{A}:federated-user/carol"),
        ("AWS", f"arn:aws-cn:iam::{A}:root"),
        ("Service", "cloudtrail.amazonaws.com"),
        ("Service", "ec2.amazonaws.com.cn"),
        ("Federated", "accounts.google.com"),
        ("Federated", f"arn:aws:iam::{A}:saml-provider/Okta"),
        ("Federated", f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"),
        ("CanonicalUser", "0123456789abcdef" * 4),
    ],
)
def test_principal_problem_accepts(kind: str, value: str) -> None:
    assert principal_problem(kind, value) is None


@pytest.mark.parametrize(
    ("kind", "value", "fragment"),
    [
        pytest.param(
            "AWS", f"arn:aws:iam::{A}:role/*", "wildcard", id="PRINCIPAL-no-partial-wildcard"
        ),
        pytest.param(
            "AWS",
            f"arn:aws:sts::{A}:assumed-role/R/*",
            "wildcard",
            id="PRINCIPAL-no-session-wildcard",
        ),
        pytest.param("AWS", "11111111111", "not an AWS principal", id="PRINCIPAL-11-digits"),
        pytest.param("AWS", f"arn:aws:iam::{A}:group/admins", "groups", id="PRINCIPAL-no-groups"),
        pytest.param("AWS", "arn:aws:s3:::bkt", "account", id="PRINCIPAL-not-iam"),
        pytest.param(
            "AWS", f"arn:aws:iam::{A}:policy/p", "not a principal ARN", id="PRINCIPAL-policy-arn"
        ),
        pytest.param("AWS", f"arn:aws:iam:us-east-1:{A}:root", "region", id="PRINCIPAL-region"),
        pytest.param("AWS", "alice", "not an AWS principal", id="PRINCIPAL-bare-name"),
        pytest.param("Service", "cloudtrail", "service principal", id="PRINCIPAL-service-domain"),
        pytest.param("Service", "*", "wildcard", id="PRINCIPAL-service-star"),
        pytest.param("CanonicalUser", "abc", "64", id="PRINCIPAL-canonical-length"),
        pytest.param(
            "Federated",
            f"arn:aws:iam::{A}:role/R",
            "identity provider",
            id="PRINCIPAL-federated-arn",
        ),
        pytest.param("Aws", A, "did you mean `AWS`", id="PRINCIPAL-type-case"),
        pytest.param(
            "Services", "x.amazonaws.com", "did you mean `Service`", id="PRINCIPAL-type-typo"
        ),
    ],
)
def test_principal_problem_rejects(kind: str, value: str, fragment: str) -> None:
    problem = principal_problem(kind, value)
    assert problem is not None and fragment in problem
    with pytest.raises(PolicyError):
        compile_principal(Principal(entries=((kind, value),)))


# --------------------------------------------------------- compliance corpus

CORPUS = Path(__file__).resolve().parents[1] / "compliance" / "matching"
CORPUS_FILES = ("actions.json", "resources.json", "principals.json", "variables.json")


def _load_cases() -> list[Any]:
    out: list[Any] = []
    for name in CORPUS_FILES:
        data = json.loads((CORPUS / name).read_text("utf-8"))
        assert set(data) == {"description", "cases"}
        out.extend(pytest.param(case, id=case["id"]) for case in data["cases"])
    return out


def _as_tuple(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _as_principal(raw: Any) -> Principal:
    if raw == "*":
        return Principal(wildcard=True)
    return Principal(
        entries=tuple((k, v if isinstance(v, str) else tuple(v)) for k, v in raw.items())
    )


def _problem_paths(policy: dict[str, Any]) -> set[str]:
    """A small stand-in for the policy parser: the element paths our validators reject."""
    substitute = policy.get("Version") == "2012-10-17"
    paths: set[str] = set()
    for i, stmt in enumerate(policy["Statement"]):
        for element in ("Principal", "NotPrincipal"):
            raw = stmt.get(element)
            if isinstance(raw, dict):
                for kind, values in raw.items():
                    for value in _as_tuple(values):
                        if principal_problem(kind, value) is not None:
                            paths.add(f"Statement[{i}].{element}.{kind}")
        for element in ("Action", "NotAction"):
            for value in _as_tuple(stmt.get(element, ())):
                if action_problem(value) is not None:
                    paths.add(f"Statement[{i}].{element}")
        for element in ("Resource", "NotResource"):
            for value in _as_tuple(stmt.get(element, ())):
                bad = arn_problem(value, allow_wildcards=True) is not None
                if not bad and substitute and "${" in value:
                    try:
                        parse_template(value.split(":", 5)[-1])
                    except PolicyError:
                        bad = True
                if bad:
                    paths.add(f"Statement[{i}].{element}")
    return paths


def _verdict(policy: dict[str, Any], request: dict[str, Any]) -> str:
    substitute = policy.get("Version") == "2012-10-17"
    caller = caller_from_arn(request["principal"])
    ctx = Context.of(request["context"])
    matched = set()
    for stmt in policy["Statement"]:
        principal = stmt.get("Principal")
        if (
            principal is not None
            and compile_principal(_as_principal(principal)).match(caller) is None
        ):
            continue
        assert "NotPrincipal" not in stmt
        if "Action" in stmt:
            if not compile_actions(_as_tuple(stmt["Action"])).matches(request["action"]):
                continue
        elif compile_actions(_as_tuple(stmt["NotAction"])).matches(request["action"]):
            continue
        if "Resource" in stmt:
            values, negate = _as_tuple(stmt["Resource"]), False
        else:
            values, negate = _as_tuple(stmt["NotResource"]), True
        hit = compile_resources(values, substitute=substitute).match(request["resource"], ctx)[0]
        if hit == negate:
            continue
        matched.add(stmt["Effect"])
    return "deny" if "Deny" in matched else "allow" if "Allow" in matched else "none"


@pytest.mark.parametrize("case", _load_cases())
def test_compliance_case(case: dict[str, Any]) -> None:
    assert case["id"] and case["cite"]
    policy = case["policy"]
    if "expect_error" in case:
        assert set(case) == {"id", "cite", "policy", "expect_error"}
        assert _problem_paths(policy) == set(case["expect_error"])
        return
    assert set(case) == {"id", "cite", "policy", "request", "expect"}
    assert _problem_paths(policy) == set()
    if any("Condition" in stmt for stmt in policy["Statement"]):
        pytest.skip("conditions are evaluated by the full runner")
    assert _verdict(policy, case["request"]) == case["expect"]


def test_compliance_corpus_size_and_unique_ids() -> None:
    ids = [p.values[0]["id"] for p in _load_cases()]
    assert len(ids) >= 40
    assert len(ids) == len(set(ids))
