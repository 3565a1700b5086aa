"""The bounded hand-off between the receivers and the batcher thread.

Receivers never wait on the batcher: when the buffer is full, messages are refused and the
receiver counts them as dropped, so an overloaded collector keeps reading (and counting)
instead of letting the kernel drop datagrams nobody sees.

Messages wait as columns (senders, texts, arrival times) rather than one tuple each: strings
and floats are not tracked by Python's cyclic garbage collector, so a backlog of a few
hundred thousand messages does not make every full collection walk it. Those pauses (tens
of milliseconds, holding the interpreter lock) were enough to overflow a UDP socket buffer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(slots=True)
class Pending:
    """Messages in arrival order, as parallel columns."""

    listeners: list[int] = field(default_factory=list)  # index of the listener
    senders: list[str] = field(default_factory=list)  # peer address
    texts: list[str] = field(default_factory=list)
    received: list[float] = field(default_factory=list)  # UNIX time read

    def __len__(self) -> int:
        return len(self.texts)


class Signal(Protocol):
    """threading.Event, or multiprocessing's Event when the receivers run in a child."""

    def set(self) -> None: ...
    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class Feed(Protocol):
    """Where the batcher takes its messages: a :class:`HandOff` in this process, or the
    receiver process (``process.ReceiverProcess``)."""

    batch_messages: int

    def take(self) -> Pending: ...
    def wait(self, timeout: float) -> bool: ...
    def wake(self) -> None: ...


class HandOff:
    """A bounded buffer of messages; the batcher takes everything waiting at once."""

    def __init__(self, capacity: int, batch_messages: int, ready: Signal | None = None) -> None:
        if capacity < 1:
            raise ValueError("queue size must be at least 1")
        self.capacity = capacity
        self.batch_messages = max(1, batch_messages)
        self._lock = threading.Lock()
        self._pending = Pending()
        # Set when a full batch is waiting, or a stop was asked.
        self._ready: Signal = ready if ready is not None else threading.Event()

    def offer(self, listener: int, senders: list[str], texts: list[str], received: float) -> int:
        """Queue as many messages as fit, in order; return how many were queued."""
        with self._lock:
            pending = self._pending
            room = self.capacity - len(pending.texts)
            if room <= 0:
                return 0
            if len(texts) > room:
                senders, texts = senders[:room], texts[:room]
            count = len(texts)
            pending.listeners.extend([listener] * count)
            pending.senders.extend(senders)
            pending.texts.extend(texts)
            pending.received.extend([received] * count)
            if len(pending.texts) >= self.batch_messages:
                self._ready.set()
        return count

    def take(self) -> Pending:
        """Everything waiting, oldest first; the buffer is empty afterwards."""
        with self._lock:
            pending, self._pending = self._pending, Pending()
            self._ready.clear()
        return pending

    def wait(self, timeout: float) -> bool:
        """Block until a full batch is waiting or :meth:`wake` is called, at most ``timeout``
        seconds. True if woken early."""
        return self._ready.wait(max(0.0, timeout))

    def wake(self) -> None:
        self._ready.set()

    def __len__(self) -> int:
        return len(self._pending.texts)
