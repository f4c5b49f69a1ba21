"""AWS's size quotas on customer policy documents, counted as AWS counts them.

IAM and STS quotas (IAM User Guide, "IAM and AWS STS quotas", "IAM and STS character
quotas"): a managed policy holds at most 6,144 characters; the inline policies of one user,
group or role hold at most 2,048, 5,120 and 10,240 characters together; "IAM does not count
white space when calculating the size of a policy against these quotas". A role trust policy
holds 2,048 characters by default, adjustable per account up to 4,096 ("Default quotas for
IAM entities"). AWS Organizations ("Quotas and service limits for AWS Organizations",
maximum size of a policy document): an SCP or an RCP holds at most 5,120 characters.
AWS PrivateLink Guide ("Control access to VPC endpoints using endpoint policies"): an endpoint
policy holds at most 20,480 characters, white space included; a world document keeps no
white space of its own, so its minified length is what is counted.

A document is counted as its minified JSON: whitespace between JSON elements is left out,
whitespace inside strings is counted. A YAML or TOML document is counted the same way.
AWS managed policies are AWS's, not the customer's, and are never counted.
"""

from __future__ import annotations

import json

from iamsim.model import Policy

__all__ = [
    "GROUP_INLINE",
    "MANAGED_POLICY",
    "ORGANIZATION_POLICY",
    "ROLE_INLINE",
    "TRUST_POLICY_DEFAULT",
    "TRUST_POLICY_MAX",
    "USER_INLINE",
    "VPC_ENDPOINT_POLICY",
    "policy_length",
]

MANAGED_POLICY = 6144
USER_INLINE = 2048
GROUP_INLINE = 5120
ROLE_INLINE = 10240
TRUST_POLICY_DEFAULT = 2048
TRUST_POLICY_MAX = 4096
ORGANIZATION_POLICY = 5120
VPC_ENDPOINT_POLICY = 20480


def policy_length(policy: Policy) -> int:
    """The characters a quota counts in `policy`: its minified JSON."""
    return len(json.dumps(policy.to_dict(), separators=(",", ":"), ensure_ascii=False))
