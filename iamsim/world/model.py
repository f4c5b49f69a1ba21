"""The world as data: organization, accounts, users, groups, roles, resources.

Entities are frozen attrs classes. Their policy fields hold `PolicySpec`s — a
`Policy`, or a reference (an AWS managed policy ARN, a customer managed policy
ARN or a name in the entity's account) — which the `World` resolves once, when
it is built. A dict or JSON text given for a policy is parsed on construction.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from iamsim.errors import PolicyError, ValidationError, WorldError
from iamsim.model import Policy, PolicyKind
from iamsim.parse import check_policy
from iamsim.tags import Tags, as_tags
from iamsim.world.names import OU_ID, ROOT_ID

__all__ = [
    "Account",
    "BlockPublicAccess",
    "Group",
    "NamedPolicy",
    "OidcProvider",
    "OrgUnit",
    "Organization",
    "PolicySpec",
    "Quotas",
    "Resource",
    "Role",
    "SamlProvider",
    "User",
    "VpcEndpoint",
    "arn_account",
    "arn_name",
    "arn_path",
    "unique_id",
]

PolicySpec = Policy | str
"""A policy, or a reference to one: an ARN or a policy name of the entity's account."""

MAX_OU_DEPTH = 5
"""AWS Organizations quotas: OUs nest at most five levels below the root."""


def _type(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _spec(value: Any, kind: PolicyKind, where: str) -> PolicySpec:
    """A policy document checked as `kind` (as a world document's is), or a reference."""
    if isinstance(value, str) and not value.lstrip().startswith("{"):
        return value  # a name or an ARN: the World resolves it
    try:
        if isinstance(value, Policy):
            return check_policy(value, kind)
        return Policy.from_json(value, kind=kind)
    except PolicyError as exc:
        raise PolicyError([p.under(where) for p in exc.problems]) from None


def _optional_spec(value: Any, kind: PolicyKind, where: str) -> PolicySpec | None:
    return None if value is None else _spec(value, kind, where)


def _specs(values: Any, kind: PolicyKind, where: str) -> tuple[PolicySpec, ...]:
    if values is None:
        return ()
    if isinstance(values, str | Mapping | Policy):
        values = [values]
    elif not isinstance(values, list | tuple):
        raise WorldError(
            f"{where}: expected a list of policies (documents, names or ARNs), not {_type(values)}"
        )
    return tuple(_spec(v, kind, f"{where}[{i}]") for i, v in enumerate(values))


def _names(values: Any, where: str, what: str) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple; WorldError naming `where` otherwise."""
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    if not isinstance(values, list | tuple):
        raise WorldError(f"{where}: expected a list of {what}s, not {_type(values)}")
    for i, item in enumerate(values):
        if not isinstance(item, str):
            raise WorldError(f"{where}[{i}]: expected a {what} (a string), not {_type(item)}")
    return tuple(values)


def _optional_names(values: Any, where: str, what: str) -> tuple[str, ...] | None:
    """None stays None (AWS's default attachment), else a tuple of names."""
    return None if values is None else _names(values, where, what)


def _tags(value: Any, where: str) -> Tags:
    try:
        return as_tags(value, where)
    except ValidationError as exc:
        raise WorldError(str(exc)) from None


def _named_policies(
    value: Any, where: str, kind: PolicyKind | None
) -> tuple[tuple[str, Policy], ...]:
    """Policy documents by name (a mapping or pairs; dicts, JSON text or Policy)."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise WorldError(f"{where}: expected name → policy document, not {_type(value)}")
    out = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise WorldError(f"{where}: expected (name, policy document) pairs, not {_type(item)}")
        name, doc = item
        try:
            if isinstance(doc, Policy):
                policy = check_policy(doc, kind)
            else:
                policy = Policy.from_json(doc, kind=kind)
        except PolicyError as exc:
            raise PolicyError([p.under(f"{where}.{name}") for p in exc.problems]) from None
        out.append((name, policy))
    return tuple(out)


def _str_field(owner: Any, field: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a non-empty string (an ARN, a name, an account ID)."""
    if not isinstance(value, str) or not value:
        where = f"{type(owner).__name__}.{field.name}"
        raise WorldError(f"{where}: expected a non-empty string, not {_type(value)}")


def _account_field(owner: Any, field: attrs.Attribute[Any], value: Any) -> None:
    """Validator: an account ID is a string ("" when the ARN carries it)."""
    if not isinstance(value, str):
        where = f"{type(owner).__name__}.{field.name}"
        hint = " (quote it: a number loses leading zeros)" if isinstance(value, int) else ""
        raise WorldError(
            f"{where}: expected a 12-digit account ID string, not {_type(value)}{hint}"
        )


def _bool_field(owner: Any, field: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        where = f"{type(owner).__name__}.{field.name}"
        raise WorldError(f"{where}: expected True or False, not {_type(value)}")


def _units(value: Any) -> tuple[OrgUnit, ...]:
    """Converter: child OUs as a tuple (each checked to be an OrgUnit after construction)."""
    if not isinstance(value, list | tuple):
        raise WorldError(f"OrgUnit.children: expected a list of OrgUnits, not {_type(value)}")
    return tuple(value)


def _attachments(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Account ID → attached policy names, as a mapping or pairs."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise WorldError(f"{where}: expected account ID → policy names, not {_type(value)}")
    out = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise WorldError(
                f"{where}: expected (account ID, policy names) pairs, not {_type(item)}"
            )
        account, names = item
        out.append((account, _names(names, f"{where}.{account}", "policy name")))
    return tuple(out)


# Converters of each entity field: the field's name is in every error they raise.


def _user_policies(value: Any) -> tuple[PolicySpec, ...]:
    return _specs(value, "identity", "User.policies")


def _user_groups(value: Any) -> tuple[str, ...]:
    return _names(value, "User.groups", "group name")


def _user_boundary(value: Any) -> PolicySpec | None:
    return _optional_spec(value, "boundary", "User.permissions_boundary")


def _user_tags(value: Any) -> Tags:
    return _tags(value, "User.tags")


def _group_policies(value: Any) -> tuple[PolicySpec, ...]:
    return _specs(value, "identity", "Group.policies")


def _role_trust(value: Any) -> PolicySpec:
    return _spec(value, "trust", "Role.trust_policy")


def _role_policies(value: Any) -> tuple[PolicySpec, ...]:
    return _specs(value, "identity", "Role.policies")


def _role_boundary(value: Any) -> PolicySpec | None:
    return _optional_spec(value, "boundary", "Role.permissions_boundary")


def _role_tags(value: Any) -> Tags:
    return _tags(value, "Role.tags")


def _resource_policy(value: Any) -> PolicySpec | None:
    return _optional_spec(value, "resource", "Resource.policy")


def _resource_tags(value: Any) -> Tags:
    return _tags(value, "Resource.tags")


def _ou_scps(value: Any) -> tuple[str, ...] | None:
    return _optional_names(value, "OrgUnit.scps", "policy name")


def _ou_rcps(value: Any) -> tuple[str, ...]:
    return _names(value, "OrgUnit.rcps", "policy name")


def _ou_accounts(value: Any) -> tuple[str, ...]:
    return _names(value, "OrgUnit.accounts", "account ID")


def _org_policies(value: Any) -> tuple[tuple[str, Policy], ...]:
    return _named_policies(value, "Organization.policies", None)


def _account_scps(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return _attachments(value, "Organization.account_scps")


def _account_rcps(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return _attachments(value, "Organization.account_rcps")


def _account_policies(value: Any) -> tuple[tuple[str, Policy], ...]:
    return _named_policies(value, "Account.policies", "identity")


def _account_aws_managed(value: Any) -> tuple[tuple[str, Policy], ...]:
    return _named_policies(value, "Account.aws_managed_policies", "identity")


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

    arn: str = attrs.field(validator=_str_field)
    policies: tuple[PolicySpec, ...] = attrs.field(default=(), converter=_user_policies)
    groups: tuple[str, ...] = attrs.field(default=(), converter=_user_groups)
    permissions_boundary: PolicySpec | None = attrs.field(default=None, converter=_user_boundary)
    tags: Tags = attrs.field(factory=Tags, converter=_user_tags)

    @property
    def unique_id(self) -> str:
        return unique_id("AIDA", self.arn)


@attrs.frozen
class Group(_Named):
    """An IAM group: its policies apply to its members; a group is never a principal."""

    arn: str = attrs.field(validator=_str_field)
    policies: tuple[PolicySpec, ...] = attrs.field(default=(), converter=_group_policies)


@attrs.frozen
class Role(_Named):
    """An IAM role with its trust policy (who may assume it) and permissions policies."""

    arn: str = attrs.field(validator=_str_field)
    trust_policy: PolicySpec = attrs.field(converter=_role_trust)
    policies: tuple[PolicySpec, ...] = attrs.field(default=(), converter=_role_policies)
    permissions_boundary: PolicySpec | None = attrs.field(default=None, converter=_role_boundary)
    max_session_duration: int = 3600  # checked (3600..43200) when the World is built
    tags: Tags = attrs.field(factory=Tags, converter=_role_tags)

    @property
    def unique_id(self) -> str:
        return unique_id("AROA", self.arn)

    @property
    def service_linked(self) -> bool:
        """Service-linked roles live under the `/aws-service-role/` path."""
        return arn_path(self.arn).startswith("/aws-service-role/")


@attrs.frozen
class BlockPublicAccess:
    """S3 Block Public Access settings of an account or a bucket (Amazon S3 API Reference,
    PublicAccessBlockConfiguration); a setting not given is off."""

    block_public_acls: bool = attrs.field(default=False, validator=_bool_field)
    ignore_public_acls: bool = attrs.field(default=False, validator=_bool_field)
    block_public_policy: bool = attrs.field(default=False, validator=_bool_field)
    restrict_public_buckets: bool = attrs.field(default=False, validator=_bool_field)

    def combined(self, other: BlockPublicAccess | None) -> BlockPublicAccess:
        """The effective settings of two levels: each the most restrictive of the two (S3
        User Guide, "Blocking public access to your Amazon S3 storage")."""
        if other is None:
            return self
        return BlockPublicAccess(
            self.block_public_acls or other.block_public_acls,
            self.ignore_public_acls or other.ignore_public_acls,
            self.block_public_policy or other.block_public_policy,
            self.restrict_public_buckets or other.restrict_public_buckets,
        )


def _optional_bpa(value: Any) -> BlockPublicAccess | None:
    if value is not None and not isinstance(value, BlockPublicAccess):
        raise WorldError(f"expected BlockPublicAccess settings, not {_type(value)}")
    return value


@attrs.frozen
class Resource:
    """A resource that may carry a resource-based policy (bucket policy, key policy, …).

    `account` is required for ARNs without an account field (S3 buckets).
    `aws_managed` marks AWS managed KMS keys (outside RCPs, not shareable).
    """

    arn: str = attrs.field(validator=_str_field)
    account: str = attrs.field(default="", validator=_account_field)
    policy: PolicySpec | None = attrs.field(default=None, converter=_resource_policy)
    tags: Tags = attrs.field(factory=Tags, converter=_resource_tags)
    aws_managed: bool = attrs.field(default=False, validator=_bool_field)
    # An S3 bucket's own Block Public Access settings (None: none of its own).
    block_public_access: BlockPublicAccess | None = attrs.field(
        default=None, converter=_optional_bpa
    )

    def __attrs_post_init__(self) -> None:
        if not self.account:
            object.__setattr__(self, "account", arn_account(self.arn))

    @property
    def service(self) -> str:
        parts = self.arn.split(":", 5)
        return parts[2] if len(parts) == 6 else ""


def _unit_id(owner: Any, field: attrs.Attribute[Any], value: Any) -> None:
    """Validator: None, or a root id (`r-…`) or an OU id (`ou-…-…`)."""
    if value is not None and not (
        isinstance(value, str) and (ROOT_ID.fullmatch(value) or OU_ID.fullmatch(value))
    ):
        raise WorldError(
            f"OrgUnit.id: expected a root id (r-…) or an OU id (ou-…-…), not {_type(value)}"
            if not isinstance(value, str)
            else f"OrgUnit.id: {value!r} is neither a root id (r-…) nor an OU id (ou-…-…)"
        )


@attrs.frozen
class OrgUnit:
    """The root or an OU: its attached SCP/RCP names, member accounts and child OUs.

    `scps=None` means AWS's default: `FullAWSAccess` attached. OUs nest at most
    MAX_OU_DEPTH levels below the root: a deeper tree is refused as it is built.
    """

    name: str = attrs.field(validator=_str_field)
    scps: tuple[str, ...] | None = attrs.field(default=None, converter=_ou_scps)
    rcps: tuple[str, ...] = attrs.field(default=(), converter=_ou_rcps)
    accounts: tuple[str, ...] = attrs.field(default=(), converter=_ou_accounts)
    children: tuple[OrgUnit, ...] = attrs.field(default=(), converter=_units)
    # Organizations' own id of the root (`r-…`) or OU (`ou-…`), when known: what an SCP
    # attachment from infrastructure as code names (World.merge), and the org path keys use.
    id: str | None = attrs.field(default=None, validator=_unit_id)
    # Levels of this unit and the OUs below it (1 for a leaf): bounds every recursion.
    _height: int = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        height = 1
        for i, child in enumerate(self.children):
            if not isinstance(child, OrgUnit):
                raise WorldError(
                    f"OrgUnit {self.name!r}: children[{i}] must be an OrgUnit, not {_type(child)}"
                )
            height = max(height, child._height + 1)
        if height > MAX_OU_DEPTH + 1:
            chain, unit = [self.name], self
            while unit.children:
                unit = max(unit.children, key=lambda c: c._height)
                chain.append(unit.name)
            raise WorldError(
                f"OrgUnit {self.name!r}: OUs nest {height - 1} levels deep below it "
                f"({'/'.join(chain)}); AWS Organizations allows at most {MAX_OU_DEPTH} "
                "levels of OUs under the root"
            )
        object.__setattr__(self, "_height", height)


@attrs.frozen
class Organization:
    """An AWS Organization: its id, management account, policy documents and OU tree.

    `account_scps`/`account_rcps` are the policies attached to accounts themselves.
    """

    id: str = attrs.field(validator=_str_field)
    management_account: str = attrs.field(validator=_str_field)
    root: OrgUnit = attrs.field()
    policies: tuple[tuple[str, Policy], ...] = attrs.field(default=(), converter=_org_policies)
    account_scps: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(
        default=(), converter=_account_scps
    )
    account_rcps: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(
        default=(), converter=_account_rcps
    )
    # The policies come from AWS itself (an export): past a quota is a warning, not an error.
    imported: bool = attrs.field(default=False, validator=_bool_field)

    @root.validator
    def _check_root(self, _: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, OrgUnit):
            raise WorldError(f"Organization.root: expected an OrgUnit, not {_type(value)}")

    def policy(self, name: str) -> Policy | None:
        return next((p for n, p in self.policies if n == name), None)


def _trust_length(owner: Any, field: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a role trust policy quota AWS can grant (IAM and AWS STS quotas: 2,048
    characters by default, at most 4,096)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorldError(
            f"Quotas.{field.name}: expected a number of characters, not {_type(value)}"
        )
    if not 2048 <= value <= 4096:
        raise WorldError(
            f"Quotas.{field.name}: AWS grants a role trust policy length of 2048 to 4096 "
            f"characters, not {value}"
        )


@attrs.frozen
class Quotas:
    """An account's adjustable IAM quotas that bound its documents (IAM User Guide, "IAM and
    AWS STS quotas").

    `imported`: the documents come from AWS itself (an export), which accepted them: a
    document past a quota is then a warning, not an error.
    """

    role_trust_policy_length: int = attrs.field(default=2048, validator=_trust_length)
    imported: bool = attrs.field(default=False, validator=_bool_field)


def _client_ids(value: Any) -> tuple[str, ...]:
    return _names(value, "OidcProvider.client_ids", "client ID")


def _thumbprints(value: Any) -> tuple[str, ...]:
    return _names(value, "OidcProvider.thumbprints", "thumbprint")


@attrs.frozen
class OidcProvider:
    """An IAM OIDC identity provider of an account (IAM User Guide, "Create an OpenID
    Connect (OIDC) identity provider in IAM"): its issuer URL without `https://` (host,
    plus path for EKS) and the audiences (client IDs) STS accepts from it."""

    url: str = attrs.field(validator=_str_field)
    client_ids: tuple[str, ...] = attrs.field(default=(), converter=_client_ids)
    thumbprints: tuple[str, ...] = attrs.field(default=(), converter=_thumbprints)


@attrs.frozen
class SamlProvider:
    """An IAM SAML identity provider of an account, by its name in the provider ARN
    (`arn:aws:iam::ACCOUNT:saml-provider/NAME`)."""

    name: str = attrs.field(validator=_str_field)


_T = TypeVar("_T")


def _objects(value: Any, cls: type[_T], where: str) -> tuple[_T, ...]:
    """Converter: a list or tuple of `cls` objects, as a tuple."""
    items = tuple(value) if isinstance(value, list | tuple) else None
    if items is None or not all(isinstance(v, cls) for v in items):
        raise WorldError(f"{where}: expected {cls.__name__} objects, not {_type(value)}")
    return items


def _oidc_providers(value: Any) -> tuple[OidcProvider, ...]:
    return _objects(value, OidcProvider, "Account.oidc_providers")


@attrs.frozen
class VpcEndpoint:
    """A VPC endpoint of an account (AWS PrivateLink Guide, "Control access to VPC endpoints
    using endpoint policies"): its ID, its VPC, the service it reaches when known, and its
    endpoint policy (None: AWS's default policy, full access)."""

    id: str = attrs.field(validator=_str_field)
    vpc: str = attrs.field(validator=_str_field)
    service: str | None = None
    policy: Policy | None = None


def _vpc_endpoints(value: Any) -> tuple[VpcEndpoint, ...]:
    return _objects(value, VpcEndpoint, "Account.vpc_endpoints")


def _saml_providers(value: Any) -> tuple[SamlProvider, ...]:
    return _objects(value, SamlProvider, "Account.saml_providers")


@attrs.frozen
class Account:
    """One AWS account and what it holds. Used by world documents; `World.of` needs none."""

    id: str
    alias: str | None = None
    policies: tuple[tuple[str, Policy], ...] = attrs.field(default=(), converter=_account_policies)
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    resources: tuple[Resource, ...] = ()
    quotas: Quotas = attrs.field(factory=Quotas)
    # The account's own copies of AWS managed policies, by ARN (as an export carries them):
    # a reference to one of these ARNs uses this document instead of the shipped one.
    aws_managed_policies: tuple[tuple[str, Policy], ...] = attrs.field(
        default=(), converter=_account_aws_managed
    )
    # Federation (WORLD.md): the account's OIDC providers by issuer, SAML providers by name.
    oidc_providers: tuple[OidcProvider, ...] = attrs.field(default=(), converter=_oidc_providers)
    saml_providers: tuple[SamlProvider, ...] = attrs.field(default=(), converter=_saml_providers)
    # The network perimeter (WORLD.md): the account's VPC endpoints by ID.
    vpc_endpoints: tuple[VpcEndpoint, ...] = attrs.field(default=(), converter=_vpc_endpoints)
    # The account's S3 Block Public Access settings (None: none set, every setting off).
    s3_block_public_access: BlockPublicAccess | None = attrs.field(
        default=None, converter=_optional_bpa
    )

    def oidc_provider(self, url: str) -> OidcProvider | None:
        """The OIDC provider registered for an issuer (without `https://`), else None."""
        return next((p for p in self.oidc_providers if p.url == url), None)

    def saml_provider(self, name: str) -> SamlProvider | None:
        """The SAML provider of that name, else None."""
        return next((p for p in self.saml_providers if p.name == name), None)
