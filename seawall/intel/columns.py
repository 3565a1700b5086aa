"""Matching a column through its distinct values.

A batch of flows has far fewer distinct addresses and names than rows. Each distinct value
is looked up once (a ``Lookup`` turns a string array of distinct values into an indicator
id per value, -1 for none) and the answer reaches the rows through the dictionary indices.

Dictionary-typed columns (Parquet read with ``read_dictionary``) are used as they come, chunk
by chunk, at no encoding cost; a dictionary equal to one seen recently (the chunks of one
Parquet row group share it) is not looked up again. Plain string columns are
dictionary-encoded first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Lookup = Callable[[pa.Array], np.ndarray]

_MEMO_PER_KIND = 4  # dictionaries remembered per lookup kind (bounded memory)


@dataclass(frozen=True, slots=True)
class Hits:
    """Rows of an observed column that matched, and the indicator each matched."""

    rows: np.ndarray  # int64 row numbers
    ids: np.ndarray  # int64 indicator ids (the primary id of the matched value)

    def __len__(self) -> int:
        return len(self.rows)


EMPTY_HITS = Hits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


class DictionaryMemo:
    """Lookup answers for the last few dictionaries of each kind. Safe across threads."""

    def __init__(self, per_kind: int = _MEMO_PER_KIND) -> None:
        self._per_kind = per_kind
        self._entries: dict[str, list[tuple[pa.Array, np.ndarray]]] = {}
        self._lock = threading.Lock()

    def answers(self, kind: str, dictionary: pa.Array, lookup: Lookup) -> np.ndarray:
        with self._lock:
            entries = list(self._entries.get(kind, ()))
        for seen, found in entries:
            if len(seen) == len(dictionary) and seen.equals(dictionary):
                return found
        found = lookup(dictionary)
        with self._lock:
            kept = self._entries.setdefault(kind, [])
            kept.insert(0, (dictionary, found))
            del kept[self._per_kind :]
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def encoded_chunks(column: pa.Array | pa.ChunkedArray) -> list[pa.DictionaryArray]:
    """The column as dictionary arrays: dictionary chunks as they are, plain strings
    combined and encoded once (so each distinct value is looked up once per call)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if chunks and all(pa.types.is_dictionary(c.type) for c in chunks):
        return list(chunks)
    arr = as_array(column)
    if pa.types.is_dictionary(arr.type):
        return [arr]
    return [pc.dictionary_encode(arr)]


def match_column(
    column: pa.Array | pa.ChunkedArray, kind: str, lookup: Lookup, memo: DictionaryMemo
) -> Hits:
    """Rows of ``column`` whose value the lookup maps to an indicator."""
    if len(column) == 0 or column.null_count == len(column):
        return EMPTY_HITS
    row_parts: list[np.ndarray] = []
    id_parts: list[np.ndarray] = []
    offset = 0
    for chunk in encoded_chunks(column):
        size = len(chunk)
        if size and chunk.null_count < size and len(chunk.dictionary):
            dictionary = chunk.dictionary
            if pa.types.is_large_string(dictionary.type):
                dictionary = dictionary.cast(pa.string())
            found = memo.answers(kind, dictionary, lookup)
            rows, ids = _spread(found, chunk.indices)
            if len(rows):
                row_parts.append(rows + offset)
                id_parts.append(ids)
        offset += size
    if not row_parts:
        return EMPTY_HITS
    return Hits(np.concatenate(row_parts), np.concatenate(id_parts))


def _spread(found: np.ndarray, indices: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Per-distinct-value answers -> (rows that hit, their ids)."""
    hit = found >= 0
    if not hit.any():
        return EMPTY_HITS.rows, EMPTY_HITS.ids
    if indices.null_count:
        indices = pc.fill_null(indices, -1)  # lands on the sentinel appended below
    idx = indices.to_numpy(zero_copy_only=False)
    flags = np.append(hit, False)  # one byte per distinct value: the gather stays in cache
    rows = np.flatnonzero(flags[idx])
    return rows.astype(np.int64, copy=False), found[idx[rows]]
