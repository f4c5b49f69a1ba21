"""The cache of loaded worlds (`iamsim.inputs.cache`): a hit answers exactly as a fresh
`World.load`, any change to the input is a miss, a bad entry is ignored and rewritten, and
the warnings loading raised are raised again on a hit."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim.cli import main
from iamsim.inputs import cache
from iamsim.inputs.cache import cache_dir, cache_key, load_world

ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"


def _ask(world: iamsim.World) -> list[dict[str, Any]]:
    calls = [
        world.assume_role(ALICE, ROLE, "s1", external_id="my-secret-123"),
        world.assume_role(ALICE, ROLE, "s1", external_id="wrong"),
        world.simulate(ALICE, "s3:GetObject", "arn:aws:s3:::prod-bucket/report.csv"),
    ]
    out = []
    for d in calls:
        data = d.to_dict()
        data.pop("session", None)  # fresh credentials each call
        out.append(data)
    return out


@pytest.fixture
def world_file(tmp_path: Path) -> Path:
    path = tmp_path / "world.json"
    iamsim.World.demo().dump(path)
    return path


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle")) if folder.exists() else []


def test_a_hit_answers_as_a_fresh_load(world_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    fresh = iamsim.World.load(world_file)
    miss = load_world(world_file, directory=folder)
    (entry,) = _entries(folder)
    hit = load_world(world_file, directory=folder)
    assert miss == fresh and hit == fresh
    assert hit is not miss  # read back from the entry
    assert _ask(hit) == _ask(fresh) == _ask(miss)
    assert _entries(folder) == [entry]


def test_editing_the_file_is_a_miss(world_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    before = load_world(world_file, directory=folder)
    key = cache_key(world_file)
    doc = json.loads(world_file.read_text())
    trust = doc["accounts"]["222222222222"]["roles"]["CrossAccountS3Reader"]["trust_policy"]
    trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = "rotated"
    world_file.write_text(json.dumps(doc))
    assert cache_key(world_file) != key
    after = load_world(world_file, directory=folder)
    assert after == iamsim.World.load(world_file) and after != before
    assert not after.assume_role(ALICE, ROLE, "s1", external_id="my-secret-123").allowed
    (entry,) = _entries(folder)  # the earlier content's entry is gone
    assert key not in entry.name and str(cache_key(world_file)) in entry.name


def test_the_key_follows_what_the_loader_would_see(
    world_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = cache_key(world_file)
    assert key is not None and cache_key(world_file) == key
    monkeypatch.setattr(cache, "__version__", "0.0.0-other")
    assert cache_key(world_file) != key  # another iamsim version
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_code_digest", lambda: "edited checkout")
    assert cache_key(world_file) != key  # other code under the same version number
    monkeypatch.undo()
    monkeypatch.setenv("IAMSIM_MAX_INPUT_BYTES", "100000000")
    assert cache_key(world_file) != key  # another input-size limit
    monkeypatch.setenv("IAMSIM_MAX_INPUT_BYTES", "10")
    assert cache_key(world_file) is None  # past the limit: World.load must refuse it
    monkeypatch.setenv("IAMSIM_MAX_INPUT_BYTES", "ten")
    assert cache_key(world_file) is None
    assert cache_key(world_file.parent / "missing.json") is None
    assert cache_key(os.devnull) is None  # a device: never read for a key


def test_a_directory_is_keyed_by_every_file_in_it(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    (exports / "111111111111").mkdir(parents=True)
    export = exports / "111111111111" / "iam.json"
    export.write_text(json.dumps({"UserDetailList": [], "RoleDetailList": []}))
    key = cache_key(exports)
    (exports / ".notes.json").write_text("{}")  # hidden: the loader skips it too
    assert cache_key(exports) == key
    (exports / "README.md").write_text("exports of account 111111111111\n")
    with_readme = cache_key(exports)
    assert with_readme != key
    export.write_text(json.dumps({"UserDetailList": [], "RoleDetailList": [], "Policies": []}))
    assert cache_key(exports) not in (key, with_readme)


def test_a_corrupt_or_foreign_entry_is_ignored_and_rewritten(
    world_file: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    load_world(world_file, directory=folder)
    (entry,) = _entries(folder)
    good = entry.read_bytes()
    for bad in (b"", b"not a pickle", good[: len(good) // 2]):
        entry.write_bytes(bad)
        assert load_world(world_file, directory=folder) == iamsim.World.load(world_file)
        assert entry.read_bytes() == good  # rewritten
    # An entry stored under another input's name is not trusted either.
    other = tmp_path / "other.json"
    iamsim.World.of(iamsim.User("arn:aws:iam::333333333333:user/bob")).dump(other)
    load_world(other, directory=folder)
    (other_entry,) = [p for p in _entries(folder) if p != entry]
    entry.write_bytes(other_entry.read_bytes())
    assert load_world(world_file, directory=folder) == iamsim.World.load(world_file)


def test_loading_warnings_are_raised_on_a_hit_too(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(
        json.dumps(
            {
                "UserDetailList": [
                    {"UserName": "alice", "Arn": ALICE, "UserId": "AIDAEXAMPLEEXAMPLE0001"}
                ],
                "IsTruncated": True,
            }
        )
    )
    folder = tmp_path / "cache"
    for _ in range(2):  # the miss, then the hit
        with pytest.warns(iamsim.IamsimWarning, match=r"IsTruncated: true"):
            load_world(export, directory=folder)
    assert len(_entries(folder)) == 1


def test_a_failed_load_stores_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "world.json"
    broken.write_text('{"accounts": {"12": {}}}')
    folder = tmp_path / "cache"
    with pytest.raises(iamsim.WorldError):
        load_world(broken, directory=folder)
    assert _entries(folder) == []
    with pytest.raises(iamsim.WorldError):
        load_world(tmp_path / "missing.json", directory=folder)


def test_turned_off_it_neither_reads_nor_writes(
    world_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    assert load_world(world_file, use_cache=False, directory=folder) == iamsim.World.demo()
    monkeypatch.setenv("IAMSIM_NO_CACHE", "1")
    load_world(world_file, directory=folder)
    assert _entries(folder) == []
    monkeypatch.setenv("IAMSIM_NO_CACHE", "0")  # 0 and empty mean on
    load_world(world_file, directory=folder)
    assert len(_entries(folder)) == 1


def test_a_cache_that_cannot_be_written_is_skipped(world_file: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and says nothing
        assert load_world(world_file, directory=blocked / "iamsim") == iamsim.World.demo()


def test_a_folder_others_may_write_is_never_read(world_file: Path, tmp_path: Path) -> None:
    # A pickle runs code when read: one from a folder another user could write is not read.
    folder = tmp_path / "iamsim"
    load_world(world_file, directory=folder)
    assert len(_entries(folder)) == 1
    folder.chmod(0o777)
    try:
        for entry in _entries(folder):
            entry.write_bytes(b"not a pickle of a world")
        assert load_world(world_file, directory=folder) == iamsim.World.demo()
        assert all(e.read_bytes() == b"not a pickle of a world" for e in _entries(folder))
    finally:
        folder.chmod(0o700)


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "iamsim"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unset in ("", "relative/path"):  # XDG: a relative value is ignored
        monkeypatch.setenv("XDG_CACHE_HOME", unset)
        assert cache_dir() == tmp_path / "home" / ".cache" / "iamsim"


# ------------------------------------------------------------------ the command line


def test_every_world_command_uses_it_and_no_cache_skips_it(
    world_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    folder = tmp_path / "xdg" / "iamsim"
    ask = ["simulate", "--world", str(world_file), "--caller", ALICE, "--action", "s3:ListBucket"]
    ask += ["--resource", "arn:aws:s3:::prod-bucket"]
    assert main([*ask, "--no-cache"]) == 1  # alice may only assume the role
    assert _entries(folder) == []
    assert main(ask) == 1
    assert len(_entries(folder)) == 1
    for command in (["lint"], ["why", "-", "--caller", ALICE]):
        assert "--no-cache" in _help(command)


def _help(command: list[str]) -> str:
    from iamsim.cli import build_parser

    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command[0]]  # type: ignore[union-attr]
    return str(sub.format_help())


def test_the_cli_shows_loading_warnings_on_a_hit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    export = tmp_path / "export.json"
    export.write_text(
        json.dumps(
            {
                "UserDetailList": [
                    {"UserName": "alice", "Arn": ALICE, "UserId": "AIDAEXAMPLEEXAMPLE0001"}
                ],
                "IsTruncated": True,
            }
        )
    )
    for _ in range(2):
        assert main(["lint", "--world", str(export)]) == 0
        err = capsys.readouterr().err
        assert err.startswith("iamsim: warning: ") and "IsTruncated: true" in err
    assert len(_entries(tmp_path / "xdg" / "iamsim")) == 1


def test_an_input_that_changes_while_it_loads_is_not_stored(
    world_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    real_load = iamsim.World.load

    def load_then_edit(path: Any) -> iamsim.World:
        world = real_load(path)
        world_file.write_text(world_file.read_text() + "\n")  # another writer, mid-load
        return world

    monkeypatch.setattr(iamsim.World, "load", staticmethod(load_then_edit))
    assert load_world(world_file, directory=folder) == iamsim.World.demo()
    assert _entries(folder) == []


def test_a_miss_may_load_through_another_loader(world_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    calls: list[str] = []

    def load(path: Any) -> iamsim.World:  # as the command line's progress-reporting load
        calls.append(str(path))
        return iamsim.World.load(path)

    for _ in range(2):
        assert load_world(world_file, directory=folder, load=load) == iamsim.World.demo()
    assert calls == [str(world_file)]  # the hit did not load
    assert load_world(world_file, use_cache=False, load=load) == iamsim.World.demo()
    assert len(calls) == 2
