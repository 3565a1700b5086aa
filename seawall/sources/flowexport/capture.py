"""Find flow-export datagrams among the UDP packets of a capture's PacketIndex."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from seawall.errors import Location, ParseIssue
from seawall.sources.base import SourceOptions
from seawall.sources.flowexport.collector import SHARED_KEY, ExportCollector, collector_for
from seawall.sources.flowexport.sniff import looks_like_export
from seawall.sources.pcap.index import PacketIndex, ips_to_strings

UDP = 17


def candidate_rows(index: PacketIndex) -> np.ndarray:
    """Rows of UDP packets whose payload starts like an export header (version 5, 9 or 10
    as 16 bits, or sFlow's 32-bit 5), found without touching each packet in Python."""
    n = len(index)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    usable = (index.proto == UDP) & (index.payload_offset >= 0) & (index.payload_len >= 8)
    usable &= ~index.is_fragment
    rows = np.flatnonzero(usable)
    if rows.size == 0:
        return rows
    raw = np.frombuffer(index.buffer, dtype=np.uint8)
    start = index.data_offset[rows].astype(np.int64) + index.payload_offset[rows].astype(np.int64)
    inside = start + 4 <= raw.size
    rows, start = rows[inside], start[inside]
    b0, b1, b2, b3 = (raw[start + k] for k in range(4))
    netflow = (b0 == 0) & np.isin(b1, (5, 9, 10))
    sflow = (b0 == 0) & (b1 == 0) & (b2 == 0) & (b3 == 5)
    return rows[netflow | sflow]


def _udp_payload_length(index: PacketIndex, row: int) -> int | None:
    """Datagram length from the UDP header when the capture cut the packet, else None."""
    if index.caplen[row] >= index.wirelen[row] or index.l4_offset[row] < 0:
        return None
    at = int(index.data_offset[row]) + int(index.l4_offset[row]) + 4
    udp_len = int.from_bytes(bytes(index.buffer[at : at + 2]), "big")
    return udp_len - 8 if udp_len >= 8 else None


def decode_from_index(index: PacketIndex, collector: ExportCollector) -> int:
    """Feed every export datagram of the capture to the collector; returns how many."""
    rows = candidate_rows(index)
    exporters = ips_to_strings(index.src_hi[rows], index.src_lo[rows], index.ip_version[rows])
    fed = 0
    for row, exporter_ip in zip(rows.tolist(), exporters, strict=True):
        payload = index.payload(row)
        if looks_like_export(payload, _udp_payload_length(index, row)) is None:
            continue
        exporter = exporter_ip or "unknown"
        location = Location(index.path, frame=int(index.frame[row]))
        collector.feed(payload, exporter, int(index.ts_us[row]), location)
        fed += 1
    return fed


def export_flows(
    index: PacketIndex, options: SourceOptions
) -> tuple[pa.Table, list[ParseIssue], dict[str, int]]:
    """What a capture reader calls per file: decode the file's export datagrams with the
    run's shared collector and take the records decoded so far (including records of
    earlier files whose template arrived in this one)."""
    collector = collector_for(options)
    fed = decode_from_index(index, collector)
    table, issues, stats = collector.drain()
    stats["export_datagrams_in_file"] = fed
    return table, issues, stats


def finish_run(
    options: SourceOptions,
) -> tuple[pa.Table, list[ParseIssue], dict[str, int]] | None:
    """End-of-run call: the last records and one "missing-template" issue per datagram
    whose data never got its template. None when the run saw no export datagram."""
    collector = options.shared.get(SHARED_KEY)
    if not isinstance(collector, ExportCollector):
        return None
    return collector.finish()
