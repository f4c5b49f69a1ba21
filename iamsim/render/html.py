"""Decision, Policy, RoleSession and World → self-contained HTML for Jupyter.

Inline <style> only: no <script>, no external assets, every value escaped with
`html.escape`. A decision shows the verdict and the first line of `explain`, the
AWS error, then two panels side by side (source account | target account), one
coloured row per policy layer, each policy in a <details> with its statements and
its pretty-printed JSON, the deciding statement highlighted.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from json.encoder import encode_basestring_ascii as _json_string
from typing import Any

from iamsim.decision import Check, Decision, Layer
from iamsim.model import Policy
from iamsim.render.aws import aws_error, aws_error_detailed
from iamsim.render.text import (
    VERDICT_WORDS,
    allow_all_words,
    allows_everything,
    condition_comparison,
    layer_mark,
    layer_words,
    ordered_layers,
    summary,
)
from iamsim.session import RoleSession
from iamsim.trace import PolicyTrace, StatementTrace

__all__ = ["decision_html", "policy_html", "session_html", "world_html"]

# Scoped under .iamsim so a notebook's own styles are untouched. Colours follow the
# notebook's theme: each is a custom property that falls back through JupyterLab's theme
# variables (--jp-*), then VS Code's (--vscode-*), then a light default; a dark page
# (JupyterLab's data-jp-theme-light="false", VS Code's body.vscode-dark, or the browser's
# prefers-color-scheme: dark) switches the defaults and the tints to dark ones. Row tints
# are translucent, so they read on any background.
_LIGHT = """
--iamsim-fg:var(--jp-content-font-color1,var(--vscode-editor-foreground,#202124));
--iamsim-muted:var(--jp-content-font-color2,var(--vscode-descriptionForeground,#5f6368));
--iamsim-bg:var(--jp-layout-color0,var(--vscode-editor-background,#fff));
--iamsim-code-bg:var(--jp-layout-color1,var(--vscode-textCodeBlock-background,#f8f9fa));
--iamsim-border:var(--jp-border-color1,var(--vscode-panel-border,#dadce0));
--iamsim-allow:#1e8e3e;--iamsim-deny:#d93025;--iamsim-na:#9aa0a6;
--iamsim-allow-text:#137333;--iamsim-deny-text:#a50e0e;
--iamsim-allow-bg:rgba(30,142,62,.12);--iamsim-deny-bg:rgba(217,48,37,.12);
--iamsim-na-bg:rgba(128,134,139,.10);--iamsim-near-bg:rgba(249,171,0,.25);
--iamsim-allow-hl:rgba(30,142,62,.22);--iamsim-deny-hl:rgba(217,48,37,.25);
"""
_DARK = """
--iamsim-fg:var(--jp-content-font-color1,var(--vscode-editor-foreground,#e8eaed));
--iamsim-muted:var(--jp-content-font-color2,var(--vscode-descriptionForeground,#bdc1c6));
--iamsim-bg:var(--jp-layout-color0,var(--vscode-editor-background,#202124));
--iamsim-code-bg:var(--jp-layout-color1,var(--vscode-textCodeBlock-background,#2d2e30));
--iamsim-border:var(--jp-border-color1,var(--vscode-panel-border,#5f6368));
--iamsim-allow:#81c995;--iamsim-deny:#f28b82;--iamsim-na:#9aa0a6;
--iamsim-allow-text:#81c995;--iamsim-deny-text:#f28b82;
--iamsim-allow-bg:rgba(129,201,149,.16);--iamsim-deny-bg:rgba(242,139,130,.18);
--iamsim-na-bg:rgba(154,160,166,.12);--iamsim-near-bg:rgba(253,214,99,.22);
--iamsim-allow-hl:rgba(129,201,149,.25);--iamsim-deny-hl:rgba(242,139,130,.30);
background:var(--iamsim-bg);
"""
# A page that says its theme wins over the browser's preference.
_DARK_PAGES = (
    '[data-jp-theme-light="false"] .iamsim,body.vscode-dark .iamsim,'
    "body.vscode-high-contrast:not(.vscode-high-contrast-light) .iamsim"
)
_LIGHT_PAGES = (
    '[data-jp-theme-light="true"] .iamsim,body.vscode-light .iamsim,'
    "body.vscode-high-contrast-light .iamsim"
)
_THEMES = (
    f".iamsim{{{_LIGHT}}}@media (prefers-color-scheme: dark){{.iamsim{{{_DARK}}}}}"
    f"{_DARK_PAGES}{{{_DARK}}}{_LIGHT_PAGES}{{{_LIGHT}}}"
)
_CSS = (
    _THEMES
    + """
.iamsim{font:13px/1.35 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;
color:var(--iamsim-fg);max-width:1240px}
.iamsim code,.iamsim pre{font:12px/1.3 Menlo,Consolas,monospace;color:inherit}
.iamsim-head{padding:5px 10px;border-radius:4px;margin:0 0 6px;
border-left:5px solid var(--iamsim-na);background:var(--iamsim-na-bg)}
.iamsim-head.iamsim-allowed{background:var(--iamsim-allow-bg);border-color:var(--iamsim-allow)}
.iamsim-head.iamsim-denied{background:var(--iamsim-deny-bg);border-color:var(--iamsim-deny)}
.iamsim-verdict{font-weight:700}
.iamsim-err{margin:0 0 6px;padding:3px 8px;background:var(--iamsim-code-bg);
border:1px solid var(--iamsim-border);border-radius:4px;overflow-wrap:anywhere}
.iamsim-err div{margin:1px 0}
.iamsim-panels{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin:0 0 6px}
.iamsim-panel{border:1px solid var(--iamsim-border);border-radius:4px;padding:4px 6px;
min-width:0}
.iamsim h4,.iamsim h5{color:var(--iamsim-fg)}
.iamsim h4{margin:2px 0 4px;font-size:13px}
.iamsim h5{margin:6px 0 2px;font-size:12px}
.iamsim-layer{margin:3px 0;padding:3px 6px;border-left:5px solid;border-radius:2px}
.iamsim-allow{background:var(--iamsim-allow-bg);border-color:var(--iamsim-allow)}
.iamsim-deny{background:var(--iamsim-deny-bg);border-color:var(--iamsim-deny)}
.iamsim-na{background:var(--iamsim-na-bg);border-color:var(--iamsim-na);color:var(--iamsim-muted)}
.iamsim-layer.iamsim-denying{border-left-width:9px;outline:2px solid var(--iamsim-deny);
outline-offset:-1px}
.iamsim-denied-here{display:inline-block;margin-left:6px;padding:0 5px;border-radius:3px;
background:var(--iamsim-deny);color:var(--iamsim-bg);font-size:11px;font-weight:700}
.iamsim-mark{display:inline-block;width:1.1em;font-weight:700}
.iamsim-why{font-size:12px;color:var(--iamsim-muted);overflow-wrap:anywhere}
.iamsim details{margin:2px 0 0 14px}
.iamsim summary{cursor:pointer;overflow-wrap:anywhere;color:var(--iamsim-fg)}
.iamsim ul{margin:2px 0;padding-left:18px}
.iamsim pre{margin:2px 0;padding:4px;background:var(--iamsim-code-bg);
border:1px solid var(--iamsim-border);overflow:auto;max-height:260px}
.iamsim-hl-allow{background:var(--iamsim-allow-hl);display:inline-block;min-width:100%}
.iamsim-hl-deny{background:var(--iamsim-deny-hl);display:inline-block;min-width:100%}
.iamsim-hl-near{background:var(--iamsim-near-bg);display:inline-block;min-width:100%}
.iamsim-stmt-deny{color:var(--iamsim-deny-text)}
.iamsim-stmt-allow{color:var(--iamsim-allow-text)}
.iamsim-scroll{overflow-x:auto;max-width:100%}
.iamsim table{border-collapse:collapse;font-size:12px}
.iamsim td,.iamsim th{border:1px solid var(--iamsim-border);padding:2px 6px;text-align:left;
vertical-align:top;color:var(--iamsim-fg)}
.iamsim td code{white-space:nowrap}
.iamsim-muted{color:var(--iamsim-muted)}
"""
)


def _e(value: object) -> str:
    text = value if type(value) is str else str(value)
    # Most values (account ids, layer words) need no escaping; skip html.escape's five passes.
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return html.escape(text, quote=True)
    return text


def _wrap(kind: str, body: str) -> str:
    return f'<div class="iamsim iamsim-{kind}"><style>{_CSS}</style>{body}</div>'


# --- policies ------------------------------------------------------------------------------


def _pretty(value: Any, pad: str) -> str:
    """`json.dumps(value, indent=2)` with every line after the first prefixed by `pad`.

    A hand-rolled encoder: json.dumps with `indent` falls back to the slow pure-Python
    encoder. Object keys keep their order.
    """
    if isinstance(value, str):
        return _json_string(value)
    inner = pad + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        body = ",\n".join(
            f"{inner}{_json_string(str(k))}: {_pretty(v, inner)}" for k, v in value.items()
        )
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        body = ",\n".join(inner + _pretty(v, inner) for v in value)
        return "[\n" + body + "\n" + pad + "]"
    return json.dumps(value)


def _statement_json(item: Any, pad: str) -> str:
    """One statement as its policy holds it: elements in IAM's order (Sid, Effect, Principal,
    Action, Resource, Condition), and inside Principal and Condition the order the author
    wrote (never re-sorted: a reader compares it with the document they wrote)."""
    if not isinstance(item, dict) or not item:
        return pad + _pretty(item, pad)
    inner = pad + "  "
    body = ",\n".join(
        f"{inner}{_json_string(str(k))}: {_pretty(v, inner)}" for k, v in item.items()
    )
    return pad + "{\n" + body + "\n" + pad + "}"


def _policy_json(policy: Policy, marks: Mapping[int, str] | None = None) -> str:
    """Pretty-printed policy JSON, escaped; statements whose index is in `marks` get that class."""
    return _policy_json_cached(policy, tuple(sorted((marks or {}).items())))


@functools.lru_cache(maxsize=512)
def _policy_json_cached(policy: Policy, mark_items: tuple[tuple[int, str], ...]) -> str:
    # Policies are frozen and hash once (cache_hash), as the engine's compiled-policy cache
    # relies on; the same policy shows up in decision after decision of a notebook.
    marks = dict(mark_items)
    doc = policy.to_dict()
    statements = doc.get("Statement")
    head = [(k, v) for k, v in doc.items() if k != "Statement"]
    lines = ["{"]
    for key, value in head:
        lines.append(f"  {_e(json.dumps(key))}: {_e(json.dumps(value))},")
    if isinstance(statements, dict):
        statements = [statements]
        as_list = False
    else:
        as_list = True
    items = list(statements or [])
    if as_list:
        lines.append('  "Statement": [')
        prefix = "    "
    else:
        lines.append('  "Statement": ')
        prefix = "  "
    for i, item in enumerate(items):
        text = _e(_statement_json(item, prefix))
        comma = "," if i < len(items) - 1 else ""
        cls = marks.get(i)
        if cls:
            lines.append(f'<span class="{cls}" data-statement="{i}">{text}{comma}</span>')
        else:
            lines.append(text + comma)
    if as_list:
        lines.append("  ]")
    lines.append("}")
    return "<pre>" + "\n".join(lines) + "</pre>"


def policy_html(policy: Policy) -> str:
    """A policy document: a one-line summary, then its statements as pretty-printed JSON."""
    count = len(policy.statements)
    parts = [f"Policy, {count} statement{'s' if count != 1 else ''}"]
    if policy.version:
        parts.append(f"Version {policy.version}")
    if policy.id:
        parts.append(f"Id {policy.id}")
    labels = ", ".join(f"{s.label(i)} ({s.effect})" for i, s in enumerate(policy.statements))
    body = (
        f'<div class="iamsim-head">{_e(" · ".join(parts))}'
        f'<div class="iamsim-why">{_e(labels)}</div></div>' + _policy_json(policy)
    )
    return _wrap("policy", body)


# --- decisions -----------------------------------------------------------------------------


def _layer_class(layer: Layer) -> str:
    return {"ok": "iamsim-allow", "deny": "iamsim-deny", "none": "iamsim-na"}[layer_mark(layer)]


_MARKS = {"iamsim-allow": "✔", "iamsim-deny": "✘", "iamsim-na": "–"}


def _statement_why(stmt: StatementTrace) -> str:
    if stmt.matched:
        return "applies"
    if stmt.near_miss:
        return "near miss: " + "; ".join(
            condition_comparison(c.key, c.operator, c.policy_values, c.request_values)
            for c in stmt.failed_conditions
        )
    return "does not apply: " + ", ".join(f"{f} does not match" for f in stmt.failed)


def _statement_item(stmt: StatementTrace, deciding: bool) -> str:
    if stmt.matched:
        cls = "iamsim-stmt-deny" if stmt.effect == "Deny" else "iamsim-stmt-allow"
    else:
        cls = "iamsim-muted"
    if deciding:
        cls += " iamsim-deciding"
    badge = ""
    if stmt.matched and stmt.effect == "Deny":
        badge = '<span class="iamsim-denied-here">denies the request</span>'
    return (
        f'<li class="{cls}"><code>{_e(stmt.label)}</code> ({_e(stmt.effect)}): '
        f"{_e(_statement_why(stmt))}{badge}</li>"
    )


def _trace_details(trace: PolicyTrace, denying: bool = False) -> str:
    """One policy in a <details>, open when it is why its layer denied (a matching Deny, or
    an Allow that nearly matched), so the highlighted statement shows without a click."""
    verdict = {"allow": "allows", "deny": "denies", "none": "no statement applies"}[trace.verdict]
    where = f", attached to {trace.attached_to}" if trace.attached_to else ""
    deciding = {s.index for s in trace.deciding}
    items = "".join(_statement_item(s, s.index in deciding) for s in trace.statements)
    marks: dict[int, str] = {}
    for s in trace.near_misses:
        marks[s.index] = "iamsim-hl-near"
    for s in trace.deciding:
        marks[s.index] = "iamsim-hl-deny" if s.effect == "Deny" else "iamsim-hl-allow"
    body = f"<ul>{items}</ul>" if items else ""
    if trace.policy is not None:
        body += _policy_json(trace.policy, marks)
    opened = " open" if denying and (trace.verdict == "deny" or trace.near_misses) else ""
    return (
        f"<details{opened}><summary><code>{_e(trace.label)}</code>{_e(where)}: "
        f"{_e(verdict)}</summary>{body}</details>"
    )


def _layer_why(layer: Layer) -> str:
    """One short line under the layer: what decided it, what denied first; the policies that
    allow everything (FullAWSAccess at each level) in one phrase, as the text says them."""
    denies: list[str] = []
    near: list[str] = []
    allows: list[str] = []
    everything: list[PolicyTrace] = []
    for trace in layer.policies:
        if allows_everything(trace):
            everything.append(trace)
            continue
        for s in trace.deciding:
            (denies if s.effect == "Deny" else allows).append(
                f"{trace.label}: {s.label} ({s.effect})"
            )
        if layer.verdict in ("implicit", "deny"):
            for s in trace.near_misses:
                near.append(f"{s.label}: {_statement_why(s)}")
    if everything:
        allows.insert(0, allow_all_words(everything))
    reasons = denies + near + allows
    if not reasons and layer.verdict == "implicit":
        failed = {f for t in layer.policies for s in t.statements for f in s.failed}
        if failed:
            reasons.append("no statement applies (" + ", ".join(sorted(failed)) + " did not match)")
        else:
            reasons.append("no statement applies")
    return "; ".join(reasons)


DENIED_HERE = "denied here"
"""The badge on each layer row that denied the request: what decided stands out by a word
and a heavier frame, not by colour alone."""


def _layer_row(layer: Layer) -> str:
    cls = _layer_class(layer)
    denying = layer_mark(layer) == "deny"
    verdict = VERDICT_WORDS.get(layer.verdict, layer.verdict)
    note = f' <span class="iamsim-muted">({_e(layer.note)})</span>' if layer.note else ""
    why = _layer_why(layer)
    why_html = f'<div class="iamsim-why">{_e(why)}</div>' if why else ""
    details = "".join(_trace_details(t, denying) for t in layer.policies)
    badge = f'<span class="iamsim-denied-here">{DENIED_HERE}</span>' if denying else ""
    extra = (" iamsim-denying", ' data-denying="true"') if denying else ("", "")
    return (
        f'<div class="iamsim-layer {cls}{extra[0]}" data-side="{_e(layer.side)}" '
        f'data-policy-type="{_e(layer.policy_type)}" data-verdict="{_e(layer.verdict)}"'
        f"{extra[1]}>"
        f'<span class="iamsim-mark">{_MARKS[cls]}</span>'
        f"<strong>{_e(layer_words(layer.policy_type))}</strong>"
        f": {_e(verdict)}{badge}{note}{why_html}{details}</div>"
    )


def _panel(d: Decision, layers: Sequence[Layer], side: str) -> str:
    account = d.caller_account if side == "source" else d.resource_account
    who = d.caller if side == "source" else d.resource
    rows = "".join(_layer_row(layer) for layer in ordered_layers(layers, side))
    if not rows:
        rows = '<div class="iamsim-muted">no policy layer evaluated on this side</div>'
    title = f"{side.capitalize()} account {account or '(unknown)'}"
    return (
        f'<section class="iamsim-panel iamsim-{side}" data-side="{side}">'
        f'<h4>{_e(title)}</h4><div class="iamsim-why"><code>{_e(who)}</code></div>'
        f"{rows}</section>"
    )


def _panels(d: Decision, check: Check) -> str:
    return (
        '<div class="iamsim-panels">'
        + _panel(d, check.layers, "source")
        + _panel(d, check.layers, "target")
        + "</div>"
    )


def _list(title: str, items: Iterable[str], cls: str) -> str:
    lis = "".join(f"<li>{item}</li>" for item in items)
    return f'<div class="{cls}"><h5>{_e(title)}</h5><ul>{lis}</ul></div>' if lis else ""


def decision_html(d: Decision) -> str:
    """The decision as a compact, self-contained HTML fragment."""
    state = "allowed" if d.allowed else "denied"
    # The first line of explain(), its verdict ("Denied on both sides:") in bold.
    verdict, colon, rest = summary(d).partition(":")
    head = (
        f'<div class="iamsim-head iamsim-{state}">'
        f'<span class="iamsim-verdict">{_e(verdict + colon)}</span>{_e(rest)}</div>'
    )
    parts = [head]
    error = aws_error(d)
    if error is not None:
        detailed = aws_error_detailed(d)
        err = f"<div>AWS error: <code>{_e(error)}</code></div>"
        if detailed and detailed != error:
            err += f'<div class="iamsim-muted">detailed form: <code>{_e(detailed)}</code></div>'
        parts.append(f'<div class="iamsim-err">{err}</div>')
    if len(d.checks) == 1:
        parts.append(_panels(d, d.checks[0]))
    else:
        for check in d.checks:
            state_word = "allowed" if check.allowed else "denied"
            parts.append(
                f"<h4>{_e(check.action)} on <code>{_e(check.resource)}</code>: {state_word}</h4>"
            )
            parts.append(_panels(d, check))
    parts.append(
        _list(
            "Near misses",
            (
                f"{_e(n.side)} {_e(layer_words(n.policy_type))} "
                f"<code>{_e(n.policy or '')}</code> {_e(n.statement)}: <code>"
                + _e(condition_comparison(n.key, n.operator, n.policy_values, n.request_values))
                + "</code>"
                for n in d.near_misses
            ),
            "iamsim-near-misses",
        )
    )
    if d.missing_context_keys:
        keys = ", ".join(f"<code>{_e(k)}</code>" for k in d.missing_context_keys)
        parts.append(f'<div class="iamsim-why">Missing context keys: {keys}</div>')
    parts.append(_list("Notes", (_e(n) for n in d.notes), "iamsim-notes"))
    if d.session is not None:
        parts.append(
            '<details class="iamsim-session-details"><summary>Session '
            f"<code>{_e(d.session.arn)}</code></summary>{_session_table(d.session)}</details>"
        )
    return _wrap("decision", "".join(parts))


# --- sessions ------------------------------------------------------------------------------


def _session_table(s: RoleSession) -> str:
    creds = s.credentials
    rows: list[tuple[str, str]] = [
        ("ARN", s.arn),
        ("Role", s.role_arn),
        ("Session name", s.session_name),
        ("AssumedRoleId", s.assumed_role_id),
        ("Issued", s.issued.isoformat()),
        ("Expiration", s.expiration.isoformat()),
        ("AccessKeyId", creds.get("AccessKeyId", "") + " (simulated)"),
        ("Source identity", s.source_identity or "—"),
        ("Tags", ", ".join(f"{k}={v}" for k, v in s.tags.items()) or "—"),
        ("Transitive tag keys", ", ".join(s.transitive_tag_keys) or "—"),
        ("Session policies", str(len(s.session_policies) + len(s.session_policy_arns))),
        ("MFA", "yes" if s.mfa_authenticated else "no"),
        ("Chained", "yes" if s.chained else "no"),
    ]
    if s.federated_provider:  # a web identity session's aws:FederatedProvider
        rows.append(("Federated provider", s.federated_provider))
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def session_html(session: RoleSession) -> str:
    """A role session: its ARN, role, expiry, tags and (simulated) access key id."""
    head = f'<div class="iamsim-head">Role session <code>{_e(session.arn)}</code></div>'
    return _wrap("session", head + _session_table(session))


# --- worlds --------------------------------------------------------------------------------


def _arns(items: Any) -> list[str]:
    try:
        return [str(getattr(item, "arn", item)) for item in (items or ())]
    except TypeError:
        return []


def world_html(world: Any) -> str:
    """The accounts of a world (any object with `accounts` and `organization`), as a table."""
    org = getattr(world, "organization", None)
    if org is None:
        org_text = "No organization"
    else:
        org_text = (
            f"Organization {getattr(org, 'id', '?')}, "
            f"management account {getattr(org, 'management_account', '?')}"
        )
    accounts = getattr(world, "accounts", ()) or ()
    if isinstance(accounts, Mapping):
        accounts = accounts.values()
    rows = []
    try:
        account_list = list(accounts)
    except TypeError:
        account_list = []
    for account in account_list:
        alias = getattr(account, "alias", None)
        cells = [f"<code>{_e(getattr(account, 'id', '?'))}</code>", _e(alias or "")]
        for kind in ("users", "roles", "groups", "resources"):
            arns = _arns(getattr(account, kind, ()))
            cells.append("<br>".join(f"<code>{_e(a)}</code>" for a in arns))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    header = "".join(
        f"<th>{h}</th>" for h in ("Account", "Alias", "Users", "Roles", "Groups", "Resources")
    )
    count = len(account_list)
    head = (
        f'<div class="iamsim-head">World: {count} account{"s" if count != 1 else ""}. '
        f"{_e(org_text)}</div>"
    )
    table = f"<table><tr>{header}</tr>{''.join(rows)}</table>"
    return _wrap("world", head + f'<div class="iamsim-scroll">{table}</div>')
