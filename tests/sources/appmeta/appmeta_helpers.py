"""Shared helpers for the payload-inspection tests: run the pipeline on a corpus capture,
and write small captures from crafted frames."""

from __future__ import annotations

import functools
import struct
from pathlib import Path

import dpkt
import pandas as pd
import pyarrow as pa

from seawall.sources.base import SourceOptions
from seawall.sources.pcap.appmeta import extract
from seawall.sources.pcap.index import AppMetadata
from seawall.sources.pcap.meter import meter_flows
from seawall.sources.pcap.reader import read_index

TRAFFIC = Path(__file__).resolve().parents[2] / "data" / "traffic"


@functools.lru_cache(maxsize=64)
def run(name: str, burst_gap: float = 1.0) -> tuple[pa.Table, AppMetadata]:
    """Flows and application metadata of one corpus capture (path relative to traffic/)."""
    return run_path(str(TRAFFIC / name), burst_gap)


def run_path(path: str, burst_gap: float = 1.0) -> tuple[pa.Table, AppMetadata]:
    index, _ = read_index(path)
    options = SourceOptions(burst_gap=burst_gap)
    flows, metered = meter_flows(index, options)
    return flows, extract(index, metered, options)


def transactions(name: str, kind: str | None = None) -> pd.DataFrame:
    df = run(name)[1].transactions.to_pandas()
    return df if kind is None else df[df["transaction.kind"] == kind].reset_index(drop=True)


def packets(name: str, kind: str | None = None) -> pd.DataFrame:
    df = run(name)[1].packets.to_pandas()
    return df if kind is None else df[df["packet.kind"] == kind].reset_index(drop=True)


def flow_columns(name: str) -> pd.DataFrame:
    """The flow table's 5-tuple next to the extractor's flow columns."""
    flows, meta = run(name)
    df = flows.select(
        ["source.ip", "source.port", "destination.ip", "destination.port", "network.transport"]
    ).to_pandas()
    for column, values in meta.flow_columns.items():
        df[column] = values
    return df


def ether_ip_udp(payload: bytes, sport: int, dport: int) -> bytes:
    udp = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    udp.ulen = len(udp)
    ip = dpkt.ip.IP(src=b"\x0a\x00\x00\x01", dst=b"\x0a\x00\x00\x02", p=17, data=udp)
    ip.len = len(ip)
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, data=ip))


def ether_ip_tcp(payload: bytes, sport: int, dport: int, seq: int, flags: int = 0x18) -> bytes:
    tcp = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, flags=flags, data=payload)
    ip = dpkt.ip.IP(src=b"\x0a\x00\x00\x01", dst=b"\x0a\x00\x00\x02", p=6, data=tcp)
    ip.len = len(ip)
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, data=ip))


def write_pcap(path: Path, frames: list[bytes], linktype: int = 1) -> str:
    """Classic little-endian pcap, one frame every 10 ms."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)]
    for i, frame in enumerate(frames):
        ts = 1_700_000_000_000_000 + i * 10_000
        out.append(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(frame), len(frame)))
        out.append(frame)
    path.write_bytes(b"".join(out))
    return str(path)


def payload_of(name: str, frame: int) -> bytes:
    """L4 payload of one frame (1-based) of a corpus capture, read with dpkt."""
    with open(TRAFFIC / name, "rb") as handle:
        reader = dpkt.pcap.UniversalReader(handle)
        linktype = reader.datalink()
        for number, (_ts, buf) in enumerate(reader, 1):
            if number == frame:
                ip = dpkt.ethernet.Ethernet(buf).data if linktype == 1 else dpkt.ip.IP(buf)
                return bytes(ip.data.data)
    raise LookupError(f"{name} has no frame {frame}")
