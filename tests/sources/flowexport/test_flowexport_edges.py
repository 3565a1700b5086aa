"""Crafted edge cases: variable-length and enterprise fields, reduced-size encoding, time
elements, sampling options, withdrawal, pending bound, truncation, sniffing."""

from __future__ import annotations

import socket
import struct
from datetime import UTC, datetime

from flowexport_craft import (
    FLOW_FIELDS,
    flow_record,
    ipfix_message,
    ipfix_options_template,
    ipfix_set,
    ipfix_template,
    v9_message,
    v9_options_template,
    v9_template,
)

from seawall.errors import Location
from seawall.sources.flowexport import ExportCollector, looks_like_export

A = socket.inet_aton("10.0.0.1")
B = socket.inet_aton("10.0.0.2")
EXPORTER = "192.0.2.1"


def _feed(collector: ExportCollector, datagram: bytes, frame: int = 1) -> None:
    collector.feed(datagram, EXPORTER, 1_700_000_000_000_000, Location("crafted.pcap", frame))


def _rows(collector: ExportCollector) -> tuple[list[dict], list, dict]:
    table, issues, stats = collector.finish()
    for name, column in collector.extra.items():
        table = table.append_column(name, column)
    return table.to_pylist(), issues, stats


def test_variable_length_field_with_255_escape_and_enterprise_fields() -> None:
    fields = [
        (8, 4),
        (82, 0xFFFF),  # interfaceName, variable length
        (12, 4),
        (1, 4, 29305),  # reverse octetDeltaCount (RFC 5103)
        (7, 3, 9),  # enterprise 9 element 7: not sourceTransportPort, must be skipped
        (1, 4),
    ]
    long_name = b"x" * 300  # needs the 3-byte length encoding
    records = (
        A + bytes([255]) + struct.pack(">H", 300) + long_name + B + struct.pack(">I", 77)
        + b"\x00\x00\x07" + struct.pack(">I", 1000)
        + B + bytes([2]) + b"ab" + A + struct.pack(">I", 5) + b"\x00\x00\x00"
        + struct.pack(">I", 40)
    )  # fmt: skip
    collector = ExportCollector()
    _feed(collector, ipfix_message([ipfix_set(2, ipfix_template(300, fields)),
                                    ipfix_set(300, records)]))  # fmt: skip
    rows, issues, _ = _rows(collector)
    assert not issues
    assert [(r["source.ip"], r["destination.ip"], r["source.bytes"]) for r in rows] == [
        ("10.0.0.1", "10.0.0.2", 1000),
        ("10.0.0.2", "10.0.0.1", 40),
    ]
    assert [r["destination.bytes"] for r in rows] == [77, 5]
    assert all(r["source.port"] is None for r in rows)


def test_variable_length_field_running_past_the_set_is_located() -> None:
    fields = [(8, 4), (82, 0xFFFF)]
    records = A + bytes([3]) + b"eth" + B + bytes([200]) + b"short"
    collector = ExportCollector()
    _feed(collector, ipfix_message([ipfix_set(2, ipfix_template(301, fields)),
                                    ipfix_set(301, records)]), frame=7)  # fmt: skip
    rows, issues, _ = _rows(collector)
    assert len(rows) == 1
    assert [(i.kind, i.location.frame) for i in issues] == [("truncated", 7)]
    assert "template 301" in issues[0].reason


def test_reduced_size_encoding_and_ipv6() -> None:
    fields = [(27, 16), (28, 16), (7, 2), (11, 2), (4, 1), (1, 3), (2, 1)]
    src = socket.inet_pton(socket.AF_INET6, "2001:db8::1")
    dst = socket.inet_pton(socket.AF_INET6, "2001:db8::2")
    record = src + dst + struct.pack(">HHB", 443, 50000, 6) + (70000).to_bytes(3, "big") + b"\x09"
    collector = ExportCollector()
    _feed(collector, ipfix_message([ipfix_set(2, ipfix_template(400, fields)),
                                    ipfix_set(400, record)]))  # fmt: skip
    rows, issues, _ = _rows(collector)
    assert not issues
    (row,) = rows
    assert (row["source.ip"], row["destination.ip"]) == ("2001:db8::1", "2001:db8::2")
    assert row["network.type"] == "ipv6" and row["network.transport"] == "tcp"
    assert (row["source.bytes"], row["source.packets"]) == (70000, 9)


def test_address_of_the_wrong_size_is_reported_not_misread() -> None:
    fields = [(8, 3), (12, 4), (1, 4)]
    collector = ExportCollector()
    record = b"\x01\x02\x03" + B + b"\x00\x00\x00\x10"
    _feed(collector, ipfix_message([ipfix_set(2, ipfix_template(402, fields)),
                                    ipfix_set(402, record)]))  # fmt: skip
    rows, issues, _ = _rows(collector)
    assert [i.kind for i in issues] == ["unsupported"]
    assert "element 8" in issues[0].reason
    assert rows[0]["destination.ip"] == "10.0.0.2" and rows[0]["source.bytes"] == 16


def test_ipfix_time_elements() -> None:
    export_s = 1_700_000_000
    cases = {
        "milliseconds": (
            [(152, 8), (153, 8)], struct.pack(">QQ", 1_699_999_990_250, 1_699_999_999_000)
        ),
        "seconds": ([(150, 4), (151, 4)], struct.pack(">II", 1_699_999_990, 1_699_999_999)),
        "delta": ([(158, 4), (159, 4)], struct.pack(">II", 9_750_000, 1_000_000)),
    }  # fmt: skip
    expected = {
        "milliseconds": ("2023-11-14T22:13:10.250", "2023-11-14T22:13:19"),
        "seconds": ("2023-11-14T22:13:10", "2023-11-14T22:13:19"),
        "delta": ("2023-11-14T22:13:10.250", "2023-11-14T22:13:19"),
    }
    for name, (time_fields, values) in cases.items():
        collector = ExportCollector()
        message = ipfix_message(
            [ipfix_set(2, ipfix_template(500, [(8, 4), (12, 4), *time_fields])),
             ipfix_set(500, A + B + values)],
            export_s=export_s,
        )  # fmt: skip
        _feed(collector, message)
        rows, issues, _ = _rows(collector)
        assert not issues, name
        start, end = expected[name]
        assert rows[0]["event.start"] == datetime.fromisoformat(start).replace(tzinfo=UTC), name
        assert rows[0]["event.end"] == datetime.fromisoformat(end).replace(tzinfo=UTC), name


def test_ipfix_sysuptime_needs_system_init_time_from_options() -> None:
    """flowStartSysUpTime is relative to systemInitTimeMilliseconds, which exporters send
    as options data, here after the flow data."""
    data_template = ipfix_template(600, [(8, 4), (12, 4), (22, 4), (21, 4)])
    options_template = ipfix_options_template(601, [(144, 4)], [(160, 8)])
    collector = ExportCollector()
    _feed(collector, ipfix_message([ipfix_set(2, data_template), ipfix_set(3, options_template)]))
    _feed(collector, ipfix_message([ipfix_set(601, struct.pack(">IQ", 1, 1_600_000_000_000))]))
    _feed(collector, ipfix_message([ipfix_set(600, A + B + struct.pack(">II", 5_000, 6_500))]))
    rows, issues, _ = _rows(collector)
    assert not issues
    assert rows[0]["event.start"] == datetime(2020, 9, 13, 12, 26, 45, tzinfo=UTC)
    assert rows[0]["event.end"] == datetime(2020, 9, 13, 12, 26, 46, 500000, tzinfo=UTC)


def test_v9_sysuptime_wraps_around() -> None:
    # Exported 2 s after sysUptime wrapped; the flow started 3 s before the wrap.
    message = v9_message(
        [ipfix_set(0, v9_template(256, [(8, 4), (12, 4), (22, 4), (21, 4)])),
         ipfix_set(256, A + B + struct.pack(">II", 2**32 - 3_000, 1_000))],
        unix_s=1_700_000_000,
        uptime_ms=2_000,
    )  # fmt: skip
    collector = ExportCollector()
    _feed(collector, message)
    rows, issues, _ = _rows(collector)
    assert not issues
    assert rows[0]["event.start"] == datetime(2023, 11, 14, 22, 13, 15, tzinfo=UTC)
    assert rows[0]["event.end"] == datetime(2023, 11, 14, 22, 13, 19, tzinfo=UTC)


def test_sampling_rate_per_sampler_learnt_after_the_data() -> None:
    fields = [*FLOW_FIELDS, (48, 1)]
    options = v9_options_template(257, [(1, 4)], [(48, 1), (34, 4)])
    collector = ExportCollector()
    data = flow_record(A, B, 1, 2, 17, 100, 1)
    _feed(collector, v9_message([ipfix_set(0, v9_template(256, fields)),
                                 ipfix_set(256, data + b"\x02" + data + b"\x05")]))  # fmt: skip
    sampler_table = b"\x00\x00\x00\x00\x02" + struct.pack(">I", 512)
    sampler_table += b"\x00\x00\x00\x00\x05" + struct.pack(">I", 64)
    _feed(collector, v9_message([ipfix_set(1, options), ipfix_set(257, sampler_table)]))
    rows, issues, _ = _rows(collector)
    assert not issues
    assert [r["flow.sampling_rate"] for r in rows] == [512, 64]


def test_template_withdrawal_then_data_waits() -> None:
    collector = ExportCollector()
    template = ipfix_set(2, ipfix_template(700, FLOW_FIELDS))
    record = ipfix_set(700, flow_record(A, B, 1, 2, 6, 10, 1))
    _feed(collector, ipfix_message([template, record]), frame=1)
    _feed(collector, ipfix_message([ipfix_set(2, struct.pack(">HH", 700, 0))]), frame=2)
    _feed(collector, ipfix_message([record]), frame=3)
    rows, issues, stats = _rows(collector)
    assert len(rows) == 1
    assert [(i.kind, i.location.frame) for i in issues] == [("missing-template", 3)]
    assert "template id(s) 700" in issues[0].reason and "observation domain 1" in issues[0].reason
    assert stats["sets_pending"] == 1


def test_pending_sets_are_bounded_per_exporter() -> None:
    collector = ExportCollector(max_pending_per_exporter=3)
    for frame in range(1, 6):
        _feed(collector, ipfix_message([ipfix_set(800, b"\x00" * 20)]), frame=frame)
    _, issues, stats = _rows(collector)
    evicted = [i for i in issues if "dropped" in i.reason]
    assert [i.location.frame for i in evicted] == [1, 2]
    waiting = [i for i in issues if "never got" in i.reason]
    assert sorted(i.location.frame for i in waiting) == [3, 4, 5]
    assert stats["dropped"] == 2 and stats["missing_template"] == 3


def test_zero_length_fields() -> None:
    collector = ExportCollector()
    # A zero-length field is skipped; a template of only zero-length fields is rejected.
    fields = [(8, 4), (82, 0), (12, 4)]
    _feed(collector, ipfix_message([
        ipfix_set(2, ipfix_template(900, fields) + ipfix_template(901, [(1, 0), (2, 0)])),
        ipfix_set(900, A + B), ipfix_set(901, b"\x00" * 8),
    ]))  # fmt: skip
    rows, issues, _ = _rows(collector)
    assert [r["destination.ip"] for r in rows] == ["10.0.0.2"]
    reasons = sorted(i.reason for i in issues)
    assert any("template 901 defines records of zero bytes" in r for r in reasons)
    assert any("901" in r and "never got" in r for r in reasons)


def test_truncated_v5_keeps_complete_records() -> None:
    header = struct.pack(">HHIIIIBBH", 5, 3, 1000, 1_700_000_000, 0, 0, 0, 0, 0)
    record = A + B + bytes(4) + struct.pack(">HHIIIIHHBBBBHHBBH", 1, 2, 1, 64, 900, 950,
                                            1234, 80, 0, 0x02, 6, 0, 0, 0, 0, 0, 0)  # fmt: skip
    collector = ExportCollector()
    _feed(collector, header + record * 2 + record[:20], frame=3)
    rows, issues, _ = _rows(collector)
    assert len(rows) == 2
    assert [(i.kind, i.location.frame) for i in issues] == [("truncated", 3)]
    assert rows[0]["source.port"] == 1234 and rows[0]["source.tcp_flags"] == 2


def test_v9_cut_at_a_set_boundary_shows_in_the_record_count() -> None:
    template = ipfix_set(0, v9_template(256, FLOW_FIELDS))
    data = ipfix_set(256, flow_record(A, B, 1, 2, 6, 10, 1))
    full = v9_message([template, data, data])
    cut = full[: len(full) - len(data)]
    collector = ExportCollector()
    _feed(collector, full, frame=1)
    _feed(collector, cut, frame=2)
    rows, issues, _ = _rows(collector)
    assert len(rows) == 3
    assert [(i.kind, i.location.frame) for i in issues] == [("truncated", 2)]


def test_unknown_version_is_an_unsupported_issue() -> None:
    collector = ExportCollector()
    _feed(collector, b"\x00\x07" + b"\x00" * 30)
    _, issues, stats = _rows(collector)
    assert [i.kind for i in issues] == ["unsupported"]
    assert stats["dropped"] == 1


def _sflow_expanded_ipv6_sample() -> bytes:
    src = socket.inet_pton(socket.AF_INET6, "2001:db8::10")
    dst = socket.inet_pton(socket.AF_INET6, "2001:db8::20")
    tcp = struct.pack(">HHIIBBHHH", 51000, 22, 1, 0, 0x50, 0x12, 1024, 0, 0)
    ipv6 = struct.pack(">IHBB", 0x60000000, len(tcp), 6, 64) + src + dst
    frame = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x81\x00\x00\x0a\x86\xdd" + ipv6 + tcp
    frame += b"\x00" * ((-len(frame)) % 4)
    raw_len = len(ipv6) + len(tcp) + 18
    raw = struct.pack(">IIII", 1, raw_len + 4, 4, raw_len) + frame
    gateway = struct.pack(">I", 1) + socket.inet_aton("192.0.2.254")
    gateway += struct.pack(">IIII", 64500, 64501, 64502, 1)  # own AS, src AS, peer AS, 1 seg
    gateway += struct.pack(">III", 2, 2, 64510) + struct.pack(">I", 64511)  # AS path
    gateway += struct.pack(">II", 0, 100)  # communities, local pref
    records = struct.pack(">II", 1, len(raw)) + raw + struct.pack(">II", 1003, len(gateway))
    records += gateway
    sample = struct.pack(">IIIIIIIIIII", 7, 0, 5, 1000, 9000, 0, 0, 12, 0, 13, 2) + records
    counter = struct.pack(">II", 2, 8) + b"\x00" * 8
    body = struct.pack(">II", 3, len(sample)) + sample + counter
    header = (
        struct.pack(">II", 5, 1) + socket.inet_aton("192.0.2.9") + struct.pack(">IIII", 0, 1, 1, 2)
    )
    return header + body


def test_sflow_expanded_sample_ipv6_vlan_tcp_and_gateway() -> None:
    datagram = _sflow_expanded_ipv6_sample()
    assert looks_like_export(datagram) == "sflow5"
    collector = ExportCollector()
    _feed(collector, datagram)
    rows, issues, stats = _rows(collector)
    assert not issues
    (row,) = rows
    assert (row["source.ip"], row["source.port"]) == ("2001:db8::10", 51000)
    assert (row["destination.ip"], row["destination.port"]) == ("2001:db8::20", 22)
    assert row["source.tcp_flags"] == 0x12 and row["network.transport"] == "tcp"
    assert row["source.bytes"] == 60 and row["flow.sampling_rate"] == 1000
    assert row["observer.ip"] == "192.0.2.9"
    assert (row["observer.ingress.interface.id"], row["observer.egress.interface.id"]) == (12, 13)
    assert (row["source.as.number"], row["destination.as.number"]) == (64501, 64511)
    assert stats["counter_samples"] == 1


def test_sniffing_rejects_look_alikes() -> None:
    good_v9 = v9_message([ipfix_set(0, v9_template(256, FLOW_FIELDS))])
    assert looks_like_export(good_v9) == "netflow9"
    assert looks_like_export(good_v9[:-2]) is None  # set length past the end
    assert looks_like_export(good_v9[:-4], declared_length=len(good_v9)) == "netflow9"
    good_ipfix = ipfix_message([ipfix_set(2, ipfix_template(256, FLOW_FIELDS))])
    assert looks_like_export(good_ipfix) == "ipfix"
    assert looks_like_export(good_ipfix + b"\x00\x00") is None  # length field disagrees
    assert looks_like_export(ipfix_message([ipfix_set(7, b"\x00" * 4)])) is None  # reserved id
    assert looks_like_export(b"\x00\x05\x00\x02" + b"\x00" * 40) is None  # v5 count vs size
    # A DNS query whose id happens to be 0x0005.
    dns = b"\x00\x05\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01"
    assert looks_like_export(dns) is None
    assert looks_like_export(b"\x00\x00\x00\x05\x00\x00\x00\x03" + b"\x00" * 40) is None


def test_bulk_decoding_keeps_each_datagrams_frame_and_header_time() -> None:
    template = ipfix_set(0, v9_template(256, [*FLOW_FIELDS, (22, 4)]))
    collector = ExportCollector()
    for frame in (1, 2, 3):
        records = b"".join(
            flow_record(A, B, frame, k, 17, 10 * frame + k, 1) + struct.pack(">I", 90_000)
            for k in (1, 2)
        )
        sets = [template, ipfix_set(256, records)] if frame == 1 else [ipfix_set(256, records)]
        _feed(collector, v9_message(sets, unix_s=1_700_000_000 + frame), frame=frame)
    rows, issues, _ = _rows(collector)
    assert not issues
    assert [r["input.frame"] for r in rows] == [1, 1, 2, 2, 3, 3]
    assert [r["source.bytes"] for r in rows] == [11, 12, 21, 22, 31, 32]
    # FIRST_SWITCHED 90 s of uptime, header uptime 100 s: 10 s before each export time.
    assert [r["event.start"].second for r in rows] == [11, 11, 12, 12, 13, 13]


def test_template_redefined_between_datagrams() -> None:
    collector = ExportCollector()
    first = ipfix_set(2, ipfix_template(256, FLOW_FIELDS))
    _feed(collector, ipfix_message([first, ipfix_set(256, flow_record(A, B, 1, 2, 6, 500, 5))]))
    second = ipfix_set(2, ipfix_template(256, [(12, 4), (8, 4), (2, 2)]))
    _feed(collector, ipfix_message([second, ipfix_set(256, A + B + b"\x00\x07")]), frame=2)
    rows, issues, stats = _rows(collector)
    assert not issues and stats["templates_learnt"] == 2
    assert [(r["source.ip"], r["source.packets"]) for r in rows] == [
        ("10.0.0.1", 5),
        ("10.0.0.2", 7),
    ]


def test_bytes_after_an_ipfix_message_are_reported() -> None:
    message = ipfix_message([ipfix_set(2, ipfix_template(256, FLOW_FIELDS))])
    collector = ExportCollector()
    _feed(collector, message + b"\x00\x0a\x00\x10", frame=4)
    _, issues, stats = _rows(collector)
    assert [(i.kind, i.location.frame) for i in issues] == [("unsupported", 4)]
    assert stats["templates_learnt"] == 1
