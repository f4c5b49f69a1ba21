"""Named text patterns that other modules validate input with, compiled once.

STS AssumeRole parameters (`iamsim.sts`), the names, paths, ids and ARNs of world
documents and AWS exports (`iamsim.world`), and the renderers' escape patterns
(`iamsim.render`). Each is used with `fullmatch`, `match`, `search` or `sub` by the
module that needs it; none is used by policy matching.
"""

from __future__ import annotations

import re

__all__ = [
    "ACCOUNT_ALIAS",
    "ACCOUNT_ID",
    "ARN_PARTS",
    "CONTROL_CHARS",
    "IAM_ENTITY_ARN",
    "IAM_NAME",
    "IAM_PATH",
    "ORG_ID",
    "PLAIN_KEY",
    "POLICY_ARN",
    "STATEMENT_INDEX",
    "STS_EXTERNAL_ID",
    "STS_NAME",
    "STS_ROLE_ARN",
    "STS_SERIAL_NUMBER",
    "STS_TAG_CHARS",
    "STS_TOKEN_CODE",
    "TOML_POSITION",
]

# ----------------------------------------------------------------- STS AssumeRole

# RoleSessionName and SourceIdentity (AWS STS API Reference, AssumeRole).
STS_NAME = re.compile(r"[\w+=,.@-]*")
# ExternalId (AWS STS API Reference, AssumeRole).
STS_EXTERNAL_ID = re.compile(r"[\w+=,.@:\/-]*")
# SerialNumber, the MFA device (AWS STS API Reference, AssumeRole).
STS_SERIAL_NUMBER = re.compile(r"[\w+=/:,.@-]*")
# TokenCode, the MFA code: digits (AWS STS API Reference, AssumeRole).
STS_TOKEN_CODE = re.compile(r"[\d]*")
# RoleArn: an IAM role ARN in aws, aws-cn or aws-us-gov, else STS's "… is invalid".
STS_ROLE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role/[\w+=,.@/-]+")
# Tags keys and values: STS's `[\p{L}\p{Z}\p{N}_.:/=+\-@]` in `re` terms (no `\p{…}`).
STS_TAG_CHARS = re.compile(r"[\w\s.:/=+\-@]*")

# ------------------------------------------------------ world documents and exports

# Account ids in world documents and AWS exports: 12 digits.
ACCOUNT_ID = re.compile(r"\d{12}")
# IAM names: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
IAM_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")
# IAM paths: `/` or `/a/b/`, printable ASCII, at most 512 characters (IAM API `path` type).
IAM_PATH = re.compile(r"/|/[\x21-\x7e]+/")
# Managed policy ARNs: AWS managed (`aws`) or an account's (12 digits), optional path.
POLICY_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::(?:aws|\d{12}):policy/(?:[\x21-\x7e]*/)?[^/]+")
# Document keys shown bare in error paths (`a.b`); any other key is quoted (`a["x.y"]`).
PLAIN_KEY = re.compile(r"[^.\[\]\"\s]+")
# Organization ids: `o-` and 10-32 lower-case letters or digits.
ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
# Account aliases: 3-63 lowercase letters, digits and hyphens, not starting/ending with `-`.
ACCOUNT_ALIAS = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]")
# ARNs in world documents, in named groups: partition, service, region, account, resource.
ARN_PARTS = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):(?P<service>[a-z0-9][a-z0-9-]*):(?P<region>[a-z0-9-]*):"
    r"(?P<account>[^:]*):(?P<resource>.+)",
    re.DOTALL,
)
# IAM user/group/role/policy ARNs in AWS exports, in named groups: account, type, path, name.
IAM_ENTITY_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::(?P<account>\d{12}|aws):(?P<type>user|group|role|policy)"
    r"(?P<path>/(?:[\x21-\x7e]*/)?)(?P<name>[^/]+)"
)
# tomllib's error message suffix ` (at line N, column M)`, split off to report the position.
TOML_POSITION = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")

# ---------------------------------------------------------------------- renderers

# Control characters the text renderer escapes: C0 except tab and newline, DEL, C1.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A statement label made from its position (`Statement[2]`), as opposed to a Sid.
STATEMENT_INDEX = re.compile(r"Statement\[\d+\]")
