"""Column-wise decoding of link, IP, transport and tunnel headers for every packet at once.

Each step reads one header field for a whole set of packets with a numpy gather from the
file bytes; masks pick the packets a step applies to. Every read is bounds-checked
against the packet's captured end, so short or garbled packets just stop decoding early.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seawall.sources.pcap.index import (
    TUNNEL_ERSPAN,
    TUNNEL_GRE,
    TUNNEL_GTP,
    TUNNEL_IPIP,
    TUNNEL_NONE,
    TUNNEL_VXLAN,
    PacketIndex,
)

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
_VLAN_TYPES = np.array([0x8100, 0x88A8, 0x9100, 0x9200], dtype=np.int64)
_ETH_PPPOE = 0x8864
_ETH_MPLS = (0x8847, 0x8848)

# Link types (DLT/LINKTYPE values)
LINK_NULL = 0
LINK_ETHERNET = 1
LINK_RAW = 101
LINK_RAW_BSD = (12, 14)  # DLT_RAW as written by some BSDs / old libpcap
LINK_LOOP = 108
LINK_SLL = 113
LINK_IPV4 = 228
LINK_IPV6 = 229
LINK_SLL2 = 276

# IPv6 extension headers skipped to reach the transport header
_V6_EXT = np.array([0, 43, 44, 51, 60, 135, 139, 140], dtype=np.int64)

PROTO_ICMP = 1
PROTO_IPIP = 4
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_IPV6 = 41
PROTO_GRE = 47
PROTO_ESP = 50
PROTO_ICMPV6 = 58
PROTO_SCTP = 132

VXLAN_PORT = 4789
GTPU_PORT = 2152

_MAX_IPV6_EXTENSIONS = 8
_MAX_TUNNEL_DEPTH = 2


class _Bytes:
    """Bounds-safe big-endian gathers from the file bytes (callers mask out-of-packet reads)."""

    def __init__(self, buffer: bytes | memoryview | np.ndarray) -> None:
        if isinstance(buffer, np.ndarray):
            self.raw = buffer
        else:
            self.raw = np.frombuffer(buffer, np.uint8) if len(buffer) else np.zeros(8, np.uint8)
        self.last = len(self.raw) - 1

    def u8(self, pos: np.ndarray) -> np.ndarray:
        # positions are >= -1 (the "absent" sentinel, harmlessly reading the last byte)
        return self.raw[np.minimum(pos, self.last)].astype(np.int64)

    def be16(self, pos: np.ndarray) -> np.ndarray:
        return (self.u8(pos) << 8) | self.u8(pos + 1)

    def be32(self, pos: np.ndarray) -> np.ndarray:
        return (self.be16(pos) << 16) | self.be16(pos + 2)

    def le32(self, pos: np.ndarray) -> np.ndarray:
        return (
            self.u8(pos)
            | (self.u8(pos + 1) << 8)
            | (self.u8(pos + 2) << 16)
            | (self.u8(pos + 3) << 24)
        )

    def be64(self, pos: np.ndarray) -> np.ndarray:
        return (self.be32(pos).astype(np.uint64) << np.uint64(32)) | self.be32(pos + 4).astype(
            np.uint64
        )


@dataclass(slots=True)
class _Ip:
    """Decoded IP + transport fields of a subset of packets (absolute byte positions)."""

    version: np.ndarray
    proto: np.ndarray
    src_hi: np.ndarray
    src_lo: np.ndarray
    dst_hi: np.ndarray
    dst_lo: np.ndarray
    ip_len: np.ndarray
    l3: np.ndarray
    l4: np.ndarray  # -1 when no transport header (fragment, bad header)
    ip_end: np.ndarray  # end of the IP packet within the capture
    fragment: np.ndarray
    sport: np.ndarray
    dport: np.ndarray
    tcp_flags: np.ndarray
    payload: np.ndarray  # -1 when none
    payload_len: np.ndarray
    inferred_len: np.ndarray  # IP length taken from the capture (TSO / jumbogram)


# Header bytes copied per packet into a compact slab before decoding. Gathering header
# fields straight from a multi-GB capture costs one cache miss per packet per field; the slab
# keeps every field read within a small, sequentially laid-out block. Packets whose headers
# may reach past the window are decoded again from the capture itself.
HEADER_WINDOW = 128
_SLAB_CHUNK = 32_768  # packets per slab: 4 MiB of headers
_WINDOW_MARGIN = 24  # tunnel headers read past the payload start


def decode_headers(
    path: str,
    buffer: bytes | memoryview,
    ts_us: np.ndarray,
    data_offset: np.ndarray,
    caplen: np.ndarray,
    wirelen: np.ndarray,
    linktype: np.ndarray,
) -> PacketIndex:
    """Decode every packet's headers into a PacketIndex."""
    n = len(ts_us)
    start = data_offset.astype(np.int64)
    length = caplen.astype(np.int64)
    links = linktype.astype(np.int64)
    out = _Output(n)
    # Chunk by chunk, so the slab and the temporaries of every header step stay in cache.
    for lo in range(0, n, _SLAB_CHUNK):
        hi = min(lo + _SLAB_CHUNK, n)
        slab = _header_slab(buffer, start[lo:hi], length[lo:hi])
        window = np.minimum(length[lo:hi], HEADER_WINDOW)
        rows = np.arange(hi - lo, dtype=np.int64) * HEADER_WINDOW
        out.assign(slice(lo, hi), _decode(_Bytes(slab), rows, window, links[lo:hi]))
    reach = out.payload_offset.astype(np.int64) + _WINDOW_MARGIN
    redo = (length > HEADER_WINDOW) & (
        (out.ip_version == 0)
        | (out.payload_offset < 0)
        | (reach > HEADER_WINDOW)
        | out.inferred_len
    )
    if redo.any():
        rows = np.flatnonzero(redo)
        out.assign(rows, _decode(_Bytes(buffer), start[rows], length[rows], links[rows]))
    # payload length from the real captured length, not the window
    ip_end = np.minimum(out.l3_offset.astype(np.int64) + out.ip_len, length)
    has_payload = out.payload_offset >= 0
    out.payload_len = np.where(has_payload, np.maximum(ip_end - out.payload_offset, 0), 0).astype(
        np.int32
    )

    return PacketIndex(
        path=path,
        buffer=buffer,
        ts_us=ts_us.astype(np.int64),
        frame=np.arange(1, n + 1, dtype=np.int64),
        data_offset=start,
        caplen=caplen.astype(np.int32),
        wirelen=wirelen.astype(np.int32),
        linktype=linktype.astype(np.int16),
        ethertype=out.ethertype,
        ip_version=out.ip_version,
        proto=out.proto,
        src_hi=out.src_hi,
        src_lo=out.src_lo,
        dst_hi=out.dst_hi,
        dst_lo=out.dst_lo,
        sport=out.sport,
        dport=out.dport,
        tcp_flags=out.tcp_flags,
        ip_len=out.ip_len,
        l3_offset=out.l3_offset,
        l4_offset=out.l4_offset,
        payload_offset=out.payload_offset,
        payload_len=out.payload_len,
        tunnel=out.tunnel,
        outer_src_hi=out.outer_src_hi,
        outer_src_lo=out.outer_src_lo,
        outer_dst_hi=out.outer_dst_hi,
        outer_dst_lo=out.outer_dst_lo,
        outer_ip_version=out.outer_ip_version,
        is_fragment=out.is_fragment,
    )


def _header_slab(buffer: bytes | memoryview, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The first HEADER_WINDOW bytes of every packet, one fixed-size row per packet (bytes
    past the packet are whatever follows it; reads are bounded by the packet length)."""
    n = len(start)
    raw = np.frombuffer(buffer, dtype=np.uint8) if len(buffer) else np.zeros(0, np.uint8)
    if len(raw) < HEADER_WINDOW:
        raw = np.concatenate([raw, np.zeros(HEADER_WINDOW - len(raw), np.uint8)])
    windows = np.lib.stride_tricks.sliding_window_view(raw, HEADER_WINDOW)
    last = len(raw) - HEADER_WINDOW
    slab = windows[np.minimum(start, last)]
    near_end = np.flatnonzero(start > last)  # the file's last few packets: shift into place
    for row in near_end.tolist():
        tail = raw[int(start[row]) :]
        slab[row, : len(tail)] = tail
        slab[row, len(tail) :] = 0
    return slab.reshape(n * HEADER_WINDOW) if n else np.zeros(1, np.uint8)


def _decode(b: _Bytes, start: np.ndarray, length: np.ndarray, linktype: np.ndarray) -> _Output:
    """Decode packets whose bytes are at ``start`` (absolute) in ``b``."""
    n = len(start)
    end = start + length
    ethertype, net, l3 = _link_layer(b, start, end, linktype)

    out = _Output(n)
    out.ethertype[:] = ethertype
    sel = np.flatnonzero((net == ETH_IPV4) | (net == ETH_IPV6))
    ip = _decode_ip(b, l3[sel], end[sel], net[sel])
    ok = ip.version > 0
    sel, ip = sel[ok], _subset(ip, ok)
    out.write(sel, ip, start[sel])

    for _depth in range(_MAX_TUNNEL_DEPTH):
        if len(sel) == 0:
            break
        kind, inner, inner_is_eth = _find_tunnels(b, ip, end[sel])
        has = kind != TUNNEL_NONE
        if not has.any():
            break
        t_sel, t_ip = sel[has], _subset(ip, has)
        kind, inner, inner_is_eth = kind[has], inner[has], inner_is_eth[has]
        t_end = end[t_sel]
        inner_net = _ip_version_type(b, inner, t_end)
        _eth_type, eth_net, eth_l3 = _ethernet(b, inner, t_end)
        inner_net = np.where(inner_is_eth, eth_net, inner_net)
        inner_l3 = np.where(inner_is_eth, eth_l3, inner)
        inner_ip = _decode_ip(b, inner_l3, t_end, inner_net)
        good = inner_ip.version > 0
        t_sel, t_ip, kind = t_sel[good], _subset(t_ip, good), kind[good]
        inner_ip = _subset(inner_ip, good)
        first = out.tunnel[t_sel] == TUNNEL_NONE  # keep the outermost tunnel's addresses
        out.set_outer(t_sel[first], _subset(t_ip, first), kind[first])
        out.write(t_sel, inner_ip, start[t_sel])
        sel, ip = t_sel, inner_ip
    return out


class _Output:
    """Full-length output columns, written subset by subset."""

    def __init__(self, n: int) -> None:
        self.ethertype = np.zeros(n, np.uint16)
        self.ip_version = np.zeros(n, np.int8)
        self.proto = np.zeros(n, np.uint8)
        self.src_hi = np.zeros(n, np.uint64)
        self.src_lo = np.zeros(n, np.uint64)
        self.dst_hi = np.zeros(n, np.uint64)
        self.dst_lo = np.zeros(n, np.uint64)
        self.sport = np.zeros(n, np.uint16)
        self.dport = np.zeros(n, np.uint16)
        self.tcp_flags = np.zeros(n, np.uint8)
        self.ip_len = np.zeros(n, np.int32)
        self.l3_offset = np.full(n, -1, np.int32)
        self.l4_offset = np.full(n, -1, np.int32)
        self.payload_offset = np.full(n, -1, np.int32)
        self.payload_len = np.zeros(n, np.int32)
        self.tunnel = np.zeros(n, np.int8)
        self.outer_src_hi = np.zeros(n, np.uint64)
        self.outer_src_lo = np.zeros(n, np.uint64)
        self.outer_dst_hi = np.zeros(n, np.uint64)
        self.outer_dst_lo = np.zeros(n, np.uint64)
        self.outer_ip_version = np.zeros(n, np.int8)
        self.is_fragment = np.zeros(n, bool)
        self.inferred_len = np.zeros(n, bool)  # IP length taken from the capture (TSO)

    def assign(self, rows: np.ndarray | slice, other: _Output) -> None:
        """Overwrite ``rows`` with another decode of the same packets."""
        for name, column in vars(self).items():
            column[rows] = getattr(other, name)

    def write(self, sel: np.ndarray, ip: _Ip, start: np.ndarray) -> None:
        self.ip_version[sel] = ip.version
        self.proto[sel] = ip.proto
        self.src_hi[sel] = ip.src_hi
        self.src_lo[sel] = ip.src_lo
        self.dst_hi[sel] = ip.dst_hi
        self.dst_lo[sel] = ip.dst_lo
        self.sport[sel] = ip.sport
        self.dport[sel] = ip.dport
        self.tcp_flags[sel] = ip.tcp_flags
        self.ip_len[sel] = ip.ip_len
        self.l3_offset[sel] = ip.l3 - start
        self.l4_offset[sel] = np.where(ip.l4 >= 0, ip.l4 - start, -1)
        self.payload_offset[sel] = np.where(ip.payload >= 0, ip.payload - start, -1)
        self.payload_len[sel] = ip.payload_len
        self.is_fragment[sel] = ip.fragment
        self.inferred_len[sel] = ip.inferred_len

    def set_outer(self, sel: np.ndarray, ip: _Ip, kind: np.ndarray) -> None:
        self.tunnel[sel] = kind
        self.outer_src_hi[sel] = ip.src_hi
        self.outer_src_lo[sel] = ip.src_lo
        self.outer_dst_hi[sel] = ip.dst_hi
        self.outer_dst_lo[sel] = ip.dst_lo
        self.outer_ip_version[sel] = ip.version


def _subset(ip: _Ip, mask: np.ndarray) -> _Ip:
    return _Ip(*(getattr(ip, name)[mask] for name in _Ip.__slots__))


def _link_layer(
    b: _Bytes, start: np.ndarray, end: np.ndarray, linktype: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ethertype as carried by the link header, network type 0x0800/0x86DD/other, l3 position)."""
    n = len(start)
    ethertype = np.zeros(n, np.int64)
    net = np.zeros(n, np.int64)
    l3 = np.full(n, -1, np.int64)

    eth = linktype == LINK_ETHERNET
    if eth.any():
        et, nt, pos = _ethernet(b, start[eth], end[eth])
        ethertype[eth], net[eth], l3[eth] = et, nt, pos

    raw = np.isin(linktype, (LINK_RAW, *LINK_RAW_BSD, LINK_IPV4, LINK_IPV6))
    if raw.any():
        net[raw] = _ip_version_type(b, start[raw], end[raw])
        l3[raw] = start[raw]

    for link, header_len, proto_at in ((LINK_SLL, 16, 14), (LINK_SLL2, 20, 0)):
        m = linktype == link
        if m.any():
            s, e = start[m], end[m]
            ok = s + header_len <= e
            et = np.where(ok, b.be16(s + proto_at), 0)
            ethertype[m] = et
            net[m] = np.where((et == ETH_IPV4) | (et == ETH_IPV6), et, 0)
            l3[m] = s + header_len

    loop = (linktype == LINK_NULL) | (linktype == LINK_LOOP)
    if loop.any():
        s, e = start[loop], end[loop]
        big = b.be32(s)
        family = np.where(big < 256, big, b.le32(s))  # NULL is host order, LOOP network order
        fam_net = np.where(
            family == 2, ETH_IPV4, np.where(np.isin(family, (10, 23, 24, 28, 30)), ETH_IPV6, 0)
        )
        version_net = _ip_version_type(b, s + 4, e)
        net[loop] = np.where((s + 4 <= e) & (fam_net == version_net), fam_net, 0)
        l3[loop] = s + 4
    return ethertype, net, l3


def _ip_version_type(b: _Bytes, pos: np.ndarray, end: np.ndarray) -> np.ndarray:
    """0x0800 / 0x86DD from the IP version nibble at pos, 0 if neither or out of packet."""
    version = b.u8(pos) >> 4
    inside = pos + 1 <= end
    return np.where(
        inside & (version == 4), ETH_IPV4, np.where(inside & (version == 6), ETH_IPV6, 0)
    )


def _ethernet(
    b: _Bytes, pos: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ethernet II with VLAN/QinQ tags, PPPoE session and MPLS label stacks skipped."""
    ok = pos + 14 <= end
    et = np.where(ok, b.be16(pos + 12), 0)
    l3 = pos + 14
    for _ in range(3):
        tagged = np.isin(et, _VLAN_TYPES) & (l3 + 4 <= end)
        if not tagged.any():
            break
        et = np.where(tagged, b.be16(l3 + 2), et)
        l3 = np.where(tagged, l3 + 4, l3)
    outer_type = et.copy()
    net = np.where((et == ETH_IPV4) | (et == ETH_IPV6), et, 0)

    pppoe = (et == _ETH_PPPOE) & (l3 + 8 <= end)
    if pppoe.any():
        ppp = b.be16(l3 + 6)
        net = np.where(
            pppoe & (ppp == 0x0021), ETH_IPV4, np.where(pppoe & (ppp == 0x0057), ETH_IPV6, net)
        )
        l3 = np.where(pppoe, l3 + 8, l3)

    mpls = np.isin(et, _ETH_MPLS)
    if mpls.any():
        bottom = ~mpls
        for _ in range(6):  # walk the label stack to its bottom-of-stack bit
            step = ~bottom & (l3 + 4 <= end)
            bottom = bottom | ~step | ((b.u8(l3 + 2) & 1) == 1)
            l3 = np.where(step, l3 + 4, l3)
            if bottom.all():
                break
        net = np.where(mpls, _ip_version_type(b, l3, end), net)
    net = np.where(ok, net, 0)
    return np.where(ok, outer_type, 0), net, l3


def _decode_ip(b: _Bytes, pos: np.ndarray, end: np.ndarray, net: np.ndarray) -> _Ip:
    """IPv4/IPv6 (extension headers skipped) plus TCP/UDP/SCTP ports and TCP flags."""
    m = len(pos)
    first = b.u8(pos)
    v4 = (net == ETH_IPV4) & (pos + 20 <= end) & ((first >> 4) == 4) & ((first & 0xF) >= 5)
    v6 = (net == ETH_IPV6) & (pos + 40 <= end) & ((first >> 4) == 6)
    ihl = (first & 0xF) * 4
    v4 &= pos + ihl <= end

    version = np.where(v4, 4, np.where(v6, 6, 0)).astype(np.int8)
    src_hi, src_lo = np.zeros(m, np.uint64), np.zeros(m, np.uint64)
    dst_hi, dst_lo = np.zeros(m, np.uint64), np.zeros(m, np.uint64)
    rows4, rows6 = np.flatnonzero(v4), np.flatnonzero(v6)
    if len(rows4):
        src_lo[rows4] = b.be32(pos[rows4] + 12).astype(np.uint64)
        dst_lo[rows4] = b.be32(pos[rows4] + 16).astype(np.uint64)
    if len(rows6):
        p6 = pos[rows6]
        src_hi[rows6], src_lo[rows6] = b.be64(p6 + 8), b.be64(p6 + 16)
        dst_hi[rows6], dst_lo[rows6] = b.be64(p6 + 24), b.be64(p6 + 32)

    total = b.be16(pos + 2)
    v6_payload = b.be16(pos + 4)
    ip_len = np.where(v4, total, np.where(v6, v6_payload + 40, 0))
    inferred_len = (v4 & (total == 0)) | (v6 & (v6_payload == 0))  # TSO / jumbogram
    ip_len = np.where(inferred_len, end - pos, ip_len)
    ip_end = np.minimum(pos + ip_len, end)

    frag_field = b.be16(pos + 6)
    fragment = v4 & ((frag_field & 0x1FFF) != 0)
    proto = np.where(v4, b.u8(pos + 9), 0)
    l4 = np.where(v4, pos + ihl, -1)

    if v6.any():
        nh = np.where(v6, b.u8(pos + 6), 0)
        p = pos + 40
        walking = v6.copy()
        for _ in range(_MAX_IPV6_EXTENSIONS):
            ext = walking & np.isin(nh, _V6_EXT) & (p + 8 <= end)
            if not ext.any():
                break
            hdr_len = np.where(
                nh == 44, 8, np.where(nh == 51, (b.u8(p + 1) + 2) * 4, (b.u8(p + 1) + 1) * 8)
            )
            fragment |= ext & (nh == 44) & ((b.be16(p + 2) >> 3) != 0)
            nh = np.where(ext, b.u8(p), nh)
            p = np.where(ext, p + hdr_len, p)
            walking = ext
        # an extension chain running past the capture leaves no transport header
        stuck = v6 & np.isin(nh, _V6_EXT)
        proto = np.where(v6, nh, proto)
        l4 = np.where(v6 & ~stuck, p, l4)
    l4 = np.where(fragment | (l4 > end), -1, l4)

    has_l4 = l4 >= 0
    tcp = has_l4 & (proto == PROTO_TCP)
    ported = has_l4 & ((proto == PROTO_UDP) | (proto == PROTO_SCTP) | tcp) & (l4 + 4 <= end)
    sport = np.where(ported, b.be16(l4), 0)
    dport = np.where(ported, b.be16(l4 + 2), 0)
    tcp_full = tcp & (l4 + 14 <= end)
    flags = np.where(tcp_full, b.u8(l4 + 13), 0)

    header = np.where(
        tcp,
        (b.u8(l4 + 12) >> 4) * 4,
        np.where(
            proto == PROTO_UDP,
            8,
            np.where(
                np.isin(proto, (PROTO_ICMP, PROTO_ICMPV6)),
                8,
                np.where(proto == PROTO_SCTP, 12, 0),
            ),
        ),
    )
    payload = np.where(has_l4, l4 + header, -1)
    payload = np.where(
        (payload >= 0) & (payload <= ip_end) & ~(tcp & ((header < 20) | ~tcp_full)), payload, -1
    )
    payload_len = np.where(payload >= 0, ip_end - payload, 0)

    valid = v4 | v6
    return _Ip(
        version=version,
        proto=np.where(valid, proto, 0).astype(np.uint8),
        src_hi=src_hi,
        src_lo=src_lo,
        dst_hi=dst_hi,
        dst_lo=dst_lo,
        ip_len=np.where(valid, ip_len, 0).astype(np.int32),
        l3=pos,
        l4=np.where(valid, l4, -1),
        ip_end=ip_end,
        fragment=fragment,
        sport=sport.astype(np.uint16),
        dport=dport.astype(np.uint16),
        tcp_flags=flags.astype(np.uint8),
        payload=np.where(valid, payload, -1),
        payload_len=np.where(valid, payload_len, 0).astype(np.int32),
        inferred_len=inferred_len,
    )


def _find_tunnels(b: _Bytes, ip: _Ip, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per packet: (TUNNEL_* kind, position of the inner header, inner header is Ethernet)."""
    m = len(end)
    kind = np.zeros(m, np.int8)
    inner = np.full(m, -1, np.int64)
    inner_eth = np.zeros(m, bool)
    udp_tunnel_port = (
        (ip.dport == VXLAN_PORT) | (ip.sport == VXLAN_PORT) | (ip.dport == GTPU_PORT)
    ) | (ip.sport == GTPU_PORT)
    candidate = (ip.l4 >= 0) & (
        np.isin(ip.proto, (PROTO_GRE, PROTO_IPIP, PROTO_IPV6))
        | ((ip.proto == PROTO_UDP) & udp_tunnel_port)
    )
    rows = np.flatnonzero(candidate)  # header reads only for the few possible tunnels
    if len(rows):
        kind[rows], inner[rows], inner_eth[rows] = _find_tunnels_in(b, _subset(ip, rows), end[rows])
    return kind, inner, inner_eth


def _find_tunnels_in(
    b: _Bytes, ip: _Ip, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = len(end)
    kind = np.zeros(m, np.int8)
    inner = np.full(m, -1, np.int64)
    inner_eth = np.zeros(m, bool)
    l4 = ip.l4
    has = l4 >= 0
    stop = np.minimum(ip.ip_end, end)

    gre = has & (ip.proto == PROTO_GRE) & (l4 + 4 <= stop)
    if gre.any():
        flags = b.be16(l4)
        ptype = b.be16(l4 + 2)
        ver = flags & 7
        hdr = 4 + 4 * (
            ((flags & 0xC000) != 0).astype(np.int64)
            + ((flags & 0x2000) != 0)
            + ((flags & 0x1000) != 0)
        )
        # enhanced (PPTP) GRE: key always present, optional sequence and acknowledgment
        hdr = np.where(
            ver == 1,
            8 + 4 * (((flags & 0x1000) != 0).astype(np.int64) + ((flags & 0x0080) != 0)),
            hdr,
        )
        body = l4 + hdr
        gre &= (ver <= 1) & (body <= stop)
        ip_inner = gre & ((ptype == ETH_IPV4) | (ptype == ETH_IPV6)) & (ver == 0)
        kind[ip_inner] = TUNNEL_GRE
        inner[ip_inner] = body[ip_inner]

        ppp = gre & (ptype == 0x880B) & (ver == 1)
        if ppp.any():
            p = np.where(b.be16(body) == 0xFF03, body + 2, body)
            compressed = (b.u8(p) & 1) == 1
            proto = np.where(compressed, b.u8(p), b.be16(p))
            p = np.where(compressed, p + 1, p + 2)
            ppp &= (proto == 0x21) | (proto == 0x57)
            kind[ppp] = TUNNEL_GRE
            inner[ppp] = p[ppp]

        teb = gre & (ptype == 0x6558) & (ver == 0)
        erspan2 = gre & (ptype == 0x88BE) & (ver == 0)
        erspan1 = erspan2 & ((flags & 0x1000) == 0)  # type I: no sequence, no ERSPAN header
        erspan2 &= ~erspan1
        erspan3 = gre & (ptype == 0x22EB) & (ver == 0)
        e3_len = 12 + 8 * (b.u8(body + 11) & 1)  # optional platform-specific subheader
        eth_start = np.where(
            teb | erspan1, body, np.where(erspan2, body + 8, np.where(erspan3, body + e3_len, -1))
        )
        mirrored = teb | erspan1 | erspan2 | erspan3
        kind[mirrored] = TUNNEL_ERSPAN
        inner[mirrored] = eth_start[mirrored]
        inner_eth[mirrored] = True

    udp = has & (ip.proto == PROTO_UDP) & (ip.payload >= 0)
    if udp.any():
        pl = ip.payload
        vxlan = udp & ((ip.dport == VXLAN_PORT) | (ip.sport == VXLAN_PORT)) & (pl + 8 <= stop)
        vxlan &= (b.u8(pl) & 0x08) != 0
        kind[vxlan] = TUNNEL_VXLAN
        inner[vxlan] = pl[vxlan] + 8
        inner_eth[vxlan] = True

        gtp = udp & ((ip.dport == GTPU_PORT) | (ip.sport == GTPU_PORT)) & (pl + 8 <= stop)
        if gtp.any():
            flags = b.u8(pl)
            gtp &= ((flags >> 5) == 1) & ((flags & 0x10) != 0) & (b.u8(pl + 1) == 0xFF)
            hdr = 8 + 4 * ((flags & 0x07) != 0)
            next_ext = np.where((flags & 0x04) != 0, b.u8(pl + 11), 0)
            for _ in range(4):  # extension headers: length in 4-byte units, next type last
                more = gtp & (next_ext != 0)
                if not more.any():
                    break
                ext_len = b.u8(pl + hdr) * 4
                gtp &= ~more | (ext_len > 0)
                more &= ext_len > 0
                next_ext = np.where(more, b.u8(pl + hdr + ext_len - 1), next_ext)
                hdr = np.where(more, hdr + ext_len, hdr)
            gtp &= next_ext == 0
            start = pl + hdr
            gtp &= _ip_version_type(b, start, stop) != 0
            kind[gtp] = TUNNEL_GTP
            inner[gtp] = start[gtp]

    ipip = has & ((ip.proto == PROTO_IPIP) | (ip.proto == PROTO_IPV6))
    kind[ipip] = TUNNEL_IPIP
    inner[ipip] = l4[ipip]
    return kind, inner, inner_eth
