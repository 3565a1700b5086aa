"""The alert record: what a detector returns and every interface shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from seawall.records.schemas import SCHEMA_VERSION, TS

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class InputRef:
    """One piece of evidence's origin: file plus frame (captures) or line (logs)."""

    file: str
    frame: int | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(slots=True)
class Alert:
    """One explained finding. ``evidence`` holds the numbers behind the verdict."""

    detector: str
    rule_id: str
    title: str
    severity: str
    attack: list[str]
    entities: dict[str, Any]
    first_seen: datetime | None
    last_seen: datetime | None
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    inputs: list[InputRef] = field(default_factory=list)
    confidence: float = 0.5
    rule_version: int = 1

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"severity {self.severity!r} is not one of {SEVERITIES}")

    @property
    def alert_id(self) -> str:
        """Stable id: same detector, rule, entities and start give the same id."""
        key = json.dumps(
            [self.detector, self.rule_id, self.entities, _iso(self.first_seen)],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(key.encode()).hexdigest()[:20]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.alert_id,
            "detector": self.detector,
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "title": self.title,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "attack": list(self.attack),
            "entities": self.entities,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "explanation": self.explanation,
            "evidence": _jsonable(self.evidence),
            "inputs": [ref.to_dict() for ref in self.inputs],
        }


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat().replace("+00:00", "Z") if ts is not None else None


def _jsonable(value: Any) -> Any:
    """Evidence may hold numpy scalars and datetimes; make it plain JSON."""
    return json.loads(json.dumps(value, default=_default))


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return _iso(obj)
    if hasattr(obj, "item"):  # numpy scalar
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


ALERT = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("detector", pa.string()),
        pa.field("rule_id", pa.string()),
        pa.field("rule_version", pa.int32()),
        pa.field("title", pa.string()),
        pa.field("severity", pa.string()),
        pa.field("confidence", pa.float64()),
        pa.field("attack", pa.list_(pa.string())),
        pa.field("entities", pa.string()),  # JSON object
        pa.field("first_seen", TS),
        pa.field("last_seen", TS),
        pa.field("explanation", pa.string()),
        pa.field("evidence", pa.string()),  # JSON object
        pa.field("inputs", pa.string()),  # JSON list
    ],
    metadata={b"seawall.kind": b"alert", b"seawall.version": str(SCHEMA_VERSION).encode()},
)


def sort_alerts(alerts: list[Alert]) -> list[Alert]:
    """Worst first, then earliest."""
    return sorted(
        alerts,
        key=lambda a: (-SEVERITY_RANK[a.severity], -a.confidence, _iso(a.first_seen) or ""),
    )
