"""Fuzzing: random bytes, every truncation of the corpus datagrams, mutated templates and
field lengths. The collector must never fail, and every rejection must be a located issue."""

from __future__ import annotations

import struct

import pytest
from flowexport_craft import FLOW_EXPORT, ipfix_message, ipfix_set, v9_message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawall.errors import Location, ParseIssue
from seawall.sources.flowexport import ExportCollector, looks_like_export
from seawall.sources.pcap.index import ips_to_strings
from seawall.sources.pcap.reader import read_index

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Datagram = tuple[str, int, bytes, str]


def _corpus_datagrams() -> list[Datagram]:
    out = []
    for path in sorted(FLOW_EXPORT.glob("*.pcap")):
        index, _ = read_index(str(path))
        exporters = ips_to_strings(index.src_hi, index.src_lo, index.ip_version)
        for row in range(len(index)):
            out.append((path.name, int(index.frame[row]), index.payload(row), exporters[row] or ""))
    return out


DATAGRAMS = _corpus_datagrams()


def _primed() -> ExportCollector:
    """A collector that has seen every corpus datagram, so it knows every template."""
    collector = ExportCollector()
    for name, frame, payload, exporter in DATAGRAMS:
        collector.feed(payload, exporter, 0, Location(name, frame))
    collector.finish()  # keeps the templates, forgets the data still waiting
    return collector


def _check(issues: list[ParseIssue], file: str) -> None:
    for issue in issues:
        assert not issue.reason.startswith("decoder error"), issue
        assert issue.location.file == file and issue.location.frame is not None, issue
        assert issue.kind in ("parse", "truncated", "unsupported", "missing-template"), issue


def test_corpus_has_datagrams_of_every_format() -> None:
    kinds = {looks_like_export(payload) for _, _, payload, _ in DATAGRAMS}
    assert kinds == {"netflow5", "netflow9", "ipfix", "sflow5"}


def test_every_truncation_of_every_corpus_datagram_is_reported() -> None:
    """Each cut must leave a located trace: an issue at once, or (data waiting for a
    template) a missing-template issue at finish()."""
    collector = _primed()
    for name, frame, payload, exporter in DATAGRAMS:
        file = f"{name}#{frame}"
        for cut in range(len(payload)):
            collector.feed(payload[:cut], exporter, 0, Location(file, cut + 1))
        table, issues, stats = collector.finish()
        _check(issues, file)
        unreported = set(range(1, len(payload) + 1)) - {i.location.frame for i in issues}
        assert not unreported, f"{name} frame {frame}: cuts at {sorted(unreported)[:5]} unreported"
        assert table.num_rows == stats["records_decoded"]


@pytest.fixture(scope="module")
def primed() -> ExportCollector:
    return _primed()


@FUZZ
@given(
    prefix=st.sampled_from([b"", b"\x00\x05", b"\x00\x09", b"\x00\x0a", b"\x00\x00\x00\x05"]),
    body=st.binary(max_size=400),
)
def test_random_bytes(prefix: bytes, body: bytes) -> None:
    datagram = prefix + body
    looks_like_export(datagram)
    collector = ExportCollector()
    collector.feed(datagram, "198.51.100.1", 0, Location("random", 1))
    table, issues, stats = collector.finish()
    _check(issues, "random")
    assert table.num_rows == stats["records_decoded"]


@FUZZ
@given(
    which=st.integers(min_value=0, max_value=len(DATAGRAMS) - 1),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
)
def test_byte_flips_in_corpus_datagrams(
    primed: ExportCollector, which: int, flips: list[tuple[int, int]]
) -> None:
    _, _, payload, exporter = DATAGRAMS[which]
    mutated = bytearray(payload)
    for position, value in flips:
        mutated[position % len(mutated)] = value
    looks_like_export(bytes(mutated))
    primed.feed(bytes(mutated), exporter, 0, Location("flipped", 1))
    table, issues, stats = primed.drain()
    _check(issues, "flipped")
    assert table.num_rows == stats["records_decoded"]


FIELD_LENGTHS = st.one_of(
    st.sampled_from([0, 1, 2, 3, 4, 5, 8, 16, 255, 0xFFFF]), st.integers(0, 70)
)
FIELDS = st.lists(
    st.tuples(
        st.one_of(st.sampled_from([1, 2, 4, 6, 7, 8, 11, 12, 22, 27, 34, 48, 152, 160]),
                  st.integers(0, 0x7FFF)),
        FIELD_LENGTHS,
        st.sampled_from([0, 0, 0, 9, 29305]),
    ),
    max_size=12,
)  # fmt: skip


def _specs(fields: list[tuple[int, int, int]]) -> bytes:
    out = b""
    for element, length, enterprise in fields:
        if enterprise:
            out += struct.pack(">HHI", element | 0x8000, length, enterprise)
        else:
            out += struct.pack(">HH", element, length)
    return out


@FUZZ
@given(
    template_id=st.one_of(st.integers(0, 65535), st.just(256)),
    data_id=st.one_of(st.integers(0, 65535), st.just(256)),
    fields=FIELDS,
    scope=st.integers(0, 3),
    options=st.booleans(),
    data=st.binary(max_size=300),
    cut=st.integers(0, 8),
)
def test_mutated_ipfix_templates(
    template_id: int,
    data_id: int,
    fields: list[tuple[int, int, int]],
    scope: int,
    options: bool,
    data: bytes,
    cut: int,
) -> None:
    if options:
        record = struct.pack(">HHH", template_id, len(fields), scope) + _specs(fields)
    else:
        record = struct.pack(">HH", template_id, len(fields)) + _specs(fields)
    message = ipfix_message([ipfix_set(3 if options else 2, record), ipfix_set(data_id, data)])
    message = message[: len(message) - cut]
    collector = ExportCollector()
    collector.feed(message, "198.51.100.2", 0, Location("ipfix", 1))
    table, issues, stats = collector.finish()
    _check(issues, "ipfix")
    assert table.num_rows == stats["records_decoded"] <= len(data)


@FUZZ
@given(
    template_id=st.integers(0, 65535),
    fields=st.lists(st.tuples(st.integers(0, 400), FIELD_LENGTHS), max_size=12),
    scope_bytes=st.sampled_from([0, 2, 4, 8, 12]),
    options=st.booleans(),
    data=st.binary(max_size=300),
    count=st.integers(0, 65535),
)
def test_mutated_v9_templates(
    template_id: int,
    fields: list[tuple[int, int]],
    scope_bytes: int,
    options: bool,
    data: bytes,
    count: int,
) -> None:
    specs = b"".join(struct.pack(">HH", element, length) for element, length in fields)
    if options:
        template = struct.pack(">HHH", template_id, scope_bytes, len(specs)) + specs
    else:
        template = struct.pack(">HH", template_id, len(fields)) + specs
    message = bytearray(v9_message([ipfix_set(1 if options else 0, template),
                                    ipfix_set(template_id, data)]))  # fmt: skip
    message[2:4] = struct.pack(">H", count)
    collector = ExportCollector()
    collector.feed(bytes(message), "198.51.100.3", 0, Location("v9", 1))
    table, issues, stats = collector.finish()
    _check(issues, "v9")
    assert table.num_rows == stats["records_decoded"] <= len(data)


SFLOW_RECORD = st.tuples(
    st.sampled_from([1, 2, 3, 1001, 1003, 7, 4096 + 1]), st.binary(max_size=120)
)


@FUZZ
@given(
    samples=st.lists(
        st.tuples(
            st.sampled_from([1, 2, 3, 4, 5, (9 << 12) | 1]),
            st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=11),
            st.lists(SFLOW_RECORD, max_size=3),
            st.integers(-8, 8),
        ),
        max_size=4,
    ),
    claimed=st.integers(0, 6),
)
def test_mutated_sflow_samples(
    samples: list[tuple[int, list[int], list[tuple[int, bytes]], int]], claimed: int
) -> None:
    body = b""
    for fmt, words, records, skew in samples:
        sample = struct.pack(f">{len(words)}I", *words) + struct.pack(">I", len(records))
        for record_format, data in records:
            sample += struct.pack(">II", record_format, len(data)) + data
        body += struct.pack(">II", fmt, max(0, len(sample) + skew)) + sample
    datagram = struct.pack(">IIIIIII", 5, 1, 0x0A000001, 0, 1, 1, claimed) + body
    looks_like_export(datagram)
    collector = ExportCollector()
    collector.feed(datagram, "198.51.100.4", 0, Location("sflow", 1))
    table, issues, stats = collector.finish()
    _check(issues, "sflow")
    assert table.num_rows == stats["records_decoded"] <= stats["flow_samples"]
