"""STS AssumeRoleWithWebIdentity and AssumeRoleWithSAML: the callers who sign in elsewhere.

The caller has no AWS account: no identity policy, boundary or SCP takes part. STS first
checks the token against the role account's identity providers, then the role's trust
policy (its `Federated` principal and conditions on the claims' keys) and the RCPs of the
role's account decide. iamsim takes the claims as given: it checks no signature, no
signing key and no thumbprint (a note on every decision says so).

Sources: AWS STS API Reference, AssumeRoleWithWebIdentity and AssumeRoleWithSAML
(parameters, errors); IAM User Guide, "Available keys for AWS web identity federation",
"Available keys for SAML-based AWS STS federation", "Passing session tags in AWS STS",
"Configuring a role for GitHub OIDC identity provider", "Create an OpenID Connect (OIDC)
identity provider in IAM".
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol

import attrs

from iamsim.calls import (
    AssumeRoleWithSamlCall,
    AssumeRoleWithWebIdentityCall,
    Call,
    make_access_request,
)
from iamsim.decision import Decision
from iamsim.errors import IamsimError, ValidationError
from iamsim.reason import Reason
from iamsim.request import FederatedPrincipal, as_utc
from iamsim.session import make_role_session
from iamsim.sts import (
    PLAINTEXT_MAX,
    STS_NAME,
    Authority,
    _packed_percent,
    _policy_arns,
    _seconds,
    _session_policy,
    validate_parameters,
)
from iamsim.tags import as_tags
from iamsim.world.model import Account

__all__ = [
    "BUILT_IN_PROVIDERS",
    "CLAIM_KEYS_READ_ON",
    "CLAIM_KEYS_SOURCE",
    "FEDERATED_KINDS",
    "PROVIDER_CLAIM_KEYS",
    "SAML_ATTRIBUTE",
    "SAML_KEYS",
    "SAML_SET_BY_AWS",
    "SOURCE_CLAIM",
    "TAGS_CLAIM",
    "FederatedAuthority",
    "assertion_for",
    "assume_role_with_saml",
    "assume_role_with_web_identity",
    "claim_name",
    "claim_names",
    "decode_jwt",
    "federated_principal",
    "federated_provider",
    "identity_claims",
    "name_qualifier",
    "role_account",
    "sts_refusal",
    "token_for",
]

# The `kind` of the two call records (iamsim.calls).
FEDERATED_KINDS = ("assume_role_with_web_identity", "assume_role_with_saml")

# Web identity providers a trust policy names by a bare `Federated` name; STS needs no IAM
# OIDC provider for them (IAM User Guide, "Identity providers and federation": Amazon
# Cognito, Login with Amazon, Facebook, Google).
BUILT_IN_PROVIDERS = frozenset(
    {
        "cognito-identity.amazonaws.com",
        "www.amazon.com",
        "graph.facebook.com",
        "accounts.google.com",
    }
)

# AssumeRoleWithWebIdentity's ProviderId: "only for OAuth 2.0 access tokens", and only these.
_OAUTH_PROVIDERS = {"www.amazon.com": "user_id", "graph.facebook.com": "id"}

# Provider-specific claims AWS makes condition keys (`ISSUER:CLAIM`), beyond sub and aud.
# The table changes as AWS adds providers: it is dated, with its source.
CLAIM_KEYS_SOURCE = (
    "AWS What's New, 2026-01, 'AWS STS supports validation of identity provider claims' "
    "(GitHub claims table); IAM User Guide, 'Available keys for AWS web identity federation' "
    "(amr for Amazon Cognito, oaud for Google)"
)
CLAIM_KEYS_READ_ON = "2026-12-06"
PROVIDER_CLAIM_KEYS: dict[str, frozenset[str]] = {
    "token.actions.githubusercontent.com": frozenset(
        {
            "actor",
            "actor_id",
            "job_workflow_ref",
            "repository",
            "repository_id",
            "workflow",
            "ref",
            "environment",
            "enterprise_id",
        }
    ),
    "cognito-identity.amazonaws.com": frozenset({"amr"}),
    "accounts.google.com": frozenset({"oaud"}),
}

# The `saml:*` keys AWS sets from an assertion (IAM User Guide, "Available keys for
# SAML-based AWS STS federation"), lowered; those marked True are multivalued.
SAML_KEYS: dict[str, bool] = {
    "saml:aud": False,
    "saml:commonname": False,
    "saml:cn": True,
    "saml:doc": False,
    "saml:edupersonaffiliation": True,
    "saml:edupersonassurance": True,
    "saml:edupersonentitlement": True,
    "saml:edupersonnickname": True,
    "saml:edupersonorgdn": False,
    "saml:edupersonorgunitdn": True,
    "saml:edupersonprimaryaffiliation": False,
    "saml:edupersonprimaryorgunitdn": False,
    "saml:edupersonprincipalname": False,
    "saml:edupersonscopedaffiliation": True,
    "saml:edupersontargetedid": True,
    "saml:givenname": False,
    "saml:iss": False,
    "saml:mail": False,
    "saml:name": False,
    "saml:namequalifier": False,
    "saml:organizationstatus": False,
    "saml:primarygroupsid": False,
    "saml:sub": False,
    "saml:sub_type": False,
    "saml:surname": False,
    "saml:uid": False,
    "saml:x500uniqueidentifier": False,
}

# "Available keys for SAML-based AWS STS federation": AWS computes these from the provider
# itself, whatever the assertion says: saml:doc is `ACCOUNT/PROVIDER-NAME`, saml:namequalifier
# a hash of the issuer, the account and the provider's name. An assertion naming one is refused.
SAML_SET_BY_AWS = frozenset({"saml:doc", "saml:namequalifier"})

SAML_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"
TAGS_CLAIM = "https://aws.amazon.com/tags"
SOURCE_CLAIM = "https://aws.amazon.com/source_identity"

# Keys no AssumeRoleWithWebIdentity or AssumeRoleWithSAML request context holds: the call has
# no ExternalId, SerialNumber or TokenCode parameter (AWS STS API Reference), and the session
# name, source identity, tags and transitive tag keys come from its parameters, its token or
# its assertion.
_NOT_CONTEXT = {
    "sts:externalid": "the call has no ExternalId parameter: the key is never present",
    "aws:multifactorauthpresent": "the call has no MFA parameters: the key is never present",
    "aws:multifactorauthage": "the call has no MFA parameters: the key is never present",
    "sts:rolesessionname": "the session name is a parameter of the call, not context",
    "sts:sourceidentity": "the source identity comes from the {source}",
    "sts:transitivetagkeys": "transitive tag keys come from the {source}",
    "aws:tagkeys": "session tags come from the {source}",
}

# ValidationError codes of STS's own refusals of a call (its errors, not a caller's input).
_STS_CODES = frozenset(
    {"InvalidIdentityToken", "AccessDenied", "ExpiredTokenException", "PackedPolicyTooLarge"}
)


def sts_refusal(exc: ValidationError) -> bool:
    """Whether `exc` is STS refusing the call (an error code of STS's, or a parameter that
    fails STS's constraints), rather than input iamsim cannot read."""
    text = str(exc)
    return (
        exc.code in _STS_CODES
        or " validation error" in text.split(":", 1)[0]
        or text.startswith("The requested DurationSeconds exceeds")
        or text.startswith("the session name ")
    )


def claim_names(host: str) -> frozenset[str]:
    """The claims AWS makes `HOST:CLAIM` keys of ("Available keys for AWS web identity
    federation"): app_id and the user claim for the OAuth 2.0 providers (www.amazon.com,
    graph.facebook.com), sub, aud and the provider's own claims for an OpenID Connect issuer."""
    if host in _OAUTH_PROVIDERS:
        return frozenset({"app_id", _OAUTH_PROVIDERS[host]})
    return frozenset({"sub", "aud", *PROVIDER_CLAIM_KEYS.get(host, frozenset())})


def claim_name(host: str, key: str) -> str | None:
    """The claim a web identity key of `host` is set from (`HOST:sub` -> `sub`), else None."""
    prefix = host.lower() + ":"
    if not key.lower().startswith(prefix):
        return None
    name = key[len(prefix) :].lower()
    return name if name in claim_names(host) else None


def identity_claims(host: str, subject: object, audience: object) -> dict[str, object]:
    """The claims that carry a token's subject and audience: `sub` and `aud`, or for an
    OAuth 2.0 provider its user claim and `app_id`."""
    if host in _OAUTH_PROVIDERS:
        return {_OAUTH_PROVIDERS[host]: subject, "app_id": audience}
    return {"sub": subject, "aud": audience}


def token_for(
    host: str,
    claims: Mapping[str, object],
    tags: Mapping[str, str] | None = None,
    transitive: Sequence[str] = (),
    source_identity: str | None = None,
) -> tuple[dict[str, Any], str | None]:
    """The token (its claims) and the ProviderId of a call whose keys AWS sets to `claims`
    (by claim name: `sub`, `aud`, `oaud`, GitHub's `environment`, ...), with session tags and a
    source identity. For Google, `HOST:aud` is the token's authorized party and `HOST:oaud`
    its audience ("Available keys for AWS web identity federation")."""
    token: dict[str, Any] = dict(claims)
    provider_id = None
    if host in _OAUTH_PROVIDERS:
        provider_id = host
    else:
        token["iss"] = f"https://{host}"
        if "oaud" in token:
            token["azp"], token["aud"] = token.get("aud"), token.pop("oaud")
    if tags or transitive:
        token[TAGS_CLAIM] = {
            "principal_tags": {k: [v] for k, v in (tags or {}).items()},
            "transitive_tag_keys": list(transitive),
        }
    if source_identity is not None:
        token[SOURCE_CLAIM] = source_identity
    return token, provider_id


def assertion_for(
    keys: Mapping[str, object],
    session_name: str | None,
    tags: Mapping[str, str] | None = None,
    transitive: Sequence[str] = (),
    source_identity: str | None = None,
) -> dict[str, Any]:
    """The assertion of a call whose `saml:*` keys AWS sets to `keys`, with its
    RoleSessionName, session tags and source identity attributes."""
    assertion: dict[str, Any] = {k.lower(): v for k, v in keys.items()}
    if session_name is not None:
        assertion[SAML_ATTRIBUTE + "RoleSessionName"] = session_name
    if source_identity is not None:
        assertion[SAML_ATTRIBUTE + "SourceIdentity"] = source_identity
    for key, value in (tags or {}).items():
        assertion[f"{SAML_ATTRIBUTE}PrincipalTag:{key}"] = value
    if transitive:
        assertion[SAML_ATTRIBUTE + "TransitiveTagKeys"] = list(transitive)
    return assertion


def name_qualifier(issuer: str, account: str, provider_name: str) -> str:
    """saml:namequalifier ("Available keys for SAML-based AWS STS federation"): the base64 of
    the SHA-1 of the issuer, the account ID and "/" plus the provider's name."""
    digest = hashlib.sha1(f"{issuer}{account}/{provider_name}".encode(), usedforsecurity=False)
    return base64.b64encode(digest.digest()).decode("ascii")


class FederatedAuthority(Authority, Protocol):
    """What these calls need of a world beyond AssumeRole's: an account's providers."""

    def account(self, account_id: str) -> Account | None: ...


def _invalid_token(message: str) -> ValidationError:
    return ValidationError(message, code="InvalidIdentityToken")


def decode_jwt(text: str) -> dict[str, Any]:
    """The claims of a JWT (`header.payload.signature`, base64url), its signature unchecked."""
    parts = text.strip().split(".")
    if len(parts) != 3:
        raise _invalid_token("token: expected a JWT (header.payload.signature) or its claims")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise _invalid_token("token: the JWT's payload is not base64url-encoded JSON") from None
    if not isinstance(claims, dict):
        raise _invalid_token("token: the JWT's payload is not a JSON object of claims")
    return claims


def _claims(token: object) -> dict[str, Any]:
    if isinstance(token, str):
        return decode_jwt(token)
    if not isinstance(token, Mapping):
        raise ValidationError(
            f"token must be the token's claims (a mapping) or a JWT, not {type(token).__name__}"
        )
    for key in token:
        if not isinstance(key, str):
            raise ValidationError(f"token: claim names are strings, not {key!r}")
    return dict(token)


def _text_claim(claims: Mapping[str, Any], name: str, where: str = "token") -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        shown = "missing" if value is None else f"not a non-empty string ({value!r})"
        raise _invalid_token(f"{where}: the claim {name!r} is {shown}")
    return value


def _value(where: str, value: object) -> str | list[str]:
    """A claim's value as a condition value: a string (numbers and booleans as text), or a
    list of strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        try:
            return str(value)
        except ValueError:  # an int past Python's digit limit for str()
            raise ValidationError(f"{where}: the number has too many digits") from None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValidationError(f"{where}: a claim value must be a string or a list of strings")


def _tag_claims(claims: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Session tags a web identity token carries (IAM User Guide, "Passing session tags
    using AssumeRoleWithWebIdentity"): `https://aws.amazon.com/tags` with `principal_tags`
    (each a one-element list) and `transitive_tag_keys`."""
    raw = claims.get(TAGS_CLAIM)
    if raw is None:
        return (), ()
    where = f"token[{TAGS_CLAIM!r}]"
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{where} must be an object with principal_tags")
    tags = []
    principal = raw.get("principal_tags", {})
    if not isinstance(principal, Mapping):
        raise ValidationError(f"{where}.principal_tags must be an object")
    for key, value in principal.items():
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValidationError(
                f"{where}.principal_tags.{key}: a tag value is one string (or a one-element list)"
            )
        tags.append((key, value))
    transitive = raw.get("transitive_tag_keys", [])
    if not isinstance(transitive, list) or not all(isinstance(k, str) for k in transitive):
        raise ValidationError(f"{where}.transitive_tag_keys must be a list of tag keys")
    return tuple(tags), tuple(transitive)


@attrs.frozen
class _Federated:
    """What both calls hand the common part: who, which keys, which tags."""

    principal: FederatedPrincipal
    keys: dict[str, object]
    tags: tuple[tuple[str, str], ...]
    transitive: tuple[str, ...]
    source_identity: str | None
    notes: tuple[Reason, ...]


def _web_identity(call: AssumeRoleWithWebIdentityCall, account: Account | None) -> _Federated:
    """STS's own checks of a web identity token, then the principal and the keys it sets."""
    claims = _claims(call.token)
    provider_id = call.provider_id
    moment = as_utc(call.now)
    if provider_id is not None:
        if not isinstance(provider_id, str) or provider_id not in _OAUTH_PROVIDERS:
            raise ValidationError(
                f"provider_id {provider_id!r}: only www.amazon.com and graph.facebook.com "
                "take OAuth 2.0 access tokens; leave it out for OpenID Connect tokens"
            )
        host = provider_id
        subject = _text_claim(claims, _OAUTH_PROVIDERS[host])
        keys: dict[str, object] = {
            f"{host}:app_id": _text_claim(claims, "app_id"),
            f"{host}:{_OAUTH_PROVIDERS[host]}": subject,
        }
        federated = host
    else:
        issuer = _text_claim(claims, "iss")
        host = issuer.removeprefix("https://").rstrip("/")
        subject = _text_claim(claims, "sub")
        audience = claims.get("aud")
        if isinstance(audience, list) and len(audience) == 1:
            audience = audience[0]
        if not isinstance(audience, str) or not audience:
            raise _invalid_token(
                "token: the claim 'aud' must be one audience (a string); iamsim does not "
                "model a token with several audiences"
            )
        if host in _OAUTH_PROVIDERS:
            # AssumeRoleWithWebIdentity, ProviderId: Login with Amazon and Facebook give
            # OAuth 2.0 access tokens, passed with ProviderId; AWS sets app_id and the user's
            # ID from them, never HOST:sub or HOST:aud.
            raise ValidationError(
                f"token: {host} gives OAuth 2.0 access tokens, not OpenID Connect ID tokens: "
                f"pass provider_id={host!r} (--provider-id) with the token's app_id and "
                f"{_OAUTH_PROVIDERS[host]}"
            )
        if host in BUILT_IN_PROVIDERS:
            federated = host
        else:
            provider = None if account is None else account.oidc_provider(host)
            if provider is None:
                # AssumeRoleWithWebIdentity, InvalidIdentityToken.
                raise _invalid_token(
                    f"No OpenIDConnect provider found in your account for https://{host}"
                )
            if audience not in provider.client_ids:
                raise _invalid_token("Incorrect token audience")
            federated = f"arn:aws:iam::{call.role_arn.split(':')[4]}:oidc-provider/{host}"
        keys = {f"{host}:sub": subject}
        # "Available keys for AWS web identity federation": for Google, `aud` is the
        # authorized party (azp) when the token has one, and `oaud` the token's audience.
        azp = claims.get("azp")
        if host == "accounts.google.com" and isinstance(azp, str) and azp:
            keys[f"{host}:aud"] = azp
            keys[f"{host}:oaud"] = audience
        else:
            keys[f"{host}:aud"] = audience
        for claim in sorted(PROVIDER_CLAIM_KEYS.get(host, frozenset()) - {"oaud"}):
            if claim in claims:
                keys[f"{host}:{claim}"] = _value(f"token[{claim!r}]", claims[claim])
    expires = claims.get("exp")
    if expires is not None:
        if (
            isinstance(expires, bool)
            or not isinstance(expires, int | float)
            or (isinstance(expires, float) and not math.isfinite(expires))
        ):
            raise _invalid_token("token: the claim 'exp' must be a number of seconds since 1970")
        if expires <= moment.timestamp():
            # STS's text (as the SDKs print it, e.g. aws/aws-sdk-java-v2 issue 5709).
            raise ValidationError(
                f"Token expired: current date/time {int(moment.timestamp())} must be before "
                f"the expiration date/time {int(expires)}",
                code="ExpiredTokenException",
            )
    tags, transitive = _tag_claims(claims)
    source = claims.get(SOURCE_CLAIM)
    if source is not None and not isinstance(source, str):
        raise ValidationError(f"token[{SOURCE_CLAIM!r}] must be a string")
    principal = FederatedPrincipal("web_identity", federated, subject)
    note = Reason("federated_claims_unverified", (("operation", "AssumeRoleWithWebIdentity"),))
    return _Federated(principal, keys, tags, transitive, source, (note,))


def _attribute(assertion: Mapping[str, Any], name: str) -> Any:
    return assertion.get(SAML_ATTRIBUTE + name)


def check_saml_key(lowered: str, where: str) -> None:
    """Refuse a `saml:` key (lowered) that no assertion carries: one AWS does not set from
    SAML, or one it computes from the provider itself (IAM User Guide, "Available keys for
    SAML-based AWS STS federation")."""
    if lowered not in SAML_KEYS:
        raise ValidationError(
            f"{where}: not a key AWS sets from a SAML assertion (IAM User Guide, "
            "'Available keys for SAML-based AWS STS federation')"
        )
    if lowered in SAML_SET_BY_AWS:
        raise ValidationError(
            f"{where}: AWS computes {lowered} from the SAML provider (its account and "
            "name, and the issuer), not from the assertion; no caller chooses it"
        )


def _saml(call: AssumeRoleWithSamlCall, account: Account | None) -> tuple[_Federated, str]:
    """STS's own checks of a SAML assertion, then the principal, its keys and the session
    name (AssumeRoleWithSAML; "Configure SAML assertions for the authentication response")."""
    assertion = call.assertion
    if not isinstance(assertion, Mapping):
        raise ValidationError(
            f"assertion must be a mapping of saml:* keys and SAML attributes, "
            f"not {type(assertion).__name__}"
        )
    principal_arn = call.principal_arn
    parts = principal_arn.split(":", 5) if isinstance(principal_arn, str) else []
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("saml-provider/"):
        raise ValidationError(
            f"principal_arn {principal_arn!r} is not a SAML provider ARN "
            "(arn:aws:iam::ACCOUNT:saml-provider/NAME)"
        )
    name = parts[5].removeprefix("saml-provider/")
    if parts[4] != call.role_arn.split(":")[4]:
        raise _invalid_token(
            f"principal_arn {principal_arn}: the SAML provider must be in the role's account"
        )
    if account is None or account.saml_provider(name) is None:
        known = ", ".join(p.name for p in account.saml_providers) if account else ""
        raise _invalid_token(
            f"No SAML provider {name} in account {parts[4]} (its SAML providers: {known or 'none'})"
        )
    notes: list[Reason] = [
        Reason("federated_claims_unverified", (("operation", "AssumeRoleWithSAML"),))
    ]
    keys: dict[str, object] = {}
    tags: list[tuple[str, str]] = []
    transitive: tuple[str, ...] = ()
    for key, value in assertion.items():
        if not isinstance(key, str):
            raise ValidationError(f"assertion: keys are strings, not {key!r}")
        lowered = key.lower()
        where = f"assertion[{key!r}]"
        if lowered.startswith("saml:"):
            check_saml_key(lowered, where)
            shaped = _value(where, value)
            if isinstance(shaped, list) and not SAML_KEYS[lowered]:
                raise ValidationError(f"{where}: {key} takes one value, not a list")
            keys[key] = shaped
        elif key.startswith(SAML_ATTRIBUTE + "PrincipalTag:"):
            tag = key.removeprefix(SAML_ATTRIBUTE + "PrincipalTag:")
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if not isinstance(value, str):
                raise ValidationError(f"{where}: a session tag value is one string")
            tags.append((tag, value))
        elif key == SAML_ATTRIBUTE + "TransitiveTagKeys":
            listed = [value] if isinstance(value, str) else value
            if not isinstance(listed, list) or not all(isinstance(k, str) for k in listed):
                raise ValidationError(f"{where}: a list of tag keys")
            transitive = tuple(listed)
        elif key not in (
            SAML_ATTRIBUTE + "Role",
            SAML_ATTRIBUTE + "RoleSessionName",
            SAML_ATTRIBUTE + "SessionDuration",
            SAML_ATTRIBUTE + "SourceIdentity",
        ):
            raise ValidationError(
                f"{where}: expected saml:* keys or AWS's attributes "
                f"({SAML_ATTRIBUTE}Role, RoleSessionName, PrincipalTag:KEY, "
                "TransitiveTagKeys, SourceIdentity, SessionDuration)"
            )
    subject = keys.get("saml:sub") or next(
        (v for k, v in keys.items() if k.lower() == "saml:sub"), None
    )
    role_attr = _attribute(assertion, "Role")
    if role_attr is None:
        notes.append(
            Reason("saml_role_from_call", (("role", call.role_arn), ("provider", principal_arn)))
        )
    else:
        pairs = [role_attr] if isinstance(role_attr, str) else role_attr
        if not isinstance(pairs, list) or not all(isinstance(p, str) for p in pairs):
            raise ValidationError("assertion Role attribute: ROLE_ARN,PROVIDER_ARN strings")
        wanted = {call.role_arn, principal_arn}
        if not any({x.strip() for x in p.split(",")} == wanted for p in pairs):
            raise ValidationError(
                f"the assertion's Role attribute does not list the pair {call.role_arn},"
                f"{principal_arn}: STS grants only a role the identity provider names",
                code="AccessDenied",
            )
    session_name = _attribute(assertion, "RoleSessionName")
    if session_name is None:
        if not isinstance(subject, str) or not subject:
            raise ValidationError(
                "assertion: give the RoleSessionName attribute (or saml:sub to stand in for it)"
            )
        session_name = subject
        notes.append(Reason("saml_session_name_from_subject", (("session", subject),)))
    elif not isinstance(session_name, str):
        raise ValidationError("assertion RoleSessionName attribute must be a string")
    if not isinstance(subject, str) or not subject:
        subject = session_name
    # saml:doc is the provider's account and name; saml:namequalifier is computed from the
    # issuer (the assertion's, which iamsim takes as its provider's: the world does not hold
    # the provider's metadata).
    keys["saml:doc"] = f"{parts[4]}/{name}"
    issuer = next((v for k, v in keys.items() if k.lower() == "saml:iss"), None)
    if isinstance(issuer, str):
        keys["saml:namequalifier"] = name_qualifier(issuer, parts[4], name)
    source = _attribute(assertion, "SourceIdentity")
    if source is not None and not isinstance(source, str):
        raise ValidationError("assertion SourceIdentity attribute must be a string")
    principal = FederatedPrincipal("saml", principal_arn, str(subject))
    return (
        _Federated(principal, keys, tuple(tags), transitive, source, tuple(notes)),
        session_name,
    )


def _check_context(
    context: Mapping[str, object] | None, keys: Mapping[str, object], operation: str
) -> None:
    """The token (or assertion) alone sets its keys: a context key that would stand in for
    one, or add a claim it does not carry, is ambiguous input, refused rather than let win."""
    if not context:
        return
    taken = {k.lower() for k in keys}
    source = "assertion" if operation == "AssumeRoleWithSAML" else "token"
    for key in context:
        if not isinstance(key, str):
            continue  # the request's own checks word it
        issuer, colon, claim = key.partition(":")
        lowered = key.lower()
        why = _NOT_CONTEXT.get(lowered)
        if why is None and lowered.startswith("aws:requesttag/"):
            why = _NOT_CONTEXT["aws:tagkeys"]
        if why is not None:
            raise ValidationError(f"context[{key!r}]: {operation}: {why.format(source=source)}")
        if lowered in taken or lowered.startswith("saml:") or (colon and claim and "." in issuer):
            raise ValidationError(
                f"context[{key!r}]: {operation} takes this key from the {source}, not from "
                f"the request context: give it in the {source}"
            )


_COGNITO = "cognito-identity.amazonaws.com"


def federated_provider(principal: FederatedPrincipal) -> str | None:
    """The `aws:FederatedProvider` of the session `principal` obtains (IAM User Guide, "AWS
    global condition context keys"): present in a session assumed through an OIDC identity
    provider, the IAM OIDC provider's ARN, or `cognito-identity.amazonaws.com` for Amazon
    Cognito. AWS documents no value for Google, Facebook or Login with Amazon, nor for a
    SAML session: absent, the least permissive reading for an Allow that requires it."""
    if principal.kind != "web_identity":
        return None
    name = principal.provider
    return name if name == _COGNITO or name.startswith("arn:") else None


def _assume(
    world: FederatedAuthority,
    call: Call,
    operation: str,
    fed: _Federated,
    session_name: str,
    duration_seconds: int | None,
    policy: object,
    policy_arns: Sequence[str] | None,
    context: Mapping[str, object] | None,
    now: _dt.datetime | None,
    region: str | None,
) -> Decision:
    """The part both calls share with AssumeRole: validation, authorization, the session."""
    role_arn = call.role_arn  # type: ignore[union-attr]
    arns = _policy_arns(policy_arns)
    policy_doc, policy_text = _session_policy(policy)
    validate_parameters(
        role_arn=role_arn,
        session_name=session_name,
        duration_seconds=duration_seconds,
        policy_text=policy_text,
        policy_arns=arns,
        tags=fed.tags,
        transitive_tag_keys=fed.transitive,
        source_identity=fed.source_identity,
    )
    if policy_text is not None and len("".join(policy_text.split())) > PLAINTEXT_MAX:
        raise ValidationError(
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
            f"Member must have length less than or equal to {PLAINTEXT_MAX}"
        )
    packed = _packed_percent(policy_text, arns, fed.tags)
    if packed > 100:
        raise ValidationError(
            f"Packed policy consumes {packed}% of allotted space, please use smaller policy.",
            code="PackedPolicyTooLarge",
        )
    moment = as_utc(now)
    keys = dict(fed.keys)
    keys["sts:RoleSessionName"] = session_name
    _check_context(context, keys, operation)
    also: tuple[str, ...] = ()
    if fed.tags:
        keys.update({f"aws:RequestTag/{k}": v for k, v in fed.tags})
        keys["aws:TagKeys"] = [k for k, _ in fed.tags]
        also += ("sts:TagSession",)
    if fed.transitive:
        keys["sts:TransitiveTagKeys"] = list(fed.transitive)
        if "sts:TagSession" not in also:
            also += ("sts:TagSession",)
    if fed.source_identity is not None:
        keys["sts:SourceIdentity"] = fed.source_identity
        also += ("sts:SetSourceIdentity",)
    action = "sts:" + operation
    request = make_access_request(
        fed.principal, action, role_arn, context, moment, also, keys, operation, region
    )
    role = world.role(role_arn)
    duration = 3600 if duration_seconds is None else duration_seconds
    session = None
    if role is not None:
        # Minted when the decision's session is first read (iamsim.session.Minting).
        session = partial(
            make_role_session,
            role.arn,
            session_name,
            role.unique_id,
            moment,
            moment + _seconds(duration),
            () if policy_doc is None else (policy_doc,),
            arns,
            as_tags(fed.tags),
            fed.transitive,
            fed.source_identity,
            False,
            None,
            False,
            packed if (policy_text or arns or fed.tags) else None,
            federated_provider(fed.principal),
        )
    decision = world.authorize(request, answering=call, session=session)
    decision = attrs.evolve(decision, notes=(*decision.note_reasons, *fed.notes))
    if not decision.allowed:
        return decision
    assert role is not None  # an allowed trust check: the role exists (and a session)
    if duration > role.max_session_duration:
        raise ValidationError(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    if arns:
        minted = decision.session  # an allowed call's session
        assert minted is not None
        try:
            world.check_session(minted)
        except IamsimError as exc:
            raise ValidationError(str(exc)) from None
    return decision


def role_account(world: FederatedAuthority, role_arn: object) -> Account | None:
    """The account of `role_arn` in the world (whose providers STS checks the token
    against), or None."""
    if not isinstance(role_arn, str):
        raise ValidationError(f"roleArn must be a string, not {type(role_arn).__name__}")
    parts = role_arn.split(":")
    return world.account(parts[4]) if len(parts) > 5 else None


def assume_role_with_web_identity(
    world: FederatedAuthority, call: AssumeRoleWithWebIdentityCall
) -> Decision:
    """Replay AssumeRoleWithWebIdentity: STS's token checks, then the trust policy and RCPs."""
    if not isinstance(call.session_name, str):
        raise ValidationError(
            f"roleSessionName must be a string, not {type(call.session_name).__name__}"
        )
    validate_parameters(role_arn=call.role_arn, session_name=call.session_name)
    fed = _web_identity(call, role_account(world, call.role_arn))
    return _assume(
        world,
        call,
        "AssumeRoleWithWebIdentity",
        fed,
        call.session_name,
        call.duration_seconds,
        call.policy,
        call.policy_arns,
        call.context,
        call.now,
        call.region,
    )


def assume_role_with_saml(world: FederatedAuthority, call: AssumeRoleWithSamlCall) -> Decision:
    """Replay AssumeRoleWithSAML: the provider and the assertion's attributes, then the trust
    policy (its `saml:*` conditions) and RCPs."""
    validate_parameters(role_arn=call.role_arn, session_name="iamsim")
    fed, session_name = _saml(call, role_account(world, call.role_arn))
    if STS_NAME.fullmatch(session_name) is None or not 2 <= len(session_name) <= 64:
        raise ValidationError(
            f"the session name {session_name!r} (RoleSessionName attribute, or saml:sub) must "
            "be 2 to 64 characters from letters, digits and +=,.@-"
        )
    return _assume(
        world,
        call,
        "AssumeRoleWithSAML",
        fed,
        session_name,
        call.duration_seconds,
        call.policy,
        call.policy_arns,
        call.context,
        call.now,
        call.region,
    )


def federated_principal(
    world: FederatedAuthority, call: AssumeRoleWithWebIdentityCall | AssumeRoleWithSamlCall
) -> FederatedPrincipal:
    """The caller a federated call names (for fixes, which name its provider in a trust
    policy); raises as the call itself does."""
    account = role_account(world, call.role_arn)
    if isinstance(call, AssumeRoleWithWebIdentityCall):
        return _web_identity(call, account).principal
    return _saml(call, account)[0].principal
