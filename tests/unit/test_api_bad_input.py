"""Bad input to the Python API: always one of iamsim's errors, naming where and what.

Never a traceback from inside the library, never a partial result, never fail-open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import iamsim
from iamsim import (
    Account,
    Organization,
    OrgUnit,
    Policy,
    PolicyError,
    Resource,
    Role,
    RoleSession,
    Statement,
    User,
    ValidationError,
    World,
    WorldError,
    sts,
)
from iamsim.request import Context
from iamsim.world import names
from iamsim.world.gather import REQUEST_ACTION

A, B, M = "111111111111", "222222222222", "999999999999"
ALICE = f"arn:aws:iam::{A}:user/alice"
ROLE = f"arn:aws:iam::{B}:role/Reader"
OBJECT = "arn:aws:s3:::prod-bucket/report.csv"
V = "2012-10-17"
ALLOW_ALL = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
TRUST = {
    "Version": V,
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "sts:*"}
    ],
}
DENY_DELETE = {
    "Version": V,
    "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}],
}


def _raises(error: type[Exception], words: tuple[str, ...], call: Callable[[], Any]) -> str:
    """`call` raises `error` (an iamsim error) whose message holds every one of `words`."""
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, iamsim.IamsimError)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    return message


@pytest.fixture(scope="module")
def world() -> World:
    return World.of(
        User(ALICE, policies=[ALLOW_ALL, DENY_DELETE]),
        Role(ROLE, trust_policy=TRUST, policies=[ALLOW_ALL]),
        Resource("arn:aws:s3:::prod-bucket", account=A),
    )


def _session(**changes: Any) -> RoleSession:
    base: dict[str, Any] = {
        "role_arn": ROLE,
        "session_name": "s1",
        "role_unique_id": "AROAEXAMPLE",
        "issued": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        "expiration": dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    }
    base.update(changes)
    return RoleSession(**base)


NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)

# ---------------------------------------------------------------- 1. argument types


@pytest.mark.parametrize("principal", [{}, [], 5, None, ("a",)])
def test_principal_of_wrong_type(world: World, principal: Any) -> None:
    _raises(ValidationError, ("principal",), lambda: world.simulate(principal, "s3:GetObject", "*"))
    _raises(
        ValidationError,
        ("principal",),
        lambda: world.assume_role(principal, role_arn=ROLE, session_name="s1"),
    )


@pytest.mark.parametrize("resource", [None, 5, [OBJECT], ""])
def test_resource_of_wrong_type(world: World, resource: Any) -> None:
    _raises(ValidationError, ("resource",), lambda: world.simulate(ALICE, "s3:GetObject", resource))


@pytest.mark.parametrize("context", ["x", 5, b"ab", [("k",)], [1]])
def test_context_of_wrong_type(world: World, context: Any) -> None:
    _raises(
        ValidationError,
        ("context",),
        lambda: world.simulate(ALICE, "s3:GetObject", OBJECT, context=context),
    )
    _raises(
        ValidationError,
        ("context",),
        lambda: world.assume_role(ALICE, role_arn=ROLE, session_name="s1", context=context),
    )


def test_context_number_too_long(world: World) -> None:
    _raises(
        ValidationError,
        ("context['k']", "digits"),
        lambda: world.simulate(ALICE, "s3:GetObject", OBJECT, context={"k": 10**5000}),
    )


def test_context_set_of_mixed_scalars_is_normalised_then_sorted() -> None:
    # Numbers are scalars anywhere in a context (as in a list), so a set of them is too.
    assert Context.of({"aws:TagKeys": {1, "a"}}).get("aws:TagKeys") == ("1", "a")
    _raises(ValidationError, ("context",), lambda: Context.of({"aws:TagKeys": {None, "a"}}))


@pytest.mark.parametrize(
    "now",
    [
        "2020-01-01",
        0,
        dt.date(2020, 1, 1),
        dt.datetime.max,
        dt.datetime.min,
        dt.datetime(1969, 12, 31, tzinfo=dt.UTC),
        dt.datetime(9001, 1, 1),
    ],
)
def test_now_must_be_a_datetime_in_range(world: World, now: Any) -> None:
    words = ("now", "datetime", "1970..9000")
    _raises(ValidationError, words, lambda: world.simulate(ALICE, "s3:GetObject", OBJECT, now=now))
    _raises(
        ValidationError,
        words,
        lambda: world.assume_role(ALICE, role_arn=ROLE, session_name="s1", now=now),
    )


def test_now_naive_means_utc(world: World) -> None:
    naive = world.simulate(ALICE, "s3:GetObject", OBJECT, now=dt.datetime(2025, 6, 1))
    aware = world.simulate(ALICE, "s3:GetObject", OBJECT, now=NOW)
    assert naive.allowed and aware.allowed


# ---------------------------------------------------------------- 2. actions


@pytest.mark.parametrize(
    "action",
    [
        "s3:Delete*",
        "s3:DeleteObjec?",
        "s3:DeleteObject ",
        " s3:DeleteObject",
        "s3:Get Object",
        "s3:Delete\tObject",
        "*",
        "s3:*",
        "s3:",
        ":DeleteObject",
        "s3:a:b",
        "s３:DeleteObject",
        "s3:DeleteÖbject",
        5,
        None,
    ],
)
def test_request_action_is_one_action(world: World, action: Any) -> None:
    _raises(
        ValidationError, ("action", "service:Action"), lambda: world.simulate(ALICE, action, OBJECT)
    )


def test_denied_action_stays_denied(world: World) -> None:
    d = world.simulate(ALICE, "s3:DeleteObject", OBJECT)
    assert d.outcome == "explicitDeny"
    for action in ("s3:GetObject", "kms:Decrypt", "execute-api:Invoke", "s3:Get_Object.v2"):
        assert world.simulate(ALICE, action, "*").allowed


# ---------------------------------------------------------------- 3. RoleSession


def test_session_naive_datetimes_mean_utc(world: World) -> None:
    session = _session(
        issued=dt.datetime(2020, 1, 1),
        expiration=dt.datetime(2030, 1, 1),
        mfa_authenticated=True,
        mfa_time=dt.datetime(2020, 1, 1),
    )
    assert session.expiration == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert session.mfa_time is not None and session.mfa_time.tzinfo is not None
    assert session == _session(
        mfa_authenticated=True, mfa_time=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert world.simulate(session, "s3:GetObject", "*", now=NOW).allowed
    chained = world.assume_role(session, role_arn=ROLE, session_name="s2", now=NOW)
    assert chained.outcome == "implicitDeny"  # the trust policy names account A only
    later = dt.datetime(2031, 1, 1)  # naive too: compared with the session's expiry
    _raises(
        ValidationError,
        ("expired",),
        lambda: world.simulate(session, "s3:GetObject", "*", now=later),
    )
    _raises(
        ValidationError,
        ("expired",),
        lambda: world.assume_role(session, role_arn=ROLE, session_name="s2", now=later),
    )


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"tags": "ab"}, ("RoleSession.tags",)),
        ({"tags": 5}, ("RoleSession.tags",)),
        ({"tags": {"team": None}}, ("RoleSession.tags", "team", "string")),
        ({"tags": {1: "x"}}, ("RoleSession.tags", "key")),
        ({"role_arn": None}, ("RoleSession.role_arn",)),
        ({"role_arn": "Reader"}, ("RoleSession.role_arn",)),
        ({"session_name": None}, ("RoleSession.session_name",)),
        ({"role_unique_id": 5}, ("RoleSession.role_unique_id",)),
        ({"issued": None}, ("RoleSession.issued", "datetime")),
        ({"expiration": "2030-01-01"}, ("RoleSession.expiration", "datetime")),
        ({"mfa_time": 5}, ("RoleSession.mfa_time",)),
        ({"session_policies": ("x",)}, ("RoleSession.session_policies[0]", "Policy")),
        ({"session_policies": "x"}, ("RoleSession.session_policies",)),
        ({"session_policy_arns": (None,)}, ("RoleSession.session_policy_arns[0]",)),
        ({"transitive_tag_keys": "k"}, ("RoleSession.transitive_tag_keys",)),
        ({"source_identity": 5}, ("RoleSession.source_identity",)),
        ({"mfa_authenticated": "yes"}, ("RoleSession.mfa_authenticated",)),
        ({"chained": None}, ("RoleSession.chained",)),
        ({"packed_policy_size": "5"}, ("RoleSession.packed_policy_size",)),
    ],
)
def test_session_fields_are_checked(changes: dict[str, Any], words: tuple[str, ...]) -> None:
    _raises(ValidationError, words, lambda: _session(**changes))


def test_session_lists_become_tuples() -> None:
    session = _session(transitive_tag_keys=["k"], tags={"k": "v"})
    assert session.transitive_tag_keys == ("k",)
    hash(session)


def test_session_policy_checked_as_a_session_policy(world: World) -> None:
    with_principal = Policy.from_json(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    )
    session = _session(session_policies=(with_principal,))
    _raises(
        PolicyError,
        ("session_policies[0].Statement[0].Principal",),
        lambda: world.simulate(session, "s3:GetObject", OBJECT, now=NOW),
    )


def test_session_from_dict_bad_record() -> None:
    _raises(ValidationError, ("role_arn", "missing"), lambda: RoleSession.from_dict({}))
    data = _session().to_dict()
    data["issued"] = "yesterday"
    _raises(ValidationError, ("RoleSession.from_dict",), lambda: RoleSession.from_dict(data))


# ---------------------------------------------------------------- 4. OU depth


def _chain(levels: int, leaf_accounts: tuple[str, ...] = ()) -> OrgUnit:
    unit = OrgUnit(f"ou{levels}", accounts=leaf_accounts)
    for i in range(levels - 1, 0, -1):
        unit = OrgUnit(f"ou{i}", children=(unit,))
    return unit


def _org(root: OrgUnit, **kw: Any) -> Organization:
    return Organization(id="o-a1b2c3d4e5", management_account=M, root=root, **kw)


def test_five_ou_levels_are_allowed() -> None:
    root = OrgUnit("Root", accounts=(M,), children=(_chain(5, (A,)),))
    world = World.of(User(ALICE, policies=[ALLOW_ALL]), organization=_org(root))
    assert world.simulate(ALICE, "s3:GetObject", "*").allowed


def test_six_ou_levels_are_refused() -> None:
    five = _chain(5)
    _raises(
        WorldError,
        ("Root", "ou1/ou2/ou3/ou4/ou5", "6 levels", "at most 5"),
        lambda: OrgUnit("Root", accounts=(M,), children=(OrgUnit("ou0", children=(five,)),)),
    )


def test_deep_ou_tree_refused_before_recursing() -> None:
    _raises(WorldError, ("levels", "at most 5"), lambda: _chain(500))


# ---------------------------------------------------------------- 5. model objects


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: User(None), WorldError, ("User.arn",)),
        (lambda: Resource(None), WorldError, ("Resource.arn",)),
        (lambda: Role(None, trust_policy=TRUST), WorldError, ("Role.arn",)),
        (lambda: User(ALICE, policies=5), WorldError, ("User.policies",)),
        (lambda: User(ALICE, policies=[5]), PolicyError, ("User.policies[0]",)),
        (lambda: User(ALICE, tags="ab"), WorldError, ("User.tags",)),
        (lambda: User(ALICE, tags=5), WorldError, ("User.tags",)),
        (lambda: User(ALICE, groups=[None]), WorldError, ("User.groups[0]",)),
        (lambda: User(ALICE, groups=5), WorldError, ("User.groups",)),
        (
            lambda: Resource("arn:aws:s3:::b", account=int(A)),
            WorldError,
            ("Resource.account", "quote"),
        ),
        (lambda: Resource("arn:aws:s3:::b", aws_managed="yes"), WorldError, ("aws_managed",)),
        (lambda: World(accounts=5), WorldError, ("accounts",)),
        (lambda: World(accounts=[A]), WorldError, ("accounts[0]", "Account")),
        (lambda: World(organization="o"), WorldError, ("organization",)),
        (lambda: World.of(organization="o"), WorldError, ("organization",)),
        (lambda: World.of("x"), WorldError, ("World.of",)),
        (lambda: _org(None), WorldError, ("Organization.root",)),
        (lambda: _org(OrgUnit("Root"), policies=5), WorldError, ("Organization.policies",)),
        (lambda: _org(OrgUnit("Root"), account_scps=5), WorldError, ("account_scps",)),
        (lambda: OrgUnit("Root", children=("x",)), WorldError, ("children[0]", "OrgUnit")),
        (lambda: OrgUnit("Root", children=5), WorldError, ("OrgUnit.children",)),
        (lambda: OrgUnit("Root", accounts=[int(A)]), WorldError, ("OrgUnit.accounts[0]",)),
        (lambda: OrgUnit("Root", rcps=5), WorldError, ("OrgUnit.rcps",)),
        (lambda: OrgUnit(None), WorldError, ("OrgUnit.name",)),
        (lambda: Account(A, policies=[("p", 5)]), PolicyError, ("Account.policies.p",)),
        (lambda: Account(A, policies={"P": TRUST}), PolicyError, ("Account.policies.P",)),
        (
            lambda: User(
                ALICE, policies=[Policy(statements=(Statement(effect="Maybe", action=5),))]
            ),
            PolicyError,
            ("User.policies[0].Statement[0].Effect", "User.policies[0].Statement[0].Action"),
        ),
        (
            lambda: User(ALICE, policies=[Policy(statements=5)]),  # type: ignore[arg-type]
            PolicyError,
            ("User.policies[0].Statement",),
        ),
        (
            lambda: User(ALICE, policies=[Policy(statements=(5,))]),  # type: ignore[arg-type]
            PolicyError,
            ("User.policies[0].Statement[0]",),
        ),
    ],
)
def test_model_objects_are_checked(
    build: Callable[[], Any], error: type[Exception], words: tuple[str, ...]
) -> None:
    _raises(error, words, build)


@pytest.mark.parametrize(
    ("world", "words"),
    [
        (
            lambda: World.of(Role(ROLE, trust_policy=TRUST, max_session_duration="x")),
            ("roles.Reader.max_session_duration", "number of seconds"),
        ),
        (
            lambda: World.of(Role(ROLE, trust_policy=TRUST, max_session_duration=None)),
            ("roles.Reader.max_session_duration",),
        ),
        (
            lambda: World(accounts=[Account(A, users=(ALICE,))]),
            (f"accounts.{A}.users[0]", "User"),
        ),
        (lambda: World(accounts=[Account(A, roles=5)]), (f"accounts.{A}.roles",)),
        (lambda: World(accounts=[Account("x")]), ("accounts[0].id", "12 digits")),
        (
            lambda: World(accounts=[Account(A, users=(User(f"arn:aws:iam::{B}:user/bob"),))]),
            ("belongs to account", B),
        ),
        (
            lambda: World.of(User(f"arn:aws:iam::{A}:role/alice")),
            ("is not an IAM user ARN",),
        ),
        (
            lambda: World(accounts=[Account(A, resources=(Resource("bucket"),))]),
            ("resources.bucket", "malformed resource ARN"),
        ),
    ],
)
def test_world_index_names_the_path(world: Callable[[], Any], words: tuple[str, ...]) -> None:
    _raises(WorldError, words, world)


def test_role_trust_policy_must_be_a_document() -> None:
    _raises(
        WorldError,
        ("roles.Reader.trust_policy", "must be a document"),
        lambda: World(
            accounts=[Account(B, policies={"P": ALLOW_ALL}, roles=(Role(ROLE, trust_policy="P"),))]
        ),
    )


# ---------------------------------------------------------------- 6. organizations


RCP_DENY = {
    "Version": V,
    "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
}


def test_code_built_org_policy_is_enforced() -> None:
    root = OrgUnit("Root", accounts=(M,), children=(OrgUnit("W", rcps=["Deny"], accounts=(A,)),))
    world = World.of(
        User(ALICE, policies=[ALLOW_ALL]),
        Resource("arn:aws:s3:::prod-bucket", account=A),
        organization=_org(root, policies={"Deny": RCP_DENY}),
    )
    assert not world.simulate(ALICE, "s3:GetObject", OBJECT).allowed


@pytest.mark.parametrize(
    ("org", "words"),
    [
        (
            lambda: _org(
                OrgUnit(
                    "Root", accounts=(M,), children=(OrgUnit("W", rcps=["Nope"], accounts=(A,)),)
                )
            ),
            ("organization.root.ous.W.rcps[0]", "Nope"),
        ),
        (
            lambda: _org(OrgUnit("Root", accounts=(M, A), scps=["FullAWSAccess", "Nope"])),
            ("organization.root.scps[1]", "Nope"),
        ),
        (
            lambda: _org(OrgUnit("Root", accounts=(M, A), rcps=["FullAWSAccess"])),
            ("organization.root.rcps[0]",),
        ),
        (
            lambda: _org(
                OrgUnit("Root", accounts=(M, A), rcps=["Open"]),
                policies={
                    "Open": Policy.from_json(
                        {**RCP_DENY, "Statement": [{**RCP_DENY["Statement"][0], "Effect": "Allow"}]}
                    )
                },  # type: ignore[dict-item]
            ),
            ("organization.policies.Open.Statement[0].Effect", "Deny"),
        ),
        (
            lambda: _org(
                OrgUnit("Root", accounts=(M, A), scps=["FullAWSAccess", "Both"], rcps=["Both"]),
                policies={"Both": RCP_DENY},
            ),
            ("organization.policies.Both", "both"),
        ),
        (
            lambda: _org(OrgUnit("Root", accounts=(M, A), children=(OrgUnit("W", accounts=(A,)),))),
            ("organization.root.ous.W.accounts[0]", "already listed"),
        ),
        (
            lambda: Organization(
                id="o-1", management_account=M, root=OrgUnit("Root", accounts=(M,))
            ),
            ("organization.id", "o-1"),
        ),
        (
            lambda: _org(OrgUnit("Root", accounts=(M, A), scps=())),
            ("organization.root.scps", "detaches every SCP"),
        ),
        (
            lambda: _org(OrgUnit("Root", accounts=(A,))),
            ("organization.management_account", M, "not in the organization tree"),
        ),
        (
            lambda: _org(
                OrgUnit("Root", accounts=(M,), children=(OrgUnit("W"), OrgUnit("W", accounts=(A,))))
            ),
            ("organization.root.ous.W", "two OUs named"),
        ),
        (
            lambda: _org(OrgUnit("Root", accounts=(M, A)), account_rcps={A: ["Nope"]}),
            (f"organization.account_rcps.{A}[0]", "Nope"),
        ),
        (
            lambda: _org(OrgUnit("Root", accounts=(M,)), account_scps={B: ["FullAWSAccess"]}),
            (f"organization.account_scps.{B}", "not in the organization"),
        ),
    ],
)
def test_code_built_org_checked_as_documents_are(
    org: Callable[[], Organization], words: tuple[str, ...]
) -> None:
    _raises(WorldError, words, lambda: World.of(User(ALICE), organization=org()))


def test_org_account_not_in_world() -> None:
    org = _org(OrgUnit("Root", accounts=(M, A)))
    _raises(
        WorldError,
        (A, "not described under accounts"),
        lambda: World(accounts=[Account(M)], organization=org),
    )


# ---------------------------------------------------------------- 7. Policy objects by kind


def _policy(**statement: Any) -> Policy:
    return Policy.from_json({"Version": V, "Statement": [{"Effect": "Allow", **statement}]})


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (
            lambda: User(ALICE, policies=[_policy(Action="*")]),
            ("User.policies[0].Statement[0].Resource", "identity policy"),
        ),
        (
            lambda: Role(ROLE, trust_policy=_policy(Action="sts:AssumeRole", Resource="*")),
            ("Role.trust_policy.Statement[0]",),
        ),
        (
            lambda: Role(ROLE, trust_policy=TRUST, permissions_boundary=_policy(Action="*")),
            ("Role.permissions_boundary.Statement[0].Resource",),
        ),
        (
            lambda: User(ALICE, permissions_boundary=_policy(Action="*", Principal="*")),
            ("User.permissions_boundary.Statement[0].Principal",),
        ),
        (
            lambda: Resource(
                "arn:aws:s3:::b", account=A, policy=_policy(Action="s3:*", Resource="*")
            ),
            ("Resource.policy.Statement[0].Principal",),
        ),
        (
            lambda: Account(A, policies={"P": _policy(Action="*")}),
            ("Account.policies.P.Statement[0].Resource",),
        ),
    ],
)
def test_policy_objects_checked_for_their_kind(
    build: Callable[[], Any], words: tuple[str, ...]
) -> None:
    _raises(PolicyError, words, build)


def test_policy_object_and_document_agree() -> None:
    doc = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "*"}]}
    as_dict = _raises(PolicyError, ("Resource",), lambda: User(ALICE, policies=[doc]))
    as_obj = _raises(
        PolicyError, ("Resource",), lambda: User(ALICE, policies=[_policy(Action="*")])
    )
    assert as_dict == as_obj


def test_policy_object_must_read_back_as_itself() -> None:
    both = Policy(
        statements=(Statement(effect="Allow", action="*", resource="*"),) * 2,
        statement_is_list=False,
    )
    _raises(PolicyError, ("User.policies[0]", "read back"), lambda: User(ALICE, policies=[both]))
    unhashable = Policy(statements=(Statement(effect="Allow", action=["*"], resource="*"),))  # type: ignore[arg-type]
    _raises(PolicyError, ("User.policies[0]", "tuple"), lambda: User(ALICE, policies=[unhashable]))


def test_canonical_policy_object_is_kept() -> None:
    policy = _policy(Action="s3:GetObject", Resource="*")
    assert User(ALICE, policies=[policy]).policies[0] is policy


# ---------------------------------------------------------------- 8. tags


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: User(ALICE, tags={"team": None}), ("User.tags['team']", "string")),
        (lambda: User(ALICE, tags={1: 2}), ("User.tags", "key", "string")),
        (lambda: Role(ROLE, trust_policy=TRUST, tags={"k": 2}), ("Role.tags['k']",)),
        (lambda: Resource("arn:aws:s3:::b", account=A, tags=[("k",)]), ("Resource.tags",)),
    ],
)
def test_tags_must_be_strings(build: Callable[[], Any], words: tuple[str, ...]) -> None:
    _raises(WorldError, words, build)


@pytest.mark.parametrize(
    ("entity", "words"),
    [
        (lambda: User(ALICE, tags={"aws:team": "x"}), ('users.alice.tags["aws:team"]', "key")),
        (lambda: User(ALICE, tags={"team": "AWS:x"}), ('users.alice.tags["team"]', "value")),
        (
            lambda: Role(ROLE, trust_policy=TRUST, tags={"AWS:k": "v"}),
            ('roles.Reader.tags["AWS:k"]', "key"),
        ),
        (
            lambda: Role(ROLE, trust_policy=TRUST, tags={"k": "aws:v"}),
            ('roles.Reader.tags["k"]', "value"),
        ),
        (lambda: User(ALICE, tags={"Team": "a", "team": "b"}), ('tags["team"]', "case")),
        (
            lambda: Resource("arn:aws:s3:::b", account=A, tags={"aws:x": "v"}),
            ('tags["aws:x"]', "key"),
        ),
    ],
)
def test_iam_tag_rules(entity: Callable[[], Any], words: tuple[str, ...]) -> None:
    _raises(WorldError, words, lambda: World.of(entity()))


def test_resource_tag_value_may_start_with_aws() -> None:
    World.of(Resource("arn:aws:s3:::b", account=A, tags={"k": "aws:v"}))


def test_world_document_aws_tag_value() -> None:
    doc = {"accounts": {A: {"users": {"alice": {"tags": {"team": "aws:x"}}}}}}
    _raises(WorldError, (f'accounts.{A}.users.alice.tags["team"]',), lambda: World.from_dict(doc))


# ---------------------------------------------------------------- 9. ASCII


ARABIC_12 = "١" * 12


def test_unicode_digits_are_not_an_account() -> None:
    _raises(WorldError, ("account",), lambda: World.of(User(f"arn:aws:iam::{ARABIC_12}:user/a")))
    _raises(WorldError, ("account",), lambda: World.from_dict({"accounts": {ARABIC_12: {}}}))
    _raises(WorldError, ("accounts[0].id",), lambda: World(accounts=[Account(ARABIC_12)]))


@pytest.mark.parametrize(
    ("kwargs", "member"),
    [
        ({"session_name": "sessión"}, "roleSessionName"),
        ({"session_name": "s1", "source_identity": "ålice"}, "sourceIdentity"),
        ({"session_name": "s1", "external_id": "id-١٢٣"}, "externalId"),
        (
            {
                "session_name": "s1",
                "serial_number": f"arn:aws:iam::{A}:mfa/ålice",
                "token_code": "123456",
            },
            "serialNumber",
        ),
        (
            {
                "session_name": "s1",
                "serial_number": f"arn:aws:iam::{A}:mfa/alice",
                "token_code": "١٢٣٤٥٦",
            },
            "tokenCode",
        ),
    ],
)
def test_sts_parameters_are_ascii(world: World, kwargs: dict[str, Any], member: str) -> None:
    _raises(ValidationError, (member,), lambda: world.assume_role(ALICE, role_arn=ROLE, **kwargs))


def test_sts_role_arn_is_ascii(world: World) -> None:
    _raises(
        ValidationError,
        ("invalid",),
        lambda: world.assume_role(
            ALICE, role_arn=f"arn:aws:iam::{ARABIC_12}:role/R", session_name="s1"
        ),
    )


def test_patterns_ascii_where_aws_is() -> None:
    for pattern, value in [
        (names.ACCOUNT_ID, ARABIC_12),
        (sts.STS_NAME, "é"),
        (sts.STS_EXTERNAL_ID, "é"),
        (sts.STS_SERIAL_NUMBER, "é"),
        (sts.STS_TOKEN_CODE, "١"),
        (sts.STS_ROLE_ARN, f"arn:aws:iam::{ARABIC_12}:role/R"),
        (names.POLICY_ARN, f"arn:aws:iam::{ARABIC_12}:policy/P"),
        (names.IAM_ENTITY_ARN, f"arn:aws:iam::{ARABIC_12}:role/R"),
        (REQUEST_ACTION, "s3:GetÖbject"),
    ]:
        assert pattern.fullmatch(value) is None, (pattern.pattern, value)
    # Tag keys and values are Unicode (`\p{L}\p{Z}\p{N}`), but not tabs or line feeds.
    assert sts.STS_TAG_CHARS.fullmatch("équipe ١ z\u3000")
    assert sts.STS_TAG_CHARS.fullmatch("a\tb") is None
    assert sts.STS_TAG_CHARS.fullmatch("a\nb") is None
