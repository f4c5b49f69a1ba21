"""Resource ARNs that AWS's own managed policies use, which iamsim refused before.

- An empty resource part: AmazonDevOpsGuruOrganizationsAccess names
  `arn:aws:organizations::*:`. It covers only ARNs whose resource part is empty (IAM User
  Guide, "IAM JSON policy elements: Resource": wildcards work "within the individual
  segments"), so in practice nothing but what it names.
- A policy variable in the account field: AmazonTimestreamInfluxDBServiceRolePolicy names
  `arn:*:kms:*:${aws:PrincipalAccount}:key/*`, although the IAM User Guide, "IAM policy
  elements: Variables and tags", places variables in the resource part. AWS publishes it,
  so AWS accepts it: the value is rendered per request and compared literally within the
  account field; a missing key makes the pattern match nothing (as in the resource part).
  The partition, service and region still refuse variables.

The two documents are a fixture (tests/data/managed_policies/); the whole export of AWS's
managed policies is checked too when it sits at `../shared/data/` beside the repository.
"""

from __future__ import annotations

import gzip
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import iamsim
from iamsim.errors import PolicyError
from iamsim.patterns import arn_problem, arn_segments, compile_resources
from iamsim.request import Context

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "managed_policies" / "refused_before.json"
SHARED = ROOT.parent / "shared" / "data" / "aws-managed-policies.json.gz"
NAMES = ("AmazonDevOpsGuruOrganizationsAccess", "AmazonTimestreamInfluxDBServiceRolePolicy")
KMS = "arn:*:kms:*:${aws:PrincipalAccount}:key/*"
ORGS = "arn:aws:organizations::*:"
A, B = "111111111111", "222222222222"
EMPTY = Context()


def _documents() -> dict[str, Any]:
    """The two documents: from the shared export when present, else the fixture (never
    skipped)."""
    fixture = json.loads(FIXTURE.read_text("utf-8"))["policies"]
    if not SHARED.is_file():
        return {name: fixture[name]["document"] for name in NAMES}
    with gzip.open(SHARED) as stream:
        shared = json.load(stream)["policies"]
    for name in NAMES:  # the fixture is a faithful copy
        assert shared[name]["document"] == fixture[name]["document"]
    return {name: shared[name]["document"] for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_the_two_live_policies_parse_and_compile(name: str) -> None:
    policy = iamsim.Policy.from_json(_documents()[name])
    assert policy.compile().statements


def test_every_live_managed_policy_parses_when_the_export_is_present() -> None:
    """All of AWS's managed policies (1,644 in the export): AWS publishes them, so AWS
    accepts them. Without the export the two above stand for it (they use the fixture)."""
    if not SHARED.is_file():
        assert FIXTURE.is_file()  # the two documents above are then read from the fixture
        return
    with gzip.open(SHARED) as stream:
        policies = json.load(stream)["policies"]
    assert len(policies) >= 1644
    refused = []
    for name, entry in policies.items():
        try:
            iamsim.Policy.from_json(entry["document"]).compile()
        except PolicyError as exc:
            refused.append(f"{name}: {exc}")
    assert not refused


def _match(pattern: str, resource: str, ctx: Context = EMPTY) -> tuple[bool, tuple[str, ...]]:
    return compile_resources((pattern,), substitute=True).match(resource, ctx)


# -- an empty resource part ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        pytest.param(f"arn:aws:organizations::{A}:", True, id="its-own-empty-resource-part"),
        pytest.param(f"arn:aws:organizations::{A}:account/o-x/{A}", False, id="an-account"),
        pytest.param(f"arn:aws:organizations::{A}:ou/o-x/ou-y:", False, id="ends-in-colon"),
        pytest.param(f"arn:aws:organizations::{A}:x:", False, id="star-stays-in-its-field"),
        pytest.param("arn:aws:organizations:us-east-1:1:", False, id="region-differs"),
        pytest.param("*", False, id="not-star"),
    ],
)
def test_empty_resource_part_covers_only_empty_resource_parts(
    resource: str, expected: bool
) -> None:
    assert _match(ORGS, resource) == (expected, ())


def test_empty_resource_part_is_refused_when_it_names_nothing_at_all() -> None:
    """`arn:aws:s3:::` (region, account and resource all empty) stays refused."""
    assert arn_problem(ORGS, allow_wildcards=True) is None
    assert arn_problem(f"arn:aws:organizations::{A}:", allow_wildcards=True) is None
    assert arn_problem("arn:aws:s3:::", allow_wildcards=True) is not None
    assert arn_problem(f"arn:aws:organizations::{A}:", allow_wildcards=False) is not None


def test_devops_guru_statement_grants_nothing_real() -> None:
    """Its Organizations actions are requested against `*` (no resource-level permissions),
    which a statement naming ARNs does not cover (IAM User Guide, Resource element)."""
    document = _documents()["AmazonDevOpsGuruOrganizationsAccess"]
    statement = document["Statement"][1]
    assert statement["Resource"] == ORGS
    user = f"arn:aws:iam::{A}:user/alice"
    world = iamsim.World.of(
        iamsim.User(user, policies=[{"Version": "2012-10-17", "Statement": [statement]}])
    )
    assert not world.simulate(user, "organizations:ListAccounts", "*").allowed


# -- a variable in the account field ---------------------------------------------------------


def test_segments_split_outside_variables() -> None:
    assert arn_segments(KMS, variables=True) == [
        "arn",
        "*",
        "kms",
        "*",
        "${aws:PrincipalAccount}",
        "key/*",
    ]
    assert arn_segments(KMS, variables=False)[4] == "${aws"
    quoted = "arn:aws:kms:*:${aws:x, '1:2}'}:key/*"
    assert arn_segments(quoted, variables=True)[4:] == ["${aws:x, '1:2}'}", "key/*"]


@pytest.mark.parametrize(
    ("resource", "context", "expected"),
    [
        pytest.param(f"arn:aws:kms:us-east-1:{A}:key/k", {"aws:PrincipalAccount": A}, True),
        pytest.param(f"arn:aws-cn:kms:cn-north-1:{A}:key/k", {"aws:PrincipalAccount": A}, True),
        pytest.param(f"arn:aws:kms:us-east-1:{B}:key/k", {"aws:PrincipalAccount": A}, False),
        pytest.param(f"arn:aws:kms:us-east-1:{A}:alias/k", {"aws:PrincipalAccount": A}, False),
        pytest.param(f"arn:aws:kms:us-east-1:{A}:key/k", {"aws:PrincipalAccount": "*"}, False),
        pytest.param(f"arn:aws:kms:us-east-1:{A}:key/k", {"aws:PrincipalAccount": "1*"}, False),
        pytest.param("arn:aws:kms:us-east-1:1*:key/k", {"aws:PrincipalAccount": "1*"}, True),
        pytest.param(f"arn:aws:kms:us-east-1:{A}:key/k", {"aws:PrincipalAccount": ""}, False),
    ],
)
def test_account_variable_is_rendered_and_compared_literally(
    resource: str, context: dict[str, str], expected: bool
) -> None:
    assert _match(KMS, resource, Context.of(context)) == (expected, ())


def test_rendered_value_stays_within_the_account_field() -> None:
    """A value holding a colon is no account: the pattern matches nothing."""
    pattern = "arn:aws:kms:us-east-1:${aws:x}:key/*"
    assert not _match(
        pattern, f"arn:aws:kms:us-east-1:{A}:{B}:key/k", Context.of({"aws:x": f"{A}:{B}"})
    )[0]
    assert _match(pattern, f"arn:aws:kms:us-east-1:{A}:key/k", Context.of({"aws:x": A}))[0]


def test_missing_account_variable_matches_nothing_and_is_reported() -> None:
    assert _match(KMS, f"arn:aws:kms:us-east-1:{A}:key/k") == (False, ("aws:PrincipalAccount",))
    with_default = "arn:aws:kms:*:${aws:PrincipalAccount, '111111111111'}:key/*"
    assert _match(with_default, f"arn:aws:kms:us-east-1:{A}:key/k") == (True, ())
    both = "arn:aws:kms:*:${aws:PrincipalAccount}:key/${aws:username}"
    ctx = Context.of({"aws:PrincipalAccount": A})
    assert _match(both, f"arn:aws:kms:us-east-1:{A}:key/bob", ctx) == (False, ("aws:username",))
    ctx = Context.of({"aws:PrincipalAccount": A, "aws:username": "bob"})
    assert _match(both, f"arn:aws:kms:us-east-1:{A}:key/bob", ctx) == (True, ())


def test_short_pattern_with_an_account_variable() -> None:
    pattern = "arn:aws:logs:us-east-1:${aws:PrincipalAccount}*"
    ctx = Context.of({"aws:PrincipalAccount": A})
    assert _match(pattern, f"arn:aws:logs:us-east-1:{A}:log-group:g:log-stream:s", ctx)[0]
    assert not _match(pattern, f"arn:aws:logs:us-east-1:{B}:log-group:g", ctx)[0]


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param("arn:${aws:x}:kms:*:*:key/*", id="partition"),
        pytest.param("arn:aws:${aws:x}:*:*:key/*", id="service"),
        pytest.param("arn:aws:kms:${aws:RequestedRegion}:*:key/*", id="region"),
    ],
)
def test_variables_stay_refused_in_partition_service_and_region(pattern: str) -> None:
    problem = arn_problem(pattern, allow_wildcards=True, variables=True)
    assert problem is not None and "account field and the resource part" in problem
    with pytest.raises(PolicyError):
        compile_resources((pattern,), substitute=True)
    with pytest.raises(PolicyError):
        iamsim.Policy.from_json(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": pattern}],
            }
        )


def test_account_variable_is_text_without_version_2012() -> None:
    """IAM User Guide, Variables: without Version 2012-10-17 `${…}` is not processed: the
    account field is then the literal `${aws`, which no ARN holds: refused as before."""
    for version in ("2008-10-17", None):
        document: dict[str, Any] = {
            "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KMS}]
        }
        if version:
            document["Version"] = version
        with pytest.raises(PolicyError):
            iamsim.Policy.from_json(document)


def test_bad_variable_syntax_in_the_account_is_refused() -> None:
    with pytest.raises(PolicyError, match="variable"):
        iamsim.Policy.from_json(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "kms:Decrypt",
                        "Resource": "arn:aws:kms:*:${aws:PrincipalAccount,x}:key/*",
                    }
                ],
            }
        )


_DIGITS = st.text(string.digits, min_size=1, max_size=12)
_RESOURCES = st.sampled_from(
    [
        "arn:aws:kms:us-east-1:{a}:key/k",
        "arn:aws:kms:us-east-1:{b}:key/k",
        "arn:aws:kms:us-east-1:x:{a}:key/k",
        "arn:aws:kms::{a}:key/",
        "arn:aws:kms:us-east-1:{a}:alias/k",
        "arn:aws:kms:us-east-1:{a}{b}:key/k",
    ]
)


@given(a=_DIGITS, b=_DIGITS, shape=_RESOURCES)
def test_property_variable_equals_inlined_account(a: str, b: str, shape: str) -> None:
    """Rendering the account per request answers as the pattern with the value written in."""
    ctx = Context.of({"aws:PrincipalAccount": a})
    static = f"arn:*:kms:*:{a}:key/*"
    resource = shape.format(a=a, b=b)
    assert _match(KMS, resource, ctx)[0] == _match(static, resource)[0]


def test_matching_an_account_variable_never_compiles_a_regex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import re

    matcher = compile_resources((KMS, ORGS), substitute=True)
    assert matcher.reads_context

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("re.compile called during matching")

    monkeypatch.setattr(re, "compile", boom)
    ctx = Context.of({"aws:PrincipalAccount": A})
    assert matcher.match(f"arn:aws:kms:us-east-1:{A}:key/k", ctx)[0]
    assert not matcher.match(f"arn:aws:kms:us-east-1:{B}:key/k", ctx)[0]


def _kms_world(statement: dict[str, Any]) -> iamsim.World:
    def key(account: str) -> iamsim.Resource:
        return iamsim.Resource(
            f"arn:aws:kms:us-east-1:{account}:key/k",
            policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
        )

    policy = {"Version": "2012-10-17", "Statement": [statement]}
    return iamsim.World.of(
        iamsim.User(f"arn:aws:iam::{A}:user/alice", policies=[policy]), key(A), key(B)
    )


def test_timestream_statement_through_the_world() -> None:
    """aws:PrincipalAccount is set for IAM callers (AWS global condition context keys): the
    statement grants kms:Decrypt on the caller's own keys only."""
    document = _documents()["AmazonTimestreamInfluxDBServiceRolePolicy"]
    (statement,) = [s for s in document["Statement"] if s.get("Resource") == KMS]
    statement = {k: v for k, v in statement.items() if k != "Condition"}
    world = _kms_world(statement)
    alice = f"arn:aws:iam::{A}:user/alice"
    assert world.simulate(alice, "kms:Decrypt", f"arn:aws:kms:us-east-1:{A}:key/k").allowed
    other = world.simulate(alice, "kms:Decrypt", f"arn:aws:kms:us-east-1:{B}:key/k")
    assert [x.policy_type for x in other.denied_by] == ["identity"]


def test_not_resource_with_an_unresolved_account_variable_grants_nothing() -> None:
    """IAM User Guide, Variables: an unresolved variable "might cause the entire statement
    to be invalid"; an Allow with NotResource must not grant on it (docs/evaluation.md)."""
    pattern = "arn:aws:kms:*:${aws:PrincipalTag/acct}:key/*"
    world = _kms_world({"Effect": "Allow", "Action": "kms:Decrypt", "NotResource": pattern})
    alice, key = f"arn:aws:iam::{A}:user/alice", f"arn:aws:kms:us-east-1:{A}:key/k"
    d = world.simulate(alice, "kms:Decrypt", key)
    assert not d.allowed and "aws:PrincipalTag/acct" in d.missing_context_keys
    assert not world.simulate(alice, "kms:Decrypt", key, {"aws:PrincipalTag/acct": A}).allowed
    assert world.simulate(alice, "kms:Decrypt", key, {"aws:PrincipalTag/acct": B}).allowed


def test_compiled_account_variable_pickles_and_copies() -> None:
    """Worlds, decisions and compiled policies pickle (ARCHITECTURE.md, Memos)."""
    import copy
    import pickle

    matcher = compile_resources((KMS, ORGS), substitute=True)
    ctx = Context.of({"aws:PrincipalAccount": A})
    for clone in (pickle.loads(pickle.dumps(matcher)), copy.deepcopy(matcher)):
        assert clone.match(f"arn:aws:kms:us-east-1:{A}:key/k", ctx) == (True, ())
        assert clone.match(f"arn:aws:kms:us-east-1:{B}:key/k", ctx) == (False, ())
