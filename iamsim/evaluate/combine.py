"""AWS's combining rules: from each layer's policy traces to the layers that deny.

Sources (IAM User Guide): "Policy evaluation logic", "How AWS enforcement code
logic evaluates requests", "Cross-account policy evaluation logic", "Permissions
boundaries", "Session policies"; AWS Organizations: SCPs and RCPs.

- An explicit Deny in any applicable policy denies.
- SCPs (caller's account) and RCPs (resource's account): every level of the
  organization path must allow; they never grant.
- Same account: an Allow in the identity policies (within the boundary and the
  session policy) or in the resource-based policy suffices — except that a role
  trust policy and a KMS key policy must always allow. A resource policy that
  names the account delegates to identity policies; one that names the role
  grants within the boundary and session policy; one that names the user or the
  session itself (or `*`) grants on its own.
- Cross account: both the caller's side and the resource policy must allow.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from iamsim.decision import (
    Denial,
    Layer,
    LayerVerdict,
    NearMiss,
    Side,
    make_denial,
    make_layer,
    make_near_miss,
)
from iamsim.evaluate.inputs import Inputs, OrgLevel
from iamsim.evaluate.layers import Layers
from iamsim.evaluate.policy_types import combined_verdict
from iamsim.frozen import builder
from iamsim.reason import Reason, make_reason
from iamsim.request import Request
from iamsim.trace import PolicyTrace

__all__ = [
    "Combined",
    "LayerTraces",
    "decide",
    "denial_order",
    "finish",
    "inert_layer",
    "settle",
]

# How a resource-policy Allow named the caller decides what else it needs (§1.4).
_DIRECT = frozenset(
    {"user", "session", "federated_user", "wildcard", "service", "federated", "canonical", "any"}
)
_CAPPED = frozenset({"role"})
_DELEGATING = frozenset({"account"})

_NO_IDENTITY_NOTE = Reason("identity_not_needed_without_identity")
_RESOURCE_NOT_NEEDED_NOTE = Reason("resource_not_needed_same_account")
_ROOT_NOTE = Reason("root_allowed_in_own_account")

_EXPLICIT_ORDER = (
    "rcp",
    "scp",
    "vpc_endpoint",
    "boundary",
    "session",
    "resource",
    "trust",
    "identity",
    "service",
    "block_public_access",
)
_IMPLICIT_ORDER = (
    "service",
    "block_public_access",
    "scp",
    "rcp",
    "vpc_endpoint",
    "resource",
    "trust",
    "identity",
    "boundary",
    "session",
)


def denial_order(denial: Denial) -> tuple[int, int]:
    """Explicit denials first, then implicit, each in the order AWS tends to report them."""
    return _order(denial.explicit, denial.policy_type)


def _order(explicit: bool, policy_type: str) -> tuple[int, int]:
    order = _EXPLICIT_ORDER if explicit else _IMPLICIT_ORDER
    return (0 if explicit else 1, order.index(policy_type))


# Every policy of the request, evaluated, by layer (`iamsim.evaluate.layers`).
LayerTraces = Layers[PolicyTrace]


_ALLOWS = operator.attrgetter("allows")


def _allows(traces: Sequence[PolicyTrace]) -> bool:
    """Whether some Allow statement of these policies applies (Denies aside)."""
    return any(map(_ALLOWS, traces))


def _layer_verdict(traces: Sequence[PolicyTrace], ok: bool | None) -> LayerVerdict:
    """A layer's verdict: "deny" if a policy denies, else "allow" when `ok` (None: when
    some Allow of these policies applies), else "implicit"."""
    allows = False
    for trace in traces:
        if trace.verdict == "deny":
            return "deny"
        allows = allows or trace.allows
    return "allow" if (allows if ok is None else ok) else "implicit"


def inert_layer(side: Side, kind: str, note: Reason | None) -> Layer:
    """A layer that takes no part in the request: exempt (a note whose code starts
    "exempt_") or not applicable. The scope fixes it, so the plan builds it once."""
    exempt = note is not None and note.code.startswith("exempt_")
    return Layer(side, kind, "exempt" if exempt else "not_applicable", note=note)


def _failing_keys(traces: Sequence[PolicyTrace]) -> tuple[str, ...]:
    keys: list[str] = []
    for trace in traces:
        for stmt in trace.near_misses:
            if stmt.effect != "Allow":
                continue
            for cond in stmt.failed_conditions:
                if cond.key not in keys:
                    keys.append(cond.key)
    return tuple(keys)


# A layer that denies, found by the rules: its side, its policy type, whether explicitly,
# and how to build its `Denial` (a function of the decider and its arguments), which only a
# reader of the decision needs.
Found = tuple[Side, str, bool, Callable[..., Denial], tuple[Any, ...]]


class _Decider:
    """Applies the rules to one request; notes the layers that deny as it goes."""

    __slots__ = ("action", "denials", "inert", "inputs", "request", "t")

    def __init__(
        self,
        inputs: Inputs,
        request: Request,
        traces: LayerTraces,
        inert: tuple[Layer | None, Layer | None],
    ) -> None:
        self.inputs = inputs
        self.t = traces
        self.inert = inert
        self.request = request
        self.action = request.action
        self.denials: list[Found] = []

    @property
    def caller(self) -> str:
        """How AWS names the caller (only denial reasons need it)."""
        return self.request.caller.display

    @property
    def identity_caller(self) -> str:
        """The principal whose identity policies apply (the role of a session)."""
        return self.request.caller.principal_arn or self.caller

    # -- denials --------------------------------------------------------------------

    def _later(
        self,
        side: Side,
        policy_type: str,
        explicit: bool,
        build: Callable[..., Denial],
        *args: Any,
    ) -> None:
        """Note that a layer denies; `build(self, *args)` words its `Denial` when it is read
        (a function of the class, not a bound method: that would make a reference cycle)."""
        self.denials.append((side, policy_type, explicit, build, args))

    def rule_denies(
        self, side: Side, policy_type: str, account: str | None, reason: Reason
    ) -> None:
        """Note an implicit denial by a rule outside the policies (a service rule, S3 Block
        Public Access), with its reason."""
        self._later(
            side, policy_type, False, _Decider._deny, side, policy_type, False, account, reason
        )

    def _deny(
        self,
        side: Side,
        policy_type: str,
        explicit: bool,
        account: str | None,
        reason: Reason,
        trace: PolicyTrace | None = None,
        attached_to: str | None = None,
        keys: tuple[str, ...] = (),
    ) -> Denial:
        statement = None
        if explicit and trace is not None and trace.deciding:
            statement = trace.deciding[0].label
        # Positional, as the builders the evaluator calls on each request (iamsim.frozen).
        return make_denial(
            policy_type,
            side,
            explicit,
            account,
            reason,
            self.action,
            None if trace is None else trace.name,
            statement,
            attached_to,
            keys,
            None,
        )

    def explicit_denials(self) -> None:
        t, explicit = self.t, self._explicit_denial
        for trace in t.identity:
            if trace.verdict == "deny":
                explicit("source", "identity", trace)
        if t.boundary is not None and t.boundary.verdict == "deny":
            explicit("source", "boundary", t.boundary)
        for trace in t.session:
            if trace.verdict == "deny":
                explicit("source", "session", trace)
        if t.resource is not None and t.resource.verdict == "deny":
            explicit("target", self.inputs.resource_type, t.resource)
        for level in t.scp:
            for trace in level:
                if trace.verdict == "deny":
                    explicit("source", "scp", trace)
        for level in t.rcp:
            for trace in level:
                if trace.verdict == "deny":
                    explicit("target", "rcp", trace)

    def _explicit_denial(self, side: Side, policy_type: str, trace: PolicyTrace) -> None:
        self._later(side, policy_type, True, _Decider._explicit, side, policy_type, trace)

    def _explicit(self, side: Side, policy_type: str, trace: PolicyTrace) -> Denial:
        i = self.inputs
        stmt = trace.deciding[0]
        # SCPs and RCPs are owned by the management account but govern the caller's (SCP)
        # or the resource's (RCP) account: report the governed one.
        account = {"scp": i.caller_account, "rcp": i.resource_account}.get(
            policy_type, trace.account
        )
        return self._deny(
            side,
            policy_type,
            explicit=True,
            account=account,
            trace=trace,
            attached_to=trace.attached_to,
            keys=tuple(dict.fromkeys(c.key for c in stmt.conditions)),
            reason=make_reason(
                "explicit_deny",
                (
                    ("statement", stmt.label),
                    ("policy_type", policy_type),
                    ("policy", trace.label),
                    ("attached_to", trace.attached_to or ""),
                    ("action", self.action),
                ),
            ),
        )

    def org_denials(
        self,
        side: Side,
        policy_type: str,
        levels: Sequence[OrgLevel],
        traces: Sequence[tuple[PolicyTrace, ...]],
    ) -> bool:
        """Implicit denials for levels with no Allow; True when every level allows."""
        ok = True
        for level, level_traces in zip(levels, traces, strict=True):
            verdict = combined_verdict(level_traces)
            if verdict == "allow":
                continue
            ok = False
            if verdict == "none":
                self._later(
                    side,
                    policy_type,
                    False,
                    _Decider._org_denial,
                    side,
                    policy_type,
                    level,
                    level_traces,
                )
        return ok

    def _org_denial(
        self, side: Side, policy_type: str, level: OrgLevel, traces: tuple[PolicyTrace, ...]
    ) -> Denial:
        return self._deny(
            side,
            policy_type,
            explicit=False,
            account=self.inputs.caller_account
            if policy_type == "scp"
            else self.inputs.resource_account,
            attached_to=level.attached_to,
            trace=traces[0] if len(traces) == 1 else None,
            reason=make_reason(
                "org_level_no_allow",
                (
                    ("policy_type", policy_type),
                    ("attached_to", level.attached_to),
                    ("policies", tuple([tr.label for tr in traces])),
                    ("action", self.action),
                ),
            ),
        )

    def endpoint_denials(self, endpoint: PolicyTrace) -> None:
        """The VPC endpoint policy must allow, whoever owns the resource (AWS PrivateLink
        Guide, "Control access to VPC endpoints using endpoint policies")."""
        if endpoint.verdict == "deny":
            self._explicit_denial("source", "vpc_endpoint", endpoint)
        elif not endpoint.allows:
            self._later("source", "vpc_endpoint", False, _Decider._endpoint_denial, endpoint)

    def _endpoint_denial(self, endpoint: PolicyTrace) -> Denial:
        keys = _failing_keys((endpoint,))
        return self._deny(
            "source",
            "vpc_endpoint",
            explicit=False,
            account=endpoint.account,
            trace=endpoint,
            keys=keys,
            reason=make_reason(
                "vpc_endpoint_no_allow",
                (("policy", endpoint.label), ("action", self.action), ("keys", keys)),
            ),
        )

    # -- the grant ------------------------------------------------------------------

    def _deny_identity(self, delegated_by: str | None = None) -> Denial:
        """No identity policy allows; `delegated_by`: the resource policy type that trusts
        the account (and so delegates to these policies)."""
        i = self.inputs
        reason = i.identity_note or make_reason(
            "no_identity_allow",
            (
                ("caller", self.identity_caller),
                ("action", self.action),
                ("resource", self.request.resource),
            ),
        )
        if delegated_by is not None:
            reason = reason.with_fields(("delegated_by", delegated_by))
        return self._deny(
            "source",
            "identity",
            explicit=False,
            account=i.caller_account,
            keys=_failing_keys(self.t.identity),
            reason=reason,
        )

    def _deny_boundary(self) -> Denial:
        boundary = self.t.boundary
        assert boundary is not None
        return self._deny(
            "source",
            "boundary",
            explicit=False,
            account=self.inputs.caller_account,
            trace=boundary,
            keys=_failing_keys((boundary,)),
            reason=make_reason(
                "boundary_no_allow", (("policy", boundary.label), ("action", self.action))
            ),
        )

    def _deny_session(self) -> Denial:
        return self._deny(
            "source",
            "session",
            explicit=False,
            account=self.inputs.caller_account,
            keys=_failing_keys(self.t.session),
            reason=make_reason(
                "session_no_allow", (("caller", self.caller), ("action", self.action))
            ),
        )

    def _deny_resource(self) -> Denial:
        rbp = self.t.resource
        keys = _failing_keys(() if rbp is None else (rbp,))
        return self._deny(
            "target",
            self.inputs.resource_type,
            explicit=False,
            account=self.inputs.resource_account,
            trace=rbp,
            keys=keys,
            reason=self._resource_reason(keys),
        )

    def _resource_reason(self, keys: tuple[str, ...]) -> Reason:
        """Why the resource policy does not allow; `keys`: its Allows' failing conditions."""
        i, rbp, action = self.inputs, self.t.resource, self.action
        rtype = i.resource_type
        owner = i.resource_arn or self.request.resource
        if rbp is None:
            if i.resource_missing:
                return i.resource_missing
            if not i.same_account:
                return make_reason(
                    "resource_policy_absent",
                    (("label", i.resource_label), ("resource", owner), ("policy_type", rtype)),
                )
            return make_reason(
                "resource_policy_required",
                (
                    ("label", i.resource_label),
                    ("resource", owner),
                    ("policy_type", rtype),
                    ("action", action),
                ),
            )
        if keys:
            return make_reason(
                "resource_condition_failed",
                (
                    ("policy_type", rtype),
                    ("resource", owner),
                    ("caller", self.caller),
                    ("keys", keys),
                ),
            )
        return make_reason(
            "resource_no_statement",
            (
                ("policy_type", rtype),
                ("resource", owner),
                ("action", action),
                ("caller", self.caller),
            ),
        )

    def grant(self) -> dict[str, Reason]:
        """Apply the same-/cross-account grant rules; return a note per layer not needed."""
        i, t = self.inputs, self.t
        rbp, rtype = t.resource, i.resource_type
        # How the resource policy's applicable Allow statements name the caller.
        kinds: set[str | None] = set()
        if rbp is not None and rbp.allows:
            for s in rbp.statements:
                if not s.failed and s.effect == "Allow":
                    kinds.add(s.principal_match)
        # Whether an Allow applies in each layer; an explicit Deny is reported on its own.
        id_ok = i.root_caller or _allows(t.identity)
        pb_ok = t.boundary is None or t.boundary.allows
        sp_ok = i.session is None or _allows(t.session)
        not_needed: dict[str, Reason] = {}

        if i.identity is None:  # service principals and anonymous callers: the RBP alone decides
            if not kinds:
                self._later("target", rtype, False, _Decider._deny_resource)
            return {"identity": _NO_IDENTITY_NOTE}

        if i.same_account and not i.identity_required:
            if kinds & _DIRECT:
                note = make_reason("not_needed_direct_grant", (("policy_type", rtype),))
                return {"identity": note, "boundary": note, "session": note}
            if kinds & _CAPPED and pb_ok and sp_ok:
                return {"identity": make_reason("not_needed_role_grant", (("policy_type", rtype),))}
            if i.resource_required and not kinds:
                self._later("target", rtype, False, _Decider._deny_resource)
                return not_needed
            if kinds & _CAPPED and not (id_ok and kinds & _DELEGATING):
                # The resource policy names the role: only the boundary and the session
                # policy stand between the session and the grant (IAM User Guide, PB).
                if not pb_ok:
                    self._later("source", "boundary", False, _Decider._deny_boundary)
                if not sp_ok:
                    self._later("source", "session", False, _Decider._deny_session)
                return not_needed
            if id_ok and pb_ok and sp_ok:
                if not i.resource_required:
                    not_needed["resource"] = _RESOURCE_NOT_NEEDED_NOTE
                return not_needed
            if not id_ok:
                self._later(
                    "source",
                    "identity",
                    False,
                    _Decider._deny_identity,
                    rtype if kinds & _DELEGATING else None,
                )
            if not pb_ok:
                self._later("source", "boundary", False, _Decider._deny_boundary)
            if not sp_ok:
                self._later("source", "session", False, _Decider._deny_session)
            return not_needed

        # Cross account (or a side that must allow anyway): both sides must allow on their own.
        if not id_ok:
            self._later("source", "identity", False, _Decider._deny_identity)
        if not pb_ok:
            self._later("source", "boundary", False, _Decider._deny_boundary)
        if not sp_ok:
            self._later("source", "session", False, _Decider._deny_session)
        if not kinds:
            self._later("target", rtype, False, _Decider._deny_resource)
        return not_needed

    # -- layers ---------------------------------------------------------------------

    @staticmethod
    def _org_layer(
        side: Side,
        kind: str,
        levels: Sequence[tuple[PolicyTrace, ...]],
        applies: bool,
        note: Reason | None,
        ok: bool,
        inert: Layer | None,
    ) -> Layer:
        if not applies:  # AWS exempts the caller, or the layer does not apply at all
            return inert if inert is not None else inert_layer(side, kind, note)
        traces = tuple([tr for level in levels for tr in level])
        return make_layer(side, kind, _layer_verdict(traces, ok), traces, None)

    @staticmethod
    def _policy_layer(
        side: Side,
        kind: str,
        traces: tuple[PolicyTrace, ...],
        not_needed: dict[str, Reason],
        note: Reason | None = None,
        ok: bool | None = None,
    ) -> Layer:
        verdict = _layer_verdict(traces, ok)
        if verdict == "implicit" and kind in not_needed:
            verdict, note = "not_applicable", not_needed[kind]
        return make_layer(side, kind, verdict, traces, note)

    def layers(
        self,
        not_needed: dict[str, Reason],
        scp_ok: bool,
        rcp_ok: bool,
        endpoint: PolicyTrace | None = None,
    ) -> tuple[Layer, ...]:
        """Every layer of both sides with its own verdict, in the order AWS applies them."""
        i, t = self.inputs, self.t
        policy_layer = self._policy_layer
        scp, rcp = self.inert
        out = [self._org_layer("source", "scp", t.scp, i.scp is not None, i.scp_note, scp_ok, scp)]
        if i.identity is None:
            out.append(
                Layer("source", "identity", "not_applicable", note=not_needed.get("identity"))
            )
        elif i.root_caller:
            out.append(
                policy_layer(
                    "source",
                    "identity",
                    t.identity,
                    not_needed,
                    note=_ROOT_NOTE,
                    ok=True,
                )
            )
        else:
            layer = policy_layer("source", "identity", t.identity, not_needed)
            if layer.verdict != "allow" and layer.note_reason is None:
                layer = attrs.evolve(layer, note=i.identity_note)
            out.append(layer)
        if t.boundary is not None:
            out.append(policy_layer("source", "boundary", (t.boundary,), not_needed))
        if i.session is not None:
            out.append(policy_layer("source", "session", t.session, not_needed))
        if endpoint is not None:
            out.append(
                make_layer(
                    "source", "vpc_endpoint", _layer_verdict((endpoint,), None), (endpoint,), None
                )
            )
        rtype = i.resource_type
        if t.resource is None:
            denied = any(found[1] == rtype for found in self.denials)
            out.append(
                Layer(
                    "target",
                    rtype,
                    "implicit" if denied else "not_applicable",
                    # Why the target takes no part (AWS owns it, a KMS alias), else that it
                    # has no policy.
                    note=i.target_note
                    or make_reason(
                        "no_resource_policy", (("label", i.resource_label), ("policy_type", rtype))
                    ),
                )
            )
        else:
            out.append(policy_layer("target", rtype, (t.resource,), not_needed))
        out.append(
            self._org_layer("target", "rcp", t.rcp, i.rcp is not None, i.rcp_note, rcp_ok, rcp)
        )
        return tuple(out)

    def near_misses(self, layers: Sequence[Layer]) -> tuple[NearMiss, ...]:
        out: list[NearMiss] = []
        for layer in layers:
            if layer.verdict in ("allow", "not_applicable", "exempt"):
                continue
            for trace in layer.policies:
                for stmt in trace.near_misses:
                    if stmt.effect != "Allow":
                        continue
                    for cond in stmt.failed_conditions:
                        out.append(
                            make_near_miss(
                                layer.policy_type,
                                layer.side,
                                trace.name,
                                stmt.label,
                                cond.key,
                                cond.operator,
                                cond.policy_values,
                                cond.request_values,
                                self.action,
                                cond.note,
                            )
                        )
        return tuple(out)


@attrs.frozen(eq=False)
class Combined:
    """The combining rules' answer for one action: whether it is allowed, and whether a
    layer denies explicitly. What only a reader needs (the denials, the layers' verdicts,
    the near misses) comes from `finish`."""

    allowed: bool
    explicit: bool
    request: Request
    inputs: Inputs
    # What `finish` needs besides the traces: the decider and the layers it found denying
    # (all of them: a service rule that needs no permission shows them in the layers), the
    # layers not needed, whether the SCP and RCP levels allow, the VPC endpoint's trace.
    decider: _Decider
    not_needed: dict[str, Reason]
    org_ok: tuple[bool, bool]
    endpoint: PolicyTrace | None


make_combined = builder(Combined)


@attrs.frozen(eq=False)
class Settled:
    """Traces the scope fixes (no condition left to evaluate), and what the combining rules
    find from them alone: the layers that deny, the layers not needed, whether the SCP and
    RCP levels allow. A plan whose every trace the scope fixes settles them once (`settle`)."""

    traces: LayerTraces
    found: tuple[Found, ...]
    not_needed: dict[str, Reason]  # (read only)
    org_ok: tuple[bool, bool]


def settle(
    inputs: Inputs,
    scope: Request,
    traces: LayerTraces,
    inert: tuple[Layer | None, Layer | None] = (None, None),
) -> Settled:
    """The rules' findings for traces the scope fixes, asked with the scope's request."""
    d = _Decider(inputs, scope, traces, inert)
    not_needed, org_ok = _apply(d, None, True)
    return Settled(traces, tuple(d.denials), not_needed, org_ok)


def _apply(
    d: _Decider, endpoint: PolicyTrace | None, denies: bool
) -> tuple[dict[str, Reason], tuple[bool, bool]]:
    """Every rule that reads only the traces and the scope, in the order AWS applies them
    (`denies`: whether a Deny statement of the layers may apply)."""
    inputs, traces = d.inputs, d.t
    if denies:
        d.explicit_denials()
    if endpoint is not None:
        d.endpoint_denials(endpoint)
    scp_ok = not inputs.scp or d.org_denials("source", "scp", inputs.scp, traces.scp)
    rcp_ok = not inputs.rcp or d.org_denials("target", "rcp", inputs.rcp, traces.rcp)
    not_needed = d.grant()
    if inputs.service_denial:
        side = inputs.service_side
        account = inputs.caller_account if side == "source" else inputs.resource_account
        d.rule_denies(side, "service", account, inputs.service_denial)
    restricted = inputs.public_restricted
    if restricted is not None and traces.resource is not None and traces.resource.allows:
        # The public policy's grants do not reach this caller; without them the resource
        # policy allows nothing (its Denies still apply, reported on their own).
        d.rule_denies("target", "block_public_access", inputs.resource_account, restricted)
    return not_needed, (scp_ok, rcp_ok)


def decide(
    inputs: Inputs,
    request: Request,
    traces: LayerTraces,
    inert: tuple[Layer | None, Layer | None] = (None, None),
    endpoint: PolicyTrace | None = None,
    settled: Settled | None = None,
    denies: bool = True,
) -> Combined:
    """Apply AWS's combining rules to evaluated layers.

    `inert`: the SCP and RCP layers when they take no part, built once with the plan
    (`inert_layer`); built here when not given. `endpoint`: the policy of the VPC endpoint
    the request comes through, if any. `settled`: the rules' findings when the plan fixes
    every trace (`settle`; never with an endpoint, whose trace is the request's). `denies`:
    False when the plan shows that no Deny statement of the layers can apply.
    """
    d = _Decider(inputs, request, traces, inert)
    if settled is None:
        not_needed, org_ok = _apply(d, endpoint, denies)
    else:
        assert endpoint is None  # a plan with a VPC endpoint policy is never settled
        d.denials += settled.found
        not_needed, org_ok = settled.not_needed, settled.org_ok
    fixed = inputs.fixed_source_identity
    if fixed is not None:
        wanted = request.context.get("sts:SourceIdentity")
        if wanted is not None and wanted != fixed:
            reason = Reason(
                "source_identity_fixed", (("inherited", fixed), ("wanted", str(wanted)))
            )
            d.rule_denies("source", "service", inputs.caller_account, reason)
    # A service rule such as sts:GetCallerIdentity's needs no permission: no deny applies.
    allowed = not d.denials or bool(inputs.service_allow)
    explicit = False
    if not allowed:
        for found in d.denials:
            if found[2]:
                explicit = True
                break
    # Positional, as the builders the evaluator calls on each request (iamsim.frozen).
    return make_combined(allowed, explicit, request, inputs, d, not_needed, org_ok, endpoint)


def finish(
    combined: Combined,
) -> tuple[tuple[Denial, ...], tuple[Layer, ...], tuple[NearMiss, ...]]:
    """What only a reader of the decision needs: the layers that deny, in the order AWS
    tends to report them; every layer of both sides with its own verdict, in the order AWS
    applies them; the Allow statements that failed only on a condition in the layers that
    did not allow."""
    d, inputs = combined.decider, combined.inputs
    denials: tuple[Denial, ...] = ()
    if not combined.allowed:
        # One entry per layer: a layer that denies explicitly is not listed again as "nothing
        # allows it" (its fix removes the Deny and, where needed, adds the Allow).
        explicit = {(side, kind) for side, kind, is_explicit, _, _ in d.denials if is_explicit}
        kept = [x for x in d.denials if x[2] or (x[0], x[1]) not in explicit]
        kept.sort(key=_found_order)
        denials = tuple([build(d, *args) for _, _, _, build, args in kept])
    scp_ok, rcp_ok = combined.org_ok
    layers = d.layers(combined.not_needed, scp_ok, rcp_ok, combined.endpoint)
    if inputs.public_restricted is not None:
        cut = any(found[1] == "block_public_access" for found in d.denials)
        layers = (
            *layers,
            Layer(
                "target",
                "block_public_access",
                "implicit" if cut else "not_applicable",
                note=Reason("bpa_public_bucket", (("account", inputs.resource_account or ""),)),
            ),
        )
    return denials, layers, d.near_misses(layers)


def _found_order(found: Found) -> tuple[int, int]:
    """`denial_order` of a layer found denying, before its `Denial` is built."""
    return _order(found[2], found[1])
