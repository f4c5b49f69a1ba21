"""KMS alias operations: one call, two resources (AWS KMS Developer Guide, "Controlling access
to aliases": kms:CreateAlias, kms:UpdateAlias and kms:DeleteAlias need the permission for the
alias in an IAM policy and for every affected KMS key in its key policy).

The request names the key as a further check of the same action on the key's ARN:
`AccessRequest(..., also=(("kms:CreateAlias", KEY),))`. The corpus
(`tests/compliance/decisions/kms_aliases.json`) holds the decisions; these tests pin the
checks, the request's validation and the fixes of a key-side denial.
"""

from __future__ import annotations

from typing import Any

import pytest

import iamsim

V = "2012-10-17"
B = "222222222222"
BOB = f"arn:aws:iam::{B}:user/bob"
ALIAS = f"arn:aws:kms:us-east-1:{B}:alias/app"
KEY = f"arn:aws:kms:us-east-1:{B}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY2 = f"arn:aws:kms:us-east-1:{B}:key/0987dcba-09fe-87dc-65ba-ab0987654321"
ALIAS_ACTIONS = ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"]


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def _key(actions: list[str]) -> iamsim.Resource:
    return iamsim.Resource(
        KEY,
        policy=_policy(
            {"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": actions, "Resource": "*"}
        ),
    )


def _world(*resources: iamsim.Resource) -> iamsim.World:
    bob = iamsim.User(
        BOB, policies=[_policy({"Effect": "Allow", "Action": ALIAS_ACTIONS, "Resource": ALIAS})]
    )
    return iamsim.World.of(bob, *resources)


@pytest.mark.parametrize("action", ALIAS_ACTIONS)
def test_the_key_policy_must_allow_the_alias_operation(action: str) -> None:
    """The key's permission "must be provided in a key policy or in an IAM policy that is
    delegated from the key policy": a key policy that does not allow it denies the call."""
    world = _world(_key(["kms:DescribeKey"]))
    d = world.authorize(iamsim.AccessRequest(BOB, action, ALIAS, also=((action, KEY),)))
    assert d.outcome == "implicitDeny"
    assert [(x.policy_type, x.side, x.account) for x in d.denied_by] == [("resource", "target", B)]
    assert KEY in d.denied_by[0].reason
    assert [(c.action, c.resource, c.allowed) for c in d.checks] == [
        (action, ALIAS, True),
        (action, KEY, False),
    ]


def test_update_alias_needs_both_keys() -> None:
    """UpdateAlias: "one for the alias, one for the current KMS key, and one for the new KMS
    key"; a new key whose policy does not allow it denies the call."""
    other = iamsim.Resource(
        KEY2,
        policy=_policy(
            {"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "kms:Decrypt", "Resource": "*"}
        ),
    )
    world = _world(_key(ALIAS_ACTIONS), other)
    request = iamsim.AccessRequest(
        BOB,
        "kms:UpdateAlias",
        ALIAS,
        also=(("kms:UpdateAlias", KEY), ("kms:UpdateAlias", KEY2)),
    )
    d = world.authorize(request)
    assert not d.allowed
    assert [c.allowed for c in d.checks] == [True, True, False]
    assert KEY2 in d.denied_by[0].reason


def test_an_unknown_key_is_denied() -> None:
    """A key the world does not describe has no known key policy: nothing allows the call."""
    d = _world().authorize(
        iamsim.AccessRequest(BOB, "kms:CreateAlias", ALIAS, also=(("kms:CreateAlias", KEY),))
    )
    assert [(x.policy_type, x.side) for x in d.denied_by] == [("resource", "target")]


@pytest.mark.parametrize("action", ALIAS_ACTIONS)
def test_an_alias_operation_must_name_its_key(action: str) -> None:
    world = _world(_key(ALIAS_ACTIONS))
    with pytest.raises(iamsim.ValidationError, match="names no key"):
        world.simulate(BOB, action, ALIAS)
    with pytest.raises(iamsim.ValidationError, match="names no key"):
        world.authorize(iamsim.AccessRequest(BOB, action, ALIAS, also=((action, ALIAS),)))
    # The same action on the key, and only that, completes the request.
    with pytest.raises(iamsim.ValidationError, match="names no key"):
        world.authorize(iamsim.AccessRequest(BOB, action, ALIAS, also=(("kms:Decrypt", KEY),)))
    assert world.authorize(iamsim.AccessRequest(BOB, action, ALIAS, also=((action, KEY),))).allowed


def test_also_pairs_are_checked() -> None:
    world = _world(_key(ALIAS_ACTIONS))
    with pytest.raises(iamsim.ValidationError, match="resource in also"):
        world.authorize(iamsim.AccessRequest(BOB, "kms:CreateAlias", ALIAS, also=(("x:Y", ""),)))
    with pytest.raises(iamsim.ValidationError, match="not an action"):
        world.authorize(
            iamsim.AccessRequest(BOB, "kms:CreateAlias", ALIAS, also=(("kms:Create Alias", KEY),))
        )


def test_a_decision_on_two_resources_replays() -> None:
    world = _world(_key(ALIAS_ACTIONS))
    request = iamsim.AccessRequest(BOB, "kms:CreateAlias", ALIAS, also=(("kms:CreateAlias", KEY),))
    d = world.authorize(request)
    assert d.allowed and d.call == request
    assert d.replay() == d


def test_the_fix_for_a_key_denial_changes_the_key_policy() -> None:
    """A denial on the key's check is fixed in the key's policy, not on the alias."""
    world = _world(_key(["kms:DescribeKey"]))
    request = iamsim.AccessRequest(BOB, "kms:CreateAlias", ALIAS, also=(("kms:CreateAlias", KEY),))
    d = world.authorize(request)
    (fix,) = d.suggest_fixes()
    assert (fix.side, fix.policy_type) == ("target", "resource")
    assert KEY in fix.description and fix.apply is not None
    assert d.replay(fix.apply(world)).allowed


@pytest.mark.parametrize("resource", ["*", KEY])
def test_an_alias_operation_acts_on_an_alias(resource: str) -> None:
    """Asked on "*" or on the key alone, the alias's own check would be skipped."""
    world = _world(_key(ALIAS_ACTIONS))
    with pytest.raises(iamsim.ValidationError, match="acts on an alias"):
        world.simulate(BOB, "kms:CreateAlias", resource)


def test_an_alias_takes_no_policy() -> None:
    policy = _policy({"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"})
    with pytest.raises(iamsim.WorldError, match="a KMS alias has no policy") as info:
        iamsim.World.of(iamsim.Resource(ALIAS, policy=policy))
    assert [p.code for p in info.value.problems] == ["world.resource.no_policy"]


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"])
def test_other_kms_actions_are_asked_on_the_key(action: str) -> None:
    """ "When an alias is the value of a resource element, the policy applies to the alias
    resource, not to any KMS key": KMS authorizes these on the key the alias points to."""
    world = _world(_key(ALIAS_ACTIONS))
    with pytest.raises(iamsim.ValidationError, match="ask about the key's ARN"):
        world.simulate(BOB, action, ALIAS)
