"""Positional builders for frozen attrs classes that the evaluator creates on every call.

attrs fills a frozen slotted instance through `object.__setattr__`, about a thousand
machine instructions a field on CPython 3.11 (valgrind's count); a decision fills a
hundred fields of traces, layers, the decision itself and the new session. A builder
fills the slots of a draft instance (a subclass with the same layout that allows
assignment) and then gives it the frozen class: the result is an ordinary instance of
that class, equal to the one its attrs `__init__` would build, and frozen like it.

A builder takes every field in definition order, `init=False` ones included, and runs
no converter, validator or `__attrs_post_init__`: its callers pass values already in
their final form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["builder"]

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A function that builds `cls` from all its fields, positionally, in definition order."""
    if not attrs.has(cls) or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__} is not a slotted attrs class")
    fields = attrs.fields(cls)
    draft = type(
        f"_{cls.__name__}Draft",
        (cls,),
        {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__},
    )
    names = [f.name for f in fields]
    args = ", ".join(f"v{i}" for i in range(len(names)))
    body = "".join(f"    o.{name} = v{i}\n" for i, name in enumerate(names))
    source = (
        f"def build_{cls.__name__}({args}):\n"
        "    o = new(draft)\n"
        f"{body}"
        "    o.__class__ = cls\n"
        "    return o\n"
    )
    namespace: dict[str, Any] = {"new": object.__new__, "draft": draft, "cls": cls}
    exec(compile(source, f"<iamsim.frozen builder for {cls.__qualname__}>", "exec"), namespace)
    build: Callable[..., T] = namespace[f"build_{cls.__name__}"]
    build.__doc__ = f"{cls.__name__}({', '.join(names)}), every field given, nothing converted."
    return build
