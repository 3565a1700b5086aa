"""Column-wise decoding of DNS headers and first questions for many messages at once.

Same results as ``proto_dns.parse_dns`` message by message: the fixed header is gathered
with numpy, the question name is walked label by label for all messages together, and the
names are assembled into one Arrow string array. Messages with a compression pointer in the
question name (rare: nothing precedes it to point at) go to ``parse_dns``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from seawall.sources.pcap import proto_dns

_MAX_NAME = 255
_HEADER = 12
_NO_QUESTION = -1
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


@dataclass(slots=True)
class DnsColumns:
    """One entry per message; fields other than ``ok``/``error`` are meaningful where ok."""

    ok: np.ndarray  # bool: a readable DNS message (parse_dns would not return None)
    ident: np.ndarray  # int64 message id
    is_response: np.ndarray  # bool
    rcode: np.ndarray  # int64
    ancount: np.ndarray  # int64
    qtype: np.ndarray  # int64, -1 when the message has no question
    name: list[str | None]  # first question name, None when there is none
    error: dict[int, str]  # row -> repr of the exception parse_dns raised (its bug)


def qtype_names(qtype: np.ndarray) -> np.ndarray:
    """``DnsMessage.qtype_name`` for a column of qtypes (-1: no question), as an object array."""
    return _names_of(qtype, lambda q: None if q < 0 else proto_dns.QTYPE_NAMES.get(q, f"TYPE{q}"))


def rcode_names(rcode: np.ndarray) -> np.ndarray:
    """``DnsMessage.rcode_name`` for a column of rcodes, as an object array."""
    return _names_of(rcode, lambda r: proto_dns.RCODE_NAMES.get(r, f"RCODE{r}"))


def _names_of(values: np.ndarray, name: Callable[[int], str | None]) -> np.ndarray:
    """Name each distinct value once."""
    if len(values) == 0:
        return np.zeros(0, object)
    uniq, inverse = np.unique(values, return_inverse=True)
    text = np.empty(len(uniq), object)
    text[:] = [name(int(v)) for v in uniq.tolist()]
    return text[inverse.reshape(-1)]


def decode_dns(raw: np.ndarray, start: np.ndarray, size: np.ndarray) -> DnsColumns:
    """Decode the messages at ``raw[start:start + size]`` (start + size within raw)."""
    n = len(start)
    start = start.astype(np.int64)
    size = np.maximum(size.astype(np.int64), 0)
    last = len(raw) - 1

    def u8(pos: np.ndarray) -> np.ndarray:
        return raw[np.clip(pos, 0, last)].astype(np.int64)

    def be16(pos: np.ndarray) -> np.ndarray:
        return (u8(pos) << 8) | u8(pos + 1)

    ident, flags = be16(start), be16(start + 2)
    qdcount, ancount = be16(start + 4), be16(start + 6)
    opcode = (flags >> 11) & 0xF
    ok = (size >= _HEADER) & (opcode <= 6) & (qdcount <= 64)
    qtype = np.full(n, _NO_QUESTION, np.int64)
    names: list[str | None] = [None] * n

    rows = np.flatnonzero(ok & (qdcount > 0))
    walk = _walk_names(u8, start[rows], size[rows])
    ok[rows[walk.failed]] = False
    done = np.flatnonzero(walk.done)
    has_qtype = walk.end[done] + 4 <= size[rows[done]]
    ok[rows[done[~has_qtype]]] = False
    done = done[has_qtype]
    named, name_end = rows[done], walk.end[done]
    qtype[named] = be16(start[named] + name_end)
    slot = np.full(len(rows), -1, np.int64)  # walked message -> position in ``named``
    slot[done] = np.arange(len(done))
    dot_slot = slot[walk.dot_rows]
    kept = dot_slot >= 0
    text = _name_text(raw, start[named], name_end, dot_slot[kept], walk.dot_pos[kept])
    if len(named):
        name_column = np.full(n, None, object)
        name_column[named] = text
        names = name_column.tolist()

    error: dict[int, str] = {}
    scalar = rows[walk.pointer]
    ok[scalar] = False
    for row in scalar.tolist():
        s, e = int(start[row]), int(start[row] + size[row])
        try:
            msg = proto_dns.parse_dns(bytes(raw[s:e]))
        except Exception as exc:  # parse_dns returns None on bad bytes; this guards its bugs
            error[row] = repr(exc)
            continue
        if msg is None:
            continue
        ok[row] = True
        names[row] = msg.name
        qtype[row] = _NO_QUESTION if msg.qtype is None else msg.qtype
    return DnsColumns(
        ok=ok,
        ident=ident,
        is_response=(flags & 0x8000) != 0,
        rcode=flags & 0xF,
        ancount=ancount,
        qtype=qtype,
        name=names,
        error=error,
    )


@dataclass(slots=True)
class _Walk:
    done: np.ndarray  # bool per walked message: name read up to its terminating zero
    failed: np.ndarray  # bool: not a readable name (parse_dns returns None)
    pointer: np.ndarray  # bool: compression pointer met, left to the scalar parser
    end: np.ndarray  # position after the name (relative to the message), where done
    dot_rows: np.ndarray  # (walked message, relative position) of label-length bytes
    dot_pos: np.ndarray  # inside the name, which become dots


def _walk_names(
    u8: Callable[[np.ndarray], np.ndarray], start: np.ndarray, size: np.ndarray
) -> _Walk:
    """Walk the question name at offset 12 of each message, one label per round."""
    m = len(start)
    done = np.zeros(m, bool)
    failed = np.zeros(m, bool)
    pointer = np.zeros(m, bool)
    end = np.zeros(m, np.int64)
    pos = np.full(m, _HEADER, np.int64)
    total = np.zeros(m, np.int64)
    active = np.arange(m)
    dot_rows: list[np.ndarray] = []
    dot_pos: list[np.ndarray] = []
    for _ in range(_MAX_NAME // 2 + 2):  # every label takes 2+ bytes of the 255
        if len(active) == 0:
            break
        p = pos[active]
        inside = p < size[active]
        length = np.where(inside, u8(start[active] + p), 0)
        is_end = inside & (length == 0)
        is_pointer = inside & ((length & 0xC0) == 0xC0)
        is_label = inside & (length > 0) & ((length & 0xC0) == 0)
        new_total = total[active] + length + 1
        good_label = is_label & (p + 1 + length <= size[active]) & (new_total <= _MAX_NAME)
        done[active[is_end]] = True
        end[active[is_end]] = p[is_end] + 1
        pointer[active[is_pointer]] = True
        failed[active[~(is_end | is_pointer | good_label)]] = True
        inner = good_label & (p > _HEADER)
        dot_rows.append(active[inner])
        dot_pos.append(p[inner])
        total[active] = new_total
        pos[active] = p + 1 + length
        active = active[good_label]
    pointer[active] = True  # cannot happen (the length cap ends every walk); be safe
    return _Walk(
        done=done,
        failed=failed,
        pointer=pointer,
        end=end,
        dot_rows=np.concatenate(dot_rows) if dot_rows else np.zeros(0, np.int64),
        dot_pos=np.concatenate(dot_pos) if dot_pos else np.zeros(0, np.int64),
    )


def _name_text(
    raw: np.ndarray, start: np.ndarray, end: np.ndarray, dot_rows: np.ndarray, dot_pos: np.ndarray
) -> list[str | None]:
    """Dotted names from the label bytes between offset 13 and the terminating zero, decoded
    like ``bytes.decode("ascii", "backslashreplace")``."""
    m = len(start)
    length = np.maximum(end - (_HEADER + 2), 0)
    offsets = np.zeros(m + 1, np.int64)
    np.cumsum(length, out=offsets[1:])
    data = _gather_spans(raw, start + (_HEADER + 1), length, offsets)
    data[offsets[dot_rows] + dot_pos - (_HEADER + 1)] = ord(".")
    high_rows = _rows_with_high_bytes(data, offsets, length)
    if len(high_rows):
        escaped = _escaped(data, offsets, high_rows)
        data[data >= 0x80] = ord("?")  # stays valid UTF-8; these names are replaced below
    text = pa.LargeStringArray.from_buffers(m, pa.py_buffer(offsets), pa.py_buffer(data))
    names: list[str | None] = text.to_pylist()
    if len(high_rows):
        for row, name in zip(high_rows.tolist(), escaped, strict=True):
            names[row] = name
    return names


def _rows_with_high_bytes(data: np.ndarray, offsets: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Rows whose bytes data[offsets[i] : offsets[i + 1]] include one >= 0x80."""
    if len(length) == 0:
        return np.zeros(0, np.int64)
    # a trailing zero gives empty rows at the very end a valid index; their maximum is ignored
    peak = np.maximum.reduceat(np.r_[data, np.uint8(0)], offsets[:-1])
    return np.flatnonzero((peak >= 0x80) & (length > 0))


_GATHER_CHUNK = 1 << 20  # name bytes per step: keeps the int64 positions small and in cache


def _gather_spans(
    raw: np.ndarray, first: np.ndarray, length: np.ndarray, offsets: np.ndarray
) -> np.ndarray:
    """The bytes raw[first[i] : first[i] + length[i]] of every span, concatenated (offsets:
    the spans' starts in the result). Done a chunk of spans at a time: positions for all
    bytes at once would be a temporary of 8 bytes per name byte, costly to allocate fresh."""
    data = np.empty(int(offsets[-1]), np.uint8)
    shift = first - offsets[:-1]  # file position minus position in the result
    bounds = np.searchsorted(offsets, np.arange(0, len(data), _GATHER_CHUNK))
    bounds = np.unique(np.r_[bounds, len(first)])
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        a, b = int(offsets[lo]), int(offsets[hi])
        position = np.repeat(shift[lo:hi], length[lo:hi])
        position += np.arange(a, b)
        data[a:b] = raw[position]
    return data


def _escaped(data: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> list[str | None]:
    """The names of ``rows`` with each byte >= 0x80 written as a backslash, "x" and two hex
    digits (what ``decode("ascii", "backslashreplace")`` gives)."""
    length = offsets[rows + 1] - offsets[rows]
    sub_offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(length, out=sub_offsets[1:])
    sub = _gather_spans(data, offsets[rows], length, sub_offsets)
    high = sub >= 0x80
    at = np.zeros(len(sub) + 1, np.int64)
    np.cumsum(np.where(high, 4, 1), out=at[1:])
    out = np.empty(int(at[-1]), np.uint8)
    out[at[:-1]] = sub
    value = sub[high]
    to = at[:-1][high]
    out[to] = ord("\\")
    out[to + 1] = ord("x")
    out[to + 2] = _HEX[value >> 4]
    out[to + 3] = _HEX[value & 0xF]
    text = pa.LargeStringArray.from_buffers(
        len(rows), pa.py_buffer(at[sub_offsets]), pa.py_buffer(out)
    )
    return text.to_pylist()
