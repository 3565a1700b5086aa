"""The Source contract: recognise an input by its content and turn it into record tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa

from seawall.errors import ParseIssue
from seawall.records import empty

SNIFF_BYTES = 8192


@dataclass(slots=True)
class SourceOptions:
    """Knobs shared by sources. Timeouts follow NFStream's defaults (120 s idle, 1800 s
    active) so flow counts are comparable with it; long connections are re-joined by the
    long-connection detector, so the split does not hide them."""

    idle_timeout: float = 120.0
    active_timeout: float = 1800.0
    meter: str = "fast"  # fast (built-in vectorized meter) | nfstream (nDPI labels, slower)
    sensor: str | None = None
    # Quiet gap (seconds) that ends a payload burst inside a flow: bursts are the transactions
    # beaconing inside one long connection is scored on.
    burst_gap: float = 1.0
    # Payload bytes per flow direction matched against the content rules (0: no matching).
    content_scan_bytes: int = 4096
    # State that must outlive one file within a run, e.g. NetFlow v9/IPFIX templates per
    # exporter (a template may arrive in a later file than its data). Keyed by source name.
    shared: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class SourceResult:
    """What one input file yielded: tables per record kind, counted issues, totals."""

    path: str
    source: str  # name of the source that read it (pcap, pcapng, zeek, suricata, ...)
    tables: dict[str, pa.Table] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)
    units_read: int = 0  # packets, lines or export datagrams read
    unit: str = "packets"
    stats: dict[str, int] = field(default_factory=dict)  # source-specific counters

    def table(self, kind: str) -> pa.Table:
        return self.tables.get(kind) or empty(kind)


class Source(Protocol):
    """A reader for one input type. ``sniff`` decides from the first bytes, not the name."""

    name: str

    def sniff(self, head: bytes, path: str) -> bool: ...

    def read(self, path: str, options: SourceOptions) -> SourceResult: ...
