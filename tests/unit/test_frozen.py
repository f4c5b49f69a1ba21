"""The evaluator's builders (iamsim.frozen) build exactly what the attrs constructors do.

Every frozen class the evaluator builds on each request has a builder; an
object from a builder must be indistinguishable from one its `__init__` makes: same type,
equality, hash, repr and fields, and just as frozen.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import pickle
import sys
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import iamsim
from iamsim.decision import (
    Check,
    Decision,
    Denial,
    Layer,
    NearMiss,
    make_check,
    make_decision,
    make_denial,
    make_layer,
    make_near_miss,
)
from iamsim.evaluate.layers import Layers, make_layers
from iamsim.frozen import builder, deferring, every_field_builder
from iamsim.model import Policy
from iamsim.request import Request, make_request
from iamsim.session import RoleSession, make_role_session
from iamsim.tags import Tags
from iamsim.trace import (
    ConditionTrace,
    PolicyTrace,
    StatementTrace,
    make_condition_trace,
    make_policy_trace,
    make_statement_trace,
)
from iamsim.world.demo import ALICE, DEMO_NOW

# Classes whose __init__ only assigns: a builder must agree with it on any values.
PLAIN: list[tuple[type[Any], Callable[..., Any]]] = [
    (ConditionTrace, make_condition_trace),
    (StatementTrace, make_statement_trace),
    (Denial, make_denial),
    (NearMiss, make_near_miss),
    (Layer, make_layer),
    (Check, make_check),
    (Decision, make_decision),
    (Layers, make_layers),
    (Request, make_request),
]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.tuples(st.text(max_size=4), st.text(max_size=4)),
)


def _assert_same(built: Any, made: Any) -> None:
    cls = type(made)
    assert type(built) is cls
    assert built == made
    assert repr(built) == repr(made)
    for field in attrs.fields(cls):
        assert getattr(built, field.name) == getattr(made, field.name)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(built, field.name, None)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            delattr(built, field.name)


@pytest.mark.parametrize(("cls", "build"), PLAIN, ids=[c.__name__ for c, _ in PLAIN])
@given(data=st.data())
def test_a_builder_builds_what_the_constructor_builds(
    cls: type[Any], build: Callable[..., Any], data: st.DataObject
) -> None:
    args = [data.draw(values) for _ in attrs.fields(cls)]
    built, made = build(*args), cls(*args)
    _assert_same(built, made)
    assert hash(built) == hash(made)
    assert attrs.evolve(built) == made
    assert copy.deepcopy(built) == made
    assert pickle.loads(pickle.dumps(built)) == made


def test_a_policy_trace_derives_its_verdict_as_the_constructor_does() -> None:
    allow = StatementTrace(0, None, "Allow", ())
    deny = StatementTrace(1, "NoDelete", "Deny", ())
    missed = StatementTrace(2, None, "Allow", ("condition",))
    policy = Policy.from_json(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    for statements in [(), (missed,), (allow, missed), (allow, deny, missed)]:
        args = ("identity", "p", "111111111111", statements, None, policy)
        built, made = make_policy_trace(*args), PolicyTrace(*args)
        _assert_same(built, made)
        assert (built.verdict, built.deciding, built.allows) == (
            made.verdict,
            made.deciding,
            made.allows,
        )


def test_a_minted_session_is_the_session_the_constructor_checks() -> None:
    moment = dt.datetime(2026, 6, 15, 12, 45, tzinfo=dt.UTC)
    args = (
        "arn:aws:iam::222222222222:role/Reader",
        "dev",
        "AROAEXAMPLEEXAMPLE123",
        moment,
        moment + dt.timedelta(hours=1),
        (),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        Tags({"team": "blue"}),
        ("team",),
        "alice",
        True,
        moment,
        False,
        12,
    )
    _assert_same(make_role_session(*args), RoleSession(*args))


def test_a_builder_takes_only_slotted_attrs_classes() -> None:
    @attrs.frozen(slots=False)
    class WithDict:
        x: int

    class Plain:
        pass

    for cls in (WithDict, Plain):
        with pytest.raises(TypeError, match="not a slotted attrs class"):
            builder(cls)


def test_a_builder_takes_every_field_and_no_more() -> None:
    with pytest.raises(TypeError):
        make_check("s3:GetObject", "*", True)
    with pytest.raises(TypeError):
        make_check("s3:GetObject", "*", True, (), None)


BUILDERS: list[tuple[type[Any], Callable[..., Any]]] = [
    *PLAIN,
    (RoleSession, make_role_session),
]


@pytest.mark.parametrize(("cls", "build"), BUILDERS, ids=[c.__name__ for c, _ in BUILDERS])
def test_a_builder_has_the_constructors_signature(
    cls: type[Any], build: Callable[..., Any]
) -> None:
    """Same parameter names (attrs aliases: `_note` → `note`), order and defaults: what
    mypy checks against the class's `__init__` is what the builder takes."""
    init = list(inspect.signature(cls).parameters.values())
    mine = list(inspect.signature(build).parameters.values())
    assert [p.name for p in mine] == [p.name for p in init]
    for field, ours, theirs in zip(attrs.fields(cls), mine, init, strict=True):
        assert ours.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        if theirs.default is inspect.Parameter.empty:
            assert ours.default is inspect.Parameter.empty
        elif not isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            assert ours.default == theirs.default


@pytest.mark.parametrize(("cls", "build"), PLAIN, ids=[c.__name__ for c, _ in PLAIN])
@given(data=st.data())
def test_a_builder_takes_keywords_and_defaults_as_the_constructor_does(
    cls: type[Any], build: Callable[..., Any], data: st.DataObject
) -> None:
    required = {f.alias: data.draw(values) for f in attrs.fields(cls) if f.default is attrs.NOTHING}
    _assert_same(build(**required), cls(**required))


def test_a_builder_fills_a_factory_default() -> None:
    moment = dt.datetime(2026, 6, 15, 12, 45, tzinfo=dt.UTC)
    args = ("arn:aws:iam::222222222222:role/Reader", "dev", "AROAEXAMPLEEXAMPLE123")
    built = make_role_session(*args, moment, moment)
    _assert_same(built, RoleSession(*args, moment, moment))
    assert built.tags == Tags()


def test_derived_fields_need_every_field_builder() -> None:
    with pytest.raises(TypeError, match="init=False fields"):
        builder(PolicyTrace)
    build = every_field_builder(PolicyTrace)
    assert list(inspect.signature(build).parameters) == [f.name for f in attrs.fields(PolicyTrace)]


def test_a_builder_refuses_keyword_only_fields() -> None:
    @attrs.frozen
    class KeywordOnly:
        x: int = attrs.field(kw_only=True)

    with pytest.raises(TypeError, match="keyword-only"):
        builder(KeywordOnly)


# `deferring`: fields only a reader needs, computed on first read (benchmarks/README.md).
DEFERRED = ("checks", "denied_by", "near_misses", "missing_context_keys", "context", "_notes")
make_later_decision = deferring(Decision, DEFERRED)


def _later_and_made(data: st.DataObject) -> tuple[Any, Decision, list[int]]:
    """A deferred Decision, the one its constructor builds from the same values, and how
    many times the deferred fields were computed."""
    fields = attrs.fields(Decision)
    args = {f.name: data.draw(values) for f in fields}
    computed: list[int] = []

    def later() -> tuple[Any, ...]:
        computed.append(1)
        return tuple(args[name] for name in DEFERRED)

    eager = [args[f.name] for f in fields if f.name not in DEFERRED]
    made = Decision(*(args[f.name] for f in fields))
    return make_later_decision(*eager, partial(later)), made, computed


READS: list[Callable[[Any], Any]] = [
    lambda d: d.checks,
    lambda d: d.denied_by,
    lambda d: d.missing_context_keys,
    lambda d: d == d,
    hash,
    repr,
    attrs.evolve,
    copy.copy,
    copy.deepcopy,
    lambda d: pickle.loads(pickle.dumps(d)),
    lambda d: attrs.asdict(d, recurse=False),
]


@pytest.mark.parametrize("read", READS)
@given(data=st.data())
def test_a_deferred_decision_is_the_decision_its_constructor_builds(
    read: Callable[[Any], Any], data: st.DataObject
) -> None:
    later, made, computed = _later_and_made(data)
    assert type(later) is not Decision and isinstance(later, Decision)
    assert not computed  # nothing computed before a read
    first = read(later)
    assert computed == [1]  # the first read computes every deferred field, once
    assert type(later) is Decision  # and from then on it is a plain Decision
    _assert_same(later, made)
    assert hash(later) == hash(made)
    if isinstance(first, Decision):
        _assert_same(first, made)
    assert computed == [1]


@given(data=st.data())
def test_deferred_decisions_compare_equal_from_either_side(data: st.DataObject) -> None:
    left, made, _ = _later_and_made(data)
    assert made == left
    right, made, _ = _later_and_made(data)
    assert (made != right) is False
    later, made, _ = _later_and_made(data)
    assert (later != made) is False  # `!=` on the deferred side
    assert type(left) is Decision and type(right) is Decision and type(later) is Decision


def test_a_deferred_decision_with_undeferred_fields_is_frozen() -> None:
    later = make_later_decision(
        "AssumeRole", "c", None, "a", "r", None, "allowed", None, None, partial(tuple, [()] * 6)
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        later.outcome = "explicitDeny"
    assert later.outcome == "allowed" and type(later) is not Decision  # no read: still deferred


def _read_at_once(d: Decision, names: tuple[str, ...]) -> dict[str, object]:
    """Each field of `d` read by its own thread, all started together."""
    seen: dict[str, object] = {}
    start = threading.Barrier(len(names))

    def read(name: str) -> None:
        start.wait()
        seen[name] = getattr(d, name)

    threads = [threading.Thread(target=read, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen


def test_threads_reading_a_deferred_decision_at_once_see_the_same_fields() -> None:
    # Each reader that finds the detail unbuilt computes it; one installs it, the instance
    # keeping its properties until every slot is filled (iamsim.frozen.deferring).
    world = iamsim.World.demo()
    names = ("checks", "denied_by", "session", "missing_context_keys", "near_misses")
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as CPython allows
    try:
        for _ in range(200):
            d = world.simulate(ALICE, "s3:GetObject", "arn:aws:s3:::prod-bucket/x", now=DEMO_NOW)
            seen = _read_at_once(d, names)
            assert type(d) is Decision
            assert all(seen[n] is getattr(d, n) for n in names)  # one detail installed
    finally:
        sys.setswitchinterval(interval)
