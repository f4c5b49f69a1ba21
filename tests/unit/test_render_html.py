"""HTML renderings, checked with html.parser: panels, coloured rows, details, escaping."""

from __future__ import annotations

import html.parser
import types
from typing import Any

import attrs
import render_fixtures as f

from iamsim.model import Policy, Statement
from iamsim.render import decision_html, policy_html, session_html, world_html

VOID = {"br", "hr", "img", "meta", "link", "input", "wbr"}


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

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        out = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                out.append(child)
            out.extend(child.find_all(tag, cls))
        return out


class Tree(html.parser.HTMLParser):
    """A strict little DOM: every non-void element must be closed in order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.node = self.root
        self.tags: list[str] = []
        self.feed(text)
        self.close()
        assert self.node is self.root, f"unclosed <{self.node.tag}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
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


def no_external_assets(text: str, tree: Tree) -> None:
    assert "script" not in tree.tags
    assert "<script" not in text.lower()
    for node in tree.root.find_all():
        assert "src" not in node.attrs
        assert not (node.attrs.get("href") or "").startswith("http")
        assert not any(k.startswith("on") for k in node.attrs)
    assert "@import" not in text and "url(" not in text
    assert len(tree.root.find_all("style")) == 1


def test_denied_decision_has_two_panels_and_a_red_row() -> None:
    text = decision_html(f.external_id_wrong())
    tree = Tree(text)
    no_external_assets(text, tree)
    panels = tree.root.find_all("section", "iamsim-panel")
    assert [p.attrs["data-side"] for p in panels] == ["source", "target"]
    assert panels[0].find_all("h4")[0].text() == "Source account 111111111111"
    assert panels[1].find_all("h4")[0].text() == "Target account 222222222222"
    # Side by side.
    assert "grid-template-columns:1fr 1fr" in text
    red = tree.root.find_all(cls="iamsim-deny")
    assert [(r.attrs["data-side"], r.attrs["data-policy-type"]) for r in red] == [
        ("target", "trust")
    ]
    assert red[0].parent is panels[1]
    green = panels[0].find_all(cls="iamsim-allow")
    assert [g.attrs["data-policy-type"] for g in green] == ["identity"]
    assert tree.root.find_all("details")


def test_header_has_verdict_summary_and_aws_error() -> None:
    d = f.external_id_wrong()
    tree = Tree(decision_html(d))
    head = tree.root.find_all(cls="iamsim-head")[0]
    assert "iamsim-denied" in head.classes
    assert head.text() == d.explain().splitlines()[0]
    assert head.find_all("span", "iamsim-verdict")[0].text() == "Denied:"
    err = tree.root.find_all(cls="iamsim-err")[0].text()
    assert d.aws_error is not None and d.aws_error in err
    assert d.aws_error_detailed is not None and d.aws_error_detailed in err


def test_near_miss_values_are_shown() -> None:
    tree = Tree(decision_html(f.external_id_wrong()))
    near = tree.root.find_all(cls="iamsim-near-misses")[0].text()
    compared = 'sts:ExternalId (StringEquals): policy wants "my-secret-123", request has "wrong"'
    assert compared in near
    why = tree.root.find_all(cls="iamsim-deny")[0].find_all(cls="iamsim-why")[0].text()
    assert "sts:ExternalId" in why


def test_policy_json_highlights_the_deciding_statement() -> None:
    tree = Tree(decision_html(f.scp_explicit()))
    denying = tree.root.find_all(cls="iamsim-hl-deny")
    assert len(denying) == 1
    assert '"Sid": "DenySts"' in denying[0].text()
    assert denying[0].attrs["data-statement"] == "1"
    trust_tree = Tree(decision_html(f.allowed()))
    allowing = trust_tree.root.find_all(cls="iamsim-hl-allow")
    assert any('"sts:ExternalId": "my-secret-123"' in a.text() for a in allowing)
    near = Tree(decision_html(f.external_id_wrong())).root.find_all(cls="iamsim-hl-near")
    assert len(near) == 1 and '"Principal"' in near[0].text()


def test_trace_without_document_lists_statements_only() -> None:
    tree = Tree(decision_html(f.boundary_implicit()))
    row = tree.root.find_all(cls="iamsim-deny")[0]
    details = row.find_all("details")[0]
    assert not details.find_all("pre")
    assert "OnlyS3 (Allow): does not apply: action does not match" in details.text()


def test_not_applicable_rows_are_grey() -> None:
    tree = Tree(decision_html(f.allowed()))
    grey = tree.root.find_all(cls="iamsim-na")
    assert {g.attrs["data-policy-type"] for g in grey} == {"boundary", "rcp"}
    assert "iamsim-allowed" in tree.root.find_all(cls="iamsim-head")[0].classes


def test_multiple_checks_get_their_own_panels() -> None:
    tree = Tree(decision_html(f.tag_session_missing()))
    assert len(tree.root.find_all("section", "iamsim-panel")) == 4
    headings = [h.text() for h in tree.root.find_all("h4") if " on " in h.text()]
    assert headings[1].startswith("sts:TagSession on") and headings[1].endswith("denied")


def test_malicious_sid_and_note_are_escaped() -> None:
    evil = "<script>alert(1)</script>"
    policy = Policy(statements=(Statement(effect="Deny", sid=evil, action="*", resource="*"),))
    d = f.scp_explicit()
    layer = d.checks[0].layers[0]
    trace = attrs.evolve(
        layer.policies[0],
        name=evil,
        statements=(f.stmt(sid=evil, effect="Deny"),),
        policy=policy,
    )
    layer = attrs.evolve(layer, policies=(trace,), note=evil)
    check = attrs.evolve(d.checks[0], layers=(layer, *d.checks[0].layers[1:]))
    d = attrs.evolve(d, checks=(check,), notes=(evil,), caller="arn:aws:iam::1:user/<b>")
    text = decision_html(d)
    tree = Tree(text)
    assert "script" not in tree.tags and "b" not in tree.tags
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert evil in tree.root.text()


def test_policy_html() -> None:
    text = policy_html(f.TRUST_POLICY)
    tree = Tree(text)
    no_external_assets(text, tree)
    pre = tree.root.find_all("pre")[0].text()
    assert '"sts:ExternalId": "my-secret-123"' in pre
    assert f.TRUST_POLICY._repr_html_() == text


def test_policy_html_single_statement_object() -> None:
    policy = Policy(
        statements=(Statement(effect="Allow", sid="<x>", action="s3:*", resource="*"),),
        statement_is_list=False,
    )
    tree = Tree(policy_html(policy))
    assert '"Statement": ' in tree.root.text() and '"Sid": "<x>"' in tree.root.text()


def test_session_html() -> None:
    s = f.session()
    text = session_html(s)
    tree = Tree(text)
    no_external_assets(text, tree)
    assert s.arn in tree.root.text()
    assert "(simulated)" in tree.root.text()
    assert s._repr_html_() == text


def test_allowed_decision_shows_the_session() -> None:
    tree = Tree(decision_html(f.allowed()))
    assert f.session().arn in tree.root.find_all(cls="iamsim-session-details")[0].text()


def test_world_html_is_defensive() -> None:
    user = types.SimpleNamespace(arn="arn:aws:iam::111111111111:user/<alice>")
    account: Any = types.SimpleNamespace(
        id="111111111111", alias="dev", users=[user], roles=(), groups=None
    )
    org = types.SimpleNamespace(id="o-abc", management_account="111111111111")
    text = world_html(types.SimpleNamespace(accounts=[account], organization=org))
    tree = Tree(text)
    no_external_assets(text, tree)
    assert "arn:aws:iam::111111111111:user/<alice>" in tree.root.text()
    assert "Organization o-abc" in tree.root.text()
    empty = Tree(world_html(object()))
    assert "0 accounts" in empty.root.text()


def test_decision_repr_html_delegates() -> None:
    d = f.both_sides()
    assert d._repr_html_() == decision_html(d)
