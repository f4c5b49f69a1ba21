"""SCP, RCP and service-rule denials: reported with who owns them, never loosened."""

from __future__ import annotations

from collections.abc import Iterator

from iamsim.decision import Denial
from iamsim.fixes.base import _PlannerBase
from iamsim.fixes.model import Fix
from iamsim.render.reasons import clause


class _GuardrailFixes(_PlannerBase):
    """Reports for SCP, RCP and service-rule denials: nothing to apply."""

    def _fix_scp(self, denial: Denial) -> Iterator[Fix]:
        yield self._guardrail(denial, "service control policy", "source")

    def _fix_rcp(self, denial: Denial) -> Iterator[Fix]:
        yield self._guardrail(denial, "resource control policy", "target")

    def _guardrail(self, denial: Denial, words: str, side: str) -> Fix:
        org = self.world.organization
        owner = (
            f"the organization's management account {org.management_account}"
            if org
            else "the organization's administrators"
        )
        where = f" attached to {denial.attached_to}" if denial.attached_to else ""
        name = f" {denial.policy}" if denial.policy else ""
        how = "explicitly denies" if denial.explicit else "does not allow"
        return Fix(
            side,
            denial.policy_type,
            denial.account,
            f"The {words}{name}{where} {how} {denial.action}; it is a guardrail owned by "
            f"{owner} — ask them for an exception rather than loosening it.",
            {"policy": denial.policy, "attached_to": denial.attached_to},
            denial=denial,
        )

    def _fix_service(self, denial: Denial) -> Iterator[Fix]:
        yield Fix(
            denial.side,
            "service",
            denial.account,
            f"{clause(denial.cause)}, and no policy change can allow it.",
            {"reason": denial.reason},
            denial=denial,
        )
