"""The pcap/pcapng Source: capture file -> flow table (+ transactions and packet side
records from the application-metadata extractor when it is installed)."""

from __future__ import annotations

import importlib
import os

import numpy as np
import pyarrow as pa

from seawall.errors import Location, ParseIssue
from seawall.records.schemas import FLOW, conform
from seawall.sources.base import SourceOptions, SourceResult
from seawall.sources.pcap.index import AppMetadata, MeteredPackets, PacketIndex
from seawall.sources.pcap.meter import meter_flows
from seawall.sources.pcap.reader import capture_format, read_index

_APPMETA_MODULE = "seawall.sources.pcap.appmeta"


class PcapSource:
    """Classic pcap (µs/ns, either byte order) and pcapng captures, recognised by magic."""

    name = "pcap"

    def sniff(self, head: bytes, path: str) -> bool:
        return capture_format(head) is not None

    def read(self, path: str, options: SourceOptions) -> SourceResult:
        with open(path, "rb") as handle:
            fmt = capture_format(handle.read(12)) or "pcap"
        result = SourceResult(path=path, source=fmt, unit="packets")
        try:
            index, issues = read_index(path)
        except OSError as exc:
            result.issues.append(
                ParseIssue(Location(path), f"cannot read capture: {exc.strerror or exc}", "parse")
            )
            return result
        result.issues.extend(issues)

        flows, metered = meter_flows(index, options)
        app = _app_metadata(index, metered, options, result.issues)
        if options.meter == "nfstream":
            from seawall.sources.pcap.nfstream_meter import nfstream_flows

            flows = nfstream_flows(path, options)
        elif app is not None:
            flows = merge_flow_columns(flows, app.flow_columns)
        if app is not None:
            result.tables["transaction"] = app.transactions
            result.tables["packet"] = app.packets

        # Imported here: flowexport reads PacketIndex from this package (import cycle).
        from seawall.sources.flowexport import export_flows

        exported, export_issues, export_stats = export_flows(index, options)
        result.issues.extend(export_issues)
        if exported.num_rows:
            flows = pa.concat_tables([flows, conform(exported, "flow")])
        result.tables["flow"] = flows
        result.units_read = len(index)
        result.stats = capture_stats(index, metered, result.issues, os.path.getsize(path))
        result.stats["flows"] = flows.num_rows
        result.stats.update({f"export_{k}": v for k, v in export_stats.items() if v})
        if app is not None:
            result.issues.extend(app.issues)
            result.stats.update({f"appmeta_{k}": v for k, v in app.stats.items()})
        return result


def _app_metadata(
    index: PacketIndex, metered: MeteredPackets, options: SourceOptions, issues: list[ParseIssue]
) -> AppMetadata | None:
    """Run the payload extractor if it is installed; its failure costs only its tables."""
    try:
        module = importlib.import_module(_APPMETA_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == _APPMETA_MODULE:
            return None
        raise
    try:
        app: AppMetadata = module.extract(index, metered, options)
    except Exception as exc:  # a payload parser bug must not lose the flows
        issues.append(
            ParseIssue(
                Location(index.path),
                f"application metadata extraction failed ({type(exc).__name__}: {exc}); flows "
                "are kept without it — please report this with the capture",
                "parse",
            )
        )
        return None
    return app


def merge_flow_columns(flows: pa.Table, columns: dict[str, list[object]]) -> pa.Table:
    """Replace flow columns with the extractor's values (one per flow row)."""
    for name, values in columns.items():
        position = FLOW.get_field_index(name)
        if position < 0 or len(values) != flows.num_rows:
            continue  # unknown column or wrong length: the extractor's bug, not the user's
        field = FLOW.field(name)
        flows = flows.set_column(position, field, pa.array(values, type=field.type))
    return flows


def capture_stats(
    index: PacketIndex, metered: MeteredPackets, issues: list[ParseIssue], file_size: int
) -> dict[str, int]:
    ip = index.ip_version > 0
    truncated_at = [
        i.location.offset for i in issues if i.kind == "truncated" and i.location.offset is not None
    ]
    return {
        "packets": len(index),
        "ip_packets": int(ip.sum()),
        "non_ip_packets": int((~ip).sum()),
        "flows": metered.n_flows,
        "packets_in_flows": int((metered.flow_id >= 0).sum()),
        "fragments_outside_flows": int((ip & index.is_fragment).sum()),
        "tunnelled_packets": int((index.tunnel != 0).sum()),
        "captured_bytes": int(index.caplen.astype(np.int64).sum()),
        "truncated_bytes": file_size - min(truncated_at) if truncated_at else 0,
        "parse_issues": len(issues),
    }
