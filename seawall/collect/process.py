"""The receivers in a child process.

Python threads share one interpreter lock, and every socket read gives it up: while the
batcher parses, stores and runs rules, a receiver thread got the lock back only once per
switch interval (5 ms), one datagram at a time, and the kernel dropped the rest unseen.
In their own process the receivers read at full speed on the other core; the batcher asks
for what is waiting (a pipe request), and the bounded queue (with its drop counting) lives
next to the receivers.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from seawall.collect.framing import FrameCounters
from seawall.collect.handoff import HandOff, Pending, Signal
from seawall.collect.listeners import ListenerSpec
from seawall.collect.listening import START_TIMEOUT_SECONDS, Listening
from seawall.errors import ConfigError

STOP_TIMEOUT_SECONDS = 15.0


class ReceiverProcess:
    """Parent side: start, take what is waiting, figures, stop. Thread-safe."""

    def __init__(
        self,
        specs: Sequence[ListenerSpec],
        *,
        queue_size: int,
        batch_messages: int,
        max_message: int,
    ) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
        self.specs = list(specs)
        self.batch_messages = batch_messages
        self._ready: Signal = context.Event()
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=receiver_main,
            args=(child, self.specs, queue_size, batch_messages, max_message, self._ready),
            name="seawall-collect-receivers",
            daemon=True,
        )
        self._child_conn: Connection | None = child
        self._lock = threading.Lock()
        self._counters = [FrameCounters().as_dict() for _ in self.specs]
        self._waiting = 0
        self._final = Pending()
        self._stopped = False
        self.failure: str | None = None  # why the receiver process went away, if it did

    def start(self) -> None:
        self._process.start()
        if self._child_conn is not None:
            self._child_conn.close()
            self._child_conn = None
        if not self._conn.poll(START_TIMEOUT_SECONDS * 3):
            self._process.kill()
            raise ConfigError("the receiver process did not start within 30 s")
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            raise ConfigError(
                f"the receiver process exited at start (code {self._process.exitcode})"
            ) from None
        if kind == "error":
            self._process.join(STOP_TIMEOUT_SECONDS)
            raise ConfigError(str(payload))
        self.specs = list(payload)

    def take(self) -> Pending:
        with self._lock:
            if self._stopped:  # the batcher's last take gets what the stop collected
                final, self._final = self._final, Pending()
                return final
            reply = self._ask("take")
            if reply is None:
                return Pending()
            _, pending, self._waiting, self._counters = reply
            return pending

    def wait(self, timeout: float) -> bool:
        return self._ready.wait(max(0.0, timeout))

    def wake(self) -> None:
        self._ready.set()

    def figures(self) -> tuple[list[dict[str, int]], int]:
        """Counters per listener and messages waiting (last known once stopped)."""
        with self._lock:
            if not self._stopped:
                reply = self._ask("stats")
                if reply is not None:
                    _, _, self._waiting, self._counters = reply
            return [dict(c) for c in self._counters], self._waiting

    def stop(self) -> None:
        """Stop the receivers after they read what arrived; keep it for the last take."""
        with self._lock:
            if self._stopped:
                return
            reply = self._ask("stop")
            if reply is not None:
                _, self._final, self._waiting, self._counters = reply
            self._stopped = True
        self._process.join(STOP_TIMEOUT_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def _ask(self, request: str) -> tuple[Any, ...] | None:
        """One request and its reply; None once the child is gone (``failure`` says why)."""
        if self.failure is not None:
            return None
        try:
            self._conn.send(request)
            reply: tuple[Any, ...] = self._conn.recv()
            return reply
        except (EOFError, OSError) as exc:
            self.failure = (
                f"the receiver process went away (exit code {self._process.exitcode}): {exc!r}"
            )
            return None


def receiver_main(
    conn: Connection,
    specs: list[ListenerSpec],
    queue_size: int,
    batch_messages: int,
    max_message: int,
    ready: Signal,
) -> None:
    """Child side: bind, then answer take/stats/stop requests until stopped."""
    # Ctrl-C reaches the whole process group; the parent decides when receiving ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    handoff = HandOff(queue_size, batch_messages, ready=ready)
    listening = Listening(specs, handoff, max_message)
    try:
        listening.start()
    except ConfigError as exc:
        conn.send(("error", str(exc)))
        return
    conn.send(("ready", listening.specs))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            request = "gone"  # the parent died: stop quietly
        if request == "take":
            conn.send(("batch", handoff.take(), len(handoff), listening.counter_dicts()))
        elif request == "stats":
            conn.send(("stats", None, len(handoff), listening.counter_dicts()))
        else:
            listening.stop()
            if request == "stop":
                conn.send(("final", handoff.take(), 0, listening.counter_dicts()))
            return
