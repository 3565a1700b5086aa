"""Flow meter: ground-truth flow counts, directions, end reasons, timeouts, tunnels."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from pcap_craft import TRAFFIC, classic, ether, ipv4_tcp, ipv4_udp

from seawall.records.schemas import FLOW
from seawall.sources.base import SourceOptions
from seawall.sources.pcap.meter import meter_flows
from seawall.sources.pcap.reader import index_buffer, read_index

SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08


def _meter(name: str, **options: float) -> tuple[pa.Table, object, object]:
    index, issues = read_index(str(TRAFFIC / name))
    assert not issues
    table, metered = meter_flows(index, SourceOptions(**options))  # type: ignore[arg-type]
    return table, metered, index


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def test_bro_org_has_13_http_flows_from_the_client() -> None:
    table, metered, index = _meter("benign/zeek_bro.org.pcap")
    assert table.schema == FLOW
    rows = _rows(table)
    assert len(rows) == 13
    assert {(r["source.ip"], r["destination.ip"], r["destination.port"]) for r in rows} == {
        ("10.0.2.15", "192.150.187.43", 80)
    }
    assert {r["network.transport"] for r in rows} == {"tcp"}
    assert sum(r["source.packets"] + r["destination.packets"] for r in rows) == 751
    assert sum(r["source.bytes"] + r["destination.bytes"] for r in rows) == int(index.ip_len.sum())
    assert all(r["source.tcp_flags"] & SYN for r in rows)
    assert {r["observer.type"] for r in rows} == {"pcap"}
    assert [r["input.frame"] for r in rows] == sorted(r["input.frame"] for r in rows)
    # every flow but one closed with FIN both ways; that one was open when the capture ended
    reasons = [r["flow.end_reason"] for r in rows]
    assert reasons.count("fin") == 12 and reasons.count("capture_end") == 1
    # packet -> flow assignment agrees with the table
    assert metered.n_flows == 13 and (metered.flow_id >= 0).all()
    fwd = np.bincount(metered.flow_id, weights=metered.from_source, minlength=13)
    assert fwd.tolist() == [r["source.packets"] for r in rows]


def test_long_connection_is_one_flow_only_when_timeouts_allow() -> None:
    # The connection lasts 6806 s; its largest silence is 32 s (keep-alive traffic).
    index, _ = read_index(str(TRAFFIC / "long_conn" / "corelight_long_connection.pcap"))
    gaps = np.diff(np.sort(index.ts_us)) / 1e6
    assert 32 < gaps.max() < 33
    whole, _ = meter_flows(index, SourceOptions(idle_timeout=33, active_timeout=7200))
    assert whole.num_rows == 1
    row = whole.to_pylist()[0]
    duration = (row["event.end"] - row["event.start"]).total_seconds()
    assert 6805 < duration < 6807
    assert (row["source.ip"], row["destination.port"]) == ("192.168.2.186", 1234)
    # default active timeout (1800 s) cuts it into 4 pieces that keep the initiator
    cut, _ = meter_flows(index, SourceOptions())
    assert cut.num_rows == 4
    assert cut.column("flow.end_reason").to_pylist() == ["active_timeout"] * 3 + ["capture_end"]
    assert set(cut.column("source.ip").to_pylist()) == {"192.168.2.186"}
    # an idle timeout below the 32 s silence splits it further
    short_idle, _ = meter_flows(index, SourceOptions(idle_timeout=30, active_timeout=7200))
    assert short_idle.num_rows > 1
    assert "idle_timeout" in short_idle.column("flow.end_reason").to_pylist()


def test_connection_open_at_capture_end() -> None:
    table, _, _ = _meter("c2/caldera_sandcat.pcap")
    beacon = [r for r in _rows(table) if r["source.port"] == 35540]
    assert len(beacon) == 1
    assert beacon[0]["flow.end_reason"] == "capture_end"
    assert beacon[0]["destination.port"] == 8888


def _capture(packets: list[tuple[float, bytes]]) -> pa.Table:
    data = classic([(int(ts * 1_000_000), frame) for ts, frame in packets])
    index, _ = index_buffer(data, "crafted.pcap")
    table, _ = meter_flows(index, SourceOptions())
    return table


def _tcp(ts: float, a_to_b: bool, flags: int, sport: int = 40000) -> tuple[float, bytes]:
    if a_to_b:
        return ts, ether(ipv4_tcp("10.0.0.1", "10.0.0.2", sport, 22, flags))
    return ts, ether(ipv4_tcp("10.0.0.2", "10.0.0.1", 22, sport, flags))


def _handshake_and_close(t0: float) -> list[tuple[float, bytes]]:
    return [
        _tcp(t0, True, SYN),
        _tcp(t0 + 0.1, False, SYN | ACK),
        _tcp(t0 + 0.2, True, ACK),
        _tcp(t0 + 0.3, True, FIN | ACK),
        _tcp(t0 + 0.4, False, FIN | ACK),
        _tcp(t0 + 0.5, True, ACK),
    ]


def test_port_reuse_after_fin_starts_a_new_flow() -> None:
    table = _capture(_handshake_and_close(0) + _handshake_and_close(5))
    assert table.num_rows == 2
    assert table.column("flow.end_reason").to_pylist() == ["fin", "fin"]
    # the final ACK after both FINs stays in its connection
    assert table.column("source.packets").to_pylist() == [4, 4]


def test_syn_retransmission_and_rst() -> None:
    table = _capture(
        [_tcp(0, True, SYN), _tcp(1, True, SYN), _tcp(1.1, False, RST | ACK), _tcp(2, True, SYN)]
    )
    assert table.num_rows == 2
    assert table.column("source.packets").to_pylist() == [2, 1]
    assert table.column("flow.end_reason").to_pylist() == ["rst", "capture_end"]


def test_syn_ack_first_makes_the_syn_sender_the_source() -> None:
    table = _capture([_tcp(0, False, SYN | ACK), _tcp(0.1, True, ACK), _tcp(0.2, True, PSH | ACK)])
    row = table.to_pylist()[0]
    assert (row["source.ip"], row["destination.port"]) == ("10.0.0.1", 22)
    assert (row["source.packets"], row["destination.packets"]) == (2, 1)
    assert row["destination.tcp_flags"] == SYN | ACK


def test_idle_timeout_splits_and_labels() -> None:
    udp = ether(ipv4_udp("10.0.0.1", "10.0.0.9", 5000, 53))
    reply = ether(ipv4_udp("10.0.0.9", "10.0.0.1", 53, 5000))
    table = _capture([(0, udp), (0.5, reply), (300, udp), (900, udp)])
    assert table.num_rows == 3
    assert table.column("flow.end_reason").to_pylist() == [
        "idle_timeout",
        "idle_timeout",
        "capture_end",
    ]
    assert table.column("destination.packets").to_pylist() == [1, 0, 0]


def test_icmp_flows_have_no_ports_and_non_ip_is_in_no_flow() -> None:
    _table, metered, index = _meter("scans/zeek_nmap-vsn.pcap")
    assert (metered.flow_id[index.ethertype == 0x0806] == -1).all()
    assert int((metered.flow_id >= 0).sum()) == 44
    icmp, _, _ = _meter("exfil_covert/ndpi_icmp-tunnel.pcap")
    rows = [r for r in _rows(icmp) if r["network.transport"] == "icmp"]
    assert rows and all(r["source.port"] == 0 and r["destination.port"] == 0 for r in rows)
    assert {r["network.iana_number"] for r in rows} == {1}


def test_ipv6_esp_flows_are_keyed_without_ports() -> None:
    table, _, _ = _meter("tunnels/zeek_ip6_esp.pcap")
    rows = [r for r in _rows(table) if r["network.transport"] == "esp"]
    assert rows and {r["network.type"] for r in rows} == {"ipv6"}
    assert {r["source.ip"] for r in rows} == {"3ffe::1"}
    assert {f"3ffe::{k}" for k in (12, 13, 14, 15)} <= {r["destination.ip"] for r in rows}
    assert all(r["source.port"] == 0 for r in rows)


def test_raw_link_type_flows() -> None:
    syslog, _, _ = _meter("mgmt_plane/zeek_tcp-syslog.pcap")
    assert syslog.num_rows == 1 and syslog.column("destination.port").to_pylist() == [514]
    ike, _, _ = _meter("tunnels/sv_IKEv2_SA_INIT_weak-dh.pcap")
    assert ike.num_rows == 1 and ike.column("network.transport").to_pylist() == ["udp"]
    assert ike.column("destination.port").to_pylist() == [500]


def test_gre_inner_flows() -> None:
    table, _, _ = _meter("tunnels/zeek_gre-sample.pcap")
    rows = _rows(table)
    assert {r["tunnel.type"] for r in rows} == {"gre"}
    assert {(r["tunnel.source.ip"], r["tunnel.destination.ip"]) for r in rows} == {
        ("172.27.1.66", "66.59.109.137")
    }
    between = {
        (r["network.transport"], r["destination.port"])
        for r in rows
        if {r["source.ip"], r["destination.ip"]} == {"66.59.111.190", "172.28.2.3"}
    }
    assert {("tcp", 22), ("udp", 53), ("icmp", 0)} <= between
    assert any(r["destination.port"] == 123 for r in rows)  # NTP


def test_erspan_mirror_inner_http() -> None:
    table, _, _ = _meter("tunnels/zeek_erspan.pcap")
    http = [r for r in _rows(table) if r["destination.port"] == 80]
    assert len(http) >= 4
    for r in http:
        assert r["tunnel.type"] == "erspan"
        assert r["source.ip"].startswith("192.168.69.") and r["destination.ip"] == "192.168.69.2"
        assert (r["tunnel.source.ip"], r["tunnel.destination.ip"]) == ("10.200.0.3", "10.200.0.224")


def test_pptp_gre_inner_dns_inside_6in4() -> None:
    # The enhanced-GRE (PPTP) tunnel 16.0.0.200 <-> 192.52.166.154 is itself carried in
    # IPv4-in-IPv6; the flow records the outermost encapsulation.
    index, _ = read_index(str(TRAFFIC / "tunnels" / "zeek_gre-pptp.pcap"))
    table, _ = meter_flows(index, SourceOptions())
    row = table.to_pylist()[0]
    assert table.num_rows == 1
    assert (row["source.ip"], row["destination.ip"], row["destination.port"]) == (
        "172.16.44.3",
        "8.8.8.8",
        53,
    )
    assert (row["source.packets"], row["destination.packets"]) == (1, 1)
    assert row["tunnel.type"] == "ipip" and ":" in row["tunnel.source.ip"]


def test_vxlan_and_gtp_inner_flows() -> None:
    vxlan, _, _ = _meter("tunnels/zeek_vxlan.pcap")
    inner = [r for r in _rows(vxlan) if r["tunnel.type"] == "vxlan"]
    assert len(inner) == 1
    assert (inner[0]["source.ip"], inner[0]["destination.ip"]) == ("10.0.0.1", "10.0.0.2")
    assert inner[0]["network.transport"] == "icmp"
    assert inner[0]["source.packets"] == inner[0]["destination.packets"] == 4
    gtp, metered, index = _meter("tunnels/zeek_gtp1_gn_normal_incl_fragmentation.pcap")
    rows = _rows(gtp)
    assert {r["tunnel.type"] for r in rows} == {"gtp"}
    assert rows[0]["network.transport"] == "tcp" and rows[0]["destination.port"] == 80
    # outer non-first fragments cannot be keyed and stay out of flows
    assert int((metered.flow_id == -1).sum()) == int(index.is_fragment.sum()) == 36
