"""The audit on real corpus configs against what a reader of each config expects.

``expected_findings.yaml`` holds, per file, the findings a carrier security engineer expects
from the checklist (check id, severity, line, why) and the known gaps where the tool still
disagrees. The test asserts the exact multiset of (check, severity, line) the audit gives:
the expectation with each gap applied. A gap that closes (the tool fixed) fails the test
until the expectation file drops it.

The crafted cases at the end pin the predicate fixes made while reading the corpus (async
lines taking telnet, IPv6-only VTY access-classes, Smart Install before 12.2, NX-API on a
non-default port, IOS XR type-7 keys, IGPs on loopbacks).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from seawall.detect.audit.checks import Finding, evaluate, load_checks
from seawall.detect.audit.run import audit_model
from seawall.records.alerts import SEVERITY_RANK
from seawall.sources.configs import parse_config_file, parse_config_text

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[1] / "data" / "configs"
SPEC: dict[str, Any] = yaml.safe_load((HERE / "expected_findings.yaml").read_text())
FILES: dict[str, Any] = SPEC["files"]
CHECKS = load_checks()
CHECK_IDS = {c.id for c in CHECKS}

Key = tuple[str, str, int | None]


def _key(entry: list[Any]) -> Key:
    check_id, severity, line = entry[:3]
    return str(check_id), str(severity), None if line is None else int(line)


def _wanted(spec: dict[str, Any]) -> tuple[Counter[Key], Counter[Key]]:
    """(what a reader expects, what the tool should give today: the expectation with every
    known gap applied)."""
    expected = Counter(_key(e) for e in spec["expected"])
    today = Counter(expected)
    for gap in spec.get("known_gaps") or []:
        if gap["expected"] is not None:
            today[_key(gap["expected"])] -= 1
        if gap["tool"] is not None:
            today[_key(gap["tool"])] += 1
    return expected, +today


def _audit(name: str) -> Counter[Key]:
    parsed = parse_config_file(str(CORPUS / name))
    assert parsed.model is not None, parsed.issues
    alerts, changes = audit_model(parsed.model, CHECKS)
    assert changes == []  # no baseline: static checks and exposure only
    for alert in alerts:
        assert alert.inputs[0].file == parsed.model.path
        assert alert.entities.get("config.line") == alert.inputs[0].line
    return Counter((a.rule_id, a.severity, a.inputs[0].line) for a in alerts)


@pytest.mark.parametrize("name", sorted(FILES))
def test_audit_gives_what_a_reader_of_the_config_expects(name: str) -> None:
    _, today = _wanted(FILES[name])
    actual = _audit(name)
    missing, extra = today - actual, actual - today
    assert not missing and not extra, (
        f"{name}: the audit disagrees with expected_findings.yaml\n"
        f"  expected but not found: {sorted(missing.items(), key=str)}\n"
        f"  found but not expected: {sorted(extra.items(), key=str)}\n"
        "Decide who is right: fix the tool, or (if the tool is right) the expectation; when a "
        "known gap closed, remove it from known_gaps."
    )


def test_expectation_file_is_consistent() -> None:
    """Every entry names a shipped check, a severity and a line of its file with a reason;
    a gap's `expected` is one of the file's expectations and a gap changes something."""
    for name, spec in FILES.items():
        lines = (CORPUS / name).read_text(encoding="utf-8", errors="replace").splitlines()
        expected, _ = _wanted(spec)
        assert set(spec) <= {"expected", "known_gaps"}, name
        for entry in spec["expected"]:
            check_id, severity, line = _key(entry)
            assert len(entry) == 4 and str(entry[3]).strip(), (name, entry)
            assert check_id in CHECK_IDS and severity in SEVERITY_RANK, (name, entry)
            assert line is None or 1 <= line <= len(lines), (name, entry)
        for gap in spec.get("known_gaps") or []:
            assert set(gap) == {"expected", "tool", "why"} and gap["why"].strip(), (name, gap)
            assert gap["expected"] is not None or gap["tool"] is not None, (name, gap)
            if gap["expected"] is not None:
                assert expected[_key(gap["expected"])] > 0, (name, gap)
            if gap["tool"] is not None:
                check_id, severity, line = _key(gap["tool"])
                assert check_id in CHECK_IDS and severity in SEVERITY_RANK, (name, gap)
                assert line is None or 1 <= line <= len(lines), (name, gap)


def test_the_reading_covers_every_dialect_and_the_named_files() -> None:
    by_dialect = Counter(name.split("/")[0] for name in FILES)
    assert len(FILES) >= 30
    assert by_dialect["cisco_ios"] >= 12 and by_dialect["cisco_nxos"] >= 3
    assert by_dialect["cisco_iosxr"] >= 3 and by_dialect["cisco_asa"] >= 2
    assert by_dialect["juniper_junos"] >= 4 and by_dialect["arista_eos"] >= 3
    assert by_dialect["paloalto_panos"] >= 1 and by_dialect["fortinet_fortios"] >= 1
    named = {
        "batfish_hybridcloudaws_lhr-border-02.cfg",
        "pybatfish_hybridcloud_exitgw.cfg",
        "napalm_ios_CSR1_show_running_config.txt",
        *(f"ciscoconfparse_sample_0{n}.ios" for n in (1, 2, 3, 7, 8)),
        *(p.name for p in (CORPUS / "cisco_ios").glob("pybatfish_example_*")),
    }
    assert named <= {Path(n).name for n in FILES if n.startswith("cisco_ios/")}


# ---- crafted cases for the fixes made while reading ---------------------------------------


def _findings(text: str, dialect: str, check_id: str) -> list[Finding]:
    parsed = parse_config_text(text, f"crafted/{check_id}.cfg", dialect)
    assert parsed.model is not None, parsed.issues
    return [f for f in evaluate(parsed.model, CHECKS) if f.check_id == check_id]


def _lines(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.severity, f.line) for f in findings]


def test_async_lines_taking_telnet_are_reported() -> None:
    text = "hostname ts1\nline 33 48\n transport input telnet\nline 49 56\n no exec\n"
    (hit,) = _findings(text, "cisco_ios", "HD-01")
    assert (hit.severity, hit.line) == ("high", 2)
    assert "line 33 48: transport input telnet accepts telnet" in hit.message
    # an async line without a transport statement is no VTY default: not reported
    assert _findings("hostname ts1\nline 49 56\n no exec\n", "cisco_ios", "HD-01") == []


def test_ipv6_only_access_class_leaves_ipv4_open() -> None:
    text = (
        "hostname r1\nipv6 access-list V6\n deny ipv6 any any\n"
        "line vty 0 4\n ipv6 access-class V6 in\n transport input ssh\n"
    )
    (hit,) = _findings(text, "cisco_ios", "ST-03")
    assert (hit.severity, hit.line) == ("high", 4)
    assert "only an IPv6 access-class (V6): IPv4 logins (ssh) accepted" in hit.message
    both = text.replace(" ipv6 access-class", " access-class 10 in\n ipv6 access-class")
    assert _findings(both, "cisco_ios", "ST-03") == []


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("12.0", []),
        ("12.1", []),
        ("11.3", []),
        ("12.2", [("high", None)]),
        ("15.0", [("high", None)]),
    ],
)
def test_smart_install_is_not_claimed_before_12_2(version: str, expected: list[Any]) -> None:
    text = (
        f"version {version}\nhostname sw1\ninterface FastEthernet0/1\n switchport access vlan 5\n"
    )
    assert _lines(_findings(text, "cisco_ios", "ST-20")) == expected


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("nxapi https port 8443", [("high", 3)]),
        ("nxapi https port 443", []),
        ("nxapi http port 80", []),
        ("nxapi http port 8080", [("high", 3)]),
        ("nxapi https port 18443", [("high", 3)]),
    ],
)
def test_nxapi_on_a_non_default_port(statement: str, expected: list[Any]) -> None:
    text = f"hostname n1\nfeature nxapi\n{statement}\n"
    found = _findings(text, "cisco_nxos", "ST-04")
    assert _lines(found) == expected
    if statement.endswith("18443"):
        assert "port shape used by the campaign" in found[0].message


def test_ios_xr_type7_tacacs_key_is_weak() -> None:
    text = "hostname xr1\ntacacs-server host 10.1.1.1 port 49\n key 7 0822455D0A16\n"
    (hit,) = _findings(text, "cisco_iosxr", "HD-04")
    assert (hit.severity, hit.line) == ("medium", 3)
    assert "0822455D0A16" not in hit.message


def test_igp_on_a_loopback_is_no_session() -> None:
    text = (
        "hostname xr1\ninterface Loopback0\n ipv4 address 10.0.0.1 255.255.255.255\n"
        "interface GigabitEthernet0/0/0/0\n ipv4 address 10.1.0.1 255.255.255.252\n"
        "router ospf 1\n area 0\n  interface Loopback0\n  !\n  interface GigabitEthernet0/0/0/0\n"
    )
    found = _findings(text, "cisco_iosxr", "HD-15")
    assert [f.message for f in found] == [
        "ospf neighbor GigabitEthernet0/0/0/0 without authentication"
    ]


@pytest.mark.parametrize(("port", "expected"), [(57400, []), (57777, []), (18443, [("high", 3)])])
def test_grpc_ports_are_reported_only_on_campaign_shapes(port: int, expected: list[Any]) -> None:
    # IOS XR takes gRPC on any port of 57344-57999: only the campaign's shapes are news
    text = f"hostname xr1\ngrpc\n port {port}\n no-tls\n"
    found = _findings(text, "cisco_iosxr", "ST-04")
    assert [(f.severity, f.line) for f in found] == expected  # at the `port` statement


def test_a_clear_text_server_key_is_counted_once() -> None:
    text = (
        "version 17.6\nhostname r1\nno service password-encryption\n"
        "tacacs server T1\n address ipv4 10.0.0.5\n key 0 hunter22\n"
    )
    (hit,) = _findings(text, "cisco_ios", "HD-05")
    assert hit.line == 6
    assert "1 clear-text password(s)/key(s) in the config (first on line 6)" in hit.message


def test_an_http_port_statement_is_not_a_second_web_server() -> None:
    text = "version 17.6\nhostname r1\nip http server\nip http port 18443\n"
    assert [(f.severity, f.line) for f in _findings(text, "cisco_ios", "ST-19")] == [("high", 3)]
    assert [(f.severity, f.line) for f in _findings(text, "cisco_ios", "ST-04")] == [("high", 4)]


def test_an_uplink_to_the_core_is_not_external() -> None:
    text = (
        "version 17.6\nhostname r1\ninterface Gi1\n description uplink to core\n"
        " ip address 10.0.0.1 255.255.255.252\ninterface Gi2\n description internet transit\n"
        " ip address 198.51.100.2 255.255.255.252\n"
    )
    assert [f.line for f in _findings(text, "cisco_ios", "HD-12")] == [6]
