"""UDP and TCP syslog receivers on asyncio.

UDP is read with a drain loop on the socket's readiness (many datagrams per wake-up, not
one as asyncio's datagram transport does), with a large receive buffer so bursts wait in
the kernel rather than being lost there. TCP uses asyncio protocols; every connection has
its own :class:`TcpFramer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

from seawall.collect.framing import (
    FrameCounters,
    TcpFramer,
    datagram_frame,
    frame_text,
)
from seawall.collect.handoff import HandOff, Message

UDP_RECEIVE_BUFFER = 8 << 20  # asked for; the kernel caps it at net.core.rmem_max
UDP_READS_PER_WAKEUP = 2048  # then let TCP connections and timers run
TCP_BACKLOG = 1024


def _peer_address(address: str) -> str:
    """``::ffff:192.0.2.1`` (IPv4 on a dual-stack socket) as ``192.0.2.1``."""
    return address[7:] if address.startswith("::ffff:") and "." in address else address


class Intake:
    """Hands the text frames of one listener to the batcher and counts what happens."""

    __slots__ = ("counters", "handoff", "index", "max_size")

    def __init__(
        self, index: int, handoff: HandOff, counters: FrameCounters, max_size: int
    ) -> None:
        self.index = index
        self.handoff = handoff
        self.counters = counters
        self.max_size = max_size

    def deliver(self, sender: str, frame: bytes) -> None:
        text = frame_text(frame)
        counters = self.counters
        if text is None:
            counters.junk += 1
        elif self.handoff.offer(Message(self.index, sender, text, time.time())):
            counters.queued += 1
        else:
            counters.dropped += 1


class UdpReceiver:
    """Reads datagrams from a bound UDP socket on the event loop."""

    def __init__(self, sock: socket.socket, intake: Intake) -> None:
        self.sock = sock
        self.intake = intake
        self.errors = 0  # recvfrom failures other than "nothing to read" (ICMP errors)

    def on_readable(self) -> None:
        recvfrom = self.sock.recvfrom
        intake = self.intake
        counters = intake.counters
        max_size = intake.max_size
        for _ in range(UDP_READS_PER_WAKEUP):
            try:
                data, address = recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.errors += 1
                return
            frame = datagram_frame(data, max_size, counters)
            if frame is not None:
                intake.deliver(_peer_address(address[0]), frame)


def open_udp_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Without it the default buffer still works; bursts just overflow sooner.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)
        sock.bind((host, port))
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


class TcpReceiver(asyncio.Protocol):
    """One TCP connection: frames the stream and delivers each frame."""

    def __init__(self, intake: Intake, connections: set[TcpReceiver]) -> None:
        self.intake = intake
        self.framer = TcpFramer(intake.counters, intake.max_size)
        self.connections = connections
        self.sender = ""
        self.transport: asyncio.BaseTransport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.sender = _peer_address(str(peer[0])) if peer else ""
        self.connections.add(self)
        self.intake.counters.connections += 1
        self.intake.counters.open_connections += 1

    def data_received(self, data: bytes) -> None:
        deliver = self.intake.deliver
        sender = self.sender
        for frame in self.framer.feed(data):
            deliver(sender, frame)

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        for frame in self.framer.close():
            self.intake.deliver(self.sender, frame)
        self.connections.discard(self)
        self.intake.counters.open_connections -= 1
        if not self.closed.done():
            self.closed.set_result(None)


async def open_tcp_server(
    host: str, port: int, intake: Intake, connections: set[TcpReceiver]
) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: TcpReceiver(intake, connections),
        host,
        port,
        reuse_address=True,
        backlog=TCP_BACKLOG,
    )
