"""sFlow version 5 datagrams (sflow.org sFlow v5 specification).

A flow sample carries the first bytes of one sampled packet (or its decoded IPv4/IPv6
summary); each becomes a one-packet flow record whose ``flow.sampling_rate`` is the
sample's 1-in-N rate, so an estimate of the real traffic is packets x rate. Counter
samples only carry interface counters: they are counted, not turned into flows.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

import numpy as np

from seawall.errors import Location, ParseIssue
from seawall.sources.flowexport import ipfix_fields as ie
from seawall.sources.flowexport.batch import (
    ADDR_VERSION,
    DST_HI,
    DST_LO,
    END_US,
    SAMPLING,
    SRC_HI,
    SRC_LO,
    START_US,
    FlowBatch,
)

FLOW_SAMPLE = 1
COUNTER_SAMPLE = 2
EXPANDED_FLOW_SAMPLE = 3
EXPANDED_COUNTER_SAMPLE = 4
RAW_PACKET_HEADER = 1
SAMPLED_IPV4 = 2
SAMPLED_IPV6 = 3
EXTENDED_GATEWAY = 1003
HEADER_ETHERNET = 1
HEADER_IPV4 = 11
HEADER_IPV6 = 12
_VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
_MPLS_TYPES = (0x8847, 0x8848)
_IPV6_EXTENSIONS = (0, 43, 60)  # hop-by-hop, routing, destination options
_PORT_PROTOCOLS = (6, 17, 132)  # tcp, udp, sctp


class _Cut(Exception):
    """A length field points past the bytes that are there."""


class _Reader:
    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def u32(self) -> int:
        if self.end - self.pos < 4:
            raise _Cut
        value: int = struct.unpack_from(">I", self.data, self.pos)[0]
        self.pos += 4
        return value

    def take(self, n: int) -> bytes:
        if n < 0 or self.end - self.pos < n:
            raise _Cut
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def address(self) -> tuple[int, int, int]:
        """An sFlow address: (version, hi, lo)."""
        kind = self.u32()
        if kind == 1:
            return 4, 0, int.from_bytes(self.take(4), "big")
        if kind == 2:
            value = int.from_bytes(self.take(16), "big")
            return 6, value >> 64, value & 0xFFFFFFFFFFFFFFFF
        raise _Cut


@dataclass(slots=True)
class SflowStats:
    flow_samples: int = 0
    counter_samples: int = 0
    other_samples: int = 0  # enterprise or unknown sample formats
    non_ip_samples: int = 0  # sampled frames without an IP header (ARP, ...)


@dataclass(slots=True)
class _Packet:
    version: int = 0
    src: tuple[int, int] = (0, 0)
    dst: tuple[int, int] = (0, 0)
    proto: int = 0
    sport: int = 0
    dport: int = 0
    flags: int = 0
    length: int = 0


@dataclass(slots=True)
class SflowRows:
    """Flow-sample rows of one agent, accumulated over datagrams."""

    values: dict[str, list[int]] = field(
        default_factory=lambda: {
            k: []
            for k in (
                ADDR_VERSION, SRC_HI, SRC_LO, DST_HI, DST_LO, ie.PROTO, ie.SPORT, ie.DPORT,
                ie.TCP_FLAGS, ie.BYTES, SAMPLING, ie.IN_IF, ie.OUT_IF, ie.SRC_AS, ie.DST_AS,
            )
        }
    )  # fmt: skip
    times: list[int] = field(default_factory=list)
    segments: list[tuple[Location, int]] = field(default_factory=list)

    def add(
        self, pkt: _Packet, rate: int, in_if: int, out_if: int, src_as: int, dst_as: int
    ) -> None:
        row = {
            ADDR_VERSION: pkt.version, SRC_HI: pkt.src[0], SRC_LO: pkt.src[1],
            DST_HI: pkt.dst[0], DST_LO: pkt.dst[1], ie.PROTO: pkt.proto, ie.SPORT: pkt.sport,
            ie.DPORT: pkt.dport, ie.TCP_FLAGS: pkt.flags, ie.BYTES: pkt.length, SAMPLING: rate,
            ie.IN_IF: in_if, ie.OUT_IF: out_if, ie.SRC_AS: src_as, ie.DST_AS: dst_as,
        }  # fmt: skip
        for key, value in row.items():
            self.values[key].append(value)


def decode_sflow(
    datagram: bytes,
    exporter: str,
    received_us: int,
    location: Location,
    issues: list[ParseIssue],
    stats: SflowStats,
    rows_by_agent: dict[str, SflowRows],
) -> int:
    """Add the flow samples of one datagram, as one-packet flow records, to the rows of
    its agent; returns how many were added."""
    reader = _Reader(datagram)
    try:
        reader.u32()  # version, checked by the caller
        agent_version, agent_hi, agent_lo = reader.address()
        reader.take(12)  # sub-agent id, sequence number, uptime
        n_samples = reader.u32()
    except _Cut:
        issues.append(
            ParseIssue(location, "sFlow header cut or bad agent address type", "truncated")
        )
        return 0
    agent = (
        str(ipaddress.IPv4Address(agent_lo))
        if agent_version == 4
        else str(ipaddress.IPv6Address((agent_hi << 64) | agent_lo))
    )
    rows = rows_by_agent.get(agent or exporter)
    if rows is None:
        rows = rows_by_agent[agent or exporter] = SflowRows()
    before = len(rows.values[SAMPLING])
    for index in range(n_samples):
        start = reader.pos
        try:
            fmt = reader.u32()
            length = reader.u32()
            body = _Reader(datagram, reader.pos, reader.pos + length)
            reader.take(length)
        except _Cut:
            issues.append(
                ParseIssue(
                    location,
                    f"sFlow sample {index + 1} of {n_samples} at datagram byte {start} runs past "
                    "the datagram; rest skipped",
                    "truncated",
                )
            )
            break
        enterprise, sample_type = fmt >> 12, fmt & 0xFFF
        if enterprise == 0 and sample_type in (FLOW_SAMPLE, EXPANDED_FLOW_SAMPLE):
            stats.flow_samples += 1
            try:
                _flow_sample(body, sample_type == EXPANDED_FLOW_SAMPLE, rows, stats)
            except _Cut:
                issues.append(
                    ParseIssue(
                        location,
                        f"sFlow flow sample at datagram byte {start} is cut inside; skipped",
                        "truncated",
                    )
                )
        elif enterprise == 0 and sample_type in (COUNTER_SAMPLE, EXPANDED_COUNTER_SAMPLE):
            stats.counter_samples += 1
        else:
            stats.other_samples += 1
    added = len(rows.values[SAMPLING]) - before
    if added:
        rows.segments.append((location, added))
        rows.times.extend([received_us] * added)
    return added


def sflow_batch(agent: str, rows: SflowRows) -> FlowBatch | None:
    """The accumulated rows of one agent as a batch (the capture time is the only time
    an sFlow sample has)."""
    n = len(rows.values[SAMPLING])
    if n == 0:
        return None
    addresses = (SRC_HI, SRC_LO, DST_HI, DST_LO)
    cols = {
        key: np.array(values, dtype=np.uint64 if key in addresses else np.int64)
        for key, values in rows.values.items()
    }
    cols[ADDR_VERSION] = cols[ADDR_VERSION].astype(np.int8)
    cols[ie.PACKETS] = np.ones(n, dtype=np.int64)
    cols[START_US] = np.array(rows.times, dtype=np.int64)
    cols[END_US] = cols[START_US]
    return FlowBatch(n, cols, "sflow", agent, list(rows.segments))


def _flow_sample(body: _Reader, expanded: bool, rows: SflowRows, stats: SflowStats) -> None:
    if expanded:
        body.take(12)  # sequence, source id type, source id index
        rate = body.u32()
        body.take(8)  # sample pool, drops
        in_format, in_value, out_format, out_value = (body.u32() for _ in range(4))
    else:
        body.take(8)  # sequence, source id
        rate = body.u32()
        body.take(8)
        in_raw, out_raw = body.u32(), body.u32()
        in_format, in_value = in_raw >> 30, in_raw & 0x3FFFFFFF
        out_format, out_value = out_raw >> 30, out_raw & 0x3FFFFFFF
    packet: _Packet | None = None
    src_as = dst_as = -1  # -1: no extended gateway record, AS unknown
    for _ in range(body.u32()):
        fmt = body.u32()
        length = body.u32()
        record = _Reader(body.data, body.pos, body.pos + length)
        body.take(length)
        if fmt == RAW_PACKET_HEADER:
            packet = _raw_header(record) or packet
        elif fmt in (SAMPLED_IPV4, SAMPLED_IPV6) and packet is None:
            packet = _sampled_ip(record, fmt == SAMPLED_IPV6)
        elif fmt == EXTENDED_GATEWAY:
            src_as, dst_as = _gateway(record)
    if packet is None:
        stats.non_ip_samples += 1
        return
    rows.add(
        packet,
        max(rate, 1),
        in_value if in_format == 0 else -1,  # other formats: discarded / several ports
        out_value if out_format == 0 else -1,
        src_as,
        dst_as,
    )


def _raw_header(record: _Reader) -> _Packet | None:
    protocol = record.u32()
    record.take(8)  # frame length, stripped
    header = record.take(record.u32())
    if protocol == HEADER_ETHERNET:
        return decode_ethernet(header)
    if protocol == HEADER_IPV4:
        return decode_ip(header, 0)
    if protocol == HEADER_IPV6:
        return decode_ip(header, 0)
    return None


def decode_ethernet(frame: bytes) -> _Packet | None:
    """The IP packet summary of a (possibly cut) Ethernet frame: VLAN/QinQ tags and MPLS
    labels are skipped."""
    if len(frame) < 14:
        return None
    ethertype = int.from_bytes(frame[12:14], "big")
    pos = 14
    while ethertype in _VLAN_TYPES and len(frame) >= pos + 4:
        ethertype = int.from_bytes(frame[pos + 2 : pos + 4], "big")
        pos += 4
    if ethertype in _MPLS_TYPES:
        while len(frame) >= pos + 4:
            bottom = frame[pos + 2] & 1
            pos += 4
            if bottom:
                break
        return decode_ip(frame, pos)
    if ethertype in (0x0800, 0x86DD):
        return decode_ip(frame, pos)
    return None


def decode_ip(data: bytes, pos: int) -> _Packet | None:
    if len(data) <= pos:
        return None
    version = data[pos] >> 4
    pkt = _Packet(version=version)
    if version == 4 and len(data) >= pos + 20:
        ihl = (data[pos] & 0x0F) * 4
        pkt.length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        pkt.proto = data[pos + 9]
        pkt.src = (0, int.from_bytes(data[pos + 12 : pos + 16], "big"))
        pkt.dst = (0, int.from_bytes(data[pos + 16 : pos + 20], "big"))
        first_fragment = int.from_bytes(data[pos + 6 : pos + 8], "big") & 0x1FFF == 0
        l4 = pos + ihl if ihl >= 20 and first_fragment else -1
    elif version == 6 and len(data) >= pos + 40:
        pkt.length = int.from_bytes(data[pos + 4 : pos + 6], "big") + 40
        src = int.from_bytes(data[pos + 8 : pos + 24], "big")
        dst = int.from_bytes(data[pos + 24 : pos + 40], "big")
        pkt.src = (src >> 64, src & 0xFFFFFFFFFFFFFFFF)
        pkt.dst = (dst >> 64, dst & 0xFFFFFFFFFFFFFFFF)
        next_header, l4 = data[pos + 6], pos + 40
        while len(data) >= l4 + 8 and next_header in (*_IPV6_EXTENSIONS, 44, 51):
            if next_header == 44:  # fragment header: only the first fragment has ports
                if int.from_bytes(data[l4 + 2 : l4 + 4], "big") >> 3:
                    next_header, l4 = data[l4], -1
                    break
                next_header, l4 = data[l4], l4 + 8
            elif next_header == 51:
                next_header, l4 = data[l4], l4 + (data[l4 + 1] + 2) * 4
            else:
                next_header, l4 = data[l4], l4 + (data[l4 + 1] + 1) * 8
        pkt.proto = next_header
    else:
        return None
    if l4 >= 0 and pkt.proto in _PORT_PROTOCOLS and len(data) >= l4 + 4:
        pkt.sport = int.from_bytes(data[l4 : l4 + 2], "big")
        pkt.dport = int.from_bytes(data[l4 + 2 : l4 + 4], "big")
        if pkt.proto == 6 and len(data) >= l4 + 14:
            pkt.flags = data[l4 + 13]
    return pkt


def _sampled_ip(record: _Reader, v6: bool) -> _Packet:
    length, proto = record.u32(), record.u32()
    size = 16 if v6 else 4
    src = int.from_bytes(record.take(size), "big")
    dst = int.from_bytes(record.take(size), "big")
    sport, dport, flags = record.u32(), record.u32(), record.u32()
    mask = 0xFFFFFFFFFFFFFFFF
    return _Packet(
        6 if v6 else 4,
        (src >> 64, src & mask),
        (dst >> 64, dst & mask),
        proto & 0xFF,
        sport & 0xFFFF,
        dport & 0xFFFF,
        flags & 0xFF,
        length,
    )


def _gateway(record: _Reader) -> tuple[int, int]:
    """(source AS, destination AS) of an extended gateway record; the destination is the
    last AS of the path, or the router's own AS when the path is empty (local)."""
    record.address()  # next hop
    own_as, src_as = record.u32(), record.u32()
    record.u32()  # source peer AS
    dst_as = own_as
    for _ in range(record.u32()):
        record.u32()  # segment type
        count = record.u32()
        if count > (record.end - record.pos) // 4:
            raise _Cut
        for _ in range(count):
            dst_as = record.u32()
    return src_as, dst_as
