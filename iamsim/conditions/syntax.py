"""The only module that imports lark: parses operator keys and `${…}` templates.

Lark's errors become `PolicyError`s carrying the column and a caret under the text.
"""

from __future__ import annotations

import functools
from importlib import resources

import lark

from iamsim.conditions.ast import Literal, OperatorKey, Template, Variable
from iamsim.errors import PolicyError, Problem
from iamsim.limits import MEMO_BOUND

__all__ = ["parse_operator_key", "parse_template"]

_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@functools.cache
def _parser(start: str) -> lark.Lark:
    grammar = resources.files("iamsim.conditions").joinpath("grammar.lark").read_text("utf-8")
    return lark.Lark(grammar, start=start, parser="lalr", maybe_placeholders=False)


def _syntax_problem(code: str, what: str, text: str, column: int, expected: str) -> PolicyError:
    caret = " " * (column - 1) + "^"
    message = f"{what} {text!r}: {expected} at column {column}\n    {text}\n    {caret}"
    return PolicyError(Problem(code, "", message))


def _letters(text: str) -> bool:
    return text.isascii() and text.isalpha()


def _simple_operator_key(text: str) -> tuple[str | None, str] | None:
    """(QUALIFIER, OPNAME) as grammar.lark's `operator_key` splits a well-formed key, or
    None for anything else (lark then says where it goes wrong). Well-formed keys skip
    lark: a statement with 10,000 unknown operators parses each once."""
    qualifier, colon, name = text.rpartition(":")
    if not (name[:1].isascii() and name[:1].isalpha() and name.isascii() and name.isalnum()):
        return None
    if not colon:
        return None, name
    # QUALIFIER: /For[A-Za-z]+Values?/ (a letter at least between `For` and `Value`).
    stem = qualifier.removesuffix("s") if qualifier.endswith("Values") else qualifier
    if _letters(qualifier) and stem.startswith("For") and stem.endswith("Value") and len(stem) > 8:
        return qualifier, name
    return None


@functools.lru_cache(maxsize=MEMO_BOUND)
def parse_operator_key(text: str) -> OperatorKey:
    """Split an operator key into set qualifier, base operator and `IfExists`.

    Raises `PolicyError` for text that is not shaped like an operator key.
    """
    simple = _simple_operator_key(text)
    if simple is not None:
        return _operator_key(text, *simple)
    try:
        tree = _parser("operator_key").parse(text)
    except lark.UnexpectedInput as exc:
        raise _syntax_problem(
            "condition.operator.syntax",
            "condition operator",
            text,
            exc.column if isinstance(exc.column, int) and exc.column > 0 else 1,
            "unexpected character",
        ) from None
    tokens = {t.type: str(t) for t in tree.children if isinstance(t, lark.Token)}
    return _operator_key(text, tokens.get("QUALIFIER"), tokens["OPNAME"])


def _operator_key(text: str, qualifier: str | None, name: str) -> OperatorKey:
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name[: -len("IfExists")] if if_exists else name
    return OperatorKey(text=text, base=base, qualifier=qualifier, if_exists=if_exists)


class _ToTemplate(lark.Transformer[lark.Token, tuple[Literal | Variable, ...]]):
    def template(self, parts: list[Literal | Variable]) -> tuple[Literal | Variable, ...]:
        return tuple(parts)

    def text(self, items: list[lark.Token]) -> Literal:
        return Literal(str(items[0]))

    def escape(self, items: list[lark.Token]) -> Literal:
        return Literal(_ESCAPES[str(items[0])], escaped=True)

    def variable(self, items: list[lark.Token]) -> Variable:
        key = next(str(t) for t in items if t.type == "VARKEY")
        default = next((str(t)[1:-1] for t in items if t.type == "DEFAULT"), None)
        return Variable(key=key, default=default)


@functools.lru_cache(maxsize=16384)
def parse_template(text: str) -> Template:
    """Parse a value that may hold policy variables; raise `PolicyError` on a bad `${…}`."""
    if "${" not in text:
        return Template(text=text, parts=(Literal(text),) if text else ())
    try:
        tree = _parser("template").parse(text)
        parts = _ToTemplate().transform(tree)
    except lark.UnexpectedInput as exc:
        column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
        raise _syntax_problem(
            "variable.syntax",
            "policy variable in",
            text,
            column,
            "expected `${key}`, `${key, 'default'}`, `${*}`, `${?}` or `${$}`",
        ) from None
    except lark.exceptions.VisitError as exc:  # pragma: no cover - transformer bug guard
        raise PolicyError(Problem("variable.syntax", "", str(exc.orig_exc))) from None
    return Template(text=text, parts=_merge(parts))


def _merge(parts: tuple[Literal | Variable, ...]) -> tuple[Literal | Variable, ...]:
    """Join adjacent plain literals so renderers see one piece of text."""
    out: list[Literal | Variable] = []
    for part in parts:
        prev = out[-1] if out else None
        if (
            isinstance(part, Literal)
            and isinstance(prev, Literal)
            and not part.escaped
            and not prev.escaped
        ):
            out[-1] = Literal(prev.text + part.text)
        else:
            out.append(part)
    return tuple(out)
