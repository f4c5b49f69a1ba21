"""RoleSession: the credentials an allowed AssumeRole hands back, usable as a caller.

A session keeps what AWS keeps for it: the role, the session name, its session
policies, session and transitive tags, source identity, MFA state, issue time
and expiry, and the identity provider of a web identity session. The credentials
are AWS-shaped but fake, and say so.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Callable
from typing import Any

import attrs

from iamsim.errors import ValidationError
from iamsim.frozen import builder
from iamsim.model import Policy
from iamsim.request import format_time
from iamsim.tags import Tags, as_tags

__all__ = ["Minting", "RoleSession", "fake_credentials", "make_role_session"]

SIMULATED = "IAMSIM-SIMULATED"


def fake_credentials(
    session_arn: str, issued: _dt.datetime, expires: _dt.datetime
) -> dict[str, str]:
    """AWS-shaped credentials that cannot be mistaken for real ones."""
    digest = hashlib.sha256(f"{session_arn}|{format_time(issued)}".encode()).hexdigest().upper()
    return {
        "AccessKeyId": "ASIA" + digest[:16],
        "SecretAccessKey": f"{SIMULATED}/{digest[16:40]}",
        "SessionToken": f"{SIMULATED}-session-token-{digest[40:64].lower()}",
        "Expiration": expires.astimezone(_dt.UTC).isoformat(),
    }


def _session_tags(value: Any) -> Tags:
    """Converter: session tags (string keys and values)."""
    return as_tags(value, "RoleSession.tags")


def _shown(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _is_utc_time(value: Any) -> bool:
    return isinstance(value, _dt.datetime) and value.tzinfo is not None


def _checked(session: RoleSession) -> dict[str, Any]:
    """The slow path of `RoleSession`'s checks: the field at fault named, or the fields
    to normalise (naive datetimes → UTC, lists → tuples)."""
    fixed: dict[str, Any] = {}
    arn = session.role_arn
    if not (isinstance(arn, str) and arn.count(":") >= 5 and ":role/" in arn):
        shown = repr(arn)[:80] if isinstance(arn, str) else _shown(arn)
        raise ValidationError(
            f"RoleSession.role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), "
            f"not {shown}"
        )
    for name in ("session_name", "role_unique_id"):
        value = getattr(session, name)
        if not isinstance(value, str) or not value:
            raise ValidationError(
                f"RoleSession.{name} must be a non-empty string, not {_shown(value)}"
            )
    for name in ("issued", "expiration", "mfa_time"):
        value = getattr(session, name)
        if value is None and name == "mfa_time":
            continue
        if not isinstance(value, _dt.datetime):
            raise ValidationError(
                f"RoleSession.{name} must be a datetime (naive means UTC), not {_shown(value)}"
            )
        fixed[name] = value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    for name, kind in (
        ("session_policies", Policy),
        ("session_policy_arns", str),
        ("transitive_tag_keys", str),
    ):
        value = getattr(session, name)
        if not isinstance(value, tuple | list):
            raise ValidationError(
                f"RoleSession.{name} must be a tuple of {kind.__name__}, not {_shown(value)}"
            )
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                hint = (
                    " (parse a document with iamsim.Policy.from_json(doc, kind='session'))"
                    if kind is Policy
                    else ""
                )
                raise ValidationError(
                    f"RoleSession.{name}[{i}] must be a {kind.__name__}, not {_shown(item)}{hint}"
                )
        fixed[name] = tuple(value)
    if session.source_identity is not None and not isinstance(session.source_identity, str):
        raise ValidationError(
            f"RoleSession.source_identity must be a string or None, "
            f"not {_shown(session.source_identity)}"
        )
    for name in ("mfa_authenticated", "chained"):
        if not isinstance(getattr(session, name), bool):
            raise ValidationError(
                f"RoleSession.{name} must be True or False, not {_shown(getattr(session, name))}"
            )
    provider = session.federated_provider
    if provider is not None and (not isinstance(provider, str) or not provider):
        raise ValidationError(
            f"RoleSession.federated_provider must be a non-empty string or None, "
            f"not {_shown(provider) if not isinstance(provider, str) else 'an empty string'}"
        )
    size = session.packed_policy_size
    if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
        raise ValidationError(
            f"RoleSession.packed_policy_size must be an int or None, not {_shown(size)}"
        )
    return fixed


@attrs.frozen
class RoleSession:
    """An assumed-role session; pass it as the caller of `simulate`/`assume_role` to chain."""

    role_arn: str
    session_name: str
    role_unique_id: str
    issued: _dt.datetime  # naive means UTC (stored in UTC)
    expiration: _dt.datetime  # likewise
    session_policies: tuple[Policy, ...] = ()
    session_policy_arns: tuple[str, ...] = ()
    tags: Tags = attrs.field(factory=Tags, converter=_session_tags)
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa_authenticated: bool = False
    mfa_time: _dt.datetime | None = None  # likewise
    chained: bool = False
    # STS reports PackedPolicySize (percent of the allowed size) when session policies or
    # tags are passed; iamsim's figure is an estimate (see sts.py).
    packed_policy_size: int | None = attrs.field(default=None, eq=False)
    # aws:FederatedProvider of the session's later calls: the IAM OIDC provider's ARN, or
    # `cognito-identity.amazonaws.com`, for a session from AssumeRoleWithWebIdentity (IAM
    # User Guide, "AWS global condition context keys"); None for every other session, a
    # chained one included. Last, so positional builder calls need not name it.
    federated_provider: str | None = None

    def __attrs_post_init__(self) -> None:
        # One cheap test per field; `_checked` names the field at fault, or normalises
        # (naive → UTC). STS mints its sessions with `make_role_session` instead.
        if (
            type(self.role_arn) is str
            and ":role/" in self.role_arn
            and type(self.session_name) is str
            and self.session_name
            and type(self.role_unique_id) is str
            and self.role_unique_id
            and _is_utc_time(self.issued)
            and _is_utc_time(self.expiration)
            and (self.mfa_time is None or _is_utc_time(self.mfa_time))
            and type(self.session_policies) is tuple
            and (not self.session_policies or all(type(p) is Policy for p in self.session_policies))
            and type(self.session_policy_arns) is tuple
            and (
                not self.session_policy_arns
                or all(type(a) is str for a in self.session_policy_arns)
            )
            and type(self.transitive_tag_keys) is tuple
            and (
                not self.transitive_tag_keys
                or all(type(k) is str for k in self.transitive_tag_keys)
            )
            and (self.source_identity is None or type(self.source_identity) is str)
            and type(self.mfa_authenticated) is bool
            and type(self.chained) is bool
            and (self.packed_policy_size is None or type(self.packed_policy_size) is int)
            and (
                self.federated_provider is None
                or (type(self.federated_provider) is str and self.federated_provider != "")
            )
            and self.role_arn.count(":") >= 5
        ):
            return
        for name, value in _checked(self).items():
            object.__setattr__(self, name, value)

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def arn(self) -> str:
        """`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` (the role path is not included)."""
        partition = self.role_arn.split(":")[1]
        return (
            f"arn:{partition}:sts::{self.account}:assumed-role/{self.role_name}/{self.session_name}"
        )

    @property
    def assumed_role_id(self) -> str:
        return f"{self.role_unique_id}:{self.session_name}"

    @property
    def credentials(self) -> dict[str, str]:
        return fake_credentials(self.arn, self.issued, self.expiration)

    @property
    def transitive_tags(self) -> tuple[tuple[str, str], ...]:
        keys = {k.lower() for k in self.transitive_tag_keys}
        return tuple((k, v) for k, v in self.tags.items() if k.lower() in keys)

    def to_aws_dict(self) -> dict[str, Any]:
        """What `aws sts assume-role` prints for this session."""
        out: dict[str, Any] = {
            "Credentials": self.credentials,
            "AssumedRoleUser": {"AssumedRoleId": self.assumed_role_id, "Arn": self.arn},
        }
        if self.packed_policy_size is not None:
            out["PackedPolicySize"] = self.packed_policy_size
        if self.source_identity:
            out["SourceIdentity"] = self.source_identity
        return out

    def to_dict(self) -> dict[str, Any]:
        """The session as JSON (`from_dict` reads it back); `federated_provider` only when
        set, as a session from AssumeRoleWithWebIdentity has it."""
        out: dict[str, Any] = {
            "arn": self.arn,
            "role_arn": self.role_arn,
            "session_name": self.session_name,
            "assumed_role_id": self.assumed_role_id,
            "issued": format_time(self.issued),
            "expiration": format_time(self.expiration),
            "credentials": self.credentials,
            "session_policies": [p.to_dict() for p in self.session_policies],
            "session_policy_arns": list(self.session_policy_arns),
            "tags": dict(self.tags),
            "transitive_tag_keys": list(self.transitive_tag_keys),
            "source_identity": self.source_identity,
            "mfa_authenticated": self.mfa_authenticated,
            "mfa_time": None if self.mfa_time is None else format_time(self.mfa_time),
            "chained": self.chained,
            "packed_policy_size": self.packed_policy_size,
        }
        if self.federated_provider is not None:
            out["federated_provider"] = self.federated_provider
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoleSession:
        """The session `to_dict` describes; `ValidationError` for anything else."""
        try:
            return cls._from_dict(data)
        except KeyError as exc:
            raise ValidationError(
                f"RoleSession.from_dict: required field {exc.args[0]!r} is missing"
            ) from None
        except (TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ValidationError(
                f"RoleSession.from_dict: malformed record ({str(exc)[:120]})"
            ) from None

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> RoleSession:
        def when(text: str) -> _dt.datetime:
            return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

        return cls(
            role_arn=data["role_arn"],
            session_name=data["session_name"],
            role_unique_id=data["assumed_role_id"].split(":", 1)[0],
            issued=when(data["issued"]),
            expiration=when(data["expiration"]),
            session_policies=tuple(Policy.from_json(p) for p in data.get("session_policies", ())),
            session_policy_arns=tuple(data.get("session_policy_arns", ())),
            tags=data.get("tags", {}),
            transitive_tag_keys=tuple(data.get("transitive_tag_keys", ())),
            source_identity=data.get("source_identity"),
            mfa_authenticated=bool(data.get("mfa_authenticated")),
            mfa_time=when(data["mfa_time"]) if data.get("mfa_time") else None,
            chained=bool(data.get("chained")),
            packed_policy_size=data.get("packed_policy_size"),
            federated_provider=data.get("federated_provider"),
        )

    def _repr_html_(self) -> str:
        from iamsim.render.html import session_html

        return session_html(self)


make_role_session = builder(RoleSession)
"""A session from values already in their final form (STS's, after its own checks):
`RoleSession(...)`'s signature, with `tags` as `Tags` (iamsim.frozen)."""

# A session not minted yet: STS hands `authorize` this instead of the session, and the
# decision mints it when its `session` is first read (only an allowed call has one).
Minting = Callable[[], RoleSession]
