"""The Fix record: one change that would remove one denial, and how it is expressed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.decision import Denial

if TYPE_CHECKING:
    from iamsim.world import World

__all__ = ["Apply", "Fix"]

Apply = Callable[["World"], "World"]


@attrs.frozen
class Fix:
    """One change that would remove one denial.

    Either `apply(world) -> World` makes the change in a copy of the world, or
    `request` names the call arguments to change (`{"external_id": "…"}`) —
    of the denied call (`request_for == "call"`) or of the AssumeRole call that
    created the calling session (`request_for == "session"`). A guardrail the
    user should not loosen has neither; its description says who owns it.
    """

    side: str
    policy_type: str
    account: str | None
    description: str
    change: Any
    apply: Apply | None = attrs.field(default=None, eq=False, repr=False)
    request: Mapping[str, Any] | None = None
    denial: Denial | None = attrs.field(default=None, eq=False, repr=False)
    request_for: str = "call"

    @property
    def guardrail(self) -> bool:
        """A report only: nothing to apply (SCP, RCP, service rule, unknown resource)."""
        return self.apply is None and self.request is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "policy_type": self.policy_type,
            "account": self.account,
            "description": self.description,
            "change": self.change,
            "applies_to_world": self.apply is not None,
            "request": None if self.request is None else dict(self.request),
            "request_for": self.request_for,
        }
