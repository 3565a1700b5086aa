"""Partitioned execution: memory bounded by partition size, not by input size.

Detectors group by the flow's source (scan, brute force, DNS tunnel per client) or by a
source/destination pair (beacon, exfil), so hashing records by ``source.ip`` into K
partitions keeps every group inside one partition: each detector sees all the records of
its entities at once, and only 1/K of the data is in memory.

The plan is made from row counts in the Parquet footers: an input no larger than
``rows_per_partition`` is read and analysed as it is (no re-partition write). A larger one
is read one file at a time, each row sent to partition ``crc32(source.ip) % K``, and the
pieces spilled to uncompressed Arrow IPC files (a memory copy, no encoding); each partition
is then memory-mapped and analysed. Both steps can run in several worker processes; peak
memory is then about ``workers`` input files or partitions.
"""

from __future__ import annotations

import ctypes
import math
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from seawall.detect import load_all
from seawall.detect.base import DetectContext, RecordTables
from seawall.engines.local import run_detectors
from seawall.records import SCHEMAS, conform, empty
from seawall.records.alerts import Alert, sort_alerts

J = TypeVar("J")
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters
R = TypeVar("R")
KINDS = {"flow": "flows", "transaction": "transactions", "packet": "packets"}
# Kinds keyed by device rather than by a flow's source host (config snapshots, device logs
# whose sequence rules span users and sources): read whole, evaluated once.
GLOBAL_KINDS = {"config": "configs", "log": "logs"}
# About 2 GB of detector working memory per partition of flows on the benchmark mix.
DEFAULT_ROWS_PER_PARTITION = 2_000_000


@dataclass(frozen=True, slots=True)
class Plan:
    partitions: int
    rows: int


def count_rows(files: Sequence[str]) -> int:
    """Rows of Parquet files, from their footers (nothing else is read)."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def plan(
    inputs: dict[str, Sequence[str]],
    partitions: int | None = None,
    rows_per_partition: int = DEFAULT_ROWS_PER_PARTITION,
) -> Plan:
    """How many partitions: ``partitions`` if given, else enough that none holds more than
    ``rows_per_partition`` rows of the largest record kind (on average)."""
    rows = max((count_rows(files) for files in inputs.values() if files), default=0)
    if partitions is None:
        partitions = max(1, math.ceil(rows / max(rows_per_partition, 1)))
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    return Plan(partitions=partitions, rows=rows)


def partition_of(source_ip: pa.ChunkedArray | pa.Array, partitions: int) -> np.ndarray:
    """Partition number of each row: crc32 of its ``source.ip`` text modulo ``partitions``
    (stable across files, processes and runs; null addresses go to partition 0).

    A dictionary-encoded column is hashed through its dictionary, so crc32 runs once per
    distinct address."""
    chunks = source_ip.chunks if isinstance(source_ip, pa.ChunkedArray) else [source_ip]
    out = [np.zeros(0, np.int32)]
    for chunk in chunks:
        if not pa.types.is_dictionary(chunk.type):
            chunk = pc.dictionary_encode(chunk)
        values = chunk.dictionary.to_pylist()
        # One more entry for null rows: partition 0, like the empty text.
        hashes = np.fromiter(
            (0 if v is None else zlib.crc32(v.encode()) % partitions for v in [*values, None]),
            dtype=np.int32,
            count=len(values) + 1,
        )
        indices = pc.fill_null(chunk.indices, len(values)) if chunk.null_count else chunk.indices
        out.append(hashes[np.asarray(indices.to_numpy(zero_copy_only=False))])
    return np.concatenate(out)


def _partition_order(part: np.ndarray, partitions: int) -> tuple[np.ndarray, np.ndarray]:
    """Row order grouping rows by partition (original order kept inside each), and the
    bounds of each partition's rows in it. Small integer keys make numpy's stable sort a
    radix sort (linear)."""
    small = part.astype(
        np.uint8 if partitions <= 256 else np.uint16 if partitions <= 65536 else np.int32
    )
    order = np.argsort(small, kind="stable")
    counts = np.bincount(part, minlength=partitions)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return order, bounds


def _non_null_columns(path: str) -> list[str]:
    meta = pq.ParquetFile(path).metadata
    names = meta.schema.names
    keep = []
    for index, name in enumerate(names):
        for group in range(meta.num_row_groups):
            chunk = meta.row_group(group).column(index)
            stats = chunk.statistics
            if stats is None or not stats.has_null_count or stats.null_count < chunk.num_values:
                keep.append(name)
                break
    return keep


def _spill_file(job: tuple[str, str, int, int, str]) -> None:
    """Split one Parquet file into ``partitions`` Arrow IPC files under ``target``."""
    kind, path, index, partitions, target = job
    # Columns that are null throughout (per the footer statistics) are neither read nor
    # written: conform() restores them when the partition is read. Text columns stay
    # dictionary-encoded from Parquet to the spill files (no string copies while routing);
    # conform() decodes them when the partition is read.
    columns = _non_null_columns(path)
    schema = pq.ParquetFile(path).schema_arrow
    text = [c for c in columns if pa.types.is_string(schema.field(c).type)]
    table = pq.read_table(path, columns=columns, use_threads=False, read_dictionary=text)
    if "source.ip" not in table.column_names:
        raise ValueError(f"{path}: no source.ip values; partitioning needs them ({kind} records)")
    table = table.combine_chunks()
    part = partition_of(table.column("source.ip"), partitions)
    order, bounds = _partition_order(part, partitions)
    ordered = table.take(pa.array(order))
    for k in range(partitions):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        if hi <= lo:
            continue
        folder = os.path.join(target, f"part={k}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{index:06d}.arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, ordered.schema) as writer:
            writer.write_table(ordered.slice(lo, hi - lo))


def partition_files(
    inputs: dict[str, Sequence[str]],
    partitions: int,
    workdir: str,
    workers: int = 1,
    pool: Executor | None = None,
) -> dict[str, str]:
    """Write each kind's Parquet inputs re-partitioned by crc32(source.ip) % partitions.

    Returns kind -> directory holding ``part=<n>/`` sub-directories of Arrow IPC files.
    """
    out: dict[str, str] = {}
    jobs = []
    for kind, files in inputs.items():
        if not files or kind in GLOBAL_KINDS:
            continue
        target = os.path.join(workdir, kind)
        os.makedirs(target, exist_ok=True)
        out[kind] = target
        jobs += [(kind, f, i, partitions, target) for i, f in enumerate(files)]
    _map(_spill_file, jobs, workers, pool)
    return out


def _read_partition(directory: str | None, kind: str, part: int) -> pa.Table:
    if directory is None:
        return empty(kind)
    folder = os.path.join(directory, f"part={part}")
    if not os.path.isdir(folder):
        return empty(kind)
    pieces = [
        conform(pa.ipc.open_file(pa.memory_map(os.path.join(folder, name))).read_all(), kind)
        for name in sorted(os.listdir(folder))
    ]
    return pa.concat_tables(pieces) if pieces else empty(kind)


def _read_whole(files: Sequence[str], kind: str) -> pa.Table:
    if not files:
        return empty(kind)
    return pa.concat_tables([conform(pq.read_table(f), kind) for f in files])


def _run_partition(job: tuple[dict[str, str], int, DetectContext, list[str] | None]) -> list[Alert]:
    dirs, part, ctx, names = job
    tables = RecordTables(
        flows=_read_partition(dirs.get("flow"), "flow", part),
        transactions=_read_partition(dirs.get("transaction"), "transaction", part),
        packets=_read_partition(dirs.get("packet"), "packet", part),
    )
    return run_detectors(tables, ctx, names)


def run_partitioned(
    inputs: dict[str, Sequence[str]],
    ctx: DetectContext,
    *,
    partitions: int | None = None,
    rows_per_partition: int = DEFAULT_ROWS_PER_PARTITION,
    workers: int = 1,
    names: Iterable[str] | None = None,
    workdir: str | None = None,
) -> list[Alert]:
    """Run detectors over Parquet inputs one partition at a time (``workers`` at once)."""
    unknown = set(inputs) - set(SCHEMAS)
    if unknown:
        raise ValueError(f"unknown record kinds: {sorted(unknown)}")
    selected = list(names) if names is not None else None
    chosen = plan(inputs, partitions, rows_per_partition)
    whole = {attr: _read_whole(inputs.get(kind, ()), kind) for kind, attr in GLOBAL_KINDS.items()}
    if chosen.partitions == 1:
        tables = RecordTables(
            **{attr: _read_whole(inputs.get(kind, ()), kind) for kind, attr in KINDS.items()},
            **whole,
        )
        return run_detectors(tables, ctx, selected)
    # Detector modules are imported before the workers start, so forked workers share them;
    # one pool serves both steps (workers start, and import, once).
    load_all()
    with (
        tempfile.TemporaryDirectory(prefix="seawall-part-", dir=workdir) as tmp,
        ProcessPoolExecutor(max_workers=workers, initializer=_keep_freed_memory)
        if workers > 1
        else nullcontext() as pool,
    ):
        dirs = partition_files(inputs, chosen.partitions, tmp, workers, pool)
        jobs = [(dirs, part, ctx, selected) for part in range(chosen.partitions)]
        alerts = [a for found in _map(_run_partition, jobs, workers, pool) for a in found]
    if any(t.num_rows for t in whole.values()):
        alerts.extend(run_detectors(RecordTables(**whole), ctx, selected))
    return sort_alerts(alerts)


def _keep_freed_memory() -> None:
    """Worker start: glibc keeps freed memory for the next partition's arrays instead of
    handing every large block back to the kernel and faulting it in again (system time was
    ~15% of a worker's CPU time). Peak memory is unchanged; elsewhere this does nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 256 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        pass


def _map(
    fn: Callable[[J], R], jobs: list[J], workers: int, pool: Executor | None = None
) -> list[R]:
    """``fn`` over ``jobs`` in this process, or in ``workers`` processes (``pool`` if given)."""
    if workers <= 1 or len(jobs) <= 1:
        return [fn(job) for job in jobs]
    if pool is not None:
        return list(pool.map(fn, jobs))
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(fn, jobs))
