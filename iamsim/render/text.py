"""Decision → plain text: the verdict and the failing side(s) first, then every layer.

The first line is the answer a person needs (`summary`); the rest is the evidence:
each side, each layer, each policy, the statements that decided it and the
conditions that nearly matched, then notes, missing keys and the AWS error text.
With `color=False` the output is pure ASCII; with `color=True` it uses ANSI colours
and ✔/✘ marks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from iamsim.decision import POLICY_TYPE_WORDS, Check, Decision, Denial, Layer, NearMiss
from iamsim.reason import Reason
from iamsim.render.aws import aws_error, aws_error_detailed
from iamsim.render.federation import sub_hint
from iamsim.render.reasons import clause
from iamsim.trace import ConditionTrace, PolicyTrace, StatementTrace

__all__ = [
    "DENIED_MARK",
    "LAYER_ORDER",
    "VERDICT_WORDS",
    "allow_all_words",
    "allows_everything",
    "condition_comparison",
    "explain",
    "layer_mark",
    "layer_words",
    "ordered_layers",
    "summary",
]


# Control characters the text renderer escapes: C0 except tab and newline, DEL, C1.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# A statement label made from its position (`Statement[2]`), as opposed to a Sid.
STATEMENT_INDEX = re.compile(r"Statement\[\d+\]", re.ASCII)

LAYER_ORDER: dict[str, tuple[str, ...]] = {
    "source": ("scp", "identity", "boundary", "session", "vpc_endpoint"),
    "target": ("trust", "resource", "rcp", "block_public_access"),
}
"""How each side's layers are listed: the order AWS applies them on that side."""

# Why a second action is checked for an AssumeRole request.
_EXTRA_ACTION_WHY: dict[str, str] = {
    "sts:tagsession": (
        "needed because the session gets tags, passed or transitive from the calling session"
    ),
    "sts:setsourceidentity": "needed because the session gets a source identity, set or inherited",
}
_EXTRA_DEFAULT_WHY = "a further action this request needs"

_ANSI = {
    "green": "\x1b[32m",
    "red": "\x1b[31m",
    "dim": "\x1b[2m",
    "bold": "\x1b[1m",
    "reset": "\x1b[0m",
}
# While the text is built, colours are private-use placeholders, so that control
# characters coming from policies or notes can be escaped without touching ours.
_PLACEHOLDER = {name: chr(0xF8F0 + i) for i, name in enumerate(_ANSI)}

_PLURAL_WORDS: dict[str, str] = {
    "scp": "service control policies",
    "rcp": "resource control policies",
}


def layer_words(policy_type: str) -> str:
    """The words for a policy type: `trust` → `role trust policy`."""
    return POLICY_TYPE_WORDS.get(policy_type, f"{policy_type} policy")


def _article(words: str) -> str:
    return "an" if words[:1].lower() in "aeiou" else "a"


def ordered_layers(layers: Iterable[Layer], side: str) -> list[Layer]:
    """The layers of one side, in that side's AWS order; unknown types keep their order, last."""
    order = LAYER_ORDER.get(side, ())
    mine = [layer for layer in layers if layer.side == side]

    def rank(item: tuple[int, Layer]) -> tuple[int, int]:
        pos, layer = item
        try:
            return (order.index(layer.policy_type), pos)
        except ValueError:
            return (len(order), pos)

    return [layer for _, layer in sorted(enumerate(mine), key=rank)]


def _quote(value: str) -> str:
    # JSON quoting escapes control characters, so a hostile value cannot drive the terminal.
    return json.dumps(value)


def _values(values: Sequence[str]) -> str:
    if len(values) == 1:
        return _quote(values[0])
    return "[" + ", ".join(_quote(v) for v in values) + "]"


def condition_comparison(
    key: str, operator: str, policy_values: Sequence[str], request_values: Sequence[str] | None
) -> str:
    """`sts:ExternalId (StringEquals): policy wants "x", request has "y"` (or has no key).

    A negated operator (`StringNotEquals`, `NotIpAddress`, …) reads "policy excludes".
    """
    base = operator.split(":")[-1].removesuffix("IfExists")
    negated = "Not" in base
    verb = "excludes" if negated else "wants"
    wants = f"{key} ({operator}): policy {verb} {_values(policy_values)}"
    if request_values is None:
        return f"{wants}, request has no {key}"
    if not request_values:
        return f"{wants}, request has an empty set"
    return f"{wants}, request has {_values(request_values)}"


# ---------------------------------------------------------------------------------------
# The first line


def _owner(side: str, account: str | None) -> str:
    return f"the {side} account's ({account})" if account else f"the {side} account's"


def _near_misses_for(d: Decision, denial: Denial) -> list[NearMiss]:
    return [
        n
        for n in d.near_misses
        if (n.side, n.policy_type, n.action) == (denial.side, denial.policy_type, denial.action)
    ]


def _condition_clause(d: Decision, denial: Denial) -> str | None:
    """`requires a different sts:ExternalId` when a condition is why nothing allowed it."""
    misses = _near_misses_for(d, denial)
    keys = list(denial.condition_keys) or list(dict.fromkeys(n.key for n in misses))
    if not keys:
        return None
    different, absent = [], []
    for key in keys:
        found = [n for n in misses if n.key.lower() == key.lower()]
        if found and all(n.request_values is None for n in found):
            absent.append(key)
        else:
            different.append(f"a different {key}" + (sub_hint(found[0]) if found else ""))
    # The absent keys share one relative clause: "requires aws:SourceArn and
    # aws:SourceAccount, which the request does not carry".
    parts = different.copy()
    if absent:
        keys_text = absent[0] if len(absent) == 1 else ", ".join(absent[:-1]) + " and " + absent[-1]
        parts.append(f"{keys_text}, which the request does not carry")
    return "requires " + " and ".join(parts)


def _principal_not_trusted(d: Decision, denial: Denial) -> bool:
    """True when every Allow statement of the denying trust/resource layer missed the principal."""
    for check in d.checks:
        if check.action != denial.action:
            continue
        for layer in check.layers:
            if layer.side != denial.side or layer.policy_type != denial.policy_type:
                continue
            allows = [s for p in layer.policies for s in p.statements if s.effect == "Allow"]
            return bool(allows) and all("principal" in s.failed for s in allows)
    return False


def _statement_words(statement: str) -> str:
    """`statement DenyAll` for a Sid; a statement without one is already `Statement[1]`."""
    return statement if STATEMENT_INDEX.fullmatch(statement) else f"statement {statement}"


def _for_action(d: Decision, denial: Denial) -> str:
    """` for sts:TagSession` when the denial concerns a further action of the request."""
    return "" if denial.action == d.action else f" for {denial.action}"


def _why_action(d: Decision, denial: Denial) -> str:
    """` (needed because …)`: why a further action of the request is checked at all."""
    if denial.action == d.action:
        return ""
    return f" ({_EXTRA_ACTION_WHY.get(denial.action.lower(), _EXTRA_DEFAULT_WHY)})"


def _denial_phrase(d: Decision, denial: Denial, *, alone: bool) -> tuple[str, str]:
    """One denial in words: `the target account's (222…) role trust policy does not trust …`,
    and apart, why a further action is checked (said only at its first mention)."""
    words = layer_words(denial.policy_type)
    why = _why_action(d, denial)
    extra = _for_action(d, denial)
    if denial.policy_type == "service":
        return f"{clause(denial.cause)} ({denial.side} side)", ""
    if denial.explicit:
        if denial.policy_type in ("scp", "rcp"):
            text = f"explicit deny in {_article(words)} {words}"
            if denial.attached_to:
                text += f" attached to {denial.attached_to}"
            text += f" ({denial.side} side)"
        else:
            text = f"explicit deny in {_owner(denial.side, denial.account)} {words}"
            if denial.policy:
                text += f" {denial.policy}"
            if denial.statement:
                text += f" ({_statement_words(denial.statement)})"
        if denial.condition_keys:
            text += f", by its condition on {', '.join(denial.condition_keys)}"
        return text + extra, why
    if denial.policy_type in ("scp", "rcp") and denial.attached_to:
        # One level of the organization path lacks an Allow: name the level.
        subject = f"{_owner(denial.side, denial.account)} {words} attached to {denial.attached_to}"
        verb = "does not allow"
    elif denial.policy_type in ("scp", "rcp"):
        subject = f"{_owner(denial.side, denial.account)} {_PLURAL_WORDS[denial.policy_type]}"
        verb = "do not allow"
    else:
        subject = f"{_owner(denial.side, denial.account)} {words}"
        verb = "does not allow"
    condition = _condition_clause(d, denial)
    if condition is not None:
        return f"{subject} {condition}{extra}", why
    if denial.policy_type in ("trust", "resource") and _principal_not_trusted(d, denial):
        if alone:
            return f"{subject} does not allow {denial.action} for {d.caller}", why
        who = d.caller_account or d.caller
        return f"{subject} does not trust {who}{extra}", why
    text = f"{subject} {verb} {denial.action}"
    if alone:
        text += f" for {d.caller}"
    return text, why


def _side_is_fine(d: Decision, side: str) -> bool:
    # A service principal or an anonymous caller has no source side to speak of.
    if side == "source" and d.caller_account is None:
        return False
    layers = [layer for check in d.checks for layer in check.layers if layer.side == side]
    return bool(layers) and all(layer.verdict not in ("deny", "implicit") for layer in layers)


def _allowed_line(d: Decision) -> str:
    parts = []
    for side in ("source", "target"):
        allowing = [
            layer_words(layer.policy_type)
            for layer in ordered_layers(d.layers, side)
            if layer.verdict == "allow"
        ]
        if allowing:
            parts.append(f"{side} side allowed by {', '.join(dict.fromkeys(allowing))}")
    text = f"Allowed: {d.caller} may perform {d.action}"
    if d.resource and d.resource != "*":
        text += f" on {d.resource}"
    if parts:
        text += " (" + "; ".join(parts) + ")"
    if _allowed_without_region(d):
        text += "; " + clause(Reason("region_unknown"))
    return text


def _allowed_without_region(d: Decision) -> bool:
    """A Deny on aws:RequestedRegion did not apply only because the request had no region:
    with the region the call is really made in, AWS may deny it."""
    for note in d.note_reasons:
        if note.code == "deny_skipped_missing_key":
            keys = note.get("keys")
            named = keys if isinstance(keys, tuple) else (keys,)
            if any(str(k).lower() == "aws:requestedregion" for k in named):
                return True
    return False


def _join(phrases: Sequence[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    if len(phrases) == 2:
        return f"{phrases[0]}, and {phrases[1]}"
    return ", ".join(phrases[:-1]) + f", and {phrases[-1]}"


def summary(d: Decision) -> str:
    """The first line of `explain`: verdict, failing side(s) and layer(s), and the condition."""
    if d.allowed:
        return _allowed_line(d)
    if not d.denied_by:
        return f"Denied: {d.action} for {d.caller} (no denying layer was recorded)"
    missing, ordered = _missing_names(d)
    alone = len(d.denied_by) == 1 and not missing
    phrases: list[str] = []
    said: set[str] = set()  # why a further action is checked: said at its first mention only
    for body, why in dict.fromkeys(_denial_phrase(d, denial, alone=alone) for denial in ordered):
        if why and why not in said:
            said.add(why)
            body += why
        phrases.append(body)
    sides = d.sides
    head = "Denied on both sides: " if len(sides) == 2 else "Denied: "
    text = head + _join(phrases)
    if missing:
        # What the request names and the world lacks comes first: it is why AWS says no.
        text = "Denied: " + "; ".join(
            f"{_lower_first(clause(r))} ({x.side} side, {layer_words(x.policy_type)})"
            for r, x in missing
        )
        if phrases:
            text += "; besides, " + _join(phrases)
    if len(sides) == 1 and not missing:
        other = "target" if sides[0] == "source" else "source"
        if _side_is_fine(d, other):
            text += f"; the {other} side is fine"
    if _decided_without_region(d):
        text += "; " + clause(Reason("region_unknown"))
    return text


# The reasons of a denial that comes from a name the request gives and the world lacks.
_MISSING_NAMES = frozenset(
    {"role_missing", "role_account_unknown", "resource_unknown", "caller_account_unknown"}
)


def _missing_names(d: Decision) -> tuple[list[tuple[Reason, Denial]], list[Denial]]:
    """The denials whose reason is a missing caller, role or resource, each with that
    reason, and the other denials (source side first; within a side, AWS's order,
    explicit first). A saved decision keeps each reason's code (`Denial.reason_code`)."""
    ordered = sorted(d.denied_by, key=lambda x: x.side != "source")
    missing = [(x.cause, x) for x in ordered if x.reason_code in _MISSING_NAMES]
    return missing, [x for x in ordered if x.reason_code not in _MISSING_NAMES]


def _lower_first(text: str) -> str:
    """A sentence's words as a clause inside the first line (`The role …` → `the role …`)."""
    return text[:1].lower() + text[1:]


def _decided_without_region(d: Decision) -> bool:
    """A condition on aws:RequestedRegion decided a denial, and the request had no region."""
    key = "aws:requestedregion"
    if key not in {k.lower() for k in d.missing_context_keys}:
        return False
    for denial in d.denied_by:
        keys = [*denial.condition_keys, *(n.key for n in _near_misses_for(d, denial))]
        if key in {k.lower() for k in keys}:
            return True
    return False


# ---------------------------------------------------------------------------------------
# The body


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def paint(self, text: str, *names: str) -> str:
        if not self.color or not names:
            return text
        return "".join(_PLACEHOLDER[n] for n in names) + text + _PLACEHOLDER["reset"]

    def mark(self, kind: str) -> str:
        """A fixed-width verdict mark: ok / deny / none."""
        if self.color:
            return {
                "ok": self.paint("✔", "green"),
                "deny": self.paint("✘", "red"),
                "none": self.paint("–", "dim"),
            }[kind]
        return {"ok": "[ok]  ", "deny": "[DENY]", "none": "[--]  "}[kind]


VERDICT_WORDS = {
    # How each layer verdict reads (text and HTML).
    "allow": "allows",
    "deny": "explicit deny",
    "implicit": "implicit deny",
    "not_applicable": "not applicable",
    "exempt": "exempt",
}


def layer_mark(layer: Layer) -> str:
    """How a layer reads at a glance: "ok" (allows), "deny" (denies), "none" (takes no part)."""
    if layer.verdict == "allow":
        return "ok"
    if layer.verdict in ("deny", "implicit"):
        return "deny"
    return "none"


def _layer_colour(layer: Layer) -> tuple[str, ...]:
    return {"ok": ("green",), "deny": ("red", "bold"), "none": ("dim",)}[layer_mark(layer)]


def _statement_lines(stmt: StatementTrace, style: _Style, indent: str) -> list[str]:
    if stmt.matched:
        kind = "deny" if stmt.effect == "Deny" else "ok"
        head = f"{style.mark(kind)} {stmt.label} ({stmt.effect}): applies"
        lines = [indent + head]
    else:
        if stmt.near_miss and stmt.effect == "Allow":
            what = "near miss, a condition failed"
        elif stmt.near_miss:
            what = "does not apply: its condition does not hold"
        else:
            what = "does not apply: " + ", ".join(f"{f} does not match" for f in stmt.failed)
        lines = [indent + f"{style.mark('none')} {stmt.label} ({stmt.effect}): {what}"]
    for cond in stmt.conditions:
        if stmt.matched or not cond.matched:
            lines.append(indent + "      " + _condition_line(cond, style))
    if stmt.missing_keys:
        lines.append(indent + "      missing context keys: " + ", ".join(stmt.missing_keys))
    return lines


def _condition_line(cond: ConditionTrace, style: _Style) -> str:
    text = condition_comparison(cond.key, cond.operator, cond.policy_values, cond.request_values)
    text = "matches: " + text if cond.matched else style.paint("fails: " + text, "red")
    if cond.note:
        text += f" ({cond.note})"
    return text


_MAX_QUIET = 5
"""Without `full`, policies with more statements list only the deciding ones and the near
misses."""

DENIED_MARK = ">>"
"""Starts the line of the layer that denied and of each statement that denied explicitly,
so that what decided stands out from its neighbours (not by colour alone)."""


def _marked(line: str, style: _Style) -> str:
    """`line` with the denial mark in place of its first two (blank) columns."""
    return style.paint(DENIED_MARK, "red", "bold") + line[len(DENIED_MARK) :]


def _is_star(value: object) -> bool:
    return value == "*" or (isinstance(value, tuple | list) and tuple(value) == ("*",))


def allows_everything(trace: PolicyTrace) -> bool:
    """Whether a policy is an allow-all, such as FullAWSAccess or RCPFullAWSAccess: each
    statement `Allow` `*` on `*` without a condition, and it applied. Such a policy decides
    nothing a reader needs to see statement by statement."""
    policy = trace.policy
    if policy is None or not trace.statements or trace.verdict != "allow":
        return False
    statements = policy.statements
    return all(
        s.effect == "Allow"
        and _is_star(s.action)
        and _is_star(s.resource)
        and s.condition is None
        and (s.principal is None or getattr(s.principal, "wildcard", False))
        and s.not_principal is None
        for s in statements
    ) and all(t.matched for t in trace.statements)


def allow_all_words(traces: Sequence[PolicyTrace]) -> str:
    """One line for the allow-all policies of a layer: `FullAWSAccess at root, ou:Workloads,
    account:111111111111: allows everything`."""
    names = list(dict.fromkeys(t.label for t in traces))
    levels = [t.attached_to for t in traces if t.attached_to]
    where = f" at {', '.join(levels)}" if levels else ""
    return f"{' and '.join(names)}{where}: allows everything"


def _policy_lines(trace: PolicyTrace, style: _Style, indent: str, full: bool) -> list[str]:
    verdict = {"allow": "allows", "deny": "denies", "none": "no statement applies"}[trace.verdict]
    where = f", attached to {trace.attached_to}" if trace.attached_to else ""
    lines = [indent + f"{trace.label}{where}: {verdict}"]
    shown = trace.statements
    hidden = 0
    if len(shown) > _MAX_QUIET and not full:
        keep = {s.index for s in trace.deciding} | {s.index for s in trace.near_misses}
        shown = tuple(s for s in trace.statements if s.index in keep)
        hidden = len(trace.statements) - len(shown)
    for stmt in shown:
        block = _statement_lines(stmt, style, indent + "  ")
        if stmt.matched and stmt.effect == "Deny":
            block[0] = _marked(block[0], style) + " -- this statement denies the request"
        lines.extend(block)
    if hidden:
        lines.append(indent + f"  ({hidden} other statements do not apply)")
    return lines


def _side_lines(
    d: Decision, layers: Sequence[Layer], side: str, style: _Style, full: bool
) -> list[str]:
    account = d.caller_account if side == "source" else d.resource_account
    who = d.caller if side == "source" else d.resource
    label = "caller" if side == "source" else "resource"
    title = f"{side.capitalize()} side (account {account or 'unknown'}, {label} {who})"
    lines = [style.paint(title, "bold")]
    mine = ordered_layers(layers, side)
    if not mine:
        lines.append("  (no policy layer evaluated on this side)")
    for layer in mine:
        verdict = VERDICT_WORDS.get(layer.verdict, layer.verdict)
        head = f"{layer_words(layer.policy_type)}: {verdict}"
        if layer.note:
            head += f" ({layer.note})"
        elif layer.verdict == "implicit":
            head += " (nothing allows it)"
        everything = [] if full else [t for t in layer.policies if allows_everything(t)]
        if everything and len(everything) == len(layer.policies):
            names = allow_all_words(everything).removesuffix(": allows everything")
            head += f" everything ({names})"
        mark = style.mark(layer_mark(layer))
        line = f"  {mark} " + style.paint(head, *_layer_colour(layer))
        lines.append(_marked(line, style) if layer_mark(layer) == "deny" else line)
        if everything and len(everything) == len(layer.policies):
            continue
        if everything:
            lines.append("      " + allow_all_words(everything))
        for trace in layer.policies:
            if trace not in everything:
                lines.extend(_policy_lines(trace, style, "      ", full))
    return lines


def _check_lines(d: Decision, check: Check, style: _Style, full: bool) -> list[str]:
    lines = _side_lines(d, check.layers, "source", style, full)
    lines.extend(_side_lines(d, check.layers, "target", style, full))
    return lines


def _indented(line: str) -> str:
    """A line of a check's block, two columns in; the denial mark stays in the first two."""
    if line.startswith(DENIED_MARK) or line.startswith(_PLACEHOLDER["red"]):
        mark, _, rest = line.partition(DENIED_MARK)
        return mark + DENIED_MARK + "  " + rest
    return "  " + line if line else line


def explain(d: Decision, *, color: bool = False, full: bool = False) -> str:
    """A multi-line account of the decision; its first line is `summary(d)`.

    By default the account is compact: a policy that allows everything (FullAWSAccess,
    RCPFullAWSAccess) is one line per layer, and a long policy shows only the statements
    that decided or nearly matched. `full=True` lists every policy and statement. Either
    way the layer that denied and each statement that denied start with `>>`."""
    style = _Style(color)
    first = summary(d)
    if color:
        verdict, _, rest = first.partition(":")
        first = style.paint(verdict, "bold", "green" if d.allowed else "red") + ":" + rest
    lines = [first, ""]
    if len(d.checks) == 1:
        lines.extend(_check_lines(d, d.checks[0], style, full))
    else:
        for number, check in enumerate(d.checks, 1):
            state = "allowed" if check.allowed else "denied"
            heading = f"Check {number} of {len(d.checks)}: {check.action} on {check.resource}"
            heading += f": {state}"
            lines.append(style.paint(heading, "bold", "green" if check.allowed else "red"))
            lines.extend(_indented(line) for line in _check_lines(d, check, style, full))
            lines.append("")
        if not d.checks:
            lines.append("(no checks were recorded)")
    while lines and lines[-1] == "":
        lines.pop()

    if d.near_misses:
        lines += ["", "Near misses (an Allow that failed only on a condition):"]
        for n in d.near_misses:
            where = f"{n.side} {layer_words(n.policy_type)}"
            name = f" {n.policy}" if n.policy else ""
            lines.append(f"  - {where}{name}, {n.statement}, for {n.action}:")
            lines.append(
                "      "
                + condition_comparison(n.key, n.operator, n.policy_values, n.request_values)
            )
            if n.note:
                lines.append(f"      ({n.note})")
    if d.missing_context_keys:
        lines += ["", "Missing context keys: " + ", ".join(d.missing_context_keys)]
    if d.notes:
        lines += ["", "Notes:"]
        lines.extend(f"  - {note}" for note in d.notes)
    if d.session is not None:
        s = d.session
        lines += ["", f"Session: {s.arn} (expires {s.expiration.isoformat()})"]
        if s.source_identity:
            lines.append(f"  source identity: {s.source_identity}")
        if s.federated_provider:
            lines.append(f"  federated provider: {s.federated_provider}")
        if s.tags:
            lines.append("  tags: " + ", ".join(f"{k}={v}" for k, v in s.tags.items()))
    error = aws_error(d)
    if error is not None:
        lines += ["", "AWS error: " + error]
        detailed = aws_error_detailed(d)
        if detailed is not None and detailed != error:
            lines.append("AWS error (newer, detailed form): " + detailed)
    text = CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}", "\n".join(lines))
    if color:
        for name, mark in _PLACEHOLDER.items():
            text = text.replace(mark, _ANSI[name])
    else:
        # Plain output is ASCII whatever the policies contain.
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text
