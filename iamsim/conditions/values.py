"""Readers for condition values: numbers, dates, booleans, IP addresses, base64, ARNs.

Every reader returns None for text it cannot read (the caller decides whether that is
a policy error or a non-matching request value). None of them uses `re`: evaluation
must never compile a regular expression (iamsim.patterns is the only package that does).

Sources (AWS IAM User Guide, "IAM JSON policy elements: Condition operators",
reference_policies_elements_condition_operators.html — cited below as [OPS]).
"""

from __future__ import annotations

import binascii
import calendar
import datetime as _dt
import ipaddress
from decimal import Decimal, InvalidOperation

from iamsim.model import ConditionScalar

__all__ = [
    "IpNetwork",
    "key_problem",
    "policy_text",
    "read_arn",
    "read_base64",
    "read_bool",
    "read_date",
    "read_ip_address",
    "read_ip_network",
    "read_number",
]

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_DIGITS = frozenset("0123456789")


def policy_text(value: ConditionScalar) -> str:
    """A policy value as text; JSON booleans and numbers are read as AWS reads them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value


def _all_digits(text: str) -> bool:
    return bool(text) and all(c in _DIGITS for c in text)


# --- Numeric ----------------------------------------------------------------------------------
# [OPS] "Numeric condition operators": integer or decimal values; "10.0" equals 10.


def read_number(text: str) -> Decimal | None:
    """`[+-]digits[.digits]` (or `.digits`) as an exact decimal; None otherwise."""
    body = text[1:] if text[:1] in ("+", "-") else text
    whole, dot, frac = body.partition(".")
    if not whole and not frac:
        return None
    if whole and not _all_digits(whole):
        return None
    if dot and frac and not _all_digits(frac):
        return None
    if dot and not frac and not whole:
        return None
    try:
        return Decimal(text if not text.endswith(".") else text[:-1])
    except InvalidOperation:  # pragma: no cover - guarded by the checks above
        return None


# --- Date -------------------------------------------------------------------------------------
# [OPS] "Date condition operators": W3C ISO 8601 profiles (YYYY, YYYY-MM, YYYY-MM-DD,
# YYYY-MM-DDThh:mmTZD, YYYY-MM-DDThh:mm:ssTZD, YYYY-MM-DDThh:mm:ss.sTZD) or epoch (UNIX) time.
# Instants are compared in UTC. Design decision: a string of exactly four digits is the
# W3C `YYYY` profile (a year), every other all-digit string is epoch seconds.


def _int(text: str, lo: int, hi: int) -> int | None:
    if len(text) != 2 or not _all_digits(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def _tz_offset(text: str) -> int | None:
    """Seconds east of UTC for a W3C TZD (`Z`, `+hh:mm`, `-hh:mm`)."""
    if text == "Z":
        return 0
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    hours, minutes = _int(text[1:3], 0, 23), _int(text[4:6], 0, 59)
    if hours is None or minutes is None:
        return None
    sign = 1 if text[0] == "+" else -1
    return sign * (hours * 3600 + minutes * 60)


def read_date(text: str) -> Decimal | None:
    """The instant `text` names, as seconds since the epoch (UTC); None if unreadable."""
    if _all_digits(text) and len(text) != 4:
        return Decimal(int(text))  # epoch seconds
    date_part, sep, time_part = text.partition("T")
    if len(date_part) not in (4, 7, 10) or not _all_digits(date_part[:4]):
        return None
    year = int(date_part[:4])
    month = day = 1
    if len(date_part) >= 7:
        if date_part[4] != "-":
            return None
        m = _int(date_part[5:7], 1, 12)
        if m is None:
            return None
        month = m
    if len(date_part) == 10:
        if date_part[7] != "-":
            return None
        d = _int(date_part[8:10], 1, 31)
        if d is None:
            return None
        day = d
    hour = minute = second = 0
    fraction = Decimal(0)
    offset = 0
    if sep:
        if len(date_part) != 10:
            return None
        # split off the time-zone designator
        if time_part.endswith("Z"):
            clock, tzd = time_part[:-1], "Z"
        else:
            clock, tzd = time_part[:-6], time_part[-6:]
        tz = _tz_offset(tzd)
        if tz is None:
            return None
        offset = tz
        clock, dot, frac = clock.partition(".")
        fields = clock.split(":")
        if len(fields) not in (2, 3):
            return None
        if dot and (len(fields) != 3 or not _all_digits(frac)):
            return None
        h, mi = _int(fields[0], 0, 23), _int(fields[1], 0, 59)
        s = _int(fields[2], 0, 59) if len(fields) == 3 else 0
        if h is None or mi is None or s is None:
            return None
        hour, minute, second = h, mi, s
        if dot:
            fraction = Decimal("0." + frac)
    try:
        moment = _dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return Decimal(calendar.timegm(moment.timetuple()) - offset) + fraction


# --- Bool / Null --------------------------------------------------------------------------------
# [OPS] "Boolean condition operators": "true" or "false". Case is read insensitively
# (reference §3.3, [INF]).


def read_bool(text: str) -> bool | None:
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


# --- Binary -------------------------------------------------------------------------------------
# [OPS] "Binary condition operators": BinaryEquals compares the request's bytes with the
# base64-encoded policy value. Request values are carried as base64 text too (as
# SimulatePrincipalPolicy's `binary` context entries are).


def read_base64(text: str) -> bytes | None:
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


# --- IP -----------------------------------------------------------------------------------------
# [OPS] "IP address condition operators": IPv4 or IPv6 CIDR; a bare address means /32
# (IPv6: /128).


def read_ip_network(text: str) -> IpNetwork | None:
    if not text or text.strip() != text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def read_ip_address(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


# --- ARN ----------------------------------------------------------------------------------------
# [OPS] "Amazon Resource Name (ARN) condition operators": the six colon-delimited parts are
# compared separately; the sixth part is everything after the fifth colon.


def read_arn(text: str) -> tuple[str, ...] | None:
    parts = tuple(text.split(":", 5))
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts


# --- Keys ---------------------------------------------------------------------------------------
# Condition keys are `prefix:name`, possibly with a tag key (`aws:PrincipalTag/team`); tag keys
# may hold letters, digits, spaces and `_ . : / = + - @` (IAM User Guide, "Tagging IAM
# resources"). Anything else (`$`, `{`, `*`, quotes, control characters) cannot be part of one.

_KEY_PUNCTUATION = frozenset("_.:/=+-@ ")


def key_problem(key: str) -> str | None:
    """Why `key` cannot be a condition key, or None when it can."""
    if not key or not key.strip():
        return "condition key is empty"
    if key.strip() != key:
        return f"condition key `{key}` has leading or trailing whitespace"
    for ch in key:
        if not (ch.isalnum() or ch in _KEY_PUNCTUATION):
            return f"condition key `{key}` contains `{ch}`, which a condition key cannot contain"
    return None
