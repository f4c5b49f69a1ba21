"""The world as data: organization, accounts, users, groups, roles, resources.

Entities are frozen attrs classes. Their policy fields hold `PolicySpec`s — a
`Policy`, or a reference (an AWS managed policy ARN, a customer managed policy
ARN or a name in the entity's account) — which the `World` resolves once, when
it is built. A dict or JSON text given for a policy is parsed on construction.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from iamsim.errors import PolicyError, WorldError
from iamsim.model import Policy, PolicyKind
from iamsim.tags import Tags, as_tags

__all__ = [
    "Account",
    "Group",
    "NamedPolicy",
    "OrgUnit",
    "Organization",
    "PolicySpec",
    "Resource",
    "Role",
    "User",
    "arn_account",
    "arn_name",
    "arn_path",
    "unique_id",
]

PolicySpec = Policy | str
"""A policy, or a reference to one: an ARN or a policy name of the entity's account."""


def _spec(value: Any, kind: PolicyKind) -> PolicySpec:
    if isinstance(value, Policy):
        return value
    if isinstance(value, str) and not value.lstrip().startswith("{"):
        return value
    return Policy.from_json(value, kind=kind)


def _specs(values: Any, kind: PolicyKind) -> tuple[PolicySpec, ...]:
    if values is None:
        return ()
    if isinstance(values, str | Mapping | Policy):
        values = [values]
    return tuple(_spec(v, kind) for v in values)


def _identity_specs(values: Any) -> tuple[PolicySpec, ...]:
    """Converter: identity policies as given (documents parsed, references kept)."""
    return _specs(values, "identity")


def _boundary_spec(value: Any) -> PolicySpec | None:
    """Converter: a permissions boundary, or None."""
    return None if value is None else _spec(value, "boundary")


def _trust_spec(value: Any) -> PolicySpec:
    """Converter: a role trust policy."""
    return _spec(value, "trust")


def _resource_spec(value: Any) -> PolicySpec | None:
    """Converter: a resource-based policy, or None."""
    return None if value is None else _spec(value, "resource")


def _named_policies(value: Any) -> tuple[tuple[str, Policy], ...]:
    """Converter: policy documents by name (a mapping or pairs; dicts, JSON text or Policy)."""
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    out = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise WorldError(f"policies: expected name → policy document, got {item!r}")
        name, doc = item
        try:
            policy = doc if isinstance(doc, Policy) else Policy.from_json(doc)
        except PolicyError as exc:
            raise PolicyError([p.under(f"policies.{name}") for p in exc.problems]) from None
        out.append((name, policy))
    return tuple(out)


def _optional_names(value: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """Converter: None stays None (AWS's default attachment), else a tuple of names."""
    return None if value is None else _names(value)


def _names(value: Iterable[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def arn_account(arn: str) -> str:
    """The account field of an ARN ("" for S3 and other account-less ARNs)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _resource_part(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[5] if len(parts) == 6 else ""


def arn_name(arn: str) -> str:
    """The entity name of an IAM ARN: `role/path/Name` → `Name`."""
    return _resource_part(arn).rsplit("/", 1)[-1]


def arn_path(arn: str) -> str:
    """The IAM path of an ARN: `role/a/b/Name` → `/a/b/`, `role/Name` → `/`."""
    parts = _resource_part(arn).split("/")
    return "/" + "".join(p + "/" for p in parts[1:-1])


@functools.lru_cache(maxsize=65536)
def unique_id(prefix: str, arn: str) -> str:
    """A deterministic, AWS-shaped unique id (`AIDA…`, `AROA…`) for an entity ARN."""
    digest = hashlib.sha256(arn.encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    body = "".join(alphabet[b % 32] for b in digest[:17])
    return prefix + body


@attrs.frozen
class NamedPolicy:
    """A resolved policy as attached somewhere: its document and how reports name it."""

    policy: Policy
    name: str | None = None  # "AssumeProdReader", "AmazonS3ReadOnlyAccess"; None for inline
    arn: str | None = None  # managed policies only

    @property
    def label(self) -> str:
        return self.arn or self.name or "inline policy"


class _Named:
    """The name and account an IAM entity's ARN carries."""

    __slots__ = ()
    arn: str

    @property
    def name(self) -> str:
        return arn_name(self.arn)

    @property
    def account(self) -> str:
        return arn_account(self.arn)


@attrs.frozen
class User(_Named):
    """An IAM user. Policies: inline documents, names of this account's policies, or ARNs."""

    arn: str
    policies: tuple[PolicySpec, ...] = attrs.field(default=(), converter=_identity_specs)
    groups: tuple[str, ...] = attrs.field(default=(), converter=_names)
    permissions_boundary: PolicySpec | None = attrs.field(default=None, converter=_boundary_spec)
    tags: Tags = attrs.field(factory=Tags, converter=as_tags)

    @property
    def unique_id(self) -> str:
        return unique_id("AIDA", self.arn)


@attrs.frozen
class Group(_Named):
    """An IAM group: its policies apply to its members; a group is never a principal."""

    arn: str
    policies: tuple[PolicySpec, ...] = attrs.field(default=(), converter=_identity_specs)


@attrs.frozen
class Role(_Named):
    """An IAM role with its trust policy (who may assume it) and permissions policies."""

    arn: str
    trust_policy: PolicySpec = attrs.field(converter=_trust_spec)
    policies: tuple[PolicySpec, ...] = attrs.field(default=(), converter=_identity_specs)
    permissions_boundary: PolicySpec | None = attrs.field(default=None, converter=_boundary_spec)
    max_session_duration: int = 3600
    tags: Tags = attrs.field(factory=Tags, converter=as_tags)

    @property
    def unique_id(self) -> str:
        return unique_id("AROA", self.arn)

    @property
    def service_linked(self) -> bool:
        """Service-linked roles live under the `/aws-service-role/` path."""
        return arn_path(self.arn).startswith("/aws-service-role/")


@attrs.frozen
class Resource:
    """A resource that may carry a resource-based policy (bucket policy, key policy, …).

    `account` is required for ARNs without an account field (S3 buckets).
    `aws_managed` marks AWS managed KMS keys (outside RCPs, not shareable).
    """

    arn: str
    account: str = attrs.field(default="")
    policy: PolicySpec | None = attrs.field(default=None, converter=_resource_spec)
    tags: Tags = attrs.field(factory=Tags, converter=as_tags)
    aws_managed: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.account:
            object.__setattr__(self, "account", arn_account(self.arn))

    @property
    def service(self) -> str:
        parts = self.arn.split(":", 5)
        return parts[2] if len(parts) == 6 else ""


@attrs.frozen
class OrgUnit:
    """The root or an OU: its attached SCP/RCP names, member accounts and child OUs.

    `scps=None` means AWS's default: `FullAWSAccess` attached.
    """

    name: str
    scps: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_names)
    rcps: tuple[str, ...] = attrs.field(default=(), converter=_names)
    accounts: tuple[str, ...] = attrs.field(default=(), converter=_names)
    children: tuple[OrgUnit, ...] = ()


@attrs.frozen
class Organization:
    """An AWS Organization: its id, management account, policy documents and OU tree.

    `account_scps`/`account_rcps` are the policies attached to accounts themselves.
    """

    id: str
    management_account: str
    root: OrgUnit
    policies: tuple[tuple[str, Policy], ...] = attrs.field(default=(), converter=_named_policies)
    account_scps: tuple[tuple[str, tuple[str, ...]], ...] = ()
    account_rcps: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def policy(self, name: str) -> Policy | None:
        return next((p for n, p in self.policies if n == name), None)


@attrs.frozen
class Account:
    """One AWS account and what it holds. Used by world documents; `World.of` needs none."""

    id: str
    alias: str | None = None
    policies: tuple[tuple[str, Policy], ...] = attrs.field(default=(), converter=_named_policies)
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    resources: tuple[Resource, ...] = ()
