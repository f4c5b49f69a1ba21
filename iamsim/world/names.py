"""How world documents and AWS exports write IAM names, paths, ids and ARNs: the patterns
the loaders check them with, compiled once at import."""

from __future__ import annotations

import re
from typing import Literal

__all__ = [
    "ACCOUNT_ALIAS",
    "ACCOUNT_ID",
    "ARN_PARTS",
    "IAM_ENTITY_ARN",
    "IAM_NAME",
    "IAM_PATH",
    "ORG_ID",
    "ORG_OTHER_POLICY_TYPES",
    "ORG_POLICY_TYPES",
    "OU_ID",
    "PLAIN_KEY",
    "POLICY_ARN",
    "ROOT_ID",
]

# Account ids in world documents and AWS exports: 12 digits.
ACCOUNT_ID = re.compile(r"[0-9]{12}")

# Account aliases: 3-63 lowercase letters, digits and hyphens, not starting/ending with `-`.
ACCOUNT_ALIAS = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]")

# IAM names: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
IAM_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")

# IAM paths: `/` or `/a/b/`, printable ASCII, at most 512 characters (IAM API `path` type).
IAM_PATH = re.compile(r"/|/[\x21-\x7e]+/")

# Managed policy ARNs: AWS managed (`aws`) or an account's (12 digits), optional path.
POLICY_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::(?:aws|\d{12}):policy/(?:[\x21-\x7e]*/)?[^/]+", re.ASCII
)

# Organization ids: `o-` and 10-32 lower-case letters or digits.
ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")

# Organization root and OU ids (Organizations API reference, `Root.Id`, `OrganizationalUnit.Id`).
ROOT_ID = re.compile(r"r-[0-9a-z]{4,32}")
OU_ID = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")

# ARNs in world documents, in named groups: partition, service, region, account, resource.
ARN_PARTS = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):(?P<service>[a-z0-9][a-z0-9-]*):(?P<region>[a-z0-9-]*):"
    r"(?P<account>[^:]*):(?P<resource>.+)",
    re.DOTALL,
)

# IAM user/group/role/policy ARNs in AWS exports, in named groups: account, type, path, name.
IAM_ENTITY_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::(?P<account>\d{12}|aws):(?P<type>user|group|role|policy)"
    r"(?P<path>/(?:[\x21-\x7e]*/)?)(?P<name>[^/]+)",
    re.ASCII,
)

# Document keys shown bare in error paths (`a.b`); any other key is quoted (`a["x.y"]`).
PLAIN_KEY = re.compile(r"[^.\[\]\"\s]+")


ORG_POLICY_TYPES: dict[str, Literal["scp", "rcp"]] = {
    "SERVICE_CONTROL_POLICY": "scp",
    "RESOURCE_CONTROL_POLICY": "rcp",
}
"""The Organizations policy types that authorize requests (PolicyType in the Organizations
API), and what iamsim calls them."""

ORG_OTHER_POLICY_TYPES = frozenset(
    {
        "TAG_POLICY",
        "BACKUP_POLICY",
        "AISERVICES_OPT_OUT_POLICY",
        "CHATBOT_POLICY",
        "DECLARATIVE_POLICY_EC2",
        "SECURITYHUB_POLICY",
        "INSPECTOR_POLICY",
        "UPGRADE_ROLLOUT_POLICY",
        "BEDROCK_POLICY",
        "S3_POLICY",
        "NETWORK_SECURITY_DIRECTOR_POLICY",
    }
)
"""Organizations policy types that do not authorize requests: read and left out."""
