"""Long connections: sessions that stay open for hours (interactive C2, tunnels, reverse shells).

Flow meters cut one long session into several records at their idle and active timeouts
(zeek#1196: one idle TCP session logged as several short ones). Consecutive records of the same
5-tuple (either direction) are re-joined when the earlier one ended by a timeout or with the
capture, the gap is within a bound, and, for TCP, the later one does not open with a SYN. The
re-joined session is then measured against RITA's duration thresholds. A session still open
when the capture ended (``flow.end_reason == "capture_end"``) is reported with its duration as
a lower bound.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.detect.traffic.beacon_columns import (
    bool_column,
    codes,
    directionless_key,
    end_reason_in,
    epoch_seconds,
    group_order,
    is_tcp,
    tcp_opening,
)
from seawall.records.alerts import Alert, InputRef

DETECTOR = "longconn"
MAX_INPUTS = 5
# Records ending like this closed the connection; anything else may continue in a later record.
CLOSED = ("fin", "rst")
FLOW_COLUMNS = (
    "event.start",
    "event.end",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "network.transport",
    "network.protocol",
    "source.bytes",
    "destination.bytes",
    "source.packets",
    "destination.packets",
    "source.tcp_flags",
    "destination.tcp_flags",
    "flow.end_reason",
    "input.file",
    "input.frame",
)


@register(
    DETECTOR,
    attack=("T1071", "T1572"),
    description="Long-lived connections (RITA thresholds), with flows split by meter "
    "timeouts re-joined and connections still open at capture end reported",
)
def detect_long_connections(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    th = ctx.thresholds
    flows = tables.flows
    if flows.num_rows == 0:
        return []
    # Everything is computed on the whole table and then narrowed to the candidate rows by
    # index: filtering the table itself would copy every text column.
    needed = ("event.start", "event.end", "source.ip", "destination.ip")
    valid = [flows[c].is_valid() for c in needed]
    ok = bool_column(pc.and_(pc.and_(valid[0], valid[1]), pc.and_(valid[2], valid[3])))
    if not ok.any():
        return []
    flows = flows.select(list(FLOW_COLUMNS))
    base = float(th["base_seconds"])
    start = epoch_seconds(flows["event.start"])
    end = np.maximum(epoch_seconds(flows["event.end"]), start)
    transport = codes(flows["network.transport"])
    tcp = is_tcp(flows, transport)
    closed = end_reason_in(flows, CLOSED)
    flags_known, syn = tcp_opening(flows)
    opens = tcp & flags_known & syn
    # A TCP record that opened (SYN) and closed (FIN/RST) cannot be joined to another: it is
    # long only by itself. Only the other records need the 5-tuple grouping.
    whole = opens & closed
    keep = ok & (~whole | (end - start >= base))
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        return []
    columns = {"start": start, "end": end, "tcp": tcp, "closed": closed, "opens": opens}
    candidates = {name: values[rows] for name, values in columns.items()}
    # Rows with the same key are the same connection; the numbering itself does not matter.
    src, dst, _ = tables.flow_address_codes()
    candidates["key"] = directionless_key(flows, rows, (src, dst), transport)
    sessions = _sessions(candidates, th)
    sessions["order"] = rows[sessions["order"]]  # row numbers of ``flows``
    long_ones = np.flatnonzero(sessions["duration"] >= base)
    return [_alert(flows, sessions, int(s), th, ctx.profile) for s in long_ones]


def _sessions(rows: dict[str, np.ndarray], th: dict[str, Any]) -> dict[str, np.ndarray]:
    """Re-join split records; returns per-session arrays plus the sorted row order (positions
    in ``rows``' arrays: start, end, tcp, closed, opens, key)."""
    start, end, tcp, closed, opens, key = (
        rows[name] for name in ("start", "end", "tcp", "closed", "opens", "key")
    )
    n = start.size

    order = group_order(key, start)
    k, s, e = key[order], start[order], end[order]
    gap = np.full(n, np.inf)
    gap[1:] = s[1:] - e[:-1]
    max_gap = np.where(
        tcp[order],
        float(th["rejoin_max_gap_tcp_seconds"]),
        float(th["rejoin_max_gap_other_seconds"]),
    )
    joins = np.zeros(n, dtype=bool)
    if th.get("rejoin_split_flows", True):
        joins[1:] = (
            (k[1:] == k[:-1]) & ~closed[order][:-1] & (gap[1:] <= max_gap[1:]) & ~opens[order][1:]
        )
    first_rows = np.flatnonzero(~joins)
    last_rows = np.append(first_rows[1:] - 1, n - 1)
    session_start = np.minimum.reduceat(s, first_rows)
    session_end = np.maximum.reduceat(e, first_rows)
    return {
        "order": order,
        "first": first_rows,
        "last": last_rows,
        "start": session_start,
        "end": session_end,
        "duration": session_end - session_start,
        "gap": np.where(joins, gap, 0.0),
    }


def _alert(
    flows: pa.Table, sessions: dict[str, np.ndarray], index: int, th: dict[str, Any], profile: str
) -> Alert:
    order = sessions["order"]
    rows = order[sessions["first"][index] : sessions["last"][index] + 1]
    part = flows.take(pa.array(rows))
    head = part.slice(0, 1).to_pylist()[0]
    tail = part.slice(part.num_rows - 1, 1).to_pylist()[0]
    duration = float(sessions["duration"][index])
    gaps = sessions["gap"][sessions["first"][index] + 1 : sessions["last"][index] + 1]
    severity, level = _severity(duration, th)
    still_open = tail.get("flow.end_reason") == "capture_end"
    transport = head.get("network.transport") or "ip"
    who = (
        f"{head['source.ip']}:{head['source.port']} → {head['destination.ip']}:"
        f"{head['destination.port']}/{transport}"
    )
    joined = (
        f" across {part.num_rows} flow records re-joined (split by the flow meter's timeouts; "
        f"largest gap {float(gaps.max()):.0f} s)"
        if part.num_rows > 1
        else ""
    )
    ending = (
        "; still open when the capture ended, so the duration is a lower bound"
        if still_open
        else f"; ended by {tail.get('flow.end_reason') or 'unknown'}"
    )
    explanation = (
        f"{who} lasted {_human(duration)} ({duration:.0f} s){joined}{ending}; reaches the "
        f"{level} threshold of {_human(float(th[level + '_seconds']))} ({profile} profile)"
    )
    source_bytes = pc.sum(part["source.bytes"]).as_py() or 0
    destination_bytes = pc.sum(part["destination.bytes"]).as_py() or 0
    packets = (pc.sum(part["source.packets"]).as_py() or 0) + (
        pc.sum(part["destination.packets"]).as_py() or 0
    )
    entities: dict[str, Any] = {
        "source.ip": head["source.ip"],
        "destination.ip": head["destination.ip"],
    }
    for name in ("destination.port", "source.port"):
        if head.get(name) is not None:
            entities[name] = int(head[name])
    inputs = [
        InputRef(file=r["input.file"], frame=r.get("input.frame"))
        for r in part.select(["input.file", "input.frame"]).slice(0, MAX_INPUTS).to_pylist()
        if r.get("input.file")
    ]
    return Alert(
        detector=DETECTOR,
        rule_id="longconn.duration",
        title=f"Long connection: {_human(duration)}",
        severity=severity,
        attack=["T1071", "T1572"],
        entities=entities,
        first_seen=_when(float(sessions["start"][index])),
        last_seen=_when(float(sessions["end"][index])),
        explanation=explanation,
        evidence={
            "profile": profile,
            "duration_s": round(duration, 3),
            "threshold_reached": level,
            "thresholds_s": {k: th[f"{k}_seconds"] for k in ("base", "low", "medium", "high")},
            "flow_records": part.num_rows,
            "gaps_s": [round(float(g), 3) for g in gaps[:50]],
            "end_reasons": part["flow.end_reason"].to_pylist()[:50],
            "still_open_at_capture_end": still_open,
            "source_bytes": int(source_bytes),
            "destination_bytes": int(destination_bytes),
            "packets": int(packets),
            "network.transport": transport,
            "network.protocol": head.get("network.protocol"),
        },
        inputs=inputs,
        confidence=_confidence(duration, th),
    )


def _severity(duration: float, th: dict[str, Any]) -> tuple[str, str]:
    """RITA's categories: from base low, from low medium, from medium high."""
    if duration >= float(th["medium_seconds"]):
        return "high", "medium"
    if duration >= float(th["low_seconds"]):
        return "medium", "low"
    return "low", "base"


def _confidence(duration: float, th: dict[str, Any]) -> float:
    """RITA's interpolated threat score: 0.2 at base, 0.4 at low, 0.6 at medium, 0.8 at high."""
    edges = [float(th[f"{k}_seconds"]) for k in ("base", "low", "medium", "high")]
    return float(np.interp(duration, edges, [0.2, 0.4, 0.6, 0.8]))


def _human(seconds: float) -> str:
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
