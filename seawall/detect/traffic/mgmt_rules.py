"""Rule metadata shared by the management-plane and tunnel detectors: id, title, ATT&CK ids and
the rationale with its sources. Kept as data so documentation and linters can list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from seawall.detect.traffic.mgmt_tunnel_support import first_last, input_refs, to_datetime
from seawall.records.alerts import Alert, InputRef


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
    group: pd.DataFrame | None,
    *,
    severity: str,
    confidence: float,
    entities: dict[str, Any],
    explanation: str,
    evidence: dict[str, Any],
    title: str | None = None,
    first_seen: datetime | pd.Timestamp | None = None,
    last_seen: datetime | pd.Timestamp | None = None,
    inputs: list[InputRef] | None = None,
) -> Alert:
    """An alert from the rows behind it (``group``), or from precomputed times and inputs."""
    if group is not None:
        end = "event.end" if "event.end" in group else None
        first, last = first_last(group, "event.start", end)
    else:
        first, last = None, None
    clean_entities = {k: v for k, v in entities.items() if v is not None}
    return Alert(
        detector=detector,
        rule_id=rule.id,
        rule_version=rule.version,
        title=title or rule.title,
        severity=severity,
        attack=list(rule.attack),
        entities=clean_entities,
        first_seen=to_datetime(first_seen) or first,
        last_seen=to_datetime(last_seen) or last,
        explanation=explanation,
        evidence={**evidence, "references": list(rule.references)},
        inputs=inputs if inputs is not None else (input_refs(group) if group is not None else []),
        confidence=confidence,
    )
