"""DNS message header and first question, over raw bytes (UDP payload, or TCP without the
2-byte length prefix). Returns None for anything that is not a readable DNS message."""

from __future__ import annotations

import struct
from dataclasses import dataclass

QTYPE_NAMES = {
    1: "A",
    2: "NS",
    5: "CNAME",
    6: "SOA",
    10: "NULL",
    12: "PTR",
    13: "HINFO",
    15: "MX",
    16: "TXT",
    17: "RP",
    18: "AFSDB",
    24: "SIG",
    25: "KEY",
    28: "AAAA",
    29: "LOC",
    33: "SRV",
    35: "NAPTR",
    36: "KX",
    37: "CERT",
    39: "DNAME",
    41: "OPT",
    43: "DS",
    46: "RRSIG",
    47: "NSEC",
    48: "DNSKEY",
    50: "NSEC3",
    52: "TLSA",
    64: "SVCB",
    65: "HTTPS",
    99: "SPF",
    249: "TKEY",
    250: "TSIG",
    251: "IXFR",
    252: "AXFR",
    255: "ANY",
    256: "URI",
    257: "CAA",
}
RCODE_NAMES = {
    0: "NOERROR",
    1: "FORMERR",
    2: "SERVFAIL",
    3: "NXDOMAIN",
    4: "NOTIMP",
    5: "REFUSED",
    6: "YXDOMAIN",
    7: "YXRRSET",
    8: "NXRRSET",
    9: "NOTAUTH",
    10: "NOTZONE",
}
_MAX_NAME = 255
_MAX_POINTERS = 16


@dataclass(slots=True)
class DnsMessage:
    id: int
    is_response: bool
    opcode: int
    rcode: int
    qdcount: int
    ancount: int
    name: str | None
    qtype: int | None

    @property
    def qtype_name(self) -> str | None:
        if self.qtype is None:
            return None
        return QTYPE_NAMES.get(self.qtype, f"TYPE{self.qtype}")

    @property
    def rcode_name(self) -> str:
        return RCODE_NAMES.get(self.rcode, f"RCODE{self.rcode}")


def read_name(msg: bytes, pos: int) -> tuple[str, int] | None:
    """(dotted name, position after it) with compression pointers followed safely."""
    labels: list[bytes] = []
    end: int | None = None
    jumps = 0
    total = 0
    while True:
        if pos >= len(msg):
            return None
        length = msg[pos]
        if length == 0:
            pos += 1
            break
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(msg) or jumps >= _MAX_POINTERS:
                return None
            if end is None:
                end = pos + 2
            pos = ((length & 0x3F) << 8) | msg[pos + 1]
            jumps += 1
            continue
        if length & 0xC0:  # 0x40/0x80 label types are obsolete
            return None
        label = msg[pos + 1 : pos + 1 + length]
        if len(label) < length:
            return None
        total += length + 1
        if total > _MAX_NAME:
            return None
        labels.append(label)
        pos += 1 + length
    name = b".".join(labels).decode("ascii", "backslashreplace")  # one decode per name
    return name, (end if end is not None else pos)


def parse_dns(msg: bytes) -> DnsMessage | None:
    if len(msg) < 12:
        return None
    ident, flags, qd, an, _ns, _ar = struct.unpack_from("!6H", msg, 0)
    opcode = (flags >> 11) & 0xF
    if opcode > 6 or qd > 64:
        return None
    name: str | None = None
    qtype: int | None = None
    if qd:
        read = read_name(msg, 12)
        if read is None:
            return None
        name, pos = read
        if pos + 4 > len(msg):
            return None
        qtype = struct.unpack_from("!H", msg, pos)[0]
    return DnsMessage(
        id=ident,
        is_response=bool(flags & 0x8000),
        opcode=opcode,
        rcode=flags & 0xF,
        qdcount=qd,
        ancount=an,
        name=name,
        qtype=qtype,
    )
