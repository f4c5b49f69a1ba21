"""Tags (of users, roles, resources and sessions): an immutable, hashable mapping.

Tags read like a dict (`session.tags["project"]`, `dict(user.tags)`) yet stay frozen,
so the entities that carry them remain hashable and comparable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from iamsim.errors import ValidationError

__all__ = ["NO_TAGS", "Tags", "as_tags", "session_tag_pairs"]


class Tags(Mapping[str, str]):
    """Session tags: an immutable, hashable mapping in the order they were given."""

    __slots__ = ("_pairs",)

    def __init__(
        self, tags: Mapping[str, str] | Iterable[tuple[str, str]] = (), *, what: str = "tags"
    ) -> None:
        """Raise `ValidationError` (naming `what`) unless every key and value is a string."""
        if isinstance(tags, Mapping):
            items: Iterable[object] = tags.items()
        elif isinstance(tags, Iterable) and not isinstance(tags, str | bytes):
            items = tags
        else:
            raise ValidationError(
                f"{what} must be a mapping of tag keys to values, not {type(tags).__name__}"
            )
        pairs = []
        for item in items:
            if not (isinstance(item, tuple | list) and len(item) == 2):
                raise ValidationError(
                    f"{what}: expected (key, value) pairs, not {type(item).__name__}"
                )
            key, value = item
            if not isinstance(key, str):
                raise ValidationError(
                    f"{what}: a tag key must be a string, not {type(key).__name__}"
                )
            if not isinstance(value, str):
                hint = ' (write "" for an empty value)' if value is None else ""
                raise ValidationError(
                    f"{what}[{key!r}]: a tag value must be a string, not "
                    f"{type(value).__name__}{hint}"
                )
            pairs.append((key, value))
        self._pairs: tuple[tuple[str, str], ...] = tuple(pairs)

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


NO_TAGS = Tags()  # the empty tags, shared


def as_tags(
    value: Mapping[str, str] | Iterable[tuple[str, str]] | None, what: str = "tags"
) -> Tags:
    """Converter: tags from a mapping or (key, value) pairs of strings.

    Raises `ValidationError` naming `what` for anything else (a value is never coerced).
    """
    if type(value) is Tags:
        return value
    if value is None or (type(value) in (tuple, dict, list) and not value):
        return NO_TAGS
    return Tags(value, what=what)


def session_tag_pairs(
    tags: Mapping[str, str] | Iterable[Any] | None,
) -> tuple[tuple[str, str], ...]:
    """Session tags as STS takes them: a mapping, (key, value) pairs or boto3's
    `{"Key": …, "Value": …}` entries, as (key, value) pairs in the order given."""
    if tags is None:
        return ()
    if isinstance(tags, Mapping):
        pairs: list[Any] = list(tags.items())
    else:
        if isinstance(tags, str | bytes) or not isinstance(tags, list | tuple):
            raise ValidationError(f"tags must be a list, not {type(tags).__name__}")
        pairs = []
        for item in tags:
            if isinstance(item, Mapping) and set(item) == {"Key", "Value"}:
                pairs.append((item["Key"], item["Value"]))
            elif isinstance(item, tuple | list) and len(item) == 2:
                pairs.append(tuple(item))
            else:
                raise ValidationError(
                    f"tags: {item!r} is not a tag (a key=value pair or {{'Key': …, 'Value': …}})"
                )
    for key, value in pairs:
        if not (isinstance(key, str) and isinstance(value, str)):
            raise ValidationError(
                f"tags: the tag {key!r}={value!r} must have a string key and a string value"
            )
    return tuple(pairs)
