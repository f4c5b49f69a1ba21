"""World.from_terraform: `terraform show -json` plans and states read as worlds.

The format is Terraform's "JSON Output Format"
(https://developer.hashicorp.com/terraform/internals/json-format): `planned_values` for a
plan, `values` for a state, `resource_changes[].change.after_unknown` for what is known only
after apply, `configuration` for the references each expression makes.

The plans under tests/data/iac/ are Terraform's own output (Terraform 1.11, AWS provider
5.100), made offline from the configurations beside them (`*-terraform/main.tf`).
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import iac_seed
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iamsim

DATA = Path(__file__).parents[1] / "data" / "iac"
SEED_PLAN = DATA / "seed.tfplan.json"
KINDS_PLAN = DATA / "kinds.tfplan.json"
ACCOUNTS = {"aws.source": "111111111111", "aws.target": "222222222222"}


def _plan(path: Path = SEED_PLAN) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def seed_world() -> iamsim.World:
    return iamsim.World.from_terraform(SEED_PLAN, accounts=ACCOUNTS)


@pytest.fixture(scope="module")
def kinds_world() -> iamsim.World:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", iamsim.IamsimWarning)
        return iamsim.World.from_terraform(str(KINDS_PLAN), account="222222222222")


# -- the seed, as a plan ----------------------------------------------------------------


@pytest.mark.parametrize(("case", "call"), iac_seed.seed_calls(), ids=lambda v: str(v)[:60])
def test_seed_plan_decides_as_the_demo(
    seed_world: iamsim.World, case: str, call: dict[str, Any]
) -> None:
    """The seed page's two accounts, written in Terraform, answer every seed request as
    World.demo() does (outcome and every denial)."""
    assert iac_seed.run(seed_world, call) == iac_seed.run(iamsim.World.demo(), call), case


def test_seed_plan_holds_the_seed_entities(seed_world: iamsim.World) -> None:
    role = seed_world.role(iac_seed.ROLE)
    assert role is not None
    assert role.policies == ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",)
    alice = seed_world.user(iac_seed.ALICE)
    assert alice is not None and dict(alice.tags) == {"team": "platform"}
    # The attachment's policy_arn is unknown in the plan (the policy is new): it comes from
    # the aws_iam_policy resource its configuration references, never from a guess.
    assert alice.policies == ("arn:aws:iam::111111111111:policy/AssumeProdReader",)


def test_a_parsed_plan_is_read_like_the_file() -> None:
    world = iamsim.World.from_terraform(_plan(), accounts=ACCOUNTS)
    assert world.to_dict() == iamsim.World.from_terraform(SEED_PLAN, accounts=ACCOUNTS).to_dict()


def test_bare_aliases_name_accounts_too() -> None:
    world = iamsim.World.from_terraform(
        _plan(), accounts={"source": "111111111111", "target": "222222222222"}
    )
    assert world.role(iac_seed.ROLE) is not None


def test_account_argument_takes_every_resource_without_its_own() -> None:
    """API.md's call: one account for what neither an ARN nor a provider places."""
    world = iamsim.World.from_terraform(SEED_PLAN, account="222222222222")
    assert world.user("arn:aws:iam::222222222222:user/alice") is not None
    assert [a.id for a in world.accounts] == ["222222222222"]


def test_provider_allowed_account_ids_say_the_account() -> None:
    plan = _plan()
    for key, account in ACCOUNTS.items():
        expressions = plan["configuration"]["provider_config"][key]["expressions"]
        expressions["allowed_account_ids"] = {"constant_value": [account]}
    world = iamsim.World.from_terraform(plan)
    assert {a.id for a in world.accounts} == {"111111111111", "222222222222"}


def test_provider_assume_role_arn_says_the_account() -> None:
    plan = _plan()
    for key, account in ACCOUNTS.items():
        plan["configuration"]["provider_config"][key]["expressions"]["assume_role"] = [
            {"role_arn": {"constant_value": f"arn:aws:iam::{account}:role/terraform"}}
        ]
    assert iamsim.World.from_terraform(plan).role(iac_seed.ROLE) is not None


def test_no_account_is_an_error_naming_each_address() -> None:
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_terraform(SEED_PLAN)
    text = str(info.value)
    assert "aws_iam_role.reader: cannot tell the account of aws_iam_role.reader" in text
    assert "account=" in text


def test_a_module_with_a_passed_provider() -> None:
    """Terraform's plan of module-terraform/: a child module given `aws.target`. Its
    resources carry the parent's provider key, and a reference inside the module
    (`aws_iam_policy.extra.arn`) names the module's own resource."""
    world = iamsim.World.from_terraform(
        DATA / "module.tfplan.json", accounts={"aws.target": "222222222222"}
    )
    role = world.role(iac_seed.ROLE)
    assert role is not None
    assert sorted(p for p in role.policies if isinstance(p, str)) == [
        "arn:aws:iam::222222222222:policy/ReaderExtra",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    ]
    source = iamsim.World.demo().to_dict()["accounts"]["111111111111"]
    world = iamsim.World.merge(
        world, iamsim.World.from_dict({"accounts": {"111111111111": source}})
    )
    session = world.assume_role(
        iac_seed.ALICE,
        role_arn=iac_seed.ROLE,
        session_name="dev-session",
        external_id="my-secret-123",
    ).session
    assert session is not None
    denied = world.simulate(session, "s3:DeleteObject", "arn:aws:s3:::prod-bucket/a.csv")
    assert denied.outcome == "explicitDeny"


# -- values known only after apply --------------------------------------------------------


def test_a_policy_known_only_after_apply_is_an_error_naming_it() -> None:
    """Terraform's own plan (unknown-terraform/main.tf): a trust policy naming another new
    role's unique ID cannot be known before apply (`after_unknown` marks it, JSON Output
    Format); iamsim says so and guesses nothing."""
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_terraform(DATA / "unknown.tfplan.json", account="222222222222")
    assert info.value.problems[0].path == "aws_iam_role.deploy.assume_role_policy"
    assert str(info.value).startswith(
        "aws_iam_role.deploy.assume_role_policy: known only after apply"
    )


def test_an_unknown_reference_outside_the_plan_is_an_error() -> None:
    plan = _plan()
    config = plan["configuration"]["root_module"]["resources"]
    attachment = next(
        r for r in config if r["address"] == "aws_iam_user_policy_attachment.alice_assume"
    )
    attachment["expressions"]["policy_arn"] = {"references": ["module.shared.policy_arn"]}
    with pytest.raises(
        iamsim.WorldError,
        match=r"aws_iam_user_policy_attachment\.alice_assume"
        r"\.policy_arn: known only after apply",
    ):
        iamsim.World.from_terraform(plan, accounts=ACCOUNTS)


def test_a_new_kms_key_is_left_out_with_a_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", iamsim.IamsimWarning)
        world = iamsim.World.from_terraform(KINDS_PLAN, account="222222222222")
    assert any(
        "aws_kms_key.data.arn: known only after apply; the resource is left out" in str(w.message)
        for w in caught
    )
    assert not any(":kms:" in r.arn for a in world.accounts for r in a.resources)


def test_an_unread_policy_type_warns() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", iamsim.IamsimWarning)
        iamsim.World.from_terraform(KINDS_PLAN, account="222222222222")
    assert any(
        "aws_lambda_permission.from_sns: iamsim does not read aws_lambda_permission"
        in str(w.message)
        for w in caught
    )


# -- every resource type ------------------------------------------------------------------


def test_groups_memberships_and_inline_policies(kinds_world: iamsim.World) -> None:
    """bob is in readers (aws_iam_user_group_membership), whose inline policy allows
    sqs:ReceiveMessage; his own inline Deny beats the group's managed allow."""
    bob = "arn:aws:iam::222222222222:user/staff/bob"
    reports = "arn:aws:s3:::reports-222222222222/q1.csv"
    assert kinds_world.simulate(
        bob, "sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:222222222222:jobs"
    ).allowed
    assert kinds_world.simulate(bob, "s3:GetObject", reports).allowed
    denied = kinds_world.simulate(bob, "s3:DeleteObject", reports)
    assert denied.outcome == "explicitDeny"


def test_role_policy_and_policy_attachment(kinds_world: iamsim.World) -> None:
    role = kinds_world.role("arn:aws:iam::222222222222:role/worker")
    assert role is not None
    assert "arn:aws:iam::222222222222:policy/ReadReports" in role.policies
    assert len(role.policies) == 2  # the managed policy and the inline logs policy


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:GetObject", "arn:aws:s3:::reports-222222222222/q1.csv"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:222222222222:jobs"),
        ("sns:Publish", "arn:aws:sns:us-east-1:222222222222:alerts"),
    ],
)
def test_resource_policies_grant_the_partner(
    action: str, resource: str, kinds_world: iamsim.World
) -> None:
    """The bucket, queue and topic policies grant 333333333333 (a caller allowed by its own
    identity policy): the cross-account request is allowed by the resource policy alone on
    the target side, as AWS's cross-account evaluation requires."""
    partner = iamsim.World.from_dict(
        {
            "accounts": {
                "333333333333": {
                    "users": {
                        "carol": {
                            "policies": [
                                {
                                    "Version": "2012-10-17",
                                    "Statement": [
                                        {"Effect": "Allow", "Action": "*", "Resource": "*"}
                                    ],
                                }
                            ]
                        }
                    }
                }
            }
        }
    )
    world = iamsim.World.merge(kinds_world, partner)
    assert world.simulate("arn:aws:iam::333333333333:user/carol", action, resource).allowed
    other = world.simulate(
        "arn:aws:iam::333333333333:user/carol",
        "s3:PutObject",
        "arn:aws:s3:::reports-222222222222/q1.csv",
    )
    assert not other.allowed


def test_a_kms_key_without_policy_gets_the_default_key_policy() -> None:
    """A key created without a policy gets KMS's default key policy, which lets the account's
    IAM policies decide (AWS KMS Developer Guide, "Default key policy")."""
    key = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    state = _state(
        [
            _res("aws_kms_key.data", "aws_kms_key", {"arn": key, "policy": None}),
        ]
    )
    # the state shows the policy AWS set; unset in a plan it is unknown and unconfigured
    plan = _as_plan(state, unknown={"aws_kms_key.data": {"policy": True}})
    world = iamsim.World.from_terraform(plan)
    resource = world.resource(key)
    assert resource is not None and resource.policy is not None
    assert "kms:*" in json.dumps(resource.policy.to_dict())


# -- a state -----------------------------------------------------------------------------


def _res(address: str, kind: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": address.rsplit(".", 1)[-1],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": values,
        "sensitive_values": {},
    }


def _state(resources: list[dict[str, Any]], child: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    root: dict[str, Any] = {"resources": resources}
    if child:
        root["child_modules"] = [{"address": "module.app", "resources": list(child)}]
    return {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": root}}


def _as_plan(state: dict[str, Any], unknown: dict[str, dict[str, Any]]) -> dict[str, Any]:
    plan = {
        "format_version": "1.2",
        "planned_values": copy.deepcopy(state["values"]),
        "resource_changes": [
            {"address": a, "change": {"actions": ["create"], "after_unknown": u}}
            for a, u in unknown.items()
        ],
        "configuration": {"root_module": {"resources": []}},
    }
    return plan


def test_a_state_places_resources_by_their_arns() -> None:
    """`terraform show -json` of a state: every value is known and ARNs say the account."""
    trust = json.dumps(iamsim.World.demo().role(iac_seed.ROLE).trust_policy.to_dict())  # type: ignore[union-attr]
    state = _state(
        [
            _res(
                "aws_iam_role.reader",
                "aws_iam_role",
                {
                    "arn": iac_seed.ROLE,
                    "name": "CrossAccountS3Reader",
                    "path": "/",
                    "assume_role_policy": trust,
                    "max_session_duration": 3600,
                    "permissions_boundary": None,
                    "tags": {},
                },
            ),
            _res(
                "aws_iam_role_policy_attachment.s3",
                "aws_iam_role_policy_attachment",
                {
                    "role": "CrossAccountS3Reader",
                    "policy_arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                },
            ),
        ],
        child=[
            _res(
                "module.app.aws_s3_bucket.prod",
                "aws_s3_bucket",
                {
                    "arn": "arn:aws:s3:::prod-bucket",
                    "bucket": "prod-bucket",
                    "policy": "",
                },
            ),
        ],
    )
    # The bucket's ARN has no account: account= places it (and the attachment).
    world = iamsim.World.from_terraform(state, account="222222222222")
    assert world.role(iac_seed.ROLE) is not None
    assert world.resource("arn:aws:s3:::prod-bucket") is not None


# -- bad input ---------------------------------------------------------------------------


def test_not_terraform_output_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"Resources": {}}')
    with pytest.raises(iamsim.WorldError, match="not the output of `terraform show -json`"):
        iamsim.World.from_terraform(path, account="222222222222")


def test_a_bad_policy_names_the_address_and_statement() -> None:
    plan = _plan()
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_iam_role.reader":
            doc = json.loads(resource["values"]["assume_role_policy"])
            doc["Statement"][0]["Effect"] = "Allowed"
            resource["values"]["assume_role_policy"] = json.dumps(doc)
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_terraform(plan, accounts=ACCOUNTS)
    # once: the role's attachment adds no "role not declared" problem
    [problem] = info.value.problems
    assert problem.path.startswith("aws_iam_role.reader.assume_role_policy.Statement[0].Effect")


def test_policy_text_that_is_not_json_is_an_error() -> None:
    plan = _plan()
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_iam_policy.assume_prod_reader":
            resource["values"]["policy"] = "{not json"
    with pytest.raises(
        iamsim.WorldError,
        match=r"aws_iam_policy\.assume_prod_reader\.policy: "
        "not JSON",
    ):
        iamsim.World.from_terraform(plan, accounts=ACCOUNTS)


def test_an_attachment_to_a_role_outside_the_plan_is_an_error() -> None:
    plan = _plan()
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_iam_role_policy_attachment.reader_s3":
            resource["values"]["role"] = "SomeOtherRole"
    with pytest.raises(
        iamsim.WorldError, match="role SomeOtherRole of account 222222222222 is not declared"
    ):
        iamsim.World.from_terraform(plan, accounts=ACCOUNTS)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(iamsim.WorldError, match="cannot read the file"):
        iamsim.World.from_terraform(tmp_path / "nope.json", account="222222222222")


def test_merge_with_the_rest_of_the_organization(seed_world: iamsim.World) -> None:
    """A plan of the target account alone, merged with a world of the source account: the
    change is tested against the account it will live in."""
    plan = _plan()
    root = plan["planned_values"]["root_module"]
    root["resources"] = [
        r
        for r in root["resources"]
        if r["address"]
        in ("aws_iam_role.reader", "aws_iam_role_policy_attachment.reader_s3", "aws_s3_bucket.prod")
    ]
    target = iamsim.World.from_terraform(plan, account="222222222222")
    source = iamsim.World.from_dict(
        {"accounts": {"111111111111": iamsim.World.demo().to_dict()["accounts"]["111111111111"]}}
    )
    world = iamsim.World.merge(source, target)
    call = iac_seed.SESSION
    assert iac_seed.run(world, call) == iac_seed.run(seed_world, call)


# -- properties ----------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "aws_iam_role",
        "aws_iam_policy",
        "aws_s3_bucket_policy",
        "aws_iam_policy_attachment",
        "address",
        "type",
        "values",
        "name",
        "policy",
        "roles",
        "users",
        "policy_arn",
        "arn",
        "assume_role_policy",
        "resources",
        "child_modules",
        "references",
        "after_unknown",
        "arn:aws:iam::222222222222:role/r",
        "{}",
        "aws_iam_role.r.name",
    ]
)
_TREES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=6), _WORDS),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(_WORDS, inner, min_size=1, max_size=3),
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(kind=_WORDS, values=_TREES, unknown=_TREES, config=_TREES, providers=_TREES)
def test_only_world_errors_escape(
    kind: str, values: Any, unknown: Any, config: Any, providers: Any
) -> None:
    """Whatever a plan holds, the reader builds a world document or raises WorldError:
    never another exception."""
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [{"address": f"{kind}.r", "type": kind, "values": values}],
                "child_modules": values,
            }
        },
        "resource_changes": [{"address": f"{kind}.r", "change": {"after_unknown": unknown}}],
        "configuration": {
            "provider_config": providers,
            "root_module": {
                "resources": [{"address": f"{kind}.r", "expressions": config}],
                "module_calls": config,
            },
        },
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", iamsim.IamsimWarning)
        try:
            iamsim.World.from_terraform(plan, account="222222222222")
        except iamsim.WorldError as exc:
            assert exc.problems


def test_a_roles_own_policy_lists_count_in_a_state_and_when_configured() -> None:
    """In a state, a role's `inline_policy` and `managed_policy_arns` are what the role has.
    In a plan they count only when the configuration sets them: unset, they echo the other
    policy resources as they were before the plan, and those resources decide."""
    deny = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
        }
    )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    role = _res(
        "aws_iam_role.r",
        "aws_iam_role",
        {
            "arn": "arn:aws:iam::222222222222:role/r",
            "name": "r",
            "path": "/",
            "assume_role_policy": trust,
            "inline_policy": [{"name": "old", "policy": deny}],
            "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        },
    )
    state = _state([role])
    in_state = iamsim.World.from_terraform(state).role("arn:aws:iam::222222222222:role/r")
    assert in_state is not None and len(in_state.policies) == 2
    plan = _as_plan(state, unknown={})
    in_plan = iamsim.World.from_terraform(plan).role("arn:aws:iam::222222222222:role/r")
    assert in_plan is not None and in_plan.policies == ()
    plan["configuration"]["root_module"]["resources"] = [
        {
            "address": "aws_iam_role.r",
            "provider_config_key": "aws",
            "expressions": {"inline_policy": [{"policy": {}}]},
        }
    ]
    configured = iamsim.World.from_terraform(plan).role("arn:aws:iam::222222222222:role/r")
    assert configured is not None and len(configured.policies) == 1


def test_a_policy_resource_replaces_what_the_bucket_echoes() -> None:
    """A plan that changes an existing bucket's aws_s3_bucket_policy still shows the old
    policy in the bucket's own computed `policy`: the policy resource decides."""

    def doc(action: str) -> str:
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
                        "Action": action,
                        "Resource": "arn:aws:s3:::b/*",
                    }
                ],
            }
        )

    state = _state(
        [
            _res(
                "aws_s3_bucket.b",
                "aws_s3_bucket",
                {"arn": "arn:aws:s3:::b", "bucket": "b", "policy": doc("s3:GetObject")},
            ),
            _res(
                "aws_s3_bucket_policy.b",
                "aws_s3_bucket_policy",
                {"bucket": "b", "policy": doc("s3:PutObject")},
            ),
        ]
    )
    world = iamsim.World.from_terraform(_as_plan(state, unknown={}), account="222222222222")
    resource = world.resource("arn:aws:s3:::b")
    assert resource is not None and resource.policy is not None
    assert resource.policy.statements[0].action == "s3:PutObject"


def test_account_arguments_are_checked_once() -> None:
    with pytest.raises(iamsim.WorldError) as info:
        iamsim.World.from_terraform(SEED_PLAN, account="2222", accounts={"aws.source": "x"})
    assert [str(p) for p in info.value.problems] == [
        "account: '2222' is not a 12-digit account ID",
        "accounts['aws.source']: 'x' is not a 12-digit account ID",
    ]
