"""`World.why`: the evidence of an AWS answer (an AccessDenied message, a CloudTrail
record) replayed in a world, and where the replay disagrees with AWS."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import iamsim
from iamsim.decision import Decision, Denial
from iamsim.questions.why import NOTE_PREFIX, read_evidence, replay
from iamsim.render.aws import cli_error, denial_context
from iamsim.world.demo import SEED_DOCUMENT, scenarios

ROOT = Path(__file__).parents[1]
CLOUDTRAIL = ROOT / "data" / "cloudtrail"
ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
SESSION = "arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev-session"
KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
INPUT_WORDS = (
    "external ID",
    "context keys",
    "session policy",
    "SCP or RCP",
    "VPC endpoint",
    "placeholder session tag",
    "lacks",
)


def _denials(d: Decision) -> set[tuple[str, str, bool]]:
    return {(x.policy_type, x.side, x.explicit) for x in d.denied_by}


def _messages(d: Decision) -> list[str]:
    return [m for m in (d.aws_error, d.aws_error_detailed, cli_error(d)) if m]


def _check_replay(world: iamsim.World, d: Decision) -> None:
    """`why` on each message iamsim gives for `d` reproduces its outcome and denials, or
    says which input the evidence or the world lacks."""
    if d.operation in ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"):
        # STS's text names no caller, role or claim: `why` asks for the role first
        # (tests/unit/test_why_federated.py replays it with them).
        for message in _messages(d):
            with pytest.raises(iamsim.ValidationError, match=r"names no role; give resource="):
                world.why(message)
        return
    for message in _messages(d):
        try:
            got = world.why(message)
        except iamsim.ValidationError as exc:  # a message naming no caller (S3, root)
            assert "give" in str(exc) or "also=" in str(exc), exc
            first = d.denied_by[0] if d.denied_by else None
            action = d.action if first is None else first.action
            resource = next((c.resource for c in d.checks if c.action == action), d.resource)
            also = tuple(
                (c.action, c.resource)
                for c in d.checks
                if (c.action, c.resource) != (action, resource)
            )
            got = world.why(message, caller=d.caller, action=action, resource=resource, also=also)
        same = got.outcome == d.outcome and _denials(got) == _denials(d)
        stated = [n for n in got.notes if n.startswith(NOTE_PREFIX)]
        assert same or any(w in n for n in stated for w in INPUT_WORDS), (
            message,
            d.explain(),
            got.explain(),
        )


DENIED_SCENARIOS = [s for s in scenarios() if not s.run().allowed]


@pytest.mark.parametrize("scenario", DENIED_SCENARIOS, ids=lambda s: s.key)
def test_demo_messages_replay(scenario: Any) -> None:
    _check_replay(scenario.world, scenario.run())


# -- the denied decision cases of the conformance corpus (as tests/test_compliance.py) --


def _world(spec: Any) -> iamsim.World:
    return iamsim.World.demo() if spec == "seed" else iamsim.World.from_dict(spec)


def _run_call(world: iamsim.World, call: dict[str, Any]) -> Decision:
    ((kind, args),) = call.items()
    args = dict(args)
    if "now" in args:
        args["now"] = dt.datetime.fromisoformat(args["now"].replace("Z", "+00:00"))
    if kind == "assume_role":
        caller = args.pop("caller")
        if isinstance(caller, dict):
            caller = _run_call(world, caller).session
        return world.assume_role(caller, **args)
    if kind == "authorize":  # one call needing several checks, some on other resources
        also = tuple(tuple(x) if isinstance(x, list) else x for x in args.pop("also", ()))
        return world.authorize(iamsim.AccessRequest(**args, also=also))
    if kind in ("assume_role_with_web_identity", "assume_role_with_saml"):
        return getattr(world, kind)(**args)  # type: ignore[no-any-return]
    principal = args.pop("principal")
    if isinstance(principal, dict):
        principal = _run_call(world, principal).session
    return world.simulate(principal, args.pop("action"), args.pop("resource"), **args)


def _denied_cases() -> list[Any]:
    out = []
    for folder in ("decisions", "chain"):
        for path in sorted((ROOT / "compliance" / folder).glob("*.json")):
            for case in json.loads(path.read_text("utf-8"))["cases"]:
                expect = case["expect"]
                if "world" in case and expect.get("outcome", "allowed") != "allowed":
                    out.append(pytest.param(case, id=f"{folder}/{path.stem}::{case['id']}"))
    return out


@pytest.mark.parametrize("case", _denied_cases())
def test_compliance_messages_replay(case: dict[str, Any]) -> None:
    world = _world(case["world"])
    _check_replay(world, _run_call(world, case["call"]))


# -- the message forms -----------------------------------------------------------------

_TYPES = ("identity", "resource", "trust", "scp", "rcp", "boundary", "session")


@given(
    kind=st.sampled_from(_TYPES),
    explicit=st.booleans(),
    action=st.sampled_from(["sts:AssumeRole", "kms:Decrypt", "sqs:SendMessage"]),
    framed=st.booleans(),
)
def test_every_detailed_phrase_reads_back(
    kind: str, explicit: bool, action: str, framed: bool
) -> None:
    denial = Denial(kind, "source", explicit, "111111111111", "r", action)
    text = f"User: {ALICE} is not authorized to perform: {action} on resource: {ROLE} "
    text += denial_context(denial)
    if framed:
        text = f"An error occurred (AccessDenied) when calling the Op operation: {text}"
    ev = read_evidence(text)
    assert (ev.caller, ev.action, ev.resource) == (ALICE, action, ROLE)
    assert (ev.policy_type, ev.explicit, ev.denied) == (kind, explicit, True)


def test_message_wrapped_over_lines_and_policy_arn_suffix() -> None:
    ev = read_evidence(
        "An error occurred (AccessDenied) when calling the AssumeRole operation:\n"
        f"User: {ALICE} is not authorized to perform:\nsts:AssumeRole on resource: {ROLE} "
        "with an explicit deny in a service control policy: "
        "arn:aws:organizations::999999999999:policy/o-a1b2c3d4e5/service_control_policy/p-1"
    )
    assert (ev.resource, ev.policy_type, ev.explicit) == (ROLE, "scp", True)


def test_s3_quoted_resource_and_no_resource() -> None:
    ev = read_evidence(
        f"User: {ALICE} is not authorized to perform: s3:GetObject on resource: "
        '"arn:aws:s3:::prod-bucket/a b.txt" because no resource-based policy allows the '
        "s3:GetObject action"
    )
    assert ev.resource == "arn:aws:s3:::prod-bucket/a b.txt"
    assert (
        read_evidence(f"User: {ALICE} is not authorized to perform: iam:ListRoles").resource is None
    )


def test_a_disagreement_names_what_the_world_lacks() -> None:
    """AWS names a session policy; the world cannot hold one: the replay says so."""
    world = iamsim.World.demo()
    d = world.why(
        f"User: {SESSION} is not authorized to perform: s3:GetObject on resource: "
        '"arn:aws:s3:::prod-bucket/x" because no session policy allows the s3:GetObject action'
    )
    assert d.allowed
    (note,) = [n for n in d.notes if n.startswith(NOTE_PREFIX)]
    assert "disagrees" in note and "session policy" in note and "SCP or RCP" in note
    r = replay(
        world,
        "User: " + SESSION + " is not authorized to perform: s3:GetObject on "
        'resource: "arn:aws:s3:::prod-bucket/x"',
    )
    assert not r.agrees and r.disagreement


def test_agreeing_replay_adds_no_disagreement() -> None:
    r = replay(
        iamsim.World.demo(),
        f"User: {ALICE} is not authorized to perform: sts:AssumeRole on resource: {ROLE}",
        external_id="my-secret-123",
        caller="arn:aws:iam::333333333333:user/bob",
    )
    # the caller keyword overrides the message's; 333333333333 is outside the world
    assert r.evidence.caller.endswith("user/bob")
    assert r.agrees and not r.disagreement


def test_keywords_complete_a_bare_message() -> None:
    world = iamsim.World.demo()
    with pytest.raises(iamsim.ValidationError, match="names no caller"):
        world.why(
            "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied"
        )
    d = world.why(
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        caller=ALICE,
        resource="arn:aws:s3:::prod-bucket/x",
    )
    assert d.action == "s3:GetObject" and not d.allowed


@pytest.mark.parametrize(
    "evidence, match",
    [
        ("", "empty"),
        ("Something went wrong", "not an AWS AccessDenied message"),
        ("{not json", "not a JSON CloudTrail record"),
        ({"eventSource": "foo.amazonaws.com", "eventName": "Bar"}, "eventSource"),
        ({"eventName": "Bar"}, "eventSource"),
        ({"Records": [1]}, r"Records\[0\]"),
        ({"Records": []}, "0 CloudTrail records"),
        (
            {"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventTime": "x"},
            "eventTime",
        ),
    ],
)
def test_bad_evidence_names_where_and_what(evidence: Any, match: str) -> None:
    with pytest.raises(iamsim.ValidationError, match=match):
        iamsim.World.demo().why(evidence)


# -- CloudTrail records ------------------------------------------------------------------


def _record(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CLOUDTRAIL / name).read_text("utf-8"))
    return data


def test_cloudtrail_assume_role_denied() -> None:
    r = replay(iamsim.World.demo(), _record("assume-role-denied.json"))
    assert r.evidence.action == "sts:AssumeRole" and r.evidence.denied
    assert r.evidence.now == dt.datetime(2026, 6, 15, 12, 45, tzinfo=dt.UTC)
    assert dict(r.evidence.assume)["session_name"] == "dev-session"
    assert dict(r.evidence.context)["aws:SourceIp"] == "203.0.113.7"
    assert r.agrees and _denials(r.decision) == {("trust", "target", False)}


def test_cloudtrail_assume_role_allowed_carries_external_id() -> None:
    r = replay(iamsim.World.demo(), json.dumps(_record("assume-role-allowed.json")))
    assert r.agrees and r.decision.allowed
    assert r.decision.session is not None
    assert r.decision.session.arn == SESSION


def test_cloudtrail_s3_get_object_through_a_session() -> None:
    r = replay(iamsim.World.demo(), _record("s3-getobject.json"))
    assert r.evidence.caller == SESSION
    assert r.evidence.resource == "arn:aws:s3:::prod-bucket/reports/2026-06.csv"
    assert dict(r.evidence.context)["aws:MultiFactorAuthPresent"] is False
    assert r.agrees and r.decision.allowed


def _kms_world() -> iamsim.World:
    doc = json.loads(json.dumps(SEED_DOCUMENT))
    doc["accounts"]["222222222222"]["resources"][KEY] = {
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    }
    return iamsim.World.from_dict(doc)


def test_cloudtrail_kms_decrypt_denied() -> None:
    r = replay(_kms_world(), _record("kms-decrypt-denied.json"))
    assert r.evidence.resource == KEY
    context = dict(r.evidence.context)
    assert context["aws:MultiFactorAuthPresent"] is True
    assert context["aws:MultiFactorAuthAge"] == "460"
    assert (r.evidence.policy_type, r.evidence.explicit) == ("identity", False)
    assert r.agrees and ("identity", "source", False) in _denials(r.decision)


def test_cloudtrail_disagreement_when_aws_allowed() -> None:
    """AWS served the object; a world whose bucket denies it disagrees, and says so."""
    doc = json.loads(json.dumps(SEED_DOCUMENT))
    doc["accounts"]["222222222222"]["resources"]["arn:aws:s3:::prod-bucket"] = {
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::prod-bucket/*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
                }
            ],
        }
    }
    r = replay(iamsim.World.from_dict(doc), _record("s3-getobject.json"))
    assert not r.agrees and r.decision.explicit
    assert "AWS allowed" in r.disagreement[0]


def test_why_returns_a_decision_that_still_replays() -> None:
    d = iamsim.World.demo().why(_record("assume-role-denied.json"))
    assert isinstance(d, Decision)
    again = d.replay()
    assert attrs.evolve(again, notes=d.notes) == d


_FIELDS = st.sampled_from(
    [
        "eventSource",
        "eventName",
        "eventTime",
        "userIdentity",
        "sessionContext",
        "attributes",
        "mfaAuthenticated",
        "creationDate",
        "arn",
        "type",
        "requestParameters",
        "roleArn",
        "bucketName",
        "key",
        "resources",
        "ARN",
        "errorCode",
        "errorMessage",
        "sourceIPAddress",
        "tags",
        "durationSeconds",
        "Records",
        # the web identity and SAML records' own fields (why_federated)
        "responseElements",
        "principalId",
        "userName",
        "identityProvider",
        "principalArn",
        "subjectFromWebIdentityToken",
        "audience",
        "provider",
        "principalTags",
        "transitiveTagKeys",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(
        [
            "sts.amazonaws.com",
            "s3.amazonaws.com",
            "AssumeRole",
            "GetObject",
            ALICE,
            ROLE,
            "AccessDenied",
            "2026-06-15T12:45:00Z",
            "IAMUser",
            "true",
            "AssumeRoleWithWebIdentity",
            "AssumeRoleWithSAML",
            "WebIdentityUser",
            "accounts.google.com",
            "arn:aws:iam::222222222222:saml-provider/Okta",
        ]
    ),
    st.text(max_size=10),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_FIELDS, inner, max_size=5),
    max_leaves=15,
)


@given(st.dictionaries(_FIELDS, _JSON, max_size=8))
def test_any_record_replays_or_says_what_is_wrong(record: dict[str, Any]) -> None:
    """Whatever a record holds, `why` answers or raises an IamsimError: never another."""
    with contextlib.suppress(iamsim.IamsimError):
        iamsim.World.demo().why(record)


@pytest.mark.parametrize(
    "text",
    [
        # boto3's exception as Python prints it
        "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the "
        f"AssumeRole operation: User: {ALICE} is not authorized to perform: sts:AssumeRole "
        f"on resource: {ROLE}",
        # EC2: a sentence first, an encoded message last
        "An error occurred (UnauthorizedOperation) when calling the AssumeRole operation: You "
        f"are not authorized to perform this operation. User: {ALICE} is not authorized to "
        f"perform: sts:AssumeRole on resource: {ROLE} because no identity-based policy allows "
        "the sts:AssumeRole action. Encoded authorization failure message: AbC-dEf_123",
        # retries reported by botocore
        "An error occurred (AccessDenied) when calling the AssumeRole operation (reached max "
        f"retries: 4): User: {ALICE} is not authorized to perform: sts:AssumeRole on resource: "
        f"{ROLE}.",
    ],
)
def test_message_wrappers(text: str) -> None:
    ev = read_evidence(text)
    assert (ev.caller, ev.action, ev.resource) == (ALICE, "sts:AssumeRole", ROLE)
