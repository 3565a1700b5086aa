"""The collector: receivers in a child process (or threads), the batcher in a thread.

``start`` binds every listener (an error names the listener and what to do) and returns;
``stop`` closes the listeners, reads what already arrived, lets the batcher parse, store
and evaluate it, and returns the summary. Both may be called from any thread, which is
how the CLI (on SIGINT/SIGTERM), the tests and an embedding application use it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from seawall.collect.batcher import BatchCounters, Batcher, BatchOptions, LineParser
from seawall.collect.framing import DEFAULT_MAX_MESSAGE, FrameCounters
from seawall.collect.handoff import Feed, HandOff
from seawall.collect.listeners import ListenerSpec, parse_listener
from seawall.collect.listening import Listening
from seawall.collect.process import ReceiverProcess
from seawall.detect import load_all
from seawall.detect.base import REGISTRY, DetectContext
from seawall.errors import ConfigError
from seawall.records.alerts import Alert
from seawall.store import EmbeddedStore

# Detectors that read the ``log`` records; the others would find nothing in a log window.
LOG_DETECTORS = ("sigma", "log_rules")


@dataclass(slots=True)
class CollectOptions:
    batch_seconds: float = 1.0
    batch_messages: int = 50_000
    queue_size: int = 200_000  # messages waiting for the batcher; beyond it they are dropped
    max_message: int = DEFAULT_MAX_MESSAGE
    window_seconds: float = 600.0
    window_max_rows: int = 1_000_000
    stats_seconds: float = 10.0
    # Receivers in a child process (their own interpreter lock: socket reads keep pace while
    # the batcher works); False runs them as threads of this process.
    receiver_process: bool = True

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
    """The device log parser, imported when a collector starts (it loads the vendor
    patterns)."""
    from seawall.sources.logs import parse_lines

    return parse_lines


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
        self.detectors: list[str] = []
        self._batcher: Batcher | None = None
        self._batch_thread: threading.Thread | None = None
        self._local: tuple[Listening, HandOff] | None = None
        self._remote: ReceiverProcess | None = None
        self._started_at = 0.0
        self._summary: dict[str, Any] | None = None
        self._stop_lock = threading.Lock()

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> Collector:
        """Bind the listeners and start collecting. Raises ConfigError if a listener cannot
        be bound (the message says which and what to do)."""
        if self._started_at:
            raise RuntimeError("collector already started")
        self.detectors = select_detectors(self._detector_names)
        parser = self._parser or default_parser()
        EmbeddedStore(self.store_dir).close()  # fail here, not in the batcher, if unusable
        opts = self.options
        feed: Feed
        if opts.receiver_process:
            remote = ReceiverProcess(
                self.specs,
                queue_size=opts.queue_size,
                batch_messages=opts.batch_messages,
                max_message=opts.max_message,
                on_error=self._on_error,
            )
            remote.start()
            self.specs, self._remote, feed = remote.specs, remote, remote
        else:
            handoff = HandOff(opts.queue_size, opts.batch_messages)
            listening = Listening(self.specs, handoff, opts.max_message, self._on_error)
            listening.start()
            self.specs, self._local, feed = listening.specs, (listening, handoff), handoff
        self._started_at = time.monotonic()
        self._batcher = Batcher(
            handoff=feed,
            listeners=self.specs,  # with the ports bound
            store_dir=self.store_dir,
            parser=parser,
            ctx=self.ctx,
            detectors=self.detectors,
            options=opts.batch_options(),
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
            if self._remote is not None:
                self._remote.stop()
            if self._local is not None:
                self._local[0].stop()
            if self._batcher is not None and self._batch_thread is not None:
                self._batcher.stop()
                self._batch_thread.join()
            if self._remote is not None:
                self._remote.close()
            self._summary = self.stats()
            return self._summary

    def __enter__(self) -> Collector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def receiver_pid(self) -> int | None:
        """Process id of the receiver process (None when receivers run as threads)."""
        return self._remote.pid if self._remote else None

    @property
    def listeners(self) -> list[ListenerSpec]:
        """The listeners, with the port the system chose where 0 was asked."""
        return list(self.specs)

    # --- figures ------------------------------------------------------------------------

    def _receiver_figures(self) -> tuple[list[dict[str, int]], int]:
        if self._remote is not None:
            return self._remote.figures()
        if self._local is not None:
            return self._local[0].counter_dicts(), len(self._local[1])
        return [FrameCounters().as_dict() for _ in self.specs], 0

    def stats(self) -> dict[str, Any]:
        """Figures so far (safe to call from any thread while running)."""
        batch = self._batcher.counters if self._batcher else BatchCounters()
        per_listener, waiting = self._receiver_figures()
        transports: dict[str, Counter[str]] = {}
        for spec, counters in zip(self.specs, per_listener, strict=True):
            transports.setdefault(spec.transport, Counter()).update(counters)
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
            "waiting": waiting,
            "alerts": batch_figures["alerts"],
            "detectors": list(self.detectors),
            "transports": {t: dict(c) for t, c in transports.items()},
            "batcher": batch_figures,
            "unknown_by_sender": batch_figures["unknown_by_sender"],
            "receiver_failure": self._remote.failure if self._remote else None,
            "seconds": round(time.monotonic() - self._started_at, 3) if self._started_at else 0,
        }

    def _emit_stats(self) -> None:
        if self._on_stats:
            self._on_stats(self.stats())

    def _batch_main(self) -> None:
        assert self._batcher is not None
        try:
            self._batcher.run()
        except Exception as exc:  # the store vanished: say so, the receivers still count
            self._batcher.counters.errors += 1
            if self._on_error:
                self._on_error(f"batcher stopped: {exc!r}")
