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
    "INT_DIGITS_LIMIT",
    "JSON_BAD_TOKEN",
    "ORG_ID",
    "PLAIN_KEY",
    "POLICY_ARN",
    "REQUEST_ACTION",
    "STATEMENT_INDEX",
    "STS_EXTERNAL_ID",
    "STS_NAME",
    "STS_ROLE_ARN",
    "STS_SERIAL_NUMBER",
    "STS_TAG_CHARS",
    "STS_TOKEN_CODE",
    "TOML_LONG_NUMBER",
    "TOML_POSITION",
]

# ----------------------------------------------------------------- STS AssumeRole

# AWS writes these patterns in Java regex, where `\w` and `\d` are ASCII only; Python's
# match any Unicode letter or digit, so each is compiled with `re.ASCII`.

# RoleSessionName and SourceIdentity (AWS STS API Reference, AssumeRole).
STS_NAME = re.compile(r"[\w+=,.@-]*", re.ASCII)
# ExternalId (AWS STS API Reference, AssumeRole).
STS_EXTERNAL_ID = re.compile(r"[\w+=,.@:\/-]*", re.ASCII)
# SerialNumber, the MFA device (AWS STS API Reference, AssumeRole).
STS_SERIAL_NUMBER = re.compile(r"[\w+=/:,.@-]*", re.ASCII)
# TokenCode, the MFA code: digits (AWS STS API Reference, AssumeRole).
STS_TOKEN_CODE = re.compile(r"[\d]*", re.ASCII)
# RoleArn: an IAM role ARN in aws, aws-cn or aws-us-gov, else STS's "… is invalid".
STS_ROLE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role/[\w+=,.@/-]+", re.ASCII)
# Tags keys and values: STS's `[\p{L}\p{Z}\p{N}_.:/=+\-@]` in `re` terms (no `\p{…}`). These
# ARE Unicode: `\w` is `\p{L}`, `\p{N}` and `_`; `\p{Z}` (space and line/paragraph
# separators) is spelled out, since `\s` would also admit tabs and line feeds.
STS_TAG_CHARS = re.compile(r"[\w \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.:/=+\-@]*")

# ------------------------------------------------------------------------ requests

# The action of a request (`World.simulate`): `service:Action`, ASCII, no wildcards or
# whitespace (a policy's `s3:Get*` is a pattern; a request names one action).
REQUEST_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9_.-]+")

# ------------------------------------------------------ world documents and exports

# Account ids in world documents and AWS exports: 12 digits.
ACCOUNT_ID = re.compile(r"[0-9]{12}")
# IAM names: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
IAM_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")
# IAM paths: `/` or `/a/b/`, printable ASCII, at most 512 characters (IAM API `path` type).
IAM_PATH = re.compile(r"/|/[\x21-\x7e]+/")
# Managed policy ARNs: AWS managed (`aws`) or an account's (12 digits), optional path.
POLICY_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::(?:aws|\d{12}):policy/(?:[\x21-\x7e]*/)?[^/]+", re.ASCII
)
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
    r"(?P<path>/(?:[\x21-\x7e]*/)?)(?P<name>[^/]+)",
    re.ASCII,
)
# CPython reads no longer integer from decimal text (sys.get_int_max_str_digits()).
INT_DIGITS_LIMIT = 4300
# In JSON: strings (skipped whole), then what Python's JSON reader accepts and JSON does
# not (NaN, Infinity) or cannot read (an integer past the digit limit), in group `bad`.
JSON_BAD_TOKEN = re.compile(
    rf'"(?:[^"\\]|\\.)*"|(?P<bad>NaN|-?Infinity|-?\d{{{INT_DIGITS_LIMIT + 1},}}(?![.eE\d]))'
)
# In TOML: an integer past the digit limit (underscores allowed between digits).
TOML_LONG_NUMBER = re.compile(rf"\d[\d_]{{{INT_DIGITS_LIMIT},}}")
# tomllib's error message suffix ` (at line N, column M)`, split off to report the position.
TOML_POSITION = re.compile(
    r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$", re.ASCII
)

# ---------------------------------------------------------------------- renderers

# Control characters the text renderer escapes: C0 except tab and newline, DEL, C1.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A statement label made from its position (`Statement[2]`), as opposed to a Sid.
STATEMENT_INDEX = re.compile(r"Statement\[\d+\]", re.ASCII)
