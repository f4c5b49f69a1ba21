"""Every AWS managed policy ships offline: each document parses (or is a known parser gap),
ARNs resolve exactly as IAM resolves them, documents are parsed only when referenced, and
scripts/build_aws_managed_policies.py rebuilds the snapshot from AWS CLI outputs."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

import iamsim
from iamsim.world.managed import (
    aws_managed_arn,
    aws_managed_names,
    aws_managed_policy,
    read_managed_policies,
    shipped_managed_policies,
)

ROOT = Path(__file__).parent.parent.parent
SCRIPT = ROOT / "scripts" / "build_aws_managed_policies.py"
FIXTURES = ROOT / "tests" / "data" / "aws-cli" / "managed-policies"
ALICE = "arn:aws:iam::111111111111:user/alice"


def test_the_snapshot_holds_every_aws_managed_policy_with_its_source() -> None:
    snapshot = shipped_managed_policies()
    assert len(snapshot.policies) == 1644
    assert "iann0036/iam-dataset" in snapshot.about and "commit" in snapshot.about
    assert aws_managed_names() == tuple(sorted(snapshot.policies))
    assert (
        (ROOT / "iamsim" / "data" / "SOURCES.md")
        .read_text("utf-8")
        .count("aws-managed-policies.json.gz")
    )


def test_every_shipped_document_parses() -> None:
    """AWS publishes them, so AWS accepts them: every one must parse (an empty resource
    part and a policy variable in a Resource ARN's account field included)."""
    failed = {}
    for name, entry in shipped_managed_policies().policies.items():
        try:
            iamsim.Policy.from_json(dict(entry.document))
        except iamsim.PolicyError as exc:
            failed[name] = str(exc)
    assert not failed, failed


# AWS resolves a managed policy ARN exactly, path included: AWSLambdaBasicExecutionRole is
# arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole and attaching
# arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole fails with NoSuchEntity.
@pytest.mark.parametrize(
    ("arn", "found"),
    [
        ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", True),
        ("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole", False),
        ("arn:aws:iam::aws:policy/job-function/AWSLambdaBasicExecutionRole", False),
        ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", True),
        ("arn:aws:iam::aws:policy/ViewOnlyAccess", False),
        ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", True),
        ("arn:aws:iam::aws:policy/service-role/AmazonS3ReadOnlyAccess", False),
        # The snapshot does not record AdministratorAccess's path (arn null): accepted as is.
        ("arn:aws:iam::aws:policy/AdministratorAccess", True),
        ("arn:aws:iam::aws:policy/NoSuchPolicyAnywhere", False),
        ("arn:aws:iam::111111111111:policy/AmazonS3ReadOnlyAccess", False),
    ],
)
def test_managed_policy_arns_resolve_exactly(arn: str, found: bool) -> None:
    assert (aws_managed_policy(arn) is not None) is found


def test_where_the_snapshot_records_no_path_any_path_resolves() -> None:
    entry = shipped_managed_policies().policies["AdministratorAccess"]
    assert entry.arn is None
    assert aws_managed_arn("AdministratorAccess") == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert aws_managed_policy("arn:aws:iam::aws:policy/some-path/AdministratorAccess") is not None


def _lambda_world(policy: str) -> iamsim.World:
    return iamsim.World.of(
        iamsim.Role(
            "arn:aws:iam::111111111111:role/fn",
            trust_policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            policies=[policy],
        )
    )


def test_a_world_uses_a_managed_policy_beyond_the_seven_once_shipped() -> None:
    world = _lambda_world("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    d = world.simulate(
        "arn:aws:iam::111111111111:role/fn",
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/fn:log-stream:x",
    )
    assert d.allowed


def test_a_wrong_path_is_refused_naming_the_arn_aws_publishes() -> None:
    with pytest.raises(iamsim.WorldError) as caught:
        _lambda_world("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
    (problem,) = caught.value.problems
    assert problem.code == "world.policy.unknown_managed"
    assert problem.hint is not None
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in problem.hint


def test_an_unknown_managed_policy_says_how_to_add_it() -> None:
    with pytest.raises(iamsim.WorldError) as caught:
        _lambda_world("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcess")
    (problem,) = caught.value.problems
    assert problem.code == "world.policy.unknown_managed"
    assert problem.hint is not None
    assert "did you mean `AmazonS3ReadOnlyAccess`?" in problem.hint
    assert "accounts.111111111111.policies" in problem.hint


def test_a_document_the_parser_refuses_is_a_world_problem_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every document of today's snapshot parses; a rebuilt snapshot may carry one that
    iamsim cannot read yet, which must be a world problem with its path, not a crash."""

    def unreadable(arn: str) -> iamsim.Policy:
        raise iamsim.PolicyError(iamsim.Problem("policy.x", "Statement[0]", "cannot read"))

    monkeypatch.setattr("iamsim.world.index.aws_managed_policy", unreadable)
    with pytest.raises(iamsim.WorldError) as caught:
        _lambda_world("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    (problem,) = caught.value.problems
    assert problem.code == "world.policy.managed_unparsed"
    assert problem.path.endswith("policies[0]")


def test_a_world_only_parses_the_documents_it_references() -> None:
    aws_managed_policy.cache_clear()
    world = _lambda_world("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert world.role("arn:aws:iam::111111111111:role/fn") is not None
    assert aws_managed_policy.cache_info().currsize == 1


def test_a_worlds_own_copy_named_locally_comes_before_the_shipped_one() -> None:
    # A name resolves in the account's own policies (a customer managed policy of that name),
    # as in IAM; the ARN of AWS's policy keeps resolving to AWS's document.
    own = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
    }
    world = iamsim.World.from_dict(
        {
            "accounts": {
                "111111111111": {
                    "policies": {"ReadOnlyAccess": own},
                    "users": {"alice": {"policies": ["ReadOnlyAccess"]}},
                    "roles": {},
                }
            }
        }
    )
    d = world.simulate(ALICE, "s3:GetObject", "arn:aws:s3:::b/k")
    assert d.outcome == "explicitDeny"


# --------------------------------------------------------------- the rebuild script


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_aws_managed_policies", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_builds_a_snapshot_that_loads(tmp_path: Path) -> None:
    out = tmp_path / "snapshot.json.gz"
    argv = ["--list", str(FIXTURES / "list-policies.json"), "--versions"]
    argv += [str(FIXTURES / "versions"), "--fetched", "2026-12-01", "--out", str(out)]
    assert _script().main(argv) == 0
    first = out.read_bytes()
    assert _script().main(argv) == 0
    assert out.read_bytes() == first  # deterministic
    snapshot = read_managed_policies(first)
    assert "2026-12-01" in snapshot.about and "list-policies" in snapshot.about
    assert list(snapshot.policies) == ["IamsimFixtureReadOnly", "IamsimFixtureServiceRolePolicy"]
    role = snapshot.policies["IamsimFixtureServiceRolePolicy"]
    assert role.arn == "arn:aws:iam::aws:policy/service-role/IamsimFixtureServiceRolePolicy"
    assert role.version == "v1" and not role.deprecated
    # The raw API's URL-encoded document is decoded; both parse.
    for entry in snapshot.policies.values():
        assert iamsim.Policy.from_json(dict(entry.document)).statements
    assert snapshot.find(role.arn) is role
    assert snapshot.find("arn:aws:iam::aws:policy/IamsimFixtureServiceRolePolicy") is None
    assert (
        json.loads(gzip.decompress(first))["policies"]["IamsimFixtureReadOnly"]["version"] == "v3"
    )


def test_the_script_keeps_dropped_policies_as_deprecated_and_checks_versions(
    tmp_path: Path,
) -> None:
    script = _script()
    listing = json.loads((FIXTURES / "list-policies.json").read_text("utf-8"))
    versions = {
        p.stem: json.loads(p.read_text("utf-8")) for p in (FIXTURES / "versions").glob("*.json")
    }
    previous = {
        "policies": {
            "OldPolicy": {
                "arn": None,
                "version": "v1",
                "updated": None,
                "deprecated": False,
                "document": {},
            }
        }
    }
    built = script.build(listing, versions, previous=previous)
    assert built["policies"]["OldPolicy"]["deprecated"] is True
    del versions["IamsimFixtureReadOnly"]
    with pytest.raises(script.BuildError, match="IamsimFixtureReadOnly"):
        script.build(listing, versions)
    versions["IamsimFixtureReadOnly"] = {"PolicyVersion": {"VersionId": "v2", "Document": {}}}
    with pytest.raises(script.BuildError, match="default version is 'v3'"):
        script.build(listing, versions)
    assert script.main(["--list", str(tmp_path / "none.json"), "--versions", str(tmp_path)]) == 2
