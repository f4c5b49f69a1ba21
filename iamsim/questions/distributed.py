"""The whole-world questions on a Dask cluster (`pip install 'iamsim[dask]'`).

`assume_graph`, `who_can` and `findings` take `client=`, a `dask.distributed.Client`:
the world is sent once to every worker (`Client.scatter(world, broadcast=True)`, under a
key of its own each time: two questions of one world never share it), the work is
sharded by account (the roles of a group of accounts; the findings of a group of
accounts), and the driver puts the shards together. The answer equals the local one:
each shard asks the same questions of the same world, in the same order.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from iamsim.errors import ValidationError
from iamsim.questions.findings import holding_fixes
from iamsim.questions.reach import (
    _NOTES,
    Accesses,
    AssumeEdge,
    AssumeGraph,
    _access,
    _Asker,
    _Step,
    _target_policy_names,
    _worth_asking,
    graph_edges,
)
from iamsim.questions.reach_index import Node, ReachIndex
from iamsim.world import World

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = [
    "account_shards",
    "assume_graph_distributed",
    "holding_fixes_distributed",
    "who_can_distributed",
]


def _checked(client: object) -> Client:
    try:
        from dask.distributed import Client
    except ImportError:  # pragma: no cover - the extra is part of the test environment
        raise ValidationError("client= needs Dask: pip install 'iamsim[dask]'") from None
    if not isinstance(client, Client):
        raise ValidationError(
            f"client must be a dask.distributed.Client, not {type(client).__name__}"
        )
    return client


def account_shards(accounts: Sequence[str], workers: int) -> list[tuple[str, ...]]:
    """Accounts dealt round-robin into about two shards per worker (a slow shard then
    holds up only half a worker's share)."""
    ordered = sorted(accounts)
    count = max(1, min(len(ordered), 2 * max(1, workers)))
    return [s for s in (tuple(ordered[i::count]) for i in range(count)) if s]


def _workers(client: Client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def _roles_of(world: World, accounts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for account_id in accounts:
        account = world.account(account_id)
        if account is not None:
            out += sorted(r.arn for r in account.roles)
    return out


def _graph_shard(
    world: World, accounts: tuple[str, ...], context: Mapping[str, Any], now: _dt.datetime
) -> tuple[AssumeEdge, ...]:
    """The edges into the roles of `accounts` (runs on a worker)."""
    return graph_edges(world, _roles_of(world, accounts), now=now, context=context)


def _final_shard(
    world: World,
    accounts: tuple[str | None, ...],
    action: str,
    resource: str,
    context: Mapping[str, Any],
    now: _dt.datetime,
) -> list[tuple[str, Any]]:
    """Which principals of `accounts` may perform the final action, and what each needs
    (runs on a worker)."""
    index = ReachIndex(world)
    index.all_trusts()
    names = _target_policy_names(index, action, resource)
    index.add_resource_names(names)
    asker = _Asker(world, context, now)
    wanted = set(accounts)
    out = []
    for arn in sorted(index.nodes):
        node = index.nodes[arn]
        if node.account not in wanted or not _worth_asking(index, node, names, action, resource):
            continue
        need = asker.needs(node, action, resource)
        if need is not None:
            out.append((arn, need))
    return out


def _edges(
    client: Client, world: World, context: Mapping[str, Any], now: _dt.datetime
) -> tuple[Any, list[AssumeEdge]]:
    shared = client.scatter(world, broadcast=True, hash=False)
    shards = account_shards([a.id for a in world.accounts], _workers(client))
    futures = client.map(
        _graph_shard,
        [shared] * len(shards),
        shards,
        [dict(context)] * len(shards),
        [now] * len(shards),
        pure=False,
    )
    edges = [edge for part in client.gather(futures) for edge in part]
    return shared, edges


def assume_graph_distributed(client: object, world: World, now: _dt.datetime | None) -> AssumeGraph:
    """`assume_graph` with its edges computed on the cluster, sharded by the role's account."""
    dask_client = _checked(client)
    moment = now if now is not None else _dt.datetime.now(_dt.UTC)
    _, edges = _edges(dask_client, world, {}, moment)
    index = ReachIndex(world)
    index.all_trusts()
    nodes = tuple(sorted(index.nodes))
    return AssumeGraph(nodes, tuple(sorted(edges, key=lambda e: (e.caller, e.role))))


def who_can_distributed(
    client: object,
    world: World,
    action: str,
    resource: str,
    context: Mapping[str, Any],
    max_hops: int,
    now: _dt.datetime | None,
) -> Accesses:
    """`who_can` with the final checks and the AssumeRole edges computed on the cluster;
    the driver walks the edges back from the target in the order the local search does."""
    dask_client = _checked(client)
    moment = now if now is not None else _dt.datetime.now(_dt.UTC)
    world.simulate("anonymous", action, resource, dict(context) or None, now=moment)
    shared, edges = _edges(dask_client, world, context, moment)
    index = ReachIndex(world)
    index.all_trusts()
    index.add_resource_names(_target_policy_names(index, action, resource))
    groups = account_shards(
        sorted({n.account or "" for n in index.nodes.values()}), _workers(dask_client)
    )
    shards = [tuple(None if a == "" else a for a in group) for group in groups]
    futures = dask_client.map(
        _final_shard,
        [shared] * len(shards),
        shards,
        [action] * len(shards),
        [resource] * len(shards),
        [dict(context)] * len(shards),
        [moment] * len(shards),
        pure=False,
    )
    direct = dict(item for part in dask_client.gather(futures) for item in part)
    into: dict[str, list[AssumeEdge]] = {}
    for edge in edges:
        into.setdefault(edge.role, []).append(edge)
    found: dict[str, tuple[Node, tuple[_Step, ...]]] = {
        arn: (index.nodes[arn], (_Step(resource, need),)) for arn, need in sorted(direct.items())
    }
    frontier = sorted(a for a, (n, _) in found.items() if n.kind == "role")
    for _ in range(max_hops):
        reached: list[str] = []
        for role in frontier:
            for edge in sorted(into.get(role, ()), key=lambda e: e.caller):
                if edge.caller in found:
                    continue
                node = index.nodes[edge.caller]
                need = tuple((c.key, c.operator, c.values, c.value) for c in edge.conditions)
                found[edge.caller] = (node, (_Step(role, need), *found[role][1]))
                if node.kind == "role":
                    reached.append(edge.caller)
        frontier = sorted(reached)
    items = tuple(
        _access(world, node, steps, action, context, moment)
        for node, steps in (found[a] for a in sorted(found))
    )
    return Accesses(f"who can {action} on {resource}", items, _NOTES)


def holding_fixes_distributed(client: object, world: World) -> set[int]:
    """`findings`' fix verification on the cluster, sharded by the finding's account (the
    first shard also takes findings of accounts the world does not list)."""
    dask_client = _checked(client)
    shared = dask_client.scatter(world, broadcast=True, hash=False)
    shards = [
        frozenset(s) for s in account_shards([a.id for a in world.accounts], _workers(dask_client))
    ]
    futures = dask_client.map(
        holding_fixes,
        [shared] * len(shards),
        shards,
        [i == 0 for i in range(len(shards))],
        pure=False,
    )
    return {i for part in dask_client.gather(futures) for i in part}
