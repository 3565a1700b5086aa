"""NetFlow v5: a 24-byte header and up to 30 fixed 48-byte records, read through one
numpy structured dtype (no per-record Python)."""

from __future__ import annotations

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
assert HEADER.itemsize == 24 and RECORD.itemsize == 48
MAX_RECORDS = 30  # the v5 format's own limit


def uptime_to_us(export_us: int, sys_uptime_ms: int, switched_ms: np.ndarray) -> np.ndarray:
    """Absolute time of sysUpTime stamps: the export time minus how long before export
    they were taken. The difference is taken modulo 2**32 as a signed value, so a
    sysUpTime that wrapped (every 49.7 days) still lands next to the export time."""
    delta = (np.int64(sys_uptime_ms) - switched_ms.astype(np.int64)) & 0xFFFFFFFF
    delta = np.where(delta >= 2**31, delta - 2**32, delta)
    return np.int64(export_us) - delta * 1000


def decode_v5(
    datagram: bytes, exporter: str, location: Location, issues: list[ParseIssue]
) -> FlowBatch | None:
    """The records of one v5 datagram; problems become located issues, never exceptions."""
    if len(datagram) < HEADER.itemsize:
        issues.append(
            ParseIssue(
                location, f"NetFlow v5 header cut at {len(datagram)} of 24 bytes", "truncated"
            )
        )
        return None
    header = np.frombuffer(datagram, dtype=HEADER, count=1)[0]
    count = int(header["count"])
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
    records = np.frombuffer(datagram, dtype=RECORD, count=count, offset=HEADER.itemsize)
    export_us = int(header["unix_secs"]) * 1_000_000 + int(header["unix_nsecs"]) // 1000
    uptime = int(header["sys_uptime"])
    interval = int(header["sampling"]) & 0x3FFF
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
        # Interval 0 means the exporter did not sample.
        SAMPLING: np.full(count, max(interval, 1), dtype=np.int64),
    }
    return FlowBatch(count, columns, "netflow", exporter, location)
