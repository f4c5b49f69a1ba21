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
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from iamsim.evaluate.combine import Combined, make_combined
from iamsim.evaluate.layers import Layers, make_layers
from iamsim.frozen import builder, every_field_builder
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

# Classes whose __init__ only assigns: a builder must agree with it on any values.
PLAIN: list[tuple[type[Any], Callable[..., Any]]] = [
    (ConditionTrace, make_condition_trace),
    (StatementTrace, make_statement_trace),
    (Denial, make_denial),
    (NearMiss, make_near_miss),
    (Layer, make_layer),
    (Check, make_check),
    (Decision, make_decision),
    (Combined, make_combined),
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
