"""The listeners of one collector: TCP on an asyncio loop in a thread, one thread per UDP
socket, all feeding one :class:`HandOff`.

This is what runs in the receiver process (see ``process.py``); it can also run inside the
caller's process (``CollectOptions.receiver_process = False``).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import threading
from collections.abc import Callable, Sequence

from seawall.collect.framing import FrameCounters
from seawall.collect.handoff import HandOff
from seawall.collect.listeners import ListenerSpec
from seawall.collect.receivers import (
    Intake,
    TcpReceiver,
    UdpReceiver,
    open_tcp_server,
    open_udp_socket,
)
from seawall.errors import ConfigError

STOP_GRACE_SECONDS = 0.2  # open TCP connections may still deliver what is in flight
START_TIMEOUT_SECONDS = 10.0


class Listening:
    """Binds every listener on :meth:`start`; :meth:`stop` reads what already arrived and
    closes them. ``specs`` carry the bound ports once started."""

    def __init__(
        self,
        specs: Sequence[ListenerSpec],
        handoff: HandOff,
        max_message: int,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.specs = list(specs)
        self.handoff = handoff
        self.max_message = max_message
        self.counters = [FrameCounters() for _ in self.specs]
        self._on_error = on_error
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_asked: asyncio.Event | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._udp: list[UdpReceiver] = []
        self._servers: list[asyncio.Server] = []
        self._connections: set[TcpReceiver] = set()

    def counter_dicts(self) -> list[dict[str, int]]:
        return [c.as_dict() for c in self.counters]

    def start(self) -> None:
        """Bind and start receiving. Raises ConfigError naming a listener that cannot be
        bound and what to do about it."""
        self._thread = threading.Thread(
            target=self._loop_main, name="seawall-collect-receivers", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_SECONDS):
            raise ConfigError("listeners did not start within 10 s; is the machine overloaded?")
        if self._start_error is not None:
            self._thread.join()
            raise self._start_error

    def stop(self) -> None:
        loop, asked, thread = self._loop, self._stop_asked, self._thread
        if loop is not None and asked is not None and thread is not None:
            with contextlib.suppress(RuntimeError):  # loop already gone
                loop.call_soon_threadsafe(asked.set)
            thread.join()

    def _loop_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:
            if not self._ready.is_set():
                self._start_error = exc
                self._ready.set()
            elif self._on_error:
                self._on_error(f"receivers stopped: {exc!r}")
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop_asked = asyncio.Event()
        try:
            await self._bind()
        except OSError as exc:
            failed = self.specs[len(self._udp) + len(self._servers)]
            self._start_error = ConfigError(_bind_error(failed, exc))
            await self._close()
            self._ready.set()
            return
        self._ready.set()
        await self._stop_asked.wait()
        await self._close()

    async def _bind(self) -> None:
        for index, spec in enumerate(self.specs):
            intake = Intake(index, self.handoff, self.counters[index], self.max_message)
            if spec.transport == "udp":
                sock = open_udp_socket(spec.host, spec.port)
                receiver = UdpReceiver(sock, intake)
                self._udp.append(receiver)
                receiver.start()
                port = sock.getsockname()[1]
            else:
                server = await open_tcp_server(spec.host, spec.port, intake, self._connections)
                self._servers.append(server)
                port = server.sockets[0].getsockname()[1]
            self.specs[index] = spec.with_port(port)

    async def _close(self) -> None:
        """Stop accepting, read what already arrived, close every connection."""
        for server in self._servers:
            server.close()
        if self._connections:
            await asyncio.sleep(STOP_GRACE_SECONDS)
        for receiver in self._udp:
            receiver.stop()  # after reading the datagrams already in the kernel buffer
        closing = [c.closed for c in self._connections]
        for connection in list(self._connections):
            if connection.transport is not None:
                connection.transport.close()
        if closing:
            await asyncio.wait(closing, timeout=5.0)


def _bind_error(spec: ListenerSpec, exc: OSError) -> str:
    if exc.errno == errno.EACCES:
        hint = "ports below 1024 need privileges: use e.g. 5514, or grant CAP_NET_BIND_SERVICE"
    elif exc.errno == errno.EADDRINUSE:
        hint = "another program listens there: stop it or choose another port"
    elif exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        hint = "the address is not one of this machine's: use 0.0.0.0 or a local address"
    else:
        hint = "check the address and port"
    return f"cannot listen on {spec}: {exc.strerror or exc}; {hint}"
