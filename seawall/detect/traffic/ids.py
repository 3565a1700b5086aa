"""Sensor alerts: turn a network sensor's own signature hits (``ids_alert`` transactions, e.g.
from Suricata EVE) into Seawall alerts, so they join incidents next to Seawall's detections.

Repeated hits of one rule between the same source and destination service become one alert
with a count, first and last time, so a noisy rule does not bury everything else. Severity
follows the sensor's priority (1 = highest); ATT&CK ids come from the rule's metadata
(``mitre_technique_id``, carried in the transaction's ``detail``) and are empty when the rule
has none.

Seawall's own payload content rules (``seawall/rules/traffic/content.yaml``, matched by the
capture source) arrive the same way, marked ``"engine": "seawall"`` in ``detail``; their
alerts read ``seawall:<rule id>`` where sensor rules read ``suricata:<sid>``, and their
priority comes from the rule's severity (high/critical 1, medium 2, low 3, info 4).
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.records.alerts import Alert, InputRef

DETECTOR = "ids"
_KEYS = ("rule.id", "source.ip", "destination.ip", "destination.port")


@register(
    DETECTOR,
    attack=(),
    description="Signature alerts from a network sensor (Suricata EVE), grouped per rule and "
    "source/destination; severity from the sensor's priority",
)
def detect(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    th = ctx.thresholds
    tx = tables.transactions
    if tx.num_rows == 0:
        return []
    hits = tx.filter(pc.fill_null(pc.equal(tx.column("transaction.kind"), "ids_alert"), False))
    hits = _apply_thresholds(hits, th)
    if hits.num_rows == 0:
        return []
    order = pc.sort_indices(
        hits,
        [(k, "ascending") for k in _KEYS]
        + [("event.start", "ascending"), ("input.line", "ascending")],
    )
    hits = hits.take(order)
    starts = _group_starts(hits)
    bounds = [*starts.tolist(), hits.num_rows]
    alerts = []
    for first, end in itertools.pairwise(bounds):
        alerts.append(_alert(hits.slice(first, end - first), th))
    return alerts


def _apply_thresholds(hits: pa.Table, th: dict[str, Any]) -> pa.Table:
    priority = hits.column("event.severity")
    unknown = pc.is_null(priority)
    keep = pc.less_equal(priority, int(th.get("max_priority", 3)))
    keep = pc.if_else(unknown, bool(th.get("keep_unknown_priority", True)), keep)
    ignored = [str(s) for s in th.get("ignore_rule_ids", []) or []]
    if ignored:
        keep = pc.and_(
            keep,
            pc.invert(pc.fill_null(pc.is_in(hits.column("rule.id"), pa.array(ignored)), False)),
        )
    return hits.filter(keep)


def _group_starts(hits: pa.Table) -> np.ndarray:
    """First row of each run of equal grouping keys (nulls compare equal)."""
    n = hits.num_rows
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for key in _KEYS:
        col = hits.column(key).combine_chunks()
        filler = "" if pa.types.is_string(col.type) else -1
        values = pc.fill_null(col, filler)
        nulls = np.asarray(pc.is_null(col))
        if n > 1:
            differs = np.asarray(pc.not_equal(values.slice(1), values.slice(0, n - 1)))
            change[1:] |= differs | (nulls[1:] != nulls[:-1])
    return np.flatnonzero(change)


def _alert(group: pa.Table, th: dict[str, Any]) -> Alert:
    row = group.slice(0, 1).to_pylist()[0]
    count = group.num_rows
    priority_min = pc.min(group.column("event.severity")).as_py()
    detail = _detail(row.get("detail"))
    sid = row.get("rule.id") or "unknown"
    native = detail.get("engine") == "seawall"  # Seawall's own content rules (pcap source)
    rule_id = f"seawall:{sid}" if native else f"suricata:{sid}" if str(sid).isdigit() else str(sid)
    signature = row.get("rule.name") or f"rule {sid}"
    times = group.column("event.start")
    first_seen: datetime | None = pc.min(times).as_py()
    last_seen: datetime | None = pc.max(times).as_py()
    severity = _severity(priority_min, th)
    attack = [str(t) for t in detail.get("attack") or [] if t]
    entities: dict[str, Any] = {
        k: row.get(k)
        for k in ("source.ip", "destination.ip", "destination.port")
        if row.get(k) is not None
    }
    max_inputs = int(th.get("max_inputs", 5))
    refs = (
        group.select(["input.file", "input.frame", "input.line"]).slice(0, max_inputs).to_pylist()
    )
    inputs = [
        InputRef(file=r["input.file"] or "", frame=r["input.frame"], line=r["input.line"])
        for r in refs
    ]
    category = detail.get("category")
    where = f"{row.get('source.ip')} -> {row.get('destination.ip')}:{row.get('destination.port')}"
    explanation = (
        f'{"Content" if native else "Sensor"} rule {sid} "{signature}" fired {count} '
        f"time{'s' if count != 1 else ''} for "
        f"{where}; sensor priority {priority_min if priority_min is not None else 'unknown'}"
        + (f", category {category}" if category else "")
    )
    evidence = {
        "signature": signature,
        "category": category,
        "sid": sid,
        "rev": detail.get("rev"),
        "gid": detail.get("gid"),
        "action": detail.get("action"),
        "sensor_priority": priority_min,
        "alert_count": count,
        "app_proto": detail.get("app_proto"),
        "community_id": detail.get("community_id"),
        "transport": row.get("network.transport"),
        "direction": detail.get("direction"),
        "excerpt": detail.get("excerpt") or None,
    }
    return Alert(
        detector=DETECTOR,
        rule_id=rule_id,
        rule_version=int(detail["rev"]) if isinstance(detail.get("rev"), int) else 1,
        title=f"IDS alert: {signature}",
        severity=severity,
        attack=attack,
        entities=entities,
        first_seen=first_seen,
        last_seen=last_seen,
        explanation=explanation,
        evidence={k: v for k, v in evidence.items() if v is not None},
        inputs=inputs,
        confidence=_confidence(priority_min, th),
    )


def _detail(text: str | None) -> dict[str, Any]:
    """The sensor's extra fields; a detail that is not a JSON object is kept as category."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"category": text}
    return value if isinstance(value, dict) else {"category": text}


def _lookup(table: dict[Any, Any], priority: int | None, default: Any) -> Any:
    if priority is None:
        return default
    return table.get(priority, table.get(str(priority), default))


def _severity(priority: int | None, th: dict[str, Any]) -> str:
    mapping = th.get("severity_by_priority") or {}
    return str(_lookup(mapping, priority, th.get("severity_other", "info")))


def _confidence(priority: int | None, th: dict[str, Any]) -> float:
    mapping = th.get("confidence_by_priority") or {}
    return float(_lookup(mapping, priority, th.get("confidence_other", 0.3)))
