"""Request records and expectation tables (iamsim.expectations), and the assert helpers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import iamsim
from iamsim.expectations import (
    DeniedBy,
    ExpectationError,
    load_table,
    request_from_mapping,
    request_to_mapping,
    table_from_data,
)
from iamsim.testing import (
    assert_allowed,
    assert_assume_allowed,
    assert_assume_denied,
    assert_denied,
    decide,
)

ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
BUCKET = "arn:aws:s3:::prod-bucket/report.csv"
WORLD = iamsim.World.demo()


def _problems(exc: pytest.ExceptionInfo[ExpectationError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


# --------------------------------------------------------------------- request records


def test_a_call_record_becomes_a_simulate_call() -> None:
    record = request_from_mapping(
        {"caller": ALICE, "action": "s3:GetObject", "resource": BUCKET, "context": {"a:b": "c"}}
    )
    assert record.call == iamsim.SimulateCall(ALICE, "s3:GetObject", BUCKET, {"a:b": "c"})
    assert record.expect is None and record.denied_by == ()


def test_a_present_role_arn_means_assume_role() -> None:
    record = request_from_mapping(
        {
            "id": "alice-assumes",
            "caller": ALICE,
            "role_arn": ROLE,
            "session_name": "dev",
            "external_id": "my-secret-123",
            "policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "now": "2026-06-15T12:00:00Z",
            "expect": "allowed",
        }
    )
    call = record.call
    assert isinstance(call, iamsim.AssumeRoleCall)
    assert (call.caller, call.role_arn, call.session_name, call.external_id) == (
        ALICE,
        ROLE,
        "dev",
        "my-secret-123",
    )
    assert call.policy_arns == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    assert call.now == dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
    assert record.id == "alice-assumes" and record.expect == "allowed"
    assert record.check(WORLD).passed


def test_records_round_trip_through_to_mapping() -> None:
    rows = [
        {"caller": ALICE, "action": "s3:GetObject", "resource": BUCKET},
        {
            "id": "x",
            "caller": ALICE,
            "role_arn": ROLE,
            "session_name": "dev",
            "external_id": "wrong",
            "expect": "denied",
            "denied_by": [{"side": "target", "policy_type": "trust"}],
        },
    ]
    for row in rows:
        record = request_from_mapping(row)
        assert record.to_mapping() == row
        assert request_from_mapping(record.to_mapping()) == record
    assert request_to_mapping(iamsim.SimulateCall(ALICE, "s3:GetObject", BUCKET)) == rows[0]


def test_every_problem_is_named_with_its_path() -> None:
    with pytest.raises(ExpectationError) as exc:
        request_from_mapping(
            {
                "principal": ALICE,
                "actoin": "s3:GetObject",
                "resource": 3,
                "expect": "allow",
                "denied_by": {"sid": "target"},
            },
            path="rows[4]",
        )
    assert _problems(exc) == [
        "rows[4].principal: unknown key 'principal' (did you mean `caller`?)",
        "rows[4].actoin: unknown key 'actoin' (did you mean `action`?)",
        "rows[4].caller: caller is required (the ARN of who asks)",
        "rows[4].action: action is required",
        "rows[4].resource: resource must be a non-empty string, not a number 3",
        "rows[4].expect: expect must be `allowed` or `denied`, not 'allow' "
        "(did you mean `allowed`?)",
        "rows[4].denied_by.sid: unknown key 'sid' (did you mean `side`?)",
    ]


def test_keys_of_the_other_kind_of_request_are_named() -> None:
    with pytest.raises(ExpectationError) as exc:
        request_from_mapping(
            {"caller": ALICE, "role_arn": ROLE, "session_name": "dev", "action": "s3:GetObject"}
        )
    assert _problems(exc) == [
        "action: action is not a key of an AssumeRole request "
        "(a record with role_arn is an AssumeRole call)"
    ]
    with pytest.raises(ExpectationError) as exc:
        request_from_mapping(
            {"caller": ALICE, "action": "s3:GetObject", "resource": "*", "id": 1.5}
        )
    assert _problems(exc) == ["id: id must be a string, not a number"]
    with pytest.raises(ExpectationError) as exc:
        request_from_mapping({"caller": ALICE, "role_arn": ROLE, "role_session_name": "x"})
    assert _problems(exc) == [
        "role_session_name: unknown key 'role_session_name' (did you mean `session_name`?)",
        "session_name: session_name is required",
    ]


def test_denied_by_values_are_checked() -> None:
    with pytest.raises(ExpectationError) as exc:
        request_from_mapping(
            {
                "caller": ALICE,
                "action": "s3:GetObject",
                "resource": BUCKET,
                "denied_by": [{"side": "left"}, {"policy_type": "trsut", "explicit": "yes"}, 3],
            }
        )
    assert _problems(exc) == [
        "denied_by[0].side: side must be `source` or `target`, not 'left'",
        "denied_by[1].policy_type: unknown policy_type 'trsut' (did you mean `trust`?)",
        "denied_by[1].explicit: explicit must be true or false, not 'yes'",
        "denied_by[2]: denied_by names a denial: a mapping of side, policy_type and explicit",
    ]
    with pytest.raises(ExpectationError, match="but expect is `allowed`"):
        request_from_mapping(
            {
                "caller": ALICE,
                "action": "s3:GetObject",
                "resource": BUCKET,
                "expect": "allowed",
                "denied_by": {"side": "source"},
            }
        )


def test_denied_by_implies_expect_denied_and_matches_any_denial() -> None:
    record = request_from_mapping(
        {
            "caller": ALICE,
            "role_arn": ROLE,
            "session_name": "dev",
            "external_id": "wrong",
            "denied_by": {"side": "target", "policy_type": "trust", "explicit": False},
        }
    )
    assert record.expect == "denied"
    assert record.denied_by == (DeniedBy("target", "trust", False),)
    assert record.check(WORLD).passed
    wrong = request_from_mapping(record.to_mapping() | {"denied_by": {"side": "source"}})
    result = wrong.check(WORLD)
    assert result.problem == (
        "expected denied by the source side; denied by the target side's role trust policy "
        "(implicit)"
    )
    assert result.message().splitlines()[1].startswith("Denied: the target account's")


# ------------------------------------------------------------------------------ tables


def test_a_table_names_its_world_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    table = tmp_path / "sub" / "iam_expect.json"
    table.write_text(
        json.dumps(
            {
                "world": "../world.yaml",
                "expectations": [
                    {
                        "id": "a",
                        "caller": ALICE,
                        "action": "s3:GetObject",
                        "resource": BUCKET,
                        "expect": "denied",
                    },
                ],
            }
        )
    )
    loaded = load_table(table)
    assert loaded.world == str(tmp_path / "sub" / ".." / "world.yaml")
    assert [r.path for r in loaded.rows] == ["expectations[0]"]
    results = loaded.check(WORLD)
    assert [r.passed for r in results] == [True]


def test_a_bare_list_is_a_table_and_needs_expect() -> None:
    with pytest.raises(ExpectationError) as exc:
        table_from_data(
            [
                {"id": "a", "caller": ALICE, "action": "s3:GetObject", "resource": BUCKET},
                {
                    "id": "a",
                    "caller": ALICE,
                    "action": "s3:GetObject",
                    "resource": BUCKET,
                    "expect": "denied",
                },
            ],
            name="t.yaml",
        )
    assert _problems(exc) == [
        "t.yaml: [0].expect: each row of an expectation table says `expect: allowed` or "
        "`expect: denied`",
        "t.yaml: [1].id: id 'a' is used twice (first at [0])",
    ]


def test_table_file_problems(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("wrld: x.yaml\nexpectations: {}\n")
    with pytest.raises(ExpectationError) as exc:
        load_table(bad)
    assert _problems(exc) == [
        f"{bad}: wrld: unknown key 'wrld' (did you mean `world`?)",
        f"{bad}: expectations: expectations must be a list",
    ]
    bad.write_text("expectations: [\n")
    with pytest.raises(ExpectationError, match=r"t\.yaml:\d+:\d+: "):
        load_table(bad)
    with pytest.raises(ExpectationError, match="unsupported expectation table extension"):
        load_table(tmp_path / "t.txt")
    with pytest.raises(ExpectationError, match="cannot read the file"):
        load_table(tmp_path / "missing.yaml")
    with pytest.raises(ExpectationError, match="no world"):
        table_from_data([]).load_world()


def test_a_row_the_world_cannot_ask_names_the_row() -> None:
    table = table_from_data(
        {
            "expectations": [
                {
                    "id": "ghost",
                    "caller": "arn:aws:iam::111111111111:user/ghost",
                    "action": "s3:GetObject",
                    "resource": BUCKET,
                    "expect": "denied",
                },
            ]
        },
        name="t.yaml",
    )
    with pytest.raises(ExpectationError) as exc:
        table.check(WORLD)
    (line,) = _problems(exc)
    assert line.startswith("t.yaml: expectations[0] (ghost): no user arn:aws:iam::111111111111:")


# ------------------------------------------------------------------------- assert helpers


def test_assert_allowed_returns_the_decision() -> None:
    d = assert_assume_allowed(WORLD, ALICE, ROLE, "dev", external_id="my-secret-123")
    assert d.allowed and d.session is not None
    assert assert_allowed(WORLD, d.session, "s3:GetObject", BUCKET).allowed
    row = {"caller": ALICE, "role_arn": ROLE, "session_name": "dev", "external_id": "my-secret-123"}
    assert assert_allowed(WORLD, row) == d
    assert assert_allowed(WORLD, **row) == d
    assert decide(WORLD, iamsim.SimulateCall(ALICE, "s3:GetObject", BUCKET)).outcome == (
        "implicitDeny"
    )


def test_assert_allowed_fails_with_the_explanation() -> None:
    with pytest.raises(AssertionError) as exc:
        assert_allowed(WORLD, ALICE, role_arn=ROLE, session_name="dev", external_id="wrong")
    message = str(exc.value)
    first, *rest = message.splitlines()
    assert first == (
        "Denied: the target account's (222222222222) role trust policy requires a different "
        "sts:ExternalId; the source side is fine"
    )
    assert any(line.startswith("Target side") for line in rest)


def test_assert_denied_checks_the_side_and_layer() -> None:
    d = assert_assume_denied(
        WORLD, ALICE, ROLE, "dev", external_id="wrong", side="target", policy_type="trust"
    )
    assert d.outcome == "implicitDeny"
    with pytest.raises(AssertionError) as exc:
        assert_denied(
            WORLD, ALICE, role_arn=ROLE, session_name="dev", external_id="wrong", side="source"
        )
    message = str(exc.value)
    assert message.startswith("Denied: the target account's")
    assert message.endswith(
        "iamsim: expected denied by the source side; denied by the target side's role trust "
        "policy (implicit)"
    )
    with pytest.raises(AssertionError, match="expected denied, got allowed"):
        assert_assume_denied(WORLD, ALICE, ROLE, "dev", external_id="my-secret-123")


def test_assert_helpers_reject_unknown_keywords() -> None:
    with pytest.raises(ExpectationError, match=r"assert_allowed\.contxt: unknown key 'contxt' "):
        assert_allowed(WORLD, ALICE, "s3:GetObject", BUCKET, contxt={})
