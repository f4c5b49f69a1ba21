"""Properties of the cache of loaded worlds and of `iamsim batch`, on drawn worlds and
requests: a cache hit answers every request as a fresh `World.load` does, and each batch
line is the decision the library gives for its record."""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamsim
from iamsim import strategies
from iamsim.cli import main
from iamsim.expectations import request_from_mapping
from iamsim.inputs.cache import load_world

NOW = "2026-06-15T12:45:00+00:00"


def _answer(world: iamsim.World, record: dict[str, Any]) -> dict[str, Any]:
    data = request_from_mapping(record).run(world).to_dict()
    data.pop("session", None)  # fresh simulated credentials each call
    return data


@st.composite
def _world_and_requests(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    document = draw(strategies.world_documents())
    world = iamsim.World.from_dict(document)
    records = draw(st.lists(strategies.requests(world), min_size=1, max_size=4))
    return document, [{**r, "now": NOW} for r in records]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_world_and_requests())
def test_a_cache_hit_answers_as_a_fresh_load(
    case: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    document, records = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "world.json")
        path.write_text(json.dumps(document), encoding="utf-8")
        fresh = iamsim.World.load(path)
        miss = load_world(path, directory=Path(folder, "cache"))
        hit = load_world(path, directory=Path(folder, "cache"))
    assert hit == fresh == miss
    for record in records:
        assert _answer(hit, record) == _answer(fresh, record)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(case=_world_and_requests())
def test_each_batch_line_is_the_decision_for_its_record(
    case: tuple[dict[str, Any], list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document, records = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "world.json")
        path.write_text(json.dumps(document), encoding="utf-8")
        stdin = "".join(json.dumps(r) + "\n" for r in records)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(["batch", "--world", str(path), "--no-cache"])
        out, err = capsys.readouterr()
        world = iamsim.World.load(path)
    if code == 2:  # a drawn request STS rejects: then nothing at all is written
        assert out == "" and err.startswith("iamsim: error: <stdin>:")
        return
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(records)
    for line, record in zip(lines, records, strict=True):
        line.pop("session", None)
        assert line == _answer(world, record)
