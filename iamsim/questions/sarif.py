"""Findings as SARIF 2.1.0, for CI code scanning, each located in the world file.

A finding's path (`accounts.A.roles.R.trust_policy.Statement[0]`) is looked up, after
the fact, in the world file's text: JSON and YAML are read as YAML nodes, which keep their
line; the deepest node of the path found gives the line. A world not read from a file, or
a TOML one, gives results located in the file with no region.

OASIS SARIF 2.1.0: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import yaml

from iamsim import __version__
from iamsim.questions.findings import RULES, Finding

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "locate", "path_parts", "to_sarif"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning reads `security-severity` (0.0-10.0) for its own severity labels.
_SECURITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
_PART = re.compile(r'\.?([^.\[\]"\s]+)|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]')


def path_parts(path: str) -> list[str | int]:
    """`a.b["x.y"][0]` → `["a", "b", "x.y", 0]`."""
    out: list[str | int] = []
    for match in _PART.finditer(path):
        plain, quoted, index = match.groups()
        if index is not None:
            out.append(int(index))
        elif quoted is not None:
            out.append(json.loads(f'"{quoted}"'))
        else:
            out.append(plain)
    return out


def locate(text: str, path: str) -> int | None:
    """The 1-based line of `path` in a JSON or YAML document (of its deepest part found), or
    None when the text is not YAML/JSON or holds none of it."""
    try:
        node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line: int | None = None
    for part in path_parts(path):
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            found = next((v for k, v in node.value if str(k.value) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            found = node.value[part] if part < len(node.value) else None
        else:
            found = None
        if found is None:
            break
        node = found
        line = node.start_mark.line + 1
    return line


def _rule(rule_index: int) -> dict[str, Any]:
    rule = RULES[rule_index]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "helpUri": rule.cite,
        "help": {"text": f"{rule.summary} See {rule.cite}"},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {
            "tags": ["security", "iam", "cross-account"],
            "security-severity": _SECURITY[rule.severity],
            "problem.severity": rule.severity,
        },
    }


def to_sarif(
    found: Sequence[Finding], *, uri: str | None = None, text: str | None = None
) -> dict[str, Any]:
    """A SARIF 2.1.0 log of `found`; with the world file's `uri` (and `text`), each result
    is located in it (at its statement's line when `text` is JSON or YAML)."""
    index = {rule.id: i for i, rule in enumerate(RULES)}
    results = []
    for f in found:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVELS[f.severity],
            "message": {
                "text": f.message + (f" Fix: {f.fix.description}" if f.fix is not None else "")
            },
            "partialFingerprints": {"iamsimPath/v1": f"{f.rule}:{f.path}"},
            "properties": {"severity": f.severity, "account": f.account, "path": f.path},
        }
        if uri is not None:
            physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
            line = None if text is None else locate(text, f.path)
            if line is not None:
                physical["region"] = {"startLine": line}
            result["locations"] = [
                {
                    "physicalLocation": physical,
                    "logicalLocations": [{"fullyQualifiedName": f.path, "kind": "member"}],
                }
            ]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iamsim",
                        "version": __version__,
                        "rules": [_rule(i) for i in range(len(RULES))],
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
