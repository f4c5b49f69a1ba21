"""S3 Block Public Access (Amazon S3 User Guide, "Blocking public access to your Amazon S3
storage"; S3 API Reference, PublicAccessBlockConfiguration): what "public" means, the world
sections, BlockPublicPolicy on loading and on infrastructure as code, and the property that
Block Public Access never allows more. Decisions are pinned in
compliance/decisions/block_public_access.json."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.evaluate.public import is_public
from iamsim.model import Policy

BUCKET = "arn:aws:s3:::public-site"
OUTSIDER = "arn:aws:iam::111111111111:user/alice"
GRANT = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _public(statement: dict[str, Any]) -> bool:
    return is_public(Policy.from_json(_policy(statement), kind="resource"))


# -- the meaning of "public" -----------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "public"),
    [
        (GRANT, True),
        ({**GRANT, "Principal": {"AWS": "*"}}, True),
        ({**GRANT, "Principal": {"AWS": "arn:aws:iam::111111111111:root"}}, False),
        ({**GRANT, "Principal": {"Service": "cloudfront.amazonaws.com"}}, False),
        ({**GRANT, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}, False),
        ({**GRANT, "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}, True),
        ({**GRANT, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}, False),
        ({**GRANT, "Condition": {"StringEquals": {"aws:SourceVpc": "${aws:username}"}}}, True),
        ({**GRANT, "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}, True),
        (
            {**GRANT, "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
            True,
        ),
        ({**GRANT, "Condition": {"StringEquals": {"aws:UserAgent": "my-app"}}}, True),
        ({**GRANT, "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}, False),
        ({**GRANT, "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}, True),
        ({**GRANT, "Condition": {"IpAddress": {"aws:SourceIp": "2001:db8::/16"}}}, True),
        ({**GRANT, "Condition": {"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}}, True),
        ({**GRANT, "Effect": "Deny"}, False),
    ],
)
def test_the_meaning_of_public(statement: dict[str, Any], public: bool) -> None:
    # S3 User Guide, "The meaning of 'public'": a grant is non-public only to fixed
    # principals, or limited by fixed values of the listed keys.
    assert _public(statement) is public


# -- the world sections ----------------------------------------------------------------


def _world(
    account: dict[str, Any] | None = None,
    bucket: dict[str, Any] | None = None,
    statements: tuple[dict[str, Any], ...] = (GRANT,),
) -> dict[str, Any]:
    body: dict[str, Any] = {"policy": _policy(*statements)}
    if bucket is not None:
        body["block_public_access"] = bucket
    owner: dict[str, Any] = {"resources": {BUCKET: body}}
    if account is not None:
        owner["s3_block_public_access"] = account
    allow_s3 = _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    return {
        "accounts": {
            "111111111111": {"users": {"alice": {"policies": [allow_s3]}}},
            "222222222222": owner,
        }
    }


def test_settings_round_trip() -> None:
    doc = _world({"restrict_public_buckets": True}, {"block_public_acls": True})
    world = iamsim.World.from_dict(doc)
    again = iamsim.World.from_dict(world.to_dict())
    assert again.to_dict() == world.to_dict()
    account = world.to_dict()["accounts"]["222222222222"]
    assert account["s3_block_public_access"]["restrict_public_buckets"] is True
    assert account["resources"][BUCKET]["block_public_access"]["block_public_acls"] is True


def test_bad_settings_are_named_by_path() -> None:
    doc = _world({"restrict_public_buckets": "yes", "block_everything": True})
    doc["accounts"]["222222222222"]["resources"]["arn:aws:sqs:us-east-1:222222222222:q"] = {
        "block_public_access": {}
    }
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_dict(doc)
    paths = sorted(p.path for p in info.value.problems)
    assert paths == [
        "accounts.222222222222.resources.arn:aws:sqs:us-east-1:222222222222:q.block_public_access",
        "accounts.222222222222.s3_block_public_access.block_everything",
        "accounts.222222222222.s3_block_public_access.restrict_public_buckets",
    ], paths


def test_a_public_policy_under_block_public_policy_loads_with_a_warning() -> None:
    # BlockPublicPolicy only refuses new public policies ("Enabling this setting doesn't
    # affect existing bucket policies"): a world holding one is loaded, with a warning.
    with pytest.warns(iamsim.IamsimWarning, match="BlockPublicPolicy is on"):
        world = iamsim.World.from_dict(_world({"block_public_policy": True}))
    assert world.simulate(OUTSIDER, "s3:GetObject", f"{BUCKET}/index.html").allowed


def test_a_fixed_policy_under_block_public_policy_loads_quietly() -> None:
    fixed = {**GRANT, "Principal": {"AWS": "arn:aws:iam::111111111111:root"}}
    with warnings.catch_warnings():
        warnings.simplefilter("error", iamsim.IamsimWarning)
        iamsim.World.from_dict(_world({"block_public_policy": True}, statements=(fixed,)))


# -- infrastructure as code: BlockPublicPolicy refuses the policy ------------------------


def _tf_state(*resources: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "format_version": "1.0",
        "terraform_version": "1.11.4",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": address,
                        "mode": "managed",
                        "type": kind,
                        "name": address.rsplit(".", 1)[-1],
                        "provider_name": "registry.terraform.io/hashicorp/aws",
                        "schema_version": 0,
                        "values": values,
                        "sensitive_values": {},
                    }
                    for address, kind, values in resources
                ]
            }
        },
    }


_TF_POLICY = ("aws_s3_bucket_policy.site", "aws_s3_bucket_policy", {
    "bucket": "public-site", "policy": json.dumps(_policy(GRANT)),
})  # fmt: skip


def test_terraform_refuses_a_public_policy_under_block_public_policy() -> None:
    block = ("aws_s3_bucket_public_access_block.site", "aws_s3_bucket_public_access_block", {
        "bucket": "public-site", "block_public_policy": True, "restrict_public_buckets": True,
        "block_public_acls": True, "ignore_public_acls": True,
    })  # fmt: skip
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_terraform(_tf_state(_TF_POLICY, block), account="222222222222")
    (problem,) = info.value.problems
    assert problem.path == "aws_s3_bucket_policy.site"
    assert "BlockPublicPolicy is on for the bucket" in problem.message


def test_terraform_account_block_and_restrict_reach_the_world() -> None:
    block = ("aws_s3_account_public_access_block.all", "aws_s3_account_public_access_block", {
        "restrict_public_buckets": True, "block_public_policy": False,
    })  # fmt: skip
    world = iamsim.World.from_terraform(_tf_state(_TF_POLICY, block), account="222222222222")
    account = world.to_dict()["accounts"]["222222222222"]
    assert account["s3_block_public_access"]["restrict_public_buckets"] is True
    d = world.simulate("anonymous", "s3:GetObject", f"{BUCKET}/index.html")
    assert [x.policy_type for x in d.denied_by] == ["block_public_access"]


def test_cloudformation_refuses_a_public_policy_under_block_public_policy() -> None:
    template = {
        "Resources": {
            "Site": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": "public-site",
                    "PublicAccessBlockConfiguration": {"BlockPublicPolicy": True},
                },
            },
            "SitePolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": {"Ref": "Site"}, "PolicyDocument": _policy(GRANT)},
            },
        }
    }
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_cloudformation(template, account="222222222222")
    (problem,) = info.value.problems
    assert problem.path == "Resources.SitePolicy.Properties.PolicyDocument"
    assert "public" in problem.message
    template["Resources"]["Site"]["Properties"]["PublicAccessBlockConfiguration"] = {
        "RestrictPublicBuckets": True
    }
    world = iamsim.World.from_cloudformation(template, account="222222222222")
    assert not world.simulate(OUTSIDER, "s3:GetObject", f"{BUCKET}/index.html").allowed


# -- property: Block Public Access never allows more -----------------------------------

_FLAGS = st.fixed_dictionaries(
    {"restrict_public_buckets": st.booleans(), "block_public_acls": st.booleans()}
)
_CALLERS = st.sampled_from(
    [OUTSIDER, "anonymous", "cloudfront.amazonaws.com", "arn:aws:iam::222222222222:root"]
)
_CONDITIONS = st.sampled_from(
    [
        None,
        {"StringEquals": {"aws:PrincipalAccount": "111111111111"}},
        {"StringLike": {"aws:PrincipalAccount": "1*"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    ]
)


@settings(max_examples=40, deadline=None)
@given(account=_FLAGS, bucket=_FLAGS, caller=_CALLERS, condition=_CONDITIONS)
def test_block_public_access_never_allows_more(
    account: dict[str, bool], bucket: dict[str, bool], caller: str, condition: Any
) -> None:
    grant = dict(GRANT) if condition is None else {**GRANT, "Condition": condition}
    context = {"aws:SourceIp": "198.51.100.7"}
    off = iamsim.World.from_dict(_world(statements=(grant,)))
    on = iamsim.World.from_dict(_world(account, bucket, statements=(grant,)))
    resource = f"{BUCKET}/index.html"
    was = off.simulate(caller, "s3:GetObject", resource, context=context).allowed
    now = on.simulate(caller, "s3:GetObject", resource, context=context).allowed
    assert now <= was
