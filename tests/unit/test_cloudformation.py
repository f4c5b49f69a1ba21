"""World.from_cloudformation: CloudFormation templates (YAML short forms, JSON, CDK output)
read as the world of the stack they deploy.

The rules followed are CloudFormation's: pseudo parameters
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html),
the intrinsic function reference (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select,
Fn::Split, Fn::If, Fn::FindInMap, condition functions), and each resource type's return
values (AWS::IAM::Role: Ref is the name, Arn the ARN; AWS::SQS::Queue: Ref is the URL;
AWS::SNS::Topic: Ref is the ARN; AWS::IAM::ManagedPolicy: Ref is the ARN).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import iac_seed
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.inputs.cloudformation import cloudformation_document

DATA = Path(__file__).parents[1] / "data" / "iac"
TRUSTING = DATA / "seed-trusting.yaml"
TRUSTED = DATA / "seed-trusted.yaml"
KINDS = DATA / "kinds.yaml"
CDK = DATA / "cdk-reader.template.json"
REAL = DATA / "real"
TARGET = "222222222222"


def _seed(trusting: Path = TRUSTING) -> iamsim.World:
    parameters = {"ExternalId": "my-secret-123"} if trusting == TRUSTING else {}
    return iamsim.World.merge(
        iamsim.World.from_cloudformation(trusting, account=TARGET, parameters=parameters),
        iamsim.World.from_cloudformation(TRUSTED, account="111111111111"),
    )


@pytest.fixture(scope="module")
def seed_world() -> iamsim.World:
    return _seed()


@pytest.fixture(scope="module")
def kinds_world() -> iamsim.World:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", iamsim.IamsimWarning)
        return iamsim.World.from_cloudformation(KINDS, account=TARGET)


def _template(**resources: Any) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _role(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST, **props}}


def _problems(template: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(iamsim.WorldError) as info:
        cloudformation_document(template, account=TARGET, **kwargs)
    return [str(p) for p in info.value.problems]


# -- the seed, as two stacks ----------------------------------------------------------------


@pytest.mark.parametrize(("case", "call"), iac_seed.seed_calls(), ids=lambda v: str(v)[:60])
def test_seed_templates_decide_as_the_demo(
    seed_world: iamsim.World, case: str, call: dict[str, Any]
) -> None:
    """The seed page's two accounts as one template each (short-form tags, parameters),
    merged, answer every seed request as World.demo() does (outcome and every denial)."""
    assert iac_seed.run(seed_world, call) == iac_seed.run(iamsim.World.demo(), call), case


@pytest.mark.parametrize(("case", "call"), iac_seed.seed_calls(), ids=lambda v: str(v)[:60])
def test_cdk_output_decides_as_the_demo(case: str, call: dict[str, Any]) -> None:
    """The trusting account as CDK synthesizes it (Fn::Join with AWS::Partition, a default
    policy granting reads on the bucket, CDK's metadata, conditions and bootstrap parameter)
    answers the seed requests as the demo, whose role has AmazonS3ReadOnlyAccess."""
    world = _seed(CDK)
    assert iac_seed.run(world, call) == iac_seed.run(iamsim.World.demo(), call), case


def test_the_seed_stacks_hold_the_seed_entities(seed_world: iamsim.World) -> None:
    demo = iamsim.World.demo().to_dict()
    mine = seed_world.to_dict()
    role = mine["accounts"][TARGET]["roles"]["CrossAccountS3Reader"]
    assert role == demo["accounts"][TARGET]["roles"]["CrossAccountS3Reader"]
    assert mine["accounts"][TARGET]["resources"] == {"arn:aws:s3:::prod-bucket": {}}


def test_a_template_without_the_parameter_value_is_an_error() -> None:
    """ExternalId has no Default: CloudFormation would refuse to create the stack. The
    problem names the file, line and column of the `!Ref`, then its template path."""
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_cloudformation(TRUSTING, account=TARGET)
    assert str(info.value) == (
        f"{TRUSTING}:38:33: "
        "Resources.CrossAccountS3Reader.Properties.AssumeRolePolicyDocument.Statement[0]"
        ".Condition.StringEquals.sts:ExternalId.Ref: parameter ExternalId has no value "
        "(pass parameters={'ExternalId': ...})"
    )


def test_a_problem_in_a_json_template_names_its_line_and_column(tmp_path: Path) -> None:
    template = json.loads(CDK.read_text("utf-8"))
    statement = template["Resources"]["ReaderRole8A45E1B3"]["Properties"][
        "AssumeRolePolicyDocument"
    ]["Statement"][0]
    statement["Principal"]["AWS"] = {"Fn::ImportValue": "TrustedAccountRoot"}
    path = tmp_path / "reader.template.json"
    path.write_text(json.dumps(template, indent=1))
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_cloudformation(path, account=TARGET)
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "Fn::ImportValue" in text
    )
    assert str(info.value).startswith(f"{path}:{line}:")
    assert ".Principal.AWS.Fn::ImportValue: Fn::ImportValue is known only when" in str(info.value)


def test_merge_with_a_world_of_the_other_account() -> None:
    """A change to the trusting account is tested against the source account as loaded from
    elsewhere (here, the demo's own document)."""
    demo_source = iamsim.World.demo().to_dict()["accounts"]["111111111111"]
    source = iamsim.World.from_dict({"accounts": {"111111111111": demo_source}})
    target = iamsim.World.from_cloudformation(
        TRUSTING, account=TARGET, parameters={"ExternalId": "other-secret"}
    )
    world = iamsim.World.merge(source, target)
    d = world.assume_role(
        iac_seed.ALICE,
        role_arn=iac_seed.ROLE,
        session_name="dev-session",
        external_id="my-secret-123",
    )
    assert d.outcome == "implicitDeny"
    assert [x.policy_type for x in d.denied_by] == ["trust"]


# -- intrinsic functions -----------------------------------------------------------------


def test_resources_and_functions_of_every_kind(kinds_world: iamsim.World) -> None:
    doc = kinds_world.to_dict()["accounts"][TARGET]
    # Fn::FindInMap, Ref to a parameter and Tags
    [(_name, role)] = doc["roles"].items()
    assert role["max_session_duration"] == 7200 and role["path"] == "/teams/"
    assert role["tags"] == {"stage": "prod"}
    # Fn::Sub with a parameter; the queue policy's Fn::Join and Fn::Select of a list parameter
    queue = doc["resources"]["arn:aws:sqs:us-east-1:222222222222:prod-jobs"]["policy"]
    assert queue["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::333333333333:root"}
    # Fn::Sub's list form
    [topic] = [v for k, v in doc["resources"].items() if ":sns:" in k]
    assert topic["policy"]["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::444444444444:root"}
    # Fn::If on a false condition with AWS::NoValue drops the public statement
    [bucket] = [v for k, v in doc["resources"].items() if k.startswith("arn:aws:s3:::")]
    assert len(bucket["policy"]["Statement"]) == 1
    # a KMS key without KeyPolicy gets the default key policy; the condition kept it
    keys = [v for k, v in doc["resources"].items() if ":kms:" in k]
    assert len(keys) == 2
    assert any(k["policy"].get("Id") == "key-default-1" for k in keys)


def test_the_dev_stage_condition_adds_the_public_statement() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", iamsim.IamsimWarning)
        world = iamsim.World.from_cloudformation(
            KINDS, account=TARGET, parameters={"Stage": "dev"}, region="eu-west-1"
        )
    doc = world.to_dict()["accounts"][TARGET]
    [bucket] = [v for k, v in doc["resources"].items() if k.startswith("arn:aws:s3:::")]
    assert bucket["policy"]["Statement"][1]["Principal"] == "*"
    # InUsEast is false in eu-west-1: the conditional key is not created
    assert len([k for k in doc["resources"] if ":kms:" in k]) == 1
    assert "arn:aws:sqs:eu-west-1:222222222222:dev-jobs" in doc["resources"]


def test_decisions_on_the_kinds_stack(kinds_world: iamsim.World) -> None:
    """bob is in readers by UserToGroupAddition, the group has the managed policy and its
    inline policy, and bob's own AWS::IAM::Policy denies deletes."""
    bob = "arn:aws:iam::222222222222:user/staff/bob"
    bucket = next(
        a.arn
        for a in kinds_world.account(TARGET).resources  # type: ignore[union-attr]
        if a.arn.startswith("arn:aws:s3:::")
    )
    assert kinds_world.simulate(bob, "s3:GetObject", f"{bucket}/a.csv").allowed
    assert kinds_world.simulate(
        bob, "sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:222222222222:prod-jobs"
    ).allowed
    assert kinds_world.simulate(bob, "s3:DeleteObject", f"{bucket}/a.csv").outcome == (
        "explicitDeny"
    )


def test_a_name_less_role_gets_a_deterministic_stand_in() -> None:
    """Without RoleName, CloudFormation generates a unique name from the stack name, the
    logical ID and a random string (AWS::IAM::Role, RoleName); iamsim derives the suffix
    from account, region, stack and logical ID, so a template always loads to the same
    world."""
    template = _template(Builder=_role())
    first = cloudformation_document(template, account=TARGET, stack_name="ci")
    again = cloudformation_document(template, account=TARGET, stack_name="ci")
    other = cloudformation_document(template, account=TARGET, stack_name="cd")
    [name] = first["accounts"][TARGET]["roles"]
    assert first == again
    assert name.startswith("ci-Builder-") and len(name) == len("ci-Builder-") + 12
    assert list(other["accounts"][TARGET]["roles"]) != [name]


def test_a_long_stack_name_keeps_the_stand_in_within_the_iam_limit() -> None:
    doc = cloudformation_document(_template(A=_role()), account=TARGET, stack_name="s" * 120)
    [name] = doc["accounts"][TARGET]["roles"]
    assert len(name) <= 64


def test_pseudo_parameters() -> None:
    """AWS::Partition is aws-cn in the China regions and AWS::URLSuffix amazonaws.com.cn
    (CloudFormation pseudo parameter reference)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": {
                    "Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-${AWS::Region}"
                    "-${AWS::AccountId}-${AWS::URLSuffix}/*"
                },
            }
        ],
    }
    doc = cloudformation_document(
        _template(R=_role(RoleName="r", Policies=[{"PolicyName": "p", "PolicyDocument": policy}])),
        account=TARGET,
        region="cn-north-1",
        stack_name="st",
    )
    [item] = doc["accounts"][TARGET]["roles"]["r"]["policies"]
    assert item["Statement"][0]["Resource"] == (
        "arn:aws-cn:s3:::st-cn-north-1-222222222222-amazonaws.com.cn/*"
    )


def test_sub_escapes_and_getatt_forms() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [
                    {"Fn::Sub": "arn:aws:s3:::b/${!aws:username}/*"},
                    {"Fn::Sub": "${Q.Arn}"},
                    {
                        "Fn::Sub": [
                            "arn:aws:sqs:eu-west-1:${AWS::AccountId}:${N}",
                            {"N": {"Fn::GetAtt": "Q.QueueName"}},
                        ]
                    },
                    {"Ref": "T"},
                ],
            }
        ],
    }
    doc = cloudformation_document(
        _template(
            R=_role(RoleName="r", Policies=[{"PolicyName": "p", "PolicyDocument": policy}]),
            Q={"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}},
            T={"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}},
        ),
        account=TARGET,
    )
    [item] = doc["accounts"][TARGET]["roles"]["r"]["policies"]
    assert item["Statement"][0]["Resource"] == [
        "arn:aws:s3:::b/${aws:username}/*",
        "arn:aws:sqs:us-east-1:222222222222:q",
        "arn:aws:sqs:eu-west-1:222222222222:q",
        "arn:aws:sns:us-east-1:222222222222:t",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"Fn::ImportValue": "SharedBucketArn"},
            "Fn::ImportValue is known only when the stack is deployed",
        ),
        ({"Fn::GetAZs": ""}, "Fn::GetAZs is known only when the stack is deployed"),
        (
            {"Fn::GetAtt": ["Fn", "Arn"]},
            "Fn.Arn (AWS::Lambda::Function) is known only once the stack is deployed",
        ),
        ({"Ref": "Nope"}, "'Nope' is not a resource or parameter of the template"),
        ({"Ref": "AWS::Nope"}, "unknown pseudo parameter AWS::Nope"),
        ({"Fn::Select": [5, ["a"]]}, "index 5 is not in the list"),
        ({"Fn::If": ["Missing", "a", "b"]}, "no condition 'Missing' in Conditions"),
        ({"Fn::Sub": "${Nope"}, "unclosed ${"),
        ({"Fn::ToJsonString": {}}, "iamsim does not resolve Fn::ToJsonString"),
    ],
)
def test_what_cannot_be_resolved_is_an_error_naming_its_path(value: Any, message: str) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": value}],
    }
    template = _template(
        R=_role(RoleName="r", Policies=[{"PolicyName": "p", "PolicyDocument": policy}]),
        Fn={"Type": "AWS::Lambda::Function", "Properties": {}},
    )
    [problem] = _problems(template)
    where = "Resources.R.Properties.Policies[0].PolicyDocument.Statement[0].Resource"
    assert problem.startswith(where), problem
    assert message in problem


def test_a_bad_policy_names_the_template_path() -> None:
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
    [problem] = _problems(
        _template(R={"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": bad}})
    )
    assert problem.startswith("Resources.R.Properties.AssumeRolePolicyDocument.Statement[0]")


def test_parameters_are_checked() -> None:
    template = {
        **_template(R=_role(RoleName={"Ref": "Name"})),
        "Parameters": {"Name": {"Type": "String", "AllowedValues": ["a", "b"]}},
    }
    assert _problems(template, parameters={"Name": "c"}) == [
        "Parameters.Name: 'c' is not one of its AllowedValues"
    ]
    assert _problems(template, parameters={"Name": "a", "Extra": "x"}) == [
        "parameters: the template has no parameter 'Extra' (it declares Name)"
    ]


def test_an_attachment_to_a_role_outside_the_template_is_an_error() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    [problem] = _problems(
        _template(
            P={
                "Type": "AWS::IAM::Policy",
                "Properties": {"PolicyName": "p", "PolicyDocument": policy, "Roles": ["Elsewhere"]},
            }
        )
    )
    assert problem.startswith(
        "Resources.P.Properties.Roles: role Elsewhere of account "
        "222222222222 is not declared in template"
    )


def test_unread_policy_types_and_transforms_warn(tmp_path: Path) -> None:
    template = {
        **_template(
            R=_role(RoleName="r"), Fn={"Type": "AWS::Serverless::Function", "Properties": {}}
        ),
        "Transform": "AWS::Serverless-2016-10-31",
    }
    with pytest.warns(iamsim.IamsimWarning) as caught:
        iamsim.World.from_cloudformation(template, account=TARGET)
    messages = [str(w.message) for w in caught]
    assert any("Transform 'AWS::Serverless-2016-10-31'" in m for m in messages)
    assert any("does not read AWS::Serverless::Function" in m for m in messages)


def test_not_a_template_is_an_error() -> None:
    with pytest.raises(iamsim.WorldError, match="not a CloudFormation template: no Resources"):
        iamsim.World.from_cloudformation({"accounts": {}}, account=TARGET)


def test_a_bad_account_is_an_error() -> None:
    with pytest.raises(iamsim.WorldError, match="'2222' is not a 12-digit account ID"):
        iamsim.World.from_cloudformation(TRUSTED, account="2222")


def test_a_yaml_syntax_error_gives_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  R:\n    Type: [AWS::IAM::Role\n")
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_cloudformation(path, account=TARGET)
    assert str(info.value).startswith(f"{path}:4:1: ")


def test_a_json_syntax_error_gives_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{\n  "Resources": {,}\n}')
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_cloudformation(path, account=TARGET)
    assert str(info.value).startswith(f"{path}:2:17: ")


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(iamsim.WorldError, match="cannot read the file"):
        iamsim.World.from_cloudformation(tmp_path / "none.yaml", account=TARGET)


def test_json_and_yaml_forms_load_the_same(tmp_path: Path) -> None:
    from cfn_tools import load_yaml

    data = load_yaml(TRUSTED.read_text("utf-8"))
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps(data))
    assert (
        iamsim.World.from_cloudformation(path, account="111111111111").to_dict()
        == iamsim.World.from_cloudformation(TRUSTED, account="111111111111").to_dict()
    )


# -- real templates ----------------------------------------------------------------------


def test_real_stackset_roles_load_unedited_and_decide_as_they_state() -> None:
    """AWS's StackSets prerequisites (tests/data/iac/real/SOURCES.md): the administration
    role in the management account may assume AWSCloudFormationStackSetExecutionRole in a
    target account, whose trust policy names that role; the execution role may create stacks
    and nothing in IAM."""
    management = "999999999999"
    world = iamsim.World.merge(
        iamsim.World.from_cloudformation(
            REAL / "stackset-administration-role.yaml", account=management
        ),
        iamsim.World.from_cloudformation(
            REAL / "stackset-execution-role.yaml",
            account=TARGET,
            parameters={"AdministrationAccountId": management},
        ),
    )
    admin = f"arn:aws:iam::{management}:role/AWSCloudFormationStackSetAdministrationRole"
    execution = f"arn:aws:iam::{TARGET}:role/AWSCloudFormationStackSetExecutionRole"
    first = world.assume_role(
        "cloudformation.amazonaws.com", role_arn=admin, session_name="stacksets"
    )
    assert first.allowed, first.explain()
    second = world.assume_role(
        first.session,
        role_arn=execution,  # type: ignore[arg-type]
        session_name="exec",
    )
    assert second.allowed, second.explain()
    assert world.simulate(
        second.session,
        "cloudformation:CreateStack",  # type: ignore[arg-type]
        f"arn:aws:cloudformation:us-east-1:{TARGET}:stack/app/1",
    ).allowed
    assert not world.simulate(
        second.session,
        "iam:CreateUser",  # type: ignore[arg-type]
        f"arn:aws:iam::{TARGET}:user/x",
    ).allowed
    # a role of another name in the management account is not trusted
    other = iamsim.World.merge(
        world,
        iamsim.World.from_dict(
            {
                "accounts": {
                    "333333333333": {
                        "roles": {
                            "AWSCloudFormationStackSetAdministrationRole": {
                                "trust_policy": TRUST,
                                "policies": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                            }
                        }
                    }
                }
            }
        ),
    )
    denied = other.assume_role(
        "arn:aws:iam::333333333333:role/AWSCloudFormationStackSetAdministrationRole",
        role_arn=execution,
        session_name="exec",
    )
    assert [x.policy_type for x in denied.denied_by] == ["trust"]


# -- properties ----------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "Ref",
        "Fn::Sub",
        "Fn::GetAtt",
        "Fn::Join",
        "Fn::Select",
        "Fn::Split",
        "Fn::If",
        "Fn::FindInMap",
        "Fn::Equals",
        "Fn::Not",
        "Fn::Or",
        "Condition",
        "AWS::NoValue",
        "AWS::Region",
        "R",
        "B",
        "P",
        "C",
        "Arn",
        "${R.Arn}",
        "${P}",
        "${!x}",
        "Statement",
    ]
)
_TREES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=6), _WORDS),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(_WORDS, inner, min_size=1, max_size=3),
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=_TREES, condition=_TREES, parameter=_TREES)
def test_only_world_errors_escape(value: Any, condition: Any, parameter: Any) -> None:
    """Whatever a template holds where intrinsic functions go, the reader builds a world
    document or raises WorldError naming where: never another exception."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": value}],
    }
    template = {
        "Parameters": {"P": {"Type": "String", "Default": parameter}},
        "Conditions": {"C": condition},
        "Resources": {
            "R": _role(RoleName=value, Policies=[{"PolicyName": "p", "PolicyDocument": policy}]),
            "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": value}},
            "BP": {
                "Type": "AWS::S3::BucketPolicy",
                "Condition": "C",
                "Properties": {"Bucket": value, "PolicyDocument": value},
            },
        },
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", iamsim.IamsimWarning)
        try:
            iamsim.World.from_cloudformation(template, account=TARGET)
        except iamsim.WorldError as exc:
            assert all(p.path for p in exc.problems)
