"""The embedded seed scenario (the cross-account page) and the failures `iamsim demo` replays.

Source account 111111111111: user alice, allowed to assume the role.
Target account 222222222222: role CrossAccountS3Reader, trusting 111111111111 with
external ID my-secret-123, with AmazonS3ReadOnlyAccess; the bucket prod-bucket.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.model import Policy
from iamsim.world import World
from iamsim.world.model import Account, Organization, OrgUnit, Resource, Role, User

if TYPE_CHECKING:
    from iamsim.decision import Decision

__all__ = [
    "ALICE",
    "BUCKET",
    "DEMO_NOW",
    "ROLE",
    "SEED_DOCUMENT",
    "Scenario",
    "demo_world",
    "scenarios",
]

SOURCE = "111111111111"
TARGET = "222222222222"
ALICE = f"arn:aws:iam::{SOURCE}:user/alice"
ROLE = f"arn:aws:iam::{TARGET}:role/CrossAccountS3Reader"
BUCKET = "arn:aws:s3:::prod-bucket"
EXTERNAL_ID = "my-secret-123"
# A pinned clock so that the demo prints the same session every time.
DEMO_NOW = _dt.datetime(2026, 6, 15, 12, 45, tzinfo=_dt.UTC)

TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
        }
    ],
}
ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}],
}

SEED_DOCUMENT: dict[str, Any] = {
    "accounts": {
        SOURCE: {
            "alias": "source",
            "policies": {"AssumeProdReader": ASSUME},
            "users": {"alice": {"policies": ["AssumeProdReader"], "tags": {"team": "platform"}}},
        },
        TARGET: {
            "alias": "target",
            "roles": {
                "CrossAccountS3Reader": {
                    "trust_policy": TRUST,
                    "policies": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                }
            },
            "resources": {BUCKET: {}},
        },
    }
}
"""The seed world as a world document (the same structure `World.load` reads)."""


def demo_world() -> World:
    """The seed world, built from its parts."""
    return World(
        accounts=(
            Account(
                id=SOURCE,
                alias="source",
                policies=(("AssumeProdReader", Policy.from_json(ASSUME, kind="identity")),),
                users=(User(ALICE, policies=["AssumeProdReader"], tags={"team": "platform"}),),
            ),
            Account(
                id=TARGET,
                alias="target",
                roles=(
                    Role(
                        ROLE,
                        trust_policy=TRUST,
                        policies=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                    ),
                ),
                resources=(Resource(BUCKET, account=TARGET),),
            ),
        )
    )


@attrs.frozen
class Scenario:
    """One story of the demo: a world, a call, and what the page says about it."""

    key: str
    title: str
    story: str
    world: World
    call: Mapping[str, Any]
    command: str

    def run(self) -> Decision:
        args = dict(self.call)
        kind = args.pop("kind")
        if kind == "assume_role":
            return self.world.assume_role(now=DEMO_NOW, **args)
        return self.world.simulate(now=DEMO_NOW, **args)


def _edit_user(world: World, change: Callable[[User], User]) -> World:
    user = world.user(ALICE)
    assert user is not None
    return world.replace(user, change(user))


def _edit_role(world: World, change: Callable[[Role], Role]) -> World:
    role = world.role(ROLE)
    assert role is not None
    return world.replace(role, change(role))


def _cli(*flags: str, world: str | None = None) -> str:
    """The equivalent command; `world` says how the scenario's world differs from the seed."""
    base = [
        "iamsim assume-role",
        f"--caller {ALICE}",
        f"--role-arn {ROLE}",
        "--role-session-name dev-session",
    ]
    command = " \\\n    ".join([*base, *flags])
    return f"# against {world}\n{command}" if world else command


def _guardrail_org(scp: dict[str, Any]) -> Organization:
    return Organization(
        id="o-a1b2c3d4e5",
        management_account="999999999999",
        root=OrgUnit(
            name="Root",
            accounts=("999999999999",),
            children=(
                OrgUnit(
                    name="Workloads",
                    scps=("FullAWSAccess", "DenyAssumeRole"),
                    accounts=(SOURCE, TARGET),
                ),
            ),
        ),
        policies=(("DenyAssumeRole", Policy.from_json(scp, kind="scp")),),
    )


def scenarios() -> tuple[Scenario, ...]:
    """The allowed case, each classic failure of the seed page, then the guardrails."""
    seed = demo_world()
    assume = {
        "kind": "assume_role",
        "caller": ALICE,
        "role_arn": ROLE,
        "session_name": "dev-session",
        "external_id": EXTERNAL_ID,
    }
    no_identity = _edit_user(seed, lambda u: attrs.evolve(u, policies=()))
    other_trust = {
        **TRUST,
        "Statement": [
            {**TRUST["Statement"][0], "Principal": {"AWS": "arn:aws:iam::333333333333:root"}}
        ],
    }
    trust_omits = _edit_role(seed, lambda r: attrs.evolve(r, trust_policy=other_trust))
    deny_scp = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NoRoleAssumption",
                "Effect": "Deny",
                "Action": "sts:AssumeRole",
                "Resource": "*",
            }
        ],
    }
    org_world = World(
        accounts=(*seed.accounts, Account(id="999999999999", alias="management")),
        organization=_guardrail_org(deny_scp),
    )
    boundary = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    bounded = _edit_user(seed, lambda u: attrs.evolve(u, permissions_boundary=boundary))
    return (
        Scenario(
            "allowed",
            "Both halves agree: alice assumes the role",
            "The trust policy in 222222222222 trusts 111111111111 with the external ID, "
            "and alice's identity policy allows sts:AssumeRole on the role.",
            seed,
            assume,
            _cli(f"--external-id {EXTERNAL_ID}"),
        ),
        Scenario(
            "no-identity-allow",
            "The source user lacks sts:AssumeRole",
            "alice's account never granted her sts:AssumeRole on the role.",
            no_identity,
            assume,
            _cli(
                f"--external-id {EXTERNAL_ID}",
                world="the seed world with alice's identity policy removed",
            ),
        ),
        Scenario(
            "trust-omits-source",
            "The trust policy omits the source account",
            "The role trusts 333333333333 instead of 111111111111.",
            trust_omits,
            assume,
            _cli(
                f"--external-id {EXTERNAL_ID}",
                world="the seed world with the role trusting 333333333333 instead",
            ),
        ),
        Scenario(
            "wrong-external-id",
            "The external ID is wrong",
            "alice passes an external ID that the trust policy does not expect.",
            seed,
            dict(assume, external_id="wrong-id"),
            _cli("--external-id wrong-id"),
        ),
        Scenario(
            "missing-external-id",
            "The external ID is missing",
            "alice calls AssumeRole without --external-id.",
            seed,
            {k: v for k, v in assume.items() if k != "external_id"},
            _cli(),
        ),
        Scenario(
            "scp-denies",
            "A service control policy denies sts:AssumeRole",
            "Both accounts sit in the Workloads OU, whose SCP denies sts:AssumeRole.",
            org_world,
            assume,
            _cli(
                f"--external-id {EXTERNAL_ID}",
                world="the seed world in an organization whose Workloads OU denies sts:AssumeRole",
            ),
        ),
        Scenario(
            "boundary",
            "A permissions boundary caps alice",
            "alice's boundary allows only s3:*, so her sts:AssumeRole grant is capped.",
            bounded,
            assume,
            _cli(
                f"--external-id {EXTERNAL_ID}",
                world="the seed world with a boundary on alice that allows only s3:*",
            ),
        ),
        Scenario(
            "tag-session",
            "Session tags without sts:TagSession",
            "alice passes a session tag, but the trust policy allows only sts:AssumeRole.",
            seed,
            dict(assume, tags={"project": "reports"}),
            _cli(f"--external-id {EXTERNAL_ID}", "--tags Key=project,Value=reports"),
        ),
    )
