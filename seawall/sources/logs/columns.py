"""Column helpers for the log parsers: regex groups, per-row string slicing, and gathering
values computed on subsets of rows back into whole columns. All vectorized (Arrow, numpy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

STR = pa.string()


def as_string_array(lines: Sequence[str] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous string (or large_string) array. Binary input is decoded as UTF-8 with
    invalid bytes replaced, so junk never raises."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks() if lines.num_chunks != 1 else lines.chunk(0)
    if not isinstance(lines, pa.Array):
        return pa.array(list(lines), type=STR)
    if pa.types.is_string(lines.type) or pa.types.is_large_string(lines.type):
        return lines
    if pa.types.is_binary(lines.type) or pa.types.is_large_binary(lines.type):
        values = [None if b is None else b.decode("utf-8", "replace") for b in lines.to_pylist()]
        return pa.array(values, type=STR)
    return pc.cast(lines, STR)


def groups(struct: pa.StructArray, *names: str) -> dict[str, pa.Array]:
    """Named groups of an ``extract_regex`` result; empty groups and failed rows are null."""
    valid = struct.is_valid()
    out = {}
    for name in names:
        child = struct.field(name)
        keep = pc.and_(valid, pc.greater(pc.binary_length(child), 0))
        out[name] = pc.if_else(keep, child, pa.scalar(None, child.type))
    return out


def string_offsets(arr: pa.Array) -> np.ndarray:
    """The offsets of a string array (respecting its slice offset)."""
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    raw = np.frombuffer(arr.buffers()[1], dtype=width)
    return raw[arr.offset : arr.offset + len(arr) + 1]


def _pieces(arr: pa.Array, cuts: np.ndarray) -> pa.Array:
    """Every string as two adjacent pieces (before and after byte ``cuts[i]``, clipped)
    over the same data buffer: 2n strings, no copy of the text."""
    offsets = string_offsets(arr)
    begin, end = offsets[:-1], offsets[1:]
    cut = np.minimum(begin + np.maximum(cuts, 0).astype(begin.dtype), end)
    both = np.empty(2 * len(arr) + 1, dtype=offsets.dtype)
    both[0:-1:2] = begin
    both[1::2] = cut
    both[-1] = end[-1]
    return pa.Array.from_buffers(
        arr.type, 2 * len(arr), [None, pa.py_buffer(both), arr.buffers()[2]]
    )


def _keep_nulls(arr: pa.Array, values: pa.Array) -> pa.Array:
    if arr.null_count:
        return pc.if_else(arr.is_valid(), values, pa.scalar(None, arr.type))
    return values


def split_at(arr: pa.Array, cuts: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """Each string cut in two at byte ``cuts[i]``: (heads, tails). Byte offsets must fall on
    character boundaries (regex group lengths and substring positions do)."""
    if len(arr) == 0:
        return arr, arr
    pieces = _pieces(arr, cuts)
    heads = pieces.take(pa.array(np.arange(0, 2 * len(arr), 2)))
    tails = pieces.take(pa.array(np.arange(1, 2 * len(arr), 2)))
    return _keep_nulls(arr, heads), _keep_nulls(arr, tails)


def slice_from(arr: pa.Array, starts: np.ndarray) -> pa.Array:
    """Each string from byte ``starts[i]`` to its end (see ``split_at``)."""
    if len(arr) == 0:
        return arr
    tails = _pieces(arr, starts).take(pa.array(np.arange(1, 2 * len(arr), 2)))
    return _keep_nulls(arr, tails)


def byte_lengths(arr: pa.Array) -> np.ndarray:
    """Byte length of each string (0 for nulls)."""
    return pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False).astype(np.int64)


class Scatter:
    """Columns of ``n`` rows filled piece by piece from values computed on subsets of rows.
    A later piece wins over an earlier one for the rows it sets; null values never overwrite."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._pieces: dict[str, list[tuple[np.ndarray, pa.Array]]] = {}

    def put(self, name: str, rows: np.ndarray, values: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if len(rows) == 0 or values.null_count == len(values):
            return
        if values.null_count:
            keep = values.is_valid()
            rows = rows[keep.to_numpy(zero_copy_only=False)]
            values = values.filter(keep)
            if len(rows) == 0:
                return
        self._pieces.setdefault(name, []).append((rows, values))

    def put_under(self, name: str, rows: np.ndarray, values: pa.Array) -> None:
        """Like ``put`` but every other piece of ``name``, earlier or later, wins over it."""
        before = len(self._pieces.get(name, []))
        self.put(name, rows, values)
        pieces = self._pieces.get(name, [])
        if len(pieces) > before:
            pieces.insert(0, pieces.pop())

    def put_all(self, rows: np.ndarray, columns: Mapping[str, pa.Array]) -> None:
        for name, values in columns.items():
            self.put(name, rows, values)

    def names(self) -> list[str]:
        return list(self._pieces)

    def build(self, name: str, type_: pa.DataType) -> pa.Array:
        pieces = self._pieces.get(name)
        if not pieces:
            return pa.nulls(self.n, type_)
        values = [v if v.type == type_ else pc.cast(v, type_) for _, v in pieces]
        if len(pieces) == 1 and len(pieces[0][0]) == self.n:
            rows = pieces[0][0]
            if rows[0] == 0 and rows[-1] == self.n - 1 and np.all(rows[1:] > rows[:-1]):
                return values[0]  # one piece in row order covering every row
        pos = np.full(self.n, -1, dtype=np.int64)
        base = 0
        for rows, v in zip((r for r, _ in pieces), values, strict=True):
            pos[rows] = np.arange(base, base + len(v))
            base += len(v)
        flat = values[0] if len(values) == 1 else pa.concat_arrays(values)
        index = pa.array(pos, mask=pos < 0)
        return flat.take(index)
