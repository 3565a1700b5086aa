"""Recognise flow-export datagrams by their headers, whatever UDP port they travel on
(exporters often use non-standard ports, e.g. 2057 or 9990)."""

from __future__ import annotations

import struct

_V5_HEADER = 24
_V5_RECORD = 48
_V9_HEADER = 20
_IPFIX_HEADER = 16


def looks_like_export(payload: bytes, declared_length: int | None = None) -> str | None:
    """The export format ("netflow5", "netflow9", "ipfix", "sflow5") when the header is
    self-consistent, else None.

    ``declared_length`` is the datagram's length on the wire when the capture cut it
    (UDP length - 8); length checks then use it and the set walk stops at the cut."""
    if len(payload) < 8:
        return None
    length = declared_length if declared_length is not None else len(payload)
    version = struct.unpack_from(">H", payload, 0)[0]
    if version == 5:
        return "netflow5" if _netflow5(payload, length) else None
    if version == 9:
        return "netflow9" if _sets_fit(payload, _V9_HEADER, length, (0, 1)) else None
    if version == 10:
        if len(payload) < _IPFIX_HEADER or struct.unpack_from(">H", payload, 2)[0] != length:
            return None
        return "ipfix" if _sets_fit(payload, _IPFIX_HEADER, length, (2, 3)) else None
    if version == 0 and struct.unpack_from(">H", payload, 2)[0] == 5:
        return "sflow5" if _sflow5(payload, length) else None
    return None


def _netflow5(payload: bytes, length: int) -> bool:
    count = struct.unpack_from(">H", payload, 2)[0]
    return 1 <= count <= 30 and length == _V5_HEADER + count * _V5_RECORD


def _sets_fit(payload: bytes, header: int, length: int, template_ids: tuple[int, int]) -> bool:
    """The sets after the header tile the datagram exactly (v9 may end in a short pad)."""
    if length < header + 4 or len(payload) < header + 4:
        return False
    pos = header
    while length - pos >= 4:
        if len(payload) - pos < 4:
            return True  # capture cut here; everything before it was consistent
        set_id, set_len = struct.unpack_from(">HH", payload, pos)
        if set_id not in template_ids and set_id < 256:
            return False
        if set_len < 4 or pos + set_len > length:
            return False
        pos += set_len
    return length - pos < 4 and pos > header


def _sflow5(payload: bytes, length: int) -> bool:
    if len(payload) < 28:
        return False
    address_type = struct.unpack_from(">I", payload, 4)[0]
    if address_type not in (1, 2):
        return False
    header = 28 if address_type == 1 else 40
    if len(payload) < header:
        return False
    n_samples = struct.unpack_from(">I", payload, header - 4)[0]
    if n_samples * 8 > length - header:
        return False
    pos = header
    for _ in range(n_samples):
        if len(payload) - pos < 8:
            return True  # capture cut; consistent so far
        fmt, sample_len = struct.unpack_from(">II", payload, pos)
        if fmt >> 12 == 0 and not 1 <= fmt & 0xFFF <= 4:
            return False
        if sample_len % 4 or pos + 8 + sample_len > length:
            return False
        pos += 8 + sample_len
    return pos == length
