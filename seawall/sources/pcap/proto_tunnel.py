"""Tunnel and IPsec headers of a captured packet: GRE (key, PPTP call id), ERSPAN session,
VXLAN VNI, GTP-U TEID, ESP SPI and IKE (SPI, version, exchange, proposed DH groups).

Works on the raw packet from the link layer, because the packet index describes the
innermost IP packet and these headers sit in front of it.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

from seawall.sources.pcap.l2 import DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, split_frame

_RAW_LINKTYPES = {12: 0, 14: 0, 101: 0, 228: 4, 229: 6}
_IPV6_EXTENSIONS = (0, 43, 60)
PORT_VXLAN = 4789
PORT_GTPU = 2152
PORT_IKE = 500
PORT_IKE_NAT = 4500

IKEV2_EXCHANGES = {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"}
IKEV1_EXCHANGES = {2: "main_mode", 4: "aggressive", 5: "informational", 32: "quick_mode"}
# DH groups RFC 8247 says must not (1, 2, 5: MODP < 2048) or should not (22-24) be used.
WEAK_DH_GROUPS = frozenset({1, 2, 5, 22, 23, 24})


@dataclass(slots=True)
class TunnelHeader:
    kind: str  # gre | erspan | vxlan | gtp | esp | ike | ipip
    src: str
    dst: str
    protocol: str | None = None  # inner payload type
    tunnel_id: int | None = None  # GRE key / call id, ERSPAN session, VNI, TEID, SPI
    detail: str | None = None
    dh_groups: tuple[int, ...] = ()


def _ip_start(packet: bytes, linktype: int) -> int | None:
    if linktype in _RAW_LINKTYPES:
        return 0
    if linktype in (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2):
        frame = split_frame(packet, linktype)
        if frame is None or frame.ethertype not in (0x0800, 0x86DD):
            return None
        return len(packet) - len(frame.payload)
    return None


def tunnel_headers(packet: bytes, linktype: int) -> list[TunnelHeader]:
    """Tunnel/IPsec headers from the outermost IP packet inwards (IP-in-IP is followed, so a
    GRE inside a 6in4 tunnel is found too). Empty if there is none or the bytes are bad."""
    start = _ip_start(packet, linktype)
    found: list[TunnelHeader] = []
    try:
        while start is not None and start < len(packet) and len(found) < 4:
            header, inner = _from_ip(packet, start)
            if header is None:
                break
            found.append(header)
            start = inner
    except (struct.error, IndexError, ValueError):
        pass
    return found


def _from_ip(packet: bytes, pos: int) -> tuple[TunnelHeader | None, int | None]:
    """The header after the IP packet at ``pos`` and, for IP-in-IP, where the inner one starts."""
    version = packet[pos] >> 4
    if version == 4:
        ihl = (packet[pos] & 0x0F) * 4
        if struct.unpack_from("!H", packet, pos + 6)[0] & 0x1FFF:
            return None, None  # later fragment: no transport header here
        proto = packet[pos + 9]
        src = str(ipaddress.IPv4Address(packet[pos + 12 : pos + 16]))
        dst = str(ipaddress.IPv4Address(packet[pos + 16 : pos + 20]))
        l4 = pos + ihl
    elif version == 6:
        proto = packet[pos + 6]
        src = str(ipaddress.IPv6Address(packet[pos + 8 : pos + 24]))
        dst = str(ipaddress.IPv6Address(packet[pos + 24 : pos + 40]))
        l4 = pos + 40
        for _ in range(8):
            if proto in _IPV6_EXTENSIONS:
                proto, l4 = packet[l4], l4 + 8 + packet[l4 + 1] * 8
            elif proto == 44:  # fragment header
                if struct.unpack_from("!H", packet, l4 + 2)[0] & 0xFFF8:
                    return None, None
                proto, l4 = packet[l4], l4 + 8
            else:
                break
    else:
        return None, None
    data = packet[l4:]
    if proto == 47:
        return _gre(data, src, dst), None
    if proto == 50 and len(data) >= 4:
        return TunnelHeader("esp", src, dst, None, struct.unpack_from("!I", data, 0)[0]), None
    if proto in (4, 41):
        return TunnelHeader("ipip", src, dst, "ipv4" if proto == 4 else "ipv6"), l4
    if proto == 17 and len(data) >= 8:
        sport, dport = struct.unpack_from("!HH", data, 0)
        return _udp(data[8:], sport, dport, src, dst), None
    return None, None


_ETHERTYPE_NAMES = {
    0x0800: "ipv4",
    0x86DD: "ipv6",
    0x6558: "0x6558",
    0x880B: "ppp",
    0x88BE: "erspan2",
    0x22EB: "erspan3",
}


def _gre(data: bytes, src: str, dst: str) -> TunnelHeader | None:
    flags, ptype = struct.unpack_from("!HH", data, 0)
    version = flags & 0x7
    pos = 4
    if flags & 0x8000:  # checksum present
        pos += 4
    key: int | None = None
    if flags & 0x2000:
        if version == 1:  # enhanced GRE (PPTP): payload length + call id
            key = struct.unpack_from("!H", data, pos + 2)[0]
        else:
            key = struct.unpack_from("!I", data, pos)[0]
        pos += 4
    if flags & 0x1000:
        pos += 4
    protocol = _ETHERTYPE_NAMES.get(ptype, f"0x{ptype:04x}")
    if ptype in (0x88BE, 0x22EB) and len(data) >= pos + 4:
        session = struct.unpack_from("!H", data, pos + 2)[0] & 0x03FF
        return TunnelHeader("erspan", src, dst, protocol, session, f"gre_key={key}")
    if ptype == 0x6558:
        return TunnelHeader("erspan", src, dst, protocol, key)
    return TunnelHeader("gre", src, dst, protocol, key, f"gre_version={version}")


def _udp(data: bytes, sport: int, dport: int, src: str, dst: str) -> TunnelHeader | None:
    ports = (sport, dport)
    if PORT_VXLAN in ports and len(data) >= 8 and data[0] & 0x08:
        vni = int.from_bytes(data[4:7], "big")
        return TunnelHeader("vxlan", src, dst, "ethernet", vni)
    if PORT_GTPU in ports and len(data) >= 8 and data[0] >> 5 == 1:
        teid = struct.unpack_from("!I", data, 4)[0]
        return TunnelHeader("gtp", src, dst, "ip" if data[1] == 0xFF else f"msg{data[1]}", teid)
    if PORT_IKE_NAT in ports:
        if len(data) >= 4 and data[:4] == b"\x00\x00\x00\x00":
            return parse_ike(data[4:], src, dst)
        if len(data) >= 8:  # ESP in UDP (RFC 3948); 1-byte 0xff payloads are keepalives
            return TunnelHeader("esp", src, dst, "udp", struct.unpack_from("!I", data, 0)[0])
        return None
    if PORT_IKE in ports:
        return parse_ike(data, src, dst)
    return None


def parse_ike(data: bytes, src: str, dst: str) -> TunnelHeader | None:
    """ISAKMP/IKE header plus the DH groups proposed in its SA payload."""
    if len(data) < 28:
        return None
    ispi, _rspi, next_payload, version, exchange, flags, _mid, length = struct.unpack_from(
        "!QQBBBBII", data, 0
    )
    major = version >> 4
    if major not in (1, 2) or length < 28:
        return None
    body = data[28 : min(len(data), length)]
    if major == 2:
        groups = _ikev2_dh_groups(body, next_payload)
        exch = IKEV2_EXCHANGES.get(exchange, str(exchange))
        role = "initiator" if flags & 0x08 else "responder"
    else:
        groups = _ikev1_dh_groups(body, next_payload)
        exch = IKEV1_EXCHANGES.get(exchange, str(exchange))
        role = "initiator" if _rspi == 0 else "-"
    detail = f"ikev{major} {exch} {role} ispi={ispi:016x}"
    if groups:
        detail += " dh=" + ",".join(str(g) for g in groups)
        weak = sorted(set(groups) & WEAK_DH_GROUPS)
        if weak:
            detail += " weak_dh=" + ",".join(str(g) for g in weak)
    # tunnel.id is int64: keep the SPI's 64 bits (two's complement); the hex is in detail.
    signed = ispi - (1 << 64) if ispi >= 1 << 63 else ispi
    return TunnelHeader("ike", src, dst, f"ikev{major}", signed, detail, tuple(groups))


def _payloads(body: bytes, first: int) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    ptype, pos = first, 0
    while ptype and pos + 4 <= len(body) and len(out) < 32:
        nxt, _crit, plen = struct.unpack_from("!BBH", body, pos)
        if plen < 4:
            break
        out.append((ptype, body[pos + 4 : pos + plen]))
        ptype, pos = nxt, pos + plen
    return out


def _ikev2_dh_groups(body: bytes, first: int) -> list[int]:
    groups: list[int] = []
    for ptype, sa in _payloads(body, first):
        if ptype != 33:
            continue
        pos = 0
        while pos + 8 <= len(sa):  # proposals
            more, _r, plen, _num, _proto, spi_size, count = struct.unpack_from("!BBHBBBB", sa, pos)
            tpos = pos + 8 + spi_size
            for _ in range(count):
                if tpos + 8 > len(sa):
                    break
                _last, _r2, tlen, ttype, _r3, tid = struct.unpack_from("!BBHBBH", sa, tpos)
                if ttype == 4 and tid not in groups:
                    groups.append(tid)
                tpos += max(tlen, 8)
            if not more or plen < 8:
                break
            pos += plen
    return groups


def _ikev1_dh_groups(body: bytes, first: int) -> list[int]:
    groups: list[int] = []
    for ptype, sa in _payloads(body, first):
        if ptype != 1 or len(sa) < 8:
            continue
        for _pt, proposal in _payloads(sa[8:], 2):
            if len(proposal) < 4:
                continue
            spi_size = proposal[2]
            for _tt, transform in _payloads(proposal[4 + spi_size :], 3):
                pos = 4
                while pos + 4 <= len(transform):
                    atype, value = struct.unpack_from("!HH", transform, pos)
                    if atype & 0x8000:
                        if atype & 0x7FFF == 4 and value not in groups:
                            groups.append(value)
                        pos += 4
                    else:
                        pos += 4 + value
    return groups
