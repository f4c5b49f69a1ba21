"""Which IAM action, on which resource, an AWS API call is authorized as: the table of
`iamsim.boto3`.

Each service iamsim models has an explicit list of operations: the action (or actions) AWS
checks, and the resource ARN built from the call's parameters as AWS builds it (the
Service Authorization Reference, "Actions, resources, and condition keys", for each
service). An operation not listed, or whose parameters do not name its resource (a Secrets
Manager secret by name, a KMS key by alias, an SNS SMS), or whose permissions depend on
what only the service knows (a copy that keeps its source's tags, SSE-KMS, Object Lock), is
not modelled: `authorization` returns None and the hook refuses it rather than guess — a
guessed `*` or a missing second action would be more permissive than AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlparse

import attrs

from iamsim.errors import ValidationError

__all__ = ["MODELLED", "Authorization", "UnmodelledOperation", "authorization", "partition_of"]

Params = Mapping[str, Any]


class UnmodelledOperation(ValidationError):
    """An API operation whose IAM authorization iamsim does not model."""

    def __init__(self, service: str, operation: str, *, detail: str | None = None) -> None:
        self.service = service
        self.operation = operation
        super().__init__(
            f"iamsim.boto3: {service} {operation} is not modelled "
            + (
                detail
                or "(iamsim cannot tell which actions and resources AWS checks for it with "
                "these parameters); pass pass_unmodelled=True to iamsim.boto3.attach to let "
                "such calls through unchecked"
            ),
            code="UnmodelledOperation",
        )


@attrs.frozen
class Authorization:
    """One call as IAM authorizes it: the action, its resource, the further actions the
    call needs (an action, or an (action, resource) pair) and the keys the call sets."""

    action: str
    resource: str
    also: tuple[str | tuple[str, str], ...] = ()
    call_keys: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen
class _Where:
    """Where a call happens: region, partition, and the caller's account (a resource named
    without an account is the caller's own)."""

    region: str
    partition: str
    account: str


_Rule = Callable[[Params, _Where], Authorization | None]


def partition_of(region: str) -> str:
    """The partition of a region name: `aws`, `aws-cn` or `aws-us-gov`."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _str(params: Params, name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) and value else None


# -- S3 -------------------------------------------------------------------------------
# Object operations: PutObject with an ACL also needs s3:PutObjectAcl, with tags also
# s3:PutObjectTagging; a version's operations are the *Version actions (S3 user guide,
# "Required permissions for Amazon S3 API operations").

_ACL_PARAMS = ("ACL", "GrantFullControl", "GrantRead", "GrantReadACP", "GrantWriteACP")


def _bucket_arn(params: Params, where: _Where) -> str | None:
    bucket = _str(params, "Bucket")
    if bucket is None or bucket.startswith("arn:"):  # access points are not modelled
        return None
    return f"arn:{where.partition}:s3:::{bucket}"


def _object_arn(params: Params, where: _Where) -> str | None:
    bucket, key = _bucket_arn(params, where), _str(params, "Key")
    return None if bucket is None or key is None else f"{bucket}/{key}"


def _s3_keys(params: Params) -> dict[str, object]:
    """The S3 condition keys the call's parameters set (S3 user guide, "Condition keys"), and
    those of how boto3 signs: Signature Version 4, in the Authorization header."""
    keys: dict[str, object] = {
        "s3:authType": "REST-HEADER",
        "s3:signatureversion": "AWS4-HMAC-SHA256",
    }
    for param, key in (
        ("ACL", "s3:x-amz-acl"),
        ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
        ("SSEKMSKeyId", "s3:x-amz-server-side-encryption-aws-kms-key-id"),
        ("VersionId", "s3:VersionId"),
        ("Prefix", "s3:prefix"),
        ("Delimiter", "s3:delimiter"),
    ):
        if isinstance(params.get(param), str):
            keys[key] = params[param]
    if isinstance(params.get("MaxKeys"), int):
        keys["s3:max-keys"] = str(params["MaxKeys"])
    return keys


def _s3_object(action: str, versioned: str | None = None) -> _Rule:
    def rule(params: Params, where: _Where) -> Authorization | None:
        arn = _object_arn(params, where)
        if arn is None:
            return None
        name = versioned if versioned and "VersionId" in params else action
        return Authorization(f"s3:{name}", arn, call_keys=_s3_keys(params))

    return rule


# Parameters that make a write need permissions iamsim does not model here: Object Lock
# (s3:PutObjectRetention, s3:PutObjectLegalHold) and SSE-KMS (kms:GenerateDataKey on the
# key, asked by S3 on the caller's behalf).
_UNMODELLED_WRITE = ("ObjectLockMode", "ObjectLockRetainUntilDate", "ObjectLockLegalHoldStatus")


def _s3_write(params: Params, where: _Where) -> Authorization | None:
    """PutObject, CopyObject, CreateMultipartUpload: s3:PutObject, with the ACL and tagging
    actions their parameters need."""
    arn = _object_arn(params, where)
    if arn is None or any(p in params for p in _UNMODELLED_WRITE):
        return None
    if str(params.get("ServerSideEncryption", "")).startswith("aws:kms"):
        return None
    if "CopySource" in params and params.get("TaggingDirective") != "REPLACE":
        # Copying the source's tags (the default) depends on whether it has any, which only
        # S3 knows: not modelled.
        return None
    also: list[str | tuple[str, str]] = []
    if any(p in params for p in _ACL_PARAMS):
        also.append("s3:PutObjectAcl")
    if "Tagging" in params:
        also.append("s3:PutObjectTagging")
    source = params.get("CopySource")
    if source is not None:
        read = _copy_source(source, where)
        if read is None:
            return None
        also.append(read)
    return Authorization("s3:PutObject", arn, tuple(also), _s3_keys(params))


def _copy_source(source: Any, where: _Where) -> tuple[str, str] | None:
    """CopyObject reads its source: s3:GetObject (s3:GetObjectVersion for a version)."""
    if isinstance(source, Mapping):
        bucket, key, version = source.get("Bucket"), source.get("Key"), source.get("VersionId")
    elif isinstance(source, str):
        path, _, query = source.lstrip("/").partition("?versionId=")
        bucket, _, key = path.partition("/")
        key, version = unquote(key), query or None
    else:
        return None
    if not (isinstance(bucket, str) and bucket and isinstance(key, str) and key):
        return None
    if bucket.startswith("arn:"):
        return None
    action = "s3:GetObjectVersion" if version else "s3:GetObject"
    return action, f"arn:{where.partition}:s3:::{bucket}/{key}"


def _s3_bucket(action: str, refused: tuple[str, ...] = ()) -> _Rule:
    def rule(params: Params, where: _Where) -> Authorization | None:
        arn = _bucket_arn(params, where)
        if arn is None or any(p in params for p in refused):
            return None
        return Authorization(f"s3:{action}", arn, call_keys=_s3_keys(params))

    return rule


def _anywhere(action: str) -> _Rule:
    """An action that takes no resource (List*): authorized on `*`."""
    return lambda params, where: Authorization(action, "*")


_S3: dict[str, _Rule] = {
    "GetObject": _s3_object("GetObject", "GetObjectVersion"),
    "HeadObject": _s3_object("GetObject", "GetObjectVersion"),
    "DeleteObject": _s3_object("DeleteObject", "DeleteObjectVersion"),
    "GetObjectAcl": _s3_object("GetObjectAcl", "GetObjectVersionAcl"),
    "GetObjectTagging": _s3_object("GetObjectTagging", "GetObjectVersionTagging"),
    "PutObjectTagging": _s3_object("PutObjectTagging", "PutObjectVersionTagging"),
    "PutObject": _s3_write,
    "CopyObject": _s3_write,
    "CreateMultipartUpload": _s3_write,
    "UploadPart": _s3_object("PutObject"),
    "CompleteMultipartUpload": _s3_object("PutObject"),
    "AbortMultipartUpload": _s3_object("AbortMultipartUpload"),
    "ListParts": _s3_object("ListMultipartUploadParts"),
    "ListObjects": _s3_bucket("ListBucket"),
    "ListObjectsV2": _s3_bucket("ListBucket"),
    "HeadBucket": _s3_bucket("ListBucket"),
    "ListObjectVersions": _s3_bucket("ListBucketVersions"),
    "ListMultipartUploads": _s3_bucket("ListBucketMultipartUploads"),
    # CreateBucket with an ACL or Object Lock needs further actions: not modelled.
    "CreateBucket": _s3_bucket(
        "CreateBucket", (*_ACL_PARAMS, "GrantWrite", "ObjectLockEnabledForBucket")
    ),
    "DeleteBucket": _s3_bucket("DeleteBucket"),
    "GetBucketPolicy": _s3_bucket("GetBucketPolicy"),
    "PutBucketPolicy": _s3_bucket("PutBucketPolicy"),
    "DeleteBucketPolicy": _s3_bucket("DeleteBucketPolicy"),
    "GetBucketLocation": _s3_bucket("GetBucketLocation"),
    "GetBucketAcl": _s3_bucket("GetBucketAcl"),
    "GetBucketTagging": _s3_bucket("GetBucketTagging"),
    "PutBucketTagging": _s3_bucket("PutBucketTagging"),
    "GetBucketVersioning": _s3_bucket("GetBucketVersioning"),
    "PutBucketVersioning": _s3_bucket("PutBucketVersioning"),
    "ListBuckets": _anywhere("s3:ListAllMyBuckets"),
}

# -- SQS ------------------------------------------------------------------------------
# A queue URL is https://sqs.REGION.amazonaws.com/ACCOUNT/NAME; its ARN
# arn:PARTITION:sqs:REGION:ACCOUNT:NAME. The batch operations are authorized as the
# single ones (SQS developer guide, "Amazon SQS API permissions").

_QUEUE_PATH = re.compile(r"^/(\d{12})/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$")
_SQS_HOST = re.compile(r"^(?:sqs\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d)\.")


def _queue_arn(params: Params, where: _Where) -> str | None:
    url = _str(params, "QueueUrl")
    if url is None:
        return None
    parsed = urlparse(url)
    match = _QUEUE_PATH.match(parsed.path)
    if match is None:
        return None
    host = _SQS_HOST.match(parsed.hostname or "")
    region = host.group(1) if host else where.region
    return f"arn:{partition_of(region)}:sqs:{region}:{match.group(1)}:{match.group(2)}"


def _sqs(action: str) -> _Rule:
    def rule(params: Params, where: _Where) -> Authorization | None:
        arn = _queue_arn(params, where)
        return None if arn is None else Authorization(f"sqs:{action}", arn)

    return rule


def _sqs_named(action: str) -> _Rule:
    """CreateQueue and GetQueueUrl name the queue (and its owner, for GetQueueUrl)."""

    def rule(params: Params, where: _Where) -> Authorization | None:
        name = _str(params, "QueueName")
        owner = _str(params, "QueueOwnerAWSAccountId") or where.account
        if name is None or not owner:
            return None
        arn = f"arn:{where.partition}:sqs:{where.region}:{owner}:{name}"
        # Tagging a queue as it is created needs sqs:TagQueue too.
        also: tuple[str, ...] = ("sqs:TagQueue",) if params.get("tags") else ()
        return Authorization(f"sqs:{action}", arn, also)

    return rule


_SQS: dict[str, _Rule] = {
    name: _sqs(action)
    for name, action in {
        "SendMessage": "SendMessage",
        "SendMessageBatch": "SendMessage",
        "ReceiveMessage": "ReceiveMessage",
        "DeleteMessage": "DeleteMessage",
        "DeleteMessageBatch": "DeleteMessage",
        "ChangeMessageVisibility": "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
        "GetQueueAttributes": "GetQueueAttributes",
        "SetQueueAttributes": "SetQueueAttributes",
        "PurgeQueue": "PurgeQueue",
        "DeleteQueue": "DeleteQueue",
        "ListQueueTags": "ListQueueTags",
        "TagQueue": "TagQueue",
        "UntagQueue": "UntagQueue",
    }.items()
} | {
    "CreateQueue": _sqs_named("CreateQueue"),
    "GetQueueUrl": _sqs_named("GetQueueUrl"),
    "ListQueues": _anywhere("sqs:ListQueues"),
}

# -- SNS: the topic ARN is a parameter; PublishBatch is sns:Publish -------------------


def _sns(action: str) -> _Rule:
    def rule(params: Params, where: _Where) -> Authorization | None:
        # Publish may name its target as TargetArn; a phone number or a mobile endpoint
        # (`…:endpoint/…`) is not a topic and is not modelled.
        arn = _str(params, "TopicArn") or _str(params, "TargetArn")
        parts = (arn or "").split(":")
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns" or "/" in parts[5]:
            return None
        keys: dict[str, object] = {}
        if action == "Subscribe":  # SNS developer guide, "Amazon SNS condition keys"
            for param, key in (("Protocol", "sns:Protocol"), ("Endpoint", "sns:Endpoint")):
                if isinstance(params.get(param), str):
                    keys[key] = params[param]
        return Authorization(f"sns:{action}", str(arn), call_keys=keys)

    return rule


def _sns_create(params: Params, where: _Where) -> Authorization | None:
    name = _str(params, "Name")
    if name is None:
        return None
    also: tuple[str, ...] = ("sns:TagResource",) if params.get("Tags") else ()
    return Authorization(
        "sns:CreateTopic", f"arn:{where.partition}:sns:{where.region}:{where.account}:{name}", also
    )


_SNS: dict[str, _Rule] = {
    "Publish": _sns("Publish"),
    "PublishBatch": _sns("Publish"),
    "Subscribe": _sns("Subscribe"),
    "GetTopicAttributes": _sns("GetTopicAttributes"),
    "SetTopicAttributes": _sns("SetTopicAttributes"),
    "DeleteTopic": _sns("DeleteTopic"),
    "ListSubscriptionsByTopic": _sns("ListSubscriptionsByTopic"),
    "CreateTopic": _sns_create,
    "ListTopics": _anywhere("sns:ListTopics"),
}

# -- KMS: a key by its ID or ARN; an alias stands for a key only KMS knows -------------

_KEY_ID = re.compile(
    r"^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def _kms_keys(params: Params, where: _Where) -> dict[str, object]:
    """The KMS condition keys the call sets (KMS developer guide, "AWS KMS condition keys"):
    the caller's account, the encryption context and the algorithm."""
    keys: dict[str, object] = {"kms:CallerAccount": where.account}
    context = params.get("EncryptionContext")
    if isinstance(context, Mapping) and context:
        keys["kms:EncryptionContextKeys"] = sorted(str(k) for k in context)
        for name, value in context.items():
            keys[f"kms:EncryptionContext:{name}"] = str(value)
    if isinstance(params.get("EncryptionAlgorithm"), str):
        keys["kms:EncryptionAlgorithm"] = params["EncryptionAlgorithm"]
    return keys


def _kms(action: str) -> _Rule:
    def rule(params: Params, where: _Where) -> Authorization | None:
        key = _str(params, "KeyId")
        if key is None:
            return None  # Decrypt without KeyId: the key is inside the ciphertext
        if key.startswith("arn:") and ":key/" in key:
            arn = key
        elif _KEY_ID.match(key):
            arn = f"arn:{where.partition}:kms:{where.region}:{where.account}:key/{key}"
        else:
            return None
        return Authorization(f"kms:{action}", arn, call_keys=_kms_keys(params, where))

    return rule


_KMS: dict[str, _Rule] = {
    name: _kms(name)
    for name in (
        "Encrypt",
        "Decrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "DescribeKey",
        "GetKeyPolicy",
        "PutKeyPolicy",
        "Sign",
        "Verify",
        "GenerateMac",
        "VerifyMac",
        "EnableKey",
        "DisableKey",
        "ScheduleKeyDeletion",
        "GetPublicKey",
    )
}

# -- DynamoDB: a table by name or ARN; a query or scan of an index is on the index ----


def _dynamodb_keys(params: Params) -> dict[str, object]:
    """The DynamoDB condition keys the call sets (DynamoDB developer guide, "Using IAM policy
    conditions for fine-grained access control"). `dynamodb:LeadingKeys` is derived only
    from a `Key` of one attribute, which can only be the partition key; otherwise it stays
    unset, and a decision that reads it is refused by the hook."""
    keys: dict[str, object] = {}
    for param, key in (
        ("Select", "dynamodb:Select"),
        ("ReturnValues", "dynamodb:ReturnValues"),
        ("ReturnConsumedCapacity", "dynamodb:ReturnConsumedCapacity"),
    ):
        if isinstance(params.get(param), str):
            keys[key] = params[param]
    item_key = params.get("Key")
    if isinstance(item_key, Mapping) and len(item_key) == 1:
        (value,) = item_key.values()
        if isinstance(value, Mapping) and len(value) == 1:
            ((kind, text),) = value.items()
            if kind in ("S", "N") and isinstance(text, str):
                keys["dynamodb:LeadingKeys"] = [text]
    return keys


def _dynamodb(action: str, index: bool = False) -> _Rule:
    def rule(params: Params, where: _Where) -> Authorization | None:
        table = _str(params, "TableName")
        if table is None:
            return None
        if not table.startswith("arn:"):
            table = f"arn:{where.partition}:dynamodb:{where.region}:{where.account}:table/{table}"
        elif ":table/" not in table:
            return None
        name = _str(params, "IndexName")
        arn = f"{table}/index/{name}" if index and name else table
        return Authorization(f"dynamodb:{action}", arn, call_keys=_dynamodb_keys(params))

    return rule


_DYNAMODB: dict[str, _Rule] = {
    name: _dynamodb(name)
    for name in (
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "DescribeTable",
        "CreateTable",
        "DeleteTable",
    )
} | {
    "Query": _dynamodb("Query", index=True),
    "Scan": _dynamodb("Scan", index=True),
    "ListTables": _anywhere("dynamodb:ListTables"),
}

# -- Lambda: FunctionName is a name, an ARN or a partial ARN; Invoke is InvokeFunction --

_FUNCTION = re.compile(
    r"^(?:arn:(?P<partition>[\w-]+):lambda:(?P<region>[\w-]+):)?(?:(?P<account>\d{12}):)?"
    r"(?:function:)?(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>[A-Za-z0-9$_-]{1,128}))?$"
)


def _lambda(action: str) -> _Rule:
    def rule(params: Params, where: _Where) -> Authorization | None:
        given = _str(params, "FunctionName")
        match = _FUNCTION.match(given or "")
        if match is None:
            return None
        region = match.group("region") or where.region
        partition = match.group("partition") or where.partition
        account = match.group("account") or where.account
        qualifier = match.group("qualifier") or _str(params, "Qualifier")
        arn = f"arn:{partition}:lambda:{region}:{account}:function:{match.group('name')}"
        return Authorization(f"lambda:{action}", f"{arn}:{qualifier}" if qualifier else arn)

    return rule


_LAMBDA: dict[str, _Rule] = {
    name: _lambda(action)
    for name, action in {
        "Invoke": "InvokeFunction",
        "GetFunction": "GetFunction",
        "GetFunctionConfiguration": "GetFunctionConfiguration",
        "DeleteFunction": "DeleteFunction",
        "UpdateFunctionCode": "UpdateFunctionCode",
        "UpdateFunctionConfiguration": "UpdateFunctionConfiguration",
        "GetPolicy": "GetPolicy",
        "AddPermission": "AddPermission",
        "RemovePermission": "RemovePermission",
    }.items()
} | {"ListFunctions": _anywhere("lambda:ListFunctions")}

# -- Secrets Manager: only a full secret ARN names the resource (a name's ARN ends in a
# suffix the service chose) ----------------------------------------------------------


def _secret(action: str) -> _Rule:
    def rule(params: Params, where: _Where) -> Authorization | None:
        arn = _str(params, "SecretId")
        if arn is None or not arn.startswith("arn:") or ":secret:" not in arn:
            return None
        return Authorization(f"secretsmanager:{action}", arn)

    return rule


_SECRETS: dict[str, _Rule] = {
    name: _secret(name)
    for name in (
        "GetSecretValue",
        "DescribeSecret",
        "PutSecretValue",
        "UpdateSecret",
        "DeleteSecret",
        "GetResourcePolicy",
        "PutResourcePolicy",
    )
} | {"ListSecrets": _anywhere("secretsmanager:ListSecrets")}

# -- STS: AssumeRole is answered by the hook itself; GetCallerIdentity needs no
# permission but goes through the world's rule for it ---------------------------------

_STS: dict[str, _Rule] = {"GetCallerIdentity": _anywhere("sts:GetCallerIdentity")}

_SERVICES: dict[str, dict[str, _Rule]] = {
    "s3": _S3,
    "sqs": _SQS,
    "sns": _SNS,
    "kms": _KMS,
    "dynamodb": _DYNAMODB,
    "lambda": _LAMBDA,
    "secretsmanager": _SECRETS,
    "sts": _STS,
}

MODELLED: Mapping[str, frozenset[str]] = {
    service: frozenset(rules) | ({"AssumeRole"} if service == "sts" else frozenset())
    for service, rules in _SERVICES.items()
}
"""Each modelled service (its signing name) and its modelled operations."""


def authorization(
    service: str, operation: str, params: Params, region: str, account: str
) -> Authorization | None:
    """How AWS authorizes `operation` of `service` (its signing name) with these parameters,
    called in `region` by a caller of `account`; None when iamsim does not model it."""
    rule = _SERVICES.get(service, {}).get(operation)
    if rule is None:
        return None
    return rule(params, _Where(region, partition_of(region), account))
