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
from iamsim.questions.record_fields import (
    NOTE_PREFIX,
    ROLE_SESSION_NAME,
    duration_seconds,
    field,
    string,
)
from iamsim.sts_federated import (
    SAML_KEYS,
    SAML_SET_BY_AWS,
    assertion_for,
    claim_name,
    claim_names,
    identity_claims,
    name_qualifier,
    token_for,
)
from iamsim.world import World

__all__ = ["EVENTS", "lacking_claims", "read_record", "replay_federated"]

EVENTS = {"AssumeRoleWithWebIdentity": "web_identity", "AssumeRoleWithSAML": "saml"}
"""CloudTrail's eventName -> the federated caller's kind."""

_KIND_OF_ACTION = {action.lower(): kind for kind, action in HOP_ACTIONS.items()}
# The CloudTrail User Guide's name for Amazon Cognito in `identityProvider`; its tokens'
# issuer, and the name a trust policy gives it, is cognito-identity.amazonaws.com.
_COGNITO_IN_TRAIL = {"cognito-identity.amazon.com": "cognito-identity.amazonaws.com"}


def kind_of_action(action: str) -> str | None:
    """ "web_identity" or "saml" for the two federated STS actions, else None."""
    return _KIND_OF_ACTION.get(action.lower())


def _text(mapping: Mapping[str, Any], name: str, where: str) -> str | None:
    """A string field, an empty one taken as absent."""
    return string(mapping, name, where) or None


def _agreeing(*found: tuple[str, str | None]) -> str | None:
    """The one value the record's fields (JSON path, value) give; a ValidationError naming
    two fields that give different values (the record is not one call's)."""
    given = [(where, value) for where, value in found if value is not None]
    for where, value in given[1:]:
        if value != given[0][1]:
            raise ValidationError(
                f"{where} ({value!r}) differs from {given[0][0]} ({given[0][1]!r}): "
                "the record's fields do not describe one call"
            )
    return given[0][1] if given else None


def read_record(record: Mapping[str, Any], kind: str) -> tuple[str | None, dict[str, Any]]:
    """The provider (the caller, as a trust policy names it) and the call's values a
    federated record carries (subject, audience, issuer, name qualifier, session name,
    duration, source identity, session tags)."""
    identity = field(record, "userIdentity", "record")
    params = field(record, "requestParameters", "record")
    response = field(record, "responseElements", "record")
    who, req, resp = "record.userIdentity", "record.requestParameters", "record.responseElements"
    out: dict[str, Any] = {}
    audience = _text(response, "audience", resp)
    user_name = (f"{who}.userName", _text(identity, "userName", who))
    if kind == "saml":
        provider = _text(params, "principalArn", req)
        subject = _agreeing((f"{resp}.subject", _text(response, "subject", resp)), user_name)
        out["name_qualifier"] = _agreeing(
            (f"{resp}.nameQualifier", _text(response, "nameQualifier", resp)),
            (f"{who}.identityProvider", _text(identity, "identityProvider", who)),
        )
        out["issuer"] = _text(response, "issuer", resp)
        out["subject_type"] = _text(response, "subjectType", resp)
    else:
        named = [
            (f"{resp}.provider", _text(response, "provider", resp)),
            (f"{who}.identityProvider", _text(identity, "identityProvider", who)),
        ]
        provider = _agreeing(*((w, _COGNITO_IN_TRAIL.get(v or "", v)) for w, v in named))
        subject = _agreeing(
            (
                f"{resp}.subjectFromWebIdentityToken",
                _text(response, "subjectFromWebIdentityToken", resp),
            ),
            user_name,
        )
        principal_id = _text(identity, "principalId", who)
        if provider and principal_id and principal_id.startswith(provider + ":"):
            # PROVIDER:AUDIENCE:SUBJECT (the subject may hold colons, as GitHub's does): read
            # only where the record's own fields leave the subject or the audience out.
            aud, _, sub = principal_id[len(provider) + 1 :].partition(":")
            if sub and (subject is None or subject == sub):
                audience, subject = audience or aud, sub
    out["subject"] = subject
    out["audience"] = audience
    out["session_name"] = _text(params, "roleSessionName", req)
    out["source_identity"] = _text(params, "sourceIdentity", req)
    out["duration_seconds"] = duration_seconds(params, req)
    tags = params.get("principalTags")
    if tags is not None:
        if not isinstance(tags, Mapping) or not all(isinstance(v, str) for v in tags.values()):
            raise ValidationError(f"{req}.principalTags: expected an object of tag values")
        out["tags"] = dict(tags)
    transitive = params.get("transitiveTagKeys")
    if transitive is not None:
        if not isinstance(transitive, list) or not all(isinstance(k, str) for k in transitive):
            raise ValidationError(f"{req}.transitiveTagKeys: expected a list of tag keys")
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


def _given(
    kind: str, provider: str, context: Mapping[str, object]
) -> tuple[dict[str, object], str | None, dict[str, object]]:
    """`context` split: the claims (by claim name) or `saml:*` keys it gives, the session
    name (`sts:RoleSessionName`, a parameter of the call), and the request context."""
    claims: dict[str, object] = {}
    session: str | None = None
    rest: dict[str, object] = {}
    host = provider_host(provider)
    for key, value in context.items():
        low = key.lower()
        claimed = low.startswith("saml:") or low.startswith(host.lower() + ":")
        if claimed and not (
            isinstance(value, str)
            or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        ):
            raise ValidationError(
                f"context[{key!r}]: a claim's value is a string (or a list of strings), "
                f"not {type(value).__name__}"
            )
        if low == "sts:rolesessionname":
            if not isinstance(value, str):
                raise ValidationError(f"context[{key!r}]: the session name is a string")
            session = value
        elif kind == "saml" and low in SAML_SET_BY_AWS:
            raise ValidationError(
                f"context[{key!r}]: AWS computes {low} from the SAML provider, not from the "
                "assertion: leave it out"
            )
        elif kind == "saml" and low in SAML_KEYS:
            claims[low] = value
        elif kind == "web_identity" and low.startswith(host.lower() + ":"):
            claim = claim_name(host, key)
            if claim is None:
                keys = ", ".join(sorted(claim_names(host)))
                raise ValidationError(
                    f"context[{key!r}]: not a claim AWS makes a key of for {host} "
                    f"(its keys: {keys})"
                )
            claims[claim] = value
        else:
            rest[key] = value
    return claims, session, rest


def _qualifier_caveat(provider: str, values: Mapping[str, Any]) -> list[str]:
    """A caveat when the record's name qualifier is not the one AWS computes from its issuer,
    the provider's account and name ("Available keys for SAML-based AWS STS federation")."""
    issuer, recorded = values.get("issuer"), values.get("name_qualifier")
    if issuer is None or recorded is None:
        return []
    account, name = provider.split(":")[4], provider.rsplit("/", 1)[-1]
    computed = name_qualifier(issuer, account, name)
    if computed == recorded:
        return []
    return [
        f"{NOTE_PREFIX} computes saml:namequalifier {computed!r} from the issuer {issuer!r} and "
        f"{provider}, but the record names {recorded!r}: the record may not come from this "
        "provider, or its values were edited."
    ]


def replay_federated(
    world: World,
    action: str,
    provider: str | None,
    role: str,
    values: Mapping[str, Any],
    context: Mapping[str, object],
    now: _dt.datetime | None,
    region: str | None,
) -> tuple[str, Decision, list[str]]:
    """The provider, the federated call the evidence describes (with the claims it carries
    and those `context` gives), and caveats on what the replay assumed; raises
    `ValidationError` for what is missing, or as STS refuses it."""
    kind = kind_of_action(action)
    assert kind is not None
    provider = provider or _only_provider(world, role, kind)
    if provider_kind(provider) != kind:
        raise ValidationError(
            f"evidence: {provider!r} is not {'a SAML' if kind == 'saml' else 'a web identity'} "
            "provider (an IAM provider ARN, or a built-in provider's name)"
        )
    host = provider_host(provider)
    claims, session, rest = _given(kind, provider, context)
    sub_claim = "saml:sub" if kind == "saml" else next(iter(identity_claims(host, "", "")))
    subject = claims.pop(sub_claim, None) or values.get("subject")
    if subject is None:
        key = "saml:sub" if kind == "saml" else f"{host}:{sub_claim}"
        what = "assertion" if kind == "saml" else "token"
        raise ValidationError(
            f"evidence: it does not carry the subject of the {what}; "
            f"give it as context {key}=VALUE (--context)"
        )
    caveats: list[str] = []
    if values.get("session_name") is not None:
        session = values["session_name"]
    elif session is None:
        session = ROLE_SESSION_NAME
        caveats.append(
            f"{NOTE_PREFIX} uses the session name {session!r}: the evidence does not carry the "
            "one the call passed (a trust condition on sts:RoleSessionName is judged against "
            "it); give context sts:RoleSessionName=NAME (--context)"
        )
    ctx = rest or None
    tags = values.get("tags")
    transitive = values.get("transitive", ())
    source = values.get("source_identity")
    if kind == "saml":
        keys: dict[str, object] = {"saml:sub": subject}
        for key, name in (("saml:aud", "audience"), ("saml:iss", "issuer")):
            if name in values:
                keys[key] = values[name]
        keys["saml:sub_type"] = values.get("subject_type")
        keys = {k: v for k, v in keys.items() if v is not None}
        keys.update(claims)
        caveats += _qualifier_caveat(provider, values)
        decision = world.assume_role_with_saml(
            role_arn=role,
            principal_arn=provider,
            assertion=assertion_for(keys, session, tags, transitive, source),
            duration_seconds=values.get("duration_seconds"),
            context=ctx,
            now=now,
            region=region,
        )
        return provider, decision, caveats
    aud_claim = list(identity_claims(host, "", ""))[1]
    audience = claims.pop(aud_claim, None) or values.get("audience")
    if audience is None:
        raise ValidationError(
            "evidence: it does not carry the token's audience; give it as context "
            f"{host}:{aud_claim}=VALUE (--context)"
        )
    token, provider_id = token_for(
        host, {**identity_claims(host, subject, audience), **claims}, tags, transitive, source
    )
    decision = world.assume_role_with_web_identity(
        role_arn=role,
        session_name=session,
        token=token,
        provider_id=provider_id,
        duration_seconds=values.get("duration_seconds"),
        context=ctx,
        now=now,
        region=region,
    )
    return provider, decision, caveats


def lacking_claims(action: str) -> str:
    """What a federated record or denial cannot carry, for the notes."""
    if kind_of_action(action) == "saml":
        return (
            "the assertion's other attributes (a record carries saml:sub, saml:aud and saml:iss "
            "only; give others as context saml:KEY=VALUE)"
        )
    return (
        "the token's other claims (a record carries its sub and aud only, such as GitHub's "
        "environment or job_workflow_ref; give them as context ISSUER:CLAIM=VALUE)"
    )
