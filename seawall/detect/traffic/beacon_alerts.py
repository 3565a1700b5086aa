"""Beacon alerts from scored groups: verdict, evidence, explanation, input references.

Only the groups that become alerts are looked at one by one; what an alert shows (ports,
transports, files and frames) is read from the record table for those rows alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from seawall.detect.traffic.beacon_columns import FloatArray, IntArray
from seawall.detect.traffic.beacon_stats import GroupScores, severity_for_score
from seawall.records.alerts import Alert, InputRef

DETECTOR = "beacon"
MAX_INPUTS = 5

# (rule_id, entities, summary with a {count} slot, ATT&CK ids, extra evidence) of one group.
Description = tuple[str, dict[str, Any], str, list[str], dict[str, Any]]
# Descriptions of the groups that become alerts, given their group codes.
Describe = Callable[[IntArray], list[Description]]


@dataclass(slots=True)
class Events:
    """Events of the candidate groups, sorted by group then time (dense group codes)."""

    table: pa.Table  # the record table ``rows`` point into
    rows: IntArray
    group: IntArray
    time: FloatArray  # epoch seconds
    size: FloatArray  # bytes sent
    n_groups: int
    starts: IntArray  # offset and length of each group
    lengths: IntArray

    def of(self, group: int) -> slice:
        start = int(self.starts[group])
        return slice(start, start + int(self.lengths[group]))

    def column_of(self, name: str, groups: IntArray, limit: int | None = None) -> list[list[Any]]:
        """Values of table column ``name`` for the events of each of ``groups`` (the first
        ``limit`` of each), read with one take: a take per group would cost a pass over a
        many-chunked table each time."""
        lengths = self.lengths[groups]
        if limit is not None:
            lengths = np.minimum(lengths, limit)
        offsets = np.zeros(len(groups) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        positions = np.arange(int(offsets[-1]), dtype=np.int64) + np.repeat(
            self.starts[groups] - offsets[:-1], lengths
        )
        values = self.table[name].take(pa.array(self.rows[positions])).to_pylist()
        return [values[offsets[i] : offsets[i + 1]] for i in range(len(groups))]


def alerts_for(
    events: Events,
    scores: GroupScores,
    th: dict[str, Any],
    profile: str,
    level: str,
    describe: Describe,
    min_median_interval: float | None = None,
) -> list[Alert]:
    base, low, medium = float(th["score_base"]), float(th["score_low"]), float(th["score_medium"])
    if min_median_interval is None:
        min_median_interval = float(th["min_median_interval_seconds"])
    percent = scores.total * 100.0
    median = scores.intervals.median
    hit = scores.eligible & (percent >= base) & (np.nan_to_num(median) >= min_median_interval)
    cap = int(th.get("max_intervals_in_evidence", 500))
    hits = np.flatnonzero(hit)
    if hits.size == 0:
        return []
    descriptions = describe(hits)
    port_lists = events.column_of("destination.port", hits)
    ref_lists = _input_refs_of(events, hits)
    alerts: list[Alert] = []
    for i, group in enumerate(hits):
        span = events.of(int(group))
        times = events.time[span]
        sizes = events.size[span]
        intervals = np.diff(times)
        intervals = intervals[intervals > 0]
        severity = severity_for_score(float(percent[group]), base, low, medium)
        assert severity is not None
        rule_id, entities, summary, attack, extra = descriptions[i]
        ports = np.unique(np.array([-1 if p is None else p for p in port_lists[i]], np.int64))
        ports = ports[ports >= 0]
        if "destination.port" not in entities and len(ports) == 1:
            entities["destination.port"] = int(ports[0])
        entities = {k: v for k, v in entities.items() if v is not None}
        evidence = _evidence(scores, int(group), level, intervals, sizes, ports, cap, profile, th)
        evidence.update(extra)
        ivs, sz = scores.intervals, scores.sizes
        explanation = (
            summary.format(count=int(scores.events[group]))
            + f" at a median interval of {median[group]:.1f} s (MAD {ivs.mad[group]:.1f} s,"
            f" skew {ivs.skew[group]:+.2f}), median {sz.median[group]:.0f} bytes sent"
            f" (MAD {sz.mad[group]:.0f}); beacon score {percent[group]:.0f}/100 (timestamp"
            f" {scores.timestamp_score[group]:.2f}, size {scores.datasize_score[group]:.2f},"
            f" histogram {scores.histogram_score[group]:.2f}, duration"
            f" {scores.duration_score[group]:.2f}; {profile} profile: low from {base:.0f},"
            f" medium from {low:.0f}, high from {medium:.0f})"
        )
        alerts.append(
            Alert(
                detector=DETECTOR,
                rule_id=rule_id,
                title=f"Beaconing ({level}) every ~{median[group]:.0f} s",
                severity=severity,
                attack=attack,
                entities=entities,
                first_seen=when(times[0]),
                last_seen=when(times[-1]),
                explanation=explanation,
                evidence=evidence,
                inputs=ref_lists[i],
                confidence=float(np.clip(scores.total[group], 0.05, 0.99)),
            )
        )
    return alerts


def _evidence(
    scores: GroupScores,
    group: int,
    level: str,
    intervals: FloatArray,
    sizes: FloatArray,
    ports: IntArray,
    cap: int,
    profile: str,
    th: dict[str, Any],
) -> dict[str, Any]:
    def r(value: float, digits: int = 3) -> float | None:
        return None if np.isnan(value) else round(float(value), digits)

    return {
        "level": level,
        "profile": profile,
        "events": int(scores.events[group]),
        "unique_events": int(scores.unique_events[group]),
        "interval_median_s": r(scores.intervals.median[group]),
        "interval_mad_s": r(scores.intervals.mad[group]),
        "interval_skew": r(scores.intervals.skew[group]),
        "size_median_bytes": r(scores.sizes.median[group], 1),
        "size_mad_bytes": r(scores.sizes.mad[group], 1),
        "size_skew": r(scores.sizes.skew[group]),
        "size_min_bytes": int(sizes.min()),
        "size_max_bytes": int(sizes.max()),
        "destination_ports": [int(p) for p in ports[:20]],
        "scores": {
            "timestamp": r(scores.timestamp_score[group]),
            "datasize": r(scores.datasize_score[group]),
            "histogram": r(scores.histogram_score[group]),
            "histogram_cv": r(scores.cv_score[group]),
            "histogram_bimodal": r(scores.bimodal_score[group]),
            "duration": r(scores.duration_score[group]),
            "duration_coverage": r(scores.coverage[group]),
            "duration_consistency": r(scores.consistency[group]),
            "total": r(scores.total[group] * 100.0, 1),
        },
        "thresholds": {k: th[k] for k in ("score_base", "score_low", "score_medium")},
        "histogram": {
            "window_start": when(scores.window_start).isoformat().replace("+00:00", "Z"),
            "bin_seconds": round(scores.bin_seconds, 3),
            "counts": [int(c) for c in scores.histogram[group]],
            "bins_with_events": int(scores.bins_with_events[group]),
            "longest_run": int(scores.longest_run[group]),
        },
        "intervals_s": [round(float(x), 3) for x in intervals[:cap]],
        "intervals_truncated": bool(len(intervals) > cap),
        "sizes_bytes": [int(x) for x in sizes[:cap]],
    }


def strobe_alert(
    source_ip: str,
    destination_ip: str,
    count: int,
    first: float,
    last: float,
    refs: list[InputRef],
    threshold: float,
    th: dict[str, Any],
) -> Alert:
    return Alert(
        detector=DETECTOR,
        rule_id="beacon.strobe",
        title="Strobe: one connection per second or more",
        severity=str(th["strobe_severity"]),
        attack=["T1071"],
        entities={"source.ip": source_ip, "destination.ip": destination_ip},
        first_seen=when(first),
        last_seen=when(last),
        explanation=(
            f"{source_ip} → {destination_ip} opened {count} connections in "
            f"{last - first:.0f} s, at or above the strobe level of {threshold:.0f} for "
            "this window (86,400 a day); too many to score as a beacon"
        ),
        evidence={
            "level": "connection",
            "events": count,
            "strobe_threshold": round(threshold, 1),
            "span_s": round(last - first, 3),
        },
        inputs=refs,
        confidence=0.6,
    )


def _input_refs_of(events: Events, groups: IntArray) -> list[list[InputRef]]:
    """Input references of each group's first events; a group whose first events repeat
    one file and frame is read further on its own."""
    files = events.column_of("input.file", groups, 4 * MAX_INPUTS)
    frames = events.column_of("input.frame", groups, 4 * MAX_INPUTS)
    out = []
    for i, group in enumerate(groups):
        refs = _distinct_refs(files[i], frames[i])
        if len(refs) < MAX_INPUTS and events.lengths[group] > len(files[i]):
            whole = np.array([group])
            refs = _distinct_refs(
                events.column_of("input.file", whole)[0], events.column_of("input.frame", whole)[0]
            )
        out.append(refs)
    return out


def _distinct_refs(files: list[Any], frames: list[Any]) -> list[InputRef]:
    refs: list[InputRef] = []
    seen: set[tuple[str, int]] = set()
    for file, frame in zip(files, frames, strict=True):
        number = -1 if frame is None else int(frame)
        ref = _ref(file or "", number)
        if ref is not None and (ref.file, number) not in seen:
            seen.add((ref.file, number))
            refs.append(ref)
        if len(refs) >= MAX_INPUTS:
            break
    return refs


def first_refs(table: pa.Table, rows: IntArray) -> list[InputRef]:
    """Input references of these rows (files and frames as they are, unknown files left out)."""
    taken = pa.array(rows)
    files = table["input.file"].take(taken).to_pylist()
    frames = table["input.frame"].take(taken).to_pylist()
    refs = [_ref(f or "", -1 if n is None else int(n)) for f, n in zip(files, frames, strict=True)]
    return [r for r in refs if r is not None]


def _ref(file: str, frame: int) -> InputRef | None:
    if not file:
        return None
    return InputRef(file=file, frame=frame if frame >= 0 else None)


def when(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)
