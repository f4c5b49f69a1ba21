"""STS's parameter patterns: the characters `validate_parameters` strips agree with the
regular expressions STS publishes, on any text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

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
