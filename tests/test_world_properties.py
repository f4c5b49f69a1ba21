"""Properties of whole decisions over generated worlds and requests (hypothesis).

- Adding a Deny statement, an SCP, an RCP, a boundary or a session policy never
  turns a deny into an allow; removing an Allow never does either.
- Statement and policy order never change the outcome.
- A cross-account allow implies that each side, on its own, allows.
- An SCP attached to the management account never changes a decision.
- A chained session never holds more permissions than its role.
- Evaluation never raises on a valid world.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamsim

A, B, M = "111111111111", "222222222222", "999999999999"
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
ACTIONS = ["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "sts:AssumeRole", "sts:TagSession"]
ACTION_PATTERNS = [*ACTIONS, "s3:*", "s3:Get*", "*", "sts:*"]
RESOURCES = [
    "arn:aws:s3:::bkt/key.txt",
    "arn:aws:s3:::bkt/other.txt",
    "arn:aws:s3:::bkt/alice/notes.txt",
    f"arn:aws:sqs:us-east-1:{B}:jobs",
    f"arn:aws:iam::{B}:role/app",
]
RESOURCE_PATTERNS = [
    *RESOURCES,
    "*",
    "arn:aws:s3:::bkt/*",
    "arn:aws:s3:::bkt/${aws:username}/*",  # a Resource that reads the request's context
    f"arn:aws:iam::{B}:role/*",
]
PRINCIPALS = [
    "*",
    A,
    f"arn:aws:iam::{A}:root",
    f"arn:aws:iam::{A}:user/alice",
    f"arn:aws:iam::{B}:user/bob",
    f"arn:aws:iam::{B}:role/app",
]
CONDITIONS = [
    None,
    {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
    {"StringNotEquals": {"aws:PrincipalAccount": A}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"sts:ExternalId": "x-123"}},
    {"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:*"}},
    {"StringLike": {"aws:PrincipalArn": "*/${aws:username}"}},
]
settings.register_profile(
    "iamsim", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("iamsim")


@st.composite
def statements(
    draw: Any, *, principal: bool, resource: bool = True, effect: str | None = None
) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Action": draw(st.sampled_from(ACTION_PATTERNS)),
    }
    if resource:
        stmt["Resource"] = draw(st.sampled_from(RESOURCE_PATTERNS))
    if principal:
        value = draw(st.sampled_from(PRINCIPALS))
        stmt["Principal"] = "*" if value == "*" else {"AWS": value}
    condition = draw(st.sampled_from(CONDITIONS))
    if condition:
        stmt["Condition"] = condition
    return stmt


def policy(stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": stmts}


@st.composite
def worlds(draw: Any) -> dict[str, Any]:
    identity = st.lists(statements(principal=False), min_size=1, max_size=3)
    trust = st.lists(statements(principal=True, resource=False), min_size=1, max_size=3)
    rbp = st.lists(statements(principal=True), min_size=1, max_size=3)
    doc: dict[str, Any] = {
        "accounts": {
            A: {
                "users": {
                    "alice": {
                        "policies": [policy(draw(identity))],
                        "tags": draw(st.sampled_from([{}, {"team": "blue"}])),
                    }
                }
            },
            B: {
                "users": {"bob": {"policies": [policy(draw(identity))]}},
                "roles": {
                    "app": {
                        "trust_policy": policy(draw(trust)),
                        "policies": [policy(draw(identity))],
                    }
                },
                "resources": {
                    "arn:aws:s3:::bkt": draw(st.sampled_from([{}, {"policy": policy(draw(rbp))}])),
                    f"arn:aws:sqs:us-east-1:{B}:jobs": {"policy": policy(draw(rbp))},
                },
            },
        }
    }
    if draw(st.booleans()):
        doc["accounts"][M] = {}
        doc["organization"] = {
            "id": "o-aaaaaaaaaa",
            "management_account": M,
            "policies": {},
            "root": {"accounts": [M], "ous": {"Work": {"accounts": [A, B]}}},
        }
    return doc


CONTEXTS = [
    {},
    {"sts:ExternalId": "x-123"},
    {"aws:SecureTransport": "false"},
    {"aws:username": "alice"},
]
requests = st.tuples(
    st.sampled_from(
        [
            f"arn:aws:iam::{A}:user/alice",
            f"arn:aws:iam::{B}:user/bob",
            f"arn:aws:sts::{B}:assumed-role/app/s1",
        ]
    ),
    st.sampled_from(ACTIONS),
    st.sampled_from(RESOURCES),
    st.sampled_from(CONTEXTS),
)


def decide(doc: dict[str, Any], req: tuple[str, str, str, dict[str, str]]) -> iamsim.Decision:
    principal, action, resource, context = req
    return iamsim.World.from_dict(doc).simulate(principal, action, resource, context, now=NOW)


def all_policies(doc: dict[str, Any]) -> list[dict[str, Any]]:
    a, b = doc["accounts"][A], doc["accounts"][B]
    out = [
        *a["users"]["alice"]["policies"],
        *b["users"]["bob"]["policies"],
        b["roles"]["app"]["trust_policy"],
        *b["roles"]["app"]["policies"],
    ]
    out += [r["policy"] for r in b["resources"].values() if "policy" in r]
    return out


@given(worlds(), requests)
def test_evaluation_never_raises_and_is_consistent(doc: dict[str, Any], req: Any) -> None:
    d = decide(doc, req)
    # The outcome is decided with the request; the denials are worded on first read
    # (iamsim.evaluate.combine.finish): the two must agree.
    assert d.allowed == (not d.denied_by)
    assert d.outcome == (
        "explicitDeny"
        if any(x.explicit for x in d.denied_by)
        else "implicitDeny"
        if d.denied_by
        else "allowed"
    )
    assert (d.aws_error is None) == d.allowed
    d.explain()
    d.to_dict()


@given(worlds(), st.lists(requests, min_size=2, max_size=4))
def test_a_world_answers_the_same_after_other_requests(doc: dict[str, Any], reqs: Any) -> None:
    # A world reuses what a caller, action and resource fix (world/gather.py); a request's
    # context, the time and the other requests asked before must never leak into an answer.
    world = iamsim.World.from_dict(doc)
    for principal, action, resource, _ in reqs:
        for context in CONTEXTS:
            warm = world.simulate(principal, action, resource, context, now=NOW)
            cold = decide(doc, (principal, action, resource, context))
            assert warm == cold
            assert warm.to_dict() == cold.to_dict()


@given(worlds(), requests, st.data())
def test_adding_a_deny_never_allows_more(doc: dict[str, Any], req: Any, data: Any) -> None:
    before = decide(doc, req)
    changed = copy.deepcopy(doc)
    targets = all_policies(changed)
    target = data.draw(st.sampled_from(targets))
    has_principal = "Principal" in target["Statement"][0]
    target["Statement"].append(
        data.draw(
            statements(
                principal=has_principal,
                resource="Resource" in target["Statement"][0],
                effect="Deny",
            )
        )
    )
    after = decide(changed, req)
    assert before.allowed or not after.allowed


@given(worlds(), requests, st.data())
def test_removing_an_allow_never_allows_more(doc: dict[str, Any], req: Any, data: Any) -> None:
    before = decide(doc, req)
    changed = copy.deepcopy(doc)
    candidates = [
        p
        for p in all_policies(changed)
        if len(p["Statement"]) > 1 and any(s["Effect"] == "Allow" for s in p["Statement"])
    ]
    if not candidates:
        return
    target = data.draw(st.sampled_from(candidates))
    index = next(i for i, s in enumerate(target["Statement"]) if s["Effect"] == "Allow")
    del target["Statement"][index]
    after = decide(changed, req)
    assert before.allowed or not after.allowed


@given(worlds(), requests)
def test_statement_order_never_matters(doc: dict[str, Any], req: Any) -> None:
    before = decide(doc, req)
    changed = copy.deepcopy(doc)
    for p in all_policies(changed):
        p["Statement"].reverse()
    alice = changed["accounts"][A]["users"]["alice"]
    alice["policies"] = [*reversed(alice["policies"])]
    after = decide(changed, req)
    assert before.outcome == after.outcome

    def layers(d: iamsim.Decision) -> list[tuple[str, str, bool, str]]:
        return sorted((x.policy_type, x.side, x.explicit, x.action) for x in d.denied_by)

    assert layers(before) == layers(after)


@given(worlds(), requests)
def test_cross_account_allow_needs_both_sides(doc: dict[str, Any], req: Any) -> None:
    d = decide(doc, req)
    if not (d.allowed and d.cross_account):
        return
    verdicts = {layer.policy_type: layer.verdict for layer in d.layers}
    assert verdicts["identity"] == "allow"
    assert verdicts.get("resource", verdicts.get("trust")) == "allow"


@given(worlds(), requests, st.data())
def test_guardrails_never_allow_more(doc: dict[str, Any], req: Any, data: Any) -> None:
    """Adding an SCP, an RCP or a boundary never turns a deny into an allow."""
    before = decide(doc, req)
    changed = copy.deepcopy(doc)
    extra = policy([data.draw(statements(principal=False))])
    kind = data.draw(st.sampled_from(["scp", "rcp", "boundary"]))
    if kind == "boundary":
        changed["accounts"][A]["users"]["alice"]["permissions_boundary"] = extra
        changed["accounts"][B]["users"]["bob"]["permissions_boundary"] = extra
    else:
        changed["accounts"].setdefault(M, {})
        org = changed.setdefault(
            "organization",
            {
                "id": "o-aaaaaaaaaa",
                "management_account": M,
                "policies": {},
                "root": {"accounts": [M], "ous": {"Work": {"accounts": [A, B]}}},
            },
        )
        if kind == "rcp":  # customer RCPs: Deny only, Principal "*", a service in Action
            stmt = dict(data.draw(statements(principal=False, effect="Deny")), Principal="*")
            if stmt["Action"] == "*":
                stmt["Action"] = "s3:*"
            extra = policy([stmt])
        org["policies"]["Extra"] = extra
        org["root"]["ous"]["Work"][f"{kind}s"] = (
            ["FullAWSAccess", "Extra"] if kind == "scp" else ["Extra"]
        )
    after = decide(changed, req)
    assert before.allowed or not after.allowed


@given(worlds(), requests, st.data())
def test_scp_on_management_account_changes_nothing(
    doc: dict[str, Any], req: Any, data: Any
) -> None:
    if "organization" not in doc:
        return
    before = decide(doc, req)
    changed = copy.deepcopy(doc)
    deny_all = policy([{"Effect": "Deny", "Action": "*", "Resource": "*"}])
    changed["organization"]["policies"]["DenyAll"] = deny_all
    changed["accounts"][M]["scps"] = ["DenyAll"]
    after = decide(changed, req)
    assert before.outcome == after.outcome


@given(worlds(), st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), st.data())
def test_session_never_exceeds_its_role(
    doc: dict[str, Any], action: str, resource: str, data: Any
) -> None:
    """A session (with or without a session policy) holds no more than its role."""
    world = iamsim.World.from_dict(doc)
    role = f"arn:aws:iam::{B}:role/app"
    session_policy = data.draw(
        st.sampled_from([None, policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])])
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{B}:user/bob"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    doc2 = copy.deepcopy(doc)
    doc2["accounts"][B]["roles"]["app"]["trust_policy"] = trust
    world = iamsim.World.from_dict(doc2)
    d = world.assume_role(
        f"arn:aws:iam::{B}:user/bob",
        role_arn=role,
        session_name="s1",
        policy=session_policy,
        now=NOW,
    )
    if not d.allowed:  # bob's own policies may deny sts:AssumeRole
        return
    as_session = world.simulate(d.session, action, resource, now=NOW)
    as_role = world.simulate(role, action, resource, now=NOW)
    assert as_role.allowed or not as_session.allowed


def test_no_regex_is_compiled_during_evaluation() -> None:
    """Compile once, evaluate many: a request never builds a regular expression."""
    import re

    world = iamsim.World.demo()
    role = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
    calls = [
        lambda: world.assume_role(
            "arn:aws:iam::111111111111:user/alice",
            role_arn=role,
            session_name="dev-session",
            external_id="my-secret-123",
            now=NOW,
        ),
        lambda: world.assume_role(
            "arn:aws:iam::111111111111:user/alice",
            role_arn=role,
            session_name="other",
            external_id="wrong",
            now=NOW,
        ),
        lambda: world.simulate(
            "arn:aws:iam::111111111111:user/alice",
            "s3:GetObject",
            "arn:aws:s3:::prod-bucket/report.csv",
            now=NOW,
        ),
    ]
    for call in calls:  # policies are compiled when the world is built; warm the caches too
        call()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a regular expression was compiled during evaluation: {args[:1]}")

    saved = re.compile, re._compile  # type: ignore[attr-defined]
    re.compile, re._compile = refuse, refuse  # type: ignore[assignment, attr-defined]
    try:
        results = [call() for call in calls]
    finally:
        re.compile, re._compile = saved  # type: ignore[assignment, attr-defined]
    assert [d.outcome for d in results] == ["allowed", "implicitDeny", "implicitDeny"]
