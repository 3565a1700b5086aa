"""Payload content rules on captures: the corpus attack response, clean negatives, and
crafted streams (split, reordered, retransmitted, with holes) against built-in and small
rule sets written here."""

from __future__ import annotations

import itertools
import json
import socket
from pathlib import Path

import dpkt
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pcap_craft import TRAFFIC, classic

from seawall.detect.content_rules import builtin_rules, loads
from seawall.sources.base import SourceOptions
from seawall.sources.pcap import PcapSource
from seawall.sources.pcap import appmeta_content as content
from seawall.sources.pcap.appmeta import extract
from seawall.sources.pcap.appmeta_context import Context
from seawall.sources.pcap.meter import meter_flows
from seawall.sources.pcap.reader import read_index

CLIENT, SERVER = "10.1.0.5", "192.0.2.80"
SYN, ACK, PSH_ACK = 0x02, 0x10, 0x18


def tcp_frame(
    src: str, dst: str, sport: int, dport: int, seq: int, data: bytes = b"", flags: int = PSH_ACK
) -> bytes:
    tcp = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, flags=flags, data=data, off=5)
    ip = dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=6, data=tcp)
    ip.len = len(ip)
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, data=ip))


def udp_frame(src: str, dst: str, sport: int, dport: int, data: bytes) -> bytes:
    udp = dpkt.udp.UDP(sport=sport, dport=dport, data=data)
    udp.ulen = len(udp)
    ip = dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=17, data=udp)
    ip.len = len(ip)
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, data=ip))


def session(
    segments: list[tuple[int, bytes]], to_client: bool = True, port: int = 80, seq0: int = 1000
) -> list[bytes]:
    """A client SYN, then the given (stream offset, bytes) segments in the given order, sent
    by the server (to_client) or by the client."""
    frames = [tcp_frame(CLIENT, SERVER, 40000, port, 1, flags=SYN)]
    src, dst, sport, dport = (
        (SERVER, CLIENT, port, 40000) if to_client else (CLIENT, SERVER, 40000, port)
    )
    for offset, data in segments:
        frames.append(tcp_frame(src, dst, sport, dport, (seq0 + offset) % (1 << 32), data))
    return frames


def write(tmp_path: Path, frames: list[bytes], name: str = "c.pcap") -> str:
    path = tmp_path / name
    path.write_bytes(classic([(1_700_000_000_000_000 + i * 1000, f) for i, f in enumerate(frames)]))
    return str(path)


def alerts_of(path: str, rules=None, scan_bytes: int = 4096) -> list[dict]:
    """ids_alert rows the capture yields (built-in rules unless ``rules`` is given)."""
    index, _ = read_index(path)
    options = SourceOptions(content_scan_bytes=scan_bytes)
    _, metered = meter_flows(index, options)
    if rules is None:
        table = extract(index, metered, options).transactions
    else:
        ctx = Context(index, metered, options)
        content.scan(ctx, rules)
        table = ctx.transaction_table()
    rows = table.filter(pc.equal(table.column("transaction.kind"), "ids_alert")).to_pylist()
    for row in rows:
        row["detail"] = json.loads(row["detail"])
    return rows


def split(data: bytes, cuts: list[int]) -> list[tuple[int, bytes]]:
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < len(data))), len(data)]
    return [(a, data[a:b]) for a, b in itertools.pairwise(bounds)]


ID_OUTPUT = b"HTTP/1.1 200 OK\r\n\r\nuid=0(root) gid=0(root) groups=0(root)\n"


# ------------------------------------------------------------------------- corpus


def test_corpus_attack_response_raises_one_alert():
    path = str(TRAFFIC / "ioc" / "sv_flowbit-oring_testmyids.pcap")
    rows = alerts_of(path)
    assert len(rows) == 1
    (row,) = rows
    assert row["rule.id"] == "SW-CONTENT-0001"
    assert row["event.severity"] == 1  # high -> sensor priority 1
    # Flow orientation: the client asked, the server's response carried the output.
    assert (row["source.ip"], row["destination.ip"], row["destination.port"]) == (
        "10.16.1.11",
        "82.165.177.154",
        80,
    )
    assert row["transaction.direction"] == "server"
    assert row["input.frame"] == 6  # the HTTP 200 response (tshark)
    assert row["detail"]["direction"] == "to_client"
    assert row["detail"]["excerpt"] == "uid=0(root) gid=0(root) groups=0(root)"
    assert row["detail"]["attack"] == list(builtin_rules()[0].attack)


def test_benign_captures_raise_nothing():
    scanned = 0
    for path in sorted((TRAFFIC / "benign").iterdir()):
        result = PcapSource().read(str(path), SourceOptions())
        tx = result.tables["transaction"]
        kinds = tx.column("transaction.kind")
        assert tx.filter(pc.equal(kinds, "ids_alert")).num_rows == 0, path.name
        scanned += result.stats.get("appmeta_content_bytes", 0)
    assert scanned > 100_000  # their cleartext payloads were looked at


def test_other_output_is_unchanged_without_rules(tmp_path):
    """Disabling the scan (0 bytes) changes nothing but the ids_alert rows."""
    path = str(TRAFFIC / "ioc" / "sv_flowbit-oring_testmyids.pcap")
    on = PcapSource().read(path, SourceOptions())
    off = PcapSource().read(path, SourceOptions(content_scan_bytes=0))
    tx = on.tables["transaction"]
    kept = tx.filter(pc.not_equal(tx.column("transaction.kind"), "ids_alert"))
    assert kept.equals(off.tables["transaction"])
    assert on.tables["flow"].equals(off.tables["flow"])
    assert on.tables["packet"].equals(off.tables["packet"])


# ------------------------------------------------------------------------- TCP streams


@pytest.mark.parametrize(
    "order",
    [
        "in_order",
        "reversed",  # segments arrive out of order
        "retransmitted",  # every segment twice
        "overlapping",  # a later segment repeats part of the previous one
    ],
)
def test_pattern_split_across_segments_matches(tmp_path, order):
    at = ID_OUTPUT.index(b"uid=")
    segments = split(ID_OUTPUT, [at + 3, at + 7, at + 9])  # "uid", "=0(r", "oo", "t)..."
    if order == "reversed":
        segments = segments[::-1]
    elif order == "retransmitted":
        segments = [s for s in segments for _ in range(2)]
    elif order == "overlapping":
        segments = [(0, ID_OUTPUT[: at + 6]), (at + 2, ID_OUTPUT[at + 2 :])]
    rows = alerts_of(write(tmp_path, session(segments)))
    assert [r["rule.id"] for r in rows] == ["SW-CONTENT-0001"]
    # The reported frame (SYN is frame 1) is the first one carrying the match's first byte.
    holders = [2 + i for i, (off, seg) in enumerate(segments) if off <= at < off + len(seg)]
    assert rows[0]["input.frame"] == holders[0]
    assert rows[0]["detail"]["stream_offset"] == at


def test_hole_before_the_pattern_stops_the_stream(tmp_path):
    at = ID_OUTPUT.index(b"uid=")
    segments = [(0, ID_OUTPUT[:10]), (at, ID_OUTPUT[at:])]  # bytes 10..at never seen
    assert alerts_of(write(tmp_path, session(segments))) == []


def test_sequence_numbers_wrap(tmp_path):
    at = ID_OUTPUT.index(b"uid=")
    segments = split(ID_OUTPUT, [at + 5])
    frames = session(segments, seq0=(1 << 32) - at - 2)  # wraps inside the pattern
    assert [r["rule.id"] for r in alerts_of(write(tmp_path, frames))] == ["SW-CONTENT-0001"]


def test_only_the_first_bytes_of_a_direction_are_scanned(tmp_path):
    body = b"x" * 5000 + b"uid=0(root) gid=0(root)\n"
    segments = split(body, list(range(1000, len(body), 1000)))
    path = write(tmp_path, session(segments))
    assert alerts_of(path) == []  # past the default 4 KiB
    assert [r["rule.id"] for r in alerts_of(path, scan_bytes=8192)] == ["SW-CONTENT-0001"]
    assert alerts_of(path, scan_bytes=0) == []


def test_one_alert_per_flow_and_rule(tmp_path):
    segments = [(0, ID_OUTPUT), (len(ID_OUTPUT), ID_OUTPUT)]
    frames = session(segments) + session([(0, ID_OUTPUT)], to_client=False)[1:]
    rows = alerts_of(write(tmp_path, frames))
    assert len(rows) == 1 and rows[0]["input.frame"] == 2  # the earliest of the three


def test_batches_never_split_a_stream(tmp_path, monkeypatch):
    frames = []
    for i in range(6):
        flow = session(split(ID_OUTPUT, [5 + i, 22 + i]), port=8000 + i)
        frames += flow
    path = write(tmp_path, frames)
    whole = alerts_of(path)
    monkeypatch.setattr(content, "BATCH_BYTES", 40)  # every stream in a batch of its own
    batched = alerts_of(path)
    assert len(whole) == 6
    assert [(r["destination.port"], r["input.frame"]) for r in batched] == [
        (r["destination.port"], r["input.frame"]) for r in whole
    ]


def test_encrypted_flows_are_not_scanned(tmp_path):
    """A flow recognised as SSH (banner) is ciphertext after the banner: not scanned."""
    banner = b"SSH-2.0-OpenSSH_9.6\r\n"
    frames = session([(0, banner + b"uid=0(root)")], port=22)
    assert alerts_of(write(tmp_path, frames)) == []
    plain = session([(0, b"SSX-2.0-OpenSSH_9.6\r\nuid=0(root)")], port=22)
    assert len(alerts_of(write(tmp_path, plain, "b.pcap"))) == 1


# ------------------------------------------------------------------------- rule filters

SMI_CONFIG = b"\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x03\x00\x00\x01\x28" + b"\x00" * 40


def test_smart_install_request_on_its_port_only(tmp_path):
    hit = write(tmp_path, session([(0, SMI_CONFIG)], to_client=False, port=4786), "a.pcap")
    rows = alerts_of(hit)
    assert [r["rule.id"] for r in rows] == ["SW-CONTENT-0004"]
    assert rows[0]["detail"]["excerpt"] == "\\x00\\x00\\x00\\x01" * 2 + "\\x00\\x00\\x00\\x03"
    other_port = write(tmp_path, session([(0, SMI_CONFIG)], to_client=False, port=4787), "b.pcap")
    wrong_way = write(tmp_path, session([(0, SMI_CONFIG)], to_client=True, port=4786), "c.pcap")
    not_at_start = write(
        tmp_path, session([(0, b"\x00" + SMI_CONFIG)], to_client=False, port=4786), "d.pcap"
    )
    probe = write(  # message type 4 is the harmless probe
        tmp_path,
        session([(0, SMI_CONFIG[:11] + b"\x04" + SMI_CONFIG[12:])], to_client=False, port=4786),
        "e.pcap",
    )
    for path in (other_port, wrong_way, not_at_start, probe):
        assert alerts_of(path) == [], path


def test_tacacs_unencrypted_flag(tmp_path):
    body = b"\xc0\x01\x01\x01\x00\x00\x00\x2a\x00\x00\x00\x10" + b"\x01" * 16
    hit = write(tmp_path, session([(0, body)], to_client=False, port=49), "a.pcap")
    assert [r["rule.id"] for r in alerts_of(hit)] == ["SW-CONTENT-0005"]
    obfuscated = body[:3] + b"\x00" + body[4:]
    miss = write(tmp_path, session([(0, obfuscated)], to_client=False, port=49), "b.pcap")
    assert alerts_of(miss) == []


def test_ios_config_needs_all_its_patterns_and_shows_no_secret(tmp_path):
    config = (
        b"Building configuration...\r\n\r\nCurrent configuration : 1543 bytes\r\n!\r\n"
        b"version 15.2\r\nservice timestamps debug datetime msec\r\n!\r\nhostname edge-1\r\n"
        b"!\r\nenable secret 5 $1$abcd$0123456789abcdefghij\r\n"
    )
    hit = write(tmp_path, session(split(config, [30, 95]), port=23), "a.pcap")
    rows = alerts_of(hit)
    assert [r["rule.id"] for r in rows] == ["SW-CONTENT-0003"]
    assert "$1$" not in json.dumps(rows[0]["detail"])
    no_hostname = config.replace(b"hostname", b"hostnam")
    assert alerts_of(write(tmp_path, session([(0, no_hostname)], port=23), "b.pcap")) == []


def test_config_copied_over_tftp_matches_inside_one_datagram(tmp_path):
    block = b"\x00\x03\x00\x01" + b"!\nversion 12.2\nservice pad\nhostname sw1\n!\n"
    frames = [
        udp_frame(CLIENT, SERVER, 50000, 69, b"\x00\x02sw1-confg\x00octet\x00"),
        udp_frame(CLIENT, SERVER, 50001, 51000, block),
    ]
    assert [r["rule.id"] for r in alerts_of(write(tmp_path, frames))] == ["SW-CONTENT-0003"]
    # Split over two datagrams, the patterns are not joined.
    halves = [
        udp_frame(CLIENT, SERVER, 50001, 51000, block[:20]),
        udp_frame(CLIENT, SERVER, 50001, 51000, block[20:]),
    ]
    rows = alerts_of(write(tmp_path, halves, "b.pcap"))
    assert rows == []


CUSTOM = """
rules:
  - id: SW-CONTENT-9001
    name: test pattern, any case
    severity: low
    attack: [T1071]
    rationale: test
    source: test
    direction: to_server
    transport: tcp
    excerpt: 8
    content:
      - {pattern: "MAGIC|0d 0a|word", nocase: true}
      - {pattern: "tail", offset: 20}
"""


def test_custom_rule_nocase_offset_and_excerpt(tmp_path):
    rules = loads(CUSTOM)
    data = b"....mAgIc\r\nWORD and then\r\nmore" + b"-" * 10 + b"tail"
    path = write(tmp_path, session(split(data, [7]), to_client=False))
    rows = alerts_of(path, rules)
    assert [r["rule.id"] for r in rows] == ["SW-CONTENT-9001"]
    assert rows[0]["event.severity"] == 3
    assert rows[0]["detail"]["stream_offset"] == 4
    assert rows[0]["detail"]["excerpt"] == "mAgIc\\x0d\\x0aWORD and the"
    early_tail = b"tail....mAgIc\r\nWORD"  # "tail" before offset 20: not a match
    assert (
        alerts_of(write(tmp_path, session([(0, early_tail)], to_client=False), "b.pcap"), rules)
        == []
    )


# ------------------------------------------------------------------------- fuzzing

PATTERNS = [c.pattern for r in builtin_rules() for c in r.contents]


FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


@settings(max_examples=60, **FUZZ)
@given(
    payload=st.binary(min_size=1, max_size=3000),
    cuts=st.lists(st.integers(1, 2999), max_size=6),
    shuffle=st.randoms(use_true_random=False),
    to_client=st.booleans(),
    port=st.sampled_from([23, 49, 80, 4786, 8080]),
)
def test_random_payloads_never_raise(tmp_path, payload, cuts, shuffle, to_client, port):
    segments = split(payload, cuts)
    shuffle.shuffle(segments)
    frames = session(segments, to_client=to_client, port=port)
    frames.append(udp_frame(CLIENT, SERVER, 5000, port, payload))
    rows = alerts_of(write(tmp_path, frames))
    if not any(p in payload for p in PATTERNS):
        assert rows == []


@settings(max_examples=40, **FUZZ)
@given(
    # A stream opening with an SSH banner is labelled SSH (ciphertext) and not scanned.
    before=st.binary(max_size=2000).filter(
        lambda b: b"uid=0(root)" not in b and not b.startswith(b"SSH-")
    ),
    after=st.binary(max_size=500),
    cuts=st.lists(st.integers(1, 2600), max_size=8),
    shuffle=st.randoms(use_true_random=False),
)
def test_planted_pattern_is_found_however_segmented(tmp_path, before, after, cuts, shuffle):
    data = before + b"uid=0(root)" + after
    segments = split(data, cuts)
    shuffle.shuffle(segments)
    rows = alerts_of(write(tmp_path, session(segments)))
    found = [r for r in rows if r["rule.id"] == "SW-CONTENT-0001"]
    assert len(found) == 1
    assert found[0]["detail"]["stream_offset"] == data.index(b"uid=0(root)")


def test_scan_output_is_typed_like_the_schema():
    path = str(TRAFFIC / "ioc" / "sv_flowbit-oring_testmyids.pcap")
    tx = PcapSource().read(path, SourceOptions()).tables["transaction"]
    assert tx.schema.field("event.severity").type == pa.int32()
