"""Which alerts a collection run has reported, so each is printed once.

Rules run over a sliding window, so the same finding comes back batch after batch: with the
same id (same detector, rule, entities and start) it is only refreshed in the store when
its last_seen moved on. When the window has cut the start of a burst already reported,
the detector reports it with a later start, hence another id; that is a continuation of
the reported alert (same detector, rule and entities, starting before the reported one
ended) and refreshes it instead of being reported again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from seawall.records.alerts import Alert


@dataclass(slots=True)
class AlertTracker:
    reported: int = 0  # distinct alerts reported in this run
    continued: int = 0  # window-cut repeats folded into a reported alert
    _by_id: dict[str, Alert] = field(default_factory=dict)  # id -> the alert it refreshes
    _latest_by_key: dict[str, Alert] = field(default_factory=dict)

    def update(self, alerts: list[Alert]) -> tuple[list[Alert], list[Alert]]:
        """(alerts new in this run, alerts to save: the new ones and the refreshed ones)."""
        new: list[Alert] = []
        save: dict[str, Alert] = {}
        for alert in alerts:
            alert_id = alert.alert_id
            known = self._by_id.get(alert_id)
            if known is None:
                previous = self._latest_by_key.get(_key(alert))
                if previous is not None and _overlaps(alert, previous):
                    self.continued += 1
                    self._by_id[alert_id] = previous
                    known = previous
            if known is not None:
                if _later(alert.last_seen, known.last_seen):
                    known.last_seen = alert.last_seen
                    save[known.alert_id] = known
                continue
            self._by_id[alert_id] = alert
            self._latest_by_key[_key(alert)] = alert
            self.reported += 1
            new.append(alert)
            save[alert_id] = alert
        return new, list(save.values())


def _key(alert: Alert) -> str:
    return json.dumps([alert.detector, alert.rule_id, alert.entities], sort_keys=True, default=str)


def _later(candidate: datetime | None, current: datetime | None) -> bool:
    return candidate is not None and (current is None or candidate > current)


def _overlaps(alert: Alert, previous: Alert) -> bool:
    if alert.first_seen is None or previous.first_seen is None or previous.last_seen is None:
        return False
    return previous.first_seen <= alert.first_seen <= previous.last_seen
