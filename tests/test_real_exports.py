"""Real `get-account-authorization-details` exports (tests/data/exports/real/SOURCES.md) load
with no edit, alone and merged as a directory, and answer what their data states.

The expectations are `tests/data/exports/real/requests.jsonl`, request records as
`iamsim batch` reads them. The AWS rules they rest on:

- an attached AWS managed policy grants its actions like any identity-based policy, and
  a group's policies apply to its members
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html);
- an explicit deny overrides any allow; without an allow the request is implicitly denied
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
- a role can be assumed only by a principal its trust policy allows; within one account a
  trust policy that names the user or role by ARN is enough on its own, and it matches the
  sessions of a role it names
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html);
- across accounts both the caller's identity policy and the role's trust policy must allow
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import iamsim
from iamsim.expectations import Expectation, ExpectationTable, check_table, read_json_lines

REAL = Path(__file__).parent / "data" / "exports" / "real"
EXPORTS = REAL / "exports"
REQUESTS = REAL / "requests.jsonl"
FILES = {
    "012345678901": EXPORTS / "cloudsplaining-012345678901.json",
    "200611803367": EXPORTS / "iam-vulnerable-200611803367.json",
}


def _records() -> tuple[Expectation, ...]:
    return read_json_lines(REQUESTS.read_text(encoding="utf-8"), str(REQUESTS)).rows


def _accounts(record: Expectation) -> set[str]:
    args = record.call.arguments()
    arns = [args.get("principal") or args.get("caller"), args.get("resource"), args.get("role_arn")]
    return {a.split(":")[4] for a in arns if isinstance(a, str) and a.startswith("arn:")}


def _load_quietly(path: Path) -> iamsim.World:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete export: nothing to warn about
        return iamsim.World.load(path)


@pytest.mark.parametrize("account", sorted(FILES))
def test_each_export_loads_alone_and_answers_what_it_states(account: str) -> None:
    world = _load_quietly(FILES[account])
    assert [a.id for a in world.accounts] == [account]
    rows = tuple(r for r in _records() if _accounts(r) == {account})
    assert len(rows) >= 8
    results = check_table(ExpectationTable(path="", world=None, rows=rows), world)
    assert [(r.expectation.id, r.problem) for r in results if not r.passed] == []


def test_an_attached_aws_managed_policy_is_what_allows() -> None:
    world = _load_quietly(FILES["012345678901"])
    for user, action, resource, policy in (
        ("obama", "iam:CreateUser", "arn:aws:iam::012345678901:user/new", "AdministratorAccess"),
        (
            "biden",
            "lambda:CreateFunction",
            "arn:aws:lambda:us-east-1:012345678901:function:f",
            "AWSLambdaFullAccess",
        ),
    ):
        d = world.simulate(f"arn:aws:iam::012345678901:user/{user}", action, resource)
        assert d.allowed
        assert f"      {policy}: allows" in d.explain(full=True).splitlines()


def test_the_directory_merges_both_accounts_and_answers_every_record() -> None:
    world = _load_quietly(EXPORTS)
    assert sorted(a.id for a in world.accounts) == sorted(FILES)
    assert world == iamsim.World.merge(*(_load_quietly(p) for p in FILES.values()))
    records = _records()
    assert any(len(_accounts(r)) == 2 for r in records)  # questions across the accounts
    results = check_table(ExpectationTable(path="", world=None, rows=records), world)
    assert [(r.expectation.id, r.problem) for r in results if not r.passed] == []


def test_which_side_fails_across_the_two_accounts() -> None:
    world = _load_quietly(EXPORTS)
    by_id = {r.id: r for r in _records()}
    # The caller's AdministratorAccess allows sts:AssumeRole; the role's trust does not.
    d = by_id["admin-elsewhere-not-trusted"].run(world)
    assert [(x.side, x.policy_type, x.explicit) for x in d.denied_by] == [
        ("target", "trust", False)
    ]
    # Neither side allows: both are reported.
    d = by_id["sre-user-to-other-account"].run(world)
    assert {(x.side, x.policy_type) for x in d.denied_by} == {
        ("source", "identity"),
        ("target", "trust"),
    }
    # The same user may assume the role of its own account that names it.
    assert by_id["sre-user-assumes-sre-role"].run(world).allowed


def test_a_two_hop_role_chain_in_the_export_replays() -> None:
    world = _load_quietly(FILES["200611803367"])
    start = world.simulate(
        "arn:aws:sts::200611803367:assumed-role/privesc-AssumeRole-starting-role/s",
        "sts:GetCallerIdentity",
        "*",
    )
    assert start.allowed  # GetCallerIdentity needs no permission
    record = next(r for r in _records() if r.id == "starting-role-assumes-intermediate")
    first = record.run(world)
    assert first.allowed and first.session is not None
    second = world.assume_role(
        first.session,
        "arn:aws:iam::200611803367:role/privesc-AssumeRole-ending-role",
        "hop2",
    )
    assert second.allowed and second.session is not None
    assert second.session.arn == (
        "arn:aws:sts::200611803367:assumed-role/privesc-AssumeRole-ending-role/hop2"
    )


def test_the_command_line_answers_them_as_a_user_types_it() -> None:
    with REQUESTS.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "iamsim", "batch", "--world", str(EXPORTS)],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert (done.returncode, done.stderr) == (0, "")
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [d["id"] for d in out] == [r.id for r in _records()]
    assert all(d["matched"] for d in out)
    argv = ["simulate", "--world", str(FILES["012345678901"]), "--action", "iam:CreateUser"]
    argv += ["--caller", "arn:aws:iam::012345678901:user/biden"]
    argv += ["--resource", "arn:aws:iam::012345678901:user/new"]
    single = subprocess.run(
        [sys.executable, "-m", "iamsim", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (single.returncode, single.stderr) == (1, "")
    assert single.stdout.startswith(
        "Denied: the source account's (012345678901) identity policy does not allow iam:CreateUser"
    )


def test_the_trimmed_export_kept_whole_entries() -> None:
    data = json.loads(FILES["200611803367"].read_text(encoding="utf-8"))
    attached = {
        p["PolicyArn"]
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList")
        for entry in data[key]
        for p in entry["AttachedManagedPolicies"]
    }
    # Trimmed whole (SOURCES.md): the managed policies kept are exactly those attached.
    assert {p["Arn"] for p in data["Policies"]} == attached
