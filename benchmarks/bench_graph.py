"""Scale figures of who_can, the assume-role graph and findings (issue #14, item 4).

Run: python benchmarks/bench_graph.py [--accounts N] [--no-dask]

1. The flat world (gen_graph_worlds.flat_world: one account, 150 users, 150 roles):
   `who_can("s3:GetObject", …)` for every principal, checked against the answer the
   world's construction implies; the whole assume-role graph.
2. The organization (gen_graph_worlds.org_world: 1,000 accounts of 20 users and 20 roles):
   building the world, `who_can` on one role, the whole graph, `findings()`.
3. `who_can` on one role, the whole graph and `findings()` of the organization on a Dask
   LocalCluster of two worker processes (one per core of this machine), against the local
   run, with the CPU seconds the driver and each worker spent (how the work was split,
   whatever else the machine was running).

Wall-clock seconds of one run each (the world is built once; `who_can` is the best of
three). Speed is reported here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from gen_graph_worlds import OBJECT, flat_world, org_account, org_world

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(n: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    runs = [timed(fn) for _ in range(n)]
    return min(t for t, _ in runs), runs[0][1]


def flat() -> None:
    build, world = timed(flat_world)
    print(f"flat world (150 users, 150 roles): built in {build:.2f} s")
    seconds, answer = best_of(3, lambda: world.who_can("s3:GetObject", OBJECT, now=NOW))
    hops: dict[int, int] = {}
    for access in answer:
        hops[access.hops] = hops.get(access.hops, 0) + 1
    # The construction implies the answer: the 50 reading roles (0 hops), the 50 roles that
    # may assume any role and the 50 users of a reading role (1 hop), the 50 users of an
    # assuming role (2 hops); no user or role holding ec2:Describe* reaches it.
    expected = {0: 50, 1: 100, 2: 50}
    verdict = "as expected" if hops == expected else f"UNEXPECTED (want {expected})"
    print(
        f"  who_can s3:GetObject: {seconds:.3f} s, {len(answer)} principals, "
        f"by hops {dict(sorted(hops.items()))} {verdict}"
    )
    seconds, answer = timed(lambda: [a.path for a in answer])
    print(f"  the Decisions of all {len(answer)} paths, replayed: {seconds:.3f} s")
    seconds, graph = timed(lambda: world.assume_graph())
    print(f"  assume_graph: {seconds:.2f} s, {len(graph.nodes)} nodes, {len(graph.edges)} edges")


def org(accounts: int, dask: bool) -> None:
    build, world = timed(lambda: org_world(accounts))
    print(f"organization of {accounts} accounts (20 users + 20 roles each): built in {build:.1f} s")
    role = f"arn:aws:iam::{org_account(accounts // 2)}:role/r1"
    seconds, answer = best_of(3, lambda: world.who_can("sts:AssumeRole", role, now=NOW))
    print(f"  who_can sts:AssumeRole on {role}: {seconds:.2f} s, {len(answer)} principals")
    cpu = time.process_time()
    local_graph, graph = timed(lambda: world.assume_graph())
    cpu = time.process_time() - cpu
    print(
        f"  assume_graph: {local_graph:.1f} s (CPU {cpu:.1f} s), {len(graph.nodes)} nodes, "
        f"{len(graph.edges)} edges"
    )
    cpu = time.process_time()
    local_findings, found = timed(world.findings)
    cpu = time.process_time() - cpu
    print(f"  findings(): {local_findings:.1f} s (CPU {cpu:.1f} s), {len(found)} findings")
    if not dask:
        return
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        seconds, remote, split = on_cluster(
            client, lambda: world.who_can("sts:AssumeRole", role, now=NOW, client=client)
        )
        same = "equal" if remote.items == answer.items else "DIFFERENT"
        print(f"  who_can on 2 Dask workers: {seconds:.2f} s, {same}; {split}")
        seconds, remote, split = on_cluster(client, lambda: world.assume_graph(client=client))
        same = "equal to the local graph" if remote == graph else "DIFFERENT from the local graph"
        print(
            f"  assume_graph on 2 Dask workers: {seconds:.1f} s "
            f"(speed-up {local_graph / seconds:.2f}x), {same}; {split}"
        )
        seconds, remote_found, split = on_cluster(client, lambda: world.findings(client=client))
        same = "equal" if remote_found == found else "DIFFERENT"
        print(
            f"  findings() on 2 Dask workers: {seconds:.1f} s "
            f"(speed-up {local_findings / seconds:.2f}x), {same}; {split}"
        )


def on_cluster(client: Any, fn: Callable[[], Any]) -> tuple[float, Any, str]:
    """Wall-clock seconds of `fn`, its answer, and the CPU seconds the driver and each
    worker process spent on it: on a machine shared with other jobs the wall clock says
    how busy the cores were, the CPU seconds how the work was split."""
    before = client.run(time.process_time)
    driver = time.process_time()
    seconds, answer = timed(fn)
    driver = time.process_time() - driver
    after = client.run(time.process_time)
    workers = ", ".join(f"{after[w] - before[w]:.1f}" for w in sorted(after))
    return seconds, answer, f"CPU seconds: driver {driver:.1f}, workers {workers}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    print(
        f"{dt.date.today()} Python {platform.python_version()} "
        f"{platform.machine()} {platform.processor() or platform.system()}"
    )
    flat()
    org(args.accounts, not args.no_dask)


if __name__ == "__main__":
    main()
