#!/usr/bin/env python3
"""Rebuild iamsim/data/aws-managed-policies.json.gz from the AWS CLI's own outputs.

The snapshot holds the default version of every AWS managed policy, keyed by policy name:
`{"about": ..., "policies": {NAME: {"arn", "version", "updated", "deprecated", "document"}}}`.
It is built from what any AWS account can read (AWS managed policies are the same in every
account of a partition):

    aws iam list-policies --scope AWS --output json > list-policies.json
    mkdir versions
    jq -r '.Policies[] | [.PolicyName, .Arn, .DefaultVersionId] | @tsv' list-policies.json |
    while IFS=$'\\t' read -r name arn version; do
      aws iam get-policy-version --policy-arn "$arn" --version-id "$version" \\
          --output json > "versions/$name.json"
    done
    python scripts/build_aws_managed_policies.py --list list-policies.json \\
        --versions versions [--previous iamsim/data/aws-managed-policies.json.gz] \\
        [--fetched 2026-12-05] [--out iamsim/data/aws-managed-policies.json.gz]

Each `versions/NAME.json` is one `get-policy-version` output; its VersionId must be the
listed DefaultVersionId. Its `Document` is JSON (the AWS CLI decodes it) or, as the raw API
returns it, URL-encoded text. With `--previous`, the policies of an earlier snapshot that the
listing lacks are kept, marked `"deprecated": true`. `--fetched` (the day the outputs were
taken) goes into `about`. The output is deterministic for given inputs: policies sorted by
name, each document's keys in AWS's order, compact JSON, and a gzip header with no name or
time. Afterwards update iamsim/data/SOURCES.md and run the test suite (tests/unit/
test_managed_policies.py lists the documents the parser does not accept yet).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).parent.parent / "iamsim" / "data" / "aws-managed-policies.json.gz"


class BuildError(Exception):
    """The inputs are incomplete or malformed: the message says which file and what."""


def _document(raw: Any, where: str) -> dict[str, Any]:
    if isinstance(raw, str):  # the raw API's URL-encoded JSON
        try:
            raw = json.loads(urllib.parse.unquote(raw))
        except ValueError as exc:
            raise BuildError(f"{where}: Document is neither JSON nor URL-encoded JSON") from exc
    if not isinstance(raw, dict):
        raise BuildError(f"{where}: Document must be a JSON object")
    return raw


def build(
    listing: Mapping[str, Any],
    versions: Mapping[str, Mapping[str, Any]],
    *,
    previous: Mapping[str, Any] | None = None,
    fetched: str | None = None,
) -> dict[str, Any]:
    """The snapshot from a `list-policies` output and `get-policy-version` outputs by name."""
    listed = listing.get("Policies")
    if not isinstance(listed, list) or not listed:
        raise BuildError("list-policies: no `Policies` list (the output of list-policies?)")
    if listing.get("IsTruncated"):
        raise BuildError("list-policies: IsTruncated is true; run it without --max-items")
    policies: dict[str, dict[str, Any]] = {}
    missing = []
    for i, item in enumerate(listed):
        name, arn, default = item.get("PolicyName"), item.get("Arn"), item.get("DefaultVersionId")
        if not (isinstance(name, str) and isinstance(arn, str) and isinstance(default, str)):
            raise BuildError(f"list-policies: Policies[{i}] lacks PolicyName, Arn or Version")
        if not arn.startswith("arn:aws:iam::aws:policy/") or not arn.endswith(f"/{name}"):
            raise BuildError(f"list-policies: Policies[{i}]: {arn} is not AWS's policy {name}")
        if name in policies:
            raise BuildError(f"list-policies: {name} is listed twice")
        output = versions.get(name)
        if output is None:
            missing.append(name)
            continue
        version = output.get("PolicyVersion")
        where = f"versions/{name}.json"
        if not isinstance(version, Mapping):
            raise BuildError(f"{where}: no PolicyVersion (the output of get-policy-version?)")
        if version.get("VersionId") != default:
            raise BuildError(
                f"{where}: VersionId is {version.get('VersionId')!r}, but the default "
                f"version is {default!r}: fetch that version"
            )
        policies[name] = {
            "arn": arn,
            "version": default,
            "updated": version.get("CreateDate") or item.get("UpdateDate"),
            "deprecated": False,
            "document": _document(version.get("Document"), where),
        }
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise BuildError(f"no get-policy-version output for {len(missing)} policies: {shown}")
    carried = 0
    for name, body in sorted(((previous or {}).get("policies") or {}).items()):
        if name not in policies:
            policies[name] = {**body, "deprecated": True}
            carried += 1
    dates = sorted(str(p["updated"]) for p in policies.values() if p["updated"])
    about = (
        "AWS managed policies, default version of each, keyed by policy name (unique among "
        "AWS managed policies). 'arn' is null where the snapshot does not record the policy's "
        "path. Built by scripts/build_aws_managed_policies.py from the outputs of "
        f"`aws iam list-policies --scope AWS` ({len(listed)} policies) and one "
        "`aws iam get-policy-version` per policy"
        + (f", taken on {fetched}" if fetched else "")
        + (f"; the newest default version is dated {dates[-1]}" if dates else "")
        + (
            f"; {carried} policies the listing lacks kept from the previous snapshot, "
            "marked deprecated"
            if carried
            else ""
        )
        + ". The documents themselves are AWS's published policies."
    )
    return {"about": about, "policies": dict(sorted(policies.items()))}


def encode(snapshot: Mapping[str, Any]) -> bytes:
    """Compact JSON in a gzip stream with no file name or time in its header."""
    text = json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def _read_json(path: Path) -> Any:
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return json.loads(data)
    except (OSError, ValueError) as exc:
        raise BuildError(f"{path}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", required=True, type=Path, help="list-policies output")
    parser.add_argument(
        "--versions",
        required=True,
        type=Path,
        help="folder of NAME.json get-policy-version outputs",
    )
    parser.add_argument("--previous", type=Path, help="an earlier snapshot (.json.gz)")
    parser.add_argument("--fetched", help="the day the outputs were taken (YYYY-MM-DD)")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        if not args.versions.is_dir():
            raise BuildError(f"{args.versions}: not a folder")
        versions = {p.stem: _read_json(p) for p in sorted(args.versions.glob("*.json"))}
        snapshot = build(
            _read_json(args.list),
            versions,
            previous=None if args.previous is None else _read_json(args.previous),
            fetched=args.fetched,
        )
    except BuildError as exc:
        print(f"build_aws_managed_policies: error: {exc}", file=sys.stderr)
        return 2
    args.out.write_bytes(encode(snapshot))
    print(f"wrote {args.out}: {len(snapshot['policies'])} policies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
