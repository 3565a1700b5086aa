"""IndicatorSet lookups: crafted edge cases and a brute-force cross-check for CIDRs."""

from __future__ import annotations

import ipaddress

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.intel.matcher import IndicatorColumns, IndicatorSet


def _set(*entries: tuple[str, str]) -> IndicatorSet:
    cols = IndicatorColumns()
    for line, (value, kind) in enumerate(entries, start=1):
        cols.add(value, kind, "crafted.txt", line)
    return IndicatorSet(cols)


def _pairs(intel: IndicatorSet, hits) -> list[tuple[int, str]]:
    return [
        (int(r), intel.indicator(int(i)).value) for r, i in zip(hits.rows, hits.ids, strict=True)
    ]


def test_ipv4_exact_cidr_most_specific_and_parents():
    intel = _set(
        ("10.0.0.0/8", "cidr"),
        ("10.1.0.0/16", "cidr"),
        ("10.1.2.3", "ip"),
        ("192.0.2.0/24", "cidr"),
        ("0.0.0.0/0", "cidr"),
    )
    column = pa.array(
        ["10.1.2.3", "10.1.2.4", "10.2.0.1", "192.0.2.255", "8.8.8.8", None, "junk", "10.1.2"]
    )
    pairs = _pairs(intel, intel.match_addresses(column))
    assert pairs == [
        (0, "10.1.2.3"),
        (1, "10.1.0.0/16"),
        (2, "10.0.0.0/8"),
        (3, "192.0.2.0/24"),
        (4, "0.0.0.0/0"),
    ]
    exact = intel.match_addresses(pa.array(["10.1.2.3"])).ids[0]
    assert [intel.indicator(i).value for i in intel.enclosing(int(exact))] == [
        "10.1.0.0/16",
        "10.0.0.0/8",
        "0.0.0.0/0",
    ]


def test_edges_of_the_address_space():
    intel = _set(("255.255.255.255", "ip"), ("0.0.0.0", "ip"), ("255.255.255.0/24", "cidr"))
    pairs = _pairs(
        intel, intel.match_addresses(pa.array(["255.255.255.255", "0.0.0.0", "255.255.255.7"]))
    )
    assert pairs == [(0, "255.255.255.255"), (1, "0.0.0.0"), (2, "255.255.255.0/24")]


def test_ipv6_exact_and_networks():
    intel = _set(("2001:db8::/32", "cidr"), ("2001:db8::1", "ip"), ("2001:db8:1::/48", "cidr"))
    column = pa.array(["2001:db8::1", "2001:db8:1::5", "2001:db8:2::5", "2001:db9::1", "10.0.0.1"])
    assert _pairs(intel, intel.match_addresses(column)) == [
        (0, "2001:db8::1"),
        (1, "2001:db8:1::/48"),
        (2, "2001:db8::/32"),
    ]


def test_domains_match_subdomains_not_lookalikes():
    intel = _set(("evil.com", "domain"), ("deep.good.org", "domain"))
    column = pa.array(
        [
            "evil.com",
            "a.b.EVIL.com.",
            "notevil.com",
            "evil.com.au",
            "good.org",
            "x.deep.good.org",
            None,
        ]
    )
    assert _pairs(intel, intel.match_domains(column)) == [
        (0, "evil.com"),
        (1, "evil.com"),
        (5, "deep.good.org"),
    ]


def test_most_specific_domain_wins():
    intel = _set(("evil.com", "domain"), ("c2.evil.com", "domain"))
    assert _pairs(intel, intel.match_domains(pa.array(["x.c2.evil.com", "y.evil.com"]))) == [
        (0, "c2.evil.com"),
        (1, "evil.com"),
    ]


def test_hashes_ignore_case_and_colons_and_kind():
    intel = _set(
        ("0ddb34f875632c7e1ec09d75827f82d2336dfeb6", "sha1"),
        ("49ed2ef3f1321e5f044f1e71b0e6fdd5", "ja3"),
        ("ffffffffffffffffffffffffffffffff", "md5"),
    )
    certs = pa.array(
        [
            "0DDB34F875632C7E1EC09D75827F82D2336DFEB6",
            "0D:DB:34:F8:75:63:2C:7E:1E:C0:9D:75:82:7F:82:D2:33:6D:FE:B6",
            None,
        ]
    )
    assert len(intel.match_hashes(certs, "sha1")) == 2
    ja3 = pa.array(["49ED2EF3F1321E5F044F1E71B0E6FDD5", "ffffffffffffffffffffffffffffffff"])
    assert _pairs(intel, intel.match_hashes(ja3, "ja3")) == [
        (0, "49ed2ef3f1321e5f044f1e71b0e6fdd5")
    ]


def test_urls_full_host_path_and_site():
    intel = _set(
        ("http://evil.com/gate.php", "url"),
        ("https://bad.org:8443/x?id=1", "url"),
        ("http://149.28.137.179/", "url"),
    )
    hosts = pa.array(
        ["EVIL.com", "evil.com:80", "bad.org:8443", "149.28.137.179", "evil.com", None]
    )
    uris = pa.array(
        ["/gate.php?u=1", "/gate.php", "/x?id=1", "/anything", "/other", "http://evil.com/gate.php"]
    )
    assert [r for r, _ in _pairs(intel, intel.match_urls(hosts, uris))] == [0, 1, 2, 3, 5]


def test_duplicates_keep_every_source():
    cols = IndicatorColumns()
    cols.add("1.2.3.4", "ip", "a.txt", 3)
    cols.add("1.2.3.4", "ip", "b.csv", 9)
    cols.add("evil.com", "domain", "a.txt", 4)
    cols.add("evil.com", "domain", "b.csv", 10)
    intel = IndicatorSet(cols)
    ip_hit = int(intel.match_addresses(pa.array(["1.2.3.4"])).ids[0])
    assert [intel.indicator(i).source for i in intel.same_value(ip_hit)] == ["a.txt:3", "b.csv:9"]
    dom_hit = int(intel.match_domains(pa.array(["evil.com"])).ids[0])
    assert len(intel.same_value(dom_hit)) == 2


def test_dictionary_typed_columns_are_used_as_is():
    intel = _set(("10.0.0.0/8", "cidr"))
    column = pa.array(["10.0.0.1", "11.0.0.1", "10.9.9.9"]).dictionary_encode()
    assert list(intel.match_addresses(column).rows) == [0, 2]


@settings(max_examples=60, deadline=None)
@given(
    networks=st.lists(
        st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)), min_size=1, max_size=40
    ),
    probes=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40),
)
def test_cidr_lookup_equals_brute_force_longest_prefix(networks, probes):
    nets = [ipaddress.ip_network((addr, plen), strict=False) for addr, plen in networks]
    cols = IndicatorColumns()
    for i, net in enumerate(nets):
        cols.add(
            str(net) if net.prefixlen < 32 else str(net.network_address),
            "cidr" if net.prefixlen < 32 else "ip",
            "h",
            i,
        )
    intel = IndicatorSet(cols)
    # Probe the given points plus every network's first and last address and neighbours.
    points = set(probes)
    for net in nets:
        lo, hi = int(net.network_address), int(net.broadcast_address)
        points.update(p for p in (lo - 1, lo, hi, hi + 1) if 0 <= p < 2**32)
    ordered = sorted(points)
    hits = intel.match_addresses(pa.array([str(ipaddress.IPv4Address(p)) for p in ordered]))
    got = dict(zip(hits.rows.tolist(), hits.ids.tolist(), strict=True))
    for row, point in enumerate(ordered):
        covering = [n for n in nets if int(n.network_address) <= point <= int(n.broadcast_address)]
        if not covering:
            assert row not in got
            continue
        best = max(n.prefixlen for n in covering)
        assert row in got
        assert ipaddress.ip_network(intel.indicator(got[row]).value).prefixlen == best
        assert ipaddress.IPv4Address(point) in ipaddress.ip_network(intel.indicator(got[row]).value)
    assert np.all(hits.ids >= 0)
