"""HTTP/1.x request and response heads over raw bytes, plus WebSocket frame payloads."""

from __future__ import annotations

from dataclasses import dataclass

# First four payload bytes of an HTTP/1.x request, for the vectorized pre-filter.
METHODS = (
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"PATCH",
    b"CONNECT",
    b"TRACE",
    b"PROPFIND",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
)
REQUEST_PREFIXES = tuple((m + b" ")[:4] for m in METHODS)
RESPONSE_PREFIX = b"HTTP"
_MAX_HEAD = 8192


@dataclass(slots=True)
class HttpRequest:
    method: str
    uri: str
    host: str | None
    user_agent: str | None
    upgrade: str | None  # Upgrade header, lower-case (websocket, h2c, ...)


def _head_lines(data: bytes) -> list[bytes]:
    head = data[:_MAX_HEAD]
    end = head.find(b"\r\n\r\n")
    if end >= 0:
        head = head[:end]
    return head.split(b"\r\n")


def _text(value: bytes) -> str:
    return value.decode("latin-1").strip()


def parse_request(data: bytes) -> HttpRequest | None:
    """The request line and the headers that matter, or None if this is no request head."""
    lines = _head_lines(data)
    parts = lines[0].split(b" ")
    if len(parts) < 3 or parts[0] not in METHODS or not parts[-1].startswith(b"HTTP/"):
        return None
    host = agent = upgrade = None
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        key = name.strip().lower()
        if key == b"host":
            host = _text(value)
        elif key == b"user-agent":
            agent = _text(value)
        elif key == b"upgrade":
            upgrade = _text(value).lower()
    return HttpRequest(
        method=parts[0].decode("ascii"),
        uri=_text(b" ".join(parts[1:-1])),
        host=host,
        user_agent=agent,
        upgrade=upgrade,
    )


def parse_status(data: bytes) -> int | None:
    """Status code of an HTTP/1.x response head, or None."""
    if not data.startswith(b"HTTP/1.") or len(data) < 12:
        return None
    code = data[9:12]
    return int(code) if code.isdigit() else None


def websocket_payload(frame: bytes) -> bytes | None:
    """Unmasked payload of the WebSocket frame at the start of ``frame`` (as far as captured),
    or None if the bytes cannot be a data frame."""
    if len(frame) < 2:
        return None
    opcode = frame[0] & 0x0F
    if frame[0] & 0x70 or opcode not in (0, 1, 2):
        return None
    masked = frame[1] & 0x80
    length = frame[1] & 0x7F
    pos = 2
    if length == 126:
        if len(frame) < 4:
            return None
        length = int.from_bytes(frame[2:4], "big")
        pos = 4
    elif length == 127:
        if len(frame) < 10:
            return None
        length = int.from_bytes(frame[2:10], "big")
        pos = 10
    if masked:
        key = frame[pos : pos + 4]
        if len(key) < 4:
            return None
        pos += 4
        body = frame[pos : pos + length]
        return bytes(b ^ key[i % 4] for i, b in enumerate(body))
    return frame[pos : pos + length]
