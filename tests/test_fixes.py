"""Decision.suggest_fixes(): for each failure class, the explanation's first line names the
right side and layer, every denial gets a fix on the right side, and applying the fixes
turns the same request into an allow (guardrails are reported with their owner, not applied).

Then a sweep over the decision corpus: every denied case without a guardrail (SCP, RCP)
or service rule is allowed once all of its suggested fixes are applied.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

import iamsim
from iamsim.decision import Decision
from iamsim.fixes import Fix, apply_all, replay, session_with
from iamsim.world.demo import ALICE, ROLE, scenarios

ROOT = Path(__file__).parent / "compliance"
SRC, TGT, MGMT = "111111111111", "222222222222", "999999999999"
BOB = f"arn:aws:iam::{TGT}:user/bob"
APP = f"arn:aws:iam::{TGT}:role/app"
BKT = "arn:aws:s3:::bkt"
OBJ = "arn:aws:s3:::bkt/key.txt"
KEY = f"arn:aws:kms:us-east-1:{TGT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# The network perimeter (VPC endpoint policies) and S3 Block Public Access are guardrails too.
GUARDRAILS = {"scp", "rcp", "service", "vpc_endpoint", "block_public_access"}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def _deny(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Sid": "NoWay", "Effect": "Deny", "Action": action, "Resource": resource, **more}


def _trust(*extra: dict[str, Any], **condition: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{SRC}:root"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        stmt["Condition"] = condition
    return _policy(stmt, *extra)


def _world(
    *,
    alice: list[dict[str, Any]] | None = None,
    alice_extra: dict[str, Any] | None = None,
    trust: dict[str, Any] | None = None,
    role_policies: list[dict[str, Any]] | None = None,
    bucket_policy: dict[str, Any] | None = None,
    organization: dict[str, Any] | None = None,
    target_extra: dict[str, Any] | None = None,
) -> iamsim.World:
    """alice in 111111111111; role app and bucket bkt in 222222222222."""
    accounts: dict[str, Any] = {
        SRC: {
            "users": {
                "alice": {
                    "policies": alice
                    if alice is not None
                    else [_policy(_allow(["sts:AssumeRole", "s3:GetObject"]))],
                    **(alice_extra or {}),
                }
            }
        },
        TGT: {
            "roles": {
                "app": {
                    "trust_policy": trust or _trust(),
                    "policies": role_policies
                    if role_policies is not None
                    else [_policy(_allow("s3:*"))],
                }
            },
            "resources": {BKT: {} if bucket_policy is None else {"policy": bucket_policy}},
            **(target_extra or {}),
        },
    }
    doc: dict[str, Any] = {"accounts": accounts}
    if organization is not None:
        accounts[MGMT] = {}
        doc["organization"] = organization
    return iamsim.World.from_dict(doc)


def _org(
    policies: dict[str, Any], *, scps: list[str] | None = None, rcps: list[str] | None = None
) -> dict[str, Any]:
    ou: dict[str, Any] = {"accounts": [SRC, TGT]}
    if scps is not None:
        ou["scps"] = ["FullAWSAccess", *scps]
    if rcps is not None:
        ou["rcps"] = rcps
    return {
        "id": "o-a1b2c3d4e5",
        "management_account": MGMT,
        "root": {"accounts": [MGMT], "ous": {"Workloads": ou}},
        "policies": policies,
    }


def _assume(world: iamsim.World, **args: Any) -> Decision:
    return world.assume_role(
        args.pop("caller", ALICE), args.pop("role_arn", APP), args.pop("session_name", "s1"), **args
    )


def _session(world: iamsim.World, **args: Any) -> iamsim.RoleSession:
    d = _assume(world, **args)
    assert d.allowed, d.explain()
    assert d.session is not None
    return d.session


# -- what every fix must satisfy --------------------------------------------------------


def _no_wildcards(fix: Fix, decision: Decision) -> None:
    """(d) a fix never puts "*" where the request named one action and one resource."""
    if decision.resource == "*" or decision.caller == "anonymous":
        return

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("Action", "Resource", "Principal", "AWS", "add_principal"):
                    for v in [inner] if isinstance(inner, str) else _flat(inner):
                        assert "*" not in str(v), f"{key}={inner!r} in {fix.change!r}"
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(fix.change)
    json.dumps(fix.to_dict())  # JSON-able


def _flat(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [v for inner in value.values() for v in _flat(inner)]
    if isinstance(value, list):
        return [v for inner in value for v in _flat(inner)]
    return [value]


def _check(
    d: Decision,
    *,
    side: str,
    layers: list[str],
    fixes: dict[str, str] | None = None,
    allowed_after: bool = True,
) -> tuple[Fix, ...]:
    """(a) first line, (b) one fix per denial, (c) fixed → allowed, (d) no widening.

    `fixes` maps each denied policy type to the side of the fix expected for it.
    """
    assert not d.allowed
    first = d.explain().splitlines()[0]
    assert f"{side} account" in first or f"{side} side" in first, first
    for words in layers:
        assert words in first, (words, first)
    found = d.suggest_fixes()
    for denial in d.denied_by:
        mine = [f for f in found if f.denial is denial]
        assert mine, f"no fix for {denial}"
        assert all(f.policy_type == denial.policy_type for f in mine)
        if fixes is not None:
            assert mine[0].side == fixes[denial.policy_type], (denial, mine[0])
    for fix in found:
        assert fix.description.endswith(".") and ". " not in fix.description, fix.description
        _no_wildcards(fix, d)
        if fix.denial is not None and fix.denial.policy_type in ("scp", "rcp"):
            assert fix.apply is None and fix.request is None
            assert "guardrail owned by" in fix.description
            assert MGMT in fix.description or "administrators" in fix.description
    if allowed_after:
        after = replay(d, found)
        assert after.allowed, after.explain()
    return tuple(found)


def _apply_by_hand(d: Decision, fixes: tuple[Fix, ...]) -> Decision:
    """What a user does: apply_all to the world, the request changes to the same call."""
    assert d.world is not None and d.call is not None
    new_world, request = apply_all(fixes, d.world)  # type: ignore[arg-type]
    args = {**d.call.arguments(), **request}
    if d.call.kind == "assume_role":
        return new_world.assume_role(args.pop("caller"), **args)
    return new_world.simulate(
        args["principal"], args["action"], args["resource"], args["context"], now=args["now"]
    )


# -- the seed's failure classes ---------------------------------------------------------


SCENARIOS = {s.key: s for s in scenarios()}


def test_identity_missing_user() -> None:
    d = SCENARIOS["no-identity-allow"].run()
    fixes = _check(d, side="source", layers=["identity policy"], fixes={"identity": "source"})
    assert fixes[0].change == {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}
    assert fixes[0].apply is not None
    assert _apply_by_hand(d, fixes).allowed


def test_identity_missing_role_session() -> None:
    world = iamsim.World.demo()
    session = _session(world, role_arn=ROLE, session_name="dev", external_id="my-secret-123")
    d = world.simulate(session, "s3:PutObject", "arn:aws:s3:::prod-bucket/report.csv")
    fixes = _check(d, side="target", layers=["identity policy"], fixes={"identity": "source"})
    assert ROLE in fixes[0].description  # the role's policies, not a session
    assert _apply_by_hand(d, fixes).allowed


def test_trust_omits_the_caller() -> None:
    d = SCENARIOS["trust-omits-source"].run()
    fixes = _check(d, side="target", layers=["role trust policy"], fixes={"trust": "target"})
    assert fixes[0].change["add_principal"] == ALICE
    assert _apply_by_hand(d, fixes).allowed
    # The statement's external-ID condition is kept: the fixed world still wants it.
    world, _ = apply_all(fixes, d.world)  # type: ignore[arg-type]
    assert not world.assume_role(ALICE, ROLE, "dev-session", external_id="nope").allowed


@pytest.mark.parametrize("key", ["wrong-external-id", "missing-external-id"])
def test_external_id(key: str) -> None:
    d = SCENARIOS[key].run()
    first = d.explain().splitlines()[0]
    assert "sts:ExternalId" in first
    fixes = _check(d, side="target", layers=["role trust policy"], fixes={"trust": "target"})
    assert fixes[0].request == {"external_id": "my-secret-123"}
    assert fixes[0].apply is None and fixes[0].request_for == "call"
    assert _apply_by_hand(d, fixes).allowed


def test_trust_condition_principal_org_id_gets_a_narrow_exception() -> None:
    org = _org({})
    world = _world(
        trust=_policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                    "StringLike": {"sts:RoleSessionName": "s*"},
                },
            }
        ),
        organization=org,
        target_extra={},
    )
    carol = "arn:aws:iam::333333333333:user/carol"
    doc_world = iamsim.World(
        accounts=(
            *world.accounts,
            iamsim.Account(
                id="333333333333",
                users=(iamsim.User(carol, [_policy(_allow("sts:AssumeRole", APP))]),),
            ),
        ),
        organization=world.organization,
    )
    d = _assume(doc_world, caller=carol)
    assert "aws:PrincipalOrgID" in d.explain().splitlines()[0]
    fixes = _check(d, side="target", layers=["role trust policy"], fixes={"trust": "target"})
    change = fixes[0].change
    assert change["Principal"] == {"AWS": carol}  # not "*"
    assert change["Condition"] == {"StringLike": {"sts:RoleSessionName": "s*"}}  # kept


def test_trust_condition_mfa_is_a_request_change() -> None:
    world = _world(trust=_trust(Bool={"aws:MultiFactorAuthPresent": "true"}))
    d = _assume(world)
    assert "aws:MultiFactorAuthPresent" in d.explain().splitlines()[0]
    fixes = _check(d, side="target", layers=["role trust policy"], fixes={"trust": "target"})
    assert set(fixes[0].request or {}) == {"serial_number", "token_code"}
    assert _apply_by_hand(d, fixes).allowed


def test_trust_condition_principal_tag_tags_the_caller() -> None:
    world = _world(
        trust=_trust(StringEquals={"aws:PrincipalTag/team": "platform"}),
        alice_extra={"tags": {"team": "data"}},
    )
    d = _assume(world)
    fixes = _check(d, side="target", layers=["role trust policy"], fixes={"trust": "target"})
    assert fixes[0].change == {"tag": ALICE, "tags": {"team": "platform"}}


def test_trust_condition_session_name_is_a_request_change() -> None:
    world = _world(trust=_trust(StringEquals={"sts:RoleSessionName": "alice"}))
    d = _assume(world, session_name="eve")
    fixes = _check(d, side="target", layers=["role trust policy"], fixes={"trust": "target"})
    assert fixes[0].request == {"session_name": "alice"}


# -- explicit denies --------------------------------------------------------------------


def test_explicit_deny_identity() -> None:
    world = _world(alice=[_policy(_allow("sts:AssumeRole"), _deny("sts:AssumeRole"))])
    d = _assume(world)
    fixes = _check(
        d, side="source", layers=["explicit deny", "identity policy"], fixes={"identity": "source"}
    )
    assert fixes[0].change == {"remove_statement": "NoWay"}


def test_explicit_deny_in_a_managed_identity_policy() -> None:
    doc = {
        "accounts": {
            SRC: {
                "policies": {"Guard": _policy(_deny("sts:AssumeRole"))},
                "users": {"alice": {"policies": [_policy(_allow("sts:AssumeRole")), "Guard"]}},
            },
            TGT: {"roles": {"app": {"trust_policy": _trust()}}},
        }
    }
    d = _assume(iamsim.World.from_dict(doc))
    fixes = _check(d, side="source", layers=["identity policy"], fixes={"identity": "source"})
    assert fixes[0].change == {"detach_policy": "Guard"}


def test_explicit_deny_trust() -> None:
    world = _world(
        trust=_trust({"Sid": "NoWay", "Effect": "Deny", "Principal": "*", "Action": "sts:*"})
    )
    d = _assume(world)
    _check(
        d, side="target", layers=["explicit deny", "role trust policy"], fixes={"trust": "target"}
    )


def test_explicit_deny_resource() -> None:
    world = _world(
        bucket_policy=_policy(
            {**_deny("s3:GetObject", f"{BKT}/*"), "Principal": {"AWS": ALICE}},
            {**_allow("s3:GetObject", f"{BKT}/*"), "Principal": {"AWS": ALICE}},
        )
    )
    d = world.simulate(ALICE, "s3:GetObject", OBJ)
    _check(
        d,
        side="target",
        layers=["explicit deny", "resource-based policy"],
        fixes={"resource": "target"},
    )


def test_explicit_deny_boundary() -> None:
    world = _world(
        alice_extra={"permissions_boundary": _policy(_allow("*"), _deny("sts:AssumeRole"))}
    )
    d = _assume(world)
    _check(
        d,
        side="source",
        layers=["explicit deny", "permissions boundary"],
        fixes={"boundary": "source"},
    )


def _session_world() -> iamsim.World:
    return iamsim.World.from_dict(
        {
            "accounts": {
                TGT: {
                    "users": {"bob": {}},
                    "roles": {
                        "app": {
                            "trust_policy": _policy(
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": BOB},
                                    "Action": "sts:AssumeRole",
                                }
                            ),
                            "policies": [_policy(_allow("s3:*"))],
                        }
                    },
                    "resources": {BKT: {}},
                }
            }
        }
    )


def _fixed_session(world: iamsim.World, fixes: tuple[Fix, ...], **first: Any) -> Any:
    """Create the session again, with the fixes' changes to its AssumeRole call."""
    changes: dict[str, Any] = {}
    for fix in fixes:
        if fix.request is not None and fix.request_for == "session":
            changes.update(fix.request)
    return _session(world, **{**first, **changes})


@pytest.mark.parametrize("explicit", [True, False])
def test_session_policy(explicit: bool) -> None:
    world = _session_world()
    policy = (
        _policy(_allow("s3:*"), _deny("s3:DeleteObject"))
        if explicit
        else _policy(_allow("s3:GetObject"))
    )
    # One clock for both AssumeRole calls: they must mint the same session, to the second.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    first = {"caller": BOB, "role_arn": APP, "session_name": "s1", "policy": policy, "now": now}
    session = _session(world, **first)
    d = world.simulate(session, "s3:DeleteObject", OBJ)
    layers = ["explicit deny", "session policy"] if explicit else ["session policy"]
    fixes = _check(d, side="source", layers=layers, fixes={"session": "source"})
    (fix,) = fixes
    assert fix.request_for == "session" and fix.apply is None
    assert "policy" in (fix.request or {})
    # The fix is a change to the AssumeRole call that created the session: make it again.
    again = _fixed_session(world, fixes, **first)
    assert again == session_with(fixes, session)
    assert world.simulate(again, "s3:DeleteObject", OBJ).allowed
    if not explicit:
        assert fix.change == {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": OBJ}


def test_session_policy_on_a_chained_assume_role() -> None:
    doc = {
        "accounts": {
            SRC: {
                "users": {"alice": {"policies": [_policy(_allow("sts:AssumeRole"))]}},
                "roles": {
                    "ci": {
                        "trust_policy": _policy(
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": ALICE},
                                "Action": "sts:AssumeRole",
                            }
                        ),
                        "policies": [_policy(_allow("sts:AssumeRole"))],
                    }
                },
            },
            TGT: {
                "roles": {
                    "app": {
                        "trust_policy": _policy(
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{SRC}:role/ci"},
                                "Action": "sts:AssumeRole",
                            }
                        )
                    }
                }
            },
        }
    }
    world = iamsim.World.from_dict(doc)
    first = {
        "role_arn": f"arn:aws:iam::{SRC}:role/ci",
        "session_name": "build",
        "policy": _policy(_allow("s3:*")),
    }
    session = _session(world, **first)
    d = world.assume_role(session, APP, "deploy")
    fixes = _check(d, side="source", layers=["session policy"], fixes={"session": "source"})
    assert world.assume_role(_fixed_session(world, fixes, **first), APP, "deploy").allowed


def test_boundary_implicit() -> None:
    d = SCENARIOS["boundary"].run()
    fixes = _check(d, side="source", layers=["permissions boundary"], fixes={"boundary": "source"})
    assert fixes[0].change["Action"] == "sts:AssumeRole"
    assert _apply_by_hand(d, fixes).allowed


# -- resource policies -----------------------------------------------------------------


def test_cross_account_bucket_without_policy() -> None:
    d = _world().simulate(ALICE, "s3:GetObject", OBJ)
    fixes = _check(d, side="target", layers=["resource-based policy"], fixes={"resource": "target"})
    assert fixes[0].change == {
        "Effect": "Allow",
        "Principal": {"AWS": ALICE},
        "Action": "s3:GetObject",
        "Resource": OBJ,
    }
    assert _apply_by_hand(d, fixes).allowed


def test_bucket_policy_granting_a_wildcard_is_not_extended() -> None:
    """Adding alice to a statement that grants s3:* on bkt/* would widen: copy it, narrowed."""
    other = "arn:aws:iam::333333333333:root"
    world = _world(
        bucket_policy=_policy({**_allow("s3:*", f"{BKT}/*"), "Principal": {"AWS": other}})
    )
    d = world.simulate(ALICE, "s3:GetObject", OBJ)
    (fix,) = _check(d, side="target", layers=["resource-based policy"])
    assert fix.change["Action"] == "s3:GetObject" and fix.change["Resource"] == OBJ


def test_same_account_kms_key_without_the_account_statement() -> None:
    key_admin = f"arn:aws:iam::{TGT}:role/KeyAdmin"
    world = iamsim.World.from_dict(
        {
            "accounts": {
                TGT: {
                    "users": {"bob": {"policies": [_policy(_allow("kms:Decrypt"))]}},
                    "resources": {
                        KEY: {
                            "policy": _policy({**_allow("kms:*"), "Principal": {"AWS": key_admin}})
                        }
                    },
                }
            }
        }
    )
    d = world.simulate(BOB, "kms:Decrypt", KEY)
    fixes = _check(d, side="target", layers=["resource-based policy"], fixes={"resource": "target"})
    assert fixes[0].change["Principal"] == {"AWS": BOB}
    assert fixes[0].change["Action"] == "kms:Decrypt"


def test_unknown_role_and_unknown_caller_account() -> None:
    world = _world(alice=[_policy(_allow("sts:AssumeRole"))])
    d = _assume(world, role_arn=f"arn:aws:iam::{TGT}:role/ghost")
    (fix,) = _check(d, side="target", layers=["role trust policy"], fixes={"trust": "target"})
    assert "its roles: app" in fix.description
    mallory = "arn:aws:iam::333333333333:user/mallory"
    world = _world(
        bucket_policy=_policy({**_allow("s3:GetObject", f"{BKT}/*"), "Principal": {"AWS": mallory}})
    )
    d = world.simulate(mallory, "s3:GetObject", OBJ)
    (fix,) = _check(d, side="source", layers=["identity policy"], fixes={"identity": "source"})
    assert fix.change["add_user"] == mallory


# -- AssumeRole's extra actions ---------------------------------------------------------


def test_tag_session_missing_in_trust() -> None:
    d = SCENARIOS["tag-session"].run()  # alice's own policy lacks sts:TagSession too
    fixes = _check(
        d,
        side="target",
        layers=["role trust policy", "identity policy"],
        fixes={"trust": "target", "identity": "source"},
    )
    trust = next(f for f in fixes if f.policy_type == "trust")
    assert trust.change == {"statement": "Statement[0]", "add_action": "sts:TagSession"}
    assert _apply_by_hand(d, fixes).allowed


def test_tag_session_missing_in_identity() -> None:
    trust = _trust()
    trust["Statement"][0]["Action"] = ["sts:AssumeRole", "sts:TagSession"]
    world = _world(alice=[_policy(_allow("sts:AssumeRole"))], trust=trust)
    d = _assume(world, tags={"project": "reports"})
    fixes = _check(d, side="source", layers=["identity policy"], fixes={"identity": "source"})
    assert fixes[0].change["Action"] == "sts:TagSession"


def test_tag_session_missing_on_both_sides() -> None:
    world = _world(alice=[_policy(_allow("sts:AssumeRole"))])
    d = _assume(world, tags={"project": "reports"})
    first = d.explain().splitlines()[0]
    assert "source" in first and "target" in first
    _check(
        d,
        side="source",
        layers=["identity policy", "role trust policy"],
        fixes={"identity": "source", "trust": "target"},
    )


def test_set_source_identity_missing() -> None:
    world = _world(alice=[_policy(_allow("sts:AssumeRole"))])
    d = _assume(world, source_identity="alice")
    _check(
        d,
        side="source",
        layers=["identity policy", "role trust policy"],
        fixes={"identity": "source", "trust": "target"},
    )
    assert {x.action for x in d.denied_by} == {"sts:SetSourceIdentity"}


# -- guardrails and service rules: reported, never loosened ------------------------------


def test_scp_explicit() -> None:
    d = SCENARIOS["scp-denies"].run()
    (fix,) = _check(
        d,
        side="source",
        layers=["explicit deny", "service control policy"],
        fixes={"scp": "source"},
        allowed_after=False,
    )
    assert "DenyAssumeRole" in fix.description and "ou:Workloads" in fix.description


def test_scp_implicit() -> None:
    org = _org({"S3Only": _policy(_allow("s3:*"))}, scps=None)
    org["root"]["ous"]["Workloads"]["scps"] = ["S3Only"]
    d = _assume(_world(organization=org))
    (fix,) = _check(
        d,
        side="source",
        layers=["service control polic"],  # "policies" when no level allows
        fixes={"scp": "source"},
        allowed_after=False,
    )
    assert fix.apply is None and "S3Only" in fix.description


def test_rcp() -> None:
    perimeter = _policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    )
    org = _org({"Perimeter": perimeter}, rcps=["Perimeter"])
    org["root"]["accounts"] = [MGMT]
    org["root"]["ous"]["Workloads"]["accounts"] = [TGT]
    world = _world(
        organization=org,
        bucket_policy=_policy({**_allow("s3:GetObject", f"{BKT}/*"), "Principal": {"AWS": ALICE}}),
    )
    d = world.simulate(ALICE, "s3:GetObject", OBJ)
    (fix,) = _check(
        d,
        side="target",
        layers=["resource control policy"],
        fixes={"rcp": "target"},
        allowed_after=False,
    )
    assert fix.apply is None and "Perimeter" in fix.description


def test_kms_cross_account_restricted_operation() -> None:
    world = _world(
        alice=[_policy(_allow("kms:*"))],
        target_extra={
            "resources": {
                KEY: {"policy": _policy({**_allow("kms:*"), "Principal": {"AWS": ALICE}})}
            }
        },
    )
    d = world.simulate(ALICE, "kms:ScheduleKeyDeletion", KEY)
    assert [x.policy_type for x in d.denied_by] == ["service"]
    (fix,) = d.suggest_fixes()
    assert fix.apply is None and fix.request is None and fix.guardrail
    assert "no policy change can allow it" in fix.description


def test_rebuilt_decision_has_no_fixes() -> None:
    d = SCENARIOS["no-identity-allow"].run()
    with pytest.raises(iamsim.IamsimError):
        Decision.from_dict(d.to_dict()).suggest_fixes()


# -- the corpus sweep -----------------------------------------------------------------------

# Denied cases (no guardrail, no service rule) that no single-side change can fix.
EXCLUDED = {
    "decisions/cross_account.json::xacct-016": (
        "the bucket is not in the world, so its owner account is unknown: the fix is a report "
        "(describe the bucket and its policy), with nothing to apply"
    ),
    "decisions/resource_policies.json::review-016": (
        "IAM takes no resource-based policy: cross-account access needs a role in the target "
        "account, which the fix reports rather than invents"
    ),
    "decisions/resource_policies.json::review-017": (
        "EC2 takes no resource-based policy: cross-account access needs a role in the target "
        "account, which the fix reports rather than invents"
    ),
}


def _corpus() -> list[Any]:
    params = []
    for sub in ("decisions", "chain"):
        for path in sorted((ROOT / sub).glob("*.json")):
            for case in json.loads(path.read_text("utf-8"))["cases"]:
                if "error" in case["expect"] or case["expect"].get("outcome") == "allowed":
                    continue
                params.append(pytest.param(case, id=f"{sub}/{path.name}::{case['id']}"))
    return params


def _load(spec: Any) -> iamsim.World:
    return iamsim.World.demo() if spec == "seed" else iamsim.World.from_dict(spec)


def _run(world: iamsim.World, call: dict[str, Any], session_changes: dict[str, Any]) -> Decision:
    """Replay a corpus call; a calling session is created again with `session_changes`."""
    ((kind, args),) = call.items()
    args = copy.deepcopy(args)
    if "now" in args:
        args["now"] = dt.datetime.fromisoformat(args["now"].replace("Z", "+00:00"))
    if kind in ("assume_role_with_web_identity", "assume_role_with_saml"):
        return getattr(world, kind)(**args)  # type: ignore[no-any-return]
    who = "caller" if kind == "assume_role" else "principal"
    if isinstance(args[who], dict):
        ((first_kind, first_args),) = args[who].items()
        first = _run(world, {first_kind: {**first_args, **session_changes}}, {})
        assert first.allowed, first.explain()
        args[who] = first.session
    if kind == "assume_role":
        return world.assume_role(args.pop("caller"), **args)
    if kind == "authorize":
        also = tuple(tuple(x) if isinstance(x, list) else x for x in args.pop("also", ()))
        return world.authorize(iamsim.AccessRequest(**args, also=also))
    return world.simulate(args.pop("principal"), args.pop("action"), args.pop("resource"), **args)


def _is_perimeter(fix: Fix) -> bool:
    return isinstance(fix.change, dict) and "perimeter_keys" in fix.change


@pytest.mark.parametrize("case", _corpus())
def test_sweep_applying_every_fix_allows(case: dict[str, Any], request: Any) -> None:
    case_id = request.node.callspec.id
    world = _load(case["world"])
    d = _run(world, case["call"], {})
    assert not d.allowed
    fixes = d.suggest_fixes()
    for denial in d.denied_by:  # at least one fix per denial, guardrails included
        assert any(f.denial is denial for f in fixes), (denial, fixes)
    for fix in fixes:
        _no_wildcards(fix, d)
    if any(x.policy_type in GUARDRAILS for x in d.denied_by):
        for fix in fixes:
            if fix.policy_type in GUARDRAILS:
                assert fix.apply is None and fix.request is None
        return
    if any(_is_perimeter(f) for f in fixes):
        # A data-perimeter Deny in a resource-based policy is a guardrail too: reported,
        # never narrowed, so the request stays denied.
        assert all(f.guardrail for f in fixes if _is_perimeter(f))
        assert not replay(d, fixes).allowed
        return
    if case_id in EXCLUDED:
        assert all(f.guardrail for f in fixes)
        assert not replay(d, fixes).allowed
        return
    # Every fix applied: world changes, the call's arguments, and the AssumeRole call that
    # created the calling session, made again.
    fixed_world, call_changes = apply_all(fixes, world)
    session_changes: dict[str, Any] = {}
    for fix in fixes:
        if fix.request is not None and fix.request_for == "session":
            session_changes.update(fix.request)
    ((kind, args),) = case["call"].items()
    after = _run(fixed_world, {kind: {**args, **call_changes}}, session_changes)
    assert after.allowed, (case_id, [f.description for f in fixes], after.explain())
    assert replay(d, fixes).allowed


def test_sweep_counts() -> None:
    """Keep the sweep from quietly shrinking: most denials are fixable and fixed."""
    cases = [p.values[0] for p in _corpus()]
    assert len(cases) >= 150
    assert len(EXCLUDED) <= 3


def test_fix_to_dict_is_json() -> None:
    d = SCENARIOS["wrong-external-id"].run()
    data = [f.to_dict() for f in d.suggest_fixes()]
    assert json.loads(json.dumps(data))[0]["request"] == {"external_id": "my-secret-123"}
    assert data[0]["request_for"] == "call"
    assert attrs.has(Fix)
