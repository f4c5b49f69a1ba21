"""aws:FederatedProvider on the later calls of a web identity session (docs/federation.md).

IAM User Guide, "AWS global condition context keys", aws:FederatedProvider
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-federatedprovider):
the key names the principal's issuing identity provider; it is present in the role session
of a principal that assumed the role through an OIDC identity provider
(AssumeRoleWithWebIdentity); its value is the IAM OIDC provider's ARN, and for Amazon
Cognito `cognito-identity.amazonaws.com` (the page's trust policy example compares it with
that name). AWS documents no carry-over to a session made from it by role chaining, nor a
value for a SAML session or for Google, Facebook and Login with Amazon: iamsim leaves it
absent there, the least permissive reading for an Allow that requires it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.cli import main
from iamsim.errors import ValidationError
from iamsim.inputs.session_file import SessionFileError, session_from_data
from iamsim.questions.reach_federated import settable_for
from iamsim.questions.satisfy import caller_settable
from iamsim.session import RoleSession

ACC = "222222222222"
OTHER = "111111111111"
GH = "token.actions.githubusercontent.com"
GH_ARN = f"arn:aws:iam::{ACC}:oidc-provider/{GH}"
COGNITO = "cognito-identity.amazonaws.com"
GOOGLE = "accounts.google.com"
OKTA = f"arn:aws:iam::{ACC}:saml-provider/Okta"
DEPLOY = f"arn:aws:iam::{ACC}:role/Deploy"
NEXT = f"arn:aws:iam::{ACC}:role/Next"
ALICE = f"arn:aws:iam::{ACC}:user/alice"
SHARED = "arn:aws:s3:::shared/report.csv"
KEY = "aws:FederatedProvider"


def _allow(action: str, resource: str = "*", provider: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if provider is not None:
        statement["Condition"] = {"StringEquals": {KEY: provider}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _federated_trust(provider: str, action: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider}, "Action": action}],
    }


WEB = "sts:AssumeRoleWithWebIdentity"
# Next trusts Deploy and alice only for a caller whose session came from GitHub's provider.
NEXT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": [DEPLOY, ALICE]},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {KEY: GH_ARN}},
        }
    ],
}
# Hop trusts Deploy with no condition: the session it makes is a chained one.
HOP_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": DEPLOY}, "Action": "sts:AssumeRole"}],
}
# The other account's bucket lets account ACC read only from a GitHub-federated session.
BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": ACC},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared/*",
            "Condition": {"StringEquals": {KEY: GH_ARN}},
        }
    ],
}
WORLD = iamsim.World.from_dict(
    {
        "accounts": {
            ACC: {
                "oidc_providers": {GH: {"client_ids": ["sts.amazonaws.com"]}},
                "saml_providers": {"Okta": {}},
                "roles": {
                    "Deploy": {
                        "trust_policy": _federated_trust(GH_ARN, WEB),
                        "policies": [
                            _allow("s3:GetObject", "arn:aws:s3:::data/*", GH_ARN),
                            _allow("s3:GetObject", "arn:aws:s3:::shared/*"),
                            _allow("sts:AssumeRole"),
                        ],
                    },
                    "Cog": {
                        "trust_policy": _federated_trust(COGNITO, WEB),
                        "policies": [_allow("s3:GetObject", "arn:aws:s3:::data/*", COGNITO)],
                    },
                    "Goog": {
                        "trust_policy": _federated_trust(GOOGLE, WEB),
                        "policies": [_allow("s3:GetObject", "arn:aws:s3:::data/*", GOOGLE)],
                    },
                    "Saml": {
                        "trust_policy": _federated_trust(OKTA, "sts:AssumeRoleWithSAML"),
                        "policies": [_allow("s3:GetObject", "arn:aws:s3:::data/*", OKTA)],
                    },
                    "Next": {"trust_policy": NEXT_TRUST},
                    "Hop": {
                        "trust_policy": HOP_TRUST,
                        "policies": [_allow("s3:GetObject", "arn:aws:s3:::shared/*")],
                    },
                },
                "resources": {"arn:aws:s3:::data": {}},
                "users": {
                    "alice": {"policies": [_allow("s3:GetObject", "*"), _allow("sts:AssumeRole")]},
                    "bob": {"policies": [_allow("s3:GetObject", "arn:aws:s3:::data/*", GH_ARN)]},
                },
            },
            OTHER: {"resources": {"arn:aws:s3:::shared": {"policy": BUCKET_POLICY}}},
        }
    }
)


def _role(name: str) -> str:
    return f"arn:aws:iam::{ACC}:role/{name}"


def _web(role: str, issuer: str, audience: str = "sts.amazonaws.com") -> RoleSession:
    d = WORLD.assume_role_with_web_identity(
        role_arn=_role(role),
        session_name="run",
        token={"iss": f"https://{issuer}", "aud": audience, "sub": "repo:acme/app:ref:main"},
    )
    assert d.allowed and d.session is not None, str(d)
    return d.session


def _github() -> RoleSession:
    return _web("Deploy", GH)


def _chained() -> RoleSession:
    d = WORLD.assume_role(_github(), _role("Hop"), session_name="hop")
    assert d.allowed and d.session is not None, str(d)
    return d.session


# -- the key's value ----------------------------------------------------------------------


def test_oidc_session_carries_the_providers_arn() -> None:
    """The value is the IAM OIDC provider's ARN, on every later call of the session."""
    session = _github()
    assert session.federated_provider == GH_ARN
    d = WORLD.simulate(session, "s3:GetObject", "arn:aws:s3:::data/x")
    assert d.allowed, str(d)
    assert dict(d.context)[KEY] == GH_ARN


def test_cognito_session_carries_the_bare_name() -> None:
    """Amazon Cognito: the value is `cognito-identity.amazonaws.com`, not an ARN."""
    session = _web("Cog", COGNITO, audience="us-east-1:0000-pool")
    assert session.federated_provider == COGNITO
    d = WORLD.simulate(session, "s3:GetObject", "arn:aws:s3:::data/x")
    assert d.allowed, str(d)
    assert dict(d.context)[KEY] == COGNITO


def test_undocumented_built_in_provider_leaves_the_key_absent() -> None:
    """AWS documents no value for Google's bare name: absent, so an Allow requiring it
    fails rather than matching a guessed value."""
    session = _web("Goog", GOOGLE, audience="client.apps.googleusercontent.com")
    assert session.federated_provider is None
    d = WORLD.simulate(session, "s3:GetObject", "arn:aws:s3:::data/x")
    assert not d.allowed
    assert KEY not in dict(d.context)


def test_saml_session_leaves_the_key_absent() -> None:
    """The key is documented for sessions assumed through an OIDC provider only."""
    d = WORLD.assume_role_with_saml(
        role_arn=_role("Saml"),
        principal_arn=OKTA,
        assertion={
            "saml:sub": "jane",
            "https://aws.amazon.com/SAML/Attributes/RoleSessionName": "jane",
        },
    )
    assert d.allowed and d.session is not None, str(d)
    assert d.session.federated_provider is None
    later = WORLD.simulate(d.session, "s3:GetObject", "arn:aws:s3:::data/x")
    assert not later.allowed
    assert KEY not in dict(later.context)


# -- the policies of a further call -------------------------------------------------------


def test_identity_policy_condition_allows_only_the_web_identity_session() -> None:
    """Deploy's and bob's identity policies require the key: the web identity session
    passes; bob, a plain IAM user whose requests never carry the key, is denied."""
    assert WORLD.simulate(_github(), "s3:GetObject", "arn:aws:s3:::data/x").allowed
    user = WORLD.simulate(f"arn:aws:iam::{ACC}:user/bob", "s3:GetObject", "arn:aws:s3:::data/x")
    assert not user.allowed
    assert KEY not in dict(user.context)
    assert KEY in user.missing_context_keys


def test_resource_policy_condition_across_accounts() -> None:
    """The other account's bucket policy requires the key: the web identity session gets
    in; a chained session of the same account and a plain user do not."""
    assert WORLD.simulate(_github(), "s3:GetObject", SHARED).allowed
    chained = WORLD.simulate(_chained(), "s3:GetObject", SHARED)
    assert not chained.allowed
    assert KEY not in dict(chained.context)
    assert not WORLD.simulate(ALICE, "s3:GetObject", SHARED).allowed


def test_trust_policy_condition_of_a_chained_assume_role() -> None:
    """Next's trust policy requires the key: the web identity session may assume it, a
    plain IAM user may not."""
    allowed = WORLD.assume_role(_github(), NEXT, session_name="next")
    assert allowed.allowed, str(allowed)
    assert dict(allowed.context)[KEY] == GH_ARN
    denied = WORLD.assume_role(ALICE, NEXT, session_name="next")
    assert not denied.allowed
    assert KEY not in dict(denied.context)


def test_role_chaining_does_not_carry_the_key() -> None:
    """AWS documents no carry-over: the session AssumeRole makes from a web identity
    session has no federated provider, so Next, which requires one, refuses it."""
    chained = _chained()
    assert chained.chained and chained.federated_provider is None
    d = WORLD.assume_role(chained, NEXT, session_name="again")
    assert not d.allowed
    assert KEY not in dict(d.context)


# -- reach never invents it --------------------------------------------------------------


def test_who_can_never_invents_the_key() -> None:
    """No path is listed on a value of aws:FederatedProvider the caller would have to
    choose: alice, whom Next trusts only with the key, is not among who may assume it, and
    no listed path has a condition on it."""
    answer = WORLD.who_can("sts:AssumeRole", NEXT)
    assert ALICE not in answer.principals()
    for access in (*answer, *WORLD.who_can("s3:GetObject", SHARED)):
        assert all(c.key.lower() != KEY.lower() for c in access.conditions)
    for access in WORLD.reachable_from(GH_ARN):
        assert all(c.key.lower() != KEY.lower() for c in access.conditions)


# -- reach asks the hop after a web identity call as that session -------------------------


def test_who_can_follows_the_session_into_a_trust_requiring_the_key() -> None:
    """Next's trust requires the key: the provider's path through Deploy's web identity
    session is listed, its hop into Next asked as that session, and it replays allowed."""
    answer = WORLD.who_can("sts:AssumeRole", NEXT)
    (access,) = [a for a in answer if a.principal == GH_ARN]
    assert access.via == (DEPLOY,) and access.kind == "web_identity"
    path = access.path
    assert all(d.allowed for d in path), [str(d) for d in path]
    assert dict(path[1].context)[KEY] == GH_ARN


def test_who_can_follows_the_session_into_a_bucket_policy_requiring_the_key() -> None:
    """The other account's bucket requires the key on the final action: the provider
    reads it through Deploy's session; Hop's chained session does not carry it."""
    answer = WORLD.who_can("s3:GetObject", SHARED)
    (access,) = [a for a in answer if a.principal == GH_ARN]
    assert access.via == (DEPLOY,)
    assert all(d.allowed for d in access.path)
    assert _role("Hop") not in answer.principals() and DEPLOY not in answer.principals()


def test_reachable_from_the_provider_includes_the_role_its_session_may_assume() -> None:
    reached = {a.target: a for a in WORLD.reachable_from(GH_ARN)}
    assert reached[NEXT].via == (DEPLOY,)
    assert all(d.allowed for d in reached[NEXT].path)


# A second, small world: GitHub's provider and alice may both assume A; B trusts A only with
# the key; C trusts B only with the key (a third hop, from a chained session).
A, B, C = (f"arn:aws:iam::{ACC}:role/{n}" for n in "ABC")


def _keyed_trust(caller: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": caller},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {KEY: GH_ARN}},
            }
        ],
    }


CHAIN = iamsim.World.from_dict(
    {
        "accounts": {
            ACC: {
                "oidc_providers": {GH: {"client_ids": ["sts.amazonaws.com"]}},
                "roles": {
                    "A": {
                        "trust_policy": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Federated": GH_ARN},
                                    "Action": WEB,
                                },
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": ALICE},
                                    "Action": "sts:AssumeRole",
                                },
                            ],
                        },
                        "policies": [_allow("sts:AssumeRole")],
                    },
                    "B": {"trust_policy": _keyed_trust(A), "policies": [_allow("sts:AssumeRole")]},
                    "C": {"trust_policy": _keyed_trust(B)},
                },
                "users": {"alice": {"policies": [_allow("sts:AssumeRole")]}},
            }
        }
    }
)


def test_two_hop_path_of_the_provider_is_listed() -> None:
    """who_can on B lists GitHub's provider through A's web identity session."""
    answer = CHAIN.who_can("sts:AssumeRole", B)
    (access,) = [a for a in answer if a.principal == GH_ARN]
    assert access.via == (A,) and access.target == B
    assert access.hop_action(0) == WEB and access.hop_action(1) == "sts:AssumeRole"
    assert all(d.allowed for d in access.path)


def test_a_user_who_assumes_the_same_role_does_not_reach_further() -> None:
    """alice's session of A is a plain role session, without the key: B refuses it. The
    same role entered by the provider and by alice has different onward reach."""
    assert {a.target for a in CHAIN.reachable_from(ALICE)} == {A}
    assert ALICE not in CHAIN.who_can("sts:AssumeRole", B).principals()
    assert {a.target for a in CHAIN.reachable_from(GH_ARN)} == {A, B}


def test_the_key_is_not_carried_over_role_chaining() -> None:
    """C's trust requires the key of B's session, which the provider's session of A made
    by AssumeRole (chaining): no key, so C is reached by nobody, as AssumeRole says."""
    assert GH_ARN not in CHAIN.who_can("sts:AssumeRole", C).principals()
    assert C not in {a.target for a in CHAIN.reachable_from(GH_ARN)}
    session = CHAIN.assume_role_with_web_identity(
        role_arn=A,
        session_name="run",
        token={"iss": f"https://{GH}", "aud": "sts.amazonaws.com", "sub": "repo:acme/app"},
    ).session
    assert session is not None
    chained = CHAIN.assume_role(session, B, session_name="hop-b")
    assert chained.allowed and chained.session is not None
    assert not CHAIN.assume_role(chained.session, C, session_name="hop-c").allowed


def test_reach_never_chooses_the_key() -> None:
    """A fact of the session, not of the request: no caller, federated or not, chooses it."""
    for key in (KEY, KEY.lower(), KEY.upper()):
        assert not caller_settable(key)
        assert not settable_for("web_identity", GH_ARN)(key)
        assert not settable_for("web_identity", COGNITO)(key)
        assert not settable_for("saml", OKTA)(key)


# -- JSON and the session file -----------------------------------------------------------


def test_session_json_round_trips_the_provider() -> None:
    session = _github()
    data = session.to_dict()
    assert data["federated_provider"] == GH_ARN
    back = RoleSession.from_dict(json.loads(json.dumps(data)))
    assert back == session and back.federated_provider == GH_ARN
    assert session_from_data(data, "s.json") == session


def test_session_json_without_provider_omits_it() -> None:
    """Only a web identity session writes the field; a record without it reads as None."""
    data = _chained().to_dict()
    assert "federated_provider" not in data
    assert RoleSession.from_dict(data).federated_provider is None


@pytest.mark.parametrize("bad", [5, "", ["x"]])
def test_malformed_provider_is_refused_naming_the_field(bad: object) -> None:
    data = {**_github().to_dict(), "federated_provider": bad}
    with pytest.raises(ValidationError, match="federated_provider"):
        RoleSession.from_dict(data)
    with pytest.raises(SessionFileError, match=r"s\.json: federated_provider: expected a string"):
        session_from_data(data, "s.json")


@settings(max_examples=30)
@given(st.text(min_size=1, max_size=40))
def test_any_provider_round_trips(provider: str) -> None:
    session = RoleSession.from_dict({**_chained().to_dict(), "federated_provider": provider})
    assert session.federated_provider == provider
    assert RoleSession.from_dict(session.to_dict()) == session


def test_cli_session_file_keeps_the_provider(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`simulate --session FILE` acts as the saved web identity session, provider included."""
    world = tmp_path / "world.json"
    world.write_text(json.dumps(WORLD.to_dict()))
    saved = tmp_path / "session.json"
    saved.write_text(json.dumps(_github().to_dict()))
    ask = ["simulate", "--world", str(world), "--action", "s3:GetObject", "--resource", SHARED]
    code = main([*ask, "--session", str(saved), "--output", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["outcome"] == "allowed"
    assert out["context"][KEY] == GH_ARN


def test_renderings_show_the_provider_only_when_set() -> None:
    """The session's text and HTML name the provider its later calls carry."""
    d = WORLD.assume_role_with_web_identity(
        role_arn=DEPLOY,
        session_name="run",
        token={"iss": f"https://{GH}", "aud": "sts.amazonaws.com", "sub": "repo:acme/app"},
    )
    assert f"  federated provider: {GH_ARN}" in d.explain().splitlines()
    assert f"<th>Federated provider</th><td>{GH_ARN}</td>" in d._repr_html_()
    chained = WORLD.assume_role(_github(), _role("Hop"), session_name="hop")
    assert "federated provider" not in chained.explain()
    assert "Federated provider" not in chained._repr_html_()
