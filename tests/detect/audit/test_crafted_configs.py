"""The crafted configs (tests/data/configs_crafted): every planted indicator of PROVENANCE.md
is found at its line, the whole static audit of each file is what a reader expects, the
hardened router raises nothing above ``low``, drift against a clean baseline raises the
campaign's change checks, and no secret of the files reaches any output format.

Line convention: a finding about a property of a block (``line vty``, ``tacacs server``,
``interface``) is located at the statement that opens the block, which the parsers record as
the item's line; the indicator's own statement is inside that block.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from seawall.cli.main import cli
from seawall.detect.audit.checks import load_checks
from seawall.detect.audit.run import audit_model
from seawall.records.alerts import SEVERITY_RANK
from seawall.records.config import DeviceConfig
from seawall.sources.configs import parse_config_file, parse_config_text

CRAFTED = Path(__file__).resolve().parents[2] / "data" / "configs_crafted"
CHECKS = load_checks()
IOSXE = "compromised_iosxe.cfg"
IOSXR = "compromised_iosxr.cfg"
HARDENED = "hardened_iosxe.cfg"

# PROVENANCE.md, row by row: (check, line) each planted indicator must raise.
INDICATORS = {
    IOSXE: [
        ("ST-07", 26),  # username cisco_tac_admin
        ("HD-03", 26),  # ... secret 5
        ("HD-03", 27),  # username backup ... password 7
        ("ST-04", 30),  # ip ssh port 22022 rotary 1
        ("ST-04", 93),  # rotary 1 on line vty 0 4
        ("ST-19", 32),  # ip http server
        ("ST-19", 33),  # ip http secure-server
        ("ST-30", 32),  # Web UI on the 17.6 train
        ("ST-04", 34),  # ip http port 18443
        ("ST-11", 40),  # tacacs server TAC-X at 203.0.113.66
        ("HD-04", 42),  # key 0 of TAC-X
        ("HD-07", None),  # no aaa accounting commands
        ("ST-09", 58),  # interface Tunnel100 to 203.0.113.200
        ("ST-18", 64),  # ip route ... Tunnel100
        ("ST-01", 68),  # ACL 20 permit host 203.0.113.50
        ("ST-01", 69),  # ACL 20 permit host 198.18.77.4
        ("ST-02", 68),
        ("ST-02", 69),
        ("ST-13", 71),  # v2c community (RO, ACL 20)
        ("ST-13", 72),  # RW community without ACL
        ("ST-14", 74),  # monitor capture TAC (TCP/49)
        ("ST-14", 75),  # monitor capture RAD (UDP/1812)
        ("ST-15", 77),  # iox
        ("ST-15", 78),  # app-hosting appid guestshell
        ("ST-22", 81),  # event manager applet CLEANUP: clear logging
        ("ST-23", 87),  # archive path tftp://203.0.113.77
        ("HD-08", None),  # logging buffered only
        ("HD-09", None),  # no log config
        ("HD-01", 93),  # vty 0 4 transport input telnet ssh
        ("HD-01", 97),  # vty 5 15 transport input all
        ("HD-11", 91),  # con 0 exec-timeout 0 0
        ("HD-05", 42),  # no service password-encryption + key 0
        ("HD-14", None),  # no ntp server
        ("HD-16", None),  # no banner, no login block-for
    ],
    IOSXR: [
        ("HD-06", 13),  # username cisco, group root-lr
        ("HD-03", 13),  # ... password 7
        ("HD-07", 17),  # accounting exec only, no accounting commands
        ("ST-11", 22),  # tacacs-server host 203.0.113.66
        ("ST-09", 40),  # interface tunnel-ip7 to 203.0.113.201
        ("ST-01", 48),  # MGMT 20 permit host 203.0.113.50, the SSH server ACL
        ("ST-13", 50),  # RW community
        ("ST-04", 53),  # ssh server port 22222
        ("HD-01", 56),  # telnet vrf default ipv4 server
        ("HD-01", 66),  # line default transport input telnet ssh
        ("ST-14", 58),  # monitor-session TACCAP
        ("ST-18", 63),  # 203.0.113.0/24 tunnel-ip7
        ("HD-08", None),  # no logging host
    ],
}
DRIFT_INDICATORS = {
    IOSXE: [("ST-12", 22), ("ST-10", 47)],  # login default local; Loopback99
    IOSXR: [("ST-12", 18), ("ST-10", 30)],  # login default local; Loopback77
}

# The whole static audit, read from each file: (check, severity, line) with a count.
STATIC = {
    IOSXE: {
        ("ST-01", "high", 68): 1,
        ("ST-01", "high", 69): 1,
        ("ST-02", "high", 68): 1,
        ("ST-02", "high", 69): 1,
        ("ST-03", "high", 97): 1,  # vty 5 15 without access-class
        ("ST-04", "high", 30): 1,
        ("ST-04", "high", 34): 1,
        ("ST-04", "high", 93): 1,
        ("ST-07", "critical", 26): 1,
        ("ST-09", "medium", 58): 1,  # external peer, no peer inventory given
        ("ST-11", "high", 40): 1,  # external AAA server, no approved list given
        ("ST-13", "high", 71): 1,
        ("ST-13", "high", 72): 1,
        ("ST-14", "high", 74): 1,
        ("ST-14", "high", 75): 1,
        ("ST-15", "high", 77): 1,
        ("ST-15", "high", 78): 1,
        ("ST-18", "medium", 64): 1,
        ("ST-19", "high", 32): 1,
        ("ST-19", "high", 33): 1,  # `ip http port 18443` is ST-04, not a third server
        ("ST-21", "medium", 32): 1,  # the HTTP server runs CLI at /level/15/exec/
        ("ST-22", "high", 81): 1,  # clears the log
        ("ST-23", "high", 87): 1,
        ("ST-25", "medium", None): 1,
        ("ST-30", "high", 32): 1,  # CVE-2023-20198, train 17.6 (release not given)
        ("ST-30", "medium", 32): 1,  # CVE-2023-20273, same
        ("HD-01", "high", 93): 1,
        ("HD-01", "high", 97): 1,
        ("HD-03", "medium", 26): 1,
        ("HD-03", "high", 27): 1,
        ("HD-04", "medium", 42): 1,
        ("HD-05", "medium", 42): 1,  # one clear-text key, counted once
        ("HD-07", "high", None): 1,
        ("HD-08", "high", None): 1,
        ("HD-09", "high", None): 1,
        ("HD-11", "low", 91): 1,
        ("HD-12", "low", 54): 1,  # "internet transit" with CDP on; "uplink to core" is not
        ("HD-13", "low", None): 3,  # source route, PAD, BOOTP server left on
        ("HD-14", "low", None): 1,
        ("HD-16", "low", None): 2,
    },
    IOSXR: {
        ("ST-01", "high", 48): 1,
        ("ST-03", "high", 66): 1,  # line default takes telnet from anywhere
        ("ST-04", "high", 53): 1,
        ("ST-09", "medium", 40): 1,
        ("ST-11", "high", 22): 1,
        ("ST-13", "high", 50): 1,
        ("ST-14", "high", 58): 1,
        ("ST-18", "medium", 63): 1,
        ("ST-25", "medium", None): 1,
        ("HD-01", "high", 56): 1,
        ("HD-01", "high", 66): 1,
        ("HD-03", "high", 13): 1,
        ("HD-04", "medium", 20): 1,  # both TACACS+ keys are type 7
        ("HD-04", "medium", 23): 1,
        ("HD-06", "critical", 8): 1,  # `admin` is a default name too
        ("HD-06", "critical", 13): 1,
        ("HD-07", "high", 17): 1,
        ("HD-08", "high", None): 1,
        ("HD-14", "low", None): 1,
        ("HD-16", "low", None): 1,
    },
    # the Web UI is off: the 17.9 train's CVEs stay visible as information
    HARDENED: {("ST-30", "info", 6): 2},
}


def _model(name: str) -> DeviceConfig:
    parsed = parse_config_file(str(CRAFTED / name))
    assert parsed.model is not None, parsed.issues
    return parsed.model


def _static(name: str) -> Counter[tuple[str, str, int | None]]:
    alerts, _ = audit_model(_model(name), CHECKS)
    return Counter((a.rule_id, a.severity, a.inputs[0].line) for a in alerts)


@pytest.mark.parametrize("name", [IOSXE, IOSXR])
def test_every_planted_indicator_is_found_at_its_line(name: str) -> None:
    found = {(check, line) for check, _, line in _static(name)}
    missing = [i for i in INDICATORS[name] if i not in found]
    assert missing == []


@pytest.mark.parametrize("name", [IOSXE, IOSXR, HARDENED])
def test_static_audit_is_what_a_reader_expects(name: str) -> None:
    assert _static(name) == Counter(STATIC[name])


def test_hardened_router_raises_nothing_above_low() -> None:
    alerts, _ = audit_model(_model(HARDENED), CHECKS)
    assert alerts  # the exposure information is there
    assert max(SEVERITY_RANK[a.severity] for a in alerts) <= SEVERITY_RANK["low"]


# ---- drift ---------------------------------------------------------------------------------


def _golden_iosxe() -> str:
    """The hardened router as the approved config of the compromised one (same hostname)."""
    text = (CRAFTED / HARDENED).read_text()
    assert "hostname pe-hard-01\n" in text
    return text.replace("hostname pe-hard-01\n", "hostname pe-edge-07\n")


def _golden_iosxr() -> str:
    """The compromised XR router without its planted lines: no `cisco` user, TACACS+ login and
    command accounting, one internal TACACS+ server, no Loopback77, tunnel, external ACL
    entry, community, SSH port, telnet server, capture or route; SSH-only lines."""
    planted = {*range(13, 17), *range(22, 25), *range(30, 33), *range(40, 46), 48, 50, 53}
    planted |= {56, *range(58, 66)}
    out = []
    for number, line in enumerate((CRAFTED / IOSXR).read_text().splitlines(), 1):
        if number in planted:
            continue
        if number == 18:
            assert line == "aaa authentication login default local"
            out += [
                "aaa accounting commands default start-stop group tacacs+",
                "aaa authentication login default group tacacs+ local",
            ]
            continue
        if number == 67:
            assert line == " transport input telnet ssh"
            line = " transport input ssh"
        out.append(line)
    return "\n".join(out) + "\n"


def _drift(
    golden: str, after: DeviceConfig, dialect: str
) -> list[tuple[str, str, int | None, str]]:
    baseline = parse_config_text(golden, f"golden/{after.name}.cfg", dialect).model
    assert baseline is not None and baseline.name == after.name
    alerts, _ = audit_model(after, CHECKS, baseline=baseline)
    return sorted(
        (
            (a.rule_id, a.severity, a.inputs[0].line, a.evidence["change"]["kind"])
            for a in alerts
            if "change" in a.evidence
        ),
        key=str,
    )


def test_drift_of_the_compromised_iosxe_router_against_the_hardened_one() -> None:
    drift = _drift(_golden_iosxe(), _model(IOSXE), "cisco_ios")
    assert drift == sorted(
        [
            ("ST-01", "high", 68, "acl_external_permit_added"),
            ("ST-01", "high", 69, "acl_external_permit_added"),
            ("ST-03", "medium", None, "acl_binding_removed"),  # CoPP policy gone
            ("ST-03", "high", 93, "vty_access_class_changed"),  # MGMT-ONLY -> 20
            ("ST-03", "high", 97, "vty_access_class_removed"),  # vty 5 15 now open
            ("ST-04", "high", 30, "mgmt_port_changed"),  # ssh 22022
            ("ST-04", "high", 34, "mgmt_port_changed"),  # http 18443
            ("ST-04", "high", 95, "mgmt_port_changed"),  # rotary 1
            ("ST-06", "high", 25, "privileged_user_added"),  # netops (golden has breakglass)
            ("ST-06", "high", 26, "privileged_user_added"),  # cisco_tac_admin
            ("ST-06", "high", 27, "privileged_user_added"),  # backup
            ("ST-09", "high", 58, "tunnel_added"),
            ("ST-10", "medium", 44, "loopback_readdressed"),  # 10.255.1.1 -> 10.255.7.1
            ("ST-10", "medium", 47, "loopback_added"),  # Loopback99
            ("ST-10", "medium", None, "source_interface_changed"),  # logging source gone
            ("ST-11", "critical", 40, "aaa_server_added"),  # TAC-X
            ("ST-12", "high", 22, "aaa_weakened"),  # login default local
            ("ST-12", "high", None, "aaa_weakened"),  # accounting exec removed
            ("ST-12", "high", None, "aaa_weakened"),  # authorization commands 15 removed
            ("ST-12", "high", None, "command_accounting_removed"),  # commands 1
            ("ST-12", "high", None, "command_accounting_removed"),  # commands 15
            ("ST-13", "high", 71, "snmp_community_added"),
            ("ST-13", "high", 72, "snmp_community_rw_added"),
            ("ST-14", "high", 74, "capture_added"),
            ("ST-14", "high", 75, "capture_added"),
            ("ST-15", "critical", 77, "container_enabled"),
            ("ST-15", "critical", 78, "container_enabled"),
            ("ST-16", "high", None, "logging_host_removed"),  # 10.20.0.50
            ("ST-16", "high", 89, "logging_weakened"),  # archive log config gone
            ("ST-16", "high", 89, "logging_weakened"),  # notify syslog gone
            ("ST-18", "medium", 64, "static_route_added"),
            ("ST-22", "medium", 81, "automation_added"),
            ("ST-23", "high", 87, "archive_target_added"),
        ],
        key=str,
    )
    for check, line in DRIFT_INDICATORS[IOSXE]:
        assert any(d[0] == check and d[2] == line for d in drift), (check, line)


def test_drift_of_the_compromised_iosxr_router_against_its_clean_self() -> None:
    drift = _drift(_golden_iosxr(), _model(IOSXR), "cisco_iosxr")
    assert drift == sorted(
        [
            ("ST-01", "high", 48, "acl_external_permit_added"),
            ("ST-04", "high", 53, "mgmt_port_changed"),
            ("ST-06", "high", 13, "privileged_user_added"),
            ("ST-09", "high", 40, "tunnel_added"),
            ("ST-10", "medium", 30, "loopback_added"),
            ("ST-11", "critical", 22, "aaa_server_added"),
            ("ST-12", "high", 18, "aaa_weakened"),
            ("ST-12", "high", None, "command_accounting_removed"),
            ("ST-13", "high", 50, "snmp_community_rw_added"),
            ("ST-14", "high", 58, "capture_added"),
            # XR logs commands through AAA accounting: its removal also weakens logging
            ("ST-16", "high", 6, "logging_weakened"),
            ("ST-18", "medium", 63, "static_route_added"),
        ],
        key=str,
    )
    for check, line in DRIFT_INDICATORS[IOSXR]:
        assert any(d[0] == check and d[2] == line for d in drift), (check, line)


def test_new_external_log_and_time_servers_raise_st17_internal_ones_do_not() -> None:
    text = (CRAFTED / IOSXE).read_text()
    anchor = "logging buffered 16384 warnings\n"
    assert text.count(anchor) == 1
    text = text.replace(
        anchor,
        anchor + "logging host 198.51.100.99\nlogging host 10.20.0.51\nntp server 203.0.113.123\n",
    )
    after = parse_config_text(text, "current/pe-edge-07.cfg", "cisco_ios").model
    assert after is not None
    drift = _drift(_golden_iosxe(), after, "cisco_ios")
    assert [d for d in drift if d[0] == "ST-17"] == [
        ("ST-17", "high", 90, "logging_host_added"),  # 198.51.100.99
        ("ST-17", "high", 92, "ntp_server_added"),  # 203.0.113.123; 10.20.0.51 is internal
    ]


# ---- no secret in any output ---------------------------------------------------------------

# Every secret value written in the three files (hashes by a distinctive part).
SECRETS = (
    "hunter22",
    "0822455D0A16",
    "c0rp-ro",
    "pr1v-rw",
    "FFFFAAAA0001",
    "FFFFAAAA0002",
    "FFFFAAAA0003",
    "060506324F41",
    "01100F175804",
    "AUTHSECRET",
    "PRIVSECRET",
    "NTPSECRET",
    "EfGhIjKlMnOpQrStUvWx1",
    "nhEmQVczB7dqsO",
    "abcdefghijklmnopqrstuvwx",
    "mV4nRIjZ6dVsNf",
    "2MJBozw/9R3UsU",
)


def test_every_listed_secret_is_in_the_files() -> None:
    text = "".join((CRAFTED / n).read_text() for n in (IOSXE, IOSXR, HARDENED))
    assert [s for s in SECRETS if s not in text] == []


@pytest.mark.parametrize("fmt", ["json", "sarif", "html", "table"])
def test_no_secret_reaches_the_audit_output(tmp_path: Path, fmt: str) -> None:
    golden = tmp_path / "golden"
    golden.mkdir()
    (golden / "pe-edge-07.cfg").write_text(_golden_iosxe())
    out = tmp_path / f"audit.{fmt}"
    result = CliRunner().invoke(
        cli,
        [
            "audit",
            str(CRAFTED),
            "--baseline",
            str(golden),
            "--store",
            str(tmp_path / "store"),
            "--format",
            fmt,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "pe-edge-07" in text and "p-core-03" in text
    if fmt == "json":
        alerts = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        assert any("change" in a["evidence"] for a in alerts)  # drift evidence is in it
    leaked = [s for s in SECRETS if s in text or s in result.output]
    assert leaked == []
