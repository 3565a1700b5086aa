"""Drift findings on the ten before/after pairs of the corpus (tests/data/configs/PROVENANCE.md).

For each pair, ``audit_model(after, checks, baseline=before)`` runs; the drift-derived
findings (alerts whose evidence carries a ``change``) must be exactly those read from the
diff of the two files, with the check each change raises under the checklist, or none.

What the diffs hold, and the verdict:

* EOS example-filters, current -> candidate1: entries 462/463 (`permit tcp 10.10.10.0/24
  18.18.18.0/26 eq 80/8080`) added to ``acl_in``, an interface ACL: not management and an
  internal source, so not ST-01. Seen as changes, no finding.
* IOS forwarding-change core1, base -> change1: four `ip ospf cost 1 -> 500`. Nothing a
  check watches: no change, no finding.
* IOS forwarding-change border1, base -> change2: `permit tcp any 2.128.0.0/23 eq www` added
  to OUTSIDE_TO_INSIDE (inbound on the AS1 link): a transit ACL, not a management one. No
  finding.
* IOS example as2dept1, live -> candidate: `ip access-group ... out` added on Gi2/0 and
  Gi3/0, host-facing ACLs. No finding.
* hier_config running -> generated, six OSes: the intended configs add a BGP neighbor and a
  static route (ST-18, medium: new peerings and routes are how traffic is steered), an
  internal NTP server (ST-17 raises only external ones) and on IOS swap the SNMP community
  `public` for `private` (ST-13: a new community). FortiOS adds only a static route.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.detect.audit.checks import load_checks
from seawall.detect.audit.run import audit_model
from seawall.records.config import fingerprint
from seawall.sources.configs import parse_config_file

CORPUS = Path(__file__).resolve().parents[2] / "data" / "configs"
CHECKS = load_checks()

# (before, after, drift findings: (rule, severity, line in `after`, change kind, subject),
#  changes the verdict relies on: (kind, subject, line in `after`))
PAIRS = [
    (
        "arista_eos/pybatfish_filters_current_rtr-with-acl.cfg",
        "arista_eos/pybatfish_filters_candidate1_rtr-with-acl.cfg",
        [],
        [("acl_entry_added", "acl acl_in", 40), ("acl_entry_added", "acl acl_in", 41)],
    ),
    (
        "cisco_ios/pybatfish_fwdchange_base_core1.cfg",
        "cisco_ios/pybatfish_fwdchange_change1_core1.cfg",
        [],
        [],
    ),
    (
        "cisco_ios/pybatfish_fwdchange_base_border1.cfg",
        "cisco_ios/pybatfish_fwdchange_change2_border1.cfg",
        [],
        [("acl_entry_added", "acl OUTSIDE_TO_INSIDE", 124)],
    ),
    (
        "cisco_ios/batfish_example_live_as2dept1.cfg",
        "cisco_ios/batfish_example_candidate_as2dept1.cfg",
        [],
        [
            ("acl_binding_added", "interface GigabitEthernet2/0 out", 73),
            ("acl_binding_added", "interface GigabitEthernet3/0 out", 79),
        ],
    ),
    (
        "cisco_ios/hierconfig_ios_running.conf",
        "cisco_ios/hierconfig_ios_generated.conf",
        [
            (
                "ST-13",
                "high",
                41,
                "snmp_community_added",
                f"snmp community {fingerprint('private')}",
            ),
            ("ST-18", "medium", 27, "routing_peer_added", "bgp neighbor 192.168.1.3"),
            ("ST-18", "medium", 38, "static_route_added", "route 10.20.0.0/16"),
        ],
        [("ntp_server_added", "ntp server 10.0.0.11", 40)],
    ),
    (
        "cisco_nxos/hierconfig_nxos_running.conf",
        "cisco_nxos/hierconfig_nxos_generated.conf",
        [
            ("ST-18", "medium", 41, "routing_peer_added", "bgp neighbor 172.16.1.3"),
            ("ST-18", "medium", 46, "static_route_added", "route 10.200.0.0/16"),
        ],
        [("ntp_server_added", "ntp server 10.0.0.31", 48)],
    ),
    (
        "cisco_iosxr/hierconfig_iosxr_running.conf",
        "cisco_iosxr/hierconfig_iosxr_generated.conf",
        [
            ("ST-18", "medium", 19, "static_route_added", "route 10.20.0.0/16"),
            ("ST-18", "medium", 27, "routing_peer_added", "bgp neighbor 203.0.113.6"),
        ],
        [("ntp_server_added", "ntp server 10.0.0.41", 33)],
    ),
    (
        "juniper_junos/hierconfig_junos_running.conf",
        "juniper_junos/hierconfig_junos_generated.conf",
        [
            ("ST-18", "medium", 14, "routing_peer_added", "bgp neighbor 203.0.113.6"),
            ("ST-18", "medium", 21, "static_route_added", "route 10.20.0.0/16"),
        ],
        [("ntp_server_added", "ntp server 10.0.0.41", 23), ("acl_added", "acl LAN-FILTER", 16)],
    ),
    (
        "arista_eos/hierconfig_eos_running.conf",
        "arista_eos/hierconfig_eos_generated.conf",
        [
            ("ST-18", "medium", 35, "routing_peer_added", "bgp neighbor 192.168.10.3"),
            ("ST-18", "medium", 41, "static_route_added", "route 10.20.0.0/16"),
        ],
        [("ntp_server_added", "ntp server 10.0.0.21", 43)],
    ),
    (
        "fortinet_fortios/hierconfig_fortios_running.conf",
        "fortinet_fortios/hierconfig_fortios_generated.conf",
        [("ST-18", "medium", 32, "static_route_added", "route 10.20.0.0/16")],
        [],
    ),
]


def _model(name: str):  # type: ignore[no-untyped-def]
    parsed = parse_config_file(str(CORPUS / name))
    assert parsed.model is not None, parsed.issues
    return parsed.model


@pytest.mark.parametrize(
    ("before", "after", "findings", "seen"), PAIRS, ids=[Path(p[1]).stem for p in PAIRS]
)
def test_drift_findings_of_a_corpus_pair(before, after, findings, seen):
    old, new = _model(before), _model(after)
    alerts, changes = audit_model(new, CHECKS, baseline=old)
    drift = sorted(
        (
            a.rule_id,
            a.severity,
            a.inputs[0].line,
            a.evidence["change"]["kind"],
            a.evidence["change"]["subject"],
        )
        for a in alerts
        if "change" in a.evidence
    )
    assert drift == sorted(findings)
    observed = {(c.kind, c.subject, c.line_after) for c in changes}
    assert set(seen) <= observed
    if not seen and not findings:
        assert changes == []
    for alert in alerts:
        if "change" in alert.evidence:
            assert alert.confidence == 0.8 and alert.inputs[0].file == new.path
    # a static audit of the same config raises no alert with a change
    static, _ = audit_model(new, CHECKS)
    assert all("change" not in a.evidence for a in static)


def test_the_swapped_community_is_named_by_fingerprint_only():
    old = _model("cisco_ios/hierconfig_ios_running.conf")
    new = _model("cisco_ios/hierconfig_ios_generated.conf")
    alerts, changes = audit_model(new, CHECKS, baseline=old)
    removed = [c for c in changes if c.kind == "snmp_community_removed"]
    assert [(c.subject, c.line_before) for c in removed] == [
        (f"snmp community {fingerprint('public')}", 32)
    ]
    (st13,) = [a for a in alerts if a.rule_id == "ST-13" and "change" in a.evidence]
    text = repr(st13.evidence) + st13.explanation
    assert "private" not in text and "public" not in text
