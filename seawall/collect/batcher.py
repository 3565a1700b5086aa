"""The batcher: takes what the receivers queued, parses it, stores it, runs the log rules.

Every batch is split per listener and stored as one ``log`` input named
``live:<listener>:<time of its first message>`` and keyed by a hash of its content, so
storing the same batch twice adds nothing. Rules run over a sliding window of recent
events (not just the batch) so a sequence or a threshold can span batches; an alert is
reported the first time it appears in this run (``alerts.py``). After a rules run the next
waits as long as that run took, so a large window cannot starve storing.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.collect.alerts import AlertTracker
from seawall.collect.handoff import Feed, Pending
from seawall.collect.listeners import ListenerSpec
from seawall.detect.base import DetectContext, RecordTables
from seawall.engines.local import run_detectors
from seawall.errors import ParseIssue
from seawall.records import conform, empty
from seawall.records.alerts import Alert
from seawall.records.schemas import TS
from seawall.sources.base import SourceResult
from seawall.store import EmbeddedStore

SOURCE_NAME = "live-syslog"
MAX_SENDERS_REPORTED = 50


class LineParser(Protocol):
    """The device log parser's contract (``seawall.sources.logs.parse_lines``)."""

    def __call__(
        self,
        lines: Sequence[str],
        *,
        path: str,
        first_line: int = 1,
        sender: str | None = None,
        default_year: int | None = None,
        timezones: Mapping[str, str] | None = None,
    ) -> tuple[pa.Table, list[ParseIssue]]: ...


@dataclass(slots=True)
class BatchOptions:
    batch_seconds: float = 1.0  # longest wait between two batches
    batch_messages: int = 50_000  # a batch starts early once this many messages wait
    window_seconds: float = 600.0  # how far back rules see (sequences, thresholds)
    window_max_rows: int = 1_000_000  # memory bound of the window, oldest batches go first
    stats_seconds: float = 10.0  # period of the stats callback (0: never)
    detect_pause_ratio: float = 1.0  # pause after a rules run, relative to how long it took


@dataclass(slots=True)
class BatchCounters:
    """The batcher's side of the figures. Written by the batcher thread only."""

    batches: int = 0
    processed: int = 0  # messages taken from the queue
    parsed: int = 0  # messages that became log records
    unknown: int = 0  # messages the parser did not recognise (counted, stored as issues)
    stored_inputs: int = 0
    duplicate_batches: int = 0  # batches already in the store (same content)
    alerts: int = 0  # distinct alerts reported in this run
    alerts_continued: int = 0  # window-cut repeats of a reported alert, not reported again
    errors: int = 0  # batches that failed (reported through on_error, the run goes on)
    window_rows: int = 0
    last_batch_seconds: float = 0.0
    last_detect_seconds: float = 0.0
    unknown_by_sender: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name != "unknown_by_sender"
        }
        out["unknown_by_sender"] = dict(self.unknown_by_sender.most_common(MAX_SENDERS_REPORTED))
        return out


class Batcher:
    """Runs in its own thread: ``run`` until ``stop`` is called, then drains and returns."""

    def __init__(
        self,
        *,
        handoff: Feed,
        listeners: Sequence[ListenerSpec],
        store_dir: str,
        parser: LineParser,
        ctx: DetectContext,
        detectors: Sequence[str],
        options: BatchOptions,
        timezones: Mapping[str, str] | None = None,
        on_alert: Callable[[Alert], None] | None = None,
        on_stats: Callable[[], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.handoff = handoff
        self.listeners = list(listeners)
        self.store_dir = store_dir
        self.parser = parser
        self.ctx = ctx
        self.detectors = list(detectors)
        self.options = options
        self.timezones = timezones
        self.on_alert = on_alert
        self.on_stats = on_stats
        self.on_error = on_error
        self.counters = BatchCounters()
        self._window: deque[tuple[float, pa.Table]] = deque()
        self.alerts = AlertTracker()
        self._detect_pending = False  # events arrived since the rules last ran
        self._next_detect = 0.0  # monotonic time before which the rules do not run again
        self._stopping = False

    def stop(self) -> None:
        """Finish: take what is queued, process it, return from :meth:`run`."""
        self._stopping = True
        self.handoff.wake()

    def run(self) -> None:
        store = EmbeddedStore(self.store_dir)  # SQLite: opened by the thread that uses it
        try:
            deadline = time.monotonic() + self.options.batch_seconds
            stats_every = self.options.stats_seconds if self.on_stats else 0
            next_stats = time.monotonic() + stats_every if stats_every > 0 else float("inf")
            while True:
                woken = self.handoff.wait(min(deadline, next_stats) - time.monotonic())
                stopping = self._stopping
                now = time.monotonic()
                if stopping or woken or now >= deadline:  # woken: a full batch is waiting
                    self.process(self.handoff.take(), store)
                    deadline = time.monotonic() + self.options.batch_seconds
                self.detect_if_due(store)
                if self.on_stats and now >= next_stats:
                    self.on_stats()
                    next_stats = now + stats_every
                if stopping:
                    # Receivers are closed before stop() is called: one last take suffices.
                    self.process(self.handoff.take(), store)
                    self.detect_if_due(store, force=True)
                    return
        finally:
            store.close()

    def process(self, messages: Pending, store: EmbeddedStore) -> None:
        """One batch: store it per listener, then run the rules over the window (unless
        the last run asks for a pause, see :meth:`detect_if_due`)."""
        if not len(messages):
            return
        started = time.monotonic()
        self.counters.batches += 1
        self.counters.processed += len(messages)
        new_rows = 0
        for index, group in _by_listener(messages).items():
            try:
                new_rows += self._store_batch(self.listeners[index], group, store)
            except Exception as exc:  # one bad batch must not stop the collector
                self.counters.errors += 1
                self._report_error(f"batch from {self.listeners[index]} not stored: {exc!r}")
        self._detect_pending = self._detect_pending or new_rows > 0
        self.detect_if_due(store)
        self.counters.last_batch_seconds = time.monotonic() - started

    def detect_if_due(self, store: EmbeddedStore, *, force: bool = False) -> None:
        """Run the rules over the window if new events came and the pause after the last run
        is over. The pause is as long as that run took, so rules over a large window take at
        most half the batcher's time and storing keeps pace; alerts then come a little later
        instead of events being dropped."""
        if not self._detect_pending or (not force and time.monotonic() < self._next_detect):
            return
        self._detect_pending = False
        started = time.monotonic()
        try:
            self._detect(store)
        except Exception as exc:
            self.counters.errors += 1
            self._report_error(f"rules failed on the window: {exc!r}")
        finished = time.monotonic()
        self._next_detect = finished + (finished - started) * self.options.detect_pause_ratio

    def _store_batch(self, listener: ListenerSpec, batch: Pending, store: EmbeddedStore) -> int:
        """Parse one listener's messages, store them as one input, add them to the window."""
        senders, texts, received = batch.senders, batch.texts, batch.received
        first = min(received)
        name = f"live:{listener.name}:{_iso(first)}"
        # One parser call for the whole batch (a call costs milliseconds whatever its size,
        # too much once per sender with thousands of devices); the senders are filled in
        # per line afterwards. input.line numbers the messages in arrival order.
        table, issues = self.parser(
            texts,
            path=name,
            first_line=1,
            sender=None,
            default_year=None,  # this year, and a stamp more than a day ahead is last year's
            timezones=self.timezones,
        )
        table = _fill_from_arrival(conform(table, "log"), senders, received)
        understood = _understood_lines(table, len(texts))
        self.counters.parsed += int(understood.sum())
        if not understood.all():
            unknown = Counter(senders[i] for i in np.flatnonzero(~understood))
            self.counters.unknown_by_sender.update(unknown)
            self.counters.unknown += sum(unknown.values())
        result = SourceResult(
            path=name,
            source=SOURCE_NAME,
            tables={"log": table},
            issues=issues,
            units_read=len(texts),
            unit="lines",
            stats={"senders": len(set(senders))},
        )
        if store.add(_batch_sha256(listener, senders, texts), result):
            self.counters.stored_inputs += 1
        else:
            self.counters.duplicate_batches += 1
        if table.num_rows:
            self._window.append((time.monotonic(), table))
        return table.num_rows

    def _detect(self, store: EmbeddedStore) -> None:
        window = self._trim_window()
        if not self.detectors or window.num_rows == 0:
            return
        started = time.monotonic()
        alerts = run_detectors(RecordTables(logs=window), self.ctx, self.detectors)
        self.counters.last_detect_seconds = time.monotonic() - started
        new, save = self.alerts.update(alerts)
        if save:
            store.save_alerts(save)  # new ones, and reported ones seen again later
        self.counters.alerts = self.alerts.reported
        self.counters.alerts_continued = self.alerts.continued
        if self.on_alert:
            for alert in new:
                self.on_alert(alert)

    def _trim_window(self) -> pa.Table:
        horizon = time.monotonic() - self.options.window_seconds
        window = self._window
        rows = sum(t.num_rows for _, t in window)
        while window and (window[0][0] < horizon or rows > self.options.window_max_rows):
            rows -= window.popleft()[1].num_rows
        self.counters.window_rows = rows
        if not window:
            return empty("log")
        return pa.concat_tables([t for _, t in window])

    def _report_error(self, text: str) -> None:
        if self.on_error:
            self.on_error(text)


def _by_listener(pending: Pending) -> dict[int, Pending]:
    listeners = pending.listeners
    if listeners.count(listeners[0]) == len(listeners):
        return {listeners[0]: pending}
    positions: dict[int, list[int]] = {}
    for position, listener in enumerate(listeners):
        positions.setdefault(listener, []).append(position)
    return {
        listener: Pending(
            [listener] * len(where),
            [pending.senders[i] for i in where],
            [pending.texts[i] for i in where],
            [pending.received[i] for i in where],
        )
        for listener, where in positions.items()
    }


def _understood_lines(table: pa.Table, n: int) -> np.ndarray:
    """Which of the ``n`` messages became at least one record (by ``input.line``)."""
    understood = np.zeros(n, dtype=bool)
    lines = table["input.line"].drop_null()
    if len(lines):
        numbers = lines.to_numpy() - 1
        understood[numbers[(numbers >= 0) & (numbers < n)]] = True
    return understood


def _batch_sha256(listener: ListenerSpec, senders: list[str], texts: list[str]) -> str:
    """Content key of a stored batch: listener, senders and texts (not arrival times, so the
    same messages batched the same way are one input). Texts hold no line break (framing
    escapes them), so joining on one is unambiguous."""
    digest = hashlib.sha256(f"live-syslog\0{listener.name}\0".encode())
    digest.update("\n".join(senders).encode())
    digest.update(b"\0")
    digest.update("\n".join(texts).encode())
    return digest.hexdigest()


def _fill_from_arrival(table: pa.Table, senders: list[str], received: list[float]) -> pa.Table:
    """Lines without a time of their own get their arrival time; lines the parser left
    without a sender get the peer address they came from."""
    if table.num_rows == 0:
        return table
    lines = table["input.line"]
    if lines.null_count:
        return table
    index = pc.subtract(lines, 1)
    start = table["event.start"]
    if start.null_count:
        micros = (np.asarray(received) * 1e6).astype(np.int64)
        arrival_ts = pa.array(micros, pa.int64()).cast(TS)
        start = pc.coalesce(start, pc.take(arrival_ts, index))
        table = table.set_column(table.schema.get_field_index("event.start"), "event.start", start)
    source = table["log.source.address"]
    if source.null_count:
        source = pc.coalesce(source, pc.take(pa.array(senders, pa.string()), index))
        position = table.schema.get_field_index("log.source.address")
        table = table.set_column(position, "log.source.address", source)
    return table


def _iso(unix_time: float) -> str:
    stamp = datetime.fromtimestamp(unix_time, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
