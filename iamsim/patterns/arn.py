"""ARNs: splitting one into its fields, and saying why a text is not an ARN (pattern)."""

from __future__ import annotations

import re

import attrs

from iamsim.patterns.glob import _has_wildcard

__all__ = ["VARIABLE_SEGMENTS", "Arn", "arn_problem", "arn_segments", "parse_arn"]

_ARN_FORMAT = "`arn:partition:service:region:account:resource`"
_SEGMENT_NAMES = ("partition", "service", "region", "account")
# The fields before the resource part that may hold policy variables (see `arn_problem`).
VARIABLE_SEGMENTS = frozenset({"account"})
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


def _variable_end(text: str, opening: int) -> int:
    """The index just after the `}` closing the `${` at `opening` (a quoted default may hold
    `}` or `:`), or -1 when it is not closed."""
    at = opening + 2
    while at < len(text):
        if text[at] == "'":
            at = text.find("'", at + 1)
            if at < 0:
                return -1
        elif text[at] == "}":
            return at + 1
        at += 1
    return -1


def arn_segments(text: str, *, variables: bool) -> list[str]:
    """`text` split at its first five colons, as `str.split(":", 5)`; with `variables` (a
    2012-10-17 policy), a colon inside a policy variable (`${aws:PrincipalAccount}`) does
    not split."""
    if not variables or "${" not in text:
        return text.split(":", 5)
    parts: list[str] = []
    start = at = 0
    while len(parts) < 5:
        colon = text.find(":", at)
        if colon < 0:
            break
        opening = text.find("${", at, colon)
        end = -1 if opening < 0 else _variable_end(text, opening)
        if end > 0:
            at = end
            continue
        parts.append(text[start:colon])
        start = at = colon + 1
    parts.append(text[start:])
    return parts


def _without_variables(segment: str) -> str:
    """The segment's own text, each `${…}` taken out (for the character checks)."""
    out: list[str] = []
    at = 0
    while (opening := segment.find("${", at)) >= 0:
        end = _variable_end(segment, opening)
        if end < 0:
            break
        out.append(segment[at:opening])
        at = end
    out.append(segment[at:])
    return "".join(out)


def arn_problem(text: str, *, allow_wildcards: bool, variables: bool = False) -> str | None:
    """Why `text` is not a well-formed ARN (or, with `allow_wildcards`, ARN pattern); else None.

    Rules (IAM User Guide, "IAM JSON policy elements: Resource",
    reference_policies_elements_resource.html):
    - `*` alone is the pattern for every resource;
    - `*` and `?` may appear in any segment except the service;
    - a pattern may stop before the sixth part only when its last character is `*`
      ("If the * wildcard is the last character of a resource ARN segment, it can
      expand to match beyond the colon boundaries"), e.g. `arn:aws:logs:*`;
    - policy variables (with `variables`: a 2012-10-17 policy) in the resource part, as
      the IAM User Guide, "IAM policy elements: Variables and tags"
      (reference_policies_variables.html) says, and in the account field, as AWS's own
      managed policy AmazonTimestreamInfluxDBServiceRolePolicy does
      (`arn:*:kms:*:${aws:PrincipalAccount}:key/*`); never in the partition, the service
      or the region;
    - the resource part may be empty in a pattern, as in AWS's managed policy
      AmazonDevOpsGuruOrganizationsAccess (`arn:aws:organizations::*:`), unless the region
      and account are empty too: `arn:aws:s3:::` names nothing at all.
    Without `allow_wildcards`, `*`/`?` are rejected in the first five parts only:
    the resource part of a real ARN may contain them (an S3 key `a*b`).
    """
    if text == "*":
        return None if allow_wildcards else "`*` is not an ARN"
    expected = f"expected {_ARN_FORMAT}" + (" or `*`" if allow_wildcards else "")
    parts = arn_segments(text, variables=variables)
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
            if not (variables and name in VARIABLE_SEGMENTS):
                return (
                    f"`{text}`: policy variables are allowed only in the account field and "
                    f"the resource part of an ARN (after the fifth colon), not in the {name}"
                )
            segment = _without_variables(segment)
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
    if len(parts) == 6 and not parts[5] and not (allow_wildcards and (parts[3] or parts[4])):
        return (
            f"`{text}`: the resource part of an ARN (after the fifth colon) must not be empty"
            + (" when the region and account are empty too" if allow_wildcards else "")
        )
    return None
