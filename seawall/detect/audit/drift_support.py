"""Small helpers shared by the drift modules."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from seawall.netaddr import PRIVATE_NETWORKS
from seawall.records.config import CHANGE_KINDS, ConfigChange, DeviceConfig

K = TypeVar("K")
V = TypeVar("V")

_KINDS = frozenset(CHANGE_KINDS)
_PRIVATE = tuple(ipaddress.ip_network(n) for n in PRIVATE_NETWORKS)


@lru_cache(maxsize=4096)
def is_external(source: str) -> bool | None:
    """True for ``any`` or a network outside PRIVATE_NETWORKS, False for private, None when
    the source is an object name (its addresses are not known here)."""
    text = source.strip().lower()
    if text in {"any", "any4", "any6", "0.0.0.0/0", "::/0"}:
        return True
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    for private in _PRIVATE:
        if network.version == private.version and network.subnet_of(private):  # type: ignore[arg-type]
            return False
    return True


@dataclass(slots=True)
class Changes:
    """Collects changes; refuses kinds the rules cannot name (a bug, not bad input)."""

    items: list[ConfigChange] = field(default_factory=list)

    def add(
        self,
        kind: str,
        subject: str,
        detail: str,
        *,
        before: Any = None,
        after: Any = None,
        line_before: int | None = None,
        line_after: int | None = None,
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(f"change kind {kind!r} is not in CHANGE_KINDS")
        self.items.append(
            ConfigChange(kind, subject, detail, before, after, line_before, line_after)
        )


def find_line(model: DeviceConfig, needle: str, *, start: int | None = None) -> int | None:
    """Line number of the first statement containing ``needle`` (case-insensitive).

    For facts the model keeps without a line (source interfaces, trap level, a line's
    transport). With ``start``, only the block that begins at ``start`` is searched: the start
    line and the indented lines after it.
    """
    wanted = needle.lower()
    if start is not None:
        number = start
        while number in model.text or number == start:
            text = model.text.get(number, "")
            if number != start and text and not text[:1].isspace():
                return None
            if wanted in text.lower():
                return number
            number += 1
            if number > start + 1000:
                return None
        return None
    for number in sorted(model.text):
        if wanted in model.text[number].lower():
            return number
    return None


def index(items: Iterable[V], key: Callable[[V], K]) -> dict[K, V]:
    """Last item wins, as on a device where a later statement replaces an earlier one."""
    return {key(item): item for item in items}
