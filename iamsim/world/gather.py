"""Gathering a request's inputs: what it acts on, its context keys, and every policy layer.

For one request the world decides which resource-based policy applies (a role's
trust policy, a bucket policy for its objects, a key policy), which SCP and RCP
levels govern the two accounts and which service rules apply, and fills the
context keys AWS sets on its own; the engine then only evaluates and combines.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping

import attrs

from iamsim.errors import ValidationError
from iamsim.evaluate.inputs import Attached
from iamsim.evaluate.plan import Plan, plan, with_endpoint
from iamsim.evaluate.rules import (
    honours_resource_policy,
    kms_alias,
    scope_inputs,
    statement_needs_resource,
    target_policy_required,
)
from iamsim.evaluate.services import GLOBAL_SERVICES, KMS_ALIAS_ACTIONS, TRUST_ACTIONS
from iamsim.limits import remember
from iamsim.reason import Reason
from iamsim.request import Context, Request, make_request
from iamsim.tags import Tags, as_tags
from iamsim.world.callers import Profile
from iamsim.world.context import request_context, resource_keys, scope_region
from iamsim.world.endpoints import endpoint_serves, source_vpc_keys
from iamsim.world.index import WorldIndex
from iamsim.world.model import arn_account
from iamsim.world.names import ACCOUNT_ID
from iamsim.world.nearby import close_arn
from iamsim.world.org import AccountPlacement

__all__ = [
    "Scope",
    "Target",
    "alias_request_problem",
    "check_action",
    "gather",
    "locate",
    "resolve_target",
    "session_clock",
]


# The action of a request (`World.simulate`): `service:Action`, ASCII, no wildcards or
# whitespace (a policy's `s3:Get*` is a pattern; a request names one action).
REQUEST_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9_.-]+")


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
            meant = close_arn(resource, index.roles)
            if meant is not None:
                note = note.with_fields(("suggestion", meant))
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
            required=target_policy_required("iam", trust=True),
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
    if service == "kms" and parts[5].startswith("alias/"):
        label = "alias"
    elif parts[4] == "aws":
        label = "AWS managed policy" if parts[5].startswith("policy/") else "AWS-owned resource"
    required = target_policy_required(service, trust=False)
    if entry is None:
        owner = arn_account(resource) or None
        notes: tuple[Reason, ...] = ()
        missing = None
        meant = close_arn(arn, index.resources)
        if owner is None:
            notes = (Reason("resource_unknown", (("resource", arn),)),)
            missing = notes[0]
        elif not honours_resource_policy(service):
            missing = no_resource_policy(service, owner, arn)
        elif meant is not None:
            # Likely a misspelt resource of the world: said, though an unlisted resource of a
            # known account is otherwise taken as one without a resource-based policy.
            notes = (Reason("resource_unknown", (("resource", arn), ("account", owner))),)
        if notes and meant is not None:
            notes = (notes[0].with_fields(("suggestion", meant)),)
            missing = notes[0]
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
    if not honours_resource_policy(service):
        why = no_resource_policy(service, res.account, res.arn)
        return Target(
            account=res.account, policy=None, label=label, tags=res.tags, arn=res.arn, missing=why
        )
    if policy is not None and statement_needs_resource(service):
        policy = attrs.evolve(policy, require_resource=True)
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
    engine's plan, the region its resource or service fixes ("" when the call's own
    region decides), the resource's context keys, and `fixed`: the caller's keys then
    the resource's, merged once for every request of the scope."""

    plan: Plan
    region: str
    context: Context
    fixed: Context


def check_action(action: object) -> None:
    """Refuse what is not one action (`service:Action`) with a ValidationError."""
    if type(action) is not str or not REQUEST_ACTION.fullmatch(action):
        shown = repr(action)[:80] if isinstance(action, str) else type(action).__name__
        raise ValidationError(
            f"action {shown} is not an action: expected service:Action, such as "
            "s3:GetObject (a service prefix of letters, digits and -; an action name of "
            "letters, digits, -, _ and .; no wildcards, no whitespace)"
        )


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
        if action[:4].lower() == "kms:" and kms_alias(resource):
            return (
                f"KMS authorizes {action} on the KMS key that {resource} points to, not on the "
                "alias: ask about the key's ARN (with kms:RequestAlias in the context)"
            )
        return None
    if not kms_alias(resource):
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


def gather(
    index: WorldIndex,
    profile: Profile,
    action: str,
    resource: str,
    extra: Mapping[str, object] | Context | None,
    now: _dt.datetime,
    call_keys: Mapping[str, object] | Context | None = None,
    region: str | None = None,
) -> tuple[Plan, Request]:
    """The plan of every policy layer of one request, and the request with all its
    context keys. `region` is the call's own region, used where the resource and the
    service fix none (`scope_region`); without one the request has no aws:RequestedRegion."""
    memo_key = (profile, action, resource)
    scope = index.scopes.get(memo_key)
    if scope is None:
        check_action(action)  # once per scope: a scope is only ever built for a valid action
        scope = remember(index.scopes, memo_key, _scope(index, profile, action, resource))
    # The request's keys, later ones overriding: its clock's and region's, the caller's (and
    # a session's clock keys), the resource's, the call's own, the caller's extra keys.
    base = request_context(now, scope.region or region or "")
    if profile.role_session is not None and (clock := session_clock(profile, now)):
        context = Context.chain(base, profile.context, clock, scope.context, call_keys or {})
    else:
        context = base.extended(scope.fixed, call_keys)
    if not extra:  # AWS never sets aws:SourceVpce itself: only the caller's keys name one
        return scope.plan, make_request(profile.caller, action, resource, context)
    context = Context.chain(context, extra)
    vpce = context.get("aws:SourceVpce")
    if vpce is not None:
        scope, keys = _through_endpoint(index, memo_key, scope, vpce, context)
        if keys:
            context = Context.chain(context, keys)
    return scope.plan, make_request(profile.caller, action, resource, context)


def _through_endpoint(
    index: WorldIndex,
    memo_key: tuple[Profile, str, str],
    scope: Scope,
    vpce: object,
    context: Context,
) -> tuple[Scope, dict[str, object]]:
    """The scope of a request through VPC endpoint `vpce`, with its endpoint policy as one
    more layer when the world holds the endpoint and it reaches the action's service, and
    the keys the endpoint sets (`aws:SourceVpc`)."""
    found = index.endpoints.get(vpce) if isinstance(vpce, str) else None
    keys = {} if found is None else source_vpc_keys(found[0], context)
    key = (*memo_key, str(vpce))
    cached = index.scopes.get(key)
    if cached is not None:
        return cached, keys
    profile, action, resource = memo_key
    planned = scope.plan
    if found is None:
        note = Reason("vpc_endpoint_unknown", (("endpoint", str(vpce)),))
    elif not endpoint_serves(found[0], action):
        note = Reason(
            "vpc_endpoint_other_service",
            (
                ("endpoint", found[0].id),
                ("service", found[0].service or ""),
                ("action", action),
            ),
        )
    else:
        note = None
        planned = with_endpoint(planned, found[1], profile.caller, action, resource)
    if note is not None:
        inputs = planned.inputs
        planned = attrs.evolve(planned, inputs=attrs.evolve(inputs, notes=(*inputs.notes, note)))
    return remember(index.scopes, key, attrs.evolve(scope, plan=planned)), keys


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
        target = remember(
            index.targets, memo_key, resolve_target(index, action, resource, caller.account)
        )
    caller_place = index.placement(caller.account)
    target_place = index.placement(target.account)
    region = scope_region(resource, action.split(":", 1)[0], GLOBAL_SERVICES)
    context = target.context
    if action[:4].lower() == "kms:" and caller.account:
        # AWS KMS condition keys: kms:CallerAccount is the caller's account on every request.
        context = Context.chain(context, {"kms:CallerAccount": caller.account})

    session = profile.role_session
    inputs = scope_inputs(
        caller,
        action,
        target,
        caller_place,
        target_place,
        identity=profile.identity,
        boundary=profile.boundary,
        session=profile.session,
        identity_note=profile.identity_note,
        source_identity=None if session is None else session.source_identity,
        notes=(
            *profile.notes,
            *target.notes,
            *org_note(caller_place, target_place, caller.account, target.account),
        ),
        public_bucket=target.arn in index.restricted_buckets if index.restricted_buckets else False,
    )
    fixed = Context.chain(profile.context, context)
    return Scope(plan(inputs, caller, action, resource), region, context, fixed)


def session_clock(profile: Profile, now: _dt.datetime) -> dict[str, object]:
    """Session keys that depend on the request's time: token issue time, MFA age (none for
    a caller that is no role session). Raises the ExpiredToken error once it has expired."""
    session = profile.role_session
    if session is None:
        return {}
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
    return keys


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
