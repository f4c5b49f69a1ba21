"""Organizations policies from infrastructure as code: SCPs, RCPs and their attachments.

AWS behaviour followed (AWS Organizations User Guide and API Reference):

- SCPs and RCPs are attached to the root (`r-…`), an OU (`ou-…-…`) or an account (12 digits)
  (https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html);
  every level from the root down to the account must allow a request, so a Deny at any
  level on the account's path denies it
  (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
- When SCPs are enabled, AWS attaches its FullAWSAccess SCP to the root, every OU and every
  account; it stays until detached, and attaching another SCP does not detach it
  (https://docs.aws.amazon.com/organizations/latest/APIReference/API_DetachPolicy.html).
  RCPFullAWSAccess is attached at every level and cannot be detached
  (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html).
- SCPs do not affect the management account
  (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
- Tag, backup and the other management policy types do not authorize requests.

The plans are Terraform's own output (Terraform 1.11, AWS provider 5.100), made offline from
the configurations beside them: `scps.tfplan.json` from scps-terraform/ (policies and
attachments only), `org.tfplan.json` from org-terraform/ with its terraform.tfstate (the
organization as `terraform import` leaves it), `org-new.tfplan.json` from org-terraform/
without a state (a new organization: every id unknown).
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim

DATA = Path(__file__).parents[1] / "data" / "iac"
SCPS_PLAN = DATA / "scps.tfplan.json"
ORG_PLAN = DATA / "org.tfplan.json"
NEW_ORG_PLAN = DATA / "org-new.tfplan.json"
SCPS_TEMPLATE = DATA / "scps.yaml"

M, DEV, PROD, OUTSIDE = "999999999999", "111111111111", "222222222222", "333333333333"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
BUCKET = "arn:aws:s3:::prod-data"


def _admin(account: str) -> dict[str, Any]:
    return {
        "trust_policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "policies": [ADMIN],
    }


def _bucket_policy() -> dict[str, Any]:
    """The prod bucket lets the outside account read it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"},
                "Action": "s3:GetObject",
                "Resource": f"{BUCKET}/*",
            }
        ],
    }


def _org_document(
    *, root_id: str | None = "r-ab12", ou_id: str = "ou-ab12-workload", **org: Any
) -> dict[str, Any]:
    """The organization the plans attach to: dev in Workloads, prod in Workloads/Prod."""
    root: dict[str, Any] = {
        "accounts": [M],
        "ous": {
            "Workloads": {
                "id": ou_id,
                "accounts": [DEV],
                "ous": {"Prod": {"id": "ou-ab12-22222222", "accounts": [PROD]}},
            }
        },
    }
    if root_id is not None:
        root["id"] = root_id
    return {
        "organization": {"id": "o-a1b2c3d4e5", "management_account": M, "root": root, **org},
        "accounts": {
            M: {"roles": {"admin": _admin(M)}, "resources": {_bucket(M): {}}},
            DEV: {"roles": {"admin": _admin(DEV)}, "resources": {_bucket(DEV): {}}},
            PROD: {
                "roles": {"admin": _admin(PROD)},
                "resources": {BUCKET: {"policy": _bucket_policy()}},
            },
        },
    }


def _outsider() -> iamsim.World:
    return iamsim.World.from_dict(
        {"accounts": {OUTSIDE: {"users": {"eve": {"policies": [ADMIN]}}}}}
    )


def _bucket(account: str) -> str:
    """A bucket of the account, without a bucket policy (its own roles' policies decide)."""
    return f"arn:aws:s3:::bucket-{account}"


US = {"aws:RequestedRegion": "us-east-1"}


def _role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/admin"


def _denials(decision: iamsim.Decision) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (d.policy_type, d.side, d.policy, d.attached_to) for d in decision.denied_by if d.explicit
    ]


@pytest.fixture(scope="module")
def scps_world() -> iamsim.World:
    return iamsim.World.from_terraform(SCPS_PLAN)


@pytest.fixture(scope="module")
def merged(scps_world: iamsim.World) -> iamsim.World:
    return iamsim.World.merge(iamsim.World.from_dict(_org_document()), scps_world, _outsider())


# -- a plan of policies and attachments, merged with the organization ---------------------


def test_scp_on_an_ou_denies_below_it(merged: iamsim.World) -> None:
    """The SCP attached to the Workloads OU denies s3:DeleteBucket in Workloads and in the
    OU below it (every level on the path must allow), on the caller's side."""
    for account in (DEV, PROD):
        d = merged.simulate(_role(account), "s3:DeleteBucket", BUCKET)
        assert not d.allowed
        assert _denials(d) == [("scp", "source", "Guardrails", "ou:Workloads")]


def test_scps_leave_the_management_account_alone(merged: iamsim.World) -> None:
    """SCPs do not affect the management account, even under the root the RCP is on."""
    assert merged.simulate(_role(M), "s3:DeleteBucket", _bucket(M)).allowed


def test_full_aws_access_stays_attached(merged: iamsim.World) -> None:
    """Attaching Guardrails does not detach FullAWSAccess: what Guardrails does not deny
    stays allowed (a deny-list strategy)."""
    assert merged.simulate(_role(DEV), "s3:ListBucket", _bucket(DEV), US).allowed
    org = merged.organization
    assert org is not None
    [workloads] = org.root.children
    assert workloads.scps == ("FullAWSAccess", "Guardrails")


def test_region_lock(merged: iamsim.World) -> None:
    """The SCP's region lock: outside us-east-1 and eu-west-1 only IAM, STS and Organizations."""
    away = {"aws:RequestedRegion": "ap-south-1"}
    d = merged.simulate(_role(DEV), "ec2:RunInstances", "*", away)
    assert not d.allowed and _denials(d) == [("scp", "source", "Guardrails", "ou:Workloads")]
    assert merged.simulate(_role(DEV), "iam:ListRoles", "*", away).allowed
    near = {"aws:RequestedRegion": "eu-west-1"}
    assert merged.simulate(_role(DEV), "ec2:RunInstances", "*", near).allowed


def test_rcp_on_the_root_denies_outsiders_on_the_resource_side(merged: iamsim.World) -> None:
    """The RCP attached to the root denies a principal outside the organization reading the
    prod bucket, which its bucket policy allows; a member reading it is not denied by it."""
    eve = f"arn:aws:iam::{OUTSIDE}:user/eve"
    d = merged.simulate(eve, "s3:GetObject", f"{BUCKET}/report.csv")
    assert not d.allowed
    assert _denials(d) == [("rcp", "target", "DataPerimeter", "root")]
    inside = merged.simulate(_role(DEV), "s3:GetObject", f"{BUCKET}/report.csv")
    assert all(x.policy_type != "rcp" for x in inside.denied_by)


def test_tag_policies_are_left_out(merged: iamsim.World) -> None:
    """A TAG_POLICY does not authorize requests: neither it nor its attachment is read."""
    org = merged.organization
    assert org is not None
    assert sorted(name for name, _ in org.policies) == ["DataPerimeter", "Guardrails"]
    assert dict(org.account_scps).get(PROD) is None


def test_merge_order_does_not_matter(scps_world: iamsim.World) -> None:
    org = iamsim.World.from_dict(_org_document())
    assert iamsim.World.merge(scps_world, org) == iamsim.World.merge(org, scps_world)


def test_merged_world_round_trips(merged: iamsim.World) -> None:
    """The merged world's document keeps the attachments (and the OU ids)."""
    again = iamsim.World.from_dict(merged.to_dict())
    d = again.simulate(_role(PROD), "s3:DeleteBucket", BUCKET)
    assert _denials(d) == [("scp", "source", "Guardrails", "ou:Workloads")]


def test_a_root_without_id_is_the_root(scps_world: iamsim.World) -> None:
    """An organization has exactly one root: when the tree gives its root no id, any root
    id the plan names is that root."""
    org = iamsim.World.from_dict(_org_document(root_id=None))
    world = iamsim.World.merge(org, scps_world, _outsider())
    d = world.simulate(f"arn:aws:iam::{OUTSIDE}:user/eve", "s3:GetObject", f"{BUCKET}/x")
    assert _denials(d) == [("rcp", "target", "DataPerimeter", "root")]


def test_two_fragments_merge_then_attach(scps_world: iamsim.World) -> None:
    """Fragments merge with each other; the tree comes later."""
    extra = copy.deepcopy(json.loads(SCPS_PLAN.read_text("utf-8")))
    for resource in extra["planned_values"]["root_module"]["resources"]:
        if resource["type"] == "aws_organizations_policy":
            resource["values"]["name"] = "Other" + resource["values"]["name"]
    both = iamsim.World.merge(scps_world, iamsim.World.from_terraform(extra))
    assert both.org_fragment is not None
    world = iamsim.World.merge(both, iamsim.World.from_dict(_org_document()))
    org = world.organization
    assert org is not None
    [workloads] = org.root.children
    assert workloads.scps == ("FullAWSAccess", "Guardrails", "OtherGuardrails")


# -- errors --------------------------------------------------------------------------------


def test_a_fragment_alone_decides_nothing(scps_world: iamsim.World) -> None:
    """Unmerged, the plan's SCPs cannot be placed: every question is refused rather than
    answered without them."""
    assert scps_world.org_fragment is not None
    with pytest.raises(iamsim.WorldError, match="merge with a world describing the organization"):
        scps_world.simulate(_role(DEV), "s3:DeleteBucket", BUCKET)
    with pytest.raises(iamsim.WorldError, match="Guardrails, DataPerimeter"):
        scps_world.to_dict()
    with pytest.raises(iamsim.WorldError, match="merge with a world"):
        scps_world.findings()
    from iamsim.inputs.terraform import terraform_document

    with pytest.raises(iamsim.WorldError, match="merge with a world"):
        terraform_document(json.loads(SCPS_PLAN.read_text("utf-8")))


def test_unknown_target_is_named(scps_world: iamsim.World) -> None:
    """A target the organization does not have is an error naming it and the attachment."""
    org = iamsim.World.from_dict(_org_document(ou_id="ou-ab12-elsewhere"))
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.merge(org, scps_world)
    [problem] = caught.value.problems
    assert problem.path.endswith("aws_organizations_policy_attachment.guardrails_workloads")
    assert "target ou-ab12-workload is not the root, an OU or an account" in problem.message


def test_policy_described_twice() -> None:
    """A policy name both worlds describe is an error, whichever holds the tree."""
    document = _org_document(policies={"Guardrails": _SCP})
    fragment = iamsim.World.from_terraform(SCPS_PLAN)
    with pytest.raises(iamsim.WorldError, match="'Guardrails' is also described by worlds"):
        iamsim.World.merge(iamsim.World.from_dict(document), fragment)
    stack = iamsim.World.from_cloudformation(SCPS_TEMPLATE, account=M)
    with pytest.raises(iamsim.WorldError, match="'Guardrails' is also described by"):
        iamsim.World.merge(fragment, stack)


def test_two_trees_are_still_an_error() -> None:
    plan = iamsim.World.from_terraform(ORG_PLAN)
    other = copy.deepcopy(_org_document())
    other["organization"]["id"] = "o-zzzzzzzzzz"
    with pytest.raises(iamsim.WorldError, match="a world has one organization"):
        iamsim.World.merge(plan, iamsim.World.from_dict(other))


def test_a_new_organization_is_known_only_after_apply() -> None:
    """A plan that creates the organization: its id, root, OUs' parents, new accounts and a
    policy whose content depends on the organization id are all unknown; each is named."""
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_terraform(NEW_ORG_PLAN)
    paths = {p.path for p in caught.value.problems}
    assert {
        "aws_organizations_organization.org.id",
        "aws_organizations_organization.org.roots",
        "aws_organizations_account.dev.id",
        "aws_organizations_organizational_unit.workloads.parent_id",
        "aws_organizations_policy.perimeter.content",
        "aws_organizations_policy_attachment.guardrails_workloads.target_id",
    } <= paths
    assert all("known only after apply" in p.message for p in caught.value.problems)


def test_a_malformed_target_is_named() -> None:
    plan = json.loads(SCPS_PLAN.read_text("utf-8"))
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_organizations_policy_attachment.guardrails_workloads":
            resource["values"]["target_id"] = "Workloads"
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_terraform(plan)
    [problem] = caught.value.problems
    assert problem.path == "aws_organizations_policy_attachment.guardrails_workloads"
    assert "neither a root id" in problem.message


def test_an_unknown_policy_type_is_named() -> None:
    plan = json.loads(SCPS_PLAN.read_text("utf-8"))
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_organizations_policy.guardrails":
            resource["values"]["type"] = "SERVICE_CONTROL"
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_terraform(plan)
    assert [p.path for p in caught.value.problems] == ["aws_organizations_policy.guardrails.type"]


def test_an_scp_that_is_not_a_valid_scp_is_named() -> None:
    """An SCP is checked as an SCP: a Principal element is not allowed in one."""
    plan = json.loads(SCPS_PLAN.read_text("utf-8"))
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_organizations_policy.guardrails":
            resource["values"]["content"] = json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
                    ],
                }
            )
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_terraform(plan)
    assert all(
        p.path.startswith("aws_organizations_policy.guardrails.content")
        for p in caught.value.problems
    )


# -- a plan holding the whole tree ----------------------------------------------------------


@pytest.fixture(scope="module")
def org_world() -> iamsim.World:
    return iamsim.World.from_terraform(ORG_PLAN)


def test_the_tree_from_the_plan(org_world: iamsim.World) -> None:
    """The organization, its OUs (with their ids) and accounts come from the plan; the
    management account sits at the root; FullAWSAccess stays attached where Guardrails is."""
    org = org_world.organization
    assert org is not None and org.id == "o-a1b2c3d4e5" and org.management_account == M
    assert org.root.id == "r-ab12" and org.root.accounts == (M,)
    [workloads] = org.root.children
    assert (workloads.name, workloads.id, workloads.accounts) == (
        "Workloads",
        "ou-ab12-11111111",
        (DEV,),
    )
    assert workloads.scps == ("FullAWSAccess", "Guardrails")
    [prod] = workloads.children
    assert (prod.name, prod.id, prod.accounts, prod.scps) == (
        "Prod",
        "ou-ab12-22222222",
        (PROD,),
        None,
    )
    assert dict(org.account_rcps) == {PROD: ("DataPerimeter",)}
    assert sorted(a.id for a in org_world.accounts) == [DEV, PROD, M]


def test_the_tree_plan_decides_alone(org_world: iamsim.World) -> None:
    """Alone, the plan's world decides: the SCP denies below Workloads; the RCP on the prod
    account denies an outsider reading its bucket."""
    prod = iamsim.World.from_dict(
        {
            "accounts": {
                PROD: {
                    "roles": {"admin": _admin(PROD)},
                    "resources": {BUCKET: {"policy": _bucket_policy()}},
                }
            }
        }
    )
    world = iamsim.World.merge(org_world, prod, _outsider())
    d = world.simulate(_role(PROD), "s3:DeleteBucket", BUCKET)
    assert _denials(d) == [("scp", "source", "Guardrails", "ou:Workloads")]
    eve = f"arn:aws:iam::{OUTSIDE}:user/eve"
    d = world.simulate(eve, "s3:GetObject", f"{BUCKET}/x")
    assert _denials(d) == [("rcp", "target", "DataPerimeter", f"account:{PROD}")]


def test_a_policy_type_not_enabled_is_named() -> None:
    """An RCP cannot be attached when the organization has not enabled RCPs."""
    plan = json.loads(ORG_PLAN.read_text("utf-8"))
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["type"] == "aws_organizations_organization":
            resource["values"]["enabled_policy_types"] = ["SERVICE_CONTROL_POLICY"]
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_terraform(plan)
    [problem] = caught.value.problems
    assert problem.path == "aws_organizations_policy_attachment.perimeter_prod"
    assert "RESOURCE_CONTROL_POLICY is not enabled" in problem.message


# -- CloudFormation --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cfn_merged() -> iamsim.World:
    stack = iamsim.World.from_cloudformation(SCPS_TEMPLATE, account=M)
    return iamsim.World.merge(iamsim.World.from_dict(_org_document()), stack, _outsider())


def test_cloudformation_policies_decide_as_the_plan(
    cfn_merged: iamsim.World, merged: iamsim.World
) -> None:
    """The template's SCP and RCP (Content as an object, and as JSON text) decide as the
    Terraform plan's."""
    calls = [
        (_role(DEV), "s3:DeleteBucket", BUCKET, None),
        (_role(PROD), "ec2:RunInstances", "*", {"aws:RequestedRegion": "ap-south-1"}),
        (_role(DEV), "s3:ListBucket", _bucket(DEV), US),
        (f"arn:aws:iam::{OUTSIDE}:user/eve", "s3:GetObject", f"{BUCKET}/x", None),
    ]
    for principal, action, resource, context in calls:
        a = cfn_merged.simulate(principal, action, resource, context)
        b = merged.simulate(principal, action, resource, context)
        assert (a.allowed, _denials(a)) == (b.allowed, _denials(b))


def test_cloudformation_fragment_alone_decides_nothing() -> None:
    stack = iamsim.World.from_cloudformation(SCPS_TEMPLATE, account=M)
    with pytest.raises(iamsim.WorldError, match="merge with a world describing the organization"):
        stack.simulate(_role(DEV), "s3:DeleteBucket", BUCKET)


def _template(**resources: Any) -> dict[str, Any]:
    return {"Resources": resources}


_SCP = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


def test_cloudformation_target_of_a_new_ou_is_named() -> None:
    """A new OU gets its id when Organizations creates it: a policy attached to it by Ref is
    an error naming the path, and the OU itself is left out with a warning."""
    template = _template(
        Sandbox={
            "Type": "AWS::Organizations::OrganizationalUnit",
            "Properties": {"Name": "Sandbox", "ParentId": "r-ab12"},
        },
        DenyAll={
            "Type": "AWS::Organizations::Policy",
            "Properties": {
                "Name": "DenyAll",
                "Type": "SERVICE_CONTROL_POLICY",
                "Content": _SCP,
                "TargetIds": [{"Ref": "Sandbox"}],
            },
        },
    )
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", iamsim.IamsimWarning)
        with pytest.raises(iamsim.WorldError) as caught:
            iamsim.World.from_cloudformation(template, account=M)
    [problem] = caught.value.problems
    assert problem.path == "Resources.DenyAll.Properties.TargetIds[0].Ref"
    assert "known only once the stack is deployed" in problem.message
    assert any(
        "Resources.Sandbox: a new OrganizationalUnit is left out" in str(w.message) for w in seen
    )


def test_cloudformation_resource_policy_is_not_an_scp() -> None:
    """AWS::Organizations::ResourcePolicy delegates Organizations administration; it is not
    an SCP and is warned about as unread."""
    template = _template(
        Delegation={
            "Type": "AWS::Organizations::ResourcePolicy",
            "Properties": {"Content": {"Version": "2012-10-17", "Statement": []}},
        },
        DenyAll={
            "Type": "AWS::Organizations::Policy",
            "Properties": {
                "Name": "DenyAll",
                "Type": "SERVICE_CONTROL_POLICY",
                "Content": _SCP,
                "TargetIds": [DEV],
            },
        },
    )
    with pytest.warns(iamsim.IamsimWarning, match="AWS::Organizations::ResourcePolicy"):
        stack = iamsim.World.from_cloudformation(template, account=M)
    world = iamsim.World.merge(iamsim.World.from_dict(_org_document()), stack)
    d = world.simulate(_role(DEV), "s3:ListBucket", _bucket(DEV))
    assert _denials(d) == [("scp", "source", "DenyAll", f"account:{DEV}")]
    assert world.simulate(_role(M), "s3:ListBucket", _bucket(M)).allowed


def test_cloudformation_problems_carry_file_lines(tmp_path: Path) -> None:
    text = SCPS_TEMPLATE.read_text("utf-8").replace("Type: TAG_POLICY", "Type: TAGS_POLICY")
    path = tmp_path / "scps.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_cloudformation(path, account=M)
    [problem] = caught.value.problems
    assert problem.path.endswith(": Resources.CostCenterTags.Properties.Type")
    assert problem.path.startswith(f"{path}:")


# -- property: an SCP denies exactly the accounts below where it is attached ----------------

_TARGETS = {
    "r-ab12": {DEV, PROD},
    "ou-ab12-workload": {DEV, PROD},
    "ou-ab12-22222222": {PROD},
    DEV: {DEV},
    PROD: {PROD},
    M: set(),
}


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(sorted(_TARGETS)), max_size=3))
def test_scp_denies_exactly_below_its_targets(targets: set[str]) -> None:
    """Attached anywhere, a deny-all SCP denies the member accounts at or below its targets
    and no other (never the management account)."""
    template = _template(
        DenyAll={
            "Type": "AWS::Organizations::Policy",
            "Properties": {
                "Name": "DenyAll",
                "Type": "SERVICE_CONTROL_POLICY",
                "Content": _SCP,
                "TargetIds": sorted(targets),
            },
        }
    )
    stack = iamsim.World.from_cloudformation(template, account=M)
    world = iamsim.World.merge(_ORG_WORLD, stack)
    below = set().union(*(_TARGETS[t] for t in targets)) if targets else set()
    for account in (M, DEV, PROD):
        d = world.simulate(_role(account), "iam:ListRoles", "*")
        assert d.allowed == (account not in below), (account, targets)


_ORG_WORLD = iamsim.World.from_dict(_org_document())


# -- the world document's root and OU ids ----------------------------------------------------


def test_unit_ids_are_checked() -> None:
    """Root ids are `r-` and 4-32 lowercase letters or digits, OU ids `ou-…-…`
    (Organizations API reference, Root and OrganizationalUnit); one id names one unit."""
    bad = _org_document(root_id="ou-ab12-11111111", ou_id="r-ab12")
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_dict(bad)
    assert sorted(p.path for p in caught.value.problems) == [
        "organization.root.id",
        "organization.root.ous.Workloads.id",
    ]
    twice = _org_document(ou_id="ou-ab12-22222222")
    with pytest.raises(iamsim.WorldError, match=r"is also the id of organization\.root\.ous"):
        iamsim.World.from_dict(twice)
    with pytest.raises(iamsim.WorldError, match="neither a root id"):
        iamsim.OrgUnit("Root", id="root")


def test_unit_ids_are_the_org_paths() -> None:
    """aws:PrincipalOrgPaths shows Organizations' own root and OU ids when the world has them."""
    world = iamsim.World.from_dict(_org_document())
    placement = world.placement(PROD)
    assert placement is not None
    assert placement.org_path == "o-a1b2c3d4e5/r-ab12/ou-ab12-workload/ou-ab12-22222222/"


def _with_policy_id(policy_id: str) -> dict[str, Any]:
    """The scps plan with the workloads attachment naming a policy by a known id."""
    plan: dict[str, Any] = json.loads(SCPS_PLAN.read_text("utf-8"))
    address = "aws_organizations_policy_attachment.guardrails_workloads"
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == address:
            resource["values"]["policy_id"] = policy_id
    for change in plan["resource_changes"]:
        if change["address"] == address:
            change["change"]["after_unknown"].pop("policy_id")
    return plan


def test_an_attachment_of_a_policy_the_input_lacks_is_named() -> None:
    """A policy attached by an id no policy of the input has cannot be read: an error."""
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_terraform(_with_policy_id("p-12345678"))
    [problem] = caught.value.problems
    assert problem.path == "aws_organizations_policy_attachment.guardrails_workloads"
    assert "attaches policy p-12345678" in problem.message


def test_attaching_full_aws_access_changes_nothing() -> None:
    """FullAWSAccess (p-FullAWSAccess) is attached everywhere already."""
    world = iamsim.World.from_terraform(_with_policy_id("p-FullAWSAccess"))
    assert world.org_fragment is not None
    assert [a.target for a in world.org_fragment.attachments] == ["r-ab12"]
    merged = iamsim.World.merge(_ORG_WORLD, world)
    assert merged.simulate(_role(DEV), "s3:DeleteBucket", _bucket(DEV)).allowed


# -- a plan that manages OUs and accounts, not the organization --------------------------------


def _without(plan_path: Path, *dropped: str, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """The plan without the resources of the `dropped` types (or only `keep` addresses)."""
    plan: dict[str, Any] = json.loads(plan_path.read_text("utf-8"))
    module = plan["planned_values"]["root_module"]
    module["resources"] = [
        r
        for r in module["resources"]
        if r["type"] not in dropped and (not keep or r["address"] in keep)
    ]
    return plan


def test_existing_ous_and_accounts_must_sit_where_the_tree_has_them() -> None:
    """OUs and accounts the plan keeps (known ids) are checked against the tree they merge
    into: where they are, the plan's policies attach; elsewhere, iamsim would have to move
    them, and says so."""
    plan = iamsim.World.from_terraform(_without(ORG_PLAN, "aws_organizations_organization"))
    fragment = plan.org_fragment
    assert fragment is not None
    assert {(p.target, p.parent) for p in fragment.placements} == {
        ("ou-ab12-11111111", "r-ab12"),
        ("ou-ab12-22222222", "ou-ab12-11111111"),
        (DEV, "ou-ab12-11111111"),
        (PROD, "ou-ab12-22222222"),
    }
    tree = iamsim.World.from_dict(_org_document(ou_id="ou-ab12-11111111"))
    world = iamsim.World.merge(
        tree,
        iamsim.World.from_terraform(
            _without(ORG_PLAN, "aws_organizations_organization", "aws_organizations_account")
        ),
    )
    d = world.simulate(_role(PROD), "s3:DeleteBucket", BUCKET)
    assert _denials(d) == [("scp", "source", "Guardrails", "ou:Workloads")]
    moved = _org_document(ou_id="ou-ab12-11111111")
    workloads = moved["organization"]["root"]["ous"]["Workloads"]
    workloads["accounts"].append(PROD)
    workloads["ous"]["Prod"]["accounts"] = []
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.merge(iamsim.World.from_dict(moved), plan)
    [problem] = caught.value.problems
    assert problem.path.endswith("aws_organizations_account.prod")
    assert f"keeps {PROD} under ou-ab12-22222222, but it is under ou-ab12-11111111" in (
        problem.message
    )


def test_a_new_account_without_its_organization_is_left_out() -> None:
    """A new account's id exists once Organizations creates it: left out with a warning."""
    plan = _without(
        NEW_ORG_PLAN,
        keep=("aws_organizations_account.dev", "aws_organizations_policy.guardrails"),
    )
    with pytest.warns(iamsim.IamsimWarning, match=r"aws_organizations_account\.dev\.id"):
        world = iamsim.World.from_terraform(plan)
    assert world.org_fragment is not None
    assert world.org_fragment.placements == ()
    assert [p.name for p in world.org_fragment.policies] == ["Guardrails"]


def test_cloudformation_policy_needs_name_type_and_content() -> None:
    """Name, Type and Content are required properties of AWS::Organizations::Policy."""
    template = _template(
        DenyAll={"Type": "AWS::Organizations::Policy", "Properties": {"TargetIds": [DEV]}}
    )
    with pytest.raises(iamsim.WorldError) as caught:
        iamsim.World.from_cloudformation(template, account=M)
    assert [p.path for p in caught.value.problems] == [
        "Resources.DenyAll.Properties.Name",
        "Resources.DenyAll.Properties.Type",
        "Resources.DenyAll.Properties.Content",
    ]
