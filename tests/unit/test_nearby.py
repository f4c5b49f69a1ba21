"""close_arn: the ARN of the world a missing one most likely misspells ("did you mean")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamsim.world.nearby import close_arn

ROLES = (
    "arn:aws:iam::222222222222:role/CrossAccountS3Reader",
    "arn:aws:iam::222222222222:role/Admin",
    "arn:aws:iam::333333333333:role/AnalyticsReader",
)


@pytest.mark.parametrize(
    ("missing", "meant"),
    [
        ("arn:aws:iam::222222222222:role/CrossAccountS3Readr", ROLES[0]),
        ("arn:aws:iam::333333333333:role/AnalyticsReadr", ROLES[2]),
        ("arn:aws:iam::222222222222:role/admin", ROLES[1]),  # IAM names ignore case
        ("arn:aws:iam::333333333334:role/AnalyticsReader", ROLES[2]),  # an account typo
        ("arn:aws:iam::222222222222:role/Deployer", None),  # nothing close: maybe new
        ("arn:aws:iam::111111111111:role/Admin", None),  # another account's namesake
        ("arn:aws:s3:::Admin", None),  # another service
        ("not an arn", None),
    ],
)
def test_examples(missing: str, meant: str | None) -> None:
    assert close_arn(missing, ROLES) == meant


def test_short_names_that_merely_share_letters_are_not_suggested() -> None:
    queue = "arn:aws:sqs:us-east-1:111111111111:logs"
    assert close_arn("arn:aws:sqs:us-east-1:111111111111:jobs", [queue]) is None
    assert close_arn("arn:aws:sqs:us-east-1:111111111111:log", [queue]) == queue


@given(st.lists(st.sampled_from(ROLES), unique=True), st.text(max_size=30))
def test_a_suggestion_is_always_one_of_the_candidates(candidates: list[str], name: str) -> None:
    missing = f"arn:aws:iam::222222222222:role/{name}"
    found = close_arn(missing, candidates)
    assert found is None or (found in candidates and found != missing)
    for arn in candidates:
        assert close_arn(arn, candidates) is None  # present: not missing


@pytest.mark.parametrize(
    ("caller", "role"),
    [
        (
            "arn:aws:iam::111111111111:user/alice",
            "arn:aws:iam::222222222222:role/CrossAccountS3Readr",
        ),
        (
            "arn:aws:iam::111111111112:user/alice",
            "arn:aws:iam::222222222222:role/CrossAccountS3Reader",
        ),
    ],
)
def test_a_saved_decision_names_the_missing_name_as_the_live_one(caller: str, role: str) -> None:
    """The first line keys on each denial's reason code, which the JSON keeps."""
    import iamsim

    d = iamsim.World.demo().assume_role(caller, role, "s1", external_id="my-secret-123")
    assert "did you mean" in str(d)
    again = iamsim.Decision.from_dict(d.to_dict())
    assert str(again) == str(d) and again.explain() == d.explain()
    assert {x.reason_code for x in again.denied_by} == {x.reason_code for x in d.denied_by}
