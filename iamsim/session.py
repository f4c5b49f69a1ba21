"""RoleSession: the credentials an allowed AssumeRole hands back, usable as a caller.

A session keeps what AWS keeps for it: the role, the session name, its session
policies, session and transitive tags, source identity, MFA state, issue time
and expiry. The credentials are AWS-shaped but fake, and say so.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from typing import Any

import attrs

from iamsim.model import Policy
from iamsim.request import format_time
from iamsim.tags import Tags, as_tags

__all__ = ["RoleSession", "fake_credentials"]

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


@attrs.frozen
class RoleSession:
    """An assumed-role session; pass it as the caller of `simulate`/`assume_role` to chain."""

    role_arn: str
    session_name: str
    role_unique_id: str
    issued: _dt.datetime
    expiration: _dt.datetime
    session_policies: tuple[Policy, ...] = ()
    session_policy_arns: tuple[str, ...] = ()
    tags: Tags = attrs.field(factory=Tags, converter=as_tags)
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa_authenticated: bool = False
    mfa_time: _dt.datetime | None = None
    chained: bool = False
    # STS reports PackedPolicySize (percent of the allowed size) when session policies or
    # tags are passed; iamsim's figure is an estimate (see sts.py).
    packed_policy_size: int | None = attrs.field(default=None, eq=False)

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
        return {
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoleSession:
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
        )

    def _repr_html_(self) -> str:
        from iamsim.render.html import session_html

        return session_html(self)
