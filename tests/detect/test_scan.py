"""Scan detector: nmap ARP sweep and nDPI port/NULL scan captures, benign captures, crafted
edge cases for probes, sweeps and ARP noise."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from seawall.detect.base import DetectContext, RecordTables
from seawall.detect.traffic.scan import detect_scan
from seawall.records import from_columns
from seawall.records.alerts import Alert
from seawall.sources import SourceOptions, read_file

TRAFFIC = Path(__file__).resolve().parent.parent / "data" / "traffic"
BENIGN = sorted(p.name for p in (TRAFFIC / "benign").iterdir() if p.suffix.startswith(".pcap"))
T0 = 1_700_000_000.0
SYN, RST, ACK = 0x02, 0x04, 0x10


def _ctx(profile: str = "default", **overrides: Any) -> DetectContext:
    return DetectContext(profile=profile, overrides={"scan": overrides}).for_detector("scan")


@cache
def _corpus(relative: str) -> RecordTables:
    result = read_file(str(TRAFFIC / relative), SourceOptions())
    return RecordTables(flows=result.table("flow"), packets=result.table("packet"))


def _rules(alerts: list[Alert]) -> dict[str, Alert]:
    return {a.rule_id: a for a in alerts}


def _flows(
    n: int,
    *,
    src: str = "10.5.0.9",
    dst: str | list[str] = "10.0.0.2",
    ports: list[int] | None = None,
    transport: str = "tcp",
    sflags: int | None = SYN,
    dflags: int | None = RST | ACK,
    sbytes: int = 44,
    dbytes: int = 40,
    spk: int = 1,
    dpk: int = 1,
    sport: int | None = None,
    step: float = 0.5,
) -> Any:
    cols: dict[str, Any] = {
        "event.start": [round((T0 + step * i) * 1e6) for i in range(n)],
        "event.end": [round((T0 + step * i + 0.01) * 1e6) for i in range(n)],
        "source.ip": [src] * n,
        "source.port": [sport or 40_000 + i for i in range(n)],
        "destination.ip": dst if isinstance(dst, list) else [dst] * n,
        "destination.port": ports if ports is not None else [1000 + i for i in range(n)],
        "network.transport": [transport] * n,
        "network.type": ["ipv4"] * n,
        "source.bytes": [sbytes] * n,
        "destination.bytes": [dbytes] * n,
        "source.packets": [spk] * n,
        "destination.packets": [dpk] * n,
        "input.file": ["crafted.pcap"] * n,
        "input.frame": list(range(1, n + 1)),
    }
    if sflags is not None:
        cols["source.tcp_flags"] = [sflags] * n
        cols["destination.tcp_flags"] = [dflags] * n
    return from_columns("flow", cols)


def _arp(
    targets: list[str],
    *,
    src: str = "10.5.0.9",
    mac: str = "ff:ff:ff:ff:ff:ff",
    kind: str = "arp_request",
    step: float = 0.01,
) -> Any:
    n = len(targets)
    return from_columns(
        "packet",
        {
            "event.start": [round((T0 + step * i) * 1e6) for i in range(n)],
            "packet.kind": [kind] * n,
            "source.mac": ["00:11:22:33:44:55"] * n,
            "destination.mac": [mac] * n,
            "source.ip": [src] * n,
            "destination.ip": targets,
            "input.file": ["crafted.pcap"] * n,
            "input.frame": list(range(1, n + 1)),
        },
    )


# --- real captures -----------------------------------------------------------------------


def test_nmap_arp_sweep_fires_at_both_profiles() -> None:
    tables = _corpus("scans/zeek_nmap-vsn.pcap")
    for profile in ("default", "lab"):
        sweep = _rules(detect_scan(tables, _ctx(profile))).get("scan.arp_sweep")
        assert sweep is not None, profile
        assert sweep.entities == {"source.ip": "192.168.1.71"}
        # 503 who-has for 245 distinct addresses of 192.168.1.0/24, within 2.4 s.
        assert 200 <= sweep.evidence["distinct_hosts"] <= 254
        assert sweep.evidence["window_span_seconds"] <= 2.5
        assert all(ip.startswith("192.168.1.") for ip in sweep.evidence["targets_sample"])
        assert "T1018" in sweep.attack
        assert sweep.inputs and sweep.inputs[0].frame is not None


def test_tcp_port_scan_with_null_probe_at_lab() -> None:
    alerts = _rules(detect_scan(_corpus("scans/ndpi_tcp_scan.pcapng"), _ctx("lab")))
    scan = alerts["scan.port_scan"]
    assert scan.entities == {"source.ip": "192.168.1.178", "destination.ip": "192.168.1.2"}
    assert scan.evidence["distinct_ports"] == 7
    assert {80, 443, 445, 3389} <= set(scan.evidence["ports"])
    assert scan.evidence["stealth_probes"].get("null") == 1
    assert scan.evidence["refused"] >= 4
    assert "T1046" in scan.attack
    assert len(scan.inputs) >= 1


def test_tcp_port_scan_at_default_only_reports_the_stealth_probes() -> None:
    alerts = _rules(detect_scan(_corpus("scans/ndpi_tcp_scan.pcapng"), _ctx("default")))
    assert "scan.port_scan" not in alerts  # 7 ports < Zeek's 15
    stealth = alerts["scan.stealth_probe"]
    assert stealth.evidence["stealth_probes"] == {"null": 1, "fin": 1, "xmas": 1}
    assert 0 in stealth.evidence["source_tcp_flags"]  # the NULL scan packet


@pytest.mark.parametrize("name", BENIGN)
@pytest.mark.parametrize("profile", ["default", "lab"])
def test_benign_captures_raise_no_scan(name: str, profile: str) -> None:
    assert detect_scan(_corpus(f"benign/{name}"), _ctx(profile)) == []


# --- crafted edge cases ------------------------------------------------------------------


def test_refused_ports_reach_default_threshold() -> None:
    alerts = _rules(detect_scan(RecordTables(flows=_flows(20)), _ctx()))
    assert alerts["scan.port_scan"].evidence["distinct_ports"] == 20
    assert alerts["scan.port_scan"].evidence["refused"] == 20
    assert _rules(detect_scan(RecordTables(flows=_flows(14)), _ctx())) == {}


def test_many_ports_with_real_data_are_not_a_scan() -> None:
    # FTP passive data or RPC: many ports of one server, each carrying data.
    busy = _flows(
        30, sflags=SYN | ACK, dflags=SYN | ACK, sbytes=5000, dbytes=90_000, spk=20, dpk=40
    )
    assert detect_scan(RecordTables(flows=busy), _ctx("lab")) == []


def test_dns_answers_without_their_queries_are_not_a_udp_scan() -> None:
    answers = _flows(
        20,
        transport="udp",
        sflags=None,
        sport=53,
        sbytes=120,
        dpk=0,
        dbytes=0,
        ports=[30_000 + i for i in range(20)],
    )
    assert detect_scan(RecordTables(flows=answers), _ctx("lab")) == []
    probes = _flows(20, transport="udp", sflags=None, sbytes=60, dpk=0, dbytes=0)
    assert "scan.port_scan" in _rules(detect_scan(RecordTables(flows=probes), _ctx("lab")))


def test_host_sweep_from_unanswered_syns() -> None:
    hosts = [f"10.0.1.{i}" for i in range(1, 31)]
    flows = _flows(30, dst=hosts, ports=[445] * 30, dflags=0, dpk=0, dbytes=0)
    sweep = _rules(detect_scan(RecordTables(flows=flows), _ctx()))["scan.host_sweep"]
    assert sweep.evidence["distinct_hosts"] == 30
    assert sweep.evidence["source"] == "flows"


def test_multicast_is_not_a_host() -> None:
    groups = [f"239.1.1.{i}" for i in range(1, 40)]
    flows = _flows(39, dst=groups, transport="udp", sflags=None, dpk=0, dbytes=0, ports=[5000] * 39)
    assert detect_scan(RecordTables(flows=flows), _ctx("lab")) == []


def test_arp_noise_is_not_a_sweep() -> None:
    targets = [f"10.0.2.{i}" for i in range(1, 101)]
    unicast = _arp(targets, mac="00:aa:bb:cc:dd:ee")  # cache refreshes
    gratuitous = _arp(["10.5.0.9"] * 100)
    probe = _arp(targets, src="0.0.0.0")  # address conflict probes
    for packets in (unicast, gratuitous, probe):
        assert detect_scan(RecordTables(packets=packets), _ctx("lab")) == []
    assert detect_scan(RecordTables(packets=_arp(targets)), _ctx("lab"))


def test_arp_sweep_counts_answers_and_window() -> None:
    targets = [f"10.0.2.{i}" for i in range(1, 101)]
    replies = from_columns(
        "packet",
        {
            "event.start": [round((T0 + 0.5) * 1e6)] * 3,
            "packet.kind": ["arp_reply"] * 3,
            "source.ip": ["10.0.2.1", "10.0.2.2", "10.0.2.3"],
            "destination.ip": ["10.5.0.9"] * 3,
        },
    )
    packets = pa.concat_tables([_arp(targets), replies])
    sweep = _rules(detect_scan(RecordTables(packets=packets), _ctx()))["scan.arp_sweep"]
    assert sweep.evidence["distinct_hosts"] == 100
    assert sweep.evidence["targets_that_answered"] == 3
    slow = _arp(targets, step=5.0)  # one new address every 5 s: 12 per minute
    assert detect_scan(RecordTables(packets=slow), _ctx()) == []


def test_infrastructure_targets_raise_severity() -> None:
    from seawall.detect.base import NetworkContext

    ctx = _ctx()
    ctx.network = NetworkContext.from_dict({"infrastructure": ["10.0.0.0/24"]})
    alert = _rules(detect_scan(RecordTables(flows=_flows(20)), ctx))["scan.port_scan"]
    assert alert.severity == "high"


def test_empty_input() -> None:
    assert detect_scan(RecordTables(), _ctx("lab")) == []
