""" "Did you mean" for condition operators, as `errors.did_you_mean` says it, but fast.

    Choices(options).hint(word) == did_you_mean(word, options)

`did_you_mean` asks difflib about every choice: about half a millisecond a word against
the 370 operator spellings, so a statement with 10,000 unknown operators took 14 s to
report. difflib keeps a choice only if its `quick_ratio` (twice the characters the two
have in common, as multisets, over their total length) reaches the cutoff, and its
`ratio` never exceeds that. `Choices` counts the characters in common with every choice
at once: for each character, bitmasks of the choices that hold it at least once, twice,
…; adding the masks of a word's characters as bit-sliced counters gives each choice's
count in one bit per plane. Only the choices whose count can reach the cutoff are handed
to difflib, in difflib's own way, so the answer is the same.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable

__all__ = ["Choices"]

_CUTOFF = 0.75  # errors.did_you_mean's


class _Index:
    """Choices as bitmasks: which hold a character k times or more, and which have a length."""

    def __init__(self, options: list[str]) -> None:
        self.options = options
        self.holding: dict[str, list[int]] = {}  # char → [mask of ≥1, mask of ≥2, …]
        self.by_length: dict[int, int] = {}
        self._wanted: dict[int, dict[int, int]] = {}  # by a word's length (memo)
        for bit, option in enumerate(options):
            for char, count in Counter(option).items():
                masks = self.holding.setdefault(char, [])
                masks.extend([0] * (count - len(masks)))
                for k in range(count):
                    masks[k] |= 1 << bit
            self.by_length[len(option)] = self.by_length.get(len(option), 0) | 1 << bit

    def close(self, word: str) -> str | None:
        """`difflib.get_close_matches(word, options, n=1, cutoff=0.75)`, or None."""
        la = len(word)
        # Which choices can reach the cutoff, by length and characters in common, as
        # integers: difflib's real_quick_ratio 2·min(la, lb) / (la + lb) ≥ 3/4, and its
        # quick_ratio 2·common / (la + lb) ≥ 3/4, that is common ≥ ⌈3·(la + lb) / 8⌉.
        wanted = self._wanted.get(la)
        if wanted is None:
            wanted = {}  # characters in common needed → those choices, by length
            for lb, mask in self.by_length.items():
                if 8 * min(la, lb) >= 3 * (la + lb):
                    need = -(-3 * (la + lb) // 8)
                    wanted[need] = wanted.get(need, 0) | mask
            if len(self._wanted) < 256:
                self._wanted[la] = wanted
        if not wanted:
            return None
        planes: list[int] = []  # bit-sliced counters: plane i holds bit i of each count
        for char, count in Counter(word).items():
            for mask in self.holding.get(char, ())[:count]:
                carry, i = mask, 0
                while carry:
                    if i == len(planes):
                        planes.append(carry)
                        break
                    plane = planes[i]
                    planes[i] = plane ^ carry
                    carry &= plane
                    i += 1
        survivors = 0
        for need, mask in wanted.items():
            survivors |= mask & _at_least(planes, need)
        if not survivors:
            return None
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)
        best: tuple[float, str] | None = None
        for bit in _bits(survivors):  # difflib's tests, in its order (get_close_matches)
            option = self.options[bit]
            matcher.set_seq1(option)
            if (
                matcher.real_quick_ratio() >= _CUTOFF
                and matcher.quick_ratio() >= _CUTOFF
                and matcher.ratio() >= _CUTOFF
            ):
                scored = (matcher.ratio(), option)
                if best is None or scored > best:
                    best = scored
        return None if best is None else best[1]


def _at_least(planes: list[int], need: int) -> int:
    """The mask of the counters (bit-sliced in `planes`) that are `need` or more."""
    if need <= 0:
        return -1
    if need >> len(planes):
        return 0
    above, equal = 0, -1
    for i in range(len(planes) - 1, -1, -1):
        plane = planes[i]
        if need >> i & 1:
            equal &= plane
        else:
            above |= equal & plane
            equal &= ~plane
    return above | equal


def _bits(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class Choices:
    """A fixed list of choices, indexed once, that answers as `did_you_mean` would."""

    def __init__(self, options: Iterable[str]) -> None:
        listed = list(options)
        self._lowered = {c.lower(): c for c in listed}
        self._exact = _Index(listed)
        self._folded = _Index(list(self._lowered))

    def hint(self, word: str) -> str | None:
        folded = self._lowered.get(word.lower())
        if folded is not None and folded != word:
            return f"did you mean `{folded}`?"
        close = self._exact.close(word)
        if close is None:
            found = self._folded.close(word.lower())
            close = None if found is None else self._lowered[found]
        return None if close is None else f"did you mean `{close}`?"
