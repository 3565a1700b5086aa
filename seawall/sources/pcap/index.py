"""The packet index: one numpy array per decoded header field, one row per packet.

The pcap reader fills it from the raw file in a single pass; the flow meter and the
application-metadata / side-channel extractors read it without re-parsing headers.
Addresses are stored as two uint64 halves (hi, lo); IPv4 lives in ``lo`` with ``hi`` 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from seawall.errors import ParseIssue

# Values of PacketIndex.tunnel (outermost encapsulation the inner IP header was found in).
TUNNEL_NONE = 0
TUNNEL_GRE = 1
TUNNEL_ERSPAN = 2  # GRE carrying Ethernet (0x6558 transparent bridging, ERSPAN I/II/III)
TUNNEL_VXLAN = 3
TUNNEL_GTP = 4
TUNNEL_IPIP = 5  # IPv4/IPv6 in IP
TUNNEL_NAMES = {
    TUNNEL_NONE: None,
    TUNNEL_GRE: "gre",
    TUNNEL_ERSPAN: "erspan",
    TUNNEL_VXLAN: "vxlan",
    TUNNEL_GTP: "gtp",
    TUNNEL_IPIP: "ipip",
}


@dataclass(slots=True)
class PacketIndex:
    """Decoded headers of every packet of one capture (N packets).

    ``buffer`` holds the file bytes; packet i's data starts at ``data_offset[i]`` and is
    ``caplen[i]`` long. ``l3_offset``/``l4_offset``/``payload_offset`` are relative to the
    packet start and refer to the innermost decoded IP packet (-1 when absent).
    """

    path: str
    buffer: bytes | memoryview
    ts_us: np.ndarray  # int64 microseconds since epoch
    frame: np.ndarray  # int64, 1-based
    data_offset: np.ndarray  # int64 offset of packet data in buffer
    caplen: np.ndarray  # int32
    wirelen: np.ndarray  # int32
    linktype: np.ndarray  # int16 DLT per packet (pcapng interfaces may differ)
    ethertype: np.ndarray  # uint16 outermost ethertype after VLAN tags (0 if not Ethernet)
    ip_version: np.ndarray  # int8: 4, 6 or 0 (not IP)
    proto: np.ndarray  # uint8 innermost IP protocol
    src_hi: np.ndarray  # uint64
    src_lo: np.ndarray  # uint64
    dst_hi: np.ndarray  # uint64
    dst_lo: np.ndarray  # uint64
    sport: np.ndarray  # uint16 (0 for portless protocols)
    dport: np.ndarray  # uint16
    tcp_flags: np.ndarray  # uint8
    ip_len: np.ndarray  # int32 IP total length (bytes counted in flows)
    l3_offset: np.ndarray  # int32
    l4_offset: np.ndarray  # int32
    payload_offset: np.ndarray  # int32 start of L4 payload
    payload_len: np.ndarray  # int32 L4 payload bytes actually captured
    tunnel: np.ndarray  # int8 TUNNEL_* of the encapsulation, TUNNEL_NONE if none
    outer_src_hi: np.ndarray  # uint64 outer (tunnel) addresses, 0 when no tunnel
    outer_src_lo: np.ndarray
    outer_dst_hi: np.ndarray
    outer_dst_lo: np.ndarray
    outer_ip_version: np.ndarray  # int8
    is_fragment: np.ndarray  # bool: non-first IP fragment (no L4 header)

    def __len__(self) -> int:
        return len(self.ts_us)

    def payload(self, i: int) -> bytes:
        """L4 payload bytes of packet i (empty if none)."""
        start = int(self.data_offset[i]) + int(self.payload_offset[i])
        if self.payload_offset[i] < 0:
            return b""
        return bytes(self.buffer[start : start + int(self.payload_len[i])])

    def packet(self, i: int) -> bytes:
        """Raw captured bytes of packet i, from the link layer."""
        start = int(self.data_offset[i])
        return bytes(self.buffer[start : start + int(self.caplen[i])])


@dataclass(slots=True)
class AppMetadata:
    """What payload inspection adds to the flows metered from a PacketIndex.

    ``flow_columns`` maps flow-schema column names (e.g. ``tls.client.server_name``) to
    arrays of length ``n_flows``; None entries mean unknown. ``stats`` counts what was
    inspected and what was malformed (e.g. ``dns_malformed``); ``issues`` locates a sample of
    the malformed payloads.
    """

    transactions: pa.Table
    packets: pa.Table
    flow_columns: dict[str, list[object]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)


def ips_to_strings(hi: np.ndarray, lo: np.ndarray, version: np.ndarray) -> list[str | None]:
    """Render (hi, lo, version) address columns as text, parsing each distinct value once."""
    import ipaddress

    out: list[str | None] = [None] * len(lo)
    cache: dict[tuple[int, int, int], str | None] = {}
    for i, key in enumerate(zip(hi.tolist(), lo.tolist(), version.tolist(), strict=True)):
        text = cache.get(key)
        if text is None and key not in cache:
            h, lo_, v = key
            if v == 4:
                text = str(ipaddress.IPv4Address(lo_))
            elif v == 6:
                text = str(ipaddress.IPv6Address((h << 64) | lo_))
            else:
                text = None
            cache[key] = text
        out[i] = text
    return out


@dataclass(slots=True)
class MeteredPackets:
    """How the flow meter assigned packets to flows, for the payload extractors.

    ``flow_id[i]`` is the row of packet i's flow in the flow table (-1: in no flow, e.g.
    ARP or CDP); ``from_source[i]`` is True when packet i travels from the flow's source
    (initiator) to its destination.
    """

    flow_id: np.ndarray  # int64 per packet
    from_source: np.ndarray  # bool per packet
    n_flows: int
