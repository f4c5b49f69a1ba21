"""Context: the per-request way of building one (`extended`) agrees with `chain`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iamsim.request import Context

# Few key names in any case, so that layers override one another's keys.
_KEYS = st.sampled_from(["aws:a", "AWS:A", "aws:B", "sts:c", "Sts:C", "aws:TagKeys", "x:d"])
_VALUES = st.one_of(st.text(max_size=3), st.booleans(), st.lists(st.text(max_size=2), max_size=2))
_MAPS = st.dictionaries(_KEYS, _VALUES, max_size=5)


@given(_MAPS, _MAPS, _MAPS, st.sampled_from(["context", "mapping", "none"]))
def test_property_extended_is_chain(
    base: dict[str, object], fixed: dict[str, object], more: dict[str, object], kind: str
) -> None:
    given_more = {"context": Context.of(more), "mapping": more, "none": None}[kind]
    layers = [Context.of(base), Context.of(fixed)]
    if given_more is not None:
        layers.append(given_more)
    built = Context.of(base).extended(Context.of(fixed), given_more)
    expected = Context.chain(*layers)
    assert built.entries == expected.entries
    assert built == expected


def test_get_reads_any_case_and_absent_keys_are_none() -> None:
    ctx = Context.of({"sts:ExternalId": "x"})
    assert ctx.get("STS:externalid") == "x"
    assert ctx.get("sts:RoleSessionName") is None
    assert Context().get("aws:username") is None
