"""`why` for AssumeRoleWithWebIdentity and AssumeRoleWithSAML: what their CloudTrail records
and STS's denial carry, and the federated call that replays them.

A record's `userIdentity` is a `WebIdentityUser` (`principalId` PROVIDER:AUDIENCE:SUBJECT,
`userName` the subject, `identityProvider` the provider: the IAM OIDC provider's ARN, or a
built-in provider's name) or a `SAMLUser` (`principalId` NAMEQUALIFIER:SUBJECT, `userName`
the subject, `identityProvider` the name qualifier). An allowed call's `responseElements`
add `provider`, `audience`, `subjectFromWebIdentityToken` (web identity) or `subject`,
`subjectType`, `issuer`, `audience`, `nameQualifier` (SAML); `requestParameters` carry
`roleArn`, `roleSessionName`, `principalArn` (SAML), `durationSeconds`, `sourceIdentity`,
`principalTags` and `transitiveTagKeys`. A record carries no other claim (GitHub's
`environment`, `job_workflow_ref`, …) and no other SAML attribute: those are inputs the
replay lacks, and `context=` may give them (`ISSUER:CLAIM`, `saml:KEY`).

STS's denial, `Not authorized to perform sts:AssumeRoleWithWebIdentity`, names no caller,
role or claim: the role (`resource=`), the subject (`context=` `ISSUER:sub`, `saml:sub`)
and, when the role trusts more than one provider, the provider (`caller=`) complete it.

Sources: IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail" (its
example SAML and OIDC STS events); AWS CloudTrail User Guide, "CloudTrail userIdentity
element" ("Values for AWS STS APIs with SAML and web identity federation").
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from iamsim.decision import Decision
from iamsim.errors import ValidationError
from iamsim.questions.reach_federated import HOP_ACTIONS, provider_host, provider_kind
from iamsim.questions.reach_index import ReachIndex
from iamsim.sts_federated import PROVIDER_CLAIM_KEYS, SAML_KEYS
from iamsim.world import World

__all__ = ["EVENTS", "lacking_claims", "read_record", "replay_federated"]

EVENTS = {"AssumeRoleWithWebIdentity": "web_identity", "AssumeRoleWithSAML": "saml"}
"""CloudTrail's eventName → the federated caller's kind."""

_KIND_OF_ACTION = {action.lower(): kind for kind, action in HOP_ACTIONS.items()}
_SAML = "https://aws.amazon.com/SAML/Attributes/"
# The CloudTrail User Guide's name for Amazon Cognito in `identityProvider`; its tokens'
# issuer, and the name a trust policy gives it, is cognito-identity.amazonaws.com.
_COGNITO_IN_TRAIL = {"cognito-identity.amazon.com": "cognito-identity.amazonaws.com"}


def kind_of_action(action: str) -> str | None:
    """ "web_identity" or "saml" for the two federated STS actions, else None."""
    return _KIND_OF_ACTION.get(action.lower())


def _text(mapping: Mapping[str, Any], name: str, where: str) -> str | None:
    value = mapping.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where}.{name}: expected a string, not {type(value).__name__}")
    return value


def _mapping(record: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = record.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"record.{name}: expected an object, not {type(value).__name__}")
    return value


def read_record(record: Mapping[str, Any], kind: str) -> tuple[str | None, dict[str, Any]]:
    """The provider (the caller, as a trust policy names it) and the call's values a
    federated record carries (subject, audience, issuer, name qualifier, session name,
    duration, source identity, session tags)."""
    identity = _mapping(record, "userIdentity")
    params = _mapping(record, "requestParameters")
    response = _mapping(record, "responseElements")
    out: dict[str, Any] = {}
    subject = _text(response, "subject", "record.responseElements") or _text(
        response, "subjectFromWebIdentityToken", "record.responseElements"
    )
    subject = subject or _text(identity, "userName", "record.userIdentity")
    audience = _text(response, "audience", "record.responseElements")
    principal_id = _text(identity, "principalId", "record.userIdentity")
    if kind == "saml":
        provider = _text(params, "principalArn", "record.requestParameters")
        qualifier = _text(response, "nameQualifier", "record.responseElements") or _text(
            identity, "identityProvider", "record.userIdentity"
        )
        out["name_qualifier"] = qualifier
        out["issuer"] = _text(response, "issuer", "record.responseElements")
        out["subject_type"] = _text(response, "subjectType", "record.responseElements")
    else:
        provider = _text(response, "provider", "record.responseElements") or _text(
            identity, "identityProvider", "record.userIdentity"
        )
        provider = _COGNITO_IN_TRAIL.get(provider or "", provider)
        if provider and principal_id and principal_id.startswith(provider + ":"):
            # PROVIDER:AUDIENCE:SUBJECT (the subject may hold colons, as GitHub's does).
            rest = principal_id[len(provider) + 1 :]
            aud, _, sub = rest.partition(":")
            if sub and (subject is None or subject == sub):
                audience, subject = audience or aud, sub
    out["subject"] = subject
    out["audience"] = audience
    for name, key in (
        ("roleSessionName", "session_name"),
        ("sourceIdentity", "source_identity"),
    ):
        out[key] = _text(params, name, "record.requestParameters")
    duration = params.get("durationSeconds")
    if isinstance(duration, int) and not isinstance(duration, bool):
        out["duration_seconds"] = duration
    tags = params.get("principalTags")
    if tags is not None:
        if not isinstance(tags, Mapping) or not all(isinstance(v, str) for v in tags.values()):
            raise ValidationError(
                "record.requestParameters.principalTags: expected an object of tag values"
            )
        out["tags"] = dict(tags)
    transitive = params.get("transitiveTagKeys")
    if transitive is not None:
        if not isinstance(transitive, list) or not all(isinstance(k, str) for k in transitive):
            raise ValidationError(
                "record.requestParameters.transitiveTagKeys: expected a list of tag keys"
            )
        out["transitive"] = list(transitive)
    return provider, {k: v for k, v in out.items() if v is not None}


def _only_provider(world: World, role: str, kind: str) -> str:
    """The one provider of `kind` the role's trust policy names, for STS's denial, which
    names none."""
    index = ReachIndex(world)
    if role not in index.roles:
        raise ValidationError(f"evidence: no role {role} in the world to replay the call into")
    named = sorted(p for k, p in index.trust(role).federated if k == kind)
    if len(named) != 1:
        listed = ", ".join(named) or "none"
        raise ValidationError(
            f"evidence: STS's denial names no identity provider and the trust policy of {role} "
            f"names {len(named)} ({listed}); give caller= (--caller) the provider ARN or name"
        )
    return named[0]


def _claims(kind: str, provider: str, context: Mapping[str, object]) -> dict[str, object]:
    """The claim keys (`ISSUER:CLAIM`) or `saml:*` keys given as context, by claim name."""
    out: dict[str, object] = {}
    host = provider_host(provider).lower()
    known = {"sub", "aud", *PROVIDER_CLAIM_KEYS.get(provider_host(provider), frozenset())}
    for key, value in context.items():
        low = key.lower()
        if kind == "saml" and low in SAML_KEYS:
            out[low] = value
        elif kind == "web_identity" and low.startswith(host + ":"):
            claim = low[len(host) + 1 :]
            if claim not in known:
                keys = ", ".join(sorted(known))
                raise ValidationError(
                    f"context[{key!r}]: not a claim AWS makes a key of for "
                    f"{provider_host(provider)} (its keys: {keys})"
                )
            out[claim] = value
    return out


def replay_federated(
    world: World,
    action: str,
    provider: str | None,
    role: str,
    values: Mapping[str, Any],
    context: Mapping[str, object],
    now: _dt.datetime | None,
    region: str | None,
) -> tuple[str, Decision]:
    """The provider and the federated call the evidence describes, with the claims it
    carries and those `context` gives; raises `ValidationError` for what is missing, or
    as STS refuses it."""
    kind = kind_of_action(action)
    assert kind is not None
    provider = provider or _only_provider(world, role, kind)
    if provider_kind(provider) != kind:
        raise ValidationError(
            f"evidence: {provider!r} is not {'a SAML' if kind == 'saml' else 'a web identity'} "
            "provider (an IAM provider ARN, or a built-in provider's name)"
        )
    claims = _claims(kind, provider, context)
    rest = {k: v for k, v in context.items() if k.lower() not in _claim_keys(kind, provider)}
    subject = claims.pop("sub", None) or claims.pop("saml:sub", None) or values.get("subject")
    if subject is None:
        key = "saml:sub" if kind == "saml" else f"{provider_host(provider)}:sub"
        what = "assertion" if kind == "saml" else "token"
        raise ValidationError(
            f"evidence: it does not carry the subject of the {what}; "
            f"give it as context {key}=VALUE (--context)"
        )
    tags = values.get("tags", {})
    transitive = values.get("transitive", [])
    session = values.get("session_name")
    ctx = rest or None
    if kind == "saml":
        assertion: dict[str, Any] = {"saml:sub": subject}
        for key, name in (
            ("saml:aud", "audience"),
            ("saml:iss", "issuer"),
            ("saml:namequalifier", "name_qualifier"),
            ("saml:sub_type", "subject_type"),
        ):
            if name in values:
                assertion[key] = values[name]
        assertion.update(claims)
        if session is not None:
            assertion[_SAML + "RoleSessionName"] = session
        if "source_identity" in values:
            assertion[_SAML + "SourceIdentity"] = values["source_identity"]
        for key, value in tags.items():
            assertion[f"{_SAML}PrincipalTag:{key}"] = value
        if transitive:
            assertion[_SAML + "TransitiveTagKeys"] = list(transitive)
        return provider, world.assume_role_with_saml(
            role_arn=role,
            principal_arn=provider,
            assertion=assertion,
            duration_seconds=values.get("duration_seconds"),
            context=ctx,
            now=now,
            region=region,
        )
    audience = claims.pop("aud", None) or values.get("audience")
    if audience is None:
        raise ValidationError(
            "evidence: it does not carry the token's audience; give it as context "
            f"{provider_host(provider)}:aud=VALUE (--context)"
        )
    token: dict[str, Any] = {
        "iss": f"https://{provider_host(provider)}",
        "sub": subject,
        "aud": audience,
        **claims,
    }
    if tags or transitive:
        token["https://aws.amazon.com/tags"] = {
            "principal_tags": {k: [v] for k, v in tags.items()},
            "transitive_tag_keys": list(transitive),
        }
    if "source_identity" in values:
        token["https://aws.amazon.com/source_identity"] = values["source_identity"]
    return provider, world.assume_role_with_web_identity(
        role_arn=role,
        session_name=session or "iamsim-why",
        token=token,
        duration_seconds=values.get("duration_seconds"),
        context=ctx,
        now=now,
        region=region,
    )


def _claim_keys(kind: str, provider: str) -> set[str]:
    if kind == "saml":
        return set(SAML_KEYS)
    host = provider_host(provider).lower()
    known = {"sub", "aud", *PROVIDER_CLAIM_KEYS.get(provider_host(provider), frozenset())}
    return {f"{host}:{claim}" for claim in known}


def lacking_claims(action: str) -> str:
    """What a federated record or denial cannot carry, for the notes."""
    if kind_of_action(action) == "saml":
        return (
            "the assertion's other attributes (a record carries saml:sub, saml:aud, saml:iss "
            "and the name qualifier only; give others as context saml:KEY=VALUE)"
        )
    return (
        "the token's other claims (a record carries its sub and aud only, such as GitHub's "
        "environment or job_workflow_ref; give them as context ISSUER:CLAIM=VALUE)"
    )
