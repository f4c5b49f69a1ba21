"""Policies compile on first use, not when a world is built; their shape is still checked
at load, so a malformed policy never waits for its first use to be refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim import compile as compiling

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def world_doc(roles: int, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    def permissions(i: int) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b{i}/*"}
            ],
        }

    return {
        "accounts": {
            "111111111111": {"users": {"alice": {"policies": [{
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }]}}},
            "222222222222": {
                "roles": {
                    f"R{i}": {
                        "trust_policy": TRUST,
                        "policies": [policy if policy is not None and i == 0 else permissions(i)],
                    }
                    for i in range(roles)
                }
            },
        }
    }  # fmt: skip


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each statement compiled from now on (the compile memos emptied first)."""
    compiling.compile_policy.cache_clear()
    count: list[int] = []
    original = compiling._statement

    def counting(*args: Any) -> Any:
        count.append(1)
        return original(*args)

    monkeypatch.setattr(compiling, "_statement", counting)
    return count


def test_loading_compiles_nothing_and_a_decision_compiles_what_it_reads(
    compiled: list[int],
) -> None:
    world = iamsim.World.from_dict(world_doc(50))
    assert compiled == []
    decision = world.assume_role(
        "arn:aws:iam::111111111111:user/alice", "arn:aws:iam::222222222222:role/R7", "s1"
    )
    assert decision.allowed
    # alice's policy and R7's trust policy (shared by every role, compiled once); not the
    # fifty roles' permissions policies.
    assert len(compiled) == 2
    world.assume_role(
        "arn:aws:iam::111111111111:user/alice", "arn:aws:iam::222222222222:role/R8", "s2"
    )
    assert len(compiled) == 2


def test_a_decision_compiled_on_first_use_is_the_one_compiled_before() -> None:
    role = "arn:aws:iam::222222222222:role/R3"
    fresh = iamsim.World.from_dict(world_doc(5))
    first = fresh.simulate(role, "s3:GetObject", "arn:aws:s3:::b3/k")  # compiles here
    second = fresh.simulate(role, "s3:GetObject", "arn:aws:s3:::b3/k")  # already compiled
    other = fresh.simulate(role, "s3:GetObject", "arn:aws:s3:::b4/k")
    assert first == second and first.explain() == second.explain()
    assert first.outcome != other.outcome or first.explain() != other.explain()


# IAM User Guide, "IAM JSON policy elements reference": each of these is a policy IAM
# refuses; iamsim refuses it when the world loads, though nothing is compiled then.
MALFORMED = [
    ({"Version": "2012-10-17",
      "Statement": [{"Effect": "Alow", "Action": "s3:*", "Resource": "*"}]},
     "statement.effect.invalid"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]},
     "statement.action.missing"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
      "Condition": {"StringEqualz": {"aws:username": "a"}}}]},
     "condition.operator.unknown"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
      "Resource": "arn:aws:s3:::b/${oops"}]},
     "statement.resource.invalid"),
]  # fmt: skip


@pytest.mark.parametrize(("policy", "code"), MALFORMED)
@pytest.mark.parametrize("ext", [".json", "from_dict"])
def test_a_malformed_policy_is_refused_at_load(
    tmp_path: Path, compiled: list[int], policy: dict[str, Any], code: str, ext: str
) -> None:
    doc = world_doc(3, policy)
    with pytest.raises(iamsim.WorldError) as caught:
        if ext == "from_dict":
            iamsim.World.from_dict(doc)
        else:
            path = tmp_path / f"w{ext}"
            path.write_text(json.dumps(doc))
            iamsim.World.load(path)
    codes = {p.code for p in caught.value.problems}
    assert code in codes, codes
    assert all(p.path.startswith("accounts.222222222222.roles.R0.policies[0]")
               for p in caught.value.problems)  # fmt: skip
    assert compiled == []
