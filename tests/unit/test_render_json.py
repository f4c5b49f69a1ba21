"""decision_to_dict / decision_from_dict: versioned schema, round trip, errors with paths."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
import render_fixtures as f

from iamsim.decision import SCHEMA_VERSION, Check, Decision, Layer
from iamsim.errors import IamsimError, ValidationError
from iamsim.render import decision_from_dict, decision_to_dict
from iamsim.render.json import DecisionDocumentError

BUILDERS = [
    f.allowed,
    f.identity_missing,
    f.trust_omits_source,
    f.external_id_wrong,
    f.external_id_missing,
    f.both_sides,
    f.scp_explicit,
    f.boundary_implicit,
    f.session_policy_implicit,
    f.tag_session_missing,
    f.s3_get,
    f.service_denial,
]


def without_documents(d: Decision) -> Decision:
    """The same decision with no embedded policy documents (which need the policy parser)."""

    def layer(x: Layer) -> Layer:
        return attrs.evolve(x, policies=tuple(attrs.evolve(p, policy=None) for p in x.policies))

    def check(c: Check) -> Check:
        return attrs.evolve(c, layers=tuple(layer(x) for x in c.layers))

    return attrs.evolve(d, checks=tuple(check(c) for c in d.checks))


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_round_trip(build) -> None:  # type: ignore[no-untyped-def]
    d = without_documents(build())
    assert decision_from_dict(decision_to_dict(d)) == d
    assert Decision.from_dict(d.to_dict()) == d


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_round_trip_through_json_text(build) -> None:  # type: ignore[no-untyped-def]
    d = without_documents(build())
    text = json.dumps(decision_to_dict(d))
    again = decision_from_dict(json.loads(text))
    assert again == d
    assert json.dumps(decision_to_dict(again)) == text


def test_round_trip_with_policy_documents() -> None:
    pytest.importorskip("iamsim.parse")
    d = f.external_id_wrong()
    again = decision_from_dict(json.loads(json.dumps(decision_to_dict(d))))
    assert again == d
    assert again.checks[0].layers[1].policies[0].policy == f.TRUST_POLICY


def test_multivalued_context_round_trips_as_tuple() -> None:
    d = attrs.evolve(
        without_documents(f.identity_missing()),
        context=(("aws:TagKeys", ("team", "env")), ("sts:RoleSessionName", "dev")),
    )
    data = decision_to_dict(d)
    assert data["context"] == {"aws:TagKeys": ["team", "env"], "sts:RoleSessionName": "dev"}
    assert decision_from_dict(json.loads(json.dumps(data))) == d


def test_schema_fields() -> None:
    data = decision_to_dict(f.external_id_wrong())
    assert data["schema"] == SCHEMA_VERSION == "iamsim.decision/1"
    for key in (
        "operation",
        "caller",
        "caller_account",
        "action",
        "resource",
        "resource_account",
        "allowed",
        "outcome",
        "denied_by",
        "near_misses",
        "missing_context_keys",
        "aws_error",
        "aws_error_detailed",
        "checks",
        "context",
        "notes",
        "session",
    ):
        assert key in data, key
    assert data["allowed"] is False
    assert data["outcome"] == "implicitDeny"
    assert data["sides"] == ["target"]
    assert data["summary"].startswith("Denied: the target account's (222222222222)")
    assert data["denied_by"][0]["policy_type"] == "trust"
    assert data["denied_by"][0]["condition_keys"] == ["sts:ExternalId"]
    assert data["near_misses"][0]["request_values"] == ["wrong"]
    assert data["aws_error"].startswith("User: arn:aws:iam::111111111111:user/alice")
    layer = data["checks"][0]["layers"][1]
    assert layer["policy_type"] == "trust" and layer["verdict"] == "implicit"
    assert layer["policies"][0]["statements"][0]["conditions"][0]["key"] == "sts:ExternalId"
    assert data["session"] is None


def test_allowed_carries_the_session() -> None:
    data = decision_to_dict(f.allowed())
    assert data["allowed"] is True and data["aws_error"] is None
    assert data["session"]["arn"] == (
        "arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev-session"
    )


def good() -> dict[str, Any]:
    return decision_to_dict(without_documents(f.external_id_wrong()))


def broken(change: Any) -> dict[str, Any]:
    data = good()
    change(data)
    return data


@pytest.mark.parametrize(
    ("doc", "path", "words"),
    [
        ([1, 2], "", "expected an object, got a list"),
        ({}, "schema", "expected 'iamsim.decision/1', got None"),
        (broken(lambda d: d.update(schema="iamsim.decision/99")), "schema", "iamsim.decision/99"),
        (broken(lambda d: d.pop("caller")), "caller", "required field is missing"),
        (broken(lambda d: d.update(caller=5)), "caller", "expected a string, got a number"),
        (broken(lambda d: d.update(outcome="maybe")), "outcome", "expected one of"),
        (broken(lambda d: d.update(allowed=True)), "allowed", "contradicts outcome"),
        (broken(lambda d: d.update(denied_by={})), "denied_by", "expected a list"),
        (broken(lambda d: d["denied_by"].append("x")), "denied_by[1]", "expected an object"),
        (broken(lambda d: d["denied_by"][0].pop("side")), "denied_by[0]", "malformed record"),
        (
            broken(lambda d: d["denied_by"][0].update(side="middle")),
            "denied_by[0]",
            "side must be",
        ),
        (
            broken(lambda d: d["checks"][0]["layers"][0].pop("verdict")),
            "checks[0]",
            "'verdict' is missing",
        ),
        (broken(lambda d: d["near_misses"][0].pop("key")), "near_misses[0]", "malformed"),
        (
            broken(lambda d: d.update(missing_context_keys=["a", 3])),
            "missing_context_keys[1]",
            "expected a string",
        ),
        (broken(lambda d: d.update(context=[])), "context", "expected an object"),
        (broken(lambda d: d.update(session={"arn": "x"})), "session", "missing"),
    ],
)
def test_malformed_documents_name_the_path(doc: Any, path: str, words: str) -> None:
    with pytest.raises(DecisionDocumentError) as info:
        decision_from_dict(doc)
    err = info.value
    assert isinstance(err, ValidationError) and isinstance(err, IamsimError)
    assert err.path == path
    assert words in str(err)
    assert str(err).startswith("decision document: ")


def test_allowed_with_denials_is_rejected() -> None:
    data = broken(lambda d: d.update(outcome="allowed", allowed=True))
    with pytest.raises(DecisionDocumentError, match="denied_by"):
        decision_from_dict(data)
