"""Typos AWS accepts silently (issue #13, item 6): an action or condition key no service
documents is an `IamsimWarning` with "did you mean", an error with `strict=True`.

AWS behaviour followed: IAM does not check that an action or a condition key exists when it
stores a policy ("IAM JSON policy elements: Action"; "IAM JSON policy elements: Condition":
a key the request does not carry simply does not match), so a misspelt name grants or denies
nothing, quietly. The names AWS documents are those of the Service Authorization Reference
(iamsim/data/service-reference.json.gz) and the global condition context keys.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim.model import Policy
from iamsim.parse.typos import action_problem, key_problem, policy_typos
from iamsim.reference import service_actions
from iamsim.reference.service import load_reference
from iamsim.world.managed import shipped_managed_policies

ALICE = "arn:aws:iam::111111111111:user/alice"


def _policy(action: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _world(policy: dict[str, Any]) -> dict[str, Any]:
    return {"accounts": {"111111111111": {"users": {"alice": {"policies": [policy]}}}}}


def _caught(build: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build()
    assert all(issubclass(w.category, iamsim.IamsimWarning) for w in caught)
    return [str(w.message) for w in caught]


def test_a_misspelt_action_in_a_world_warns_with_its_path_and_a_suggestion() -> None:
    doc = _world(_policy(["s3:GetObject", "s3:GetObjet"]))
    assert _caught(lambda: iamsim.World.from_dict(doc)) == [
        "accounts.111111111111.users.alice.policies[0].Statement[0].Action[1]: unknown action "
        "`s3:GetObjet`: Amazon S3 documents no such action (did you mean `s3:GetObject`?)"
    ]


def test_a_wildcard_that_matches_no_action_warns() -> None:
    messages = _caught(lambda: iamsim.World.from_dict(_world(_policy("s3:GetObjet*"))))
    assert messages == [
        "accounts.111111111111.users.alice.policies[0].Statement[0].Action: `s3:GetObjet*` "
        "matches no action of Amazon S3 (did you mean `s3:GetObject*`?)"
    ]


def test_an_unknown_service_prefix_warns() -> None:
    problem = action_problem("s4:GetObject")
    assert problem is not None and problem.code == "typo.service"
    assert problem.hint == "did you mean `s3:GetObject`?"


def test_a_misspelt_global_condition_key_warns() -> None:
    policy = _policy("s3:GetObject", {"StringEquals": {"aws:RequestRegion": "eu-west-1"}})
    assert _caught(lambda: iamsim.World.from_dict(_world(policy))) == [
        "accounts.111111111111.users.alice.policies[0].Statement[0].Condition.StringEquals."
        "aws:RequestRegion: unknown condition key `aws:RequestRegion`: AWS documents no such "
        "global condition key, so the request never carries it "
        "(did you mean `aws:RequestedRegion`?)"
    ]


@pytest.mark.parametrize(
    "key",
    [
        "aws:ResourceTag/team",  # documented as aws:ResourceTag/${TagKey}
        "aws:PrincipalTag/cost-center",
        "s3:ExistingObjectTag/env",  # documented as s3:ExistingObjectTag/<key>
        "AWS:SourceIp",  # keys match case-insensitively, as IAM matches them
        "sts:ExternalId",
        "s3:prefix",
        "acme-unknown-service:Anything",  # a service the reference does not know: not judged
    ],
)
def test_documented_keys_and_keys_of_unknown_services_do_not_warn(key: str) -> None:
    assert key_problem(key) is None


def test_a_misspelt_tag_key_pattern_suggests_the_tag_key_the_author_wrote() -> None:
    problem = key_problem("aws:ResourceTg/team")
    assert problem is not None and problem.hint == "did you mean `aws:ResourceTag/team`?"


def test_every_documented_action_passes() -> None:
    """No false warning on any action the reference documents (each service, each action)."""
    for prefix in load_reference().services:
        for name in service_actions(prefix) or ():
            assert action_problem(f"{prefix}:{name}") is None, f"{prefix}:{name}"
        assert action_problem(f"{prefix}:*") is None


def test_load_names_the_file_and_strict_raises_every_typo(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    policy = _policy(["s3:GetObjet"], {"StringEquals": {"aws:RequestRegion": "eu-west-1"}})
    path.write_text(json.dumps(_world(policy)))
    messages = _caught(lambda: iamsim.World.load(path))
    assert len(messages) == 2
    assert all(m.startswith(f"{path}: accounts.111111111111.users.alice") for m in messages)
    with pytest.raises(iamsim.WorldError) as raised:
        iamsim.World.load(path, strict=True)
    assert [p.code for p in raised.value.problems] == ["typo.action", "typo.condition_key"]
    with pytest.raises(iamsim.WorldError):
        iamsim.World.from_dict(_world(policy), strict=True)


def test_world_of_checks_its_policies() -> None:
    user = iamsim.User(ALICE, policies=[_policy("iam:PassRoel")])
    assert len(_caught(lambda: iamsim.World.of(user))) == 1
    with pytest.raises(iamsim.WorldError, match="did you mean `iam:PassRole`"):
        iamsim.World.of(user, strict=True)


def test_simulate_warns_about_a_misspelt_action_and_context_key() -> None:
    world = iamsim.World.demo()
    messages = _caught(
        lambda: world.simulate(
            ALICE, "s3:GetObjet", "arn:aws:s3:::b/k", context={"ContextKeyName": "aws:SourceIp"}
        )
    )
    assert messages == [
        "action: unknown action `s3:GetObjet`: Amazon S3 documents no such action "
        "(did you mean `s3:GetObject`?)",
        "context['ContextKeyName']: `ContextKeyName` is not a condition key: a key is "
        "`service:Name` (such as aws:SourceIp)",
    ]
    with pytest.raises(iamsim.ValidationError, match="did you mean `aws:RequestedRegion`"):
        world.simulate(
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            context={"aws:RequestRegion": "x"},
            strict=True,
        )


def test_assume_role_warns_about_a_misspelt_context_key() -> None:
    world = iamsim.World.demo()
    messages = _caught(
        lambda: world.assume_role(
            ALICE,
            "arn:aws:iam::222222222222:role/CrossAccountS3Reader",
            "dev",
            external_id="my-secret-123",
            context={"aws:SourceIP": "203.0.113.7", "aws:SourceIpp": "203.0.113.7"},
        )
    )
    assert messages == [
        "context['aws:SourceIpp']: unknown condition key `aws:SourceIpp`: AWS documents no "
        "such global condition key, so the request never carries it "
        "(did you mean `aws:SourceIp`?)"
    ]
    with pytest.raises(iamsim.ValidationError, match="did you mean `aws:SourceIp`"):
        world.assume_role(
            ALICE,
            "arn:aws:iam::222222222222:role/CrossAccountS3Reader",
            "dev",
            external_id="my-secret-123",
            context={"aws:SourceIpp": "203.0.113.7"},
            strict=True,
        )
    clean = world.assume_role(
        ALICE,
        "arn:aws:iam::222222222222:role/CrossAccountS3Reader",
        "dev",
        external_id="my-secret-123",
        strict=True,
    )
    assert clean.allowed


def test_the_demo_world_and_a_clean_request_give_no_warning() -> None:
    world = iamsim.World.demo()
    assert _caught(lambda: iamsim.World.from_dict(world.to_dict())) == []
    assert _caught(lambda: world.simulate(ALICE, "s3:GetObject", "arn:aws:s3:::b/k")) == []


# AWS's own managed policies that name what the service reference does not document: retired
# services (mobilehub, zocalo, crowd, sumerian, …), actions AWS never documented or renamed
# (budgets:UpdateBudget, s3:ListObjects, ssm:RemoveTagsToResource, …) and two keys
# (aws:PrincipalOrgMasterAccountId, deepracer:UserToken, …). Real, AWS's, and counted here so
# that a new false warning shows: iamsim does not check AWS managed policies named by ARN.
MANAGED_WITH_UNDOCUMENTED_NAMES = {
    "AWSDeepRacerAccountAdminAccess": 1,
    "AWSDeepRacerDefaultMultiUserAccess": 2,
    "AWSIotRoboRunnerFullAccess": 1,
    "AWSIotRoboRunnerReadOnly": 8,
    "AWSManagedSettingsAdminAccess": 28,
    "AWSMobileHub_FullAccess": 1,
    "AWSMobileHub_ReadOnly": 15,
    "AWSSSOServiceRolePolicy": 2,
    "AWSSupplyChainFederationAdminAccess": 4,
    "AmazonApplicationWizardFullaccess": 2,
    "AmazonDataZoneGlueManageAccessRolePolicy": 1,
    "AmazonDataZonePortalFullAccessPolicy": 1,
    "AmazonDataZonePreviewConsoleFullAccess": 1,
    "AmazonEC2ReportsAccess": 1,
    "AmazonLaunchWizardFullaccess": 3,
    "AmazonMechanicalTurkCrowdFullAccess": 1,
    "AmazonMechanicalTurkCrowdReadOnlyAccess": 1,
    "AmazonSumerianFullAccess": 1,
    "AmazonZocaloFullAccess": 1,
    "AmazonZocaloReadOnlyAccess": 1,
    "MemoryDBServiceRolePolicy": 1,
    "RDSCloudHsmAuthorizationRole": 7,
    "SecurityAgentWebAppAPIPolicy": 17,
    "ServiceCatalogAdminReadOnlyAccess": 21,
    "ServiceCatalogEndUserAccess": 1,
}


def test_shipped_managed_policies_give_only_the_known_undocumented_names() -> None:
    found: Counter[str] = Counter()
    for name, managed in shipped_managed_policies().policies.items():
        problems = policy_typos(Policy.from_json(dict(managed.document)))
        if problems:
            found[name] = len(problems)
    assert dict(found) == MANAGED_WITH_UNDOCUMENTED_NAMES


@pytest.mark.parametrize(
    "key",
    [
        "token.actions.githubusercontent.com:sub",
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud",
        "cognito-identity.amazonaws.com:amr",
        "accounts.google.com:oaud",
    ],
)
def test_web_identity_keys_are_not_typos(key: str) -> None:
    # IAM User Guide, "Available keys for AWS web identity federation": a trust policy's
    # keys for an OIDC provider are ISSUER:claim, the issuer a host (with a path for EKS).
    assert key_problem(key) is None


def test_infrastructure_as_code_is_checked_too(tmp_path: Path) -> None:
    # The same check as World.load: a typo in a template's or a plan's policy warns, and
    # strict=True refuses it.
    template = tmp_path / "stack.yaml"
    template.write_text(
        "Resources:\n"
        "  Reader:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      RoleName: Reader\n"
        "      AssumeRolePolicyDocument:\n"
        "        Version: '2012-10-17'\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Principal: {AWS: 'arn:aws:iam::111111111111:root'}\n"
        "            Action: sts:AssumeRole\n"
        "      Policies:\n"
        "        - PolicyName: read\n"
        "          PolicyDocument:\n"
        "            Version: '2012-10-17'\n"
        "            Statement:\n"
        "              - {Effect: Allow, Action: 's3:GetObjet', Resource: '*'}\n"
    )
    messages = _caught(lambda: iamsim.World.from_cloudformation(template, account="222222222222"))
    assert len(messages) == 1 and "did you mean `s3:GetObject`" in messages[0]
    assert messages[0].startswith(str(template))
    with pytest.raises(iamsim.WorldError, match="s3:GetObjet"):
        iamsim.World.from_cloudformation(template, account="222222222222", strict=True)
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_policy.p",
                        "mode": "managed",
                        "type": "aws_iam_policy",
                        "name": "p",
                        "values": {
                            "name": "p",
                            "path": "/",
                            "policy": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                            '"Action":"s3:GetObjet","Resource":"*"}]}',
                        },
                    }
                ]
            }
        },
    }
    with pytest.raises(iamsim.WorldError, match="s3:GetObjet"):
        iamsim.World.from_terraform(plan, account="222222222222", strict=True)
