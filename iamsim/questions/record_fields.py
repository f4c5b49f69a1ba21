"""Reading a CloudTrail record's fields (CloudTrail User Guide, "CloudTrail record
contents"): an object, a string, a duration, each checked and named by its JSON path when
it has the wrong type. `why` and `why_federated` read records through these alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamsim.errors import ValidationError

__all__ = ["NOTE_PREFIX", "ROLE_SESSION_NAME", "duration_seconds", "field", "string"]

NOTE_PREFIX = "The replay"
"""Every note `why` adds starts with these words."""

ROLE_SESSION_NAME = "iamsim-why"
"""The session name of a replayed STS call whose evidence carries none."""


def field(record: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    """The object `record[name]` (empty when absent); `where` is `record`'s JSON path."""
    value = record.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}.{name}: expected an object, not {type(value).__name__}")
    return value


def string(record: Mapping[str, Any], name: str, where: str) -> str | None:
    """The string `record[name]`, or None when absent."""
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where}.{name}: expected a string, not {type(value).__name__}")
    return value


def duration_seconds(params: Mapping[str, Any], where: str) -> int | None:
    """`durationSeconds` of a record's `requestParameters`: an integer number of seconds
    (CloudTrail writes the request's parameter as a JSON number), or None when absent."""
    value = params.get("durationSeconds")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"{where}.durationSeconds: expected an integer number of seconds, not {value!r}"
        )
    return value
