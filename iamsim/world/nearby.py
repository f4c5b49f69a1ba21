"""The ARN in the world that a missing one most likely meant: "did you mean".

A misspelt role or bucket is the commonest reason a request names something the world
does not hold (and AWS answers it with a bare AccessDenied). ARNs share long prefixes, so
two ARNs of one account are compared by their resource names, and an ARN of another
account (a mistyped account ID) as a whole, with a stricter cutoff.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["close_arn"]

# difflib ratios: two names that differ by a letter or two (`AnalyticsReadr`, `AnalyticsReader`)
# score above 0.9; unrelated names of the same length (`jobs`, `logs`) 0.75.
_NAME_CUTOFF = 0.8
_ARN_CUTOFF = 0.9


def close_arn(arn: str, candidates: Iterable[str]) -> str | None:
    """The one ARN of `candidates` that `arn` most likely misspells, or None."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return None
    head, name = ":".join(parts[:5]), parts[5]
    same_account: dict[str, str] = {}
    others: list[str] = []
    for candidate in candidates:
        if candidate == arn:
            return None  # not missing after all
        cparts = candidate.split(":", 5)
        if len(cparts) != 6 or cparts[2] != parts[2]:
            continue
        if ":".join(cparts[:5]) == head:
            same_account.setdefault(cparts[5], candidate)
        else:
            others.append(candidate)
    lowered = {n.lower(): c for n, c in same_account.items()}
    if name.lower() in lowered:  # IAM names are unique without case: only the case differs
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, list(same_account), n=1, cutoff=_NAME_CUTOFF)
    if close:
        return same_account[close[0]]
    near = difflib.get_close_matches(arn, others, n=1, cutoff=_ARN_CUTOFF)
    return near[0] if near else None
