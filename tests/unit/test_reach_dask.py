"""The whole-world questions on a Dask cluster of two worker processes equal the local
answers (`client=`, the `iamsim[dask]` extra)."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

import attrs
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


_BUCKET = "arn:aws:s3:::mixed-bucket"


def _mixed_world() -> iamsim.World:
    """Callers of every kind a trust policy can name: users and roles of two accounts, an
    exact ARN and a whole account outside the world, a service, and `*` under a condition
    (IAM User Guide, "AWS JSON policy elements: Principal")."""

    def trust(principal: dict[str, object], **condition: object) -> dict[str, object]:
        stmt: dict[str, object] = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sts:AssumeRole",
        }
        if condition:
            stmt["Condition"] = condition
        return {"Version": "2012-10-17", "Statement": [stmt]}

    assume_any = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    a, b = "111111111111", "222222222222"
    read = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{_BUCKET}/*"}],
    }
    # The bucket policy names a principal outside the world under a condition on a tag
    # the world does not state (never met directly), and the trust of `shared` admits its
    # whole account: who_can reaches it through `shared` only.
    bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::999999999999:user/x"},
                "Action": "s3:GetObject",
                "Resource": f"{_BUCKET}/*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            }
        ],
    }
    github = "token.actions.githubusercontent.com"
    deploy = trust({"Federated": f"arn:aws:iam::{a}:oidc-provider/{github}"})
    deploy["Statement"][0]["Action"] = "sts:AssumeRoleWithWebIdentity"  # type: ignore[index]
    deploy["Statement"][0]["Condition"] = {  # type: ignore[index]
        "StringLike": {f"{github}:sub": "repo:acme/*"}
    }
    world = iamsim.World.of(
        iamsim.Role(
            f"arn:aws:iam::{a}:role/deploy", trust_policy=deploy, policies=[read, assume_any]
        ),
        # Only a GitHub web identity session of deploy gets in (aws:FederatedProvider, IAM
        # User Guide, global condition keys): who_can asks that hop as the session.
        iamsim.Role(
            f"arn:aws:iam::{a}:role/keyed",
            trust_policy=trust(
                {"AWS": f"arn:aws:iam::{a}:role/deploy"},
                StringEquals={"aws:FederatedProvider": f"arn:aws:iam::{a}:oidc-provider/{github}"},
            ),
        ),
        iamsim.Resource(_BUCKET, account=a, policy=bucket_policy),
        iamsim.User(f"arn:aws:iam::{a}:user/alice", policies=[assume_any]),
        iamsim.User(f"arn:aws:iam::{b}:user/bob", policies=[assume_any]),
        iamsim.Role(
            f"arn:aws:iam::{a}:role/shared",
            trust_policy=trust(
                {"AWS": [f"arn:aws:iam::{b}:root", "arn:aws:iam::999999999999:root"]}
            ),
            policies=[assume_any, read],
        ),
        iamsim.Role(
            f"arn:aws:iam::{b}:role/vendor",
            trust_policy=trust(
                {"AWS": "arn:aws:iam::888888888888:role/partner"},
                StringEquals={"sts:ExternalId": "x-1"},
            ),
        ),
        iamsim.Role(
            f"arn:aws:iam::{b}:role/ec2", trust_policy=trust({"Service": "ec2.amazonaws.com"})
        ),
        iamsim.Role(
            f"arn:aws:iam::{a}:role/open",
            trust_policy=trust({"AWS": "*"}, Bool={"aws:MultiFactorAuthPresent": "true"}),
        ),
    )
    # Account a registers GitHub's OIDC provider (IAM User Guide, "Create an OpenID Connect
    # (OIDC) identity provider in IAM"): the role deploy trusts its tokens.
    provider = iamsim.OidcProvider(github, client_ids=("sts.amazonaws.com",))
    accounts = tuple(
        attrs.evolve(x, oidc_providers=(provider,)) if x.id == a else x for x in world.accounts
    )
    return attrs.evolve(world, accounts=accounts)


def test_caller_sharded_edges_equal_local_edges() -> None:
    """The cluster shards the graph by the caller's account (services, outsiders and `*`
    included), one task per worker thread; the edges and paths equal the local ones."""
    world = _mixed_world()
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=2, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        graph = world.assume_graph()
        assert world.assume_graph(client=client) == graph
        assert {e.caller for e in graph.edges} >= {
            "ec2.amazonaws.com",
            "arn:aws:iam::999999999999:root",
            "arn:aws:iam::888888888888:role/partner",
            "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
        }
        for role in (
            "arn:aws:iam::111111111111:role/open",
            "arn:aws:iam::222222222222:role/vendor",
            "arn:aws:iam::111111111111:role/keyed",
        ):
            local = world.who_can("sts:AssumeRole", role, now=NOW)
            assert (
                world.who_can("sts:AssumeRole", role, now=NOW, client=client).items == local.items
            )
            assert len(local) >= 1
        reads = world.who_can("s3:GetObject", f"{_BUCKET}/k", now=NOW)
        assert world.who_can("s3:GetObject", f"{_BUCKET}/k", now=NOW, client=client) == reads
        outsider = next(a for a in reads if a.principal == "arn:aws:iam::999999999999:user/x")
        assert outsider.via == ("arn:aws:iam::111111111111:role/shared",)
        keyed = world.who_can("sts:AssumeRole", "arn:aws:iam::111111111111:role/keyed", now=NOW)
        assert [a.via for a in keyed] == [("arn:aws:iam::111111111111:role/deploy",)]
        token = next(a for a in reads if a.kind == "web_identity")
        assert token.via == ("arn:aws:iam::111111111111:role/deploy",) and token.conditions


def test_shards_cover_every_account_once() -> None:
    accounts = [f"{i:012d}" for i in range(7)]
    shards = account_shards(accounts, 2)
    assert len(shards) == 2 and sorted(a for s in shards for a in s) == accounts
    assert account_shards(accounts[:1], 4) == [(accounts[0],)]


def test_client_must_be_a_dask_client() -> None:
    with pytest.raises(iamsim.ValidationError, match=r"dask\.distributed\.Client"):
        iamsim.World.demo().assume_graph(client="tcp://scheduler:8786")  # type: ignore[arg-type]
