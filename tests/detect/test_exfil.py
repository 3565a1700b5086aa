"""Exfil detector: ICMP tunnel and large HTTP POST captures, benign captures, crafted uploads."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from seawall.detect.base import DetectContext, NetworkContext, RecordTables
from seawall.detect.traffic.exfil import detect_exfil
from seawall.records import from_columns
from seawall.records.alerts import SEVERITY_RANK, Alert
from seawall.sources import SourceOptions, read_file

TRAFFIC = Path(__file__).resolve().parent.parent / "data" / "traffic"
BENIGN = sorted(p.name for p in (TRAFFIC / "benign").iterdir() if p.suffix.startswith(".pcap"))
T0 = 1_700_000_000.0
MB = 1_000_000


def _ctx(profile: str = "default", **overrides: Any) -> DetectContext:
    return DetectContext(profile=profile, overrides={"exfil": overrides}).for_detector("exfil")


@cache
def _corpus(relative: str) -> RecordTables:
    result = read_file(str(TRAFFIC / relative), SourceOptions())
    return RecordTables(flows=result.table("flow"))


def _flows(
    rows: list[tuple[str, str, int, int]],
    *,
    transport: str = "tcp",
    port: int = 443,
    packets: tuple[int, int] | None = None,
) -> Any:
    """rows: (source, destination, source.bytes, destination.bytes)."""
    n = len(rows)
    spk = [packets[0] if packets else max(1, r[2] // 1400) for r in rows]
    dpk = [packets[1] if packets else max(1, r[3] // 1400) for r in rows]
    return from_columns(
        "flow",
        {
            "event.start": [round((T0 + 60 * i) * 1e6) for i in range(n)],
            "event.end": [round((T0 + 60 * i + 30) * 1e6) for i in range(n)],
            "source.ip": [r[0] for r in rows],
            "destination.ip": [r[1] for r in rows],
            "source.port": [40_000 + i for i in range(n)],
            "destination.port": [port] * n,
            "network.transport": [transport] * n,
            "source.bytes": [r[2] for r in rows],
            "destination.bytes": [r[3] for r in rows],
            "source.packets": spk,
            "destination.packets": dpk,
            "input.file": ["crafted.pcap"] * n,
            "input.frame": list(range(1, n + 1)),
        },
    )


def _run(flows: Any, profile: str = "default", ctx: DetectContext | None = None) -> list[Alert]:
    return detect_exfil(RecordTables(flows=flows), ctx or _ctx(profile))


def _by_rule(alerts: list[Alert]) -> dict[str, Alert]:
    return {a.rule_id: a for a in alerts}


# --- real captures -----------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["default", "lab"])
def test_icmp_tunnel(profile: str) -> None:
    alerts = detect_exfil(_corpus("exfil_covert/ndpi_icmp-tunnel.pcap"), _ctx(profile))
    assert [a.rule_id for a in alerts] == ["exfil.icmp_tunnel"]
    alert = alerts[0]
    assert {alert.entities["source.ip"], alert.entities["destination.ip"]} == {
        "192.168.154.131",
        "192.168.154.132",
    }
    ev = alert.evidence
    assert ev["packets"] == 863
    assert min(ev["packets_per_direction"]) >= 400
    assert ev["mean_packet_bytes"] > 2 * 84  # more than twice a default Linux ping
    assert "T1095" in alert.attack
    assert alert.inputs


def test_large_post_fires_only_at_lab_and_only_low() -> None:
    tables = _corpus("exfil_covert/zeek_http-post-large.pcap")
    assert detect_exfil(tables, _ctx("default")) == []
    alerts = detect_exfil(tables, _ctx("lab"))
    assert [a.rule_id for a in alerts] == ["exfil.upload_heavy"]
    assert SEVERITY_RANK[alerts[0].severity] <= SEVERITY_RANK["low"]
    assert alerts[0].evidence["peer_internal"] is True
    assert alerts[0].evidence["bytes_out"] > 100_000


@pytest.mark.parametrize("name", BENIGN)
@pytest.mark.parametrize("profile", ["default", "lab"])
def test_benign_captures_raise_nothing(name: str, profile: str) -> None:
    assert detect_exfil(_corpus(f"benign/{name}"), _ctx(profile)) == []


# --- crafted uploads ---------------------------------------------------------------------


def test_upload_heavy_to_rare_external_peer() -> None:
    flows = _flows([("10.1.1.5", "198.51.100.7", 30 * MB, 1 * MB)] * 2)
    alert = _by_rule(_run(flows))["exfil.upload_heavy"]
    assert alert.severity == "medium"
    assert alert.evidence["bytes_out"] == 60 * MB
    assert alert.entities == {
        "source.ip": "10.1.1.5",
        "destination.ip": "198.51.100.7",
        "destination.port": 443,
    }
    assert len(alert.inputs) == 2


def test_download_heavy_and_small_transfers_are_silent() -> None:
    assert _run(_flows([("10.1.1.5", "198.51.100.7", 2 * MB, 400 * MB)])) == []
    assert _run(_flows([("10.1.1.5", "198.51.100.7", 10 * MB, 1 * MB)])) == []


def test_popular_destination_is_not_rare() -> None:
    rows = [(f"10.1.1.{i}", "198.51.100.7", 60 * MB, 1 * MB) for i in range(1, 5)]
    assert _run(_flows(rows)) == []
    assert len(_run(_flows(rows[:2]))) == 2


def test_outside_client_pulling_from_inside_server_counts_as_outbound() -> None:
    flows = _flows([("203.0.113.9", "10.2.2.2", 1 * MB, 80 * MB)], port=22)
    alert = _run(flows)[0]
    assert alert.entities["source.ip"] == "10.2.2.2"
    assert alert.entities["destination.ip"] == "203.0.113.9"
    assert alert.evidence["bytes_out"] == 80 * MB


def test_private_to_private_is_low_and_large_external_is_high() -> None:
    internal = _run(_flows([("10.1.1.5", "10.9.9.9", 80 * MB, 1 * MB)]))[0]
    assert internal.severity == "low"
    large = _by_rule(_run(_flows([("10.1.1.5", "198.51.100.7", 1500 * MB, 1400 * MB)])))
    assert large["exfil.large_upload"].severity == "high"


def test_operator_internal_networks_decide_what_is_outside() -> None:
    ctx = _ctx()
    ctx.network = NetworkContext.from_dict({"internal": ["100.64.0.0/10"]})
    flows = _flows([("100.64.1.5", "10.9.9.9", 80 * MB, 1 * MB)])
    assert _run(flows, ctx=ctx)[0].severity == "medium"  # 10/8 is outside this operator


def test_ordinary_ping_is_not_a_tunnel() -> None:
    pings = _flows(
        [("10.1.1.5", "10.1.1.1", 84 * 500, 84 * 500)], transport="icmp", port=0, packets=(500, 500)
    )
    assert _run(pings, "lab") == []
    big = _flows(
        [("10.1.1.5", "203.0.113.1", 600 * 100, 600 * 100)],
        transport="icmp",
        port=0,
        packets=(100, 100),
    )
    alert = _by_rule(_run(big))["exfil.icmp_tunnel"]
    assert alert.severity == "high"  # leaves the network


def test_one_way_icmp_is_not_a_tunnel() -> None:
    errors = _flows(
        [("10.1.1.1", "10.1.1.5", 500 * 200, 0)], transport="icmp", port=0, packets=(200, 0)
    )
    assert "exfil.icmp_tunnel" not in _by_rule(_run(errors, "lab"))


def test_icmp_pairs_split_across_flows_and_directions_add_up() -> None:
    a = _flows(
        [("10.1.1.5", "10.1.1.6", 300 * 30, 300 * 30)] * 1,
        transport="icmp",
        port=0,
        packets=(30, 30),
    )
    b = _flows(
        [("10.1.1.6", "10.1.1.5", 300 * 30, 300 * 30)] * 1,
        transport="icmp",
        port=0,
        packets=(30, 30),
    )
    alerts = _run(pa.concat_tables([a, b]))
    assert len(alerts) == 1 and alerts[0].evidence["packets"] == 120


def test_empty_input() -> None:
    assert detect_exfil(RecordTables(), _ctx("lab")) == []
