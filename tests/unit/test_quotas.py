"""AWS's size quotas on customer documents, counted as AWS counts them.

IAM User Guide, "IAM and AWS STS quotas": a managed policy holds 6,144 characters; a user's,
group's or role's inline policies hold 2,048, 5,120 and 10,240 characters together; "IAM
does not count white space when calculating the size of a policy against these quotas";
"Role trust policy length": 2,048 characters by default, 4,096 at most. AWS Organizations,
"Quotas and service limits for AWS Organizations": an SCP or RCP holds 5,120 characters.
"""

from __future__ import annotations

import copy
import json
import urllib.parse
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

import iamsim
from iamsim.world.aws_export import parse_authorization_details, parse_organization_export
from iamsim.world.quotas import policy_length

A, B = "111111111111", "222222222222"
V = "2012-10-17"


def _minified(doc: dict[str, Any]) -> int:
    return len(json.dumps(doc, separators=(",", ":")))


def _identity(length: int) -> dict[str, Any]:
    """An identity policy whose minified JSON is exactly `length` characters."""
    doc = {
        "Version": V,
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/"}],
    }
    doc["Statement"][0]["Resource"] += "x" * (length - _minified(doc))
    assert _minified(doc) == length
    return doc


def _trust(length: int) -> dict[str, Any]:
    """A trust policy whose minified JSON is exactly `length` characters."""
    doc = {
        "Version": V,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": ""}},
            }
        ],
    }
    doc["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = "x" * (
        length - _minified(doc)
    )
    assert _minified(doc) == length
    return doc


def _world(account: dict[str, Any], organization: dict[str, Any] | None = None) -> iamsim.World:
    doc: dict[str, Any] = {"accounts": {B: account}}
    if organization is not None:
        doc["organization"] = organization
    return iamsim.World.from_dict(doc)


def _problems(account: dict[str, Any], **more: Any) -> dict[str, str]:
    with pytest.raises(iamsim.WorldError) as info:
        _world(account, **more)
    return {p.path: str(p) for p in info.value.problems}


def test_policy_length_is_the_minified_json() -> None:
    doc = _identity(300)
    assert policy_length(iamsim.Policy.from_json(doc)) == 300
    pretty = json.dumps(doc, indent=4)
    assert len(pretty) > 300
    assert policy_length(iamsim.Policy.from_json(pretty)) == 300


# -- role trust policies --------------------------------------------------------------------


def test_trust_policy_past_the_default_quota() -> None:
    """The issue's example: a 5,352-character trust policy does not load."""
    got = _problems({"roles": {"Big": {"trust_policy": _trust(5352)}}})
    path = f"accounts.{B}.roles.Big.trust_policy"
    assert "'Role trust policy length' of 2,048 characters" in got[path]
    assert "5,352 characters" in got[path]
    assert f"accounts.{B}.quotas.role_trust_policy_length" in got[path]  # the hint


def test_trust_policy_at_the_default_quota() -> None:
    _world({"roles": {"Exact": {"trust_policy": _trust(2048)}}})
    got = _problems({"roles": {"Over": {"trust_policy": _trust(2049)}}})
    assert f"accounts.{B}.roles.Over.trust_policy" in got


def test_whitespace_is_not_counted() -> None:
    """A pretty-printed trust policy of 2,048 minified characters loads."""
    text = json.dumps(_trust(2048), indent=8)
    assert len(text) > 2048
    _world({"roles": {"Pretty": {"trust_policy": text}}})


def test_the_account_can_raise_the_trust_quota() -> None:
    raised = {"quotas": {"role_trust_policy_length": 4096}}
    _world({**raised, "roles": {"Big": {"trust_policy": _trust(4096)}}})
    got = _problems({**raised, "roles": {"Big": {"trust_policy": _trust(4097)}}})
    assert "of 4,096 characters" in got[f"accounts.{B}.roles.Big.trust_policy"]
    assert "AWS grants no more" in got[f"accounts.{B}.roles.Big.trust_policy"]


@pytest.mark.parametrize("value", [2047, 4097, 10240])
def test_the_trust_quota_is_one_aws_can_grant(value: int) -> None:
    got = _problems({"quotas": {"role_trust_policy_length": value}})
    assert f"accounts.{B}.quotas.role_trust_policy_length" in got


@pytest.mark.parametrize("value", ["4096", 4096.0, True, None])
def test_the_trust_quota_is_a_number(value: Any) -> None:
    if value is None:
        _world({"quotas": {"role_trust_policy_length": None}})
        return
    got = _problems({"quotas": {"role_trust_policy_length": value}})
    assert f"accounts.{B}.quotas.role_trust_policy_length" in got


def test_unknown_quota_keys_are_refused() -> None:
    got = _problems({"quotas": {"managed_policy_size": 10000}})
    assert f"accounts.{B}.quotas.managed_policy_size" in got


def test_quotas_in_code() -> None:
    role = iamsim.Role(f"arn:aws:iam::{B}:role/Big", trust_policy=_trust(3000))
    with pytest.raises(iamsim.WorldError, match="Role trust policy length"):
        iamsim.World.of(role)
    world = iamsim.World(
        accounts=(
            iamsim.Account(
                id=B, roles=(role,), quotas=iamsim.Quotas(role_trust_policy_length=3000)
            ),
        )
    )
    assert world.role(role.arn) == role
    with pytest.raises(iamsim.WorldError, match="2048 to 4096"):
        iamsim.Quotas(role_trust_policy_length=8192)


# -- managed and inline policies ------------------------------------------------------------


def test_managed_policy_quota() -> None:
    _world({"policies": {"Exact": _identity(6144)}})
    got = _problems({"policies": {"Big": _identity(6145)}})
    assert "'Managed policy size' of 6,144" in got[f"accounts.{B}.policies.Big"]


def test_an_inline_boundary_counts_as_a_managed_policy() -> None:
    got = _problems({"users": {"bob": {"permissions_boundary": _identity(6145)}}})
    assert f"accounts.{B}.users.bob.permissions_boundary" in got


@pytest.mark.parametrize(("kind", "limit"), [("users", 2048), ("groups", 5120), ("roles", 10240)])
def test_inline_policies_in_aggregate(kind: str, limit: int) -> None:
    """The sum of one principal's inline policies; managed ones do not count."""
    half = limit // 2
    body: dict[str, Any] = {"policies": [_identity(half), _identity(limit - half)]}
    if kind == "roles":
        body["trust_policy"] = _trust(200)
    _world({kind: {"p": body}})
    body["policies"] = [_identity(half), _identity(limit - half + 1)]
    got = _problems({kind: {"p": body}})
    assert f"{limit:,} characters" in got[f"accounts.{B}.{kind}.p.policies"]
    # A managed policy attached by name is not an inline policy.
    body["policies"] = [_identity(half), "Named"]
    _world({"policies": {"Named": _identity(6000)}, kind: {"p": body}})


def test_aws_managed_policies_are_exempt() -> None:
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    _world({"users": {"bob": {"policies": [admin], "permissions_boundary": admin}}})


def test_yaml_is_counted_as_its_minified_json(tmp_path: Path) -> None:
    world = {"accounts": {B: {"roles": {"R": {"trust_policy": _trust(2049)}}}}}
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(world, default_flow_style=False), "utf-8")
    with pytest.raises(iamsim.WorldError, match="2,049 characters"):
        iamsim.World.load(path)
    world["accounts"][B]["roles"]["R"]["trust_policy"] = _trust(2048)
    path.write_text(yaml.safe_dump(world, default_flow_style=False), "utf-8")
    iamsim.World.load(path)


# -- SCPs and RCPs ------------------------------------------------------------------------


def _org(policy: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "o-a1b2c3d4e5",
        "management_account": "999999999999",
        "policies": {"Big": policy},
        "root": {"accounts": ["999999999999", B], "scps": ["FullAWSAccess", "Big"]},
    }


def test_organization_policy_quota() -> None:
    doc = {"Version": V, "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": ""}]}
    doc["Statement"][0]["Resource"] = "arn:aws:s3:::" + "x" * (5120 - _minified(doc) - 13)
    assert _minified(doc) == 5120
    world = {"accounts": {B: {}, "999999999999": {}}, "organization": _org(doc)}
    iamsim.World.from_dict(world)
    doc["Statement"][0]["Resource"] += "x"
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_dict({"accounts": {B: {}, "999999999999": {}}, "organization": _org(doc)})
    (problem,) = info.value.problems
    assert problem.path == "organization.policies.Big"
    assert "5,120" in problem.message


# -- imported from AWS ----------------------------------------------------------------------


def _details(trust: dict[str, Any]) -> dict[str, Any]:
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [
            {
                "Path": "/",
                "RoleName": "Big",
                "RoleId": "AROAEXAMPLE",
                "Arn": f"arn:aws:iam::{A}:role/Big",
                "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(trust)),
                "InstanceProfileList": [],
                "RolePolicyList": [],
                "AttachedManagedPolicies": [],
                "Tags": [],
            }
        ],
        "Policies": [],
        "IsTruncated": False,
    }


def test_imports_take_the_highest_quota_aws_grants() -> None:
    """AWS accepted what it exports: up to 4,096 characters loads without a word."""
    account = parse_authorization_details(_details(_trust(4096)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iamsim.World(accounts=(account,))


def test_imports_past_every_quota_only_warn() -> None:
    account = parse_authorization_details(_details(_trust(5000)))
    with pytest.warns(iamsim.IamsimWarning, match=f"accounts.{A}.roles.Big.trust_policy"):
        world = iamsim.World(accounts=(account,))
    assert world.role(f"arn:aws:iam::{A}:role/Big") is not None


def test_imported_organizations_only_warn() -> None:
    big = {"Version": V, "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    big["Statement"][0]["Resource"] = "arn:aws:s3:::" + "x" * 6000
    export = copy.deepcopy(_ORG_EXPORT)
    export["Policies"] = export.pop("policies")
    export["Policies"][0]["Content"] = json.dumps(big)
    org = parse_organization_export(export)
    with pytest.warns(iamsim.IamsimWarning, match="organization.policies"):
        iamsim.World(
            accounts=(iamsim.Account(id=B), iamsim.Account(id="999999999999")), organization=org
        )


def test_the_warning_class_is_public() -> None:
    assert issubclass(iamsim.IamsimWarning, UserWarning)
    assert "IamsimWarning" in iamsim.__all__


M = "999999999999"
_ORG_EXPORT: dict[str, Any] = {
    "Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": M},
    "Roots": [{"Id": "r-ab12", "Name": "Root"}],
    "OrganizationalUnits": [],
    "Accounts": [
        {"Id": M, "Name": "management", "ParentId": "r-ab12"},
        {"Id": B, "Name": "prod", "ParentId": "r-ab12"},
    ],
    "policies": [
        {
            "PolicySummary": {"Id": "p-1", "Name": "Big", "Type": "SERVICE_CONTROL_POLICY"},
            "Content": "{}",
            "Targets": [{"TargetId": "r-ab12", "Type": "ROOT"}],
        }
    ],
}
