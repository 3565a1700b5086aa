"""The receivers in a child process.

Python threads share one interpreter lock, and every socket read gives it up: while the
batcher parses, stores and runs rules, a receiver thread got the lock back only once per
switch interval (5 ms), one datagram at a time, and the kernel dropped the rest unseen.
In their own process the receivers read at full speed on another core; the batcher asks
for what is waiting over a socket pair, and the bounded queue (with its drop counting)
lives next to the receivers.

The child is started as ``python -m seawall.collect.child`` rather than through
multiprocessing's spawn, which re-imports the caller's main module: a script embedding the
collector without an ``if __name__ == "__main__"`` guard would start a second collector.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from seawall.collect.framing import FrameCounters
from seawall.collect.handoff import HandOff, Pending
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
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.specs = list(specs)
        self._on_error = on_error
        self.batch_messages = batch_messages
        self._settings = (self.specs, queue_size, batch_messages, max_message)
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._notify: socket.socket | None = None  # a byte per full batch waiting
        self._wake_read, self._wake_write = socket.socketpair()  # wake() ends a wait()
        self._lock = threading.Lock()
        self._counters = [FrameCounters().as_dict() for _ in self.specs]
        self._waiting = 0
        self._final = Pending()
        self._stopped = False
        self.failure: str | None = None  # why the receiver process went away, if it did

    def start(self) -> None:
        control, child_control = socket.socketpair()
        notify, child_notify = socket.socketpair()
        fds = (child_control.fileno(), child_notify.fileno())
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "seawall.collect.child", *map(str, fds)],
                pass_fds=fds,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": path},
            )
        finally:
            child_control.close()
            child_notify.close()
        self._conn = Connection(control.detach())
        self._notify = notify
        self._conn.send(self._settings)
        if not self._conn.poll(START_TIMEOUT_SECONDS * 3):
            self._process.kill()
            raise ConfigError("the receiver process did not start within 30 s")
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):
            code = self._process.wait(STOP_TIMEOUT_SECONDS)
            raise ConfigError(f"the receiver process exited at start (code {code})") from None
        if kind == "error":
            self._process.wait(STOP_TIMEOUT_SECONDS)
            raise ConfigError(str(payload))
        self.specs = list(payload)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

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
        """Block until a full batch waits in the child or :meth:`wake` is called, at most
        ``timeout`` seconds. True if woken early."""
        sources = [self._wake_read]
        if self._notify is not None and not self._stopped:
            sources.append(self._notify)
        ready, _, _ = select.select(sources, [], [], max(0.0, timeout))
        for sock in ready:
            sock.recv(4096)  # drain: one wake-up is enough
        return bool(ready)

    def wake(self) -> None:
        self._wake_write.send(b"!")

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
        if self._process is not None:
            try:
                self._process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._conn is not None:
            self._conn.close()

    def close(self) -> None:
        """Release the sockets; call after :meth:`stop` once nobody waits any more."""
        for sock in (self._notify, self._wake_read, self._wake_write):
            if sock is not None:
                sock.close()

    def _ask(self, request: str) -> tuple[Any, ...] | None:
        """One request and its reply; None once the child is gone (``failure`` says why)."""
        if self.failure is not None or self._conn is None:
            return None
        try:
            self._conn.send(request)
            reply: tuple[Any, ...] = self._conn.recv()
            return reply
        except (EOFError, OSError) as exc:
            code = self._process.poll() if self._process else None
            self.failure = (
                f"the receiver process went away (exit code {code}): {exc!r}; nothing more "
                "is received, restart the collector"
            )
            if self._on_error:
                self._on_error(self.failure)
            return None


class _NotifySignal:
    """The child's HandOff signal: one byte to the parent when a full batch starts waiting."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)  # never stall a receiver on it
        self._sock = sock
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._set = True
            # A full socket means a wake-up is already pending; a broken one means the
            # parent is gone, which the control connection reports.
            with contextlib.suppress(OSError):
                self._sock.send(b"+")

    def clear(self) -> None:
        self._set = False

    def wait(self, timeout: float | None = None) -> bool:
        return self._set


def serve(conn: Connection, notify: socket.socket) -> None:
    """Child side: bind, then answer take/stats/stop requests until stopped."""
    # Ctrl-C reaches the whole process group; the parent decides when receiving ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    specs, queue_size, batch_messages, max_message = conn.recv()
    handoff = HandOff(queue_size, batch_messages, ready=_NotifySignal(notify))
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
