"""The planner's common ground: the denied call, the caller's own entity, dispatch per layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.decision import Check, Decision, Denial
from iamsim.fixes.model import Apply, Fix
from iamsim.session import RoleSession

if TYPE_CHECKING:
    from iamsim.world import World


_UNSET: Any = object()


class _PlannerBase:
    """The decision, its world and call; where the caller's policies live; one handler per layer.

    `candidates` calls `_fix_<policy type>`, which the side mixins (`caller`, `target`,
    `guardrails`) define; `planner._Planner` puts them together.
    """

    def __init__(self, decision: Decision, world: World, kind: str, call: dict[str, Any]) -> None:
        self.d = decision
        self.world = world
        self.kind = kind
        self.call = call
        caller = call.get("caller") if kind == "assume_role" else call.get("principal")
        self.session = caller if isinstance(caller, RoleSession) else None
        self.caller_arn = caller if isinstance(caller, str) else None
        self._entity: Any = _UNSET
        self._documents: dict[int, tuple[Any, dict[str, Any]]] = {}  # see `_TargetFixes`

    # -- where the caller's policies live ---------------------------------------------

    def _principal_entity(self) -> Any:
        """The caller's user or role in the world (None if it has none), found once: an
        assumed-role ARN names no path, so its role is searched for by name."""
        if self._entity is _UNSET:
            self._entity = self._find_principal_entity()
        return self._entity

    def _find_principal_entity(self) -> Any:
        if self.session is not None:
            return self.world.role(self.session.role_arn)
        if self.caller_arn is None:
            return None
        if ":role/" in self.caller_arn:
            return self.world.role(self.caller_arn)
        if ":assumed-role/" in self.caller_arn:
            account = self.caller_arn.split(":")[4]
            name = self.caller_arn.split("/")[1]
            return next(
                (
                    r
                    for a in self.world.accounts
                    if a.id == account
                    for r in a.roles
                    if r.name == name
                ),
                None,
            )
        return self.world.user(self.caller_arn)

    def _principal_arn(self) -> str | None:
        entity = self._principal_entity()
        return None if entity is None else str(entity.arn)

    def _edit_entity(self, change: Callable[[Any], Any]) -> Apply | None:
        entity = self._principal_entity()
        if entity is None:
            return None
        arn, is_role = entity.arn, hasattr(entity, "trust_policy")

        def apply(world: World) -> World:
            current: Any = world.role(arn) if is_role else world.user(arn)
            return world.replace(current, change(current))

        return apply

    # -- candidates per denial -----------------------------------------------------------

    def _elsewhere(self, denial: Denial) -> _PlannerBase | None:
        """A planner for the check on another resource that a target-side denial comes from
        (a KMS alias operation's check of its key), or None when it is the main resource's."""
        checks = self.d.checks
        if len(checks) < 2 or denial.side != "target":
            return None

        def denies(check: Check) -> bool:
            return (
                not check.allowed
                and check.action == denial.action
                and any(
                    layer.side == denial.side
                    and layer.policy_type == denial.policy_type
                    and layer.verdict in ("implicit", "deny")
                    for layer in check.layers
                )
            )

        if denies(checks[0]):
            return None
        for check in checks[1:]:
            if check.resource != self.d.resource and denies(check):
                view = attrs.evolve(
                    self.d, resource=check.resource, resource_account=denial.account
                )
                return type(self)(view, self.world, self.kind, self.call)
        return None

    # -- a misspelt caller, role or resource --------------------------------------------

    def _misspelt(self) -> tuple[str, str, str, str, str] | None:
        """(what, call argument, its value, the value meant, the ARN meant) when the call
        names a caller, role or resource the world lacks and the world holds a close match
        (the note's "did you mean"); None otherwise."""
        who = "caller" if self.kind == "assume_role" else "principal"
        target = "role_arn" if self.kind == "assume_role" else "resource"
        for reason in self.d.note_reasons:
            meant = reason.get("suggestion")
            if not isinstance(meant, str):
                continue
            if reason.code == "caller_account_unknown":
                what, key, missing = "The caller", who, reason.text("caller")
            elif reason.code in ("role_missing", "role_account_unknown"):
                what, key, missing = "The role", target, reason.text("role")
            elif reason.code == "resource_unknown":
                what, key, missing = "The resource", target, reason.text("resource")
            else:
                continue
            value = self.call.get(key)
            # A bucket's object names the bucket: the object's key is kept.
            if isinstance(value, str) and (value == missing or value.startswith(missing + "/")):
                return what, key, value, meant + value[len(missing) :], meant
        return None

    def _call_instead(
        self, denial: Denial, what: str, key: str, value: str, new: str, meant: str
    ) -> Iterator[Fix]:
        """Call the name the world holds: never a grant on a name it lacks (whoever
        creates that name later would hold the grant)."""
        change = {"replace": value, "with": new}
        verb = "make the call as" if key in ("caller", "principal") else "call"
        yield Fix(
            denial.side,
            denial.policy_type,
            denial.account,
            f"{what} {value} is not in the world, and {meant} is: {verb} {new} instead "
            "(a grant on a name that does not exist would go to whoever creates it).",
            change,
            request={key: new},
            denial=denial,
        )
        # When calling the right name still leaves this denial, say so; its own fixes follow
        # once the call names it.
        yield Fix(
            denial.side,
            denial.policy_type,
            denial.account,
            f"{what} {value} is not in the world, and {meant} is: {verb} {new} instead, then "
            "ask again for the fixes of that call (no grant is made on a name that does not "
            "exist).",
            change,
            denial=denial,
        )

    def candidates(self, denial: Denial) -> Iterator[Fix]:
        misspelt = self._misspelt()
        if misspelt is not None and denial.policy_type not in ("scp", "rcp", "service"):
            return self._call_instead(denial, *misspelt)
        elsewhere = self._elsewhere(denial)
        if elsewhere is not None:
            return elsewhere.candidates(denial)
        handler = getattr(self, f"_fix_{denial.policy_type}", None)
        if handler is None:
            return iter(())
        return (f for f in handler(denial) if f is not None)
