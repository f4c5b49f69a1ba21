"""Callers as the world knows them: who signs, which policies apply, which keys describe them.

A principal ARN, a RoleSession, a service principal name or "anonymous" becomes a
`Profile`: the `Caller` that principal matching sees, the identity policies,
boundary and session policies that apply to it, and its context keys.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from iamsim.errors import PolicyError, ValidationError, WorldError, did_you_mean
from iamsim.evaluate.inputs import Attached
from iamsim.parse import check_policy
from iamsim.reason import Reason
from iamsim.request import Caller, Context, FederatedPrincipal, as_utc, caller_from_arn
from iamsim.session import RoleSession
from iamsim.world.context import principal_keys
from iamsim.world.index import WorldIndex
from iamsim.world.model import arn_account, arn_name
from iamsim.world.nearby import close_arn

__all__ = ["Profile", "build_profile", "session_profile", "unknown"]


@attrs.frozen(eq=False)
class Profile:
    """A caller as the world knows it: who, which policies, which context keys.

    Compared by identity: the world builds one per principal and keys its memos on it.
    """

    caller: Caller
    identity: tuple[Attached, ...] | None
    boundary: Attached | None = None
    session: tuple[Attached, ...] | None = None
    context: Context = attrs.field(factory=Context, eq=False)
    role_session: RoleSession | None = None
    identity_note: Reason | None = None
    notes: tuple[Reason, ...] = ()
    # A session made up from an ARN string: its issue time is the request's own clock.
    synthetic: bool = False


def build_profile(index: WorldIndex, principal: str | RoleSession | FederatedPrincipal) -> Profile:
    """The profile of a caller named by ARN, service principal, "anonymous", a RoleSession
    or a web-identity/SAML principal."""
    if isinstance(principal, RoleSession):
        return session_profile(index, principal)
    if isinstance(principal, FederatedPrincipal):
        # No account, so no identity policies, boundary or SCPs: the trust policy (and the
        # role account's RCPs) decide. The claims' keys come with the call.
        return Profile(principal.caller(), identity=None)
    if not isinstance(principal, str) or not principal:
        raise ValidationError(
            f"principal must be an ARN string or a RoleSession, not {principal!r}"
        )
    if ":role/" in principal and arn_account(principal) not in index.accounts:
        # A role of an account the world does not describe: one of its sessions, with
        # no identity policies (diagnosed below like any caller of an unknown account).
        parts = principal.split(":", 5)
        principal = f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{arn_name(principal)}/iamsim"
    caller = caller_from_arn(principal) if ":role/" not in principal else None
    if caller is None:  # a role ARN: simulate one of its sessions
        role = index.role(principal)
        if role is None:
            raise unknown(index, "role", principal)
        now = as_utc(None)
        session = RoleSession(
            role_arn=role.arn,
            session_name="iamsim",
            issued=now,
            role_unique_id=role.unique_id,
            expiration=now + _dt.timedelta(hours=1),
        )
        profile = session_profile(index, session)
        return attrs.evolve(
            profile,
            synthetic=True,
            notes=(
                *profile.notes,
                Reason(
                    "role_simulated_as_session", (("role", principal), ("session", session.arn))
                ),
            ),
        )
    if caller.kind in ("service", "anonymous"):
        return Profile(caller, identity=None, context=Context.of(principal_keys(caller)))
    account = caller.account
    placement = index.placement(account)
    if account not in index.accounts:
        note = Reason("caller_account_unknown", (("account", str(account)), ("caller", principal)))
        meant = close_arn(principal, (*index.users, *index.roles))
        if meant is not None:
            note = note.with_fields(("suggestion", meant))
        return Profile(
            caller,
            identity=(),
            identity_note=note,
            notes=(note,),
            context=Context.of(principal_keys(caller, placement=placement)),
        )
    if caller.kind == "root":
        return Profile(
            caller, identity=(), context=Context.of(principal_keys(caller, placement=placement))
        )
    if caller.kind == "user":
        found = index.users.get(principal)
        if found is None:
            raise unknown(index, "user", principal)
        user, ident = found
        caller = attrs.evolve(
            caller, unique_id=user.unique_id, has_boundary=ident.boundary is not None
        )
        keys = principal_keys(caller, username=user.name, tags=user.tags, placement=placement)
        return Profile(
            caller, identity=ident.policies, boundary=ident.boundary, context=Context.of(keys)
        )
    if caller.kind == "role_session":
        role_name = principal.split("/")[1]
        session_name = principal.split("/")[2]
        role = next(
            (r for r, _, _ in index.roles.values() if r.account == account and r.name == role_name),
            None,
        )
        if role is None:
            raise unknown(index, "role", f"arn:aws:iam::{account}:role/{role_name}")
        now = as_utc(None)
        profile = session_profile(
            index,
            RoleSession(
                role_arn=role.arn,
                session_name=session_name,
                role_unique_id=role.unique_id,
                issued=now,
                expiration=now + _dt.timedelta(hours=1),
            ),
        )
        # The ARN names no MFA, tags, source identity or session policy: say what is assumed.
        fresh = Reason("session_arn_fresh", (("session", principal),))
        return attrs.evolve(profile, synthetic=True, notes=(*profile.notes, fresh))
    raise ValidationError(f"{principal}: federated users are not modelled yet")


def unknown(index: WorldIndex, kind: str, arn: str) -> ValidationError:
    """The error for a user or role the world's account does not hold, with the known ones."""
    account = arn_account(arn)
    pool = [*index.users] if kind == "user" else [*index.roles]
    names = [a for a in pool if arn_account(a) == account]
    hint = did_you_mean(arn, names)
    known = ", ".join(arn_name(a) for a in names) or "none"
    return ValidationError(
        f"no {kind} {arn} in account {account} (its {kind}s: {known})"
        + (f"; {hint}" if hint else "")
    )


def session_profile(index: WorldIndex, session: RoleSession) -> Profile:
    """A role session as caller: its role's policies, its session policies, its keys."""
    found = index.roles.get(session.role_arn)
    if found is None:
        raise unknown(index, "role", session.role_arn)
    role, ident, _ = found
    account = index.accounts[role.account]
    caller = Caller(
        kind="role_session",
        arn=session.arn,
        account=role.account,
        principal_arn=role.arn,
        unique_id=session.assumed_role_id,
        has_boundary=ident.boundary is not None,
        service_linked=role.service_linked,
    )
    session_policies: list[Attached] = []
    for i, policy in enumerate(session.session_policies):
        try:  # a session built in code is held to what STS accepts (cached when it did)
            check_policy(policy, "session")
        except PolicyError as exc:
            raise PolicyError([p.under(f"session_policies[{i}]") for p in exc.problems]) from None
        session_policies.append(
            Attached(policy, name="inline session policy", account=role.account)
        )
    for i, arn in enumerate(session.session_policy_arns):
        ref = index.resolve(arn, account, f"policy_arns[{i}]")
        if ref is None:
            raise WorldError(index.problems.pop())
        session_policies.append(ref)
    tags = dict(role.tags)
    lowered = {k.lower(): k for k in tags}
    for k, v in session.tags.items():  # session tags override role tags with the same key
        tags.pop(lowered.get(k.lower(), k), None)
        tags[k] = v
    keys = principal_keys(
        caller, tags=tags.items(), placement=index.placement(role.account), session=session
    )
    return Profile(
        caller,
        identity=ident.policies,
        boundary=ident.boundary,
        session=tuple(session_policies) if session_policies else None,
        context=Context.of(keys),
        role_session=session,
    )


# -- targets --------------------------------------------------------------------
