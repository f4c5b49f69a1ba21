"""explain(): the first line names verdict, failing side(s), layer(s) and condition."""

from __future__ import annotations

import attrs
import render_fixtures as f

from iamsim.decision import Decision
from iamsim.render import explain
from iamsim.render.text import summary


def first(d: Decision) -> str:
    return explain(d).splitlines()[0]


def test_allowed() -> None:
    line = first(f.allowed())
    assert line.startswith(
        "Allowed: arn:aws:iam::111111111111:user/alice may perform sts:AssumeRole"
    )
    assert "identity policy" in line and "role trust policy" in line


def test_identity_missing_on_source() -> None:
    assert first(f.identity_missing()) == (
        "Denied: the source account's (111111111111) identity policy does not allow "
        "sts:AssumeRole for arn:aws:iam::111111111111:user/alice; the target side is fine"
    )


def test_trust_omits_source_account() -> None:
    assert first(f.trust_omits_source()) == (
        "Denied: the target account's (222222222222) role trust policy does not allow "
        "sts:AssumeRole for arn:aws:iam::111111111111:user/alice; the source side is fine"
    )


def test_external_id_mismatch() -> None:
    assert first(f.external_id_wrong()) == (
        "Denied: the target account's (222222222222) role trust policy requires a different "
        "sts:ExternalId; the source side is fine"
    )


def test_external_id_missing() -> None:
    assert first(f.external_id_missing()) == (
        "Denied: the target account's (222222222222) role trust policy requires "
        "sts:ExternalId, which the request does not carry; the source side is fine"
    )


def test_both_sides_lists_source_first() -> None:
    assert first(f.both_sides()) == (
        "Denied on both sides: the source account's (111111111111) identity policy does not "
        "allow sts:AssumeRole, and the target account's (222222222222) role trust policy "
        "does not trust 111111111111"
    )


def test_explicit_scp_deny() -> None:
    assert first(f.scp_explicit()) == (
        "Denied: explicit deny in a service control policy attached to ou:Workloads "
        "(source side); the target side is fine"
    )


def test_permissions_boundary() -> None:
    assert first(f.boundary_implicit()) == (
        "Denied: the source account's (111111111111) permissions boundary does not allow "
        "sts:AssumeRole for arn:aws:iam::111111111111:user/alice; the target side is fine"
    )


def test_session_policy() -> None:
    assert first(f.session_policy_implicit()) == (
        "Denied: the source account's (111111111111) session policy does not allow "
        "sts:AssumeRole for arn:aws:sts::111111111111:assumed-role/Dev/dev-session; "
        "the target side is fine"
    )


def test_missing_tag_session_in_trust() -> None:
    assert first(f.tag_session_missing()) == (
        "Denied: the target account's (222222222222) role trust policy does not allow "
        "sts:TagSession for arn:aws:iam::111111111111:user/alice (needed because the session "
        "gets tags, passed or transitive from the calling session); the source side is fine"
    )


def test_explicit_identity_deny_names_policy_and_statement() -> None:
    d = f.explicit_in("identity")
    d = attrs.evolve(d, denied_by=(attrs.evolve(d.denied_by[0], policy="DenyAll"),))
    assert first(d).startswith(
        "Denied: explicit deny in the source account's (111111111111) identity policy "
        "DenyAll (statement Deny)"
    )


def test_summary_is_the_first_line() -> None:
    d = f.external_id_wrong()
    assert summary(d) == first(d)


def test_body_has_both_sides_layers_in_order_and_values_compared() -> None:
    text = explain(f.external_id_wrong())
    lines = text.splitlines()
    assert lines[1] == ""
    source = lines.index(
        "Source side (account 111111111111, caller arn:aws:iam::111111111111:user/alice)"
    )
    target = next(i for i, line in enumerate(lines) if line.startswith("Target side (account 2222"))
    assert source < target
    assert ">>[DENY] role trust policy: implicit deny (nothing allows it)" in lines
    compared = 'sts:ExternalId (StringEquals): policy wants "my-secret-123", request has "wrong"'
    assert compared in text
    assert lines[-2].startswith("AWS error: User: arn:aws:iam::111111111111:user/alice")
    assert lines[-1].endswith("because no role trust policy allows the sts:AssumeRole action")


def test_missing_external_id_says_request_has_none() -> None:
    text = explain(f.external_id_missing())
    assert "request has no sts:ExternalId" in text
    assert "Missing context keys: sts:ExternalId" in text


def test_source_layers_follow_aws_order() -> None:
    text = explain(f.scp_explicit())
    scp = text.index("service control policy: explicit deny")
    identity = text.index("identity policy: allows")
    boundary = text.index("permissions boundary: not applicable")
    assert scp < identity < boundary
    assert "[DENY] DenySts (Deny): applies" in text


def test_checks_each_get_a_heading() -> None:
    text = explain(f.tag_session_missing())
    role = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
    assert f"Check 1 of 2: sts:AssumeRole on {role}: allowed" in text
    assert f"Check 2 of 2: sts:TagSession on {role}: denied" in text


def test_notes_and_session() -> None:
    d = attrs.evolve(f.allowed(), notes=("account 333333333333 is not described by the world",))
    text = explain(d)
    assert "Notes:\n  - account 333333333333 is not described by the world" in text
    session = "arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev-session"
    assert f"Session: {session}" in text
    assert "AWS error" not in text


def test_plain_output_is_ascii_even_with_unicode_values() -> None:
    d = attrs.evolve(f.external_id_wrong(), notes=("caf\u00e9 \u2014 \u2714",))
    for build in (f.allowed, f.both_sides, f.tag_session_missing, lambda: d):
        text = explain(build())
        assert text.isascii()
        assert "\x1b" not in text
    assert "[ok]" in explain(f.allowed())


def test_color_uses_ansi_and_symbols() -> None:
    text = explain(f.external_id_wrong(), color=True)
    assert "\x1b[31m" in text and "\x1b[32m" in text
    assert "\u2714" in text and "\u2718" in text
    assert "[DENY]" not in text
    assert "\x1b[2m" in explain(f.allowed(), color=True)


def test_control_characters_from_data_are_escaped() -> None:
    d = attrs.evolve(f.external_id_wrong(), notes=("evil \x1b[2J",))
    for color in (False, True):
        assert "\x1b[2J" not in explain(d, color=color)
        assert "\\x1b[2J" in explain(d, color=color)


def test_decision_method_delegates() -> None:
    d = f.both_sides()
    assert d.explain() == explain(d)


def test_resource_layer_without_policy_is_not_said_to_distrust() -> None:
    d = f.s3_get()
    check = d.checks[0]
    layers = (check.layers[0], attrs.evolve(check.layers[1], policies=(), note="no bucket policy"))
    d = attrs.evolve(d, checks=(attrs.evolve(check, layers=layers),))
    assert first(d) == (
        "Denied: the target account's (222222222222) resource-based policy does not allow "
        "s3:GetObject for arn:aws:iam::111111111111:user/alice; the source side is fine"
    )
    assert ">>[DENY] resource-based policy: implicit deny (no bucket policy)" in explain(d)
