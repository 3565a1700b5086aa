"""Column helpers shared by the traffic detectors: Arrow columns to numpy codes and times."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def codes(column: pa.ChunkedArray | pa.Array, missing: str = "") -> tuple[IntArray, list[str]]:
    """Dense integer codes of a string column (nulls become ``missing``) and the values."""
    filled = pc.fill_null(column, missing)
    encoded = pc.dictionary_encode(filled)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = (
            encoded.combine_chunks()
            if encoded.num_chunks
            else pa.array([], pa.dictionary(pa.int32(), pa.string()))
        )
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return indices, encoded.dictionary.to_pylist()


def combine(*parts: IntArray) -> tuple[IntArray, int]:
    """Dense codes of the combination of several code arrays (like a multi-column group key),
    numbered in sorted key order."""
    if not parts:
        raise ValueError("combine() needs at least one code array")
    key = np.asarray(parts[0], dtype=np.int64)
    for part in parts[1:]:
        width = int(part.max()) + 1 if part.size else 1
        key, _ = dense_sorted(key * width + part)
    if len(parts) == 1:
        return dense_sorted(key)
    return key, (int(key.max()) + 1 if key.size else 0)


def dense_sorted(key: IntArray) -> tuple[IntArray, int]:
    """Like ``np.unique(key, return_inverse=True)`` but hash-based (Arrow): only the distinct
    values are sorted, not every row."""
    if key.size == 0:
        return key.astype(np.int64), 0
    encoded = pc.dictionary_encode(pa.array(key, pa.int64()))
    distinct = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False))
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[np.argsort(distinct, kind="stable")] = np.arange(len(distinct), dtype=np.int64)
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
    return rank[indices], len(distinct)


def int_column(column: pa.ChunkedArray | pa.Array, missing: int = 0) -> IntArray:
    return np.asarray(pc.fill_null(column, missing).to_numpy(zero_copy_only=False), dtype=np.int64)


def epoch_seconds(column: pa.ChunkedArray | pa.Array) -> FloatArray:
    """Timestamps as float epoch seconds (microsecond resolution kept); nulls become NaN."""
    micros = pc.cast(column, pa.int64())
    valid = np.asarray(pc.is_valid(micros).to_numpy(zero_copy_only=False), dtype=bool)
    values = np.asarray(pc.fill_null(micros, 0).to_numpy(zero_copy_only=False), dtype=np.float64)
    values /= 1e6
    values[~valid] = np.nan
    return values


def string_list(column: pa.ChunkedArray | pa.Array) -> list[str | None]:
    return list(column.to_pylist())


TCP_SYN = 0x02


def directionless_key(
    flows: pa.Table,
    rows: IntArray | None = None,
    addresses: tuple[IntArray, IntArray] | None = None,
    transport: tuple[IntArray, list[str]] | None = None,
) -> IntArray:
    """Code of each flow's 5-tuple that is the same for both directions of a connection (a
    flow meter may see a continuation first from the server side); only ``rows`` if given.
    ``addresses`` (source and destination codes in one dictionary, -1 for null) and
    ``transport`` (``codes`` of network.transport): if already made.

    Codes are for equality only: equal iff same connection, numbered in no useful order."""
    n = flows.num_rows
    if addresses is None:
        ips, _ = codes(
            pa.chunked_array(
                flows["source.ip"].chunks + flows["destination.ip"].chunks, type=pa.string()
            )
        )
        addresses = ips[:n], ips[n:]
    src_end = addresses[0] * 65_536 + int_column(flows["source.port"])
    dst_end = addresses[1] * 65_536 + int_column(flows["destination.port"])
    proto, names = transport if transport is not None else codes(flows["network.transport"])
    if rows is not None:
        src_end, dst_end, proto = src_end[rows], dst_end[rows], proto[rows]
    kinds = max(len(names), 1)
    low, low_count = dense_first(np.minimum(src_end, dst_end))
    high = np.maximum(src_end, dst_end) + 65_536  # >= 0: a null address has code -1
    width = int(high.max()) + 1 if high.size else 1
    if low_count * width * kinds < 1 << 62:
        key = low * width + high  # one end made dense is enough to pack both
    else:
        high, high_count = dense_first(high)
        key = low * high_count + high
        if low_count * high_count * kinds >= 1 << 62:
            key, _ = dense_first(key)
    return key * kinds + proto


def dense_first(key: IntArray) -> tuple[IntArray, int]:
    """Dense codes numbered by first occurrence (hash-based, nothing sorted) and how many."""
    if key.size == 0:
        return key.astype(np.int64), 0
    encoded = pc.dictionary_encode(pa.array(key, pa.int64()))
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return indices, len(encoded.dictionary)


def is_tcp(
    flows: pa.Table, transport: tuple[IntArray, list[str]] | None = None
) -> npt.NDArray[np.bool_]:
    """Per flow: network.transport is tcp (``transport``: its ``codes``, if already made)."""
    kinds, values = transport if transport is not None else codes(flows["network.transport"])
    return np.array([v == "tcp" for v in values] + [False], dtype=bool)[kinds]


def tcp_opening(flows: pa.Table) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per flow: whether TCP flags are known, and whether either side sent a SYN."""
    flags_known = np.asarray(
        pc.or_(
            pc.is_valid(flows["source.tcp_flags"]), pc.is_valid(flows["destination.tcp_flags"])
        ).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    flags = int_column(flows["source.tcp_flags"]) | int_column(flows["destination.tcp_flags"])
    return flags_known, (flags & TCP_SYN) != 0


def end_reason_in(flows: pa.Table, reasons: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    reason, values = codes(flows["flow.end_reason"])
    return np.array([v in reasons for v in values] + [False], dtype=bool)[reason]


def group_order(groups: IntArray, values: FloatArray) -> IntArray:
    """Row order by group, then value: like ``np.lexsort((values, groups))`` but faster (a
    float sort, then a stable integer sort)."""
    by_value = np.argsort(values, kind="quicksort")
    return by_value[np.argsort(groups[by_value], kind="stable")]


def time_order(micros: IntArray) -> IntArray:
    """Row numbers in time order, ties in row order (input already in order costs one pass)."""
    n = micros.size
    if n < 2 or bool(np.all(micros[1:] >= micros[:-1])):
        return np.arange(n, dtype=np.int64)
    low = int(micros.min())
    row_bits = (n - 1).bit_length()
    if (int(micros.max()) - low).bit_length() + row_bits <= 63:
        # Time and row number packed in one int64: a plain sort, no argsort.
        packed = ((micros - low) << row_bits) | np.arange(n, dtype=np.int64)
        packed.sort()
        return packed & ((1 << row_bits) - 1)
    return np.argsort(micros, kind="stable").astype(np.int64)


def regroup(order: IntArray, key: IntArray) -> IntArray:
    """``order`` (row numbers) reordered stably by ``key[row]`` (non-negative int64): rows
    in time order come out sorted by key, then time.

    LSD radix sort on 16-bit digits, each digit by numpy's stable argsort of uint16 (a radix
    sort, linear); a key of up to 32 bits costs two linear passes instead of an argsort."""
    if order.size < 2:
        return order
    keys = key[order]
    bits = int(keys.max()).bit_length()
    if bits > 48:
        return order[np.argsort(keys, kind="stable")]
    for shift in range(0, max(bits, 1), 16):
        digit = ((keys >> shift) & 0xFFFF).astype(np.uint16)
        step = np.argsort(digit, kind="stable")
        order = order[step]
        keys = keys[step]
    return order


def runs(sorted_keys: IntArray) -> tuple[IntArray, IntArray]:
    """Start offset and length of each run of equal values in ``sorted_keys``."""
    n = sorted_keys.size
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.concatenate(([0], np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1))
    lengths = np.diff(np.append(starts, n))
    return starts.astype(np.int64), lengths.astype(np.int64)


def bool_column(array: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
    """A boolean Arrow result as numpy (nulls count as False)."""
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)
