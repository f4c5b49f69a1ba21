"""A cache of loaded worlds, so repeated command-line calls on a large world do not reload it.

`load_world(path)` answers `World.load(path)`. On the first call it loads the world and
stores a pickle of it, with the warnings loading raised, under `$XDG_CACHE_HOME/iamsim`
(default `~/.cache/iamsim`); a later call with the same input unpickles it and raises the
same warnings again. The key is a SHA-256 of everything the loader reads (the file's bytes;
for a directory, every file in it that is not hidden, with its relative name), the path as
given (error and warning texts name it), the iamsim and Python versions and the input-size
limit in force: any change to what a fresh load would see is a miss. Each input keeps one
entry: storing a new one removes those of its earlier contents.

The cache never changes an answer: an entry that cannot be read or is not a World of this
key is ignored and rewritten, an entry that cannot be written is skipped, an input that
cannot be keyed (a device, a file past the size limit, an unreadable file) is loaded
afresh so that `World.load` reports it, and a load that fails stores nothing. Entries are
pickles, which run code when read: the directory is created for its owner alone (0700),
as every user's cache directory should be.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from iamsim import __version__
from iamsim.world.files import MAX_INPUT_BYTES_ENV, InputRefused, max_input_bytes

if TYPE_CHECKING:
    from iamsim.world import World

__all__ = ["NO_CACHE_ENV", "cache_dir", "cache_disabled", "cache_key", "load_world"]

NO_CACHE_ENV = "IAMSIM_NO_CACHE"
"""Set to anything but empty or `0` to load every world afresh (as `--no-cache` does)."""

_FORMAT = "iamsim-world-cache-1"  # changes when the entry's layout does
_CHUNK = 1 << 20


@attrs.frozen
class _Entry:
    """What one cache file holds: its key, the world, and each warning loading raised."""

    key: str
    world: Any
    warnings: tuple[tuple[type[Warning], str], ...]


def cache_disabled() -> bool:
    """Whether `$IAMSIM_NO_CACHE` turns the cache off."""
    return os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0")


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/iamsim`, else `~/.cache/iamsim` (the XDG base directory default)."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    # The XDG spec: a relative value is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "iamsim"


def _files(path: str) -> list[tuple[str, str]] | None:
    """(name in the key, file to read) for every file the loader may read; None when the
    input is neither a regular file nor a directory."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return [("", path)]
    if not stat.S_ISDIR(mode):
        return None
    found: list[tuple[str, str]] = []
    # The loader skips hidden files and folders; every other file counts, read or not.
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                full = os.path.join(root, name)
                found.append((os.path.relpath(full, path).replace(os.sep, "/"), full))
    return found


@functools.cache
def _code_digest() -> str:
    """A digest of iamsim's own source files: an entry pickled by other code (an edited
    checkout under the same version number) is never read back as this code's world."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")):
        try:
            digest.update(str(source.relative_to(package)).encode() + b"\0")
            digest.update(source.read_bytes())
        except OSError:
            digest.update(b"unreadable\0")
    return digest.hexdigest()


def _private(folder: Path) -> bool:
    """Whether `folder` (when it exists) is the user's own and writable by no one else: a
    pickle is only ever read from a folder nobody else could have written it into."""
    getuid = getattr(os, "getuid", None)
    try:
        status = os.stat(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if getuid is not None and status.st_uid != getuid():
        return False
    return not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cache_key(path: str | os.PathLike[str]) -> str | None:
    """The key of the world at `path`, or None when it cannot be keyed (not a regular file
    or a directory, a file past the input-size limit, an unreadable file)."""
    name = os.fspath(path)
    files = _files(name)
    if files is None:
        return None
    try:
        limit = max_input_bytes()
    except InputRefused:
        return None
    digest = hashlib.sha256()
    for part in (
        _FORMAT,
        __version__,
        _code_digest(),
        sys.version,
        name,
        os.path.abspath(name),
        os.environ.get(MAX_INPUT_BYTES_ENV, ""),
    ):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for relative, full in files:
        try:
            with open(full, "rb") as file:
                status = os.fstat(file.fileno())
                if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
                    return None
                digest.update(f"{relative}\0{status.st_size}\0".encode("utf-8", "surrogateescape"))
                while chunk := file.read(_CHUNK):
                    digest.update(chunk)
        except OSError:
            return None
    return digest.hexdigest()


def _read(entry_path: Path, key: str) -> _Entry | None:
    """The entry stored for `key`, or None when there is none or it cannot be trusted."""
    from iamsim.world import World

    try:
        with open(entry_path, "rb") as file:
            entry = pickle.load(file)
    except Exception:  # a torn, corrupt or stale entry of any kind: load afresh
        return None
    if not (
        isinstance(entry, _Entry)
        and entry.key == key
        and isinstance(entry.world, World)
        and all(
            isinstance(c, type) and issubclass(c, Warning) and isinstance(m, str)
            for c, m in entry.warnings
        )
    ):
        return None
    return entry


def _write(entry_path: Path, entry: _Entry) -> None:
    """Store `entry` atomically (a reader never sees half a file); skip it on any failure."""
    try:
        entry_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        handle, temporary = tempfile.mkstemp(dir=entry_path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, entry_path)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return  # a read-only or full disk, or a world that does not pickle: no cache


def _forget_older(folder: Path, kept: Path) -> None:
    """Remove the entries of the same input's earlier contents (a stale entry can never be
    read again, and a large world's entry runs to megabytes)."""
    stem = kept.name.split("-", 1)[0]
    try:
        for old in folder.glob(f"{stem}-*.pickle"):
            if old != kept:
                old.unlink(missing_ok=True)
    except OSError:
        return


def load_world(
    path: str | os.PathLike[str],
    *,
    use_cache: bool = True,
    directory: Path | None = None,
    load: Callable[[str | os.PathLike[str]], World] | None = None,
) -> World:
    """`World.load(path)`, from the cache in `directory` (default `cache_dir()`) when an
    entry for this input is there; else loaded and stored. Warnings loading raises are
    raised on a hit too. `use_cache=False` (or `$IAMSIM_NO_CACHE`) loads afresh. `load`
    replaces `World.load` for a miss (the same load with other options, such as a
    progress report); it must build what `World.load(path)` builds."""
    from iamsim.world import World

    load = load or World.load
    key = None if not use_cache or cache_disabled() else cache_key(path)
    if key is None:
        return load(path)
    folder = directory or cache_dir()
    if not _private(folder):
        return load(path)
    # One entry per input: named by its path, then its key, so that the entries of an
    # input's earlier contents can be found and removed when it changes.
    prefix = hashlib.sha256(os.path.abspath(os.fspath(path)).encode("utf-8", "surrogateescape"))
    entry_path = folder / f"{prefix.hexdigest()[:16]}-{key}.pickle"
    entry = _read(entry_path, key)
    if entry is None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            world = load(path)
        entry = _Entry(key, world, tuple((w.category, str(w.message)) for w in caught))
        # Stored only if the input did not change while it loaded: the entry must hold
        # what its key's bytes load to.
        if cache_key(path) == key:
            _write(entry_path, entry)
            _forget_older(folder, entry_path)
    for category, message in entry.warnings:
        warnings.warn(message, category, stacklevel=2)
    world = entry.world
    assert isinstance(world, World)
    return world
