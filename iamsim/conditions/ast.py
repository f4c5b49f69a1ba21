"""The nodes the condition grammar produces; no lark type ever leaves `syntax.py`."""

from __future__ import annotations

import attrs

from iamsim.request import Context

__all__ = ["Literal", "OperatorKey", "Template", "Variable"]


@attrs.frozen
class OperatorKey:
    """A parsed condition operator key: `ForAllValues:StringLikeIfExists` → parts."""

    text: str
    base: str
    qualifier: str | None = None  # "ForAnyValue" or "ForAllValues"
    if_exists: bool = False


@attrs.frozen
class Literal:
    """Text copied as is (including what `${*}`, `${?}`, `${$}` stand for)."""

    text: str
    # True for `${*}`/`${?}`: the character is literal even where `*`/`?` are wildcards.
    escaped: bool = False


@attrs.frozen
class Variable:
    """`${key}` or `${key, 'default'}`: the value of a single-valued context key."""

    key: str
    default: str | None = None


@attrs.frozen
class Template:
    """A value with policy variables: literal and variable parts in order."""

    text: str
    parts: tuple[Literal | Variable, ...]

    @property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(p for p in self.parts if isinstance(p, Variable))

    @property
    def is_literal(self) -> bool:
        return not any(isinstance(p, Variable) for p in self.parts)

    def render(self, context: Context) -> tuple[tuple[str, bool], ...] | None:
        """Substitute variables from `context`.

        Returns the value as `(text, literal)` pieces, where `literal` pieces must not
        be read as wildcards (escapes and substituted values: AWS treats a substituted
        value as text). None when a variable without default is missing from the
        request or is multivalued: the value then matches nothing.
        """
        pieces: list[tuple[str, bool]] = []
        for part in self.parts:
            if isinstance(part, Literal):
                pieces.append((part.text, part.escaped))
                continue
            value = context.get(part.key)
            if isinstance(value, tuple):
                value = None
            if value is None:
                if part.default is None:
                    return None
                value = part.default
            pieces.append((value, True))
        return tuple(pieces)

    def missing_keys(self, context: Context) -> tuple[str, ...]:
        """Variable keys without a default that the request lacks."""
        return tuple(
            v.key for v in self.variables if v.default is None and context.get(v.key) is None
        )
