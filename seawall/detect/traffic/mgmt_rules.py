"""Rule metadata shared by the management-plane and tunnel detectors: id, title, ATT&CK ids and
the rationale with its sources. Kept as data so documentation and linters can list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from seawall.detect.traffic.mgmt_tunnel_support import first_last, input_refs
from seawall.records.alerts import Alert


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    attack: tuple[str, ...]
    rationale: str
    references: tuple[str, ...]
    version: int = 1


def make_alert(
    detector: str,
    rule: Rule,
    group: pd.DataFrame,
    *,
    severity: str,
    confidence: float,
    entities: dict[str, Any],
    explanation: str,
    evidence: dict[str, Any],
    title: str | None = None,
    first_seen: datetime | None = None,
    last_seen: datetime | None = None,
) -> Alert:
    first, last = first_last(group, "event.start", "event.end" if "event.end" in group else None)
    clean_entities = {k: v for k, v in entities.items() if v is not None}
    return Alert(
        detector=detector,
        rule_id=rule.id,
        rule_version=rule.version,
        title=title or rule.title,
        severity=severity,
        attack=list(rule.attack),
        entities=clean_entities,
        first_seen=first_seen or first,
        last_seen=last_seen or last,
        explanation=explanation,
        evidence={**evidence, "references": list(rule.references)},
        inputs=input_refs(group),
        confidence=confidence,
    )
