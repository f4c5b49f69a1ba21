"""who_can and reachable_from equal brute force: every principal, every chain of roles.

Brute force asks the world through its public calls only: `World.assume_role` hop after
hop, each next hop from the session the last one handed back (role chaining, IAM User
Guide "Methods to assume a role"), then `World.simulate` for the final action, over
every sequence of distinct roles up to `max_hops`. The worlds carry no conditions but
`aws:FederatedProvider`, a fact of a web identity session's next call that no caller
chooses, so "some context allows it" is "allowed". The identity providers a trust policy names as
`Federated` start with their own call (`World.assume_role_with_web_identity`,
`World.assume_role_with_saml`) with a token or assertion of their own; with no condition,
any token the provider issues with an audience STS accepts is as good as another.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamsim
from iamsim.calls import AssumeRoleWithSamlCall, AssumeRoleWithWebIdentityCall
from iamsim.questions.reach import ASSUME, Accesses
from iamsim.questions.reach_federated import provider_kind
from iamsim.sts_federated import federated_principal

A, B, OUT = "111111111111", "222222222222", "999999999999"
BUCKET = "arn:aws:s3:::data"
OBJECT = f"{BUCKET}/k"
NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
FAST = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"sts:ExternalId": "ext-123"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"StringLike": {"sts:RoleSessionName": "ops-*"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},  # a fact: never invented
    {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}},
]

GH = "token.actions.githubusercontent.com"
WEB, SAML = "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"


def _providers(account: str) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(Federated principal, action, conditions that may guard it) a trust policy of
    `account` may name: its own GitHub provider, another account's, an issuer no account
    registers (STS refuses it), Google (built in), its SAML provider."""
    other = B if account == A else A
    github = [
        {"StringLike": {f"{GH}:sub": "repo:acme/*"}},
        {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:ref": "refs/heads/main"}},
        {"StringEquals": {f"{GH}:aud": "not-a-client-id"}},  # STS refuses the audience
        {"StringEquals": {"aws:PrincipalTag/team": "x"}},  # a fact: never invented
        {"StringEquals": {"sts:ExternalId": "x"}},  # AssumeRole's alone: never present
    ]
    return [
        (f"arn:aws:iam::{account}:oidc-provider/{GH}", WEB, github),
        (f"arn:aws:iam::{other}:oidc-provider/{GH}", WEB, github),
        (f"arn:aws:iam::{account}:oidc-provider/oidc.example.com", WEB, []),
        ("accounts.google.com", WEB, [{"StringEquals": {"accounts.google.com:aud": "app-1"}}]),
        (
            f"arn:aws:iam::{account}:saml-provider/Okta",
            SAML,
            [
                {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
                # "Available keys for SAML-based AWS STS federation": AWS sets saml:doc
                # (ACCOUNT/NAME) and saml:iss (the provider metadata's issuer)
                {"StringEquals": {"saml:doc": f"{other}/Okta"}},
                {"StringEquals": {"saml:iss": "https://evil.example/"}},
            ],
        ),
    ]


def _with_providers(world: iamsim.World) -> iamsim.World:
    """Each account registers GitHub's OIDC provider (audience sts.amazonaws.com) and an
    Okta SAML provider."""
    github = iamsim.OidcProvider(GH, client_ids=("sts.amazonaws.com",))
    okta = iamsim.SamlProvider("Okta")
    accounts = tuple(
        attrs.evolve(a, oidc_providers=(github,), saml_providers=(okta,)) for a in world.accounts
    )
    return attrs.evolve(world, accounts=accounts)


def _session_fact(account: str) -> dict[str, Any]:
    """A condition only the next call of a web identity session of `account`'s GitHub
    provider meets (IAM User Guide, global condition keys, aws:FederatedProvider): a fact of
    the session, never chosen, so brute force, which asks from the very session each hop
    hands back, still needs no context."""
    return {"StringEquals": {"aws:FederatedProvider": f"arn:aws:iam::{account}:oidc-provider/{GH}"}}


@st.composite
def worlds(draw: st.DrawFn, conditions: bool = False) -> iamsim.World:
    """Two accounts, a few users and roles, trust naming exact ARNs, account roots (one of
    an account outside the world), `*` and a service; identity policies allowing
    AssumeRole on some roles and s3:GetObject; sometimes a Deny; a bucket policy."""
    users = [f"arn:aws:iam::{a}:user/u{i}" for a in (A, B) for i in range(draw(st.integers(0, 2)))]
    roles = [f"arn:aws:iam::{a}:role/r{i}" for a in (A, B) for i in range(draw(st.integers(1, 3)))]
    names = [
        *users,
        *roles,
        f"arn:aws:iam::{A}:root",
        f"arn:aws:iam::{B}:root",
        f"arn:aws:iam::{OUT}:root",
        "*",
    ]

    def identity() -> list[dict[str, Any]]:
        out = []
        targets = draw(
            st.lists(
                st.sampled_from([*roles, "*", f"arn:aws:iam::{B}:role/*"]), max_size=2, unique=True
            )
        )
        if targets:
            out.append(_doc({"Effect": "Allow", "Action": ASSUME, "Resource": targets}))
        if draw(st.booleans()):
            out.append(
                _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"})
            )
        if draw(st.integers(0, 5)) == 0 and roles:
            out.append(
                _doc({"Effect": "Deny", "Action": ASSUME, "Resource": draw(st.sampled_from(roles))})
            )
        return out

    entities: list[Any] = [iamsim.User(u, policies=identity()) for u in users]
    for role in roles:
        trusted = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        principal: dict[str, Any] = (
            {"AWS": [t for t in trusted if t != "*"]} if "*" not in trusted else {"AWS": "*"}
        )
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": ASSUME}
        if conditions and draw(st.booleans()):
            statement["Condition"] = draw(st.sampled_from(CONDITIONS))
        elif draw(st.integers(0, 2)) == 0:
            statement["Condition"] = _session_fact(draw(st.sampled_from((A, B))))
        statements = [statement]
        if draw(st.integers(0, 2)) == 0:
            provider, action, guards = draw(st.sampled_from(_providers(role.split(":")[4])))
            federated: dict[str, Any] = {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": action,
            }
            if conditions and guards and draw(st.booleans()):
                federated["Condition"] = draw(st.sampled_from(guards))
            statements.append(federated)
        if draw(st.integers(0, 4)) == 0:
            statements.append(
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ASSUME}
            )
        entities.append(iamsim.Role(role, trust_policy=_doc(*statements), policies=identity()))
    if draw(st.booleans()):
        granted = draw(
            st.lists(
                st.sampled_from([*roles, f"arn:aws:iam::{OUT}:root"]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        grant: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"AWS": granted},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/*",
        }
        if draw(st.integers(0, 2)) == 0:
            grant["Condition"] = _session_fact(draw(st.sampled_from((A, B))))
        bucket_policy: Any = _doc(grant)
    else:
        bucket_policy = None
    entities.append(iamsim.Resource(BUCKET, account=B, policy=bucket_policy))
    return _with_providers(iamsim.World.of(*entities))


def _passes(decision: iamsim.Decision, foreign: bool) -> bool:
    """Allowed; for a principal outside the world, allowed on the target side."""
    if decision.allowed:
        return True
    return foreign and all(d.side == "source" for d in decision.denied_by)


def _starts(world: iamsim.World) -> dict[str, bool]:
    """Every principal brute force tries (value: outside the world): users, roles, and
    what the policies name outside the world."""
    out = {}
    for account in world.accounts:
        for user in account.users:
            out[user.arn] = False
        for role in account.roles:
            out[role.arn] = False
            for stmt in role.trust_policy.statements:  # type: ignore[union-attr]
                if stmt.principal is not None and not stmt.principal.wildcard:
                    for value in stmt.principal.values("AWS"):
                        if OUT in value:
                            out[value] = True
                    for value in stmt.principal.values("Service"):
                        out[value] = True
                    for value in stmt.principal.values("Federated"):
                        out[value] = False
    for value in ("arn:aws:iam::999999999999:root",):
        bucket = world.resource(BUCKET)
        if (
            bucket is not None
            and bucket.policy is not None
            and value in str(bucket.policy.to_dict())
        ):  # type: ignore[union-attr]
            out[value] = True
    return out


def _federated_hop(world: iamsim.World, provider: str, role: str) -> iamsim.Decision | None:
    """The provider's own call into `role` with a token (assertion) of its own, as STS
    answers it; None when STS refuses the call, or takes the token as another provider's
    than the one the path starts from (the principal of the call STS replayed)."""
    try:
        if provider_kind(provider) == "saml":
            decision = world.assume_role_with_saml(
                role_arn=role,
                principal_arn=provider,
                assertion={"saml:sub": "brute-force"},
                now=NOW,
            )
        else:
            host = provider.split(":oidc-provider/")[-1]
            audience = "sts.amazonaws.com" if host == GH else "brute-force"
            token = {"iss": f"https://{host}", "sub": "brute-force", "aud": audience}
            decision = world.assume_role_with_web_identity(
                role_arn=role, session_name="brute-force", token=token, now=NOW
            )
    except iamsim.ValidationError:
        return None
    call = decision.call
    assert isinstance(call, AssumeRoleWithWebIdentityCall | AssumeRoleWithSamlCall)
    if federated_principal(world, call).provider != provider:
        return None
    return decision


def _brute(
    world: iamsim.World, action: str | None, resource: str | None, max_hops: int
) -> dict[tuple[str, str], int]:
    """(principal, target) → fewest hops, trying every chain of distinct roles."""
    roles = [r.arn for a in world.accounts for r in a.roles]
    best: dict[tuple[str, str], int] = {}

    def note(key: tuple[str, str], hops: int) -> None:
        best[key] = min(best.get(key, hops), hops)

    def walk(start: str, foreign: bool, caller: Any, chain: list[str]) -> None:
        federated = provider_kind(start) is not None and not chain
        if action is not None and resource is not None and not federated:
            decision = world.simulate(caller, action, resource, now=NOW)
            if _passes(decision, foreign and not chain):
                note((start, resource), len(chain))
        if len(chain) == max_hops:
            return
        for role in roles:
            if role in chain or role == start:
                continue
            if federated:
                hop = _federated_hop(world, start, role)
                if hop is None or not hop.allowed:
                    continue
                d = hop
            else:
                d = world.assume_role(caller, role, "brute-force", now=NOW)
            if not _passes(d, foreign and not chain):
                continue
            if action is None:
                note((start, role), len(chain))
            walk(start, foreign, d.session if d.session is not None else role, [*chain, role])

    for start, foreign in _starts(world).items():
        walk(start, foreign, start, [])
    return best


def _found(accesses: Accesses) -> dict[tuple[str, str], int]:
    return {(a.principal, a.target): a.hops for a in accesses}


@FAST
@given(worlds(), st.integers(0, 3))
def test_who_can_equals_brute_force(world: iamsim.World, max_hops: int) -> None:
    got = world.who_can("s3:GetObject", OBJECT, max_hops=max_hops, now=NOW)
    assert _found(got) == _brute(world, "s3:GetObject", OBJECT, max_hops)
    for access in got:
        assert all(_passes(d, access.kind == "foreign") for d in access.path)


@FAST
@given(worlds(), st.integers(1, 3))
def test_reachable_from_equals_brute_force(world: iamsim.World, max_hops: int) -> None:
    expected = _brute(world, None, None, max_hops)
    for start in _starts(world):
        got = world.reachable_from(start, max_hops, now=NOW)
        want = {k: v for k, v in expected.items() if k[0] == start}
        assert _found(got) == want
        for access in got:
            assert all(_passes(d, access.kind == "foreign") for d in access.path)


@FAST
@given(worlds(conditions=True))
def test_each_listed_path_replays_allowed_with_its_conditions(world: iamsim.World) -> None:
    """A path is listed only if replaying it with the values its conditions name allows
    every hop; a fact of the world (aws:PrincipalOrgID, aws:PrincipalTag/…) is never
    assumed."""
    facts = (
        "aws:PrincipalOrgID",
        "aws:PrincipalTag/team",
        "saml:doc",
        "saml:iss",
        "aws:FederatedProvider",
    )
    for access in world.who_can("s3:GetObject", OBJECT, now=NOW):
        assert all(_passes(d, access.kind == "foreign") for d in access.path)
        assert all(c.key not in facts for c in access.conditions)
    for role in (r.arn for a in world.accounts for r in a.roles):
        for action in (WEB, SAML):
            for access in world.who_can(action, role, now=NOW):
                assert access.path[0].allowed
                assert all(c.key not in facts for c in access.conditions)
    for start in _starts(world):
        for access in world.reachable_from(start, now=NOW):
            assert all(_passes(d, access.kind == "foreign") for d in access.path)


@FAST
@given(worlds(conditions=True))
def test_federated_answers_ignore_assume_role_only_context(world: iamsim.World) -> None:
    """AWS STS API Reference: AssumeRoleWithWebIdentity and AssumeRoleWithSAML take no
    ExternalId, SerialNumber or TokenCode, so a question's sts:ExternalId or MFA context
    changes none of the roles a web identity or SAML caller gets directly (its own call;
    the AssumeRole hops after it do carry that context)."""
    context = {"sts:ExternalId": "x", "aws:MultiFactorAuthPresent": "true"}

    def direct(accesses: Accesses) -> set[str]:
        return {a.target for a in accesses if a.hops == 0}

    for start in (s for s in _starts(world) if provider_kind(s) is not None):
        plain = world.reachable_from(start, max_hops=1, now=NOW)
        given_context = world.reachable_from(start, max_hops=1, context=context, now=NOW)
        assert direct(given_context) == direct(plain)
