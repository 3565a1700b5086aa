"""Alerts as SARIF 2.1.0, for tools that read static-analysis results (code-scanning UIs,
ticketing bridges). One run, one rule per rule id, one result per alert with its file and
line; secrets are redacted exactly as in the JSON output."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from seawall import __version__
from seawall.records.alerts import Alert
from seawall.respond.render import redact

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# SARIF levels and the 0-10 "security-severity" code-scanning tools sort by.
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


def to_sarif(
    alerts: Iterable[Alert],
    rule_help: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The SARIF log of ``alerts``. ``rule_help`` maps rule id -> {"rationale", "remediation",
    "source"} to describe rules (the audit checks supply it)."""
    rule_help = rule_help or {}
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for alert in alerts:
        rule_id = alert.rule_id
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append(_rule(alert, rule_help.get(rule_id, {})))
        results.append(_result(alert, index[rule_id]))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Seawall",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _rule(alert: Alert, info: Mapping[str, Any]) -> dict[str, Any]:
    rationale = str(info.get("rationale") or alert.title)
    remediation = info.get("remediation")
    help_text = rationale
    if remediation:
        help_text += "\n\nRemediation:\n" + str(remediation)
    sources = info.get("source") or []
    rule: dict[str, Any] = {
        "id": alert.rule_id,
        "name": _pascal(alert.title),
        "shortDescription": {"text": alert.title},
        "fullDescription": {"text": rationale},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVEL[alert.severity]},
        "properties": {
            "tags": ["security", *(f"attack/{t}" for t in alert.attack)],
            "security-severity": SECURITY_SEVERITY[alert.severity],
            "detector": alert.detector,
            "ruleVersion": alert.rule_version,
        },
    }
    if sources:
        rule["properties"]["sources"] = list(sources)
    return rule


def _result(alert: Alert, rule_index: int) -> dict[str, Any]:
    locations = []
    for ref in alert.inputs:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(ref.file)}}
        if ref.line is not None and ref.line > 0:
            physical["region"] = {"startLine": ref.line}
        locations.append({"physicalLocation": physical})
    return {
        "ruleId": alert.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[alert.severity],
        "message": {"text": alert.explanation},
        "locations": locations,
        "partialFingerprints": {"seawallAlertId/v1": alert.alert_id},
        "properties": {
            "severity": alert.severity,
            "confidence": round(alert.confidence, 3),
            "attack": list(alert.attack),
            "entities": redact(alert.entities),
            "evidence": redact(alert.to_dict()["evidence"]),
        },
    }


def _uri(path: str) -> str:
    """A relative URI reference as SARIF wants (forward slashes, spaces escaped)."""
    return path.replace("\\", "/").replace(" ", "%20")


def _pascal(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Finding"
