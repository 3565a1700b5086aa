"""SNMP v1/v2c/v3 message parsing (BER) over raw UDP payloads.

Reads the version, community (v1/v2c) or USM user name (v3), the PDU type and the first
variable binding's OID. Encrypted v3 PDUs are reported as such, not as errors.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

PDU_NAMES = {
    0xA0: "get",
    0xA1: "get_next",
    0xA2: "response",
    0xA3: "set",
    0xA4: "trap",  # SNMPv1 Trap-PDU
    0xA5: "get_bulk",
    0xA6: "inform",
    0xA7: "trap",  # SNMPv2-Trap-PDU
    0xA8: "report",
}
_VERSIONS = {0: "1", 1: "2c", 3: "3"}

_SEQUENCE = 0x30
_INTEGER = 0x02
_OCTET_STRING = 0x04
_OID = 0x06


class BerError(ValueError):
    """The bytes are not the BER structure expected here."""


def read_tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the BER element at ``pos``."""
    if pos + 2 > len(data):
        raise BerError("element header cut")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise BerError("multi-byte tags are not used by SNMP")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise BerError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise BerError("element longer than the message")
    return tag, pos, end


def _integer(data: bytes, pos: int) -> tuple[int, int]:
    tag, start, end = read_tlv(data, pos)
    if tag != _INTEGER or end - start > 8 or end == start:
        raise BerError("expected INTEGER")
    return int.from_bytes(data[start:end], "big", signed=True), end


def _octets(data: bytes, pos: int) -> tuple[bytes, int]:
    tag, start, end = read_tlv(data, pos)
    if tag != _OCTET_STRING:
        raise BerError("expected OCTET STRING")
    return data[start:end], end


def decode_oid(raw: bytes) -> str:
    if not raw:
        return ""
    parts: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    if not parts:
        return ""
    first = parts[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(p) for p in head + parts[1:])


@dataclass(slots=True)
class SnmpMessage:
    version: str  # 1 | 2c | 3
    community: str | None  # v1/v2c community, None for v3
    user: str | None  # v3 USM user name
    pdu: str | None  # get | get_next | ... | encrypted | None if unreadable
    request_id: int | None
    first_oid: str | None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def parse_snmp(data: bytes) -> SnmpMessage | None:
    """The SNMP message in a UDP payload, or None if it is not one."""
    try:
        tag, pos, _end = read_tlv(data, 0)
        if tag != _SEQUENCE:
            return None
        number, pos = _integer(data, pos)
        version = _VERSIONS.get(number)
        if version is None:
            return None
        if version == "3":
            return _parse_v3(data, pos)
        community, pos = _octets(data, pos)
        message = SnmpMessage(version, _text(community), None, None, None, None)
        with contextlib.suppress(BerError):  # a cut PDU still tells version and community
            _read_pdu(data, pos, message)
        return message
    except BerError:
        return None


def _read_pdu(data: bytes, pos: int, message: SnmpMessage) -> None:
    """Fill PDU type, request id and first OID; a cut PDU keeps what was read."""
    tag, start, _end = read_tlv(data, pos)
    message.pdu = PDU_NAMES.get(tag, f"0x{tag:02x}")
    if tag == 0xA4:  # v1 trap: enterprise OID first, no request id
        otag, ostart, oend = read_tlv(data, start)
        if otag == _OID:
            message.first_oid = decode_oid(data[ostart:oend])
        return
    message.request_id, pos = _integer(data, start)
    _status, pos = _integer(data, pos)
    _index, pos = _integer(data, pos)
    vtag, vstart, _ = read_tlv(data, pos)  # varbind list
    if vtag != _SEQUENCE or vstart >= len(data):
        return
    btag, bstart, _ = read_tlv(data, vstart)  # first varbind
    if btag != _SEQUENCE:
        return
    otag, ostart, oend = read_tlv(data, bstart)
    if otag == _OID:
        message.first_oid = decode_oid(data[ostart:oend])


def _parse_v3(data: bytes, pos: int) -> SnmpMessage:
    message = SnmpMessage("3", None, None, None, None, None)
    tag, gstart, gend = read_tlv(data, pos)  # msgGlobalData
    if tag != _SEQUENCE:
        raise BerError("expected msgGlobalData")
    _msg_id, p = _integer(data, gstart)
    _max_size, p = _integer(data, p)
    flags, p = _octets(data, p)
    encrypted = bool(flags and flags[0] & 0x02)
    security, pos = _octets(data, gend)  # msgSecurityParameters (USM, BER inside)
    try:
        utag, ustart, _ = read_tlv(security, 0)
        if utag == _SEQUENCE:
            _engine, p = _octets(security, ustart)
            _boots, p = _integer(security, p)
            _time, p = _integer(security, p)
            user, p = _octets(security, p)
            message.user = _text(user)
    except BerError:
        pass
    if encrypted:
        message.pdu = "encrypted"
        return message
    try:
        tag, sstart, _ = read_tlv(data, pos)  # ScopedPDU
        if tag == _SEQUENCE:
            _ctx_engine, p = _octets(data, sstart)
            _ctx_name, p = _octets(data, p)
            _read_pdu(data, p, message)
    except BerError:
        pass  # keep the header fields already read
    return message
