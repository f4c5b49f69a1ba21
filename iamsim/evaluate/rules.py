"""Which layers take part in a request, and who is exempt: AWS's rules before combining.

The world finds the facts (who calls, which policies, where both accounts sit in the
organization, what the request acts on); these rules decide what those facts mean:
whether an SCP or an RCP applies, whether a service takes a resource-based policy at
all, which service rules allow or deny whatever the policies say. `combine.py` then
applies the grant rules to the layers picked here. Each rule cites its AWS page.
"""

from __future__ import annotations

from typing import Literal, Protocol

from iamsim.evaluate.inputs import Attached, Inputs, OrgLevel
from iamsim.evaluate.services import (
    ANONYMOUS_ACTIONS,
    ANONYMOUS_SERVICES,
    KMS_ALIAS_ACTIONS,
    KMS_CROSS_ACCOUNT,
    PROTECTED_ROLE_ACTIONS,
    RBP_SERVICES,
    RCP_SERVICES,
    READ_ACCESS_LEVELS,
    RESOURCELESS_POLICY_SERVICES,
    SERVICE_LINKED_ROLE_EDITABLE,
)
from iamsim.reason import Reason, ReasonCode, ReasonFields
from iamsim.reference import action_info
from iamsim.request import Caller

__all__ = [
    "AWS_OWNER",
    "Placement",
    "TargetFacts",
    "honours_resource_policy",
    "kms_alias",
    "scope_inputs",
    "statement_needs_resource",
    "target_policy_required",
]


class Placement(Protocol):
    """Where an account sits in its organization, as far as the rules care."""

    @property
    def management(self) -> bool: ...

    @property
    def scp_levels(self) -> tuple[OrgLevel, ...]: ...

    @property
    def rcp_levels(self) -> tuple[OrgLevel, ...]: ...


class TargetFacts(Protocol):
    """What the request acts on, as the world found it."""

    @property
    def account(self) -> str | None: ...

    @property
    def policy(self) -> Attached | None: ...

    @property
    def policy_type(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def label(self) -> str: ...

    @property
    def arn(self) -> str | None: ...

    @property
    def missing(self) -> Reason | None: ...

    @property
    def aws_managed(self) -> bool: ...


# -- what a resource's policy can do ------------------------------------------------


def honours_resource_policy(service: str) -> bool:
    """Whether resources of `service` can carry a resource-based policy at all (IAM User
    Guide, "AWS services that work with IAM", column "Resource-based policies")."""
    return service in RBP_SERVICES


def target_policy_required(service: str, *, trust: bool) -> bool:
    """Whether the target's own policy must allow even within one account: a role trust
    policy (IAM User Guide, "Policy evaluation logic": roles) and a KMS key policy (AWS KMS
    Developer Guide, "Key policies": no principal has access to a key unless its key policy
    allows it)."""
    return trust or service == "kms"


def statement_needs_resource(service: str) -> bool:
    """Whether a resource-policy statement without Resource/NotResource has no effect: KMS
    says so of key policies ("AWS KMS key policies"), and other services refuse such a
    policy when it is set; ECR repository policies name no Resource."""
    return service not in RESOURCELESS_POLICY_SERVICES


# -- targets that take no part -------------------------------------------------------

# The account field of resources that AWS owns and no customer account does
# (`arn:aws:iam::aws:policy/ReadOnlyAccess`).
AWS_OWNER = "aws"


def _reads(action: str) -> bool:
    """Whether `action` only reads: access level Read or List in the service reference
    (Service Authorization Reference, "Access levels in policy summaries"). An action the
    reference does not know counts as a write, the least permissive reading."""
    info = action_info(action)
    if info is None:
        return False
    return {level.strip() for level in info.access.split(",")} <= READ_ACCESS_LEVELS


def kms_alias(resource: str | None) -> str | None:
    """The alias name (`alias/NAME`) of a KMS alias ARN, else None."""
    parts = (resource or "").split(":", 5)
    if len(parts) == 6 and parts[2] == "kms" and parts[5].startswith("alias/"):
        return parts[5]
    return None


def _target_note(action: str, target: TargetFacts) -> Reason | None:
    """Why the target side takes no part in the request, so that the caller's policies alone
    decide as for a resource of its own account; None when it takes part."""
    if target.account == AWS_OWNER:
        # IAM User Guide, "AWS managed policies": AWS creates and administers them; every
        # account can read and attach them, and no account owns them.
        return Reason("aws_owned_target", (("resource", target.arn or ""),))
    if kms_alias(target.arn) and action.lower() in KMS_ALIAS_ACTIONS:
        # AWS KMS Developer Guide, "Controlling access to aliases": the permission for the
        # alias comes from an IAM policy; an alias has no key policy.
        return Reason("kms_alias_no_key_policy", (("alias", target.arn or ""),))
    return None


def _missing(action: str, target: TargetFacts) -> Reason | None:
    """Why the target has no resource-based policy, where a rule says more than the world."""
    if target.account == AWS_OWNER:
        return Reason("aws_owned_no_resource_policy", (("resource", target.arn or ""),))
    return target.missing


# -- which organization layers apply ------------------------------------------------


def _scp_exemption(caller: Caller, place: Placement | None) -> Reason | None:
    """Why SCPs do not apply to this caller, or None when they do (AWS Organizations,
    "Service control policies": SCPs affect only IAM users and roles of member accounts;
    they never restrict the management account or service-linked roles)."""
    if caller.kind in ("service", "anonymous"):
        return Reason("scp_not_for_services")
    if caller.kind in ("web_identity", "saml"):
        # SCPs restrict the IAM principals of member accounts; a web-identity or SAML
        # caller signs in with its identity provider and belongs to no account.
        return Reason("scp_not_for_federated")
    if place is None:
        return Reason("caller_not_in_organization")
    if place.management:
        return Reason("exempt_scp_management_account")
    if caller.service_linked:
        return Reason("exempt_scp_service_linked_role")
    return None


def _rcp_exemption(
    caller: Caller, action: str, target: TargetFacts, place: Placement | None
) -> Reason | None:
    """Why RCPs do not apply to this request, or None when they do (AWS Organizations,
    "Resource control policies": supported services only; never the management account's
    resources, service-linked roles, AWS services assuming their service-linked roles, AWS
    managed KMS keys, or kms:RetireGrant)."""
    service = action.split(":", 1)[0].lower()
    if target.account == AWS_OWNER:
        return Reason("rcp_aws_owned")
    if place is None:
        return Reason("resource_not_in_organization")
    if place.management:
        return Reason("exempt_rcp_management_account")
    if service not in RCP_SERVICES:
        return Reason("rcp_not_for_service", (("service", service),))
    if caller.service_linked:
        return Reason("exempt_rcp_service_linked_role")
    if target.policy_type == "trust" and ":role/aws-service-role/" in (target.arn or ""):
        return Reason("exempt_rcp_service_linked_role_assumed")
    if target.aws_managed:
        return Reason("exempt_rcp_aws_managed_key")
    if action.lower() == "kms:retiregrant":
        return Reason("exempt_rcp_retire_grant")
    return None


# -- service rules outside the policies ---------------------------------------------


def _service_allow(caller: Caller, action: str) -> Reason | None:
    """A call that needs no permission and cannot be denied (AWS STS API reference,
    GetCallerIdentity)."""
    if action.lower() == "sts:getcalleridentity" and caller.kind != "anonymous":
        return Reason("get_caller_identity")
    return None


def _service_denial(
    caller: Caller, action: str, target: TargetFacts
) -> tuple[Reason, Literal["source", "target"]] | None:
    """A service rule that denies whatever the policies say: (reason, side), or None."""
    service = action.split(":", 1)[0].lower()
    lowered = action.lower()
    if caller.kind == "root" and lowered == "sts:assumerole":
        # IAM User Guide, "Compare AWS STS credentials": the root user cannot call AssumeRole.
        return Reason("root_cannot_assume_role", (("caller", caller.display),)), "source"
    if (
        caller.kind == "anonymous"
        and service not in ANONYMOUS_SERVICES
        and lowered not in ANONYMOUS_ACTIONS
    ):
        # Only S3, SQS and SNS (and Lambda function URLs with auth type NONE) accept
        # unsigned requests (IAM User Guide, policy variables; Lambda Developer Guide).
        return (
            Reason(
                "anonymous_not_accepted",
                (("service", service), ("services", tuple(sorted(ANONYMOUS_SERVICES)))),
            ),
            "source",
        )
    if target.account == AWS_OWNER and not _reads(action):
        # IAM User Guide, "AWS managed policies": "You cannot change the permissions defined
        # in AWS managed policies"; AWS alone updates them. No customer writes what AWS owns.
        code: ReasonCode = (
            "aws_managed_policy_write" if ":policy/" in (target.arn or "") else "aws_owned_write"
        )
        return Reason(code, (("resource", target.arn or ""), ("action", action))), "target"
    alias = kms_alias(target.arn)
    if alias is not None and lowered in KMS_ALIAS_ACTIONS:
        if alias.startswith("alias/aws/"):
            # AWS KMS Developer Guide, "Create aliases": the alias/aws/ prefix is reserved for
            # AWS managed keys; "You cannot manage aliases for AWS managed keys".
            return Reason("kms_alias_reserved", (("alias", alias),)), "target"
        if caller.account and target.account and caller.account != target.account:
            # AWS KMS API Reference, CreateAlias/UpdateAlias/DeleteAlias: "Cross-account
            # use: No. You cannot perform this operation on an alias in a different AWS
            # account."
            fields = (
                ("action", action),
                ("alias", target.arn or ""),
                ("account", target.account),
            )
            return Reason("kms_alias_cross_account", fields), "target"
    if target.aws_managed and lowered in KMS_ALIAS_ACTIONS:
        # AWS KMS Developer Guide, "Create aliases": you cannot manage aliases for AWS
        # managed keys or AWS owned keys.
        return Reason("kms_alias_aws_managed_key", (("key", target.arn or ""),)), "target"
    protected = _protected_role(caller, lowered, target.arn)
    if protected is not None:
        return protected
    if (
        service == "kms"
        and caller.account
        and target.account
        and caller.account != target.account
        and lowered not in KMS_CROSS_ACCOUNT
    ):
        # AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS key".
        return Reason("kms_cross_account", (("action", action),)), "target"
    return None


def _role_path(arn: str | None) -> tuple[str, str] | None:
    """(path, name) of an IAM role ARN (`role/a/b/Name` → (`/a/b/`, `Name`)), else None."""
    parts = (arn or "").split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    path, _, name = parts[5][len("role/") :].rpartition("/")
    return (f"/{path}/" if path else "/", name)


_SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
_SLR_PATH = "/aws-service-role/"


def _owning_service(path: str) -> str | None:
    """The service that owns a role under `path`: IAM Identity Center for its reserved roles,
    the service named in the path for a service-linked role; None for a customer's role."""
    if path.startswith(_SSO_PATH):
        return "sso.amazonaws.com"
    if path.startswith(_SLR_PATH):
        return path[len(_SLR_PATH) :].split("/", 1)[0] or None
    return None


def _acts_for(caller: Caller, service: str) -> bool:
    """Whether the caller is `service` itself: its service principal, or a session of one of
    its service-linked roles (IAM Identity Center changes its roles through
    AWSServiceRoleForSSO)."""
    if caller.kind == "service":
        return caller.service == service
    found = _role_path(caller.principal_arn) if caller.service_linked else None
    return found is not None and _owning_service(found[0]) == service


def _protected_role(
    caller: Caller, lowered: str, arn: str | None
) -> tuple[Reason, Literal["source", "target"]] | None:
    """A change to a role that IAM Identity Center or a service owns, by anyone else."""
    found = _role_path(arn) if lowered in PROTECTED_ROLE_ACTIONS else None
    service = None if found is None else _owning_service(found[0])
    if found is None or service is None or _acts_for(caller, service):
        return None
    path, name = found
    fields: ReasonFields = (("role", arn or ""), ("name", name), ("service", service))
    if path.startswith(_SSO_PATH):
        # IAM Identity Center User Guide, "Permission sets" / "Service-linked roles": the
        # roles it creates in each account (AWSReservedSSO_…) are changed only through
        # IAM Identity Center, when their permission set changes.
        return Reason("protected_role_identity_center", fields), "target"
    if lowered in SERVICE_LINKED_ROLE_EDITABLE:
        return None
    # IAM User Guide, "Using service-linked roles": the service defines the role's trust
    # and permissions policies; only it changes them, and a customer deletes the role
    # with iam:DeleteServiceLinkedRole (or through the service), not iam:DeleteRole.
    return Reason("protected_role_service_linked", fields), "target"


def _service_notes(action: str, target: TargetFacts) -> tuple[Reason, ...]:
    """Caveats of a service about a request that the policies allow or deny."""
    found = _role_path(target.arn)
    if (
        action.lower() == "iam:deleteservicelinkedrole"
        and found is not None
        and found[0].startswith(_SLR_PATH)
    ):
        # IAM User Guide, "Using service-linked roles": deletion is a task the service
        # must accept; it fails while the service's resources still use the role.
        return (Reason("service_linked_role_deletion"),)
    return ()


def fixed_source_identity(caller_source_identity: str | None, action: str) -> str | None:
    """The source identity a request must keep: a role session's source identity persists
    through a role chain, and a request that sets another "will be denied" (IAM User Guide,
    "Monitor and control actions taken with assumed roles")."""
    if caller_source_identity is not None and action.lower() == "sts:setsourceidentity":
        return caller_source_identity
    return None


# -- one scope's inputs -------------------------------------------------------------


def _public_restriction(caller: Caller, target: TargetFacts) -> Reason | None:
    """RestrictPublicBuckets on a bucket whose policy is public: only AWS service principals
    and the bucket owner's own account keep its grants (S3 User Guide, "Blocking public
    access to your Amazon S3 storage"; PublicAccessBlockConfiguration)."""
    if caller.kind == "service" or (
        caller.account is not None and caller.account == target.account
    ):
        return None
    return Reason(
        "bpa_restrict_public_buckets",
        (("bucket", target.arn or ""), ("account", target.account or "")),
    )


def scope_inputs(
    caller: Caller,
    action: str,
    target: TargetFacts,
    caller_place: Placement | None,
    target_place: Placement | None,
    *,
    identity: tuple[Attached, ...] | None,
    boundary: Attached | None,
    session: tuple[Attached, ...] | None,
    identity_note: Reason | None,
    source_identity: str | None,
    notes: tuple[Reason, ...],
    public_bucket: bool = False,
) -> Inputs:
    """Every layer that takes part in a request of `caller` for `action` on `target`, with
    the reason for each that does not."""
    scp_note = _scp_exemption(caller, caller_place)
    rcp_note = _rcp_exemption(caller, action, target, target_place)
    service_allow = _service_allow(caller, action)
    denial = _service_denial(caller, action, target)
    target_note = _target_note(action, target)
    return Inputs(
        caller_account=caller.account,
        resource_account=target.account,
        identity=identity,
        resource_type=target.policy_type,  # type: ignore[arg-type]
        resource_policy=target.policy,
        resource_required=target.required and target_note is None,
        # "Monitor and control actions taken with assumed roles": in a role chain,
        # sts:SetSourceIdentity must be allowed by the permissions policy of the role
        # that assumes "and" by the trust policy of the target role.
        identity_required=(
            caller.kind == "role_session" and action.lower() == "sts:setsourceidentity"
        ),
        resource_label=target.label,
        resource_arn=target.arn,
        resource_missing=_missing(action, target),
        target_note=target_note,
        root_caller=caller.kind == "root",
        boundary=boundary,
        session=session,
        scp=None if scp_note is not None or caller_place is None else caller_place.scp_levels,
        scp_note=scp_note,
        rcp=None if rcp_note is not None or target_place is None else target_place.rcp_levels,
        rcp_note=rcp_note,
        service_denial=None if denial is None else denial[0],
        service_side="target" if denial is None else denial[1],
        service_allow=service_allow,
        fixed_source_identity=fixed_source_identity(source_identity, action),
        public_restricted=_public_restriction(caller, target) if public_bucket else None,
        identity_note=identity_note,
        notes=(
            *((service_allow,) if service_allow else ()),
            *notes,
            *((target_note,) if target_note else ()),
            *_service_notes(action, target),
        ),
    )
