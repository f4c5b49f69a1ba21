"""iamsim.boto3: a World decides each boto3 call; moto plays the data plane.

AWS behaviour each test follows is cited beside it. moto runs with fake credentials and no
network; its resources live in the target account (MOTO_ACCOUNT_ID).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

import iamsim
from iamsim.boto3 import Hook, UnmodelledOperation, attach, error_code
from iamsim.boto3_operations import MODELLED, authorization, partition_of
from iamsim.calls import AccessRequest
from iamsim.errors import ValidationError

SOURCE, TARGET = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{SOURCE}:user/alice"
BOB = f"arn:aws:iam::{TARGET}:user/bob"
READER = f"arn:aws:iam::{TARGET}:role/Reader"
QUEUE = f"arn:aws:sqs:us-east-1:{TARGET}:jobs"
TOPIC = f"arn:aws:sns:us-east-1:{TARGET}:alerts"


def _allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }


WORLD = iamsim.World.from_dict(
    {
        "accounts": {
            SOURCE: {
                "users": {
                    "alice": {
                        "policies": [
                            _allow("sts:AssumeRole", READER),
                            _allow(["sqs:SendMessage", "sns:Publish"], [QUEUE, TOPIC]),
                        ]
                    }
                }
            },
            TARGET: {
                "users": {"bob": {"policies": [_allow("s3:ListBucket", "arn:aws:s3:::data")]}},
                "roles": {
                    "Reader": {
                        "trust_policy": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                                    "Action": "sts:AssumeRole",
                                    "Condition": {"StringEquals": {"sts:ExternalId": "ext-1"}},
                                }
                            ],
                        },
                        "policies": [
                            _allow(
                                ["s3:GetObject", "s3:ListBucket"],
                                ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
                            )
                        ],
                    }
                },
                "resources": {
                    "arn:aws:s3:::data": {},
                    QUEUE: {
                        "policy": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                                    "Action": "sqs:SendMessage",
                                    "Resource": QUEUE,
                                }
                            ],
                        }
                    },
                    TOPIC: {},
                },
            },
        }
    }
)


@pytest.fixture(scope="module")
def moto_admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """moto for the module: fake credentials, no configuration files, no network; returns an
    unhooked S3 client that sets up the data plane."""
    home = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "MOTO_ACCOUNT_ID": TARGET,
        }.items():
            patch.setenv(key, value)
        patch.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            s3 = boto3.Session(region_name="us-east-1").client("s3")
            s3.create_bucket(Bucket="data")
            yield s3


@pytest.fixture
def aws(moto_admin: Any) -> boto3.Session:
    """A fresh boto3 session; the bucket holds exactly report.csv."""
    for item in moto_admin.list_objects_v2(Bucket="data").get("Contents", []):
        moto_admin.delete_object(Bucket="data", Key=item["Key"])
    moto_admin.put_object(Bucket="data", Key="report.csv", Body=b"a,b\n")
    return boto3.Session(region_name="us-east-1")


def _assume(sts: Any, **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = sts.assume_role(
        RoleArn=READER, RoleSessionName="dev", ExternalId="ext-1", **extra
    )
    return response


def _client(session: boto3.Session, service: str, credentials: dict[str, Any]) -> Any:
    return session.client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


# -- denied calls raise ClientError with AWS's code and text --------------------------


def test_a_denied_s3_call_from_outside_the_account_gets_the_bare_access_denied(
    aws: boto3.Session,
) -> None:
    # S3 user guide, "Troubleshoot access denied (403 Forbidden) errors": callers outside the
    # bucket owner's account and organization get the bare "Access Denied".
    s3 = aws.client("s3")
    attach(s3, WORLD, caller=ALICE)
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket="data", Key="report.csv")
    assert caught.value.response["Error"] == {"Code": "AccessDenied", "Message": "Access Denied"}
    assert caught.value.operation_name == "GetObject"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_denied_s3_call_within_the_account_names_the_policy(aws: boto3.Session) -> None:
    # Same page: within the account S3 says who, which action, which resource (quoted) and
    # which policy type denied it.
    s3 = aws.client("s3")
    hook = attach(s3, WORLD, caller=BOB)
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket="data", Key="report.csv")
    expected = WORLD.simulate(BOB, "s3:GetObject", "arn:aws:s3:::data/report.csv").aws_error
    assert expected is not None
    assert caught.value.response["Error"]["Message"] == expected
    assert expected == (
        f"User: {BOB} is not authorized to perform: s3:GetObject on resource: "
        '"arn:aws:s3:::data/report.csv" because no identity-based policy allows the '
        "s3:GetObject action"
    )
    assert hook.last is not None and not hook.last.allowed
    assert hook.last.explain().startswith("Denied:")


def test_an_allowed_call_reaches_the_data_plane(aws: boto3.Session) -> None:
    # ListObjectsV2 is authorized as s3:ListBucket on the bucket (S3 API reference,
    # ListObjectsV2, "Permissions").
    s3 = aws.client("s3")
    attach(s3, WORLD, caller=BOB)
    listed = s3.list_objects_v2(Bucket="data")
    assert [o["Key"] for o in listed["Contents"]] == ["report.csv"]


def test_a_denied_head_request_is_a_bare_403(aws: boto3.Session) -> None:
    # A HEAD response has no body: S3 answers 403 and botocore reports code "403",
    # message "Forbidden" (S3 API reference, HeadObject).
    s3 = aws.client("s3")
    attach(s3, WORLD, caller=ALICE)
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket="data", Key="report.csv")
    assert caught.value.response["Error"] == {"Code": "403", "Message": "Forbidden"}


def test_sqs_follows_the_queue_policy(aws: boto3.Session) -> None:
    # Cross-account SQS access needs the caller's identity policy and the queue policy
    # (SQS developer guide, "Basic examples of Amazon SQS policies"); the queue URL names
    # the queue's account and name.
    aws.client("sqs").create_queue(QueueName="jobs")
    sqs = aws.client("sqs")
    hook = attach(sqs, WORLD, caller=ALICE)
    url = f"https://sqs.us-east-1.amazonaws.com/{TARGET}/jobs"
    assert sqs.send_message(QueueUrl=url, MessageBody="hi")["MessageId"]
    assert hook.last is not None and hook.last.allowed
    with pytest.raises(ClientError) as caught:
        sqs.receive_message(QueueUrl=url)
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert caught.value.response["Error"]["Message"] == (
        f"User: {ALICE} is not authorized to perform: sqs:ReceiveMessage on resource: {QUEUE}"
    )


def test_sns_denials_are_authorization_errors(aws: boto3.Session) -> None:
    # SNS reports a denial as AuthorizationError (AWS re:Post, "resolve authorization
    # errors … Amazon SNS topic"); a topic without a policy that lets another account in
    # denies that account's callers.
    sns = aws.client("sns")
    attach(sns, WORLD, caller=ALICE)
    with pytest.raises(ClientError) as caught:
        sns.publish(TopicArn=TOPIC, Message="hi")
    assert caught.value.response["Error"]["Code"] == "AuthorizationError"
    assert caught.value.response["Error"]["Message"].endswith(f"sns:Publish on resource: {TOPIC}")


# -- STS: AssumeRole answered by the world; its credentials act as the session --------


def test_assume_role_denied_gives_sts_classic_text(aws: boto3.Session) -> None:
    # STS returns the same classic text whichever side failed (IAM user guide,
    # "Troubleshoot access denied error messages").
    sts = aws.client("sts")
    attach(sts, WORLD, caller=ALICE)
    with pytest.raises(ClientError) as caught:
        sts.assume_role(RoleArn=READER, RoleSessionName="dev", ExternalId="wrong")
    assert caught.value.response["Error"] == {
        "Code": "AccessDenied",
        "Message": (
            f"User: {ALICE} is not authorized to perform: sts:AssumeRole on resource: {READER}"
        ),
    }


def test_an_allowed_chain_of_calls_goes_through(aws: boto3.Session) -> None:
    # AssumeRole returns Credentials and AssumedRoleUser (STS API reference, AssumeRole,
    # "Response Elements"); calls signed with those credentials act as the role session.
    hook = attach(aws, WORLD, caller=ALICE)  # the session: clients made from it are hooked
    response = _assume(aws.client("sts"))
    credentials = response["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert isinstance(credentials["Expiration"], _dt.datetime)
    assert response["AssumedRoleUser"]["Arn"] == (f"arn:aws:sts::{TARGET}:assumed-role/Reader/dev")
    session = hook.session_for(credentials["AccessKeyId"])
    assert session is not None and session.role_arn == READER
    s3 = _client(aws, "s3", credentials)
    assert s3.get_object(Bucket="data", Key="report.csv")["Body"].read() == b"a,b\n"
    who = _client(aws, "sts", credentials).get_caller_identity()
    assert who["Arn"] == response["AssumedRoleUser"]["Arn"]
    assert who["UserId"] == response["AssumedRoleUser"]["AssumedRoleId"]
    assert who["Account"] == TARGET
    with pytest.raises(ClientError) as caught:  # the role may read, not write
        s3.put_object(Bucket="data", Key="new.csv", Body=b"")
    assert "assumed-role/Reader/dev is not authorized to perform: s3:PutObject" in str(caught.value)


def test_a_client_attached_later_acts_as_the_session_too(aws: boto3.Session) -> None:
    sts = aws.client("sts")
    hook = attach(sts, WORLD, caller=ALICE)
    credentials = _assume(sts)["Credentials"]
    s3 = hook.attach(boto3.client("s3", **_keys(credentials), region_name="us-east-1"))
    assert s3.head_object(Bucket="data", Key="report.csv")["ContentLength"] == 4


def _keys(credentials: dict[str, Any]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def test_simulated_credentials_another_hook_handed_out_are_refused(aws: boto3.Session) -> None:
    sts = aws.client("sts")
    attach(sts, WORLD, caller=ALICE)
    credentials = _assume(sts)["Credentials"]
    s3 = aws.client("s3", **_keys(credentials))
    stranger = attach(s3, WORLD, caller=BOB)
    assert stranger.session_for(credentials["AccessKeyId"]) is None
    with pytest.raises(ValidationError, match="another hook"):
        s3.list_objects_v2(Bucket="data")


def test_get_caller_identity_answers_as_the_caller(aws: boto3.Session) -> None:
    # GetCallerIdentity needs no permission (STS API reference, GetCallerIdentity).
    sts = aws.client("sts")
    attach(sts, WORLD, caller=ALICE)
    who = sts.get_caller_identity()
    assert (who["Arn"], who["Account"]) == (ALICE, SOURCE)
    assert who["UserId"].startswith("AIDA")


def test_sts_validation_errors_are_validation_errors(aws: boto3.Session) -> None:
    # A DurationSeconds above the role's maximum session duration (3600 by default) is a
    # ValidationError (STS API reference, AssumeRole, DurationSeconds).
    sts = aws.client("sts")
    attach(sts, WORLD, caller=ALICE)
    with pytest.raises(ClientError) as caught:
        _assume(sts, DurationSeconds=7200)
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "DurationSeconds" in caught.value.response["Error"]["Message"]


def test_the_session_keeps_its_session_policy(aws: boto3.Session) -> None:
    # A session policy limits the session to what both it and the role's policies allow
    # (IAM user guide, "Session policies").
    hook = attach(aws, WORLD, caller=ALICE)
    only_list = _allow("s3:ListBucket", "arn:aws:s3:::data")
    credentials = _assume(aws.client("sts"), Policy=json.dumps(only_list))["Credentials"]
    s3 = _client(aws, "s3", credentials)
    assert s3.list_objects_v2(Bucket="data")["KeyCount"] == 1
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket="data", Key="report.csv")
    assert caught.value.response["Error"]["Message"].endswith(
        "because no session policy allows the s3:GetObject action"
    )
    assert hook.last is not None
    assert [d.policy_type for d in hook.last.denied_by] == ["session"]


def test_session_tags_need_tag_session(aws: boto3.Session) -> None:
    # Passing session tags needs sts:TagSession in the trust policy too (IAM user guide,
    # "Passing session tags in AWS STS").
    sts = aws.client("sts")
    attach(sts, WORLD, caller=ALICE)
    with pytest.raises(ClientError) as caught:
        _assume(sts, Tags=[{"Key": "team", "Value": "data"}])
    assert caught.value.response["Error"]["Message"] == (
        f"User: {ALICE} is not authorized to perform: sts:TagSession on resource: {READER}"
    )


def test_a_malformed_session_policy_is_malformed_policy_document(aws: boto3.Session) -> None:
    # STS rejects a session policy it cannot parse with MalformedPolicyDocument (STS API
    # reference, AssumeRole, "Errors").
    sts = aws.client("sts")
    attach(sts, WORLD, caller=ALICE)
    with pytest.raises(ClientError) as caught:
        _assume(sts, Policy="{")
    assert caught.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert "invalid JSON" in caught.value.response["Error"]["Message"]


def test_sessions_chain(aws: boto3.Session) -> None:
    # A role session may assume a role in turn when that role trusts it (role chaining,
    # IAM user guide, "Roles terms and concepts"); Reader trusts only the source account.
    attach(aws, WORLD, caller=ALICE)
    credentials = _assume(aws.client("sts"))["Credentials"]
    with pytest.raises(ClientError) as caught:
        _assume(_client(aws, "sts", credentials))
    assert caught.value.response["Error"]["Message"].startswith(
        f"User: arn:aws:sts::{TARGET}:assumed-role/Reader/dev is not authorized"
    )


def test_the_call_sets_the_s3_condition_keys(aws: boto3.Session) -> None:
    # ListObjectsV2's Prefix is the s3:prefix condition key (S3 user guide, "Bucket policy
    # examples using condition keys").
    only_reports = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::data",
                "Condition": {"StringLike": {"s3:prefix": "reports/*"}},
            }
        ],
    }
    world = WORLD.replace(WORLD.user(BOB), iamsim.User(BOB, policies=[only_reports]))  # type: ignore[arg-type]
    s3 = aws.client("s3")
    attach(s3, world, caller=BOB)
    assert s3.list_objects_v2(Bucket="data", Prefix="reports/")["KeyCount"] == 0
    with pytest.raises(ClientError):
        s3.list_objects_v2(Bucket="data")
    found = authorization(
        "s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "p/", "MaxKeys": 5}, "us-east-1", SOURCE
    )
    assert found is not None
    assert dict(found.call_keys) == {
        "s3:prefix": "p/",
        "s3:max-keys": "5",
        "s3:authType": "REST-HEADER",
        "s3:signatureversion": "AWS4-HMAC-SHA256",
    }


# -- what is not modelled fails loudly, unless let through on purpose -----------------


def test_an_unmodelled_operation_is_refused(aws: boto3.Session) -> None:
    s3 = aws.client("s3")
    attach(s3, WORLD, caller=BOB)
    with pytest.raises(UnmodelledOperation, match="s3 DeleteObjects is not modelled"):
        s3.delete_objects(Bucket="data", Delete={"Objects": [{"Key": "report.csv"}]})
    assert aws.client("s3").get_object(Bucket="data", Key="report.csv")  # nothing deleted


def test_assume_role_with_parameters_iamsim_does_not_model_is_refused(
    aws: boto3.Session,
) -> None:
    # ProvidedContexts needs sts:SetContext (STS API reference, AssumeRole): not modelled,
    # and never let through, since the keys would then act as the hook's caller.
    sts = aws.client("sts")
    attach(sts, WORLD, caller=ALICE, pass_unmodelled=True)
    with pytest.raises(
        UnmodelledOperation, match="sts AssumeRole is not modelled with ProvidedContexts"
    ):
        _assume(
            sts,
            ProvidedContexts=[
                {
                    "ProviderArn": "arn:aws:iam::aws:contextProvider/IdentityCenter",
                    "ContextAssertion": "x" * 8,
                }
            ],
        )


def test_an_allowed_call_whose_policies_read_keys_iamsim_does_not_set_is_refused(
    aws: boto3.Session,
) -> None:
    # DynamoDB sets dynamodb:LeadingKeys from the item's partition key (DynamoDB developer
    # guide, "Using IAM policy conditions for fine-grained access control"); with the key
    # absent, ForAllValues holds for any item (IAM user guide, "Multivalued context keys").
    # Of a key with a sort key iamsim cannot tell the partition key, so the allowed
    # decision is not trusted.
    user = f"arn:aws:iam::{SOURCE}:user/dana"
    own_items = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": "*",
                "Condition": {
                    "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:userid}"]}
                },
            }
        ],
    }
    world = iamsim.World.of(iamsim.User(user, policies=[own_items]))
    table = aws.client("dynamodb")
    hook = attach(table, world, caller=user)
    with pytest.raises(ClientError) as caught:  # one key attribute: the partition key
        table.get_item(TableName="t", Key={"pk": {"S": "someone-else"}})
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(UnmodelledOperation, match=r"dynamodb:LeadingKeys"):
        table.get_item(TableName="t", Key={"pk": {"S": "someone-else"}, "sk": {"N": "1"}})
    assert hook.last is not None and hook.last.missing_context_keys == ("dynamodb:LeadingKeys",)


def test_s3_keys_of_the_signature_are_set_and_others_must_be_given(
    aws: boto3.Session,
) -> None:
    # boto3 signs S3 requests with Signature Version 4 in the Authorization header: the keys
    # s3:signatureversion and s3:authType (S3 user guide, "Condition keys for Amazon S3");
    # s3:TlsVersion depends on the connection, so a policy reading it needs its value.
    guarded = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::data"},
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"},
                },
            },
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
            },
        ],
    }
    world = WORLD.replace(WORLD.user(BOB), iamsim.User(BOB, policies=[guarded]))  # type: ignore[arg-type]
    s3 = aws.client("s3")
    attach(s3, world, caller=BOB)
    with pytest.raises(UnmodelledOperation, match=r"s3:TlsVersion"):
        s3.list_objects_v2(Bucket="data")
    told = aws.client("s3")
    attach(told, world, caller=BOB, context={"s3:TlsVersion": "1.3"})
    assert told.list_objects_v2(Bucket="data")["KeyCount"] == 1


def test_pass_unmodelled_lets_it_through_unchecked(aws: boto3.Session) -> None:
    s3 = aws.client("s3")
    attach(s3, WORLD, caller=BOB, pass_unmodelled=True)
    s3.delete_objects(Bucket="data", Delete={"Objects": [{"Key": "report.csv"}]})
    assert "Contents" not in aws.client("s3").list_objects_v2(Bucket="data")


def test_calls_that_hand_out_credentials_are_never_passed_unchecked(
    aws: boto3.Session,
) -> None:
    # GetSessionToken returns credentials (STS API reference): calls signed with them would
    # be decided as the hook's caller, so not even pass_unmodelled lets it through.
    sts = aws.client("sts")
    attach(sts, WORLD, caller=ALICE, pass_unmodelled=True)
    with pytest.raises(UnmodelledOperation, match="sts GetSessionToken is not modelled"):
        sts.get_session_token()


def test_attach_checks_its_arguments(aws: boto3.Session) -> None:
    with pytest.raises(ValidationError, match="no user arn:aws:iam::111111111111:user/nobody"):
        attach(aws.client("s3"), WORLD, caller=f"arn:aws:iam::{SOURCE}:user/nobody")
    with pytest.raises(ValidationError, match="boto3 client, resource or session"):
        attach(object(), WORLD, caller=ALICE)
    with pytest.raises(ValidationError, match=r"iamsim\.World"):
        attach(aws.client("s3"), {"accounts": {}}, caller=ALICE)  # type: ignore[arg-type]


def test_a_boto3_resource_can_be_attached(aws: boto3.Session) -> None:
    bucket = aws.resource("s3").Bucket("data")
    hook = Hook(WORLD, BOB)
    hook.attach(bucket)
    with pytest.raises(ClientError):
        bucket.Object("report.csv").get()


def test_the_context_reaches_the_conditions(aws: boto3.Session) -> None:
    # A condition on aws:SourceIp reads the value the call carries (IAM user guide,
    # "AWS global condition context keys").
    world = WORLD.replace(
        WORLD.user(BOB),  # type: ignore[arg-type]
        iamsim.User(
            BOB,
            policies=[
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:ListBucket",
                            "Resource": "arn:aws:s3:::data",
                            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                        }
                    ],
                }
            ],
        ),
    )
    inside, outside = aws.client("s3"), aws.client("s3")
    attach(inside, world, caller=BOB, context={"aws:SourceIp": "203.0.113.7"})
    attach(outside, world, caller=BOB, context={"aws:SourceIp": "198.51.100.1"})
    assert [o["Key"] for o in inside.list_objects_v2(Bucket="data")["Contents"]] == ["report.csv"]
    with pytest.raises(ClientError):
        outside.list_objects_v2(Bucket="data")


def test_the_hook_decides_as_simulate_does(aws: boto3.Session) -> None:
    """Property: for any object key, the hook denies GetObject exactly when simulate does,
    with simulate's AWS text."""
    clients = {caller: aws.client("s3") for caller in (ALICE, BOB)}
    hooks = {caller: attach(client, WORLD, caller=caller) for caller, client in clients.items()}

    @settings(max_examples=40, deadline=None)
    @given(st.text(alphabet="abc/._-", min_size=1, max_size=12), st.sampled_from([ALICE, BOB]))
    def decides(key: str, caller: str) -> None:
        expected = WORLD.simulate(caller, "s3:GetObject", f"arn:aws:s3:::data/{key}")
        with pytest.raises(ClientError) as caught:  # allowed calls find no such key in moto
            clients[caller].get_object(Bucket="data", Key=key)
        last = hooks[caller].last
        assert last is not None and last.allowed == expected.allowed
        code = caught.value.response["Error"]["Code"]
        assert (code == "AccessDenied") == (not expected.allowed)
        if not expected.allowed:
            assert caught.value.response["Error"]["Message"] == expected.aws_error

    decides()


# -- the table: which action on which resource -----------------------------------------

CASES = [
    # S3 user guide, "Required permissions for Amazon S3 API operations".
    ("s3", "GetObject", {"Bucket": "b", "Key": "k"}, "s3:GetObject", "arn:aws:s3:::b/k", ()),
    (
        "s3",
        "GetObject",
        {"Bucket": "b", "Key": "k", "VersionId": "v1"},
        "s3:GetObjectVersion",
        "arn:aws:s3:::b/k",
        (),
    ),
    ("s3", "HeadObject", {"Bucket": "b", "Key": "k"}, "s3:GetObject", "arn:aws:s3:::b/k", ()),
    ("s3", "HeadBucket", {"Bucket": "b"}, "s3:ListBucket", "arn:aws:s3:::b", ()),
    ("s3", "ListObjects", {"Bucket": "b"}, "s3:ListBucket", "arn:aws:s3:::b", ()),
    ("s3", "ListObjectVersions", {"Bucket": "b"}, "s3:ListBucketVersions", "arn:aws:s3:::b", ()),
    (
        "s3",
        "PutObject",
        {"Bucket": "b", "Key": "k", "ACL": "private", "Tagging": "a=b"},
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        ("s3:PutObjectAcl", "s3:PutObjectTagging"),
    ),
    (
        "s3",
        "CopyObject",
        {
            "Bucket": "b",
            "Key": "k",
            "CopySource": "src/a%20b?versionId=v2",
            "TaggingDirective": "REPLACE",
        },
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        (("s3:GetObjectVersion", "arn:aws:s3:::src/a b"),),
    ),
    (
        "s3",
        "CopyObject",
        {
            "Bucket": "b",
            "Key": "k",
            "CopySource": {"Bucket": "src", "Key": "a"},
            "TaggingDirective": "REPLACE",
        },
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        (("s3:GetObject", "arn:aws:s3:::src/a"),),
    ),
    ("s3", "UploadPart", {"Bucket": "b", "Key": "k"}, "s3:PutObject", "arn:aws:s3:::b/k", ()),
    ("s3", "ListBuckets", {}, "s3:ListAllMyBuckets", "*", ()),
    # SQS developer guide, "Amazon SQS API permissions: Actions and resource reference".
    (
        "sqs",
        "SendMessageBatch",
        {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/333333333333/q.fifo"},
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:333333333333:q.fifo",
        (),
    ),
    (
        "sqs",
        "CreateQueue",
        {"QueueName": "q", "tags": {"a": "b"}},
        "sqs:CreateQueue",
        "arn:aws:sqs:us-east-1:111111111111:q",
        ("sqs:TagQueue",),
    ),
    (
        "sqs",
        "GetQueueUrl",
        {"QueueName": "q", "QueueOwnerAWSAccountId": "444444444444"},
        "sqs:GetQueueUrl",
        "arn:aws:sqs:us-east-1:444444444444:q",
        (),
    ),
    # SNS developer guide, "Amazon SNS API permissions": PublishBatch is sns:Publish.
    ("sns", "PublishBatch", {"TopicArn": TOPIC}, "sns:Publish", TOPIC, ()),
    (
        "sns",
        "CreateTopic",
        {"Name": "t"},
        "sns:CreateTopic",
        "arn:aws:sns:us-east-1:111111111111:t",
        (),
    ),
    # SNS API reference, CreateTopic: tagging a topic as it is created needs sns:TagResource.
    (
        "sns",
        "CreateTopic",
        {"Name": "t", "Tags": [{"Key": "a", "Value": "b"}]},
        "sns:CreateTopic",
        "arn:aws:sns:us-east-1:111111111111:t",
        ("sns:TagResource",),
    ),
    # KMS developer guide, "Permissions reference": a key by ID is in the caller's account.
    (
        "kms",
        "Decrypt",
        {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        (),
    ),
    # DynamoDB developer guide, "Using identity-based policies": an index is table/T/index/I.
    (
        "dynamodb",
        "Query",
        {"TableName": "t", "IndexName": "i"},
        "dynamodb:Query",
        "arn:aws:dynamodb:us-east-1:111111111111:table/t/index/i",
        (),
    ),
    # Lambda developer guide, "Lambda API permissions": Invoke is lambda:InvokeFunction.
    (
        "lambda",
        "Invoke",
        {"FunctionName": "f", "Qualifier": "live"},
        "lambda:InvokeFunction",
        "arn:aws:lambda:us-east-1:111111111111:function:f:live",
        (),
    ),
    (
        "lambda",
        "Invoke",
        {"FunctionName": "arn:aws:lambda:eu-west-1:333333333333:function:f"},
        "lambda:InvokeFunction",
        "arn:aws:lambda:eu-west-1:333333333333:function:f",
        (),
    ),
    (
        "secretsmanager",
        "GetSecretValue",
        {"SecretId": "arn:aws:secretsmanager:us-east-1:333333333333:secret:db-AbCdEf"},
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:333333333333:secret:db-AbCdEf",
        (),
    ),
]


@pytest.mark.parametrize(("service", "operation", "params", "action", "resource", "also"), CASES)
def test_each_operation_is_authorized_as_aws_does(
    service: str,
    operation: str,
    params: dict[str, Any],
    action: str,
    resource: str,
    also: tuple[object, ...],
) -> None:
    found = authorization(service, operation, params, "us-east-1", SOURCE)
    assert found is not None
    assert (found.action, found.resource, found.also) == (action, resource, also)


def test_kms_calls_carry_their_condition_keys() -> None:
    # KMS developer guide, "AWS KMS condition keys": kms:CallerAccount,
    # kms:EncryptionContext:context-key, kms:EncryptionContextKeys, kms:EncryptionAlgorithm.
    found = authorization(
        "kms",
        "Decrypt",
        {
            "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "EncryptionContext": {"app": "billing", "env": "prod"},
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        },
        "us-east-1",
        SOURCE,
    )
    assert found is not None
    assert dict(found.call_keys) == {
        "kms:CallerAccount": SOURCE,
        "kms:EncryptionContextKeys": ["app", "env"],
        "kms:EncryptionContext:app": "billing",
        "kms:EncryptionContext:env": "prod",
        "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }
    key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    context_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key,
                "Condition": {"StringEquals": {"kms:EncryptionContext:app": "billing"}},
            }
        ],
    }
    world = iamsim.World.of(
        iamsim.User(ALICE, policies=[context_only]),
        iamsim.Resource(
            key,
            policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
        ),
    )
    request = AccessRequest(ALICE, found.action, found.resource, call_keys=found.call_keys)
    assert world.authorize(request).allowed


@pytest.mark.parametrize(
    ("service", "operation", "params", "keys"),
    [
        # DynamoDB developer guide, "Using IAM policy conditions for fine-grained access
        # control": a Key of one attribute is the partition key.
        (
            "dynamodb",
            "GetItem",
            {"TableName": "t", "Key": {"pk": {"S": "u-1"}}, "ReturnConsumedCapacity": "TOTAL"},
            {"dynamodb:LeadingKeys": ["u-1"], "dynamodb:ReturnConsumedCapacity": "TOTAL"},
        ),
        # With a sort key too, which attribute is the partition key only the table knows.
        (
            "dynamodb",
            "DeleteItem",
            {
                "TableName": "t",
                "Key": {"a": {"S": "1"}, "b": {"N": "2"}},
                "ReturnValues": "ALL_OLD",
            },
            {"dynamodb:ReturnValues": "ALL_OLD"},
        ),
        ("dynamodb", "Scan", {"TableName": "t", "Select": "COUNT"}, {"dynamodb:Select": "COUNT"}),
        # SNS developer guide, "Amazon SNS condition keys": sns:Protocol, sns:Endpoint.
        (
            "sns",
            "Subscribe",
            {"TopicArn": TOPIC, "Protocol": "email", "Endpoint": "ops@example.com"},
            {"sns:Protocol": "email", "sns:Endpoint": "ops@example.com"},
        ),
    ],
)
def test_calls_carry_their_service_condition_keys(
    service: str, operation: str, params: dict[str, Any], keys: dict[str, object]
) -> None:
    found = authorization(service, operation, params, "us-east-1", SOURCE)
    assert found is not None and dict(found.call_keys) == keys


UNMODELLED = [
    ("s3", "DeleteObjects", {"Bucket": "b"}),  # one check per key
    ("s3", "GetObjectAttributes", {"Bucket": "b", "Key": "k"}),  # needs two actions
    ("s3", "CreateBucket", {"Bucket": "b", "ACL": "private"}),  # needs s3:PutBucketAcl too
    # Copying the source's tags depends on whether it has any.
    ("s3", "CopyObject", {"Bucket": "b", "Key": "k", "CopySource": "src/a"}),
    # SSE-KMS needs kms:GenerateDataKey on the key; Object Lock, s3:PutObjectRetention.
    ("s3", "PutObject", {"Bucket": "b", "Key": "k", "ServerSideEncryption": "aws:kms"}),
    ("s3", "PutObject", {"Bucket": "b", "Key": "k", "ObjectLockMode": "GOVERNANCE"}),
    ("s3", "GetObject", {"Bucket": "arn:aws:s3:us-east-1:1:accesspoint/ap", "Key": "k"}),
    ("kms", "Decrypt", {}),  # the key is inside the ciphertext
    ("kms", "Encrypt", {"KeyId": "alias/app"}),  # an alias stands for a key only KMS knows
    ("secretsmanager", "GetSecretValue", {"SecretId": "db"}),  # the ARN's suffix is unknown
    ("sns", "Publish", {"PhoneNumber": "+15555550100"}),
    ("sqs", "SendMessage", {"QueueUrl": "not a url"}),
    ("ec2", "DescribeInstances", {}),
    ("sts", "GetSessionToken", {}),
]


@pytest.mark.parametrize(("service", "operation", "params"), UNMODELLED)
def test_what_cannot_be_derived_is_not_modelled(
    service: str, operation: str, params: dict[str, Any]
) -> None:
    assert authorization(service, operation, params, "us-east-1", SOURCE) is None


def test_every_modelled_action_is_a_documented_action() -> None:
    from iamsim.reference.service import action_known

    params = {
        "Bucket": "b",
        "Key": "k",
        "QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/q",
        "QueueName": "q",
        "TopicArn": TOPIC,
        "Name": "t",
        "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "TableName": "t",
        "FunctionName": "f",
        "SecretId": "arn:aws:secretsmanager:us-east-1:333333333333:secret:db-AbCdEf",
    }
    for service, operations in MODELLED.items():
        for operation in operations - {"AssumeRole"}:
            found = authorization(service, operation, params, "us-east-1", SOURCE)
            assert found is not None, (service, operation)
            for action in (found.action, *(a if isinstance(a, str) else a[0] for a in found.also)):
                assert action_known(action), action


def test_every_modelled_operation_is_one_of_botocores() -> None:
    """The table speaks botocore's names: each service by its signing name, each operation
    as the service model spells it."""
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    for service, operations in MODELLED.items():
        model = session.client(service).meta.service_model  # type: ignore[call-overload]
        assert model.signing_name == service
        assert operations <= set(model.operation_names), operations - set(model.operation_names)


def test_without_botocore_the_import_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    monkeypatch.delitem(sys.modules, "iamsim.boto3")
    for name in [m for m in sys.modules if m == "botocore" or m.startswith("botocore.")]:
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
    with pytest.raises(ImportError, match=r"pip install 'iamsim\[boto3\]'"):
        importlib.import_module("iamsim.boto3")


def test_error_codes_follow_each_service() -> None:
    assert error_code("s3", "GetObject") == ("AccessDenied", None)
    assert error_code("s3", "HeadBucket") == ("403", "Forbidden")
    assert error_code("sns", "Publish") == ("AuthorizationError", None)
    assert error_code("kms", "Decrypt") == ("AccessDeniedException", None)


def test_partitions() -> None:
    assert [partition_of(r) for r in ("eu-west-1", "cn-north-1", "us-gov-west-1")] == [
        "aws",
        "aws-cn",
        "aws-us-gov",
    ]


def test_the_hook_is_an_attribute_of_the_package() -> None:
    assert iamsim.boto3.attach is attach


def test_attaching_twice_registers_once(aws: boto3.Session) -> None:
    s3 = aws.client("s3")
    hook = attach(s3, WORLD, caller=BOB)
    assert hook.attach(s3) is s3
    context: dict[str, Any] = {}
    responses = s3.meta.events.emit(
        "before-parameter-build.s3.ListObjectsV2",
        params={"Bucket": "data"},
        model=s3.meta.service_model.operation_model("ListObjectsV2"),
        context=context,
    )
    assert [handler for handler, _ in responses].count(hook._keep_params) == 1
    assert context["iamsim.params"]["Bucket"] == "data"


def test_the_clients_region_is_the_requests_region(aws: boto3.Session) -> None:
    # IAM User Guide, aws:RequestedRegion: S3 ARNs name no region, so the key is the region
    # of the endpoint the client calls.
    lock = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    allow = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
    policy = {"Version": "2012-10-17", "Statement": [allow, lock]}
    world = iamsim.World.from_dict(
        {
            "accounts": {
                TARGET: {
                    "users": {"bob": {"policies": [policy]}},
                    "resources": {"arn:aws:s3:::data": {}},
                }
            }
        }
    )
    here = aws.client("s3", region_name="us-east-1")
    attach(here, world, caller=BOB)
    with pytest.raises(ClientError, match="AccessDenied"):
        here.list_objects_v2(Bucket="data")
    there = aws.client("s3", region_name="eu-west-1")
    hook = attach(there, world, caller=BOB)
    try:
        there.list_objects_v2(Bucket="data")
    except ClientError as exc:  # moto's own answer for a bucket of another region
        assert "AccessDenied" not in str(exc)
    assert hook.last is not None and hook.last.allowed
