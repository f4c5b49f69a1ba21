"""The caller's own context keys, checked once per request against the keys' documented types.

    checked_context(context) -> the context as a `Context` (ValidationError for a value AWS
                                would never send for a documented key)

AWS sets the request context itself, so a documented key only ever carries a value of its
documented type: `aws:SourceIp` an IP address, `s3:max-keys` a number, `aws:TokenIssueTime` a
date ("AWS global condition context keys", reference_policies_condition-keys.html, and each
service's "Condition keys" table in the Service Authorization Reference give the types). A
value of another kind (`NaN`, `1.2.3.4/33`, `2019-02-29`) describes no request AWS could
receive, so iamsim refuses it rather than answer a question AWS is never asked; a policy
holding the same text is refused too (`condition.value.*`). A key AWS does not document has
no type to check: an operator that cannot read its value takes the least permissive reading
(`CompiledCondition`).

Only the keys the caller passes are checked, never those iamsim fills in itself; each key's
type is looked up once (`MEMO_BOUND` keys are remembered).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from iamsim.conditions.values import (
    read_arn,
    read_base64,
    read_bool,
    read_date,
    read_ip_address,
    read_number,
)
from iamsim.errors import ValidationError
from iamsim.limits import MEMO_BOUND
from iamsim.reference import condition_key_type
from iamsim.request import Context, context_value

__all__ = ["checked_context", "value_problem"]

# A documented type → (a reader, None for a value it cannot be; what it expects). Types not
# listed here (String and any type AWS may add) take any text, but not bytes. `ArrayOf…`
# types check each value against the element type.
_READERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "numeric": (read_number, "an integer or decimal number"),
    "date": (read_date, "a W3C ISO 8601 date or epoch seconds"),
    "bool": (read_bool, "`true` or `false`"),
    "ipaddress": (read_ip_address, "an IPv4 or IPv6 address"),
    "arn": (read_arn, "an ARN with six colon-separated parts"),
    "binary": (read_base64, "base64 text or Python bytes"),
}


@functools.lru_cache(maxsize=MEMO_BOUND)
def _key_type(lowered: str) -> tuple[str, str] | None:
    """The documented type of a key and its element type, lowered (`ArrayOfARN` → `arn`);
    None when AWS documents no such key."""
    kind = condition_key_type(lowered)
    return None if kind is None else (kind, kind.removeprefix("ArrayOf").lower())


def _has_bytes(value: object) -> bool:
    if isinstance(value, bytes | bytearray):
        return True
    return isinstance(value, list | tuple | set | frozenset) and any(
        isinstance(v, bytes | bytearray) for v in value
    )


def value_problem(key: str, value: object) -> str | None:
    """Why `value` (a Python value, as `context=` takes it) cannot be what AWS sends for the
    documented `key`; None when it can, or when AWS does not document the key."""
    typed = _key_type(key.lower())
    if typed is None:
        return None
    kind, element = typed
    read, expected = _READERS.get(element, (None, "text"))
    if _has_bytes(value):
        if element == "binary":
            return None
        shown = "bytes"
    elif read is None:
        return None  # String, and any type AWS may add: any text
    else:
        normalised = context_value(key, value)
        values = (normalised,) if isinstance(normalised, str) else normalised
        bad = next((v for v in values if read(v) is None), None)
        if bad is None:
            return None
        shown = repr(bad)
    return (
        f"context[{key!r}]: {shown} is not a value AWS sends for {key}, which AWS documents "
        f"as {kind}: expected {expected}"
    )


def checked_context(context: Mapping[str, object] | Context | None) -> Context | None:
    """The caller's context as a `Context`, once: `ValidationError` naming the key and its
    documented type for the first value AWS would never send."""
    if not context:
        return None
    items = context.to_dict().items() if isinstance(context, Context) else context.items()
    for key, value in items:
        if isinstance(key, str):  # other keys: Context.of says what is wrong with them
            problem = value_problem(key, value)
            if problem is not None:
                raise ValidationError(problem)
    return context if isinstance(context, Context) else Context.of(context)
