"""The whole-world questions on a Dask cluster (`pip install 'iamsim[dask]'`).

`assume_graph`, `who_can` and `findings` take `client=`, a `dask.distributed.Client`.
The world is pickled once on the driver, its bytes sent to every worker, and unpickled
once on each (a task pinned to the worker; a fresh key each question, so two questions
never share it). The work is then one task per worker thread, pinned to the thread's
worker and sharded by account: the AssumeRole edges out of the principals of a group of
accounts (with `who_can`, what each of them needs for the final action too), or the fix
verification of a group of accounts' findings. Workers return plain tuples; the driver
puts the shards together. The answer equals the local one: each shard asks the same
questions of the same world.
"""

from __future__ import annotations

import datetime as _dt
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from iamsim.errors import ValidationError
from iamsim.questions.findings import holding_fixes
from iamsim.questions.reach import (
    Accesses,
    AssumeEdge,
    AssumeGraph,
    Condition,
    _Asker,
    _Need,
    _Step,
    _target_policy_names,
    _worth_asking,
    hop_action,
    who_can_answer,
)
from iamsim.questions.reach_index import Node, ReachIndex
from iamsim.world import World

if TYPE_CHECKING:
    from dask.distributed import Client

_T = TypeVar("_T")

__all__ = [
    "account_shards",
    "assume_graph_distributed",
    "holding_fixes_distributed",
    "who_can_distributed",
]

_Refusals = dict[tuple[str, str], str]
"""STS's refusals of federated callers' hops: (caller, role) → why."""


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
    """Accounts dealt round-robin into one shard per worker thread (`workers` slots)."""
    ordered = sorted(accounts)
    count = max(1, min(len(ordered), max(1, workers)))
    return [s for s in (tuple(ordered[i::count]) for i in range(count)) if s]


def _slots(client: Client) -> list[str]:
    """One worker address per worker thread, in address order: one task each."""
    workers = client.scheduler_info().get("workers", {})
    slots = [addr for addr in sorted(workers) for _ in range(int(workers[addr].get("nthreads", 1)))]
    if not slots:
        raise ValidationError("the Dask cluster has no workers")
    return slots


def _node_accounts(index: ReachIndex) -> list[str]:
    """The accounts of every node ("" for services, which have none)."""
    return sorted({n.account or "" for n in index.nodes.values()})


_Edge = tuple[str, str, _Need]
"""An edge as a worker returns it: caller, role, what the caller needs."""


def _shard_answers(
    world: World,
    accounts: tuple[str, ...],
    roles: frozenset[str] | None,
    final: tuple[str, str] | None,
    direct: bool,
    context: Mapping[str, Any],
    now: _dt.datetime,
) -> tuple[list[_Edge], list[tuple[str, _Need]], _Refusals]:
    """Runs on a worker: the AssumeRole edges (a federated caller's own call) out of the
    principals of `accounts` ("" for services and built-in identity providers) into
    `roles` (None: every role), and, with `direct`, what each of them needs for `final`
    (action, resource), whose policy's outsiders are nodes as locally; and STS's refusals.

    Sharding by the caller's account compiles each caller's identity policies on one
    worker only, and a trust policy on the workers of the accounts it names; the pairs
    asked are those `graph_edges` asks (`ReachIndex.admitting` is `candidates` turned
    around)."""
    index = ReachIndex(world)
    index.all_trusts()
    names = None
    if final is not None:
        names = _target_policy_names(index, *final)
        index.add_resource_names(names)
    asker = _Asker(world, context, now)
    wanted = {None if a == "" else a for a in accounts}
    edges: list[_Edge] = []
    needs: list[tuple[str, _Need]] = []
    for arn in sorted(index.nodes):
        node = index.nodes[arn]
        if node.account not in wanted:
            continue
        for role in index.admitting(node):
            if roles is not None and role not in roles:
                continue
            hop = hop_action(node)
            if _worth_asking(index, node, index.trust(role), hop, role):
                need = asker.needs(node, hop, role)
                if need is not None:
                    edges.append((arn, role, need))
        if direct and final is not None and names is not None:
            action, resource = final
            if _worth_asking(index, node, names, action, resource):
                need = asker.needs(node, action, resource)
                if need is not None:
                    needs.append((arn, need))
    return edges, needs, asker.refusals


def _worlds(client: Client, world: World, slots: Sequence[str]) -> dict[str, Any]:
    """The world on every worker: pickled once here, its bytes sent to each worker, and
    unpickled there once (a task pinned to the worker, whose result stays in its memory
    for the shard tasks that follow). Handing Dask the world object itself costs about
    twice as much (its own serialization per worker); each worker unpickling it per task
    would cost more again."""
    shared = client.scatter(
        pickle.dumps(world, protocol=pickle.HIGHEST_PROTOCOL), broadcast=True, hash=False
    )
    return {
        slot: client.submit(
            pickle.loads, shared, workers=[slot], allow_other_workers=True, pure=False
        )
        for slot in dict.fromkeys(slots)
    }


@attrs.frozen
class _Cluster:
    """The world on every worker, the worker thread each shard of accounts runs on."""

    client: Client
    worlds: dict[str, Any]
    shards: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def of(cls, client: Client, world: World, index: ReachIndex) -> _Cluster:
        slots = _slots(client)
        shards = account_shards(_node_accounts(index), len(slots))
        return cls(client, _worlds(client, world, slots), tuple(zip(slots, shards, strict=False)))


def _run(
    cluster: _Cluster,
    roles: frozenset[str] | None,
    final: tuple[str, str] | None,
    direct: bool,
    context: Mapping[str, Any],
    now: _dt.datetime,
) -> tuple[list[AssumeEdge], dict[str, _Need], _Refusals]:
    """One task per worker thread (pinned to its worker, on the world already there), the
    shards' answers put together."""
    client = cluster.client
    futures = [
        client.submit(
            _shard_answers,
            cluster.worlds[slot],
            shard,
            roles,
            final,
            direct,
            dict(context),
            now,
            workers=[slot],
            allow_other_workers=True,
            pure=False,
        )
        for slot, shard in cluster.shards
    ]
    edges: list[AssumeEdge] = []
    needs: dict[str, _Need] = {}
    refusals: _Refusals = {}
    for part_edges, part_needs, part_refusals in client.gather(futures):
        refusals.update(part_refusals)
        edges += (
            AssumeEdge(caller, role, tuple(Condition(0, k, o, v, x) for k, o, v, x in need))
            for caller, role, need in part_edges
        )
        needs.update(part_needs)
    return edges, needs, refusals


def assume_graph_distributed(client: object, world: World, now: _dt.datetime | None) -> AssumeGraph:
    """`assume_graph` with its edges computed on the cluster, sharded by the caller's account."""
    dask_client = _checked(client)
    moment = now if now is not None else _dt.datetime.now(_dt.UTC)
    index = ReachIndex(world)
    index.all_trusts()
    edges, _, _ = _run(_Cluster.of(dask_client, world, index), None, None, False, {}, moment)
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
    """`who_can` on the cluster, one round per hop: the final checks, then the edges into
    each hop's new roles; the driver walks them back from the target in the order the
    local search does (an edge from a principal already found is asked, then passed over)."""
    dask_client = _checked(client)
    moment = now if now is not None else _dt.datetime.now(_dt.UTC)
    world.simulate("anonymous", action, resource, dict(context) or None, now=moment)
    index = ReachIndex(world)
    index.all_trusts()
    names = _target_policy_names(index, action, resource)
    index.add_resource_names(names)
    cluster = _Cluster.of(dask_client, world, index)
    final = (action, resource)
    _, direct, refusals = _run(cluster, frozenset(), final, True, context, moment)
    found: dict[str, tuple[Node, tuple[_Step, ...]]] = {
        arn: (index.nodes[arn], (_Step(resource, need),)) for arn, need in sorted(direct.items())
    }
    frontier = sorted(a for a, (n, _) in found.items() if n.kind == "role")
    for _ in range(max_hops):
        if not frontier:
            break
        edges, _, refused = _run(cluster, frozenset(frontier), final, False, context, moment)
        refusals.update(refused)
        into: dict[str, list[AssumeEdge]] = {}
        for edge in edges:
            into.setdefault(edge.role, []).append(edge)
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
    # The few hops a web identity session asks as itself, on the driver (`entered_paths`).
    return who_can_answer(
        world, index, names, found, action, resource, max_hops, context, moment, refusals
    )


def holding_fixes_distributed(
    client: object, world: World, meanwhile: Callable[[], _T]
) -> tuple[_T, set[int]]:
    """`findings`' fix verification on the cluster, one task per worker thread, sharded by
    the finding's account (the first shard also takes findings of accounts the world does
    not list); `meanwhile()` (the driver's own finding of the hits) runs while the workers
    verify, and its answer comes back with the indices of the hits whose fix holds."""
    dask_client = _checked(client)
    slots = _slots(dask_client)
    worlds = _worlds(dask_client, world, slots)
    shards = account_shards([a.id for a in world.accounts], len(slots))
    futures = [
        dask_client.submit(
            holding_fixes,
            worlds[slot],
            frozenset(shard),
            i == 0,
            workers=[slot],
            allow_other_workers=True,
            pure=False,
        )
        for i, (shard, slot) in enumerate(zip(shards, slots, strict=False))
    ]
    local = meanwhile()
    return local, {i for part in dask_client.gather(futures) for i in part}
