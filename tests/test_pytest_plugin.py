"""The pytest plugin, found through its entry point, in a small user project (pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

WORLD = """\
accounts:
  "111111111111":
    users:
      alice:
        policies:
          - Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: "arn:aws:s3:::team-bucket/*"
    resources:
      "arn:aws:s3:::team-bucket": {}
"""

TESTS = """\
from iamsim.testing import assert_allowed, assert_denied

ALICE = "arn:aws:iam::111111111111:user/alice"
OBJECT = "arn:aws:s3:::team-bucket/report.csv"


def test_alice_reads(iam_world):
    assert_allowed(iam_world, ALICE, "s3:GetObject", OBJECT)


def test_alice_cannot_delete(iam_world):
    assert_denied(iam_world, ALICE, "s3:DeleteObject", OBJECT, side="source")


def test_alice_writes(iam_world):
    assert_allowed(iam_world, ALICE, "s3:PutObject", OBJECT)
"""

TABLE = """\
expectations:
  - id: alice-reads
    caller: arn:aws:iam::111111111111:user/alice
    action: s3:GetObject
    resource: arn:aws:s3:::team-bucket/report.csv
    expect: allowed
  - id: alice-deletes
    caller: arn:aws:iam::111111111111:user/alice
    action: s3:DeleteObject
    resource: arn:aws:s3:::team-bucket/report.csv
    expect: allowed
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yaml", world=WORLD)
    pytester.makeini("[pytest]\niamsim_world = world.yaml\n")
    pytester.makepyfile(test_policies=TESTS)
    pytester.makefile(".yaml", iam_expect_team=TABLE)
    return pytester


def test_fixture_helpers_and_tables_run_with_the_plugin_found(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2)
    out = result.stdout.str()
    # A failing helper shows the explanation, first line first.
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: Denied: the source account's (111111111111) identity policy does "
            "not allow s3:PutObject for arn:aws:iam::111111111111:user/alice; the target side "
            "is fine",
        ]
    )
    # A table row is one test, named by its id; its failure is the explanation.
    result.stdout.fnmatch_lines(
        [
            "*iamsim expectation alice-deletes*",
            "alice-deletes: expected allowed, got implicitDeny",
            "Denied: the source account's (111111111111) identity policy does not allow "
            "s3:DeleteObject*",
        ]
    )
    assert "Source side (account 111111111111" in out
    assert "Traceback" not in out


def test_the_command_line_option_names_the_world(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\n")
    other = WORLD.replace("s3:GetObject", "s3:*")
    project.makefile(".yaml", other=other)
    result = project.runpytest("-p", "no:cacheprovider", "--iamsim-world", "other.yaml")
    result.assert_outcomes(passed=4, failed=1)  # alice may delete in the other world
    result.stdout.fnmatch_lines(["FAILED test_policies.py::test_alice_cannot_delete - *"])


def test_without_a_world_the_fixture_says_how_to_name_one(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\n")
    result = project.runpytest("-p", "no:cacheprovider", "test_policies.py")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*iam_world: no world is configured: pass --iamsim-world FILE*"])
    table = project.runpytest("-p", "no:cacheprovider", "iam_expect_team.yaml")
    table.assert_outcomes(failed=2)
    table.stdout.fnmatch_lines(["iamsim: error: *no world: add a top-level `world:`*"])


def test_a_users_own_fixture_wins(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\n")
    project.makeconftest(
        """
        import pytest
        import iamsim

        @pytest.fixture
        def iam_world():
            return iamsim.World.from_dict(
                {"accounts": {"111111111111": {"users": {"alice": {"policies": [
                    {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}]}},
                    "resources": {"arn:aws:s3:::team-bucket": {}}}}}
            )
        """
    )
    result = project.runpytest("-p", "no:cacheprovider", "test_policies.py")
    result.assert_outcomes(passed=2, failed=1)  # DeleteObject is allowed now


def test_a_table_names_its_own_world(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\niamsim_expectations = checks_*.yml\n")
    project.makefile(".yml", checks_team="world: world.yaml\n" + TABLE)
    result = project.runpytest("-p", "no:cacheprovider", "-k", "not test_")
    result.assert_outcomes(passed=1, failed=1)  # iam_expect_team.yaml is no longer collected


def test_a_glob_may_name_a_folder(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\niamsim_world = world.yaml\niamsim_expectations = checks/*.yaml\n")
    (project.path / "checks").mkdir()
    (project.path / "checks" / "team.yaml").write_text(TABLE)
    (project.path / "other").mkdir()
    (project.path / "other" / "team.yaml").write_text(TABLE)
    result = project.runpytest("-p", "no:cacheprovider", "-k", "not test_")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED checks/team.yaml::alice-deletes*"])


def test_a_bad_table_is_a_collection_error(project: pytest.Pytester) -> None:
    project.makefile(".yaml", iam_expect_bad="expectations:\n  - {caller: x, actoin: y}\n")
    result = project.runpytest("-p", "no:cacheprovider", "iam_expect_bad.yaml")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "iamsim: error: *iam_expect_bad.yaml: expectations[[]0[]].actoin: unknown key "
            "'actoin' (did you mean `action`?)"
        ]
    )


def test_comparing_decisions_shows_the_explanation(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_compare="""
        from iamsim.testing import decide

        ALICE = "arn:aws:iam::111111111111:user/alice"
        OBJECT = "arn:aws:s3:::team-bucket/report.csv"

        def test_same_answer(iam_world):
            assert decide(iam_world, ALICE, "s3:GetObject", OBJECT) == decide(
                iam_world, ALICE, "s3:PutObject", OBJECT)

        def test_against_a_value(iam_world):
            assert decide(iam_world, ALICE, "s3:PutObject", OBJECT) == "allowed"
        """
    )
    result = project.runpytest("-p", "no:cacheprovider", "test_compare.py")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*allowed decision == implicitDeny decision",
            "*left:  Allowed: arn:aws:iam::111111111111:user/alice may perform s3:GetObject*",
            "*right: Denied: the source account's (111111111111) identity policy does not allow "
            "s3:PutObject*",
            "*differing fields: *outcome*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*implicitDeny decision == 'allowed'",
            "*Denied: the source account's (111111111111) identity policy does not allow "
            "s3:PutObject*",
        ]
    )


def test_the_plugin_does_not_import_iamsim_until_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        import sys

        def test_plain():
            assert "iamsim.world" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_every_public_name_resolves() -> None:
    import iamsim

    for name in iamsim.__all__:
        assert getattr(iamsim, name) is not None
    assert set(iamsim.__all__) <= set(dir(iamsim))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        iamsim.Nope  # type: ignore[attr-defined]  # noqa: B018
