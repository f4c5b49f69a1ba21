"""The notebook HTML as a user saw it (issue #13, item 9): on a dark JupyterLab or VS Code
theme the titles, "Near misses" and "Notes" nearly vanished; the denying row looked like
its neighbours; the World table ran off the page; policies were shown with their keys
re-sorted. Screenshots of a denied decision in light and dark are kept in docs/
(scripts/screenshot_html.py)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import render_fixtures as f
from test_render_html import Tree

import iamsim
from iamsim.render import decision_html, policy_html, world_html

DOCS = Path(__file__).parents[2] / "docs"


def _style(text: str) -> str:
    found = re.search(r"<style>(.*?)</style>", text, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_colours_follow_the_notebook_theme() -> None:
    css = _style(decision_html(f.external_id_wrong()))
    # Text, muted text, backgrounds and borders come from JupyterLab's, then VS Code's,
    # theme variables; no text colour is fixed outside the custom properties.
    for variable in (
        "--jp-content-font-color1",
        "--jp-content-font-color2",
        "--jp-layout-color0",
        "--jp-border-color1",
        "--vscode-editor-foreground",
        "--vscode-editor-background",
        "--vscode-descriptionForeground",
    ):
        assert f"var({variable}," in css
    assert "@media (prefers-color-scheme: dark)" in css
    assert '[data-jp-theme-light="false"] .iamsim' in css
    assert "body.vscode-dark .iamsim" in css
    assert '[data-jp-theme-light="true"] .iamsim' in css  # a light page wins over the OS
    rules = re.sub(r"--iamsim-[a-z-]+:[^;]*;", "", css)
    assert not re.search(r"(?<![-\w])color:#", rules), "a text colour ignores the theme"
    assert ".iamsim h4,.iamsim h5{color:var(--iamsim-fg)}" in css  # "Near misses", "Notes"
    assert ".iamsim summary{" in css and "color:var(--iamsim-fg)" in css


def test_the_denying_row_stands_out_by_more_than_colour() -> None:
    tree = Tree(decision_html(f.scp_explicit()))
    rows = tree.root.find_all("div", "iamsim-layer")
    denying = [r for r in rows if "iamsim-denying" in r.classes]
    assert [r.attrs["data-policy-type"] for r in denying] == ["scp"]
    assert denying[0].attrs["data-denying"] == "true"
    (badge,) = [x for x in denying[0].children if "iamsim-denied-here" in x.classes]
    assert badge.text() == "denied here"
    for row in rows:
        if row not in denying:
            assert "data-denying" not in row.attrs
            assert not [x for x in row.children if "iamsim-denied-here" in x.classes]
    # The Deny statement that applied says so, and its policy is open.
    items = [li for li in denying[0].find_all("li") if "denies the request" in li.text()]
    assert items and all("iamsim-stmt-deny" in li.classes for li in items)
    assert any("open" in d.attrs for d in denying[0].find_all("details"))


def test_the_world_table_scrolls_instead_of_running_off() -> None:
    text = world_html(iamsim.World.demo())
    tree = Tree(text)
    (scroll,) = tree.root.find_all("div", "iamsim-scroll")
    assert [c.tag for c in scroll.children] == ["table"]
    assert ".iamsim-scroll{overflow-x:auto;max-width:100%}" in _style(text)


def test_policies_keep_the_order_their_author_wrote() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Principal": {
                    "Service": "sns.amazonaws.com",
                    "AWS": "arn:aws:iam::111111111111:root",
                },
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringLike": {"sts:RoleSessionName": "ci-*"},
                    "StringEquals": {"sts:ExternalId": "x", "aws:SourceAccount": "111111111111"},
                },
                "Effect": "Allow",
            }
        ],
    }
    policy = iamsim.Policy.from_json(doc)
    text = Tree(policy_html(policy)).root.text()
    # The statement's own elements too (Effect written last), without changing its meaning.
    assert policy == iamsim.Policy.from_json(policy.to_dict())
    assert list(policy.to_dict()["Statement"][0]) == ["Principal", "Action", "Condition", "Effect"]
    order = ['"Principal"', '"Service"', '"AWS"', '"StringLike"', '"StringEquals"']
    order += ['"sts:ExternalId"', '"aws:SourceAccount"', '"Effect"']
    positions = [text.index(word) for word in order]
    assert positions == sorted(positions), text


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshots_of_a_denied_decision_are_kept_in_docs() -> None:
    for name in ("decision-light.png", "decision-dark.png"):
        width, height = _png_size(DOCS / name)
        assert width >= 1000 and height >= 600
    page = (DOCS / "explain.md").read_text("utf-8")
    assert "decision-light.png" in page and "decision-dark.png" in page
