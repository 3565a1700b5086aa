"""The embedded engine: runs detectors in-process over Arrow tables."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from seawall.detect import load_all
from seawall.detect.base import REGISTRY, DetectContext, RecordTables
from seawall.records import conform, empty
from seawall.records.alerts import Alert, sort_alerts
from seawall.sources.base import SourceResult


def combine(results: Iterable[SourceResult]) -> RecordTables:
    """Concatenate the tables of several source results into one RecordTables."""
    parts: dict[str, list[pa.Table]] = {
        "flow": [],
        "transaction": [],
        "packet": [],
        "config": [],
        "log": [],
    }
    for result in results:
        for kind, table in result.tables.items():
            if table.num_rows:
                parts[kind].append(conform(table, kind))
    tables = {
        kind: pa.concat_tables(chunks) if chunks else empty(kind) for kind, chunks in parts.items()
    }
    return RecordTables(
        flows=tables["flow"],
        transactions=tables["transaction"],
        packets=tables["packet"],
        configs=tables["config"],
        logs=tables["log"],
    )


def run_detectors(
    tables: RecordTables, ctx: DetectContext, names: Iterable[str] | None = None
) -> list[Alert]:
    """Run the named detectors (all registered ones by default), worst alerts first."""
    load_all()
    selected = list(names) if names is not None else sorted(REGISTRY)
    alerts: list[Alert] = []
    for name in selected:
        if name not in REGISTRY:
            raise KeyError(f"no detector named {name!r}; known: {', '.join(sorted(REGISTRY))}")
        alerts.extend(REGISTRY[name].fn(tables, ctx.for_detector(name)))
    return sort_alerts(alerts)
