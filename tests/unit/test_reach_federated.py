"""who_can / reachable_from / assume_graph with the web identity and SAML callers a trust
policy names as `Federated`, each example pinned to the AWS behaviour it follows."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

import iamsim
from iamsim.questions.reach_federated import provider_kind
from iamsim.render.svg import accesses_svg

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
B = "222222222222"
GH = "token.actions.githubusercontent.com"
GH_ARN = f"arn:aws:iam::{B}:oidc-provider/{GH}"
OKTA = f"arn:aws:iam::{B}:saml-provider/Okta"
DEPLOY = f"arn:aws:iam::{B}:role/Deploy"
ADMIN = f"arn:aws:iam::{B}:role/Admin"
ARTIFACT = "arn:aws:s3:::artifacts/app.zip"
WEB = "sts:AssumeRoleWithWebIdentity"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _federated(provider: str, action: str, condition: dict[str, Any] | None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": {"Federated": provider}}
    stmt["Action"] = action
    if condition:
        stmt["Condition"] = condition
    return _doc(stmt)


PUT = _doc({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::artifacts/*"})
ASSUME_ADMIN = _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ADMIN})


def _world(trust: dict[str, Any], account: dict[str, Any] | None = None, **more: Any) -> Any:
    """Account B: GitHub's OIDC provider (audience sts.amazonaws.com), the Okta SAML
    provider, the role Deploy with `trust`, a bucket Deploy may write to."""
    body: dict[str, Any] = {
        "oidc_providers": {GH: {"client_ids": ["sts.amazonaws.com"]}},
        "saml_providers": {"Okta": {}},
        "resources": {"arn:aws:s3:::artifacts": {}},
        "roles": {"Deploy": {"trust_policy": trust, "policies": [PUT, ASSUME_ADMIN]}},
    }
    body.update(account or {})
    return iamsim.World.from_dict({"accounts": {B: body}, **more})


GITHUB_MAIN = {
    "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
    "StringLike": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"},
}


def test_github_workflow_token_path_lists_its_sub_condition() -> None:
    """IAM User Guide, "Configuring a role for GitHub OIDC identity provider": the trust
    policy pins the token's sub to a repository and branch; the token's holder (the
    workflow) chooses its sub, so it is a condition the path needs, not a fact."""
    world = _world(_federated(GH_ARN, WEB, GITHUB_MAIN))
    answer = world.who_can("s3:PutObject", ARTIFACT, now=NOW)
    token = next(a for a in answer if a.principal == GH_ARN)
    assert (token.kind, token.via, token.whole_account) == ("web_identity", (DEPLOY,), False)
    (cond,) = token.conditions  # the audience is the provider's own client ID: no condition
    assert (cond.hop, cond.key, cond.operator, cond.values, cond.value) == (
        0,
        f"{GH}:sub",
        "StringLike",
        ("repo:acme/app:ref:refs/heads/main",),
        "repo:acme/app:ref:refs/heads/main",
    )
    assert [token.hop_action(i) for i in range(2)] == [WEB, "s3:PutObject"]
    hop, final = token.path
    assert hop.allowed and hop.operation == "AssumeRoleWithWebIdentity" and final.allowed
    assert hop.session is not None and hop.session.role_arn == DEPLOY
    assert token.to_dict()["kind"] == "web_identity"
    assert token.to_dict()["principal"] == GH_ARN
    # The same path for the role itself, and as the assume graph's edge.
    (direct,) = world.who_can(WEB, DEPLOY, now=NOW)
    assert (direct.principal, direct.action, direct.via) == (GH_ARN, WEB, ())
    assert direct.path[0].allowed
    edge = next(e for e in world.assume_graph().edges if e.caller == GH_ARN)
    assert edge.role == DEPLOY and [c.key for c in edge.conditions] == [f"{GH}:sub"]
    # Nobody calls AssumeRole into a role that trusts only the provider.
    assert world.who_can("sts:AssumeRole", DEPLOY, now=NOW).principals() == ()


def test_wildcard_sub_gives_a_matching_example_and_keeps_the_pattern() -> None:
    """IAM User Guide, "Condition operators": StringLike's `*` matches any run of
    characters, the empty one too; the listed condition keeps the policy's pattern."""
    world = _world(_federated(GH_ARN, WEB, {"StringLike": {f"{GH}:sub": "repo:acme/*"}}))
    (access,) = world.who_can(WEB, DEPLOY, now=NOW)
    (cond,) = access.conditions
    assert cond.values == ("repo:acme/*",) and cond.value == "repo:acme/"
    assert access.path[0].allowed


def test_provider_claims_beyond_sub_are_conditions_too() -> None:
    """AWS STS makes GitHub's job_workflow_ref and environment claims condition keys
    (iamsim.sts_federated.CLAIM_KEYS_SOURCE); Cognito's amr is a set (IAM User Guide,
    "Available keys for AWS web identity federation")."""
    ref = "acme/pipelines/.github/workflows/deploy.yml@refs/heads/main"
    world = _world(
        _federated(
            GH_ARN,
            WEB,
            {"StringEquals": {f"{GH}:job_workflow_ref": ref, f"{GH}:environment": "prod"}},
        )
    )
    (access,) = world.who_can(WEB, DEPLOY, now=NOW)
    assert {c.key: c.value for c in access.conditions} == {
        f"{GH}:job_workflow_ref": ref,
        f"{GH}:environment": "prod",
    }
    assert access.path[0].allowed
    cognito = "cognito-identity.amazonaws.com"
    pool = "us-east-1:12345678-abcd-abcd-abcd-123456789012"
    world = _world(
        _federated(
            cognito,
            WEB,
            {
                "StringEquals": {f"{cognito}:aud": pool},
                "ForAnyValue:StringLike": {f"{cognito}:amr": "authenticated"},
            },
        )
    )
    (access,) = world.who_can(WEB, DEPLOY, now=NOW)
    assert access.principal == cognito and access.kind == "web_identity"
    assert {c.key: c.value for c in access.conditions} == {
        f"{cognito}:aud": pool,
        f"{cognito}:amr": ("authenticated",),
    }
    assert access.path[0].allowed


def test_unregistered_provider_is_no_path_and_the_notes_say_why() -> None:
    """AWS STS API Reference, AssumeRoleWithWebIdentity: a token from an issuer with no IAM
    OIDC provider in the role's account is InvalidIdentityToken."""
    world = _world(_federated(GH_ARN, WEB, GITHUB_MAIN), {"oidc_providers": {}})
    answer = world.who_can("s3:PutObject", ARTIFACT, now=NOW)
    assert GH_ARN not in answer.principals()
    assert any(
        n.startswith(f"{GH_ARN} gets no session of {DEPLOY}: STS refuses")
        and "No OpenIDConnect provider found in your account" in n
        for n in answer.notes
    )
    assert world.reachable_from(GH_ARN, now=NOW).principals() == ()


def test_audience_that_is_not_a_client_id_is_no_path() -> None:
    """AWS STS API Reference, AssumeRoleWithWebIdentity: an audience the provider does not
    list among its client IDs is refused ("Incorrect token audience"), whatever the trust
    policy asks."""
    trust = _federated(GH_ARN, WEB, {"StringEquals": {f"{GH}:aud": "https://github.com/acme"}})
    answer = _world(trust).who_can(WEB, DEPLOY, now=NOW)
    assert answer.principals() == ()
    assert any("Incorrect token audience" in n for n in answer.notes)


def test_condition_on_a_fact_of_the_session_is_never_invented() -> None:
    """A key the token does not set (aws:PrincipalTag/…) is the world's to state: the
    federated caller cannot choose it, so no path is listed."""
    trust = _federated(GH_ARN, WEB, {"StringEquals": {"aws:PrincipalTag/team": "blue"}})
    assert _world(trust).who_can(WEB, DEPLOY, now=NOW).principals() == ()


def test_saml_assertion_path() -> None:
    """IAM User Guide, "Create a role for a third-party identity provider (SAML 2.0)": the
    trust policy names the SAML provider and requires saml:aud, which the assertion (the
    identity provider) carries."""
    trust = _federated(
        OKTA,
        "sts:AssumeRoleWithSAML",
        {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
    )
    world = _world(trust)
    answer = world.who_can("s3:PutObject", ARTIFACT, now=NOW)
    okta = next(a for a in answer if a.principal == OKTA)
    assert okta.kind == "saml" and okta.via == (DEPLOY,)
    (cond,) = okta.conditions
    assert (cond.key, cond.value) == ("SAML:aud", "https://signin.aws.amazon.com/saml")
    hop, final = okta.path
    assert hop.operation == "AssumeRoleWithSAML" and hop.allowed and final.allowed
    assert okta.hop_action(0) == "sts:AssumeRoleWithSAML"
    # saml:namequalifier is computed by AWS from the issuer: never chosen.
    trust = _federated(
        OKTA, "sts:AssumeRoleWithSAML", {"StringEquals": {"saml:namequalifier": "abc="}}
    )
    assert _world(trust).who_can("sts:AssumeRoleWithSAML", DEPLOY, now=NOW).principals() == ()


def test_from_the_role_on_the_path_is_a_role_session() -> None:
    """The session AssumeRoleWithWebIdentity returns may assume another role (role
    chaining, IAM User Guide "Methods to assume a role")."""
    admin = {
        "trust_policy": _doc(
            {"Effect": "Allow", "Principal": {"AWS": DEPLOY}, "Action": "sts:AssumeRole"}
        )
    }
    world = _world(
        _federated(GH_ARN, WEB, GITHUB_MAIN),
        {
            "roles": {
                "Deploy": {
                    "trust_policy": _federated(GH_ARN, WEB, GITHUB_MAIN),
                    "policies": [PUT, ASSUME_ADMIN],
                },
                "Admin": admin,
            }
        },
    )
    reach = world.reachable_from(GH_ARN, now=NOW)
    assert [(a.target, a.via, a.action) for a in reach] == [
        (ADMIN, (DEPLOY,), "sts:AssumeRole"),
        (DEPLOY, (), WEB),
    ]
    first, second = reach[0].path
    assert first.operation == "AssumeRoleWithWebIdentity" and second.operation == "AssumeRole"
    assert first.allowed and second.allowed
    answer = world.who_can("sts:AssumeRole", ADMIN, now=NOW)
    token = next(a for a in answer if a.principal == GH_ARN)
    assert token.via == (DEPLOY,) and [c.hop for c in token.conditions] == [0]


def test_rcp_deny_on_the_sub_is_escaped_by_a_matching_token() -> None:
    """docs/federation.md's guarded world: an RCP denies tokens whose sub is not under
    repo:acme/ (IAM User Guide, "Resource control policies"); an open trust (repo:*) is
    reached only by a token the RCP lets through, and the path says so."""
    open_trust = _federated(
        GH_ARN,
        WEB,
        {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GH}:sub": "repo:*"}},
    )
    rcp = _doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": WEB,
            "Resource": "*",
            "Condition": {"StringNotLike": {f"{GH}:sub": "repo:acme/*"}},
        }
    )
    organization = {
        "id": "o-a1b2c3d4e5",
        "management_account": "999999999999",
        "policies": {"OnlyAcmeRepos": rcp},
        "root": {
            "accounts": ["999999999999"],
            "ous": {"Workloads": {"rcps": ["OnlyAcmeRepos"], "accounts": [B]}},
        },
    }
    world = iamsim.World.from_dict(
        {
            "organization": organization,
            "accounts": {
                "999999999999": {},
                B: {
                    "oidc_providers": {GH: {"client_ids": ["sts.amazonaws.com"]}},
                    "roles": {"Deploy": {"trust_policy": open_trust}},
                },
            },
        }
    )
    (access,) = world.who_can(WEB, DEPLOY, now=NOW)
    (cond,) = access.conditions
    assert (cond.key, cond.operator, cond.values) == (
        f"{GH}:sub",
        "StringNotLike",
        ("repo:acme/*",),
    )
    assert isinstance(cond.value, str) and cond.value.startswith("repo:acme/")
    assert access.path[0].allowed


def test_rendering_of_a_federated_principal() -> None:
    """The SVG and the CLI name the provider as the trust policy does."""
    world = _world(_federated(GH_ARN, WEB, GITHUB_MAIN))
    answer = world.who_can("s3:PutObject", ARTIFACT, now=NOW)
    svg = accesses_svg([a.to_dict() for a in answer])
    assert f"<title>{GH_ARN}</title>" in svg and f"{GH}:sub" in svg
    assert "token.actions.githubuse" in answer._repr_html_()


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (GH_ARN, "web_identity"),
        ("accounts.google.com", "web_identity"),
        ("graph.facebook.com", "web_identity"),
        (OKTA, "saml"),
        ("example.com", None),  # not a provider AWS knows by a bare name
        ("arn:aws:iam::222222222222:role/x", None),
    ],
)
def test_provider_kind(value: str, kind: str | None) -> None:
    """IAM User Guide, "AWS JSON policy elements: Principal" (federated principals)."""
    assert provider_kind(value) == kind


def test_reachable_from_a_provider_no_trust_names_reaches_nothing() -> None:
    """A built-in provider is a valid start (IAM User Guide, "Identity providers and
    federation"); no trust policy names Google here, so it becomes no role."""
    world = _world(_federated(GH_ARN, WEB, GITHUB_MAIN))
    assert world.reachable_from("accounts.google.com", now=NOW).principals() == ()


def test_context_may_give_the_claims_a_path_needs() -> None:
    """docs/questions.md: a value given as context= meets its condition, and the path
    needs nothing more; the claim travels in the token, where STS takes it from."""
    world = _world(_federated(GH_ARN, WEB, GITHUB_MAIN))
    context = {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"}
    (access,) = world.who_can(WEB, DEPLOY, context=context, now=NOW)
    assert access.conditions == () and access.path[0].allowed
    other = {f"{GH}:sub": "repo:acme/app:environment:prod"}
    assert world.who_can(WEB, DEPLOY, context=other, now=NOW).principals() == ()


def test_audience_condition_takes_a_client_id_of_the_provider() -> None:
    """AWS STS API Reference, AssumeRoleWithWebIdentity: the token's audience must be one
    of the provider's client IDs; a trust policy listing several audiences is met by the
    one the provider registers, not by the first it lists."""
    trust = _federated(GH_ARN, WEB, {"StringEquals": {f"{GH}:aud": ["other", "deploy-b"]}})
    world = _world(trust, {"oidc_providers": {GH: {"client_ids": ["deploy-a", "deploy-b"]}}})
    (access,) = world.who_can(WEB, DEPLOY, now=NOW)
    (cond,) = access.conditions
    assert (cond.key, cond.values, cond.value) == (f"{GH}:aud", ("other", "deploy-b"), "deploy-b")
    assert access.path[0].allowed
