"""The audit of device models: checks, drift and exposure turned into alerts.

Pure: models (and an optional baseline model and KEV catalog) in, alerts out. The
``config_audit`` detector runs the static checks and exposure over the ``config`` records of a
hunt; ``seawall audit`` adds drift against baselines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from seawall.detect.audit.checks import Check, Finding, evaluate, findings_for_changes, load_checks
from seawall.detect.audit.drift import diff_configs
from seawall.detect.base import DetectContext, RecordTables, register
from seawall.records.alerts import Alert, InputRef
from seawall.records.config import ConfigChange, DeviceConfig

DETECTOR = "config_audit"
# A statement in a config is a fact; a change between snapshots is a fact too, but whether
# it was authorised is not known here; an exposure depends on how sure the version is.
CONFIDENCE_STATIC = 0.9
CONFIDENCE_DRIFT = 0.8


def _entities(model: DeviceConfig, line: int | None) -> dict[str, Any]:
    entities: dict[str, Any] = {"device": model.name, "file": model.path}
    if model.vendor:
        entities["device.vendor"] = model.vendor
    if model.os:
        entities["device.os"] = model.os
    if line is not None:
        # Two findings of one check on one device (two users, two ACEs) stay two alerts.
        entities["config.line"] = line
    return entities


def finding_alert(
    model: DeviceConfig, finding: Finding, change: ConfigChange | None = None
) -> Alert:
    """One alert of a check's finding (from the config itself, or from a change)."""
    evidence: dict[str, Any] = dict(finding.evidence)
    evidence.setdefault("config", model.evidence(finding.line))
    evidence["dialect"] = model.dialect
    if finding.remediation:
        evidence["remediation"] = finding.remediation
    if finding.source:
        evidence["source"] = list(finding.source)
    inputs = [InputRef(model.path, line=finding.line)]
    if change is not None:
        evidence["change"] = {
            "kind": change.kind,
            "subject": change.subject,
            "before": change.before,
            "after": change.after,
        }
        if change.line_before is not None:
            evidence["change"]["line_before"] = change.line_before
    return Alert(
        detector=DETECTOR,
        rule_id=finding.check_id,
        title=finding.title,
        severity=finding.severity,
        attack=list(finding.attack),
        entities=_entities(model, finding.line),
        first_seen=None,
        last_seen=None,
        explanation=f"{model.name}: {finding.message}",
        evidence=evidence,
        inputs=inputs,
        confidence=CONFIDENCE_DRIFT if change is not None else CONFIDENCE_STATIC,
        rule_version=finding.version,
    )


def audit_model(
    model: DeviceConfig,
    checks: Sequence[Check],
    *,
    baseline: DeviceConfig | None = None,
    kev: Any = None,
) -> tuple[list[Alert], list[ConfigChange]]:
    """Alerts for one device and, with a baseline, the changes since it."""
    alerts = [finding_alert(model, f) for f in evaluate(model, checks)]
    changes: list[ConfigChange] = []
    if baseline is not None:
        changes = diff_configs(baseline, model)
        for finding, change in findings_for_changes(changes, model, checks):
            alerts.append(finding_alert(model, finding, change))
    if kev is not None:
        from seawall.detect.audit.exposure_alerts import exposure_alerts

        alerts.extend(exposure_alerts(model, kev, checks))
    return alerts, changes


@register(
    DETECTOR,
    attack=("T1562.004", "T1571", "T1136.001", "T1572", "T1556", "T1040", "T1610", "T1190"),
    description="device configurations: hardening and compromise checks (rules/audit) and "
    "known-exploited vulnerabilities of the detected version",
)
def config_audit(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    if tables.configs.num_rows == 0:
        return []
    from seawall.sources.configs.source import models_from_table

    checks = load_checks()
    alerts: list[Alert] = []
    for model in models_from_table(tables.configs):
        found, _ = audit_model(model, checks, kev=ctx.kev)
        alerts.extend(found)
    return alerts
