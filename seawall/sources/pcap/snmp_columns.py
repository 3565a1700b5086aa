"""Column-wise decoding of SNMP v1/v2c messages (version, community, PDU type, first OID)
for many UDP payloads at once.

Same results as ``proto_snmp.parse_snmp`` message by message: BER elements are read for all
messages together, one element per step; community strings and OIDs are decoded once per
distinct value. SNMPv3 messages (USM header, scoped PDU) and unusual encodings go to
``parse_snmp``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from seawall.sources.pcap import proto_snmp

_SEQUENCE = 0x30
_INTEGER = 0x02
_OCTET_STRING = 0x04
_OID = 0x06
_V1_TRAP = 0xA4
_DISTINCT_WIDTH = 64  # values up to this many bytes are de-duplicated column-wise

Gather = Callable[[np.ndarray], np.ndarray]


@dataclass(slots=True)
class SnmpColumns:
    """One entry per payload; the lists are meaningful where ``ok``."""

    ok: np.ndarray  # bool: an SNMP message (parse_snmp would not return None)
    version: list[str | None]
    community: list[str | None]
    user: list[str | None]
    pdu: list[str | None]
    first_oid: list[str | None]
    error: dict[int, str]  # row -> repr of the exception parse_snmp raised (its bug)


@dataclass(slots=True)
class _Element:
    ok: np.ndarray
    tag: np.ndarray
    start: np.ndarray  # value start, relative to the message
    end: np.ndarray


def _element(u8: Gather, base: np.ndarray, size: np.ndarray, pos: np.ndarray) -> _Element:
    """``proto_snmp.read_tlv`` at ``pos`` of every message."""
    ok = pos + 2 <= size
    tag = u8(base + pos)
    first = u8(base + pos + 1)
    ok &= (tag & 0x1F) != 0x1F
    short = first < 0x80
    count = first & 0x7F
    ok &= short | ((count >= 1) & (count <= 4) & (pos + 2 + count <= size))
    length = np.where(short, first, 0)
    for k in range(4):
        length = np.where(~short & (k < count), (length << 8) | u8(base + pos + 2 + k), length)
    start = pos + 2 + np.where(short, 0, count)
    end = start + length
    ok &= end <= size
    return _Element(ok, tag, start, end)


def _integer(u8: Gather, base: np.ndarray, size: np.ndarray, pos: np.ndarray) -> _Element:
    e = _element(u8, base, size, pos)
    width = e.end - e.start
    e.ok &= (e.tag == _INTEGER) & (width >= 1) & (width <= 8)
    return e


def decode_snmp(raw: np.ndarray, start: np.ndarray, size: np.ndarray) -> SnmpColumns:
    """Decode the payloads at ``raw[start:start + size]`` (start + size within raw)."""
    n = len(start)
    base = start.astype(np.int64)
    size = np.maximum(size.astype(np.int64), 0)
    last = len(raw) - 1

    def u8(pos: np.ndarray) -> np.ndarray:
        return raw[np.clip(pos, 0, last)].astype(np.int64)

    zero = np.zeros(n, np.int64)
    message = _element(u8, base, size, zero)
    ok = message.ok & (message.tag == _SEQUENCE)
    version = _integer(u8, base, size, message.start)
    ok &= version.ok
    one_byte = version.end - version.start == 1
    number = u8(base + version.start)
    scalar = ok & (~one_byte | (number == 3))  # long integers and SNMPv3: parse_snmp
    ok &= ~scalar & one_byte & ((number == 0) | (number == 1))
    community = _element(u8, base, size, version.end)
    ok &= community.ok & (community.tag == _OCTET_STRING)

    # The PDU: a cut or odd PDU still leaves version and community (errors stop here).
    pdu = _element(u8, base, size, community.end)
    pdu.ok &= ok
    trap = pdu.ok & (pdu.tag == _V1_TRAP)
    request_id = _integer(u8, base, size, pdu.start)
    status = _integer(u8, base, size, request_id.end)
    index = _integer(u8, base, size, status.end)
    varbinds = _element(u8, base, size, index.end)
    listed = (
        pdu.ok
        & ~trap
        & request_id.ok
        & status.ok
        & index.ok
        & varbinds.ok
        & (varbinds.tag == _SEQUENCE)
        & (varbinds.start < size)
    )
    varbind = _element(u8, base, size, varbinds.start)
    listed &= varbind.ok & (varbind.tag == _SEQUENCE)
    oid_at = np.where(trap, pdu.start, varbind.start)
    oid = _element(u8, base, size, oid_at)
    has_oid = (trap | listed) & oid.ok & (oid.tag == _OID)

    rows = np.flatnonzero(ok)
    versions: list[str | None] = [None] * n
    communities: list[str | None] = [None] * n
    pdus: list[str | None] = [None] * n
    oids: list[str | None] = [None] * n
    for row, value in zip(
        rows.tolist(), np.where(number[rows] == 0, "1", "2c").tolist(), strict=True
    ):
        versions[row] = value
    texts = distinct_texts(
        raw,
        base[rows] + community.start[rows],
        community.end[rows] - community.start[rows],
        _community_text,
    )
    for row, text in zip(rows.tolist(), texts, strict=True):
        communities[row] = text
    named = np.flatnonzero(pdu.ok)
    tags, inverse = np.unique(pdu.tag[named], return_inverse=True)
    tag_names = np.asarray([_pdu_name(t) for t in tags.tolist()], object)
    for row, text in zip(named.tolist(), tag_names[inverse.reshape(-1)].tolist(), strict=True):
        pdus[row] = text
    with_oid = np.flatnonzero(has_oid)
    texts = distinct_texts(
        raw,
        base[with_oid] + oid.start[with_oid],
        oid.end[with_oid] - oid.start[with_oid],
        proto_snmp.decode_oid,
    )
    for row, text in zip(with_oid.tolist(), texts, strict=True):
        oids[row] = text

    users: list[str | None] = [None] * n
    error: dict[int, str] = {}
    for row in np.flatnonzero(scalar).tolist():
        s, e = int(base[row]), int(base[row] + size[row])
        try:
            msg = proto_snmp.parse_snmp(bytes(raw[s:e]))
        except Exception as exc:  # parse_snmp returns None on bad bytes; this guards its bugs
            error[row] = repr(exc)
            continue
        if msg is None:
            continue
        ok[row] = True
        versions[row], communities[row], users[row] = msg.version, msg.community, msg.user
        pdus[row], oids[row] = msg.pdu, msg.first_oid
    return SnmpColumns(ok, versions, communities, users, pdus, oids, error)


def _community_text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def _pdu_name(tag: int) -> str:
    return proto_snmp.PDU_NAMES.get(tag, f"0x{tag:02x}")


def distinct_texts(
    raw: np.ndarray, start: np.ndarray, length: np.ndarray, decode: Callable[[bytes], str]
) -> list[str]:
    """``decode(raw[start:start + length])`` per row, calling ``decode`` once per distinct
    value (short values are compared column-wise as fixed-width rows)."""
    m = len(start)
    out: list[str] = [""] * m
    if m == 0:
        return out
    length = np.maximum(length, 0)
    short = np.flatnonzero(length <= _DISTINCT_WIDTH)
    for row in np.flatnonzero(length > _DISTINCT_WIDTH).tolist():
        s = int(start[row])
        out[row] = decode(bytes(raw[s : s + int(length[row])]))
    if len(short) == 0:
        return out
    width = int(length[short].max())
    cols = np.arange(width)
    inside = cols < length[short, None]
    at = np.clip(start[short, None] + cols, 0, len(raw) - 1)
    matrix = np.where(inside, raw[at], 0).astype(np.uint8)
    keyed = np.concatenate([matrix, length[short, None].astype(np.uint8)], axis=1)
    keys = np.ascontiguousarray(keyed).view(np.dtype((np.void, width + 1))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = np.asarray(
        [decode(bytes(matrix[i, : int(length[short[i]])])) for i in first.tolist()], object
    )
    for row, text in zip(short.tolist(), texts[inverse.reshape(-1)].tolist(), strict=True):
        out[row] = text
    return out
