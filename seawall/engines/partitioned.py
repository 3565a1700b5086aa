"""Partitioned execution: memory bounded by partition size, not by input size.

Detectors group by the flow's source (scan, brute force, DNS tunnel per client) or by a
source/destination pair (beacon, exfil), so hashing records by ``source.ip`` into K
partitions keeps every group inside one partition: each detector sees all the records of
its entities at once, and only 1/K of the data is in memory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from seawall.detect.base import DetectContext, RecordTables
from seawall.engines.local import run_detectors
from seawall.records import SCHEMAS, conform, empty
from seawall.records.alerts import Alert, sort_alerts
from seawall.store.duck import query_arrow

KINDS = {"flow": "flows", "transaction": "transactions", "packet": "packets"}


def partition_files(
    inputs: dict[str, Sequence[str]], partitions: int, workdir: str, threads: int = 2
) -> dict[str, str]:
    """Write each kind's Parquet inputs re-partitioned by hash(source.ip) % partitions.

    Returns kind -> directory holding ``part=<n>/`` sub-directories.
    """
    con = duckdb.connect(config={"threads": threads, "memory_limit": "2GB"})
    out: dict[str, str] = {}
    try:
        for kind, files in inputs.items():
            if not files:
                continue
            target = os.path.join(workdir, kind)
            listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.execute(
                f'COPY (SELECT *, CAST(hash("source.ip") % {partitions} AS INTEGER) AS part '
                f"FROM read_parquet([{listing}])) TO '{target}' "
                "(FORMAT parquet, PARTITION_BY (part), OVERWRITE_OR_IGNORE true)"
            )
            out[kind] = target
    finally:
        con.close()
    return out


def _read_partition(directory: str | None, kind: str, part: int) -> pa.Table:
    if directory is None:
        return empty(kind)
    folder = os.path.join(directory, f"part={part}")
    if not os.path.isdir(folder):
        return empty(kind)
    table = pq.read_table(folder)
    if "part" in table.column_names:
        table = table.drop_columns(["part"])
    return conform(table, kind)


def run_partitioned(
    inputs: dict[str, Sequence[str]],
    ctx: DetectContext,
    *,
    partitions: int = 8,
    names: Iterable[str] | None = None,
    workdir: str | None = None,
) -> list[Alert]:
    """Run detectors over Parquet inputs one partition at a time."""
    unknown = set(inputs) - set(SCHEMAS)
    if unknown:
        raise ValueError(f"unknown record kinds: {sorted(unknown)}")
    selected = list(names) if names is not None else None
    with tempfile.TemporaryDirectory(prefix="seawall-part-", dir=workdir) as tmp:
        dirs = partition_files(inputs, partitions, tmp)
        alerts: list[Alert] = []
        for part in range(partitions):
            tables = RecordTables(
                flows=_read_partition(dirs.get("flow"), "flow", part),
                transactions=_read_partition(dirs.get("transaction"), "transaction", part),
                packets=_read_partition(dirs.get("packet"), "packet", part),
            )
            alerts.extend(run_detectors(tables, ctx, selected))
    return sort_alerts(alerts)


def count_rows(files: Sequence[str]) -> int:
    con = duckdb.connect()
    try:
        listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        return int(
            query_arrow(con, f"SELECT count(*) FROM read_parquet([{listing}])")
            .column(0)[0]
            .as_py()
        )
    finally:
        con.close()
