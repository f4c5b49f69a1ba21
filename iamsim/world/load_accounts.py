"""The world document's `accounts` → `Account`s with their users, groups, roles, resources."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from iamsim.errors import did_you_mean, join_path
from iamsim.model import Policy
from iamsim.world.load_checks import (
    _Checks,
    _choices,
    _is_reference,
    _key,
    _short,
    _type_name,
)
from iamsim.world.model import (
    Account,
    BlockPublicAccess,
    Group,
    OidcProvider,
    Quotas,
    Resource,
    Role,
    SamlProvider,
    User,
    VpcEndpoint,
)
from iamsim.world.names import ACCOUNT_ALIAS, ACCOUNT_ID, ARN_PARTS
from iamsim.world.quotas import TRUST_POLICY_DEFAULT, TRUST_POLICY_MAX

_MIN_SESSION, _MAX_SESSION = 3600, 43200  # CreateRole MaxSessionDuration
_MAX_DESCRIPTION = 1000  # CreateRole Description

_ACCOUNT_KEYS = (
    "alias",
    "scps",
    "rcps",
    "policies",
    "users",
    "groups",
    "roles",
    "resources",
    "quotas",
    "oidc_providers",
    "saml_providers",
    "vpc_endpoints",
    "s3_block_public_access",
)
# S3 Block Public Access, as WORLD.md spells PublicAccessBlockConfiguration's settings.
_BPA_KEYS = (
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
)
_ENDPOINT_KEYS = ("vpc", "service", "policy")
_S3_BUCKET = re.compile(r"arn:aws[a-z-]*:s3:::[^/]+")
# Amazon EC2 API Reference, VpcEndpoint and Vpc: IDs are `vpce-`/`vpc-` and 8 or 17
# hexadecimal digits.
_VPCE_ID = re.compile(r"vpce-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_VPC_ID = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})")
# A service name as CreateVpcEndpoint takes it (com.amazonaws.us-east-1.s3), or its short
# form (s3): lowercase letters, digits, dots and hyphens.
_SERVICE_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_OIDC_KEYS = ("client_ids", "thumbprints")
# IAM API Reference, CreateOpenIDConnectProvider: the URL (255 characters at most, here
# without its `https://`), up to 100 client IDs of 1-255 characters, thumbprints of 40 hex
# digits; CreateSAMLProvider: a name of 1-128 characters from `[\w._-]`.
_OIDC_URL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?(?:/[\x21-\x7e]*)?")
_THUMBPRINT = re.compile(r"[0-9A-Fa-f]{40}")
_SAML_NAME = re.compile(r"[\w._-]{1,128}", re.ASCII)
_QUOTA_KEYS = ("role_trust_policy_length",)
_USER_KEYS = ("path", "policies", "groups", "permissions_boundary", "tags")
_GROUP_KEYS = ("path", "policies")
_ROLE_KEYS = (
    "path",
    "trust_policy",
    "policies",
    "permissions_boundary",
    "max_session_duration",
    "tags",
    "description",
)
_RESOURCE_KEYS = ("policy", "tags", "aws_managed", "block_public_access")


class _AccountsParser(_Checks):
    """The `accounts` part of the world parser: each account, its IAM entities and resources."""

    def accounts(self, value: Any) -> dict[str, tuple[str, Mapping[Any, Any]]]:
        """Account id → (path, body) for every well-formed entry of `accounts`."""
        mapping = self.optional_mapping(value, "accounts", "accounts")
        out: dict[str, tuple[str, Mapping[Any, Any]]] = {}
        for key, body in mapping.items():
            path = _key("accounts", key)
            account_id = self.account_id(key, path)
            if account_id is None:
                continue
            if account_id in out:  # YAML `111111111111` and `"111111111111"`
                self.add("account.duplicate", path, f"account {account_id} is listed twice")
                continue
            out[account_id] = (path, self.optional_mapping(body, path, "an account"))
        return out

    def account(self, account_id: str, path: str, body: Mapping[Any, Any]) -> Account | None:
        self.check_keys(body, _ACCOUNT_KEYS, path, "an account")
        alias = body.get("alias")
        if alias is not None:
            alias = self.string(alias, join_path(path, "alias"), "alias")
            if alias is not None and not ACCOUNT_ALIAS.fullmatch(alias):
                self.add(
                    "account.alias",
                    join_path(path, "alias"),
                    f"invalid account alias {_short(alias)}",
                    "an alias is 3-63 lowercase letters, digits and hyphens, "
                    "not starting or ending with a hyphen",
                )
                alias = None

        policies: list[tuple[str, Policy]] = []
        names: list[tuple[str, str]] = []
        section = join_path(path, "policies")
        for name, doc in self.items(
            self.optional_mapping(body.get("policies"), section, "policies"),
            section,
            "a policy name",
        ):
            where = _key(section, name)
            self.iam_name(name, where, "policy")
            names.append((where, name))
            if not self.check_document_type(doc, where):
                continue
            parsed = self.document(doc, where, "identity")
            if parsed is not None:
                policies.append((name, parsed))
        self.unique_names(names, "policy")

        groups = self.entities(body, path, "groups", "group", self.group, account_id)
        group_names = {g.name for g in groups}
        users = self.entities(body, path, "users", "user", self.user, account_id, group_names)
        roles = self.entities(body, path, "roles", "role", self.role, account_id)
        resources = self.resources(body.get("resources"), join_path(path, "resources"), account_id)
        return Account(
            id=account_id,
            alias=alias,
            policies=tuple(policies),
            users=tuple(users),
            groups=tuple(groups),
            roles=tuple(roles),
            resources=tuple(resources),
            quotas=self.quotas(body.get("quotas"), join_path(path, "quotas")),
            oidc_providers=self.oidc_providers(
                body.get("oidc_providers"), join_path(path, "oidc_providers")
            ),
            saml_providers=self.saml_providers(
                body.get("saml_providers"), join_path(path, "saml_providers")
            ),
            vpc_endpoints=self.vpc_endpoints(
                body.get("vpc_endpoints"), join_path(path, "vpc_endpoints")
            ),
            s3_block_public_access=self.block_public_access(
                body.get("s3_block_public_access"), join_path(path, "s3_block_public_access")
            ),
        )

    def block_public_access(self, value: Any, path: str) -> BlockPublicAccess | None:
        """S3 Block Public Access settings: each true or false, a setting not given off."""
        if value is None:
            return None
        body = self.optional_mapping(value, path, "Block Public Access settings")
        self.check_keys(body, _BPA_KEYS, path, "Block Public Access settings")
        flags: dict[str, bool] = {}
        for key in _BPA_KEYS:
            raw = body.get(key, False)
            if not isinstance(raw, bool):
                self.add(
                    "value.type",
                    join_path(path, key),
                    f"{key} must be true or false, not {_type_name(raw)}",
                )
                continue
            flags[key] = raw
        return BlockPublicAccess(**flags)

    def vpc_endpoints(self, value: Any, path: str) -> tuple[VpcEndpoint, ...]:
        """`vpc_endpoints`: endpoint ID → its VPC, service and endpoint policy."""
        out = []
        for vpce, raw in self.items(
            self.optional_mapping(value, path, "vpc_endpoints"), path, "a VPC endpoint ID"
        ):
            where = _key(path, vpce)
            body = self.optional_mapping(raw, where, "a VPC endpoint")
            self.check_keys(body, _ENDPOINT_KEYS, where, "a VPC endpoint")
            ok = True
            if not _VPCE_ID.fullmatch(vpce):
                self.add(
                    "vpce.id",
                    where,
                    f"invalid VPC endpoint ID {_short(vpce)}",
                    "vpce- and 8 or 17 lowercase hexadecimal digits",
                )
                ok = False
            vpc = body.get("vpc")
            if vpc is None:
                self.add("vpce.vpc", where, "a VPC endpoint needs its vpc (vpc-…)")
                ok = False
            elif not isinstance(vpc, str) or not _VPC_ID.fullmatch(vpc):
                self.add(
                    "vpce.vpc",
                    join_path(where, "vpc"),
                    f"invalid VPC ID {_short(vpc) if isinstance(vpc, str) else _type_name(vpc)}",
                    "vpc- and 8 or 17 lowercase hexadecimal digits",
                )
                ok = False
            service = body.get("service")
            if service is not None and (
                not isinstance(service, str) or not _SERVICE_NAME.fullmatch(service)
            ):
                shown = _short(service) if isinstance(service, str) else _type_name(service)
                self.add(
                    "vpce.service",
                    join_path(where, "service"),
                    f"invalid service name {shown}",
                    "a service as the endpoint names it: s3, or com.amazonaws.us-east-1.s3",
                )
                ok = False
            # An endpoint policy is a resource-based policy: it must name its Principal
            # (PrivateLink Guide, endpoint policy considerations).
            policy = self.resource_document(body, where, "an endpoint policy")
            if ok and isinstance(vpc, str):
                out.append(VpcEndpoint(id=vpce, vpc=vpc, service=service, policy=policy))
        return tuple(out)

    def oidc_providers(self, value: Any, path: str) -> tuple[OidcProvider, ...]:
        """`oidc_providers`: issuer (without https://) → client IDs and thumbprints."""
        out = []
        for url, raw in self.items(
            self.optional_mapping(value, path, "oidc_providers"), path, "an issuer URL"
        ):
            where = _key(path, url)
            if url.lower().startswith(("https://", "http://")):
                self.add(
                    "oidc.url",
                    where,
                    f"the issuer {_short(url)} is written with its scheme",
                    "key OIDC providers by issuer without https:// (host, plus path for EKS)",
                )
                continue
            if len(url) > 255 - len("https://") or not _OIDC_URL.fullmatch(url):
                self.add(
                    "oidc.url",
                    where,
                    f"{_short(url)} is not an issuer URL without https://",
                    "a host name, then an optional path: token.actions.githubusercontent.com, "
                    "oidc.eks.REGION.amazonaws.com/id/ID",
                )
                continue
            body = self.optional_mapping(raw, where, "an OIDC provider")
            self.check_keys(body, _OIDC_KEYS, where, "an OIDC provider")
            ids = self.provider_strings(body, where, "client_ids", "client ID", 100)
            prints = self.provider_strings(body, where, "thumbprints", "thumbprint", 5)
            for i, thumbprint in enumerate(prints):
                if not _THUMBPRINT.fullmatch(thumbprint):
                    self.add(
                        "oidc.thumbprint",
                        f"{join_path(where, 'thumbprints')}[{i}]",
                        f"{_short(thumbprint)} is not a thumbprint (40 hexadecimal digits)",
                    )
            out.append(OidcProvider(url=url, client_ids=tuple(ids), thumbprints=tuple(prints)))
        return tuple(out)

    def provider_strings(
        self, body: Mapping[Any, Any], where: str, key: str, what: str, most: int
    ) -> list[str]:
        """A provider's list of strings (client IDs, thumbprints), at most `most` of them."""
        raw = body.get(key)
        if raw is None:
            return []
        pairs = self.string_list(raw, join_path(where, key), f"{key}") or []
        if len(pairs) > most:
            self.add(
                "oidc.count", join_path(where, key), f"at most {most} {what}s, not {len(pairs)}"
            )
        for item_path, text in pairs:
            if not 1 <= len(text) <= 255:
                self.add("oidc.length", item_path, f"a {what} has 1 to 255 characters")
        return [text for _, text in pairs]

    def saml_providers(self, value: Any, path: str) -> tuple[SamlProvider, ...]:
        """`saml_providers`: name → {} (the name of the provider ARN)."""
        out = []
        for name, raw in self.items(
            self.optional_mapping(value, path, "saml_providers"), path, "a SAML provider name"
        ):
            where = _key(path, name)
            if not _SAML_NAME.fullmatch(name):
                self.add(
                    "saml.name",
                    where,
                    f"invalid SAML provider name {_short(name)}",
                    "1 to 128 letters, digits and . _ -",
                )
                continue
            body = self.optional_mapping(raw, where, "a SAML provider")
            self.check_keys(body, (), where, "a SAML provider")
            out.append(SamlProvider(name=name))
        return tuple(out)

    def quotas(self, value: Any, path: str) -> Quotas:
        """The account's adjustable quotas (IAM and AWS STS quotas, "Default quotas for IAM
        entities": a role trust policy holds 2,048 characters, raised up to 4,096)."""
        body = self.optional_mapping(value, path, "quotas")
        self.check_keys(body, _QUOTA_KEYS, path, "quotas")
        raw = body.get("role_trust_policy_length")
        if raw is None:
            return Quotas()
        where = join_path(path, "role_trust_policy_length")
        if not isinstance(raw, int) or isinstance(raw, bool):
            shown = _short(raw) if isinstance(raw, float) else _type_name(raw)
            self.add("value.type", where, f"a number of characters, not {shown}")
        elif not TRUST_POLICY_DEFAULT <= raw <= TRUST_POLICY_MAX:
            self.add(
                "value.range",
                where,
                f"role_trust_policy_length {raw} is outside "
                f"{TRUST_POLICY_DEFAULT}..{TRUST_POLICY_MAX}",
                "AWS grants a role trust policy length of 2,048 characters by default and "
                "4,096 at most",
            )
        else:
            return Quotas(role_trust_policy_length=int(raw))
        return Quotas()

    def entities(
        self,
        body: Mapping[Any, Any],
        path: str,
        section: str,
        kind: str,
        build: Callable[..., Any],
        *args: Any,
    ) -> list[Any]:
        where = join_path(path, section)
        out: list[Any] = []
        names: list[tuple[str, str]] = []
        for name, value in self.items(
            self.optional_mapping(body.get(section), where, section), where, f"a {kind} name"
        ):
            entity_path = _key(where, name)
            self.iam_name(name, entity_path, kind)
            names.append((entity_path, name))
            entity_body = self.optional_mapping(value, entity_path, f"a {kind}")
            entity = build(name, entity_path, entity_body, *args)
            if entity is not None:
                out.append(entity)
        self.unique_names(names, kind)
        return out

    def user(
        self, name: str, path: str, body: Mapping[Any, Any], account_id: str, group_names: set[str]
    ) -> User | None:
        self.check_keys(body, _USER_KEYS, path, "a user")
        iam_path = self.iam_path(body.get("path"), join_path(path, "path"))
        policies = self.policy_list(body.get("policies"), join_path(path, "policies"), "identity")
        groups: list[str] = []
        if body.get("groups") is not None:
            where = join_path(path, "groups")
            for item_path, group in self.string_list(body["groups"], where, "groups") or []:
                if group in group_names:
                    groups.append(group)
                else:
                    self.add(
                        "group.unknown",
                        item_path,
                        f"account {account_id} has no group {_short(group)}",
                        did_you_mean(group, group_names) or _choices("groups", group_names),
                    )
        boundary = self.boundary(body.get("permissions_boundary"), path)
        tags = self.tags(body.get("tags"), join_path(path, "tags"))
        return User(
            arn=f"arn:aws:iam::{account_id}:user{iam_path}{name}",
            policies=policies,
            groups=tuple(groups),
            permissions_boundary=boundary,
            tags=tags,
        )

    def group(self, name: str, path: str, body: Mapping[Any, Any], account_id: str) -> Group:
        self.check_keys(body, _GROUP_KEYS, path, "a group")
        iam_path = self.iam_path(body.get("path"), join_path(path, "path"))
        policies = self.policy_list(body.get("policies"), join_path(path, "policies"), "identity")
        return Group(arn=f"arn:aws:iam::{account_id}:group{iam_path}{name}", policies=policies)

    def role(self, name: str, path: str, body: Mapping[Any, Any], account_id: str) -> Role | None:
        self.check_keys(body, _ROLE_KEYS, path, "a role")
        iam_path = self.iam_path(body.get("path"), join_path(path, "path"))
        trust: Policy | str | None = None
        if body.get("trust_policy") is None:
            self.add(
                "key.missing",
                join_path(path, "trust_policy"),
                "a role needs a trust policy",
                "add `trust_policy: {...}`",
            )
        else:
            trust = self.policy_item(body["trust_policy"], join_path(path, "trust_policy"), "trust")
            if isinstance(trust, str):
                # A trust policy is part of the role itself: AWS has no managed trust policy.
                self.add(
                    "value.type",
                    join_path(path, "trust_policy"),
                    "a trust policy must be a document, not a reference to a managed policy",
                )
                trust = None
        policies = self.policy_list(body.get("policies"), join_path(path, "policies"), "identity")
        boundary = self.boundary(body.get("permissions_boundary"), path)
        duration = _MIN_SESSION
        raw = body.get("max_session_duration")
        if raw is not None:
            where = join_path(path, "max_session_duration")
            if not isinstance(raw, int) or isinstance(raw, bool):
                shown = _short(raw) if isinstance(raw, float) else _type_name(raw)
                self.add(
                    "value.type",
                    where,
                    f"max_session_duration must be a whole number of seconds, not {shown}",
                )
            elif not _MIN_SESSION <= raw <= _MAX_SESSION:
                self.add(
                    "value.range",
                    where,
                    f"max_session_duration {raw} is outside {_MIN_SESSION}..{_MAX_SESSION}",
                    "AWS allows 1 to 12 hours, in seconds",
                )
            else:
                duration = int(raw)
        description = body.get("description")
        if description is not None:
            where = join_path(path, "description")
            text = self.string(description, where, "description")
            if text is not None and len(text) > _MAX_DESCRIPTION:
                self.add(
                    "value.range",
                    where,
                    f"a role description is at most {_MAX_DESCRIPTION} characters",
                )
        tags = self.tags(body.get("tags"), join_path(path, "tags"))
        if trust is None:
            return None
        return Role(
            arn=f"arn:aws:iam::{account_id}:role{iam_path}{name}",
            trust_policy=trust,
            policies=policies,
            permissions_boundary=boundary,
            max_session_duration=duration,
            tags=tags,
        )

    def boundary(self, value: Any, path: str) -> Policy | str | None:
        if value is None:
            return None
        return self.policy_item(value, join_path(path, "permissions_boundary"), "boundary")

    def resources(self, value: Any, path: str, account_id: str) -> list[Resource]:
        out: list[Resource] = []
        for arn, raw in self.items(
            self.optional_mapping(value, path, "resources"), path, "a resource ARN"
        ):
            where = _key(path, arn)
            body = self.optional_mapping(raw, where, "a resource")
            self.check_keys(body, _RESOURCE_KEYS, where, "a resource")
            match = ARN_PARTS.fullmatch(arn)
            owner = account_id
            if match is None:
                self.add(
                    "resource.arn",
                    where,
                    f"malformed resource ARN {_short(arn)}",
                    "an ARN looks like arn:aws:service:region:account:resource",
                )
            elif match["account"]:
                if not ACCOUNT_ID.fullmatch(match["account"]):
                    self.add(
                        "resource.arn",
                        where,
                        f"the account field {_short(match['account'])} of the ARN is not 12 digits",
                    )
                elif match["account"] != account_id:
                    self.add(
                        "resource.account",
                        where,
                        f"the resource belongs to account {match['account']} (its ARN says "
                        f"so) but is listed under account {account_id}",
                        f"move it under accounts.{match['account']}.resources",
                    )
            policy = self.resource_document(body, where, "a resource policy")
            aws_managed = body.get("aws_managed", False)
            if not isinstance(aws_managed, bool):
                self.add(
                    "value.type",
                    join_path(where, "aws_managed"),
                    f"aws_managed must be true or false, not {_type_name(aws_managed)}",
                )
                aws_managed = False
            elif aws_managed and match is not None and match["service"] != "kms":
                self.add(
                    "resource.aws_managed",
                    join_path(where, "aws_managed"),
                    "only KMS keys can be AWS managed",
                )
            tags = self.tags(body.get("tags"), join_path(where, "tags"))
            bpa = self.block_public_access(
                body.get("block_public_access"), join_path(where, "block_public_access")
            )
            if bpa is not None and not _S3_BUCKET.fullmatch(arn):
                self.add(
                    "resource.block_public_access",
                    join_path(where, "block_public_access"),
                    "only an S3 bucket (arn:aws:s3:::NAME) has Block Public Access settings",
                )
                bpa = None
            out.append(
                Resource(
                    arn=arn,
                    account=owner,
                    policy=policy,
                    tags=tags,
                    aws_managed=aws_managed,
                    block_public_access=bpa,
                )
            )
        return out

    def resource_document(self, body: Mapping[Any, Any], where: str, what: str) -> Policy | None:
        """The resource-based policy `body["policy"]` (None when absent), which must be a
        document, not a reference: `what` names it in the problem otherwise."""
        doc = body.get("policy")
        if doc is None:
            return None
        if isinstance(doc, str | Mapping) and not _is_reference(doc):
            return self.document(doc, join_path(where, "policy"), "resource")
        self.add(
            "value.type",
            join_path(where, "policy"),
            f"{what} must be a document (a mapping or JSON text), not {_type_name(doc)}",
        )
        return None

    def duplicate_resources(
        self, built: tuple[Account | None, ...], accounts: dict[str, tuple[str, Mapping[Any, Any]]]
    ) -> None:
        """A resource has one owner: the same ARN under two accounts is an error."""
        owners: dict[str, str] = {}
        for account in built:
            if account is None:
                continue
            for resource in account.resources:
                match = ARN_PARTS.fullmatch(resource.arn)
                if match is None or (match["account"] and match["account"] != account.id):
                    continue  # already reported
                first = owners.setdefault(resource.arn, account.id)
                if first != account.id:
                    where = _key(join_path(accounts[account.id][0], "resources"), resource.arn)
                    self.add(
                        "resource.duplicate",
                        where,
                        f"the resource is also listed under account {first}",
                        "a resource has exactly one owning account",
                    )
