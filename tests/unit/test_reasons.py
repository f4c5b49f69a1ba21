"""Reasons are data (a code and its facts); render/reasons.py alone words them."""

from __future__ import annotations

import ast
import pickle
import typing
from pathlib import Path

import attrs

import iamsim
from iamsim.decision import Decision, Denial, Layer
from iamsim.reason import Reason, ReasonCode
from iamsim.render.reasons import WORDS, clause, sentence
from iamsim.world.demo import ALICE, DEMO_NOW, ROLE

EVALUATE = Path(iamsim.__file__).parent / "evaluate"


def _denied() -> Decision:
    world = iamsim.World.demo()
    return world.assume_role(ALICE, ROLE, "dev-session", external_id="wrong", now=DEMO_NOW)


def test_every_code_has_words_and_every_entry_a_code() -> None:
    assert set(typing.get_args(ReasonCode)) == set(WORDS)


def test_every_code_is_worded_from_its_fields_alone() -> None:
    for code in typing.get_args(ReasonCode):
        assert isinstance(sentence(Reason(code)), str)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _prose(path: Path) -> list[str]:
    """The English in a module's code: string literals with a space, docstrings aside."""
    tree = ast.parse(path.read_text("utf-8"))
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and " " in text and id(node) not in docs:
            found.append(f"{path.name}:{node.lineno}: {text!r}")
    return found


def test_no_english_is_made_in_evaluate() -> None:
    """Reasons and notes are codes and fields there; `render/reasons.py` words them."""
    offenders = [text for path in sorted(EVALUATE.glob("*.py")) for text in _prose(path)]
    assert not offenders


def test_a_denial_says_its_reason_and_keeps_it_as_data() -> None:
    denial = _denied().denied_by[0]
    assert denial.cause.code == "resource_condition_failed"
    assert denial.cause.get("keys") == ("sts:ExternalId",)
    assert denial.reason == (
        "The role trust policy of arn:aws:iam::222222222222:role/CrossAccountS3Reader would "
        "allow arn:aws:iam::111111111111:user/alice but a condition on sts:ExternalId does "
        "not hold."
    )
    assert str(denial.cause) == denial.reason
    assert clause(denial.cause) == denial.reason[:-1]


def test_a_denial_pickles_with_its_reason() -> None:
    denial = _denied().denied_by[0]
    again = pickle.loads(pickle.dumps(denial))
    assert again == denial
    assert again.cause == denial.cause
    assert again.reason == denial.reason


def test_a_saved_denial_carries_its_words_verbatim_and_equals_the_live_one() -> None:
    live = _denied().denied_by[0]
    saved = Denial.from_dict(live.to_dict())
    # The words verbatim, and the code the live reason had (renderers key on it).
    assert saved.cause == Reason("saved", (("text", live.reason), ("code", live.cause.code)))
    assert saved.reason_code == live.reason_code == live.cause.code
    assert saved.reason == live.reason
    assert saved == live
    assert hash(saved) == hash(live)
    # A Denial made by hand may be given the sentence itself.
    by_hand = attrs.evolve(live, reason=live.reason)
    assert by_hand == live
    assert by_hand.cause == Reason.saved(live.reason) and by_hand.reason_code == "saved"


def test_notes_are_data_and_read_as_words() -> None:
    world = iamsim.World.demo()
    d = world.simulate("arn:aws:iam::999999999999:user/eve", "s3:GetObject", "arn:aws:s3:::x/y")
    assert [r.code for r in d.note_reasons][:1] == ["caller_account_unknown"]
    assert d.notes == tuple(sentence(r) for r in d.note_reasons)
    assert d.notes[0].startswith("Account 999999999999 is not described by the world")
    layer = Layer("source", "scp", "exempt", note=Reason("exempt_scp_management_account"))
    assert layer.note == "exempt: SCPs never restrict the management account"
    assert Layer.from_dict(layer.to_dict()) == layer
    assert Decision.from_dict(d.to_dict()).note_reasons[0].code == "saved"
