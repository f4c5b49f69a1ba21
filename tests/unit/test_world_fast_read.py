"""The fast readers of world files (the C JSON scanner, libyaml's parser) read exactly what
the careful ones read, and refuse exactly what they refuse: the careful reader, run only
when the fast one refuses, is the one that words the error with its line and column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.errors import WorldError
from iamsim.world import files


def outcome(read: Any, text: str) -> tuple[str, Any]:
    try:
        return "data", read(text, "w")
    except WorldError as exc:
        return "error", [str(p) for p in exc.problems]


YAML_TEXTS = [
    "accounts: {}\n",
    "v: 2012-10-17\nw: 2012-10-17T10:00:00Z\n",
    "a: 0777\nb: 011111111111\nc: 0x1F\nd: 1_000\n",
    "a: &x {k: 1}\nb: *x\nc:\n  <<: *x\n  j: 2\n",
    "a: 1\na: 2\n",
    "a: !!python/object:os.system x\n",
    "a: !!int x\n",
    "a: !!timestamp 2020-13-45\n",
    "a:\n\t- 1\n",
    "a: [1\n",
    "accounts: {}\x00\n",
    'a: "\\U001e9991"\n',
    'a: "\\ud800"\n',
    "\ufeffa: 1\n",
    "a: " + "1" * 5000 + "\n",
    "--- 1\n--- 2\n",
    "? [a, b]\n: 1\n",
    "a: b: c\n",
    "a: 'it''s'\nb: \"\\t\\x41\"\nc: |\n  two\n  lines\n",
    "a: \x85\n",
    "a: \u2028\n",
    "a: .inf\nb: .nan\nc: ~\nd: yes\ne: on\n",
]


@pytest.mark.parametrize("text", YAML_TEXTS)
def test_yaml_fast_and_careful_agree(text: str) -> None:
    assert outcome(files._load_yaml, text) == outcome(files._load_yaml_carefully, text)


JSON_TEXTS = [
    '{"accounts": {}}',
    '{"a": 1, "a": 2}',
    '{"a": {"k": 1, "b": {"k": 1}, "k": 2}}',
    '{"a": NaN}',
    '{"a": -Infinity}',
    '{"a": ' + "1" * 5000 + "}",
    '{"a": 1.5e400}',
    '{"a": [1, 2,]}',
    '{"a": "\\ud800"}',
    '{"a": "tab\there"}',
]


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_json_fast_and_careful_agree(text: str) -> None:
    assert outcome(files._load_json, text) == outcome(files._load_json_carefully, text)


def test_a_document_nested_too_deep_is_refused_whichever_reader_reads_it(
    tmp_path: Path,
) -> None:
    # How deep the C scanner goes before a RecursionError depends on the Python version
    # (3.13 reads 5,000 levels, 3.11 does not); a world file deeper than MAX_DEPTH is
    # refused either way, by the reader or by the loader.
    path = tmp_path / "deep.json"
    path.write_text('{"accounts": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(WorldError, match=f"nested more than {files.MAX_DEPTH} levels deep"):
        iamsim.World.load(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.lists(st.tuples(st.sampled_from("abc"), inner), max_size=4)
    ),
    max_leaves=12,
)


def spelled(value: Any) -> str:
    """JSON text for `value`, where a list of pairs is an object that may repeat keys."""
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        return "{" + ", ".join(f"{json.dumps(k)}: {spelled(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(spelled(v) for v in value) + "]"
    return json.dumps(value)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_json_fast_and_careful_agree_on_any_document(value: Any) -> None:
    text = spelled(value)
    assert outcome(files._load_json, text) == outcome(files._load_json_carefully, text)
