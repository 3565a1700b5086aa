"""Content rules as data: the built-in file lints clean, the linter names file, rule and
field with a fix, and the ids detector raises native hits as ``seawall:<id>`` alerts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from seawall.detect.base import DetectContext, RecordTables, load_thresholds
from seawall.detect.content_rules import (
    PRIORITY_BY_SEVERITY,
    ContentRuleError,
    builtin_rules,
    lint,
    load_rules,
    loads,
    parse_pattern,
)
from seawall.detect.traffic.ids import detect
from seawall.records.schemas import from_columns

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "seawall" / "rules" / "traffic" / "content.yaml"

GOOD = {
    "id": "SW-CONTENT-9000",
    "name": "n",
    "severity": "high",
    "attack": ["T1190"],
    "rationale": "r",
    "source": "s",
    "direction": "any",
    "content": [{"pattern": "abc|0d 0a|"}],
}


def findings_for(**changes) -> list[str]:
    rule = {**GOOD, **changes}
    rule = {k: v for k, v in rule.items() if v is not ...}
    _, found = lint({"rules": [rule]}, "my.yaml")
    return [str(f) for f in found]


def test_builtin_rules_lint_clean():
    data = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    rules, found = lint(data, str(BUILTIN))
    assert found == []
    assert len(rules) == len(data["rules"]) >= 7
    assert [r.id for r in rules] == sorted({r.id for r in rules})
    for rule in rules:
        assert rule.attack and rule.rationale and rule.source
        assert all(len(c.pattern) >= 3 for c in rule.contents)


def test_builtin_rules_ship_with_the_package_and_the_repo_folder_is_the_same_file():
    assert [r.id for r in builtin_rules()] == [r.id for r in load_rules(BUILTIN)]
    linked = ROOT / "rules" / "traffic" / "content.yaml"
    assert linked.resolve() == BUILTIN.resolve()  # one copy of each rule
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"rules/**/*.yaml"' in pyproject


def test_id_check_rule_is_the_attack_response():
    rule = {r.id: r for r in builtin_rules()}["SW-CONTENT-0001"]
    assert rule.contents[0].pattern == b"uid=0(root)"
    assert rule.priority == PRIORITY_BY_SEVERITY["high"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uid=0(root)", b"uid=0(root)"),
        ("a|0d 0a|b", b"a\r\nb"),
        ("|00 00 00 01|", b"\x00\x00\x00\x01"),
        ("|C0|x", b"\xc0x"),
    ],
)
def test_patterns(text, expected):
    assert parse_pattern(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a|0d", "unbalanced"),
        ("a|0g|", "bad hex byte"),
        ("||", "empty"),
        ("a|123|", "bad hex"),
        ("é", "non-ASCII"),
    ],
)
def test_bad_patterns_say_why(text, says):
    with pytest.raises(ValueError, match=says):
        parse_pattern(text)


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"colour": "red"}, "colour", "unknown key"),
        ({"severity": "severe"}, "severity", "use one of info, low, medium, high, critical"),
        ({"attack": ["TA0001"]}, "attack", "T1234 or T1234.001"),
        ({"attack": ["T1190.1"]}, "attack", "not an ATT&CK technique id"),
        ({"attack": "T1190"}, "attack", "must be a list"),
        ({"rationale": ...}, "rationale", "missing"),
        ({"id": "CONTENT-1"}, "id", "SW-CONTENT-NNNN"),
        ({"direction": "inbound"}, "direction", "to_server, to_client, any"),
        ({"transport": "sctp"}, "transport", "tcp, udp, any"),
        ({"match": "most"}, "match", "all, any"),
        ({"ports": [70000]}, "ports", "list of port numbers"),
        ({"excerpt": 500}, "excerpt", "0..64"),
        ({"content": [{"pattern": "a|zz|"}]}, "content[1].pattern", "bad hex byte"),
        ({"content": [{"pattern": "ab"}]}, "content[1].pattern", "shorter ones match noise"),
        (
            {"content": [{"pattern": "abc", "offset": 4, "depth": 5}]},
            "content[1].depth",
            "depth >= offset + pattern length (7)",
        ),
        ({"content": [{"pattern": "abc", "case": True}]}, "content[1].case", "unknown key"),
        ({"content": []}, "content", "missing"),
    ],
)
def test_findings_name_file_rule_field_and_fix(changes, field, says):
    found = findings_for(**changes)
    assert found, changes
    rid = changes.get("id", GOOD["id"])
    pattern = rf"^my\.yaml: rule {re.escape(str(rid))}: {re.escape(field)}: .*{re.escape(says)}"
    assert any(re.search(pattern, f) for f in found), found


def test_duplicate_ids_and_bad_files_are_reported():
    _, found = lint({"rules": [GOOD, GOOD]}, "dup.yaml")
    assert [f.field for f in found] == ["id"] and "also used by rule #1" in found[0].problem
    with pytest.raises(ContentRuleError, match="start the file with `rules:`"):
        loads("- just a list\n", "x.yaml")
    with pytest.raises(ContentRuleError, match="not valid YAML"):
        loads("rules: [\n", "x.yaml")


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"rules": [{**GOOD, "severity": "x", "attack": ["y"]}]}))
    with pytest.raises(ContentRuleError) as err:
        load_rules(path)
    assert {f.field for f in err.value.findings} == {"severity", "attack"}
    assert str(path) in str(err.value)


# ------------------------------------------------------------------------- ids detector


def _tx(rule_id: str, detail: dict | None, severity: int = 1) -> RecordTables:
    cols = {
        "event.start": pa.array([0], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "source.ip": ["10.0.0.1"],
        "destination.ip": ["10.0.0.2"],
        "destination.port": [80],
        "network.transport": ["tcp"],
        "transaction.kind": ["ids_alert"],
        "rule.id": [rule_id],
        "rule.name": ["a rule"],
        "event.severity": [severity],
        "detail": [json.dumps(detail) if detail is not None else None],
        "input.file": ["x.pcap"],
        "input.frame": [6],
    }
    return RecordTables(transactions=from_columns("transaction", cols, 1))


def _run(tables: RecordTables):
    return detect(tables, DetectContext(thresholds=load_thresholds("ids", "default")))


def test_native_hits_read_seawall_rule_ids_and_carry_attack_ids():
    detail = {
        "engine": "seawall",
        "rev": 2,
        "attack": ["T1033"],
        "direction": "to_client",
        "excerpt": "uid=0(root)",
    }
    (alert,) = _run(_tx("SW-CONTENT-0001", detail))
    assert alert.rule_id == "seawall:SW-CONTENT-0001"
    assert alert.rule_version == 2
    assert alert.attack == ["T1033"]
    assert alert.severity == "high"
    assert alert.evidence["excerpt"] == "uid=0(root)"
    assert alert.explanation.startswith("Content rule SW-CONTENT-0001")
    (sensor,) = _run(_tx("2100498", {"rev": 8}))
    assert sensor.rule_id == "suricata:2100498"


def test_info_rules_stay_below_the_default_priority_floor():
    assert _run(_tx("SW-CONTENT-0009", {"engine": "seawall"}, PRIORITY_BY_SEVERITY["info"])) == []
