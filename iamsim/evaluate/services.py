"""What AWS services do differently, as data: which take resource-based policies, which RCPs
govern, which accept anonymous requests, which are global, which KMS operations cross accounts.

Each set cites the AWS page it comes from; AWS extends these lists over time.
"""

from __future__ import annotations

import json
from importlib import resources

__all__ = [
    "ANONYMOUS_ACTIONS",
    "ANONYMOUS_SERVICES",
    "GLOBAL_SERVICES",
    "KMS_ALIAS_ACTIONS",
    "KMS_CROSS_ACCOUNT",
    "PROTECTED_ROLE_ACTIONS",
    "RBP_SERVICES",
    "RCP_SERVICES",
    "READ_ACCESS_LEVELS",
    "RESOURCELESS_POLICY_SERVICES",
    "SERVICE_LINKED_ROLE_EDITABLE",
    "TRUST_ACTIONS",
    "WHOLE_ARN_SERVICES",
]

# Actions authorized against a role's trust policy (IAM User Guide, role trust policies).
TRUST_ACTIONS = frozenset(
    a.lower()
    for a in (
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:SetContext",
    )
)


def _rcp_services() -> frozenset[str]:
    """The service prefixes of `iamsim/data/rcp-services.json` (its `about` gives the AWS
    page, the date it was read and what confirmed each entry)."""
    text = resources.files("iamsim.data").joinpath("rcp-services.json").read_text("utf-8")
    return frozenset(entry["prefix"] for entry in json.loads(text)["services"])


# Services whose resources RCPs govern (AWS Organizations, "Resource control policies",
# list of supported services). Dated data with its source: AWS extends the list over time.
RCP_SERVICES = _rcp_services()

# Services whose resources can carry a resource-based policy (IAM User Guide, "AWS services
# that work with IAM", column "Resource-based policies"). IAM's only one is a role's trust
# policy; EC2, for one, has none. Kept as data: AWS extends it over time.
RBP_SERVICES = frozenset(
    {
        "s3",
        "s3express",
        "s3-object-lambda",
        "kms",
        "sqs",
        "sns",
        "lambda",
        "secretsmanager",
        "ecr",
        "ecr-public",
        "logs",
        "events",
        "schemas",
        "glacier",
        "es",
        "aoss",
        "execute-api",
        "backup",
        "codeartifact",
        "elasticfilesystem",
        "glue",
        "serverlessrepo",
        "dynamodb",
        "kinesis",
        "mediastore",
        "iot",
        "ssm-incidents",
        "acm-pca",
        "cloudtrail",
        "lex",
        "rekognition",
        "bedrock",
        "airflow",
        "ram",
    }
)

# Services that accept unsigned requests, where a resource policy can admit anonymous
# callers (IAM User Guide, policy variables: the anonymous row covers S3, SQS and SNS).
ANONYMOUS_SERVICES = frozenset({"s3", "sqs", "sns"})
# Single actions of other services that accept unsigned requests: a Lambda function URL
# with auth type NONE (Lambda Developer Guide, "Security and auth model for Lambda
# function URLs": "any unauthenticated user with your function URL can invoke" it).
ANONYMOUS_ACTIONS = frozenset({"lambda:invokefunctionurl"})

# Services whose resource-based policies name no Resource: the policy is the resource's own
# (Amazon ECR User Guide, "Private repository policies"). Elsewhere a statement must have
# Resource or NotResource (IAM User Guide, Resource element); one without has no effect.
RESOURCELESS_POLICY_SERVICES = frozenset({"ecr", "ecr-public"})

# Services whose resource names may hold `/` yet each name is a resource of its own, with its
# own policy: `repository/team` and `repository/team/app` are two ECR repositories. For
# other services a policy also covers the ARNs below its resource (a DynamoDB table's
# indexes, `table/T/index/I`).
WHOLE_ARN_SERVICES = frozenset({"ecr", "ecr-public"})

# Services with one global endpoint, whose requests carry aws:RequestedRegion us-east-1
# (IAM User Guide, global condition keys, aws:RequestedRegion). STS is not among them: the
# SDKs call its regional endpoints ("Manage AWS STS in an AWS Region"), so an AssumeRole
# request carries the caller's region.
GLOBAL_SERVICES = frozenset({"iam", "organizations", "cloudfront", "route53", "support"})

# KMS operations that work across accounts (AWS KMS Developer Guide, "Allowing users in
# other accounts to use a KMS key"); any other KMS operation fails cross-account.
KMS_CROSS_ACCOUNT = frozenset(
    a.lower()
    for a in (
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyPair",
        "kms:GenerateDataKeyPairWithoutPlaintext",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:GenerateMac",
        "kms:VerifyMac",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:Sign",
        "kms:Verify",
        "kms:DeriveSharedSecret",
        "kms:CreateGrant",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:GetPublicKey",
        "kms:ListGrants",
        "kms:RetireGrant",
        "kms:RevokeGrant",
    )
)

# KMS operations authorized on an alias (AWS KMS Developer Guide, "Controlling access to
# aliases"): IAM policies govern the alias, which has no key policy; each also needs the
# same action on the affected KMS keys, whose key policies must allow it.
KMS_ALIAS_ACTIONS = frozenset(
    a.lower() for a in ("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias")
)

# Access levels that only read (Service Authorization Reference, "Access levels in policy
# summaries"): List and Read. Write, Permissions management and Tagging change something.
READ_ACCESS_LEVELS = frozenset({"Read", "List"})

# IAM actions that change a role itself: its existence, description, trust policy,
# permissions policies, boundary and tags (Service Authorization Reference, IAM: the
# actions on resource type `role` with access level Write, Permissions management or
# Tagging). Roles that IAM Identity Center or a service owns refuse them from IAM principals.
PROTECTED_ROLE_ACTIONS = frozenset(
    a.lower()
    for a in (
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "iam:TagRole",
        "iam:UntagRole",
    )
)
# What IAM still lets a customer change on a service-linked role (IAM User Guide, "Using
# service-linked roles", Editing: "You can edit the description of any role from the IAM
# console, API, or CLI"); iam:DeleteServiceLinkedRole is the customer's way to delete one.
SERVICE_LINKED_ROLE_EDITABLE = frozenset(
    a.lower() for a in ("iam:UpdateRole", "iam:UpdateRoleDescription")
)
