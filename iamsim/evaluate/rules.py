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
from iamsim.reference import action_info
from iamsim.request import Caller

__all__ = [
    "AWS_OWNER",
    "Placement",
    "TargetFacts",
    "alias_request_problem",
    "honours_resource_policy",
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
    def missing(self) -> str | None: ...

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

AWS_OWNER = "aws"
"""The account field of resources that AWS owns and no customer account does
(`arn:aws:iam::aws:policy/ReadOnlyAccess`)."""


def _reads(action: str) -> bool:
    """Whether `action` only reads: access level Read or List in the service reference
    (Service Authorization Reference, "Access levels in policy summaries"). An action the
    reference does not know counts as a write, the least permissive reading."""
    info = action_info(action)
    if info is None:
        return False
    return {level.strip() for level in info.access.split(",")} <= READ_ACCESS_LEVELS


def _kms_alias(resource: str | None) -> str | None:
    """The alias name (`alias/NAME`) of a KMS alias ARN, else None."""
    parts = (resource or "").split(":", 5)
    if len(parts) == 6 and parts[2] == "kms" and parts[5].startswith("alias/"):
        return parts[5]
    return None


def _target_note(action: str, target: TargetFacts) -> str | None:
    """Why the target side takes no part in the request, so that the caller's policies alone
    decide as for a resource of its own account; None when it takes part."""
    if target.account == AWS_OWNER:
        # IAM User Guide, "AWS managed policies": AWS creates and administers them; every
        # account can read and attach them, and no account owns them.
        return (
            f"AWS owns {target.arn}, not a customer account: no resource-based policy or RCP "
            "of a customer takes part, and the caller's policies alone decide (IAM User "
            "Guide, AWS managed policies)."
        )
    if _kms_alias(target.arn) and action.lower() in KMS_ALIAS_ACTIONS:
        # AWS KMS Developer Guide, "Controlling access to aliases": the permission for the
        # alias comes from an IAM policy; an alias has no key policy.
        return (
            f"The KMS alias {target.arn} has no key policy: the caller's IAM policies alone "
            "govern it, and the KMS key it points to is a check of its own (AWS KMS Developer "
            "Guide, Controlling access to aliases)."
        )
    return None


def _missing(action: str, target: TargetFacts) -> str | None:
    """Why the target has no resource-based policy, where a rule says more than the world."""
    if target.account == AWS_OWNER:
        return f"AWS owns {target.arn}: it has no resource-based policy, and none can be added."
    return target.missing


def alias_request_problem(
    action: str, resource: str, others: tuple[tuple[str, str], ...]
) -> str | None:
    """Why a KMS request about an alias cannot be answered as asked, or None. An alias
    operation must also name the KMS key it affects, as a further check of the same action
    on the key's ARN (AWS KMS Developer Guide, "Controlling access to aliases":
    kms:CreateAlias, kms:UpdateAlias and kms:DeleteAlias need permission on the alias and on
    the KMS key); any other KMS action is authorized on the key an alias points to, which the
    world does not record ("Use aliases to control access to KMS keys": with an alias as the
    resource, a policy applies to the alias, not to any key)."""
    if action.lower() not in KMS_ALIAS_ACTIONS:
        if action[:4].lower() == "kms:" and _kms_alias(resource):
            return (
                f"KMS authorizes {action} on the KMS key that {resource} points to, not on the "
                "alias: ask about the key's ARN (with kms:RequestAlias in the context)"
            )
        return None
    if not _kms_alias(resource):
        # The alias is the call's resource: "*" or a key ARN would skip the alias's check.
        return (
            f"{action} acts on an alias: ask about the alias ARN "
            "(arn:aws:kms:REGION:ACCOUNT:alias/NAME), naming its KMS key in also"
        )
    for other_action, other in others:
        parts = other.split(":", 5)
        if (
            other_action.lower() == action.lower()
            and len(parts) == 6
            and parts[2] == "kms"
            and parts[5].startswith("key/")
        ):
            return None
    which = {
        "kms:createalias": "the KMS key the new alias points to (CreateAlias's TargetKeyId)",
        "kms:updatealias": "the alias's current KMS key and the new one (UpdateAlias's "
        "TargetKeyId)",
        "kms:deletealias": "the KMS key the alias points to",
    }[action.lower()]
    return (
        f"{action} needs {action} on the alias and on {which}, and this request names no "
        f"key: ask world.authorize(AccessRequest(principal, {action!r}, {resource!r}, "
        f"also=(({action!r}, KEY_ARN),)))"
    )


# -- which organization layers apply ------------------------------------------------


def _scp_exemption(caller: Caller, place: Placement | None) -> str | None:
    """Why SCPs do not apply to this caller, or None when they do (AWS Organizations,
    "Service control policies": SCPs affect only IAM users and roles of member accounts;
    they never restrict the management account or service-linked roles)."""
    if caller.kind in ("service", "anonymous"):
        return "SCPs do not apply to AWS service principals or anonymous callers"
    if place is None:
        return "the caller's account is not in an organization"
    if place.management:
        return "exempt: SCPs never restrict the management account"
    if caller.service_linked:
        return "exempt: SCPs do not restrict service-linked roles"
    return None


def _rcp_exemption(
    caller: Caller, action: str, target: TargetFacts, place: Placement | None
) -> str | None:
    """Why RCPs do not apply to this request, or None when they do (AWS Organizations,
    "Resource control policies": supported services only; never the management account's
    resources, service-linked roles, AWS services assuming their service-linked roles, AWS
    managed KMS keys, or kms:RetireGrant)."""
    service = action.split(":", 1)[0].lower()
    if target.account == AWS_OWNER:
        return "AWS owns the resource, and no customer's RCP governs it"
    if place is None:
        return "the resource's account is not in an organization"
    if place.management:
        return "exempt: RCPs never restrict resources of the management account"
    if service not in RCP_SERVICES:
        return f"RCPs do not apply to the {service} service"
    if caller.service_linked:
        return "exempt: RCPs do not restrict service-linked roles"
    if target.policy_type == "trust" and ":role/aws-service-role/" in (target.arn or ""):
        return "exempt: RCPs do not restrict assuming a service-linked role"
    if target.aws_managed:
        return "exempt: RCPs do not apply to AWS managed KMS keys"
    if action.lower() == "kms:retiregrant":
        return "exempt: RCPs do not restrict kms:RetireGrant"
    return None


# -- service rules outside the policies ---------------------------------------------


def _service_allow(caller: Caller, action: str) -> str | None:
    """A call that needs no permission and cannot be denied (AWS STS API reference,
    GetCallerIdentity)."""
    if action.lower() == "sts:getcalleridentity" and caller.kind != "anonymous":
        return (
            "sts:GetCallerIdentity needs no permission and cannot be denied "
            "(AWS STS API reference, GetCallerIdentity)."
        )
    return None


def _service_denial(
    caller: Caller, action: str, target: TargetFacts
) -> tuple[str, Literal["source", "target"], str | None] | None:
    """A service rule that denies whatever the policies say: (reason, side, AWS's own
    message), or None."""
    service = action.split(":", 1)[0].lower()
    lowered = action.lower()
    if caller.kind == "root" and lowered == "sts:assumerole":
        # IAM User Guide, "Compare AWS STS credentials": the root user cannot call AssumeRole.
        return (
            f"{caller.display} is an account root user, and the root user cannot call "
            "AssumeRole; sign in as an IAM user or role instead.",
            "source",
            "Roles may not be assumed by root accounts.",
        )
    if (
        caller.kind == "anonymous"
        and service not in ANONYMOUS_SERVICES
        and lowered not in ANONYMOUS_ACTIONS
    ):
        # Only S3, SQS and SNS (and Lambda function URLs with auth type NONE) accept
        # unsigned requests (IAM User Guide, policy variables; Lambda Developer Guide).
        return (
            f"{service} does not accept anonymous (unsigned) requests; only "
            f"{', '.join(sorted(ANONYMOUS_SERVICES))} do.",
            "source",
            None,
        )
    if target.account == AWS_OWNER and not _reads(action):
        # IAM User Guide, "AWS managed policies": "You cannot change the permissions defined
        # in AWS managed policies"; AWS alone updates them. No customer writes what AWS owns.
        what = (
            "an AWS managed policy"
            if ":policy/" in (target.arn or "")
            else "a resource that AWS owns"
        )
        return (
            f"{target.arn} is {what}: AWS owns and maintains it, and no customer account can "
            f"change it, so {action} is refused whatever the policies say (IAM User Guide, "
            "AWS managed policies). Copy it into a customer managed policy to change it.",
            "target",
            None,
        )
    alias = _kms_alias(target.arn)
    if alias is not None and lowered in KMS_ALIAS_ACTIONS:
        if alias.startswith("alias/aws/"):
            # AWS KMS Developer Guide, "Create aliases": the alias/aws/ prefix is reserved for
            # AWS managed keys; "You cannot manage aliases for AWS managed keys".
            return (
                f"{alias} is the alias of an AWS managed key: the alias/aws/ prefix is reserved "
                f"for AWS, and no customer can create, update or delete such an alias (AWS KMS "
                "Developer Guide, Create aliases).",
                "target",
                None,
            )
        if caller.account and target.account and caller.account != target.account:
            # AWS KMS API Reference, CreateAlias/UpdateAlias/DeleteAlias: "Cross-account
            # use: No. You cannot perform this operation on an alias in a different AWS
            # account."
            return (
                f"KMS aliases do not work across accounts: {action} works only on aliases of "
                f"the caller's own account, and {target.arn} is in account {target.account} "
                "(AWS KMS API Reference: cross-account use: No).",
                "target",
                None,
            )
    if target.aws_managed and lowered in KMS_ALIAS_ACTIONS:
        # AWS KMS Developer Guide, "Create aliases": you cannot manage aliases for AWS
        # managed keys or AWS owned keys.
        return (
            f"{target.arn} is an AWS managed key: no customer can create, update or delete "
            "its aliases (AWS KMS Developer Guide, Create aliases).",
            "target",
            None,
        )
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
        return (
            f"KMS does not allow {action} across accounts: only cryptographic "
            "operations, grants, DescribeKey, GetKeyRotationStatus and "
            "GetPublicKey work on another account's key.",
            "target",
            None,
        )
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
) -> tuple[str, Literal["source", "target"], str | None] | None:
    """A change to a role that IAM Identity Center or a service owns, by anyone else."""
    found = _role_path(arn) if lowered in PROTECTED_ROLE_ACTIONS else None
    service = None if found is None else _owning_service(found[0])
    if found is None or service is None or _acts_for(caller, service):
        return None
    path, name = found
    # IAM's own error for a protected role (UnmodifiableEntity).
    message = (
        f"Cannot perform the operation on the protected role '{name}' - this role is only "
        "modifiable by AWS"
    )
    if path.startswith(_SSO_PATH):
        # IAM Identity Center User Guide, "Permission sets" / "Service-linked roles": the
        # roles it creates in each account (AWSReservedSSO_…) are changed only through
        # IAM Identity Center, when their permission set changes.
        return (
            f"{arn} is a role that IAM Identity Center created for a permission set: IAM "
            "principals cannot change or delete it; change the permission set or the "
            "account assignment in IAM Identity Center instead (IAM Identity Center User "
            "Guide, permission sets).",
            "target",
            message,
        )
    if lowered in SERVICE_LINKED_ROLE_EDITABLE:
        return None
    # IAM User Guide, "Using service-linked roles": the service defines the role's trust
    # and permissions policies; only it changes them, and a customer deletes the role
    # with iam:DeleteServiceLinkedRole (or through the service), not iam:DeleteRole.
    return (
        f"{arn} is a service-linked role of {service}: only that service changes its trust "
        "policy, permissions and tags; IAM principals can edit its description and delete "
        "it with iam:DeleteServiceLinkedRole once the service no longer uses it (IAM User "
        "Guide, Using service-linked roles).",
        "target",
        message,
    )


def _service_notes(action: str, target: TargetFacts) -> tuple[str, ...]:
    """Caveats of a service about a request that the policies allow or deny."""
    found = _role_path(target.arn)
    if (
        action.lower() == "iam:deleteservicelinkedrole"
        and found is not None
        and found[0].startswith(_SLR_PATH)
    ):
        # IAM User Guide, "Using service-linked roles": deletion is a task the service
        # must accept; it fails while the service's resources still use the role.
        return (
            "iam:DeleteServiceLinkedRole only submits the deletion: it succeeds once the "
            "service no longer uses the role (GetServiceLinkedRoleDeletionStatus).",
        )
    return ()


def fixed_source_identity(caller_source_identity: str | None, action: str) -> str | None:
    """The source identity a request must keep: a role session's source identity persists
    through a role chain, and a request that sets another "will be denied" (IAM User Guide,
    "Monitor and control actions taken with assumed roles")."""
    if caller_source_identity is not None and action.lower() == "sts:setsourceidentity":
        return caller_source_identity
    return None


# -- one scope's inputs -------------------------------------------------------------


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
    identity_note: str | None,
    source_identity: str | None,
    notes: tuple[str, ...],
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
        service_message=None if denial is None else denial[2],
        service_allow=service_allow,
        fixed_source_identity=fixed_source_identity(source_identity, action),
        identity_note=identity_note,
        notes=(
            *((service_allow,) if service_allow else ()),
            *notes,
            *((target_note,) if target_note else ()),
            *_service_notes(action, target),
        ),
    )
