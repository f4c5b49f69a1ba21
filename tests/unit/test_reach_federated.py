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


# -- review of the federated callers: never more permissive than AWS ----------------------

SAML = "sts:AssumeRoleWithSAML"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("saml:doc", "999999999999/Elsewhere"),
        ("saml:doc", f"{B}/Okta"),
        ("saml:iss", "https://evil.example/"),
        ("saml:namequalifier", "abc="),
    ],
)
def test_saml_keys_aws_sets_are_never_chosen(key: str, value: str) -> None:
    """IAM User Guide, "Available keys for SAML-based AWS STS federation": saml:doc is
    `account-ID/provider-friendly-name`, saml:namequalifier is computed from the issuer, the
    account and the provider's name, and saml:iss is the issuer of the provider's metadata.
    None is the assertion holder's to choose; the world holds no issuer, so a condition on
    saml:iss is a fact iamsim does not know and no path is listed on it. saml:doc is AWS's
    value: its own account and name pass, another never does."""
    world = _world(_federated(OKTA, SAML, {"StringEquals": {key: value}}))
    listed = [a.target for a in world.reachable_from(OKTA, now=NOW)]
    direct = world.who_can(SAML, DEPLOY, now=NOW).principals()
    if key == "saml:doc" and value == f"{B}/Okta":
        assert direct == (OKTA,) and listed == [DEPLOY]
        (access,) = world.who_can(SAML, DEPLOY, now=NOW)
        assert access.conditions == () and access.path[0].allowed
    else:
        assert listed == [] and direct == ()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("sts:ExternalId", "x"),
        ("aws:MultiFactorAuthPresent", "true"),
    ],
)
def test_assume_role_only_context_never_reaches_a_federated_call(key: str, value: str) -> None:
    """AWS STS API Reference, AssumeRoleWithWebIdentity and AssumeRoleWithSAML: neither call
    has an ExternalId or MFA parameter, so a trust condition on sts:ExternalId or
    aws:MultiFactorAuthPresent never passes for a web identity or SAML caller, whatever the
    question's context says (it still applies to AssumeRole callers)."""
    trust = _doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": [GH_ARN, OKTA]},
            "Action": [WEB, SAML],
            "Condition": {"StringEquals": {key: value}},
        }
    )
    world = _world(trust)
    context = {key: value}
    assert world.who_can(WEB, DEPLOY, context=context, now=NOW).principals() == ()
    assert world.who_can(SAML, DEPLOY, context=context, now=NOW).principals() == ()
    assert world.reachable_from(GH_ARN, context=context, now=NOW).principals() == ()


def test_one_providers_claim_in_context_hides_no_other_caller() -> None:
    """A claim key names its issuer (`ISSUER:CLAIM`, IAM User Guide "Available keys for AWS
    web identity federation"); a saml:* key is an assertion's. Each applies only to that
    caller's call: the others are asked as if it were absent, and STS refuses nothing."""
    trust = _doc(
        {"Effect": "Allow", "Principal": {"Federated": GH_ARN}, "Action": WEB},
        {"Effect": "Allow", "Principal": {"Federated": OKTA}, "Action": SAML},
    )
    world = _world(trust)
    for context in ({f"{GH}:sub": "repo:acme/app:x"}, {"saml:sub": "jane"}):
        answer = world.who_can("s3:PutObject", ARTIFACT, context=context, now=NOW)
        assert {GH_ARN, OKTA} <= set(answer.principals())
        assert not any("STS refuses" in n for n in answer.notes)
        for access in answer:
            assert all(d.allowed for d in access.path)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (f"{GH}:nosuchclaim", "not a claim AWS makes a key of"),
        ("saml:nosuchkey", "not a key AWS sets from a SAML assertion"),
        ("saml:doc", "AWS computes saml:doc"),
        ("graph.facebook.com:sub", "not a claim AWS makes a key of"),
        (f"{GH}:sub", "a claim's value is a string"),
    ],
)
def test_an_unknown_claim_key_in_context_is_refused_up_front(key: str, message: str) -> None:
    """An input error names where it is (`context[KEY]`) and is raised once, not swallowed
    into a note blaming STS."""
    world = _world(_federated(GH_ARN, WEB, None))
    value: object = {"a": 1} if "value" in message else "x"
    for ask in (
        lambda: world.who_can(WEB, DEPLOY, context={key: value}, now=NOW),
        lambda: world.reachable_from(GH_ARN, context={key: value}, now=NOW),
    ):
        with pytest.raises(iamsim.ValidationError, match=rf"context\['{key}'\]: {message}"):
            ask()


@pytest.mark.parametrize(
    ("principal", "action", "reached"),
    [
        ("*", "sts:*", {GH_ARN, OKTA}),
        ("*", WEB, {GH_ARN}),
        ({"AWS": "*"}, SAML, {OKTA}),
        ("*", "sts:AssumeRole", set()),
    ],
)
def test_wildcard_principal_admits_federated_callers_of_the_calls_it_allows(
    principal: Any, action: str, reached: set[str]
) -> None:
    """IAM User Guide, "AWS JSON policy elements: Principal": `*` (and {"AWS": "*"}) is
    every principal, web identity and SAML federated users included. A trust with a `*`
    principal admits every provider of the role's account (and the built-in web identity
    providers) for the federated calls its Action covers; the engine decides each."""
    trust = _doc({"Effect": "Allow", "Principal": principal, "Action": action})
    world = _world(trust)
    for provider in (GH_ARN, OKTA):
        found = [a.target for a in world.reachable_from(provider, now=NOW)]
        assert (DEPLOY in found) is (provider in reached)
    callers = set(world.who_can("s3:PutObject", ARTIFACT, now=NOW).principals())
    assert {GH_ARN, OKTA} & callers == reached
    if action in ("*", "sts:*", WEB):
        assert "accounts.google.com" in callers  # a built-in provider: any Google token
    for access in world.who_can("s3:PutObject", ARTIFACT, now=NOW):
        assert all(d.allowed for d in access.path)


def test_session_name_example_is_one_sts_accepts() -> None:
    """AWS STS API Reference, AssumeRoleWithWebIdentity: RoleSessionName is 2 to 64 of
    [\\w+=,.@-]. A StringLike `a*` is met by "ax" (the empty run would leave "a", which STS
    refuses); the path is listed and replays allowed, for a provider and for a user."""
    trust = _doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GH_ARN, "AWS": f"arn:aws:iam::{B}:user/dev"},
            "Action": [WEB, "sts:AssumeRole"],
            "Condition": {"StringLike": {"sts:RoleSessionName": "a*"}},
        }
    )
    user = {
        "dev": {
            "policies": [_doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})]
        }
    }
    world = _world(trust, {"users": user})
    answer = world.who_can("s3:PutObject", ARTIFACT, now=NOW)
    callers = {GH_ARN, f"arn:aws:iam::{B}:user/dev"}
    assert callers <= set(answer.principals())
    for access in (a for a in answer if a.principal in callers):
        (cond,) = access.conditions
        assert cond.key == "sts:RoleSessionName" and cond.value == "ax"
        assert all(d.allowed for d in access.path)
    assert not any("STS refuses" in n for n in answer.notes)


def test_session_name_no_sts_name_meets_is_no_value_not_an_sts_refusal() -> None:
    """A StringEquals on a one-letter session name: STS accepts no such name (2 to 64
    characters), so no value is derived and no path is listed; no note blames STS for a
    call iamsim never made."""
    trust = _federated(GH_ARN, WEB, {"StringEquals": {"sts:RoleSessionName": "a"}})
    answer = _world(trust).who_can(WEB, DEPLOY, now=NOW)
    assert answer.principals() == ()
    assert not any("STS refuses" in n for n in answer.notes)


def test_reachable_from_keeps_the_refusal_of_a_role_beside_a_role_it_reaches() -> None:
    """STS refuses GitHub's token at a role of another account's world-less provider check
    ("Incorrect token audience" where the trust asks an audience the provider does not
    list) while the provider reaches Deploy: the refusal at the other role stays noted."""
    other = _federated(GH_ARN, WEB, {"StringEquals": {f"{GH}:aud": "https://elsewhere"}})
    roles = {
        "Deploy": {"trust_policy": _federated(GH_ARN, WEB, None), "policies": [PUT]},
        "Other": {"trust_policy": other},
    }
    world = _world(_federated(GH_ARN, WEB, None), {"roles": roles})
    answer = world.reachable_from(GH_ARN, now=NOW)
    assert answer.principals() and [a.target for a in answer] == [DEPLOY]
    assert any(
        n.startswith(f"{GH_ARN} gets no session of arn:aws:iam::{B}:role/Other")
        and "Incorrect token audience" in n
        for n in answer.notes
    )


@pytest.mark.parametrize("key", ["graph.facebook.com:sub", "www.amazon.com:aud"])
def test_oauth_providers_set_no_sub_or_aud(key: str) -> None:
    """IAM User Guide, "Available keys for AWS web identity federation": Login with Amazon
    sets www.amazon.com:app_id and :user_id, Facebook graph.facebook.com:app_id and :id;
    neither sets sub or aud, so a trust condition on them never passes."""
    host = key.split(":")[0]
    world = _world(_federated(host, WEB, {"StringEquals": {key: "x"}}))
    assert world.who_can(WEB, DEPLOY, now=NOW).principals() == ()
    claim = "id" if host == "graph.facebook.com" else "user_id"
    ok = _world(_federated(host, WEB, {"StringEquals": {f"{host}:{claim}": "x"}}))
    (access,) = ok.who_can(WEB, DEPLOY, now=NOW)
    assert access.principal == host and access.path[0].allowed
