"""What the questions read off a statement or a policy reference without evaluating it:
its values as a tuple, IAM's wildcards, the account an ARN names, a reference resolved as
the world resolves it. Shared by the findings and the reach index, whose filters may only
ever be wider than the engine."""

from __future__ import annotations

import fnmatch
import functools
import re
from typing import Protocol

from iamsim.errors import IamsimError
from iamsim.model import Policy
from iamsim.world.managed import AWS_MANAGED_PREFIX, aws_managed_policy
from iamsim.world.model import Account
from iamsim.world.names import ACCOUNT_ID

__all__ = ["account_of", "element_values", "matches", "resolve"]


class _Accounts(Protocol):
    def account(self, account_id: str) -> Account | None: ...


def element_values(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """An element's values as a tuple (one string is one value)."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    """A case-insensitive IAM wildcard (`*`, `?`): wider than the engine's, never narrower."""
    return re.compile(fnmatch.translate(pattern.lower().replace("[", "[[]")), re.DOTALL)


def matches(pattern: str, value: str) -> bool:
    """Whether IAM's wildcard `pattern` takes in `value`, ignoring case."""
    return pattern == "*" or _glob(pattern).match(value.lower()) is not None


def account_of(value: str) -> str | None:
    """The account a 12-digit id or an ARN names, else None."""
    if ACCOUNT_ID.fullmatch(value):
        return value
    parts = value.split(":", 5)
    return parts[4] if len(parts) == 6 and ACCOUNT_ID.fullmatch(parts[4]) else None


def resolve(world: _Accounts, account: Account, spec: Policy | str) -> Policy | None:
    """A policy reference resolved as the world resolves it (None: unknown)."""
    if isinstance(spec, Policy):
        return spec
    if spec.startswith(AWS_MANAGED_PREFIX):
        try:
            return aws_managed_policy(spec)
        except IamsimError:
            return None
    owner = world.account(account_of(spec) or account.id) if spec.startswith("arn:") else account
    name = spec.rsplit("/", 1)[-1]
    return None if owner is None else dict(owner.policies).get(name)
