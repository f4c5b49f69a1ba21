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

Keyword arguments cost: about 70 machine instructions an argument, 1,060 for the 15 of
a Decision (valgrind, CPython 3.11). The builders the evaluator calls on every request
take their arguments by position (mypy still checks each one's type); rarer calls with
many arguments of one type name them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

import attrs

__all__ = ["builder", "every_field_builder"]

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


def _build(cls: type[Any], *, defaults: bool) -> Callable[..., Any]:
    fields = attrs.fields(cls)
    draft = type(
        f"_{cls.__name__}Draft",
        (cls,),
        {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__},
    )
    # The generated code's own names end in "_", so that no parameter can shadow one.
    namespace: dict[str, Any] = {
        "_new_": object.__new__,
        "_draft_": draft,
        "_cls_": cls,
        "_missing_": _MISSING,
    }
    params, body = [], []
    for i, f in enumerate(fields):
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
