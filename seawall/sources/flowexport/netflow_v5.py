"""NetFlow v5: a 24-byte header and up to 30 fixed 48-byte records, read through one
numpy structured dtype (no per-record Python)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

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

HEADER = np.dtype(
    [
        ("version", ">u2"),
        ("count", ">u2"),
        ("sys_uptime", ">u4"),
        ("unix_secs", ">u4"),
        ("unix_nsecs", ">u4"),
        ("flow_sequence", ">u4"),
        ("engine_type", "u1"),
        ("engine_id", "u1"),
        ("sampling", ">u2"),  # 2 bits mode, 14 bits interval
    ]
)
RECORD = np.dtype(
    [
        ("srcaddr", ">u4"),
        ("dstaddr", ">u4"),
        ("nexthop", ">u4"),
        ("input", ">u2"),
        ("output", ">u2"),
        ("dpkts", ">u4"),
        ("doctets", ">u4"),
        ("first", ">u4"),
        ("last", ">u4"),
        ("srcport", ">u2"),
        ("dstport", ">u2"),
        ("pad1", "u1"),
        ("tcp_flags", "u1"),
        ("prot", "u1"),
        ("tos", "u1"),
        ("src_as", ">u2"),
        ("dst_as", ">u2"),
        ("src_mask", "u1"),
        ("dst_mask", "u1"),
        ("pad2", ">u2"),
    ]
)
_HEADER = struct.Struct(">HHIIIIBBH")
assert HEADER.itemsize == _HEADER.size == 24 and RECORD.itemsize == 48
MAX_RECORDS = 30  # the v5 format's own limit


def uptime_to_us(
    export_us: int | np.ndarray, sys_uptime_ms: int | np.ndarray, switched_ms: np.ndarray
) -> np.ndarray:
    """Absolute time of sysUpTime stamps: the export time minus how long before export
    they were taken. The difference is taken modulo 2**32 as a signed value, so a
    sysUpTime that wrapped (every 49.7 days) still lands next to the export time."""
    uptime = np.asarray(sys_uptime_ms, dtype=np.int64)
    delta = (uptime - switched_ms.astype(np.int64)) & 0xFFFFFFFF
    delta = np.where(delta >= 2**31, delta - 2**32, delta)
    return np.asarray(export_us, dtype=np.int64) - delta * 1000


@dataclass(frozen=True, slots=True)
class V5Chunk:
    """The records of one v5 datagram with the header values they need."""

    records: bytes
    count: int
    export_us: int
    sys_uptime_ms: int
    sampling_interval: int
    location: Location


def split_v5(datagram: bytes, location: Location, issues: list[ParseIssue]) -> V5Chunk | None:
    """Check one v5 datagram's header; problems become located issues, never exceptions."""
    if len(datagram) < HEADER.itemsize:
        issues.append(
            ParseIssue(
                location, f"NetFlow v5 header cut at {len(datagram)} of 24 bytes", "truncated"
            )
        )
        return None
    _, count, uptime, unix_s, unix_ns, _, _, _, sampling = _HEADER.unpack_from(datagram, 0)
    available = (len(datagram) - HEADER.itemsize) // RECORD.itemsize
    if count > MAX_RECORDS:
        issues.append(
            ParseIssue(
                location,
                f"NetFlow v5 header claims {count} records (format limit {MAX_RECORDS}); "
                "datagram skipped",
            )
        )
        return None
    if available < count:
        issues.append(
            ParseIssue(
                location,
                f"NetFlow v5 datagram holds {available} of the {count} records its header "
                f"announces ({len(datagram)} bytes); the {available} complete records are kept",
                "truncated",
            )
        )
        count = available
    end = HEADER.itemsize + count * RECORD.itemsize
    return V5Chunk(
        datagram[HEADER.itemsize : end],
        count,
        unix_s * 1_000_000 + unix_ns // 1000,
        uptime,
        sampling & 0x3FFF,
        location,
    )


def decode_v5_chunks(chunks: list[V5Chunk], exporter: str) -> FlowBatch | None:
    """All records of many v5 datagrams of one exporter, read through one dtype view."""
    count = sum(c.count for c in chunks)
    if count == 0:
        return None
    records = np.frombuffer(b"".join(c.records for c in chunks), dtype=RECORD, count=count)
    repeat = np.array([c.count for c in chunks], dtype=np.int64)

    def per_record(values: list[int]) -> np.ndarray:
        return np.repeat(np.array(values, dtype=np.int64), repeat)

    export_us = per_record([c.export_us for c in chunks])
    uptime = per_record([c.sys_uptime_ms for c in chunks])
    # Interval 0 means the exporter did not sample.
    sampling = per_record([max(c.sampling_interval, 1) for c in chunks])
    zeros = np.zeros(count, dtype=np.uint64)
    columns = {
        START_US: uptime_to_us(export_us, uptime, records["first"]),
        END_US: uptime_to_us(export_us, uptime, records["last"]),
        ADDR_VERSION: np.full(count, 4, dtype=np.int8),
        SRC_HI: zeros,
        SRC_LO: records["srcaddr"].astype(np.uint64),
        DST_HI: zeros,
        DST_LO: records["dstaddr"].astype(np.uint64),
        ie.SPORT: records["srcport"].astype(np.int32),
        ie.DPORT: records["dstport"].astype(np.int32),
        ie.PROTO: records["prot"].astype(np.int16),
        ie.BYTES: records["doctets"].astype(np.int64),
        ie.PACKETS: records["dpkts"].astype(np.int64),
        ie.TCP_FLAGS: records["tcp_flags"].astype(np.int16),
        ie.IN_IF: records["input"].astype(np.int64),
        ie.OUT_IF: records["output"].astype(np.int64),
        ie.SRC_AS: records["src_as"].astype(np.int64),
        ie.DST_AS: records["dst_as"].astype(np.int64),
        SAMPLING: sampling,
    }
    segments = [(c.location, c.count) for c in chunks if c.count]
    return FlowBatch(count, columns, "netflow", exporter, segments)
