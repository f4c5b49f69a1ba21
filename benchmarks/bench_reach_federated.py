"""Reach questions with web identity callers: one GitHub OIDC provider trusted by N roles,
each for its own repository (docs/federation.md), and the flat world of bench_graph.py
for comparison.

Run: python benchmarks/bench_reach_federated.py [--roles N]

Wall-clock seconds of one call each, the best of three. Speed is reported here, never
asserted in a test.
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

from gen_graph_worlds import OBJECT, flat_world

import iamsim

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GH = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::222222222222:oidc-provider/{GH}"
ARTIFACT = "arn:aws:s3:::artifacts/app.zip"


def github_world(roles: int) -> iamsim.World:
    """Account 222222222222: GitHub's OIDC provider and `roles` deploy roles, role i
    trusting the workflows of repository acme/app{i} and writing the artifacts bucket."""
    put = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::artifacts/*"}
        ],
    }
    body: dict[str, Any] = {}
    for i in range(roles):
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": PROVIDER},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
                        "StringLike": {f"{GH}:sub": f"repo:acme/app{i}:*"},
                    },
                }
            ],
        }
        body[f"deploy{i}"] = {"trust_policy": trust, "policies": [put]}
    account = {
        "oidc_providers": {GH: {"client_ids": ["sts.amazonaws.com"]}},
        "resources": {"arn:aws:s3:::artifacts": {}},
        "roles": body,
    }
    return iamsim.World.from_dict({"accounts": {"222222222222": account}})


def best(fn: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=100)
    args = parser.parse_args()
    print(f"CPython {platform.python_version()}, {platform.machine()}")
    flat = flat_world()
    seconds, answer = best(lambda: flat.who_can("s3:GetObject", OBJECT, now=NOW))
    print(f"flat world who_can: {seconds:.3f} s, {len(answer)} principals")
    world = github_world(args.roles)
    seconds, answer = best(lambda: world.who_can("s3:PutObject", ARTIFACT, now=NOW))
    print(f"{args.roles} GitHub roles who_can: {seconds:.3f} s, {len(answer)} principals")
    seconds, graph = best(world.assume_graph)
    print(f"{args.roles} GitHub roles assume_graph: {seconds:.3f} s, {len(graph.edges)} edges")
    seconds, reach = best(lambda: world.reachable_from(PROVIDER, now=NOW))
    print(f"{args.roles} GitHub roles reachable_from(provider): {seconds:.3f} s, {len(reach)}")
    seconds, paths = best(lambda: [a.path for a in reach])
    print(f"replaying the {len(paths)} paths: {seconds:.3f} s")


if __name__ == "__main__":
    main()
