"""Policy-document and world edits the fixes are made of, always on copies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.model import Policy
from iamsim.tags import session_tag_pairs
from iamsim.world.managed import AWS_MANAGED_PREFIX, aws_managed_policy
from iamsim.world.model import Account

if TYPE_CHECKING:
    from iamsim.trace import ConditionTrace
    from iamsim.world import World

_WILD = ("*", "?", "${")


# -- policy documents ----------------------------------------------------------------


def _doc(policy: Policy | None) -> dict[str, Any]:
    doc: dict[str, Any] = (
        {"Version": "2012-10-17", "Statement": []} if policy is None else policy.to_dict()
    )
    stmts = doc["Statement"]
    doc["Statement"] = list(stmts) if isinstance(stmts, list) else [stmts]
    return doc


def _with_statement(policy: Policy | None, statement: dict[str, Any]) -> Policy:
    doc = _doc(policy)
    doc["Statement"] = [*doc["Statement"], statement]
    return Policy.from_json(doc)


def _without_statement(policy: Policy, label: str) -> Policy | None:
    kept = tuple(s for i, s in enumerate(policy.statements) if s.label(i) != label)
    if not kept:
        return None
    return attrs.evolve(policy, statements=kept, statement_is_list=True)


def _has_deny(policy: Policy, label: str) -> bool:
    """Whether `policy` holds the Deny statement `label` (a Sid or `Statement[i]`): several
    policies of one principal may each have a `Statement[0]`, only one of them a Deny."""
    return any(s.label(i) == label and s.effect == "Deny" for i, s in enumerate(policy.statements))


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _wild(values: Any) -> bool:
    return any(any(w in str(v) for w in _WILD) for v in _listed(values))


def _narrow_statement(raw: Mapping[str, Any], *, resource: bool) -> bool:
    """Whether a statement names no wildcard action or resource (extending it stays narrow)."""
    if "NotAction" in raw or "NotResource" in raw:
        return False
    if _wild(raw.get("Action")):
        return False
    return not (resource and _wild(raw.get("Resource")))


def _positive(operator: str) -> bool:
    op = operator.split(":")[-1].lower()
    return "not" not in op and (op.startswith("string") or op.startswith("arn"))


def _wanted_value(cond: ConditionTrace) -> str | None:
    """A concrete value that satisfies a positive string condition, if the policy names one."""
    if not _positive(cond.operator):
        return None
    return next((str(v) for v in cond.policy_values if not _wild(v)), None)


def _requires_key(cond: ConditionTrace) -> bool:
    """`Null: {key: false}`: the statement only wants the key to be present."""
    return cond.operator.lower() == "null" and [str(v).lower() for v in cond.policy_values] == [
        "false"
    ]


def _tag_dict(tags: Any) -> dict[str, str]:
    return dict(session_tag_pairs(tags))


# -- the world -----------------------------------------------------------------------


def _edit_account(world: World, account_id: str, change: Callable[[Any], Any]) -> World:
    """A copy of the world with one account changed (created when the world lacks it)."""
    if world.account(account_id) is None:
        return attrs.evolve(world, accounts=(*world.accounts, change(Account(id=account_id))))
    return attrs.evolve(
        world,
        accounts=tuple(change(a) if a.id == account_id else a for a in world.accounts),
    )


def _resolve(world: World, account: str, spec: Any) -> Policy | None:
    if spec is None or isinstance(spec, Policy):
        return spec
    if str(spec).startswith(AWS_MANAGED_PREFIX):
        return aws_managed_policy(str(spec))
    found = world.account(account)
    name = str(spec).rsplit("/", 1)[-1]
    return None if found is None else dict(found.policies).get(name)
