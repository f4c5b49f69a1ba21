"""World documents → model: one test per rule of WORLD.md (and the AWS rule behind it)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamsim.errors import IamsimError, WorldError
from iamsim.model import Policy
from iamsim.world.load import parse_world, read_world_file
from iamsim.world.model import OrgUnit, Resource

WORLDS = Path(__file__).parent.parent / "data" / "worlds"

ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DENY_LEAVE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}
A, B, M = "111111111111", "222222222222", "999999999999"


def world(**accounts: Any) -> dict[str, Any]:
    return {"accounts": {k.lstrip("_"): v for k, v in accounts.items()}}


def org_world(root: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A valid organized world: M at the root, A and B in OU Workloads."""
    doc: dict[str, Any] = {
        "organization": {
            "id": "o-a1b2c3d4e5",
            "management_account": M,
            "policies": {"DenyLeaveOrg": DENY_LEAVE},
            "root": root
            if root is not None
            else {"accounts": [M], "ous": {"Workloads": {"accounts": [A, B]}}},
        },
        "accounts": {M: {}, A: {}, B: {}},
    }
    doc["organization"].update(extra)
    return doc


def problems(doc: Any) -> list[tuple[str, str]]:
    """(code, path) of every problem parse_world reports."""
    with pytest.raises(WorldError) as info:
        parse_world(doc)
    return [(p.code, p.path) for p in info.value.problems]


def only(doc: Any) -> tuple[str, str]:
    found = problems(doc)
    assert len(found) == 1, found
    return found[0]


def message(doc: Any) -> str:
    with pytest.raises(WorldError) as info:
        parse_world(doc)
    return str(info.value)


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("ext", ["json", "yaml", "toml"])
def test_each_format_loads_the_same_world(ext: str) -> None:
    # WORLD.md: "One document, in JSON, YAML or TOML, with the same structure."
    reference = parse_world(read_world_file(WORLDS / "basic.json"))
    assert parse_world(read_world_file(WORLDS / f"basic.{ext}")) == reference


def test_basic_world_content() -> None:
    accounts, org = parse_world(read_world_file(WORLDS / "basic.yaml"))
    by_id = {a.id: a for a in accounts}
    assert list(by_id) == [M, A, B]
    alice = by_id[A].users[0]
    assert alice.arn == f"arn:aws:iam::{A}:user/alice"
    assert alice.policies == ("AssumeProdReader",)
    assert alice.groups == ("developers",)
    # YAML/TOML numbers and booleans in tags become AWS's strings.
    assert alice.tags == {"team": "platform", "level": "3", "oncall": "true"}
    assert by_id[A].groups[0].arn == f"arn:aws:iam::{A}:group/eng/developers"
    role = by_id[B].roles[0]
    assert role.arn == f"arn:aws:iam::{B}:role/CrossAccountS3Reader"
    assert isinstance(role.trust_policy, Policy)
    assert role.max_session_duration == 7200
    assert by_id[B].resources == (Resource("arn:aws:s3:::prod-bucket", account=B),)
    assert org is not None
    assert org.policy("DenyLeaveOrg") is not None
    assert org.policy("DenyLeaveOrg").version == "2012-10-17"  # type: ignore[union-attr]
    assert org.root == OrgUnit(
        "Root",
        accounts=(M,),
        children=(OrgUnit("Workloads", scps=("FullAWSAccess", "DenyLeaveOrg"), accounts=(A, B)),),
    )


def test_yml_extension(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text("accounts: {}\n")
    assert read_world_file(path) == {"accounts": {}}


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "world.txt"
    path.write_text("{}")
    with pytest.raises(WorldError) as info:
        read_world_file(path)
    assert str(info.value) == (
        f"{path}: unsupported world file extension '.txt' (use one of .json, .yaml, .yml, .toml)"
    )


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    with pytest.raises(WorldError) as info:
        read_world_file(path)
    assert str(info.value) == f"{path}: cannot read the file: No such file or directory"
    assert info.value.problems[0].code == "file.unreadable"


TRAILING_COMMA = '{"accounts": {\n  "a": 1,\n}}'


def _json_parser_says(text: str) -> str:
    """Position and wording of Python's own JSON parser for `text`, which iamsim passes on:
    both change between Python versions (3.13 points at a trailing comma and names it where
    3.12 points at the token after it), so the test asks the running Python."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{exc.lineno}:{exc.colno}: {exc.msg}"
    raise AssertionError(f"{text!r} is valid JSON")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("w.json", TRAILING_COMMA, _json_parser_says(TRAILING_COMMA)),
        (
            "w.json",
            '{"accounts": {},\n "accounts": {}}',
            '2:2: duplicate key "accounts"',
        ),
        ("w.yaml", "accounts:\n  a: [1\n", "3:1: expected ',' or ']'"),
        ("w.yaml", "accounts: {}\naccounts: {}\n", "2:1: duplicate key 'accounts'"),
        ("w.toml", "[accounts]\nx = \n", "2:5: Invalid value"),
        ("w.toml", "a = 1\na = 2\n", "2:6: Cannot overwrite a value"),
    ],
)
def test_syntax_errors_name_file_line_and_column(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(WorldError) as info:
        read_world_file(path)
    assert str(info.value).startswith(f"{path}:{expected}")
    assert re.fullmatch(rf"{re.escape(str(path))}:\d+:\d+: \S.*", str(info.value))
    (problem,) = info.value.problems
    assert problem.code == "file.syntax"
    assert problem.location is not None
    line, column = expected.split(":")[:2]
    assert (problem.location.file, problem.location.line, problem.location.column) == (
        str(path),
        int(line),
        int(column),
    )


def test_json_duplicate_key_points_at_the_second_key(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text('{"a": {"k": 1, "b": {"k": 1}, "k": 2}}')
    with pytest.raises(WorldError) as info:
        read_world_file(path)
    assert str(info.value) == f'{path}:1:31: duplicate key "k"'


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("- 1\n")
    with pytest.raises(WorldError) as info:
        read_world_file(path)
    assert (
        str(info.value)
        == f"{path}:1:1: a world document must be a mapping at the top level, not a list"
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(b'{"a":\n "\xff"}')
    with pytest.raises(WorldError) as info:
        read_world_file(path)
    assert str(info.value) == f"{path}:2:3: not UTF-8 text"


def test_yaml_keeps_unquoted_dates_as_text(tmp_path: Path) -> None:
    # `Version: 2012-10-17` unquoted is a YAML timestamp; a policy Version is text.
    path = tmp_path / "w.yaml"
    path.write_text("v: 2012-10-17\n")
    assert read_world_file(path) == {"v": "2012-10-17"}


# --------------------------------------------------------------------------- top level


def test_unknown_top_level_key_suggests() -> None:
    assert message({"acounts": {}}) == (
        "acounts: unknown key in the world document (did you mean `accounts`?)"
    )


def test_document_must_be_a_mapping() -> None:
    assert only(["accounts"]) == ("value.type", "")


def test_empty_world_is_fine() -> None:
    assert parse_world({}) == ((), None)


# --------------------------------------------------------------------------- accounts


def test_account_ids_are_12_digit_strings() -> None:
    # WORLD.md: "Account IDs are 12 digits".
    assert message(world(_1234={})) == (
        'accounts.1234: an account ID must be a string of 12 digits, not "1234"'
    )


def test_unquoted_12_digit_account_id_is_accepted() -> None:
    accounts, _ = parse_world({"accounts": {111111111111: {}}})
    assert accounts[0].id == A


def test_short_int_account_id_is_rejected_with_quoting_hint() -> None:
    # YAML reads 012345670123 as an octal number: the id is mangled, so say so.
    assert message({"accounts": {42: {}}}) == (
        "accounts.42: an account ID must be a string of 12 digits, not 42 "
        "(quote account IDs: an unquoted number loses its leading zeros)"
    )


def test_same_account_as_int_and_string_is_a_duplicate() -> None:
    assert only({"accounts": {A: {}, 111111111111: {}}}) == ("account.duplicate", f"accounts.{A}")


def test_null_account_body_is_an_empty_account() -> None:
    accounts, _ = parse_world({"accounts": {A: None}})
    assert accounts[0].id == A and accounts[0].users == ()


def test_unknown_account_key() -> None:
    assert only(world(_111111111111={"user": {}})) == ("key.unknown", f"accounts.{A}.user")


def test_account_alias_rules() -> None:
    # IAM CreateAccountAlias: 3-63 lowercase letters, digits, hyphens; no leading/trailing `-`.
    assert parse_world(world(_111111111111={"alias": "dev-1"}))[0][0].alias == "dev-1"
    assert only(world(_111111111111={"alias": "Dev"})) == ("account.alias", f"accounts.{A}.alias")
    assert only(world(_111111111111={"alias": "-dev"}))[0] == "account.alias"


def test_account_policies_parse_as_identity_policies() -> None:
    accounts, _ = parse_world(world(_111111111111={"policies": {"P": ALLOW}}))
    assert accounts[0].policies == (("P", Policy.from_json(ALLOW)),)
    # an identity policy may not name a Principal
    bad = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    _, path = only(world(_111111111111={"policies": {"P": bad}}))
    assert path == f"accounts.{A}.policies.P.Statement[0].Principal"


def test_account_policy_must_be_a_document() -> None:
    assert only(world(_111111111111={"policies": {"P": ["x"]}})) == (
        "value.type",
        f"accounts.{A}.policies.P",
    )


# --------------------------------------------------------------------------- names and paths


@pytest.mark.parametrize(
    ("section", "name", "body"),
    [
        ("users", "a" * 65, {}),  # CreateUser: 1-64
        ("roles", "r" * 65, {"trust_policy": TRUST}),  # CreateRole: 1-64
        ("groups", "g" * 129, {}),  # CreateGroup: 1-128
        ("users", "al ice", {}),  # [\w+=,.@-] only
        ("groups", "dév", {}),  # ASCII only
    ],
)
def test_iam_name_rules(section: str, name: str, body: dict[str, Any]) -> None:
    code, _ = only(world(_111111111111={section: {name: body}}))
    assert code == "name.invalid"


def test_longest_valid_names() -> None:
    doc = world(
        _111111111111={
            "users": {"u" * 64: {}},
            "groups": {"g" * 128: {}},
            "roles": {"r" * 64: {"trust_policy": TRUST}},
            "policies": {"p" * 128: ALLOW},
        }
    )
    parse_world(doc)


def test_policy_name_rules() -> None:
    assert only(world(_111111111111={"policies": {"p" * 129: ALLOW}}))[0] == "name.invalid"


def test_names_are_unique_regardless_of_case() -> None:
    # IAM: "names are not distinguished by case" (CreateUser, CreateRole, CreatePolicy).
    assert message(world(_111111111111={"users": {"alice": {}, "Alice": {}}})) == (
        f'accounts.{A}.users.Alice: user name "Alice" differs from user "alice" only by case '
        "(IAM names are not distinguished by case; each must be unique in its account)"
    )


def test_iam_paths() -> None:
    accounts, _ = parse_world(world(_111111111111={"users": {"u": {"path": "/a/b/"}}}))
    assert accounts[0].users[0].arn == f"arn:aws:iam::{A}:user/a/b/u"
    for bad in ("a/", "/a", "", "/a b/"):
        assert only(world(_111111111111={"users": {"u": {"path": bad}}})) == (
            "path.invalid",
            f"accounts.{A}.users.u.path",
        )


def test_role_arn_built_from_path_and_name() -> None:
    accounts, _ = parse_world(
        world(_222222222222={"roles": {"R": {"path": "/svc/", "trust_policy": TRUST}}})
    )
    assert accounts[0].roles[0].arn == f"arn:aws:iam::{B}:role/svc/R"


def test_name_keys_must_be_strings() -> None:
    assert only({"accounts": {A: {"users": {1: {}}}}}) == ("value.type", f"accounts.{A}.users.1")


# --------------------------------------------------------------------------- policy items


def test_policy_items_inline_name_arn_and_json_text() -> None:
    import json

    items = [ALLOW, "Local", "arn:aws:iam::aws:policy/ReadOnlyAccess", json.dumps(ALLOW)]
    accounts, _ = parse_world(world(_111111111111={"users": {"u": {"policies": items}}}))
    policies = accounts[0].users[0].policies
    assert policies == (
        Policy.from_json(ALLOW),
        "Local",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        Policy.from_json(ALLOW),
    )


def test_bad_policy_document_is_reported_under_its_world_path() -> None:
    # API.md §1: the path of the bad element, from the world document's root.
    bad = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Alow", "Action": "*", "Resource": "*"}],
    }
    doc = world(_111111111111={"users": {"alice": {"policies": [ALLOW, bad]}}})
    assert problems(doc) == [
        ("statement.effect.invalid", f"accounts.{A}.users.alice.policies[1].Statement[0].Effect")
    ]


def test_policy_json_text_that_does_not_parse() -> None:
    doc = world(_111111111111={"users": {"u": {"policies": ['{"Statement": ']}}})
    _, path = only(doc)
    assert path == f"accounts.{A}.users.u.policies[0]"


def test_malformed_policy_references() -> None:
    doc = world(
        _111111111111={
            "users": {"u": {"policies": ["arn:aws:iam::aws:user/x", "not a name", 3, None]}}
        }
    )
    assert problems(doc) == [
        ("policy.reference", f"accounts.{A}.users.u.policies[0]"),
        ("policy.reference", f"accounts.{A}.users.u.policies[1]"),
        ("value.type", f"accounts.{A}.users.u.policies[2]"),
        ("value.type", f"accounts.{A}.users.u.policies[3]"),
    ]


def test_policies_must_be_a_list() -> None:
    assert message(world(_111111111111={"users": {"u": {"policies": ALLOW}}})) == (
        f"accounts.{A}.users.u.policies: policies must be a list, not a mapping "
        "(write the document as the only item of a list)"
    )


def test_policy_references_are_kept_for_the_world_to_resolve() -> None:
    # Resolution (does `Nope` exist?) belongs to the World, not to the loader.
    accounts, _ = parse_world(world(_111111111111={"groups": {"g": {"policies": ["Nope"]}}}))
    assert accounts[0].groups[0].policies == ("Nope",)


def test_permissions_boundary_parses_as_boundary() -> None:
    accounts, _ = parse_world(
        world(_111111111111={"users": {"u": {"permissions_boundary": ALLOW}}})
    )
    assert accounts[0].users[0].permissions_boundary == Policy.from_json(ALLOW)
    accounts, _ = parse_world(world(_111111111111={"users": {"u": {"permissions_boundary": "B"}}}))
    assert accounts[0].users[0].permissions_boundary == "B"
    bad = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    _, path = only(world(_111111111111={"users": {"u": {"permissions_boundary": bad}}}))
    assert path.startswith(f"accounts.{A}.users.u.permissions_boundary.Statement[0]")


# --------------------------------------------------------------------------- users, groups, roles


def test_unknown_user_key_suggests() -> None:
    assert message(world(_111111111111={"users": {"u": {"group": ["g"]}}})) == (
        f"accounts.{A}.users.u.group: unknown key in a user (did you mean `groups`?)"
    )


def test_user_groups_must_exist_in_the_same_account() -> None:
    doc = world(
        _111111111111={"groups": {"developers": {}}, "users": {"u": {"groups": ["developer"]}}},
        _222222222222={"groups": {"ops": {}}},
    )
    assert message(doc) == (
        f'accounts.{A}.users.u.groups[0]: account {A} has no group "developer" '
        "(did you mean `developers`?)"
    )
    doc = world(
        _111111111111={"users": {"u": {"groups": ["ops"]}}}, _222222222222={"groups": {"ops": {}}}
    )
    assert message(doc) == (
        f'accounts.{A}.users.u.groups[0]: account {A} has no group "ops" (there are no groups)'
    )


def test_group_keys() -> None:
    # a group is never a principal: no trust policy, no tags in the world format
    assert only(world(_111111111111={"groups": {"g": {"tags": {}}}})) == (
        "key.unknown",
        f"accounts.{A}.groups.g.tags",
    )


def test_role_needs_a_trust_policy() -> None:
    # WORLD.md: "trust_policy: {...}  # required for a role"
    assert message(world(_222222222222={"roles": {"R": {}}})) == (
        f"accounts.{B}.roles.R.trust_policy: a role needs a trust policy "
        "(add `trust_policy: {...}`)"
    )


def test_trust_policy_parses_as_trust() -> None:
    # A trust policy needs a Principal and may not name a Resource.
    bad = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
    found = problems(world(_222222222222={"roles": {"R": {"trust_policy": bad}}}))
    paths = {p for _, p in found}
    assert f"accounts.{B}.roles.R.trust_policy.Statement[0].Principal" in paths
    assert f"accounts.{B}.roles.R.trust_policy.Statement[0].Resource" in paths


def test_trust_policy_cannot_be_a_reference() -> None:
    assert only(world(_222222222222={"roles": {"R": {"trust_policy": "Trust"}}})) == (
        "value.type",
        f"accounts.{B}.roles.R.trust_policy",
    )


@pytest.mark.parametrize(
    ("value", "ok"), [(3600, True), (43200, True), (3599, False), (43201, False)]
)
def test_max_session_duration_range(value: int, ok: bool) -> None:
    # CreateRole MaxSessionDuration: 3600..43200 seconds.
    doc = world(
        _222222222222={"roles": {"R": {"trust_policy": TRUST, "max_session_duration": value}}}
    )
    if ok:
        assert parse_world(doc)[0][0].roles[0].max_session_duration == value
    else:
        assert message(doc) == (
            f"accounts.{B}.roles.R.max_session_duration: max_session_duration {value} is outside "
            "3600..43200 (AWS allows 1 to 12 hours, in seconds)"
        )


def test_max_session_duration_default_and_type() -> None:
    doc = world(_222222222222={"roles": {"R": {"trust_policy": TRUST}}})
    assert parse_world(doc)[0][0].roles[0].max_session_duration == 3600
    for bad in ("3600", True, 3600.0):
        doc = world(
            _222222222222={"roles": {"R": {"trust_policy": TRUST, "max_session_duration": bad}}}
        )
        assert only(doc)[0] == "value.type"


def test_role_description() -> None:
    ok = world(_222222222222={"roles": {"R": {"trust_policy": TRUST, "description": "reader"}}})
    parse_world(ok)
    long = world(_222222222222={"roles": {"R": {"trust_policy": TRUST, "description": "x" * 1001}}})
    assert only(long) == ("value.range", f"accounts.{B}.roles.R.description")


# --------------------------------------------------------------------------- tags


def test_tags_convert_yaml_scalars_to_strings() -> None:
    doc = world(
        _111111111111={"users": {"u": {"tags": {"n": 3, "f": 1.5, "t": True, "x": False, 7: "k"}}}}
    )
    assert parse_world(doc)[0][0].users[0].tags == {
        "n": "3",
        "f": "1.5",
        "t": "true",
        "x": "false",
        "7": "k",
    }


def test_tag_values_must_be_scalars() -> None:
    assert message(world(_111111111111={"users": {"u": {"tags": {"team": None}}}})) == (
        f'accounts.{A}.users.u.tags.team: a tag value must be a string, not null (write "" for an '
        "empty value)"
    )
    assert only(world(_111111111111={"users": {"u": {"tags": {"team": ["a"]}}}}))[0] == "value.type"
    assert only(world(_111111111111={"users": {"u": {"tags": ["a"]}}}))[0] == "value.type"


def test_tag_rules() -> None:
    # AWS tags: key 1-128, value 0-256 characters, `aws:` prefix reserved, 50 per entity.
    for tags in ({"": "x"}, {"k" * 129: "x"}, {"k": "v" * 257}, {"AWS:x": "y"}):
        assert only(world(_111111111111={"users": {"u": {"tags": tags}}}))[0] == "tag.invalid"
    many = {f"k{i}": "v" for i in range(51)}
    assert only(world(_111111111111={"users": {"u": {"tags": many}}})) == (
        "tag.invalid",
        f"accounts.{A}.users.u.tags",
    )


# --------------------------------------------------------------------------- resources


def test_s3_resources_belong_to_the_listing_account() -> None:
    # WORLD.md: "S3 ARNs carry no account, so the account that lists the bucket owns it."
    accounts, _ = parse_world(
        world(_222222222222={"resources": {"arn:aws:s3:::b": {"policy": None}}})
    )
    assert accounts[0].resources == (Resource("arn:aws:s3:::b", account=B),)


def test_resource_policy_parses_as_resource_policy() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "s3:GetObject", "Resource": "*"}
        ]
    }
    accounts, _ = parse_world(
        world(_222222222222={"resources": {"arn:aws:s3:::b": {"policy": policy}}})
    )
    assert accounts[0].resources[0].policy == Policy.from_json(policy, kind="resource")
    # a resource policy needs a Principal
    no_principal = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    found = problems(
        world(_222222222222={"resources": {"arn:aws:s3:::b": {"policy": no_principal}}})
    )
    assert all(
        p.startswith(f"accounts.{B}.resources.arn:aws:s3:::b.policy.Statement[0]") for _, p in found
    )


def test_resource_account_field_must_match_the_listing_account() -> None:
    # WORLD.md: "A resource ARN whose account field is set must sit under that account".
    arn = f"arn:aws:sqs:us-east-1:{B}:jobs"
    assert message(world(_111111111111={"resources": {arn: {}}})) == (
        f"accounts.{A}.resources.{arn}: the resource belongs to account {B} (its ARN says so) "
        f"but is listed under account {A} (move it under accounts.{B}.resources)"
    )


def test_malformed_resource_arns() -> None:
    doc = world(
        _111111111111={
            "resources": {
                "s3:::bucket": {},
                "arn:aws:sqs:us-east-1:1234:q": {},
                "arn:aws:s3:::": {},
            }
        }
    )
    assert problems(doc) == [
        ("resource.arn", f"accounts.{A}.resources.s3:::bucket"),
        ("resource.arn", f"accounts.{A}.resources.arn:aws:sqs:us-east-1:1234:q"),
        ("resource.arn", f"accounts.{A}.resources.arn:aws:s3:::"),
    ]


def test_resource_keys_with_dots_are_quoted_in_paths() -> None:
    assert only(world(_111111111111={"resources": {"arn:aws:s3:::my.bucket": {"polcy": {}}}})) == (
        "key.unknown",
        f'accounts.{A}.resources["arn:aws:s3:::my.bucket"].polcy',
    )


def test_same_resource_in_two_accounts() -> None:
    doc = world(
        _111111111111={"resources": {"arn:aws:s3:::b": {}}},
        _222222222222={"resources": {"arn:aws:s3:::b": {}}},
    )
    assert message(doc) == (
        f"accounts.{B}.resources.arn:aws:s3:::b: the resource is also listed under account {A} "
        "(a resource has exactly one owning account)"
    )


def test_aws_managed_kms_keys() -> None:
    key = f"arn:aws:kms:us-east-1:{B}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    accounts, _ = parse_world(world(_222222222222={"resources": {key: {"aws_managed": True}}}))
    assert accounts[0].resources[0].aws_managed is True
    assert (
        only(world(_222222222222={"resources": {key: {"aws_managed": "yes"}}}))[0] == "value.type"
    )
    bucket = world(_222222222222={"resources": {"arn:aws:s3:::b": {"aws_managed": True}}})
    assert only(bucket)[0] == "resource.aws_managed"


def test_resource_policy_must_be_a_document() -> None:
    doc = world(_222222222222={"resources": {"arn:aws:s3:::b": {"policy": "BucketPolicy"}}})
    assert only(doc) == ("value.type", f"accounts.{B}.resources.arn:aws:s3:::b.policy")


# --------------------------------------------------------------------------- organization


def test_organization_required_keys() -> None:
    doc: dict[str, Any] = {"organization": {}, "accounts": {}}
    assert problems(doc) == [
        ("key.missing", "organization.id"),
        ("key.missing", "organization.root"),
        ("key.missing", "organization.management_account"),
    ]


def test_organization_id_format() -> None:
    # Organizations: o- followed by 10-32 lowercase letters or digits.
    assert only(org_world(id="o-ABC")) == ("organization.id", "organization.id")
    assert only(org_world(id="o-abc"))[0] == "organization.id"


def test_unknown_ou_key_suggests() -> None:
    doc = org_world({"accounts": [M, A, B], "ou": {}})
    assert message(doc) == "organization.root.ou: unknown key in the root (did you mean `ous`?)"


def test_omitted_scps_mean_full_aws_access() -> None:
    # WORLD.md: "A level whose `scps` key is omitted has AWS's default FullAWSAccess attached".
    _, org = parse_world(org_world())
    assert org is not None and org.root.scps is None and org.root.children[0].scps is None


def test_explicitly_empty_scps_is_an_error() -> None:
    doc = org_world({"accounts": [M], "ous": {"Workloads": {"scps": [], "accounts": [A, B]}}})
    assert message(doc) == (
        "organization.root.ous.Workloads.scps: scps: [] detaches every SCP (AWS keeps at least "
        "one SCP attached to every root, OU and account; omit `scps` for the default FullAWSAccess)"
    )


def test_empty_rcps_is_fine() -> None:
    # WORLD.md: RCP levels always carry AWS's implicit RCPFullAWSAccess.
    _, org = parse_world(org_world({"rcps": [], "accounts": [M, A, B]}))
    assert org is not None and org.root.rcps == ()


def test_scp_names_come_from_organization_policies() -> None:
    doc = org_world({"scps": ["FullAWSAccess", "DenyLeaveOrgs"], "accounts": [M, A, B]})
    assert message(doc) == (
        'organization.root.scps[1]: no policy "DenyLeaveOrgs" in organization.policies '
        "(did you mean `DenyLeaveOrg`?)"
    )


def test_aws_managed_org_policies_need_no_document() -> None:
    doc = org_world(
        {"scps": ["FullAWSAccess"], "rcps": ["RCPFullAWSAccess"], "accounts": [M, A, B]}
    )
    _, org = parse_world(doc)
    assert org is not None
    assert org.root.scps == ("FullAWSAccess",) and org.root.rcps == ("RCPFullAWSAccess",)
    # but each only in its own role
    doc = org_world(
        {"scps": ["RCPFullAWSAccess"], "rcps": ["FullAWSAccess"], "accounts": [M, A, B]}
    )
    assert problems(doc) == [
        ("organization.unknown_policy", "organization.root.scps[0]"),
        ("organization.unknown_policy", "organization.root.rcps[0]"),
    ]


def test_org_policies_parse_with_the_kind_of_their_attachment() -> None:
    # An SCP may not name a Principal; an RCP must (Principal "*").
    principal_star = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    doc = org_world({"rcps": ["P"], "accounts": [M, A, B]})
    doc["organization"]["policies"]["P"] = principal_star
    _, org = parse_world(doc)
    assert org is not None and org.policy("P") == Policy.from_json(principal_star, kind="rcp")
    doc["organization"]["root"] = {"scps": ["P"], "accounts": [M, A, B]}
    found = problems(doc)
    assert found and all(p.startswith("organization.policies.P.Statement[0]") for _, p in found)


def test_unattached_org_policies_parse_without_kind() -> None:
    doc = org_world()
    doc["organization"]["policies"]["Spare"] = {"Statement": [{"Effect": "Maybe"}]}
    found = problems(doc)
    assert ("statement.effect.invalid", "organization.policies.Spare.Statement[0].Effect") in found


def test_policy_attached_as_both_scp_and_rcp() -> None:
    doc = org_world({"scps": ["DenyLeaveOrg"], "rcps": ["DenyLeaveOrg"], "accounts": [M, A, B]})
    assert message(doc) == (
        'organization.policies.DenyLeaveOrg: policy "DenyLeaveOrg" is attached both as an SCP '
        "(at organization.root.scps[0]) and as an RCP (at organization.root.rcps[0]) (an "
        "organization policy is either a service control policy or a resource control policy)"
    )


def test_nested_ous_any_depth() -> None:
    root = {"accounts": [M], "ous": {"A": {"ous": {"B": {"ous": {"C": {"accounts": [A, B]}}}}}}}
    _, org = parse_world(org_world(root))
    assert org is not None
    assert org.root.children[0].children[0].children[0] == OrgUnit("C", accounts=(A, B))


def test_account_listed_twice_in_the_organization() -> None:
    # WORLD.md: "An organization lists each account at most once".
    root = {"accounts": [M, A], "ous": {"W": {"accounts": [A, B]}}}
    assert message(org_world(root)) == (
        f"organization.root.ous.W.accounts[0]: account {A} is already listed at "
        "organization.root.accounts[1] (an account belongs to exactly one OU or the root)"
    )


def test_org_account_missing_from_accounts() -> None:
    doc = org_world({"accounts": [M, A, B, "333333333333"]})
    assert message(doc) == (
        "organization.root.accounts[3]: account 333333333333 is in the organization but not under "
        '`accounts` (add `"333333333333": {}` under accounts)'
    )


def test_account_outside_the_organization_is_fine() -> None:
    # WORLD.md: "an account outside the organization is allowed: it is simply outside".
    doc = org_world()
    doc["accounts"]["444444444444"] = {}
    accounts, org = parse_world(doc)
    assert [a.id for a in accounts][-1] == "444444444444"
    assert org is not None and "444444444444" not in org.root.accounts


def test_management_account_must_be_in_the_tree() -> None:
    doc = org_world({"accounts": [A, B]})
    assert message(doc) == (
        f"organization.management_account: the management account {M} is not listed in the "
        "organization (add it to organization.root.accounts)"
    )


def test_account_level_scps_and_rcps() -> None:
    doc = org_world()
    doc["accounts"][A] = {"scps": ["DenyLeaveOrg"], "rcps": []}
    _, org = parse_world(doc)
    assert org is not None
    assert org.account_scps == ((A, ("DenyLeaveOrg",)),)
    assert org.account_rcps == ((A, ()),)
    doc["accounts"][A] = {"scps": []}
    assert only(doc) == ("organization.empty_scps", f"accounts.{A}.scps")


def test_account_level_scps_need_membership() -> None:
    doc = org_world()
    doc["accounts"]["444444444444"] = {"scps": ["DenyLeaveOrg"]}
    assert message(doc) == (
        "accounts.444444444444.scps: account 444444444444 is not in the organization, so no SCP "
        "can be attached to it (list the account under organization.root or one of its OUs)"
    )
    assert only(world(_111111111111={"rcps": []})) == (
        "account.outside_organization",
        f"accounts.{A}.rcps",
    )


# --------------------------------------------------------------------------- many at once


def test_every_problem_is_reported_at_once() -> None:
    doc = {
        "acounts": {},
        "organization": {
            "id": "x",
            "management_account": M,
            "root": {"scps": [], "accounts": [M, A, A, "333333333333"]},
        },
        "accounts": {
            M: {},
            A: {
                "users": {
                    "al ice": {
                        "groups": ["devs"],
                        "policies": [
                            {"Statement": [{"Effect": "Alow", "Action": "*", "Resource": "*"}]}
                        ],
                    }
                },
                "groups": {"developers": {}},
                "roles": {"R": {"max_session_duration": 10}},
                "resources": {f"arn:aws:sqs:us-east-1:{B}:q": {}},
            },
            "1234": {},
        },
    }
    assert message(doc).splitlines() == [
        "12 world problems:",
        "  acounts: unknown key in the world document (did you mean `accounts`?)",
        '  accounts.1234: an account ID must be a string of 12 digits, not "1234"',
        '  organization.id: invalid organization id "x" (an organization id is `o-` and 10-32 '
        "lowercase letters or digits)",
        "  organization.root.scps: scps: [] detaches every SCP (AWS keeps at least one SCP "
        "attached to every root, OU and account; omit `scps` for the default FullAWSAccess)",
        f"  organization.root.accounts[2]: account {A} is already listed at "
        "organization.root.accounts[1] (an account belongs to exactly one OU or the root)",
        "  organization.root.accounts[3]: account 333333333333 is in the organization but not "
        'under `accounts` (add `"333333333333": {}` under accounts)',
        f'  accounts.{A}.users["al ice"]: invalid user name "al ice" (IAM user names are 1-64 '
        "characters of letters, digits and _+=,.@-)",
        f'  accounts.{A}.users["al ice"].policies[0].Statement[0].Effect: Effect must be '
        '"Allow" or "Deny", not "Alow" (did you mean `Allow`?)',
        f'  accounts.{A}.users["al ice"].groups[0]: account {A} has no group "devs" '
        "(known groups: developers)",
        f"  accounts.{A}.roles.R.trust_policy: a role needs a trust policy "
        "(add `trust_policy: {...}`)",
        f"  accounts.{A}.roles.R.max_session_duration: max_session_duration 10 is outside "
        "3600..43200 (AWS allows 1 to 12 hours, in seconds)",
        f"  accounts.{A}.resources.arn:aws:sqs:us-east-1:{B}:q: the resource belongs to account "
        f"{B} (its ARN says so) but is listed under account {A} (move it under "
        f"accounts.{B}.resources)",
    ]
    found = problems(doc)
    assert len(found) == 12
    assert [code for code, _ in found] == [
        "key.unknown",
        "account.id",
        "organization.id",
        "organization.empty_scps",
        "account.duplicate",
        "account.unknown",
        "name.invalid",
        "statement.effect.invalid",
        "group.unknown",
        "key.missing",
        "value.range",
        "resource.account",
    ]


def test_nothing_half_loads() -> None:
    # API.md §1: "either the world is built or an error is raised".
    doc = org_world()
    doc["accounts"][A] = {"users": {"u": {"tags": {"aws:x": "y"}}}}
    before = copy.deepcopy(doc)
    with pytest.raises(WorldError):
        parse_world(doc)
    assert doc == before  # the input is not touched either


# --------------------------------------------------------------------------- property

_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from([A, B, M, "FullAWSAccess", "arn:aws:s3:::b", "o-a1b2c3d4e5", "/", "x"]),
)
_key = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from(
        [
            "organization",
            "accounts",
            "users",
            "groups",
            "roles",
            "resources",
            "policies",
            "trust_policy",
            "tags",
            "path",
            "scps",
            "rcps",
            "ous",
            "root",
            "id",
            "management_account",
            "Statement",
            "Effect",
            "Action",
            "Resource",
            "Principal",
            "Condition",
            "max_session_duration",
            "permissions_boundary",
            "aws_managed",
            A,
            B,
            M,
        ]
    ),
)
_data = st.recursive(
    _leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_key, children, max_size=4)
    ),
    max_leaves=30,
)
_shaped = st.fixed_dictionaries(
    {},
    optional={
        "organization": st.fixed_dictionaries(
            {},
            optional={
                "id": _data,
                "management_account": _data,
                "policies": st.dictionaries(st.text(max_size=4), _data, max_size=2),
                "root": st.dictionaries(
                    st.sampled_from(["scps", "rcps", "accounts", "ous"]), _data
                ),
            },
        ),
        "accounts": st.dictionaries(
            st.sampled_from([A, B, M, 111111111111, "1"]),
            st.dictionaries(
                st.sampled_from(["users", "groups", "roles", "resources", "policies", "scps"]),
                st.dictionaries(st.text(max_size=6), _data, max_size=2),
                max_size=3,
            ),
            max_size=3,
        ),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_data, _shaped))
def test_only_iamsim_errors_escape(doc: Any) -> None:
    try:
        accounts, org = parse_world(doc)
    except IamsimError:
        return
    assert isinstance(accounts, tuple)
    assert org is None or org.root is not None
