"""Hits of native log rules -> alerts with entities, evidence lines and an explanation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from seawall.detect.logs.native_kinds import Hit
from seawall.detect.logs.native_match import NULL_TIME, Frame
from seawall.detect.logs.native_model import LogRule
from seawall.records.alerts import Alert, InputRef

DETECTOR = "log_rules"
MAX_EVIDENCE_EVENTS = 20
MAX_INPUTS = 50
MAX_ENTITY_VALUES = 20
ENTITY_FIELDS = {"device": "device", "user": "user.name", "source.ip": "source.ip"}
_DISTINCT = (*ENTITY_FIELDS.values(), "process.command_line")
_HEAD = max(MAX_EVIDENCE_EVENTS, MAX_INPUTS)  # rows of a hit read for display
_COLUMNS = (
    "device",
    "user.name",
    "source.ip",
    "destination.port",
    "event.code",
    "event.action",
    "process.command_line",
    "message",
    "event.original",
    "input.file",
    "input.line",
    "interface.name",
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Names a rule's ``explain`` template may use besides the LOG fields.
TEMPLATE_EXTRAS = (
    "count",
    "window",
    "threshold",
    "distinct",
    "values",
    "new_value",
    "previous",
    "steps",
    "commands",
)


def to_datetime(us: int) -> datetime | None:
    return None if us == NULL_TIME else _EPOCH + timedelta(microseconds=int(us))


def build_alerts(rule: LogRule, hits: list[Hit], frame: Frame) -> list[Alert]:
    if not hits:
        return []
    # Only the first rows of each hit are shown (evidence events, inputs): one take per
    # column for those rows of all hits, then slices per hit. Distinct entities and commands
    # of longer hits are read from the dictionary codes.
    heads = [h.rows[:_HEAD] for h in hits]
    rows = np.concatenate(heads)
    columns = {
        name: frame.values_at(name, rows)
        for name in _COLUMNS
        if name == "device" or name in frame.table.column_names
    }
    times = frame.times()
    alerts = []
    offset = 0
    for hit, head in zip(hits, heads, strict=True):
        n = len(head)
        view = {name: values[offset : offset + n] for name, values in columns.items()}
        if len(hit.rows) > n:
            distinct = {name: _distinct_codes(frame, name, hit.rows) for name in _DISTINCT}
        else:
            distinct = {name: _in_order(view.get(name, [])) for name in _DISTINCT}
        alerts.append(_alert(rule, hit, view, distinct, times[hit.rows]))
        offset += n
    return alerts


def _in_order(values: list[Any]) -> list[Any]:
    """Distinct present values, in order of first appearance."""
    return [v for v in dict.fromkeys(values) if v not in (None, "")]


def _distinct_codes(frame: Frame, name: str, rows: np.ndarray) -> list[Any]:
    codes, dictionary = frame.encoded(name)
    picked = codes[rows]
    picked = picked[picked >= 0]
    if len(picked) == 0:
        return []
    uniq, first = np.unique(picked, return_index=True)
    ordered = uniq[np.argsort(first)]
    return [v for v in dictionary.take(pa.array(ordered)).to_pylist() if v not in (None, "")]


def _entities(hit: Hit, distinct: dict[str, list[Any]]) -> dict[str, Any]:
    entities: dict[str, Any] = {}
    for name, column in ENTITY_FIELDS.items():
        if column in hit.group:
            value = hit.group[column]
            if value not in (None, ""):
                entities[name] = value
            continue
        values = sorted(distinct.get(column, []), key=str)
        if len(values) == 1:
            entities[name] = values[0]
        elif values:
            entities[name] = values[:MAX_ENTITY_VALUES]
    return entities


def _event_text(view: dict[str, list[Any]], i: int) -> str:
    for name in ("event.original", "message", "process.command_line"):
        value = view.get(name, [None] * (i + 1))[i]
        if value:
            return str(value)
    return ""


def _alert(
    rule: LogRule,
    hit: Hit,
    view: dict[str, list[Any]],
    distinct: dict[str, list[Any]],
    times: np.ndarray,
) -> Alert:
    n = len(hit.rows)
    shown = len(view.get("input.line", ()))
    valid = times[times != NULL_TIME]
    first = to_datetime(int(valid.min())) if len(valid) else None
    last = to_datetime(int(valid.max())) if len(valid) else None
    files = view.get("input.file", [None] * shown)
    lines = view.get("input.line", [None] * shown)
    commands = view.get("process.command_line", [None] * shown)
    events = []
    for i in range(min(shown, MAX_EVIDENCE_EVENTS)):
        event: dict[str, Any] = {
            "time": to_datetime(int(times[i])),
            "file": files[i],
            "line": lines[i],
            "text": _event_text(view, i),
        }
        if commands[i]:
            event["command"] = commands[i]
        if "steps" in hit.extra:
            event["step"] = hit.extra["steps"][i]
        events.append({k: v for k, v in event.items() if v is not None})
    evidence: dict[str, Any] = {"count": n, "events": events}
    if n > MAX_EVIDENCE_EVENTS:
        evidence["events_not_listed"] = n - MAX_EVIDENCE_EVENTS
    evidence.update({k: v for k, v in hit.extra.items() if k != "known_since"})
    if "known_since" in hit.extra:
        evidence["known_since"] = to_datetime(int(hit.extra["known_since"]))
    if hit.group:
        evidence["group"] = dict(hit.group)
    inputs = [
        InputRef(file=str(f), line=int(ln) if ln is not None else None)
        for f, ln in zip(files[:MAX_INPUTS], lines[:MAX_INPUTS], strict=True)
        if f
    ]
    return Alert(
        detector=DETECTOR,
        rule_id=rule.id,
        title=rule.title,
        severity=rule.severity,
        attack=list(rule.attack),
        entities=_entities(hit, distinct),
        first_seen=first,
        last_seen=last,
        explanation=explain(rule, hit, view, distinct.get("process.command_line", [])),
        evidence=evidence,
        inputs=inputs,
        confidence=rule.confidence,
        rule_version=rule.version,
    )


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else "-"
    return "-" if value in (None, "") else str(value)


def explain(
    rule: LogRule, hit: Hit, view: dict[str, list[Any]], commands: list[Any] | None = None
) -> str:
    """The rule's ``explain`` template filled in (group values, then kind extras, then the
    first event that has the field), or a default built from the title. ``commands``: the
    hit's distinct commands in the order they were typed."""
    n = len(hit.rows)
    if commands is None:
        commands = _in_order(view.get("process.command_line", []))
    extras: dict[str, Any] = {"count": n, "commands": commands[:5], **hit.extra}

    def value(name: str) -> Any:
        if name in hit.group:
            return hit.group[name]
        if name in extras:
            return extras[name]
        for item in view.get(name, []):
            if item not in (None, ""):
                return item
        return None

    if rule.explain:
        text = _PLACEHOLDER.sub(lambda m: _show(value(m.group(1))), rule.explain)
    else:
        device = _show(value("device"))
        what = commands[0] if commands else _event_text(view, 0)
        text = f"{rule.title} on {device}" + (f": {what}" if what else "")
        if n > 1:
            text += f" ({n} events)"
    return " ".join(text.split())
