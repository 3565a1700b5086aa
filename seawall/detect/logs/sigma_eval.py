"""Evaluate compiled Sigma rules over a ``log`` table with Arrow compute, all rules in one pass.

1. Preselect: every rule names literals one of which a matching row must contain (see
   ``sigma_backend.required_literals``). The literals of all rules are joined per column into
   one case-insensitive RE2 alternation and run once over that column, split across cores.
   Only the rows it hits (normally a tiny share of the lines) go further.
2. Exact: each rule's predicate tree is evaluated on those rows, leaf results shared between
   rules (many Cisco rules test the same column). Rules without literals to preselect on are
   evaluated the same way on every row.

Case-insensitive tests compare lower-cased columns with lower-cased values; a leaf is False,
never null, where its column is null.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.logs.sigma_backend import (
    CIDR,
    COMPARE,
    CONTAINS,
    ENDSWITH,
    EQUALS,
    EXISTS,
    FIELDREF,
    NULL,
    NUMBER,
    REGEX,
    STARTSWITH,
    TIME_PART,
    WILDCARD,
    AllOf,
    AnyOf,
    CompiledRule,
    Leaf,
    Node,
    Not,
    re2_escape,
)
from seawall.netaddr import NetworkSet

# Rows per slice when a preselection column is split across threads.
MIN_SLICE_ROWS = 200_000


def _threads() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _to_bool(result: pa.Array | pa.ChunkedArray, n: int) -> np.ndarray:
    filled = pc.fill_null(result, False)
    if isinstance(filled, pa.ChunkedArray):
        if filled.num_chunks == 0:
            return np.zeros(n, dtype=bool)
        filled = filled.combine_chunks()
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def regex_mask(column: pa.ChunkedArray | pa.Array, pattern: str) -> np.ndarray:
    """RE2 search of ``pattern`` over a string column, split over the cores (Arrow releases
    the GIL), as a bool array with False for nulls."""
    n = len(column)
    threads = _threads()
    if n < 2 * MIN_SLICE_ROWS or threads == 1:
        return _to_bool(pc.match_substring_regex(column, pattern), n)
    step = max(MIN_SLICE_ROWS, -(-n // threads))
    slices = [column.slice(start, step) for start in range(0, n, step)]

    def run(part: pa.ChunkedArray | pa.Array) -> np.ndarray:
        return _to_bool(pc.match_substring_regex(part, pattern), len(part))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(run, slices))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


class _Columns:
    """The columns of one table, cast to text and lower-cased on first use."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.n = table.num_rows
        self._text: dict[str, pa.ChunkedArray] = {}
        self._lower: dict[str, pa.ChunkedArray] = {}

    def raw(self, name: str) -> pa.ChunkedArray:
        return self.table.column(name)

    def text(self, name: str) -> pa.ChunkedArray:
        hit = self._text.get(name)
        if hit is None:
            col = self.raw(name)
            hit = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
            self._text[name] = hit
        return hit

    def lower(self, name: str) -> pa.ChunkedArray:
        hit = self._lower.get(name)
        if hit is None:
            hit = pc.utf8_lower(self.text(name))
            self._lower[name] = hit
        return hit


def _leaf(leaf: Leaf, cols: _Columns) -> np.ndarray:
    n = cols.n
    op = leaf.op
    if op in (EQUALS, CONTAINS, STARTSWITH, ENDSWITH):
        col = cols.text(leaf.field) if leaf.cased else cols.lower(leaf.field)
        value = str(leaf.value)
        if op == EQUALS:
            return _to_bool(pc.equal(col, value), n)
        if op == CONTAINS:
            return _to_bool(pc.match_substring(col, value), n)
        if op == STARTSWITH:
            return _to_bool(pc.starts_with(col, value), n)
        return _to_bool(pc.ends_with(col, value), n)
    if op in (WILDCARD, REGEX):
        return _to_bool(pc.match_substring_regex(cols.text(leaf.field), str(leaf.value)), n)
    if op == NULL:
        col = cols.raw(leaf.field)
        missing = _to_bool(pc.is_null(col), n)
        if pa.types.is_string(col.type):
            missing |= _to_bool(pc.equal(col, ""), n)
        return missing
    if op == EXISTS:
        present = _to_bool(pc.is_valid(cols.raw(leaf.field)), n)
        return present if leaf.value else ~present
    if op == NUMBER:
        return _to_bool(pc.equal(cols.raw(leaf.field), leaf.value), n)
    if op == COMPARE:
        fn = {
            "lt": pc.less,
            "lte": pc.less_equal,
            "gt": pc.greater,
            "gte": pc.greater_equal,
            "neq": pc.not_equal,
        }[leaf.compare]
        return _to_bool(fn(cols.raw(leaf.field), leaf.value), n)
    if op == TIME_PART:
        fn = {
            "minute": pc.minute,
            "hour": pc.hour,
            "day": pc.day,
            "week": pc.iso_week,
            "month": pc.month,
            "year": pc.year,
        }[leaf.compare]
        return _to_bool(pc.equal(fn(cols.raw(leaf.field)), leaf.value), n)
    if op == CIDR:
        networks = NetworkSet([str(leaf.value)])
        return np.asarray(networks.contains_column(cols.raw(leaf.field)), dtype=bool)
    if op == FIELDREF:
        return _to_bool(pc.equal(cols.lower(leaf.field), cols.lower(str(leaf.value))), n)
    raise ValueError(f"unknown leaf operation {op!r}")  # compile_rule never emits one


def _evaluate(node: Node, cols: _Columns, cache: dict[Leaf, np.ndarray]) -> np.ndarray:
    if isinstance(node, Leaf):
        hit = cache.get(node)
        if hit is None:
            hit = _leaf(node, cols)
            cache[node] = hit
        return hit
    if isinstance(node, Not):
        return ~_evaluate(node.part, cols, cache)
    if isinstance(node, AllOf):
        out = np.ones(cols.n, dtype=bool)
        for part in node.parts:
            out &= _evaluate(part, cols, cache)
            if not out.any():
                break
        return out
    if isinstance(node, AnyOf):
        out = np.zeros(cols.n, dtype=bool)
        for part in node.parts:
            out |= _evaluate(part, cols, cache)
        return out
    raise TypeError(f"not a predicate node: {node!r}")


def preselect(table: pa.Table, rules: Sequence[CompiledRule]) -> np.ndarray:
    """Row numbers that may match any of ``rules`` (all of which have required literals)."""
    by_field: dict[str, set[str]] = {}
    for rule in rules:
        for name, literal in rule.required or ():
            by_field.setdefault(name, set()).add(literal)
    hits = np.zeros(table.num_rows, dtype=bool)
    for name in sorted(by_field):
        pattern = "(?i)" + "|".join(re2_escape(lit) for lit in sorted(by_field[name]))
        hits |= regex_mask(table.column(name), pattern)
    return np.flatnonzero(hits)


def match_rules(table: pa.Table, rules: Sequence[CompiledRule]) -> list[np.ndarray]:
    """For each rule, the (ascending) row numbers of ``table`` it matches."""
    out: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in rules]
    if table.num_rows == 0 or not rules:
        return out
    narrow = [i for i, rule in enumerate(rules) if rule.required is not None]
    wide = [i for i, rule in enumerate(rules) if rule.required is None]
    if narrow:
        rows = preselect(table, [rules[i] for i in narrow])
        if len(rows):
            needed = sorted(set().union(*(rules[i].fields for i in narrow)))
            subset = table.select(needed).take(pa.array(rows))
            cols = _Columns(subset)
            cache: dict[Leaf, np.ndarray] = {}
            for i in narrow:
                out[i] = rows[_evaluate(rules[i].predicate, cols, cache)]
    if wide:
        needed = sorted(set().union(*(rules[i].fields for i in wide)))
        cols = _Columns(table.select(needed))
        cache = {}
        for i in wide:
            out[i] = np.flatnonzero(_evaluate(rules[i].predicate, cols, cache))
    return out
