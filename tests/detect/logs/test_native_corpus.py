"""Native log rules end to end: real parser, real files.

The crafted campaign sessions (tests/data/logs_crafted, every planted line listed in its
PROVENANCE.md) must raise exactly the alerts written there; the corpus device logs
(tests/data/logs) must raise exactly the alerts read below from the files by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.detect.base import DetectContext, NetworkContext, RecordTables
from seawall.detect.logs.native import evaluate_rules, load_log_rules, log_rules
from seawall.sources.logs import parse_lines

DATA = Path(__file__).resolve().parents[2] / "data"
CRAFTED = DATA / "logs_crafted"
CORPUS = DATA / "logs"
OPERATOR = NetworkContext.from_dict({"internal": ["192.0.2.0/24"]})


def parse(path: Path, **options):
    table, issues = parse_lines(path.read_text().splitlines(), path=str(path), **options)
    assert issues == [], [str(i) for i in issues]
    return table


def found(alerts) -> list[tuple[str, tuple[int, ...]]]:
    return sorted((a.rule_id, tuple(sorted(r.line for r in a.inputs))) for a in alerts)


IOSXE = [
    ("LC-01", (30,)),
    ("LC-06", (59,)),
    ("LC-08", (26,)),
    ("LC-08", (49,)),
    ("LG-01a", (16,)),
    ("LG-01c", (16, 30)),
    ("LG-02", (25, 41, 60)),
    ("LG-03", (17, 26)),
    ("LG-04", (59, 61, 62, 63)),
    ("LG-05a", (58,)),
    ("LG-05b", (57,)),
    ("LG-06a", (51, 52, 55)),
    ("LG-06b", (50, 53, 54)),
    ("LG-07", (44, 45, 46, 47, 48, 49)),
    ("LG-07b", (45,)),
    ("LG-09a", (20,)),
    ("LG-09c", (23, 24)),
    ("LG-09d", (37, 39, 40)),
    ("LG-09e", (32, 35)),
    ("LG-12a", (42, 43)),
]

IOSXR = [
    ("LC-01", (26,)),
    ("LC-03", (14, 15, 17, 19, 20)),
    ("LC-04", (15, 16)),
    ("LC-05", (17, 18, 19)),
    ("LG-01a", (13,)),
    ("LG-01c", (9, 11)),
    ("LG-01c", (13,)),
    ("LG-01c", (27,)),
    ("LG-02", (10,)),
    ("LG-02", (24,)),
    ("LG-05b", (22,)),
    ("LG-07", (20,)),
    ("LG-07b", (20,)),
    ("LG-14", (8, 9)),
]


@pytest.mark.parametrize(
    ("name", "expected", "device", "rows"),
    [
        ("iosxe_campaign_session.log", IOSXE, "pe1-lon", 64),
        ("iosxr_campaign_session.log", IOSXR, "p1-ams", 27),
    ],
)
def test_crafted_session_raises_every_planted_alert(name, expected, device, rows):
    path = CRAFTED / name
    table = parse(path)
    assert table.num_rows == rows
    alerts = evaluate_rules(table, load_log_rules(), OPERATOR)
    assert found(alerts) == sorted(expected)
    for alert in alerts:
        assert alert.entities["device"] == device
        assert all(ref.file == str(path) for ref in alert.inputs)
        assert alert.first_seen is not None and alert.first_seen.year == 2025
    # Without the operator's network map, the jump host (192.0.2.50) is not private space:
    # its logins add LG-01c alerts and nothing else changes.
    extra = {
        "iosxe_campaign_session.log": [(1,), (10,)],
        "iosxr_campaign_session.log": [(1,), (4,)],
    }
    plain = found(evaluate_rules(table, load_log_rules()))
    assert plain == sorted(expected + [("LG-01c", lines) for lines in extra[name]])
    # Every line carries its year: a parser assuming another year reads the same alerts.
    other_year = parse(path, default_year=2031)
    assert found(evaluate_rules(other_year, load_log_rules(), OPERATOR)) == sorted(expected)


def test_crafted_iosxe_alert_contents():
    path = CRAFTED / "iosxe_campaign_session.log"
    alerts = {a.rule_id: a for a in evaluate_rules(parse(path), load_log_rules(), OPERATOR)}
    lc01 = alerts["LC-01"]
    assert lc01.severity == "critical" and "T1571" in lc01.attack
    assert lc01.entities == {"device": "pe1-lon", "user": "netops", "source.ip": "203.0.113.45"}
    assert "[localport: 22022]" in lc01.explanation
    assert lc01.first_seen.isoformat() == "2025-03-04T02:40:07.880000+00:00"
    lg04 = alerts["LG-04"]
    assert lg04.evidence["steps"] == ["remove_loopback", "show_logging", "clear_logging", "exit"]
    assert [e["command"] for e in lg04.evidence["events"]] == [
        "no interface Loopback7",
        "show logging",
        "clear logging",
        "exit",
    ]
    assert lg04.evidence["events"][1]["text"].endswith("%HA_EM-6-LOG: catchall: show logging")
    assert (lg04.last_seen - lg04.first_seen).total_seconds() == pytest.approx(59.936)
    assert alerts["LG-01a"].evidence["previous"] == ["192.0.2.50"]
    assert alerts["LG-09a"].explanation == "netops on pe1-lon: ip ssh port 22022 rotary 1"
    assert alerts["LG-07b"].evidence["events"][0]["command"].endswith("any any eq 49")
    assert alerts["LG-05a"].explanation == (
        "pe1-lon: Logging to host 192.0.2.5 port 514 stopped - CLI initiated"
    )


def test_crafted_sessions_through_the_detector():
    tables = RecordTables(logs=parse(CRAFTED / "iosxr_campaign_session.log"))
    ctx = DetectContext(network=OPERATOR).for_detector("log_rules")
    alerts = log_rules(tables, ctx)
    assert found(alerts) == sorted(IOSXR)
    assert alerts[0].severity == "critical"  # worst first
    lg14 = next(a for a in alerts if a.rule_id == "LG-14")
    assert lg14.entities == {"device": "p1-ams", "user": "admin", "source.ip": "203.0.113.45"}


# Alerts of the corpus logs, read from the files: default context (no network map).
CORPUS_ALERTS = {
    "aaa_tacacs/ossec_docs_cisco_secure_acs.csv.log": [
        # bscorpio: 10 failures from 122.55.32.13 between 02:11:03 and 02:14:58
        ("LC-09", tuple(range(2, 12))),
        # Authen OK from the public 198.47.27.99, grouped per user while within the hour
        ("LG-01c", (14, 15, 16, 17)),
        ("LG-01c", (18,)),
        ("LG-01c", (19, 20, 21, 22, 23)),
        ("LG-01c", (24,)),
        ("LG-01c", (25, 26)),
        ("LG-01c", (27,)),
    ],
    "cisco_ios/elastic_cisco_ios_test-syslog.log": [
        # SYS-5-CONFIG_I on Thursday 6 Jan 2022 20:52-21:01 UTC: outside working hours
        ("LG-02", (1, 2)),  # no host name in these two lines
        ("LG-02", (4,)),  # sw01
    ],
    "cisco_ios/ossec_docs_cisco_ios.log": [
        # CONFIG_I on Saturday 6 and Sunday 7 Sep (year 2025 given to the parser)
        ("LG-02", (1, 3, 4, 5)),
        ("LG-02", (8,)),
        ("LG-02", (9, 10, 11)),
        ("LG-02", (14,)),
        ("LG-05a", (6,)),  # Logging to host 1.1.1.1 stopped - CLI initiated
        ("LG-10a", (29,)),  # Configured from 127.0.0.21 by snmp
    ],
    "cisco_nxos/elastic_cisco_nexus_test-nexus.log": [
        ("LG-01c", (66,)),  # SEC_LOGIN from 81.2.69.142
        ("LG-02", (26,)),  # VSHD config change Wed 3 May 2023 13:55 AEST = 03:55 UTC
    ],
    "juniper_junos/elastic_juniper_srx_test-system.log": [
        ("LG-12a", (15,)),  # SNMP_TRAP_LINK_UP of the secure tunnel st0.60
    ],
    "juniper_junos/ossec_docs_juniper_netscreen.log": [
        ("LG-01c", (15,)),  # admin "baby" logged in for web management from 1.2.3.4
    ],
}


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*.log"))


def test_corpus_logs_raise_only_the_expected_alerts():
    files = corpus_files()
    assert len(files) == 19
    rules = load_log_rules()
    seen = {}
    for path in files:
        table, _ = parse_lines(path.read_text().splitlines(), path=str(path), default_year=2025)
        alerts = evaluate_rules(table, rules)
        if alerts:
            seen[str(path.relative_to(CORPUS))] = found(alerts)
    assert seen == {k: sorted(v) for k, v in CORPUS_ALERTS.items()}


def test_corpus_command_events_raise_nothing():
    """The corpus' command events (NX-OS accounting show commands, an ISE `show
    mac-address-table`, the Sigma sample's `no access-session port-control`) are benign."""
    rules = [r for r in load_log_rules() if r.id.startswith(("LG-09", "LC-0", "LG-07", "LG-06b"))]
    for name in (
        "cisco_nxos/elastic_cisco_nexus_test-nexus.log",
        "aaa_tacacs/elastic_cisco_ise_test-pipeline-tacacs-accounting.log",
        "cisco_ios/sigma_regression_cisco_cli_dot1x_disabled.raw.log",
    ):
        path = CORPUS / name
        table, _ = parse_lines(path.read_text().splitlines(), path=str(path), default_year=2025)
        commands = table.filter(table["event.action"].to_numpy(zero_copy_only=False) == "command")
        assert commands.num_rows >= 1
        assert evaluate_rules(table, rules) == []
