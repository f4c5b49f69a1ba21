"""The test suite on every Python that pyproject.toml promises (3.11 and newer).

    nox -s tests                  # every version
    nox -s "tests(3.13)"          # one version

Each version's interpreter is the first that runs among `pythonX.Y` on PATH and pyenv's
installed X.Y.* (newest first). One that is not installed is skipped with a line saying so,
never downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nox

PYTHONS = ["3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"
nox.options.default_venv_backend = "venv"


def _runs(executable: str, version: str) -> bool:
    """Whether `executable` starts and is Python `version` (a pyenv shim for a version that
    is installed but not selected fails here)."""
    probe = "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"
    try:
        done = subprocess.run([executable, "-c", probe], capture_output=True, text=True, timeout=60)
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def _patch(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.name))


def interpreter(version: str) -> str:
    """An interpreter for `version`, or the bare version (which nox then reports missing)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    installed = sorted(pyenv.glob(f"{version}.*"), key=_patch, reverse=True)
    candidates = [shutil.which(f"python{version}")]
    candidates += [str(folder / "bin" / f"python{version}") for folder in installed]
    for candidate in candidates:
        if candidate and _runs(candidate, version):
            return candidate
    return version


@nox.session
@nox.parametrize("python", [interpreter(v) for v in PYTHONS], ids=PYTHONS)
def tests(session: nox.Session) -> None:
    """Install iamsim with its test extra and run the README's test command."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *session.posargs)
