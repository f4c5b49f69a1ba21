"""Fuzzing, small: every campaign of `fuzz_strategies` with a few dozen inputs each.

Only `IamsimError` may escape the library; the command line exits 0, 1 or 2 without a
traceback. Inputs are bounded by size, not time; runs are derandomized, so the suite is
stable. `benchmarks/fuzz_long.py` runs the same campaigns with many more inputs.
"""

from __future__ import annotations

from typing import Any

import pytest
from fuzz_strategies import CAMPAIGNS, run
from hypothesis import HealthCheck, given, settings

EXAMPLES = {
    "policy-structure": 60,
    "policy-bytes": 60,
    "policy-junk": 40,
    "world-dict": 40,
    "world-file": 40,
    "simulate": 60,
    "assume-role": 60,
    "cli": 40,
}


def _campaign(name: str) -> Any:
    strategy, target = CAMPAIGNS[name]

    @settings(
        max_examples=EXAMPLES[name],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def check(args: tuple[Any, ...]) -> None:
        run(target, args)

    return check


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_only_iamsim_errors_escape(name: str) -> None:
    assert set(EXAMPLES) == set(CAMPAIGNS)
    _campaign(name)()
