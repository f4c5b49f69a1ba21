"""STS's parameter patterns: the characters `validate_parameters` strips agree with the
regular expressions STS publishes, on any text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

import iamsim
from iamsim import sts

# Every pattern with the characters it admits (the role ARN has none: its pattern is checked
# as a whole), and text drawn mostly from near the patterns' alphabets, with any character.
PATTERNS = [(regex, admitted) for _, _, _, regex, admitted, _ in sts._STRINGS if regex]
TEXT = st.text(st.sampled_from("aZ09_+=,.@-/:é١ \t\n") | st.characters(), max_size=20)


@given(TEXT)
def test_stripping_the_admitted_characters_is_the_pattern(text: str) -> None:
    for regex, admitted in PATTERNS:
        assert admitted is not None
        assert (regex.fullmatch(text) is not None) == (not text.strip(admitted)), regex.pattern


def test_every_string_pattern_is_one_ascii_class() -> None:
    for regex, _ in PATTERNS:
        assert re.fullmatch(r"\[[^\]]*\]\*", regex.pattern) and regex.flags & re.ASCII


NAMES = st.text(st.sampled_from("aZ09_+=,.@-/:é "), max_size=70)
ARNS = st.sampled_from(["arn:aws:iam::222222222222:role/r", "arn:aws:iam::2:role/r", "x" * 19])


@given(ARNS, NAMES, st.none() | NAMES)
def test_the_common_calls_inline_check_is_the_tables(
    role_arn: str, session_name: str, external_id: str | None
) -> None:
    """validate_parameters' inline check of the common call words the same problems as the
    table's loop (`_check_strings`), which it falls back to."""
    problems: list[str] = []
    sts._check_strings(problems, (role_arn, session_name, external_id, None, None, None))
    try:
        sts.validate_parameters(role_arn, session_name, external_id)
    except iamsim.ValidationError as exc:
        if problems:
            assert str(exc).endswith(": " + "; ".join(problems))
        else:
            assert str(exc) == f"{role_arn} is invalid"
    else:
        assert not problems
