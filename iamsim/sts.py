"""STS AssumeRole: parameter validation as STS words it, authorization, and the new session.

Sources: AWS STS API Reference, AssumeRole (parameter constraints and errors);
IAM User Guide: "Passing session tags in AWS STS", "Monitor and control actions
taken with assumed roles" (source identity), "Role terms and concepts" (chaining),
"Configuring MFA-protected API access".
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol

from iamsim.calls import AccessRequest, AssumeRoleCall, Call, make_access_request
from iamsim.decision import Decision
from iamsim.errors import IamsimError, PolicyError, ValidationError
from iamsim.model import Policy
from iamsim.request import Caller, Context, ContextValue, as_utc
from iamsim.session import Minting, RoleSession, make_role_session
from iamsim.tags import NO_TAGS, as_tags, session_tag_pairs
from iamsim.world.model import Role

__all__ = ["Authority", "assume_role", "validate_parameters"]

# STS's parameter patterns. AWS writes them in Java regex, where `\w` and `\d` are ASCII
# only; Python's match any Unicode letter or digit, so each is compiled with `re.ASCII`.

# RoleSessionName and SourceIdentity (AWS STS API Reference, AssumeRole).
STS_NAME = re.compile(r"[\w+=,.@-]*", re.ASCII)

# ExternalId (AWS STS API Reference, AssumeRole).
STS_EXTERNAL_ID = re.compile(r"[\w+=,.@:\/-]*", re.ASCII)

# SerialNumber, the MFA device (AWS STS API Reference, AssumeRole).
STS_SERIAL_NUMBER = re.compile(r"[\w+=/:,.@-]*", re.ASCII)

# TokenCode, the MFA code: digits (AWS STS API Reference, AssumeRole).
STS_TOKEN_CODE = re.compile(r"[\d]*", re.ASCII)

# RoleArn: an IAM role ARN in aws, aws-cn or aws-us-gov, else STS's "… is invalid".
STS_ROLE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role/[\w+=,.@/-]+", re.ASCII)

# Tags keys and values: STS's `[\p{L}\p{Z}\p{N}_.:/=+\-@]` in `re` terms (no `\p{…}`). These
# ARE Unicode: `\w` is `\p{L}`, `\p{N}` and `_`; `\p{Z}` (space and line/paragraph
# separators) is spelled out, since `\s` would also admit tabs and line feeds.
STS_TAG_CHARS = re.compile(r"[\w \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.:/=+\-@]*")

_TAG_KEY = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
_TAG_VALUE = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"

CHAINED_MAX = 3600
PLAINTEXT_MAX = 2048


def _admitted(pattern: re.Pattern[str]) -> str:
    """The characters a one-class ASCII pattern (`[…]*`, `re.ASCII`) admits, for `str.strip`.

    Such a pattern matches a string exactly when stripping these characters leaves nothing:
    derived from the pattern, never written twice, and half the cost of a regex match.
    """
    return "".join(c for c in map(chr, range(128)) if pattern.fullmatch(c))


# AssumeRole's string parameters, in `validate_parameters`' order: the member STS names,
# the length bounds, the pattern, the characters it admits, and whether it is required.
_STRINGS: tuple[tuple[str, int, int, re.Pattern[str] | None, str | None, bool], ...] = (
    ("roleArn", 20, 2048, None, None, True),
    ("roleSessionName", 2, 64, STS_NAME, _admitted(STS_NAME), True),
    ("externalId", 2, 1224, STS_EXTERNAL_ID, _admitted(STS_EXTERNAL_ID), False),
    ("serialNumber", 9, 256, STS_SERIAL_NUMBER, _admitted(STS_SERIAL_NUMBER), False),
    ("tokenCode", 6, 6, STS_TOKEN_CODE, _admitted(STS_TOKEN_CODE), False),
    ("sourceIdentity", 2, 64, STS_NAME, _admitted(STS_NAME), False),
)


def _constraint(problems: list[str], value: object, member: str, rule: str) -> None:
    problems.append(f"Value '{value}' at '{member}' failed to satisfy constraint: {rule}")


def _string(
    problems: list[str],
    value: str,
    member: str,
    low: int,
    high: int,
    regex: re.Pattern[str] | None = None,
) -> None:
    """STS's three checks on a string parameter: pattern, then length bounds."""
    if regex is not None and regex.fullmatch(value) is None:
        rule = f"Member must satisfy regular expression pattern: {regex.pattern}"
        _constraint(problems, value, member, rule)
    if len(value) < low:
        _constraint(
            problems, value, member, f"Member must have length greater than or equal to {low}"
        )
    if len(value) > high:
        _constraint(
            problems, value, member, f"Member must have length less than or equal to {high}"
        )


# The parameters of every call, and the external ID, checked inline in the common case.
_ARN, _NAME, _EXTERNAL = _STRINGS[:3]


def _check_strings(problems: list[str], values: tuple[object, ...]) -> None:
    """Word each broken constraint of the string parameters (`_STRINGS`' order), and refuse
    one that is not a string (None for an optional one is not given)."""
    for value, (member, low, high, regex, admitted, required) in zip(values, _STRINGS):  # noqa: B905
        if type(value) is str:
            if low <= len(value) <= high and (admitted is None or not value.strip(admitted)):
                continue
            _string(problems, value, member, low, high, regex)  # words each broken constraint
        elif value is not None or required:
            raise ValidationError(f"{member} must be a string, not {type(value).__name__}")


def validate_parameters(
    role_arn: str,
    session_name: str,
    external_id: str | None = None,
    duration_seconds: int | None = None,
    policy_text: str | None = None,
    policy_arns: Sequence[str] = (),
    tags: Sequence[tuple[str, str]] = (),
    transitive_tag_keys: Sequence[str] = (),
    source_identity: str | None = None,
    serial_number: str | None = None,
    token_code: str | None = None,
) -> None:
    """Reject what STS rejects before it authorizes anything, with STS's wording."""
    problems: list[str] = []
    if not (  # the common call, well formed: the table's bounds and characters, read inline
        type(role_arn) is str
        and _ARN[1] <= len(role_arn) <= _ARN[2]
        and type(session_name) is str
        and _NAME[1] <= len(session_name) <= _NAME[2]
        and not session_name.strip(_NAME[4])
        and (
            external_id is None
            or (
                type(external_id) is str
                and _EXTERNAL[1] <= len(external_id) <= _EXTERNAL[2]
                and not external_id.strip(_EXTERNAL[4])
            )
        )
        and serial_number is None
        and token_code is None
        and source_identity is None
    ):
        values = (role_arn, session_name, external_id, serial_number, token_code, source_identity)
        _check_strings(problems, values)
    if (
        duration_seconds is not None
        or policy_text is not None
        or policy_arns
        or tags
        or transitive_tag_keys
    ):
        _validate_lists(
            problems, duration_seconds, policy_text, policy_arns, tags, transitive_tag_keys
        )
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ValidationError(f"{count} validation {noun} detected: " + "; ".join(problems))
    # "Tagging IAM resources": no tag key or value may begin with aws:; "Monitor and control
    # actions taken with assumed roles": nor may a source identity (reserved for AWS).
    if source_identity or tags:
        reserved = [("sourceIdentity", source_identity)] if source_identity else []
        for i, (key, value) in enumerate(tags):
            reserved += [(f"tags.{i + 1}.member.key", key), (f"tags.{i + 1}.member.value", value)]
        for member, text in reserved:
            if text[:4].lower() == "aws:":
                raise ValidationError(
                    f"{member}: {text!r} begins with 'aws:', a prefix AWS reserves for its own use."
                )
    if role_arn not in _VALID_ROLE_ARNS and not _role_arn_valid(role_arn):
        raise ValidationError(f"{role_arn} is invalid")
    if tags or transitive_tag_keys:
        lowered = [k.lower() for k, _ in tags]
        if len(set(lowered)) != len(lowered):
            raise ValidationError(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        missing = [k for k in transitive_tag_keys if k.lower() not in lowered]
        if missing:
            raise ValidationError(
                f"The transitive tag keys {missing} are not among the session tags passed "
                "with this request; a transitive tag key must name a session tag."
            )
    if (serial_number is None) != (token_code is None):
        raise ValidationError("SerialNumber and TokenCode must be passed together.")


# The role ARNs STS has taken: the pattern is long, and a set is asked without a call.
_VALID_ROLE_ARNS: set[str] = set()


def _role_arn_valid(role_arn: str) -> bool:
    """Whether STS takes `role_arn` as a role ARN; a valid one is remembered (up to 1,024)."""
    if STS_ROLE_ARN.fullmatch(role_arn) is None:
        return False
    if len(_VALID_ROLE_ARNS) >= 1024:
        _VALID_ROLE_ARNS.clear()
    _VALID_ROLE_ARNS.add(role_arn)
    return True


def _validate_lists(
    problems: list[str],
    duration_seconds: int | None,
    policy_text: str | None,
    policy_arns: Sequence[str],
    tags: Sequence[tuple[str, str]],
    transitive_tag_keys: Sequence[str],
) -> None:
    """STS's constraints on the duration, the session policies and the session tags."""
    if duration_seconds is not None:
        if isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int):
            raise ValidationError(
                f"durationSeconds must be an integer number of seconds, not {duration_seconds!r}"
            )
        if duration_seconds < 900:
            _constraint(
                problems,
                duration_seconds,
                "durationSeconds",
                "Member must have value greater than or equal to 900",
            )
        if duration_seconds > 43200:
            _constraint(
                problems,
                duration_seconds,
                "durationSeconds",
                "Member must have value less than or equal to 43200",
            )
    if policy_text is not None:
        _string(problems, policy_text, "policy", 1, PLAINTEXT_MAX * 16)
    if len(policy_arns) > 10:
        _constraint(
            problems,
            list(policy_arns),
            "policyArns",
            "Member must have length less than or equal to 10",
        )
    if len(tags) > 50:
        _constraint(problems, "[...]", "tags", "Member must have length less than or equal to 50")
    for i, (key, value) in enumerate(tags):
        if not 1 <= len(key) <= 128:
            _constraint(
                problems,
                key,
                f"tags.{i + 1}.member.key",
                "Member must have length less than or equal to 128"
                if key
                else "Member must have length greater than or equal to 1",
            )
        elif not STS_TAG_CHARS.fullmatch(key):
            _constraint(
                problems,
                key,
                f"tags.{i + 1}.member.key",
                f"Member must satisfy regular expression pattern: {_TAG_KEY}",
            )
        if len(value) > 256:
            _constraint(
                problems,
                value,
                f"tags.{i + 1}.member.value",
                "Member must have length less than or equal to 256",
            )
        elif not STS_TAG_CHARS.fullmatch(value):
            _constraint(
                problems,
                value,
                f"tags.{i + 1}.member.value",
                f"Member must satisfy regular expression pattern: {_TAG_VALUE}",
            )
    if len(transitive_tag_keys) > 50:
        _constraint(
            problems,
            "[...]",
            "transitiveTagKeys",
            "Member must have length less than or equal to 50",
        )


@functools.lru_cache(maxsize=64)
def _seconds(duration: int) -> _dt.timedelta:
    """A session's duration as a timedelta (built once per duration: the constructor is slow)."""
    return _dt.timedelta(seconds=duration)


def _session_policy(policy: object) -> tuple[Policy | None, str | None]:
    if policy is None:
        return None, None
    try:
        parsed = Policy.from_json(policy, kind="session")  # type: ignore[arg-type]
    except PolicyError as exc:
        raise PolicyError([p.under("policy") for p in exc.problems]) from None
    text = policy if isinstance(policy, str) else json.dumps(parsed.to_dict())
    return parsed, text


def _packed_percent(
    policy_text: str | None, arns: Sequence[str], tags: Sequence[tuple[str, str]]
) -> int:
    """An estimate of STS's packed size (policies and tags compressed together), in percent.

    AWS does not publish its packing; this estimate compresses the same material.
    """
    if not (policy_text or arns or tags):
        return 0
    material = "".join(policy_text.split()) if policy_text else ""
    material += "".join(arns) + "".join(f"{k}={v}" for k, v in tags)
    if not material:
        return 0
    return math.ceil(100 * len(zlib.compress(material.encode(), 9)) / PLAINTEXT_MAX)


def _sequence(value: object, name: str) -> Sequence[Any]:
    """A list-valued parameter (None is empty); a string or scalar is refused."""
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise ValidationError(f"{name} must be a list, not {type(value).__name__}")
    return value


def _policy_arns(value: Sequence[Any] | None) -> tuple[str, ...]:
    """PolicyArns as STS takes them: ARN strings, or boto3's `{"arn": …}` entries."""
    out = []
    for i, item in enumerate(_sequence(value, "policy_arns")):
        if isinstance(item, Mapping) and isinstance(item.get("arn"), str):
            item = item["arn"]
        if not isinstance(item, str):
            raise ValidationError(
                f"policy_arns[{i}]: {item!r} is not a policy ARN (a string, or {{'arn': …}})"
            )
        out.append(item)
    return tuple(out)


def _check_policy_arns(arns: Sequence[str], role_account: str) -> None:
    """Session policy ARNs name AWS managed policies or policies of the role's account."""
    for i, arn in enumerate(arns):
        if not (
            arn.startswith("arn:aws:iam::aws:policy/")
            or arn.startswith(f"arn:aws:iam::{role_account}:policy/")
        ):
            raise ValidationError(
                f"policy_arns[{i}]: {arn} must be an AWS managed policy or a customer managed "
                f"policy of the role's account {role_account}"
            )


class Authority(Protocol):
    """What STS needs of a world: the seam that authorizes, and the facts a session needs."""

    def authorize(
        self,
        request: AccessRequest,
        *,
        answering: Call | None = None,
        session: RoleSession | Minting | None = None,
    ) -> Decision: ...

    def caller(self, principal: str | RoleSession) -> Caller: ...

    def role(self, arn: str) -> Role | None: ...

    def check_session(self, session: RoleSession) -> None: ...


def assume_role(world: Authority, call: AssumeRoleCall) -> Decision:
    """Replay AssumeRole: validate as STS does, authorize every action it needs, mint a session."""
    caller, role_arn, session_name = call.caller, call.role_arn, call.session_name
    external_id, duration_seconds = call.external_id, call.duration_seconds
    source_identity, serial_number, token_code = (
        call.source_identity,
        call.serial_number,
        call.token_code,
    )
    tags, policy_arns, transitive_keys = call.tags, call.policy_arns, call.transitive_tag_keys
    tag_pairs = () if tags is None else session_tag_pairs(tags)
    arns = () if policy_arns is None else _policy_arns(policy_arns)
    transitive: tuple[Any, ...] = ()
    if transitive_keys is not None:
        transitive = tuple(_sequence(transitive_keys, "transitive_tag_keys"))
        if not all(isinstance(k, str) for k in transitive):
            raise ValidationError("transitive_tag_keys must be a list of tag keys (strings)")
    policy_doc, policy_text = (None, None) if call.policy is None else _session_policy(call.policy)
    # Positional: once per call (keywords cost about 70 instructions each, iamsim.frozen).
    validate_parameters(
        role_arn,
        session_name,
        external_id,
        duration_seconds,
        policy_text,
        arns,
        tag_pairs,
        transitive,
        source_identity,
        serial_number,
        token_code,
    )
    packed = 0
    if policy_text is not None or arns or tag_pairs:
        if policy_text is not None and len("".join(policy_text.split())) > PLAINTEXT_MAX:
            raise ValidationError(
                "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
                f"Member must have length less than or equal to {PLAINTEXT_MAX}"
            )
        packed = _packed_percent(policy_text, arns, tag_pairs)
        if packed > 100:
            raise ValidationError(
                f"Packed policy consumes {packed}% of allotted space, please use smaller policy.",
                code="PackedPolicyTooLarge",
            )
    if arns:
        _check_policy_arns(arns, role_arn.split(":")[4])  # a valid role ARN: field 5

    moment = as_utc(call.now)
    inherited_tags: tuple[tuple[str, str], ...] = ()
    inherited_keys: tuple[str, ...] = ()
    inherited_source: str | None = None
    mfa = serial_number is not None and token_code is not None
    mfa_time = moment if mfa else None
    if isinstance(caller, RoleSession):
        if caller.expiration <= moment:
            raise ValidationError(
                "The security token included in the request is expired",
                code="ExpiredTokenException",
            )
        inherited_tags = caller.transitive_tags
        inherited_keys = caller.transitive_tag_keys
        inherited_source = caller.source_identity
        if not mfa and caller.mfa_authenticated:
            mfa, mfa_time = True, caller.mfa_time  # MFA happened when the chain began
        # Session tags: a transitive tag of the calling session cannot be changed in the chain.
        fixed = {k.lower() for k, _ in inherited_tags}
        clash = [k for k, _ in tag_pairs if k.lower() in fixed]
        if clash:
            raise ValidationError(
                f"The session tag {clash[0]!r} is a transitive tag of the calling session and "
                "cannot be set again in a role chain.",
                code="InvalidParameterValue",
            )

    all_tags = (*inherited_tags, *tag_pairs) if inherited_tags else tag_pairs
    # The call's own keys: the common ones indexed as a Context holds them (their
    # spelling, their values strings already), the rarer ones normalised by Context.
    own: dict[str, tuple[str, ContextValue]] = {
        "sts:rolesessionname": ("sts:RoleSessionName", session_name)
    }
    if external_id is not None:
        own["sts:externalid"] = ("sts:ExternalId", external_id)
    keys = Context.lowered(own)
    more: dict[str, object] = {}
    if source_identity is not None or inherited_source is not None:
        # A source identity set earlier in a chain persists: both aws:SourceIdentity and
        # sts:SourceIdentity are in the request ("Monitor and control actions taken with
        # assumed roles", role chaining example).
        more["sts:SourceIdentity"] = source_identity or inherited_source
    if tag_pairs:
        more.update({f"aws:RequestTag/{k}": v for k, v in tag_pairs})
        more["aws:TagKeys"] = [k for k, _ in tag_pairs]
    if transitive:
        more["sts:TransitiveTagKeys"] = list(transitive)
    if serial_number is not None and token_code is not None:
        more["aws:MultiFactorAuthPresent"] = True
        more["aws:MultiFactorAuthAge"] = 0
    if more:
        keys = Context.chain(keys, more)

    # The actions AssumeRole needs besides itself ("Passing session tags in AWS STS";
    # "Monitor and control actions taken with assumed roles").
    also: tuple[str, ...] = ()
    if tag_pairs or transitive or inherited_tags:
        also += ("sts:TagSession",)
    if source_identity is not None or inherited_source is not None:
        also += ("sts:SetSourceIdentity",)
    request = make_access_request(
        caller,
        "sts:AssumeRole",
        role_arn,
        call.context,
        moment,
        also,
        keys,
        "AssumeRole",
        call.region,
    )

    # The session an allowed call hands back. STS authorizes before it looks at the
    # duration, so its limits are checked only once the call is allowed.
    role = world.role(role_arn)
    # Role chaining: any role session calling AssumeRole, given as a RoleSession or by ARN.
    chained = world.caller(caller).kind == "role_session"
    duration = 3600 if duration_seconds is None else duration_seconds
    session = None
    if role is not None:
        # Positional, as the builders called on every request (iamsim.frozen; keywords cost
        # 1,100 instructions here, benchmarks/README.md): role ARN, session name, role ID,
        # issued, expiration, session policies and their ARNs, tags, transitive tag keys,
        # source identity, MFA and its time, chained, packed size.
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
            as_tags(all_tags) if all_tags else NO_TAGS,
            (*inherited_keys, *transitive) if inherited_keys or transitive else (),
            source_identity or inherited_source,
            mfa,
            mfa_time,
            chained,
            packed if (policy_text or arns or tag_pairs) else None,
        )
    decision = world.authorize(request, answering=call, session=session)
    if not decision.allowed:
        return decision
    assert role is not None  # an allowed trust check: the role exists (and a session)
    if chained and duration > CHAINED_MAX:
        raise ValidationError(
            "The requested DurationSeconds exceeds the 1 hour session "
            "limit for roles assumed by role chaining."
        )
    if duration > role.max_session_duration:
        raise ValidationError(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    if arns:
        minted = decision.session  # an allowed call's session
        assert minted is not None
        try:  # session policy ARNs must resolve in the role's account
            world.check_session(minted)
        except IamsimError as exc:
            raise ValidationError(str(exc)) from None
    return decision
