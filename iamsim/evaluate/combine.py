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
from iamsim.reason import Reason, make_reason
from iamsim.request import Request
from iamsim.trace import PolicyTrace

__all__ = [
    "Findings",
    "LayerTraces",
    "denial_order",
    "find",
    "finish",
    "inert_layer",
    "request_denial",
    "verdict",
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
# reader of the decision needs. The arguments name a policy by where it is in the layers
# (`Where`), never by its trace: what the rules find is then a function of the scope and of
# which statements apply, and the words come from the traces of the request that reads them.
Found = tuple[Side, str, bool, Callable[..., Denial], tuple[Any, ...]]

# Where a policy is: a field of the layers ("identity", "boundary", "session", "resource",
# "scp", "rcp") or "endpoint", then its index in each tuple.
Where = tuple[str, ...] | tuple[str, int] | tuple[str, int, int]


class _Decider:
    """Applies the rules to one request; notes the layers that deny as it goes."""

    __slots__ = ("action", "denials", "endpoint", "inert", "inputs", "request", "t")

    def __init__(
        self,
        inputs: Inputs,
        request: Request,
        traces: LayerTraces,
        inert: tuple[Layer | None, Layer | None],
        endpoint: PolicyTrace | None,
    ) -> None:
        self.inputs = inputs
        self.t = traces
        self.inert = inert
        self.endpoint = endpoint
        self.request = request
        self.action = request.action
        self.denials: list[Found] = []

    def _at(self, where: Where) -> PolicyTrace:
        """The trace of the policy at `where`."""
        found: Any = self.endpoint if where[0] == "endpoint" else getattr(self.t, where[0])
        for index in where[1:]:
            found = found[index]
        return found  # type: ignore[no-any-return]

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
        for n, trace in enumerate(t.identity):
            if trace.verdict == "deny":
                explicit("source", "identity", ("identity", n))
        if t.boundary is not None and t.boundary.verdict == "deny":
            explicit("source", "boundary", ("boundary",))
        for n, trace in enumerate(t.session):
            if trace.verdict == "deny":
                explicit("source", "session", ("session", n))
        if t.resource is not None and t.resource.verdict == "deny":
            explicit("target", self.inputs.resource_type, ("resource",))
        org: tuple[tuple[Side, str], ...] = (("source", "scp"), ("target", "rcp"))
        for side, kind in org:
            for n, level in enumerate(getattr(t, kind)):
                for m, trace in enumerate(level):
                    if trace.verdict == "deny":
                        explicit(side, kind, (kind, n, m))

    def _explicit_denial(self, side: Side, policy_type: str, where: Where) -> None:
        self._later(side, policy_type, True, _Decider._explicit, side, policy_type, where)

    def _explicit(self, side: Side, policy_type: str, where: Where) -> Denial:
        i = self.inputs
        trace = self._at(where)
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
        for n, (level, level_traces) in enumerate(zip(levels, traces, strict=True)):
            verdict = combined_verdict(level_traces)
            if verdict == "allow":
                continue
            ok = False
            if verdict == "none":
                self._later(
                    side, policy_type, False, _Decider._org_denial, side, policy_type, level, n
                )
        return ok

    def _org_denial(self, side: Side, policy_type: str, level: OrgLevel, n: int) -> Denial:
        traces: tuple[PolicyTrace, ...] = getattr(self.t, policy_type)[n]
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
            self._explicit_denial("source", "vpc_endpoint", ("endpoint",))
        elif not endpoint.allows:
            self._later("source", "vpc_endpoint", False, _Decider._endpoint_denial)

    def _endpoint_denial(self) -> Denial:
        endpoint = self.endpoint
        assert endpoint is not None  # found only when the request has one
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
    ) -> tuple[Layer, ...]:
        """Every layer of both sides with its own verdict, in the order AWS applies them."""
        i, t, endpoint = self.inputs, self.t, self.endpoint
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
class Findings:
    """What the rules that read only the traces and the scope find: the layers that deny
    (worded from the traces of the request that reads them), the layers not needed, whether
    the SCP and RCP levels allow, whether a layer denies and whether one denies explicitly.
    A function of the scope and of which of its open statements apply (a denial names its
    policy by place, `Where`), so a plan keeps one per pattern (`iamsim.evaluate.plan`)."""

    found: tuple[Found, ...]
    not_needed: dict[str, Reason]  # (read only)
    org_ok: tuple[bool, bool]
    denies: bool
    explicit: bool


def find(
    inputs: Inputs,
    request: Request,
    traces: LayerTraces,
    inert: tuple[Layer | None, Layer | None] = (None, None),
    endpoint: PolicyTrace | None = None,
    denies: bool = True,
) -> Findings:
    """Apply every rule that reads only the traces and the scope, in the order AWS applies
    them. `inert`: the SCP and RCP layers when they take no part, built once with the plan
    (`inert_layer`). `endpoint`: the trace of the policy of the VPC endpoint the request
    comes through, if any. `denies`: False when the plan shows that no Deny statement of the
    layers can apply."""
    d = _Decider(inputs, request, traces, inert, endpoint)
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
    found = tuple(d.denials)
    explicit = False
    for each in found:
        if each[2]:
            explicit = True
            break
    return Findings(found, not_needed, (scp_ok, rcp_ok), bool(found), explicit)


def request_denial(inputs: Inputs, request: Request) -> Reason | None:
    """Why the request's own context denies, whatever the policies say: a source identity
    set earlier in a role chain cannot be changed ("Monitor and control actions taken with
    assumed roles")."""
    fixed = inputs.fixed_source_identity
    if fixed is None:
        return None
    wanted = request.context.get("sts:SourceIdentity")
    if wanted is None or wanted == fixed:
        return None
    return Reason("source_identity_fixed", (("inherited", fixed), ("wanted", str(wanted))))


def verdict(inputs: Inputs, findings: Findings, request_denies: bool) -> tuple[bool, bool]:
    """Whether the action is allowed, and whether it is denied explicitly, from what the
    rules found and whether the request's own context denies (implicitly)."""
    # A service rule such as sts:GetCallerIdentity's needs no permission: no deny applies.
    allowed = not (findings.denies or request_denies) or bool(inputs.service_allow)
    return allowed, findings.explicit and not allowed


def finish(
    inputs: Inputs,
    request: Request,
    traces: LayerTraces,
    findings: Findings,
    allowed: bool,
    inert: tuple[Layer | None, Layer | None] = (None, None),
    endpoint: PolicyTrace | None = None,
) -> tuple[tuple[Denial, ...], tuple[Layer, ...], tuple[NearMiss, ...]]:
    """What only a reader of the decision needs, from the request's traces, what the rules
    found from them (`find`) and whether the request is `allowed` (`verdict`): the layers
    that deny, in the order AWS tends to report them; every layer of both sides with its own
    verdict, in the order AWS applies them; the Allow statements that failed only on a
    condition in the layers that did not allow."""
    d = _Decider(inputs, request, traces, inert, endpoint)
    d.denials += findings.found
    reason = request_denial(inputs, request)
    if reason is not None:
        d.rule_denies("source", "service", inputs.caller_account, reason)
    denials: tuple[Denial, ...] = ()
    if not allowed:
        # One entry per layer: a layer that denies explicitly is not listed again as "nothing
        # allows it" (its fix removes the Deny and, where needed, adds the Allow).
        explicit = {(side, kind) for side, kind, is_explicit, _, _ in d.denials if is_explicit}
        kept = [x for x in d.denials if x[2] or (x[0], x[1]) not in explicit]
        kept.sort(key=_found_order)
        denials = tuple([build(d, *args) for _, _, _, build, args in kept])
    scp_ok, rcp_ok = findings.org_ok
    layers = d.layers(findings.not_needed, scp_ok, rcp_ok)
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
