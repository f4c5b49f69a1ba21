"""What a user sees (issue #13): each test replays what the user typed and checks what
they should have seen. Region lock, a misspelt role, a data perimeter, a saved session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamsim.cli import main

ORG = "o-a1b2c3d4e5"
MGMT, SRC, TGT, OUT = "999999999999", "111111111111", "222222222222", "333333333333"
ALICE = f"arn:aws:iam::{SRC}:user/alice"
MALLORY = f"arn:aws:iam::{OUT}:user/mallory"
BUCKET = "arn:aws:s3:::shared-reports"
REPORT = f"{BUCKET}/q1.csv"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow_all(*actions: str) -> dict[str, Any]:
    return _policy({"Effect": "Allow", "Action": list(actions), "Resource": "*"})


def perimeter_world(tmp_path: Path, deny: dict[str, Any]) -> str:
    """A bucket in 222222222222 that grants mallory (outside the organization) s3:GetObject
    and carries one Deny statement `deny`."""
    grant = {
        "Sid": "ShareWithMallory",
        "Effect": "Allow",
        "Principal": {"AWS": MALLORY},
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    doc = {
        "organization": {
            "id": ORG,
            "management_account": MGMT,
            "root": {"accounts": [MGMT, SRC, TGT]},
        },
        "accounts": {
            MGMT: {},
            SRC: {"users": {"alice": {"policies": [_allow_all("s3:GetObject")]}}},
            TGT: {"resources": {BUCKET: {"policy": _policy(grant, deny)}}},
            OUT: {"users": {"mallory": {"policies": [_allow_all("s3:GetObject")]}}},
        },
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc), "utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- item 4: a fix never removes a security perimeter ----------------------------------------

DENY_OUTSIDE_ORG = {
    "Sid": "DenyOutsideOrg",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET, f"{BUCKET}/*"],
    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
}


def test_suggest_reports_the_bucket_perimeter_as_a_guardrail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """IAM User Guide, "Establish permissions guardrails using data perimeters": a Deny on
    aws:PrincipalOrgID is the identity perimeter; the fix must not narrow it."""
    world = perimeter_world(tmp_path, DENY_OUTSIDE_ORG)
    code, out, _ = run(
        capsys, "simulate", "--world", world, "--caller", MALLORY,
        "--action", "s3:GetObject", "--resource", REPORT, "--suggest",
    )  # fmt: skip
    assert code == 1
    fixes = [line for line in out.splitlines() if line.startswith("  - ")]
    assert len(fixes) == 1, out
    assert "DenyOutsideOrg" in fixes[0] and "data perimeter" in fixes[0]
    assert "aws:PrincipalOrgID" in fixes[0] and f"account {TGT}" in fixes[0]
    assert "guardrail owned by" in fixes[0]
    assert "Remove or narrow" not in out and "change:" not in out


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("StringNotEquals", "aws:PrincipalAccount", [SRC, TGT]),
        ("ForAllValues:StringNotLike", "aws:PrincipalOrgPaths", [f"{ORG}/r-ab12/*"]),
        ("StringNotEquals", "aws:SourceVpce", ["vpce-0a1b2c3d4e5f67890"]),
        ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
    ],
)
def test_every_perimeter_key_is_a_guardrail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, operator: str, key: str, value: Any
) -> None:
    """The identity and network perimeters of the data-perimeter guide, one key at a time."""
    deny = {**DENY_OUTSIDE_ORG, "Sid": "Perimeter", "Condition": {operator: {key: value}}}
    world = perimeter_world(tmp_path, deny)
    code, out, _ = run(
        capsys, "simulate", "--world", world, "--caller", MALLORY,
        "--action", "s3:GetObject", "--resource", REPORT, "--suggest", "--output", "json",
    )  # fmt: skip
    assert code == 1
    (fix,) = json.loads(out)["suggested_fixes"]
    assert fix["change"]["perimeter_keys"] == [key]
    assert fix["applies_to_world"] is False and fix["request"] is None


def test_not_principal_deny_is_a_guardrail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """IAM User Guide, NotPrincipal with Deny: everyone but the named principals is denied,
    a perimeter drawn by name."""
    deny = {
        "Sid": "OnlyAlice",
        "Effect": "Deny",
        "NotPrincipal": {"AWS": ALICE},
        "Action": "s3:*",
        "Resource": [BUCKET, f"{BUCKET}/*"],
    }
    world = perimeter_world(tmp_path, deny)
    code, out, _ = run(
        capsys, "simulate", "--world", world, "--caller", MALLORY,
        "--action", "s3:GetObject", "--resource", REPORT, "--suggest", "--output", "json",
    )  # fmt: skip
    assert code == 1
    (fix,) = json.loads(out)["suggested_fixes"]
    assert fix["change"]["perimeter_keys"] == ["NotPrincipal"]
    assert "OnlyAlice" in fix["description"]


def test_a_plain_deny_is_still_narrowed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A Deny that keys on no perimeter (here the object's name) is an ordinary statement the
    bucket's owner may narrow: the fix still offers it."""
    deny = {
        "Sid": "NoReports",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/q1.*",
    }
    world = perimeter_world(tmp_path, deny)
    code, out, _ = run(
        capsys, "simulate", "--world", world, "--caller", MALLORY,
        "--action", "s3:GetObject", "--resource", REPORT, "--suggest",
    )  # fmt: skip
    assert code == 1
    assert "Remove or narrow the Deny statement NoReports" in out


# -- item 1: aws:RequestedRegion ----------------------------------------------------------------

REGION_LOCK = _policy(
    {
        "Sid": "DenyOutsideEU",
        "Effect": "Deny",
        "NotAction": ["iam:*", "organizations:*", "route53:*", "cloudfront:*", "support:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    }
)
READER = f"arn:aws:iam::{TGT}:role/Reader"


def region_world(tmp_path: Path, **top: Any) -> str:
    """The organization's most common SCP, the region lock, over alice's account and the
    account of the role and bucket she uses."""
    trust = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{SRC}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    doc = {
        **top,
        "organization": {
            "id": ORG,
            "management_account": MGMT,
            "policies": {"RegionLock": REGION_LOCK},
            "root": {
                "accounts": [MGMT],
                "ous": {
                    "Workloads": {"scps": ["FullAWSAccess", "RegionLock"], "accounts": [SRC, TGT]}
                },
            },
        },
        "accounts": {
            MGMT: {},
            SRC: {
                "users": {"alice": {"policies": [_allow_all("s3:GetObject", "sts:AssumeRole")]}},
                "resources": {BUCKET: {}},
            },
            TGT: {"roles": {"Reader": {"trust_policy": trust}}},
        },
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc), "utf-8")
    return str(path)


@pytest.fixture
def no_region_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    return monkeypatch


def _get_report(capsys: pytest.CaptureFixture[str], world: str, *more: str) -> tuple[int, str, str]:
    return run(
        capsys, "simulate", "--world", world, "--caller", ALICE,
        "--action", "s3:GetObject", "--resource", REPORT, *more,
    )  # fmt: skip


def test_s3_under_a_region_lock_is_allowed_in_the_region_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """IAM User Guide, global condition keys, aws:RequestedRegion; AWS Organizations, SCP
    example "Deny access to AWS based on the requested AWS Region": an S3 ARN names no
    region, the request carries the region it is made in."""
    world = region_world(tmp_path)
    code, out, _ = _get_report(capsys, world, "--region", "eu-west-1")
    assert code == 0, out
    assert out.startswith("Allowed:")
    code, out, _ = _get_report(capsys, world, "--region", "us-east-1")
    assert code == 1
    assert "by its condition on aws:RequestedRegion" in out.splitlines()[0]
    assert "no region is known" not in out


def test_no_region_known_is_said_in_the_first_line_and_the_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """With no region anywhere the request has no aws:RequestedRegion; the lock's
    StringNotEquals then matches (IAM User Guide, condition operators: a negated operator
    matches a missing key), and the user is told the region is what is missing."""
    world = region_world(tmp_path)
    code, out, _ = _get_report(capsys, world, "--suggest")
    assert code == 1
    first = out.splitlines()[0]
    assert "service control policy" in first and "no region is known for this call" in first
    assert "--region" in first
    fixes = [line for line in out.splitlines() if line.startswith("  - ")]
    assert len(fixes) == 1 and "No region is known for this call" in fixes[0], out


@pytest.mark.parametrize(
    ("env", "flag", "allowed"),
    [
        ({"AWS_REGION": "eu-west-1"}, [], True),
        ({"AWS_DEFAULT_REGION": "eu-central-1"}, [], True),
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"}, [], True),
        ({"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "eu-west-1"}, [], False),
        ({"AWS_REGION": "eu-west-1"}, ["--region", "us-east-1"], False),
    ],
)
def test_region_from_the_environment_as_the_aws_cli_reads_it(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    no_region_env: pytest.MonkeyPatch,
    env: dict[str, str],
    flag: list[str],
    allowed: bool,
) -> None:
    """AWS CLI User Guide, "Configuring environment variables": the command-line option
    overrides the environment; AWS_REGION overrides AWS_DEFAULT_REGION."""
    for name, value in env.items():
        no_region_env.setenv(name, value)
    code, out, _ = _get_report(capsys, region_world(tmp_path), *flag)
    assert code == (0 if allowed else 1), out


def test_the_worlds_default_region(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """The world document's default_region is the region when the call names none."""
    world = region_world(tmp_path, default_region="eu-central-1")
    assert _get_report(capsys, world)[0] == 0
    assert _get_report(capsys, world, "--region", "ap-southeast-2")[0] == 1


def test_assume_role_carries_the_callers_region(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """IAM User Guide, "Manage AWS STS in an AWS Region": the SDKs call STS's regional
    endpoints, so AssumeRole carries the caller's region, not a fixed us-east-1."""
    world = region_world(tmp_path)
    call = ["assume-role", "--world", world, "--caller", ALICE, "--role-arn", READER,
            "--role-session-name", "s1"]  # fmt: skip
    assert run(capsys, *call, "--region", "eu-west-1")[0] == 0
    code, out, _ = run(capsys, *call, "--region", "us-east-1")
    assert code == 1 and "service control policy" in out
    code, out, _ = run(capsys, *call)
    assert code == 1 and "no region is known for this call" in out


@pytest.mark.parametrize(
    ("where", "value"),
    [("--region", "Europe"), ("AWS_REGION", "eu_west_1"), ("AWS_DEFAULT_REGION", "us-east")],
)
def test_a_bad_region_is_one_line_naming_where_it_came_from(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    no_region_env: pytest.MonkeyPatch,
    where: str,
    value: str,
) -> None:
    flag = ["--region", value] if where == "--region" else []
    if not flag:
        no_region_env.setenv(where, value)
    code, out, err = _get_report(capsys, region_world(tmp_path), *flag)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert where in line and repr(value) in line and "region code" in line


def test_a_bad_default_region_names_its_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    code, out, err = _get_report(capsys, region_world(tmp_path, default_region="EU"))
    assert code == 2 and out == ""
    assert "default_region" in err and "'EU' is not an AWS region code" in err
    assert "Traceback" not in err


# -- item 7: simulate --session FILE ---------------------------------------------------------

MFA_NOW = "2026-03-01T10:00:00Z"


def mfa_world(tmp_path: Path) -> str:
    """alice assumes Admin (MFA required by its trust policy); Admin may read the bucket
    only with MFA, only with the session tag team=data, and only as source identity alice."""
    trust = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{SRC}:root"},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    )
    admin = _policy(
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "*",
            "Condition": {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "StringEquals": {"aws:PrincipalTag/team": "data", "aws:SourceIdentity": "alice"},
            },
        }
    )
    doc = {
        "accounts": {
            SRC: {"users": {"alice": {"policies": [_allow_all("sts:*")]}}},
            TGT: {
                "roles": {"Admin": {"trust_policy": trust, "policies": [admin]}},
                "resources": {BUCKET: {}},
            },
        }
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc), "utf-8")
    return str(path)


def _assumed(capsys: pytest.CaptureFixture[str], world: str, *more: str) -> dict[str, Any]:
    code, out, err = run(
        capsys, "assume-role", "--world", world, "--caller", ALICE,
        "--role-arn", f"arn:aws:iam::{TGT}:role/Admin", "--role-session-name", "ops",
        "--serial-number", f"arn:aws:iam::{SRC}:mfa/alice", "--token-code", "123456",
        "--tags", "team=data", "--source-identity", "alice", "--now", MFA_NOW, *more,
    )  # fmt: skip
    assert code == 0, (out, err)
    data: dict[str, Any] = json.loads(out)
    return data


def test_simulate_as_the_saved_session_keeps_mfa_tags_and_source_identity(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """IAM User Guide, global condition keys: aws:MultiFactorAuthPresent, aws:PrincipalTag
    (session tags) and aws:SourceIdentity hold for every call the session makes; the
    session ARN alone stands for a fresh session without them."""
    world = mfa_world(tmp_path)
    saved = tmp_path / "session.json"
    saved.write_text(json.dumps(_assumed(capsys, world, "--output", "json")), "utf-8")
    ask = ["simulate", "--world", world, "--action", "s3:GetObject", "--resource", REPORT,
           "--now", "2026-03-01T10:05:00Z"]  # fmt: skip
    code, out, _ = run(capsys, *ask, "--session", str(saved))
    assert code == 0, out
    assert out.startswith(f"Allowed: arn:aws:sts::{TGT}:assumed-role/Admin/ops may perform")
    # What the user did before: the ARN alone loses the MFA, the tags and the source identity.
    code, out, _ = run(
        capsys, *ask, "--caller", f"arn:aws:sts::{TGT}:assumed-role/Admin/ops", "--explain"
    )
    assert code == 1
    assert "is simulated as a fresh session of its role, without the MFA" in out
    assert "simulate --session FILE" in out


def test_simulate_as_the_saved_session_keeps_its_session_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """IAM User Guide, session policies: the session's permissions are the intersection of
    the role's policies and the session policy, for every call the session makes."""
    world = mfa_world(tmp_path)
    read_only = json.dumps(_allow_all("s3:GetObject"))
    saved = tmp_path / "session.json"
    data = _assumed(capsys, world, "--policy", read_only, "--output", "json")
    saved.write_text(json.dumps(data), "utf-8")
    ask = ["simulate", "--world", world, "--resource", REPORT, "--session", str(saved),
           "--now", "2026-03-01T10:05:00Z"]  # fmt: skip
    assert run(capsys, *ask, "--action", "s3:GetObject")[0] == 0
    code, out, _ = run(capsys, *ask, "--action", "s3:PutObject")
    assert code == 1 and "session policy" in out.splitlines()[0]


def test_the_aws_shape_is_refused_saying_what_it_lacks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    world = mfa_world(tmp_path)
    saved = tmp_path / "aws.json"
    saved.write_text(json.dumps(_assumed(capsys, world, "--output", "aws")), "utf-8")
    code, out, err = run(
        capsys, "simulate", "--world", world, "--action", "s3:GetObject",
        "--resource", REPORT, "--session", str(saved),
    )  # fmt: skip
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert f"--session: {saved}:" in line and "carries no MFA" in line
    assert "--output json" in line


@pytest.mark.parametrize(
    ("change", "wanted"),
    [
        (lambda d: d["session"].pop("issued"), ["session.issued: required, and missing"]),
        (
            lambda d: d["session"].update(mfa_authenticated="yes", tags=["team"]),
            [
                "session.tags: expected an object of tag keys to string values, not a list",
                "session.mfa_authenticated: expected true or false, not a string",
            ],
        ),
        (
            lambda d: d["session"].update(expiration="tomorrow"),
            ["session.expiration: expected an ISO 8601 time"],
        ),
        (
            lambda d: d.update(session=None, outcome="implicitDeny"),
            ["session: the decision holds no session (its outcome is 'implicitDeny')"],
        ),
        (
            lambda d: d["session"].update(arn="arn:aws:sts::222222222222:assumed-role/Admin/x"),
            ["session.arn: arn:aws:sts::222222222222:assumed-role/Admin/x is not the ARN"],
        ),
    ],
)
def test_a_broken_session_file_names_the_file_and_each_json_path(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    no_region_env: pytest.MonkeyPatch,
    change: Any,
    wanted: list[str],
) -> None:
    world = mfa_world(tmp_path)
    data = _assumed(capsys, world, "--output", "json")
    change(data)
    saved = tmp_path / "session.json"
    saved.write_text(json.dumps(data), "utf-8")
    code, out, err = run(
        capsys, "simulate", "--world", world, "--action", "s3:GetObject",
        "--resource", REPORT, "--session", str(saved),
    )  # fmt: skip
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == len(wanted), err
    for line in lines:
        assert line.startswith(f"iamsim: error: --session: {saved}: "), line
    for want in wanted:
        assert any(want in line for line in lines), (want, err)


def test_session_file_not_json_and_caller_with_session(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved = tmp_path / "session.json"
    saved.write_text('{"schema": ', "utf-8")
    base = ["simulate", "--action", "s3:GetObject", "--resource", REPORT]
    code, _, err = run(capsys, *base, "--session", str(saved))
    assert code == 2 and f"--session: {saved}:1:" in err and "not JSON" in err
    code, _, err = run(capsys, *base, "--session", str(saved), "--caller", ALICE)
    assert code == 2 and "--caller and --session both name the caller" in err
    code, _, err = run(capsys, *base)
    assert code == 2 and "required: --caller ARN or --session FILE" in err


# -- item 3: a missing role, resource or caller is named ---------------------------------------

ANALYTICS = f"arn:aws:iam::{TGT}:role/AnalyticsReader"
MISSPELT = f"arn:aws:iam::{TGT}:role/AnalyticsReadr"


def analytics_world(tmp_path: Path) -> str:
    """alice may assume AnalyticsReader, which trusts her account, and read its bucket."""
    trust = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{SRC}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    alice = _policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ANALYTICS},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"},
    )
    bucket = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ALICE},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/*",
        }
    )
    doc = {
        "accounts": {
            SRC: {"users": {"alice": {"policies": [alice]}}},
            TGT: {
                "roles": {"AnalyticsReader": {"trust_policy": trust}},
                "resources": {BUCKET: {"policy": bucket}},
            },
        }
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc), "utf-8")
    return str(path)


def test_a_misspelt_role_is_named_first_and_no_fix_grants_on_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """AWS STS API Reference, AssumeRole: a role that does not exist is answered with the
    same AccessDenied as a trust failure, so iamsim must say which it is."""
    world = analytics_world(tmp_path)
    call = ["assume-role", "--world", world, "--caller", ALICE, "--role-arn", MISSPELT,
            "--role-session-name", "s1"]  # fmt: skip
    code, out, _ = run(capsys, *call, "--suggest")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("An error occurred (AccessDenied)")  # AWS's text, unchanged
    assert lines[1].startswith(
        f"iamsim: Denied: the role {MISSPELT} does not exist in account {TGT} "
        f"(did you mean `{ANALYTICS}`?)"
    )
    fixes = [line for line in lines if line.startswith("  - ")]
    assert fixes and all(f"call {ANALYTICS} instead" in line for line in fixes), out
    assert "change:" not in out  # nothing to apply to the world: no grant on the misspelt ARN
    code, out, _ = run(capsys, *call, "--suggest", "--output", "json")
    suggested = json.loads(out)["suggested_fixes"]
    assert {json.dumps(f["request"]) for f in suggested} == {json.dumps({"role_arn": ANALYTICS})}
    assert not any(f["applies_to_world"] for f in suggested)
    # The fix, taken: the role that exists.
    code, out, _ = run(capsys, "assume-role", "--world", world, "--caller", ALICE,
                       "--role-arn", ANALYTICS, "--role-session-name", "s1")  # fmt: skip
    assert code == 0, out


def test_a_misspelt_bucket_and_caller_are_named_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    world = analytics_world(tmp_path)
    ask = ["simulate", "--world", world, "--action", "s3:GetObject", "--suggest"]
    code, out, _ = run(capsys, *ask, "--caller", ALICE, "--resource",
                       "arn:aws:s3:::shared-reprts/q1.csv")  # fmt: skip
    assert code == 1
    assert out.startswith(
        "Denied: arn:aws:s3:::shared-reprts is not described by the world (did you mean "
        f"`{BUCKET}`?)"
    )
    assert f"call {REPORT} instead" in out and "change:" not in out
    other = "arn:aws:iam::111111111112:user/alice"
    code, out, _ = run(capsys, *ask, "--caller", other, "--resource", REPORT)
    assert code == 1
    assert out.startswith(f"Denied: account 111111111112 is not described by the world, so {other}")
    assert f"(did you mean `{ALICE}`?)" in out.splitlines()[0]
    assert f"make the call as {ALICE} instead" in out and "change:" not in out


def test_a_role_with_no_close_match_keeps_the_create_role_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """No "did you mean" when nothing in the world is close: the role may be new."""
    world = analytics_world(tmp_path)
    code, out, _ = run(
        capsys, "assume-role", "--world", world, "--caller", ALICE,
        "--role-arn", f"arn:aws:iam::{TGT}:role/Deployer", "--role-session-name", "s1", "--suggest",
    )  # fmt: skip
    assert code == 1
    assert "did you mean" not in out
    assert f"does not exist in account {TGT} (its roles: AnalyticsReader)" in out


def test_a_trust_policy_perimeter_is_a_guardrail_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_region_env: pytest.MonkeyPatch
) -> None:
    """A role's trust policy is its resource-based policy (IAM User Guide, "Roles terms and
    concepts"): a Deny there on aws:PrincipalOrgID is the same identity perimeter."""
    trust = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{SRC}:root", f"arn:aws:iam::{OUT}:root"]},
            "Action": "sts:AssumeRole",
        },
        {
            "Sid": "OnlyOurOrg",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
        },
    )
    doc = {
        "organization": {"id": ORG, "management_account": MGMT, "root": {"accounts": [MGMT, TGT]}},
        "accounts": {
            MGMT: {},
            TGT: {"roles": {"Shared": {"trust_policy": trust}}},
            OUT: {"users": {"mallory": {"policies": [_allow_all("sts:AssumeRole")]}}},
        },
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc), "utf-8")
    code, out, _ = run(
        capsys, "assume-role", "--world", str(path), "--caller", MALLORY,
        "--role-arn", f"arn:aws:iam::{TGT}:role/Shared", "--role-session-name", "s1", "--suggest",
    )  # fmt: skip
    assert code == 1
    (fix,) = [line for line in out.splitlines() if line.startswith("  - ")]
    assert "OnlyOurOrg in the role trust policy" in fix and "data perimeter" in fix
    assert "change:" not in out
