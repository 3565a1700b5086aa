"""Build small captures for tests: classic pcap in every magic, pcapng with sections,
resolutions and every packet block type, and frames made with dpkt."""

from __future__ import annotations

import struct
from pathlib import Path

import dpkt

TRAFFIC = Path(__file__).resolve().parents[2] / "data" / "traffic"


def dpkt_packets(path: Path) -> list[tuple[int, bytes]]:
    """(timestamp µs, frame bytes) of every packet, read independently with dpkt."""
    with open(path, "rb") as handle:
        reader = dpkt.pcap.UniversalReader(handle)
        return [(round(ts * 1_000_000), bytes(buf)) for ts, buf in reader]


def classic(
    packets: list[tuple[int, bytes]], linktype: int = 1, order: str = "<", nano: bool = False
) -> bytes:
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype)]
    for ts, data in packets:
        frac = (ts % 1_000_000) * (1000 if nano else 1)
        out.append(struct.pack(order + "IIII", ts // 1_000_000, frac, len(data), len(data)))
        out.append(data)
    return b"".join(out)


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _block(order: str, btype: int, body: bytes) -> bytes:
    body = _pad(body)
    length = len(body) + 12
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def pcapng_section(
    packets: list[tuple[int, bytes]],
    order: str = "<",
    linktype: int = 1,
    tsresol: int | None = None,
    block: str = "epb",
) -> bytes:
    """One section: SHB, one IDB (optional if_tsresol), then the packets as EPB, SPB or PB."""
    shb = _block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    options = b""
    units = 1_000_000
    if tsresol is not None:
        options = struct.pack(order + "HH", 9, 1) + _pad(bytes([tsresol]))
        options += struct.pack(order + "HH", 0, 0)
        units = 2 ** (tsresol & 0x7F) if tsresol & 0x80 else 10 ** (tsresol & 0x7F)
    idb = _block(order, 1, struct.pack(order + "HHI", linktype, 0, 0) + options)
    blocks = [shb, idb]
    for ts, data in packets:
        raw_ts = ts * units // 1_000_000
        hi, lo = raw_ts >> 32, raw_ts & 0xFFFFFFFF
        if block == "epb":
            body = struct.pack(order + "5I", 0, hi, lo, len(data), len(data)) + data
            blocks.append(_block(order, 6, body))
        elif block == "pb":
            body = struct.pack(order + "HH4I", 0, 0, hi, lo, len(data), len(data)) + data
            blocks.append(_block(order, 2, body))
        else:
            blocks.append(_block(order, 3, struct.pack(order + "I", len(data)) + data))
    return b"".join(blocks)


def ipv4_udp(src: str, dst: str, sport: int, dport: int, payload: bytes = b"x") -> dpkt.ip.IP:
    import socket

    udp = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    udp.ulen = len(udp)
    return dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=17, data=udp, ttl=64)


def ipv4_tcp(
    src: str, dst: str, sport: int, dport: int, flags: int, payload: bytes = b""
) -> dpkt.ip.IP:
    import socket

    tcp = dpkt.tcp.TCP(sport=sport, dport=dport, flags=flags, data=payload, off=5)
    return dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=6, data=tcp, ttl=64)


def ether(ip: dpkt.Packet, ethertype: int = 0x0800) -> bytes:
    return bytes(
        dpkt.ethernet.Ethernet(
            dst=b"\x00\x11\x22\x33\x44\x55",
            src=b"\x66\x77\x88\x99\xaa\xbb",
            type=ethertype,
            data=bytes(ip),
        )
    )
