"""UDP and TCP syslog receivers.

UDP is read by one thread per socket in a tight non-blocking loop (asyncio's datagram
transport costs an event loop round trip per datagram), with a large receive buffer so
bursts wait in the kernel rather than being lost there. TCP uses asyncio protocols; every
connection has its own :class:`TcpFramer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import threading
import time

from seawall.collect.framing import (
    FrameCounters,
    TcpFramer,
    datagram_frame,
    frame_text,
)
from seawall.collect.handoff import HandOff

UDP_RECEIVE_BUFFER = 8 << 20  # asked for; the kernel caps it at net.core.rmem_max
UDP_READS_PER_DELIVERY = 256  # datagrams handed to the queue at once
UDP_IDLE_POLL_MS = 200  # how soon an idle receiver notices a stop
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

    def deliver(self, senders: list[str], frames: list[bytes]) -> None:
        """Queue frames (``senders[i]`` sent ``frames[i]``); junk frames and what the full
        queue refuses are counted. One lock and one clock reading per call."""
        texts: list[str] = []
        kept: list[str] = []
        for sender, frame in zip(senders, frames, strict=True):
            text = frame_text(frame)
            if text is not None:
                texts.append(text)
                kept.append(sender)
        self.counters.junk += len(frames) - len(texts)
        self.deliver_texts(kept, texts)

    def deliver_texts(self, senders: list[str], texts: list[str]) -> None:
        """Queue texts already checked; what the full queue refuses is counted."""
        if texts:
            queued = self.handoff.offer(self.index, senders, texts, time.time())
            self.counters.queued += queued
            self.counters.dropped += len(texts) - queued


class UdpReceiver:
    """Reads one UDP socket in its own thread: non-blocking reads while datagrams wait (no
    event loop round trip per datagram), a short poll when none do, so a stop is noticed."""

    def __init__(self, sock: socket.socket, intake: Intake) -> None:
        self.sock = sock
        self.intake = intake
        self.errors = 0  # recvfrom failures other than "nothing to read" (ICMP errors)
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"seawall-udp-{self.sock.getsockname()[1]}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, read what is already in the socket buffer, close the socket."""
        self._stopping = True
        if self._thread is not None:
            self._thread.join()
        while self.drain():
            pass
        self.sock.close()

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        while not self._stopping:
            if not self.drain():
                poller.poll(UDP_IDLE_POLL_MS)

    def drain(self) -> bool:
        """Read up to UDP_READS_PER_DELIVERY datagrams; True if the socket may hold more."""
        recvfrom = self.sock.recvfrom
        counters = self.intake.counters
        max_size = self.intake.max_size
        senders: list[str] = []
        frames: list[bytes] = []
        more = True
        for _ in range(UDP_READS_PER_DELIVERY):
            try:
                data, address = recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                more = False
                break
            except OSError:
                self.errors += 1  # e.g. an ICMP error queued on the socket; keep reading
                continue
            frame = datagram_frame(data, max_size, counters)
            if frame is not None:
                senders.append(_peer_address(address[0]))
                frames.append(frame)
        if frames:
            self.intake.deliver(senders, frames)
        return more


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
        texts, frames = self.framer.feed_texts(data)
        if texts:
            self.intake.deliver_texts([self.sender] * len(texts), texts)
        if frames:
            self.intake.deliver([self.sender] * len(frames), frames)

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        frames = self.framer.close()
        if frames:
            self.intake.deliver([self.sender] * len(frames), frames)
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
