"""The boto3 hook: a World decides each call a boto3 client makes, before it goes anywhere.

    hook = iamsim.boto3.attach(session_or_client, world, caller=ALICE)

`attach` registers two handlers on botocore's event system (`before-parameter-build` keeps
the call's parameters, `before-call` decides). A denied call raises botocore's
`ClientError` with the error code and the message AWS returns; an allowed `sts.assume_role`
is answered here (AWS's response shape, simulated credentials) and the hook remembers which
session those credentials belong to, so a client built from them (attach it too, or attach
the session it comes from) acts as that session; `sts.get_caller_identity` answers as the
current caller; every other allowed call goes on to whatever the client talks to (AWS, or
moto in a test suite).

Only the operations of `iamsim.boto3_operations` are modelled: for any other one the hook
raises `UnmodelledOperation`, never guessing an action or a resource, unless
`pass_unmodelled=True` lets such calls through unchecked.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

try:
    from botocore.awsrequest import AWSResponse
except ImportError as missing:  # the extra is not installed
    raise ImportError(
        "iamsim.boto3 needs boto3: pip install 'iamsim[boto3]'", name=missing.name
    ) from missing

from iamsim.boto3_operations import Authorization, UnmodelledOperation, authorization
from iamsim.calls import AccessRequest
from iamsim.decision import Decision
from iamsim.errors import PolicyError, ValidationError
from iamsim.session import SIMULATED, RoleSession
from iamsim.world import World

__all__ = ["Hook", "UnmodelledOperation", "attach", "error_code"]

_PARAMS = "iamsim.params"

# The AssumeRole parameters `World.assume_role` models (STS API reference, AssumeRole).
_ASSUME_ROLE_PARAMETERS = frozenset(
    {
        "RoleArn",
        "RoleSessionName",
        "ExternalId",
        "DurationSeconds",
        "Policy",
        "PolicyArns",
        "Tags",
        "TransitiveTagKeys",
        "SourceIdentity",
        "SerialNumber",
        "TokenCode",
    }
)

# The error code each service returns for a denied call (S3, STS, SQS: `AccessDenied`;
# SNS: `AuthorizationError`; the JSON-protocol services: `AccessDeniedException`).
_ERROR_CODES: Mapping[str, str] = {
    "s3": "AccessDenied",
    "sts": "AccessDenied",
    "sqs": "AccessDenied",
    "sns": "AuthorizationError",
    "kms": "AccessDeniedException",
    "dynamodb": "AccessDeniedException",
    "lambda": "AccessDeniedException",
    "secretsmanager": "AccessDeniedException",
}

# S3 answers a denied HEAD request with a bare 403 and no body: botocore reports the code
# "403" and the message "Forbidden".
_HEAD = frozenset({"HeadObject", "HeadBucket"})


def error_code(service: str, operation: str) -> tuple[str, str | None]:
    """The error code AWS returns for a denied `operation` of `service`, and the message
    that replaces the usual text (`None` when the usual text stands)."""
    if service == "s3" and operation in _HEAD:
        return "403", "Forbidden"
    return _ERROR_CODES.get(service, "AccessDenied"), None


# STS operations other than AssumeRole that return credentials (AWS STS API Reference).
_ISSUES_KEYS = frozenset(
    {
        "AssumeRoleWithWebIdentity",
        "AssumeRoleWithSAML",
        "AssumeRoot",
        "GetSessionToken",
        "GetFederationToken",
    }
)


class Hook:
    """The handlers `attach` registers, and the sessions its AssumeRole calls handed out.

    `caller` is who signs the calls of a client whose credentials are not a simulated
    session's; `last` is the decision of the latest call the hook decided (for its
    explanation, `hook.last.explain()`).
    """

    def __init__(
        self,
        world: World,
        caller: str | RoleSession,
        *,
        context: Mapping[str, object] | None = None,
        pass_unmodelled: bool = False,
    ) -> None:
        if not isinstance(world, World):
            raise ValidationError(
                f"iamsim.boto3.attach: world must be an iamsim.World, not {type(world).__name__}"
            )
        world.caller(caller)  # an unknown caller fails here, not at the first call
        self.world = world
        self.caller = caller
        self.context = dict(context or {})
        self.pass_unmodelled = pass_unmodelled
        self.last: Decision | None = None
        self._sessions: dict[str, RoleSession] = {}

    def attach(self, target: Any) -> Any:
        """Hook a boto3/botocore client, resource or session (its clients made from now on);
        returns `target`."""
        events = _events(target)
        events.register(
            "before-parameter-build", self._keep_params, unique_id=f"iamsim-params-{id(self)}"
        )
        events.register("before-call", self._decide, unique_id=f"iamsim-call-{id(self)}")
        return target

    def session_for(self, access_key_id: str) -> RoleSession | None:
        """The simulated session whose credentials carry `access_key_id`, if any."""
        return self._sessions.get(access_key_id)

    # -- the handlers -----------------------------------------------------------------

    def _keep_params(self, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = dict(params)

    def _decide(
        self, model: Any, params: Mapping[str, Any], context: dict[str, Any], **kw: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        service = str(model.service_model.signing_name or model.service_model.endpoint_prefix)
        operation = str(model.name)
        call = context.get(_PARAMS, {})
        region = str(context.get("client_region") or "us-east-1")
        caller = self._caller_of(kw.get("request_signer"))
        if service == "sts" and operation == "AssumeRole":
            return self._assume_role(caller, call, region)
        account = self.world.caller(caller).account or ""
        found = authorization(service, operation, call, region, account)
        if found is None:
            # A call that hands out credentials the hook does not know would have later calls
            # signed with them decided as the hook's caller: never let one through unchecked.
            if self.pass_unmodelled and not (service == "sts" and operation in _ISSUES_KEYS):
                return None
            raise UnmodelledOperation(service, operation)
        decision = self.world.authorize(self._request(caller, found, region))
        self.last = decision
        if not decision.allowed:
            return _denied(service, operation, decision)
        unset = _unset_service_keys(decision, found)
        if unset and not self.pass_unmodelled:
            raise UnmodelledOperation(
                service,
                operation,
                detail=f"with the condition keys its policies read ({', '.join(unset)}): AWS "
                "may set them from the call, iamsim does not, and a condition on an absent "
                "key can allow what AWS denies; give their values in "
                "iamsim.boto3.attach(context=...), or pass pass_unmodelled=True to accept "
                "the decision anyway",
            )
        if service == "sts" and operation == "GetCallerIdentity":
            return _response(200, _identity(self.world, caller))
        return None

    # -- the pieces -------------------------------------------------------------------

    def _caller_of(self, signer: Any) -> str | RoleSession:
        """Who signs: the session the signer's access key belongs to, else the hook's caller."""
        credentials = getattr(signer, "_credentials", None)
        key = getattr(credentials, "access_key", None)
        found = self._sessions.get(key) if isinstance(key, str) else None
        if found is not None:
            return found
        secret = getattr(credentials, "secret_key", None)
        if isinstance(secret, str) and secret.startswith(SIMULATED):
            # Acting as the hook's caller instead would answer for the wrong principal.
            raise ValidationError(
                f"iamsim.boto3: the access key {key} belongs to a simulated session that "
                "another hook handed out; attach this client with that hook "
                "(hook.attach(client))"
            )
        return self.caller

    def _request(
        self, caller: str | RoleSession, found: Authorization, region: str
    ) -> AccessRequest:
        return AccessRequest(
            principal=caller,
            action=found.action,
            resource=found.resource,
            context=dict(self.context) or None,
            also=found.also,
            call_keys=dict(found.call_keys) or None,
            region=region,
        )

    def _assume_role(
        self, caller: str | RoleSession, call: Mapping[str, Any], region: str
    ) -> tuple[AWSResponse, dict[str, Any]]:
        """STS's AssumeRole answered by the world: the response, or its error."""
        unknown = sorted(set(call) - _ASSUME_ROLE_PARAMETERS)
        if unknown:
            # ProvidedContexts (sts:SetContext) is not modelled. Even with pass_unmodelled
            # the call cannot go on: the keys it returned would act as the hook's caller.
            raise UnmodelledOperation(
                "sts",
                "AssumeRole",
                detail=f"with {', '.join(unknown)}, and cannot be let through: the keys it "
                "returned would act as the hook's caller",
            )
        try:
            decision = self.world.assume_role(
                caller,
                role_arn=call.get("RoleArn"),  # type: ignore[arg-type]
                session_name=call.get("RoleSessionName"),  # type: ignore[arg-type]
                external_id=call.get("ExternalId"),
                duration_seconds=call.get("DurationSeconds"),
                policy=call.get("Policy"),
                policy_arns=[p.get("arn") for p in call.get("PolicyArns", ())] or None,
                tags={t.get("Key"): t.get("Value") for t in call.get("Tags", ())} or None,
                transitive_tag_keys=call.get("TransitiveTagKeys"),
                source_identity=call.get("SourceIdentity"),
                serial_number=call.get("SerialNumber"),
                token_code=call.get("TokenCode"),
                context=dict(self.context) or None,
                region=region,
            )
        except ValidationError as exc:  # STS's own validation, worded as STS words it
            return _response(400, {"Error": {"Code": exc.code, "Message": str(exc)}})
        except PolicyError as exc:  # a session policy STS cannot parse
            return _response(
                400, {"Error": {"Code": "MalformedPolicyDocument", "Message": str(exc)}}
            )
        self.last = decision
        if not decision.allowed or decision.session is None:
            return _denied("sts", "AssumeRole", decision)
        session = decision.session
        self._sessions[session.credentials["AccessKeyId"]] = session
        return _response(200, _assumed(session))


def attach(
    target: Any,
    world: World,
    caller: str | RoleSession,
    *,
    context: Mapping[str, object] | None = None,
    pass_unmodelled: bool = False,
) -> Hook:
    """Have `world` decide every call of `target` (a boto3 client, resource or session),
    signed by `caller` (an ARN of the world, or a `RoleSession`).

    `context`: extra condition keys sent with every call (`aws:SourceIp`, …).
    `pass_unmodelled`: let operations iamsim does not model through unchecked (off: they
    raise `UnmodelledOperation`). Returns the `Hook`; `hook.attach(other)` hooks another
    client with the same caller and sessions.
    """
    hook = Hook(world, caller, context=context, pass_unmodelled=pass_unmodelled)
    hook.attach(target)
    return hook


def _events(target: Any) -> Any:
    """The event emitter of a botocore client, a boto3 resource or a boto3/botocore session."""
    meta = getattr(target, "meta", None)
    if meta is not None and hasattr(meta, "client"):  # a boto3 resource
        meta = meta.client.meta
    if meta is not None and hasattr(meta, "events"):
        return meta.events
    if hasattr(target, "events"):  # boto3.Session
        return target.events
    if hasattr(target, "get_component"):  # botocore.session.Session
        return target.get_component("event_emitter")
    raise ValidationError(
        "iamsim.boto3.attach: expected a boto3 client, resource or session, "
        f"not {type(target).__name__}"
    )


def _response(status: int, body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    """What botocore's `before-call` short-circuit expects: an HTTP response and the parsed body."""
    body["ResponseMetadata"] = {
        "RequestId": "iamsim-simulated",
        "HTTPStatusCode": status,
        "HTTPHeaders": {},
        "RetryAttempts": 0,
    }
    return AWSResponse(None, status, {}, None), body


def _unset_service_keys(decision: Decision, found: Authorization) -> list[str]:
    """The service's own condition keys the policies read that the call did not carry.

    AWS sets such keys from the call's parameters (`dynamodb:LeadingKeys`, `kms:
    EncryptionContext:…`); where iamsim does not derive one, a condition on it (a
    `ForAllValues:` one, or a `Deny` with a negated operator) could allow the call when AWS
    would not. An allowed decision that read such a key is not trusted.
    """
    prefixes = {found.action.split(":", 1)[0].lower()}
    prefixes |= {(a if isinstance(a, str) else a[0]).split(":", 1)[0].lower() for a in found.also}
    return [
        key
        for key in decision.missing_context_keys
        if key.split(":", 1)[0].lower() in prefixes and key not in found.call_keys
    ]


def _denied(service: str, operation: str, decision: Decision) -> tuple[AWSResponse, dict[str, Any]]:
    code, message = error_code(service, operation)
    text = message or decision.aws_error or "Access Denied"
    return _response(403, {"Error": {"Code": code, "Message": text}})


def _assumed(session: RoleSession) -> dict[str, Any]:
    """AssumeRole's response as botocore parses it (the expiration a datetime)."""
    out = session.to_aws_dict()
    credentials = dict(out["Credentials"])
    credentials["Expiration"] = session.expiration.astimezone(_dt.UTC)
    out["Credentials"] = credentials
    return out


def _identity(world: World, caller: str | RoleSession) -> dict[str, Any]:
    """GetCallerIdentity's response for `caller`."""
    if isinstance(caller, RoleSession):
        return {"UserId": caller.assumed_role_id, "Account": caller.account, "Arn": caller.arn}
    who = world.caller(caller)
    account = who.account or ""
    user_id = account if who.kind == "root" else (who.unique_id or account)
    return {"UserId": user_id, "Account": account, "Arn": who.arn or caller}
