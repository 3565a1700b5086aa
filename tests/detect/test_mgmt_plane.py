"""mgmt_plane detector: crafted edge cases and the management-plane captures of the corpus."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from seawall.detect.base import DetectContext, NetworkContext, RecordTables
from seawall.detect.traffic import mgmt_snmp, mgmt_webui_paths
from seawall.detect.traffic.mgmt_plane import detect_mgmt_plane
from seawall.records import from_columns
from seawall.records.alerts import SEVERITY_RANK, Alert
from seawall.sources import SourceOptions, read_file

TRAFFIC = Path(__file__).parent.parent / "data" / "traffic"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def run(
    flows: dict[str, Any] | None = None,
    txs: dict[str, Any] | None = None,
    network: dict[str, list[str]] | None = None,
    profile: str = "default",
) -> list[Alert]:
    tables = RecordTables()
    if flows is not None:
        tables.flows = from_columns("flow", flows)
    if txs is not None:
        tables.transactions = from_columns("transaction", txs)
    ctx = DetectContext(profile=profile, network=NetworkContext.from_dict(network))
    return detect_mgmt_plane(tables, ctx.for_detector("mgmt_plane"))


def flow(**cols: Any) -> dict[str, Any]:
    """One-row flow table with sane defaults (an answered TCP session)."""
    base: dict[str, Any] = {
        "event.start": [T0],
        "event.end": [T0 + timedelta(seconds=30)],
        "source.ip": ["10.9.0.5"],
        "source.port": [51000],
        "destination.ip": ["10.0.0.1"],
        "destination.port": [22],
        "network.transport": ["tcp"],
        "source.packets": [12],
        "destination.packets": [10],
        "source.bytes": [1500],
        "destination.bytes": [3000],
        "source.tcp_flags": [0x1B],
        "destination.tcp_flags": [0x1B],
        "input.file": ["crafted.pcap"],
        "input.frame": [7],
    }
    base.update({k: v if isinstance(v, list) else [v] for k, v in cols.items()})
    return base


def rules(alerts: list[Alert]) -> list[str]:
    return sorted(a.rule_id for a in alerts)


# --- Telnet -------------------------------------------------------------------------------


def test_telnet_session_to_device_is_high_with_evidence() -> None:
    alerts = run(flow(**{"destination.port": 23}))
    assert rules(alerts) == ["MGMT-TELNET"]
    alert = alerts[0]
    assert alert.severity == "high"
    assert alert.entities["destination.ip"] == "10.0.0.1"
    assert alert.entities["destination.port"] == 23
    assert alert.evidence["packets_from_device"] == 10
    assert alert.inputs[0].file == "crafted.pcap" and alert.inputs[0].frame == 7


def test_telnet_syn_without_answer_is_left_to_the_scan_detector() -> None:
    alerts = run(
        flow(
            **{
                "destination.port": 23,
                "destination.packets": 0,
                "destination.tcp_flags": 0,
                "source.tcp_flags": 0x02,
            }
        )
    )
    assert alerts == []


def test_telnet_from_admin_source_is_medium_and_non_device_is_ignored() -> None:
    net = {"infrastructure": ["10.0.0.0/24"], "admin_sources": ["10.9.0.5/32"]}
    assert [a.severity for a in run(flow(**{"destination.port": 23}), network=net)] == ["medium"]
    outside = flow(**{"destination.port": 23, "destination.ip": "10.50.0.9"})
    assert run(outside, network=net) == []


# --- SSH ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("port", "severity"),
    [(22022, "high"), (22122, "high"), (10022, "high"), (57722, "critical"), (2200, "medium")],
)
def test_ssh_on_nonstandard_port(port: int, severity: str) -> None:
    alerts = run(flow(**{"destination.port": port, "network.protocol": "ssh"}))
    assert rules(alerts) == ["MGMT-SSH-NONSTD-PORT"]
    assert alerts[0].severity == severity
    assert alerts[0].evidence["port"] == port


def test_ssh_on_22_and_reversed_flows_are_not_reported() -> None:
    assert run(flow(**{"network.protocol": "ssh"})) == []
    reversed_view = flow(
        **{"network.protocol": "ssh", "source.port": 22, "destination.port": 51514}
    )
    assert run(reversed_view) == []


def test_ssh_banner_transaction_on_odd_port_counts_without_flow_label() -> None:
    txs = {
        "event.start": [T0],
        "source.ip": ["10.9.0.5"],
        "source.port": [50000],
        "destination.ip": ["10.0.0.1"],
        "destination.port": [22222],
        "network.transport": ["tcp"],
        "transaction.kind": ["ssh_banner"],
        "transaction.direction": ["server"],
        "detail": ["SSH-2.0-Cisco-1.25"],
    }
    alerts = run(txs=txs)
    assert rules(alerts) == ["MGMT-SSH-NONSTD-PORT"]
    assert alerts[0].evidence["campaign_pattern"] is not None


def test_reverse_ssh_needs_client_only_message_from_the_server() -> None:
    def kex(direction: str, message: str) -> dict[str, Any]:
        return {
            "event.start": [T0],
            "source.ip": ["10.0.0.1"],
            "source.port": [40000],
            "destination.ip": ["198.51.100.7"],
            "destination.port": [22],
            "transaction.kind": ["ssh_kex"],
            "transaction.direction": [direction],
            "ssh.message": [message],
        }

    assert rules(run(txs=kex("server", "kex_ecdh_init"))) == ["MGMT-SSH-REVERSE"]
    assert run(txs=kex("client", "kex_ecdh_init")) == []
    assert run(txs=kex("server", "kex_ecdh_reply")) == []


# --- AAA ----------------------------------------------------------------------------------


def test_aaa_without_config_inventory_internal_alert_internet() -> None:
    radius = flow(
        **{
            "network.transport": "udp",
            "destination.port": 1812,
            "destination.ip": ["10.0.0.100"],
            "source.ip": ["10.0.0.1"],
        }
    )
    alerts = run(radius)
    assert [(a.rule_id, a.severity) for a in alerts] == [("MGMT-AAA-OBSERVED", "info")]
    tacacs_out = flow(**{"destination.port": 49, "destination.ip": "203.0.113.9"})
    alerts = run(tacacs_out)
    assert [(a.rule_id, a.severity) for a in alerts] == [("MGMT-AAA-UNKNOWN-SERVER", "critical")]
    assert alerts[0].evidence["protocol"] == "tacacs+"


def test_aaa_with_config_flags_rogue_server_and_odd_client() -> None:
    net = {"aaa_servers": ["10.0.5.10"], "infrastructure": ["10.0.0.0/24"]}
    rogue = flow(**{"destination.port": 49, "source.ip": "10.0.0.1", "destination.ip": "10.0.9.9"})
    alerts = run(rogue, network=net)
    assert [(a.rule_id, a.severity) for a in alerts] == [("MGMT-AAA-UNKNOWN-SERVER", "high")]
    assert alerts[0].entities["device"] == "10.0.0.1"
    good = flow(**{"destination.port": 49, "source.ip": "10.0.0.1", "destination.ip": "10.0.5.10"})
    assert run(good, network=net) == []
    odd = flow(**{"destination.port": 49, "source.ip": "10.7.7.7", "destination.ip": "10.0.5.10"})
    assert rules(run(odd, network=net)) == ["MGMT-AAA-UNEXPECTED-CLIENT"]


# --- Smart Install, web UI, non-admin -----------------------------------------------------


def test_smart_install_answered_is_critical_probe_is_medium() -> None:
    answered = run(flow(**{"destination.port": 4786}))
    assert [(a.rule_id, a.severity) for a in answered] == [("MGMT-SMART-INSTALL", "critical")]
    probe = run(
        flow(**{"destination.port": 4786, "destination.packets": 0, "destination.tcp_flags": 0})
    )
    assert [a.severity for a in probe] == ["medium"]


@pytest.mark.parametrize(
    ("uri", "method", "path_id", "severity"),
    [
        ("/%2577eb%2575i_%2577sma_Http", "POST", "iosxe-wsma-bypass", "critical"),
        ("/webui_wsma_HTTPS", "POST", "iosxe-wsma-bypass", "critical"),
        ("/webui/logoutconfirm.html?logon_hash=1", "POST", "iosxe-implant-check", "critical"),
        ("/webui/logoutconfirm.html?logon_hash=1", "GET", "iosxe-implant-check", "high"),
        ("/level/15/exec/-/show/running-config", "GET", "ios-http-level15-exec", "critical"),
        (
            "/api/v1/totp/user-backup-code/../../system/system-information",
            "GET",
            "ivanti-auth-bypass-traversal",
            "critical",
        ),
        ("/api/v1/license/keys-status/%3Bid", "GET", "ivanti-command-injection", "critical"),
        ("/global-protect/portal/images/probe.txt", "GET", "panos-globalprotect-probe", "high"),
    ],
)
def test_webui_exploit_paths(uri: str, method: str, path_id: str, severity: str) -> None:
    txs = {
        "event.start": [T0],
        "source.ip": ["198.51.100.20"],
        "source.port": [44000],
        "destination.ip": ["10.0.0.1"],
        "destination.port": [443],
        "transaction.kind": ["http_request"],
        "http.request.method": [method],
        "url.original": [uri],
    }
    alerts = run(txs=txs)
    assert [(a.rule_id, a.evidence["path_id"], a.severity) for a in alerts] == [
        ("MGMT-WEBUI-EXPLOIT", path_id, severity)
    ]
    assert alerts[0].evidence["path_sources"]


def test_ordinary_web_ui_requests_do_not_match() -> None:
    for uri in (
        "/webui/",
        "/webui/login.html",
        "/api/v1/license/keys-status/",
        "/global-protect/login.esp",
    ):
        assert mgmt_webui_paths.match(uri) == [], uri


def test_management_access_from_non_admin_source_when_mapped() -> None:
    net = {"infrastructure": ["10.0.0.0/24"], "admin_sources": ["10.8.0.0/24"]}
    assert rules(run(flow(), network=net)) == ["MGMT-ACCESS-NON-ADMIN"]
    assert run(flow(**{"source.ip": "10.8.0.3"}), network=net) == []
    assert run(flow()) == []  # no map: nothing to compare with


# --- SNMP ---------------------------------------------------------------------------------


def snmp(n: int, pdu: str, community: str, version: str = "2c", gap_ms: int = 1) -> dict[str, Any]:
    return {
        "event.start": [T0 + timedelta(milliseconds=gap_ms * i) for i in range(n)],
        "source.ip": ["10.9.0.5"] * n,
        "source.port": [40000] * n,
        "destination.ip": ["10.0.0.1"] * n,
        "destination.port": [161] * n,
        "transaction.kind": ["snmp"] * n,
        "transaction.direction": ["client"] * n,
        "snmp.pdu": [pdu] * n,
        "snmp.version": [version] * n,
        "snmp.community": [community] * n,
    }


def test_snmp_set_with_default_community_is_critical_and_secret_stays_hidden() -> None:
    alerts = run(txs=snmp(1, "set", "private"))
    assert [(a.rule_id, a.severity) for a in alerts] == [("MGMT-SNMP-WRITE", "critical")]
    assert alerts[0].evidence["community_is_default"] is True
    shown = json.dumps([alerts[0].evidence, alerts[0].explanation, alerts[0].title]).lower()
    assert "private" not in shown


def test_snmp_walk_threshold_and_secret_community() -> None:
    secret = "N0t-A-Default!"
    below = run(txs=snmp(49, "get_next", secret))
    assert rules(below) == ["MGMT-SNMP-V1V2C"]  # cleartext use only
    walk = run(txs=snmp(50, "get_next", secret))
    assert [(a.rule_id, a.severity) for a in walk] == [("MGMT-SNMP-WALK", "medium")]
    assert walk[0].evidence["community_lengths"] == [len(secret)]
    for alert in below + walk:
        assert secret not in json.dumps(alert.to_dict())
    assert rules(run(txs=snmp(20, "get-next-request", secret), profile="lab")) == ["MGMT-SNMP-WALK"]


def test_snmp_responses_and_traps_alone_raise_nothing() -> None:
    assert run(txs=snmp(5, "response", "public")) == []
    assert run(txs=snmp(5, "trap", "public")) == []


def test_pdu_names_are_normalized() -> None:
    import pandas as pd

    names = pd.Series(["GetNextRequest", "get-next-request", "get_bulk", "SetRequest", "trap"])
    assert mgmt_snmp.normalize_pdu(names).tolist() == [
        "get_next",
        "get_next",
        "get_bulk",
        "set",
        "trap",
    ]


# --- corpus -------------------------------------------------------------------------------


@cache
def corpus_tables(rel: str) -> RecordTables:
    result = read_file(str(TRAFFIC / rel), SourceOptions())
    return RecordTables(
        flows=result.table("flow"),
        transactions=result.table("transaction"),
        packets=result.table("packet"),
    )


def corpus(
    rel: str, network: dict[str, list[str]] | None = None, profile: str = "default"
) -> list[Alert]:
    ctx = DetectContext(profile=profile, network=NetworkContext.from_dict(network))
    return detect_mgmt_plane(corpus_tables(rel), ctx.for_detector("mgmt_plane"))


def above_info(alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if SEVERITY_RANK[a.severity] > SEVERITY_RANK["info"]]


def test_corpus_telnet() -> None:
    alerts = corpus("mgmt_plane/sv_telnet.pcap")
    assert [(a.rule_id, a.severity) for a in alerts] == [("MGMT-TELNET", "high")]
    ent = alerts[0].entities
    assert (ent["source.ip"], ent["destination.ip"], ent["destination.port"]) == (
        "192.168.0.2",
        "192.168.0.1",
        23,
    )
    assert alerts[0].inputs[0].file.endswith("sv_telnet.pcap")


def test_corpus_snmp_set() -> None:
    alerts = corpus("mgmt_plane/zeek_snmpv1_set.pcap")
    assert rules(alerts) == ["MGMT-SNMP-WRITE"]
    assert alerts[0].severity in ("high", "critical")
    assert alerts[0].evidence["set_requests"] == 1
    assert alerts[0].evidence["snmp_versions"] == ["1"]


def test_corpus_snmp_walk_with_default_community() -> None:
    alerts = corpus("mgmt_plane/zeek_snmpwalk-short.pcap")
    assert [(a.rule_id, a.severity) for a in alerts] == [("MGMT-SNMP-WALK", "high")]
    ev = alerts[0].evidence
    assert ev["walk_requests"] == 200
    assert ev["span_seconds"] < 0.2
    assert ev["community_is_default"] is True and ev["community_lengths"] == [len("public")]
    assert "public" not in json.dumps(alerts[0].to_dict())
    assert alerts[0].entities["source.ip"] == "138.68.14.240"
    assert alerts[0].entities["destination.ip"] == "138.68.10.203"


def test_corpus_reverse_ssh() -> None:
    alerts = corpus("mgmt_plane/zeek_reverse-ssh.pcap")
    assert rules(alerts) == ["MGMT-SSH-REVERSE"]
    assert alerts[0].evidence["messages"] == ["kex_ecdh_init"]
    assert {alerts[0].entities["source.ip"], alerts[0].entities["destination.ip"]} == {
        "10.0.0.1",
        "13.13.13.37",
    }


def test_corpus_radius_is_inventory_without_config_and_silent_with_it() -> None:
    alerts = corpus("mgmt_plane/zeek_radius.pcap")
    assert [(a.rule_id, a.severity) for a in alerts] == [("MGMT-AAA-OBSERVED", "info")]
    assert alerts[0].entities["destination.ip"] == "10.0.0.100"
    configured = corpus(
        "mgmt_plane/zeek_radius.pcap",
        network={"aaa_servers": ["10.0.0.100"], "infrastructure": ["10.0.0.1/32"]},
    )
    assert configured == []
    rogue = corpus("mgmt_plane/zeek_radius.pcap", network={"aaa_servers": ["10.0.0.200"]})
    assert rules(rogue) == ["MGMT-AAA-UNKNOWN-SERVER"]


@pytest.mark.parametrize(
    "rel",
    [
        "mgmt_plane/sv_ssh-hassh.pcap",
        "mgmt_plane/ndpi_syslog.pcap",
        "mgmt_plane/zeek_tcp-syslog.pcap",
        "mgmt_plane/zeek_cdp-v1.pcap",
        "mgmt_plane/zeek_lldp.pcap",
        *sorted(f"benign/{p.name}" for p in (TRAFFIC / "benign").glob("*.pcap")),
    ],
)
def test_corpus_benign_negatives(rel: str) -> None:
    assert above_info(corpus(rel)) == []


def test_corpus_wstunnel_ssh_is_left_to_the_tunnel_detector() -> None:
    assert corpus("exfil_covert/zeek_wstunnel-ssh.pcap") == []
