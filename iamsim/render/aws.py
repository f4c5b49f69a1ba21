"""The error text AWS itself would return for a denied Decision — pure functions, no evaluation.

Formats follow the AWS IAM troubleshooting page ("Troubleshoot access denied error
messages"), as summarised in reference/aws-evaluation.md §1.12 and §5.5:

    User: <caller-arn> is not authorized to perform: <action>[ on resource: <arn>][ <context>]

(S3 writes the ARN in double quotes.)

The classic form (`aws_error`) carries no context: that is what STS returns for a
cross-account AssumeRole, identical whichever side failed (the gotcha of the seed
page). The detailed form (`aws_error_detailed`) appends the newer context phrase
for the FIRST denial, which the engine orders as AWS would report it.
"""

from __future__ import annotations

from iamsim.decision import Decision, Denial

__all__ = [
    "ACCESS_DENIED",
    "aws_error",
    "aws_error_detailed",
    "cli_error",
    "denial_context",
    "error_operation",
]

ACCESS_DENIED = "Access Denied"
"""S3's bare message for callers outside the bucket owner's account and organization."""

SAME_ORGANIZATION_NOTE = "in the same organization"
"""A Decision note containing this marks caller and resource as members of one organization."""

# `with an explicit deny in <phrase>` — spelled exactly as the AWS page spells it,
# including "a sessions policy" (sic) and "the role trust policy".
_EXPLICIT: dict[str, str] = {
    "scp": "a service control policy",
    "rcp": "a resource control policy",
    "vpce": "a VPC endpoint policy",
    "vpc_endpoint": "a VPC endpoint policy",
    "boundary": "a permissions boundary",
    "session": "a sessions policy",
    "resource": "a resource-based policy",
    "trust": "the role trust policy",
    "identity": "an identity-based policy",
}

# `because no <phrase> allows the <action> action`. AWS documents no implicit RCP
# form (RCPFullAWSAccess cannot be detached); the "resource control policy" phrase
# is this simulator's inference by analogy with SCPs.
_IMPLICIT: dict[str, str] = {
    "scp": "service control policy",
    "rcp": "resource control policy",
    "vpce": "VPC endpoint policy",
    "vpc_endpoint": "VPC endpoint policy",
    "session": "session policy",
    "resource": "resource-based policy",
    "trust": "role trust policy",
    "identity": "identity-based policy",
    "boundary": "permissions boundary",
}

# Where the CLI's operation name differs from the IAM action name.
_OPERATION_NAMES: dict[str, str] = {
    "s3:listbucket": "ListObjectsV2",
    "s3:listbucketversions": "ListObjectVersions",
    "s3:listbucketmultipartuploads": "ListMultipartUploads",
    "s3:listallmybuckets": "ListBuckets",
}


def _first(d: Decision) -> Denial | None:
    return d.denied_by[0] if d.denied_by else None


def _resource_for(d: Decision, action: str) -> str:
    """The resource of the check that evaluated `action` (TagSession is checked on the role)."""
    for check in d.checks:
        if check.action == action:
            return check.resource
    return d.resource


def _s3_outside(d: Decision, action: str) -> bool:
    """True when S3 would hide the reason: the caller is outside the owner's account and org.

    S3 adds the `User: … is not authorized` text only for same-account or same-organization
    requests; everyone else gets the bare `Access Denied` (S3 user guide, "Troubleshoot
    access denied (403 Forbidden) errors"). Accounts that differ (or are unknown) count as
    outside unless the engine noted that they are "in the same organization".
    """
    if not action.lower().startswith("s3:"):
        return False
    if d.caller_account is not None and d.caller_account == d.resource_account:
        return False
    # A saved decision knows its notes by their words only.
    return not any(
        r.code == "same_organization"
        or (r.code == "saved" and SAME_ORGANIZATION_NOTE in r.text("text"))
        for r in d.note_reasons
    )


def _classic(d: Decision, denial: Denial | None) -> str:
    action = denial.action if denial is not None else d.action
    text = f"User: {d.caller} is not authorized to perform: {action}"
    resource = _resource_for(d, action)
    # AWS leaves out "on resource:" for actions that take no resource. S3 quotes the ARN
    # (S3 user guide, "Troubleshoot access denied (403 Forbidden) errors").
    if resource and resource != "*":
        shown = f'"{resource}"' if action[:3].lower() == "s3:" else resource
        text += f" on resource: {shown}"
    return text


def denial_context(denial: Denial) -> str:
    """The phrase AWS appends for one denial: `because no …` / `with an explicit deny …`."""
    kind = denial.policy_type
    if kind == "service":
        # Not a policy: a rule of the service itself (root may not assume roles, …).
        return denial.reason
    if denial.explicit:
        phrase = _EXPLICIT.get(kind, f"a {kind} policy")
        return f"with an explicit deny in {phrase}"
    noun = _IMPLICIT.get(kind, f"{kind} policy")
    return f"because no {noun} allows the {denial.action} action"


# STS's AccessDenied text for the federated calls names only the action, not the caller,
# whose identity AWS does not echo (AWS STS API Reference, AssumeRoleWithWebIdentity and
# AssumeRoleWithSAML; IAM User Guide, "Troubleshooting IAM roles").
_FEDERATED_OPERATIONS = ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML")


def _own_message(d: Decision, denial: Denial | None) -> str | None:
    """A message that replaces AWS's usual text: a service rule's own, STS's for a federated
    call, or S3's bare one."""
    if denial is not None and denial.aws_message:
        return denial.aws_message
    if d.operation in _FEDERATED_OPERATIONS:
        return f"Not authorized to perform sts:{d.operation}"
    action = denial.action if denial is not None else d.action
    return ACCESS_DENIED if _s3_outside(d, action) else None


def aws_error(d: Decision) -> str | None:
    """The AccessDenied message AWS returns for the first denial, or None when allowed.

    For AssumeRole this is the seed page's classic text, the same whichever side failed.
    S3 gives callers of the bucket owner's account or organization the detailed text, and
    everyone else a bare `Access Denied` (S3 user guide, "Troubleshoot access denied (403
    Forbidden) errors").
    """
    if d.allowed:
        return None
    denial = _first(d)
    if (denial.action if denial is not None else d.action)[:3].lower() == "s3:":
        return aws_error_detailed(d)
    return _own_message(d, denial) or _classic(d, denial)


def aws_error_detailed(d: Decision) -> str | None:
    """The newer message naming the policy type of the first denial, or None when allowed.

    `… because no identity-based policy allows the sts:AssumeRole action`,
    `… with an explicit deny in a service control policy`; for a "service" denial
    (a rule of the service, not a policy) gets the classic text: AWS names no policy.
    """
    if d.allowed:
        return None
    denial = _first(d)
    own = _own_message(d, denial)
    if own is not None:
        return own
    classic = _classic(d, denial)
    if denial is None:
        return classic
    if denial.policy_type == "service":  # a rule of the service: AWS gives no policy reason
        return classic
    return f"{classic} {denial_context(denial)}"


def error_operation(d: Decision) -> str:
    """The API operation name the AWS CLI reports: `AssumeRole`, `s3:GetObject` → `GetObject`."""
    op = d.operation
    if op in _OPERATION_NAMES.values():
        return op
    mapped = _OPERATION_NAMES.get(op.lower())
    if mapped is not None:
        return mapped
    return op.split(":", 1)[-1]


def cli_error(d: Decision) -> str:
    """The AWS CLI's framing of the classic message.

    `An error occurred (AccessDenied) when calling the AssumeRole operation: User: …`.
    Raises ValueError for an allowed decision, which has no error to frame.
    """
    message = aws_error(d)
    if message is None:
        raise ValueError("the decision is allowed: there is no AWS error to show")
    operation = error_operation(d)
    return f"An error occurred (AccessDenied) when calling the {operation} operation: {message}"
