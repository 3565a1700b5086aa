"""The audit-check linter: the shipped checks lint clean (this test is the CI lint run), and
crafted bad check files produce the expected findings, located by file, line, check id and
key, each with a recommendation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from seawall.detect.audit.checks import read_rule_text
from seawall.detect.audit.lint import LintFinding, lint_checks, lint_documents, main

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "seawall" / "rules" / "audit"

GOOD: dict[str, Any] = {
    "id": "ACME-01",
    "title": "t",
    "severity": "high",
    "attack": ["T1562.004"],
    "rationale": "r",
    "source": ["CISA AA25-239A [AA]"],
    "vendors": ["cisco_ios"],
    "remediation": {"cisco_ios": "no ip http server"},
    "version": 1,
    "match": {"each": "services", "where": {"name": "http"}, "message": "{name} on"},
}


def lint_one(**changes: Any) -> list[LintFinding]:
    check = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is ...:
            check.pop(key, None)
        else:
            check[key] = value
    text = yaml.safe_dump({"checks": [check]}, sort_keys=False)
    return lint_documents([read_rule_text(text, "acme.yaml")])


def rules_of(findings: list[LintFinding]) -> list[str]:
    return [f.rule for f in findings]


def test_shipped_checks_lint_clean():
    findings = lint_checks()
    assert findings == [], "\n".join(str(f) for f in findings)
    assert lint_checks([SHIPPED]) == []
    assert main([]) == 0


def test_repository_rules_folder_is_the_package_folder():
    link = ROOT / "rules" / "audit"
    assert link.is_symlink()
    assert link.resolve() == SHIPPED.resolve()
    assert sorted(p.name for p in link.iterdir()) == ["compromise.yaml", "hardening.yaml"]


def test_good_check_is_clean():
    assert lint_one() == []


@pytest.mark.parametrize(
    ("changes", "rule", "key", "text"),
    [
        ({"colour": "red"}, "unknown-field", "colour", "unknown field"),
        ({"rationale": ...}, "missing-field", "rationale", "`rationale` is missing"),
        ({"id": "st-1"}, "id-format", "id", "'st-1' is not PREFIX-NN"),
        ({"id": "LG-01"}, "id-reserved", "id", "log rules (LG-xx)"),
        ({"severity": "severe"}, "severity", "severity", "'severe' is not a severity"),
        ({"attack": ["T1562.4"]}, "attack-format", "attack", "'T1562.4' is not an ATT&CK"),
        ({"attack": ["TA0005"]}, "attack-format", "attack", "'TA0005'"),
        ({"vendors": ["cisco_iox"]}, "unknown-vendor", "vendors", "'cisco_iox' is not a dialect"),
        ({"rationale": "  "}, "empty-rationale", "rationale", "empty"),
        ({"source": []}, "empty-source", "source", "non-empty list"),
        ({"source": [""]}, "empty-source", "source", "non-empty list"),
        ({"version": 0}, "version", "version", "not a positive integer"),
        (
            {"vendors": ["cisco_ios", "juniper_junos"]},
            "missing-remediation",
            "remediation",
            "no remediation for juniper_junos",
        ),
        ({"vendors": ["all"]}, "missing-remediation", "remediation", "no remediation for default"),
        ({"remediation": {"ios": "x"}}, "remediation", "remediation", "'ios' is not a dialect"),
        (
            {"match": {"each": "usres", "message": "m"}},
            "unknown-collection",
            "match.each",
            "'usres' is not a collection",
        ),
        (
            {"match": {"each": "users", "where": {"nmae": "x"}, "message": "m"}},
            "unknown-field",
            "match.where.nmae",
            "LocalUser has no field 'nmae'",
        ),
        (
            {"match": {"each": "users", "message": "{name} {privlege}"}},
            "unknown-field",
            "match.message",
            "'privlege'",
        ),
        (
            {"match": {"where": {"flags.ssh_verison": "2"}, "message": "m"}},
            "unknown-field",
            "match.where.flags.ssh_verison",
            "unknown flag 'ssh_verison'",
        ),
        (
            {"match": {"where": {"users.name": "x"}, "message": "m"}},
            "unknown-field",
            "match.where.users.name",
            "users is a list",
        ),
        (
            {"match": {"line": "ntp.servers.first.line", "message": "m"}},
            "unknown-field",
            "match.line",
            "ntp.servers is a list",
        ),
        (
            {"match": {"line": "ntp.servers.0.lien", "message": "m"}},
            "unknown-field",
            "match.line",
            "NtpServer has no field 'lien'",
        ),
        (
            {"match": {"each": "features", "where": {"name": "x"}, "message": "m"}},
            "unknown-field",
            "match.where.name",
            "plain text",
        ),
        (
            {"match": {"each": "users", "where": {"name": {"like": "x"}}, "message": "m"}},
            "unknown-operator",
            "match.where.name",
            "'like' is not an operator",
        ),
        (
            {"match": {"each": "users", "where": {"name": {"regex": "(x"}}, "message": "m"}},
            "bad-regex",
            "match.where.name",
            "'(x'",
        ),
        (
            {"match": {"each": "users", "where": {"name": {"in": "admin"}}, "message": "m"}},
            "operator-argument",
            "match.where.name",
            "in needs a non-empty list",
        ),
        (
            {"match": {"each": "users", "wher": {"name": "x"}, "message": "m"}},
            "match-key",
            "match.wher",
            "unknown clause key",
        ),
        (
            {"match": {"each": "users", "where": {"name": "x"}}},
            "match-message",
            "match.message",
            "missing message",
        ),
        (
            {"match": [{"each": "users", "message": "m", "severity": "huge"}]},
            "severity",
            "match[0].severity",
            "'huge' is not a severity",
        ),
        ({"match": ..., "predicate": "no_such"}, "unknown-predicate", "predicate", "'no_such'"),
        (
            {"match": ..., "predicate": "mgmt_ports", "params": {"ports": [1]}},
            "unknown-param",
            "params.ports",
            "mgmt_ports has no parameter 'ports'",
        ),
        (
            {"match": ..., "predicate": "mgmt_ports", "params": {"patterns": "^22$"}},
            "param-type",
            "params.patterns",
            "not like the default",
        ),
        ({"predicate": "mgmt_ports"}, "match-and-predicate", "match", "either"),
        ({"match": ...}, "nothing-to-evaluate", None, "no match, predicate, drift"),
        ({"drift": ["user_created"]}, "unknown-change-kind", "drift", "'user_created'"),
        (
            {"drift": [{"kind": "user_added", "severity": "big"}]},
            "severity",
            "drift",
            "'big' is not a severity",
        ),
        ({"match": ..., "produced_by": "oracle"}, "unknown-producer", "produced_by", "'oracle'"),
        (
            {"produced_by": "exposure"},
            "produced-and-evaluated",
            "produced_by",
            "cannot also have match",
        ),
    ],
)
def test_bad_check_is_reported(changes, rule, key, text):
    findings = lint_one(**changes)
    matching = [f for f in findings if f.rule == rule]
    assert matching, [str(f) for f in findings]
    finding = matching[0]
    assert text in finding.message
    assert finding.recommendation
    assert finding.location.startswith("acme.yaml:2 ") or finding.location.startswith("acme.yaml:")
    assert "[" in finding.location  # names the check
    if key is not None:
        assert finding.location.endswith(f" {key}")
    expected_level = "warning" if rule == "missing-remediation" else "error"
    assert finding.level == expected_level


def test_findings_point_at_the_line_of_the_key(tmp_path: Path):
    text = """checks:
  - id: ACME-01
    title: t
    severity: high
    attack: [T1190]
    rationale: r
    source: [s]
    vendors: [cisco_ios]
    remediation: {cisco_ios: x}
    version: 1
    predicate: nope
  - id: ACME-01
    title: t
    severity: severe
    attack: []
    rationale: r
    source: [s]
    vendors: [cisco_ios]
    remediation: {cisco_ios: x}
    version: 1
    drift: [user_added]
"""
    path = tmp_path / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    findings = lint_checks([path])
    shown = [(f.rule, f.location.replace(str(path), "F")) for f in findings]
    assert shown == [
        ("unknown-predicate", "F:11 [ACME-01] predicate"),
        ("severity", "F:14 [ACME-01] severity"),
        ("duplicate-id", "F:12 [ACME-01] id"),
    ]
    assert "also defined at F:2 [ACME-01]" in findings[2].message.replace(str(path), "F")
    assert main([str(path)]) == 1


def test_broken_files():
    bad_yaml = lint_documents([read_rule_text("checks: [\n  - id: x", "a.yaml")])
    assert rules_of(bad_yaml) == ["yaml"]
    assert "not valid YAML" in bad_yaml[0].message
    shape = lint_documents([read_rule_text("- id: ST-01\n", "b.yaml")])
    assert rules_of(shape) == ["file-shape"]
    extra = lint_documents([read_rule_text("checks: []\nrules: []\n", "c.yaml")])
    assert rules_of(extra) == ["file-shape"] and extra[0].location == "c.yaml rules"
    item = lint_documents([read_rule_text("checks: [just-text]\n", "d.yaml")])
    assert rules_of(item) == ["check-shape"]
    missing = lint_checks([Path("no/such/file.yaml")])
    assert rules_of(missing) == ["unreadable"] and "cannot read" in missing[0].message
