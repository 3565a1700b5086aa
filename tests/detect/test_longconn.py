"""Long-connection detector: crafted split/re-join cases and the long_conn corpus."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from seawall.detect.base import DetectContext, RecordTables
from seawall.detect.traffic.longconn import detect_long_connections
from seawall.records import from_columns
from seawall.records.alerts import Alert

TRAFFIC = Path(__file__).resolve().parent.parent / "data" / "traffic"
T0 = 1_700_000_000.0
SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04


def _run(tables: RecordTables, profile: str = "default", **overrides: Any) -> list[Alert]:
    ctx = DetectContext(profile=profile, overrides={"longconn": overrides})
    return detect_long_connections(tables, ctx.for_detector("longconn"))


def _records(
    parts: list[tuple[float, float, str, int]],
    *,
    transport: str = "tcp",
    reverse: set[int] | None = None,
    sport: int = 53_798,
) -> RecordTables:
    """One row per (start, end, end_reason, flags) record of the same 5-tuple."""
    reverse = reverse or set()
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "event.start",
            "event.end",
            "source.ip",
            "source.port",
            "destination.ip",
            "destination.port",
            "network.transport",
            "source.bytes",
            "destination.bytes",
            "source.packets",
            "destination.packets",
            "source.tcp_flags",
            "destination.tcp_flags",
            "flow.end_reason",
            "input.file",
            "input.frame",
        )
    }
    for i, (start, end, reason, flags) in enumerate(parts):
        a, b = ("192.168.2.186", sport), ("192.168.2.21", 1234)
        if i in reverse:
            a, b = b, a
        rows["event.start"].append(round((T0 + start) * 1e6))
        rows["event.end"].append(round((T0 + end) * 1e6))
        rows["source.ip"].append(a[0])
        rows["source.port"].append(a[1])
        rows["destination.ip"].append(b[0])
        rows["destination.port"].append(b[1])
        rows["network.transport"].append(transport)
        rows["source.bytes"].append(1000)
        rows["destination.bytes"].append(2000)
        rows["source.packets"].append(10)
        rows["destination.packets"].append(10)
        rows["source.tcp_flags"].append(flags if transport == "tcp" else None)
        rows["destination.tcp_flags"].append(flags if transport == "tcp" else None)
        rows["flow.end_reason"].append(reason)
        rows["input.file"].append("crafted.pcap")
        rows["input.frame"].append(1 + 100 * i)
    return RecordTables(flows=from_columns("flow", rows))


@pytest.mark.parametrize(
    ("hours", "severity", "level"),
    [
        (0.9, None, None),
        (1.5, "low", "base"),
        (5, "medium", "low"),
        (9, "high", "medium"),
        (30, "high", "medium"),
    ],
)
def test_rita_duration_levels(hours: float, severity: str | None, level: str | None) -> None:
    alerts = _run(_records([(0, hours * 3600, "fin", SYN | ACK | FIN)]))
    assert [a.severity for a in alerts] == ([severity] if severity else [])
    if alerts:
        assert alerts[0].evidence["threshold_reached"] == level
        assert 0.2 <= alerts[0].confidence <= 0.8
        assert alerts[0].entities == {
            "source.ip": "192.168.2.186",
            "source.port": 53_798,
            "destination.ip": "192.168.2.21",
            "destination.port": 1234,
        }


def test_records_split_at_the_active_timeout_are_one_connection() -> None:
    parts = [
        (0, 1795, "active_timeout", SYN | ACK | PSH),
        (1825, 3623, "active_timeout", ACK),
        (3653, 5423, "active_timeout", ACK | PSH),
        (5453, 6806, "capture_end", ACK),
    ]
    (alert,) = _run(_records(parts))
    assert alert.evidence["duration_s"] == pytest.approx(6806)
    assert alert.evidence["flow_records"] == 4
    assert alert.evidence["gaps_s"] == [30.0, 30.0, 30.0]
    assert alert.evidence["still_open_at_capture_end"] is True
    assert "still open when the capture ended" in alert.explanation
    assert alert.evidence["source_bytes"] == 4000
    assert [r.frame for r in alert.inputs] == [1, 101, 201, 301]
    # Without re-joining, no single record reaches an hour.
    assert _run(_records(parts), rejoin_split_flows=False) == []


def test_idle_split_with_a_long_silence_is_rejoined_in_either_direction() -> None:
    # A sparse session: 15 minutes of silence, continuation first seen from the server side.
    parts = [(0, 0.01, "idle_timeout", SYN | ACK), (908, 908.01, "rst", ACK | PSH | RST)]
    (alert,) = _run(_records(parts, reverse={1}), "lab")
    assert alert.evidence["duration_s"] == pytest.approx(908.01)
    assert alert.entities["source.ip"] == "192.168.2.186"  # the initiator, from the first record
    assert alert.severity == "low"
    assert "ended by rst" in alert.explanation


def test_closed_connections_and_new_syns_are_not_rejoined() -> None:
    after_fin = [(0, 400, "fin", SYN | ACK | FIN), (410, 900, "fin", SYN | ACK | FIN)]
    assert _run(_records(after_fin), "lab") == []
    new_syn = [(0, 400, "idle_timeout", SYN | ACK), (410, 900, "fin", SYN | ACK | FIN)]
    assert _run(_records(new_syn), "lab") == []


def test_gap_bounds_differ_for_tcp_and_udp() -> None:
    tcp = [(0, 300, "idle_timeout", SYN | ACK), (3000, 3400, "idle_timeout", ACK)]
    assert len(_run(_records(tcp), "lab")) == 1
    assert _run(_records(tcp), "lab", rejoin_max_gap_tcp_seconds=600) == []
    udp = [(0, 300, "idle_timeout", 0), (900, 1300, "idle_timeout", 0)]
    assert _run(_records(udp, transport="udp"), "lab") == []  # 600 s silence > 300 s
    assert len(_run(_records(udp, transport="udp"), "lab", rejoin_max_gap_other_seconds=900)) == 1


def test_other_connections_do_not_merge() -> None:
    a = _records([(0, 1000, "idle_timeout", SYN | ACK)], sport=1111)
    b = _records([(1010, 1100, "fin", ACK | FIN)], sport=2222)
    import pyarrow as pa

    tables = RecordTables(flows=pa.concat_tables([a.flows, b.flows]))
    assert [a.evidence["flow_records"] for a in _run(tables, "lab")] == [1]


def test_rows_without_times_or_addresses_are_skipped() -> None:
    bad = from_columns(
        "flow",
        {
            "event.start": [None],
            "event.end": [None],
            "source.ip": ["10.0.0.1"],
            "destination.ip": [None],
        },
    )
    assert _run(RecordTables(flows=bad)) == []
    assert _run(RecordTables()) == []


# ---------------------------------------------------------------- real captures


@cache
def _read(relative: str) -> RecordTables:
    from seawall.sources.base import SourceOptions

    path = str(TRAFFIC / relative)
    try:
        from seawall.sources import read_file

        result = read_file(path, SourceOptions())
    except ImportError:  # source registry incomplete: read captures with the pcap source
        from seawall.sources.pcap import SOURCES

        result = SOURCES[0].read(path, SourceOptions())
    return RecordTables(flows=result.table("flow"), transactions=result.table("transaction"))


def test_corelight_long_connection_reaches_rita_base_and_every_lab_level() -> None:
    tables = _read("long_conn/corelight_long_connection.pcap")
    (default,) = _run(tables)
    assert default.severity == "low" and default.evidence["threshold_reached"] == "base"
    assert default.evidence["duration_s"] == pytest.approx(6806, abs=1)
    assert default.entities["destination.port"] == 1234
    (lab,) = _run(tables, "lab")
    assert lab.severity == "high" and lab.evidence["threshold_reached"] == "medium"  # 60 min
    assert lab.evidence["still_open_at_capture_end"] is True


def test_arkime_sparse_session_reaches_the_10_minute_lab_level() -> None:
    tables = _read("long_conn/arkime_long-session.pcap")
    (lab,) = _run(tables, "lab")
    assert lab.evidence["duration_s"] == pytest.approx(908, abs=1)
    assert lab.severity == "low"
    assert _run(tables) == []


def test_sandcat_keep_alive_connection_is_long_in_the_lab_profile() -> None:
    tables = _read("c2/caldera_sandcat.pcap")
    (lab,) = _run(tables, "lab")
    assert lab.entities["destination.ip"] == "172.18.0.2"
    assert lab.entities["destination.port"] == 8888
    assert lab.evidence["duration_s"] == pytest.approx(1681, abs=2)
    assert _run(tables) == []


@pytest.mark.parametrize("name", sorted(p.name for p in (TRAFFIC / "benign").iterdir()))
def test_benign_captures_have_no_long_connection(name: str) -> None:
    tables = _read(f"benign/{name}")
    assert tables.flows.num_rows > 0
    assert _run(tables) == [] and _run(tables, "lab") == []
