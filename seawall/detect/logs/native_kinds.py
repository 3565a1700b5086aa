"""How each kind of native log rule turns the rows its conditions select into hits.

The conditions run column-wise (``native_match``); what is left is usually a small candidate
set. Grouping, window arithmetic and the sliding distinct count use numpy over those
candidates; only the sequence state machine steps through candidate rows one by one, and only
for groups that can still reach the rule's threshold.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seawall.detect.logs.native_match import NULL_TIME, Frame
from seawall.detect.logs.native_model import LogRule, format_duration


@dataclass(slots=True)
class Hit:
    """Rows (indices into the LOG table, in time order) that together raise one alert."""

    rows: np.ndarray
    group: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def evaluate_rule(rule: LogRule, frame: Frame) -> list[Hit]:
    if frame.n == 0:
        return []
    if rule.kind == "pattern":
        return _pattern(rule, frame)
    if rule.kind == "threshold":
        return _threshold(rule, frame)
    if rule.kind == "distinct_count":
        return _distinct_count(rule, frame)
    if rule.kind == "first_seen":
        return _first_seen(rule, frame)
    if rule.kind == "sequence":
        return _sequence(rule, frame)
    raise ValueError(f"rule {rule.id}: unknown kind {rule.kind!r}")


# ---- grouping helpers -----------------------------------------------------------------------


def _group_ids(frame: Frame, fields: tuple[str, ...], rows: np.ndarray) -> tuple[np.ndarray, list]:
    """Group number per row and, per group, the field values (None for absent)."""
    if not fields or len(rows) == 0:
        return np.zeros(len(rows), dtype=np.int64), [{}] if len(rows) else []
    encoded = [frame.encoded(f) for f in fields]
    # One int64 key per row (codes shifted past -1, mixed radix over the dictionary sizes),
    # so grouping is a 1-D unique; several dictionaries too large for that fall back to rows.
    sizes = [len(dictionary) + 1 for _, dictionary in encoded]
    if float(np.prod(np.array(sizes, dtype=np.float64))) < 2.0**62:
        key = np.zeros(len(rows), dtype=np.int64)
        for (codes, _), size in zip(encoded, sizes, strict=True):
            key = key * size + (codes[rows] + 1)
        uniques, inverse = np.unique(key, return_inverse=True)
        keys = np.empty((len(uniques), len(fields)), dtype=np.int64)
        rest = uniques.copy()
        for i in range(len(fields) - 1, -1, -1):
            keys[:, i] = rest % sizes[i] - 1
            rest //= sizes[i]
    else:
        stacked = np.stack([codes[rows] for codes, _ in encoded], axis=1)
        keys, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    values = [
        dictionary.to_pylist() if len(keys) * 4 > len(dictionary) else None
        for _, dictionary in encoded
    ]
    groups = []
    for key_row in keys.tolist():
        group: dict[str, Any] = {}
        for f, code, (_, dictionary), listed in zip(fields, key_row, encoded, values, strict=True):
            if code < 0:
                group[f] = None
            else:
                group[f] = listed[code] if listed is not None else dictionary[code].as_py()
        groups.append(group)
    return inverse.astype(np.int64), groups


def _timed(frame: Frame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows that have a time, and their times."""
    times = frame.times()[rows]
    keep = times != NULL_TIME
    return rows[keep], times[keep]


def _segments(group: np.ndarray) -> Iterator[tuple[int, int]]:
    """[start, end) of each run of equal group numbers in a group-sorted array."""
    if len(group) == 0:
        return
    cuts = np.flatnonzero(np.diff(group)) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(group)]))
    yield from zip(starts.tolist(), ends.tolist(), strict=True)


def _ordered(rows: np.ndarray, times: np.ndarray, group: np.ndarray) -> np.ndarray:
    return np.lexsort((rows, times, group))


def _bursts(qualifying: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge [first, last] position intervals that share an event into bursts."""
    merged: list[tuple[int, int]] = []
    for lo, hi in qualifying:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


# ---- kinds ----------------------------------------------------------------------------------


def _pattern(rule: LogRule, frame: Frame) -> list[Hit]:
    rows = rule.match.select(frame, None)
    if len(rows) == 0:
        return []
    if not rule.group_by:
        times = frame.times()[rows]
        order = np.lexsort((rows, times))
        return [Hit(rows=rows[i : i + 1]) for i in order.tolist()]
    group, groups = _group_ids(frame, rule.group_by, rows)
    times = frame.times()[rows]
    order = _ordered(rows, times, group)
    hits = []
    for lo, hi in _segments(group[order]):
        sel = order[lo:hi]
        for part in _split_on_gaps(sel, times[sel], rule.window_us):
            hits.append(Hit(rows=rows[part], group=groups[int(group[part[0]])]))
    return hits


def _split_on_gaps(sel: np.ndarray, times: np.ndarray, gap: int | None) -> list[np.ndarray]:
    """Time-ordered rows cut where two events are more than ``gap`` apart (rows without a
    time stay with the run before them)."""
    if gap is None or len(sel) < 2:
        return [sel]
    known = times != NULL_TIME
    stamps = np.maximum.accumulate(times)  # NULL_TIME is the smallest int64
    prev, cur = stamps[:-1], stamps[1:]
    seen = prev != NULL_TIME
    step = np.where(seen, cur - np.where(seen, prev, cur), 0)
    cuts = np.flatnonzero(known[1:] & seen & (step > gap)) + 1
    return np.split(sel, cuts)


def _threshold(rule: LogRule, frame: Frame) -> list[Hit]:
    assert rule.window_us is not None and rule.threshold is not None
    rows, times = _timed(frame, rule.match.select(frame, None))
    if len(rows) < rule.threshold:
        return []
    group, groups = _group_ids(frame, rule.group_by, rows)
    order = _ordered(rows, times, group)
    rows, times, group = rows[order], times[order], group[order]
    hits = []
    for lo, hi in _segments(group):
        if hi - lo < rule.threshold:
            continue
        ts = times[lo:hi]
        first = np.searchsorted(ts, ts - rule.window_us, side="left")
        counts = np.arange(len(ts)) - first + 1
        qualifying = [
            (int(first[i]), int(i)) for i in np.flatnonzero(counts >= rule.threshold).tolist()
        ]
        for a, b in _bursts(qualifying):
            hits.append(
                Hit(
                    rows=rows[lo + a : lo + b + 1],
                    group=groups[int(group[lo])],
                    extra={
                        "threshold": rule.threshold,
                        "window": format_duration(rule.window_us),
                        "max_in_window": int(counts[a : b + 1].max()),
                    },
                )
            )
    return hits


def _distinct_count(rule: LogRule, frame: Frame) -> list[Hit]:
    assert rule.window_us is not None and rule.threshold is not None and rule.field
    rows, times = _timed(frame, rule.match.select(frame, None))
    value_codes = frame.encoded(rule.field)[0][rows]
    keep = value_codes >= 0
    rows, times, value_codes = rows[keep], times[keep], value_codes[keep]
    if len(rows) < rule.threshold:
        return []
    group, groups = _group_ids(frame, rule.group_by, rows)
    order = _ordered(rows, times, group)
    rows, times, group, value_codes = rows[order], times[order], group[order], value_codes[order]
    dictionary = frame.encoded(rule.field)[1]
    hits = []
    for lo, hi in _segments(group):
        values = value_codes[lo:hi]
        if len(np.unique(values)) < rule.threshold:
            continue
        ts = times[lo:hi]
        for a, b in _distinct_bursts(values, ts, rule.window_us, rule.threshold):
            codes = np.unique(values[a : b + 1]).tolist()
            distinct = sorted({dictionary[c].as_py() for c in codes}, key=str)
            hits.append(
                Hit(
                    rows=rows[lo + a : lo + b + 1],
                    group=groups[int(group[lo])],
                    extra={
                        "threshold": rule.threshold,
                        "window": format_duration(rule.window_us),
                        "distinct_field": rule.field,
                        "distinct": len(distinct),
                        "values": distinct,
                    },
                )
            )
    return hits


def _first_seen(rule: LogRule, frame: Frame) -> list[Hit]:
    assert rule.field
    rows, times = _timed(frame, rule.match.select(frame, None))
    value_codes = frame.encoded(rule.field)[0][rows]
    keep = value_codes >= 0
    rows, times, value_codes = rows[keep], times[keep], value_codes[keep]
    if len(rows) < 2:
        return []
    group, groups = _group_ids(frame, rule.group_by, rows)
    order = _ordered(rows, times, group)
    rows, times, group, value_codes = rows[order], times[order], group[order], value_codes[order]
    values = frame.encoded(rule.field)[1].to_pylist()
    pairs = np.stack([group, value_codes], axis=1)
    _, first_of_pair = np.unique(pairs, axis=0, return_index=True)
    first_of_pair = np.sort(first_of_pair)
    hits = []
    for lo, hi in _segments(group):
        # Positions where a value appears for the first time in this group; the first of
        # them is the group's first event (its history starts there).
        firsts = first_of_pair[
            np.searchsorted(first_of_pair, lo) : np.searchsorted(first_of_pair, hi)
        ]
        if len(firsts) < 2:
            continue
        since = times[lo]
        for k in range(1, len(firsts)):
            pos = int(firsts[k])
            if times[pos] - since < rule.learn_us:
                continue
            previous = [values[int(c)] for c in value_codes[firsts[max(0, k - 10) : k]]]
            hits.append(
                Hit(
                    rows=rows[pos : pos + 1],
                    group=groups[int(group[lo])],
                    extra={
                        "new_value": values[int(value_codes[pos])],
                        "value_field": rule.field,
                        "previous": previous,
                        "known_since": int(since),
                    },
                )
            )
    return hits


def _sequence(rule: LogRule, frame: Frame) -> list[Hit]:
    assert rule.window_us is not None
    selected = [step.match.select(frame, None) for step in rule.steps]
    if any(len(s) == 0 for s, step in zip(selected, rule.steps, strict=True) if not step.optional):
        return []
    rows = np.unique(np.concatenate(selected))
    rows, times = _timed(frame, rows)
    if len(rows) == 0:
        return []
    matches = np.stack([np.isin(rows, s) for s in selected], axis=1)
    group, groups = _group_ids(frame, rule.group_by, rows)
    order = _ordered(rows, times, group)
    rows, times, group, matches = rows[order], times[order], group[order], matches[order]
    hits = []
    for lo, hi in _segments(group):
        for chain in _chains(rule, times[lo:hi], matches[lo:hi]):
            hits.append(
                Hit(
                    rows=rows[[lo + p for p, _ in chain]],
                    group=groups[int(group[lo])],
                    extra={
                        "steps": [rule.steps[s].name for _, s in chain],
                        "window": format_duration(rule.window_us),
                    },
                )
            )
    return hits


def _chains(rule: LogRule, times: np.ndarray, matches: np.ndarray) -> list[list[tuple[int, int]]]:
    """Ordered matches of the steps within the window, without reusing an event.

    Partial chains are kept per last-matched step; an event extends every partial chain whose
    next required step it matches (optional steps may be skipped) and starts a new chain if it
    matches a step with only optional steps before it. A chain is complete when every
    required step is matched; of the complete candidates the longest (then the one with the
    latest events) is reported and all partial chains are dropped. Optional steps after the last
    required one are never waited for (the linter rejects them).
    """
    steps = rule.steps
    window = rule.window_us or 0
    last_required = max(i for i, s in enumerate(steps) if not s.optional)
    partial: list[list[tuple[int, int]]] = []  # each: [(position, step index), ...]
    done: list[list[tuple[int, int]]] = []
    for pos in range(len(times)):
        now = int(times[pos])
        partial = [c for c in partial if now - int(times[c[0][0]]) <= window]
        step_hits = np.flatnonzero(matches[pos]).tolist()
        if not step_hits:
            continue
        grown: list[list[tuple[int, int]]] = []
        for chain in partial:
            at = chain[-1][1]
            for s in step_hits:
                if s > at and all(steps[k].optional for k in range(at + 1, s)):
                    grown.append([*chain, (pos, s)])
                    break
        for s in step_hits:
            if all(steps[k].optional for k in range(s)):
                grown.append([(pos, s)])
                break
        complete = [c for c in grown if c[-1][1] >= last_required]
        if complete:
            best = max(complete, key=lambda c: (len(c), [p for p, _ in c]))
            done.append(best)
            partial = []
            continue
        partial = _bounded(partial + grown)
    return done


def _bounded(chains: list[list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """At most MAX_PARTIAL chains per last step, latest-starting first: a burst of identical
    first steps must not multiply the candidates."""
    by_step: dict[int, list[list[tuple[int, int]]]] = {}
    for chain in chains:
        by_step.setdefault(chain[-1][1], []).append(chain)
    kept: list[list[tuple[int, int]]] = []
    for group in by_step.values():
        group.sort(key=lambda c: (c[0][0], len(c)), reverse=True)
        kept += group[:MAX_PARTIAL]
    return kept


MAX_PARTIAL = 4


def _distinct_bursts(
    values: np.ndarray, ts: np.ndarray, window_us: int, threshold: int
) -> list[tuple[int, int]]:
    """Bursts (``_bursts``) of the windows ending at a row (all rows at most ``window_us``
    before it) that hold at least ``threshold`` distinct ``values``; ``ts`` is sorted.

    Counted without stepping through rows: the distinct values of window [s, i] are the
    rows j in it whose value does not occur again up to i (next[j] > i). Those with j <= i
    number the distinct values seen so far; those with j < s straddle the window start, and
    each row j straddles exactly the windows ending in [first i whose start passes j,
    next[j]) -- an interval, summed with a difference array."""
    n = len(values)
    starts = np.searchsorted(ts, ts - window_us, side="left")
    by_value = np.argsort(values, kind="stable")
    following = np.full(n, n, dtype=np.int64)
    same = values[by_value[1:]] == values[by_value[:-1]]
    following[by_value[:-1][same]] = by_value[1:][same]
    seen = np.cumsum(np.bincount(following[following < n], minlength=n) == 0)
    first_ending = np.searchsorted(starts, np.arange(n), side="right")
    spans = first_ending < following
    change = np.bincount(first_ending[spans], minlength=n + 1) - np.bincount(
        following[spans], minlength=n + 1
    )
    straddling = np.cumsum(change[:n])
    ends = np.flatnonzero(seen - straddling >= threshold)
    firsts = starts[ends]
    # Starts and ends both grow: windows overlap their predecessor unless they start after it.
    new = np.flatnonzero(firsts[1:] > ends[:-1]) + 1
    heads = np.concatenate(([0], new)).astype(np.int64) if len(ends) else new
    tails = np.concatenate((new - 1, [len(ends) - 1])).astype(np.int64) if len(ends) else new
    return list(zip(firsts[heads].tolist(), ends[tails].tolist(), strict=True))
