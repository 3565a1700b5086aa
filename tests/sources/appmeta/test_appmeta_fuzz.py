"""Malformed payloads never raise: random bytes, mutated real messages, and a whole capture
of garbage on inspected ports (counted as malformed, flows kept)."""

from __future__ import annotations

from pathlib import Path

import pytest
from appmeta_helpers import ether_ip_tcp, ether_ip_udp, payload_of, run_path, write_pcap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawall.sources.pcap import (
    l2,
    proto_dns,
    proto_http,
    proto_snmp,
    proto_ssh,
    proto_tls,
    proto_tunnel,
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Real messages to mutate, taken from corpus captures.
DNS_QUERY = payload_of("dns_tunnel/ndpi_dns-tunnel-iodine.pcap", 1)
SNMP_V2C = payload_of("mgmt_plane/sv_SNMPv2c_get_requests.pcap", 3)
SNMP_V3 = payload_of("mgmt_plane/sv_SNMPv3.pcap", 3)
CLIENT_HELLO = payload_of("c2/sv_TLSv1-Extracted-MaliciousC2.pcap", 4)
SSH_START = b"SSH-2.0-OpenSSH_7.4\r\n" + payload_of("mgmt_plane/sv_ssh-hassh.pcap", 14)


def _mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    """Truncations and byte flips of a real message."""
    positions = st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)), max_size=6)

    def mutate(cut: int, flips: list[tuple[int, int]]) -> bytes:
        data = bytearray(seed)
        for pos, value in flips:
            data[pos] = value
        return bytes(data[:cut])

    return st.builds(mutate, st.integers(0, len(seed)), positions)


@FAST
@given(st.binary(max_size=600))
def test_random_bytes_never_raise(data: bytes) -> None:
    proto_dns.parse_dns(data)
    proto_tls.parse_client_hello(data)
    proto_tls.parse_server_handshake(data)
    proto_snmp.parse_snmp(data)
    proto_ssh.parse_ssh_start(data)
    proto_http.parse_request(data)
    proto_http.parse_status(data)
    proto_http.websocket_payload(data)
    for linktype in (1, 101, 113, 276):
        proto_tunnel.tunnel_headers(data, linktype)
        frame = l2.split_frame(data, linktype)
        if frame is not None:
            l2.parse_arp(frame.payload)
            l2.parse_cdp(frame)
            l2.parse_lldp(frame)
    proto_tunnel.parse_ike(data, "a", "b")


@FAST
@given(_mutations(DNS_QUERY))
def test_mutated_dns_never_raises(data: bytes) -> None:
    msg = proto_dns.parse_dns(data)
    assert msg is None or isinstance(msg.id, int)


@FAST
@given(_mutations(CLIENT_HELLO))
def test_mutated_client_hello_never_raises(data: bytes) -> None:
    hello = proto_tls.parse_client_hello(data)
    if hello is not None:
        assert len(proto_tls.ja3(hello)) == 32
        assert proto_tls.ja4(hello).count("_") == 2


@FAST
@given(st.one_of(_mutations(SNMP_V2C), _mutations(SNMP_V3)))
def test_mutated_snmp_never_raises(data: bytes) -> None:
    proto_snmp.parse_snmp(data)


@FAST
@given(_mutations(SSH_START))
def test_mutated_ssh_never_raises(data: bytes) -> None:
    proto_ssh.parse_ssh_start(data)


def test_dns_compression_loop_is_rejected() -> None:
    looping = bytes.fromhex("000101000001000000000000c00c00010001")
    assert proto_dns.parse_dns(looping) is None


def test_unmodified_seeds_parse() -> None:
    """The seeds are real messages, so the mutation tests start from valid input."""
    dns = proto_dns.parse_dns(DNS_QUERY)
    assert dns is not None and dns.name == "vaaaakardli.pirate.sea" and dns.qtype_name == "NULL"
    hello = proto_tls.parse_client_hello(CLIENT_HELLO)
    assert hello is not None and hello.version == 0x0301
    start = proto_ssh.parse_ssh_start(SSH_START)
    assert start.banner == "SSH-2.0-OpenSSH_7.4" and start.kexinit is not None
    v2c, v3 = proto_snmp.parse_snmp(SNMP_V2C), proto_snmp.parse_snmp(SNMP_V3)
    assert v2c is not None and v2c.pdu == "get" and v3 is not None and v3.pdu == "encrypted"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=12))
def test_capture_of_garbage_payloads_is_counted_not_raised(
    tmp_path: Path, payloads: list[bytes]
) -> None:
    frames = []
    for i, data in enumerate(payloads):
        frames.append(ether_ip_udp(data, 40000 + i, 53))
        frames.append(ether_ip_udp(data, 40000 + i, 161))
        frames.append(ether_ip_tcp(b"\x16\x03\x01" + data, 50000 + i, 443, seq=1))
        frames.append(ether_ip_tcp(b"SSH-2.0-x\r\n" + data, 50100 + i, 22, seq=1))
        frames.append(ether_ip_udp(b"\x00" * 4 + data, 4500, 4500))
    path = write_pcap(tmp_path / "garbage.pcap", frames)
    flows, meta = run_path(path)
    assert len(meta.flow_columns["network.protocol"]) == flows.num_rows
    assert not [k for k in meta.stats if k.startswith("appmeta")], meta.issues


def test_malformed_payloads_are_located(tmp_path: Path) -> None:
    frames = [ether_ip_udp(b"\xff" * 5, 40000, 53), ether_ip_udp(b"\x31\x02\x01", 40001, 161)]
    path = write_pcap(tmp_path / "bad.pcap", frames)
    flows, meta = run_path(path)
    assert meta.stats["dns_malformed"] == 1 and meta.stats["snmp_malformed"] == 1
    assert {i.location.frame for i in meta.issues} == {1, 2}
    assert flows.num_rows == 2
    assert meta.flow_columns["network.protocol"] == ["dns", "snmp"]


@pytest.mark.parametrize("cut", [10, 40, 80])
def test_client_hello_split_over_segments_is_joined(tmp_path: Path, cut: int) -> None:
    hello = CLIENT_HELLO
    frames = [
        ether_ip_tcp(b"", 50000, 443, seq=0, flags=0x02),
        ether_ip_tcp(hello[:cut], 50000, 443, seq=1),
        ether_ip_tcp(hello[cut:], 50000, 443, seq=1 + cut),
    ]
    path = write_pcap(tmp_path / "split.pcap", frames)
    _, meta = run_path(path)
    assert meta.flow_columns["tls.client.ja3"][0] is not None
    whole = proto_tls.ja3(proto_tls.parse_client_hello(hello))  # type: ignore[arg-type]
    assert meta.flow_columns["tls.client.ja3"] == [whole]
