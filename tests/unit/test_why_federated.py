"""`why` replays the CloudTrail records of AssumeRoleWithWebIdentity and AssumeRoleWithSAML,
and STS's denial of them, as the federated call (iamsim.questions.why_federated).

Fixtures: tests/data/cloudtrail/SOURCES.md (shaped as the IAM User Guide's "Logging IAM and
AWS STS API calls with AWS CloudTrail" examples)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.questions.why import NOTE_PREFIX, read_evidence, replay

DATA = Path(__file__).parents[1] / "data" / "cloudtrail"
GH = "token.actions.githubusercontent.com"
GH_ARN = f"arn:aws:iam::222222222222:oidc-provider/{GH}"
DEPLOY = "arn:aws:iam::222222222222:role/Deploy"
OKTA = "arn:aws:iam::222222222222:saml-provider/Okta"
DENIAL = (
    "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: "
    "Not authorized to perform sts:AssumeRoleWithWebIdentity"
)


def _world() -> iamsim.World:
    return iamsim.World.load(DATA / "federation-world.yaml")


def _record(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return loaded


def _notes(d: iamsim.Decision) -> list[str]:
    return [n for n in d.notes if n.startswith(NOTE_PREFIX)]


def test_web_identity_record_is_read_as_its_provider_and_token() -> None:
    """CloudTrail User Guide, "Values for AWS STS APIs with SAML and web identity
    federation": identityProvider is the provider, principalId PROVIDER:AUDIENCE:SUBJECT,
    userName the subject; a denied call's responseElements is null."""
    ev = read_evidence(_record("web-identity-denied"))
    assert (ev.caller, ev.action, ev.resource, ev.denied) == (
        GH_ARN,
        "sts:AssumeRoleWithWebIdentity",
        DEPLOY,
        True,
    )
    values = dict(ev.federated)
    assert values["subject"] == "repo:acme/app:environment:prod"
    assert values["audience"] == "sts.amazonaws.com"  # from principalId
    assert (values["session_name"], values["duration_seconds"]) == ("gha-run", 3600)
    assert ev.identity_type == "WebIdentityUser" and ev.assume == ()


def test_environment_job_record_says_the_sub_did_not_match() -> None:
    """docs/federation.md: a job with an environment gets a token whose sub is
    repo:acme/app:environment:prod, which the trust policy's branch pattern does not
    match; AWS denied it, and the replay agrees and says why."""
    replayed = replay(_world(), _record("web-identity-denied"))
    d = replayed.decision
    assert replayed.agrees and not d.allowed
    assert d.operation == "AssumeRoleWithWebIdentity"
    assert [m.key for m in d.near_misses] == [f"{GH}:sub"]
    assert str(d).startswith(
        "Denied: the target account's (222222222222) role trust policy requires a different "
        f"{GH}:sub"
    )
    assert "repo:acme/app:environment:prod" in str(d)


def test_allowed_records_replay_allowed() -> None:
    """The IAM User Guide's example OIDC and SAML events: allowed calls, their session
    tags and duration passed again (the SAML role's trust allows sts:TagSession, as
    "Passing session tags in AWS STS" requires)."""
    world = _world()
    web = replay(world, _record("web-identity-allowed"))
    assert web.agrees and web.decision.allowed
    assert web.decision.session is not None
    assert web.decision.session.arn == "arn:aws:sts::222222222222:assumed-role/Deploy/gha-run"
    saml = replay(world, _record("saml-allowed"))
    assert saml.agrees and saml.decision.allowed
    session = saml.decision.session
    assert session is not None and session.arn.endswith("assumed-role/Admins/jane")
    assert dict(session.tags) == {"CostCenter": "987654"}
    ev = read_evidence(_record("saml-allowed"))
    values = dict(ev.federated)
    assert ev.caller == OKTA
    assert values["issuer"] == "http://www.okta.com/exk1a2b3c4d5e6f7g8h9"
    assert values["name_qualifier"] == "Zr8oEXAMPLEu5cqW1nQbEXAMPLE="


def test_a_claim_the_record_cannot_carry_is_an_input_lacking() -> None:
    """A trust policy on GitHub's environment claim (a key AWS STS sets from the token):
    the record carries only sub and aud, so the replay of an allowed call is denied, and
    the disagreement names the claims a record cannot carry; context may give them."""
    world = _world()
    role = world.role(DEPLOY)
    assert role is not None
    trust = role.trust_policy.to_dict()  # type: ignore[union-attr]
    trust["Statement"][0]["Condition"] = {"StringEquals": {f"{GH}:environment": "prod"}}
    world = world.replace(role, attrs.evolve(role, trust_policy=trust))
    replayed = replay(world, _record("web-identity-allowed"))
    assert not replayed.agrees and not replayed.decision.allowed
    (note,) = replayed.disagreement
    assert "AWS allowed sts:AssumeRoleWithWebIdentity" in note
    assert "the token's other claims" in note
    given = replay(world, _record("web-identity-allowed"), context={f"{GH}:environment": "prod"})
    assert given.agrees and given.decision.allowed


def test_denied_record_the_world_allows_is_a_disagreement() -> None:
    """Reported as for any record: AWS denied, the world allows (here the trust policy
    admits every ref of the repository)."""
    world = _world()
    role = world.role(DEPLOY)
    assert role is not None
    trust = role.trust_policy.to_dict()  # type: ignore[union-attr]
    trust["Statement"][0]["Condition"]["StringLike"][f"{GH}:sub"] = "repo:acme/app:*"
    world = world.replace(role, attrs.evolve(role, trust_policy=trust))
    replayed = replay(world, _record("web-identity-denied"))
    assert not replayed.agrees and replayed.decision.allowed
    assert any("but this world allows it" in n for n in _notes(replayed.decision))


def test_sts_denial_message_replays_with_role_and_claims() -> None:
    """STS's AccessDenied for AssumeRoleWithWebIdentity names no caller, role or claim
    (AWS STS API Reference, AssumeRoleWithWebIdentity, Errors): the role and the token's
    sub complete it; the provider is the one the role's trust policy names."""
    world = _world()
    with pytest.raises(iamsim.ValidationError, match=r"names no role; give resource="):
        world.why(DENIAL)
    with pytest.raises(iamsim.ValidationError, match=rf"context {GH}:sub=VALUE"):
        world.why(DENIAL, resource=DEPLOY)
    with pytest.raises(iamsim.ValidationError, match=rf"context {GH}:aud=VALUE"):
        world.why(DENIAL, resource=DEPLOY, context={f"{GH}:sub": "repo:acme/app:pull_request"})
    d = world.why(
        DENIAL,
        resource=DEPLOY,
        context={f"{GH}:sub": "repo:acme/app:pull_request", f"{GH}:aud": "sts.amazonaws.com"},
    )
    assert not d.allowed and [m.key for m in d.near_misses] == [f"{GH}:sub"]
    assert not any("disagrees" in n for n in d.notes)


def test_sts_denial_needs_the_provider_when_the_trust_names_several() -> None:
    world = _world()
    role = world.role(DEPLOY)
    assert role is not None
    trust = role.trust_policy.to_dict()  # type: ignore[union-attr]
    trust["Statement"][0]["Principal"]["Federated"] = [GH_ARN, "accounts.google.com"]
    world = world.replace(role, attrs.evolve(role, trust_policy=trust))
    context = {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main", f"{GH}:aud": "sts.amazonaws.com"}
    with pytest.raises(iamsim.ValidationError, match=r"names 2 .*give caller="):
        world.why(DENIAL, resource=DEPLOY, context=context)
    assert world.why(DENIAL, resource=DEPLOY, caller=GH_ARN, context=context).allowed


def test_unknown_claim_and_unregistered_provider_fail_loudly() -> None:
    """A context key under the issuer that AWS makes no key of is ambiguous input; a
    provider the role's account does not register is STS's InvalidIdentityToken."""
    world = _world()
    with pytest.raises(iamsim.ValidationError, match=r"not a claim AWS makes a key of"):
        world.why(_record("web-identity-denied"), context={f"{GH}:colour": "blue"})
    record = _record("web-identity-allowed")
    other = "arn:aws:iam::222222222222:oidc-provider/oidc.example.com"
    record["userIdentity"]["identityProvider"] = other
    record["userIdentity"]["principalId"] = f"{other}:sts.amazonaws.com:x"
    record["userIdentity"]["userName"] = "x"
    del record["responseElements"]["provider"]
    del record["responseElements"]["subjectFromWebIdentityToken"]
    with pytest.raises(iamsim.ValidationError, match=r"STS refuses it in this world .*No OpenID"):
        world.why(record)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=12),
    st.sampled_from([GH_ARN, OKTA, "accounts.google.com", "sts.amazonaws.com", DEPLOY, ":"]),
    st.lists(st.text(max_size=5), max_size=2),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["web-identity-allowed", "web-identity-denied", "saml-allowed"]),
    st.sampled_from(["userIdentity", "requestParameters", "responseElements"]),
    st.sampled_from(
        [
            "principalId",
            "userName",
            "identityProvider",
            "roleArn",
            "roleSessionName",
            "principalArn",
            "durationSeconds",
            "principalTags",
            "transitiveTagKeys",
            "sourceIdentity",
            "subject",
            "subjectFromWebIdentityToken",
            "audience",
            "provider",
            "issuer",
            "nameQualifier",
        ]
    ),
    _VALUES,
)
def test_any_federated_record_replays_or_says_what_is_wrong(
    name: str, part: str, field: str, value: Any
) -> None:
    """Whatever a federated record's fields hold, `why` answers or raises an IamsimError
    naming the problem: never another exception."""
    record = _record(name)
    if not isinstance(record.get(part), dict):
        record[part] = {}
    record[part][field] = value
    with contextlib.suppress(iamsim.IamsimError):
        _world().why(record)


def test_keywords_a_federated_call_does_not_take_are_refused() -> None:
    """AssumeRoleWithWebIdentity has no ExternalId parameter (AWS STS API Reference)."""
    with pytest.raises(iamsim.ValidationError, match=r"external_id=: .* takes no external ID"):
        _world().why(_record("web-identity-denied"), external_id="x")


# -- review of the federated replay ------------------------------------------------------

GOOGLE = "accounts.google.com"


def _google_world() -> iamsim.World:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": GOOGLE},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{GOOGLE}:oaud": "client-x"}},
            }
        ],
    }
    return iamsim.World.from_dict(
        {"accounts": {"222222222222": {"roles": {"Deploy": {"trust_policy": trust}}}}}
    )


def test_google_oaud_given_as_context_is_the_tokens_audience() -> None:
    """IAM User Guide, "Available keys for AWS web identity federation": for Google,
    accounts.google.com:aud is the authorized party (azp) and accounts.google.com:oaud the
    token's audience. A replay given both keys builds that token: its oaud is not dropped."""
    context = {f"{GOOGLE}:sub": "1234", f"{GOOGLE}:aud": "azp-1", f"{GOOGLE}:oaud": "client-x"}
    d = _google_world().why(DENIAL, resource=DEPLOY, context=context)
    assert d.allowed
    keys = dict(d.context)
    assert (keys[f"{GOOGLE}:aud"], keys[f"{GOOGLE}:oaud"]) == ("azp-1", "client-x")
    denied = _google_world().why(
        DENIAL, resource=DEPLOY, context={**context, f"{GOOGLE}:oaud": "y"}
    )
    assert not denied.allowed and [m.key for m in denied.near_misses] == [f"{GOOGLE}:oaud"]


def _session_name_world() -> iamsim.World:
    world = _world()
    role = world.role(DEPLOY)
    assert role is not None
    trust = role.trust_policy.to_dict()  # type: ignore[union-attr]
    trust["Statement"][0]["Condition"]["StringLike"]["sts:RoleSessionName"] = "gha-*"
    return world.replace(role, attrs.evolve(role, trust_policy=trust))


def test_sts_denial_replay_takes_the_session_name_from_context_or_says_it_guessed() -> None:
    """AWS STS API Reference, AssumeRoleWithWebIdentity: RoleSessionName is a parameter of
    the call (its sts:RoleSessionName key), which STS's denial does not echo. The replay takes
    it from context sts:RoleSessionName; without it, a caveat says which name it used."""
    world = _session_name_world()
    claims = {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main", f"{GH}:aud": "sts.amazonaws.com"}
    guessed = world.why(DENIAL, resource=DEPLOY, context=claims)
    assert not guessed.allowed
    assert any("uses the session name 'iamsim-why'" in n for n in _notes(guessed))
    given_name = world.why(
        DENIAL, resource=DEPLOY, context={**claims, "sts:RoleSessionName": "gha-run"}
    )
    assert given_name.allowed
    assert dict(given_name.context)["sts:RoleSessionName"] == "gha-run"
    assert not any("uses the session name" in n for n in _notes(given_name))


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({f"{GH}:colour": "blue"}, rf"^context\['{GH}:colour'\]: not a claim"),
        ({f"{GH}:sub": 5, f"{GH}:aud": "sts.amazonaws.com"}, rf"^context\['{GH}:sub'\]: a claim"),
        ({"sts:RoleSessionName": 7}, r"^context\['sts:RoleSessionName'\]: the session name"),
    ],
)
def test_input_errors_are_not_blamed_on_sts(context: dict[str, Any], message: str) -> None:
    """A caller's own input error is raised where it is read, not as STS refusing the call."""
    with pytest.raises(iamsim.ValidationError, match=message) as raised:
        _world().why(DENIAL, resource=DEPLOY, context=context)
    assert "STS refuses" not in str(raised.value)


@pytest.mark.parametrize("name", ["web-identity-allowed", "saml-allowed"])
def test_duration_that_is_not_an_integer_is_refused_by_its_path(name: str) -> None:
    """CloudTrail writes requestParameters.durationSeconds as the request's integer; a string
    there is not a record of a call, refused with its JSON path rather than dropped."""
    record = _record(name)
    record["requestParameters"]["durationSeconds"] = "99999"
    with pytest.raises(iamsim.ValidationError, match=r"record\.requestParameters\.durationSeconds"):
        _world().why(record)


def test_assume_role_record_duration_that_is_not_an_integer_is_refused() -> None:
    record = json.loads((DATA / "assume-role-allowed.json").read_text())
    record["requestParameters"]["durationSeconds"] = "3600"
    with pytest.raises(iamsim.ValidationError, match=r"record\.requestParameters\.durationSeconds"):
        read_evidence(record)


@pytest.mark.parametrize(
    ("name", "part", "field", "value", "named"),
    [
        (
            "web-identity-allowed",
            "responseElements",
            "subjectFromWebIdentityToken",
            "repo:evil/app:ref:refs/heads/main",
            "userName",
        ),
        (
            "web-identity-allowed",
            "responseElements",
            "provider",
            "accounts.google.com",
            "identityProvider",
        ),
        ("saml-allowed", "responseElements", "subject", "john", "userName"),
        ("saml-allowed", "responseElements", "nameQualifier", "other=", "identityProvider"),
    ],
)
def test_conflicting_record_fields_are_refused(
    name: str, part: str, field: str, value: str, named: str
) -> None:
    """CloudTrail User Guide, "CloudTrail userIdentity element": a federated record's
    userIdentity and responseElements describe one call (its subject, its provider, its name
    qualifier); fields that differ are not one call's, refused naming both."""
    record = _record(name)
    record[part][field] = value
    with pytest.raises(
        iamsim.ValidationError, match=rf"{field}.*differs.*{named}|{named}.*differs.*{field}"
    ):
        _world().why(record)


def test_saml_name_qualifier_is_computed_not_taken_from_the_record() -> None:
    """IAM User Guide, "Available keys for SAML-based AWS STS federation": saml:namequalifier
    is AWS's hash of the issuer, the account and the provider's name. The replay computes
    it; a record whose name qualifier differs gets a caveat (this fixture's is made up)."""
    d = _world().why(_record("saml-allowed"))
    assert d.allowed
    computed = dict(d.context)["saml:namequalifier"]
    assert computed != "Zr8oEXAMPLEu5cqW1nQbEXAMPLE="
    assert any("computes saml:namequalifier" in n and computed in n for n in _notes(d))
