"""What the cache of loaded worlds saves: `World.load` of a large world vs. a cache hit.

    python benchmarks/bench_cache.py [--roles N] [--json]

Writes a world document of N roles (default 5,000; each with a trust policy and a
permissions policy) to a temporary folder, then times, best of three, a fresh
`World.load`, the first `load_world` (a miss: load, pickle, write) and a hit (hash the
file, read and unpickle the entry). The cache lives in the same temporary folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import iamsim
from iamsim.inputs.cache import cache_key, load_world


def world_document(roles: int) -> dict[str, Any]:
    """Two accounts; `roles` roles in the second, each trusting the first."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return {
        "accounts": {
            "111111111111": {},
            "222222222222": {
                "roles": {
                    f"Role{i}": {
                        "trust_policy": trust,
                        "policies": [
                            {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": ["s3:GetObject", "s3:PutObject"],
                                        "Resource": f"arn:aws:s3:::bucket-{i}/*",
                                    }
                                ],
                            }
                        ],
                    }
                    for i in range(roles)
                }
            },
        }
    }


def best_ms(fn: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "world.json")
        path.write_text(json.dumps(world_document(args.roles)), encoding="utf-8")
        cache = Path(folder, "cache")
        figures: dict[str, float] = {"roles": args.roles}
        figures["file_mb"] = round(path.stat().st_size / 1e6, 2)
        figures["load_ms"] = best_ms(lambda: iamsim.World.load(path))
        start = time.perf_counter()
        load_world(path, directory=cache)
        figures["miss_ms"] = (time.perf_counter() - start) * 1000
        figures["entry_mb"] = round(sum(p.stat().st_size for p in cache.iterdir()) / 1e6, 2)
        figures["key_ms"] = best_ms(lambda: cache_key(path))
        figures["hit_ms"] = best_ms(lambda: load_world(path, directory=cache))
        figures["speedup"] = figures["load_ms"] / figures["hit_ms"]
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        print()
        return
    for name, value in figures.items():
        print(f"{name:10} {value:10.1f}")


if __name__ == "__main__":
    main()
