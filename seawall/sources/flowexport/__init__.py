"""Flow-export collection: NetFlow v5/v9, IPFIX and sFlow v5 datagrams found in captures
become FLOW records, with template state kept across the files of a run."""

from __future__ import annotations

from seawall.sources.flowexport.capture import decode_from_index, export_flows
from seawall.sources.flowexport.collector import (
    SHARED_KEY,
    ExportCollector,
    collector_for,
)
from seawall.sources.flowexport.sniff import looks_like_export

__all__ = [
    "SHARED_KEY",
    "ExportCollector",
    "collector_for",
    "decode_from_index",
    "export_flows",
    "looks_like_export",
]
