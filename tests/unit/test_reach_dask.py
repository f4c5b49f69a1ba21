"""The whole-world questions on a Dask cluster of two worker processes equal the local
answers (`client=`, the `iamsim[dask]` extra)."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

import pytest
from dask.distributed import Client, LocalCluster

import iamsim
from iamsim.questions.distributed import account_shards

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
from gen_graph_worlds import OBJECT, org_world

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def test_cluster_answers_equal_local_answers() -> None:
    world = org_world(3)
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        assert world.assume_graph(client=client) == world.assume_graph()
        role = "arn:aws:iam::100000000001:role/r1"
        local = world.who_can("sts:AssumeRole", role, now=NOW)
        assert world.who_can("sts:AssumeRole", role, now=NOW, client=client).items == local.items
        assert len(local) > 1
        reads = world.who_can("s3:GetObject", OBJECT, now=NOW)
        assert world.who_can("s3:GetObject", OBJECT, now=NOW, client=client).items == reads.items
        demo = iamsim.World.demo()
        remote = demo.findings(client=client)
        assert remote == demo.findings()
        assert [f.fix is not None for f in remote] == [f.fix is not None for f in demo.findings()]


def test_shards_cover_every_account_once() -> None:
    accounts = [f"{i:012d}" for i in range(7)]
    shards = account_shards(accounts, 2)
    assert len(shards) == 4 and sorted(a for s in shards for a in s) == accounts


def test_client_must_be_a_dask_client() -> None:
    with pytest.raises(iamsim.ValidationError, match=r"dask\.distributed\.Client"):
        iamsim.World.demo().assume_graph(client="tcp://scheduler:8786")  # type: ignore[arg-type]
