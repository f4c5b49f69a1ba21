"""Every IAM action on what AWS or a service owns, against the service reference.

IAM User Guide, "AWS managed policies" ("You cannot change the permissions defined in AWS
managed policies"): on an AWS managed policy, an action whose access level is Read or List
is decided by the caller's policies, any other is refused. IAM User Guide, "Using
service-linked roles", and IAM Identity Center's roles: reads are never refused; the changes
IAM principals cannot make are refused whatever the policies say.
"""

from __future__ import annotations

import pytest

import iamsim
from iamsim.reference import action_info, service_actions

B = "222222222222"
BOB = f"arn:aws:iam::{B}:user/bob"
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
WORLD = iamsim.World.of(iamsim.User(BOB, policies=[ADMIN]))
MANAGED = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SSO = f"arn:aws:iam::{B}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123"
SLR = f"arn:aws:iam::{B}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"


def _actions(resource_type: str) -> list[tuple[str, set[str]]]:
    out = []
    for name in service_actions("iam") or ():
        info = action_info(f"iam:{name}")
        if info is not None and resource_type in info.resources:
            out.append((f"iam:{name}", {a.strip() for a in info.access.split(",")}))
    assert out
    return out


@pytest.mark.parametrize(("action", "access"), _actions("policy"))
def test_aws_managed_policies(action: str, access: set[str]) -> None:
    d = WORLD.simulate(BOB, action, MANAGED)
    if access <= {"Read", "List"}:
        assert d.allowed, d.explain()
    else:
        assert [(x.policy_type, x.side) for x in d.denied_by] == [("service", "target")]


@pytest.mark.parametrize(("action", "access"), _actions("role"))
@pytest.mark.parametrize("role", [SSO, SLR])
def test_protected_roles_are_read_freely(action: str, access: set[str], role: str) -> None:
    d = WORLD.simulate(BOB, action, role)
    if access <= {"Read", "List"}:
        assert d.allowed, d.explain()
    elif not d.allowed:
        assert [(x.policy_type, x.side) for x in d.denied_by] == [("service", "target")]
        assert "only modifiable by AWS" in (d.aws_error or "")


def test_a_customer_role_is_the_customer_s() -> None:
    role = f"arn:aws:iam::{B}:role/team/AWSReservedSSO_lookalike"
    for action, _ in _actions("role"):
        assert WORLD.simulate(BOB, action, role).allowed, action
