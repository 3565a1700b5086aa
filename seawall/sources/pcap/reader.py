"""Walk the records of a classic pcap or pcapng file and build the PacketIndex.

Only the walk over record headers is a Python loop (each record's position depends on
the previous one); per-packet fields are then gathered with numpy and the protocol
headers are decoded column-wise in ``decode.py``.
"""

from __future__ import annotations

import mmap
import struct
import sys
from array import array
from dataclasses import dataclass

import numpy as np

from seawall.errors import Location, ParseIssue
from seawall.sources.pcap.decode import decode_headers
from seawall.sources.pcap.index import PacketIndex

# Classic pcap magics as read little-endian: value -> (byte order, units per second).
PCAP_MAGICS = {
    0xA1B2C3D4: ("<", 1_000_000),
    0xD4C3B2A1: (">", 1_000_000),
    0xA1B23C4D: ("<", 1_000_000_000),
    0x4D3CB2A1: (">", 1_000_000_000),
}
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D

# Captured lengths above this are treated as corruption: real snap lengths stop at 256 KiB
# (262144, tcpdump's default) and jumbo frames are far below it.
MAX_CAPLEN = 262_144 * 4

_PCAP_HEADER_LEN = 24
_PCAP_RECORD_LEN = 16
_NATIVE_ORDER = "<" if sys.byteorder == "little" else ">"

# pcapng block types
_BT_IDB = 0x00000001
_BT_PB = 0x00000002  # obsolete Packet Block
_BT_SPB = 0x00000003
_BT_EPB = 0x00000006


@dataclass(slots=True)
class Records:
    """Per-packet record fields before header decoding."""

    ts_us: np.ndarray
    data_offset: np.ndarray
    caplen: np.ndarray
    wirelen: np.ndarray
    linktype: np.ndarray


def capture_format(head: bytes) -> str | None:
    """'pcap' or 'pcapng' from a file's first bytes, else None."""
    if len(head) < 4:
        return None
    magic = struct.unpack_from("<I", head, 0)[0]
    if magic in PCAP_MAGICS:
        return "pcap"
    if magic == PCAPNG_SHB and len(head) >= 12:
        bom = head[8:12]
        if bom in (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d"):
            return "pcapng"
    return None


def open_buffer(path: str) -> memoryview:
    """The file's bytes, memory-mapped (an empty file gives an empty view)."""
    with open(path, "rb") as handle:
        try:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file cannot be mapped
            return memoryview(b"")
    return memoryview(mapped)


def read_index(path: str) -> tuple[PacketIndex, list[ParseIssue]]:
    """Read a pcap/pcapng capture into a PacketIndex. Never raises on bad content: damaged
    or truncated records end the walk with a located ParseIssue; the packets before them
    are kept."""
    buffer = open_buffer(path)
    return index_buffer(buffer, path)


def index_buffer(buffer: bytes | memoryview, path: str) -> tuple[PacketIndex, list[ParseIssue]]:
    """Same as ``read_index`` for bytes already in memory (tests, fuzzing)."""
    issues: list[ParseIssue] = []
    fmt = capture_format(bytes(buffer[:12]))
    if fmt == "pcap":
        records = _walk_pcap(buffer, path, issues)
    elif fmt == "pcapng":
        records = _walk_pcapng(buffer, path, issues)
    else:
        issues.append(
            ParseIssue(
                Location(path, offset=0), "not a pcap or pcapng capture; skipped", "unsupported"
            )
        )
        records = _empty_records()
    index = decode_headers(
        path,
        buffer,
        records.ts_us,
        records.data_offset,
        records.caplen,
        records.wirelen,
        records.linktype,
    )
    return index, issues


def _empty_records() -> Records:
    return Records(
        ts_us=np.zeros(0, np.int64),
        data_offset=np.zeros(0, np.int64),
        caplen=np.zeros(0, np.int32),
        wirelen=np.zeros(0, np.int32),
        linktype=np.zeros(0, np.int16),
    )


def _truncated(path: str, frame: int, offset: int, what: str) -> ParseIssue:
    return ParseIssue(
        Location(path, frame=frame, offset=offset),
        f"capture ends inside {what}; the {frame - 1} complete packets before it were read "
        "(the file was probably cut while being copied or captured)",
        "truncated",
    )


def _walk_pcap(buffer: bytes | memoryview, path: str, issues: list[ParseIssue]) -> Records:
    size = len(buffer)
    if size < _PCAP_HEADER_LEN:
        issues.append(_truncated(path, 1, 0, "the file header"))
        return _empty_records()
    order, units = PCAP_MAGICS[struct.unpack_from("<I", buffer, 0)[0]]
    snaplen, network = struct.unpack_from(order + "II", buffer, 16)
    linktype = network & 0xFFFF  # upper bits carry FCS info in some writers
    limit = max(MAX_CAPLEN, snaplen)
    offsets, off, overlong = _record_offsets(buffer, order, limit)
    if overlong is not None:
        issues.append(
            ParseIssue(
                Location(path, frame=len(offsets) + 1, offset=off),
                f"record header claims {overlong} captured bytes (limit {limit}); the file "
                "is damaged here and the rest cannot be located",
                "parse",
            )
        )
    elif off < size:
        issues.append(_truncated(path, len(offsets) + 1, off, "a packet record"))

    rec = np.frombuffer(offsets, dtype=np.int64) if len(offsets) else np.zeros(0, np.int64)
    ts_sec, ts_frac, caplen_arr, wirelen_arr = _record_fields(buffer, rec, np.dtype(order + "u4"))
    if units == 1_000_000:
        ts_us = ts_sec.astype(np.int64) * 1_000_000 + ts_frac.astype(np.int64)
    else:
        ts_us = ts_sec.astype(np.int64) * 1_000_000 + ts_frac.astype(np.int64) // 1000
    n = len(rec)
    return Records(
        ts_us=ts_us,
        data_offset=rec + _PCAP_RECORD_LEN,
        caplen=caplen_arr.astype(np.int32),
        wirelen=np.minimum(wirelen_arr, 0x7FFFFFFF).astype(np.int32),
        # Wraps like the pcapng path: a damaged header's type above 0x7FFF stays unknown.
        linktype=np.full(n, np.uint16(linktype).astype(np.int16)),
    )


def _record_offsets(
    buffer: bytes | memoryview, order: str, limit: int
) -> tuple[array[int], int, int | None]:
    """Start offsets of the complete records, the offset where the walk stopped, and the
    captured length that stopped it if one was over ``limit`` (damage) rather than the file
    ending. The loop reads each caplen from one of four uint32 views of the file (one per
    byte alignment), which costs far less per record than ``struct.unpack_from``."""
    size = len(buffer)
    offsets = array("q")
    append = offsets.append
    off = _PCAP_HEADER_LEN
    last_full = size - _PCAP_RECORD_LEN
    if order != _NATIVE_ORDER or size < _PCAP_HEADER_LEN + _PCAP_RECORD_LEN:
        caplen_of = struct.Struct(order + "I").unpack_from
        while off <= last_full:
            caplen = caplen_of(buffer, off + 8)[0]
            if caplen > limit:
                return offsets, off, caplen
            append(off)
            off += _PCAP_RECORD_LEN + caplen
    else:
        view = memoryview(buffer)
        # caplens[k][i] is the uint32 at byte 8 + k + 4 * i: the caplen of a record at k + 4 * i
        caplens = [view[8 + k : 8 + k + (size - 8 - k) // 4 * 4].cast("I") for k in range(4)]
        while off <= last_full:
            caplen = caplens[off & 3][off >> 2]
            if caplen > limit:
                return offsets, off, caplen
            append(off)
            off += _PCAP_RECORD_LEN + caplen
    if off > size:  # the last record runs past the end of the file
        off = offsets.pop()
    return offsets, off, None


def _record_fields(
    buffer: bytes | memoryview, rec: np.ndarray, dtype: np.dtype
) -> list[np.ndarray]:
    """The four uint32 fields of the record headers at ``rec`` (all in range), gathered as
    one 16-byte item per record through a view with an item at every byte of the file."""
    if len(rec) == 0:
        return [np.zeros(0, np.uint32) for _ in range(4)]
    items = np.ndarray(
        shape=(len(buffer) - _PCAP_RECORD_LEN + 1,),
        dtype=np.dtype((np.void, _PCAP_RECORD_LEN)),
        buffer=buffer,
        strides=(1,),
    )
    headers = items[rec].view(dtype).reshape(-1, 4)
    return [headers[:, j] for j in range(4)]


@dataclass(slots=True)
class _Interface:
    linktype: int
    units: int  # timestamp units per second
    offset_s: int  # if_tsoffset


def _walk_pcapng(buffer: bytes | memoryview, path: str, issues: list[ParseIssue]) -> Records:
    size = len(buffer)
    ts_list: list[int] = []
    data_offsets: list[int] = []
    caplens: list[int] = []
    wirelens: list[int] = []
    linktypes: list[int] = []
    interfaces: list[_Interface] = []
    order = "<"
    off = 0
    frame = 1
    while off < size:
        if off + 12 > size:
            issues.append(_truncated(path, frame, off, "a block header"))
            break
        btype = struct.unpack_from(order + "I", buffer, off)[0]
        if btype == PCAPNG_SHB:
            bom = bytes(buffer[off + 8 : off + 12])
            if bom == b"\x4d\x3c\x2b\x1a":
                order = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                order = ">"
            else:
                issues.append(_damaged(path, frame, off, "section header has no byte-order magic"))
                break
            interfaces = []  # interface ids restart in every section
        blen = struct.unpack_from(order + "I", buffer, off + 4)[0]
        if blen < 12 or blen % 4:
            issues.append(_damaged(path, frame, off, f"block length {blen} is invalid"))
            break
        if off + blen > size:
            issues.append(_truncated(path, frame, off, "a block"))
            break
        body = off + 8
        body_end = off + blen - 4
        if btype == _BT_IDB:
            if body + 8 > body_end:
                issues.append(_damaged(path, frame, off, "interface block too short"))
                break
            link = struct.unpack_from(order + "H", buffer, body)[0]
            units, tsoff = _idb_options(buffer, body + 8, body_end, order)
            interfaces.append(_Interface(link, units, tsoff))
        elif btype in (_BT_EPB, _BT_PB):
            if body + 20 > body_end:
                issues.append(_damaged(path, frame, off, "packet block too short"))
                break
            if btype == _BT_EPB:
                iface, ts_hi, ts_lo, caplen, wirelen = struct.unpack_from(
                    order + "5I", buffer, body
                )
            else:
                iface, _drops, ts_hi, ts_lo, caplen, wirelen = struct.unpack_from(
                    order + "HH4I", buffer, body
                )
            data = body + 20
            if iface >= len(interfaces):
                issues.append(_damaged(path, frame, off, f"packet names unknown interface {iface}"))
            elif data + caplen > body_end:
                issues.append(
                    _damaged(path, frame, off, f"captured length {caplen} overruns block")
                )
            else:
                itf = interfaces[iface]
                ts = (ts_hi << 32) | ts_lo
                ts_list.append(_to_us(ts, itf.units) + itf.offset_s * 1_000_000)
                data_offsets.append(data)
                caplens.append(caplen)
                wirelens.append(min(wirelen, 0x7FFFFFFF))
                linktypes.append(itf.linktype)
            frame += 1
        elif btype == _BT_SPB:
            if not interfaces or body + 4 > body_end:
                issues.append(_damaged(path, frame, off, "simple packet block without interface"))
            else:
                wirelen = struct.unpack_from(order + "I", buffer, body)[0]
                data = body + 4
                caplen = min(wirelen, body_end - data)
                # SPBs carry no timestamp: reuse the previous packet's so time stays ordered.
                ts_list.append(ts_list[-1] if ts_list else 0)
                data_offsets.append(data)
                caplens.append(caplen)
                wirelens.append(min(wirelen, 0x7FFFFFFF))
                linktypes.append(interfaces[0].linktype)
            frame += 1
        off += blen
    return Records(
        ts_us=np.asarray(ts_list, dtype=np.int64),
        data_offset=np.asarray(data_offsets, dtype=np.int64),
        caplen=np.asarray(caplens, dtype=np.int32),
        wirelen=np.asarray(wirelens, dtype=np.int32),
        linktype=np.asarray(linktypes, dtype=np.int64).astype(np.int16),
    )


def _damaged(path: str, frame: int, offset: int, what: str) -> ParseIssue:
    return ParseIssue(
        Location(path, frame=frame, offset=offset),
        f"{what}; the file is damaged here (packets after it may be missing)",
        "parse",
    )


def _to_us(ts: int, units: int) -> int:
    if units == 1_000_000:
        return ts
    return ts * 1_000_000 // units


def _idb_options(buffer: bytes | memoryview, pos: int, end: int, order: str) -> tuple[int, int]:
    """(timestamp units per second, offset in seconds) from an interface block's options."""
    units = 1_000_000
    tsoffset = 0
    while pos + 4 <= end:
        code, length = struct.unpack_from(order + "HH", buffer, pos)
        value = pos + 4
        if code == 0 or value + length > end:
            break
        if code == 9 and length >= 1:  # if_tsresol
            resol = buffer[value]
            exponent = resol & 0x7F
            if exponent <= 30:  # anything finer than 1e-30 s is nonsense
                units = 2**exponent if resol & 0x80 else 10**exponent
        elif code == 14 and length >= 8:  # if_tsoffset
            tsoffset = struct.unpack_from(order + "q", buffer, value)[0]
        pos = value + ((length + 3) & ~3)
    return max(units, 1), tsoffset
