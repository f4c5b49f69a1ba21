"""The writer: `World.from_dict(w.to_dict())` answers every question as `w` does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from test_world_properties import NOW, requests, worlds

import iamsim
from iamsim.world.demo import scenarios
from iamsim.world.dump import dump_text
from iamsim.world.files import read_world_file


@given(worlds(), requests)
def test_generated_worlds_round_trip(doc: dict[str, Any], req: Any) -> None:
    world = iamsim.World.from_dict(doc)
    again = iamsim.World.from_dict(world.to_dict())
    principal, action, resource, context = req
    assert again.simulate(principal, action, resource, context, now=NOW) == world.simulate(
        principal, action, resource, context, now=NOW
    )
    assert again.to_dict() == world.to_dict()  # a fixed point


@given(worlds())
def test_generated_worlds_round_trip_through_yaml(doc: dict[str, Any]) -> None:
    world = iamsim.World.from_dict(doc)
    import yaml

    from iamsim.world.files import _WorldYamlLoader

    text = dump_text(world.to_dict(), "yaml")
    assert yaml.load(text, Loader=_WorldYamlLoader) == world.to_dict()


def test_demo_round_trips(tmp_path: Path) -> None:
    demo = iamsim.World.demo()
    for name in ("demo.yaml", "demo.yml", "demo.json", "demo.toml"):
        demo.dump(tmp_path / name)
        again = iamsim.World.load(tmp_path / name)
        assert again == demo
        assert read_world_file(tmp_path / name) == demo.to_dict()
    for scenario in scenarios():
        decision = scenario.run()
        assert decision.replay(iamsim.World.from_dict(decision.world.to_dict())) == decision


@given(worlds())
def test_generated_worlds_round_trip_through_toml(doc: dict[str, Any]) -> None:
    import tomllib

    world = iamsim.World.from_dict(doc)
    assert tomllib.loads(dump_text(world.to_dict(), "toml")) == world.to_dict()


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.demo().dump(tmp_path / "w.txt")
    assert [p.code for p in info.value.problems] == ["file.format"]
