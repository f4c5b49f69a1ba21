"""What a person sees of a Decision without asking: `str` is the explanation's first line,
`repr` is short and carries the outcome and that line (pytest shows it when a bare
`assert d.allowed` fails), for live and saved decisions alike."""

from __future__ import annotations

import pytest

import iamsim
from iamsim.world.demo import ALICE, DEMO_NOW, ROLE

pytest_plugins = ["pytester"]


def _denied() -> iamsim.Decision:
    return iamsim.World.demo().assume_role(
        ALICE, ROLE, "dev-session", external_id="wrong-id", now=DEMO_NOW
    )


def test_str_is_the_first_line_of_the_explanation() -> None:
    d = _denied()
    assert str(d) == d.explain().splitlines()[0]
    assert str(d).startswith("Denied: the target account's (222222222222) role trust policy")


def test_repr_is_short_and_carries_the_outcome_and_the_first_line() -> None:
    d = _denied()
    assert repr(d) == f"<Decision implicitDeny: {d.explain().splitlines()[0]}>"
    assert len(repr(d)) < 300
    saved = iamsim.Decision.from_dict(d.to_dict())
    assert repr(saved) == repr(d)


def test_a_failing_bare_assert_shows_the_diagnosis(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import iamsim
        from iamsim.world.demo import ALICE, DEMO_NOW, ROLE

        def test_assume():
            d = iamsim.World.demo().assume_role(
                ALICE, ROLE, "dev-session", external_id="wrong-id", now=DEMO_NOW
            )
            assert d.allowed
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*<Decision implicitDeny: Denied: *sts:ExternalId*"])
