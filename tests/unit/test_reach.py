"""who_can / reachable_from examples, each pinned to the AWS behaviour it follows."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs
import pytest

import iamsim
from iamsim.questions.reach import ASSUME

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
A, B, OUT = "111111111111", "222222222222", "999999999999"
USER = f"arn:aws:iam::{A}:user/dev"
ROLE = f"arn:aws:iam::{B}:role/Target"
BUCKET = "arn:aws:s3:::data"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _trust(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": ASSUME}
    if condition:
        stmt["Condition"] = condition
    return _doc(stmt)


ASSUME_ANY = _doc({"Effect": "Allow", "Action": ASSUME, "Resource": "*"})
READ = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"})


def _world(trust: dict[str, Any], *more: Any) -> iamsim.World:
    return iamsim.World.of(
        iamsim.User(USER, policies=[ASSUME_ANY]),
        iamsim.Role(ROLE, trust_policy=trust, policies=[READ]),
        iamsim.Resource(BUCKET, account=B),
        *more,
    )


def test_seed_world_external_id_is_the_condition_the_path_needs() -> None:
    """Seed page: the role requires sts:ExternalId my-secret-123 (IAM User Guide,
    "Access to AWS accounts owned by third parties")."""
    world = iamsim.World.demo()
    answer = world.who_can("s3:GetObject", "arn:aws:s3:::prod-bucket/report.csv", now=NOW)
    alice = next(a for a in answer if a.principal == "arn:aws:iam::111111111111:user/alice")
    assert alice.via == ("arn:aws:iam::222222222222:role/CrossAccountS3Reader",)
    (cond,) = alice.conditions
    assert (cond.hop, cond.key, cond.operator, cond.values) == (
        0,
        "sts:ExternalId",
        "StringEquals",
        ("my-secret-123",),
    )
    hop, final = alice.path
    assert hop.allowed and hop.operation == "AssumeRole" and final.allowed
    assert final.caller.startswith("arn:aws:sts::222222222222:assumed-role/")


def test_mfa_condition_is_met_by_signing_in_with_mfa() -> None:
    """aws:MultiFactorAuthPresent is true when the AssumeRole call carries an MFA serial
    number and code (IAM User Guide, "Configuring MFA-protected API access")."""
    world = _world(
        _trust({"AWS": f"arn:aws:iam::{A}:root"}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    )
    (access,) = world.reachable_from(USER, now=NOW)
    assert [c.key for c in access.conditions] == ["aws:MultiFactorAuthPresent"]
    (hop,) = access.path
    assert hop.allowed and hop.session is not None and hop.session.mfa_authenticated


def test_source_ip_condition_gets_an_address_inside_the_range() -> None:
    """IpAddress matches an address inside the CIDR (IAM User Guide, "IP address
    condition operators")."""
    world = _world(
        _trust(
            {"AWS": f"arn:aws:iam::{A}:root"}, {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}
        )
    )
    (access,) = world.reachable_from(USER, now=NOW)
    (cond,) = access.conditions
    assert cond.key == "aws:SourceIp" and cond.value == "198.51.100.0"
    assert access.path[0].allowed


def test_organization_condition_is_a_fact_never_invented() -> None:
    """aws:PrincipalOrgID comes from the caller's account, not from the request (IAM User
    Guide, "AWS global condition context keys"): a caller outside that organization is
    not listed."""
    world = _world(
        _trust(
            {"AWS": f"arn:aws:iam::{A}:root"},
            {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
        )
    )
    assert len(world.reachable_from(USER, now=NOW)) == 0
    assert [a.principal for a in world.who_can("s3:GetObject", f"{BUCKET}/k", now=NOW)] == [ROLE]


def test_foreign_account_root_stands_for_the_whole_account() -> None:
    """A trust policy naming an account's root trusts every principal of that account its
    administrators allow (IAM User Guide, "Specifying a principal": AWS account principals)."""
    world = _world(_trust({"AWS": f"arn:aws:iam::{OUT}:root"}))
    answer = world.who_can("s3:GetObject", f"{BUCKET}/k", now=NOW)
    outsider = next(a for a in answer if a.principal == f"arn:aws:iam::{OUT}:root")
    assert outsider.whole_account and outsider.kind == "foreign" and outsider.via == (ROLE,)
    hop, final = outsider.path
    assert all(d.side == "source" for d in hop.denied_by)  # the world holds none of its policies
    assert final.allowed
    assert USER not in answer.principals()  # the trust names only the outside account


def test_service_principal_named_in_the_trust_policy() -> None:
    """A service principal in a trust policy may assume the role (IAM User Guide, "AWS
    service principals")."""
    world = _world(_trust({"Service": "ec2.amazonaws.com"}))
    answer = world.who_can("s3:GetObject", f"{BUCKET}/k", now=NOW)
    assert answer.principals() == (ROLE, "ec2.amazonaws.com")  # in ARN/name order
    assert answer[1].kind == "service" and all(d.allowed for d in answer[1].path)
    assert [a.target for a in world.reachable_from("ec2.amazonaws.com", now=NOW)] == [ROLE]


def test_chain_of_roles_up_to_max_hops() -> None:
    """Role chaining: a role session may assume another role (IAM User Guide, "Role
    chaining"); the chain is cut at max_hops."""
    middle = f"arn:aws:iam::{A}:role/Middle"
    world = iamsim.World.of(
        iamsim.User(
            USER, policies=[_doc({"Effect": "Allow", "Action": ASSUME, "Resource": middle})]
        ),
        iamsim.Role(middle, trust_policy=_trust({"AWS": USER}), policies=[ASSUME_ANY]),
        iamsim.Role(ROLE, trust_policy=_trust({"AWS": middle}), policies=[READ]),
        iamsim.Resource(BUCKET, account=B),
    )
    reach = world.reachable_from(USER, now=NOW)
    assert [(a.target, a.via) for a in reach] == [(middle, ()), (ROLE, (middle,))]
    assert len(world.reachable_from(USER, 1, now=NOW)) == 1
    who = world.who_can("s3:GetObject", f"{BUCKET}/k", max_hops=2, now=NOW)
    assert {a.principal: a.hops for a in who} == {USER: 2, middle: 1, ROLE: 0}
    assert [d.allowed for d in who[-1].path] == [True]


def test_assume_graph_lists_each_direct_edge() -> None:
    world = _world(_trust({"AWS": f"arn:aws:iam::{A}:root"}))
    graph = world.assume_graph()
    assert [(e.caller, e.role) for e in graph.edges] == [(USER, ROLE)]
    assert graph.successors(USER) == (ROLE,)
    assert USER in graph.nodes and ROLE in graph.nodes


def test_html_is_an_inline_svg_without_script() -> None:
    world = iamsim.World.demo()
    html = world.who_can("s3:GetObject", "arn:aws:s3:::prod-bucket/report.csv")._repr_html_()
    assert "<svg" in html and "<script" not in html.lower()
    assert "CrossAccountS3Reader" in html and "sts:ExternalId" in html


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: w.who_can("s3:GetObject", BUCKET, max_hops=-1), "max_hops"),
        (lambda w: w.who_can("s3:GetObject", BUCKET, context=["x"]), "context must be"),
        (lambda w: w.who_can("nocolon", BUCKET), "nocolon"),
        (lambda w: w.reachable_from(f"arn:aws:iam::{A}:user/nobody"), "no user"),
    ],
)
def test_bad_input_raises_validation_error(call: Any, message: str) -> None:
    with pytest.raises(iamsim.IamsimError, match=message):
        call(iamsim.World.demo())


def test_a_region_lock_names_the_region_the_path_needs() -> None:
    # IAM User Guide, condition operators: StringNotEquals on a key the request lacks
    # matches, so a region-locking Deny applies to a request with no region. A real call
    # always carries aws:RequestedRegion, chosen by the caller: the path is listed with the
    # region it needs, and replays allowed with it.
    lock = {
        "Effect": "Deny",
        "NotAction": "iam:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    policy = {"Version": "2012-10-17", "Statement": [allow, lock]}
    world = iamsim.World.from_dict(
        {
            "accounts": {
                "111111111111": {
                    "users": {"alice": {"policies": [policy]}},
                    "resources": {"arn:aws:s3:::data": {}},
                }
            }
        }
    )
    (access,) = world.who_can("s3:GetObject", "arn:aws:s3:::data/k")
    assert access.principal == "arn:aws:iam::111111111111:user/alice"
    assert [(c.key, c.value) for c in access.conditions] == [("aws:RequestedRegion", "eu-west-1")]
    assert all(d.allowed for d in access.path)
    in_us = attrs.evolve(world, default_region="us-east-1")
    assert list(in_us.who_can("s3:GetObject", "arn:aws:s3:::data/k")) == []
