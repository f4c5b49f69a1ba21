"""Typos on the command line (issue #13, item 6), as a user types them: `iamsim: warning:`
lines with "did you mean", `--strict` turning them into errors (exit 2), and `--context` in
the AWS CLI's own `ContextKeyName=…,ContextKeyValues=…,ContextKeyType=…` form (IAM API
Reference, "ContextEntry": ContextKeyType is one of string, numeric, boolean, ip, binary,
date and their `List` forms; ContextKeyValues is a list)."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamsim.cli import _context, _context_item, build_parser, main

ALICE = "arn:aws:iam::111111111111:user/alice"
OBJECT = "arn:aws:s3:::prod-bucket/report.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def typo_world(tmp_path: Path) -> Path:
    path = tmp_path / "org.json"
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObjet",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestRegion": "eu-west-1"}},
    }
    doc = {"Version": "2012-10-17", "Statement": [statement]}
    path.write_text(
        json.dumps({"accounts": {"111111111111": {"users": {"alice": {"policies": [doc]}}}}})
    )
    return path


def test_typos_in_the_world_are_warning_lines(
    capsys: pytest.CaptureFixture[str], typo_world: Path
) -> None:
    code, out, err = run(
        capsys, "simulate", "--world", str(typo_world), "--caller", ALICE,
        "--action", "s3:GetObject", "--resource", OBJECT,
    )  # fmt: skip
    assert code == 1 and out.startswith("Denied")
    where = f"{typo_world}: accounts.111111111111.users.alice.policies[0].Statement[0]"
    assert err.splitlines() == [
        f"iamsim: warning: {where}.Action: unknown action `s3:GetObjet`: Amazon S3 documents "
        "no such action (did you mean `s3:GetObject`?)",
        f"iamsim: warning: {where}.Condition.StringEquals.aws:RequestRegion: unknown condition "
        "key `aws:RequestRegion`: AWS documents no such global condition key, so the request "
        "never carries it (did you mean `aws:RequestedRegion`?)",
    ]


def test_strict_makes_them_errors_before_any_answer(
    capsys: pytest.CaptureFixture[str], typo_world: Path
) -> None:
    code, out, err = run(
        capsys, "simulate", "--strict", "--world", str(typo_world), "--caller", ALICE,
        "--action", "s3:GetObject", "--resource", OBJECT,
    )  # fmt: skip
    assert code == 2 and out == ""
    assert [line.split(": ", 1)[0] for line in err.splitlines()] == ["iamsim", "iamsim"]
    assert all(line.startswith("iamsim: error: ") for line in err.splitlines())


def test_a_misspelt_request_action_and_context_key(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "simulate", "--caller", ALICE, "--action", "s3:GetObjet", "--resource", OBJECT,
        "--context", "aws:RequestRegion=eu-west-1",
    ]  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert "iamsim: warning: action: unknown action `s3:GetObjet`" in err
    assert "(did you mean `aws:RequestedRegion`?)" in err
    code, out, err = run(capsys, *argv, "--strict")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "iamsim: error: --context aws:RequestRegion: unknown condition key `aws:RequestRegion`: "
        "AWS documents no such global condition key, so the request never carries it "
        "(did you mean `aws:RequestedRegion`?)",
        "iamsim: error: --action: unknown action `s3:GetObjet`: Amazon S3 documents no such "
        "action (did you mean `s3:GetObject`?)",
    ]


def _context_of(capsys: pytest.CaptureFixture[str], *items: str) -> object:
    """The context the command asks with, after it ran without a warning."""
    argv = [
        "simulate", "--caller", ALICE, "--action", "s3:GetObject", "--resource", OBJECT,
        "--context", *items,
    ]  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code in (0, 1) and err == ""
    return _context(build_parser().parse_args(argv).context)


def test_context_in_the_aws_cli_form(capsys: pytest.CaptureFixture[str]) -> None:
    # Before: the key became one literally named `ContextKeyName`.
    assert _context_of(
        capsys, "ContextKeyName=aws:SourceIp,ContextKeyValues=203.0.113.7,ContextKeyType=ip"
    ) == {"aws:SourceIp": "203.0.113.7"}
    assert _context_of(
        capsys,
        "ContextKeyName=aws:TagKeys,ContextKeyValues=team,env,ContextKeyType=stringList",
    ) == {"aws:TagKeys": ["team", "env"]}
    assert _context_of(capsys, "ContextKeyName=aws:SecureTransport,ContextKeyValues=true") == {
        "aws:SecureTransport": "true"
    }


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "ContextKeyName=aws:SourceIp,ContextKeyValues=1.2.3.4,ContextKeyType=ipaddress",
            "unknown ContextKeyType 'ipaddress'",
        ),
        (
            "ContextKeyName=aws:SourceIp,ContextKeyValues=1.2.3.4,5.6.7.8,ContextKeyType=ip",
            "ContextKeyType=ip takes one value; for several write ContextKeyType=ipList",
        ),
        ("ContextKeyName=aws:SourceIp", "needs ContextKeyName= and ContextKeyValues="),
        (
            "ContextKeyName=aws:SourceIp,ContextKeyValue=1.2.3.4",
            "'ContextKeyValue=1.2.3.4' is not one of ContextKeyName=",
        ),
    ],
)
def test_malformed_aws_cli_context(
    capsys: pytest.CaptureFixture[str], item: str, message: str
) -> None:
    code, out, err = run(
        capsys, "simulate", "--caller", ALICE, "--action", "s3:GetObject", "--resource",
        OBJECT, "--context", item,
    )  # fmt: skip
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err


_VALUE = st.text(alphabet=string.ascii_letters + string.digits + ".:/-_ *", min_size=1)


@given(
    key=st.sampled_from(["aws:TagKeys", "aws:SourceVpce", "s3:prefix", "aws:RequestTag/team"]),
    values=st.lists(_VALUE, min_size=1, max_size=4),
    kind=st.sampled_from(["string", "ip", "numeric", "date", "boolean", "binary"]),
)
def test_aws_cli_context_round_trip(key: str, values: list[str], kind: str) -> None:
    """Whatever the values, the AWS form gives the key and its values back: one value for a
    scalar type, the list for its `List` form."""
    listed = f"ContextKeyName={key},ContextKeyValues={','.join(values)},ContextKeyType={kind}List"
    assert _context_item(listed) == (key, values)
    scalar = f"ContextKeyName={key},ContextKeyValues={values[0]},ContextKeyType={kind}"
    assert _context_item(scalar) == (key, values[0])


def test_strict_applies_to_every_command_that_reads_a_world(
    capsys: pytest.CaptureFixture[str], typo_world: Path
) -> None:
    assert main(["lint", "--world", str(typo_world)]) == 0
    assert "iamsim: warning:" in capsys.readouterr()[1]
    assert main(["lint", "--strict", "--world", str(typo_world)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 2
    assert all(line.startswith("iamsim: error: ") for line in err.splitlines())
