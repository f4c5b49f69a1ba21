"""A request as the evaluator sees it: who calls (Caller), what, on what, and its context.

Context keys are case-insensitive (AWS compares condition key names without case)
while values keep their case. Values are carried as AWS carries them: a string,
or a tuple of strings for a multivalued key. A key AWS does not set is absent,
never an empty string, because absence changes operator results.
"""

from __future__ import annotations

import binascii
import datetime as _dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

import attrs

from iamsim.errors import ValidationError
from iamsim.frozen import builder

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "MULTIVALUED_KEYS",
    "Caller",
    "CallerKind",
    "Context",
    "ContextValue",
    "FederatedPrincipal",
    "Request",
    "as_utc",
    "bad_time",
    "caller_from_arn",
    "context_value",
    "format_time",
    "make_request",
]

ContextValue = str | tuple[str, ...]

CallerKind = Literal[
    "user", "role_session", "root", "service", "anonymous", "federated_user", "web_identity", "saml"
]

# Keys whose request value is a set (ArrayOf… in the Service Authorization Reference,
# "multivalued" in the global condition keys table). A single value given for one of
# these is still a one-element set.
MULTIVALUED_KEYS: frozenset[str] = frozenset(
    k.lower()
    for k in (
        "aws:TagKeys",
        "aws:CalledVia",
        "aws:PrincipalOrgPaths",
        "aws:ResourceOrgPaths",
        "aws:SourceOrgPaths",
        "aws:PrincipalServiceNamesList",
        "sts:TransitiveTagKeys",
        "dynamodb:Attributes",
        "kms:EncryptionContextKeys",
        "s3:RequestObjectTagKeys",
        "kms:GrantOperations",
        "iam:AWSServiceName",
        "organizations:PolicyType",
        "ec2:Attribute",
    )
)


# The years a request's clock may name (the CLI's `--now` takes the same range): late
# enough for epoch arithmetic, early enough that a session's expiry still fits a datetime.
MIN_YEAR, MAX_YEAR = 1970, 9000


def as_utc(now: _dt.datetime | None, what: str = "now") -> _dt.datetime:
    """A request's clock: `now` in UTC (naive means UTC), or the current time to the second.

    Raises `ValidationError` naming `what` for anything but a datetime in MIN_YEAR..MAX_YEAR.
    """
    if now is None:
        return _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    if not isinstance(now, _dt.datetime) or not MIN_YEAR <= now.year <= MAX_YEAR:
        raise bad_time(now, what)
    return now if now.tzinfo else now.replace(tzinfo=_dt.UTC)


def bad_time(value: object, what: str) -> ValidationError:
    """The error for a value that is not a datetime in MIN_YEAR..MAX_YEAR."""
    shown = repr(value) if isinstance(value, _dt.date) or value is None else type(value).__name__
    return ValidationError(
        f"{what} must be a datetime (naive means UTC) with a year in "
        f"{MIN_YEAR}..{MAX_YEAR}, not {shown}"
    )


@functools.lru_cache(maxsize=1024)
def format_time(moment: _dt.datetime) -> str:
    """A datetime as AWS writes `aws:CurrentTime`: ISO 8601 in UTC with a `Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scalar(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        try:
            return str(value)
        except ValueError:  # an int past Python's digit limit for str()
            raise ValidationError(
                f"context[{key!r}]: the number has too many digits for a condition value"
            ) from None
    if isinstance(value, _dt.datetime):
        return format_time(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        # IAM User Guide, Condition operators (Binary): BinaryEquals compares base64 text,
        # so bytes are carried as their base64 encoding.
        return binascii.b2a_base64(bytes(value), newline=False).decode("ascii")
    raise ValidationError(
        f"context[{key!r}]: unsupported value of type {type(value).__name__}; "
        "use a string, bool, number, datetime, bytes or a list of these"
    )


def context_value(key: str, value: object) -> ContextValue:
    """Normalise a Python value to how AWS carries it (bool → "true", bytes → base64 text,
    list → tuple)."""
    if type(value) is str and key.lower() not in MULTIVALUED_KEYS:
        return value
    if isinstance(value, list | tuple):
        return tuple(_scalar(key, v) for v in value)
    if isinstance(value, set | frozenset):  # no order of its own: sorted once normalised
        return tuple(sorted(_scalar(key, v) for v in value))
    scalar = _scalar(key, value)
    return (scalar,) if key.lower() in MULTIVALUED_KEYS else scalar


def _pair(item: object) -> tuple[object, object]:
    if isinstance(item, tuple | list) and len(item) == 2:
        return item[0], item[1]
    raise ValidationError(f"context: expected (key, value) pairs, not {type(item).__name__}")


class Context:
    """The request context: case-insensitive keys, AWS-shaped values. Immutable."""

    __slots__ = ("_index",)

    def __init__(self, entries: Iterable[tuple[str, ContextValue]] = ()) -> None:
        self._index: dict[str, tuple[str, ContextValue]] = {k.lower(): (k, v) for k, v in entries}

    @classmethod
    def of(cls, mapping: Mapping[str, object] | Iterable[tuple[str, object]] = ()) -> Context:
        """Build a context from Python values; later keys override earlier ones, ignoring case."""
        index: dict[str, tuple[str, ContextValue]] = {}
        _put(index, mapping)
        return cls.lowered(index)

    @classmethod
    def lowered(cls, index: dict[str, tuple[str, ContextValue]]) -> Context:
        """A context over an index its caller built in final form: each key lowered, mapped
        to its spelling and its value as AWS carries it (a string, or a tuple of strings
        for a multivalued key). The index is not copied: nothing may change it after."""
        ctx = _new(cls)
        ctx._index = index
        return ctx

    @property
    def entries(self) -> tuple[tuple[str, ContextValue], ...]:
        return tuple(self._index.values())

    def get(self, key: str) -> ContextValue | None:
        """The value of `key` (any case), or None when the request does not carry it."""
        # (An absent key finds _ABSENT, whose value is None: no test on every read.)
        return self._index.get(key.lower(), _ABSENT)[1]

    def name(self, key: str) -> str:
        """The key's spelling as set in the request (for reports)."""
        found = self._index.get(key.lower())
        return key if found is None else found[0]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._index.values())

    def __len__(self) -> int:
        return len(self._index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Context) and self._index == other._index

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Context({self.to_dict()!r})"

    @classmethod
    def chain(cls, *contexts: Context | Mapping[str, object]) -> Context:
        """One context from several (Contexts, or mappings of Python values as `of` takes
        them); later ones override earlier keys."""
        index: dict[str, tuple[str, ContextValue]] = {}
        for ctx in contexts:
            if isinstance(ctx, Context):
                index.update(ctx._index)
            else:
                _put(index, ctx)
        return cls.lowered(index)

    def extended(
        self, fixed: Context, more: Context | Mapping[str, object] | None = None
    ) -> Context:
        """`Context.chain(self, fixed, more)` (`more` left out when None or empty), the way
        each request builds its context: its clock's keys, the keys its scope fixes, and the
        call's own keys (a Context as a rule)."""
        index = self._index.copy()
        index.update(fixed._index)
        if isinstance(more, Context):
            index.update(more._index)
        elif more:
            _put(index, more)
        ctx = _new(Context)
        ctx._index = index
        return ctx

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self._index.values()}


def _put(
    index: dict[str, tuple[str, ContextValue]],
    mapping: Mapping[str, object] | Iterable[tuple[str, object]],
) -> None:
    """Add the keys of `mapping` to a context's index, lowered, their values normalised."""
    # (A dict is checked first: an ABC isinstance test is slow, and dicts are the norm.)
    if type(mapping) is dict or isinstance(mapping, Mapping):
        items: Iterable[Any] = mapping.items()
    elif isinstance(mapping, Iterable) and not isinstance(mapping, str | bytes):
        items = (_pair(item) for item in mapping)
    else:
        raise ValidationError(
            f"context must be a mapping of condition keys to values, not {type(mapping).__name__}"
        )
    for key, value in items:
        if not isinstance(key, str) or not key:
            shown = repr(key) if isinstance(key, str) else type(key).__name__
            raise ValidationError(f"context: key {shown} must be a non-empty string")
        lowered = key.lower()
        if type(value) is not str or lowered in MULTIVALUED_KEYS:
            value = context_value(key, value)
        index[lowered] = (key, value)


_new = object.__new__

# What `Context.get` finds for a key the request does not carry.
_ABSENT: tuple[str, None] = ("", None)


@attrs.frozen
class Caller:
    """The principal that signs a request, with what principal matching needs to know.

    `arn` is how AWS names the caller in errors (the session ARN for a role session);
    `principal_arn` is `aws:PrincipalArn` (the role ARN, with its path, for a session).
    """

    kind: CallerKind
    arn: str | None
    account: str | None
    principal_arn: str | None = None
    unique_id: str | None = None
    service: str | None = None
    has_boundary: bool = False
    service_linked: bool = False
    # A web-identity or SAML caller: the `Federated` principal that names its provider.
    provider: str | None = None

    @property
    def display(self) -> str:
        """How AWS names this caller in an error message."""
        if self.arn:
            return self.arn
        if self.provider is not None:
            return self.unique_id or self.provider
        return self.service or "anonymous"

    @classmethod
    def anonymous(cls) -> Caller:
        return cls(kind="anonymous", arn=None, account=None)

    @classmethod
    def for_service(cls, service: str) -> Caller:
        return cls(kind="service", arn=None, account=None, service=service)


@attrs.frozen
class FederatedPrincipal:
    """The caller of AssumeRoleWithWebIdentity or AssumeRoleWithSAML: a person or workload
    signed in with an identity provider, with no AWS account of its own.

    `provider` is how a trust policy's `Federated` principal names the provider (an IAM
    provider ARN, or a bare name such as `cognito-identity.amazonaws.com`); `subject` the
    user the provider vouches for (`sub`, or the SAML `NameID`). The claims' condition keys
    travel with the call (`AccessRequest.call_keys`), not here.
    """

    kind: Literal["web_identity", "saml"]
    provider: str
    subject: str

    def caller(self) -> Caller:
        """The caller as principal matching sees it: no ARN, no account, its provider."""
        return Caller(
            kind=self.kind,
            arn=None,
            account=None,
            unique_id=f"{_provider_host(self.provider)}:{self.subject}",
            provider=self.provider,
        )


def _provider_host(provider: str) -> str:
    """The provider as AWS prefixes its keys: `…:oidc-provider/HOST` → HOST."""
    for marker in (":oidc-provider/", ":saml-provider/"):
        if marker in provider:
            return provider.split(marker, 1)[1]
    return provider


@attrs.frozen
class Request:
    """One authorization question: caller, action, resource ARN and context."""

    caller: Caller
    action: str
    resource: str
    context: Context = attrs.Factory(Context)


make_request = builder(Request)
"""`Request(caller, action, resource, context)`, every field given (iamsim.frozen)."""


def caller_from_arn(arn: str, *, role_path: str = "/") -> Caller:
    """The caller an ARN (or a service principal name, or "anonymous") stands for.

    Raises `ValidationError` for text that names no principal that can sign a request.
    """
    if arn == "anonymous":
        return Caller.anonymous()
    if arn.endswith(".amazonaws.com") and not arn.startswith("arn:"):
        return Caller.for_service(arn)
    parts = arn.split(":", 5)
    if (
        len(parts) != 6
        or parts[0] != "arn"
        or not parts[1]
        or not (parts[4].isascii() and parts[4].isdigit() and len(parts[4]) == 12)
    ):
        raise ValidationError(
            f"{arn!r} is not a principal: expected an IAM user, role or root ARN, an "
            "assumed-role session ARN, a service principal name or 'anonymous'"
        )
    partition, service, account, resource = parts[1], parts[2], parts[4], parts[5]
    if service == "iam" and resource == "root":
        return Caller(kind="root", arn=arn, account=account, principal_arn=arn, unique_id=account)
    if service == "iam" and resource.startswith("user/"):
        return Caller(kind="user", arn=arn, account=account, principal_arn=arn)
    if service == "sts" and resource.startswith("assumed-role/") and resource.count("/") == 2:
        _, role, _session = resource.split("/")
        role_arn = f"arn:{partition}:iam::{account}:role{role_path}{role}"
        return Caller(kind="role_session", arn=arn, account=account, principal_arn=role_arn)
    if service == "sts" and resource.startswith("federated-user/"):
        return Caller(kind="federated_user", arn=arn, account=account, principal_arn=arn)
    raise ValidationError(
        f"{arn!r} cannot sign a request: use an IAM user, an assumed-role session "
        "(arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a root ARN, a service "
        "principal name or 'anonymous'"
    )
