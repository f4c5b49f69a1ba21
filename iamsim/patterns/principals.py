"""`Principal` elements: validation of each entry, and the matcher that names callers."""

from __future__ import annotations

import re

import attrs

from iamsim.errors import PolicyError, Problem, did_you_mean
from iamsim.model import Principal
from iamsim.patterns.arn import Arn, arn_problem, parse_arn
from iamsim.patterns.glob import _has_wildcard
from iamsim.request import Caller
from iamsim.trace import PrincipalMatch

__all__ = ["PRINCIPAL_TYPES", "PrincipalMatcher", "compile_principal", "principal_problem"]

PRINCIPAL_TYPES: tuple[str, ...] = ("AWS", "Service", "Federated", "CanonicalUser")

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_UNIQUE_ID = re.compile(r"A(?:IDA|ROA)[A-Z0-9]{12,}")
_CANONICAL_USER = re.compile(r"[0-9a-fA-F]{64}")
# Service principals: `name.amazonaws.com` (commercial), `.amazonaws.com.cn` (China),
# a few `.amazon.com` ones, and the ISO partitions' domains.
_SERVICE_PRINCIPAL = re.compile(
    r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\."
    r"(?:amazonaws\.com|amazonaws\.com\.cn|amazon\.com|c2s\.ic\.gov|sc2s\.sgov\.gov)"
)
_FEDERATED_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?:/[^\s*?]*)?")
_ROLE_NAME_PATH = re.compile(r"role(/[\x21-\x7e]*)?/[\w+=,.@-]+", re.ASCII)
_USER_NAME_PATH = re.compile(r"user(/[\x21-\x7e]*)?/[\w+=,.@-]+", re.ASCII)
_SESSION = re.compile(r"assumed-role/[\w+=,.@-]+/[\w+=,.@-]+", re.ASCII)
_FEDERATED_USER = re.compile(r"federated-user/[\w+=,.@-]+", re.ASCII)


def _aws_principal_kind(arn: Arn) -> str | None:
    """Which AWS principal an ARN names ("root", "user", …), None for anything else."""
    if arn.service == "iam":
        if arn.resource == "root":
            return "root"
        if _USER_NAME_PATH.fullmatch(arn.resource):
            return "user"
        if _ROLE_NAME_PATH.fullmatch(arn.resource):
            return "role"
    elif arn.service == "sts":
        if _SESSION.fullmatch(arn.resource):
            return "session"
        if _FEDERATED_USER.fullmatch(arn.resource):
            return "federated_user"
    return None


def principal_problem(kind: str, value: str) -> str | None:
    """Why one `Principal` entry (`{kind: value}`) is invalid, else None.

    IAM User Guide, "AWS JSON policy elements: Principal"
    (reference_policies_elements_principal.html).
    """
    if kind not in PRINCIPAL_TYPES:
        hint = did_you_mean(kind, PRINCIPAL_TYPES)
        known = ", ".join(f"`{t}`" for t in PRINCIPAL_TYPES)
        return f"unknown principal type `{kind}`: expected one of {known}" + (
            f"; {hint}" if hint else ""
        )
    if kind == "AWS":
        return _aws_principal_problem(value)
    if value == "*" or _has_wildcard(value):
        # Principal element: the only wildcard forms are "*" and {"AWS": "*"}.
        return (
            f"`{value}`: wildcards are not allowed in a `{kind}` principal; only "
            '`"Principal": "*"` or `{"AWS": "*"}` match everyone'
        )
    if kind == "Service":
        if not _SERVICE_PRINCIPAL.fullmatch(value):
            return (
                f"`{value}` is not a service principal: expected a name like "
                "`cloudtrail.amazonaws.com`"
            )
        return None
    if kind == "CanonicalUser":
        if not _CANONICAL_USER.fullmatch(value):
            return f"`{value}` is not a canonical user ID: expected 64 hexadecimal characters"
        return None
    # Federated: a SAML/OIDC provider ARN, or a web identity provider such as
    # `accounts.google.com`, `graph.facebook.com`, `cognito-identity.amazonaws.com`.
    if value.startswith("arn:"):
        arn = parse_arn(value)
        if (
            arn is None
            or arn_problem(value, allow_wildcards=False) is not None
            or arn.service != "iam"
            or not _ACCOUNT_ID.fullmatch(arn.account)
            or not arn.resource.startswith(("saml-provider/", "oidc-provider/"))
        ):
            return (
                f"`{value}` is not an identity provider: expected "
                "`arn:aws:iam::ACCOUNT:saml-provider/NAME`, "
                "`arn:aws:iam::ACCOUNT:oidc-provider/HOST` or a provider name like "
                "`accounts.google.com`"
            )
        return None
    if not _FEDERATED_HOST.fullmatch(value):
        return f"`{value}` is not an identity provider name (like `accounts.google.com`)"
    return None


_CLOUDFRONT_OAI = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "


def _aws_principal_problem(value: str) -> str | None:
    if value == "*" or _ACCOUNT_ID.fullmatch(value):
        return None
    if _UNIQUE_ID.fullmatch(value):
        # IAM shows a deleted user's/role's unique ID in place of its ARN; such an
        # entry is legal in a stored policy and matches no caller.
        return None
    if value.startswith(_CLOUDFRONT_OAI) and len(value) > len(_CLOUDFRONT_OAI):
        # CloudFront Developer Guide: a bucket policy may name an origin access identity as
        # `arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID`. It names a
        # CloudFront identity, never an IAM caller, so it matches nobody here.
        return None
    if _has_wildcard(value):
        # Principal element: "You cannot use a wildcard to match part of a principal
        # name or ARN."
        return (
            f"`{value}`: wildcards are not allowed in a principal; use "
            '`"Principal": "*"` with an `ArnLike` condition on `aws:PrincipalArn`'
        )
    arn = parse_arn(value)
    if arn is None or arn_problem(value, allow_wildcards=False) is not None:
        return (
            f"`{value}` is not an AWS principal: expected `*`, a 12-digit account ID, or the "
            "ARN of an account root, IAM user, IAM role, assumed-role session or "
            "federated user"
        )
    if arn.service == "iam" and arn.resource.startswith("group/"):
        return f"`{value}`: IAM groups cannot be principals (Principal element)"
    if not _ACCOUNT_ID.fullmatch(arn.account):
        return f"`{value}`: the account of a principal ARN must be a 12-digit account ID"
    if arn.region:
        return f"`{value}`: IAM and STS principal ARNs have no region"
    if _aws_principal_kind(arn) is None:
        return (
            f"`{value}` is not a principal ARN: expected `arn:aws:iam::ACCOUNT:root`, "
            "`…:user/NAME`, `…:role/NAME`, `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` "
            "or `…:federated-user/NAME`"
        )
    return None


@attrs.frozen
class PrincipalMatcher:
    """A compiled `Principal` element: says how (if at all) it names a caller.

    Match order, most specific first: session, user, federated_user, role, service,
    account, wildcard.
    """

    wildcard: bool = False
    accounts: frozenset[str] = frozenset()  # bare ids: any partition
    partition_accounts: frozenset[tuple[str, str]] = frozenset()  # from root ARNs
    users: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    sessions: frozenset[str] = frozenset()
    federated_users: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    federated: frozenset[str] = frozenset()

    def match(self, caller: Caller) -> PrincipalMatch | None:
        kind = caller.kind
        # Principal element: a user ARN names that user (name case-sensitive); a
        # session ARN names exactly that session; a role ARN names every session of
        # the role; a federated-user ARN names that federated user session.
        if kind == "role_session":
            if caller.arn in self.sessions:
                return "session"
            if caller.principal_arn in self.roles:
                return "role"
        elif kind == "user":
            if caller.arn in self.users:
                return "user"
        elif kind == "federated_user":
            if caller.arn in self.federated_users:
                return "federated_user"
        elif kind == "service" and caller.service in self.services:
            # Principal element: {"Service": "name.amazonaws.com"} names that service.
            return "service"
        elif kind in ("web_identity", "saml"):
            # Principal element, "Identity providers and federation": a web-identity or
            # SAML caller is named by its provider (`{"Federated": ARN or name}`), or by "*".
            if caller.provider in self.federated:
                return "federated"
            return "wildcard" if self.wildcard else None
        # Principal element: the account (bare id or `:root` ARN) stands for every
        # principal of that account, root included; it delegates to its IAM policies.
        account = caller.account
        if account is not None and (self.accounts or self.partition_accounts):
            if account in self.accounts:
                return "account"
            if self.partition_accounts and caller.arn:
                partition = caller.arn.split(":", 2)[1] if caller.arn.count(":") >= 2 else ""
                if (partition, account) in self.partition_accounts:
                    return "account"
        # Principal element: "*" and {"AWS": "*"} match everyone, anonymous included.
        if self.wildcard:
            return "wildcard"
        return None


def compile_principal(principal: Principal) -> PrincipalMatcher:
    """Compile a `Principal` element; raise `PolicyError` for a malformed entry.

    `Federated` entries name web-identity and SAML callers by their provider;
    `CanonicalUser` entries are validated but name no caller iamsim models.
    """
    if principal.wildcard:
        return PrincipalMatcher(wildcard=True)
    problems: list[Problem] = []
    wildcard = False
    accounts: set[str] = set()
    partition_accounts: set[tuple[str, str]] = set()
    buckets: dict[str, set[str]] = {
        "user": set(),
        "role": set(),
        "session": set(),
        "federated_user": set(),
    }
    services: set[str] = set()
    federated: set[str] = set()
    for kind, raw in principal.entries:
        for value in (raw,) if isinstance(raw, str) else raw:
            problem = principal_problem(kind, value)
            if problem is not None:
                problems.append(Problem("principal.invalid", kind, problem))
                continue
            if kind == "Service":
                services.add(value)
            if kind == "Federated":
                federated.add(value)
            if kind != "AWS":
                continue
            if value == "*":
                wildcard = True
            elif _ACCOUNT_ID.fullmatch(value):
                accounts.add(value)
            else:
                arn = parse_arn(value)
                which = _aws_principal_kind(arn) if arn is not None else None
                if arn is not None and which == "root":
                    partition_accounts.add((arn.partition, arn.account))
                elif which is not None:
                    buckets[which].add(value)
    if problems:
        raise PolicyError(problems)
    return PrincipalMatcher(
        wildcard=wildcard,
        accounts=frozenset(accounts),
        partition_accounts=frozenset(partition_accounts),
        users=frozenset(buckets["user"]),
        roles=frozenset(buckets["role"]),
        sessions=frozenset(buckets["session"]),
        federated_users=frozenset(buckets["federated_user"]),
        services=frozenset(services),
        federated=frozenset(federated),
    )
