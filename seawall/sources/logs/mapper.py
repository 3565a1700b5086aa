"""Applies the ``actions`` tables to a column of message keys, column-wise.

Keys are few (a file holds tens to hundreds of distinct mnemonics), so which mappings may
apply is decided once per distinct key in Python and cached; rows are then handled per
mapping with numpy masks, and only the rows a mapping takes run its RE2 patterns.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.logs.actions import FIELD_COLUMNS, RESULT_WORDS, Mapping
from seawall.sources.logs.columns import (
    STR,
    Scatter,
    byte_lengths,
    groups,
    slice_from,
    split_at,
)
from seawall.sources.logs.syslog import is_ip

KeyFn = Callable[[str | None], tuple[str, ...]]

_CACHE: dict[tuple[int, str | None], tuple[int, ...]] = {}
_CACHE_LOCK = threading.Lock()
_MAX_CACHE = 100_000


def _candidates(table: Sequence[Mapping], key_fn: KeyFn, key: str | None) -> tuple[int, ...]:
    cache_key = (id(table), key)
    found = _CACHE.get(cache_key)
    if found is None:
        keys = set(key_fn(key))
        found = tuple(i for i, m in enumerate(table) if keys.intersection(m.keys))
        with _CACHE_LOCK:
            if len(_CACHE) > _MAX_CACHE:
                _CACHE.clear()
            _CACHE[cache_key] = found
    return found


def encode(keys: pa.Array) -> tuple[list[str | None], np.ndarray]:
    """Distinct values of a column and each row's index into them (nulls: one past the
    end), to decide per distinct value in Python and gather per row with numpy."""
    encoded = pc.dictionary_encode(keys)
    uniques = encoded.dictionary.to_pylist()
    ids = pc.fill_null(encoded.indices, len(uniques)).to_numpy(zero_copy_only=False)
    return uniques, ids.astype(np.int64)


def apply_mappings(
    table: Sequence[Mapping],
    key_fn: KeyFn,
    keys: pa.Array,
    message: pa.Array,
    rows: np.ndarray,
    out: Scatter,
    default_action: str = "system",
) -> None:
    """Set ``event.action``, ``event.outcome`` and the mapped fields of ``rows`` (positions in
    ``out``), whose message keys and texts are ``keys`` and ``message``."""
    n = len(rows)
    if n == 0:
        return
    uniques, ids = encode(keys)
    per_key = [_candidates(table, key_fn, k) for k in [*uniques, None]]
    chosen = np.full(n, -1, dtype=np.int64)
    for index in sorted({i for c in per_key for i in c}):
        lookup = np.array([index in c for c in per_key], dtype=bool)
        idx = np.flatnonzero(lookup[ids] & (chosen < 0))
        if len(idx) == 0:
            continue
        mapping = table[index]
        text = message.take(pa.array(idx))
        if mapping.when:
            ok = pc.fill_null(pc.match_substring_regex(text, mapping.when), False)
            keep = ok.to_numpy(zero_copy_only=False)
            idx, text = idx[keep], text.filter(ok)
            if len(idx) == 0:
                continue
        chosen[idx] = index
        _apply_fields(mapping, text, rows[idx], out)
    names = pa.array([m.action for m in table] + [default_action], type=STR)
    outcomes = pa.array([m.outcome for m in table] + [None], type=STR)
    pick = pa.array(np.where(chosen < 0, len(table), chosen))
    out.put("event.action", rows, names.take(pick))
    # Fixed outcomes first; a ``result`` group read from the text (put earlier) must win,
    # so outcomes are only written where no result was read.
    fixed = outcomes.take(pick)
    out.put_under("event.outcome", rows, fixed)


_IP_COLUMNS = frozenset({"source.ip", "destination.ip", "host.ip"})
_TAIL = re.compile(r"\(\?P<(\w+)__tail>\)")


def _apply_fields(mapping: Mapping, text: pa.Array, rows: np.ndarray, out: Scatter) -> None:
    for pattern in mapping.fields:
        tail = _TAIL.search(pattern)
        if tail is None:
            _put_groups(pc.extract_regex(text, pattern), rows, out)
        else:
            _tail_field(pattern, tail, text, rows, out)


def _tail_field(
    pattern: str, mark: re.Match[str], text: pa.Array, rows: np.ndarray, out: Scatter
) -> None:
    """``prefix MARK suffix``: groups of the prefix, then the rest of the text after it
    without the suffix (cut by byte positions, not captured)."""
    prefix, suffix = pattern[: mark.start()], pattern[mark.end() :]
    found = pc.extract_regex(text, "^(?P<whole__>" + prefix.removeprefix("^") + ")")
    hit = found.is_valid().to_numpy(zero_copy_only=False)
    if not hit.any():
        return
    pick = pa.array(hit)
    found, text, rows = found.filter(pick), text.filter(pick), rows[hit]
    _put_groups(found, rows, out)
    rest = slice_from(text, byte_lengths(found.field("whole__")))
    if suffix:
        end = pc.extract_regex(rest, "(?P<end__>" + suffix + ")$")
        _put_groups(end, rows, out)
        keep = byte_lengths(rest) - byte_lengths(end.field("end__"))
        rest = split_at(rest, keep)[0]
    value = pc.utf8_trim_whitespace(rest)
    value = pc.if_else(pc.greater(pc.binary_length(value), 0), value, pa.scalar(None, STR))
    column = FIELD_COLUMNS.get(mark.group(1))
    if column is not None:
        out.put(column, rows, value)


def _put_groups(found: pa.StructArray, rows: np.ndarray, out: Scatter) -> None:
    names = [f.name for f in found.type if not f.name.endswith("__")]
    for name, values in groups(found, *names).items():
        column = FIELD_COLUMNS.get(name)
        if column in _IP_COLUMNS:
            values = pc.if_else(is_ip(values), values, pa.scalar(None, STR))
        if column is not None:
            out.put(column, rows, values)
        elif name == "result":
            words = pa.array(list(RESULT_WORDS), type=STR)
            mapped = pa.array(list(RESULT_WORDS.values()), type=STR).take(
                pc.index_in(pc.utf8_lower(values), value_set=words)
            )
            out.put("event.outcome", rows, mapped)
