"""The audit of device models: checks, drift and exposure turned into alerts.

Pure: models (and an optional baseline model and KEV catalog) in, alerts out. The
``config_audit`` detector runs the static checks and exposure over the ``config`` records of a
hunt; ``seawall audit`` adds drift against baselines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from seawall.detect.audit.checks import (
    Check,
    Finding,
    check_by_id,
    evaluate,
    findings_for_changes,
    load_checks,
)
from seawall.detect.audit.drift import diff_configs
from seawall.detect.audit.exposure import exposures
from seawall.detect.audit.predicates import AuditContext
from seawall.detect.base import DetectContext, NetworkContext, RecordTables, register
from seawall.netaddr import NetworkSet
from seawall.records.alerts import Alert, InputRef
from seawall.records.config import ConfigChange, DeviceConfig

DETECTOR = "config_audit"
# A statement in a config is a fact; a change between snapshots is a fact too, but whether
# it was authorised is not known here; an exposure depends on how sure the version is.
CONFIDENCE_STATIC = 0.9
CONFIDENCE_DRIFT = 0.8
EXPOSURE_CHECK = "ST-30"
# Networks of approved peers/servers up to this size are expanded to their addresses.
MAX_EXPANDED = 256


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


def audit_context(network: NetworkContext | None) -> AuditContext:
    """What the operator's network map tells the checks: its internal space, and its approved
    tunnel peers and AAA servers as inventories (single addresses and small networks, which
    is what peers and servers are); an empty list means "not given", not "none approved"."""
    if network is None:
        return AuditContext()

    def addresses(networks: NetworkSet) -> frozenset[str] | None:
        found = {
            str(address)
            for net in networks.networks
            if net.num_addresses <= MAX_EXPANDED
            for address in (net if net.num_addresses > 1 else [net.network_address])
        }
        return frozenset(found) if found else None

    return AuditContext(
        internal_networks=tuple(str(n) for n in network.internal.networks),
        known_tunnel_peers=addresses(network.allowed_tunnel_peers),
        approved_aaa_servers=addresses(network.aaa_servers),
    )


def audit_model(
    model: DeviceConfig,
    checks: Sequence[Check],
    *,
    baseline: DeviceConfig | None = None,
    kev: Any = None,
    context: AuditContext | None = None,
) -> tuple[list[Alert], list[ConfigChange]]:
    """Alerts for one device and, with a baseline, the changes since it. Exposure runs with
    or without a KEV catalog (without one, alerts lack the KEV details)."""
    alerts = [finding_alert(model, f) for f in evaluate(model, checks, context)]
    changes: list[ConfigChange] = []
    if baseline is not None:
        changes = diff_configs(baseline, model)
        for finding, change in findings_for_changes(changes, model, checks, context):
            alerts.append(finding_alert(model, finding, change))
    alerts.extend(exposure_alerts(model, kev, checks))
    return alerts, changes


def exposure_alerts(model: DeviceConfig, kev: Any, checks: Sequence[Check]) -> list[Alert]:
    """ST-30: the device's version against the campaign's known-exploited CVEs. The check's
    metadata (title, ATT&CK, remediation, sources) comes from the rules; the severity and
    confidence from how sure the exposure is (version known, feature on)."""
    check = check_by_id(checks, EXPOSURE_CHECK)
    if check is None:
        return []
    alerts = []
    for exposure in exposures(model, kev):
        evidence: dict[str, Any] = {
            "cve": exposure.cve,
            "product": exposure.product,
            "version": exposure.version,
            "version_source": exposure.version_source,
            "status": exposure.status,
            "fixed_in": exposure.fixed_in,
            "condition": exposure.condition,
            "condition_met": exposure.condition_met,
            "config": model.evidence(exposure.line),
            "source": [exposure.source, *check.source],
        }
        if exposure.kev:
            evidence["kev"] = exposure.kev
        if exposure.data_note:
            evidence["data_note"] = exposure.data_note
        remediation = check.remediation_for(model.dialect)
        if remediation:
            evidence["remediation"] = remediation
        entities = _entities(model, exposure.line)
        entities["vulnerability.id"] = exposure.cve
        alerts.append(
            Alert(
                detector=DETECTOR,
                rule_id=check.id,
                title=f"{check.title}: {exposure.cve}",
                severity=exposure.severity,
                attack=list(check.attack),
                entities=entities,
                first_seen=None,
                last_seen=None,
                explanation=f"{model.name}: {exposure.detail}",
                evidence=evidence,
                inputs=[InputRef(model.path, line=exposure.line)],
                confidence=exposure.confidence_score,
                rule_version=check.version,
            )
        )
    return alerts


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
    context = audit_context(ctx.network)
    alerts: list[Alert] = []
    for model in models_from_table(tables.configs):
        found, _ = audit_model(model, checks, kev=ctx.kev, context=context)
        alerts.extend(found)
    return alerts
