"""Flow-export collection: NetFlow v5/v9, IPFIX and sFlow v5 datagrams found in captures
become FLOW records, with template state kept across the files of a run.

A capture reader calls ``export_flows(index, options)`` per file (records decoded so far,
including earlier files' data whose template arrived in this file) and the run calls
``finish_run(options)`` once at the end (data still without a template becomes
"missing-template" issues). ``ExportCollector`` is the datagram-level API underneath.

Conventions of the FLOW rows: exporter records are unidirectional, so ``destination.bytes``
/ ``destination.packets`` / ``destination.tcp_flags`` are null unless the exporter sends
RFC 5103 reverse elements (biflows, e.g. ipfixprobe). Counters are as exported, not scaled:
``flow.sampling_rate`` is the 1-in-N rate (null when the exporter never said), so the
traffic estimate is bytes x rate. Interface indexes and AS numbers are in
``ExportCollector.extra`` until the schema has columns for them.
"""

from __future__ import annotations

from seawall.sources.flowexport.capture import decode_from_index, export_flows, finish_run
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
    "finish_run",
    "looks_like_export",
]
