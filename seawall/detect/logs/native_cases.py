"""A log rule's own test cases: events in (LOG rows written as YAML mappings), alerts out.

    tests:
      - name: login on the campaign port
        network: {internal: [192.0.2.0/24]}      # optional network context
        events:                                  # LOG fields; line n = the n-th event
          - {host.name: pe1, event.action: login_success, destination.port: 22022}
          - {event.start: +90s, host.name: pe1, event.action: command, ...}
        expect:                                  # every alert the rule raises, in time order
          - {lines: [1], entities: {device: pe1}, count: 1, explanation: "22022"}

``event.start`` defaults to the case's base time (Monday 2025-01-06 10:00:00 UTC) plus one
second per event; ``+90s``/``+2m`` is an offset from the base; an ISO time is taken as is.
``expect: []`` says the rule must stay quiet. ``input.line`` defaults to the event's position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from seawall.detect.logs.native_model import LOG_FIELDS, TIME_FIELD, parse_duration
from seawall.records.alerts import Alert
from seawall.records.schemas import LOG, from_columns

BASE_TIME = datetime(2025, 1, 6, 10, 0, 0, tzinfo=UTC)
CASE_KEYS = ("name", "events", "expect", "network")
EXPECT_KEYS = ("lines", "entities", "count", "explanation")


@dataclass(frozen=True, slots=True)
class CaseProblem:
    where: str  # e.g. "tests[0].events[2].destination.port"
    problem: str
    fix: str


def _time(value: Any, index: int, where: str, problems: list[CaseProblem]) -> datetime | None:
    if value is None:
        return BASE_TIME + timedelta(seconds=index)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.startswith("+"):
        try:
            return BASE_TIME + timedelta(microseconds=parse_duration(text[1:]))
        except ValueError as exc:
            problems.append(CaseProblem(where, str(exc), "write +90s, +2m or an ISO time"))
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        problems.append(
            CaseProblem(where, f"{text!r} is not a time", "write 2025-01-06T10:00:00Z or +90s")
        )
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def case_table(events: Any, rule_id: str, where: str) -> tuple[pa.Table | None, list[CaseProblem]]:
    """The case's events as a LOG table, or None with the problems found."""
    problems: list[CaseProblem] = []
    if not isinstance(events, list) or not events:
        problems.append(
            CaseProblem(where, "`events` must be a non-empty list", "list LOG rows as mappings")
        )
        return None, problems
    columns: dict[str, list[Any]] = {name: [None] * len(events) for name in LOG_FIELDS}
    for i, event in enumerate(events):
        at = f"{where}[{i}]"
        if not isinstance(event, dict):
            problems.append(CaseProblem(at, "an event must be a mapping", "write {field: value}"))
            continue
        for key in event:
            if key not in LOG_FIELDS:
                problems.append(
                    CaseProblem(
                        f"{at}.{key}",
                        f"`{key}` is not a LOG field",
                        "use the field names of seawall/records/schemas.py LOG "
                        "(device is derived from host.name/host.ip)",
                    )
                )
        columns[TIME_FIELD][i] = _time(event.get(TIME_FIELD), i, f"{at}.{TIME_FIELD}", problems)
        for key, value in event.items():
            if key in LOG_FIELDS and key != TIME_FIELD:
                columns[key][i] = value
        if columns["input.line"][i] is None:
            columns["input.line"][i] = i + 1
        if columns["input.file"][i] is None:
            columns["input.file"][i] = f"test:{rule_id}"
    if problems:
        return None, problems
    arrays: dict[str, object] = {}
    for name, values in columns.items():
        typ = LOG.field(name).type
        try:
            arrays[name] = pa.array(values, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
            problems.append(
                CaseProblem(
                    f"{where}.*.{name}",
                    f"values of {name} do not fit {typ}: {' '.join(str(exc).split())}",
                    "give numbers for ports and lines, text for the rest",
                )
            )
    if problems:
        return None, problems
    return from_columns("log", arrays, len(events)), problems


def check_expect(expect: Any, where: str) -> list[CaseProblem]:
    problems: list[CaseProblem] = []
    if not isinstance(expect, list):
        return [
            CaseProblem(
                where, "`expect` must be a list of alerts ([] = no alert)", "write expect: []"
            )
        ]
    for i, item in enumerate(expect):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            problems.append(
                CaseProblem(at, "an expected alert is a mapping", f"keys: {', '.join(EXPECT_KEYS)}")
            )
            continue
        for key in item:
            if key not in EXPECT_KEYS:
                problems.append(
                    CaseProblem(
                        f"{at}.{key}", f"unknown key `{key}`", f"use {', '.join(EXPECT_KEYS)}"
                    )
                )
        lines = item.get("lines")
        if lines is not None and not (
            isinstance(lines, list) and all(isinstance(x, int) for x in lines)
        ):
            problems.append(CaseProblem(f"{at}.lines", "`lines` is a list of line numbers", ""))
        if "entities" in item and not isinstance(item["entities"], dict):
            problems.append(CaseProblem(f"{at}.entities", "`entities` is a mapping", ""))
        if "count" in item and not isinstance(item["count"], int):
            problems.append(CaseProblem(f"{at}.count", "`count` is a number of events", ""))
    return problems


def alert_lines(alert: Alert) -> list[int]:
    return [ref.line for ref in alert.inputs if ref.line is not None]


def compare(expect: list[dict[str, Any]], alerts: list[Alert]) -> list[str]:
    """What differs between the expected and the raised alerts (empty: the case passes)."""
    ordered = sorted(alerts, key=lambda a: (a.first_seen or BASE_TIME, alert_lines(a)))
    out: list[str] = []
    if len(ordered) != len(expect):
        got = "; ".join(f"lines {alert_lines(a)}: {a.explanation}" for a in ordered) or "none"
        out.append(f"expected {len(expect)} alert(s), got {len(ordered)} ({got})")
        return out
    for i, (want, alert) in enumerate(zip(expect, ordered, strict=True)):
        if "lines" in want and sorted(want["lines"]) != sorted(alert_lines(alert)):
            out.append(f"alert {i + 1}: lines {alert_lines(alert)}, expected {want['lines']}")
        for key, value in (want.get("entities") or {}).items():
            got_value = alert.entities.get(key)
            if got_value != value:
                out.append(f"alert {i + 1}: entity {key} is {got_value!r}, expected {value!r}")
        if "count" in want and alert.evidence.get("count") != want["count"]:
            out.append(
                f"alert {i + 1}: {alert.evidence.get('count')} event(s), expected {want['count']}"
            )
        text = want.get("explanation")
        if text is not None and str(text).lower() not in alert.explanation.lower():
            out.append(f"alert {i + 1}: explanation {alert.explanation!r} lacks {text!r}")
    return out
