"""Suricata source on a real EVE file (tests/data/suricata/PROVENANCE.md gives the counts)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pytest

from seawall.sources import identify, read_file

EVE = Path(__file__).parents[2] / "data" / "suricata" / "slips-test6-malicious.suricata.json.gz"


@pytest.fixture(scope="module")
def result():
    assert identify(str(EVE)).name == "suricata"
    return read_file(str(EVE))


@pytest.fixture(scope="module")
def events():
    with gzip.open(EVE, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_event_counts_match_provenance(result, events):
    assert result.issues == [] and result.units_read == 5000
    assert Counter(e["event_type"] for e in events) == {
        "flow": 3512,
        "alert": 745,
        "dns": 680,
        "http": 56,
        "fileinfo": 3,
        "anomaly": 3,
        "tls": 1,
    }
    tx = result.table("transaction")
    kinds = Counter(tx.column("transaction.kind").to_pylist())
    assert kinds == {"ids_alert": 745, "dns_query": 340, "http_request": 56, "tls_handshake": 1}
    assert result.table("flow").num_rows == 3512
    assert result.stats["skipped.fileinfo"] == 3 and result.stats["skipped.anomaly"] == 3


def test_flow_counters_are_the_sensors(result, events):
    flows = result.table("flow")
    eve_flows = [e for e in events if e["event_type"] == "flow"]
    assert pc.sum(flows.column("source.bytes")).as_py() == sum(
        e["flow"]["bytes_toserver"] for e in eve_flows
    )
    assert pc.sum(flows.column("destination.packets")).as_py() == sum(
        e["flow"]["pkts_toclient"] for e in eve_flows
    )
    assert set(flows.column("observer.type").to_pylist()) == {"suricata"}
    assert set(flows.column("observer.name").to_pylist()) == {"stratosphere.org"}
    reasons = Counter(flows.column("flow.end_reason").to_pylist())
    timeouts = sum(
        1
        for e in eve_flows
        if e["flow"].get("reason") == "timeout" and e["flow"].get("state") != "closed"
    )
    assert reasons["idle_timeout"] <= timeouts and reasons["idle_timeout"] > 0


def test_tls_event_values(result):
    tx = result.table("transaction")
    tls = tx.filter(pc.equal(tx.column("transaction.kind"), "tls_handshake")).to_pylist()[0]
    assert tls["input.line"] == 113
    assert tls["tls.client.server_name"] == "www.myedimax.com"
    assert tls["tls.version"] == "1.1"
    assert tls["tls.client.ja3"] == "b7202231ff2db28363c109cedc6d1642"
    assert tls["tls.server.hash.sha1"] == "2DD19F809986FCAC5F2A2AFDA3F37E967CDD2437"


def test_alert_rows(result, events):
    tx = result.table("transaction")
    alerts = tx.filter(pc.equal(tx.column("transaction.kind"), "ids_alert"))
    first = alerts.to_pylist()[0]
    assert first["input.line"] == 1
    assert first["rule.id"] == "2403388"
    assert first["rule.name"] == "ET CINS Active Threat Intelligence Poor Reputation IP group 89"
    assert first["event.severity"] == 2
    detail = json.loads(first["detail"])
    assert detail["category"] == "Misc Attack" and detail["rev"] == 66418 and detail["attack"] == []
    assert (first["source.ip"], first["destination.ip"], first["destination.port"]) == (
        "78.36.196.213",
        "192.168.1.129",
        445,
    )
    want = Counter(str(e["alert"]["signature_id"]) for e in events if e["event_type"] == "alert")
    assert Counter(alerts.column("rule.id").to_pylist()) == want


def test_dns_queries_joined_to_their_v2_answers(result, events):
    tx = result.table("transaction")
    dns = tx.filter(pc.equal(tx.column("transaction.kind"), "dns_query"))
    # pair the k-th query of a (flow_id, DNS id) with the k-th answer of that key:
    # this capture has retransmitted queries answered twice
    answers: dict[tuple, list] = {}
    for e in events:
        if e["event_type"] == "dns" and e["dns"]["type"] == "answer":
            answers.setdefault((e["flow_id"], e["dns"]["id"]), []).append(e["dns"])
    queries = [e for e in events if e["event_type"] == "dns" and e["dns"]["type"] == "query"]
    got = dns.to_pylist()
    assert len(got) == len(queries) == 340
    seen: Counter = Counter()
    for row, query in zip(got, queries, strict=True):
        key = (query["flow_id"], query["dns"]["id"])
        candidates = answers.get(key, [])
        answer = candidates[seen[key]] if seen[key] < len(candidates) else None
        seen[key] += 1
        assert row["dns.question.name"] == query["dns"]["rrname"]
        assert row["dns.response_code"] == (answer or {}).get("rcode")
        if answer is not None:
            assert row["dns.answers.count"] == len(answer.get("answers", []))
    assert result.stats.get("dns.responses_without_query", 0) == sum(
        max(0, len(v) - seen[k]) for k, v in answers.items()
    )
    first = got[0]
    assert (first["dns.question.name"], first["dns.response_code"], first["dns.answers.count"]) == (
        "www.google.com",
        "NOERROR",
        1,
    )
