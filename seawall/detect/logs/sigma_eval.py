"""Evaluate compiled Sigma rules over a ``log`` table with Arrow compute, all rules in one pass.

1. Preselect: every rule names literals a matching row must contain (clauses of which all
   hold, each satisfied by one of its literals: see ``sigma_backend.required_literals``). The
   literals of all rules are joined per column into one case-insensitive RE2 alternation, run
   once over that column and split across cores; a rule's candidates are the rows where each
   of its clauses has a hit. Only those rows (normally a tiny share) go further.
2. Exact: each rule's predicate tree is evaluated on those rows, leaf results shared between
   rules (many Cisco rules test the same column). Substring leaves are again narrowed by one
   alternation pass per column to the rows holding their literal. Rules without literals to
   preselect on are evaluated the same way on every row.

Case-insensitive tests compare lower-cased columns with lower-cased values; a leaf is False,
never null, where its column is null.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
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
    Clause,
    CompiledRule,
    Leaf,
    Node,
    Not,
    re2_escape,
)
from seawall.netaddr import NetworkSet

# Rows per slice when a preselection column is split across threads.
MIN_SLICE_ROWS = 200_000
# Leaves evaluated only on the rows holding their literal (prefix and equality tests are
# cheap enough on every row).
NARROWED_OPS = frozenset({CONTAINS, ENDSWITH, WILDCARD})


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


def take_rows(data: pa.ChunkedArray, rows: np.ndarray) -> pa.ChunkedArray:
    """``data[rows]`` for ascending ``rows``, chunk by chunk: Arrow's take on a chunked
    column first concatenates every chunk (a copy of the whole column per call)."""
    if data.num_chunks <= 1:
        return data.take(pa.array(rows, pa.int64()))
    bounds = np.cumsum([0] + [len(c) for c in data.chunks])
    which = np.searchsorted(bounds, rows, side="right") - 1
    pieces = []
    for index in np.unique(which):
        local = rows[which == index] - bounds[index]
        pieces.append(data.chunk(int(index)).take(pa.array(local, pa.int64())))
    return pa.chunked_array(pieces, data.type)


def take_table(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """``take_rows`` for every column of ``table``."""
    return pa.Table.from_arrays([take_rows(c, rows) for c in table.columns], schema=table.schema)


def _alternation(literals: Iterable[str]) -> str:
    """One case-insensitive RE2 search for any of ``literals``."""
    return "(?i)" + "|".join(re2_escape(lit) for lit in sorted(literals))


class _Columns:
    """The columns of one table, cast to text and lower-cased on first use.

    ``hints`` are, per column, the literals of the substring-like leaves about to be tested
    on it: one RE2 pass finds the rows holding any of them, and those leaves are evaluated on
    these rows only (Arrow's substring kernels cost ~80 ns a row each; one alternation pass
    costs about as much as one of them)."""

    def __init__(self, table: pa.Table, hints: dict[str, set[str]] | None = None) -> None:
        self.table = table
        self.n = table.num_rows
        self.hints = hints or {}
        self._text: dict[str, pa.ChunkedArray] = {}
        self._lower: dict[str, pa.ChunkedArray] = {}
        self._narrow: dict[str, tuple[np.ndarray, _Columns]] = {}

    def narrowed(self, name: str) -> tuple[np.ndarray, _Columns] | None:
        """(rows holding one of the column's hint literals, those rows of the column)."""
        literals = self.hints.get(name)
        if not literals:
            return None
        hit = self._narrow.get(name)
        if hit is None:
            rows = np.flatnonzero(regex_mask(self.raw(name), _alternation(literals)))
            hit = (rows, _Columns(take_table(self.table.select([name]), rows)))
            self._narrow[name] = hit
        return hit

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
    if leaf.hint is not None and leaf.op in NARROWED_OPS:
        narrowed = cols.narrowed(leaf.field)
        if narrowed is not None:
            rows, sub = narrowed
            out = np.zeros(cols.n, dtype=bool)
            if len(rows):
                out[rows] = _direct(leaf, sub)
            return out
    return _direct(leaf, cols)


def _direct(leaf: Leaf, cols: _Columns) -> np.ndarray:
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
    """Row numbers that may match any of ``rules`` (all of which have requirements).

    One alternation pass per column over all rules' literals finds the rows holding any of
    them; each distinct clause is then tested on those rows only (a clause's literals may be
    common, e.g. every IOS XE Web UI login, while another clause of the same rule is rare);
    a rule's candidates are the rows where all its clauses hold."""
    by_field: dict[str, set[str]] = {}
    clauses: set[Clause] = set()
    for rule in rules:
        for clause in rule.required or ():
            clauses.add(clause)
            for name, literal in clause:
                by_field.setdefault(name, set()).add(literal)
    n = table.num_rows
    field_rows = {
        name: np.flatnonzero(regex_mask(table.column(name), _alternation(by_field[name])))
        for name in sorted(by_field)
    }
    clause_hits: dict[Clause, np.ndarray] = {}
    for clause in clauses:
        hit = np.zeros(n, dtype=bool)
        literals_by_field: dict[str, set[str]] = {}
        for name, literal in clause:
            literals_by_field.setdefault(name, set()).add(literal)
        for name, literals in literals_by_field.items():
            rows = field_rows[name]
            if not len(rows):
                continue
            if literals == by_field[name]:  # the field pass already answered this clause
                hit[rows] = True
                continue
            values = take_rows(table.column(name), rows)
            hit[rows[regex_mask(values, _alternation(literals))]] = True
        clause_hits[clause] = hit
    hits = np.zeros(n, dtype=bool)
    for rule in rules:
        rule_hits = np.ones(n, dtype=bool)
        for clause in rule.required or ():
            rule_hits &= clause_hits[clause]
        hits |= rule_hits
    return np.flatnonzero(hits)


def _leaves(node: Node) -> Iterator[Leaf]:
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, Not):
        yield from _leaves(node.part)
    else:
        for part in node.parts:
            yield from _leaves(part)


def _hints(rules: Iterable[CompiledRule]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rule in rules:
        for leaf in _leaves(rule.predicate):
            if leaf.hint is not None and leaf.op in NARROWED_OPS:
                out.setdefault(leaf.field, set()).add(leaf.hint)
    return out


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
            subset = take_table(table.select(needed), rows)
            cols = _Columns(subset, _hints(rules[i] for i in narrow))
            cache: dict[Leaf, np.ndarray] = {}
            for i in narrow:
                out[i] = rows[_evaluate(rules[i].predicate, cols, cache)]
    if wide:
        needed = sorted(set().union(*(rules[i].fields for i in wide)))
        cols = _Columns(table.select(needed), _hints(rules[i] for i in wide))
        cache = {}
        for i in wide:
            out[i] = np.flatnonzero(_evaluate(rules[i].predicate, cols, cache))
    return out
