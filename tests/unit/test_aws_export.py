"""AWS exports → model, on small hand-made samples shaped like the real CLI outputs."""

from __future__ import annotations

import copy
import json
import urllib.parse
from typing import Any

import pytest

from iamsim.errors import IamsimWarning, WorldError
from iamsim.model import Policy
from iamsim.world.aws_export import parse_authorization_details, parse_organization_export
from iamsim.world.model import OrgUnit

A = "111111111111"
ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
BOUNDARY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def details() -> dict[str, Any]:
    """Shaped like `aws iam get-account-authorization-details` output."""
    return {
        "UserDetailList": [
            {
                "Path": "/",
                "UserName": "alice",
                "UserId": "AIDAEXAMPLE",
                "Arn": f"arn:aws:iam::{A}:user/alice",
                "CreateDate": "2024-01-01T00:00:00+00:00",
                "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": ALLOW}],
                "GroupList": ["developers"],
                "AttachedManagedPolicies": [
                    {
                        "PolicyName": "Boundary",
                        "PolicyArn": f"arn:aws:iam::{A}:policy/team/Boundary",
                    },
                    {
                        "PolicyName": "ReadOnlyAccess",
                        "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                    },
                ],
                "PermissionsBoundary": {
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/team/Boundary",
                },
                "Tags": [{"Key": "team", "Value": "platform"}],
            }
        ],
        "GroupDetailList": [
            {
                "Path": "/",
                "GroupName": "developers",
                "GroupId": "AGPAEXAMPLE",
                "Arn": f"arn:aws:iam::{A}:group/developers",
                "CreateDate": "2024-01-01T00:00:00+00:00",
                "GroupPolicyList": [],
                "AttachedManagedPolicies": [],
            }
        ],
        "RoleDetailList": [
            {
                "Path": "/service/",
                "RoleName": "App",
                "RoleId": "AROAEXAMPLE",
                "Arn": f"arn:aws:iam::{A}:role/service/App",
                "CreateDate": "2024-01-01T00:00:00+00:00",
                # The IAM API returns documents URL-encoded.
                "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(TRUST)),
                "InstanceProfileList": [],
                "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": json.dumps(ALLOW)}],
                "AttachedManagedPolicies": [],
                "Tags": [],
                "RoleLastUsed": {
                    "LastUsedDate": "2024-06-01T00:00:00+00:00",
                    "Region": "us-east-1",
                },
            }
        ],
        "Policies": [
            {
                "PolicyName": "Boundary",
                "PolicyId": "ANPAEXAMPLE",
                "Arn": f"arn:aws:iam::{A}:policy/team/Boundary",
                "Path": "/team/",
                "DefaultVersionId": "v2",
                "AttachmentCount": 1,
                "PermissionsBoundaryUsageCount": 1,
                "IsAttachable": True,
                "PolicyVersionList": [
                    {"Document": ALLOW, "VersionId": "v1", "IsDefaultVersion": False},
                    {
                        "Document": urllib.parse.quote(json.dumps(BOUNDARY)),
                        "VersionId": "v2",
                        "IsDefaultVersion": True,
                    },
                ],
            },
            {
                "PolicyName": "ReadOnlyAccess",
                "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "DefaultVersionId": "v1",
                "PolicyVersionList": [
                    {"Document": ALLOW, "VersionId": "v1", "IsDefaultVersion": True}
                ],
            },
        ],
        "IsTruncated": False,
    }


def test_authorization_details() -> None:
    account = parse_authorization_details(details())
    assert account.id == A
    # customer managed: default version, referenced by name; AWS managed: by ARN
    assert account.policies == (("Boundary", Policy.from_json(BOUNDARY)),)
    (user,) = account.users
    assert user.arn == f"arn:aws:iam::{A}:user/alice"
    assert user.policies == (
        Policy.from_json(ALLOW),
        "Boundary",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    assert user.groups == ("developers",)
    assert user.permissions_boundary == "Boundary"
    assert user.tags == {"team": "platform"}
    assert account.groups[0].arn == f"arn:aws:iam::{A}:group/developers"
    (role,) = account.roles
    assert role.arn == f"arn:aws:iam::{A}:role/service/App"
    assert role.trust_policy == Policy.from_json(TRUST, kind="trust")
    assert role.policies == (Policy.from_json(ALLOW),)
    assert role.max_session_duration == 3600


def test_documents_as_objects_or_encoded_text_are_equal() -> None:
    doc = details()
    doc["RoleDetailList"][0]["AssumeRolePolicyDocument"] = TRUST
    assert parse_authorization_details(doc) == parse_authorization_details(details())


def test_explicit_account_must_match_arns() -> None:
    assert parse_authorization_details(details(), account=A).id == A
    with pytest.raises(WorldError) as info:
        parse_authorization_details(details(), account="222222222222")
    assert {p.code for p in info.value.problems} == {"resource.arn"}


def test_account_ids_must_agree() -> None:
    doc = details()
    doc["GroupDetailList"][0]["Arn"] = "arn:aws:iam::222222222222:group/developers"
    with pytest.raises(WorldError) as info:
        parse_authorization_details(doc)
    assert str(info.value).startswith(
        "GroupDetailList[0].Arn: the ARN is in account 222222222222 but the export's other ARNs "
        f"are in account {A} (one export describes one account)"
    )


def test_empty_export_needs_an_account() -> None:
    assert parse_authorization_details({}, account=A).id == A
    with pytest.raises(WorldError) as info:
        parse_authorization_details({})
    assert info.value.problems[0].code == "account.id"


def test_bad_trust_policy_path() -> None:
    doc = details()
    doc["RoleDetailList"][0]["AssumeRolePolicyDocument"] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}],
    }
    with pytest.raises(WorldError) as info:
        parse_authorization_details(doc)
    assert [p.path for p in info.value.problems] == [
        "RoleDetailList[0].AssumeRolePolicyDocument.Statement[0].Principal"
    ]


def test_missing_default_version() -> None:
    doc = details()
    doc["Policies"][0]["PolicyVersionList"] = [doc["Policies"][0]["PolicyVersionList"][0]]
    with pytest.raises(WorldError) as info:
        parse_authorization_details(doc)
    assert str(info.value) == (
        "Policies[0].PolicyVersionList: the policy's default version is not in PolicyVersionList "
        '(DefaultVersionId is "v2")'
    )


def test_group_of_user_must_be_exported() -> None:
    doc = details()
    doc["GroupDetailList"] = []
    with pytest.raises(WorldError) as info:
        parse_authorization_details(doc)
    assert str(info.value) == (
        'UserDetailList[0].GroupList[0]: group "developers" is not in GroupDetailList '
        "(export the account without --filter, so that groups are included)"
    )


def test_truncated_export_is_a_warning() -> None:
    doc = details()
    doc["IsTruncated"] = True
    with pytest.warns(IamsimWarning, match="truncated"):
        assert parse_authorization_details(doc).id == A


def test_wrong_shapes_are_reported_with_paths() -> None:
    doc = details()
    doc["UserDetailList"][0]["Tags"] = [{"Key": "k"}]
    doc["RoleDetailList"][0]["MaxSessionDuration"] = "long"
    doc["GroupDetailList"] = {"not": "a list"}
    with pytest.raises(WorldError) as info:
        parse_authorization_details(doc)
    paths = [p.path for p in info.value.problems]
    assert "UserDetailList[0].Tags[0].Value" in paths
    assert "RoleDetailList[0].MaxSessionDuration" in paths
    assert "GroupDetailList" in paths


def test_max_session_duration_when_present() -> None:
    doc = details()
    doc["RoleDetailList"][0]["MaxSessionDuration"] = 7200
    assert parse_authorization_details(doc).roles[0].max_session_duration == 7200


@pytest.mark.parametrize("doc", [None, [], {"UserDetailList": [1]}, {"Policies": [{"Arn": 3}]}])
def test_garbage_gives_world_errors(doc: Any) -> None:
    with pytest.raises(WorldError):
        parse_authorization_details(doc, account=A)


# --------------------------------------------------------------------------- Organizations

DENY_LEAVE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}
FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
M, B = "999999999999", "222222222222"


def org_export() -> dict[str, Any]:
    """describe-organization, list-roots, OUs/accounts with parents, describe-policy + targets."""
    return {
        "Organization": {
            "Organization": {
                "Id": "o-a1b2c3d4e5",
                "Arn": f"arn:aws:organizations::{M}:organization/o-a1b2c3d4e5",
                "FeatureSet": "ALL",
                "MasterAccountArn": f"arn:aws:organizations::{M}:account/o-a1b2c3d4e5/{M}",
                "MasterAccountId": M,
                "MasterAccountEmail": "root@example.com",
            }
        },
        "Roots": [{"Id": "r-ab12", "Arn": "arn:...", "Name": "Root", "PolicyTypes": []}],
        "OrganizationalUnits": [
            {"Id": "ou-ab12-11111111", "Name": "Workloads", "ParentId": "r-ab12"},
            {
                "Id": "ou-ab12-22222222",
                "Name": "Prod",
                "Parents": [{"Id": "ou-ab12-11111111", "Type": "ORGANIZATIONAL_UNIT"}],
            },
        ],
        "Accounts": [
            {"Id": M, "Name": "management", "Status": "ACTIVE", "ParentId": "r-ab12"},
            {"Id": A, "Name": "dev", "Status": "ACTIVE", "ParentId": "ou-ab12-11111111"},
            {"Id": B, "Name": "prod", "Status": "ACTIVE", "ParentId": "ou-ab12-22222222"},
        ],
        "Policies": [
            {
                "Policy": {
                    "PolicySummary": {
                        "Id": "p-FullAWSAccess",
                        "Name": "FullAWSAccess",
                        "Type": "SERVICE_CONTROL_POLICY",
                        "AwsManaged": True,
                    },
                    "Content": json.dumps(FULL),
                },
                "Targets": [
                    {"TargetId": "r-ab12", "Type": "ROOT"},
                    {"TargetId": "ou-ab12-11111111", "Type": "ORGANIZATIONAL_UNIT"},
                ],
            },
            {
                "PolicySummary": {
                    "Id": "p-1",
                    "Name": "DenyLeaveOrg",
                    "Type": "SERVICE_CONTROL_POLICY",
                },
                "Content": json.dumps(DENY_LEAVE),
                "Targets": [{"TargetId": A, "Type": "ACCOUNT"}],
            },
            {
                "PolicySummary": {"Id": "p-2", "Name": "Tags", "Type": "TAG_POLICY"},
                "Content": "{}",
                "Targets": [],
            },
        ],
    }


def test_organization_export() -> None:
    org = parse_organization_export(org_export())
    assert org.id == "o-a1b2c3d4e5"
    assert org.management_account == M
    # Organizations' own root and OU ids are kept (an SCP attachment names them).
    assert org.root == OrgUnit(
        "Root",
        scps=("FullAWSAccess",),
        accounts=(M,),
        children=(
            OrgUnit(
                "Workloads",
                scps=("FullAWSAccess",),
                accounts=(A,),
                children=(OrgUnit("Prod", scps=None, accounts=(B,), id="ou-ab12-22222222"),),
                id="ou-ab12-11111111",
            ),
        ),
        id="r-ab12",
    )
    assert org.account_scps == ((A, ("DenyLeaveOrg",)),)
    assert dict(org.policies) == {
        "FullAWSAccess": Policy.from_json(FULL, kind="scp"),
        "DenyLeaveOrg": Policy.from_json(DENY_LEAVE, kind="scp"),
    }


def test_organization_without_wrapper() -> None:
    doc = org_export()
    doc["Organization"] = doc["Organization"]["Organization"]
    assert parse_organization_export(doc) == parse_organization_export(org_export())


def test_rcp_is_parsed_as_rcp() -> None:
    doc = org_export()
    doc["Policies"].append(
        {
            "PolicySummary": {"Name": "NoS3", "Type": "RESOURCE_CONTROL_POLICY"},
            "Content": json.dumps(DENY_LEAVE),  # an RCP needs a Principal
            "Targets": [{"TargetId": "r-ab12"}],
        }
    )
    with pytest.raises(WorldError) as info:
        parse_organization_export(doc)
    assert all(p.path.startswith("Policies[3].Content.Statement[0]") for p in info.value.problems)


def test_unknown_target_and_parent() -> None:
    doc = org_export()
    doc["Policies"][1]["Targets"] = [{"TargetId": "333333333333"}]
    doc["Accounts"][2]["ParentId"] = "ou-nope"
    with pytest.raises(WorldError) as info:
        parse_organization_export(doc)
    assert info.value.lines() == [
        'Accounts[2].ParentId: parent "ou-nope" is neither the root nor a listed OU',
        'Policies[1].Targets[0].TargetId: target "333333333333" is not the root, a listed OU or '
        "a listed account",
    ]


def test_ou_cycle() -> None:
    doc = org_export()
    doc["OrganizationalUnits"][0]["ParentId"] = "ou-ab12-22222222"
    with pytest.raises(WorldError) as info:
        parse_organization_export(doc)
    assert {p.code for p in info.value.problems} == {"organization.parent"}


def test_missing_parent_and_duplicate_account() -> None:
    doc = org_export()
    del doc["Accounts"][1]["ParentId"]
    doc["Accounts"].append(copy.deepcopy(doc["Accounts"][2]))
    with pytest.raises(WorldError) as info:
        parse_organization_export(doc)
    assert [(p.code, p.path) for p in info.value.problems] == [
        ("key.missing", "Accounts[1].ParentId"),
        ("account.duplicate", "Accounts[3].Id"),
    ]


def test_management_account_must_be_listed() -> None:
    doc = org_export()
    del doc["Accounts"][0]
    with pytest.raises(WorldError) as info:
        parse_organization_export(doc)
    assert str(info.value) == f"Accounts: the management account {M} is not in Accounts"


@pytest.mark.parametrize(
    "doc", [None, {}, {"Organization": 1}, {"Roots": [{}, {}]}, {"Policies": [[]]}]
)
def test_org_garbage_gives_world_errors(doc: Any) -> None:
    with pytest.raises(WorldError):
        parse_organization_export(doc)
