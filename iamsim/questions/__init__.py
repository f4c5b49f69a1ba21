"""Questions asked of a whole world through its public API: `why` replays evidence of a
denial (an AWS error message, a CloudTrail record); `findings` checks the cross-account
best practices. `World.why` and `World.findings` delegate here (docs/questions.md)."""

from __future__ import annotations

from iamsim.questions.findings import RULES, Finding, FindingFix, Rule, findings
from iamsim.questions.why import Evidence, Replayed, read_evidence, replay, why

__all__ = [
    "RULES",
    "Evidence",
    "Finding",
    "FindingFix",
    "Replayed",
    "Rule",
    "findings",
    "read_evidence",
    "replay",
    "why",
]
