"""`World.findings`: each rule with a failing and a passing example; every fix removes
its finding when applied; SARIF 2.1.0 output located in the world file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.questions.findings import RULES, SEVERITIES, Finding, at_or_above
from iamsim.questions.sarif import locate, path_parts, to_sarif

EVERY_RULE = Path(__file__).parents[1] / "data" / "lint" / "every-rule.yaml"
TARGET = "222222222222"
SOURCE = "111111111111"
VENDOR = "999988887777"


def _trust(statement: dict[str, Any], *, policies: list[Any] | None = None) -> iamsim.World:
    """A world of two accounts whose role R in TARGET has one trust statement."""
    role: dict[str, Any] = {
        "trust_policy": {"Version": "2012-10-17", "Statement": [statement]},
    }
    if policies is not None:
        role["policies"] = policies
    return iamsim.World.from_dict(
        {"accounts": {SOURCE: {"users": {"alice": {}}}, TARGET: {"roles": {"R": role}}}}
    )


def _allow(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
ORG_WORLD_ORG = {
    "id": "o-a1b2c3d4e5",
    "management_account": SOURCE,
    "root": {"accounts": [SOURCE, TARGET]},
}


def _identity(statement: dict[str, Any]) -> iamsim.World:
    return iamsim.World.from_dict(
        {
            "accounts": {
                SOURCE: {
                    "policies": {"P": {"Version": "2012-10-17", "Statement": [statement]}},
                    "users": {"alice": {"policies": ["P"]}},
                },
                TARGET: {
                    "roles": {"R": {"trust_policy": _doc(_allow({"AWS": SOURCE}, Condition=MFA))}}
                },
            }
        }
    )


def _doc(statement: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [statement]}


def _bucket(statement: dict[str, Any]) -> iamsim.World:
    return iamsim.World.from_dict(
        {
            "accounts": {
                TARGET: {"resources": {"arn:aws:s3:::b": {"policy": _doc(statement)}}},
            }
        }
    )


READ = {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
EXAMPLES: list[tuple[str, iamsim.World, iamsim.World]] = [
    (
        "IAMSIM001",
        _trust(_allow({"AWS": f"arn:aws:iam::{VENDOR}:root"})),
        _trust(
            _allow(
                {"AWS": f"arn:aws:iam::{VENDOR}:root"},
                Condition={"StringEquals": {"sts:ExternalId": "x-123"}},
            )
        ),
    ),
    (
        "IAMSIM002",
        _trust(_allow({"AWS": "*"})),
        _trust(_allow({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}})),
    ),
    (
        "IAMSIM003",
        _trust(_allow({"AWS": SOURCE}, Condition=MFA), policies=[ADMIN]),
        _trust(
            _allow({"AWS": SOURCE}, Condition=MFA),
            policies=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        ),
    ),
    (
        "IAMSIM004",
        _trust(_allow({"AWS": VENDOR}, Condition={"StringEquals": {"sts:ExternalId": "x-123"}})),
        _trust(_allow({"AWS": SOURCE}, Condition=MFA)),
    ),
    (
        "IAMSIM005",
        _identity({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
        _identity(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{TARGET}:role/R",
            }
        ),
    ),
    (
        "IAMSIM006",
        _trust(_allow({"AWS": f"arn:aws:iam::{SOURCE}:user/alice"})),
        _trust(_allow({"AWS": f"arn:aws:iam::{SOURCE}:user/alice"}, Condition=MFA)),
    ),
    (
        "IAMSIM007",
        _bucket({"Effect": "Allow", "Principal": "*", **READ}),
        _bucket(
            {
                "Effect": "Allow",
                "Principal": "*",
                **READ,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
            }
        ),
    ),
    (
        "IAMSIM008",
        _bucket(
            {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{TARGET}:role/R"}, **READ}
        ),
        _bucket(
            {
                "Effect": "Deny",
                "Principal": "*",
                **READ,
                "Condition": {
                    "ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{TARGET}:role/R"}
                },
            }
        ),
    ),
]


GH_ARN = f"arn:aws:iam::{TARGET}:oidc-provider/token.actions.githubusercontent.com"
EXAMPLES.append(
    (
        "IAMSIM009",
        _trust(
            {
                "Effect": "Allow",
                "Principal": {"Federated": GH_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
                },
            }
        ),
        _trust(
            {
                "Effect": "Allow",
                "Principal": {"Federated": GH_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}
                },
            }
        ),
    )
)


@pytest.mark.parametrize("sub", ["*", "repo:*", "repo:*:*"])
def test_a_subject_condition_of_wildcards_alone_narrows_nothing(sub: str) -> None:
    # IAM User Guide, "Identity-provider controls for shared OIDC providers": a sub of
    # wildcards alone admits every repository of every organization, as no condition does.
    world = _trust(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GH_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": sub}},
        }
    )
    assert "IAMSIM009" in _rules(world)


def test_every_rule_has_an_example() -> None:
    assert sorted(r for r, _, _ in EXAMPLES) == sorted(r.id for r in RULES)


def _rules(world: iamsim.World) -> set[str]:
    return {f.rule for f in world.findings()}


@pytest.mark.parametrize(("rule", "bad", "good"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_rule_fails_and_passes(rule: str, bad: iamsim.World, good: iamsim.World) -> None:
    assert rule in _rules(bad)
    assert rule not in _rules(good)


@pytest.mark.parametrize(("rule", "bad", "good"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_fix_removes_the_finding(rule: str, bad: iamsim.World, good: iamsim.World) -> None:
    (finding,) = [f for f in bad.findings() if f.rule == rule]
    assert finding.fix is not None, finding
    fixed = finding.fix.apply(bad)
    assert rule not in _rules(fixed), fixed.findings()
    json.dumps(finding.to_dict())  # the fix's change is JSON


def _every_rule() -> iamsim.World:
    return iamsim.World.load(EVERY_RULE)


def test_every_rule_world() -> None:
    world = _every_rule()
    found = world.findings()
    assert {f.rule for f in found} == {r.id for r in RULES} - {"IAMSIM006"}
    assert [SEVERITIES.index(f.severity) for f in found] == sorted(
        SEVERITIES.index(f.severity) for f in found
    )
    for f in found:
        assert f.fix is not None, f
        fixed = f.fix.apply(world)
        before = sum(g.rule == f.rule for g in found)
        assert sum(g.rule == f.rule for g in fixed.findings()) < before, f


def test_demo_world_findings_make_sense() -> None:
    """The demo's role trusts 111111111111, inside the world, with an external ID: no
    third-party finding; alice (a human) crosses without MFA: IAMSIM006 alone."""
    (finding,) = iamsim.World.demo().findings()
    assert finding.rule == "IAMSIM006" and finding.severity == "medium"
    assert finding.account == TARGET
    assert finding.path == (
        "accounts.222222222222.roles.CrossAccountS3Reader.trust_policy.Statement[0]"
    )
    assert finding.fix is not None
    fixed = finding.fix.apply(iamsim.World.demo())
    assert fixed.findings() == ()
    # with the fix, alice needs MFA: the AssumeRole of the seed page now asks for it
    role = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
    alice = "arn:aws:iam::111111111111:user/alice"
    assert not fixed.assume_role(alice, role, "dev", external_id="my-secret-123").allowed
    assert fixed.assume_role(
        alice,
        role,
        "dev",
        external_id="my-secret-123",
        context={"aws:MultiFactorAuthPresent": True},
    ).allowed


def test_organization_accounts_are_not_third_parties() -> None:
    doc = {
        "organization": {
            "id": "o-a1b2c3d4e5",
            "management_account": SOURCE,
            "root": {"accounts": [SOURCE, TARGET, "333333333333"]},
        },
        "accounts": {
            SOURCE: {},
            "333333333333": {},
            TARGET: {"roles": {"R": {"trust_policy": _doc(_allow({"AWS": "333333333333"}))}}},
        },
    }
    rules = _rules(iamsim.World.from_dict(doc))
    assert not rules & {"IAMSIM001", "IAMSIM004"}
    assert "IAMSIM006" in rules  # an account of the organization: its humans need MFA


@given(st.sampled_from(SEVERITIES), st.sampled_from(SEVERITIES))
def test_at_or_above_is_an_order(a: str, b: str) -> None:
    assert at_or_above(a, b) == (SEVERITIES.index(a) <= SEVERITIES.index(b))
    assert at_or_above(a, b) or at_or_above(b, a)


# -- SARIF -------------------------------------------------------------------------------


def test_path_parts() -> None:
    assert path_parts('accounts.222222222222.resources["my.bucket"].policy.Statement[1]') == [
        "accounts",
        "222222222222",
        "resources",
        "my.bucket",
        "policy",
        "Statement",
        1,
    ]


def test_locate_in_yaml_and_json() -> None:
    text = EVERY_RULE.read_text()
    lines = text.splitlines()
    line = locate(text, "accounts.222222222222.roles.OpenRole.trust_policy.Statement[0]")
    assert line is not None and "Effect: Allow" in lines[line - 1]
    as_json = json.dumps({"a": {"b": [{"c": 1}, {"d": 2}]}}, indent=2)
    line = locate(as_json, "a.b[1]")  # the item's opening brace
    assert line is not None and '"d"' in as_json.splitlines()[line]
    assert locate("{not yaml: [", "a") is None
    assert locate(as_json, "a.zzz") == 2  # the deepest part found


@settings(max_examples=30)
@given(st.lists(st.sampled_from([f for f in (RULES)]), max_size=5))
def test_sarif_structure(rules: list[Any]) -> None:
    found = [Finding(r.id, r.severity, TARGET, f"accounts.{TARGET}", "why", None) for r in rules]
    log = to_sarif(found, uri="world.yaml", text="accounts:\n  '222222222222': {}\n")
    _check_sarif(log, len(found))


def _check_sarif(log: dict[str, Any], results: int) -> None:
    """SARIF 2.1.0's required structure, by hand (jsonschema and the ~200 KB schema are not
    vendored)."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "iamsim"
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert len(run["results"]) == results
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        for location in result["locations"]:
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            if "region" in physical:
                assert physical["region"]["startLine"] >= 1
    json.dumps(log)


def test_sarif_of_the_every_rule_world() -> None:
    found = _every_rule().findings()
    log = to_sarif(found, uri="every-rule.yaml", text=EVERY_RULE.read_text())
    _check_sarif(log, len(found))
    lines = EVERY_RULE.read_text().splitlines()
    for result in log["runs"][0]["results"]:
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert lines[line - 1].strip(), result
    no_file = to_sarif(found)
    assert all("locations" not in r for r in no_file["runs"][0]["results"])
