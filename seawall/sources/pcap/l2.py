"""Link-layer side records over raw frames: ARP, CDP and LLDP.

IP flow meters drop these frames, yet they tell who swept a subnet (ARP) and which network
devices sit on a segment (CDP/LLDP device names, platforms, management addresses).
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

DLT_EN10MB = 1
DLT_LINUX_SLL = 113
DLT_LINUX_SLL2 = 276
ETH_ARP = 0x0806
ETH_LLDP = 0x88CC
_VLAN_TAGS = (0x8100, 0x88A8, 0x9100)
_CDP_SNAP = b"\xaa\xaa\x03\x00\x00\x0c\x20\x00"


@dataclass(slots=True)
class Frame:
    dst_mac: str | None
    src_mac: str | None
    ethertype: int  # < 1536 means an 802.3 length field (LLC follows)
    payload: bytes


def mac_text(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def split_frame(packet: bytes, linktype: int) -> Frame | None:
    """Addresses, ethertype (after VLAN tags) and payload of a captured frame."""
    if linktype == DLT_EN10MB:
        if len(packet) < 14:
            return None
        pos = 12
        (etype,) = struct.unpack_from("!H", packet, pos)
        while etype in _VLAN_TAGS and pos + 6 <= len(packet):
            pos += 4
            (etype,) = struct.unpack_from("!H", packet, pos)
        return Frame(mac_text(packet[0:6]), mac_text(packet[6:12]), etype, packet[pos + 2 :])
    if linktype == DLT_LINUX_SLL and len(packet) >= 16:
        addr_len = min(packet[5], 8)
        src = mac_text(packet[6 : 6 + addr_len]) if addr_len == 6 else None
        return Frame(None, src, struct.unpack_from("!H", packet, 14)[0], packet[16:])
    if linktype == DLT_LINUX_SLL2 and len(packet) >= 20:
        addr_len = min(packet[11], 8)
        src = mac_text(packet[12 : 12 + addr_len]) if addr_len == 6 else None
        return Frame(None, src, struct.unpack_from("!H", packet, 0)[0], packet[20:])
    return None


@dataclass(slots=True)
class Arp:
    op: int  # 1 request, 2 reply
    sender_mac: str
    sender_ip: str
    target_mac: str
    target_ip: str


def parse_arp(payload: bytes) -> Arp | None:
    """Ethernet/IPv4 ARP only (hardware type 1, protocol 0x0800)."""
    if len(payload) < 28:
        return None
    htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", payload, 0)
    if htype != 1 or ptype != 0x0800 or hlen != 6 or plen != 4:
        return None
    return Arp(
        op=op,
        sender_mac=mac_text(payload[8:14]),
        sender_ip=str(ipaddress.IPv4Address(payload[14:18])),
        target_mac=mac_text(payload[18:24]),
        target_ip=str(ipaddress.IPv4Address(payload[24:28])),
    )


@dataclass(slots=True)
class Neighbor:
    """What a CDP or LLDP advertisement says about the sending device."""

    name: str | None = None
    platform: str | None = None  # CDP platform / LLDP system description
    address: str | None = None  # management address
    port: str | None = None
    software: str | None = None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace").strip("\x00").strip()


def is_cdp(frame: Frame) -> bool:
    return frame.ethertype < 1536 and frame.payload.startswith(_CDP_SNAP)


def parse_cdp(frame: Frame) -> Neighbor | None:
    """CDP v1/v2 TLVs after the 802.2 SNAP header."""
    data = frame.payload[len(_CDP_SNAP) :]
    if len(data) < 4 or data[0] not in (1, 2):
        return None
    found = Neighbor()
    pos = 4
    while pos + 4 <= len(data):
        ttype, tlen = struct.unpack_from("!HH", data, pos)
        if tlen < 4:
            break
        value = data[pos + 4 : pos + tlen]
        if ttype == 0x0001:
            found.name = _text(value)
        elif ttype == 0x0003:
            found.port = _text(value)
        elif ttype == 0x0005:
            found.software = _text(value).split("\n")[0][:200]
        elif ttype == 0x0006:
            found.platform = _text(value)
        elif ttype in (0x0002, 0x0016) and found.address is None:
            found.address = _cdp_address(value)
        pos += tlen
    return found


def _cdp_address(value: bytes) -> str | None:
    """First IPv4/IPv6 address of a CDP address list."""
    if len(value) < 4:
        return None
    count = struct.unpack_from("!I", value, 0)[0]
    pos = 4
    for _ in range(min(count, 16)):
        if pos + 2 > len(value):
            return None
        proto_len = value[pos + 1]
        proto = value[pos + 2 : pos + 2 + proto_len]
        pos += 2 + proto_len
        if pos + 2 > len(value):
            return None
        addr_len = struct.unpack_from("!H", value, pos)[0]
        addr = value[pos + 2 : pos + 2 + addr_len]
        pos += 2 + addr_len
        if proto == b"\xcc" and len(addr) == 4:
            return str(ipaddress.IPv4Address(addr))
        if len(addr) == 16 and proto.endswith(b"\x86\xdd"):
            return str(ipaddress.IPv6Address(addr))
    return None


def parse_lldp(frame: Frame) -> Neighbor | None:
    data = frame.payload
    found = Neighbor()
    pos = 0
    seen = False
    while pos + 2 <= len(data):
        (header,) = struct.unpack_from("!H", data, pos)
        ttype, tlen = header >> 9, header & 0x1FF
        value = data[pos + 2 : pos + 2 + tlen]
        pos += 2 + tlen
        if ttype == 0:
            break
        seen = True
        if ttype == 5:
            found.name = _text(value)
        elif ttype == 6:
            found.platform = _text(value)
        elif ttype == 4:
            found.port = _text(value)
        elif ttype == 8 and found.address is None and len(value) >= 2:
            addr = value[2 : 1 + value[0]]
            if value[1] == 1 and len(addr) == 4:
                found.address = str(ipaddress.IPv4Address(addr))
            elif value[1] == 2 and len(addr) == 16:
                found.address = str(ipaddress.IPv6Address(addr))
    return found if seen else None
