"""The federated callers of `who_can`, `reachable_from` and `assume_graph`: the web identity
tokens of one issuer, the SAML assertions of one provider.

A trust policy names such a caller by its `Federated` principal: an IAM OIDC provider ARN
(`arn:aws:iam::A:oidc-provider/HOST`), a bare built-in provider name
(`accounts.google.com`, `cognito-identity.amazonaws.com`, …) or a SAML provider ARN. The
caller is named the same way in an answer. Its hop into a role is asked through
`World.assume_role_with_web_identity` / `World.assume_role_with_saml`, STS's own checks
included (an unregistered provider, an audience that is not a client ID: no path).

What the token's holder (or the identity provider) puts in the token or the assertion is
caller-chosen: an OpenID Connect issuer's `HOST:sub` and `HOST:aud`, an OAuth 2.0 provider's
`HOST:app_id` and user claim, the provider's own claim keys (GitHub's `job_workflow_ref`,
Cognito's `amr`, ...), the assertion's `saml:*` attributes. A trust condition on one of
them is a requirement the path lists, like an external ID. AWS itself sets `saml:doc` (the
provider's account and name) and `saml:namequalifier` (computed from the issuer, the account
and the provider's name); `saml:iss` is the issuer of the provider's metadata, which the
world does not hold: none of the three is ever chosen. AssumeRoleWithWebIdentity and
AssumeRoleWithSAML have no ExternalId or MFA parameters: those keys of the question's
context never reach a federated caller's call.
Sources: IAM User Guide, "Available keys for AWS web identity federation", "Available keys
for SAML-based AWS STS federation"; AWS STS API Reference, AssumeRoleWithWebIdentity,
AssumeRoleWithSAML.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from iamsim.decision import Decision
from iamsim.errors import ValidationError
from iamsim.questions.facts import matches
from iamsim.questions.satisfy import REQUEST_KEYS
from iamsim.sts_federated import (
    BUILT_IN_PROVIDERS,
    SAML_KEYS,
    SAML_SET_BY_AWS,
    assertion_for,
    check_saml_key,
    claim_name,
    claim_names,
    identity_claims,
    role_account,
    token_for,
)
from iamsim.world import World
from iamsim.world.model import OidcProvider

__all__ = [
    "FEDERATED_ACTIONS",
    "HOP_ACTIONS",
    "check_claim_keys",
    "federated_call",
    "provider_host",
    "provider_kind",
    "registered_audience",
    "settable_for",
]

WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
SAML = "sts:AssumeRoleWithSAML"
HOP_ACTIONS: dict[str, str] = {"web_identity": WEB_IDENTITY, "saml": SAML}
"""A federated node's kind → the STS call its hop into a role makes."""
FEDERATED_ACTIONS = frozenset(a.lower() for a in HOP_ACTIONS.values())

DEFAULT_SUBJECT = "iamsim-reach"
"""The `sub` (or `saml:sub`) of a token no condition asks a subject of."""

# Set by AWS, or a fact of the provider's metadata the world does not hold (module docstring).
_NOT_CHOSEN = SAML_SET_BY_AWS | {"saml:iss"}


def provider_kind(value: str) -> str | None:
    """`web_identity` or `saml` for a `Federated` principal value that names a provider
    iamsim can ask about, else None."""
    if value.startswith("arn:") and ":saml-provider/" in value:
        return "saml"
    if value.startswith("arn:") and ":oidc-provider/" in value:
        return "web_identity"
    return "web_identity" if value in BUILT_IN_PROVIDERS else None


def provider_host(provider: str) -> str:
    """The issuer as its keys are prefixed: `…:oidc-provider/HOST` → HOST; a bare name."""
    return provider.split(":oidc-provider/", 1)[1] if ":oidc-provider/" in provider else provider


def settable_for(kind: str, provider: str) -> Callable[[str], bool]:
    """Which condition keys this federated caller chooses: its token's claims (or its
    assertion's `saml:*` keys), the session name, and how it sends the request."""
    host = provider_host(provider)

    def settable(key: str) -> bool:
        low = key.lower()
        if low in REQUEST_KEYS or low == "sts:rolesessionname":
            return True
        if kind == "saml":
            return low in SAML_KEYS and low not in _NOT_CHOSEN
        return claim_name(host, key) is not None

    return settable


def default_keys(kind: str, provider: str) -> frozenset[str]:
    """The keys (lower case) a token or assertion sets with iamsim's own default value when
    no condition asks one: a Deny may be escaped by choosing another."""
    if kind == "saml":
        return frozenset({"saml:sub"})
    host = provider_host(provider)
    return frozenset(f"{host.lower()}:{claim}" for claim in identity_claims(host, "", ""))


def _registered(world: World, provider: str, role: str) -> OidcProvider | None:
    """The role account's IAM OIDC provider of the issuer `provider` names, if any."""
    account = role_account(world, role)
    return None if account is None else account.oidc_provider(provider_host(provider))


def _audience(world: World, provider: str, role: str) -> str:
    """The audience a token is given when no condition asks one: the provider's first
    client ID (STS refuses any other), or a placeholder for a built-in provider."""
    registered = _registered(world, provider, role)
    if registered is not None and registered.client_ids:
        return registered.client_ids[0]
    return DEFAULT_SUBJECT


def registered_audience(
    world: World, provider: str, role: str, key: str, policy_values: Sequence[str], value: object
) -> object:
    """The value to try for a condition on a token's `HOST:aud`: a client ID of the role
    account's provider that a policy value names (STS refuses any other audience, so the
    first policy value may be one no token of the provider can carry), else `value`.
    The hop is asked again with it: the engine decides."""
    if claim_name(provider_host(provider), key) != "aud":
        return value
    registered = _registered(world, provider, role)
    if registered is None or value in registered.client_ids:
        return value
    for client_id in registered.client_ids:
        if any(matches(pattern, client_id) for pattern in policy_values):
            return [client_id] if isinstance(value, list) else client_id
    return value


def _issuer_key(key: str) -> bool:
    """Whether `key` has the shape of a web identity key (`ISSUER:CLAIM`, a dotted host)."""
    issuer, colon, claim = key.partition(":")
    return bool(colon and claim and "." in issuer)


def check_claim_keys(context: Mapping[str, Any]) -> None:
    """Refuse a question's context key that names a claim AWS never makes a key of, or a
    SAML key AWS sets itself, before any caller is asked (one error, located)."""
    for key, value in context.items():
        if not isinstance(key, str):
            continue  # the engine's own checks word it
        low = key.lower()
        claimed = low.startswith("saml:") or _issuer_key(key)
        if claimed and not (
            isinstance(value, str)
            or (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value))
        ):
            raise ValidationError(
                f"context[{key!r}]: a claim's value is a string (or a list of strings), "
                f"not {type(value).__name__}"
            )
        if low.startswith("saml:"):
            check_saml_key(low, f"context[{key!r}]")
        elif _issuer_key(key):
            host = key.partition(":")[0]
            known = {h.lower(): h for h in (*BUILT_IN_PROVIDERS, host)}
            if claim_name(known[host.lower()], key) is None:
                names = ", ".join(sorted(claim_names(known[host.lower()])))
                raise ValidationError(
                    f"context[{key!r}]: not a claim AWS makes a key of for {host} "
                    f"(its keys: {names})"
                )


# Context keys a federated call never carries from the question's context: the SAML keys of
# an assertion, AssumeRole's own parameters (`sts:ExternalId`, the MFA keys), and what the
# token or assertion alone sets (source identity, session tags).
_NOT_PASSED = ("saml:", "sts:", "aws:multifactorauth", "aws:requesttag/", "aws:tagkeys")


def _call_context(
    kind: str, provider: str, context: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The question's context split for one federated caller: its own token claims (or
    assertion keys) and the session name, then the request context its call carries.
    Another issuer's claims, another kind's keys, and AssumeRole's own parameters
    (ExternalId, MFA), which these calls do not have, are left out."""
    settable = settable_for(kind, provider)
    own: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for key, value in context.items():
        low = key.lower()
        if low in REQUEST_KEYS:
            rest[key] = value
        elif settable(key) or (kind == "saml" and low == "saml:iss"):
            own[key] = value
        elif not (low.startswith(_NOT_PASSED) or _issuer_key(key)):
            rest[key] = value
    return own, rest


def federated_call(
    world: World,
    kind: str,
    provider: str,
    role: str,
    needs: Mapping[str, Any],
    context: Mapping[str, Any],
    now: _dt.datetime | None,
) -> Decision:
    """The federated call into `role` with the values `needs` names (claims, the session
    name, request keys), the claims `context` gives, the rest defaulted; raises as STS
    refuses it."""
    own, rest = _call_context(kind, provider, context)
    needs = {k: list(v) if isinstance(v, tuple) else v for k, v in {**own, **needs}.items()}
    session = next((v for k, v in needs.items() if k.lower() == "sts:rolesessionname"), None)
    session = str(session) if session is not None else DEFAULT_SUBJECT
    extra = {k: v for k, v in needs.items() if k.lower() in REQUEST_KEYS}
    ctx = {**rest, **extra} or None
    if kind == "saml":
        keys: dict[str, Any] = {"saml:sub": DEFAULT_SUBJECT}
        keys.update({k.lower(): v for k, v in needs.items() if k.lower() in SAML_KEYS})
        return world.assume_role_with_saml(
            role_arn=role,
            principal_arn=provider,
            assertion=assertion_for(keys, session),
            context=ctx,
            now=now,
        )
    host = provider_host(provider)
    claims = identity_claims(host, DEFAULT_SUBJECT, _audience(world, provider, role))
    for key, value in needs.items():
        claim = claim_name(host, key)
        if claim is not None:
            claims[claim] = value
    token, provider_id = token_for(host, claims)
    return world.assume_role_with_web_identity(
        role_arn=role,
        session_name=session,
        token=token,
        provider_id=provider_id,
        context=ctx,
        now=now,
    )
