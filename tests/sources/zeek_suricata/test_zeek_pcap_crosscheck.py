"""Zeek's own expected logs for corpus captures against what Seawall's capture reader makes of
the same packets. Zeek btest baselines (tests/data/zeek/PROVENANCE.md) are the oracle."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.sources import read_file

DATA = Path(__file__).parents[2] / "data"


def _pcap_flows(name: str) -> list[dict]:
    result = read_file(str(DATA / "traffic" / name))
    if result.source not in ("pcap", "pcapng") or "flow" not in result.tables:
        pytest.skip(
            f"seawall.sources.pcap cannot read {name} yet ({result.source}: {result.issues[:1]})"
        )
    return result.table("flow").to_pylist()


def _zeek_flows(name: str) -> list[dict]:
    return read_file(str(DATA / "zeek" / name)).table("flow").to_pylist()


def _key(row: dict) -> tuple:
    return (
        row["network.transport"],
        row["source.ip"],
        row["source.port"],
        row["destination.ip"],
        row["destination.port"],
    )


def _counters(row: dict) -> tuple:
    return (
        row["source.packets"],
        row["destination.packets"],
        row["source.bytes"],
        row["destination.bytes"],
    )


def test_wikipedia_flows_match_zeek_conn_log_exactly():
    pcap = {_key(r): r for r in _pcap_flows("benign/zeek_wikipedia.pcap")}
    zeek = {_key(r): r for r in _zeek_flows("zeek-baseline_wikipedia_conn.log")}
    assert len(zeek) == 34
    assert set(pcap) == set(zeek)  # same 34 five-tuples, same originator
    for key, row in zeek.items():
        assert _counters(pcap[key]) == _counters(row), key  # IP-level bytes and packets


def _inner(rows: list[dict]) -> dict[tuple, str]:
    """Encapsulated flows by transport and unordered endpoints (Zeek keeps the two ICMP
    directions apart by type, the capture reader merges them) -> tunnel type."""
    return {
        (
            r["network.transport"],
            *sorted(
                [(r["source.ip"], r["source.port"]), (r["destination.ip"], r["destination.port"])]
            ),
        ): r["tunnel.type"]
        for r in rows
        if r["tunnel.type"] is not None
    }


@pytest.mark.parametrize(
    ("capture", "log"),
    [
        ("tunnels/zeek_gre-sample.pcap", "zeek-baseline_gre-sample_conn.log"),
        ("tunnels/zeek_vxlan.pcap", "zeek-baseline_vxlan_conn.log"),
        ("tunnels/zeek_gtp1_gn_normal_incl_fragmentation.pcap", "zeek-baseline_gtp1_conn.log"),
    ],
)
def test_inner_tunnel_flows_match_zeek(capture, log):
    """Inner (encapsulated) flows: same endpoints, and the same tunnel type wherever Zeek's log
    names the parent (the GRE parent is only in tunnel.log, so the Zeek side says unknown)."""
    pcap = _inner(_pcap_flows(capture))
    zeek = _inner(_zeek_flows(log))
    assert zeek and set(pcap) == set(zeek)
    for key, kind in zeek.items():
        if kind != "unknown":
            assert pcap[key] == kind, key
