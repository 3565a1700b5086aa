"""Dictionary columns (as Parquet hands them over), the numpy IPv4 parser and the segment
table, each checked against a slower reference."""

from __future__ import annotations

import ipaddress
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.intel.ipv4 import SegmentTable, parse_dotted
from seawall.intel.matcher import IndicatorColumns, IndicatorSet

_DOTTED = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")


def _reference(text: str | None) -> int | None:
    match = _DOTTED.match(text) if text is not None else None
    if match is None or "\n" in text:  # "$" also matches before a final newline
        return None
    octets = [int(g) for g in match.groups()]
    if max(octets) > 255:
        return None
    return (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]


def _check_parse(texts: list[str | None]) -> None:
    value, ok = parse_dotted(pa.array(texts, pa.string()))
    for text, v, good in zip(texts, value.tolist(), ok.tolist(), strict=True):
        expected = _reference(text)
        assert good == (expected is not None), text
        if good:
            assert v == expected, text


def test_parse_dotted_edge_cases():
    _check_parse(
        [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3.256",
            "01.002.3.4",  # leading zeros: read as decimal, as the indicator side does
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            "1.2.3",
            "1.2.3.4.5",
            "1.2.3.4/24",
            "1234.1.1.1",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.4\x00",
            "::1",
            "2001:db8::1",
            "a.b.c.d",
            "",
            None,
            "100.100.100.100",
            "1.2.3.-4",
        ]
    )


ALPHABET = st.sampled_from([*"0123456789....", "a", "/", ":", " ", "-", "é"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(ALPHABET, max_size=17),
            st.tuples(*[st.integers(0, 300)] * 4).map(lambda t: ".".join(map(str, t))),
            st.none(),
        ),
        max_size=40,
    )
)
def test_parse_dotted_agrees_with_a_regex(texts: list[str | None]) -> None:
    _check_parse(texts)


def test_parse_dotted_on_a_slice():
    texts = pa.array(["x", "10.0.0.1", "bad", "192.168.1.254", None, "1.1.1.1"])
    value, ok = parse_dotted(texts.slice(1, 4))
    assert ok.tolist() == [True, False, True, False]
    assert value[0] == int(ipaddress.IPv4Address("10.0.0.1"))
    assert value[2] == int(ipaddress.IPv4Address("192.168.1.254"))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=60, unique=True),
    st.lists(st.integers(0, 2**32 - 1), max_size=60),
)
def test_segment_table_agrees_with_searchsorted(starts: list[int], probes: list[int]) -> None:
    starts_np = np.array(sorted(starts), dtype=np.int64)
    owners = np.arange(len(starts_np), dtype=np.int64)
    table = SegmentTable(starts_np, owners)
    probes_np = np.array(probes + starts + [0, 2**32 - 1], dtype=np.int64)
    pos = np.searchsorted(starts_np, probes_np, side="right") - 1
    expected = np.where(pos >= 0, owners[np.maximum(pos, 0)], -1)
    assert table.lookup(probes_np).tolist() == expected.tolist()


def test_dense_block_needs_many_search_steps():
    # A whole /16 of single addresses: thousands of segments inside one /16 block.
    starts = np.arange(0x0A000000, 0x0A010000, 3, dtype=np.int64)
    table = SegmentTable(starts, np.arange(len(starts), dtype=np.int64))
    probes = np.array([0x0A000000, 0x0A000004, 0x0A00FFFF, 0x09FFFFFF, 0x0B000000])
    expected = np.searchsorted(starts, probes, side="right") - 1
    assert table.lookup(probes).tolist() == expected.tolist()


def _intel() -> IndicatorSet:
    cols = IndicatorColumns()
    for line, (value, kind) in enumerate(
        [
            ("203.0.113.0/24", "cidr"),
            ("198.51.100.7", "ip"),
            ("evil.example", "domain"),
            ("a" * 40, "sha1"),
        ],
        start=1,
    ):
        cols.add(value, kind, "crafted.txt", line)
    return IndicatorSet(cols)


def test_dictionary_columns_match_like_plain_strings(tmp_path):
    addresses = ["198.51.100.7", "203.0.113.9", None, "192.0.2.1", "203.0.113.9"] * 50
    names = ["x.evil.example", None, "good.example", "EVIL.example.", "other"] * 50
    hashes = ["A" * 40, None, "b" * 40, "aa:" * 19 + "aa", "c"] * 50
    table = pa.table({"ip": addresses, "name": names, "sha1": hashes})
    path = tmp_path / "flows.parquet"
    pq.write_table(table, path, row_group_size=64)  # several row groups, several chunks
    encoded = pq.read_table(path, read_dictionary=["ip", "name", "sha1"])
    assert pa.types.is_dictionary(encoded.column("ip").type)
    assert encoded.column("ip").num_chunks > 1
    plain, fresh = _intel(), _intel()
    for match in (
        lambda s, t: s.match_addresses(t.column("ip")),
        lambda s, t: s.match_domains(t.column("name")),
        lambda s, t: s.match_hashes(t.column("sha1"), "sha1"),
    ):
        want = match(plain, table)
        got = match(fresh, encoded)
        assert len(want) > 0
        assert got.rows.tolist() == want.rows.tolist()
        assert got.ids.tolist() == want.ids.tolist()


def test_repeated_dictionary_is_looked_up_once():
    intel = _intel()
    calls: list[int] = []
    original = intel._lookup_addresses

    def counting(dictionary: pa.Array) -> np.ndarray:
        calls.append(len(dictionary))
        return original(dictionary)

    intel._lookup_addresses = counting  # type: ignore[method-assign]
    dictionary = pa.array(["198.51.100.7", "192.0.2.1"])
    chunks = [
        pa.DictionaryArray.from_arrays(pa.array(idx, pa.int32()), dictionary)
        for idx in ([0, 1, 0], [1, 1], [None, 0])
    ]
    hits = intel.match_addresses(pa.chunked_array(chunks))
    assert hits.rows.tolist() == [0, 2, 6]  # rows counted across chunks; the null skipped
    assert calls == [2]
    other = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()), pa.array(["a", "b"]))
    assert len(intel.match_addresses(other)) == 0
    assert calls == [2, 2]
