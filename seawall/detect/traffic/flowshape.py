"""Vectorized building blocks for flow-shape detectors (DNS tunnel, exfil, brute force, scan).

Everything works on whole columns: strings become integer codes once, groups are found by
sorting, sliding windows by ``searchsorted``. No Python loop runs per flow; loops run only
over the few groups that end up as alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import NetworkContext
from seawall.netaddr import PRIVATE, NetworkSet
from seawall.records.alerts import InputRef

# TCP flag bits as stored in source.tcp_flags / destination.tcp_flags.
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20

# Multicast and broadcast destinations are never the target of a sweep or a login.
NOT_A_HOST = NetworkSet(["224.0.0.0/4", "255.255.255.255/32", "0.0.0.0/8", "ff00::/8"])


def as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous Arrow array (chunked columns are combined once)."""
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 0:
            return pa.array([], type=column.type)
        return column.combine_chunks() if column.num_chunks > 1 else column.chunk(0)
    return column


def seconds(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Timestamps as float seconds since the epoch; nulls become NaN."""
    arr = as_array(column)
    if len(arr) == 0:
        return np.zeros(0, dtype=np.float64)
    micros = pc.cast(pc.cast(arr, pa.timestamp("us", tz="UTC")), pa.int64())
    values = micros.to_numpy(zero_copy_only=False).astype(np.float64)
    if micros.null_count:
        values[micros.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return values / 1e6


def numbers(column: pa.Array | pa.ChunkedArray, fill: float = 0) -> np.ndarray:
    """A numeric column as a numpy array with nulls replaced by ``fill``."""
    arr = as_array(column)
    if len(arr) == 0:
        return np.zeros(0, dtype=np.float64)
    if arr.null_count:
        arr = pc.fill_null(arr, pa.scalar(fill).cast(arr.type))
    return np.asarray(arr.to_numpy(zero_copy_only=False))


def is_null(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    arr = as_array(column)
    return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)


@dataclass(slots=True)
class Codes:
    """A string column as dense integer codes (-1 for null) plus the distinct values."""

    codes: np.ndarray
    values: pa.Array

    def value(self, code: int) -> str | None:
        return None if code < 0 else self.values[int(code)].as_py()


def encode(column: pa.Array | pa.ChunkedArray) -> Codes:
    """Dictionary-encode a string column once; groupbys then run on integers."""
    arr = as_array(column)
    if len(arr) == 0:
        return Codes(np.zeros(0, dtype=np.int64), pa.array([], type=pa.string()))
    encoded = pc.dictionary_encode(arr)
    indices = encoded.indices
    codes = np.asarray(pc.fill_null(indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return Codes(codes, encoded.dictionary)


def encode_pair(
    first: pa.Array | pa.ChunkedArray, second: pa.Array | pa.ChunkedArray
) -> tuple[np.ndarray, np.ndarray, Codes]:
    """Encode two address columns into one code space, so a host's code is the same
    whether it appears as source or destination."""
    a, b = encode(first), encode(second)
    joint = encode(pa.chunked_array([a.values, b.values], type=pa.string()))
    map_a = joint.codes[: len(a.values)]
    map_b = joint.codes[len(a.values) :]
    codes_a = np.where(a.codes >= 0, map_a[np.maximum(a.codes, 0)] if len(map_a) else -1, -1)
    codes_b = np.where(b.codes >= 0, map_b[np.maximum(b.codes, 0)] if len(map_b) else -1, -1)
    return codes_a.astype(np.int64), codes_b.astype(np.int64), joint


def combine(*parts: np.ndarray) -> np.ndarray:
    """One dense int64 group id per row from several integer code arrays (hash-based),
    numbered by first occurrence of each distinct combination."""
    if not parts:
        raise ValueError("combine() needs at least one code array")
    wide = [part.astype(np.int64) for part in parts]
    packable = all(len(p) == 0 or int(p.min()) >= -1 for p in wide)
    key = np.zeros(len(parts[0]), dtype=np.int64)
    span = 1  # key < span
    for part64 in wide:
        width = int(part64.max()) + 2 if len(part64) else 1
        # Codes (-1 for missing) are packed into one int64 while it cannot overflow and made
        # dense only then: the first-occurrence numbering comes out the same.
        if not packable or span * width >= 1 << 62:
            key = pd.factorize(key)[0].astype(np.int64)
            span = int(key.max()) + 1 if len(key) else 1
        key = key * width + (part64 + 1)
        span *= width
    return pd.factorize(key)[0].astype(np.int64)


def equals(column: pa.Array | pa.ChunkedArray, value: str) -> np.ndarray:
    """Boolean mask of a string column equal to ``value`` (nulls: False), without
    materialising Python strings."""
    arr = as_array(column)
    if len(arr) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(
        pc.fill_null(pc.equal(arr, value), False).to_numpy(zero_copy_only=False), dtype=bool
    )


def in_networks(nets: NetworkSet, column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Membership of an address column in ``nets`` (each distinct address looked up once)."""
    return nets.contains_column(column)


def networks_by_code(nets: NetworkSet, codes: np.ndarray, values: pa.Array) -> np.ndarray:
    """``in_networks`` of a column already encoded (codes, -1 for null, into ``values``):
    each distinct address is looked up once."""
    if len(codes) == 0 or not nets:
        return np.zeros(len(codes), dtype=bool)
    return by_code(in_networks(nets, values), codes)


def by_code(per_value: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Spread a per-distinct-value boolean onto rows by their codes (-1, null: False)."""
    if len(per_value) == 0:
        return np.zeros(len(codes), dtype=bool)
    return (codes >= 0) & per_value[np.maximum(codes, 0)]


def internal_nets(network: NetworkContext) -> NetworkSet:
    """The operator's internal networks, or private address space when none are set."""
    return network.internal if network.internal else PRIVATE


def internal_mask(column: pa.Array | pa.ChunkedArray, network: NetworkContext) -> np.ndarray:
    """Addresses inside the operator's networks; private space when none are configured."""
    nets = network.internal if network.internal else PRIVATE
    return in_networks(nets, column)


def first_contacts(group: np.ndarray, target: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Row indices of the first time each (group, target) pair appears.

    Counting first contacts in a sliding window gives the number of *new* distinct targets
    per window: a sweep is a burst of new targets, and the count is exact for a target
    touched once and a lower bound for a target touched again in a later sweep."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    pair = combine(group, target)
    by_time = np.argsort(t, kind="stable")  # captures are mostly in time order already
    repeat = pd.Series(pair[by_time]).duplicated().to_numpy()
    return np.asarray(np.sort(by_time[~repeat]), dtype=np.int64)


@dataclass(slots=True)
class WindowPeaks:
    """Per group: the largest number of events inside any window of ``window`` seconds."""

    group: np.ndarray  # group id
    count: np.ndarray  # events in the busiest window
    total: np.ndarray  # events in the group overall
    window_start: np.ndarray  # time of the first event of the busiest window
    window_end: np.ndarray  # time of its last event
    first: np.ndarray  # first event of the group (any window)
    last: np.ndarray
    # Original row indices of the busiest window's events, for the groups asked for.
    rows: dict[int, np.ndarray]


def window_peaks(
    group: np.ndarray, t: np.ndarray, window: float, keep: np.ndarray | None = None
) -> WindowPeaks:
    """Sliding-window event counts per group, found with one sort and one searchsorted.

    Each group's times are shifted onto one increasing axis with a gap wider than the window
    between groups, so a single ``searchsorted`` finds every window start without crossing
    into the previous group. ``keep`` (group ids) limits which groups' row lists are built.
    """
    ok = ~np.isnan(t)
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        empty_f = np.zeros(0, dtype=np.float64)
        empty_i = np.zeros(0, dtype=np.int64)
        return WindowPeaks(empty_i, empty_i, empty_i, empty_f, empty_f, empty_f, empty_f, {})
    g_all, t_all = group[idx], t[idx]
    order = np.lexsort((t_all, g_all))
    g, ts = g_all[order], t_all[order]
    n = len(g)
    boundary = np.ones(n, dtype=bool)
    boundary[1:] = g[1:] != g[:-1]
    starts = np.flatnonzero(boundary)
    ends = np.r_[starts[1:], n]
    gid = np.cumsum(boundary) - 1
    tmin = ts[starts]
    span = ts[ends - 1] - tmin
    offset = np.concatenate(([0.0], np.cumsum(span + window + 1.0)[:-1]))
    adj = ts - tmin[gid] + offset[gid]
    begin = np.searchsorted(adj, adj - window, side="left")
    count = np.arange(n) - begin + 1
    best = np.maximum.reduceat(count, starts)
    positions = np.where(count == best[gid], np.arange(n), n)
    best_pos = np.minimum.reduceat(positions, starts)
    best_begin = begin[best_pos]
    original = idx[order]
    rows: dict[int, np.ndarray] = {}
    if keep is not None and len(keep):
        for k in np.flatnonzero(np.isin(g[starts], keep)):
            rows[int(g[starts[k]])] = original[best_begin[k] : best_pos[k] + 1]
    return WindowPeaks(
        group=g[starts],
        count=best.astype(np.int64),
        total=(ends - starts).astype(np.int64),
        window_start=ts[best_begin],
        window_end=ts[best_pos],
        first=tmin,
        last=ts[ends - 1],
        rows=rows,
    )


def when(value: float) -> datetime | None:
    """Float epoch seconds to an aware datetime (NaN: None)."""
    if value is None or np.isnan(value):
        return None
    return datetime.fromtimestamp(float(value), tz=UTC)


def input_refs(table: pa.Table, rows: np.ndarray | list[int], limit: int = 5) -> list[InputRef]:
    """Where the evidence came from: the first ``limit`` rows' file and frame/line."""
    picked = np.asarray(rows, dtype=np.int64)[:limit]
    if len(picked) == 0 or "input.file" not in table.column_names:
        return []
    subset = table.select(["input.file", "input.frame", "input.line"]).take(pa.array(picked))
    refs: list[InputRef] = []
    seen: set[tuple[str, int | None, int | None]] = set()
    for file, frame, line in zip(
        subset.column(0).to_pylist(),
        subset.column(1).to_pylist(),
        subset.column(2).to_pylist(),
        strict=True,
    ):
        if file is None:
            continue
        key = (file, frame, line)
        if key not in seen:
            seen.add(key)
            refs.append(InputRef(file=file, frame=frame, line=line))
    return refs


def severity_at(level: int) -> str:
    """Clamp an integer level onto the severity scale (0 = info ... 4 = critical)."""
    names = ("info", "low", "medium", "high", "critical")
    return names[max(0, min(len(names) - 1, level))]
