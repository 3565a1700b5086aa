"""The ``sigma`` detector: SigmaHQ rules over the stored device log events.

Rules come from ``sigma_rules`` (shipped set plus ``rule_dirs``), are mapped onto the log
record by ``sigma_pipeline`` and evaluated all at once by ``sigma_eval``. Rules the log
record cannot serve are not run; ``sigma_status()`` lists them with the reason.

Alerts: matches of one rule on one device by one user are grouped while each follows the
previous within ``group_gap_seconds`` (a discovery rule fires on every ``show`` of a session;
one alert per line would bury the finding). Each alert quotes the matched lines with file and
line (secrets in them redacted), and credits the rule's author and licence, as the Detection
Rule License requires.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.detect.logs.sigma_eval import match_rules, take_table
from seawall.detect.logs.sigma_rules import (
    SigmaRuleEntry,
    format_status,
    load_sigma_rules,
    sigma_status,
)
from seawall.records import conform
from seawall.records.alerts import Alert, InputRef
from seawall.records.schemas import LOG
from seawall.sources.configs.redact import redact_line

__all__ = ["detect_sigma", "format_status", "match_table", "sigma_status"]

SEVERITY_BY_LEVEL = {
    "informational": "info",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}
# How far a rule's authors trust it (Sigma status) -> alert confidence.
CONFIDENCE_BY_STATUS = {"stable": 0.8, "test": 0.6, "experimental": 0.4}
_MATCH_COLUMNS = (
    "event.start",
    "host.name",
    "host.ip",
    "log.source.address",
    "user.name",
    "source.ip",
    "event.original",
    "process.command_line",
    "input.file",
    "input.line",
)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """The rows of one table a rule matched."""

    rule: SigmaRuleEntry
    rows: np.ndarray


def match_table(table: pa.Table, rule_dirs: Sequence[str] = ()) -> list[RuleMatch]:
    """Every runnable rule's matches on a ``log`` table (rules without a match left out)."""
    if table.column_names != LOG.names:
        table = conform(table, "log")
    runnable = [e for e in load_sigma_rules(rule_dirs) if e.compiled is not None]
    compiled = [e.compiled for e in runnable if e.compiled is not None]
    found = match_rules(table, compiled)
    return [RuleMatch(e, rows) for e, rows in zip(runnable, found, strict=True) if len(rows)]


@register(
    "sigma",
    attack=(),
    description=(
        "SigmaHQ rules (shipped under the Detection Rule License 1.1, plus the operator's "
        "rule directories) evaluated on the device log events with Sigma's case-insensitive "
        "matching. Cisco AAA keyword rules read only command events' command text; rules "
        "whose log source the log record cannot serve (web server, DNS, Zeek, FortiGate, ...) "
        "are listed with the reason, not run. Matches of one rule on one device by one user "
        "are one alert per burst; each alert quotes the lines and credits the rule's author."
    ),
)
def detect_sigma(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    th = ctx.thresholds
    table = tables.logs
    if table.num_rows == 0:
        return []
    if table.column_names != LOG.names:
        table = conform(table, "log")
    alerts: list[Alert] = []
    for match in match_table(table, tuple(str(d) for d in th.get("rule_dirs") or ())):
        alerts += _alerts(
            match.rule,
            take_table(table.select(list(_MATCH_COLUMNS)), match.rows),
            gap=float(th.get("group_gap_seconds", 600)),
            max_lines=int(th.get("max_lines", 20)),
        )
    return alerts


def _alerts(rule: SigmaRuleEntry, rows: pa.Table, *, gap: float, max_lines: int) -> list[Alert]:
    records = rows.to_pylist()
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in records:
        device = rec["host.name"] or rec["host.ip"] or rec["log.source.address"] or ""
        groups.setdefault((device, rec["user.name"] or ""), []).append(rec)
    out = []
    redact = functools.lru_cache(maxsize=4096)(redact_line)  # commands repeat a lot
    for (device, user), recs in groups.items():
        for burst in _bursts(recs, gap):
            out.append(_alert(rule, device, user, burst, max_lines, redact))
    return out


def _bursts(recs: list[dict[str, Any]], gap: float) -> list[list[dict[str, Any]]]:
    """Split one device/user's matches where consecutive times are more than ``gap`` seconds
    apart; lines without a time stay with the burst they are read in."""
    recs = sorted(
        recs,
        key=lambda r: (
            r["event.start"] is None,
            r["event.start"] or datetime.min,
            r["input.file"] or "",
            r["input.line"] or 0,
        ),
    )
    bursts: list[list[dict[str, Any]]] = []
    last: datetime | None = None
    for rec in recs:
        ts = rec["event.start"]
        if not bursts or (
            ts is not None and last is not None and (ts - last).total_seconds() > gap
        ):
            bursts.append([])
        bursts[-1].append(rec)
        if ts is not None:
            last = ts
    return bursts


def _alert(
    rule: SigmaRuleEntry,
    device: str,
    user: str,
    recs: list[dict[str, Any]],
    max_lines: int,
    redact: Callable[[str], str],
) -> Alert:
    times = [r["event.start"] for r in recs if r["event.start"] is not None]
    shown = recs[:max_lines]
    entities: dict[str, Any] = {"device": device or None}
    if user:
        entities["user"] = user
    sources = sorted({r["source.ip"] for r in recs if r["source.ip"]})
    if sources:
        entities["source.ip"] = sources[0] if len(sources) == 1 else sources
    count = len(recs)
    # Accounting lines carry configuration commands: secrets in them never reach an alert.
    quoted = [
        {
            "file": r["input.file"],
            "line": r["input.line"],
            "text": redact(r["event.original"] or ""),
            **({"command": redact(r["process.command_line"])} if r["process.command_line"] else {}),
        }
        for r in shown
    ]
    first_text = quoted[0]["text"].strip()
    where = f" on {device}" if device else ""
    by = f" by {user}" if user else ""
    lines = "line" if count == 1 else "lines"
    explanation = (
        f"Sigma rule '{rule.title}' (author: {rule.author or 'not stated'}; "
        f"licence {rule.licence}) matched {count} {lines}{where}{by}: {first_text[:200]}"
    )
    return Alert(
        detector="sigma",
        rule_id=rule.rule_id,
        title=rule.title,
        severity=SEVERITY_BY_LEVEL.get(rule.level, "medium"),
        attack=list(rule.attack),
        entities=entities,
        first_seen=min(times) if times else None,
        last_seen=max(times) if times else None,
        explanation=explanation,
        evidence={
            "author": rule.author,
            "licence": rule.licence,
            "rule_path": rule.path,
            "sigma_tags": list(rule.tags),
            "level": rule.level,
            "status": rule.status,
            "matched_field": rule.keyword_field,
            "count": count,
            "lines": quoted,
            "references": list(rule.references[:3]),
        },
        inputs=[InputRef(file=r["input.file"] or "", line=r["input.line"]) for r in shown],
        confidence=CONFIDENCE_BY_STATUS.get(rule.status, 0.5),
        rule_version=rule.version,
    )
