"""tunnels detector: crafted edge cases and the tunnel captures of the corpus."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from seawall.detect.base import DetectContext, NetworkContext, RecordTables
from seawall.detect.traffic.tunnels import detect_tunnels
from seawall.detect.traffic.tunnels_payload import random_label
from seawall.records import from_columns
from seawall.records.alerts import SEVERITY_RANK, Alert
from seawall.sources import SourceOptions, read_file

TRAFFIC = Path(__file__).parent.parent / "data" / "traffic"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def run(
    flows: dict[str, Any] | None = None,
    txs: dict[str, Any] | None = None,
    packets: dict[str, Any] | None = None,
    network: dict[str, list[str]] | None = None,
    profile: str = "default",
    overrides: dict[str, Any] | None = None,
) -> list[Alert]:
    tables = RecordTables()
    if flows is not None:
        tables.flows = from_columns("flow", flows)
    if txs is not None:
        tables.transactions = from_columns("transaction", txs)
    if packets is not None:
        tables.packets = from_columns("packet", packets)
    ctx = DetectContext(
        profile=profile,
        network=NetworkContext.from_dict(network),
        overrides={"tunnels": overrides} if overrides else {},
    )
    return detect_tunnels(tables, ctx.for_detector("tunnels"))


def inner_flows(kind: str, outer_src: str, outer_dst: str, n: int = 3) -> dict[str, Any]:
    return {
        "event.start": [T0 + timedelta(seconds=i) for i in range(n)],
        "event.end": [T0 + timedelta(seconds=i + 1) for i in range(n)],
        "source.ip": ["172.28.2.3"] * n,
        "destination.ip": ["66.59.111.190"] * n,
        "source.port": [40000 + i for i in range(n)],
        "destination.port": [22] * n,
        "network.transport": ["tcp"] * n,
        "source.packets": [5] * n,
        "destination.packets": [5] * n,
        "tunnel.type": [kind] * n,
        "tunnel.source.ip": [outer_src] * n,
        "tunnel.destination.ip": [outer_dst] * n,
        "input.file": ["crafted.pcap"] * n,
        "input.frame": [1 + 10 * i for i in range(n)],
    }


def one_flow(**cols: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event.start": [T0],
        "event.end": [T0 + timedelta(seconds=60)],
        "source.ip": ["192.168.1.10"],
        "source.port": [40000],
        "destination.ip": ["203.0.113.50"],
        "destination.port": [51820],
        "network.transport": ["udp"],
        "source.packets": [20],
        "destination.packets": [18],
    }
    base.update({k: v if isinstance(v, list) else [v] for k, v in cols.items()})
    return base


def summary(alerts: list[Alert]) -> list[tuple[str, str]]:
    return sorted((a.rule_id, a.severity) for a in alerts)


def above_info(alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if SEVERITY_RANK[a.severity] > SEVERITY_RANK["info"]]


# --- tunnel pairs ---------------------------------------------------------------------------


def test_gre_from_private_to_internet_peer_is_high_one_alert_per_pair() -> None:
    alerts = run(inner_flows("gre", "172.27.1.66", "66.59.109.137"))
    assert summary(alerts) == [("TUN-GRE", "high")]
    alert = alerts[0]
    assert alert.entities["source.ip"] == "172.27.1.66"
    assert alert.entities["destination.ip"] == "66.59.109.137"
    assert alert.evidence["observations"] == 3 and alert.evidence["peer_allowed"] is False
    assert [ref.frame for ref in alert.inputs] == [1, 11, 21]


def test_gre_severity_follows_the_network_map() -> None:
    flows = inner_flows("gre", "172.27.1.66", "66.59.109.137")
    infra = {"infrastructure": ["172.27.1.0/24"]}
    assert summary(run(flows, network=infra)) == [("TUN-GRE", "critical")]
    assert run(flows, network=infra)[0].entities["device"] == "172.27.1.66"
    allowed = {**infra, "allowed_tunnel_peers": ["66.59.109.0/24"]}
    assert summary(run(flows, network=allowed)) == [("TUN-GRE", "info")]
    # Listing one's own router does not approve its tunnels to anyone.
    own = {**infra, "allowed_tunnel_peers": ["172.27.1.66"]}
    assert summary(run(flows, network=own)) == [("TUN-GRE", "critical")]
    # A tunnel between two hosts outside the infrastructure is only noted.
    elsewhere = {"infrastructure": ["10.0.0.0/8"]}
    assert summary(run(flows, network=elsewhere)) == [("TUN-GRE", "low")]


def test_erspan_is_a_possible_tap_and_absorbs_its_outer_gre() -> None:
    packets = {
        "event.start": [T0, T0 + timedelta(seconds=1)],
        "packet.kind": ["erspan", "gre"],
        "source.ip": ["10.200.0.3", "10.200.0.3"],
        "destination.ip": ["10.200.0.224", "10.200.0.224"],
        "tunnel.protocol": ["0x6558", "0x6558"],
        "tunnel.id": [7, None],
    }
    assert summary(run(packets=packets)) == [("TUN-ERSPAN", "high")]
    infra = {"infrastructure": ["10.200.0.0/24"]}
    alerts = run(packets=packets, network=infra)
    assert summary(alerts) == [("TUN-ERSPAN", "critical")]
    assert "T1040" in alerts[0].attack and alerts[0].evidence["tunnel_ids"] == [7]


def test_gtp_is_inventory_unless_a_peer_list_excludes_it() -> None:
    flows = inner_flows("gtp", "10.131.47.185", "79.101.110.141")
    assert summary(run(flows)) == [("TUN-GTP", "info")]
    net = {"allowed_tunnel_peers": ["192.0.2.1"]}
    assert summary(run(flows, network=net)) == [("TUN-GTP", "medium")]


def test_vpn_by_port_needs_an_answer_on_tcp_and_ignores_multicast() -> None:
    assert summary(run(one_flow())) == [("TUN-VPN", "medium")]
    unanswered = one_flow(
        **{"network.transport": "tcp", "destination.port": 1194, "destination.packets": 0}
    )
    assert run(unanswered) == []
    llmnr = one_flow(
        **{"source.port": 1194, "destination.port": 5355, "destination.ip": "224.0.0.252"}
    )
    assert run(llmnr) == []
    # A DPI label that names another protocol wins over the port.
    assert run(one_flow(**{"network.protocol": "dns"})) == []


def test_nested_dpi_labels_are_understood() -> None:
    labelled = one_flow(**{"destination.port": 443, "network.protocol": "openvpn.nordvpn"})
    alerts = run(labelled)
    assert summary(alerts) == [("TUN-VPN", "medium")]
    assert alerts[0].evidence["tunnel_kinds"] == ["openvpn"]


# --- weak IKE -------------------------------------------------------------------------------


def ike(details: list[str], srcs: list[str], dsts: list[str]) -> dict[str, Any]:
    n = len(details)
    return {
        "event.start": [T0 + timedelta(seconds=i) for i in range(n)],
        "packet.kind": ["ike"] * n,
        "source.ip": srcs,
        "destination.ip": dsts,
        "detail": details,
    }


def test_weak_dh_offered_alone_chosen_or_mixed() -> None:
    a, b = "192.168.2.100", "203.0.113.1"
    only_weak = ike(["ikev2 IKE_SA_INIT initiator ispi=01 dh=2"], [a], [b])
    alerts = [x for x in run(packets=only_weak) if x.rule_id == "TUN-IKE-WEAK-DH"]
    assert [(x.severity, x.evidence["weak_offered"]) for x in alerts] == [("medium", [2])]
    mixed = ike(
        [
            "ikev2 IKE_SA_INIT initiator ispi=02 dh=19,14,5",
            "ikev2 IKE_SA_INIT responder ispi=02 dh=19",
        ],
        [a, b],
        [b, a],
    )
    alerts = [x for x in run(packets=mixed) if x.rule_id == "TUN-IKE-WEAK-DH"]
    assert [(x.severity, x.evidence["chosen_groups"]) for x in alerts] == [("low", [19])]
    chosen = ike(
        ["ikev1 main_mode initiator ispi=03 dh=14,2", "ikev1 main_mode - ispi=03 dh=2"],
        [a, b],
        [b, a],
    )
    alerts = [x for x in run(packets=chosen) if x.rule_id == "TUN-IKE-WEAK-DH"]
    assert [(x.severity, x.entities["source.ip"]) for x in alerts] == [("medium", a)]
    strong = ike(["ikev2 IKE_SA_INIT initiator ispi=04 dh=19,20"], [a], [b])
    assert [x for x in run(packets=strong) if x.rule_id == "TUN-IKE-WEAK-DH"] == []


# --- SSH inside HTTP ----------------------------------------------------------------------


def ws_then_ssh(ssh_offset_s: float) -> dict[str, Any]:
    return {
        "event.start": [T0, T0 + timedelta(seconds=ssh_offset_s)],
        "source.ip": ["10.1.1.1", "10.1.1.1"],
        "source.port": [50000, 50000],
        "destination.ip": ["198.51.100.9", "198.51.100.9"],
        "destination.port": [443, 443],
        "transaction.kind": ["websocket_upgrade", "ssh_banner"],
        "transaction.direction": ["client", "server"],
        "url.original": ["/v1/events", None],
        "detail": [None, "SSH-2.0-OpenSSH_9.6"],
    }


def test_ssh_after_websocket_upgrade_in_same_connection() -> None:
    alerts = run(txs=ws_then_ssh(0.5))
    assert summary(alerts) == [("TUN-SSH-IN-HTTP", "high")]
    assert alerts[0].evidence["ssh_banners"] == ["SSH-2.0-OpenSSH_9.6"]
    assert run(txs=ws_then_ssh(-1.0)) == []


# --- Tor ------------------------------------------------------------------------------------


def tls_flows(snis: list[str], dsts: list[str], ports: list[int] | None = None) -> dict[str, Any]:
    n = len(snis)
    return {
        "event.start": [T0 + timedelta(seconds=i) for i in range(n)],
        "source.ip": ["192.168.1.252"] * n,
        "source.port": [50000 + i for i in range(n)],
        "destination.ip": dsts,
        "destination.port": ports or [443] * n,
        "network.transport": ["tcp"] * n,
        "tls.client.server_name": snis,
    }


def test_tor_random_sni_shape() -> None:
    assert random_label("www.gfu7hbxpfp.com")
    assert random_label("www.xkgkqfdxzqcyyyxb.net")  # no digit but no vowels
    assert not random_label("www.facebook.com")
    assert not random_label("www.wikipedia.org")


def test_tor_needs_two_relays_or_an_or_port_by_default() -> None:
    one = tls_flows(["www.gfu7hbxpfp.com"], ["91.143.93.242"])
    assert run(one) == []
    assert summary(run(one, profile="lab")) == [("TUN-TOR", "medium")]
    two = tls_flows(["www.gfu7hbxpfp.com", "www.t3i3ru.com"], ["91.143.93.242", "212.83.155.250"])
    alerts = run(two)
    assert summary(alerts) == [("TUN-TOR", "medium")]
    assert alerts[0].evidence["relay_count"] == 2
    or_port = tls_flows(["www.gfu7hbxpfp.com"], ["91.143.93.242"], [9001])
    assert summary(run(or_port)) == [("TUN-TOR", "medium")]
    real = tls_flows(["www.facebook.com", "www.google.com"], ["157.240.1.35", "142.250.1.1"])
    assert run(real) == []


def test_tor_relay_list_from_config() -> None:
    plain = tls_flows([None], ["198.51.100.77"])  # type: ignore[list-item]
    assert run(plain) == []
    alerts = run(plain, overrides={"tor_relays": ["198.51.100.0/24"]})
    assert summary(alerts) == [("TUN-TOR", "medium")]
    assert alerts[0].evidence["relay_list_hit"] is True


# --- corpus -------------------------------------------------------------------------------


@cache
def corpus_tables(rel: str) -> RecordTables:
    result = read_file(str(TRAFFIC / rel), SourceOptions())
    return RecordTables(
        flows=result.table("flow"),
        transactions=result.table("transaction"),
        packets=result.table("packet"),
    )


def corpus(rel: str, network: dict[str, list[str]] | None = None) -> list[Alert]:
    ctx = DetectContext(network=NetworkContext.from_dict(network))
    return detect_tunnels(corpus_tables(rel), ctx.for_detector("tunnels"))


POSITIVES = {
    "tunnels/zeek_gre-sample.pcap": "TUN-GRE",
    "tunnels/zeek_gre-pptp.pcap": "TUN-GRE",
    "tunnels/zeek_erspan.pcap": "TUN-ERSPAN",
    "tunnels/ndpi_ipsec_isakmp_esp.pcap": "TUN-VPN",
    "tunnels/sv_ikev1-isakmp-main-mode.pcap": "TUN-VPN",
    "tunnels/zeek_ip6_esp.pcap": "TUN-VPN",
    "tunnels/ndpi_wireguard.pcap": "TUN-VPN",
    "tunnels/ndpi_openvpn.pcap": "TUN-VPN",
    "tunnels/zeek_vxlan.pcap": "TUN-VXLAN",
}


@pytest.mark.parametrize(("rel", "rule"), sorted(POSITIVES.items()))
def test_corpus_tunnels_flagged_without_map_and_quiet_with_allowed_peers(
    rel: str, rule: str
) -> None:
    alerts = corpus(rel)
    flagged = [a for a in above_info(alerts) if a.rule_id == rule]
    assert flagged, [(a.rule_id, a.severity) for a in alerts]
    peers = sorted({a.entities["destination.ip"] for a in alerts if "destination.ip" in a.entities})
    quiet = corpus(rel, network={"allowed_tunnel_peers": peers})
    assert above_info(quiet) == [], [(a.rule_id, a.severity, a.explanation) for a in quiet]


def test_corpus_gre_sample_outer_pair() -> None:
    alerts = corpus("tunnels/zeek_gre-sample.pcap")
    assert summary(alerts) == [("TUN-GRE", "high")]
    ent = alerts[0].entities
    assert (ent["source.ip"], ent["destination.ip"]) == ("172.27.1.66", "66.59.109.137")


def test_corpus_gre_pptp_is_marked_enhanced_gre() -> None:
    gre = [a for a in corpus("tunnels/zeek_gre-pptp.pcap") if a.rule_id == "TUN-GRE"]
    assert len(gre) == 1
    assert {gre[0].entities["source.ip"], gre[0].entities["destination.ip"]} == {
        "16.0.0.200",
        "192.52.166.154",
    }
    assert "pptp enhanced GRE" in gre[0].evidence["variants"]


def test_corpus_erspan_is_critical_on_infrastructure() -> None:
    alerts = corpus("tunnels/zeek_erspan.pcap")
    assert summary(alerts) == [("TUN-ERSPAN", "high")]
    assert alerts[0].entities["source.ip"] == "10.200.0.3"
    assert alerts[0].entities["destination.ip"] == "10.200.0.224"
    infra = corpus("tunnels/zeek_erspan.pcap", network={"infrastructure": ["10.200.0.3/32"]})
    assert summary(infra) == [("TUN-ERSPAN", "critical")]


def test_corpus_weak_dh_proposal() -> None:
    weak = [
        a for a in corpus("tunnels/sv_IKEv2_SA_INIT_weak-dh.pcap") if a.rule_id == "TUN-IKE-WEAK-DH"
    ]
    assert [(a.severity, a.evidence["offered_groups"]) for a in weak] == [("medium", [2])]
    assert (weak[0].entities["source.ip"], weak[0].entities["destination.ip"]) == (
        "212.158.157.2",
        "212.158.157.8",
    )


def test_corpus_ipsec_gateways_each_one_pair() -> None:
    vpn = [a for a in corpus("tunnels/ndpi_ipsec_isakmp_esp.pcap") if a.rule_id == "TUN-VPN"]
    peers = {a.entities["destination.ip"] for a in vpn}
    assert len(peers) == 9 and all(p.startswith("109.237.187.") for p in peers)
    assert {a.entities["source.ip"] for a in vpn} == {"192.168.2.100"}


def test_corpus_gtp_is_inventory_only() -> None:
    alerts = corpus("tunnels/zeek_gtp1_gn_normal_incl_fragmentation.pcap")
    assert alerts and all(a.rule_id == "TUN-GTP" and a.severity == "info" for a in alerts)


def test_corpus_ssh_inside_websocket() -> None:
    alerts = [
        a for a in corpus("exfil_covert/zeek_wstunnel-ssh.pcap") if a.rule_id == "TUN-SSH-IN-HTTP"
    ]
    assert len(alerts) == 1
    assert alerts[0].evidence["connections"] == 2
    assert alerts[0].evidence["uri"] == "/v1/events"


def test_corpus_tor_client() -> None:
    alerts = corpus("c2/ndpi_tor.pcap")
    assert summary(alerts) == [("TUN-TOR", "medium")]
    ev = alerts[0].evidence
    assert alerts[0].entities["source.ip"] == "192.168.1.252"
    assert ev["relay_count"] == 5
    examples = ev["random_sni_examples"]
    assert "www.gfu7hbxpfp.com" in examples  # PROVENANCE names this relay certificate
    assert all(re.fullmatch(r"www\.[a-z2-7]{4,24}\.(com|net)", name) for name in examples)


@pytest.mark.parametrize(
    "rel",
    [
        *sorted(f"benign/{p.name}" for p in (TRAFFIC / "benign").glob("*.pcap")),
        "mgmt_plane/sv_ssh-hassh.pcap",
        "mgmt_plane/zeek_radius.pcap",
        "mgmt_plane/zeek_tcp-syslog.pcap",
    ],
)
def test_corpus_benign_negatives(rel: str) -> None:
    assert above_info(corpus(rel)) == []
