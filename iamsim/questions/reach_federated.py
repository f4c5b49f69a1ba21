"""The federated callers of `who_can`, `reachable_from` and `assume_graph`: the web identity
tokens of one issuer, the SAML assertions of one provider.

A trust policy names such a caller by its `Federated` principal: an IAM OIDC provider ARN
(`arn:aws:iam::A:oidc-provider/HOST`), a bare built-in provider name
(`accounts.google.com`, `cognito-identity.amazonaws.com`, …) or a SAML provider ARN. The
caller is named the same way in an answer. Its hop into a role is asked through
`World.assume_role_with_web_identity` / `World.assume_role_with_saml`, STS's own checks
included (an unregistered provider, an audience that is not a client ID: no path).

What the token's holder (or the identity provider) puts in the token or the assertion is
caller-chosen: `HOST:sub`, `HOST:aud`, the provider's own claim keys (GitHub's
`job_workflow_ref`, Cognito's `amr`, …), the `saml:*` keys. A trust condition on one of
them is a requirement the path lists, like an external ID; `saml:namequalifier`, which AWS
computes from the issuer, the account and the provider's name, is never chosen.
Sources: IAM User Guide, "Available keys for AWS web identity federation", "Available keys
for SAML-based AWS STS federation"; AWS STS API Reference, AssumeRoleWithWebIdentity,
AssumeRoleWithSAML.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from iamsim.decision import Decision
from iamsim.questions.facts import matches
from iamsim.questions.satisfy import REQUEST_KEYS
from iamsim.sts_federated import BUILT_IN_PROVIDERS, PROVIDER_CLAIM_KEYS, SAML_KEYS
from iamsim.world import World

__all__ = [
    "FEDERATED_ACTIONS",
    "HOP_ACTIONS",
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

_SESSION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
_NOT_CHOSEN = frozenset({"saml:namequalifier"})  # AWS computes it (module docstring)


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


def _claim(host: str, key: str) -> str | None:
    """The claim a web identity key of `host` is set from (`HOST:sub` → `sub`), else None."""
    prefix = host.lower() + ":"
    if not key.lower().startswith(prefix):
        return None
    name = key[len(prefix) :].lower()
    known = {"sub", "aud", *PROVIDER_CLAIM_KEYS.get(host, frozenset())}
    return name if name in known else None


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
        return _claim(host, key) is not None

    return settable


def default_keys(kind: str, provider: str) -> frozenset[str]:
    """The keys (lower case) a token or assertion sets with iamsim's own default value when
    no condition asks one: a Deny may be escaped by choosing another."""
    if kind == "saml":
        return frozenset({"saml:sub"})
    host = provider_host(provider).lower()
    return frozenset({f"{host}:sub", f"{host}:aud"})


def _audience(world: World, provider: str, role: str) -> str:
    """The audience a token is given when no condition asks one: the provider's first
    client ID (STS refuses any other), or a placeholder for a built-in provider."""
    parts = role.split(":")
    account = world.account(parts[4]) if len(parts) > 5 else None
    registered = None if account is None else account.oidc_provider(provider_host(provider))
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
    if _claim(provider_host(provider), key) != "aud":
        return value
    parts = role.split(":")
    account = world.account(parts[4]) if len(parts) > 5 else None
    registered = None if account is None else account.oidc_provider(provider_host(provider))
    if registered is None or value in registered.client_ids:
        return value
    for client_id in registered.client_ids:
        if any(matches(pattern, client_id) for pattern in policy_values):
            return [client_id] if isinstance(value, list) else client_id
    return value


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
    settable = settable_for(kind, provider)
    given = {k: v for k, v in context.items() if settable(k) and k.lower() not in REQUEST_KEYS}
    context = {k: v for k, v in context.items() if k not in given}
    needs = {k: list(v) if isinstance(v, tuple) else v for k, v in {**given, **needs}.items()}
    session = str(next((v for k, v in needs.items() if k.lower() == "sts:rolesessionname"), ""))
    extra = {k: v for k, v in needs.items() if k.lower() in REQUEST_KEYS}
    ctx = {**context, **extra} or None
    if kind == "saml":
        assertion: dict[str, Any] = {"saml:sub": DEFAULT_SUBJECT}
        for key, value in needs.items():
            if key.lower() in SAML_KEYS:
                assertion[key.lower()] = value
        assertion[_SESSION_ATTRIBUTE] = session or DEFAULT_SUBJECT
        return world.assume_role_with_saml(
            role_arn=role, principal_arn=provider, assertion=assertion, context=ctx, now=now
        )
    host = provider_host(provider)
    claims: dict[str, Any] = {
        "iss": f"https://{host}",
        "sub": DEFAULT_SUBJECT,
        "aud": _audience(world, provider, role),
    }
    for key, value in needs.items():
        claim = _claim(host, key)
        if claim is not None:
            claims[claim] = value
    if "oaud" in claims:
        # Google: `HOST:aud` is the authorized party (azp), `HOST:oaud` the audience.
        claims["azp"], claims["aud"] = claims["aud"], claims.pop("oaud")
    return world.assume_role_with_web_identity(
        role_arn=role,
        session_name=session or DEFAULT_SUBJECT,
        token=claims,
        context=ctx,
        now=now,
    )
