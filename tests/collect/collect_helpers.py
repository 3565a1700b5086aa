"""Helpers for the live collection tests: real sockets on 127.0.0.1, ephemeral ports."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping, Sequence

import pyarrow as pa

from seawall.errors import Location, ParseIssue
from seawall.records import from_columns


def prefix_parser(
    lines: Sequence[str],
    *,
    path: str,
    first_line: int = 1,
    sender: str | None = None,
    default_year: int | None = None,
    timezones: Mapping[str, str] | None = None,
) -> tuple[pa.Table, list[ParseIssue]]:
    """Test seam for the receiver and batcher tests: lines that start with a syslog PRI
    become records carrying the line; the others are parse issues. It exercises the
    parser contract (file/line numbering, sender) without depending on the device parser."""
    kept = [i for i, line in enumerate(lines) if line.startswith("<")]
    issues = [
        ParseIssue(Location(path, line=first_line + i), "no PRI")
        for i, line in enumerate(lines)
        if not line.startswith("<")
    ]
    table = from_columns(
        "log",
        {
            "message": [lines[i] for i in kept],
            "event.original": [lines[i] for i in kept],
            "log.format": ["other"] * len(kept),
            "log.source.address": [sender] * len(kept),
            "input.file": [path] * len(kept),
            "input.line": [first_line + i for i in kept],
        },
        len(kept),
    )
    return table, issues


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def send_udp(port: int, datagrams: Sequence[bytes], pace: int = 0) -> None:
    """Send datagrams to 127.0.0.1:port; with ``pace``, pause briefly every ``pace`` sends
    so the loopback receive buffer never overflows (kernel drops are not ours to count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for n, data in enumerate(datagrams, 1):
            sock.sendto(data, ("127.0.0.1", port))
            if pace and n % pace == 0:
                time.sleep(0.002)


def send_tcp(port: int, payload: bytes, chunk: int = 0) -> None:
    """One connection sending ``payload`` (in ``chunk``-byte writes if given), then closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        if chunk:
            for start in range(0, len(payload), chunk):
                sock.sendall(payload[start : start + chunk])
                time.sleep(0.001)
        else:
            sock.sendall(payload)


def octet(message: bytes) -> bytes:
    return b"%d %s" % (len(message), message)


def port_of(collector: object, transport: str) -> int:
    for spec in collector.listeners:  # type: ignore[attr-defined]
        if spec.transport == transport:
            return int(spec.port)
    raise AssertionError(f"no {transport} listener")
