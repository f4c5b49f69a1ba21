"""World.authorize is the one seam: simulate, STS and fixes are its clients.

ARCHITECTURE.md: every question goes through `World.authorize(AccessRequest)`; a decision
keeps the world that answered and the call it answered, and replays through
`Decision.replay`; STS and the fixes read no private member of `World`.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

import iamsim
from iamsim.world.demo import ALICE, DEMO_NOW, ROLE

BUCKET_OBJECT = "arn:aws:s3:::prod-bucket/report.csv"
PACKAGE = Path(iamsim.__file__).parent


def _session() -> iamsim.RoleSession:
    d = iamsim.World.demo().assume_role(
        ALICE, ROLE, "dev-session", external_id="my-secret-123", now=DEMO_NOW
    )
    assert d.session is not None
    return d.session


def test_authorize_answers_what_simulate_answers() -> None:
    world = iamsim.World.demo()
    session = _session()
    now = DEMO_NOW + dt.timedelta(minutes=5)
    direct = world.authorize(iamsim.AccessRequest(session, "s3:GetObject", BUCKET_OBJECT, now=now))
    via = world.simulate(session, "s3:GetObject", BUCKET_OBJECT, now=now)
    assert direct == via and direct.allowed
    assert direct.to_dict() == via.to_dict()
    assert direct.call == iamsim.AccessRequest(session, "s3:GetObject", BUCKET_OBJECT, now=now)
    assert via.call == iamsim.SimulateCall(session, "s3:GetObject", BUCKET_OBJECT, now=now)


def test_authorize_checks_every_action_a_call_needs() -> None:
    """AssumeRole with session tags needs sts:TagSession too ("Passing session tags in AWS
    STS"); the demo's trust policy does not allow it, so the request is denied on it."""
    world = iamsim.World.demo()
    request = iamsim.AccessRequest(
        ALICE,
        "sts:AssumeRole",
        ROLE,
        now=DEMO_NOW,
        also=("sts:TagSession",),
        call_keys={"sts:ExternalId": "my-secret-123", "sts:RoleSessionName": "s"},
        operation="AssumeRole",
    )
    d = world.authorize(request)
    assert [c.action for c in d.checks] == ["sts:AssumeRole", "sts:TagSession"]
    assert [c.allowed for c in d.checks] == [True, False]
    assert not d.allowed and d.operation == "AssumeRole"
    assert {x.action for x in d.denied_by} == {"sts:TagSession"}


@pytest.mark.parametrize(
    "bad",
    [
        "s3:GetObject",
        {"principal": ALICE},
        ("s3:GetObject",),
    ],
)
def test_authorize_takes_an_access_request_only(bad: object) -> None:
    with pytest.raises(iamsim.ValidationError, match="AccessRequest"):
        iamsim.World.demo().authorize(bad)  # type: ignore[arg-type]


def test_further_actions_are_a_tuple_of_actions() -> None:
    assert iamsim.AccessRequest(ALICE, "sts:AssumeRole", ROLE, also=["sts:TagSession"]).also == (
        "sts:TagSession",
    )
    with pytest.raises(iamsim.ValidationError, match="not the string"):
        iamsim.AccessRequest(ALICE, "sts:AssumeRole", ROLE, also="sts:TagSession")  # type: ignore[arg-type]


def test_authorize_refuses_a_malformed_further_action() -> None:
    request = iamsim.AccessRequest(ALICE, "sts:AssumeRole", ROLE, also=("sts:Tag Session",))
    with pytest.raises(iamsim.ValidationError, match="is not an action"):
        iamsim.World.demo().authorize(request)


def test_a_decision_replays_its_call() -> None:
    world = iamsim.World.demo()
    d = world.assume_role(ALICE, ROLE, "dev-session", external_id="wrong", now=DEMO_NOW)
    assert isinstance(d.call, iamsim.AssumeRoleCall) and d.world is world
    assert d.call.external_id == "wrong" and d.call.arguments()["session_name"] == "dev-session"
    assert d.replay() == d
    fixed = d.replay(call=d.call.changed(external_id="my-secret-123"))
    assert fixed.allowed and fixed.session is not None
    assert fixed.call == d.call.changed(external_id="my-secret-123")


def test_a_decision_from_json_cannot_replay() -> None:
    d = iamsim.World.demo().simulate(ALICE, "s3:GetObject", BUCKET_OBJECT, now=DEMO_NOW)
    again = iamsim.Decision.from_dict(d.to_dict())
    assert again.world is None and again.call is None
    with pytest.raises(iamsim.IamsimError, match="rebuilt from JSON"):
        again.replay()


def test_the_root_user_cannot_assume_a_role() -> None:
    """IAM User Guide, "Compare AWS STS credentials": the root user cannot call AssumeRole.
    The rule is part of the AssumeRole check itself (iamsim/evaluate/rules.py)."""
    root = "arn:aws:iam::111111111111:root"
    d = iamsim.World.demo().assume_role(
        root, ROLE, "dev-session", external_id="my-secret-123", now=DEMO_NOW
    )
    assert not d.allowed and not d.checks[0].allowed
    (service,) = [x for x in d.denied_by if x.policy_type == "service"]
    assert (service.side, service.action) == ("source", "sts:AssumeRole")
    assert service.aws_message == "Roles may not be assumed by root accounts."


@pytest.mark.parametrize("module", ["sts.py", "fixes"])
def test_clients_of_the_seam_read_no_private_member_of_world(module: str) -> None:
    """STS and the fixes use World's public methods only (`world._ix`, `decision._replay`
    and the like are the world's own business)."""
    package = PACKAGE / module
    paths = [package] if module.endswith(".py") else sorted(package.glob("*.py"))
    owners = ("world", "decision", "d", "after")
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
                continue
            owner = node.value
            named = isinstance(owner, ast.Name) and owner.id in owners
            held = isinstance(owner, ast.Attribute) and owner.attr == "world"
            assert not (named or held), f"{path.name}:{node.lineno}: .{node.attr}"
