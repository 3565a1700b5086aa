"""Column-wise payload decoders agree with the message-by-message parsers they replace on
the hot path: real corpus messages, their mutations, and crafted edge cases."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from seawall.sources.pcap import dns_columns, proto_dns, proto_snmp, snmp_columns
from seawall.sources.pcap.appmeta_udp import _match_responses
from seawall.sources.pcap.reader import read_index

TRAFFIC = Path(__file__).resolve().parents[2] / "data" / "traffic"


def _corpus_payloads(ports: tuple[int, ...], per_file: int = 200) -> list[bytes]:
    out: list[bytes] = []
    for path in sorted(TRAFFIC.rglob("*.pcap*")):
        ix, _ = read_index(str(path))
        on_port = np.isin(ix.sport, ports) | np.isin(ix.dport, ports)
        for i in np.flatnonzero(on_port & (ix.proto == 17))[:per_file].tolist():
            out.append(ix.payload(i))
    return out


def _mutated(seeds: list[bytes], count: int, rng: random.Random) -> list[bytes]:
    out = []
    for _ in range(count):
        m = bytearray(rng.choice(seeds))
        op = rng.randrange(5)
        if op == 0 and m:
            m[rng.randrange(len(m))] = rng.randrange(256)
        elif op == 1:
            m = m[: rng.randrange(len(m) + 1)]
        elif op == 2 and len(m) > 12:  # label lengths: pointers, obsolete types, overruns
            m[12 + rng.randrange(min(40, len(m) - 12))] = rng.choice([0, 1, 63, 64, 0xC0, 0x80])
        elif op == 3:
            m += bytes(rng.randrange(256) for _ in range(rng.randrange(8)))
        elif op == 4 and len(m) > 14:
            m[13] = rng.randrange(128, 256)  # non-ASCII name byte
        out.append(bytes(m))
    return out


def _decode_all(messages: list[bytes]) -> dns_columns.DnsColumns:
    buffer = np.frombuffer(b"".join(messages) + b"\0", np.uint8)
    sizes = np.asarray([len(m) for m in messages], np.int64)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    return dns_columns.decode_dns(buffer, starts, sizes)


HEADER = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
EDGE_CASES = [
    b"",
    HEADER[:11],
    HEADER[:4] + b"\x00\x00" + HEADER[6:],  # no question
    HEADER + b"\x00\x00\x01\x00\x01",  # root name
    HEADER + b"\x03www\x07example\x03com\x00\x00\x1c\x00\x01",
    HEADER + b"\x03www\x00\x00",  # qtype cut
    HEADER + b"\xc0\x0c\x00\x01\x00\x01",  # pointer loop
    HEADER + b"\x01a" * 127 + b"\x00\x00\x01\x00\x01",  # 254 bytes: longest name allowed
    HEADER + b"\x01a" * 128 + b"\x00\x00\x01\x00\x01",  # 256 bytes: too long
    HEADER + b"\x02\xff\xfe\x01.\x00\x00\x10\x00\x01",  # binary and dot bytes in labels
    HEADER + b"\x40abc\x00\x00\x01\x00\x01",  # obsolete label type
    b"\x00\x01\x78\x00" + HEADER[4:] + b"\x00\x00\x01",  # opcode 15
]


def test_dns_columns_match_parse_dns() -> None:
    seeds = _corpus_payloads((53, 5353))
    assert len(seeds) > 100
    messages = seeds + _mutated(seeds, 5000, random.Random(7)) + EDGE_CASES
    cols = _decode_all(messages)
    qtypes = dns_columns.qtype_names(cols.qtype)
    rcodes = dns_columns.rcode_names(cols.rcode)
    readable = 0
    for i, data in enumerate(messages):
        msg = proto_dns.parse_dns(data)
        assert bool(cols.ok[i]) == (msg is not None), data
        if msg is None:
            continue
        readable += 1
        got = (int(cols.ident[i]), bool(cols.is_response[i]), cols.name[i], qtypes[i])
        assert got == (msg.id, msg.is_response, msg.name, msg.qtype_name), data
        assert (rcodes[i], int(cols.ancount[i])) == (msg.rcode_name, msg.ancount)
    assert 0 < readable < len(messages)  # both outcomes exercised


@pytest.mark.parametrize("seed", range(4))
def test_dns_response_matching_is_oldest_unanswered_query_first(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(500):
        m = int(rng.integers(1, 30))
        flow, ident = rng.integers(0, 3, m), rng.integers(0, 3, m)
        response = rng.random(m) < 0.5
        expected = np.full(m, -1)
        pending: dict[tuple[int, int], list[int]] = {}
        for i in range(m):
            key = (int(flow[i]), int(ident[i]))
            if not response[i]:
                pending.setdefault(key, []).append(i)
            elif pending.get(key):
                expected[pending[key].pop(0)] = i
        assert _match_responses(flow, ident, response).tolist() == expected.tolist()


def _snmp_decode_all(messages: list[bytes]) -> snmp_columns.SnmpColumns:
    buffer = np.frombuffer(b"".join(messages) + b"\0", np.uint8)
    sizes = np.asarray([len(m) for m in messages], np.int64)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    return snmp_columns.decode_snmp(buffer, starts, sizes)


SNMP_EDGE_CASES = [
    b"",
    b"\x30",
    b"\x30\x03\x02\x01\x01",  # version only: no community
    b"\x30\x07\x02\x01\x01\x04\x02ab",  # no PDU: still a message
    b"\x30\x0a\x02\x02\x00\x01\x04\x01a\xa0\x00",  # two-byte version integer
    b"\x30\x81\x0b\x02\x01\x00\x04\x02\xffa\xa4\x03\x06\x01\x2b",  # long length, v1 trap
    b"\x30\x09\x02\x01\x05\x04\x01a\xa0\x00",  # unknown version
    b"\x30\x84\x00\x00\x00\x08\x02\x01\x01\x04\x01a\xbf\x00",  # four-byte length, odd tag
]


def test_snmp_columns_match_parse_snmp() -> None:
    seeds = _corpus_payloads((161, 162))
    assert len(seeds) > 50
    rng = random.Random(11)
    mutated = []
    for _ in range(5000):
        m = bytearray(rng.choice(seeds))
        if rng.random() < 0.5 and m:
            m[rng.randrange(min(len(m), 60))] = rng.choice([0, 1, 2, 4, 6, 0x30, 0x81, 0x82, 255])
        else:
            m = m[: rng.randrange(len(m) + 1)]
        mutated.append(bytes(m))
    messages = seeds + mutated + SNMP_EDGE_CASES
    cols = _snmp_decode_all(messages)
    readable = 0
    for i, data in enumerate(messages):
        msg = proto_snmp.parse_snmp(data)
        assert bool(cols.ok[i]) == (msg is not None), data
        if msg is None:
            continue
        readable += 1
        got = (cols.version[i], cols.community[i], cols.user[i], cols.pdu[i], cols.first_oid[i])
        assert got == (msg.version, msg.community, msg.user, msg.pdu, msg.first_oid), data
    assert 0 < readable < len(messages)
    assert {"1", "2c", "3"} <= {v for v in cols.version if v}
