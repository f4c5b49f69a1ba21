"""Builders for frozen attrs classes that the evaluator creates on every call.

attrs fills a frozen slotted instance through `object.__setattr__`, about a thousand
machine instructions a field on CPython 3.11 (valgrind's count); a decision fills a
hundred fields of traces, layers, the decision itself and the new session. A builder
fills the slots of a draft instance (a subclass with the same layout that allows
assignment) and then gives it the frozen class: the result is an ordinary instance of
that class, equal to the one its attrs `__init__` would build, and frozen like it.

`builder(cls)` has the signature of `cls`'s attrs `__init__` (mypy checks every call as
it checks `cls(...)`): the same parameters, by position or by keyword, in definition
order, with its defaults. It runs no converter, validator or `__attrs_post_init__`:
its callers pass values already in their final form. A class with `init=False`
fields (values derived from the others) takes `every_field_builder`, which takes those
too, and needs a typed wrapper that derives them.

`deferring(cls, names)` is for fields that only a reader needs: it gives a function that
hands a built instance the function computing those fields; the first read of any of them
computes them all, and from then on the instance is an ordinary `cls` (its class is
switched back), so later reads cost what a slot read costs.

Keyword arguments cost: about 70 machine instructions an argument, 1,060 for the 15 of
a Decision (valgrind, CPython 3.11). The builders the evaluator calls on every request
take their arguments by position (mypy still checks each one's type); rarer calls with
many arguments of one type name them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, ParamSpec, TypeVar, cast

import attrs

__all__ = ["builder", "deferring", "every_field_builder"]

P = ParamSpec("P")
T = TypeVar("T")


def builder(cls: Callable[P, T]) -> Callable[P, T]:
    """A function that builds `cls` from the arguments of its `__init__`."""
    kind = cast(type[Any], cls)
    _check(kind)
    hidden = [f.name for f in attrs.fields(kind) if not f.init]
    if hidden:
        raise TypeError(
            f"{kind.__name__} has init=False fields ({', '.join(hidden)}): "
            "use every_field_builder and derive them"
        )
    return cast(Callable[P, T], _build(kind, defaults=True))


def every_field_builder(cls: type[T]) -> Callable[..., T]:
    """A function that builds `cls` from all its fields, `init=False` ones included, in
    definition order, every one given (untyped: wrap it in a typed function that derives
    the `init=False` fields)."""
    _check(cls)
    return cast(Callable[..., T], _build(cls, defaults=False))


def _check(cls: type[Any]) -> None:
    if not attrs.has(cls) or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__} is not a slotted attrs class")
    if any(f.kw_only for f in attrs.fields(cls)):
        raise TypeError(f"{cls.__name__} has keyword-only fields, which builders do not take")


_MISSING = object()  # a factory default's placeholder: the factory runs only when needed


def _draft(cls: type[Any]) -> type[Any]:
    """A subclass of `cls` with the same layout whose instances accept assignment."""
    return type(
        f"_{cls.__name__}Draft",
        (cls,),
        {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__},
    )


def _build(
    cls: type[Any], *, defaults: bool, later: tuple[Sequence[str], type[Any]] | None = None
) -> Callable[..., Any]:
    """The builder's code. `later`: the deferred fields and the class to build (`deferring`):
    the first field takes the last argument, `later`; the others are left unset."""
    fields = attrs.fields(cls)
    deferred, final = later if later is not None else ((), cls)
    draft = _draft(cls)
    # The generated code's own names end in "_", so that no parameter can shadow one.
    namespace: dict[str, Any] = {
        "_new_": object.__new__,
        "_draft_": draft,
        "_cls_": final,
        "_missing_": _MISSING,
    }
    params, body = [], []
    for i, f in enumerate(fields):
        if f.name in deferred:
            continue
        name = f.alias or f.name.lstrip("_")  # as `__init__` names it: `_note` → `note`
        default = f.default if defaults else attrs.NOTHING
        if default is attrs.NOTHING:
            params.append(name)
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # a class at runtime
            if default.takes_self:
                raise TypeError(f"{cls.__name__}.{f.name}: a takes_self factory is not supported")
            namespace[f"_factory{i}_"] = default.factory
            params.append(f"{name}=_missing_")
            body.append(f"    if {name} is _missing_:\n        {name} = _factory{i}_()\n")
        else:
            namespace[f"_default{i}_"] = default
            params.append(f"{name}=_default{i}_")
        body.append(f"    _o_.{f.name} = {name}\n")
    if deferred:
        params.append("later")
        body.append(f"    _o_.{deferred[0]} = later\n")
    source = (
        f"def build_{cls.__name__}({', '.join(params)}):\n"
        "    _o_ = _new_(_draft_)\n"
        f"{''.join(body)}"
        "    _o_.__class__ = _cls_\n"
        "    return _o_\n"
    )
    exec(compile(source, f"<iamsim.frozen builder for {cls.__qualname__}>", "exec"), namespace)
    build: Callable[..., Any] = namespace[f"build_{cls.__name__}"]
    shown = ", ".join(p.split("=")[0] for p in params)
    build.__doc__ = f"{cls.__name__}({shown}), nothing converted or validated."
    return build


def deferring(cls: type[T], names: Sequence[str]) -> Callable[..., T]:
    """A builder of `cls` that takes every field but `names` (in definition order), then
    `later`, a `functools.partial` computing the fields `names` (in that order) on the first
    read of any of them.

    Until then the instance's class is a subclass of `cls` whose `names` are properties;
    the first read fills the slots and gives the instance back its class `cls`, so later
    reads cost a slot read. `later` waits in the first field's slot. Equality, hashing,
    pickling, copying and `attrs.evolve` see the computed fields, as on a `cls` built with
    them. Untyped: its one caller lists the arguments beside the call.
    """
    _check(cls)
    slots = [vars(cls)[name] for name in names]  # the slots' member descriptors
    namespace: dict[str, Any] = {
        "_partial_": partial,
        "_cls_": cls,
        "_lock_": threading.Lock(),
        "_get_": slots[0].__get__,
        "_set_": object.__setattr__,
    }
    values = ", ".join(f"v{i}" for i in range(len(names))) + ","
    # Threads: each reader that finds `later` computes the fields, one installs them (under
    # the lock, `later`'s slot last), and the instance keeps its properties until every
    # slot is filled; only then does it become a plain `cls`.
    puts = []
    for i in reversed(range(len(names))):
        namespace[f"_put{i}_"] = slots[i].__set__
        puts.append(f"                _put{i}_(obj, v{i})\n")
    source = (
        "def complete(obj):\n"
        "    later = _get_(obj)\n"
        "    if type(later) is _partial_:\n"
        f"        {values} = later()\n"
        "        with _lock_:\n"
        "            if _get_(obj) is later:\n"
        + "".join(puts)
        + "    _set_(obj, '__class__', _cls_)\n"
    )
    exec(compile(source, f"<iamsim.frozen deferral of {cls.__qualname__}>", "exec"), namespace)
    complete: Callable[[Any], None] = namespace["complete"]

    def field(slot: Any) -> property:
        def read(obj: Any) -> Any:
            complete(obj)
            return slot.__get__(obj)

        return property(read)

    def eq(obj: Any, other: object) -> Any:
        complete(obj)
        return obj == other

    def hashed(obj: Any) -> int:
        complete(obj)
        return hash(obj)

    def reduce_ex(obj: Any, protocol: Any) -> Any:
        complete(obj)
        return obj.__reduce_ex__(protocol)

    def new(kind: type[Any], *args: Any, **kwargs: Any) -> Any:
        # `attrs.evolve` and the like build `type(obj)(...)`: give them a plain `cls`.
        return cls(*args, **kwargs)

    props = {name: field(slot) for name, slot in zip(names, slots, strict=True)}
    pending = type(
        f"_{cls.__name__}Pending",
        (cls,),
        {
            **props,
            "__slots__": (),
            "__eq__": eq,  # (attrs' `__ne__` asks `__eq__`)
            "__hash__": hashed,
            "__reduce_ex__": reduce_ex,
            "__new__": new,
            "__doc__": f"A {cls.__name__} whose {', '.join(names)} are computed when first read.",
        },
    )
    return _build(cls, defaults=False, later=(names, pending))
