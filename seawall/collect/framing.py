"""Syslog framing: datagrams (RFC 5426) and TCP streams (RFC 6587), plus the text check.

TCP senders use one of two framings and say nothing about which: octet counting
(``123 <PRI>...``: a decimal length, a space, then exactly that many bytes) or non-transparent
framing (messages ended by LF; CRLF and NUL are common too). The framing is recognised at
every frame boundary, so a connection that mixes them (or a relay that switches) still
works. Bytes that cannot start a message (binary junk, a TLS hello sent to the port) are
counted and skipped up to the next point where a message can start; the connection lives on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_MAX_MESSAGE = 64 * 1024  # bytes; larger messages are counted as oversize and skipped

# A frame boundary that starts an octet-counted frame: length, one space, then the PRI's "<".
_OCTET_HEADER = re.compile(rb"([1-9][0-9]{0,9}) <")
# The start of an octet-counting header cut by the end of the received bytes: wait for more.
_PARTIAL_OCTET_HEADER = re.compile(rb"[1-9][0-9]{0,9} ?\Z")
# Where a message may start again after junk: a terminator, an octet header or a PRI.
_RESYNC = re.compile(rb"[\n\x00]|[1-9][0-9]{0,9} <[0-9]{1,3}>|<[0-9]{1,3}>")
# The tail of a junk run that may be the beginning of the next header.
_PARTIAL_RESYNC = re.compile(rb"(?:[1-9][0-9]{0,9}(?: (?:<[0-9]{0,3})?)?|<[0-9]{0,3})\Z")
_TERMINATOR = re.compile(rb"[\n\x00]")
_RESYNC_TAIL = 16  # longest header prefix worth keeping: "9999999999 <191"
# Control bytes no syslog text carries (TAB, LF and CR are allowed inside a frame).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING = b"\r\n\x00"
# What keeps a run of LF-terminated lines off the fast path: control bytes (NUL included),
# a line starting with a byte that cannot start text, or with an octet-counting header.
_NOT_PLAIN = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # control bytes
    rb"|\n[^\x20-\x7e\t\n]"  # a line starting with binary or non-ASCII
    rb"|\n[1-9][0-9]{0,9} <"  # an octet-counting header
)


@dataclass(slots=True)
class FrameCounters:
    """What a transport saw on the wire. Updated only by the receiving thread."""

    received: int = 0  # messages framed off the wire (junk included, oversize not)
    octet_frames: int = 0  # TCP frames in octet-counting framing
    line_frames: int = 0  # TCP frames in non-transparent (LF/CRLF/NUL) framing
    junk: int = 0  # frames that were not text, plus runs of bytes between frames
    junk_bytes: int = 0  # bytes skipped between frames while resynchronising
    oversize: int = 0  # messages longer than the maximum, skipped
    truncated: int = 0  # octet-counted frames cut short by the connection closing
    dropped: int = 0  # text messages the full queue could not take
    queued: int = 0  # text messages handed to the batcher
    bytes: int = 0  # bytes received
    connections: int = 0  # TCP connections accepted
    open_connections: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def frame_text(frame: bytes) -> str | None:
    """The message text of one frame, or None when the frame is binary junk.

    Junk is a frame with control bytes, or one where over a quarter of the characters are
    not UTF-8 (a little Latin-1 in a hostname is still a message). Line breaks inside a
    frame (octet counting allows them) are escaped as ``#012``/``#015`` as rsyslog does,
    so every message stays one line for the parsers.
    """
    if _CONTROL.search(frame):
        return None
    try:
        text = frame.decode("utf-8")
    except UnicodeDecodeError:
        text = frame.decode("utf-8", "replace")
        if text.count("\ufffd") * 4 > len(text):
            return None
    if "\n" in text or "\r" in text:
        text = text.replace("\r", "#015").replace("\n", "#012")
    return text


def datagram_frame(data: bytes, max_size: int, counters: FrameCounters) -> bytes | None:
    """One UDP datagram is one message (RFC 5426); trailing LF/CRLF/NUL are not part of it."""
    counters.bytes += len(data)
    frame = data.rstrip(_TRAILING)
    if not frame:
        return None
    if len(frame) > max_size:
        counters.oversize += 1
        return None
    counters.received += 1
    return frame


class TcpFramer:
    """Cuts one TCP connection's byte stream into syslog frames (RFC 6587)."""

    __slots__ = ("_buf", "_discarding", "_in_junk", "_skip", "counters", "max_size")

    def __init__(self, counters: FrameCounters, max_size: int = DEFAULT_MAX_MESSAGE) -> None:
        self.counters = counters
        self.max_size = max_size
        self._buf = bytearray()
        self._skip = 0  # bytes still to skip of an oversize octet-counted frame
        self._discarding = False  # inside an oversize line: drop up to its terminator
        self._in_junk = False  # the current junk run is already counted

    def feed(self, data: bytes) -> list[bytes]:
        """Frames completed by ``data`` (possibly none)."""
        self.counters.bytes += len(data)
        buf = self._buf
        buf += data
        frames: list[bytes] = []
        pos = self._scan(buf, frames, 0)
        del buf[:pos]
        return frames

    def feed_texts(self, data: bytes) -> tuple[list[str], list[bytes]]:
        """Like :meth:`feed`, but a leading run of plain LF-terminated text lines (what most
        senders write) comes back decoded: one decode and one check for the whole run
        instead of one per line. The texts precede the frames in the stream."""
        self.counters.bytes += len(data)
        buf = self._buf
        buf += data
        texts, start = self._plain_run(buf)
        frames: list[bytes] = []
        pos = self._scan(buf, frames, start)
        del buf[:pos]
        return texts, frames

    def _plain_run(self, buf: bytearray) -> tuple[list[str], int]:
        """Decoded lines of the plain run at the start of ``buf`` and where it ends, or
        ([], 0) when the run needs the frame-by-frame scan."""
        if self._skip or self._discarding or self._in_junk or not buf:
            return [], 0
        first = buf[0]
        if not 32 <= first < 127 or _OCTET_HEADER.match(buf):
            return [], 0
        last = buf.rfind(b"\n")
        if last < 0:
            return [], 0
        region = bytes(buf[:last])
        if b"\r" in region:
            region = region.replace(b"\r\n", b"\n")
            if b"\r" in region:
                return [], 0
        if _NOT_PLAIN.search(region):
            return [], 0
        if len(region) > self.max_size and max(map(len, region.split(b"\n"))) > self.max_size:
            return [], 0
        try:
            text = region.decode("utf-8")
        except UnicodeDecodeError:
            return [], 0
        lines = [line for line in text.split("\n") if line]
        self.counters.received += len(lines)
        self.counters.line_frames += len(lines)
        return lines, last + 1

    def close(self) -> list[bytes]:
        """The connection ended: a last line without its terminator is still a message; a
        partial octet-counted frame is counted as truncated."""
        buf, self._buf = self._buf, bytearray()
        if self._skip or self._discarding or not buf or self._in_junk:
            self._skip = 0
            self._discarding = False
            return []
        if _OCTET_HEADER.match(buf) or _PARTIAL_OCTET_HEADER.match(buf):
            self.counters.truncated += 1
            return []
        frame = bytes(buf).rstrip(_TRAILING)
        if not frame:
            return []
        self.counters.received += 1
        self.counters.line_frames += 1
        return [frame]

    def _scan(self, buf: bytearray, frames: list[bytes], pos: int) -> int:
        """Append complete frames from ``buf[pos:]`` to ``frames``; return the bytes
        consumed."""
        counters = self.counters
        end = len(buf)
        while pos < end:
            if self._skip:
                take = min(self._skip, end - pos)
                self._skip -= take
                pos += take
                continue
            if self._discarding:
                term = _TERMINATOR.search(buf, pos)
                if term is None:
                    return end
                self._discarding = False
                pos = term.end()
                continue
            first = buf[pos]
            if first in (10, 0, 13):  # empty frame or a stray terminator between frames
                pos += 1
                continue
            if (first < 32 and first != 9) or first >= 127:
                junk_start = pos
                pos = self._skip_junk(buf, pos)
                if pos < 0:  # no resynchronisation point yet: keep the tail, wait
                    return self._keep_partial_header(buf, junk_start)
                continue
            if 49 <= first <= 57:  # a digit: octet counting if a full header follows
                header = _OCTET_HEADER.match(buf, pos)
                if header is None and _PARTIAL_OCTET_HEADER.match(buf, pos):
                    return pos  # "123" or "123 " so far: wait for the rest
                if header is not None:
                    self._in_junk = False
                    size = int(header.group(1))
                    body = header.end() - 1
                    if size > self.max_size:
                        counters.oversize += 1
                        self._skip = size
                        pos = body
                        continue
                    if end - body < size:
                        return pos  # wait for the rest of the frame
                    frame = bytes(buf[body : body + size]).rstrip(_TRAILING)
                    pos = body + size
                    if frame:
                        counters.received += 1
                        counters.octet_frames += 1
                        frames.append(frame)
                    continue
            self._in_junk = False
            term = _TERMINATOR.search(buf, pos)
            if term is None:
                if end - pos > self.max_size + 1:  # + 1: the CR of a CRLF may be in
                    counters.oversize += 1
                    self._discarding = True
                    return end
                return pos  # wait for the terminator
            frame = bytes(buf[pos : term.start()]).rstrip(_TRAILING)
            if len(frame) > self.max_size:
                counters.oversize += 1
            elif frame:
                counters.received += 1
                counters.line_frames += 1
                frames.append(frame)
            pos = term.end()
        return pos

    def _skip_junk(self, buf: bytearray, pos: int) -> int:
        """Skip a junk run starting at ``pos``; return where a message may start, or -1."""
        if not self._in_junk:
            self._in_junk = True
            self.counters.junk += 1
        found = _RESYNC.search(buf, pos)
        if found is None:
            return -1
        stop = found.start()
        self.counters.junk_bytes += stop - pos
        # A terminator ends the junk line; a header starts the next frame.
        return found.end() if buf[stop] in (10, 0) else stop

    def _keep_partial_header(self, buf: bytearray, junk_start: int) -> int:
        """Junk from ``junk_start`` to the end of ``buf``: drop it but a tail that may begin
        the next header; return where the kept bytes start."""
        end = len(buf)
        tail = _PARTIAL_RESYNC.search(buf, max(junk_start, end - _RESYNC_TAIL))
        keep_from = tail.start() if tail is not None else end
        self.counters.junk_bytes += keep_from - junk_start
        return keep_from
