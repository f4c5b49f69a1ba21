"""The world → a world document (WORLD.md): readable, diffable, and loaded back unchanged.

`world_document` builds the plain data: keys in the document's order, accounts by ID,
entities, policies and resources by name, AWS managed policies by ARN (an account's own
copy only where it differs from the shipped one). `dump_world` writes it as YAML (block
style) or JSON, by the file's extension.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import yaml

from iamsim.errors import PolicyError, Problem, WorldError
from iamsim.model import Policy
from iamsim.world.managed import aws_managed_policy, org_default_policy
from iamsim.world.model import (
    Account,
    BlockPublicAccess,
    Organization,
    OrgUnit,
    PolicySpec,
    arn_path,
)

__all__ = ["dump_text", "dump_world", "world_document"]

_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def world_document(
    accounts: Iterable[Account],
    organization: Organization | None,
    default_region: str | None = None,
) -> dict[str, Any]:
    """The world document of these accounts, organization and default region."""
    out: dict[str, Any] = {}
    if default_region is not None:
        out["default_region"] = default_region
    if organization is not None:
        out["organization"] = _organization(organization)
    scps = dict(organization.account_scps) if organization is not None else {}
    rcps = dict(organization.account_rcps) if organization is not None else {}
    out["accounts"] = {
        a.id: _account(a, scps.get(a.id), rcps.get(a.id))
        for a in sorted(accounts, key=lambda a: a.id)
    }
    return out


def dump_text(document: dict[str, Any], fmt: str) -> str:
    """`document` as YAML (block style, no anchors), JSON or TOML text."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "toml":
        return "\n".join(_toml_table(document, ())).lstrip("\n") + "\n"
    return yaml.dump(
        document,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 16,
    )


def dump_world(document: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write `document` to `path` in the format its extension names (.yaml/.yml, .json,
    .toml)."""
    name = os.fspath(path)
    fmt = _FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise WorldError(
            Problem(
                "file.format",
                name,
                f"cannot write a world as {Path(name).suffix or '(no extension)'!r}",
                "use .yaml, .yml, .json or .toml",
            )
        )
    text = dump_text(document, fmt)
    try:
        Path(name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise WorldError(
            Problem("file.unwritable", name, f"cannot write the file: {exc.strerror or exc}")
        ) from None


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper without anchors: a document shared twice is written twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    """A value written inline: text, a number, a boolean, an array or an inline table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + (f" {inner} " if inner else "") + "}"
    raise TypeError(f"TOML cannot hold {type(value).__name__}")  # pragma: no cover


def _toml_table(table: dict[str, Any], path: tuple[str, ...]) -> list[str]:
    """A table's own keys, then each sub-table under its `[a.b.c]` header."""
    lines = [
        f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)
    ]
    for key, value in table.items():
        if isinstance(value, dict):
            here = (*path, key)
            if not value or any(not isinstance(v, dict) for v in value.values()):
                # a table of tables only needs no header of its own
                lines += ["", "[" + ".".join(_toml_key(k) for k in here) + "]"]
            lines += _toml_table(value, here)
    return lines


def _spec(spec: PolicySpec) -> Any:
    return spec.to_dict() if isinstance(spec, Policy) else spec


def _specs(specs: Iterable[PolicySpec]) -> list[Any]:
    return [_spec(s) for s in specs]


def _unit(unit: OrgUnit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if unit.id is not None:
        out["id"] = unit.id
    if unit.scps is not None:
        out["scps"] = list(unit.scps)
    if unit.rcps:
        out["rcps"] = list(unit.rcps)
    if unit.accounts:
        out["accounts"] = list(unit.accounts)
    if unit.children:
        out["ous"] = {c.name: _unit(c) for c in sorted(unit.children, key=lambda c: c.name)}
    return out


def _organization(org: Organization) -> dict[str, Any]:
    out: dict[str, Any] = {"id": org.id, "management_account": org.management_account}
    # AWS's own FullAWSAccess / RCPFullAWSAccess ship: written only when they differ.
    policies = {
        name: policy.to_dict()
        for name, policy in sorted(org.policies, key=_first)
        if policy != org_default_policy(name)
    }
    if policies:
        out["policies"] = policies
    out["root"] = _unit(org.root)
    return out


def _account(
    account: Account, scps: tuple[str, ...] | None, rcps: tuple[str, ...] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if account.alias is not None:
        out["alias"] = account.alias
    if scps is not None:
        out["scps"] = list(scps)
    if rcps:
        out["rcps"] = list(rcps)
    if account.policies:
        out["policies"] = {n: p.to_dict() for n, p in sorted(account.policies, key=_first)}
    copies = {
        arn: p.to_dict() for arn, p in sorted(account.aws_managed_policies) if _differs(arn, p)
    }
    if copies:
        out["aws_managed_policies"] = copies
    if account.users:
        out["users"] = {}
        for user in sorted(account.users, key=lambda u: u.name):
            body: dict[str, Any] = {}
            if arn_path(user.arn) != "/":
                body["path"] = arn_path(user.arn)
            if user.policies:
                body["policies"] = _specs(user.policies)
            if user.groups:
                body["groups"] = list(user.groups)
            if user.permissions_boundary is not None:
                body["permissions_boundary"] = _spec(user.permissions_boundary)
            if user.tags:
                body["tags"] = dict(user.tags)
            out["users"][user.name] = body
    if account.groups:
        out["groups"] = {}
        for group in sorted(account.groups, key=lambda g: g.name):
            body = {}
            if arn_path(group.arn) != "/":
                body["path"] = arn_path(group.arn)
            if group.policies:
                body["policies"] = _specs(group.policies)
            out["groups"][group.name] = body
    if account.roles:
        out["roles"] = {}
        for role in sorted(account.roles, key=lambda r: r.name):
            body = {}
            if arn_path(role.arn) != "/":
                body["path"] = arn_path(role.arn)
            body["trust_policy"] = _spec(role.trust_policy)
            if role.policies:
                body["policies"] = _specs(role.policies)
            if role.permissions_boundary is not None:
                body["permissions_boundary"] = _spec(role.permissions_boundary)
            if role.max_session_duration != 3600:
                body["max_session_duration"] = role.max_session_duration
            if role.tags:
                body["tags"] = dict(role.tags)
            out["roles"][role.name] = body
    if account.resources:
        out["resources"] = {}
        for resource in sorted(account.resources, key=lambda r: r.arn):
            body = {}
            if resource.policy is not None:
                body["policy"] = _spec(resource.policy)
            if resource.tags:
                body["tags"] = dict(resource.tags)
            if resource.aws_managed:
                body["aws_managed"] = True
            if resource.block_public_access is not None:
                body["block_public_access"] = _bpa(resource.block_public_access)
            out["resources"][resource.arn] = body
    if account.oidc_providers:
        out["oidc_providers"] = {}
        for provider in account.oidc_providers:  # in the account's order: a round trip is equal
            body = {"client_ids": list(provider.client_ids)}
            if provider.thumbprints:
                body["thumbprints"] = list(provider.thumbprints)
            out["oidc_providers"][provider.url] = body
    if account.saml_providers:
        out["saml_providers"] = {p.name: {} for p in account.saml_providers}
    if account.vpc_endpoints:
        out["vpc_endpoints"] = {}
        for endpoint in account.vpc_endpoints:  # in the account's order: a round trip is equal
            entry: dict[str, Any] = {"vpc": endpoint.vpc}
            if endpoint.service is not None:
                entry["service"] = endpoint.service
            if endpoint.policy is not None:
                entry["policy"] = _spec(endpoint.policy)
            out["vpc_endpoints"][endpoint.id] = entry
    if account.s3_block_public_access is not None:
        out["s3_block_public_access"] = _bpa(account.s3_block_public_access)
    return out


def _bpa(settings: BlockPublicAccess) -> dict[str, bool]:
    """Block Public Access settings as the world document spells them (every one, so a
    bucket's own `false` stays written)."""
    return attrs.asdict(settings)


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _differs(arn: str, policy: Policy) -> bool:
    """Whether an account's copy of an AWS managed policy says more than the shipped one."""
    try:
        return policy != aws_managed_policy(arn)
    except PolicyError:
        return True
