"""Decisions built by hand, shaped as the engine fills them, for the renderer tests.

The seed scenario: alice in 111111111111 assumes CrossAccountS3Reader in 222222222222,
whose trust policy trusts 111111111111:root with external ID `my-secret-123`.
"""

from __future__ import annotations

import datetime as dt

import attrs

from iamsim.decision import Check, Decision, Denial, Layer, NearMiss
from iamsim.model import ConditionEntry, Policy, Principal, Statement
from iamsim.session import RoleSession
from iamsim.trace import ConditionTrace, PolicyTrace, StatementTrace

SOURCE = "111111111111"
TARGET = "222222222222"
ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
BUCKET = "arn:aws:s3:::prod-bucket"
OBJECT = "arn:aws:s3:::prod-bucket/report.csv"
SESSION_ARN = "arn:aws:sts::111111111111:assumed-role/Dev/dev-session"
SECRET = "my-secret-123"

ASSUME_POLICY = Policy(
    statements=(Statement(effect="Allow", action="sts:AssumeRole", resource=ROLE),),
    version="2012-10-17",
)

TRUST_POLICY = Policy(
    statements=(
        Statement(
            effect="Allow",
            principal=Principal(entries=(("AWS", "arn:aws:iam::111111111111:root"),)),
            action="sts:AssumeRole",
            condition=(ConditionEntry("StringEquals", "sts:ExternalId", (SECRET,), scalar=True),),
        ),
    ),
    version="2012-10-17",
)

SCP_POLICY = Policy(
    statements=(
        Statement(effect="Allow", sid="FullAWSAccess", action="*", resource="*"),
        Statement(effect="Deny", sid="DenySts", action="sts:AssumeRole", resource="*"),
    ),
    version="2012-10-17",
)


def stmt(
    index: int = 0,
    *,
    effect: str = "Allow",
    sid: str | None = None,
    failed: tuple[str, ...] = (),
    conditions: tuple[ConditionTrace, ...] = (),
    missing: tuple[str, ...] = (),
) -> StatementTrace:
    return StatementTrace(
        index=index,
        sid=sid,
        effect=effect,
        failed=failed,
        principal_match="any",
        conditions=conditions,
        missing_keys=missing,
    )


def identity_layer(*, allowed: bool = True, policy: Policy | None = ASSUME_POLICY) -> Layer:
    trace = PolicyTrace(
        policy_type="identity",
        name="AssumeProdReader",
        account=SOURCE,
        statements=(stmt(failed=() if allowed else ("action",)),),
        policy=policy,
    )
    return Layer("source", "identity", "allow" if allowed else "implicit", (trace,))


def boundary_layer(verdict: str = "not_applicable") -> Layer:
    if verdict == "not_applicable":
        return Layer("source", "boundary", "not_applicable", (), note="no permissions boundary")
    trace = PolicyTrace(
        policy_type="boundary",
        name="DevBoundary",
        account=SOURCE,
        statements=(stmt(sid="OnlyS3", failed=("action",)),),
    )
    return Layer("source", "boundary", verdict, (trace,))  # type: ignore[arg-type]


def scp_layer(verdict: str = "allow") -> Layer:
    stmts = (stmt(sid="FullAWSAccess"),)
    attached = "root"
    policy = None
    if verdict == "deny":
        stmts = (stmt(sid="FullAWSAccess"), stmt(1, sid="DenySts", effect="Deny"))
        attached = "ou:Workloads"
        policy = SCP_POLICY
    trace = PolicyTrace(
        policy_type="scp",
        name="Guardrails",
        account=None,
        statements=stmts,
        attached_to=attached,
        policy=policy,
    )
    return Layer("source", "scp", verdict, (trace,))  # type: ignore[arg-type]


def external_id_condition(request: str | None) -> ConditionTrace:
    return ConditionTrace(
        operator="StringEquals",
        key="sts:ExternalId",
        policy_values=(SECRET,),
        request_values=None if request is None else (request,),
        matched=request == SECRET,
    )


def trust_layer(
    *,
    external_id: str | None = SECRET,
    trusts_caller: bool = True,
    policy: Policy | None = TRUST_POLICY,
    sid: str | None = None,
) -> Layer:
    cond = external_id_condition(external_id)
    failed: tuple[str, ...] = ()
    if not trusts_caller:
        failed = ("principal",)
    elif not cond.matched:
        failed = ("condition",)
    trace = PolicyTrace(
        policy_type="trust",
        name=ROLE,
        account=TARGET,
        statements=(
            StatementTrace(
                index=0,
                sid=sid,
                effect="Allow",
                failed=failed,
                principal_match=None if not trusts_caller else "account",
                conditions=(cond,),
                missing_keys=("sts:ExternalId",) if external_id is None else (),
            ),
        ),
        policy=policy,
    )
    return Layer("target", "trust", "allow" if not failed else "implicit", (trace,))


def rcp_layer() -> Layer:
    return Layer("target", "rcp", "not_applicable", (), note="the target account has no RCPs")


def decision(
    layers: tuple[Layer, ...],
    denied_by: tuple[Denial, ...] = (),
    near_misses: tuple[NearMiss, ...] = (),
    *,
    outcome: str | None = None,
    missing: tuple[str, ...] = (),
    checks: tuple[Check, ...] | None = None,
    caller: str = ALICE,
    caller_account: str = SOURCE,
    notes: tuple[str, ...] = (),
    session: RoleSession | None = None,
    context: tuple[tuple[str, object], ...] = (),
) -> Decision:
    if outcome is None:
        if not denied_by:
            outcome = "allowed"
        elif any(x.explicit for x in denied_by):
            outcome = "explicitDeny"
        else:
            outcome = "implicitDeny"
    if checks is None:
        checks = (Check("sts:AssumeRole", ROLE, outcome == "allowed", layers),)
    return Decision(
        operation="AssumeRole",
        caller=caller,
        caller_account=caller_account,
        action="sts:AssumeRole",
        resource=ROLE,
        resource_account=TARGET,
        outcome=outcome,  # type: ignore[arg-type]
        denied_by=denied_by,
        near_misses=near_misses,
        missing_context_keys=missing,
        checks=checks,
        context=context
        or (
            ("aws:PrincipalArn", caller),
            ("sts:RoleSessionName", "dev-session"),
        ),
        notes=notes,
        session=session,
    )


def trust_denial(**kw: object) -> Denial:
    fields: dict[str, object] = {
        "policy_type": "trust",
        "side": "target",
        "explicit": False,
        "account": TARGET,
        "reason": "The role trust policy of CrossAccountS3Reader does not allow this caller.",
        "action": "sts:AssumeRole",
        "policy": ROLE,
    }
    fields.update(kw)
    return Denial(**fields)  # type: ignore[arg-type]


def identity_denial(**kw: object) -> Denial:
    fields: dict[str, object] = {
        "policy_type": "identity",
        "side": "source",
        "explicit": False,
        "account": SOURCE,
        "reason": "No identity policy of alice allows sts:AssumeRole on the role.",
        "action": "sts:AssumeRole",
    }
    fields.update(kw)
    return Denial(**fields)  # type: ignore[arg-type]


def external_id_near_miss(request: str | None) -> NearMiss:
    return NearMiss(
        policy_type="trust",
        side="target",
        policy=ROLE,
        statement="Statement[0]",
        key="sts:ExternalId",
        operator="StringEquals",
        policy_values=(SECRET,),
        request_values=None if request is None else (request,),
        action="sts:AssumeRole",
    )


# --- the scenarios -------------------------------------------------------------------------


def session() -> RoleSession:
    issued = dt.datetime(2026, 6, 15, 12, 45, tzinfo=dt.UTC)
    return RoleSession(
        role_arn=ROLE,
        session_name="dev-session",
        role_unique_id="AROAEXAMPLEID0000001",
        issued=issued,
        expiration=issued + dt.timedelta(hours=1),
        tags=(("team", "platform"),),
        source_identity="alice",
    )


def allowed() -> Decision:
    layers = (scp_layer(), identity_layer(), boundary_layer(), trust_layer(), rcp_layer())
    return decision(
        layers,
        session=session(),
        notes=(
            "The caller's and the resource's accounts are in the same organization (o-a1b2c3d4e5).",
        ),
    )


def identity_missing() -> Decision:
    layers = (scp_layer(), identity_layer(allowed=False), boundary_layer(), trust_layer())
    return decision(layers, (identity_denial(),))


def trust_omits_source() -> Decision:
    layers = (scp_layer(), identity_layer(), boundary_layer(), trust_layer(trusts_caller=False))
    return decision(layers, (trust_denial(),))


def external_id_wrong() -> Decision:
    layers = (identity_layer(), trust_layer(external_id="wrong"))
    return decision(
        layers,
        (trust_denial(condition_keys=("sts:ExternalId",)),),
        (external_id_near_miss("wrong"),),
        context=(("aws:PrincipalArn", ALICE), ("sts:ExternalId", "wrong")),
    )


def external_id_missing() -> Decision:
    layers = (identity_layer(), trust_layer(external_id=None))
    return decision(
        layers,
        (trust_denial(condition_keys=("sts:ExternalId",)),),
        (external_id_near_miss(None),),
        missing=("sts:ExternalId",),
    )


def both_sides() -> Decision:
    layers = (identity_layer(allowed=False), trust_layer(trusts_caller=False))
    # Implicit order: scp, rcp, resource/trust, identity, boundary, session.
    return decision(layers, (trust_denial(), identity_denial()))


def scp_explicit() -> Decision:
    layers = (scp_layer("deny"), identity_layer(), boundary_layer(), trust_layer())
    denial = Denial(
        policy_type="scp",
        side="source",
        explicit=True,
        account=SOURCE,
        reason="The SCP Guardrails attached to ou:Workloads denies sts:AssumeRole.",
        action="sts:AssumeRole",
        policy="Guardrails",
        statement="DenySts",
        attached_to="ou:Workloads",
    )
    return decision(layers, (denial,))


def boundary_implicit() -> Decision:
    layers = (identity_layer(), boundary_layer("implicit"), trust_layer())
    denial = identity_denial(
        policy_type="boundary",
        policy="DevBoundary",
        reason="The permissions boundary DevBoundary does not allow sts:AssumeRole.",
    )
    return decision(layers, (denial,))


def session_policy_implicit() -> Decision:
    session_trace = PolicyTrace(
        policy_type="session",
        name="inline session policy",
        account=SOURCE,
        statements=(stmt(failed=("action",)),),
    )
    layers = (
        identity_layer(),
        Layer("source", "session", "implicit", (session_trace,)),
        trust_layer(),
    )
    denial = identity_denial(
        policy_type="session",
        policy="inline session policy",
        reason="The session policy of dev-session does not allow sts:AssumeRole.",
    )
    return decision(layers, (denial,), caller=SESSION_ARN)


def tag_session_missing() -> Decision:
    main = Check("sts:AssumeRole", ROLE, True, (identity_layer(), boundary_layer(), trust_layer()))
    tag_trace = PolicyTrace(
        policy_type="trust",
        name=ROLE,
        account=TARGET,
        statements=(
            StatementTrace(
                0, None, "Allow", ("action",), "account", (external_id_condition(SECRET),)
            ),
        ),
        policy=TRUST_POLICY,
    )
    tag = Check(
        "sts:TagSession",
        ROLE,
        False,
        (
            Layer("source", "identity", "allow", identity_layer().policies),
            Layer("target", "trust", "implicit", (tag_trace,)),
        ),
    )
    denial = trust_denial(
        action="sts:TagSession",
        reason="The role trust policy does not allow sts:TagSession, needed for session tags.",
    )
    return decision((), (denial,), checks=(main, tag))


def explicit_in(policy_type: str, side: str = "source") -> Decision:
    """A one-denial decision with an explicit deny of `policy_type`."""
    base = trust_omits_source()
    denial = attrs.evolve(
        base.denied_by[0],
        policy_type=policy_type,
        side=side,
        account=SOURCE if side == "source" else TARGET,
        explicit=True,
        statement="Deny",
    )
    return attrs.evolve(base, denied_by=(denial,), outcome="explicitDeny")


def implicit_in(policy_type: str, side: str = "source") -> Decision:
    base = trust_omits_source()
    denial = attrs.evolve(
        base.denied_by[0],
        policy_type=policy_type,
        side=side,
        account=SOURCE if side == "source" else TARGET,
    )
    return attrs.evolve(base, denied_by=(denial,))


def s3_get(*, caller_account: str = SOURCE, notes: tuple[str, ...] = ()) -> Decision:
    """alice (or a same-account user) reads an object; the bucket policy does not allow it."""
    caller = f"arn:aws:iam::{caller_account}:user/alice"
    trace = PolicyTrace(
        policy_type="resource",
        name=BUCKET,
        account=TARGET,
        statements=(stmt(failed=("principal",)),),
    )
    layers = (identity_layer(), Layer("target", "resource", "implicit", (trace,)))
    denial = Denial(
        policy_type="resource",
        side="target",
        explicit=False,
        account=TARGET,
        reason="The bucket policy of prod-bucket does not grant this caller.",
        action="s3:GetObject",
        policy=BUCKET,
    )
    return Decision(
        operation="s3:GetObject",
        caller=caller,
        caller_account=caller_account,
        action="s3:GetObject",
        resource=OBJECT,
        resource_account=TARGET,
        outcome="implicitDeny",
        denied_by=(denial,),
        near_misses=(),
        missing_context_keys=(),
        checks=(Check("s3:GetObject", OBJECT, False, layers),),
        notes=notes,
    )


def service_denial() -> Decision:
    base = trust_omits_source()
    denial = Denial(
        policy_type="service",
        side="source",
        explicit=False,
        account=SOURCE,
        reason="The root user cannot call AssumeRole.",
        action="sts:AssumeRole",
    )
    return attrs.evolve(
        base, caller="arn:aws:iam::111111111111:root", denied_by=(denial,), checks=()
    )
