"""AWS error texts, verbatim (reference/aws-evaluation.md §1.12 and §5.5)."""

from __future__ import annotations

import attrs
import pytest
import render_fixtures as f

from iamsim.render import aws_error, aws_error_detailed, cli_error

CLASSIC = (
    "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
    "sts:AssumeRole on resource: arn:aws:iam::222222222222:role/CrossAccountS3Reader"
)


def test_allowed_has_no_error() -> None:
    d = f.allowed()
    assert aws_error(d) is None
    assert aws_error_detailed(d) is None
    assert d.aws_error is None and d.aws_error_detailed is None
    with pytest.raises(ValueError):
        cli_error(d)


@pytest.mark.parametrize(
    "build",
    [
        f.identity_missing,
        f.trust_omits_source,
        f.external_id_wrong,
        f.external_id_missing,
        f.both_sides,
        f.scp_explicit,
    ],
)
def test_assume_role_classic_message_is_the_same_whichever_side_failed(build) -> None:  # type: ignore[no-untyped-def]
    assert aws_error(build()) == CLASSIC
    assert build().aws_error == CLASSIC


def test_cli_framing_is_the_seed_page_text() -> None:
    assert cli_error(f.trust_omits_source()) == (
        "An error occurred (AccessDenied) when calling the AssumeRole operation: "
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
        "sts:AssumeRole on resource: arn:aws:iam::222222222222:role/CrossAccountS3Reader"
    )


def test_session_caller_is_named_by_its_assumed_role_arn() -> None:
    assert aws_error(f.session_policy_implicit()) == (
        "User: arn:aws:sts::111111111111:assumed-role/Dev/dev-session is not authorized to "
        "perform: sts:AssumeRole on resource: "
        "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
    )


def test_tag_session_denial_names_sts_tag_session() -> None:
    d = f.tag_session_missing()
    assert aws_error(d) == (
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
        "sts:TagSession on resource: arn:aws:iam::222222222222:role/CrossAccountS3Reader"
    )
    assert aws_error_detailed(d) == (
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
        "sts:TagSession on resource: arn:aws:iam::222222222222:role/CrossAccountS3Reader "
        "because no role trust policy allows the sts:TagSession action"
    )
    assert cli_error(d).startswith(
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: "
    )


@pytest.mark.parametrize(
    ("policy_type", "side", "suffix"),
    [
        ("identity", "source", "because no identity-based policy allows the sts:AssumeRole action"),
        ("trust", "target", "because no role trust policy allows the sts:AssumeRole action"),
        ("resource", "target", "because no resource-based policy allows the sts:AssumeRole action"),
        ("scp", "source", "because no service control policy allows the sts:AssumeRole action"),
        ("session", "source", "because no session policy allows the sts:AssumeRole action"),
        ("boundary", "source", "because no permissions boundary allows the sts:AssumeRole action"),
    ],
)
def test_detailed_implicit(policy_type: str, side: str, suffix: str) -> None:
    assert aws_error_detailed(f.implicit_in(policy_type, side)) == f"{CLASSIC} {suffix}"


@pytest.mark.parametrize(
    ("policy_type", "side", "suffix"),
    [
        ("scp", "source", "with an explicit deny in a service control policy"),
        ("rcp", "target", "with an explicit deny in a resource control policy"),
        ("boundary", "source", "with an explicit deny in a permissions boundary"),
        ("session", "source", "with an explicit deny in a sessions policy"),
        ("resource", "target", "with an explicit deny in a resource-based policy"),
        ("trust", "target", "with an explicit deny in the role trust policy"),
        ("identity", "source", "with an explicit deny in an identity-based policy"),
    ],
)
def test_detailed_explicit(policy_type: str, side: str, suffix: str) -> None:
    d = f.explicit_in(policy_type, side)
    assert aws_error_detailed(d) == f"{CLASSIC} {suffix}"
    assert d.aws_error_detailed == f"{CLASSIC} {suffix}"
    # The classic form never carries the reason.
    assert aws_error(d) == CLASSIC


def test_detailed_reports_only_the_first_denial() -> None:
    # both_sides lists the trust denial first (AWS's implicit order: resource/trust, identity).
    assert aws_error_detailed(f.both_sides()) == (
        f"{CLASSIC} because no role trust policy allows the sts:AssumeRole action"
    )


def test_service_denial_names_no_policy_type() -> None:
    """A service rule (not a policy) gets the classic text: AWS names no policy type for it."""
    assert aws_error_detailed(f.service_denial()) == (
        "User: arn:aws:iam::111111111111:root is not authorized to perform: sts:AssumeRole "
        "on resource: arn:aws:iam::222222222222:role/CrossAccountS3Reader"
    )


def test_s3_cross_account_outside_the_organization_is_bare_access_denied() -> None:
    d = f.s3_get()
    assert aws_error(d) == "Access Denied"
    assert aws_error_detailed(d) == "Access Denied"
    assert cli_error(d) == (
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied"
    )


def test_s3_same_organization_gets_the_full_message() -> None:
    d = f.s3_get(
        notes=(
            "The caller's and the resource's accounts are in the same organization (o-a1b2c3d4e5).",
        )
    )
    text = (
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
        's3:GetObject on resource: "arn:aws:s3:::prod-bucket/report.csv"'
    )
    # S3 gives callers of the owner's organization the detailed text in every form.
    detailed = f"{text} because no resource-based policy allows the s3:GetObject action"
    assert aws_error(d) == aws_error_detailed(d) == detailed


def test_s3_same_account_gets_the_full_message() -> None:
    d = f.s3_get(caller_account=f.TARGET)
    assert aws_error(d) == (
        "User: arn:aws:iam::222222222222:user/alice is not authorized to perform: "
        's3:GetObject on resource: "arn:aws:s3:::prod-bucket/report.csv" '
        "because no resource-based policy allows the s3:GetObject action"
    )


def test_cli_operation_for_list_bucket() -> None:
    d = attrs.evolve(f.s3_get(), operation="s3:ListBucket")
    assert cli_error(d).startswith(
        "An error occurred (AccessDenied) when calling the ListObjectsV2 operation: "
    )


def test_no_resource_part_for_star() -> None:
    base = f.implicit_in("identity")
    d = attrs.evolve(base, resource="*", checks=())
    assert aws_error(d) == (
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole"
    )
