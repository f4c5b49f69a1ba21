"""iamsim side by side with @cloud-copilot/iam-simulate, on the same workload in one run.

    npm install --prefix /tmp/iam-simulate @cloud-copilot/iam-simulate
    python benchmarks/compare.py --node-modules /tmp/iam-simulate/node_modules

The workload is the one users run in test suites: the seed AssumeRole (alice in
111111111111 assumes CrossAccountS3Reader in 222222222222), alternating the right and a
wrong external ID, a new session name on every call. iamsim decides and builds its
`Decision`, whose detail (layers, denials, near misses) is assembled when first read: it is
measured twice, reading the outcome only, and reading the detail of every decision (the
full `Decision` built); iam-simulate runs `runSimulation` with the same two policies.
Both are warmed up, then run in alternating rounds so that they share the machine's
minutes; the best round of each counts (noise on a shared machine only slows a run down).
Optional: without Node.js or the npm package, it says so and exits 0. Never part of `.ci/run`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import iamsim
from iamsim.world.demo import ALICE, DEMO_NOW, ROLE, SEED_DOCUMENT

DRIVER = Path(__file__).with_name("iam_simulate_driver.cjs")
EXTERNAL_ID = "my-secret-123"


def workload(calls: int, warmup: int) -> dict[str, Any]:
    """The seed's two policies and the call, as the Node driver reads them."""
    source = SEED_DOCUMENT["accounts"]["111111111111"]
    role = SEED_DOCUMENT["accounts"]["222222222222"]["roles"]["CrossAccountS3Reader"]
    return {
        "caller": ALICE,
        "caller_account": "111111111111",
        "role": ROLE,
        "role_account": "222222222222",
        "external_id": EXTERNAL_ID,
        "identity_policy": source["policies"]["AssumeProdReader"],
        "trust_policy": role["trust_policy"],
        "calls": calls,
        "warmup": warmup,
    }


def iamsim_round(
    world: iamsim.World, calls: int, full: bool = False
) -> tuple[float, dict[str, int]]:
    """Decisions per second over `calls` seed AssumeRoles, and how many of each outcome;
    `full`: each decision's detail read too (its layers, denials and near misses built)."""
    outcomes: dict[str, int] = {}
    start = time.perf_counter()
    for i in range(calls):
        external_id = EXTERNAL_ID if i % 2 == 0 else f"wrong-{i}"
        decision = world.assume_role(
            ALICE, ROLE, f"session-{i}", external_id=external_id, now=DEMO_NOW
        )
        if full:
            decision.checks  # noqa: B018  (the first read builds the whole detail)
        outcomes[decision.outcome] = outcomes.get(decision.outcome, 0) + 1
    return calls / (time.perf_counter() - start), outcomes


def node_round(node: str, node_modules: Path, work: dict[str, Any]) -> dict[str, Any]:
    """One warmed-up run of the Node driver (a fresh process: its warm-up is its own)."""
    env = dict(os.environ, NODE_PATH=str(node_modules))
    done = subprocess.run(
        [node, str(DRIVER)],
        input=json.dumps(work),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"iam-simulate failed:\n{done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--node-modules",
        type=Path,
        default=Path("node_modules"),
        help="the node_modules folder holding @cloud-copilot/iam-simulate (default ./node_modules)",
    )
    parser.add_argument("--calls", type=int, default=4000, help="calls per round (default 4000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args()

    node = shutil.which("node")
    package = args.node_modules / "@cloud-copilot" / "iam-simulate"
    if node is None:
        print("Node.js is not installed: only iamsim can be measured; comparison skipped.")
        return
    if not package.is_dir():
        print(
            f"{package} not found: install it with "
            f"`npm install --prefix {args.node_modules.parent} @cloud-copilot/iam-simulate`; "
            "comparison skipped."
        )
        return
    version = json.loads((package / "package.json").read_text())["version"]

    world = iamsim.World.demo()
    iamsim_round(world, args.calls // 2)  # warm-up: plans and memos built
    work = workload(args.calls, warmup=args.calls // 2)
    ours: list[float] = []
    ours_full: list[float] = []
    theirs: list[float] = []
    for _ in range(args.rounds):
        rate, our_outcomes = iamsim_round(world, args.calls)
        ours.append(rate)
        ours_full.append(iamsim_round(world, args.calls, full=True)[0])
        result = node_round(node, args.node_modules, work)
        theirs.append(result["per_second"])
    print(f"workload: seed AssumeRole, right/wrong external ID alternating, {args.calls} calls")
    print(
        f"iamsim {iamsim.__version__} (Python {sys.version.split()[0]}): "
        f"{max(ours):,.0f} decisions/s, {max(ours_full):,.0f} with each decision's detail "
        f"read  outcomes {our_outcomes}"
    )
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    print(
        f"iam-simulate {version} (Node {node_version.strip()}): "
        f"{max(theirs):,.0f} decisions/s  outcomes {result['outcomes']}"
    )
    print(
        f"ratio: iamsim is {max(ours) / max(theirs):.1f} times as fast "
        f"({max(ours_full) / max(theirs):.1f} times with each decision's detail read)"
    )


if __name__ == "__main__":
    main()
