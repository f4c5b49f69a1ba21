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
    KMS_CROSS_ACCOUNT,
    RBP_SERVICES,
    RCP_SERVICES,
    RESOURCELESS_POLICY_SERVICES,
)
from iamsim.reason import Reason
from iamsim.request import Caller

__all__ = [
    "Placement",
    "TargetFacts",
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


# -- which organization layers apply ------------------------------------------------


def _scp_exemption(caller: Caller, place: Placement | None) -> Reason | None:
    """Why SCPs do not apply to this caller, or None when they do (AWS Organizations,
    "Service control policies": SCPs affect only IAM users and roles of member accounts;
    they never restrict the management account or service-linked roles)."""
    if caller.kind in ("service", "anonymous"):
        return Reason("scp_not_for_services")
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
    identity_note: Reason | None,
    source_identity: str | None,
    notes: tuple[Reason, ...],
) -> Inputs:
    """Every layer that takes part in a request of `caller` for `action` on `target`, with
    the reason for each that does not."""
    scp_note = _scp_exemption(caller, caller_place)
    rcp_note = _rcp_exemption(caller, action, target, target_place)
    service_allow = _service_allow(caller, action)
    denial = _service_denial(caller, action, target)
    return Inputs(
        caller_account=caller.account,
        resource_account=target.account,
        identity=identity,
        resource_type=target.policy_type,  # type: ignore[arg-type]
        resource_policy=target.policy,
        resource_required=target.required,
        # "Monitor and control actions taken with assumed roles": in a role chain,
        # sts:SetSourceIdentity must be allowed by the permissions policy of the role
        # that assumes "and" by the trust policy of the target role.
        identity_required=(
            caller.kind == "role_session" and action.lower() == "sts:setsourceidentity"
        ),
        resource_label=target.label,
        resource_arn=target.arn,
        resource_missing=target.missing,
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
        identity_note=identity_note,
        notes=(*((service_allow,) if service_allow else ()), *notes),
    )
