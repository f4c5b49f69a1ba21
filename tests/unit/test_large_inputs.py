"""Large policies and requests take time near-linear in their size.

Inputs where a quadratic algorithm takes minutes and a near-linear one a fraction of a
second; no test measures time, each asserts the right answer.
"""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from iamsim.conditions import compile_condition
from iamsim.model import ConditionEntry
from iamsim.request import Context

N = 10_000


def _ip_condition(operator: str, cidrs: tuple[str, ...]) -> object:
    return compile_condition(ConditionEntry(operator, "aws:SourceIp", cidrs), substitute=True)


def test_ip_address_ten_thousand_cidrs_by_ten_thousand_addresses() -> None:
    # IAM User Guide, condition operators, IpAddress: the request's address is in any of
    # the policy's ranges; with ForAllValues each of the request's values must be
    # ("Multivalued context keys"). Every other /24 of 10.0.0.0/8 is listed.
    cidrs = tuple(f"10.{i // 256}.{i % 256}.0/24" for i in range(0, 2 * N, 2))
    inside = [f"10.{i // 256}.{i % 256}.7" for i in range(0, 2 * N, 2)]
    outside = [f"10.{i // 256}.{i % 256}.7" for i in range(1, 2 * N, 2)]
    every = _ip_condition("ForAllValues:IpAddress", cidrs)
    assert every.evaluate(Context.of({"aws:SourceIp": inside})).matched  # type: ignore[attr-defined]
    mixed = [*inside[1:], outside[0]]  # one address between two listed ranges
    assert not every.evaluate(Context.of({"aws:SourceIp": mixed})).matched  # type: ignore[attr-defined]


_V4 = st.builds(
    lambda a, p: f"{ipaddress.IPv4Address(a)}/{p}",
    st.integers(0, 2**32 - 1),
    st.integers(16, 32),
)
_V6 = st.builds(
    lambda a, p: f"{ipaddress.IPv6Address(a)}/{p}",
    st.integers(0, 2**20),
    st.integers(108, 128),
)
_ADDRESSES = st.one_of(
    st.builds(lambda a: str(ipaddress.IPv4Address(a)), st.integers(0, 2**32 - 1)),
    st.builds(lambda a: str(ipaddress.IPv6Address(a)), st.integers(0, 2**20)),
    st.sampled_from(["not-an-ip", "::ffff:10.0.0.1", "10.0.0.1"]),
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(_V4, _V6, st.sampled_from(["10.0.0.0/8", "::/0", "0.0.0.0/0"])),
        min_size=1,
        max_size=8,
    ),
    st.lists(_ADDRESSES, min_size=1, max_size=6),
    st.sampled_from(["IpAddress", "NotIpAddress"]),
)
def test_property_ip_ranges_answer_as_each_network_does(
    cidrs: list[str], addresses: list[str], operator: str
) -> None:
    # IpAddress: in any listed network of the same IP version; NotIpAddress: in none.
    networks = [ipaddress.ip_network(c, strict=False) for c in cidrs]
    condition = _ip_condition(operator, tuple(cidrs))
    for address in addresses:
        try:
            addr = ipaddress.ip_address(address)
        except ValueError:
            continue  # unreadable values are covered by the condition tests
        inside = any(addr.version == n.version and addr in n for n in networks)
        trace = condition.evaluate(Context.of({"aws:SourceIp": address}))  # type: ignore[attr-defined]
        assert trace.matched == (inside != (operator == "NotIpAddress")), address
