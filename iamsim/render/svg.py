"""Paths of `who_can` / `reachable_from` → a self-contained SVG picture, for Jupyter.

One row per principal: its box, an arrow to each role it assumes, then the target; an
arrow whose hop needs a condition is dashed and labelled with the condition keys. Inline
SVG and a title only: no script, no external asset, every value escaped. It reads the
plain data of each access (`Access.to_dict()`), never a world.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["accesses_html", "accesses_svg"]

_BOX_W, _BOX_H, _GAP, _ROW = 230, 26, 60, 44
_PAD = 10


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _short(arn: str) -> str:
    """The last part of an ARN (`role/Reader` → `Reader`), with its account when it has one."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn
    name = parts[5].rsplit("/", 1)[-1] or parts[5]
    if len(name) > 24:
        name = name[:23] + "…"
    return f"{parts[4]}:{name}" if parts[4] else name


def _box(x: int, y: int, arn: str, fill: str) -> str:
    return (
        f'<g><title>{_e(arn)}</title><rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" '
        f'rx="4" fill="{fill}" stroke="#5f6368"/>'
        f'<text x="{x + 6}" y="{y + 17}" font-size="12" font-family="Menlo,Consolas,monospace">'
        f"{_e(_short(arn))}</text></g>"
    )


def _arrow(x: int, y: int, keys: Sequence[str]) -> str:
    dash = ' stroke-dasharray="4 3"' if keys else ""
    end = x + _GAP - 6
    label = (
        f'<text x="{x + 2}" y="{y - 4}" font-size="9" fill="#b06000">{_e(", ".join(keys))}</text>'
        if keys
        else ""
    )
    return (
        f'<line x1="{x}" y1="{y}" x2="{end}" y2="{y}" stroke="#5f6368"{dash}/>'
        f'<polygon points="{end},{y - 4} {x + _GAP},{y} {end},{y + 4}" fill="#5f6368"/>{label}'
    )


def accesses_svg(accesses: Sequence[Mapping[str, Any]]) -> str:
    """The picture of every path, one row each."""
    rows = []
    widest = 1
    for i, access in enumerate(accesses):
        y = _PAD + i * _ROW
        chain = [access["principal"], *access["via"], access["target"]]
        widest = max(widest, len(chain))
        parts = []
        for j, arn in enumerate(chain):
            x = _PAD + j * (_BOX_W + _GAP)
            fill = "#e8f0fe" if j == 0 else "#e6f4ea" if j == len(chain) - 1 else "#fef7e0"
            parts.append(_box(x, y, arn, fill))
            if j < len(chain) - 1:
                keys = [c["key"] for c in access["conditions"] if c["hop"] == j]
                parts.append(_arrow(x + _BOX_W, y + _BOX_H // 2, keys))
        rows.append("".join(parts))
    width = 2 * _PAD + widest * _BOX_W + (widest - 1) * _GAP
    height = 2 * _PAD + max(1, len(accesses)) * _ROW
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">{"".join(rows)}</svg>'
    )


def accesses_html(
    question: str, accesses: Sequence[Mapping[str, Any]], notes: Sequence[str]
) -> str:
    """The answer for Jupyter: the question, how many principals, the picture, the notes."""
    count = len(accesses)
    head = f"{_e(question)}: {count} principal{'s' if count != 1 else ''}"
    body = accesses_svg(accesses) if accesses else "<p>none</p>"
    notes_html = "".join(f"<li>{_e(n)}</li>" for n in notes)
    return (
        f'<div class="iamsim"><p><b>{head}</b></p>{body}'
        f'<ul style="font-size:11px;color:#5f6368">{notes_html}</ul></div>'
    )
