"""The collector: listeners on an asyncio loop in one thread, the batcher in another.

``start`` binds every listener (an error names the listener and what to do) and returns;
``stop`` closes the listeners, reads what already arrived, lets the batcher parse, store
and evaluate it, and returns the summary. Both may be called from any thread, which is
how the CLI (on SIGINT/SIGTERM), the tests and an embedding application use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import importlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from seawall.collect.batcher import BatchCounters, Batcher, BatchOptions, LineParser
from seawall.collect.framing import DEFAULT_MAX_MESSAGE, FrameCounters
from seawall.collect.handoff import HandOff
from seawall.collect.listeners import ListenerSpec, parse_listener
from seawall.collect.receivers import (
    Intake,
    TcpReceiver,
    UdpReceiver,
    open_tcp_server,
    open_udp_socket,
)
from seawall.detect import load_all
from seawall.detect.base import REGISTRY, DetectContext
from seawall.errors import ConfigError
from seawall.records.alerts import Alert
from seawall.store import EmbeddedStore

# Detectors that read the ``log`` records; the others would find nothing in a log window.
LOG_DETECTORS = ("sigma", "log_rules")
STOP_GRACE_SECONDS = 0.2  # open TCP connections may still deliver what is in flight
START_TIMEOUT_SECONDS = 10.0


@dataclass(slots=True)
class CollectOptions:
    batch_seconds: float = 1.0
    batch_messages: int = 50_000
    queue_size: int = 200_000  # messages waiting for the batcher; beyond it they are dropped
    max_message: int = DEFAULT_MAX_MESSAGE
    window_seconds: float = 600.0
    window_max_rows: int = 1_000_000
    stats_seconds: float = 10.0

    def batch_options(self) -> BatchOptions:
        return BatchOptions(
            batch_seconds=self.batch_seconds,
            batch_messages=self.batch_messages,
            window_seconds=self.window_seconds,
            window_max_rows=self.window_max_rows,
            stats_seconds=self.stats_seconds,
        )

    def validate(self) -> None:
        if self.batch_seconds <= 0:
            raise ConfigError("batch seconds must be above 0 (e.g. 1)")
        if self.queue_size < 1:
            raise ConfigError("queue size must be at least 1 message (e.g. 200000)")
        if self.max_message < 64:
            raise ConfigError("maximum message size must be at least 64 bytes (e.g. 65536)")
        if self.window_seconds <= 0:
            raise ConfigError("window seconds must be above 0 (e.g. 600)")


def select_detectors(names: Sequence[str] | None) -> list[str]:
    """The detectors to run on the window: the given ones (checked), else the registered
    log detectors."""
    load_all()
    if names is None:
        return [name for name in LOG_DETECTORS if name in REGISTRY]
    unknown = [name for name in names if name not in REGISTRY]
    if unknown:
        raise ConfigError(
            f"no detector named {', '.join(unknown)}; known: {', '.join(sorted(REGISTRY))}"
        )
    return list(names)


def default_parser() -> LineParser:
    """The device log parser (``seawall.sources.logs.parse_lines``)."""
    try:
        module = importlib.import_module("seawall.sources.logs")
    except ImportError as exc:
        module, problem = None, str(exc)
    else:
        problem = "it has no parse_lines"
    parser: LineParser | None = getattr(module, "parse_lines", None)
    if parser is None:
        raise ConfigError(f"the device log parser is not available ({problem}); reinstall Seawall")
    return parser


class Collector:
    """Live syslog collection into the embedded store, with the log rules on every batch."""

    def __init__(
        self,
        listeners: Sequence[ListenerSpec | str],
        *,
        store_dir: str = ".seawall",
        options: CollectOptions | None = None,
        ctx: DetectContext | None = None,
        detectors: Sequence[str] | None = None,
        parser: LineParser | None = None,
        timezones: Mapping[str, str] | None = None,
        on_alert: Callable[[Alert], None] | None = None,
        on_stats: Callable[[dict[str, Any]], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        if not listeners:
            raise ConfigError("no listener given; add --syslog udp://0.0.0.0:5514 (or tcp://)")
        self.specs = [parse_listener(s) if isinstance(s, str) else s for s in listeners]
        self.options = options or CollectOptions()
        self.options.validate()
        self.store_dir = store_dir
        self.ctx = ctx or DetectContext()
        self._detector_names = detectors
        self._parser = parser
        self._timezones = timezones
        self._on_alert = on_alert
        self._on_stats = on_stats
        self._on_error = on_error
        self.counters = [FrameCounters() for _ in self.specs]
        self.handoff = HandOff(self.options.queue_size, self.options.batch_messages)
        self.detectors: list[str] = []
        self._batcher: Batcher | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_asked: asyncio.Event | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._loop_thread: threading.Thread | None = None
        self._batch_thread: threading.Thread | None = None
        self._udp: list[UdpReceiver] = []
        self._servers: list[asyncio.Server] = []
        self._connections: set[TcpReceiver] = set()
        self._started_at = 0.0
        self._summary: dict[str, Any] | None = None
        self._stop_lock = threading.Lock()

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> Collector:
        """Bind the listeners and start collecting. Raises ConfigError if a listener cannot
        be bound (the message says which and what to do)."""
        if self._loop_thread is not None:
            raise RuntimeError("collector already started")
        self.detectors = select_detectors(self._detector_names)
        parser = self._parser or default_parser()
        EmbeddedStore(self.store_dir).close()  # fail here, not in the batcher, if unusable
        self._started_at = time.monotonic()
        self._loop_thread = threading.Thread(
            target=self._loop_main, name="seawall-collect-receivers", daemon=True
        )
        self._loop_thread.start()
        if not self._ready.wait(START_TIMEOUT_SECONDS):
            raise ConfigError("listeners did not start within 10 s; is the machine overloaded?")
        if self._start_error is not None:
            self._loop_thread.join()
            raise self._start_error
        self._batcher = Batcher(
            handoff=self.handoff,
            listeners=self.specs,  # with the ports bound
            store_dir=self.store_dir,
            parser=parser,
            ctx=self.ctx,
            detectors=self.detectors,
            options=self.options.batch_options(),
            timezones=self._timezones,
            on_alert=self._on_alert,
            on_stats=self._emit_stats if self._on_stats else None,
            on_error=self._on_error,
        )
        self._batch_thread = threading.Thread(
            target=self._batch_main, name="seawall-collect-batcher", daemon=True
        )
        self._batch_thread.start()
        return self

    def stop(self) -> dict[str, Any]:
        """Stop listening, process everything received, return the summary. Idempotent."""
        with self._stop_lock:
            if self._summary is not None:
                return self._summary
            loop, asked = self._loop, self._stop_asked
            if loop is not None and asked is not None and self._loop_thread is not None:
                with contextlib.suppress(RuntimeError):  # loop already gone
                    loop.call_soon_threadsafe(asked.set)
                self._loop_thread.join()
            if self._batcher is not None and self._batch_thread is not None:
                self._batcher.stop()
                self._batch_thread.join()
            self._summary = self.stats()
            return self._summary

    def __enter__(self) -> Collector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def listeners(self) -> list[ListenerSpec]:
        """The listeners, with the port the system chose where 0 was asked."""
        return list(self.specs)

    # --- figures ------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Figures so far (safe to call from any thread while running)."""
        batch = self._batcher.counters if self._batcher else BatchCounters()
        transports: dict[str, Counter[str]] = {}
        for spec, counters in zip(self.specs, self.counters, strict=True):
            transports.setdefault(spec.transport, Counter()).update(counters.as_dict())
        total: Counter[str] = Counter()
        for counts in transports.values():
            total.update(counts)
        batch_figures = batch.as_dict()
        return {
            "listeners": [str(s) for s in self.specs],
            "received": total["received"],
            "parsed": batch_figures["parsed"],
            "unknown": batch_figures["unknown"],
            "junk": total["junk"],
            "oversize": total["oversize"],
            "truncated": total["truncated"],
            "dropped": total["dropped"],
            "dropped_by_transport": {t: c["dropped"] for t, c in transports.items()},
            "queued": total["queued"],
            "waiting": len(self.handoff),
            "alerts": batch_figures["alerts"],
            "detectors": list(self.detectors),
            "transports": {t: dict(c) for t, c in transports.items()},
            "batcher": batch_figures,
            "unknown_by_sender": batch_figures["unknown_by_sender"],
            "seconds": round(time.monotonic() - self._started_at, 3) if self._started_at else 0,
        }

    def _emit_stats(self) -> None:
        if self._on_stats:
            self._on_stats(self.stats())

    # --- threads ------------------------------------------------------------------------

    def _batch_main(self) -> None:
        assert self._batcher is not None
        try:
            self._batcher.run()
        except Exception as exc:  # the store vanished: say so, the receivers still count
            self._batcher.counters.errors += 1
            if self._on_error:
                self._on_error(f"batcher stopped: {exc!r}")

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
            self._start_error = ConfigError(_bind_error(self.specs[len(self._bound())], exc))
            await self._close()
            self._ready.set()
            return
        self._ready.set()
        await self._stop_asked.wait()
        await self._close()

    def _bound(self) -> list[object]:
        return [*self._udp, *self._servers]

    async def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        for index, spec in enumerate(self.specs):
            intake = Intake(index, self.handoff, self.counters[index], self.options.max_message)
            if spec.transport == "udp":
                sock = open_udp_socket(spec.host, spec.port)
                receiver = UdpReceiver(sock, intake)
                self._udp.append(receiver)
                loop.add_reader(sock.fileno(), receiver.on_readable)
                port = sock.getsockname()[1]
            else:
                server = await open_tcp_server(spec.host, spec.port, intake, self._connections)
                self._servers.append(server)
                port = server.sockets[0].getsockname()[1]
            self.specs[index] = spec.with_port(port)

    async def _close(self) -> None:
        """Stop accepting, read what already arrived, close every connection."""
        loop = asyncio.get_running_loop()
        for server in self._servers:
            server.close()
        if self._connections:
            await asyncio.sleep(STOP_GRACE_SECONDS)
        for receiver in self._udp:
            receiver.on_readable()  # datagrams already in the kernel buffer
            loop.remove_reader(receiver.sock.fileno())
            receiver.sock.close()
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
