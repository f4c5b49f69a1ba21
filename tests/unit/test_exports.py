"""World.load on AWS exports: kinds by content, directories, conventions, merge, the CLI."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import attrs
import pytest
from test_aws_export import details, org_export

import iamsim
from iamsim.cli import main
from iamsim.errors import IamsimWarning, WorldError
from iamsim.world.files import file_kind

DATA = Path(__file__).parent.parent / "data" / "exports"
ACME = DATA / "acme"
M, DEV, PROD = "999999999999", "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{DEV}:user/alice"
ADMIN = f"arn:aws:iam::{DEV}:user/ops/admin"
READER = f"arn:aws:iam::{PROD}:role/DataReader"
BUCKET = "arn:aws:s3:::acme-prod-data.example"
KEY = f"arn:aws:kms:us-east-1:{PROD}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = f"arn:aws:sqs:us-east-1:{PROD}:jobs"
TLS = {"aws:SecureTransport": "true"}
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"accounts": {}}, "world"),
        ({"UserDetailList": []}, "authorization-details"),
        ([{"RoleDetailList": []}, {"UserDetailList": []}], "authorization-details"),
        ({"Policies": [{"Arn": "a", "DefaultVersionId": "v1"}]}, "authorization-details"),
        ({"Organization": {"Id": "o-1"}}, "describe-organization"),
        ({"Organization": {}, "Roots": []}, "organization-export"),
        ({"Roots": []}, "list-roots"),
        ({"OrganizationalUnits": []}, "list-organizational-units-for-parent"),
        ({"Accounts": []}, "list-accounts"),
        ({"Parents": []}, "list-parents"),
        ({"Policies": [{"Id": "p-1", "Type": "SERVICE_CONTROL_POLICY"}]}, "list-policies"),
        ({"Policy": {"PolicySummary": {}, "Content": "{}"}}, "describe-policy"),
        ({"Targets": []}, "list-targets-for-policy"),
        ({"Policy": "{}"}, "resource-policy"),
        ({"Policy": "{}", "RevisionId": "x"}, "resource-policy"),
        ({"registryId": PROD, "repositoryName": "r", "policyText": "{}"}, "resource-policy"),
        ({"Attributes": {"Policy": "{}"}}, "resource-attributes"),
        ({"ARN": "arn", "Name": "n", "ResourcePolicy": "{}"}, "secret-policy"),
        ({"Foo": 1}, None),
        ([1], None),
    ],
)
def test_kind_by_content(data: Any, kind: str | None) -> None:
    assert file_kind(data) == kind


def test_unknown_file_says_what_it_looks_like(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", {"Foo": 1, "Bar": []})
    with pytest.raises(WorldError) as info:
        iamsim.World.load(path)
    (problem,) = info.value.problems
    assert problem.code == "file.kind"
    assert problem.path == str(path)
    assert 'its top-level keys are "Foo", "Bar"' in problem.message
    assert "get-account-authorization-details" in (problem.hint or "")


@pytest.mark.parametrize(
    ("text", "looks"),
    [
        ("[1, 2]", "it is a list of 2 items, not each an authorization details output"),
        ('"text"', "it holds a string"),
    ],
)
def test_unknown_shapes_say_what_they_are(tmp_path: Path, text: str, looks: str) -> None:
    path = tmp_path / "export.json"
    path.write_text(text)
    with pytest.raises(WorldError) as info:
        iamsim.World.load(path)
    assert info.value.problems[0].message.endswith(looks)
    assert info.value.problems[0].code == "file.kind"


def test_world_document_typos_keep_their_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "w.json", {"acounts": {}})
    with pytest.raises(WorldError) as info:
        iamsim.World.load(path)
    assert [p.code for p in info.value.problems] == ["key.unknown"]


# --------------------------------------------------------------------------- one file


def test_one_authorization_details_file(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", details())
    world = iamsim.World.load(path)
    assert [a.id for a in world.accounts] == ["111111111111"]
    assert world.simulate("arn:aws:iam::111111111111:user/alice", "s3:GetObject", "*").allowed


def test_a_list_of_authorization_details(tmp_path: Path) -> None:
    other = json.loads(json.dumps(details()).replace("111111111111", "333333333333"))
    world = iamsim.World.load(write(tmp_path / "both.json", [details(), other]))
    assert sorted(a.id for a in world.accounts) == ["111111111111", "333333333333"]


def test_the_same_account_twice_names_both(tmp_path: Path) -> None:
    with pytest.raises(WorldError) as info:
        iamsim.World.load(write(tmp_path / "both.json", [details(), details()]))
    (problem,) = info.value.problems
    assert problem.code == "world.account.duplicate"
    assert str(problem).startswith(f"{tmp_path}/both.json[1]: account 111111111111 is described")


def test_export_problems_name_the_file_and_path(tmp_path: Path) -> None:
    doc = details()
    doc["RoleDetailList"][0]["AssumeRolePolicyDocument"] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}],
    }
    path = write(tmp_path / "export.json", doc)
    with pytest.raises(WorldError) as info:
        iamsim.World.load(path)
    assert [p.path for p in info.value.problems] == [
        f"{path}: RoleDetailList[0].AssumeRolePolicyDocument.Statement[0].Principal"
    ]


def test_truncated_export_warns_with_the_file(tmp_path: Path) -> None:
    doc = details()
    doc["IsTruncated"] = True
    path = write(tmp_path / "export.json", doc)
    with pytest.warns(IamsimWarning, match=r"export\.json: the export is truncated"):
        iamsim.World.load(path)


def test_the_exports_aws_managed_version_wins(tmp_path: Path) -> None:
    doc = details()
    # The export's ReadOnlyAccess (a made-up default version) allows only s3:*.
    world = iamsim.World.load(write(tmp_path / "export.json", doc))
    account = world.account("111111111111")
    assert account is not None
    (arn, _), *_ = account.aws_managed_policies
    assert arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    alice = "arn:aws:iam::111111111111:user/alice"
    doc["UserDetailList"][0]["UserPolicyList"] = []
    doc["UserDetailList"][0]["AttachedManagedPolicies"] = [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    ]
    doc["UserDetailList"][0].pop("PermissionsBoundary")
    world = iamsim.World.load(write(tmp_path / "export.json", doc))
    # AWS's shipped ReadOnlyAccess allows iam:GetUser; the export's version does not
    assert not world.simulate(alice, "iam:GetUser", "*").allowed
    assert world.simulate(alice, "s3:PutObject", "*").allowed
    # … and the written world keeps the account's copy
    again = iamsim.World.from_dict(world.to_dict())
    assert "aws_managed_policies" in world.to_dict()["accounts"]["111111111111"]
    assert not again.simulate(alice, "iam:GetUser", "*").allowed
    assert again.simulate(alice, "s3:PutObject", "*").allowed


def test_gathered_organization_file(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    write(folder / "org.json", org_export())
    write(folder / "dev.json", details())
    with pytest.warns(IamsimWarning, match="no get-account-authorization-details output"):
        world = iamsim.World.load(folder)
    assert world.organization is not None
    assert world.organization.account_scps == (("111111111111", ("DenyLeaveOrg",)),)
    d = world.simulate(
        "arn:aws:iam::111111111111:user/alice", "organizations:LeaveOrganization", "*"
    )
    assert [x.policy_type for x in d.denied_by][:1] == ["scp"]


# --------------------------------------------------------------------------- a directory


@pytest.fixture(scope="module")
def acme() -> iamsim.World:
    with warnings.catch_warnings():
        warnings.simplefilter("error", IamsimWarning)  # nothing is missing from the fixture
        return iamsim.World.load(ACME)


def test_directory_builds_the_organization(acme: iamsim.World) -> None:
    org = acme.organization
    assert org is not None and org.id == "o-a1b2c3d4e5" and org.management_account == M
    assert org.root == iamsim.OrgUnit(
        "Root",
        scps=("FullAWSAccess",),
        rcps=("DataPerimeter",),
        accounts=(M,),
        children=(
            iamsim.OrgUnit(
                "Workloads",
                scps=("FullAWSAccess", "DenyLeaveOrg"),
                accounts=(DEV,),
                children=(
                    iamsim.OrgUnit(
                        "Prod", scps=("FullAWSAccess",), accounts=(PROD,), id="ou-ab12-22222222"
                    ),
                ),
                id="ou-ab12-11111111",
            ),
        ),
        id="r-ab12",
    )
    assert sorted(a.id for a in acme.accounts) == [DEV, PROD, M]
    resources = {r.arn for a in acme.accounts for r in a.resources}
    assert resources == {BUCKET, KEY, QUEUE}
    bucket = acme.resource(BUCKET)
    assert bucket is not None and bucket.account == PROD


def test_directory_decisions_match_the_data(acme: iamsim.World) -> None:
    # the group's customer managed policy (default version v2) allows the AssumeRole;
    # the trust policy needs the external ID
    assert acme.assume_role(ALICE, READER, "data", external_id="acme-data-7731").allowed
    wrong = acme.assume_role(ALICE, READER, "data", external_id="nope")
    assert [x.policy_type for x in wrong.denied_by] == ["trust"]
    # the bucket policy grants the dev account; its TLS-only statement denies plain HTTP
    assert acme.simulate(ALICE, "s3:GetObject", f"{BUCKET}/report.csv", TLS).allowed
    plain = acme.simulate(
        ALICE, "s3:GetObject", f"{BUCKET}/report.csv", {"aws:SecureTransport": "false"}
    )
    assert [(x.policy_type, x.statement) for x in plain.denied_by] == [("resource", "TlsOnly")]
    # the SCP on Workloads denies leaving the organization, even to AdministratorAccess
    leave = acme.simulate(ADMIN, "organizations:LeaveOrganization", "*")
    assert [(x.policy_type, x.policy) for x in leave.denied_by] == [("scp", "DenyLeaveOrg")]
    assert acme.simulate(ADMIN, "ec2:RunInstances", "*").allowed
    # the role's session reads with AWS's AmazonS3ReadOnlyAccess and decrypts with the key
    session = acme.assume_role(ALICE, READER, "data", external_id="acme-data-7731").session
    assert session is not None
    assert acme.simulate(session, "s3:GetObject", f"{BUCKET}/x", TLS).allowed
    assert not acme.simulate(session, "s3:PutObject", f"{BUCKET}/x", TLS).allowed
    assert acme.simulate(session, "kms:Decrypt", KEY).allowed
    # the export's version of an AWS managed policy wins over the shipped one (which also
    # allows logs:CreateLogGroup); AmazonS3ReadOnlyAccess, the same in both, stays an ARN
    worker = f"arn:aws:iam::{PROD}:role/service-role/jobs-worker"
    assert acme.simulate(worker, "logs:PutLogEvents", "*").allowed
    assert not acme.simulate(worker, "logs:CreateLogGroup", "*").allowed
    prod = acme.account(PROD)
    assert prod is not None
    assert [arn for arn, _ in prod.aws_managed_policies] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]
    # the queue policy grants alice, but her identity policies do not (cross-account)
    send = acme.simulate(ALICE, "sqs:SendMessage", QUEUE)
    assert [(x.policy_type, x.side) for x in send.denied_by] == [("identity", "source")]


def test_directory_round_trips(acme: iamsim.World, tmp_path: Path) -> None:
    for name in ("w.yaml", "w.json", "w.toml"):
        acme.dump(tmp_path / name)
        again = iamsim.World.load(tmp_path / name)
        for caller, action, resource in (
            (f"arn:aws:iam::{PROD}:role/service-role/jobs-worker", "logs:CreateLogGroup", "*"),
            (ALICE, "s3:GetObject", f"{BUCKET}/report.csv"),
            (ADMIN, "organizations:LeaveOrganization", "*"),
            (ALICE, "sqs:SendMessage", QUEUE),
        ):
            assert again.simulate(caller, action, resource, TLS, now=NOW) == acme.simulate(
                caller, action, resource, TLS, now=NOW
            )
    text = (tmp_path / "w.yaml").read_text()
    assert "- arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" in text  # by ARN, not inlined
    assert "{" not in text.split("resources:")[0]  # block style throughout
    acme.dump(tmp_path / "again.yaml")
    assert (tmp_path / "again.yaml").read_text() == text  # stable


def test_missing_convention_is_explained(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(ACME, folder)
    (folder / "organizations" / "list-parents.111111111111.json").rename(
        folder / "organizations" / "parents-of-dev.json"
    )
    (folder / f"{PROD}" / f"s3api.get-bucket-policy.acme-prod-data.example.{PROD}.json").rename(
        folder / f"{PROD}" / "bucket.json"
    )
    with pytest.raises(WorldError) as info:
        iamsim.World.load(folder)
    lines = info.value.lines()
    assert any(
        line.startswith(f"{folder}/organizations/parents-of-dev.json: the list-parents output")
        and "list-parents.<CHILD_ID>.json" in line
        for line in lines
    )
    assert any(
        line.startswith(f"{folder}/{PROD}/bucket.json: cannot tell which resource")
        for line in lines
    )


def test_manifest_names_what_file_names_do_not(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(ACME, folder)
    (folder / "organizations" / "list-parents.111111111111.json").rename(
        folder / "organizations" / "parents-of-dev.json"
    )
    (folder / f"{PROD}" / f"s3api.get-bucket-policy.acme-prod-data.example.{PROD}.json").rename(
        folder / f"{PROD}" / "bucket.json"
    )
    manifest = folder / "iamsim-manifest.yaml"
    manifest.write_text(
        manifest.read_text()
        + f"""  organizations/parents-of-dev.json:
    child: "{DEV}"
  {PROD}/bucket.json:
    resource: {BUCKET}
    account: "{PROD}"
"""
    )
    world = iamsim.World.load(folder)
    assert world.simulate(ALICE, "s3:GetObject", f"{BUCKET}/report.csv", TLS).allowed


def test_organization_problems_point_into_their_files(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(ACME, folder)
    targets = folder / "organizations" / "list-targets-for-policy.p-denyleave01.json"
    targets.write_text(json.dumps({"Targets": [{"TargetId": "ou-ab12-99999999"}]}))
    with pytest.raises(WorldError) as info:
        iamsim.World.load(folder)
    assert info.value.lines() == [
        f'{targets}: Targets[0].TargetId: target "ou-ab12-99999999" is not the root, a listed '
        "OU or a listed account"
    ]


def test_missing_describe_policy(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(ACME, folder)
    (folder / "organizations" / "describe-policy.p-denyleave01.json").unlink()
    with pytest.raises(WorldError) as info:
        iamsim.World.load(folder)
    (problem,) = info.value.problems
    assert problem.code == "file.missing"
    assert "describe-policy --policy-id p-denyleave01" in str(problem)


def test_resource_outputs_by_name_and_content(tmp_path: Path) -> None:
    trust = details()
    folder = tmp_path / "exports"
    write(folder / "dev.json", trust)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"},
                "Action": "*",
                "Resource": "*",
            }
        ],
    }
    text = json.dumps(policy)
    secret = f"arn:aws:secretsmanager:us-east-1:{DEV}:secret:db-AbCdEf"
    write(folder / "lambda.get-policy.us-east-1.111111111111.fn.json", {"Policy": text})
    write(
        folder / "ecr.get-repository-policy.us-east-1.111111111111.repo.json",
        {"registryId": DEV, "repositoryName": "team/app", "policyText": text},
    )
    write(
        folder / "sns.get-topic-attributes.json",
        {"Attributes": {"Policy": text, "TopicArn": f"arn:aws:sns:us-east-1:{DEV}:alerts"}},
    )
    write(folder / "secret.json", {"ARN": secret, "Name": "db", "ResourcePolicy": text})
    world = iamsim.World.load(folder)
    arns = {r.arn for r in world.accounts[0].resources}
    assert arns == {
        f"arn:aws:lambda:us-east-1:{DEV}:function:fn",
        f"arn:aws:ecr:us-east-1:{DEV}:repository/team/app",
        f"arn:aws:sns:us-east-1:{DEV}:alerts",
        secret,
    }


def test_directory_mixes_world_documents_and_exports(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    iamsim.World.demo().dump(folder / "demo.yaml")
    other = json.loads(json.dumps(details()).replace("111111111111", "333333333333"))
    write(folder / "third.json", other)
    world = iamsim.World.load(folder)
    assert sorted(a.id for a in world.accounts) == ["111111111111", "222222222222", "333333333333"]
    write(folder / "again.json", details())  # 111111111111 is in demo.yaml already
    with pytest.raises(WorldError) as info:
        iamsim.World.load(folder)
    assert [p.code for p in info.value.problems] == ["world.account.duplicate"]


# --------------------------------------------------------------------------- merge


def test_merge_combines_accounts_and_keeps_one_organization() -> None:
    demo = iamsim.World.demo()
    other = iamsim.World.load(ACME)
    with pytest.raises(WorldError) as info:
        iamsim.World.merge(demo, other)  # both describe 111111111111 and 222222222222
    assert [p.path for p in info.value.problems] == ["worlds[1]", "worlds[1]"]
    assert str(info.value.problems[0]).startswith(
        "worlds[1]: account 111111111111 is described here and by worlds[0]"
    )
    org_only = iamsim.World(
        accounts=[iamsim.Account(id=a) for a in (M, DEV, PROD)], organization=other.organization
    )
    merged = iamsim.World.merge(org_only, other)
    assert merged.organization == other.organization
    assert len(merged.accounts) == 3


def test_merge_refuses_two_organizations() -> None:
    acme = iamsim.World.load(ACME)
    assert acme.organization is not None
    second = attrs.evolve(acme.organization, id="o-zzzzzzzzzz")
    other = iamsim.World(
        accounts=[iamsim.Account(id=a) for a in (M, DEV, PROD)], organization=second
    )
    with pytest.raises(WorldError) as info:
        iamsim.World.merge(acme, other)
    assert [p.code for p in info.value.problems] == ["world.organization.duplicate"]


def test_merge_of_disjoint_worlds() -> None:
    a = iamsim.World.of(iamsim.User("arn:aws:iam::333333333333:user/x"))
    merged = iamsim.World.merge(iamsim.World.demo(), a)
    assert merged.user("arn:aws:iam::333333333333:user/x") is not None
    assert merged.account("111111111111") is not None
    with pytest.raises(WorldError):
        iamsim.World.merge(iamsim.World.demo(), "world.yaml")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- CLI


def test_cli_import_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "world.yaml"
    assert main(["import", str(ACME), "--out", str(out)]) == 0
    assert (
        main(
            [
                "simulate",
                "--world",
                str(out),
                "--caller",
                ADMIN,
                "--action",
                "organizations:LeaveOrganization",
                "--resource",
                "*",
            ]
        )
        == 1
    )
    assert "service control policy" in capsys.readouterr().out
    assert (
        main(
            [
                "simulate",
                "--world",
                str(ACME),
                "--caller",
                ALICE,
                "--action",
                "s3:GetObject",
                "--resource",
                f"{BUCKET}/r.csv",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["import", str(ACME)]) == 0  # YAML on stdout
    assert capsys.readouterr().out == out.read_text()


def test_cli_world_takes_an_export_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = write(tmp_path / "export.json", details())
    argv = [
        "simulate",
        "--world",
        str(export),
        "--caller",
        "arn:aws:iam::111111111111:role/service/App",
    ]
    assert main([*argv, "--action", "s3:GetObject", "--resource", "*"]) == 0
    assert main([*argv, "--action", "ec2:RunInstances", "--resource", "*"]) == 1
    assert capsys.readouterr().err == ""


def test_cli_import_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path / "export.json", {"Foo": 1})
    assert main(["import", str(bad), "--out", str(tmp_path / "w.yaml")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"iamsim: error: {bad}: not a world document nor an AWS output")
    assert main(["import", str(ACME), "--out", str(tmp_path / "w.txt")]) == 2
    assert "use .yaml, .yml, .json or .toml" in capsys.readouterr().err


def test_cli_warns_and_strict_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = copy.deepcopy(details())
    doc["IsTruncated"] = True
    path = write(tmp_path / "export.json", doc)
    assert main(["import", str(path), "--out", str(tmp_path / "w.yaml")]) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"iamsim: warning: {path}: the export is truncated")
    assert main(["import", str(path), "--strict", "--out", str(tmp_path / "w.yaml")]) == 2
    assert capsys.readouterr().err.startswith(f"iamsim: error: {path}: the export is truncated")
