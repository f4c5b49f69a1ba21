"""Warm worlds, their decisions and sessions survive pickle and deepcopy (hypothesis).

Over the generated worlds of `test_world_properties`: after some decisions (the world's
memos full), a copy of the world, of its decisions and of a session answers exactly as
the originals: the same decisions, `to_dict()`, `explain()` and fix descriptions, and a
copied session is a caller in the copied world and in the original alike.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_world_properties import ACTIONS, NOW, RESOURCES, B, requests, worlds

import iamsim

CLONES: list[Callable[[Any], Any]] = [
    lambda obj: pickle.loads(pickle.dumps(obj)),
    lambda obj: pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)),
    copy.deepcopy,
]
BOB = f"arn:aws:iam::{B}:user/bob"
APP = f"arn:aws:iam::{B}:role/app"
TRUST_BOB = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "sts:AssumeRole"}],
}


def _answers(d: iamsim.Decision, fixes: bool) -> tuple[Any, ...]:
    got = (d, d.to_dict(), d.explain())
    return (*got, [f.description for f in d.suggest_fixes()]) if fixes else got


@settings(max_examples=15)
@given(
    worlds(),
    st.lists(requests, min_size=1, max_size=3),
    st.booleans(),
    st.sampled_from(ACTIONS),
    st.sampled_from(RESOURCES),
    st.sampled_from(CLONES),
)
def test_copies_answer_as_the_originals(
    doc: dict[str, Any],
    reqs: list[Any],
    bob_trusted: bool,
    action: str,
    resource: str,
    clone: Callable[[Any], Any],
) -> None:
    if bob_trusted:  # so that AssumeRole often mints a session to copy
        doc = copy.deepcopy(doc)
        doc["accounts"][B]["roles"]["app"]["trust_policy"] = TRUST_BOB
    world = iamsim.World.from_dict(doc)
    decisions = [world.simulate(p, a, r, c, now=NOW) for p, a, r, c in reqs]
    assumed = world.assume_role(BOB, APP, "s1", now=NOW)
    # The world, its decisions and the AssumeRole decision, together and apart.
    copied_world, copied, copied_assumed = clone((world, decisions, assumed))
    alone = [clone(d) for d in [*decisions, assumed]]
    for i, (d, c) in enumerate(zip([*decisions, assumed], [*copied, copied_assumed], strict=True)):
        fixes = i == 0 or d is assumed  # suggest_fixes re-asks edited worlds: keep it short
        assert _answers(c, fixes) == _answers(d, fixes)
        assert _answers(alone[i], False) == _answers(d, False)
    for (p, a, r, c), d in zip(reqs, decisions, strict=True):
        assert _answers(copied_world.simulate(p, a, r, c, now=NOW), False) == _answers(d, False)
    session = assumed.session
    if session is None:
        return
    expected = world.simulate(session, action, resource, now=NOW)
    for w in (world, copied_world):
        for s in (copied_assumed.session, alone[-1].session):
            assert _answers(w.simulate(s, action, resource, now=NOW), False) == _answers(
                expected, False
            )
    chained = copied_world.assume_role(copied_assumed.session, APP, "s2", now=NOW)
    assert _answers(chained, False) == _answers(
        world.assume_role(session, APP, "s2", now=NOW), False
    )
