"""Bad world files, paths and exports: a WorldError naming where and what, never a crash."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim.errors import IamsimWarning, PolicyError, Problem, WorldError
from iamsim.world.aws_export import parse_authorization_details, parse_organization_export
from iamsim.world.load import parse_world, read_world_file

A, M = "111111111111", "999999999999"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "sts:*"}
    ],
}


def problem(path: Path, text: str | bytes) -> Problem:
    """The single problem reading `text` from `path` raises."""
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(WorldError) as info:
        read_world_file(path)
    (found,) = info.value.problems
    return found


# ---------------------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("header.toml", "[organization.root" + "".join(f".ous.O{i}" for i in range(300)) + "]\n"),
        ("array.toml", "x = " + "[" * 3000 + "]" * 3000 + "\n"),
        ("inline.toml", "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"),
        ("deep.json", '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("shallower.json", '{"x": ' + "[" * 150 + "]" * 150 + "}"),
        ("flow.yaml", "x: " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("block.yaml", "".join("  " * i + f"k{i}:\n" for i in range(3000))),
    ],
)
def test_deep_nesting_is_a_syntax_problem(tmp_path: Path, name: str, text: str) -> None:
    found = problem(tmp_path / name, text)
    assert (found.code, found.path) == ("file.syntax", str(tmp_path / name))
    assert found.message == "the document is nested more than 100 levels deep"


def test_yaml_aliases_are_walked_once(tmp_path: Path) -> None:
    # Each level refers to the one below ten times: 10**30 paths, 30 levels.
    lines = ["l0: &l0 [x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 31)]
    path = tmp_path / "w.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert len(read_world_file(path)) == 31


# ---------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("w.json", '{"accounts":\n  NaN}', "2:3: NaN is not valid JSON"),
        ("w.json", '{"a": "NaN", "b": -Infinity}', "1:19: -Infinity is not valid"),
        (
            "w.json",
            '{"accounts": ' + "1" * 5000 + "}",
            "1:14: number too long (5000 digits; at most 4300)",
        ),
        ("w.yaml", "a: 1\nb: " + "1" * 5000 + "\n", "2:4: number too long"),
        ("w.toml", "a = 1\nb = " + "1" * 5000 + "\n", "2:5: number too long"),
        ("w.yaml", "accounts: {}\x00\n", "1:13: character U+0000 is not allowed"),
    ],
)
def test_bad_values_have_line_and_column(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    found = problem(tmp_path / name, text)
    assert found.code == "file.syntax"
    assert found.location is not None
    assert f"{found.location.line}:{found.location.column}: {found.message}".startswith(message)
    assert "\n" not in str(found)


@pytest.mark.parametrize("name", ["w.json", "w.yaml", "w.yml", "w.toml"])
@pytest.mark.parametrize("text", ["", "  \n\t\n", "\ufeff"])
def test_empty_files_are_file_empty(tmp_path: Path, name: str, text: str) -> None:
    found = problem(tmp_path / name, text)
    assert (found.code, found.path) == ("file.empty", str(tmp_path / name))


def test_yaml_with_only_comments_is_empty(tmp_path: Path) -> None:
    assert problem(tmp_path / "w.yaml", "# to do\n").code == "file.empty"


# ---------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (None, "a world file path must be a str or os.PathLike, not None"),
        (3, "a world file path must be a str or os.PathLike, not int"),
        (b"x.json", "a world file path must be text, not bytes"),
        ("", "the world file path is empty"),
        ("a\x00.json", "a file name cannot contain a NUL character"),
    ],
)
def test_world_load_refuses_what_is_not_a_path(path: Any, message: str) -> None:
    with pytest.raises(WorldError) as info:
        iamsim.World.load(path)
    (found,) = info.value.problems
    assert (found.code, found.message) == ("file.path", message)


# ------------------------------------------------------------------ world documents


def test_max_session_duration_must_be_whole() -> None:
    role = {"trust_policy": TRUST, "max_session_duration": 3600.0}
    doc = {"accounts": {A: {"roles": {"R": role}}}}
    with pytest.raises(WorldError) as info:
        parse_world(doc)
    (found,) = info.value.problems
    assert (found.code, found.path) == ("value.type", f"accounts.{A}.roles.R.max_session_duration")
    assert found.message == "max_session_duration must be a whole number of seconds, not 3600.0"


def test_yaml_octal_account_id_is_reported_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "organization:\n  id: o-a1b2c3d4e5\n  management_account: '999999999999'\n"
        "  root: {accounts: ['999999999999', 022222222222]}\n"
        "accounts:\n  011111111111: {}\n  '999999999999': {}\n"
    )
    with pytest.raises(WorldError) as info:
        parse_world(read_world_file(path))
    assert [(p.code, p.path) for p in info.value.problems] == [
        ("account.id", "accounts.011111111111"),
        ("account.id", "organization.root.accounts[1]"),
    ]
    first = info.value.problems[0]
    assert first.message == "YAML read the account ID 011111111111 as the number 1227133513"
    assert first.hint == 'quote it: "011111111111"'


def test_yaml_numbers_keep_their_text_where_text_is_meant(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        f"accounts:\n  '{A}':\n    users:\n      alice: {{tags: {{level: 010, size: 0x1F}}}}\n"
    )
    data = read_world_file(path)
    (account,) = parse_world(data)[0]
    assert dict(account.users[0].tags) == {"level": "010", "size": "0x1F"}
    # A number read from other digits is still a plain int to copy, pickle and compare.
    level = data["accounts"][A]["users"]["alice"]["tags"]["level"]
    assert level == 8 and copy.deepcopy(level) == 8 and pickle.loads(pickle.dumps(level)) == 8


def org_doc(depth: int) -> dict[str, Any]:
    """An organization whose only account sits `depth` OUs below the root."""
    body: dict[str, Any] = {"accounts": [A]}
    for level in reversed(range(1, depth + 1)):
        body = {"ous": {f"L{level}": body}}
    root = {"accounts": [M], **body} if depth else {"accounts": [M, A]}
    return {
        "organization": {"id": "o-a1b2c3d4e5", "management_account": M, "root": root},
        "accounts": {M: {}, A: {}},
    }


def test_five_levels_of_ous_are_allowed() -> None:
    _, org = parse_world(org_doc(5))
    assert org is not None
    unit = org.root
    for _ in range(5):
        (unit,) = unit.children
    assert (unit.name, unit.accounts) == ("L5", (A,))


@pytest.mark.parametrize("depth", [6, 3000])
def test_deeper_ou_trees_are_refused(depth: int) -> None:
    with pytest.raises(WorldError) as info:
        parse_world(org_doc(depth))
    (found,) = info.value.problems
    assert found.code == "organization.ou.too_deep"
    assert found.path == "organization.root" + "".join(f".ous.L{i}" for i in range(1, 7))
    assert found.message == "this OU is 6 levels below the root; AWS allows at most 5"


# ---------------------------------------------------------------- one line a problem


def test_lines_fold_caret_displays_and_escape_user_text() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:Get\nObject",
                "Resource": "arn:aws:s3:::b/${oops",
                "Condition": {"Str ing": {"a:b": "c"}},
            }
        ],
    }
    with pytest.raises(PolicyError) as info:
        iamsim.Policy.from_json(policy)
    lines = info.value.lines()
    assert len(lines) == len(info.value.problems) == 3
    assert all("\n" not in line for line in lines)
    assert "`s3:Get\\nObject`" in lines[0]
    assert lines[1].endswith("at column 5")
    assert lines[2].endswith("unexpected character at column 4")


def test_problem_line_escapes_control_characters() -> None:
    found = Problem("file.syntax", "a\nb\t.json", "line 1\r", "hint\x1b[31m")
    assert found.line() == "a\\nb\\t.json: line 1\\r (hint\\x1b[31m)"
    assert str(found) == "a\nb\t.json: line 1\r (hint\x1b[31m)"  # str() keeps the text


# -------------------------------------------------------------------------- exports


def authorization_details(**extra: Any) -> dict[str, Any]:
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [
            {
                "RoleName": "Reader",
                "Arn": f"arn:aws:iam::{A}:role/Reader",
                "AssumeRolePolicyDocument": json.dumps(TRUST),
            }
        ],
        "Policies": [],
        **extra,
    }


@pytest.mark.parametrize("flag", [True, "true", "TRUE"])
def test_truncated_export_in_any_spelling(flag: Any) -> None:
    # API.md §6: an incomplete export is a warning, not an error
    with pytest.warns(IamsimWarning, match="truncated"):
        assert parse_authorization_details(authorization_details(IsTruncated=flag)).id == A


@pytest.mark.parametrize("flag", [False, "false", None])
def test_complete_export_in_any_spelling(flag: Any) -> None:
    assert parse_authorization_details(authorization_details(IsTruncated=flag)).id == A


def test_is_truncated_of_another_type() -> None:
    with pytest.raises(WorldError) as info:
        parse_authorization_details(authorization_details(IsTruncated=1))
    assert [(p.code, p.path) for p in info.value.problems] == [("value.type", "IsTruncated")]


def test_export_max_session_duration_must_be_whole() -> None:
    doc = authorization_details()
    doc["RoleDetailList"][0]["MaxSessionDuration"] = 3600.5
    with pytest.raises(WorldError) as info:
        parse_authorization_details(doc)
    (found,) = info.value.problems
    assert found.message == "MaxSessionDuration must be a whole number of seconds, not 3600.5"


def org_export(parents: int = 1, policy_type: str = "SERVICE_CONTROL_POLICY") -> dict[str, Any]:
    """An organization export with a chain of `parents` OUs and one SCP on the root."""
    units = [
        {"Id": f"ou-{i}", "Name": f"L{i}", "ParentId": "r-1" if i == 1 else f"ou-{i - 1}"}
        for i in range(1, parents + 1)
    ]
    return {
        "Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": M},
        "Roots": [{"Id": "r-1"}],
        "OrganizationalUnits": units,
        "Accounts": [{"Id": M, "ParentId": "r-1"}],
        "Policies": [
            {
                "PolicySummary": {"Name": "Deny", "Type": policy_type},
                "Content": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
                    }
                ),
                "Targets": [{"TargetId": "r-1"}],
            }
        ],
    }


def test_unknown_organization_policy_type_is_refused() -> None:
    with pytest.raises(WorldError) as info:
        parse_organization_export(org_export(policy_type="SERVICE_CONTROL_POLICYX"))
    (found,) = info.value.problems
    assert found.code == "organization.policy_type"
    assert found.path == "Policies[0].PolicySummary.Type"
    assert found.hint == "did you mean `SERVICE_CONTROL_POLICY`?"


def test_other_known_policy_types_are_ignored() -> None:
    org = parse_organization_export(org_export(policy_type="BACKUP_POLICY"))
    assert org.policies == ()


def test_export_ou_depth() -> None:
    assert parse_organization_export(org_export(parents=5)).root.children
    with pytest.raises(WorldError) as info:
        parse_organization_export(org_export(parents=2000))
    (found,) = info.value.problems
    assert (found.code, found.path) == (
        "organization.ou.too_deep",
        "OrganizationalUnits[5].ParentId",
    )
