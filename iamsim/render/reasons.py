"""Reason codes → words: the one table that phrases every denial reason and note.

Each entry gives a reason's words without their final full stop (so a renderer can
build a longer sentence around them, as `explain`'s first line does) and the stop
itself: a denial reason is a sentence, a layer note a phrase.
"""

from __future__ import annotations

from collections.abc import Callable

from iamsim.decision import POLICY_TYPE_WORDS
from iamsim.reason import Reason, ReasonCode

__all__ = ["AWS_MESSAGES", "WORDS", "aws_message", "clause", "sentence"]


def _words(policy_type: str) -> str:
    return POLICY_TYPE_WORDS.get(policy_type, f"{policy_type} policy")


def _delegated(r: Reason) -> str:
    """The second sentence of an identity denial when a resource policy trusts the account."""
    by = r.text("delegated_by")
    if not by:
        return ""
    return f". The {_words(by)} trusts the account, which delegates to its identity policies"


def _meant(r: Reason) -> str:
    """` (did you mean `ARN`?)` when the world holds a close match for the missing name."""
    meant = r.text("suggestion")
    return f" (did you mean `{meant}`?)" if meant else ""


def _explicit_deny(r: Reason) -> str:
    where = f" attached to {r.text('attached_to')}" if r.text("attached_to") else ""
    return (
        f"{r.text('statement')} of the {_words(r.text('policy_type'))} {r.text('policy')}"
        f"{where} explicitly denies {r.text('action')}"
    )


def _org_level_no_allow(r: Reason) -> str:
    return (
        f"No {_words(r.text('policy_type'))} attached to {r.text('attached_to')} "
        f"({r.text('policies') or 'no policy'}) allows {r.text('action')}; every level from "
        "the root to the account must allow it"
    )


_Phrase = Callable[[Reason], str]

WORDS: dict[ReasonCode, tuple[_Phrase, str]] = {
    # -- denials: AWS's combining rules
    "explicit_deny": (_explicit_deny, "."),
    "org_level_no_allow": (_org_level_no_allow, "."),
    "no_identity_allow": (
        lambda r: (
            f"No identity policy of {r.text('caller')} allows {r.text('action')} on "
            f"{r.text('resource')}{_delegated(r)}"
        ),
        ".",
    ),
    "boundary_no_allow": (
        lambda r: (
            f"The permissions boundary {r.text('policy')} does not allow {r.text('action')}; "
            "a boundary caps what identity policies grant"
        ),
        ".",
    ),
    "session_no_allow": (
        lambda r: (
            f"No session policy of {r.text('caller')} allows {r.text('action')}; session "
            "policies cap what the role's policies grant"
        ),
        ".",
    ),
    "resource_condition_failed": (
        lambda r: (
            f"The {_words(r.text('policy_type'))} of {r.text('resource')} would allow "
            f"{r.text('caller')} but a condition on {r.text('keys')} does not hold"
        ),
        ".",
    ),
    "resource_no_statement": (
        lambda r: (
            f"No statement of the {_words(r.text('policy_type'))} of {r.text('resource')} "
            f"allows {r.text('action')} for {r.text('caller')}"
        ),
        ".",
    ),
    "resource_policy_absent": (
        lambda r: (
            f"The {r.text('label')} {r.text('resource')} has no "
            f"{_words(r.text('policy_type'))}, and a caller from another account needs one "
            "to allow it"
        ),
        ".",
    ),
    "vpc_endpoint_no_allow": (
        lambda r: (
            f"The {r.text('policy')} does not allow {r.text('action')} for this caller"
            + (f" (its Allow conditions on {r.text('keys')} fail)" if r.text("keys") else "")
            + "; the policy of the VPC endpoint a request comes through must allow it"
        ),
        ".",
    ),
    "bpa_restrict_public_buckets": (
        lambda r: (
            f"The bucket policy of {r.text('bucket')} is public and S3 Block Public Access "
            "(RestrictPublicBuckets) is on, so its grants reach only AWS service principals "
            f"and principals of the bucket owner's account {r.text('account')}"
        ),
        ".",
    ),
    "resource_policy_required": (
        lambda r: (
            f"The {r.text('label')} {r.text('resource')} has no "
            f"{_words(r.text('policy_type'))}, and {r.text('action')} requires one to allow it"
        ),
        ".",
    ),
    # -- what the world cannot describe
    "caller_account_unknown": (
        lambda r: (
            f"Account {r.text('account')} is not described by the world, so "
            f"{r.text('caller')} has no identity policies that could allow the request"
            f"{_delegated(r)}{_meant(r)}"
        ),
        ".",
    ),
    "role_missing": (
        lambda r: (
            f"The role {r.text('role')} does not exist in account {r.text('account')}"
            f"{_meant(r)}; AWS answers AccessDenied, exactly as for a trust failure"
        ),
        ".",
    ),
    "role_account_unknown": (
        lambda r: (
            f"Account {r.text('account')} is not described by the world, so the role "
            f"{r.text('role')} and its trust policy are unknown{_meant(r)}"
        ),
        ".",
    ),
    "resource_unknown": (
        lambda r: (
            f"{r.text('resource')} is not described by the world{_meant(r)}, so "
            + (
                f"it has no resource-based policy in account {r.text('account')}"
                if r.text("account")
                else "its owner and its resource-based policy are unknown"
            )
        ),
        ".",
    ),
    "service_without_resource_policies": (
        lambda r: (
            f"{r.text('service')} does not support resource-based policies, so nothing on "
            f"{r.text('resource')} can grant a caller from another account; such a caller "
            f"needs a role in account {r.text('account')}"
        ),
        ".",
    ),
    # -- rules of a service
    "anonymous_not_accepted": (
        lambda r: (
            f"{r.text('service')} does not accept anonymous (unsigned) requests; only "
            f"{r.text('services')} do"
        ),
        ".",
    ),
    "kms_cross_account": (
        lambda r: (
            f"KMS does not allow {r.text('action')} across accounts: only cryptographic "
            "operations, grants, DescribeKey, GetKeyRotationStatus and GetPublicKey work on "
            "another account's key"
        ),
        ".",
    ),
    "get_caller_identity": (
        lambda r: (
            "sts:GetCallerIdentity needs no permission and cannot be denied "
            "(AWS STS API reference, GetCallerIdentity)"
        ),
        ".",
    ),
    "root_cannot_assume_role": (
        lambda r: (
            f"{r.text('caller')} is an account root user, and the root user cannot call "
            "AssumeRole; sign in as an IAM user or role instead"
        ),
        ".",
    ),
    "source_identity_fixed": (
        lambda r: (
            f"The calling session's source identity {r.text('inherited')!r} cannot be changed "
            f"to {r.text('wanted')!r}: a source identity set earlier in a role chain persists. "
            f"Pass {r.text('inherited')!r}, or leave it out"
        ),
        ".",
    ),
    "aws_managed_policy_write": (
        lambda r: (
            f"{r.text('resource')} is an AWS managed policy: AWS owns and maintains it, and no "
            f"customer account can change it, so {r.text('action')} is refused whatever the "
            "policies say (IAM User Guide, AWS managed policies). Copy it into a customer "
            "managed policy to change it"
        ),
        ".",
    ),
    "aws_owned_write": (
        lambda r: (
            f"{r.text('resource')} is a resource that AWS owns: no customer account can change "
            f"it, so {r.text('action')} is refused whatever the policies say"
        ),
        ".",
    ),
    "kms_alias_reserved": (
        lambda r: (
            f"{r.text('alias')} is the alias of an AWS managed key: the alias/aws/ prefix is "
            "reserved for AWS, and no customer can create, update or delete such an alias "
            "(AWS KMS Developer Guide, Create aliases)"
        ),
        ".",
    ),
    "kms_alias_cross_account": (
        lambda r: (
            f"KMS aliases do not work across accounts: {r.text('action')} works only on "
            f"aliases of the caller's own account, and {r.text('alias')} is in account "
            f"{r.text('account')} (AWS KMS API Reference: cross-account use: No)"
        ),
        ".",
    ),
    "kms_alias_aws_managed_key": (
        lambda r: (
            f"{r.text('key')} is an AWS managed key: no customer can create, update or delete "
            "its aliases (AWS KMS Developer Guide, Create aliases)"
        ),
        ".",
    ),
    "protected_role_identity_center": (
        lambda r: (
            f"{r.text('role')} is a role that IAM Identity Center created for a permission "
            "set: IAM principals cannot change or delete it; change the permission set or the "
            "account assignment in IAM Identity Center instead (IAM Identity Center User "
            "Guide, permission sets)"
        ),
        ".",
    ),
    "protected_role_service_linked": (
        lambda r: (
            f"{r.text('role')} is a service-linked role of {r.text('service')}: only that "
            "service changes its trust policy, permissions and tags; IAM principals can edit "
            "its description and delete it with iam:DeleteServiceLinkedRole once the service "
            "no longer uses it (IAM User Guide, Using service-linked roles)"
        ),
        ".",
    ),
    # -- layer notes
    "scp_not_for_services": (
        lambda r: "SCPs do not apply to AWS service principals or anonymous callers",
        "",
    ),
    "scp_not_for_federated": (
        lambda r: "SCPs do not apply: a web-identity or SAML caller has no AWS account",
        "",
    ),
    "caller_not_in_organization": (
        lambda r: "the caller's account is not in an organization",
        "",
    ),
    "rcp_aws_owned": (
        lambda r: "AWS owns the resource, and no customer's RCP governs it",
        "",
    ),
    "aws_owned_target": (
        lambda r: (
            f"AWS owns {r.text('resource')}, not a customer account: no resource-based policy "
            "or RCP of a customer takes part, and the caller's policies alone decide (IAM User "
            "Guide, AWS managed policies)"
        ),
        ".",
    ),
    "kms_alias_no_key_policy": (
        lambda r: (
            f"The KMS alias {r.text('alias')} has no key policy: the caller's IAM policies "
            "alone govern it, and the KMS key it points to is a check of its own (AWS KMS "
            "Developer Guide, Controlling access to aliases)"
        ),
        ".",
    ),
    "aws_owned_no_resource_policy": (
        lambda r: (
            f"AWS owns {r.text('resource')}: it has no resource-based policy, and none can be added"
        ),
        ".",
    ),
    "service_linked_role_deletion": (
        lambda r: (
            "iam:DeleteServiceLinkedRole only submits the deletion: it succeeds once the "
            "service no longer uses the role (GetServiceLinkedRoleDeletionStatus)"
        ),
        ".",
    ),
    "exempt_scp_management_account": (
        lambda r: "exempt: SCPs never restrict the management account",
        "",
    ),
    "exempt_scp_service_linked_role": (
        lambda r: "exempt: SCPs do not restrict service-linked roles",
        "",
    ),
    "resource_not_in_organization": (
        lambda r: "the resource's account is not in an organization",
        "",
    ),
    "exempt_rcp_management_account": (
        lambda r: "exempt: RCPs never restrict resources of the management account",
        "",
    ),
    "rcp_not_for_service": (lambda r: f"RCPs do not apply to the {r.text('service')} service", ""),
    "exempt_rcp_service_linked_role": (
        lambda r: "exempt: RCPs do not restrict service-linked roles",
        "",
    ),
    "exempt_rcp_service_linked_role_assumed": (
        lambda r: "exempt: RCPs do not restrict assuming a service-linked role",
        "",
    ),
    "exempt_rcp_aws_managed_key": (
        lambda r: "exempt: RCPs do not apply to AWS managed KMS keys",
        "",
    ),
    "exempt_rcp_retire_grant": (lambda r: "exempt: RCPs do not restrict kms:RetireGrant", ""),
    "identity_not_needed_without_identity": (
        lambda r: (
            "callers without an identity (services, anonymous) need only the resource-based policy"
        ),
        "",
    ),
    "not_needed_direct_grant": (
        lambda r: f"not needed: the {_words(r.text('policy_type'))} allows the caller directly",
        "",
    ),
    "not_needed_role_grant": (
        lambda r: (
            f"not needed: the {_words(r.text('policy_type'))} allows the role, within its "
            "boundary and session policy"
        ),
        "",
    ),
    "resource_not_needed_same_account": (
        lambda r: "not needed within one account: the identity policies allow it",
        "",
    ),
    "root_allowed_in_own_account": (
        lambda r: "the account root user is implicitly allowed in its own account",
        "",
    ),
    "no_resource_policy": (
        lambda r: f"the {r.text('label')} has no {_words(r.text('policy_type'))}",
        "",
    ),
    # -- decision notes
    "deny_skipped_missing_key": (
        lambda r: (
            f"The Deny {r.text('statement')} of {r.text('policy')} did not apply because the "
            f"request lacks {r.text('keys')}. AWS sets some keys on every real request "
            "(aws:RequestedRegion, aws:SourceIp): pass them with `context` to be sure"
        ),
        ".",
    ),
    "region_unknown": (
        lambda r: (
            "no region is known for this call, so it carries no aws:RequestedRegion: give the "
            "region it is made in (region=, --region, AWS_REGION or the world's default_region)"
        ),
        ".",
    ),
    "role_simulated_as_session": (
        lambda r: f"{r.text('role')} is a role; simulated as its session {r.text('session')}",
        "",
    ),
    "session_arn_fresh": (
        lambda r: (
            f"{r.text('session')} is simulated as a fresh session of its role, without the "
            "MFA, session tags, source identity or session policies the real one may carry: "
            "pass its RoleSession (on the command line, simulate --session FILE) to keep them"
        ),
        ".",
    ),
    "federated_claims_unverified": (
        lambda r: (
            f"{r.text('operation')}: the token's claims were taken as given; iamsim "
            "checks no signature, expiry of the signing keys or thumbprint"
        ),
        "",
    ),
    "saml_role_from_call": (
        lambda r: (
            "the assertion has no Role attribute; the pair "
            f"{r.text('role')},{r.text('provider')} of the call stands in for it"
        ),
        "",
    ),
    "saml_session_name_from_subject": (
        lambda r: (
            "the assertion has no RoleSessionName attribute; saml:sub "
            f"({r.text('session')}) stands in for it"
        ),
        "",
    ),
    "same_organization": (
        lambda r: (
            "The caller's and the resource's accounts are in the same organization "
            f"({r.text('organization')})"
        ),
        ".",
    ),
    "bpa_public_bucket": (
        lambda r: (
            "the bucket policy is public and RestrictPublicBuckets is on: its grants reach "
            f"only AWS service principals and account {r.text('account')}"
        ),
        "",
    ),
    "vpc_endpoint_unknown": (
        lambda r: (
            f"The request comes through VPC endpoint {r.text('endpoint')}, which the world "
            "does not hold: no endpoint policy was evaluated"
        ),
        ".",
    ),
    "vpc_endpoint_other_service": (
        lambda r: (
            f"VPC endpoint {r.text('endpoint')} reaches {r.text('service')}, not the service "
            f"of {r.text('action')}: its endpoint policy was not evaluated"
        ),
        ".",
    ),
    # -- a saved reason: only its words are known (see `sentence` and `clause`)
    "saved": (lambda r: r.text("text"), ""),
}
"""Every reason code's words (without the final stop) and its final stop."""


def sentence(reason: Reason | str) -> str:
    """The reason in words, as a person reads it on its own."""
    if isinstance(reason, str):
        return reason
    phrase, stop = WORDS[reason.code]
    return phrase(reason) + stop


def clause(reason: Reason | str) -> str:
    """The reason's words without the final full stop, to go inside a longer sentence.

    A saved reason is known only by its words: its stop is cut off the text.
    """
    if isinstance(reason, str) or reason.code == "saved":
        return sentence(reason).rstrip(".")
    return WORDS[reason.code][0](reason)


def _protected_role_message(r: Reason) -> str:
    # IAM's own error for a protected role (UnmodifiableEntity).
    return (
        f"Cannot perform the operation on the protected role '{r.text('name')}' - this role "
        "is only modifiable by AWS"
    )


# Service rules whose denial AWS words its own way instead of its usual AccessDenied text.
AWS_MESSAGES: dict[ReasonCode, _Phrase] = {
    # S3 gives a request that Block Public Access refuses its bare message (S3 User Guide,
    # "Troubleshoot access denied (403 Forbidden) errors", Block Public Access settings).
    "bpa_restrict_public_buckets": lambda r: "Access Denied",
    # AWS STS, AssumeRole called with root credentials.
    "root_cannot_assume_role": lambda r: "Roles may not be assumed by root accounts.",
    "protected_role_identity_center": _protected_role_message,
    "protected_role_service_linked": _protected_role_message,
}


def aws_message(reason: Reason | str) -> str | None:
    """AWS's own message for the service rule behind `reason`, or None."""
    found = Reason.of(reason)
    phrase = AWS_MESSAGES.get(found.code)
    return None if phrase is None else phrase(found)
