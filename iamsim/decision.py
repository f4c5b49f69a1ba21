"""The answer to one question: Decision, with its Denials, NearMisses and Layers — data only.

Renderers (text, JSON, HTML, AWS error text) are pure functions of a Decision,
so a decision saved with `to_dict` can be rendered again without re-evaluating.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from iamsim.errors import IamsimError
from iamsim.frozen import builder
from iamsim.reason import Reason, words_key, words_tuple_key
from iamsim.session import RoleSession
from iamsim.trace import PolicyTrace

if TYPE_CHECKING:
    from iamsim.calls import Answerer, Call, Replay
    from iamsim.fixes import Fix

__all__ = [
    "SCHEMA_VERSION",
    "Check",
    "Decision",
    "Denial",
    "Layer",
    "NearMiss",
    "Outcome",
    "PolicyType",
    "Side",
]

SCHEMA_VERSION = "iamsim.decision/1"

Outcome = Literal["allowed", "explicitDeny", "implicitDeny"]
Side = Literal["source", "target"]
PolicyType = Literal[
    "identity",
    "resource",
    "trust",
    "scp",
    "rcp",
    "boundary",
    "session",
    "service",
    "vpc_endpoint",
    "block_public_access",
]

POLICY_TYPE_WORDS: dict[str, str] = {
    "identity": "identity policy",
    "resource": "resource-based policy",
    "trust": "role trust policy",
    "scp": "service control policy",
    "rcp": "resource control policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "service": "service rule",
    "vpc_endpoint": "VPC endpoint policy",
    "block_public_access": "S3 Block Public Access setting",
}


@attrs.frozen
class Denial:
    """One policy layer that, on its own, denies the request.

    Why is data: `cause` is a `Reason` (a code and its facts); `reason` is its sentence,
    worded by `iamsim.render.reasons`. The constructor's `reason=` takes a `Reason`, or a
    plain sentence (read as a saved reason).
    """

    policy_type: str
    side: Side
    explicit: bool
    account: str | None
    _reason: Reason | str = attrs.field(eq=words_key)
    action: str
    policy: str | None = None
    statement: str | None = None
    attached_to: str | None = None
    condition_keys: tuple[str, ...] = ()
    # A saved denial's `aws_message`, kept as its words (a live one derives it from its cause).
    _aws_message: str | None = attrs.field(default=None, eq=False)

    @property
    def aws_message(self) -> str | None:
        """The message AWS gives instead of its usual AccessDenied text, for service rules
        that have their own (for example "Roles may not be assumed by root accounts.")."""
        if self._aws_message is not None:
            return self._aws_message
        from iamsim.render.reasons import aws_message

        return aws_message(self._reason)

    @property
    def cause(self) -> Reason:
        """Why this layer denies: a reason code and the facts its sentence needs."""
        return Reason.of(self._reason)

    @property
    def reason(self) -> str:
        """Why, in one sentence a person can act on."""
        from iamsim.render.reasons import sentence

        return sentence(self._reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_type": self.policy_type,
            "side": self.side,
            "explicit": self.explicit,
            "account": self.account,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "action": self.action,
            "policy": self.policy,
            "statement": self.statement,
            "attached_to": self.attached_to,
            "condition_keys": list(self.condition_keys),
            "aws_message": self.aws_message,
        }

    @property
    def reason_code(self) -> str:
        """The reason's code (`role_missing`, …), kept by a saved denial that had one."""
        cause = self.cause
        saved = cause.get("code") if cause.code == "saved" else None
        return saved if isinstance(saved, str) else cause.code

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Denial:
        """A saved denial: its reason is known by its words (code "saved"), with the code it
        had when saved, so that a renderer words it as it did then."""
        fixed: dict[str, Any] = {"condition_keys": tuple(data.get("condition_keys", ()))}
        code = data.get("reason_code")
        if isinstance(data.get("reason"), str):
            fixed["reason"] = Reason.saved(data["reason"])
            if isinstance(code, str) and code != "saved":
                fixed["reason"] = fixed["reason"].with_fields(("code", code))
        return cls(**({k: v for k, v in data.items() if k != "reason_code"} | fixed))


@attrs.frozen
class NearMiss:
    """An Allow statement that matched principal, action and resource but failed a condition."""

    policy_type: str
    side: Side
    policy: str | None
    statement: str
    key: str
    operator: str
    policy_values: tuple[str, ...]
    request_values: tuple[str, ...] | None
    action: str
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = attrs.asdict(self, recurse=False)
        out["policy_values"] = list(self.policy_values)
        out["request_values"] = None if self.request_values is None else list(self.request_values)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NearMiss:
        rv = data.get("request_values")
        return cls(
            **(
                data
                | {
                    "policy_values": tuple(data["policy_values"]),
                    "request_values": None if rv is None else tuple(rv),
                }
            )
        )


LayerVerdict = Literal["allow", "deny", "implicit", "not_applicable", "exempt"]


@attrs.frozen
class Layer:
    """One policy type on one side, with each policy's trace and the layer's verdict.

    `verdict`: "allow", "deny" (explicit), "implicit" (nothing allowed), "not_applicable"
    (the layer does not take part: no boundary, same-account grant, …) or "exempt"
    (AWS exempts this caller: management account, service-linked role).
    """

    side: Side
    policy_type: str
    verdict: LayerVerdict
    policies: tuple[PolicyTrace, ...] = ()
    _note: Reason | str | None = attrs.field(default=None, eq=words_key)

    @property
    def note(self) -> str | None:
        """Why the layer takes no part, or needs nothing more, in words (or None)."""
        if self._note is None:
            return None
        from iamsim.render.reasons import sentence

        return sentence(self._note)

    @property
    def note_reason(self) -> Reason | None:
        """The note as data: a reason code and its facts."""
        return None if self._note is None else Reason.of(self._note)

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "policy_type": self.policy_type,
            "verdict": self.verdict,
            "note": self.note,
            "policies": [p.to_dict() for p in self.policies],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Layer:
        return cls(
            side=data["side"],
            policy_type=data["policy_type"],
            verdict=data["verdict"],
            note=Reason.saved(note) if isinstance(note := data.get("note"), str) else note,
            policies=tuple(PolicyTrace.from_dict(p) for p in data.get("policies", ())),
        )


@attrs.frozen
class Check:
    """The evaluation of one action of the request (AssumeRole may need TagSession too)."""

    action: str
    resource: str
    allowed: bool
    layers: tuple[Layer, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "allowed": self.allowed,
            "layers": [layer.to_dict() for layer in self.layers],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Check:
        return cls(
            action=data["action"],
            resource=data["resource"],
            allowed=data["allowed"],
            layers=tuple(Layer.from_dict(x) for x in data["layers"]),
        )


@attrs.frozen
class Decision:
    """Whether AWS would allow the request, which layers deny it, and why."""

    operation: str  # "AssumeRole" or the simulated action
    caller: str  # how AWS names the caller in errors
    caller_account: str | None
    action: str
    resource: str
    resource_account: str | None
    outcome: Outcome
    denied_by: tuple[Denial, ...]
    near_misses: tuple[NearMiss, ...]
    missing_context_keys: tuple[str, ...]
    checks: tuple[Check, ...]
    context: tuple[tuple[str, Any], ...] = ()
    _notes: tuple[Reason | str, ...] = attrs.field(default=(), eq=words_tuple_key)
    session: RoleSession | None = None
    # The world that answered and the call it answered, for replays and fixes; not part of
    # equality or JSON (a decision rebuilt from JSON has none).
    _replay: Replay | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"

    def __str__(self) -> str:
        """The explanation's first line: the verdict, the failing side(s) and layer(s)."""
        from iamsim.render.text import summary

        return summary(self)

    def __repr__(self) -> str:
        """Short, with the outcome and the explanation's first line (what pytest shows when
        a bare `assert d.allowed` fails)."""
        try:
            first = str(self)
        except Exception:  # a repr never raises: a Decision built by hand from odd values
            return f"<Decision {self.outcome!r}>"
        return f"<Decision {self.outcome}: {first}>"

    @property
    def notes(self) -> tuple[str, ...]:
        """What the reader should know beyond the layers (an unknown account, …), in words."""
        from iamsim.render.reasons import sentence

        return tuple(map(sentence, self._notes))

    @property
    def note_reasons(self) -> tuple[Reason, ...]:
        """The notes as data: each a reason code and its facts."""
        return tuple(map(Reason.of, self._notes))

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The layers of the main action (the first check)."""
        return self.checks[0].layers if self.checks else ()

    @property
    def aws_error(self) -> str | None:
        """The classic AccessDenied text AWS returns, or None when allowed."""
        from iamsim.render.aws import aws_error

        return aws_error(self)

    @property
    def aws_error_detailed(self) -> str | None:
        """The newer AWS message that names the policy type that denied, or None."""
        from iamsim.render.aws import aws_error_detailed

        return aws_error_detailed(self)

    @property
    def world(self) -> Answerer | None:
        """The world that answered (None for a decision rebuilt from JSON)."""
        return None if self._replay is None else self._replay[0]

    @property
    def call(self) -> Call | None:
        """The call that produced this decision (None for one rebuilt from JSON)."""
        return None if self._replay is None else self._replay[1]

    def replay(self, world: Answerer | None = None, call: Call | None = None) -> Decision:
        """Ask the same question again: of another world, or with a changed call."""
        if self._replay is None:
            raise IamsimError(
                "this decision was rebuilt from JSON; asking again needs the world: "
                "re-run the request with World.simulate or World.assume_role"
            )
        asked_of, asked = self._replay
        return (asked if call is None else call).run(asked_of if world is None else world)

    @property
    def explicit(self) -> bool:
        return self.outcome == "explicitDeny"

    @property
    def sides(self) -> tuple[Side, ...]:
        """The failing sides, source first."""
        found = {d.side for d in self.denied_by}
        order: tuple[Side, Side] = ("source", "target")
        return tuple(s for s in order if s in found)

    @property
    def cross_account(self) -> bool:
        return (
            self.caller_account is not None
            and self.resource_account is not None
            and self.caller_account != self.resource_account
        )

    def explain(self, *, color: bool = False, full: bool = False) -> str:
        """A plain-text account: verdict and failing side(s) first, then every layer; what
        allows everything in one line, unless `full` (every policy and statement)."""
        from iamsim.render.text import explain

        return explain(self, color=color, full=full)

    def to_dict(self) -> dict[str, Any]:
        """The whole decision as JSON-able data (schema in docs/explain.md)."""
        from iamsim.render.json import decision_to_dict

        return decision_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        """Rebuild a saved decision (for rendering again; fixes need the world)."""
        from iamsim.render.json import decision_from_dict

        return decision_from_dict(data)

    def _repr_html_(self) -> str:
        from iamsim.render.html import decision_html

        return decision_html(self)

    def suggest_fixes(self) -> Sequence[Fix]:
        """For each denial, the smallest verified change that makes the request pass."""
        from iamsim.fixes import suggest_fixes

        return suggest_fixes(self)


# The evaluator's builders (iamsim.frozen): the constructors' signatures, checked by mypy.
make_denial = builder(Denial)
make_near_miss = builder(NearMiss)
make_layer = builder(Layer)
make_check = builder(Check)
make_decision = builder(Decision)
