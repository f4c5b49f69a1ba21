"""Load figures for benchmarks/README.md: a large world, read as JSON and as YAML, against
what the readers alone take. Run: python benchmarks/bench_load.py [--users N] [--roles N].

The world (benchmarks/gen_world.py: 10,000 users and 10,000 roles by default, each with
varied policies) is written once as JSON and as YAML; every figure is then measured in a
fresh process of its own (so that no memo and no freed memory carries over), all in one
run, and reported as a ratio to `json.load` of the same JSON file:

- `World.load` of the JSON file, `World.from_dict` of the parsed document, and
  `World.of` of the same users and roles built in code;
- PyYAML's C loader alone on the YAML file, and `World.load` of it: iamsim's own work
  beyond PyYAML (`World.load` minus the C loader) is compared with its work beyond
  `json.load` for the JSON file;
- peak memory of one `World.load` of the JSON file: the process's peak resident size
  (Linux's `VmHWM`, else `ru_maxrss`; the interpreter and the file's text included) and,
  in another process, the peak that `tracemalloc` traces and what the world holds;
- the seed AssumeRole (benchmarks/bench.py) on the demo world and on the large world with
  the demo's accounts added, side by side: decisions should cost the same.

Speed is measured here, never asserted in a test. To measure other code (the code before
a change), put its source first on PYTHONPATH: `PYTHONPATH=/path/to/old python
benchmarks/bench_load.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


def _best(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _peak_rss_mb() -> float:
    """This process's peak resident size: Linux's VmHWM, which starts afresh at exec (the
    `ru_maxrss` of a child keeps its parent's peak across exec, the generator's here)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def measure(kind: str, path: str, repeat: int) -> dict[str, float]:
    """One figure, in this process (the parent runs each in a fresh one)."""
    import iamsim

    if kind == "json.load":

        def read_json() -> None:
            with open(path, encoding="utf-8") as file:
                json.load(file)

        return {"seconds": _best(read_json, repeat)}
    if kind == "yaml.c":
        import yaml

        def read_yaml() -> None:
            with open(path, encoding="utf-8") as file:
                yaml.load(file.read(), Loader=yaml.CSafeLoader)

        return {"seconds": _best(read_yaml, repeat)}
    if kind == "World.load":
        return {"seconds": _best(lambda: iamsim.World.load(path), repeat)}
    if kind == "memory":  # one load, as a user's process makes it
        iamsim.World.load(path)
        return {"peak_rss_mb": _peak_rss_mb()}
    if kind == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        world = iamsim.World.load(path)
        _, peak = tracemalloc.get_traced_memory()
        current = tracemalloc.get_traced_memory()[0]
        del world
        return {"peak_traced_mb": peak / 2**20, "world_traced_mb": current / 2**20}
    if kind == "World.from_dict":
        with open(path, encoding="utf-8") as file:
            doc = json.load(file)
        return {"seconds": _best(lambda: iamsim.World.from_dict(doc), repeat)}
    if kind == "World.of":
        world = iamsim.World.load(path)
        entities = [e for a in world.accounts for e in (*a.users, *a.roles)]
        del world
        return {"seconds": _best(lambda: iamsim.World.of(*entities), repeat)}
    if kind == "decisions":
        return decisions(path)
    raise SystemExit(f"unknown measurement {kind}")


def decisions(path: str) -> dict[str, float]:
    """The seed AssumeRole per second on the demo world and on the large world with the
    demo's accounts added (the same call, the same policies)."""
    sys.path.insert(0, HERE)
    from bench import rate

    import iamsim
    from iamsim.world.demo import ALICE, DEMO_NOW, ROLE

    with open(path, encoding="utf-8") as file:
        doc = json.load(file)
    demo = iamsim.World.demo()
    seed = demo.to_dict()
    big = iamsim.World.from_dict({**seed, "accounts": {**doc["accounts"], **seed["accounts"]}})

    def call(world: iamsim.World) -> Any:
        return lambda: world.assume_role(
            ALICE, ROLE, "dev-session", external_id="my-secret-123", now=DEMO_NOW
        )

    assert call(big)().allowed and call(demo)().allowed
    small_rate, _ = rate(call(demo), 2.5)
    big_rate, _ = rate(call(big), 2.5)
    small_again, _ = rate(call(demo), 2.5)  # the machine's noise, measured
    return {
        "seed_per_s": max(small_rate, small_again),
        "large_world_per_s": big_rate,
    }


def run(kind: str, path: str, repeat: int) -> dict[str, float]:
    """`measure` in a fresh process, with this process's environment (PYTHONPATH too)."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, path, "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr}")
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--roles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each timed load (best)")
    parser.add_argument("--no-yaml", action="store_true", help="skip the YAML figures")
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the (slow) traced-memory figures"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], args.measure[1], args.repeat)))
        return

    sys.path.insert(0, HERE)
    from gen_world import world_document, write

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        doc = world_document(args.users, args.roles)
        json_path, yaml_path = os.path.join(tmp, "w.json"), os.path.join(tmp, "w.yaml")
        write(doc, json_path)
        if not args.no_yaml:
            write(doc, yaml_path)
        del doc
        figures["json_mb"] = os.path.getsize(json_path) / 2**20
        base = run("json.load", json_path, 5)["seconds"]
        figures["json_load_s"] = base
        loaded = run("World.load", json_path, args.repeat)
        figures["world_load_json_s"] = loaded["seconds"]
        figures["world_load_json_ratio"] = loaded["seconds"] / base
        figures.update(run("memory", json_path, 1))
        if not args.no_tracemalloc:
            figures.update(run("tracemalloc", json_path, 1))
        for kind in ("World.from_dict", "World.of"):
            seconds = run(kind, json_path, args.repeat)["seconds"]
            figures[f"{kind}_s"] = seconds
            figures[f"{kind}_ratio"] = seconds / base
        if not args.no_yaml:
            figures["yaml_mb"] = os.path.getsize(yaml_path) / 2**20
            c_loader = run("yaml.c", yaml_path, 1)["seconds"]
            world_yaml = run("World.load", yaml_path, 1)["seconds"]
            figures["yaml_c_loader_s"] = c_loader
            figures["yaml_c_loader_ratio"] = c_loader / base
            figures["world_load_yaml_s"] = world_yaml
            figures["world_load_yaml_ratio"] = world_yaml / base
            # iamsim's own work beyond each reader, in units of json.load.
            figures["own_work_json_ratio"] = (loaded["seconds"] - base) / base
            figures["own_work_yaml_ratio"] = (world_yaml - c_loader) / base
        figures.update(run("decisions", json_path, 1))
        figures["large_vs_seed"] = figures["seed_per_s"] / figures["large_world_per_s"]
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:28} {value:,.2f}")


if __name__ == "__main__":
    main()
