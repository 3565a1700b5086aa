"""Intel detector: crafted tables for the rules, real captures for the ground truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from seawall.detect.base import DetectContext, RecordTables
from seawall.detect.intel import detect_intel
from seawall.intel.files import load_indicator_set
from seawall.intel.matcher import IndicatorColumns, IndicatorSet
from seawall.records import from_columns
from seawall.sources import read_file
from seawall.sources.base import SourceOptions

DATA = Path(__file__).resolve().parent.parent / "data"
TRAFFIC = DATA / "traffic"
GROUND_TRUTH = DATA / "intel" / "traffic_ground_truth.csv"
VENDOR_LISTS = [
    DATA / "intel" / "maltrail_apt_ghostemperor.txt",
    DATA / "intel" / "volexity_stormbamboo_iocs.csv",
    DATA / "intel" / "eset_famoussparrow_README.adoc",
]
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _ctx(intel: IndicatorSet | None, profile: str = "default") -> DetectContext:
    return DetectContext(profile=profile, intel=intel).for_detector("intel")


def _intel(*entries: tuple[str, str, float | None]) -> IndicatorSet:
    cols = IndicatorColumns()
    for line, (value, kind, confidence) in enumerate(entries, start=1):
        cols.add(value, kind, "feed.txt", line, f"entry {line}", confidence)
    return IndicatorSet(cols)


def _flows(rows: list[dict]) -> object:
    columns: dict[str, list] = {}
    for i, row in enumerate(rows):
        row = {
            "event.start": T0 + timedelta(seconds=10 * i),
            "input.file": "x.pcap",
            "input.frame": i + 1,
            **row,
        }
        row.setdefault("event.end", row["event.start"] + timedelta(seconds=1))
        for key in row:
            columns.setdefault(key, [None] * i)
        for key in columns:
            columns[key].append(row.get(key))
    return from_columns("flow", columns)


def test_no_intel_no_alerts():
    flows = _flows([{"source.ip": "10.0.0.1", "destination.ip": "1.2.3.4"}])
    assert detect_intel(RecordTables(flows=flows), _ctx(None)) == []


def test_one_alert_per_indicator_and_pair_aggregated_over_flows_and_transactions():
    intel = _intel(("1.2.3.4", "ip", None), ("evil.com", "domain", None))
    flows = _flows(
        [
            {"source.ip": "10.0.0.1", "destination.ip": "1.2.3.4", "destination.port": 443},
            {
                "source.ip": "10.0.0.1",
                "destination.ip": "1.2.3.4",
                "destination.port": 443,
                "tls.client.server_name": "www.EVIL.com",
            },
            {"source.ip": "10.0.0.2", "destination.ip": "1.2.3.4", "destination.port": 80},
            {"source.ip": "10.0.0.3", "destination.ip": "9.9.9.9"},
        ]
    )
    tx = from_columns(
        "transaction",
        {
            "event.start": [T0 + timedelta(seconds=15)],
            "source.ip": ["10.0.0.1"],
            "destination.ip": ["1.2.3.4"],
            "transaction.kind": ["tls_handshake"],
            "tls.client.server_name": ["www.evil.com"],
            "input.file": ["x.pcap"],
            "input.frame": [7],
        },
    )
    alerts = detect_intel(RecordTables(flows=flows, transactions=tx), _ctx(intel))
    by_key = {(a.evidence["indicator"], a.entities["source.ip"]): a for a in alerts}
    assert set(by_key) == {
        ("1.2.3.4", "10.0.0.1"),
        ("1.2.3.4", "10.0.0.2"),
        ("evil.com", "10.0.0.1"),
    }
    ip_alert = by_key[("1.2.3.4", "10.0.0.1")]
    assert ip_alert.evidence["flows"] == 2 and ip_alert.evidence["transactions"] == 0
    assert ip_alert.entities == {
        "source.ip": "10.0.0.1",
        "destination.ip": "1.2.3.4",
        "destination.port": 443,
    }
    assert ip_alert.first_seen == T0 and ip_alert.last_seen == T0 + timedelta(seconds=11)
    assert [ref.frame for ref in ip_alert.inputs] == [1, 2]
    assert ip_alert.severity == "high" and ip_alert.attack == ["T1071"]
    assert ip_alert.evidence["indicator_source"] == "feed.txt:1"
    dom = by_key[("evil.com", "10.0.0.1")]
    assert dom.evidence["flows"] == 1 and dom.evidence["transactions"] == 1
    assert dom.evidence["matched_fields"] == ["tls.client.server_name"]
    assert dom.evidence["observed_values"] == ["www.EVIL.com", "www.evil.com"]
    assert "feed.txt:2" in dom.explanation


def test_severity_from_kind_and_feed_confidence():
    intel = _intel(("10.9.0.0/16", "cidr", None), ("5.5.5.5", "ip", 0.3), ("6.6.6.6", "ip", 0.6))
    flows = _flows(
        [
            {"source.ip": "10.9.1.1", "destination.ip": "8.8.8.8"},
            {"source.ip": "10.0.0.1", "destination.ip": "5.5.5.5"},
            {"source.ip": "10.0.0.1", "destination.ip": "6.6.6.6"},
        ]
    )
    alerts = {
        a.evidence["indicator"]: a for a in detect_intel(RecordTables(flows=flows), _ctx(intel))
    }
    assert alerts["10.9.0.0/16"].severity == "medium"
    assert alerts["10.9.0.0/16"].evidence["matched_fields"] == ["source.ip"]
    assert alerts["5.5.5.5"].severity == "low" and alerts["5.5.5.5"].confidence == pytest.approx(
        0.3
    )
    assert alerts["6.6.6.6"].severity == "medium"


def test_dns_url_ua_and_fingerprints():
    intel = _intel(
        ("bad.org", "domain", None),
        ("http://c2.net/gate.php", "url", None),
        ("EvilBot/1.0", "user_agent", None),
        ("0ddb34f875632c7e1ec09d75827f82d2336dfeb6", "sha1", None),
        ("t13d1516h2_8daaf6152771_b186095e22b6", "ja4", None),
    )
    flows = _flows(
        [
            {
                "source.ip": "10.0.0.1",
                "destination.ip": "10.0.0.53",
                "dns.question.name": "x.y.bad.org",
            },
            {
                "source.ip": "10.0.0.1",
                "destination.ip": "7.7.7.7",
                "url.domain": "c2.net",
                "url.original": "/gate.php?id=5",
                "user_agent.original": "EvilBot/1.0",
            },
            {
                "source.ip": "10.0.0.1",
                "destination.ip": "7.7.7.8",
                "tls.server.hash.sha1": "0DDB34F875632C7E1EC09D75827F82D2336DFEB6",
                "tls.client.ja4": "t13d1516h2_8daaf6152771_b186095e22b6",
            },
        ]
    )
    alerts = {a.rule_id: a for a in detect_intel(RecordTables(flows=flows), _ctx(intel))}
    assert set(alerts) == {
        "intel.domain",
        "intel.url",
        "intel.user_agent",
        "intel.sha1",
        "intel.ja4",
    }
    assert "T1071.004" in alerts["intel.domain"].attack
    assert alerts["intel.url"].attack == ["T1071.001"]
    assert alerts["intel.ja4"].severity == "medium" and alerts["intel.sha1"].severity == "high"
    for alert in alerts.values():
        alert.to_dict()  # JSON-serialisable evidence


# ----------------------------------------------------------------- real captures


def _read(path: Path) -> RecordTables:
    result = read_file(str(path), SourceOptions())
    return RecordTables(flows=result.table("flow"), transactions=result.table("transaction"))


@pytest.fixture(scope="module")
def ground_truth() -> IndicatorSet:
    intel, results = load_indicator_set([str(GROUND_TRUTH)])
    assert not results[0].issues and len(intel) == 6
    return intel


def _alerts(name: str, intel: IndicatorSet):
    return detect_intel(_read(TRAFFIC / name), _ctx(intel))


def test_trickbot_c2_address(ground_truth):
    alerts = _alerts("c2/ndpi_trickbot.pcap", ground_truth)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.entities["source.ip"] == "10.12.29.101"
    assert alert.entities["destination.ip"] == "82.118.225.196"
    assert alert.evidence["matched_fields"] == ["destination.ip"]
    assert alert.evidence["destination_ports"] == [7080]
    assert alert.severity == "high" and alert.confidence == pytest.approx(0.9)
    assert alert.inputs and alert.inputs[0].file.endswith("ndpi_trickbot.pcap")
    assert alert.evidence["indicator_source"].endswith("traffic_ground_truth.csv:2")


def test_malware_pcap_icmp_host(ground_truth):
    alerts = _alerts("ioc/ndpi_malware.pcap", ground_truth)
    hits = {a.evidence["indicator"] for a in alerts}
    assert "144.139.247.220" in hits
    icmp = next(a for a in alerts if a.evidence["indicator"] == "144.139.247.220")
    assert icmp.entities["source.ip"] == "192.168.7.7"


def test_malware_pcap_domains(ground_truth):
    alerts = _alerts("ioc/ndpi_malware.pcap", ground_truth)
    hits = {a.evidence["indicator"] for a in alerts}
    assert {"hobbeach.com", "internetbadguys.com"} <= hits
    bad = [a for a in alerts if a.evidence["indicator"] == "internetbadguys.com"]
    fields = set().union(*(a.evidence["matched_fields"] for a in bad))
    assert "dns.question.name" in fields and "tls.client.server_name" in fields
    assert all(len(set(a.inputs)) == len(a.inputs) for a in alerts)


def test_malicious_certificate_sha1(ground_truth):
    alerts = _alerts("ioc/ndpi_tls_malicious_sha1.pcapng", ground_truth)
    assert [a.rule_id for a in alerts] == ["intel.sha1"]
    assert alerts[0].evidence["matched_fields"] == ["tls.server.hash.sha1"]


def test_malicious_c2_ja3(ground_truth):
    alerts = _alerts("c2/sv_TLSv1-Extracted-MaliciousC2.pcap", ground_truth)
    assert [a.rule_id for a in alerts] == ["intel.ja3"]
    assert alerts[0].entities["destination.ip"] == "91.254.215.167"


@pytest.mark.parametrize("name", sorted(p.name for p in (TRAFFIC / "benign").iterdir()))
def test_benign_captures_raise_nothing(name, ground_truth):
    vendor, _ = load_indicator_set([str(GROUND_TRUTH), *map(str, VENDOR_LISTS)])
    tables = _read(TRAFFIC / "benign" / name)
    assert tables.flows.num_rows > 0
    assert detect_intel(tables, _ctx(vendor)) == []
