"""AssumeRoleWithWebIdentity and AssumeRoleWithSAML: STS's checks, the keys a token sets,
the providers in a world, and properties (docs/federation.md; the conformance cases are in
tests/compliance/decisions/web_identity.json and saml.json)."""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import pickle
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.calls import AssumeRoleWithSamlCall, AssumeRoleWithWebIdentityCall
from iamsim.errors import ValidationError, WorldError
from iamsim.evaluate.services import RCP_SERVICES
from iamsim.reference.service import load_reference
from iamsim.sts_federated import PROVIDER_CLAIM_KEYS, decode_jwt

ACC = "222222222222"
ROLE = f"arn:aws:iam::{ACC}:role/Deploy"
GH = "token.actions.githubusercontent.com"
GH_ARN = f"arn:aws:iam::{ACC}:oidc-provider/{GH}"


def _trust(
    principal: str, condition: dict[str, Any] | None, *extra: dict[str, Any]
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": principal},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"],
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement, *extra]}


def _world(trust: dict[str, Any], **account: Any) -> iamsim.World:
    body = {"roles": {"Deploy": {"trust_policy": trust, "max_session_duration": 7200}}, **account}
    return iamsim.World.from_dict({"accounts": {ACC: body}})


GH_WORLD = _world(
    _trust(GH_ARN, {"StringLike": {f"{GH}:sub": "repo:acme/*"}}),
    oidc_providers={GH: {"client_ids": ["sts.amazonaws.com"]}},
)


def _gh(sub: str = "repo:acme/app:ref:refs/heads/main", **kw: Any) -> iamsim.Decision:
    claims = {"iss": f"https://{GH}", "aud": "sts.amazonaws.com", "sub": sub}
    claims.update(kw.pop("claims", {}))
    return GH_WORLD.assume_role_with_web_identity(
        role_arn=ROLE, session_name="gha-run", token=claims, **kw
    )


def _jwt(claims: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.c2ln"


# -- the token ---------------------------------------------------------------------------


@settings(max_examples=40)
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), max_size=5))
def test_jwt_payload_round_trips(claims: dict[str, str]) -> None:
    """An unsigned JWT's payload is base64url JSON (RFC 7519); iamsim reads it unchecked."""
    assert decode_jwt(_jwt(claims)) == claims


def test_jwt_token_is_the_same_question_as_its_claims() -> None:
    claims = {"iss": f"https://{GH}", "aud": "sts.amazonaws.com", "sub": "repo:acme/app:x"}
    by_jwt = GH_WORLD.assume_role_with_web_identity(
        role_arn=ROLE, session_name="gha-run", token=_jwt(claims)
    )
    assert by_jwt.allowed and by_jwt.session is not None
    assert any("checks no signature" in n for n in by_jwt.notes)


@pytest.mark.parametrize(
    ("token", "said"),
    [
        ("a.b", "expected a JWT"),
        ("a.!!.c", "not base64url-encoded JSON"),
        (_jwt([1]), "not a JSON object"),  # type: ignore[arg-type]
        (42, "token must be the token's claims"),
        ({"iss": f"https://{GH}", "sub": "s", "aud": ["a", "b"]}, "one audience"),
        ({"iss": f"https://{GH}", "sub": "s", "aud": "sts.amazonaws.com", "exp": "soon"}, "'exp'"),
        (
            {"iss": f"https://{GH}", "sub": "s", "aud": "sts.amazonaws.com", "exp": float("nan")},
            "'exp'",
        ),
    ],
)
def test_bad_tokens_fail_loudly(token: Any, said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        GH_WORLD.assume_role_with_web_identity(role_arn=ROLE, session_name="gha-run", token=token)


def test_github_claim_keys_are_dated_data() -> None:
    """AWS What's New 2026-01: GitHub's provider-specific claims become ISSUER:CLAIM keys."""
    assert {"environment", "job_workflow_ref", "repository_id"} <= PROVIDER_CLAIM_KEYS[GH]
    d = _gh(claims={"job_workflow_ref": "acme/app/.github/workflows/d.yml@refs/heads/main"})
    keys = dict(d.context)
    assert keys[f"{GH}:job_workflow_ref"].endswith("@refs/heads/main")
    assert f"{GH}:run_id" not in keys  # a claim AWS makes no key of
    with pytest.raises(ValidationError, match="too many digits"):
        _gh(claims={"environment": 10**5000})


def test_google_aud_is_azp_and_oaud_the_audience() -> None:
    """IAM User Guide, "Available keys for AWS web identity federation": for Google, aud is
    the azp claim when present and oaud the token's audience."""
    world = _world(
        _trust("accounts.google.com", {"StringEquals": {"accounts.google.com:aud": "app-id"}})
    )
    d = world.assume_role_with_web_identity(
        role_arn=ROLE,
        session_name="web",
        token={
            "iss": "https://accounts.google.com",
            "aud": "server-id",
            "azp": "app-id",
            "sub": "1",
        },
    )
    assert d.allowed
    assert dict(d.context)["accounts.google.com:oaud"] == "server-id"


def test_facebook_access_token_with_provider_id() -> None:
    """AssumeRoleWithWebIdentity, ProviderId: only www.amazon.com and graph.facebook.com."""
    world = _world(
        _trust("graph.facebook.com", {"StringEquals": {"graph.facebook.com:app_id": "123"}})
    )
    call = {"role_arn": ROLE, "session_name": "web", "token": {"app_id": "123", "id": "42"}}
    assert world.assume_role_with_web_identity(provider_id="graph.facebook.com", **call).allowed
    for wrong in ("accounts.google.com", ["graph.facebook.com"]):
        with pytest.raises(
            ValidationError, match=r"only www\.amazon\.com and graph\.facebook\.com"
        ):
            world.assume_role_with_web_identity(provider_id=wrong, **call)  # type: ignore[arg-type]


# -- the call and the session ------------------------------------------------------------


def test_call_replays_and_the_decision_pickles() -> None:
    d = _gh(duration_seconds=7200)
    assert isinstance(d.call, AssumeRoleWithWebIdentityCall)
    assert d.replay() == d and d.replay(call=d.call.changed(session_name="other")).allowed
    assert pickle.loads(pickle.dumps(d)) == d
    assert d.to_dict()["operation"] == "AssumeRoleWithWebIdentity"
    assert d.session is not None and d.session.expiration - d.session.issued == (
        __import__("datetime").timedelta(hours=2)
    )


def test_decisions_read_back_from_json_and_render() -> None:
    for d in (_gh(), _gh("repo:other/x:ref:refs/heads/main")):
        assert iamsim.Decision.from_dict(json.loads(json.dumps(d.to_dict()))) == d
        assert "AssumeRoleWithWebIdentity" in d._repr_html_()


def test_duration_and_session_policy_are_validated_as_for_assume_role() -> None:
    with pytest.raises(ValidationError, match="MaxSessionDuration"):
        _gh(duration_seconds=10800)
    with pytest.raises(ValidationError, match="durationSeconds"):
        _gh(duration_seconds=60)
    with pytest.raises(ValidationError, match="roleSessionName"):
        GH_WORLD.assume_role_with_web_identity(role_arn=ROLE, session_name="x", token={})
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    session = _gh(policy=policy).session
    assert session is not None and len(session.session_policies) == 1


def test_layers_say_why_no_identity_and_no_scp() -> None:
    """AWS Organizations, SCPs: they limit the users and roles of member accounts only."""
    text = _gh("repo:other/x:ref:refs/heads/main").explain()
    assert "a web-identity or SAML caller has no AWS account" in text


def test_source_identity_claim_needs_set_source_identity() -> None:
    """IAM User Guide, "Monitor and control actions taken with assumed roles": a source
    identity set through web identity needs sts:SetSourceIdentity in the trust policy."""
    d = _gh(claims={"https://aws.amazon.com/source_identity": "alice"})
    assert [(x.action, x.policy_type) for x in d.denied_by] == [("sts:SetSourceIdentity", "trust")]


@settings(max_examples=25, deadline=None)
@given(
    st.from_regex(
        r"repo:[a-z]{1,6}/[a-z]{1,6}:(ref:refs/heads/[a-z]{1,6}|environment:[a-z]{1,6})",
        fullmatch=True,
    )
)
def test_a_deny_added_never_allows(sub: str) -> None:
    """Outcomes only move toward deny: a Deny on the sub never turns a denial into an allow,
    and denies what it names."""
    before = _gh(sub)
    deny = {
        "Effect": "Deny",
        "Principal": {"Federated": GH_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GH}:sub": sub}},
    }
    trust = _trust(GH_ARN, {"StringLike": {f"{GH}:sub": "repo:acme/*"}}, deny)
    after = _world(trust, oidc_providers={GH: {"client_ids": ["sts.amazonaws.com"]}})
    d = after.assume_role_with_web_identity(
        role_arn=ROLE,
        session_name="gha-run",
        token={"iss": f"https://{GH}", "aud": "sts.amazonaws.com", "sub": sub},
    )
    assert not d.allowed
    assert before.allowed or d.outcome == "explicitDeny"


# -- SAML --------------------------------------------------------------------------------

OKTA = f"arn:aws:iam::{ACC}:saml-provider/Okta"
SAML_WORLD = _world(
    _trust(OKTA, {"StringEquals": {"saml:sub_type": "persistent"}}), saml_providers={"Okta": {}}
)
ATTR = "https://aws.amazon.com/SAML/Attributes/"


def _saml(assertion: dict[str, Any], principal_arn: str = OKTA) -> iamsim.Decision:
    return SAML_WORLD.assume_role_with_saml(
        role_arn=ROLE, principal_arn=principal_arn, assertion=assertion
    )


def test_saml_doc_is_the_providers_account_and_name() -> None:
    """IAM User Guide, "Available keys for SAML-based AWS STS federation": saml:doc is
    `account-ID/provider-friendly-name`, set by AWS; an assertion cannot set it (nor
    saml:namequalifier, which AWS computes from the issuer, the account and the name)."""
    base = {"saml:sub": "jane", ATTR + "RoleSessionName": "jane"}
    for doc, allowed in ((f"{ACC}/Okta", True), ("999999999999/Elsewhere", False)):
        world = _world(
            _trust(OKTA, {"StringEquals": {"saml:doc": doc}}), saml_providers={"Okta": {}}
        )
        d = world.assume_role_with_saml(role_arn=ROLE, principal_arn=OKTA, assertion=base)
        assert d.allowed is allowed
        assert dict(d.context)["saml:doc"] == f"{ACC}/Okta"
    for key in ("saml:doc", "saml:namequalifier", "SAML:Doc"):
        with pytest.raises(ValidationError, match="AWS computes saml:"):
            _saml({**base, key: "999999999999/Elsewhere"})


def test_saml_namequalifier_is_computed_from_the_assertions_issuer() -> None:
    """IAM User Guide, "Available keys for SAML-based AWS STS federation": saml:namequalifier
    is the base64 of SHA-1 over issuer + account ID + "/" + provider name. The world holds no
    provider metadata, so the assertion's saml:iss stands as the issuer."""
    issuer = "http://www.okta.com/exk1"
    digest = hashlib.sha1(f"{issuer}{ACC}/Okta".encode(), usedforsecurity=False).digest()
    d = _saml({"saml:sub": "jane", "saml:iss": issuer, "saml:sub_type": "persistent"})
    assert dict(d.context)["saml:namequalifier"] == base64.b64encode(digest).decode()


def test_saml_session_name_and_tags() -> None:
    d = _saml(
        {"saml:sub": "jane", "saml:sub_type": "persistent", ATTR + "RoleSessionName": "jane@acme"}
    )
    assert d.allowed and d.session is not None and d.session.session_name == "jane@acme"
    assert isinstance(d.call, AssumeRoleWithSamlCall)
    tagged = _saml(
        {
            "saml:sub": "jane",
            "saml:sub_type": "persistent",
            ATTR + "PrincipalTag:team": "ops",
            ATTR + "TransitiveTagKeys": ["team"],
        }
    )
    assert [x.action for x in tagged.denied_by] == ["sts:TagSession"]


@pytest.mark.parametrize(
    ("assertion", "principal_arn", "said"),
    [
        ({"saml:sub": "jane"}, f"arn:aws:iam::{ACC}:oidc-provider/x", "not a SAML provider ARN"),
        (
            {"saml:sub": "jane"},
            "arn:aws:iam::333333333333:saml-provider/Okta",
            "in the role's account",
        ),
        ({"saml:aud": ["a", "b"], "saml:sub": "jane"}, OKTA, "takes one value"),
        ({"https://example.com/x": "1", "saml:sub": "jane"}, OKTA, "expected saml:* keys"),
        ({ATTR + "Role": f"{ROLE},{OKTA}"}, OKTA, "RoleSessionName"),
        ({ATTR + "Role": f"{ROLE}2,{OKTA}", "saml:sub": "jane"}, OKTA, "does not list the pair"),
        ({"saml:sub": "j"}, OKTA, "2 to 64 characters"),
    ],
)
def test_bad_assertions_fail_loudly(
    assertion: dict[str, Any], principal_arn: str, said: str
) -> None:
    with pytest.raises(iamsim.IamsimError, match=re.escape(said)):
        _saml(assertion, principal_arn)


# -- the world ---------------------------------------------------------------------------


def test_providers_round_trip() -> None:
    doc = {
        "accounts": {
            ACC: {
                "oidc_providers": {
                    GH: {"client_ids": ["sts.amazonaws.com"]},
                    "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE": {
                        "client_ids": ["sts.amazonaws.com"],
                        "thumbprints": ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
                    },
                },
                "saml_providers": {"Okta": {}, "Entra_ID-1": {}},
            }
        }
    }
    world = iamsim.World.from_dict(doc)
    assert world.to_dict() == doc
    assert iamsim.World.from_dict(world.to_dict()) == world


@pytest.mark.parametrize(
    ("account", "path"),
    [
        (
            {"oidc_providers": {f"https://{GH}": {}}},
            f'accounts.{ACC}.oidc_providers["https://{GH}"]',
        ),
        ({"oidc_providers": {"bad host!": {}}}, f'accounts.{ACC}.oidc_providers["bad host!"]'),
        (
            {"oidc_providers": {GH: {"client_ids": "x", "extra": 1}}},
            f"accounts.{ACC}.oidc_providers",
        ),
        ({"oidc_providers": {GH: {"client_ids": ["a"] * 101}}}, f"accounts.{ACC}.oidc_providers"),
        ({"oidc_providers": {GH: {"thumbprints": ["abc"]}}}, f"accounts.{ACC}.oidc_providers"),
        ({"saml_providers": {"bad name": {}}}, f'accounts.{ACC}.saml_providers["bad name"]'),
        ({"saml_providers": {"Okta": {"x": 1}}}, f"accounts.{ACC}.saml_providers.Okta.x"),
    ],
)
def test_provider_errors_name_the_path(account: dict[str, Any], path: str) -> None:
    with pytest.raises(WorldError) as info:
        iamsim.World.from_dict({"accounts": {ACC: account}})
    assert path in str(info.value)


def test_account_objects_refuse_wrong_provider_types() -> None:
    with pytest.raises(WorldError, match="OidcProvider"):
        iamsim.Account(id=ACC, oidc_providers=["x"])  # type: ignore[list-item]


# -- RCP services ------------------------------------------------------------------------


def test_rcp_services_are_the_dated_file_and_known_prefixes() -> None:
    """AWS Organizations, "Resource control policies (RCPs)": the supported services, kept
    in iamsim/data/rcp-services.json with the date they were read."""
    from importlib import resources

    data = json.loads(resources.files("iamsim.data").joinpath("rcp-services.json").read_text())
    assert data["about"]["read_on"] and "orgs_manage_policies_rcps" in data["about"]["source"]
    assert {e["prefix"] for e in data["services"]} == RCP_SERVICES
    assert {"s3", "sts", "kms", "sqs", "secretsmanager"} <= RCP_SERVICES
    known = set(load_reference().services)
    assert known >= RCP_SERVICES


@pytest.mark.parametrize(
    "context",
    [
        {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"},  # standing in for the token's sub
        {f"{GH}:environment": "prod"},  # a claim the token does not carry
        {"saml:sub": "jane"},
    ],
)
def test_context_cannot_stand_in_for_the_tokens_keys(context: dict[str, Any]) -> None:
    # IAM User Guide, "Available keys for AWS web identity federation": these keys come from
    # the token alone. A context that would set one is ambiguous input, refused: letting it
    # win could allow a token AWS refuses (a sub of repo:evil/… made to read repo:acme/…).
    with pytest.raises(ValidationError, match="takes this key from the token"):
        _gh("repo:evil/app:ref:refs/heads/main", context=context)


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("sts:ExternalId", "x", "no ExternalId parameter"),
        ("aws:MultiFactorAuthPresent", True, "no MFA parameters"),
        ("aws:MultiFactorAuthAge", 10, "no MFA parameters"),
        ("sts:RoleSessionName", "other", "a parameter of the call"),
        ("sts:SourceIdentity", "jane", "comes from the token"),
        ("sts:TransitiveTagKeys", ["a"], "come from the token"),
        ("aws:RequestTag/team", "x", "come from the token"),
    ],
)
def test_assume_role_only_keys_are_never_in_a_federated_calls_context(
    key: str, value: object, reason: str
) -> None:
    """AWS STS API Reference, AssumeRoleWithWebIdentity: the call has no ExternalId,
    SerialNumber or TokenCode parameter, so sts:ExternalId and aws:MultiFactorAuth* are never
    present; its session name is its RoleSessionName parameter, and its source identity and
    session tags come from the token ("Passing session tags in AWS STS"). A context giving one
    would let a trust condition on it pass that AWS never passes: refused."""
    ext = _world(
        _trust(GH_ARN, {"StringEquals": {key: value}}),
        oidc_providers={GH: {"client_ids": ["sts.amazonaws.com"]}},
    )
    claims = {"iss": f"https://{GH}", "aud": "sts.amazonaws.com", "sub": "repo:acme/app:x"}
    with pytest.raises(ValidationError, match=reason):
        ext.assume_role_with_web_identity(
            role_arn=ROLE, session_name="gha-run", token=claims, context={key: value}
        )


# -- the session's later calls -------------------------------------------------------------


def test_federated_session_carries_its_token_issue_time() -> None:
    """IAM User Guide, "AWS global condition context keys": aws:TokenIssueTime is present in
    requests signed with temporary credentials, the session a federated call returns
    included; its value is when STS issued them."""
    issued = _dt.datetime(2026, 6, 15, 12, 0, tzinfo=_dt.UTC)
    d = _gh(now=issued)
    assert d.allowed and d.session is not None
    later = GH_WORLD.simulate(d.session, "sts:GetCallerIdentity", "*", now=issued)
    assert dict(later.context)["aws:TokenIssueTime"] == "2026-06-15T12:00:00Z"


def test_saml_session_duration_attribute_is_the_consoles_not_the_api_session() -> None:
    """AWS STS API Reference, AssumeRoleWithSAML: the session lasts DurationSeconds (default
    3600) or until the assertion's SessionNotOnOrAfter, whichever is shorter; the
    SessionDuration attribute is the length of a console session (IAM User Guide, "Configure
    SAML assertions for the authentication response"), so the API's session keeps its own."""
    d = _saml(
        {
            "saml:sub": "jane",
            "saml:sub_type": "persistent",
            ATTR + "RoleSessionName": "jane",
            ATTR + "SessionDuration": "900",
        }
    )
    assert d.allowed and d.session is not None
    assert (d.session.expiration - d.session.issued).total_seconds() == 3600


@pytest.mark.parametrize("host", ["www.amazon.com", "graph.facebook.com"])
def test_an_oauth_provider_never_sets_sub_or_aud_keys(host: str) -> None:
    """AssumeRoleWithWebIdentity, ProviderId, and "Available keys for AWS web identity
    federation": Login with Amazon and Facebook give OAuth 2.0 access tokens passed with
    ProviderId, from which AWS sets HOST:app_id and the user's ID, never HOST:sub or
    HOST:aud. A token shaped as an OpenID Connect ID token from them is refused, so a trust
    condition on HOST:sub can never be met by it."""
    world = _world(_trust(host, {"StringEquals": {f"{host}:sub": "user-1"}}))
    with pytest.raises(ValidationError, match=r"OAuth 2\.0 access tokens"):
        world.assume_role_with_web_identity(
            role_arn=ROLE,
            session_name="web",
            token={"iss": f"https://{host}", "aud": "app", "sub": "user-1"},
        )
