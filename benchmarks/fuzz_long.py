"""Long fuzzing run, outside the test suite: the campaigns of tests/fuzz, many more inputs.

    python benchmarks/fuzz_long.py                        # every campaign, 2,000 inputs each
    python benchmarks/fuzz_long.py --examples 20000 cli   # one campaign, longer
    python benchmarks/fuzz_long.py --minutes 10           # spread ten minutes over them

Each input gets a wall-clock bound (`--timeout`, 2 s, by SIGALRM): an input that takes
longer is reported as a timeout, as is one that raises anything but `IamsimError`
(the command line: exits other than 0, 1, 2, or a traceback). The run goes on after a
finding; at the end each distinct finding (exception type and where it was raised)
is printed once with the smallest input that showed it. Exit status 1 if anything was
found. Unix only (SIGALRM).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "fuzz"))
sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))

from fuzz_strategies import CAMPAIGNS, run  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402


class InputTimeout(Exception):
    """One input ran past the per-input bound."""


def _alarm(signum: int, frame: Any) -> None:
    raise InputTimeout


def _where(exc: BaseException) -> str:
    """The innermost iamsim frame of a traceback: file:line in function."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/iamsim/" in f.filename] or frames
    if not ours:
        return "?"
    frame = ours[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"


def campaign(name: str, examples: int, timeout: float, seconds: float | None) -> dict[str, Any]:
    """Run one campaign; its findings, by kind and place, with the shortest input seen."""
    strategy, target = CAMPAIGNS[name]
    findings: dict[str, tuple[int, str, str]] = {}
    counts = {"inputs": 0, "slowest": 0.0}
    stop_at = None if seconds is None else time.monotonic() + seconds

    # In batches, so that a campaign with a time share stops soon after its time is up.
    batch = examples if stop_at is None else 200

    @settings(
        max_examples=batch,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def check(args: tuple[Any, ...]) -> None:
        if stop_at is not None and time.monotonic() > stop_at:
            return
        counts["inputs"] += 1
        shown = repr(args)
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            run(target, args)
        except InputTimeout:
            key = "timeout"
            detail = f"more than {timeout} s"
        except BaseException as exc:  # every other escape is a finding
            if isinstance(exc, KeyboardInterrupt):
                raise
            key = f"{type(exc).__name__} at {_where(exc)}"
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300]
        else:
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            counts["slowest"] = max(counts["slowest"], time.monotonic() - started)
        known = findings.get(key)
        if known is None or len(shown) < known[0]:
            findings[key] = (len(shown), shown[:2000], detail)

    check()
    while stop_at is not None and time.monotonic() < stop_at and counts["inputs"] < examples:
        check()
    return {"name": name, "findings": findings, **counts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("campaigns", nargs="*", choices=[[], *CAMPAIGNS], default=[])
    parser.add_argument("--examples", type=int, default=2000, help="inputs per campaign")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per input")
    parser.add_argument("--minutes", type=float, help="total time, shared by the campaigns")
    args = parser.parse_args()
    names = args.campaigns or list(CAMPAIGNS)
    share = None if args.minutes is None else args.minutes * 60 / len(names)
    examples = args.examples if share is None else max(args.examples, 10**7)
    signal.signal(signal.SIGALRM, _alarm)
    found = 0
    for name in names:
        started = time.monotonic()
        result = campaign(name, examples, args.timeout, share)
        took = time.monotonic() - started
        print(
            f"{name}: {result['inputs']} inputs in {took:.0f} s, slowest "
            f"{result['slowest']:.2f} s, {len(result['findings'])} finding(s)",
            flush=True,
        )
        for key, (_, shown, detail) in sorted(result["findings"].items()):
            found += 1
            print(f"  {key}\n    {detail}\n    input: {shown}", flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
