"""World documents (JSON, YAML, TOML) → accounts and organization, every problem with its path.

`read_world_file` turns a file into plain data and reports syntax errors with a
line and column; `parse_world` checks that data against the contract of
`WORLD.md` and builds the frozen model. Both collect every problem before
raising one `WorldError`, and nothing is built unless the whole document is
sound (nothing half-loads).

Policy references (names of an account's `policies`, ARNs) are only checked for
their form here; the `World` resolves them.

This module is the entry point; the work lives in `files` (reading files),
`load_checks` (checks shared by every section), `load_accounts` (the `accounts`
section) and `load_org` (the `organization` section).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from iamsim.errors import Problem, WorldError, join_path
from iamsim.world.context import REGION
from iamsim.world.files import MAX_DEPTH, SUPPORTED_EXTENSIONS, read_world_file
from iamsim.world.load_accounts import _AccountsParser

# `aws_export` builds on the parser and its helpers: `X as X` re-exports them from here.
from iamsim.world.load_checks import _index as _index
from iamsim.world.load_checks import _key
from iamsim.world.load_checks import _short as _short
from iamsim.world.load_checks import _type_name as _type_name
from iamsim.world.load_org import AWS_MANAGED_RCP, AWS_MANAGED_SCP, _OrgParser
from iamsim.world.model import Account, Organization

__all__ = [
    "AWS_MANAGED_RCP",
    "AWS_MANAGED_SCP",
    "SUPPORTED_EXTENSIONS",
    "Progress",
    "parse_world",
    "read_world_file",
]

_TOP_KEYS = ("organization", "accounts", "default_region")

Progress = Callable[[int, int], None]
"""Told `(done, total)` as each account of a world document is checked (a progress bar)."""


class _Parser(_AccountsParser, _OrgParser):
    """One pass over a world document, collecting problems; builds only when clean."""

    def world(
        self, doc: Any, progress: Progress | None = None
    ) -> tuple[tuple[Account, ...], Organization | None]:
        if not isinstance(doc, Mapping):
            self.add("value.type", "", f"a world document must be a mapping, not {_type_name(doc)}")
            return (), None
        self.check_keys(doc, _TOP_KEYS, "", "the world document")
        region = doc.get("default_region")
        if region is not None and not (isinstance(region, str) and REGION.fullmatch(region)):
            self.add(
                "value.region",
                "default_region",
                f"{region!r} is not an AWS region code",
                "a region such as us-east-1 or eu-west-1: the region calls are made in when "
                "they name none",
            )
        accounts = self.accounts(doc.get("accounts"))
        org_doc = doc.get("organization")
        organization = None
        if org_doc is not None:
            organization = self.organization(org_doc, accounts)
        for account_id, (path, body) in accounts.items():
            for field in ("scps", "rcps"):
                if body.get(field) is None or (org_doc is not None and organization is None):
                    continue  # nothing attached, or the organization itself is malformed
                if organization is None or account_id not in organization.members:
                    self.add(
                        "account.outside_organization",
                        join_path(path, field),
                        f"account {account_id} is not in the organization, so no "
                        f"{field[:-1].upper()} can be attached to it",
                        "list the account under organization.root or one of its OUs",
                    )
        built_list: list[Account | None] = []
        for account_id, (path, body) in accounts.items():
            built_list.append(self.account(account_id, path, body))
            if progress is not None:
                progress(len(built_list), len(accounts))
        built = tuple(built_list)
        self.duplicate_resources(built, accounts)
        org = organization.build(self) if organization is not None else None
        return tuple(a for a in built if a is not None), org


def parse_world(
    doc: Mapping[str, Any], progress: Progress | None = None
) -> tuple[tuple[Account, ...], Organization | None]:
    """Check a world document (see WORLD.md) and build its accounts and organization.

    Every problem in the document is collected, each with its path, before one
    `WorldError` is raised; nothing is returned half-built. Data nested so deeply that
    the checks exhaust Python's stack (a thousand levels) is refused at the path where
    it goes more than `MAX_DEPTH` levels deep, the limit of world files. `progress`, when
    given, is told `(done, total)` as each account is checked.
    """
    parser = _Parser()
    try:
        accounts, organization = parser.world(doc, progress)
    except RecursionError:
        # Found by walking the data again, iteratively: the stack is free once more.
        path = _too_deep_at(doc, MAX_DEPTH)
        raise WorldError(
            Problem(
                "value.depth",
                path or "",
                f"the world document is nested more than {MAX_DEPTH} levels deep"
                if path is not None
                else "the world document is nested too deeply to check",
            )
        ) from None
    if parser.problems:
        raise WorldError(_dedupe(parser.problems))
    return accounts, organization


def _too_deep_at(data: Any, limit: int) -> str | None:
    """The path of a value nested deeper than `limit` mappings and lists, or None.

    Iterative, level by level; a value shared by several parents is walked once a level,
    and a value that contains itself is too deep. Paths are spelled only when needed.
    """
    # Each entry: (value, its parent's entry, its key or index in the parent).
    Entry = tuple[Any, Any, Any]
    level: dict[int, Entry] = {id(data): (data, None, None)}
    depth = 1
    while level:
        below: dict[int, Entry] = {}
        for entry in level.values():
            value = entry[0]
            if isinstance(value, Mapping):
                children: Any = value.items()
            elif isinstance(value, list | tuple):
                children = enumerate(value)
            else:
                continue
            for key, child in children:
                if isinstance(child, Mapping | list | tuple):
                    if depth >= limit:
                        return _spelled((child, entry, key))
                    below.setdefault(id(child), (child, entry, key))
        level, depth = below, depth + 1
    return None


def _spelled(entry: tuple[Any, Any, Any]) -> str:
    """The JSON path of an entry of `_too_deep_at`: `organization.root.accounts[0][0]…`."""
    steps: list[tuple[Any, Any]] = []
    while entry[1] is not None:
        steps.append((entry[1][0], entry[2]))
        entry = entry[1]
    path = ""
    for parent, key in reversed(steps):
        path = _key(path, key) if isinstance(parent, Mapping) else _index(path, key)
    return path


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out: list[Problem] = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out
