"""Wildcard matching takes time linear in the text: no pattern makes it backtrack.

`*a*a*a*a*a*a*a*a*b` against fifty `a`s used to run for more than 20 seconds, in Action,
Resource, `StringLike` and `ArnLike` alike: a regex with one `.*` per `*` tries every way
of splitting the text between the stars. These inputs finish at once when matching is
linear; no test measures time. The semantics are unchanged: IAM User Guide, "IAM JSON
policy elements: Resource" (wildcards within an ARN's segments, a segment's trailing `*`
expanding beyond its colon, `*` and `?` anywhere in the resource part) and "IAM JSON
policy elements: Condition operators" (`StringLike`, `ArnLike`: `*` any run, `?` one
character). The property tests compare with the plain regex translation on short texts.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iamsim.conditions import compile_condition
from iamsim.model import ConditionEntry
from iamsim.patterns import arn_problem, compile_actions, compile_glob, compile_resources
from iamsim.request import Context

STARS = "*a*a*a*a*a*a*a*a*b"
FIFTY = "a" * 50
LONG = "a" * 100_000  # where a quadratic matcher takes minutes


@pytest.mark.parametrize("run", [FIFTY, LONG], ids=["fifty", "long"])
def test_action(run: str) -> None:
    # IAM User Guide, Action element: `*` and `?` anywhere in the action name.
    matcher = compile_actions((f"s3:{STARS}",))
    assert not matcher.matches(f"s3:{run}")
    assert matcher.matches(f"s3:{run}b")
    assert matcher.matches(f"S3:{run.upper()}B")  # case-insensitive


@pytest.mark.parametrize("run", [FIFTY, LONG], ids=["fifty", "long"])
def test_resource(run: str) -> None:
    # Resource element: `*` in the resource part spans any run, `/` and `:` included.
    matcher = compile_resources((f"arn:aws:s3:::{STARS}",), substitute=True)
    assert matcher.match(f"arn:aws:s3:::{run}", Context()) == (False, ())
    assert matcher.match(f"arn:aws:s3:::{run}b", Context()) == (True, ())
    assert matcher.match(f"arn:aws:s3:::{run}:/{run}b", Context()) == (True, ())


@pytest.mark.parametrize("run", [FIFTY, LONG], ids=["fifty", "long"])
def test_resource_segments(run: str) -> None:
    # Resource element: a `*` inside a segment stays within it; a segment's trailing `*`
    # expands beyond its colon.
    within = compile_resources((f"arn:aws:sqs:{STARS}:*:queue",), substitute=True)
    assert not within.match(f"arn:aws:sqs:{run}:{A}:queue", Context())[0]
    assert within.match(f"arn:aws:sqs:{run}b:{A}:queue", Context())[0]
    assert within.match(f"arn:aws:sqs:{run}b:{A}:x:y:queue", Context())[0]
    assert not within.match(f"arn:aws:sqs:{run}:b:{A}:queue", Context())[0]  # not past `:`
    after = compile_resources((f"arn:aws:sqs:*:{STARS}:queue",), substitute=True)
    many = ":a" * (len(run) // 2)
    assert not after.match(f"arn:aws:sqs:us-east-1{many}:{run}:queue", Context())[0]
    assert after.match(f"arn:aws:sqs:us-east-1{many}:{run}b:queue", Context())[0]
    short = compile_resources((f"arn:aws:sqs:us{STARS}*",), substitute=True)
    assert not short.match(f"arn:aws:sqs:us{run}:{A}:q", Context())[0]
    assert short.match(f"arn:aws:sqs:us{run}b:{A}:q", Context())[0]


A = "111111111111"


def _condition(operator: str, key: str, value: str) -> object:
    return compile_condition(ConditionEntry(operator, key, (value,)), substitute=True)


@pytest.mark.parametrize("run", [FIFTY, LONG], ids=["fifty", "long"])
def test_string_like(run: str) -> None:
    # Condition operators: StringLike, `*` any run, case-sensitive; IgnoreCase-free.
    static = _condition("StringLike", "aws:userid", STARS)
    variable = _condition("StringLike", "aws:userid", STARS + "${aws:username}")
    for cond, suffix in ((static, ""), (variable, "alice")):
        assert not cond.evaluate(  # type: ignore[attr-defined]
            Context.of({"aws:userid": run + suffix, "aws:username": "alice"})
        ).matched
        assert cond.evaluate(  # type: ignore[attr-defined]
            Context.of({"aws:userid": run + "b" + suffix, "aws:username": "alice"})
        ).matched


@pytest.mark.parametrize("run", [FIFTY, LONG], ids=["fifty", "long"])
def test_arn_like(run: str) -> None:
    # Condition operators: ArnLike compares each of the six parts with `*`/`?` wildcards.
    pattern = f"arn:aws:sqs:us-east-1:{A}:{STARS}"
    static = _condition("ArnLike", "aws:SourceArn", pattern)
    variable = _condition("ArnLike", "aws:SourceArn", pattern + "${aws:username}")
    for cond, suffix in ((static, ""), (variable, "alice")):
        arn = f"arn:aws:sqs:us-east-1:{A}:{run}"
        context = {"aws:username": "alice"}
        assert not cond.evaluate(  # type: ignore[attr-defined]
            Context.of({"aws:SourceArn": arn + suffix, **context})
        ).matched
        assert cond.evaluate(  # type: ignore[attr-defined]
            Context.of({"aws:SourceArn": arn + "b" + suffix, **context})
        ).matched


# -------------------------------------------------- the same answers as the plain regexes


def _plain_segment(segment: str) -> str:
    """The plain (backtracking) regex of one head segment, as iamsim used to build it."""
    out = []
    for i, ch in enumerate(segment):
        if ch == "*":
            out.append(".*" if i == len(segment) - 1 else "[^:]*")
        else:
            out.append("[^:]" if ch == "?" else re.escape(ch))
    return "".join(out)


def _plain_glob(text: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


def _plain_resource(value: str) -> str:
    parts = value.split(":", 5)
    if len(parts) < 6:
        body = [_plain_segment(p) for p in parts[1:]]
        body[-1] = _plain_segment(parts[-1].rstrip("*"))
        return "arn:" + ":".join(body) + ".*"
    return "arn:" + "".join(_plain_segment(p) + ":" for p in parts[1:5]) + _plain_glob(parts[5])


_SEGMENT = st.text("ab*?", max_size=4)


@st.composite
def _resource_patterns(draw: st.DrawFn) -> str:
    partition = draw(st.sampled_from(["aws", "a*", "*"]) | st.text("ab*?", min_size=1, max_size=3))
    region = st.sampled_from(["*", "a*", "*a*", "?*"]) | _SEGMENT
    segments = [draw(region), draw(_SEGMENT)]
    resource = draw(st.text("ab:/*?", min_size=1, max_size=6))
    value = f"arn:{partition}:s3:{segments[0]}:{segments[1]}:{resource}"
    if draw(st.booleans()):  # a short pattern: cut after a segment ending in `*`
        cut = draw(st.integers(2, 4))
        value = ":".join(value.split(":")[:cut]) + draw(st.sampled_from(["*", "a*", "*a*"]))
    assume(arn_problem(value, allow_wildcards=True) is None)
    return value


# ARN texts: random characters, or fields split by colons (which puts the colons where a
# segment's trailing `*` has to choose between them).
_TEXTS = st.lists(
    st.one_of(
        st.builds(
            lambda before, middle, after: f"arn:{before}:{middle}{after}",
            st.text("ab:", max_size=8),
            st.sampled_from(["", "s3:", "s3:a:", ":s3::"]),
            st.text("ab:", max_size=8),
        ),
        st.builds(
            lambda fields: "arn:aws:s3:" + ":".join(fields),
            st.lists(st.text("ab", max_size=3), min_size=2, max_size=6),
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(_resource_patterns(), _TEXTS)
def test_property_resources_match_as_the_plain_regex(value: str, texts: list[str]) -> None:
    plain = re.compile(_plain_resource(value), re.DOTALL)
    matcher = compile_resources((value,), substitute=False)
    for text in texts:
        expected = text.count(":") >= 5 and plain.fullmatch(text) is not None
        assert matcher.match(text, Context())[0] == expected, text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # The region's `*` must reach past the first `:a` to the account field `ab`.
        ("arn:aws:s3:*:a*b:x*", "arn:aws:s3:r:a:x:ab:xy"),
        ("arn:**:s3:*:*b:?*?", "arn:bbb::ab:::s3::a:b:ab:"),
        ("arn:**:s3:*:*b:?*?", "arn:::::ba:::s3::a:bb:bb"),
    ],
)
def test_segment_star_after_an_expanding_star(value: str, text: str) -> None:
    assert re.fullmatch(_plain_resource(value), text, re.DOTALL)
    assert compile_resources((value,), substitute=False).match(text, Context())[0]


@settings(max_examples=150, deadline=None)
@given(st.text("ab*?:", max_size=8), st.text("ab:", max_size=10))
def test_property_globs_match_as_the_plain_regex(pattern: str, text: str) -> None:
    plain = re.fullmatch(_plain_glob(pattern), text, re.DOTALL) is not None
    assert compile_glob(pattern).match(text) == plain


@st.composite
def _variable_patterns(draw: st.DrawFn) -> tuple[str, str]:
    """A six-part resource pattern, and the same with `${aws:username}` in its resource part."""
    value = draw(_resource_patterns())
    assume(value.count(":") >= 5)
    parts = value.split(":", 5)
    head, resource = ":".join(parts[:5]), parts[5]
    at = draw(st.integers(0, len(resource)))
    return f"{head}:{resource[:at]}", f"{resource[at:]}"


@settings(max_examples=60, deadline=None)
@given(_variable_patterns(), st.text("ab:", max_size=3), _TEXTS)
def test_property_resource_variables_match_as_their_value_would(
    split: tuple[str, str], name: str, texts: list[str]
) -> None:
    # Variables: a substituted value is literal text (here without wildcards), so the
    # pattern matches as the pattern with the value written in would.
    before, after = split
    matcher = compile_resources((before + "${aws:username}" + after,), substitute=True)
    plain = re.compile(_plain_resource(before + name + after), re.DOTALL)
    context = Context.of({"aws:username": name})
    for text in texts:
        expected = text.count(":") >= 5 and plain.fullmatch(text) is not None
        assert matcher.match(text, context)[0] == expected, text


def test_resource_variable_after_expanding_stars() -> None:
    # A resource with 20,000 colons: the region's and account's trailing `*` could end at
    # any of them, and the resource part is tried from each only while it can still match.
    matcher = compile_resources(("arn:aws:s3:*:*:${aws:username}*y",), substitute=True)
    colons = "arn:aws:s3:" + ":x" * 20_000
    alice = Context.of({"aws:username": "x"})
    assert matcher.match(colons, alice) == (False, ())
    assert matcher.match(colons + "y", alice) == (True, ())
    assert matcher.match(colons + ":yy", Context.of({"aws:username": "y"})) == (True, ())
