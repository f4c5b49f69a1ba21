"""`why`: replay the evidence of an AWS answer (an error message, a CloudTrail record) in a
world, and say plainly where the replay and AWS disagree.

The evidence names a caller, an action and a resource, and says what AWS answered; it
never carries everything AWS decided on (an external ID, a session policy, most context
keys). The replay is a `Decision` of `World.simulate` or `World.assume_role`; a note in its
`notes` names each input the evidence lacks that the replay depends on, and each way the
replay disagrees with AWS.

Sources: IAM User Guide, "Troubleshoot access denied error messages" (the message forms);
AWS CloudTrail User Guide, "CloudTrail record contents for management, data, and network
activity events" (the record fields:
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
The web identity and SAML callers' records and STS's denial of them:
`iamsim.questions.why_federated`.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from iamsim.calls import AccessRequest
from iamsim.decision import Decision
from iamsim.errors import ValidationError
from iamsim.questions.reach_federated import HOP_ACTIONS
from iamsim.questions.record_fields import (
    NOTE_PREFIX,
    ROLE_SESSION_NAME,
    duration_seconds,
    field,
    string,
)
from iamsim.questions.why_federated import (
    EVENTS,
    kind_of_action,
    lacking_claims,
    read_record,
    replay_federated,
)
from iamsim.sts_federated import sts_refusal
from iamsim.world import World

__all__ = [
    "EVENT_SOURCES",
    "NOTE_PREFIX",
    "Evidence",
    "Replayed",
    "read_evidence",
    "records",
    "replay",
    "why",
]


_PLACEHOLDER_TAG = ("iamsim-why", "replayed")
_MFA_TOKEN = "123456"

# -- AWS's message forms (IAM User Guide, "Troubleshoot access denied error messages") --

_FRAME = re.compile(
    r"An error occurred \((?P<code>[\w.]+)\)(?: \(reached max retries: \d+\))? when calling "
    r"the (?P<op>\w+) operation(?: \(reached max retries: \d+\))?: (?P<body>.*)",
    re.S,
)
_BODY = re.compile(
    r"User: (?P<caller>\S+) is not authorized to perform: (?P<action>[\w.-]+:[\w*.-]+)"
    r'(?: on resource: (?:"(?P<quoted>[^"]*)"|(?P<resource>\S+?)))?'
    r"(?: (?P<why>(?:because|with) .*?))?\.?",
    re.S,
)
# EC2 and others append an encoded message (decoded by sts:DecodeAuthorizationMessage).
_ENCODED = re.compile(r"\.? ?Encoded authorization failure message: \S+\s*$")
_EXPLICIT = {
    "a service control policy": "scp",
    "a resource control policy": "rcp",
    "a vpc endpoint policy": "vpc_endpoint",
    "a permissions boundary": "boundary",
    "a sessions policy": "session",
    "a session policy": "session",
    "a resource-based policy": "resource",
    "the role trust policy": "trust",
    "a role trust policy": "trust",
    "an identity-based policy": "identity",
}
_IMPLICIT = {
    "service control policy": "scp",
    "resource control policy": "rcp",
    "vpc endpoint policy": "vpc_endpoint",
    "session policy": "session",
    "resource-based policy": "resource",
    "role trust policy": "trust",
    "identity-based policy": "identity",
    "permissions boundary": "boundary",
}
_WORDS = {
    "scp": "a service control policy",
    "rcp": "a resource control policy",
    "vpc_endpoint": "a VPC endpoint policy",
    "boundary": "a permissions boundary",
    "session": "a session policy",
    "resource": "a resource-based policy",
    "trust": "the role trust policy",
    "identity": "an identity-based policy",
    "service": "a rule of the service",
}
# Messages that replace the `User: … is not authorized` text: (action or None, what it lacks).
_OWN_MESSAGES = {
    "access denied": None,  # S3, to callers outside the bucket owner's account and organization
    "roles may not be assumed by root accounts": "sts:AssumeRole",
}
# STS's AccessDenied text for AssumeRoleWithWebIdentity and AssumeRoleWithSAML (lowered).
_FEDERATED_DENIAL = re.compile(
    r"not authorized to perform sts:(assumerolewith(?:webidentity|saml))"
)
# The API operation the AWS CLI names, where the IAM action differs (S3 user guide).
_OPERATION_ACTIONS = {
    ("s3", "listobjects"): "ListBucket",
    ("s3", "listobjectsv2"): "ListBucket",
    ("s3", "listobjectversions"): "ListBucketVersions",
    ("s3", "listmultipartuploads"): "ListBucketMultipartUploads",
    ("s3", "listbuckets"): "ListAllMyBuckets",
    ("s3", "headobject"): "GetObject",
    ("s3", "headbucket"): "ListBucket",
    ("lambda", "invoke"): "InvokeFunction",
}

EVENT_SOURCES: dict[str, str] = {
    "sts.amazonaws.com": "sts",
    "s3.amazonaws.com": "s3",
    "kms.amazonaws.com": "kms",
    "sqs.amazonaws.com": "sqs",
    "sns.amazonaws.com": "sns",
    "lambda.amazonaws.com": "lambda",
    "secretsmanager.amazonaws.com": "secretsmanager",
    "iam.amazonaws.com": "iam",
    "dynamodb.amazonaws.com": "dynamodb",
    "ec2.amazonaws.com": "ec2",
    "ssm.amazonaws.com": "ssm",
    "logs.amazonaws.com": "logs",
    "events.amazonaws.com": "events",
    "ecr.amazonaws.com": "ecr",
    "cloudformation.amazonaws.com": "cloudformation",
    "organizations.amazonaws.com": "organizations",
}
"""CloudTrail's `eventSource` → the IAM service prefix of its actions."""

# CloudTrail `errorCode`s that mean the authorization failed (others: it passed).
_DENIED_CODES = {
    "accessdenied",
    "accessdeniedexception",
    "unauthorizedoperation",
    "client.unauthorizedoperation",
    "unauthorizedaccess",
    "authorizationerror",
    "forbidden",
}
_DATED = re.compile(r"\d{8}(?:v\d+)?$")  # Lambda's versioned event names: Invoke20150331


@attrs.frozen
class Evidence:
    """What the evidence says was asked and what AWS answered (`denied`), as far as it says.

    `policy_type`/`explicit`: the layer AWS named (the detailed message form), if any.
    `assume`: the AssumeRole parameters a CloudTrail record carries (roleSessionName, …).
    """

    source: str  # "message" or "cloudtrail"
    caller: str | None
    action: str | None
    resource: str | None
    denied: bool
    policy_type: str | None = None
    explicit: bool | None = None
    context: tuple[tuple[str, object], ...] = ()
    now: _dt.datetime | None = None
    assume: tuple[tuple[str, Any], ...] = ()
    text: str | None = None  # AWS's message, as given
    identity_type: str | None = None  # CloudTrail's userIdentity.type
    unread: bool = False  # a message iamsim cannot read: all it says is "denied"
    # CloudTrail's awsRegion: the region the call was made in (aws:RequestedRegion where
    # the resource's ARN names none, as for S3 and STS).
    region: str | None = None
    # What a web identity or SAML caller's record carries of its token or assertion
    # (subject, audience, issuer, …: `why_federated.read_record`); its caller is the provider.
    federated: tuple[tuple[str, Any], ...] = ()


@attrs.frozen
class Replayed:
    """A replay of one piece of evidence: the decision, with the notes `why` adds, and
    whether it reproduces what AWS answered (`agrees`) and, if not, why (`disagreement`)."""

    evidence: Evidence
    decision: Decision
    agrees: bool
    disagreement: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()


# -- reading the evidence ------------------------------------------------------------


def _squash(text: str) -> str:
    return " ".join(text.split())


def _reason(why: str | None) -> tuple[str | None, bool | None]:
    """`because no X allows …` / `with an explicit deny in X[: ARN]` → (policy type, explicit)."""
    if not why:
        return None, None
    lowered = why.lower()
    if lowered.startswith("with an explicit deny in "):
        rest = lowered[len("with an explicit deny in ") :]
        for phrase, kind in _EXPLICIT.items():
            if rest.startswith(phrase):
                return kind, True
        return None, True
    match = re.match(r"because no (.+?) allows the ", lowered)
    if match:
        return _IMPLICIT.get(match.group(1)), False
    return None, None


def _operation_action(service: str, operation: str) -> str:
    name = _DATED.sub("", operation)
    return f"{service}:{_OPERATION_ACTIONS.get((service, name.lower()), name)}"


def _message(text: str) -> Evidence:
    """An AccessDenied message, with or without the AWS CLI's `An error occurred …` frame."""
    body, operation = _squash(text), None
    framed = _FRAME.search(body)  # after boto3's `botocore.exceptions.ClientError: `, …
    if framed:
        body, operation = framed.group("body"), framed.group("op")
    body = _ENCODED.sub("", body)
    start = body.find("User: ")  # after EC2's "You are not authorized to perform this operation."
    matched = _BODY.fullmatch(body[start:]) if start >= 0 else None
    if matched:
        kind, explicit = _reason(matched.group("why"))
        resource = matched.group("quoted") or matched.group("resource")
        return Evidence(
            "message",
            matched.group("caller"),
            matched.group("action"),
            resource,
            True,
            kind,
            explicit,
            text=text,
        )
    own = body.rstrip(".").lower()
    federated = _FEDERATED_DENIAL.fullmatch(own)
    if federated:
        # STS's denial of a web identity or SAML caller names no caller, role or claim:
        # the replay asks for them (`why_federated.replay_federated`).
        called = next(a for a in HOP_ACTIONS.values() if a.lower() == "sts:" + federated.group(1))
        return Evidence("message", None, called, None, True, text=text)
    if own in _OWN_MESSAGES:
        action = _OWN_MESSAGES[own]
        if action is None and operation is not None:
            action = _operation_action("s3", operation)
        return Evidence("message", None, action, None, True, text=text)
    # Another message of a service's own (a protected role, …): AWS's answer, which names
    # no caller, action or resource; the keywords can give them.
    return Evidence("message", None, None, None, True, text=text, unread=True)


def _time(text: str | None, where: str) -> _dt.datetime | None:
    if text is None:
        return None
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{where}: {text!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _caller(identity: Mapping[str, Any]) -> str | None:
    """The caller's ARN as CloudTrail's `userIdentity` gives it (None: it gives none)."""
    kind = identity.get("type")
    if kind == "AWSService":
        invoked = identity.get("invokedBy")
        return invoked if isinstance(invoked, str) else None
    arn = identity.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        return arn
    return None


def _identity_context(identity: Mapping[str, Any], now: _dt.datetime | None) -> dict[str, object]:
    """The context keys `userIdentity.sessionContext` fixes: MFA, token issue time, source
    identity (IAM User Guide, "AWS global condition context keys")."""
    where = "userIdentity.sessionContext"
    session = field(identity, "sessionContext", "userIdentity")
    attributes = field(session, "attributes", where)
    out: dict[str, object] = {}
    created = _time(string(attributes, "creationDate", f"{where}.attributes"), where)
    mfa = str(attributes.get("mfaAuthenticated", "")).lower()
    if mfa in ("true", "false"):
        out["aws:MultiFactorAuthPresent"] = mfa == "true"
        if mfa == "true" and created is not None and now is not None:
            out["aws:MultiFactorAuthAge"] = str(max(0, int((now - created).total_seconds())))
    if created is not None:
        out["aws:TokenIssueTime"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    source_identity = string(session, "sourceIdentity", where)
    if source_identity:
        out["aws:SourceIdentity"] = source_identity
    return out


def _region_account(record: Mapping[str, Any]) -> tuple[str, str]:
    region = record.get("awsRegion")
    account = record.get("recipientAccountId")
    return (region if isinstance(region, str) else ""), (
        account if isinstance(account, str) else ""
    )


def _resource(record: Mapping[str, Any], service: str, action: str) -> str | None:
    """The resource a record's call acted on: `requestParameters` where they name it, else
    `resources[].ARN` (the object before its bucket), else None."""
    params = field(record, "requestParameters", "record")
    region, account = _region_account(record)

    def param(name: str) -> str | None:
        value = params.get(name)
        return value if isinstance(value, str) and value else None

    if service == "sts" and param("roleArn"):
        return param("roleArn")
    if service == "s3" and param("bucketName"):
        key = param("key")
        return f"arn:aws:s3:::{param('bucketName')}" + (f"/{key}" if key else "")
    if service == "sqs" and param("queueUrl"):
        queue = str(param("queueUrl")).rstrip("/").split("/")
        if len(queue) >= 2:
            return f"arn:aws:sqs:{region}:{queue[-2]}:{queue[-1]}"
    if service == "sns" and param("topicArn"):
        return param("topicArn")
    if service == "lambda" and param("functionName"):
        name = str(param("functionName"))
        return (
            name
            if name.startswith("arn:")
            else f"arn:aws:lambda:{region}:{account}:function:{name}"
        )
    if service == "dynamodb" and param("tableName"):
        name = str(param("tableName"))
        return (
            name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        )
    for name in ("secretId", "keyId"):
        if param(name) and str(param(name)).startswith("arn:"):
            return param(name)
    listed = record.get("resources")
    if isinstance(listed, list):
        arns = [
            (r.get("type"), r["ARN"])
            for r in listed
            if isinstance(r, Mapping) and isinstance(r.get("ARN"), str)
        ]
        for kind, arn in arns:
            if kind == "AWS::S3::Object":
                return str(arn)
        if arns:
            return str(arns[0][1])
    return None


def _assume_parameters(record: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The AssumeRole parameters a record's `requestParameters` carry, as keyword arguments."""
    params = field(record, "requestParameters", "record")
    out: dict[str, Any] = {}
    for name, keyword in (
        ("roleSessionName", "session_name"),
        ("externalId", "external_id"),
        ("sourceIdentity", "source_identity"),
        ("serialNumber", "serial_number"),
    ):
        value = params.get(name)
        if isinstance(value, str):
            out[keyword] = value
    duration = duration_seconds(params, "record.requestParameters")
    if duration is not None:
        out["duration_seconds"] = duration
    tags = params.get("tags")
    if isinstance(tags, list):
        out["tags"] = tuple(
            (t.get("key"), t.get("value"))
            for t in tags
            if isinstance(t, Mapping) and isinstance(t.get("key"), str)
        )
    keys = params.get("transitiveTagKeys")
    if isinstance(keys, list):
        out["transitive_tag_keys"] = tuple(k for k in keys if isinstance(k, str))
    policy_arns = params.get("policyArns")
    if isinstance(policy_arns, list):
        out["policy_arns"] = tuple(
            p["arn"]
            for p in policy_arns
            if isinstance(p, Mapping) and isinstance(p.get("arn"), str)
        )
    return tuple(out.items())


def _cloudtrail(record: Mapping[str, Any]) -> Evidence:
    """One CloudTrail event record (CloudTrail User Guide, record contents)."""
    source = string(record, "eventSource", "record")
    name = string(record, "eventName", "record")
    if source is None or name is None:
        raise ValidationError(
            "record: a CloudTrail record names eventSource and eventName "
            f"(missing: {', '.join(k for k in ('eventSource', 'eventName') if not record.get(k))})"
        )
    service = EVENT_SOURCES.get(source)
    if service is None:
        raise ValidationError(
            f"record.eventSource: iamsim does not know the IAM service of {source!r} "
            f"(known: {', '.join(sorted(EVENT_SOURCES))}); give action= (--action)"
        )
    action = _operation_action(service, name)
    now = _time(string(record, "eventTime", "record"), "record.eventTime")
    identity = field(record, "userIdentity", "record")
    federated: dict[str, Any] = {}
    caller = _caller(identity)
    if service == "sts" and name in EVENTS:
        caller, federated = read_record(record, EVENTS[name])
    context: dict[str, object] = _identity_context(identity, now)
    ip = record.get("sourceIPAddress")
    if isinstance(ip, str):
        try:
            context["aws:SourceIp"] = str(ipaddress.ip_address(ip))
        except ValueError:  # "AWS Internal" or a service name: a call made through a service
            if ip.endswith(".amazonaws.com"):
                context["aws:ViaAWSService"] = True
    for member, key in (("userAgent", "aws:UserAgent"), ("vpcEndpointId", "aws:SourceVpce")):
        value = record.get(member)
        if isinstance(value, str) and value:
            context[key] = value
    code = string(record, "errorCode", "record")
    denied = code is not None and code.lower() in _DENIED_CODES
    message = string(record, "errorMessage", "record")
    kind, explicit = None, None
    if denied and message:
        found = re.search(r" ((?:because|with) .*?)\.?$", _squash(message))
        kind, explicit = _reason(found.group(1) if found else None)
    return Evidence(
        "cloudtrail",
        caller,
        action,
        _resource(record, service, action),
        denied,
        kind,
        explicit,
        tuple(context.items()),
        now,
        _assume_parameters(record) if service == "sts" and not federated else (),
        message,
        identity.get("type") if isinstance(identity.get("type"), str) else None,
        region=_region_account(record)[0] or None,
        federated=tuple(federated.items()),
    )


def records(evidence: Any) -> Iterator[Mapping[str, Any]]:
    """The CloudTrail records of parsed JSON: one record, or each of `{"Records": […]}`."""
    if isinstance(evidence, Mapping) and "Records" in evidence:
        listed = evidence["Records"]
        if not isinstance(listed, list):
            raise ValidationError("Records: expected a list of CloudTrail records")
        for i, item in enumerate(listed):
            if not isinstance(item, Mapping):
                raise ValidationError(f"Records[{i}]: expected a CloudTrail record (an object)")
            yield item
    elif isinstance(evidence, Mapping):
        yield evidence
    else:
        raise ValidationError(
            f"evidence: expected a CloudTrail record (an object), not {type(evidence).__name__}"
        )


def read_evidence(evidence: str | Mapping[str, Any]) -> Evidence:
    """The evidence as data: an AccessDenied message, or one CloudTrail record (a dict or
    its JSON text)."""
    if isinstance(evidence, str):
        stripped = evidence.strip()
        if stripped.startswith("{"):
            try:
                evidence = json.loads(stripped)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise ValidationError(f"evidence: not a JSON CloudTrail record ({exc})") from None
        else:
            if not stripped:
                raise ValidationError("evidence: empty (give an AWS error message)")
            return _message(stripped)
    found = list(records(evidence))
    if len(found) != 1:
        raise ValidationError(
            f"evidence: {len(found)} CloudTrail records; replay one at a time "
            "(iamsim.questions.records splits them; `iamsim why FILE` takes each)"
        )
    return _cloudtrail(found[0])


# -- replaying it --------------------------------------------------------------------


def _is_session(caller: str) -> bool:
    return ":assumed-role/" in caller


def _assumes(action: str, resource: str) -> bool:
    lowered = action.lower()
    return (
        lowered in ("sts:assumerole", "sts:tagsession", "sts:setsourceidentity")
        and ":role/" in resource
    )


def _absent_keys(d: Decision) -> tuple[str, ...]:
    """Condition keys the replay's applicable statements read and the request lacked."""
    keys: dict[str, None] = dict.fromkeys(d.missing_context_keys)
    for miss in d.near_misses:
        if miss.request_values is None:
            keys[miss.key] = None
    for check in d.checks:
        for layer in check.layers:
            for policy in layer.policies:
                for statement in policy.statements:
                    if set(statement.failed) - {"condition"}:
                        continue
                    for cond in statement.conditions:
                        if cond.request_values is None:
                            keys[cond.key] = None
    return tuple(keys)


def _inputs_lacking(ev: Evidence, keys: tuple[str, ...], assumed: bool) -> list[str]:
    """The inputs AWS may have had that the world or the evidence lacks."""
    out = []
    given = {k.lower() for k, _ in ev.context}
    absent = [k for k in keys if k.lower() not in given]
    federated = ev.action is not None and kind_of_action(ev.action) is not None
    if federated:
        out.append(lacking_claims(str(ev.action)))
    elif assumed and ev.source == "message":
        out.append("the external ID the call passed (an AccessDenied message cannot carry it)")
    if absent:
        out.append(
            "context keys the evidence does not carry (" + ", ".join(sorted(set(absent))) + ")"
        )
    if ev.caller and _is_session(ev.caller):
        out.append("a session policy or session tags given when the session was created")
    out.append("an SCP or RCP not in the world")
    if not assumed:
        out.append("a VPC endpoint policy")
    return out


def _compare(ev: Evidence, d: Decision, assumed: bool) -> tuple[bool, list[str], list[str]]:
    """(agrees, disagreements, caveats) of the replay `d` against what AWS answered."""
    keys = _absent_keys(d)
    lacking = _inputs_lacking(ev, keys, assumed)
    aws = "denied" if ev.denied else "allowed"
    if ev.denied == d.allowed:
        replay = "allows" if d.allowed else "denies"
        return (
            False,
            [
                f"{NOTE_PREFIX} disagrees with AWS: AWS {aws} {d.action} on {d.resource}, but "
                f"this world {replay} it. The world or the evidence may lack: "
                + "; ".join(lacking)
                + "."
            ],
            [],
        )
    disagreement: list[str] = []
    if ev.denied and ev.policy_type is not None:
        named = {(x.policy_type, x.explicit) for x in d.denied_by}
        if (ev.policy_type, ev.explicit) not in named:
            found = ", ".join(
                sorted({f"{_WORDS.get(x.policy_type, x.policy_type)}" for x in d.denied_by})
            )
            how = "an explicit deny in" if ev.explicit else "no allow in"
            missing = {
                "session": "the session policy the session was created with",
                "vpc_endpoint": "the VPC endpoint policy",
                "scp": "that service control policy",
                "rcp": "that resource control policy",
            }.get(ev.policy_type or "", "the policy AWS names")
            disagreement.append(
                f"{NOTE_PREFIX} disagrees with AWS: AWS names {how} "
                f"{_WORDS.get(ev.policy_type, ev.policy_type)}, but the replay is denied by "
                f"{found or 'no policy'}. The world may lack {missing}; or: "
                + "; ".join(lacking)
                + "."
            )
    caveats: list[str] = []
    absent = [k for k in keys if k.lower() not in {c.lower() for c, _ in ev.context}]
    if absent and ev.denied and not disagreement:
        extra = (
            " (an AccessDenied message never carries the external ID)"
            if assumed and ev.source == "message" and "sts:externalid" in map(str.lower, absent)
            else ""
        )
        caveats.append(
            f"{NOTE_PREFIX} lacks {', '.join(absent)}, which the evidence does not carry"
            f"{extra}: AWS may have had a value there, so its denial may rest on "
            "another layer than the replay's."
        )
    if ev.caller and _is_session(ev.caller) and ev.denied and not disagreement:
        caveats.append(
            f"{NOTE_PREFIX} acts as the session with no session policy or tags: the evidence "
            "cannot carry what the session was created with."
        )
    if assumed and ev.action and ev.action.lower() == "sts:tagsession":
        caveats.append(
            f"{NOTE_PREFIX} passes a placeholder session tag: the message does not carry "
            "the tags the call passed."
        )
    return not disagreement, disagreement, caveats


def replay(
    world: World,
    evidence: str | Mapping[str, Any] | Evidence,
    *,
    caller: str | None = None,
    action: str | None = None,
    resource: str | None = None,
    context: Mapping[str, object] | None = None,
    now: _dt.datetime | None = None,
    external_id: str | None = None,
    also: Sequence[str | tuple[str, str]] = (),
) -> Replayed:
    """Replay `evidence` in `world`: the keywords complete or override what it says."""
    ev = evidence if isinstance(evidence, Evidence) else read_evidence(evidence)
    ev = attrs.evolve(
        ev,
        caller=caller or ev.caller,
        action=action or ev.action,
        resource=resource or ev.resource,
        now=now or ev.now,
        context=(*ev.context, *((context or {}).items())),
    )
    if ev.action is not None and kind_of_action(ev.action) is not None:
        if external_id is not None or also:
            given = "external_id=" if external_id is not None else "also="
            raise ValidationError(
                f"{given}: {ev.action} takes no external ID and makes no further checks; "
                "give the token's claims (or the assertion's keys) as context="
            )
        return _replay_federated(world, ev)
    lacking = [n for n, v in (("caller", ev.caller), ("action", ev.action)) if not v]
    if not ev.resource and ev.source == "message" and "User:" not in (ev.text or ""):
        lacking.append("resource")  # a bare message; an action without a resource names none
    if lacking and ev.unread:
        body = _squash(ev.text or "")
        shown = body if len(body) <= 80 else body[:77] + "..."
        raise ValidationError(
            f"evidence: {shown!r} is not an AWS AccessDenied message iamsim can read "
            "(expected 'User: ARN is not authorized to perform: ACTION on resource: ARN …', "
            "optionally after 'An error occurred (AccessDenied) when calling the OP "
            "operation: ') nor a CloudTrail record; to replay it as AWS's denial, give "
            + ", ".join(f"{n}=" for n in lacking)
            + " (--"
            + ", --".join(lacking)
            + ")"
        )
    if lacking:
        if ev.source == "cloudtrail":
            said = f"the record (userIdentity type {ev.identity_type or 'missing'})"
        else:
            said = f"{ev.text!r}" if ev.text and len(ev.text) < 80 else "the message"
        named = lacking[0] if len(lacking) == 1 else ", ".join(lacking[:-1]) + " or " + lacking[-1]
        raise ValidationError(
            f"evidence: {said} names no {named}; give "
            + ", ".join(f"{n}=" for n in lacking)
            + " (on the command line: "
            + ", ".join(f"--{n}" for n in lacking)
            + ")"
        )
    assert ev.caller is not None and ev.action is not None
    target = ev.resource or "*"
    ctx = dict(ev.context) or None
    assumed = _assumes(ev.action, target)
    if assumed:
        args: dict[str, Any] = dict(ev.assume)
        args.setdefault("session_name", ROLE_SESSION_NAME)
        if external_id is not None:
            args["external_id"] = external_id
        if ev.action.lower() == "sts:tagsession" and not args.get("tags"):
            args["tags"] = (_PLACEHOLDER_TAG,)
        if args.get("serial_number"):
            args["token_code"] = _MFA_TOKEN
        session_name = args.pop("session_name")
        decision = world.assume_role(
            ev.caller, target, session_name, context=ctx, now=ev.now, region=ev.region, **args
        )
    elif also:
        request = AccessRequest(
            ev.caller, ev.action, target, ctx, ev.now, tuple(also), region=ev.region
        )
        decision = world.authorize(request)
    else:
        try:
            decision = world.simulate(
                ev.caller, ev.action, target, ctx, now=ev.now, region=ev.region
            )
        except ValidationError as exc:
            raise ValidationError(
                f"evidence: replaying {ev.action} on {target}: {exc} (a call that needs "
                "further checks takes why(..., also=((ACTION, ARN), ...)))"
            ) from None
    agrees, disagreement, caveats = _compare(ev, decision, assumed)
    noted = attrs.evolve(decision, notes=(*decision.notes, *disagreement, *caveats))
    return Replayed(ev, noted, agrees, tuple(disagreement), tuple(caveats))


def _replay_federated(world: World, ev: Evidence) -> Replayed:
    """A web identity or SAML caller's call, replayed with what the evidence carries of
    its token or assertion (`why_federated`)."""
    assert ev.action is not None
    if not ev.resource:
        said = "STS's denial" if ev.source == "message" else "the record"
        raise ValidationError(
            f"evidence: {said} names no role; give resource= (--resource) the role ARN, and "
            "the token's subject as context (ISSUER:sub=VALUE, or saml:sub=VALUE)"
        )
    try:
        provider, decision, assumed_values = replay_federated(
            world,
            ev.action,
            ev.caller,
            ev.resource,
            dict(ev.federated),
            dict(ev.context),
            ev.now,
            ev.region,
        )
    except ValidationError as exc:
        if not sts_refusal(exc):
            raise  # the evidence's or the caller's own input, located where it is read
        raise ValidationError(
            f"evidence: replaying {ev.action} into {ev.resource}: STS refuses it in this "
            f"world ({exc})",
            code=exc.code,
        ) from None
    ev = attrs.evolve(ev, caller=provider)
    agrees, disagreement, caveats = _compare(ev, decision, True)
    caveats = [*assumed_values, *caveats]
    noted = attrs.evolve(decision, notes=(*decision.notes, *disagreement, *caveats))
    return Replayed(ev, noted, agrees, tuple(disagreement), tuple(caveats))


def why(
    world: World,
    evidence: str | Mapping[str, Any],
    *,
    caller: str | None = None,
    action: str | None = None,
    resource: str | None = None,
    context: Mapping[str, object] | None = None,
    now: _dt.datetime | None = None,
    external_id: str | None = None,
    also: Sequence[str | tuple[str, str]] = (),
) -> Decision:
    """`World.why`: the replayed decision, with a note for each input it lacks and each way
    it disagrees with what AWS answered."""
    return replay(
        world,
        evidence,
        caller=caller,
        action=action,
        resource=resource,
        context=context,
        now=now,
        external_id=external_id,
        also=also,
    ).decision
