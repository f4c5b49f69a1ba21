"""The planner: every side's candidate builders, put together for one denied decision."""

from __future__ import annotations

from iamsim.fixes.caller import _CallerFixes
from iamsim.fixes.guardrails import _GuardrailFixes
from iamsim.fixes.target import _TargetFixes


class _Planner(_CallerFixes, _TargetFixes, _GuardrailFixes):
    """Builds the candidate fixes for one denial from the decision's call and world."""
