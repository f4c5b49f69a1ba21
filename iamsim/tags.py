"""Tags (of users, roles, resources and sessions): an immutable, hashable mapping.

Tags read like a dict (`session.tags["project"]`, `dict(user.tags)`) yet stay frozen,
so the entities that carry them remain hashable and comparable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

__all__ = ["Tags", "as_tags"]


class Tags(Mapping[str, str]):
    """Session tags: an immutable, hashable mapping in the order they were given."""

    __slots__ = ("_pairs",)

    def __init__(self, tags: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        items = tags.items() if isinstance(tags, Mapping) else tags
        self._pairs: tuple[tuple[str, str], ...] = tuple((str(k), str(v)) for k, v in items)

    def __getitem__(self, key: str) -> str:
        for k, v in self._pairs:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __hash__(self) -> int:
        return hash(self._pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tags):
            return self._pairs == other._pairs
        return isinstance(other, Mapping) and dict(self._pairs) == dict(other)

    def __repr__(self) -> str:
        return f"Tags({dict(self._pairs)!r})"


_NO_TAGS = Tags()


def as_tags(value: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Tags:
    """Converter: tags from a mapping or (key, value) pairs; values become strings."""
    if type(value) is Tags:
        return value
    if value is None or value == () or value == {}:
        return _NO_TAGS
    return Tags(value)
