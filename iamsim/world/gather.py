"""Gathering a request's inputs: what it acts on, its context keys, and every policy layer.

For one request the world decides which resource-based policy applies (a role's
trust policy, a bucket policy for its objects, a key policy), which SCP and RCP
levels govern the two accounts and which service rules apply, and fills the
context keys AWS sets on its own; the engine then only evaluates and combines.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

import attrs

from iamsim.errors import ValidationError
from iamsim.evaluate.inputs import Attached, Inputs
from iamsim.evaluate.plan import Plan, plan
from iamsim.patterns.text import ACCOUNT_ID
from iamsim.reason import Reason
from iamsim.request import Context, Request, make_request
from iamsim.tags import Tags, as_tags
from iamsim.world.callers import Profile
from iamsim.world.context import request_context, resource_keys
from iamsim.world.index import WorldIndex
from iamsim.world.model import arn_account
from iamsim.world.org import AccountPlacement
from iamsim.world.services import (
    ANONYMOUS_ACTIONS,
    ANONYMOUS_SERVICES,
    GLOBAL_SERVICES,
    KMS_CROSS_ACCOUNT,
    RBP_SERVICES,
    RCP_SERVICES,
    RESOURCELESS_POLICY_SERVICES,
    TRUST_ACTIONS,
)

__all__ = ["Scope", "Target", "gather", "locate", "resolve_target", "session_clock"]


@attrs.frozen
class Target:
    """What a request acts on: its owner account and resource-based policy."""

    account: str | None
    policy: Attached | None
    policy_type: str = "resource"
    required: bool = False
    label: str = "resource"
    tags: Tags = attrs.field(factory=Tags, converter=as_tags)
    aws_managed: bool = False
    iam: bool = False
    notes: tuple[Reason, ...] = ()
    arn: str | None = None  # the entity that owns the policy (a bucket for its objects)
    missing: Reason | None = None  # why the world knows no policy for it
    context: Context = attrs.field(factory=Context, eq=False)


def resolve_target(
    index: WorldIndex, action: str, resource: str, caller_account: str | None
) -> Target:
    """What the request acts on, with the resource's context keys filled in."""
    found = locate(index, action, resource, caller_account)
    keys = resource_keys(
        found.account, index.placement(found.account), found.tags, iam_resource=found.iam
    )
    return attrs.evolve(found, context=Context.of(keys))


def locate(index: WorldIndex, action: str, resource: str, caller_account: str | None) -> Target:
    """The resource-based policy that governs `resource` for `action`, and its owner."""
    if resource == "*":
        return Target(account=caller_account, policy=None)
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2] or not parts[5]:
        raise ValidationError(
            f"{resource!r} is not a resource ARN (arn:partition:service:"
            'region:account:resource) or "*"'
        )
    if parts[4] and parts[4] != "aws" and not ACCOUNT_ID.fullmatch(parts[4]):
        raise ValidationError(
            f"{resource!r}: the account field of an ARN is a 12-digit account ID, not {parts[4]!r}"
        )
    service = parts[2]
    if action.lower() in TRUST_ACTIONS and service == "iam" and ":role/" in resource:
        found = index.roles.get(resource)
        account = arn_account(resource)
        if found is None:
            known = account in index.accounts
            note = (
                Reason("role_missing", (("role", resource), ("account", account)))
                if known
                else Reason("role_account_unknown", (("account", account), ("role", resource)))
            )
            return Target(
                account=account,
                policy=None,
                policy_type="trust",
                required=True,
                label="role",
                notes=(note,),
                arn=resource,
                missing=note,
            )
        role, _, trust = found
        return Target(
            account=role.account,
            policy=trust,
            policy_type="trust",
            required=True,
            label="role",
            tags=role.tags,
            iam=True,
            arn=role.arn,
        )
    arn = resource
    if service == "s3":
        bucket = parts[5].split("/", 1)[0]
        arn = index.buckets.get(bucket, f"arn:{parts[1]}:s3:::{bucket}")
    entry = index.covering(arn)
    label = {
        "s3": "bucket",
        "kms": "key",
        "sqs": "queue",
        "sns": "topic",
        "lambda": "function",
        "secretsmanager": "secret",
        "ecr": "repository",
        "iam": "IAM resource",
    }.get(service, "resource")
    required = service == "kms"
    if entry is None:
        owner = arn_account(resource) or None
        notes: tuple[Reason, ...] = ()
        missing = None
        if owner is None:
            notes = (Reason("resource_unknown", (("resource", arn),)),)
            missing = notes[0]
        elif service not in RBP_SERVICES:
            missing = no_resource_policy(service, owner, arn)
        return Target(
            account=owner,
            policy=None,
            required=required,
            label=label,
            notes=notes,
            arn=arn,
            missing=missing,
        )
    res, policy = entry
    if service not in RBP_SERVICES:
        # IAM User Guide, "AWS services that work with IAM": this service takes no
        # resource-based policy, so nothing in the world can act as one.
        policy = None
    if policy is not None and service not in RESOURCELESS_POLICY_SERVICES:
        # A statement without Resource/NotResource has no effect: KMS says so of key policies
        # ("AWS KMS key policies"), and other services refuse such a policy when it is set.
        policy = attrs.evolve(policy, require_resource=True)
    if service not in RBP_SERVICES:
        why = no_resource_policy(service, res.account, res.arn)
        return Target(
            account=res.account, policy=None, label=label, tags=res.tags, arn=res.arn, missing=why
        )
    return Target(
        account=res.account,
        policy=policy,
        required=required,
        label=label,
        tags=res.tags,
        aws_managed=res.aws_managed,
        arn=res.arn,
    )


# -- asking ---------------------------------------------------------------------


def no_resource_policy(service: str, account: str, arn: str) -> Reason:
    """Why a cross-account caller cannot be granted access to a resource of `service`."""
    return Reason(
        "service_without_resource_policies",
        (("service", service), ("resource", arn), ("account", account)),
    )


@attrs.frozen(eq=False)
class Scope:
    """What a request's caller, action and resource fix, whatever its context: the
    engine's plan, the region it is called in, and the resource's context keys."""

    plan: Plan
    region: str
    context: Context


def gather(
    index: WorldIndex,
    profile: Profile,
    action: str,
    resource: str,
    extra: Mapping[str, object] | Context | None,
    now: _dt.datetime,
    call_keys: Mapping[str, object] | None = None,
) -> tuple[Plan, Request]:
    """The plan of every policy layer of one request, and the request with all its
    context keys."""
    memo_key = (profile, action, resource)
    scope = index.scopes.get(memo_key)
    if scope is None:
        scope = _scope(index, profile, action, resource)
        if len(index.scopes) < 4096:
            index.scopes[memo_key] = scope
    contexts: list[Context | Mapping[str, object]] = [
        request_context(now, scope.region),
        profile.context,
    ]
    if profile.role_session is not None:
        contexts.append(session_clock(profile, now))
    contexts.append(scope.context)
    if call_keys:
        contexts.append(call_keys)
    if extra:
        contexts.append(extra)
    context = Context.chain(*contexts)
    return scope.plan, make_request(profile.caller, action, resource, context)


def _scope(index: WorldIndex, profile: Profile, action: str, resource: str) -> Scope:
    """Which policies, organization levels and service rules apply, once per world."""
    caller = profile.caller
    memo_key = (
        action.lower() in TRUST_ACTIONS,
        resource,
        caller.account if resource == "*" else None,
    )
    target = index.targets.get(memo_key)
    if target is None:
        target = resolve_target(index, action, resource, caller.account)
        if len(index.targets) < 4096:
            index.targets[memo_key] = target
    caller_place = index.placement(caller.account)
    target_place = index.placement(target.account)
    parts = resource.split(":", 4)
    region = parts[3] if len(parts) == 5 else ""
    if not region and action.split(":", 1)[0].lower() in GLOBAL_SERVICES:
        # Global services are called in us-east-1 (IAM User Guide, aws:RequestedRegion).
        region = "us-east-1"
    context = target.context
    if action[:4].lower() == "kms:" and caller.account:
        # AWS KMS condition keys: kms:CallerAccount is the caller's account on every request.
        context = Context.chain(context, {"kms:CallerAccount": caller.account})

    scp = rcp = None
    scp_note = rcp_note = None
    if caller.kind in ("service", "anonymous"):
        scp_note = Reason("scp_not_for_services")
    elif caller_place is None:
        scp_note = Reason("caller_not_in_organization")
    elif caller_place.management:
        scp_note = Reason("exempt_scp_management_account")
    elif caller.service_linked:
        scp_note = Reason("exempt_scp_service_linked_role")
    else:
        scp = caller_place.scp_levels
    service = action.split(":", 1)[0].lower()
    if target_place is None:
        rcp_note = Reason("resource_not_in_organization")
    elif target_place.management:
        rcp_note = Reason("exempt_rcp_management_account")
    elif service not in RCP_SERVICES:
        rcp_note = Reason("rcp_not_for_service", (("service", service),))
    elif caller.service_linked:
        rcp_note = Reason("exempt_rcp_service_linked_role")
    elif target.policy_type == "trust" and ":role/aws-service-role/" in (target.arn or ""):
        # AWS Organizations, RCPs: they do not affect AWS services assuming their
        # service-linked roles.
        rcp_note = Reason("exempt_rcp_service_linked_role_assumed")
    elif target.aws_managed:
        rcp_note = Reason("exempt_rcp_aws_managed_key")
    elif action.lower() == "kms:retiregrant":
        rcp_note = Reason("exempt_rcp_retire_grant")
    else:
        rcp = target_place.rcp_levels

    service_denial = service_allow = None
    service_side = "target"
    if action.lower() == "sts:getcalleridentity" and caller.kind != "anonymous":
        service_allow = Reason("get_caller_identity")
    elif (
        caller.kind == "anonymous"
        and service not in ANONYMOUS_SERVICES
        and action.lower() not in ANONYMOUS_ACTIONS
    ):
        service_denial = Reason(
            "anonymous_not_accepted",
            (("service", service), ("services", tuple(sorted(ANONYMOUS_SERVICES)))),
        )
        service_side = "source"
    elif (
        service == "kms"
        and caller.account
        and target.account
        and caller.account != target.account
        and action.lower() not in KMS_CROSS_ACCOUNT
    ):
        service_denial = Reason("kms_cross_account", (("action", action),))
    inputs = Inputs(
        caller_account=caller.account,
        resource_account=target.account,
        identity=profile.identity,
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
        boundary=profile.boundary,
        session=profile.session,
        scp=scp,
        scp_note=scp_note,
        rcp=rcp,
        rcp_note=rcp_note,
        service_denial=service_denial,
        service_side=service_side,  # type: ignore[arg-type]
        service_allow=service_allow,
        identity_note=profile.identity_note,
        notes=(
            *((service_allow,) if service_allow else ()),
            *profile.notes,
            *target.notes,
            *org_note(caller_place, target_place, caller.account, target.account),
        ),
    )
    return Scope(plan(inputs, caller, action, resource), region, context)


def session_clock(profile: Profile, now: _dt.datetime) -> Context:
    """Session keys that depend on the request's time: token issue time, MFA age."""
    session = profile.role_session
    if session is None:
        return Context()
    keys: dict[str, object] = {}
    if profile.synthetic:
        keys["aws:TokenIssueTime"] = now
    elif session.expiration <= now:
        raise ValidationError(
            "The security token included in the request is expired", code="ExpiredToken"
        )
    if session.mfa_authenticated and session.mfa_time is not None:
        # Global condition keys: seconds since the principal authenticated with MFA.
        keys["aws:MultiFactorAuthAge"] = max(0, int((now - session.mfa_time).total_seconds()))
    return Context.of(keys)


def org_note(
    source: AccountPlacement | None,
    target: AccountPlacement | None,
    caller_account: str | None,
    resource_account: str | None,
) -> tuple[Reason, ...]:
    """A note when caller and resource are in one organization (S3 then gives its reason)."""
    if (
        source is None
        or target is None
        or source.org_id != target.org_id
        or caller_account == resource_account
    ):
        return ()
    return (Reason("same_organization", (("organization", source.org_id),)),)
