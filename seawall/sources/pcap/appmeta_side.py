"""Packet side channel: what flow meters drop (ARP, CDP, LLDP) and tunnel/IPsec headers.

ARP, CDP and LLDP give one row per frame. Tunnel headers are aggregated to one row per
(kind, outer source, outer destination, tunnel id) with the first frame, the packet count
(in ``detail``) and the byte total; to keep Python parsing off the hot path only one packet
per (encapsulation, outer pair, inner 5-tuple[, ESP SPI | IKE SPIs and header fields]) is
parsed and stands for its group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seawall.sources.pcap import l2, proto_tunnel
from seawall.sources.pcap.appmeta_context import Context
from seawall.sources.pcap.index import TUNNEL_NONE, ips_to_strings

_L2_LINKTYPES = (l2.DLT_EN10MB, l2.DLT_LINUX_SLL, l2.DLT_LINUX_SLL2)
_TUNNEL_PORTS = (
    proto_tunnel.PORT_IKE,
    proto_tunnel.PORT_IKE_NAT,
    proto_tunnel.PORT_VXLAN,
    proto_tunnel.PORT_GTPU,
)
_INT32_MAX = 2**31 - 1
_VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
MAX_ARP_ISSUES = 20


def inspect_link_layer(ctx: Context) -> None:
    ix = ctx.index
    et = ix.ethertype.astype(np.int64)
    non_ip = (ix.ip_version == 0) & np.isin(ix.linktype, _L2_LINKTYPES)
    arp_eth = np.flatnonzero(non_ip & (et == l2.ETH_ARP) & (ix.linktype == l2.DLT_EN10MB))
    _arp_rows(ctx, arp_eth)
    cand = np.flatnonzero(
        non_ip
        & (
            ((et == l2.ETH_ARP) & (ix.linktype != l2.DLT_EN10MB))
            | (et == l2.ETH_LLDP)
            | (et < 1536)
        )
    )
    for p in cand.tolist():
        kind = "l2"
        try:
            frame = l2.split_frame(ix.packet(p), int(ix.linktype[p]))
            if frame is None:
                continue
            if frame.ethertype == l2.ETH_ARP:
                kind = "arp"
                _arp_row(ctx, p, frame)
            elif frame.ethertype == l2.ETH_LLDP:
                kind = "lldp"
                _neighbor_row(ctx, p, frame, "lldp", l2.parse_lldp(frame))
            elif l2.is_cdp(frame):
                kind = "cdp"
                _neighbor_row(ctx, p, frame, "cdp", l2.parse_cdp(frame))
        except Exception as exc:  # parsers return None on bad bytes; this guards their bugs
            ctx.malformed(kind, p, f"{kind} parser failed: {exc!r}")


def _arp_rows(ctx: Context, pkts: np.ndarray) -> None:
    """ARP over Ethernet, decoded column-wise (ARP sweeps are hundreds of frames a second)."""
    if len(pkts) == 0:
        return
    ix = ctx.index
    last = len(ctx.raw) - 1
    start = ix.data_offset[pkts].astype(np.int64)
    pos = start + 12
    for _ in range(3):  # VLAN / QinQ tags
        at = np.clip(pos[:, None] + np.arange(2), 0, last)
        et = (ctx.raw[at[:, 0]].astype(np.int64) << 8) | ctx.raw[at[:, 1]]
        pos = np.where(np.isin(et, _VLAN_TYPES), pos + 4, pos)
    arp = pos + 2
    m = ctx.raw[np.clip(arp[:, None] + np.arange(28), 0, last)].astype(np.int64)
    fits = arp + 28 <= start + ix.caplen[pkts].astype(np.int64)
    op = (m[:, 6] << 8) | m[:, 7]
    valid = (
        fits
        & (m[:, 0] == 0)
        & (m[:, 1] == 1)
        & (m[:, 2] == 8)
        & (m[:, 3] == 0)
        & (m[:, 4] == 6)
        & (m[:, 5] == 4)
        & ((op == 1) | (op == 2))
    )
    for bad in pkts[~valid][:MAX_ARP_ISSUES].tolist():
        ctx.malformed("arp", bad, "ARP frame is not an Ethernet/IPv4 request or reply")
    ctx.stats["arp_malformed"] += max(int((~valid).sum()) - MAX_ARP_ISSUES, 0)
    m, op, pkts = m[valid], op[valid], pkts[valid]
    if len(pkts) == 0:
        return
    weights6 = 256 ** np.arange(5, -1, -1, dtype=np.int64)
    weights4 = weights6[2:]
    sender_mac = _macs(m[:, 8:14] @ weights6)
    target_mac = _macs(m[:, 18:24] @ weights6)
    zeros = np.zeros(len(pkts), np.uint64)
    four = np.full(len(pkts), 4, np.int8)
    sender_ip = ips_to_strings(zeros, (m[:, 14:18] @ weights4).astype(np.uint64), four)
    target_ip = ips_to_strings(zeros, (m[:, 24:28] @ weights4).astype(np.uint64), four)
    request = op == 1
    detail = [
        f"who-has {t} tell {s}" if r else f"{s} is-at {mac}"
        for r, s, t, mac in zip(request.tolist(), sender_ip, target_ip, sender_mac, strict=True)
    ]
    ctx.stats["arp"] += len(pkts)
    ctx.packets.extend(
        pkts,
        np.full(len(pkts), -1, np.int64),
        {
            "packet.kind": np.where(request, "arp_request", "arp_reply").tolist(),
            "source.mac": sender_mac,
            "destination.mac": target_mac,
            "source.ip": sender_ip,
            "destination.ip": target_ip,
            "detail": detail,
            "packet.bytes": ix.wirelen[pkts].astype(np.int64).tolist(),
        },
    )


def _macs(values: np.ndarray) -> list[object]:
    """48-bit integers as aa:bb:cc:dd:ee:ff, formatting each distinct address once."""
    uniq, inverse = np.unique(values, return_inverse=True)
    text = np.asarray([l2.mac_text(int(v).to_bytes(6, "big")) for v in uniq.tolist()], object)
    return list(text[inverse.reshape(-1)].tolist())


def _arp_row(ctx: Context, p: int, frame: l2.Frame) -> None:
    arp = l2.parse_arp(frame.payload)
    if arp is None or arp.op not in (1, 2):
        ctx.malformed("arp", p, "ARP frame is not Ethernet/IPv4 request or reply")
        return
    ctx.stats["arp"] += 1
    request = arp.op == 1
    detail = (
        f"who-has {arp.target_ip} tell {arp.sender_ip}"
        if request
        else f"{arp.sender_ip} is-at {arp.sender_mac}"
    )
    ctx.packets.add(
        p,
        -1,
        {
            "packet.kind": "arp_request" if request else "arp_reply",
            "source.mac": arp.sender_mac,
            "destination.mac": arp.target_mac,
            "source.ip": arp.sender_ip,
            "destination.ip": arp.target_ip,
            "detail": detail,
            "packet.bytes": int(ctx.index.wirelen[p]),
        },
    )


def _neighbor_row(
    ctx: Context, p: int, frame: l2.Frame, kind: str, found: l2.Neighbor | None
) -> None:
    if found is None:
        ctx.malformed(kind, p, f"{kind.upper()} frame could not be decoded")
        return
    ctx.stats[kind] += 1
    details = [f"port={found.port}" if found.port else "", found.software or ""]
    ctx.packets.add(
        p,
        -1,
        {
            "packet.kind": kind,
            "source.mac": frame.src_mac,
            "destination.mac": frame.dst_mac,
            "device.name": found.name,
            "device.platform": found.platform,
            "device.address": found.address,
            "detail": " ".join(d for d in details if d) or None,
            "packet.bytes": int(ctx.index.wirelen[p]),
        },
    )


@dataclass(slots=True)
class _Tunnel:
    first: int
    packets: int
    bytes: int
    header: proto_tunnel.TunnelHeader


def inspect_tunnels(ctx: Context) -> None:
    ix = ctx.index
    if len(ix) == 0:
        return
    proto = ix.proto.astype(np.int64)
    on_port = np.isin(ix.sport, _TUNNEL_PORTS) | np.isin(ix.dport, _TUNNEL_PORTS)
    udp_ports = (proto == 17) & on_port
    cand = np.flatnonzero(
        ((ix.tunnel != TUNNEL_NONE) | (proto == 47) | (proto == 50) | udp_ports)
        & (ix.ip_version > 0)
    )
    if len(cand) == 0:
        return
    # Group packets that must share their tunnel header; parse one per group.
    esp = (proto[cand] == 50) & (ix.l4_offset[cand] >= 0)
    spi_pos = ix.data_offset[cand].astype(np.int64) + ix.l4_offset[cand].astype(np.int64)
    spi = np.where(esp, _be32(ctx, spi_pos), 0)
    udp_header = _udp_header_key(ctx, cand, udp_ports[cand] & (ix.tunnel[cand] == TUNNEL_NONE))
    base = [
        ix.tunnel[cand],
        ix.outer_src_hi[cand],
        ix.outer_src_lo[cand],
        ix.outer_dst_hi[cand],
        ix.outer_dst_lo[cand],
        ix.src_hi[cand],
        ix.src_lo[cand],
        ix.dst_hi[cand],
        ix.dst_lo[cand],
        proto[cand],
        ix.sport[cand],
        ix.dport[cand],
        spi,
    ]
    base = [np.asarray(c).astype(np.int64) for c in base]
    group_of, rep, first_of = _groups(cand, base + udp_header)
    counts = np.bincount(group_of)
    sizes = np.bincount(group_of, weights=ix.wirelen[cand].astype(np.float64))
    # Visit groups in (endpoints, SPI, first packet) order: the first header seen for a
    # tunnel is then the one of its earliest packet, as if every packet were parsed.
    visit = np.lexsort([first_of, *(c[rep] for c in reversed(base))])

    found: dict[tuple[str, str, str, int | None], _Tunnel] = {}
    for g in visit.tolist():
        p = int(cand[rep[g]])
        try:
            headers = proto_tunnel.tunnel_headers(ix.packet(p), int(ix.linktype[p]))
        except Exception as exc:
            ctx.malformed("tunnel", p, f"tunnel header parser failed: {exc!r}")
            continue
        for h in headers:
            k = (h.kind, h.src, h.dst, h.tunnel_id)
            seen = found.get(k)
            if seen is None:
                found[k] = _Tunnel(int(first_of[g]), int(counts[g]), int(sizes[g]), h)
                continue
            seen.packets += int(counts[g])
            seen.bytes += int(sizes[g])
            if first_of[g] < seen.first:
                seen.first = int(first_of[g])
            if h.dh_groups and not seen.header.dh_groups:
                seen.header = h  # keep the message that carries the proposals
    for t in sorted(found.values(), key=lambda t: t.first):
        h = t.header
        ctx.stats[f"tunnel_{h.kind}"] += 1
        detail = f"{h.detail} packets={t.packets}" if h.detail else f"packets={t.packets}"
        ctx.packets.add(
            t.first,
            -1,
            {
                "packet.kind": h.kind,
                "source.ip": h.src,
                "destination.ip": h.dst,
                "tunnel.protocol": h.protocol,
                "tunnel.id": h.tunnel_id,
                "detail": detail,
                "packet.bytes": min(t.bytes, _INT32_MAX),
            },
        )


def _groups(
    cand: np.ndarray, columns: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group id of each candidate (rows equal in every column), each group's first row and
    first packet."""
    order = np.lexsort([cand, *columns[::-1]])
    change = np.zeros(len(order), bool)
    change[0] = True
    for c in columns:
        s = c[order]
        change[1:] |= s[1:] != s[:-1]
    starts = np.flatnonzero(change)
    group_of = np.empty(len(order), np.int64)
    group_of[order] = np.cumsum(change) - 1
    rep = order[starts]
    return group_of, rep, cand[rep]


def _udp_header_key(ctx: Context, cand: np.ndarray, udp: np.ndarray) -> list[np.ndarray]:
    """Columns that decide the header of UDP-port tunnel candidates without inner IP: IKE
    header fields (its SPIs, next payload, version, exchange, flags; not the message id),
    or the ESP-in-UDP SPI. Other such packets (VXLAN/GTP that did not decode) stay one
    group each."""
    zeros = np.zeros(len(cand), np.int64)
    if not udp.any():
        return [zeros, zeros, zeros, zeros, zeros]
    ix = ctx.index
    sport, dport = ix.sport[cand], ix.dport[cand]

    def on(port: int) -> np.ndarray:
        return (sport == port) | (dport == port)

    others = on(proto_tunnel.PORT_VXLAN) | on(proto_tunnel.PORT_GTPU)
    nat = udp & on(proto_tunnel.PORT_IKE_NAT) & ~others
    ike500 = udp & on(proto_tunnel.PORT_IKE) & ~on(proto_tunnel.PORT_IKE_NAT) & ~others
    plen = ctx.plen[cand]
    marker = ctx.payload_head4(cand)
    nat_ike = nat & (marker == 0)
    esp_udp = nat & (marker != 0)
    at = np.where(nat_ike, 4, 0)
    ike = nat_ike | ike500
    size = plen - at
    start = ctx.pstart[cand] + at
    ispi, rspi = _be64(ctx, start), _be64(ctx, start + 8)
    fields = _be32(ctx, start + 16)  # next payload, version, exchange, flags
    length = _be32(ctx, start + 24)
    major = (fields >> 16) & 0xF0
    ike_ok = ike & (size >= 28) & ((major == 0x10) | (major == 0x20)) & (length >= 28)
    kind = np.where(
        ike_ok, 1, np.where(ike, 2, np.where(esp_udp & (plen >= 8), 3, np.where(esp_udp, 4, 0)))
    )
    kind = np.where(nat_ike, kind + 4, kind)
    return [
        np.where(udp & (kind == 0), cand, -1),  # undecided: one group per packet
        kind,
        np.where(ike_ok, ispi, np.where(esp_udp & (plen >= 8), marker, 0)),
        np.where(ike_ok, rspi, 0),
        np.where(ike_ok, fields, 0),
    ]


def _be64(ctx: Context, pos: np.ndarray) -> np.ndarray:
    """Big-endian 64-bit values as int64 (same bits)."""
    hi = _be32(ctx, pos).astype(np.uint64)
    lo = _be32(ctx, pos + 4).astype(np.uint64)
    return ((hi << np.uint64(32)) | lo).view(np.int64)


def _be32(ctx: Context, pos: np.ndarray) -> np.ndarray:
    at = np.clip(pos[:, None] + np.arange(4), 0, len(ctx.raw) - 1)
    b = ctx.raw[at].astype(np.int64)
    return (b[:, 0] << 24) | (b[:, 1] << 16) | (b[:, 2] << 8) | b[:, 3]
