"""The shipped Sigma rules over the real device logs of tests/data/logs (732 lines, 19 files).

Expected matches, read from the files: the Sigma regression sample of rule ef0ff092
(``logged command:no access-session port-control``) and the NX-OS accounting line
``...:SRVC_A00A12_0006_PRD:show ip route vrf all (SUCCESS)`` (Cisco Discovery: ``show ip
route``). No other line of the corpus is a command with a Cisco AAA keyword, and no line
carries the BGP/LDP/Huawei/Juniper/CVE keywords (the BGP sample is ``%TCP-6-BADAUTH``, not
the legacy ``IP-TCP-3-BADAUTH`` the Cisco BGP rule keys on).

The same Cisco AAA rules evaluated on whole lines (what a backend without the pipeline does)
fire 51 times on 50 lines, 42 of them for Cisco Local Accounts (``aaa`` in JunOS host names
like ``AAAA-A-AA``, ``username=`` fields, the NX-OS ``%AAA-6-AAA_ACCOUNTING_MESSAGE``
mnemonic) and 3 for Cisco Modify Configuration (ACL-hit messages that name ``access-list``):
the reference's count, reproduced here, on the hand-built table and on the parser's.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from seawall.detect.base import DetectContext, RecordTables
from seawall.detect.logs.sigma import detect_sigma, match_table
from seawall.detect.logs.sigma_eval import match_rules
from seawall.detect.logs.sigma_rules import load_sigma_rules, shipped_root
from seawall.records import from_columns
from seawall.sources.logs import parse_lines

LOGS = Path(__file__).resolve().parents[2] / "data" / "logs"
DOT1X = "ef0ff092-a24a-4fbc-beea-06c08d53e085"
DISCOVERY = "9705a6a1-6db6-4a16-a987-15b7151e299b"
NEXUS = "cisco_nxos/elastic_cisco_nexus_test-nexus.log"
DOT1X_FILE = "cisco_ios/sigma_regression_cisco_cli_dot1x_disabled.raw.log"
# The command events of the corpus and their command text, read by hand; the tests run the
# rules on this hand-built table and on the log parser's output.
COMMANDS = {
    (DOT1X_FILE, 1): "no access-session port-control",
    # sudo lines: commands too, though the parser calls them privilege escalation
    (NEXUS, 11): "/isanboot/bin/imghdr Debug /var/sysmgr/ftp/img-sync/curr-isan.img",
    (NEXUS, 35): "/sbin/sysctl -q -w vm.drop_caches=3",
    (NEXUS, 59): "show ip route vrf all",
    (NEXUS, 60): "show ip ospf neighbors detail vrf all",
    ("aaa_tacacs/elastic_cisco_ise_test-pipeline-tacacs-accounting.log", 1): (
        "show mac-address-table"
    ),
}


def _corpus_table():
    originals, files, lines, actions, commands = [], [], [], [], []
    for path in sorted(LOGS.rglob("*.log")):
        name = path.relative_to(LOGS).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            command = COMMANDS.get((name, number))
            originals.append(line)
            files.append(name)
            lines.append(number)
            actions.append("command" if command else None)
            commands.append(command)
    return from_columns(
        "log",
        {
            "event.original": originals,
            "input.file": files,
            "input.line": lines,
            "event.action": actions,
            "process.command_line": commands,
        },
    )


def _parsed_table():
    tables = []
    for path in sorted(LOGS.rglob("*.log")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        table, _ = parse_lines(lines, path=path.relative_to(LOGS).as_posix(), default_year=2024)
        tables.append(table)
    return pa.concat_tables(tables)


@pytest.fixture(scope="module")
def corpus():
    return _corpus_table()


@pytest.fixture(scope="module")
def parsed():
    """The corpus through Seawall's log parser (multi-line RADIUS and ACS records are one
    row each, so fewer rows than lines)."""
    return _parsed_table()


def _found(table) -> set[tuple[str, str, int]]:
    files = table.column("input.file").to_pylist()
    lines = table.column("input.line").to_pylist()
    return {(m.rule.rule_id, files[r], lines[r]) for m in match_table(table) for r in m.rows}


def test_corpus_size(corpus):
    assert corpus.num_rows == 732
    assert len(set(corpus.column("input.file").to_pylist())) == 19


def test_expected_matches_on_the_corpus(corpus):
    assert _found(corpus) == {(DOT1X, DOT1X_FILE, 1), (DISCOVERY, NEXUS, 59)}


def test_dot1x_regression_sample_alert(corpus):
    alerts = detect_sigma(RecordTables(logs=corpus), DetectContext().for_detector("sigma"))
    dot1x = [a for a in alerts if a.rule_id == DOT1X]
    assert len(dot1x) == 1
    alert = dot1x[0]
    assert alert.title == "Cisco Dot1x Disabled"
    assert alert.evidence["author"] == "Luc Génaux"
    assert alert.evidence["licence"] == "DRL 1.1"
    assert alert.attack == ["T1685", "T1556.004"]
    assert [(i.file, i.line) for i in alert.inputs] == [(DOT1X_FILE, 1)]
    assert alert.evidence["lines"][0]["text"] == (
        "172.16.5.10 6705: Feb 17 13:40:03.673: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  "
        "logged command:no access-session port-control"
    )
    assert sorted(a.rule_id for a in alerts) == sorted([DOT1X, DISCOVERY])


def test_expected_matches_through_the_log_parser(parsed):
    assert parsed.num_rows == 702
    actions = parsed.column("event.action").to_pylist()
    files = parsed.column("input.file").to_pylist()
    lines = parsed.column("input.line").to_pylist()
    commands = {(f, n) for f, n, a in zip(files, lines, actions, strict=True) if a == "command"}
    assert {(DOT1X_FILE, 1), (NEXUS, 59)} <= commands
    assert _found(parsed) == {(DOT1X, DOT1X_FILE, 1), (DISCOVERY, NEXUS, 59)}
    alerts = detect_sigma(RecordTables(logs=parsed), DetectContext().for_detector("sigma"))
    by_rule = {a.rule_id: a for a in alerts}
    assert sorted(by_rule) == sorted([DOT1X, DISCOVERY])
    dot1x = by_rule[DOT1X]
    assert dot1x.entities == {"device": "172.16.5.10", "user": "admin"}
    assert dot1x.first_seen == datetime(2024, 2, 17, 13, 40, 3, 673000, tzinfo=UTC)
    assert dot1x.evidence["lines"][0]["command"] == "no access-session port-control"
    discovery = by_rule[DISCOVERY]
    assert discovery.entities == {
        "device": "10.100.0.36",
        "user": "SRVC_A00A12_0006_PRD",
        "source.ip": "10.63.12.105",
    }
    assert discovery.evidence["lines"][0]["command"] == "show ip route vrf all"
    assert discovery.evidence["author"] == "Austin Clark"


def _whole_line_rules(tmp_path: Path) -> list:
    """The Cisco AAA rules with their log source changed to plain Cisco syslog: the pipeline
    then searches whole lines, as a backend without Seawall's pipeline would."""
    aaa = shipped_root() / "rules" / "network" / "cisco" / "aaa"
    for path in aaa.glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        assert "    service: aaa\n" in text
        syslog = text.replace("    service: aaa\n", "    service: syslog\n")
        (tmp_path / path.name).write_text(syslog, encoding="utf-8")
    entries = [e for e in load_sigma_rules([tmp_path], include_shipped=False) if e.compiled]
    assert len(entries) == 13
    assert {e.keyword_field for e in entries} == {"event.original"}
    return entries


def test_parsed_corpus_whole_line_false_positives(parsed, tmp_path: Path):
    entries = _whole_line_rules(tmp_path)
    rows = match_rules(parsed, [e.compiled for e in entries])
    found = dict(zip([e.title for e in entries], rows, strict=True))
    assert len(found["Cisco Local Accounts"]) == 42
    assert len(found["Cisco Modify Configuration"]) == 3
    # All 42 are false: no command among them touches accounts (the two NX-OS accounting
    # lines hit on the mnemonic %AAA-6-AAA_ACCOUNTING_MESSAGE, not on their command).
    commands = parsed.column("process.command_line").to_pylist()
    hit_commands = [commands[r] for r in found["Cisco Local Accounts"] if commands[r]]
    assert hit_commands == ["show ip route vrf all", "show ip ospf neighbors detail vrf all"]


def test_whole_line_evaluation_would_produce_the_false_positives(corpus, tmp_path: Path):
    """The Cisco AAA rules with their log source changed to plain Cisco syslog: the pipeline
    then searches whole lines, as a backend without Seawall's pipeline would."""
    aaa = shipped_root() / "rules" / "network" / "cisco" / "aaa"
    for path in aaa.glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        assert "    service: aaa\n" in text
        (tmp_path / path.name).write_text(
            text.replace("    service: aaa\n", "    service: syslog\n")
        )
    entries = [e for e in load_sigma_rules([tmp_path], include_shipped=False) if e.compiled]
    assert len(entries) == 13
    assert {e.keyword_field for e in entries} == {"event.original"}
    found = dict(
        zip(
            [e.title for e in entries],
            match_rules(corpus, [e.compiled for e in entries]),
            strict=True,
        )
    )
    files = corpus.column("input.file").to_pylist()
    lines = corpus.column("input.line").to_pylist()
    local = found["Cisco Local Accounts"]
    assert len(local) == 42
    assert Counter(files[r] for r in local) == {
        "firewalls/ossec_docs_checkpoint.log": 27,
        NEXUS: 7,
        "juniper_junos/elastic_juniper_srx_test-system.log": 7,
        "juniper_junos/wazuh_junos_ini_extracted.log": 1,
    }
    assert [(files[r], lines[r]) for r in found["Cisco Modify Configuration"]] == [
        ("cisco_ios/elastic_cisco_ios_test-cisco-ios.log", 8),
        ("cisco_ios/elastic_cisco_ios_test-cisco-ios.log", 11),
        ("cisco_ios/elastic_cisco_ios_test-syslog.log", 19),
    ]
    # all three are ACL-hit messages (SEC-6-IPACCESSLOGRL, ACL-IPV4_ACL-6-IPACCESSLOGP)
    assert all(
        "IPACCESSLOG" in corpus.column("event.original")[r].as_py()
        for r in found["Cisco Modify Configuration"]
    )
    assert sum(len(rows) for rows in found.values()) == 51
    # ...while the shipped rules, on command text only, report none of these.
    shipped = {rule for rule, _, _ in _found(corpus)}
    assert "6d844f0f-1c18-41af-8f19-33e7654edfc3" not in shipped
    assert "671ffc77-50a7-464f-9e3d-9ea2b493b26b" not in shipped
