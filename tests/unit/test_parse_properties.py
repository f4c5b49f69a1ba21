"""Properties of the parser: only iamsim errors escape; valid policies round-trip exactly."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamsim.errors import IamsimError, PolicyError
from iamsim.model import POLICY_KINDS, Policy
from iamsim.parse import parse_policy

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS: list[Any] = [None, *POLICY_KINDS]

ELEMENT_NAMES = [
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "AWS",
    "Service",
    "StringEquals",
    "aws:username",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["*", "Allow", "Deny", "2012-10-17", "s3:GetObject", "arn:aws:s3:::b/*"])
)
keys = st.sampled_from(ELEMENT_NAMES) | st.text(max_size=10)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=30,
)


def parse_or_policy_error(document: Any, kind: Any) -> Policy | None:
    try:
        return parse_policy(document, kind=kind)
    except IamsimError:
        return None


@SETTINGS
@given(json_values, st.sampled_from(KINDS))
def test_only_iamsim_errors_escape_for_any_json_value(value: Any, kind: Any) -> None:
    parse_or_policy_error(value, kind)
    try:
        text = json.dumps(value)
    except ValueError:
        return
    parse_or_policy_error(text, kind)


@SETTINGS
@given(st.binary(max_size=80) | st.text(max_size=80), st.sampled_from(KINDS))
def test_only_iamsim_errors_escape_for_any_text(text: str | bytes, kind: Any) -> None:
    parse_or_policy_error(text, kind)


# ------------------------------------------------------------------ valid policies

ACTIONS = ["s3:GetObject", "s3:Get*", "*", "iam:PassRole", "sts:AssumeRole", "kms:Decrypt"]
RESOURCES = [
    "*",
    "arn:aws:s3:::bkt/*",
    "arn:aws:s3:::bkt",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:logs:us-east-1:111122223333:*",
]
PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "*"},
    {"AWS": "111122223333"},
    {"AWS": ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:root"]},
    {"Service": "cloudtrail.amazonaws.com"},
    {"AWS": "arn:aws:iam::111122223333:role/r", "Service": ["ec2.amazonaws.com"]},
]
CONDITIONS: list[tuple[str, str, Any]] = [
    ("StringEquals", "aws:PrincipalTag/team", "blue"),
    ("StringEquals", "aws:PrincipalTag/team", ["blue", "red"]),
    ("StringLike", "s3:prefix", ["home/*", ""]),
    ("Bool", "aws:SecureTransport", True),
    ("Bool", "aws:SecureTransport", "false"),
    ("NumericLessThan", "s3:max-keys", 10),
    ("NumericLessThan", "s3:max-keys", [1.5, 3]),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*"),
]


def str_or_list(options: list[str]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options) | st.lists(st.sampled_from(options), min_size=1, max_size=3)


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    chosen = draw(st.lists(st.sampled_from(CONDITIONS), max_size=4))
    block: dict[str, dict[str, Any]] = {}
    for operator, key, value in chosen:
        block.setdefault(operator, {})[key] = value
    return block


@st.composite
def statements(draw: st.DrawFn, with_principal: bool) -> dict[str, Any]:
    stmt: dict[str, Any] = {}
    if draw(st.booleans()):
        stmt["Sid"] = draw(st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True))
    effect = draw(st.sampled_from(["Allow", "Deny"]))
    stmt["Effect"] = effect
    if with_principal:
        if effect == "Deny" and draw(st.booleans()):
            stmt["NotPrincipal"] = draw(st.sampled_from(PRINCIPALS[2:]))
        else:
            stmt["Principal"] = draw(st.sampled_from(PRINCIPALS))
    stmt["NotAction" if draw(st.booleans()) else "Action"] = draw(str_or_list(ACTIONS))
    if not with_principal or draw(st.booleans()):
        stmt["NotResource" if draw(st.booleans()) else "Resource"] = draw(str_or_list(RESOURCES))
    if draw(st.booleans()):
        stmt["Condition"] = draw(conditions())
    return stmt


@st.composite
def policies(draw: st.DrawFn) -> tuple[dict[str, Any], Any]:
    kind = draw(st.sampled_from([None, "identity", "resource"]))
    with_principal = kind == "resource" or (kind is None and draw(st.booleans()))
    stmts = draw(st.lists(statements(with_principal), min_size=1, max_size=4))
    sids = [s["Sid"] for s in stmts if "Sid" in s]
    if len(set(sids)) != len(sids):  # IAM kinds reject duplicate Sids
        stmts = [{k: v for k, v in s.items() if k != "Sid"} for s in stmts]
    doc: dict[str, Any] = {}
    version = draw(st.sampled_from(["2012-10-17", "2008-10-17", None]))
    if version is not None:
        doc["Version"] = version
    if draw(st.booleans()):
        doc["Id"] = draw(st.text(alphabet="abc-123", max_size=8))
    doc["Statement"] = stmts[0] if len(stmts) == 1 and draw(st.booleans()) else stmts
    return doc, kind


@SETTINGS
@given(policies())
def test_valid_policies_round_trip(case: tuple[dict[str, Any], Any]) -> None:
    doc, kind = case
    policy = parse_policy(doc, kind=kind)
    assert policy.to_dict() == doc
    assert Policy.from_json(policy.to_dict(), kind=kind) == policy
    assert Policy.from_json(json.dumps(doc), kind=kind) == policy
    assert Policy.from_json(policy.to_json().encode(), kind=kind) == policy
    assert parse_policy(policy) is policy
    assert hash(policy) == hash(Policy.from_json(json.dumps(doc), kind=kind))
    assert {policy: 1}[Policy.from_json(doc)] == 1


# ------------------------------------------------------------------ mutations


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if isinstance(value, dict | list) else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _containers(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _containers(v, (*path, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Any, Any]:
    doc, _ = draw(policies())
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, 3))):
        spots = _containers(doc)
        if not spots:
            break
        target = _get(doc, draw(st.sampled_from(spots)))
        action = draw(st.sampled_from(["replace", "delete", "rename", "add"]))
        if isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target)))
            if action == "delete":
                del target[key]
            elif action == "rename":
                target[draw(keys)] = target.pop(key)
            elif action == "add":
                target[draw(keys)] = draw(json_values)
            else:
                target[key] = draw(json_values)
        elif isinstance(target, list) and target:
            index = draw(st.integers(0, len(target) - 1))
            if action == "delete":
                del target[index]
            elif action == "add":
                target.append(draw(json_values))
            else:
                target[index] = draw(json_values)
    return doc, draw(st.sampled_from(KINDS))


@SETTINGS
@given(mutated())
def test_only_iamsim_errors_escape_for_mutated_policies(case: tuple[Any, Any]) -> None:
    doc, kind = case
    result = parse_or_policy_error(doc, kind)
    if result is not None:
        # Whatever parses must round-trip.
        assert parse_policy(result.to_dict(), kind=kind) == result
    try:
        text = json.dumps(doc)
    except ValueError:
        return
    from_text = parse_or_policy_error(text, kind)
    assert (from_text is None) == (result is None) or _has_non_json_float(doc)


def _has_non_json_float(value: Any) -> bool:
    text = json.dumps(value)
    return "NaN" in text or "Infinity" in text


@SETTINGS
@given(mutated())
def test_errors_always_carry_problems(case: tuple[Any, Any]) -> None:
    doc, kind = case
    try:
        parse_policy(doc, kind=kind)
    except PolicyError as exc:
        assert exc.problems
        assert all(p.code and p.message for p in exc.problems)
        assert len(set(exc.problems)) == len(exc.problems)
