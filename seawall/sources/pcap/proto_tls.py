"""TLS handshake parsing over raw bytes: ClientHello fields, JA3, JA4, ServerHello version and
the leaf certificate's SHA-1.

Every function takes bytes and returns None (or a partial result) for anything it cannot read;
none raises on malformed input, so a damaged handshake never costs the flow.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

HANDSHAKE = 0x16
APPLICATION_DATA = 0x17
CLIENT_HELLO = 1
SERVER_HELLO = 2
CERTIFICATE = 11

EXT_SERVER_NAME = 0x0000
EXT_SUPPORTED_GROUPS = 0x000A
EXT_EC_POINT_FORMATS = 0x000B
EXT_SIGNATURE_ALGORITHMS = 0x000D
EXT_ALPN = 0x0010
EXT_SUPPORTED_VERSIONS = 0x002B

VERSION_NAMES = {
    0x0300: "ssl3.0",
    0x0301: "1.0",
    0x0302: "1.1",
    0x0303: "1.2",
    0x0304: "1.3",
}
_JA4_VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2"}


def is_grease(value: int) -> bool:
    """RFC 8701 GREASE values (0x0a0a, 0x1a1a, ... 0xfafa) are noise for fingerprints."""
    return (value & 0x0F0F) == 0x0A0A and (value >> 8) == (value & 0xFF)


@dataclass(slots=True)
class ClientHello:
    version: int  # legacy_version of the handshake body
    ciphers: list[int] = field(default_factory=list)
    extensions: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    point_formats: list[int] = field(default_factory=list)
    signature_algorithms: list[int] = field(default_factory=list)
    supported_versions: list[int] = field(default_factory=list)
    alpn: list[bytes] = field(default_factory=list)
    server_name: str | None = None

    @property
    def best_version(self) -> int:
        """Highest version offered (supported_versions wins over the legacy field)."""
        offered = [v for v in self.supported_versions if not is_grease(v)]
        return max(offered) if offered else self.version


def handshake_messages(stream: bytes) -> list[tuple[int, bytes]]:
    """(type, body) of the handshake messages in a run of TLS records, reassembling messages
    that span records. Stops quietly at the first record that is not a handshake or is cut."""
    data = bytearray()
    pos = 0
    while pos + 5 <= len(stream):
        ctype = stream[pos]
        if ctype != HANDSHAKE or stream[pos + 1] not in (2, 3):
            break
        length = struct.unpack_from("!H", stream, pos + 3)[0]
        data += stream[pos + 5 : pos + 5 + length]
        pos += 5 + length
    messages: list[tuple[int, bytes]] = []
    pos = 0
    while pos + 4 <= len(data):
        mtype = data[pos]
        length = int.from_bytes(data[pos + 1 : pos + 4], "big")
        body = bytes(data[pos + 4 : pos + 4 + length])
        if len(body) < length:  # message continues past what was captured
            messages.append((mtype, body))
            break
        messages.append((mtype, body))
        pos += 4 + length
    return messages


def client_hello_record_length(payload: bytes) -> int | None:
    """Total bytes of the handshake records needed for the ClientHello starting this payload,
    so a caller knows whether to join more segments. None if it is no ClientHello."""
    if len(payload) < 9 or payload[0] != HANDSHAKE or payload[5] != CLIENT_HELLO:
        return None
    return 4 + int.from_bytes(payload[6:9], "big") + 5


def parse_client_hello(stream: bytes) -> ClientHello | None:
    """The ClientHello at the start of a client stream (record layer included), or None."""
    for mtype, body in handshake_messages(stream)[:1]:
        if mtype == CLIENT_HELLO:
            return _client_hello_body(body)
    return None


def _client_hello_body(body: bytes) -> ClientHello | None:
    try:
        version = struct.unpack_from("!H", body, 0)[0]
        pos = 2 + 32
        sid_len = body[pos]
        pos += 1 + sid_len
        cs_len = struct.unpack_from("!H", body, pos)[0]
        pos += 2
        if cs_len % 2 or pos + cs_len > len(body):
            return None
        hello = ClientHello(version=version)
        hello.ciphers = list(struct.unpack_from(f"!{cs_len // 2}H", body, pos))
        pos += cs_len
        comp_len = body[pos]
        pos += 1 + comp_len
    except (struct.error, IndexError):
        return None
    if pos + 2 > len(body):
        return hello  # no extensions (old clients)
    ext_total = struct.unpack_from("!H", body, pos)[0]
    pos += 2
    end = min(len(body), pos + ext_total)
    while pos + 4 <= end:
        etype, elen = struct.unpack_from("!HH", body, pos)
        value = body[pos + 4 : pos + 4 + elen]
        pos += 4 + elen
        hello.extensions.append(etype)
        if len(value) < elen:
            break
        _read_extension(hello, etype, value)
    return hello


def _u16_list(value: bytes, prefix: int) -> list[int]:
    """A list of uint16 behind a length prefix of ``prefix`` bytes."""
    if len(value) < prefix:
        return []
    n = int.from_bytes(value[:prefix], "big")
    n = min(n, len(value) - prefix) // 2
    return list(struct.unpack_from(f"!{n}H", value, prefix)) if n else []


def _read_extension(hello: ClientHello, etype: int, value: bytes) -> None:
    if etype == EXT_SERVER_NAME and len(value) >= 5:
        # server_name_list: list length, then (type, length, name)
        name_type = value[2]
        name_len = struct.unpack_from("!H", value, 3)[0]
        if name_type == 0:
            hello.server_name = value[5 : 5 + name_len].decode("ascii", "replace") or None
    elif etype == EXT_SUPPORTED_GROUPS:
        hello.groups = _u16_list(value, 2)
    elif etype == EXT_EC_POINT_FORMATS and value:
        hello.point_formats = list(value[1 : 1 + value[0]])
    elif etype == EXT_SIGNATURE_ALGORITHMS:
        hello.signature_algorithms = _u16_list(value, 2)
    elif etype == EXT_SUPPORTED_VERSIONS and value:
        n = value[0] // 2
        hello.supported_versions = (
            list(struct.unpack_from(f"!{n}H", value, 1)) if (1 + 2 * n <= len(value)) else []
        )
    elif etype == EXT_ALPN and len(value) >= 2:
        pos = 2
        while pos < len(value):
            n = value[pos]
            hello.alpn.append(value[pos + 1 : pos + 1 + n])
            pos += 1 + n


def ja3_string(hello: ClientHello) -> str:
    """SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats (GREASE out)."""

    def join(values: list[int]) -> str:
        return "-".join(str(v) for v in values if not is_grease(v))

    return ",".join(
        [
            str(hello.version),
            join(hello.ciphers),
            join(hello.extensions),
            join(hello.groups),
            "-".join(str(v) for v in hello.point_formats),
        ]
    )


def ja3(hello: ClientHello) -> str:
    return hashlib.md5(ja3_string(hello).encode(), usedforsecurity=False).hexdigest()


def _ja4_alpn(alpn: list[bytes]) -> str:
    if not alpn or not alpn[0]:
        return "00"
    first = alpn[0]
    a, b = chr(first[0]), chr(first[-1])
    if a.isascii() and a.isalnum() and b.isascii() and b.isalnum():
        return a + b
    # Non-alphanumeric ends: first nibble of the first byte and last nibble of the last byte.
    return f"{first[0]:02x}"[0] + f"{first[-1]:02x}"[1]


def _hash12(text: str) -> str:
    if not text:
        return "000000000000"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def ja4(hello: ClientHello, transport: str = "t") -> str:
    """FoxIO JA4 (TLS client): ``t13d1516h2_<ciphers hash>_<extensions+sigalgs hash>``."""
    ciphers = [c for c in hello.ciphers if not is_grease(c)]
    extensions = [e for e in hello.extensions if not is_grease(e)]
    version = _JA4_VERSIONS.get(hello.best_version, "00")
    sni = "d" if EXT_SERVER_NAME in extensions else "i"
    part_a = (
        f"{transport}{version}{sni}{min(len(ciphers), 99):02d}{min(len(extensions), 99):02d}"
        f"{_ja4_alpn(hello.alpn)}"
    )
    part_b = _hash12(",".join(f"{c:04x}" for c in sorted(ciphers)))
    ext_text = ",".join(
        f"{e:04x}" for e in sorted(extensions) if e not in (EXT_SERVER_NAME, EXT_ALPN)
    )
    sigs = [s for s in hello.signature_algorithms if not is_grease(s)]
    if sigs and ext_text:
        ext_text += "_" + ",".join(f"{s:04x}" for s in sigs)
    part_c = _hash12(ext_text)
    return f"{part_a}_{part_b}_{part_c}"


@dataclass(slots=True)
class ServerHandshake:
    version: int | None = None  # negotiated version from the ServerHello
    leaf_sha1: str | None = None  # upper-case hex SHA-1 of the first certificate


def parse_server_handshake(stream: bytes) -> ServerHandshake:
    """ServerHello version and leaf certificate hash from the server's first bytes."""
    result = ServerHandshake()
    for mtype, body in handshake_messages(stream):
        if mtype == SERVER_HELLO:
            result.version = _server_hello_version(body)
        elif mtype == CERTIFICATE:
            result.leaf_sha1 = _leaf_sha1(body)
            break
    return result


def _server_hello_version(body: bytes) -> int | None:
    try:
        version = struct.unpack_from("!H", body, 0)[0]
        pos = 2 + 32
        pos += 1 + body[pos]
        pos += 2 + 1  # cipher suite, compression
        if pos + 2 > len(body):
            return version
        end = min(len(body), pos + 2 + struct.unpack_from("!H", body, pos)[0])
        pos += 2
        while pos + 4 <= end:
            etype, elen = struct.unpack_from("!HH", body, pos)
            if etype == EXT_SUPPORTED_VERSIONS and elen == 2 and pos + 6 <= len(body):
                return int(struct.unpack_from("!H", body, pos + 4)[0])
            pos += 4 + elen
        return int(version)
    except (struct.error, IndexError):
        return None


def _leaf_sha1(body: bytes) -> str | None:
    # TLS <= 1.2 Certificate: 3-byte list length, then 3-byte length + DER per certificate.
    if len(body) < 6:
        return None
    cert_len = int.from_bytes(body[3:6], "big")
    der = body[6 : 6 + cert_len]
    if cert_len == 0 or len(der) < cert_len:
        return None
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def version_name(version: int | None) -> str | None:
    return VERSION_NAMES.get(version) if version is not None else None
