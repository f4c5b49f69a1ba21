"""The six policy layers of one request, in one shape, whatever each holds.

A request's policies come in six layers: the caller's identity policies, boundary and
session policies, the target's resource-based (or trust) policy, and the SCPs and RCPs of
each organization level. The plan holds each layer's planned policies and the engine each
layer's traces, both as a `Layers`; `traced` turns the one into the other.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from typing import Generic, TypeVar

import attrs

from iamsim.frozen import builder

__all__ = ["Layers", "make_layers"]

T = TypeVar("T")
U = TypeVar("U")
A = TypeVar("A")


@attrs.frozen
class Layers(Generic[T]):
    """One request's policy layers (`scp`/`rcp`: one tuple per organization level)."""

    identity: tuple[T, ...]
    boundary: T | None
    session: tuple[T, ...]
    resource: T | None
    scp: tuple[tuple[T, ...], ...]
    rcp: tuple[tuple[T, ...], ...]

    def traced(self, fn: Callable[[T, A], U], arg: A) -> Layers[U]:
        """The same layers with `fn(item, arg)` in place of each item."""
        # (map() rather than comprehensions: the engine does this on every request.)
        each = repeat(arg)
        scp, rcp = self.scp, self.rcp
        return make_layers(
            tuple(map(fn, self.identity, each)),
            None if self.boundary is None else fn(self.boundary, arg),
            tuple(map(fn, self.session, each)) if self.session else (),
            None if self.resource is None else fn(self.resource, arg),
            tuple([tuple(map(fn, level, each)) for level in scp]) if scp else (),
            tuple([tuple(map(fn, level, each)) for level in rcp]) if rcp else (),
        )


# Positional, as the builders the evaluator calls on every request (iamsim.frozen).
make_layers = builder(Layers)
