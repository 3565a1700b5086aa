"""Crafted configs for the known gaps closed in ``expected_findings.yaml``: each case fails
on the tool as it was before the fix (the line it points at, a finding it missed or made
up), and holds the near miss that must stay as it is."""

from __future__ import annotations

from typing import Any

from seawall.detect.audit.checks import Finding, evaluate, getter, load_checks
from seawall.sources.configs import parse_config_text

CHECKS = load_checks()


def _findings(text: str, dialect: str, check_id: str) -> list[Finding]:
    parsed = parse_config_text(text, f"crafted/{check_id}.cfg", dialect)
    assert parsed.model is not None, parsed.issues
    return [f for f in evaluate(parsed.model, CHECKS) if f.check_id == check_id]


def _lines(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.severity, f.line) for f in findings]


# ---- locating: a finding about the first server/host points at it ----------------------


def test_logging_host_without_the_host_keyword_is_located() -> None:
    text = "version 12.4\nhostname r1\nlogging 10.0.0.9\nlogging host 10.0.0.10\n"
    (hit,) = _findings(text, "cisco_ios", "HD-08")[-1:]
    assert (hit.severity, hit.line) == ("low", 3)
    assert hit.evidence["config"] == "logging 10.0.0.9"


def test_ntp_finding_points_at_the_server_inside_a_block() -> None:
    xr = "hostname xr1\nntp\n source Loopback0\n server 10.1.1.1\n server 10.1.1.2\n"
    assert _lines(_findings(xr, "cisco_iosxr", "HD-14")) == [("low", 4)]
    junos = "system {\n ntp {\n  boot-server 10.1.1.1;\n  server 10.1.1.2;\n }\n}\n"
    assert _lines(_findings(junos, "juniper_junos", "HD-14")) == [("low", 4)]


def test_a_list_index_in_a_field_path() -> None:
    parsed = parse_config_text("hostname r1\nntp server 10.1.1.1\n", "x.cfg", "cisco_ios")
    model: Any = parsed.model
    assert getter("ntp.servers.0.line")(model, model) == 2
    assert getter("ntp.servers.1.line")(model, model) is None
    assert getter("device.logging.hosts.0.address")(None, model) is None
