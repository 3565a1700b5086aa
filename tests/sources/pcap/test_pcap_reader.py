"""Reader: record walking for every pcap/pcapng variant, link types, header decoding."""

from __future__ import annotations

import struct
from pathlib import Path

import dpkt
import numpy as np
import pytest
from pcap_craft import TRAFFIC, classic, dpkt_packets, ether, ipv4_tcp, ipv4_udp, pcapng_section

from seawall.sources.pcap.index import ips_to_strings
from seawall.sources.pcap.reader import index_buffer, read_index

BRO = TRAFFIC / "benign" / "zeek_bro.org.pcap"


def _fields(index):
    return {
        name: getattr(index, name)
        for name in (
            "ts_us",
            "ip_version",
            "proto",
            "src_lo",
            "dst_lo",
            "sport",
            "dport",
            "tcp_flags",
            "ip_len",
            "payload_len",
            "linktype",
        )
    }


def _sources(index) -> list[str | None]:
    return ips_to_strings(index.src_hi, index.src_lo, index.ip_version)


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("nano", [False, True])
def test_every_classic_magic_decodes_the_same_packets(order: str, nano: bool) -> None:
    reference, issues = read_index(str(BRO))
    assert not issues and len(reference) == 751
    packets = dpkt_packets(BRO)
    index, issues = index_buffer(classic(packets, order=order, nano=nano), "x.pcap")
    assert not issues
    for name, column in _fields(reference).items():
        np.testing.assert_array_equal(getattr(index, name), column, err_msg=name)
    assert set(_sources(index)) == {"10.0.2.15", "192.150.187.43"}


def test_timestamps_and_frames_match_dpkt() -> None:
    index, _ = read_index(str(BRO))
    packets = dpkt_packets(BRO)
    np.testing.assert_array_equal(index.ts_us, [ts for ts, _ in packets])
    assert index.frame[0] == 1 and index.frame[-1] == len(packets)
    assert index.packet(0) == packets[0][1]


def test_pcapng_sections_byte_orders_resolutions_and_block_types() -> None:
    packets = dpkt_packets(BRO)[:40]
    data = (
        pcapng_section(packets[:10], order="<", tsresol=9, block="epb")
        + pcapng_section(packets[10:20], order=">", tsresol=0x80 | 20, block="epb")
        + pcapng_section(packets[20:30], order=">", block="pb")
        + pcapng_section(packets[30:40], order="<", linktype=1, block="spb")
    )
    index, issues = index_buffer(data, "x.pcapng")
    assert not issues
    assert len(index) == 40
    expected = [ts for ts, _ in packets]
    np.testing.assert_array_equal(index.ts_us[:10], expected[:10])  # ns resolution, exact
    # 2^-20 s units: within one unit of the µs value
    assert np.abs(index.ts_us[10:20] - np.array(expected[10:20])).max() <= 1
    np.testing.assert_array_equal(index.ts_us[20:30], expected[20:30])
    # SPBs have no timestamp: they repeat the last known one
    assert (index.ts_us[30:] == index.ts_us[29]).all()
    reference, _ = read_index(str(BRO))
    np.testing.assert_array_equal(index.sport, reference.sport[:40])
    np.testing.assert_array_equal(index.ip_len, reference.ip_len[:40])


@pytest.mark.parametrize(
    "name",
    [
        "c2/zeek_merlinc2_quic.pcapng",
        "scans/ndpi_tcp_scan.pcapng",
        "ioc/ndpi_tls_malicious_sha1.pcapng",
        "ioc/ndpi_malware.pcap",
    ],
)
def test_corpus_captures_named_pcapng_match_dpkt(name: str) -> None:
    path = TRAFFIC / name
    index, issues = read_index(str(path))
    assert not issues
    with open(path, "rb") as handle:
        expected = [(ts, bytes(buf)) for ts, buf in dpkt.pcap.UniversalReader(handle)]
    assert len(index) == len(expected)
    assert np.abs(index.ts_us / 1e6 - np.array([ts for ts, _ in expected])).max() < 1e-5
    assert all(index.packet(i) == buf for i, (_, buf) in enumerate(expected))


def test_raw_ipv4_link_type_syslog_over_tcp() -> None:
    index, issues = read_index(str(TRAFFIC / "mgmt_plane" / "zeek_tcp-syslog.pcap"))
    assert not issues
    assert set(index.linktype.tolist()) == {228}
    assert (index.ip_version == 4).all() and (index.proto == 6).all()
    assert 514 in set(index.dport.tolist()) | set(index.sport.tolist())


def test_raw_link_type_ikev2() -> None:
    index, _ = read_index(str(TRAFFIC / "tunnels" / "sv_IKEv2_SA_INIT_weak-dh.pcap"))
    assert index.linktype.tolist() == [101]
    assert index.proto.tolist() == [17] and index.dport.tolist() == [500]
    assert index.payload_len[0] > 0 and index.payload(0)[:8].hex() == "61d3693ce12af528"


def _udp_ip() -> bytes:
    return bytes(ipv4_udp("10.1.1.1", "10.2.2.2", 1234, 53, b"hello"))


@pytest.mark.parametrize(
    ("linktype", "header"),
    [
        (101, b""),
        (12, b""),
        (14, b""),
        (228, b""),
        (113, b"\x00\x00\x00\x01\x00\x06" + b"\x11" * 6 + b"\x00\x00\x08\x00"),
        (276, b"\x08\x00\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06" + b"\x11" * 6 + b"\x00\x00"),
        (0, struct.pack("<I", 2)),
        (108, struct.pack(">I", 2)),
    ],
)
def test_link_types_reach_the_same_ip_header(linktype: int, header: bytes) -> None:
    data = classic([(1_000_000, header + _udp_ip())], linktype=linktype)
    index, issues = index_buffer(data, "x.pcap")
    assert not issues
    assert index.ip_version.tolist() == [4]
    assert _sources(index) == ["10.1.1.1"]
    assert (index.sport[0], index.dport[0], index.payload(0)) == (1234, 53, b"hello")


def test_ipv6_link_type_and_extension_headers() -> None:
    import socket

    udp = dpkt.udp.UDP(sport=5000, dport=53, data=b"query")
    udp.ulen = len(udp)
    hop = bytes([60, 0]) + b"\x01\x04\x00\x00\x00\x00"  # hop-by-hop -> destination options
    dest = bytes([17, 0]) + b"\x01\x04\x00\x00\x00\x00"  # destination options -> UDP
    body = hop + dest + bytes(udp)
    ip6 = struct.pack(">IHBB", 0x60000000, len(body), 0, 64)
    ip6 += socket.inet_pton(socket.AF_INET6, "2001:db8::1") + socket.inet_pton(
        socket.AF_INET6, "2001:db8::2"
    )
    index, _ = index_buffer(classic([(0, ip6 + body)], linktype=229), "x.pcap")
    assert index.ip_version.tolist() == [6] and index.proto.tolist() == [17]
    assert (index.sport[0], index.dport[0], index.payload(0)) == (5000, 53, b"query")
    assert _sources(index) == ["2001:db8::1"]


def test_ipv6_fragments_only_first_has_ports() -> None:
    import socket

    def frag(offset_units: int, more: bool, payload: bytes) -> bytes:
        header = struct.pack(">BBHI", 17, 0, (offset_units << 3) | int(more), 0xABCD)
        body = header + payload
        ip6 = struct.pack(">IHBB", 0x60000000, len(body), 44, 64)
        ip6 += socket.inet_pton(socket.AF_INET6, "2001:db8::1")
        return ip6 + socket.inet_pton(socket.AF_INET6, "2001:db8::2") + body

    first = frag(0, True, struct.pack(">HHHH", 7000, 8000, 100, 0) + b"a" * 16)
    second = frag(3, False, b"b" * 76)
    index, _ = index_buffer(classic([(0, first), (1, second)], linktype=229), "x.pcap")
    assert index.is_fragment.tolist() == [False, True]
    assert index.sport.tolist() == [7000, 0] and index.proto.tolist() == [17, 17]


def test_vlan_and_qinq_tags_are_skipped() -> None:
    ip = _udp_ip()
    macs = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb"
    qinq = macs + b"\x88\xa8\x00\x0a\x81\x00\x00\x14\x08\x00" + ip
    vlan = macs + b"\x81\x00\x00\x14\x08\x00" + ip
    index, _ = index_buffer(classic([(0, qinq), (1, vlan)]), "x.pcap")
    assert index.ethertype.tolist() == [0x0800, 0x0800]
    assert index.ip_version.tolist() == [4, 4] and index.dport.tolist() == [53, 53]
    assert (index.l3_offset == [22, 18]).all()


def test_non_ip_frames_are_indexed_without_ip_fields() -> None:
    index, _ = read_index(str(TRAFFIC / "scans" / "zeek_nmap-vsn.pcap"))
    arp = index.ethertype == 0x0806
    assert int(arp.sum()) == 503
    assert (index.ip_version[arp] == 0).all() and (index.l3_offset[arp] == -1).all()
    cdp, _ = read_index(str(TRAFFIC / "mgmt_plane" / "zeek_cdp-v1.pcap"))
    assert len(cdp) == 1 and cdp.ip_version[0] == 0


def test_tcp_flags_and_payload_offsets() -> None:
    frame = ether(ipv4_tcp("10.0.0.1", "10.0.0.2", 40000, 443, 0x18, b"GET / HTTP/1.1\r\n"))
    # Ethernet minimum-size padding must not count as payload
    index, _ = index_buffer(classic([(0, frame + b"\0" * 8)]), "x.pcap")
    assert index.tcp_flags.tolist() == [0x18]
    assert index.payload(0) == b"GET / HTTP/1.1\r\n"
    assert index.l4_offset[0] == 34 and index.payload_offset[0] == 54


def test_truncated_capture_keeps_complete_packets_and_locates_the_cut(tmp_path: Path) -> None:
    data = BRO.read_bytes()
    full, _ = read_index(str(BRO))
    record_starts = full.data_offset - 16
    for k in (0, 1, 100, 750):
        for extra in (3, 16 + 5):  # cut inside the record header, then inside the data
            cut = int(record_starts[k]) + extra
            path = tmp_path / f"cut_{k}_{extra}.pcap"
            path.write_bytes(data[:cut])
            index, issues = read_index(str(path))
            assert len(index) == k
            assert [i.kind for i in issues] == ["truncated"]
            location = issues[0].location
            assert (location.frame, location.offset) == (k + 1, int(record_starts[k]))
            np.testing.assert_array_equal(index.sport, full.sport[:k])


def test_impossible_captured_length_stops_with_a_parse_issue() -> None:
    packets = dpkt_packets(BRO)[:5]
    data = bytearray(classic(packets))
    second = 24 + 16 + len(packets[0][1])
    struct.pack_into("<I", data, second + 8, 0x7FFFFFFF)
    index, issues = index_buffer(bytes(data), "x.pcap")
    assert len(index) == 1
    assert [i.kind for i in issues] == ["parse"] and issues[0].location.frame == 2


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pcap"
    empty.write_bytes(b"")
    index, issues = read_index(str(empty))
    assert len(index) == 0 and issues[0].kind == "unsupported"
    header_only = tmp_path / "header.pcap"
    header_only.write_bytes(classic([]))
    index, issues = read_index(str(header_only))
    assert len(index) == 0 and not issues
