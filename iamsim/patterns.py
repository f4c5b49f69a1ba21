"""IAM wildcards and ARN matching, compiled once. The only module that compiles regexes.

`*` matches any run of characters (including none) and `?` exactly one. A pattern
is given as pieces `(text, literal)`: literal pieces (from `${*}`, `${?}` or a
substituted policy variable) never act as wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import attrs

from iamsim.conditions.ast import Template
from iamsim.conditions.syntax import parse_template
from iamsim.errors import PolicyError, Problem, did_you_mean
from iamsim.model import Principal
from iamsim.request import Caller, Context
from iamsim.trace import PrincipalMatch

__all__ = [
    "PRINCIPAL_TYPES",
    "ActionMatcher",
    "Arn",
    "Glob",
    "Pieces",
    "PrincipalMatcher",
    "ResourceMatcher",
    "action_problem",
    "arn_problem",
    "compile_actions",
    "compile_glob",
    "compile_principal",
    "compile_resources",
    "glob_match",
    "parse_arn",
    "principal_problem",
]

Pieces = Sequence[tuple[str, bool]]
"""A pattern as `(text, literal)` pieces; see the module docstring."""


def _regex_source(pieces: Iterable[tuple[str, bool]]) -> str:
    out: list[str] = []
    for text, literal in pieces:
        if literal:
            out.append(re.escape(text))
            continue
        for ch in text:
            out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return "".join(out)


@attrs.frozen
class Glob:
    """A precompiled wildcard pattern; `match` is a whole-string match."""

    source: str
    ignore_case: bool
    _regex: re.Pattern[str] = attrs.field(eq=False, repr=False)

    def match(self, text: str) -> bool:
        return self._regex.fullmatch(text) is not None


def compile_glob(pieces: Pieces | str, *, ignore_case: bool = False) -> Glob:
    """Compile a wildcard pattern (a plain string, or pieces) to a reusable `Glob`."""
    if isinstance(pieces, str):
        pieces = ((pieces, False),)
    source = "".join(text for text, _ in pieces)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return Glob(source, ignore_case, re.compile(_regex_source(pieces), flags))


def glob_match(pieces: Pieces, text: str, *, ignore_case: bool = False) -> bool:
    """Match `text` against a wildcard pattern without compiling anything.

    Used for patterns that only exist per request (after variable substitution),
    so that evaluation never builds a regex. Classic greedy `*` with backtracking.
    """
    tokens: list[str | None] = []  # a character, "*" as None-marker below
    for piece, literal in pieces:
        for ch in piece:
            if not literal and ch == "*":
                if not tokens or tokens[-1] is not None:
                    tokens.append(None)
            elif not literal and ch == "?":
                tokens.append("")  # any one character
            else:
                tokens.append(ch.lower() if ignore_case else ch)
    if ignore_case:
        text = text.lower()
    t = p = 0
    star_p = star_t = -1
    while t < len(text):
        if p < len(tokens) and tokens[p] is not None and (tokens[p] == "" or tokens[p] == text[t]):
            t += 1
            p += 1
        elif p < len(tokens) and tokens[p] is None:
            star_p, star_t = p, t
            p += 1
        elif star_p >= 0:
            star_t += 1
            t = star_t
            p = star_p + 1
        else:
            return False
    while p < len(tokens) and tokens[p] is None:
        p += 1
    return p == len(tokens)


# --------------------------------------------------------------------------- ARNs

_ARN_FORMAT = "`arn:partition:service:region:account:resource`"
_SEGMENT_NAMES = ("partition", "service", "region", "account")
# Lower-case letters, digits and dashes: every partition, service prefix, region and
# account field AWS issues ("aws-us-gov", "s3-object-lambda", "us-east-1", "aws").
_SEGMENT_CHARS = re.compile(r"[a-z0-9-]*")
_PATTERN_SEGMENT_CHARS = re.compile(r"[a-z0-9*?-]*")


@attrs.frozen
class Arn:
    """An ARN split into its fields; `resource` is everything after the fifth colon.

    IAM User Guide, "IAM identifiers" (reference_identifiers.html): ARNs have the form
    `arn:partition:service:region:account-id:resource`, and the resource part may
    itself contain `:` and `/`.
    """

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn | None:
    """Split an ARN into its six parts; None when `text` is not `arn:` plus five colons."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def arn_problem(text: str, *, allow_wildcards: bool) -> str | None:
    """Why `text` is not a well-formed ARN (or, with `allow_wildcards`, ARN pattern); else None.

    Rules (IAM User Guide, "IAM JSON policy elements: Resource",
    reference_policies_elements_resource.html):
    - `*` alone is the pattern for every resource;
    - `*` and `?` may appear in any segment except the service;
    - a pattern may stop before the sixth part only when its last character is `*`
      ("If the * wildcard is the last character of a resource ARN segment, it can
      expand to match beyond the colon boundaries"), e.g. `arn:aws:logs:*`;
    - policy variables only in the resource part (IAM User Guide, "IAM policy
      elements: Variables and tags", reference_policies_variables.html).
    Without `allow_wildcards`, `*`/`?` are rejected in the first five parts only:
    the resource part of a real ARN may contain them (an S3 key `a*b`).
    """
    if text == "*":
        return None if allow_wildcards else "`*` is not an ARN"
    expected = f"expected {_ARN_FORMAT}" + (" or `*`" if allow_wildcards else "")
    parts = text.split(":", 5)
    if parts[0] != "arn" or len(parts) < 3:
        return f"`{text}` is not an ARN: {expected}"
    if len(parts) < 6 and not (allow_wildcards and parts[-1].endswith("*")):
        return (
            f"`{text}` has {len(parts)} of the 6 colon-separated parts of an ARN "
            f"({_ARN_FORMAT})"
            + ("; only a pattern ending in `*` may stop early" if allow_wildcards else "")
        )
    for name, segment in zip(_SEGMENT_NAMES, parts[1:5], strict=False):
        if "${" in segment:
            return (
                f"`{text}`: policy variables are allowed only in the resource part of an ARN "
                f"(after the fifth colon), not in the {name}"
            )
        if _has_wildcard(segment) and (name == "service" or not allow_wildcards):
            where = "the service part of an ARN pattern" if name == "service" else "an ARN"
            return (
                f"`{text}`: wildcards (`*`, `?`) are not allowed in {where} "
                f"(the {name} `{segment}`)"
            )
        if not (_PATTERN_SEGMENT_CHARS if allow_wildcards else _SEGMENT_CHARS).fullmatch(segment):
            return (
                f"`{text}`: the {name} `{segment}` may only contain lower-case letters, "
                "digits and `-`"
            )
        if name in ("partition", "service") and not segment:
            return f"`{text}`: the {name} part of an ARN must not be empty; {expected}"
    if len(parts) == 6 and not parts[5]:
        return f"`{text}`: the resource part of an ARN (after the fifth colon) must not be empty"
    return None


def _segment_source(segment: str) -> str:
    """Regex for one of partition/region/account: wildcards never cross a colon.

    IAM User Guide, "IAM JSON policy elements: Resource": "You can use wildcard
    characters (* and ?) within any ARN segment (the parts separated by colons)".
    """
    out: list[str] = []
    for ch in segment:
        out.append("[^:]*" if ch == "*" else "[^:]" if ch == "?" else re.escape(ch))
    return "".join(out)


def _resource_problem(value: str) -> PolicyError:
    message = arn_problem(value, allow_wildcards=True) or value
    return PolicyError(Problem("resource.invalid", "", message))


@attrs.frozen
class _VariablePattern:
    """An ARN pattern whose resource part holds policy variables, rendered per request."""

    prefix: re.Pattern[str]  # matches `arn:partition:service:region:account:` (.match)
    template: Template


@attrs.frozen(eq=False)
class ResourceMatcher:
    """Compiled `Resource`/`NotResource` values: does any of them cover a resource?

    `match` returns `(matched, missing)`: `missing` lists the variable keys (without a
    default) that the request lacks, from patterns that therefore matched nothing; it
    is empty when the resource matched.
    """

    values: tuple[str, ...]
    match_all: bool
    _static: re.Pattern[str] | None = attrs.field(repr=False)
    _variable: tuple[_VariablePattern, ...] = attrs.field(repr=False)

    def match(self, resource: str, context: Context) -> tuple[bool, tuple[str, ...]]:
        # "*" matches every resource (IAM User Guide, Resource element). A request made
        # against "*" (an action without resource-level permissions) is covered only by
        # a policy `*`: a statement naming specific ARNs does not cover it (IAM User
        # Guide, Resource element; Service Authorization Reference, "Resource types").
        if self.match_all:
            return True, ()
        if resource.count(":") < 5:
            return False, ()
        if self._static is not None and self._static.fullmatch(resource) is not None:
            return True, ()
        missing: list[str] = []
        for pattern in self._variable:
            head = pattern.prefix.match(resource)
            if head is None:
                continue
            pieces = pattern.template.render(context)
            if pieces is None:
                # IAM User Guide, Variables: a variable without a default whose key is
                # absent makes the resource pattern match nothing.
                for var in pattern.template.variables:
                    absent = var.default is None and not isinstance(context.get(var.key), str)
                    if absent and var.key not in missing:
                        missing.append(var.key)
                continue
            if glob_match(pieces, resource[head.end() :]):
                return True, ()
        return False, tuple(missing)


def compile_resources(values: tuple[str, ...], *, substitute: bool) -> ResourceMatcher:
    """Compile `Resource`/`NotResource` values (raise `PolicyError` for a malformed one).

    `substitute`: the policy is `Version: 2012-10-17`, so `${…}` in the resource part
    are policy variables; otherwise the text is literal (IAM User Guide, Variables:
    "policy variables are not processed" without Version 2012-10-17).
    All regex work happens here; matching never compiles.
    """
    sources: list[str] = []
    variable: list[_VariablePattern] = []
    match_all = False
    for value in values:
        if value == "*":
            match_all = True
            continue
        if arn_problem(value, allow_wildcards=True) is not None:
            raise _resource_problem(value)
        parts = value.split(":", 5)
        head = "arn:" + "".join(_segment_source(p) + ":" for p in parts[1:5])
        if len(parts) < 6:
            # IAM User Guide, Resource element: a `*` that is the last character of a
            # segment "can expand to match beyond the colon boundaries", so
            # `arn:aws:logs:*` covers every logs ARN. A short pattern is only valid
            # when it ends in `*` (arn_problem), and then its tail `*` eats the rest.
            body = [_segment_source(p) for p in parts[1:]]
            body[-1] = _segment_source(parts[-1].rstrip("*"))
            sources.append("arn:" + ":".join(body) + ".*")
            continue
        resource = parts[5]
        if substitute and "${" in resource:
            template = parse_template(resource)
            if not template.is_literal:
                variable.append(_VariablePattern(re.compile(head), template))
                continue
            pieces: Pieces = template.render(Context()) or ()
        else:
            pieces = ((resource, False),)
        # IAM User Guide, Resource element: in the resource part `*` matches any run
        # of characters, `/` and `:` included (`bucket/*/test/*` matches
        # `bucket/1/2/test/3/x`). Compared case-sensitively (S3 keys are).
        sources.append(head + _regex_source(pieces))
    static = None
    if sources:
        static = re.compile("|".join(f"(?:{s})" for s in sources), re.DOTALL)
    return ResourceMatcher(tuple(values), match_all, static, tuple(variable))


# ------------------------------------------------------------------------ actions

_ACTION_PREFIX = re.compile(r"[A-Za-z0-9-]+")
_ACTION_NAME = re.compile(r"[A-Za-z0-9_.*?-]+")


def action_problem(text: str) -> str | None:
    """Why `text` is not a valid `Action`/`NotAction` value, else None.

    IAM User Guide, "IAM JSON policy elements: Action": values are `*` or
    `service-prefix:action-name`; wildcards are allowed in the action name.
    """
    if text == "*":
        return None
    if ":" not in text:
        return (
            f"`{text}` is not an action: expected `service:ActionName` (like `s3:GetObject`) or `*`"
        )
    prefix, name = text.split(":", 1)
    if _has_wildcard(prefix):
        return f"`{text}`: wildcards are not allowed in the service prefix `{prefix}`"
    if not _ACTION_PREFIX.fullmatch(prefix):
        return f"`{text}`: the service prefix `{prefix}` may only contain letters, digits and `-`"
    if not name:
        return f"`{text}`: the action name after `{prefix}:` is empty"
    if not _ACTION_NAME.fullmatch(name):
        return (
            f"`{text}`: the action name `{name}` may only contain letters, digits, `_`, `.`, "
            "`-` and the wildcards `*` and `?`"
        )
    return None


@attrs.frozen(eq=False)
class ActionMatcher:
    """Compiled `Action`/`NotAction` values: one case-insensitive regex for all of them."""

    values: tuple[str, ...]
    match_all: bool
    _regex: re.Pattern[str] | None = attrs.field(repr=False)

    def matches(self, action: str) -> bool:
        if self.match_all:
            return True
        return self._regex is not None and self._regex.fullmatch(action) is not None


def compile_actions(values: tuple[str, ...]) -> ActionMatcher:
    """Compile `Action`/`NotAction` values; raise `PolicyError` for a malformed one.

    IAM User Guide, "IAM JSON policy elements: Action": prefixes and action names are
    case-insensitive (`iam:ListAccessKeys` ≡ `IAM:listaccesskeys`); `*` and `?` may
    appear anywhere in the action name; `"*"` alone is every action.
    """
    sources: list[str] = []
    match_all = False
    for value in values:
        problem = action_problem(value)
        if problem is not None:
            raise PolicyError(Problem("action.invalid", "", problem))
        if value == "*":
            match_all = True
            continue
        sources.append(_regex_source(((value, False),)))
    regex = None
    if sources:
        regex = re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE | re.DOTALL)
    return ActionMatcher(tuple(values), match_all, regex)


# --------------------------------------------------------------------- principals

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
_ROLE_NAME_PATH = re.compile(r"role(/[\x21-\x7e]*)?/[\w+=,.@-]+")
_USER_NAME_PATH = re.compile(r"user(/[\x21-\x7e]*)?/[\w+=,.@-]+")
_SESSION = re.compile(r"assumed-role/[\w+=,.@-]+/[\w+=,.@-]+")
_FEDERATED_USER = re.compile(r"federated-user/[\w+=,.@-]+")


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

    `Federated` and `CanonicalUser` entries are validated but name no caller iamsim
    models (web-identity callers and S3 canonical users), so they never match.
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
    for kind, raw in principal.entries:
        for value in (raw,) if isinstance(raw, str) else raw:
            problem = principal_problem(kind, value)
            if problem is not None:
                problems.append(Problem("principal.invalid", kind, problem))
                continue
            if kind == "Service":
                services.add(value)
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
    )
