"""The grammar's tables (elements, versions, kind sets) in one place, each with its AWS source."""

from __future__ import annotations

from typing import Final

VERSIONS: Final = ("2012-10-17", "2008-10-17")
CURRENT_VERSION: Final = "2012-10-17"
TOP_ELEMENTS: Final = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS: Final = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_TYPES: Final = ("AWS", "Service", "Federated", "CanonicalUser")
EFFECTS: Final = ("Allow", "Deny")

# Kinds IAM itself stores and validates. IAM User Guide, "IAM JSON policy elements:
# Sid": "In IAM, the Sid value must be unique within a JSON policy" and "The Sid
# element supports ASCII uppercase letters (A-Z), lowercase letters (a-z), and
# numbers (0-9)". Services with their own policy store (S3, SQS, SNS, KMS…) have
# their own Sid rules (KMS allows spaces), so resource policies are not held to it.
_IAM_STORED: Final = frozenset({"identity", "boundary", "trust", "session"})
# IAM User Guide, "IAM JSON policy grammar" / IAM quotas: policy documents may only
# hold U+0009, U+000A, U+000D and U+0020-U+00FF. Organizations policies follow it.
_CHARSET_LIMITED: Final = _IAM_STORED | {"scp", "rcp"}
_NO_PRINCIPAL: Final = frozenset({"identity", "boundary", "session", "scp"})
_RESOURCE_REQUIRED: Final = frozenset({"identity", "boundary", "session", "scp", "rcp"})
_NEEDS_VERSION_2012: Final = frozenset({"scp", "rcp"})

_KIND_NAMES: Final = {
    "identity": "an identity policy",
    "resource": "a resource policy",
    "trust": "a trust policy",
    "boundary": "a permissions boundary",
    "session": "a session policy",
    "scp": "an SCP",
    "rcp": "an RCP",
}
_SID_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_ALLOWED_CONTROLS: Final = frozenset("\t\n\r")
