"""ids detector: sensor signature alerts become Seawall alerts (real Suricata EVE + crafted)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from seawall.detect.base import DetectContext, load_thresholds
from seawall.detect.traffic.ids import detect
from seawall.engines.local import combine
from seawall.sources import read_file

DATA = Path(__file__).parents[1] / "data"
EVE = DATA / "suricata" / "slips-test6-malicious.suricata.json.gz"


def run(tables, profile="default", **overrides):
    return detect(
        tables,
        DetectContext(
            profile=profile, thresholds=load_thresholds("ids", profile, overrides or None)
        ),
    )


@pytest.fixture(scope="module")
def eve_tables():
    return combine([read_file(str(EVE))])


@pytest.fixture(scope="module")
def eve_alerts():
    with gzip.open(EVE, "rt", encoding="utf-8") as handle:
        return [e for e in map(json.loads, handle) if e["event_type"] == "alert"]


def test_one_alert_per_rule_and_endpoints(eve_tables, eve_alerts):
    alerts = run(eve_tables)
    groups = Counter(
        (str(e["alert"]["signature_id"]), e["src_ip"], e["dest_ip"], e.get("dest_port"))
        for e in eve_alerts
    )
    assert len(alerts) == len(groups)
    assert sum(a.evidence["alert_count"] for a in alerts) == len(eve_alerts) == 745
    by_key = {
        (
            a.evidence["sid"],
            a.entities["source.ip"],
            a.entities["destination.ip"],
            a.entities.get("destination.port"),
        ): a
        for a in alerts
    }
    for key, count in groups.items():
        assert by_key[key].evidence["alert_count"] == count


def test_first_eve_alert_fields(eve_tables):
    alerts = run(eve_tables)
    hit = next(
        a
        for a in alerts
        if a.entities["source.ip"] == "78.36.196.213" and a.evidence["sid"] == "2403388"
    )
    assert hit.rule_id == "suricata:2403388" and hit.rule_version == 66418
    assert (
        hit.evidence["signature"]
        == "ET CINS Active Threat Intelligence Poor Reputation IP group 89"
    )
    assert hit.evidence["category"] == "Misc Attack" and hit.evidence["sensor_priority"] == 2
    assert hit.severity == "medium" and hit.attack == []  # no mitre metadata in this capture
    assert hit.entities == {
        "source.ip": "78.36.196.213",
        "destination.ip": "192.168.1.129",
        "destination.port": 445,
    }
    assert hit.inputs[0].line == 1 and hit.inputs[0].file.endswith(".json.gz")
    assert "2403388" in hit.explanation and "78.36.196.213" in hit.explanation


def test_severity_follows_sensor_priority(eve_tables, eve_alerts):
    alerts = run(eve_tables)
    priorities = Counter(a.evidence["sensor_priority"] for a in alerts)
    severities = Counter(a.severity for a in alerts)
    assert severities["high"] == priorities[1] and severities["medium"] == priorities[2]
    assert severities["low"] == priorities[3] > 0
    # tighter threshold drops priority-3 rules; the lab profile keeps priority 4 as well
    strict = run(eve_tables, max_priority=2)
    assert len(strict) == len(alerts) - priorities[3]
    assert load_thresholds("ids", "lab")["max_priority"] == 4


def test_ignore_rule_ids(eve_tables, eve_alerts):
    noisy = Counter(str(e["alert"]["signature_id"]) for e in eve_alerts).most_common(1)[0][0]
    alerts = run(eve_tables, ignore_rule_ids=[noisy])
    assert all(a.evidence["sid"] != noisy for a in alerts)
    assert sum(a.evidence["alert_count"] for a in alerts) == 745 - sum(
        1 for e in eve_alerts if str(e["alert"]["signature_id"]) == noisy
    )


def test_attack_ids_come_from_rule_metadata(tmp_path):
    base = {
        "timestamp": "2024-05-01T10:00:00+0000",
        "event_type": "alert",
        "src_ip": "10.1.1.5",
        "src_port": 50000,
        "dest_ip": "203.0.113.7",
        "dest_port": 443,
        "proto": "TCP",
    }
    tagged = dict(
        base,
        alert={
            "signature_id": 2030001,
            "rev": 2,
            "signature": "ET MALWARE C2 beacon",
            "category": "A Network Trojan was detected",
            "severity": 1,
            "metadata": {"mitre_technique_id": ["T1071"]},
        },
    )
    later = dict(tagged, timestamp="2024-05-01T10:05:00+0000")
    info = dict(base, alert={"signature_id": 2, "signature": "local info", "severity": 4})
    path = tmp_path / "eve.json"
    path.write_text("\n".join(json.dumps(e) for e in (tagged, info, later)) + "\n")
    tables = combine([read_file(str(path))])
    alerts = run(tables)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.attack == ["T1071"] and alert.severity == "high" and alert.confidence == 0.8
    assert alert.evidence["alert_count"] == 2
    assert (alert.last_seen - alert.first_seen).total_seconds() == 300
    assert [ref.line for ref in alert.inputs] == [1, 3]
    lab = run(tables, profile="lab")
    assert {a.rule_id for a in lab} == {"suricata:2030001", "suricata:2"}
    assert next(a for a in lab if a.rule_id == "suricata:2").severity == "info"


@pytest.mark.parametrize("log", ["ctu-sme-11_conn.log.labeled", "zeek-baseline_wikipedia_http.log"])
def test_no_alerts_without_sensor_alerts(log):
    tables = combine([read_file(str(DATA / "zeek" / log))])
    assert run(tables) == []


def test_no_alerts_from_eve_flows_only(tmp_path, eve_tables):
    import pyarrow.compute as pc

    tx = eve_tables.transactions
    eve_tables.transactions = tx.filter(pc.not_equal(tx.column("transaction.kind"), "ids_alert"))
    try:
        assert run(eve_tables) == []
    finally:
        eve_tables.transactions = tx
