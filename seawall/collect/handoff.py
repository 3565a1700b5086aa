"""The bounded hand-off between the receivers (event loop thread) and the batcher thread.

Receivers must never wait on the batcher: when the buffer is full the message is refused
and the receiver counts it as dropped, so an overloaded collector keeps reading (and
counting) instead of letting the kernel drop datagrams nobody sees.
"""

from __future__ import annotations

import threading
from typing import NamedTuple


class Message(NamedTuple):
    listener: int  # index of the listener it arrived on
    sender: str  # peer address
    text: str
    received: float  # UNIX time it was read


class HandOff:
    """A bounded buffer of messages; the batcher takes everything waiting at once."""

    def __init__(self, capacity: int, batch_messages: int) -> None:
        if capacity < 1:
            raise ValueError("queue size must be at least 1")
        self.capacity = capacity
        self.batch_messages = max(1, batch_messages)
        self._lock = threading.Lock()
        self._items: list[Message] = []
        self._ready = threading.Event()  # a full batch is waiting, or a stop was asked

    def offer(self, message: Message) -> bool:
        """Queue ``message``; False (nothing queued) when the buffer is full."""
        with self._lock:
            items = self._items
            if len(items) >= self.capacity:
                return False
            items.append(message)
            if len(items) >= self.batch_messages:
                self._ready.set()
        return True

    def take(self) -> list[Message]:
        """Everything waiting, oldest first; the buffer is empty afterwards."""
        with self._lock:
            items, self._items = self._items, []
            self._ready.clear()
        return items

    def wait(self, timeout: float) -> bool:
        """Block until a full batch is waiting or :meth:`wake` is called, at most ``timeout``
        seconds. True if woken early."""
        return self._ready.wait(max(0.0, timeout))

    def wake(self) -> None:
        self._ready.set()

    def __len__(self) -> int:
        return len(self._items)
