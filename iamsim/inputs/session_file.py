"""A saved session, read back: what `iamsim assume-role --output json` wrote, as a caller.

`simulate --session FILE` must act as the session that AssumeRole minted, with its MFA,
tags, source identity and session policies, exactly as the Python API's `RoleSession`
does; a session ARN alone would be simulated as a fresh session without them. Three
shapes are told apart: the decision document (`Decision.to_dict`, its `session` member),
a bare session (`RoleSession.to_dict`), and what `aws sts assume-role` prints
(`--output aws`), which is refused: it carries no MFA, no session tags and no session
policies, so acting on it could allow what the real session may not do.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from iamsim.errors import IamsimError, ValidationError, one_line
from iamsim.model import Policy
from iamsim.session import RoleSession

__all__ = ["SessionFileError", "session_from_data"]


class SessionFileError(ValidationError):
    """A session file that cannot be read as a session; `problems` has one line each, every
    one naming the file and the JSON path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems), code="InvalidSessionFile")


def _type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", int: "a number", float: "a number"}.get(
        type(value), "a list" if isinstance(value, list) else "an object"
    )


def _time(value: str) -> _dt.datetime | None:
    try:
        moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# Each field of `RoleSession.to_dict`: the JSON type it must have, and whether it is required.
_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("role_arn", "string", True),
    ("session_name", "string", True),
    ("assumed_role_id", "string", True),
    ("issued", "time", True),
    ("expiration", "time", True),
    ("session_policies", "list", False),
    ("session_policy_arns", "strings", False),
    ("tags", "tags", False),
    ("transitive_tag_keys", "strings", False),
    ("source_identity", "string", False),
    ("mfa_authenticated", "bool", False),
    ("mfa_time", "time", False),
    ("chained", "bool", False),
    ("packed_policy_size", "int", False),
    ("federated_provider", "string", False),
)

_WANTED = {
    "string": "a string",
    "time": "an ISO 8601 time with its zone (2026-01-01T00:00:00Z)",
    "list": "a list of session policy documents",
    "strings": "a list of strings",
    "tags": "an object of tag keys to string values",
    "bool": "true or false",
    "int": "a number",
}


def _fits(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str) and bool(value)
    if kind == "time":
        return isinstance(value, str) and _time(value) is not None
    if kind == "list":
        return isinstance(value, list)
    if kind == "strings":
        return isinstance(value, list) and all(isinstance(x, str) for x in value)
    if kind == "tags":
        return isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool)


def _session_problems(data: Mapping[str, Any], where: str) -> list[str]:
    """Every problem of a `RoleSession.to_dict` record, each with its JSON path."""
    problems: list[str] = []
    for name, kind, required in _FIELDS:
        path = f"{where}.{name}" if where else name
        if name not in data:
            if required:
                problems.append(f"{path}: required, and missing")
            continue
        value = data[name]
        if value is None and not required:
            continue
        if not _fits(value, kind):
            problems.append(f"{path}: expected {_WANTED[kind]}, not {_type(value)}")
    for i, doc in enumerate(data.get("session_policies") or ()):
        try:
            Policy.from_json(doc, kind="session")
        except IamsimError as exc:
            prefix = f"{where}.session_policies[{i}]" if where else f"session_policies[{i}]"
            problems.append(f"{prefix}: not a session policy: {one_line(str(exc))}")
    role_id = data.get("assumed_role_id")
    if not problems and isinstance(role_id, str) and ":" not in role_id:
        path = f"{where}.assumed_role_id" if where else "assumed_role_id"
        problems.append(f"{path}: expected ROLEID:SESSIONNAME")
    return problems


def session_from_data(data: object, source: str) -> RoleSession:
    """The session a saved document describes; `SessionFileError` naming `source` and the
    JSON path of every problem, or saying why the document holds no usable session."""

    def fail(*lines: str) -> SessionFileError:
        return SessionFileError([f"{source}: {line}" for line in lines])

    if not isinstance(data, Mapping):
        raise fail(f"expected a JSON object, not {_type(data)}")
    if "Credentials" in data or "AssumedRoleUser" in data:
        raise fail(
            "this is what `aws sts assume-role` prints (`--output aws`): it carries no MFA, "
            "no session tags and no session policies, so the session cannot be replayed "
            "faithfully; save it with `iamsim assume-role --output json` instead"
        )
    where = ""
    record: Any = data
    if "schema" in data or "outcome" in data:  # a decision document
        record = data.get("session")
        where = "session"
        if record is None:
            outcome = data.get("outcome")
            raise fail(
                f"session: the decision holds no session (its outcome is {outcome!r}): only "
                "an allowed assume-role decision has one"
            )
        if not isinstance(record, Mapping):
            raise fail(f"session: expected an object, not {_type(record)}")
    problems = _session_problems(record, where)
    if problems:
        raise fail(*problems)
    try:
        session = RoleSession.from_dict(dict(record))
    except IamsimError as exc:
        raise fail(f"{where or '(document)'}: {one_line(str(exc))}") from None
    arn = record.get("arn")
    if isinstance(arn, str) and arn != session.arn:
        path = f"{where}.arn" if where else "arn"
        raise fail(f"{path}: {arn} is not the ARN of the session it describes ({session.arn})")
    return session
