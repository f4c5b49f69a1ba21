"""Golden files for the renderings of representative decisions, and the HTML's structure.

For each case in `CASES` (the eight demo scenarios of `iamsim.world.demo`, then the
decisions of tests/golden/cases.json, copied from the compliance corpora) three files
live in tests/golden/:

- `<name>.txt`:  `Decision.explain(color=False)` (compact: what allows everything in one line)
- `<name>.full.txt`:  `Decision.explain(color=False, full=True)` (every policy and statement)
- `<name>.json`: `json.dumps(Decision.to_dict(), indent=2, sort_keys=True)`
- `<name>.html`: `Decision._repr_html_()`

each followed by one newline, compared byte for byte with the live rendering. The clock
is pinned (`DEMO_NOW`), so sessions, expirations and fake credentials are stable.

After a deliberate change to a renderer (or to the engine), rewrite the files and review
the diff before committing it:

    IAMSIM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

The module also checks that a decision saved as JSON renders again, without
re-evaluating, to the same text and HTML as the live decision, and it parses every
HTML rendering (html.parser, no browser): two panels (data-side="source"/"target"),
the failing layer in red, <details> for the statements, the deciding statement
highlighted in the policy JSON, no <script> and no external asset. The same holds
for `_repr_html_` of Policy, World and RoleSession.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim.decision import Decision
from iamsim.world.demo import DEMO_NOW, scenarios

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("IAMSIM_UPDATE_GOLDEN") == "1"
NOW = DEMO_NOW.isoformat()


# --- the cases -----------------------------------------------------------------------------


def _pinned(call: Any) -> Any:
    """The call with `now` pinned at every hop that does not set it."""
    ((kind, args),) = call.items()
    args = dict(args)
    args.setdefault("now", NOW)
    for hop in ("caller", "principal"):
        if isinstance(args.get(hop), dict):
            args[hop] = _pinned(args[hop])
    return {kind: args}


def _run(world: iamsim.World, call: dict[str, Any]) -> Decision:
    ((kind, args),) = call.items()
    args = dict(args)
    args["now"] = dt.datetime.fromisoformat(args["now"].replace("Z", "+00:00"))
    who = "caller" if kind == "assume_role" else "principal"
    if isinstance(args[who], dict):  # a session from an earlier AssumeRole: chaining
        first = _run(world, args[who])
        assert first.allowed, first.explain()
        args[who] = first.session
    if kind == "assume_role":
        return world.assume_role(args.pop("caller"), **args)
    assert kind == "simulate", kind
    return world.simulate(args.pop("principal"), args.pop("action"), args.pop("resource"), **args)


def _corpus_case(case: dict[str, Any]) -> Callable[[], Decision]:
    """Evaluates the case's call; the world is loaded once, so `run()` times evaluation only."""
    worlds: list[iamsim.World] = []

    def run() -> Decision:
        if not worlds:
            spec = case["world"]
            worlds.append(iamsim.World.demo() if spec == "seed" else iamsim.World.from_dict(spec))
        return _run(worlds[0], _pinned(case["call"]))

    return run


def _cases() -> dict[str, Callable[[], Decision]]:
    cases: dict[str, Callable[[], Decision]] = {
        f"seed-{scenario.key}": scenario.run for scenario in scenarios()
    }
    data = json.loads((GOLDEN / "cases.json").read_text("utf-8"))
    for case in data["cases"]:
        cases[case["name"]] = _corpus_case(case)
    return cases


CASES = _cases()
NAMES = sorted(CASES)
_decisions: dict[str, Decision] = {}


def decision(name: str) -> Decision:
    if name not in _decisions:
        _decisions[name] = CASES[name]()
    return _decisions[name]


# --- renderings and golden files -------------------------------------------------------------


def render_json(d: Decision) -> str:
    return json.dumps(d.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)


RENDERINGS: dict[str, Callable[[Decision], str]] = {
    "txt": lambda d: d.explain(color=False),
    "full.txt": lambda d: d.explain(color=False, full=True),
    "json": render_json,
    "html": lambda d: d._repr_html_(),
}


def check_golden(path: Path, rendered: str) -> None:
    data = (rendered + "\n").encode("utf-8")
    if UPDATE:
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        return
    assert path.exists(), f"{path} is missing; run with IAMSIM_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert rendered + "\n" == expected, (
        f"{path.name} differs from the live rendering; if the change is intended, rewrite it "
        "with IAMSIM_UPDATE_GOLDEN=1 and review the diff"
    )


def test_enough_representative_cases() -> None:
    assert len(CASES) >= 12
    outcomes = {decision(n).outcome for n in NAMES}
    assert outcomes == {"allowed", "explicitDeny", "implicitDeny"}
    assert any(len(decision(n).sides) == 2 for n in NAMES)


@pytest.mark.parametrize("kind", sorted(RENDERINGS))
@pytest.mark.parametrize("name", NAMES)
def test_golden(name: str, kind: str) -> None:
    check_golden(GOLDEN / f"{name}.{kind}", RENDERINGS[kind](decision(name)))


def test_no_stray_golden_files() -> None:
    """Every golden file belongs to a case (a renamed case leaves no orphan behind)."""
    expected = {f"{n}.{k}" for n in NAMES for k in RENDERINGS} | {"cases.json"}
    found = {p.name for p in GOLDEN.iterdir() if p.is_file()}
    if UPDATE:
        for stray in found - expected:
            (GOLDEN / stray).unlink()
        return
    assert found == expected


@pytest.mark.parametrize("name", NAMES)
def test_plain_text_is_ascii_and_opens_with_the_verdict(name: str) -> None:
    d = decision(name)
    text = d.explain(color=False)
    assert text.isascii()
    first = text.splitlines()[0]
    if d.allowed:
        assert first.startswith("Allowed: ")
    elif len(d.sides) == 2:
        assert first.startswith("Denied on both sides: ")
    else:
        assert first.startswith("Denied: ")
    assert first == d.to_dict()["summary"]


# --- a saved decision renders again ----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_saved_json_renders_the_same(name: str) -> None:
    live = decision(name)
    path = GOLDEN / f"{name}.json"
    # Unsorted JSON reads back to an equal Decision that renders the same HTML; the golden
    # file's sorted keys reorder the request context (a tuple inside Decision), which no
    # rendering depends on, and the policies' Principal and Condition keys, which the HTML
    # shows as the document it is given holds them (the author's order, never re-sorted).
    again = iamsim.Decision.from_dict(json.loads(json.dumps(live.to_dict())))
    assert again == live
    assert again._repr_html_() == live._repr_html_()
    saved = iamsim.Decision.from_dict(json.loads(path.read_text("utf-8")))
    assert saved.explain() == live.explain()
    assert saved.explain(color=True) == live.explain(color=True)
    assert saved.explain(full=True) == live.explain(full=True)
    assert render_json(saved) == render_json(live)


# --- the HTML, parsed ------------------------------------------------------------------------

VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "source"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node] = []
        self.content: list[str | Node] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.content)

    def iter(self) -> list[Node]:
        out: list[Node] = []
        for child in self.children:
            out.append(child)
            out.extend(child.iter())
        return out

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


class Tree(html.parser.HTMLParser):
    """A strict little DOM: every non-void element must be closed, in order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.node = self.root
        self.feed(text)
        self.close()
        assert self.node is self.root, f"unclosed <{self.node.tag}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.node)
        self.node.children.append(node)
        self.node.content.append(node)
        if tag not in VOID:
            self.node = node

    def handle_endtag(self, tag: str) -> None:
        assert self.node.tag == tag, f"</{tag}> closes <{self.node.tag}>"
        assert self.node.parent is not None
        self.node = self.node.parent

    def handle_data(self, data: str) -> None:
        self.node.content.append(data)


def assert_self_contained(markup: str) -> Tree:
    tree = Tree(markup)
    nodes = tree.root.iter()
    tags = {n.tag for n in nodes}
    assert not tags & {"script", "iframe", "object", "embed", "link", "img", "frame"}, tags
    for node in nodes:
        for key, value in node.attrs.items():
            assert not key.startswith("on"), f"event handler {key} on <{node.tag}>"
            if key in ("src", "href", "srcset", "action", "data", "poster"):
                raise AssertionError(f"external reference {key}={value!r} on <{node.tag}>")
            assert "javascript:" not in (value or "").lower()
    styles = "".join(n.text() for n in nodes if n.tag == "style")
    assert "url(" not in styles and "@import" not in styles
    assert "<script" not in markup.lower()
    return tree


@pytest.mark.parametrize("name", NAMES)
def test_decision_html_structure(name: str) -> None:
    d = decision(name)
    tree = assert_self_contained(d._repr_html_())
    (top,) = tree.root.children
    assert top.tag == "div" and "iamsim-decision" in top.classes

    # Two panels per check, source first, then target.
    panels = tree.root.find_all("section")
    sides = [p.attrs.get("data-side") for p in panels]
    assert sides == ["source", "target"] * len(d.checks)

    # The verdict banner carries the first line of explain().
    (head,) = tree.root.find_all("div", "iamsim-head")
    assert ("iamsim-allowed" if d.allowed else "iamsim-denied") in head.classes
    assert head.text() == d.explain().splitlines()[0]

    rows = tree.root.find_all("div", "iamsim-layer")
    layers = [layer for check in d.checks for layer in check.layers]
    assert len(rows) == len(layers)
    for panel in panels:
        for row in panel.find_all("div", "iamsim-layer"):
            assert row.attrs["data-side"] == panel.attrs["data-side"]
            verdict = row.attrs["data-verdict"]
            red = "iamsim-deny" in row.classes
            green = "iamsim-allow" in row.classes
            assert red == (verdict in ("deny", "implicit")), row.attrs
            assert green == (verdict == "allow"), row.attrs

    # Every denial's layer is a red row on its side.
    for denial in d.denied_by:
        if denial.policy_type == "service":
            continue
        red_rows = [
            r
            for r in rows
            if r.attrs["data-side"] == denial.side
            and r.attrs["data-policy-type"] == denial.policy_type
            and "iamsim-deny" in r.classes
        ]
        assert red_rows, f"no red {denial.side} {denial.policy_type} row"
    if d.allowed:
        assert not [r for r in rows if "iamsim-deny" in r.classes]

    # Statements are expandable, and each deciding statement is highlighted in its policy.
    details = tree.root.find_all("details")
    traces = [t for layer in layers for t in layer.policies]
    assert traces, "a decision without any policy trace"
    assert len([x for x in details if "iamsim-session-details" not in x.classes]) == len(traces)
    for row, layer in zip(rows, layers, strict=True):
        row_details = [x for x in row.children if x.tag == "details"]
        assert len(row_details) == len(layer.policies)
        for box, trace in zip(row_details, layer.policies, strict=True):
            for stmt in trace.deciding:
                cls = "iamsim-hl-deny" if stmt.effect == "Deny" else "iamsim-hl-allow"
                marked = box.find_all("span", cls, data_statement=str(stmt.index))
                if trace.policy is not None:
                    assert marked, f"{trace.label}: {stmt.label} is not highlighted"
                items = [li for li in box.find_all("li", "iamsim-deciding")]
                assert any(stmt.label in li.text() for li in items)


def test_denied_seed_decision_shows_the_failing_layer_in_red() -> None:
    d = decision("seed-wrong-external-id")
    tree = Tree(d._repr_html_())
    source, target = tree.root.find_all("section")
    assert "111111111111" in source.text() and "222222222222" in target.text()
    assert all("iamsim-deny" not in r.classes for r in source.find_all("div", "iamsim-layer"))
    (trust,) = target.find_all("div", "iamsim-layer", data_policy_type="trust")
    assert "iamsim-deny" in trust.classes
    assert "sts:ExternalId" in trust.text()
    # The near-missing trust statement is marked in the policy JSON.
    assert trust.find_all("span", "iamsim-hl-near", data_statement="0")


def test_policy_html_is_self_contained() -> None:
    policy = iamsim.Policy.from_json(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
            ],
        }
    )
    tree = assert_self_contained(policy._repr_html_())
    text = tree.root.text()
    assert "Read" in text and "NoDelete" in text and "s3:Delete*" in text
    assert tree.root.find_all("pre")


def test_world_html_is_self_contained() -> None:
    tree = assert_self_contained(iamsim.World.demo()._repr_html_())
    text = tree.root.text()
    assert "111111111111" in text and "222222222222" in text
    assert "arn:aws:iam::111111111111:user/alice" in text
    assert "arn:aws:iam::222222222222:role/CrossAccountS3Reader" in text


def test_session_html_is_self_contained() -> None:
    session = decision("seed-allowed").session
    assert session is not None
    tree = assert_self_contained(session._repr_html_())
    text = tree.root.text()
    assert "arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev-session" in text
    assert "simulated" in text
