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

    def candidates(self, denial: Denial) -> Iterator[Fix]:
        elsewhere = self._elsewhere(denial)
        if elsewhere is not None:
            return elsewhere.candidates(denial)
        handler = getattr(self, f"_fix_{denial.policy_type}", None)
        if handler is None:
            return iter(())
        return (f for f in handler(denial) if f is not None)
