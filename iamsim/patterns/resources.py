"""`Resource`/`NotResource` values compiled once; policy variables are rendered per request."""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

from iamsim.conditions.ast import Template
from iamsim.conditions.syntax import parse_template
from iamsim.errors import PolicyError, Problem
from iamsim.patterns.arn import arn_problem, arn_segments
from iamsim.patterns.glob import (
    One,
    Pieces,
    Star,
    Step,
    Token,
    glob_lead,
    glob_match,
    glob_tokens,
    linear_source,
    steps_match,
)
from iamsim.request import Context

__all__ = ["ResourceMatcher", "compile_resources"]


def _segment_tokens(segment: str, *, expand: bool = True) -> list[Token]:
    """Tokens for one of partition/region/account.

    IAM User Guide, "IAM JSON policy elements: Resource": wildcards (* and ?) work "within
    the individual segments of an ARN (the parts separated by colons)", and a `*` that is
    "the last character of a resource ARN segment … can expand to match beyond the colon
    boundaries"; any other wildcard stays within its segment. Without `expand` (a pattern
    whose resource part is empty) every wildcard stays within its segment.
    """
    out: list[Token] = []
    for i, ch in enumerate(segment):
        if ch == "*":
            out.append(Star.ANY if expand and i == len(segment) - 1 else Star.SEGMENT)
        else:
            out.append("[^:]" if ch == "?" else re.escape(ch))
    return out


def _head_tokens(parts: list[str], *, expand: bool = True) -> list[Token]:
    """`arn:partition:service:region:account:` as tokens."""
    out: list[Token] = ["arn", ":"]
    for part in parts[1:5]:
        out += [*_segment_tokens(part, expand=expand), ":"]
    return out


def _segment_steps(pieces: Pieces, *, expand: bool) -> list[Step] | None:
    """`_segment_tokens` as steps, for a segment known per request: substituted text is
    literal, and compared within its segment (None when it holds a colon: it matches
    nothing)."""
    out: list[Step] = []
    last = sum(len(text) for text, _ in pieces) - 1
    at = 0
    for text, literal in pieces:
        if literal and ":" in text:
            return None
        for ch in text:
            if literal or ch not in "*?":
                out.append(ch)
            elif ch == "?":
                out.append(One.SEGMENT)
            else:
                out.append(Star.ANY if expand and at == last else Star.SEGMENT)
            at += 1
    return out


def _resource_steps(pieces: Pieces) -> list[Step]:
    """The resource part as steps: `*` any run (`/` and `:` included), `?` any character."""
    out: list[Step] = []
    for text, literal in pieces:
        for ch in text:
            if literal or ch not in "*?":
                out.append(ch)
            else:
                out.append(Star.ANY if ch == "*" else One.ANY)
    return out


def _resource_problem(value: str, substitute: bool) -> PolicyError:
    message = arn_problem(value, allow_wildcards=True, variables=substitute) or value
    return PolicyError(Problem("resource.invalid", "", message))


@attrs.frozen
class _VariablePattern:
    """An ARN pattern whose resource part holds policy variables, rendered per request."""

    prefix: re.Pattern[str]  # `arn:partition:service:region:account:` (.fullmatch a head)
    template: Template


@attrs.frozen
class _Slot:
    """A part of a pattern known per request: a field of the head (`segment`, compared within
    that field) or the resource part."""

    template: Template
    segment: bool


@attrs.frozen
class _SegmentedPattern:
    """An ARN pattern whose account field holds policy variables: its parts in order, steps
    fixed at compile time or slots rendered per request."""

    parts: tuple[tuple[Step, ...] | _Slot, ...]
    expand: bool  # whether a field's trailing `*` may run past colons

    @property
    def slots(self) -> tuple[_Slot, ...]:
        return tuple(p for p in self.parts if isinstance(p, _Slot))

    def steps(self, context: Context) -> list[Step] | None:
        """The whole pattern's steps for this request; None when it matches nothing."""
        out: list[Step] = []
        for part in self.parts:
            if not isinstance(part, _Slot):
                out.extend(part)
                continue
            pieces = part.template.render(context)
            if pieces is None:
                return None
            if not part.segment:
                out.extend(_resource_steps(pieces))
                continue
            steps = _segment_steps(pieces, expand=self.expand)
            if steps is None:
                return None
            out.extend(steps)
        return out


def _missing(template: Template, context: Context, missing: list[str]) -> None:
    """Add the variable keys (without a default) the request lacks to `missing`."""
    for var in template.variables:
        absent = var.default is None and not isinstance(context.get(var.key), str)
        if absent and var.key not in missing:
            missing.append(var.key)


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
    _segmented: tuple[_SegmentedPattern, ...] = attrs.field(repr=False, default=())

    @property
    def reads_context(self) -> bool:
        """Whether a match may depend on the request's context (a pattern holds variables)."""
        return bool(self._variable or self._segmented)

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
            # Where the resource part may begin: after the fifth colon, or after a later one
            # when a segment's trailing `*` expands beyond its colon. None: the pattern's
            # head covers no start of the resource.
            if pattern.prefix.match(resource) is None:
                continue
            pieces = pattern.template.render(context)
            if pieces is None:
                # IAM User Guide, Variables: a variable without a default whose key is
                # absent makes the resource pattern match nothing.
                _missing(pattern.template, context, missing)
                continue
            if _tail_matches(pattern.prefix, pieces, resource):
                return True, ()
        for segmented in self._segmented:
            steps = segmented.steps(context)
            if steps is None:
                for slot in segmented.slots:
                    _missing(slot.template, context, missing)
                continue
            if steps_match(steps, resource):
                return True, ()
        return False, tuple(missing)


def _after_colons(resource: str) -> Iterator[int]:
    """The positions just after the fifth colon of `resource` and after each later one."""
    at = -1
    for _ in range(5):
        at = resource.find(":", at + 1)
        if at < 0:
            return
    while at >= 0:
        yield at + 1
        at = resource.find(":", at + 1)


def _tail_matches(prefix: re.Pattern[str], pieces: Pieces, resource: str) -> bool:
    """Whether some head of `resource` that `prefix` covers is followed by a text that the
    resource-part pattern `pieces` matches.

    Heads are tried in order, each only where the pattern's fixed-width start fits after
    it; and once the rest fails after one, it fails after any later one (a `*` follows
    that start, and absorbs whatever more text an earlier head leaves). So the work is
    linear in the resource, not in the number of its colons times its length.
    """
    lead, starred = glob_lead(pieces)
    width = len(lead)
    for end in _after_colons(resource):
        rest = len(resource) - end
        if rest < width or (not starred and rest != width):
            continue
        if any(c is not None and resource[end + i] != c for i, c in enumerate(lead)):
            continue
        if prefix.fullmatch(resource, 0, end) is None:
            continue
        if glob_match(pieces, resource[end:]):
            return True
        if starred:
            return False
    return False


def _segmented(parts: list[str]) -> _SegmentedPattern:
    """A pattern whose head holds a policy variable (its account field, `arn_problem`).

    The same rules as a static pattern: a field's trailing `*` may run past colons (unless
    the resource part is empty), a short pattern's tail `*` takes the rest; the rendered
    value is literal, compared within its field.
    """
    short = len(parts) < 6
    expand = short or bool(parts[5])
    out: list[tuple[Step, ...] | _Slot] = []
    fixed: list[Step] = list("arn")
    for part in parts[1:] if short else parts[1:5]:
        fixed.append(":")
        if "${" in part:
            out += [tuple(fixed), _Slot(parse_template(part), segment=True)]
            fixed = []
        else:
            fixed += _segment_steps(((part, False),), expand=expand) or ()
    if short:
        fixed.append(Star.ANY)
    else:
        fixed.append(":")
        if "${" in parts[5]:
            out += [tuple(fixed), _Slot(parse_template(parts[5]), segment=False)]
            fixed = []
        else:
            fixed += _resource_steps(((parts[5], False),))
    out.append(tuple(fixed))
    return _SegmentedPattern(tuple(out), expand)


def compile_resources(values: tuple[str, ...], *, substitute: bool) -> ResourceMatcher:
    """Compile `Resource`/`NotResource` values (raise `PolicyError` for a malformed one).

    `substitute`: the policy is `Version: 2012-10-17`, so `${…}` in the resource part and
    the account field are policy variables; otherwise the text is literal (IAM User Guide,
    Variables: "policy variables are not processed" without Version 2012-10-17).
    All regex work happens here; matching never compiles.
    """
    sources: list[str] = []
    variable: list[_VariablePattern] = []
    segmented: list[_SegmentedPattern] = []
    match_all = False
    for value in values:
        if value == "*":
            match_all = True
            continue
        if arn_problem(value, allow_wildcards=True, variables=substitute) is not None:
            raise _resource_problem(value, substitute)
        parts = arn_segments(value, variables=substitute)
        if substitute and any("${" in part for part in parts[1:5]):
            segmented.append(_segmented(parts))
            continue
        if len(parts) < 6:
            # IAM User Guide, Resource element: a `*` that is the last character of a
            # segment "can expand to match beyond the colon boundaries", so
            # `arn:aws:logs:*` covers every logs ARN. A short pattern is only valid
            # when it ends in `*` (arn_problem), and then its tail `*` eats the rest.
            tokens: list[Token] = ["arn"]
            for i, part in enumerate(parts[1:], start=1):
                last = i == len(parts) - 1
                tokens += [":", *_segment_tokens(part.rstrip("*") if last else part)]
            sources.append(linear_source([*tokens, Star.ANY]))
            continue
        resource = parts[5]
        # An empty resource part (AWS's AmazonDevOpsGuruOrganizationsAccess names
        # `arn:aws:organizations::*:`) covers only ARNs whose resource part is empty: no
        # wildcard of the head runs past a colon into a resource part.
        head = _head_tokens(parts, expand=bool(resource))
        if substitute and "${" in resource:
            template = parse_template(resource)
            if not template.is_literal:
                variable.append(_VariablePattern(re.compile(linear_source(head)), template))
                continue
            pieces: Pieces = template.render(Context()) or ()
        else:
            pieces = ((resource, False),)
        # IAM User Guide, Resource element: in the resource part `*` matches any run
        # of characters, `/` and `:` included (`bucket/*/test/*` matches
        # `bucket/1/2/test/3/x`). Compared case-sensitively (S3 keys are).
        sources.append(linear_source([*head, *glob_tokens(pieces)]))
    static = None
    if sources:
        static = re.compile("|".join(f"(?:{s})" for s in sources), re.DOTALL)
    return ResourceMatcher(tuple(values), match_all, static, tuple(variable), tuple(segmented))
