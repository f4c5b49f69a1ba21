"""What the cache of loaded worlds saves: `World.load` of a large world vs. a cache hit.

    python benchmarks/bench_cache.py [--roles N | --world PATH] [--json]

Writes a world document of N roles (default 5,000; each with a trust policy and a
permissions policy) to a temporary folder, or takes the world at PATH, then times the
first `load_world` (a miss: load, pickle, write), and, three times each, a `World.load`
and a hit (hash the input, read and unpickle the entry), each in a new interpreter as a
command line runs them (the timer around the load alone, after `import iamsim`). The
cache lives in the temporary folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from iamsim.inputs.cache import cache_key


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


_ONCE = """
import sys, time
from pathlib import Path
import iamsim
from iamsim.inputs.cache import load_world
start = time.perf_counter()
if sys.argv[1] == "load":
    iamsim.World.load(sys.argv[2])
else:
    load_world(sys.argv[2], directory=Path(sys.argv[3]))
print((time.perf_counter() - start) * 1000)
"""


def fresh_ms(mode: str, path: Path, cache: Path) -> float:
    """One load (`load`) or cached load (`cached`) in a new interpreter, in ms."""
    done = subprocess.run(
        [sys.executable, "-c", _ONCE, mode, str(path), str(cache)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--world", type=Path, help="time this world instead")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.world
        if path is None:
            path = Path(folder, "world.json")
            path.write_text(json.dumps(world_document(args.roles)), encoding="utf-8")
        cache = Path(folder, "cache")
        figures: dict[str, Any] = {"world": str(args.world or f"{args.roles} roles")}
        figures["input_mb"] = round(path.stat().st_size / 1e6, 2) if path.is_file() else None
        figures["miss_ms"] = round(fresh_ms("cached", path, cache))
        figures["entry_mb"] = round(sum(p.stat().st_size for p in cache.iterdir()) / 1e6, 2)
        start = time.perf_counter()
        cache_key(path)
        figures["key_ms"] = round((time.perf_counter() - start) * 1000, 1)
        figures["load_ms"] = [round(fresh_ms("load", path, cache)) for _ in range(3)]
        figures["hit_ms"] = [round(fresh_ms("cached", path, cache)) for _ in range(3)]
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        print()
        return
    for name, value in figures.items():
        print(f"{name:10} {value}")


if __name__ == "__main__":
    main()
