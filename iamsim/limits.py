"""The library's own bounds, in one place: how much a memo keeps.

A world memoizes what a caller, an action and a resource fix; compiled policies and
parsed condition keys are memoized too. Each memo keeps at most `MEMO_BOUND` entries,
so a long-running process that asks about endless distinct requests stays bounded.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["MEMO_BOUND", "remember"]

MEMO_BOUND = 4096

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V) -> V:
    """Keep `value` under `key` while the memo holds fewer than `MEMO_BOUND` entries."""
    if len(memo) < MEMO_BOUND:
        memo[key] = value
    return value
