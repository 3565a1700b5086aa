"""Every corpus log file: recognised as a log, every line understood (no unknown line), and
exactly the records, event kinds and formats read by hand from the files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from seawall.sources import identify, walk
from seawall.sources.base import SourceOptions
from seawall.sources.logs.source import LogSource

LOGS = Path(__file__).parents[2] / "data" / "logs"

# file: (lines, records, {event.action: n}, {log.format: n})
EXPECTED = {
    "aaa_tacacs/elastic_cisco_ise_test-pipeline-tacacs-accounting.log": (
        3,
        3,
        {"command": 1, "session_start": 1, "session_stop": 1},
        {"ise_tacacs": 3},
    ),
    # 2 CSV header lines are structure, 25 records
    "aaa_tacacs/ossec_docs_cisco_secure_acs.csv.log": (
        27,
        25,
        {"login_failure": 11, "login_success": 14},
        {"acs": 25},
    ),
    # two RADIUS accounting records of 14 and 16 lines
    "aaa_tacacs/ossec_docs_gnu_radius.log": (
        30,
        2,
        {"session_start": 1, "session_stop": 1},
        {"radius": 2},
    ),
    # 605004 x3, 315011 x2, 106023 x6 + 106010 x5 + 106006 x5
    "cisco_asa_pix/ossec_docs_cisco_pix.log": (
        105,
        105,
        {"acl_hit": 16, "login_failure": 3, "session_stop": 2, "system": 84},
        {"cisco_asa": 105},
    ),
    "cisco_ios/elastic_cisco_ios_test-badauth.log": (
        4,
        4,
        {"routing_auth_failure": 4},
        {"cisco_ios": 4},
    ),
    "cisco_ios/elastic_cisco_ios_test-cisco-ios.log": (
        28,
        28,
        {"acl_hit": 20, "login_success": 1, "logout": 1, "system": 6},
        {"cisco_ios": 28},
    ),
    "cisco_ios/elastic_cisco_ios_test-syslog.log": (
        20,
        20,
        {"acl_hit": 4, "config_change": 3, "interface_up": 1, "system": 12},
        {"cisco_ios": 18, "cisco_iosxr": 2},
    ),
    "cisco_ios/ossec_docs_cisco_ids.log": (46, 46, {"system": 46}, {"cisco_ios": 46}),
    "cisco_ios/ossec_docs_cisco_ios.log": (
        29,
        29,
        {"acl_hit": 14, "config_change": 10, "logging_stopped": 1, "system": 4},
        {"cisco_ios": 29},
    ),
    "cisco_ios/sigma_regression_cisco_cli_dot1x_disabled.raw.log": (
        1,
        1,
        {"command": 1},
        {"cisco_ios": 1},
    ),
    "cisco_ios/wazuh_cisco_ios_ini_extracted.log": (
        19,
        19,
        {"acl_hit": 8, "interface_up": 2, "login_success": 3, "session_start": 1, "system": 5},
        {"cisco_ios": 19},
    ),
    # NX-OS lines with an IOS-style stamp and no NX-OS-only facility read as cisco_ios
    "cisco_nxos/elastic_cisco_nexus_test-nexus.log": (
        72,
        72,
        {
            "command": 2,
            "config_change": 1,
            "interface_down": 3,
            "interface_up": 3,
            "login_failure": 4,
            "login_success": 2,
            "logout": 2,
            "privilege_escalation": 2,
            "session_stop": 1,
            "system": 52,
        },
        {"cisco_ios": 18, "cisco_nxos": 54},
    ),
    "firewalls/ossec_docs_aruba.log": (1, 1, {"system": 1}, {"rfc3164": 1}),
    "firewalls/ossec_docs_checkpoint.log": (275, 275, {"system": 275}, {"other": 275}),
    "firewalls/ossec_docs_sonicwall.log": (
        23,
        23,
        {"login_failure": 2, "system": 21},
        {"other": 23},
    ),
    "juniper_junos/elastic_juniper_srx_test-system.log": (
        29,
        29,
        {
            "acl_hit": 3,
            "login_failure": 1,
            "snmp_auth_failure": 1,
            "system": 14,
            "tunnel_state": 2,
            "vpn": 8,
        },
        {"junos": 17, "rfc5424": 12},
    ),
    "juniper_junos/ossec_docs_juniper_netscreen.log": (
        15,
        15,
        {"login_success": 1, "system": 12, "vpn": 2},
        {"other": 15},
    ),
    "juniper_junos/ossec_docs_juniper_sa.log": (
        2,
        2,
        {"login_failure": 1, "login_success": 1},
        {"other": 2},
    ),
    "juniper_junos/wazuh_junos_ini_extracted.log": (
        3,
        3,
        {"acl_hit": 1, "system": 2},
        {"junos": 3},
    ),
}


def test_table_names_every_corpus_log() -> None:
    files = {str(Path(p).relative_to(LOGS)) for p in walk([str(LOGS)])}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    lines, records, actions, formats = EXPECTED[name]
    path = str(LOGS / name)
    source = identify(path)
    assert source is not None and source.name == "log"
    result = LogSource().read(path, SourceOptions())
    assert result.issues == []
    assert result.stats["unknown_lines"] == 0
    assert result.units_read == lines
    table = result.tables["log"]
    assert table.num_rows == records
    assert dict(Counter(table["event.action"].to_pylist())) == actions
    assert dict(Counter(table["log.format"].to_pylist())) == formats
    # every record points at its line and keeps it whole
    numbers = table["input.line"].to_pylist()
    assert numbers == sorted(numbers) and min(numbers) >= 1 and max(numbers) <= lines
    text = Path(path).read_text(encoding="utf-8").split("\n")
    for number, original in zip(numbers, table["event.original"].to_pylist(), strict=True):
        assert original.split("\n")[0] == text[number - 1]
    assert set(table["input.file"].to_pylist()) == {path}
