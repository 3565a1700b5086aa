"""The reader and meter never crash: random bytes after valid headers, every truncation of
small real files, bit flips."""

from __future__ import annotations

import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pcap_craft import TRAFFIC, pcapng_section

from seawall.sources.base import SourceOptions
from seawall.sources.pcap.meter import meter_flows
from seawall.sources.pcap.reader import index_buffer

SMALL = [
    TRAFFIC / "tunnels" / "sv_IKEv2_SA_INIT_weak-dh.pcap",  # raw IP link type
    TRAFFIC / "c2" / "sv_TLSv1-Extracted-MaliciousC2.pcap",
    TRAFFIC / "tunnels" / "zeek_gre-pptp.pcap",
    TRAFFIC / "tunnels" / "zeek_vxlan.pcap",
]
PCAPNG = (TRAFFIC / "ioc" / "ndpi_tls_malicious_sha1.pcapng").read_bytes()
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run(data: bytes) -> None:
    index, issues = index_buffer(data, "fuzz.pcap")
    table, metered = meter_flows(index, SourceOptions())
    assert len(metered.flow_id) == len(index)
    assert table.num_rows == metered.n_flows
    if len(index):
        assert (index.data_offset + index.caplen <= len(data)).all()
        assert (index.payload_offset + index.payload_len <= index.caplen).all()
    for issue in issues:
        assert issue.location.file == "fuzz.pcap"


def _classic_header(magic: int, linktype: int) -> bytes:
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)


@FAST
@given(
    magic=st.sampled_from([0xA1B2C3D4, 0xD4C3B2A1, 0xA1B23C4D, 0x4D3CB2A1]),
    linktype=st.sampled_from([0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999]),
    tail=st.binary(max_size=2000),
)
def test_random_bytes_after_classic_header(magic: int, linktype: int, tail: bytes) -> None:
    _run(_classic_header(magic, linktype) + tail)


@FAST
@given(
    linktype=st.sampled_from([1, 101, 113, 276]),
    records=st.lists(st.binary(min_size=0, max_size=300), max_size=20),
)
def test_random_frames_in_wellformed_records(linktype: int, records: list[bytes]) -> None:
    # valid record headers around random frames: exercises every header decoder
    out = [_classic_header(0xA1B2C3D4, linktype)]
    for i, frame in enumerate(records):
        out.append(struct.pack("<IIII", i, 0, len(frame), len(frame)) + frame)
    _run(b"".join(out))


@FAST
@given(tail=st.binary(max_size=2000), order=st.sampled_from(["<", ">"]))
def test_random_bytes_after_pcapng_header(tail: bytes, order: str) -> None:
    _run(pcapng_section([], order=order) + tail)


def test_truncation_at_every_offset() -> None:
    for path in SMALL:
        data = path.read_bytes()
        full, _ = index_buffer(data, "fuzz.pcap")
        for cut in range(len(data) + 1):
            index, issues = index_buffer(data[:cut], "fuzz.pcap")
            complete = int(np.searchsorted(full.data_offset + full.caplen, cut, side="right"))
            assert len(index) == complete, (path.name, cut)
            if 24 < cut < len(data) and cut not in set((full.data_offset + full.caplen).tolist()):
                assert any(i.kind == "truncated" for i in issues)
            if cut % 5 == 0:
                _run(data[:cut])
    for cut in range(0, len(PCAPNG) + 1, 7):
        _run(PCAPNG[:cut])


@FAST
@given(data=st.data())
def test_bit_flips(data: st.DataObject) -> None:
    raw = bytearray(data.draw(st.sampled_from([p.read_bytes() for p in SMALL] + [PCAPNG])))
    for position in data.draw(st.lists(st.integers(0, len(raw) * 8 - 1), min_size=1, max_size=8)):
        raw[position // 8] ^= 1 << (position % 8)
    _run(bytes(raw))
