"""Payload inspection on real captures, against the ground truth in PROVENANCE.md."""

from __future__ import annotations

import ipaddress

import numpy as np
import pytest
from appmeta_helpers import TRAFFIC, flow_columns, packets, run, transactions

from seawall.records.schemas import FLOW, PACKET, TRANSACTION

CAPTURES = sorted(
    str(p.relative_to(TRAFFIC)) for p in TRAFFIC.rglob("*") if p.suffix in (".pcap", ".pcapng")
)


def _gaps_s(times) -> np.ndarray:
    values = np.asarray(times.astype("int64"), dtype=np.int64)
    unit = 1_000_000 if values.max() < 10**17 else 1_000_000_000  # us or ns resolution
    return np.diff(np.sort(values)) / unit


# ---- contract ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", CAPTURES)
def test_every_capture_yields_schema_tables_and_flow_columns(name: str) -> None:
    flows, meta = run(name)
    assert meta.transactions.schema.equals(TRANSACTION)
    assert meta.packets.schema.equals(PACKET)
    assert not [k for k in meta.stats if k.startswith("appmeta")], meta.issues
    for column, values in meta.flow_columns.items():
        assert FLOW.get_field_index(column) >= 0, column
        assert len(values) == flows.num_rows
    tx = meta.transactions
    for column in (
        "event.start",
        "source.ip",
        "destination.ip",
        "transaction.kind",
        "input.file",
        "input.frame",
        "network.transport",
    ):
        assert tx.column(column).null_count == 0, column
    assert meta.packets.column("input.frame").null_count == 0


def test_transactions_carry_the_flow_source_and_destination() -> None:
    """The 5-tuple is the flow's (source = initiator), also on server-sent rows."""
    tx = transactions("mgmt_plane/sv_SNMPv2c_get_requests.pcap", "snmp")
    responses = tx[tx["transaction.direction"] == "server"]
    assert len(responses) == 4
    assert (responses["destination.port"] == 161).all()


# ---- TLS --------------------------------------------------------------------------------
def test_ja3_of_the_malicious_tlsv1_client_hello() -> None:
    fc = flow_columns("c2/sv_TLSv1-Extracted-MaliciousC2.pcap")
    tls = fc[fc["network.protocol"] == "tls"]
    assert len(tls) == 1
    row = tls.iloc[0]
    assert row["tls.client.ja3"] == "49ed2ef3f1321e5f044f1e71b0e6fdd5"
    assert row["tls.version"] == "1.0"  # Suricata-verify bug-5713-01: TLSv1
    assert row["tls.client.server_name"] is None
    assert row["tls.client.ja4"].startswith("t10i")
    hello = transactions("c2/sv_TLSv1-Extracted-MaliciousC2.pcap", "tls_handshake")
    assert len(hello) == 1 and hello.loc[0, "destination.ip"] == "91.254.215.167"


def test_leaf_certificate_sha1_reassembled_from_segments() -> None:
    fc = flow_columns("ioc/ndpi_tls_malicious_sha1.pcapng")
    assert fc["tls.server.hash.sha1"].tolist() == ["0DDB34F875632C7E1EC09D75827F82D2336DFEB6"]


def test_malware_hosts_in_sni_http_host_and_dns() -> None:
    name = "ioc/ndpi_malware.pcap"
    fc = flow_columns(name)
    assert set(fc["tls.client.server_name"].dropna()) == {"hobbeach.com", "www.internetbadguys.com"}
    assert set(fc["url.domain"].dropna()) == {"www.internetbadguys.com"}
    assert set(fc["dns.question.name"].dropna()) == {"www.internetbadguys.com"}
    # nDPI's result file gives the OpenDNS flow's JA3 and certificate SHA-1.
    opendns = fc[fc["tls.client.server_name"] == "www.internetbadguys.com"].iloc[0]
    assert opendns["tls.client.ja3"] == "b20b44b18b853ef29ab773e921b03422"
    assert opendns["tls.server.hash.sha1"] == "21B4CF84133A21A4B00263763984EAED27EE517C"
    assert opendns["tls.version"] == "1.2"  # negotiated, although 1.3 was offered


def test_tls_application_bursts_only_in_tls_flows() -> None:
    tx = transactions("benign/zeek_tls_ecdhe.pcap")
    assert set(tx["transaction.kind"]) == {"tls_handshake", "tls_record"}


# ---- HTTP and beaconing inside one connection -------------------------------------------
def test_sandcat_beacons_inside_one_keepalive_connection() -> None:
    name = "c2/caldera_sandcat.pcap"
    http = transactions(name, "http_request")
    beacons = http[(http["url.original"] == "/beacon") & (http["http.request.method"] == "POST")]
    assert (beacons["user_agent.original"] == "Go-http-client/1.1").all()
    assert len(beacons) >= 25
    assert beacons["source.port"].nunique() == 1  # one TCP connection
    assert (beacons["http.response.status_code"] == 200).all()
    bursts = transactions(name, "tcp_burst")
    bursts = bursts[bursts["source.port"] == beacons["source.port"].iloc[0]]
    gaps = _gaps_s(bursts["event.start"])
    assert len(bursts) >= 25
    assert 30 <= np.median(gaps) <= 70  # check-ins every ~35-65 s
    fc = flow_columns(name)
    download = fc[fc["url.original"] == "/file/download"]
    assert download["user_agent.original"].tolist() == ["curl/7.68.0"]


def test_ragdoll_one_connection_per_check_in() -> None:
    http = transactions("c2/caldera_ragdoll.pcap", "http_request")
    weather = http[http["url.original"] == "/weather"]
    assert (weather["user_agent.original"] == "python-requests/2.32.3").all()
    assert weather["source.port"].nunique() == len(weather) >= 9
    assert 30 <= np.median(_gaps_s(weather["event.start"])) <= 60


def test_merlin_quic_check_ins_every_15_seconds_inside_one_flow() -> None:
    name = "c2/zeek_merlinc2_quic.pcapng"
    fc = flow_columns(name)
    assert fc["network.protocol"].tolist() == ["quic"]
    bursts = transactions(name, "quic_burst")
    assert bursts["source.port"].nunique() == 1 and len(bursts) >= 10
    gaps = _gaps_s(bursts["event.start"])
    assert 14 <= np.median(gaps) <= 16


def test_burst_gap_is_configurable() -> None:
    """A 20 s gap merges Merlin's 15 s check-ins into one burst: no burst rows remain."""
    _, meta = run("c2/zeek_merlinc2_quic.pcapng", burst_gap=20.0)
    kinds = meta.transactions.column("transaction.kind").to_pylist()
    assert "quic_burst" not in kinds


def test_server_push_connection_reports_server_bursts() -> None:
    tx = transactions("long_conn/corelight_long_connection.pcap", "tcp_burst")
    assert len(tx) > 100 and set(tx["transaction.direction"]) == {"server"}
    assert (tx["destination.port"] == 1234).all()


def test_websocket_upgrade_and_ssh_inside_it() -> None:
    name = "exfil_covert/zeek_wstunnel-ssh.pcap"
    assert len(transactions(name, "websocket_upgrade")) == 2
    banners = transactions(name, "ssh_banner")
    assert (banners["tunnel.type"] == "websocket").all()
    assert set(banners["transaction.direction"]) == {"client", "server"}
    assert banners["detail"].str.startswith("SSH-2.0-OpenSSH").all()
    assert set(flow_columns(name)["network.protocol"]) == {"websocket"}


# ---- DNS --------------------------------------------------------------------------------
def test_iodine_null_queries_under_pirate_sea() -> None:
    dns = transactions("dns_tunnel/ndpi_dns-tunnel-iodine.pcap", "dns_query")
    assert len(dns) > 200
    assert dns["dns.question.name"].str.endswith(".pirate.sea").all()
    assert set(dns["dns.question.type"]) == {"NULL"}
    answered = dns[dns["transaction.packets"] == 2]
    assert len(answered) > 200
    assert answered["dns.response.bytes"].max() > 1000  # large NULL answers
    assert (answered["dns.response_code"] == "NOERROR").all()


def test_dnscat_hex_labels() -> None:
    dns = transactions("dns_tunnel/ndpi_dns_exfiltration_dnscat.pcap", "dns_query")
    names = dns["dns.question.name"]
    assert names.str.startswith("dnscat.").all()
    assert names.nunique() >= 140
    assert names.str.split(".").str[1].str.fullmatch(r"[0-9a-f]{20,}").all()
    assert set(dns["dns.question.type"]) <= {"TXT", "MX", "CNAME", "A", "AAAA", "NULL"}


def test_benign_dns_has_no_tunnel_record_types() -> None:
    dns = transactions("benign/zeek_dns-edns-ecs.pcap", "dns_query")
    assert len(dns) > 30
    assert "NULL" not in set(dns["dns.question.type"])
    assert dns["dns.question.name"].str.len().max() < 60


# ---- SNMP -------------------------------------------------------------------------------
def test_snmpv1_set_on_sysname() -> None:
    snmp = transactions("mgmt_plane/zeek_snmpv1_set.pcap", "snmp")
    assert snmp["snmp.pdu"].tolist() == ["set", "response"]
    assert set(snmp["snmp.version"]) == {"1"}
    assert (snmp["detail"] == "oid=1.3.6.1.2.1.1.5.0").all()


def test_snmpv2c_community_and_pdu_types() -> None:
    snmp = transactions("mgmt_plane/sv_SNMPv2c_get_requests.pcap", "snmp")
    assert set(snmp["snmp.community"]) == {"[R0_C@cti!]"}
    assert set(snmp["snmp.version"]) == {"2c"}
    requests = snmp[snmp["transaction.direction"] == "client"]["snmp.pdu"]
    assert sorted(requests) == ["get", "get", "get", "get_next"]  # Suricata: 3 get + 1 get_next


def test_snmpv3_encrypted_pdus_are_reported_not_dropped() -> None:
    snmp = transactions("mgmt_plane/sv_SNMPv3.pcap", "snmp")
    assert len(snmp) == 8 and set(snmp["snmp.version"]) == {"3"}
    assert snmp["snmp.pdu"].value_counts().to_dict() == {"encrypted": 4, "get": 2, "report": 2}
    assert snmp["detail"].str.contains("user=admin").all()
    assert snmp["snmp.community"].isna().all()


def test_snmp_walk_is_get_next_with_default_community() -> None:
    snmp = transactions("mgmt_plane/zeek_snmpwalk-short.pcap", "snmp")
    requests = snmp[snmp["transaction.direction"] == "client"]
    assert len(requests) == 200 and set(requests["snmp.pdu"]) == {"get_next"}
    assert set(snmp["snmp.community"]) == {"public"}


# ---- SSH --------------------------------------------------------------------------------
def _kex(name: str) -> dict[str, str]:
    kex = transactions(name, "ssh_kex")
    return dict(zip(kex["ssh.message"], kex["transaction.direction"], strict=False))


def test_reverse_ssh_key_exchange_init_comes_from_the_tcp_server() -> None:
    kex = _kex("mgmt_plane/zeek_reverse-ssh.pcap")
    assert kex["kex_ecdh_init"] == "server"
    assert kex["kex_ecdh_reply"] == "client"


def test_ordinary_ssh_key_exchange_init_comes_from_the_tcp_client_with_hassh() -> None:
    name = "mgmt_plane/sv_ssh-hassh.pcap"
    assert _kex(name)["kex_ecdh_init"] == "client"
    kexinit = transactions(name, "ssh_kex")
    kexinit = kexinit[kexinit["ssh.message"] == "kexinit"].set_index("transaction.direction")
    # Suricata-verify ssh-hassh expected values.
    assert "hassh=2dd6531c7e89d3c925db9214711be76a" in kexinit.loc["client", "detail"]
    assert "hassh_server=6832f1ce43d4397c2c0a3e2f8c94334e" in kexinit.loc["server", "detail"]
    banners = transactions(name, "ssh_banner")
    assert set(banners["detail"]) == {"SSH-2.0-OpenSSH_for_Windows_7.7", "SSH-2.0-OpenSSH_7.4"}


def test_ssh_guessing_one_banner_pair_per_connection() -> None:
    banners = transactions("bruteforce/zeek_sshguess.pcap", "ssh_banner")
    assert len(banners) == 22 and banners["source.port"].nunique() == 11


# ---- side channel: L2 and tunnels -------------------------------------------------------
def test_arp_sweep_from_the_scanner() -> None:
    arp = packets("scans/zeek_nmap-vsn.pcap", "arp_request")
    assert len(arp) == 503
    assert set(arp["source.ip"]) == {"192.168.1.71"}
    net = ipaddress.ip_network("192.168.1.0/24")
    assert all(ipaddress.ip_address(t) in net for t in arp["destination.ip"])
    assert arp["destination.ip"].nunique() > 200


def test_cdp_device_inventory() -> None:
    cdp = packets("mgmt_plane/zeek_cdp-v1.pcap", "cdp")
    assert len(cdp) == 1
    row = cdp.iloc[0]
    assert (row["device.name"], row["device.platform"]) == ("R1", "cisco 1601")
    assert row["device.address"] == "192.168.10.1"
    assert row["destination.mac"] == "01:00:0c:cc:cc:cc"


def test_lldp_device_inventory() -> None:
    lldp = packets("mgmt_plane/zeek_lldp.pcap", "lldp")
    assert lldp["device.name"].tolist() == ["SMCGS8P-Smart"]
    assert lldp.loc[0, "device.address"] == "192.168.2.10"
    assert "v3.20" in lldp.loc[0, "device.platform"]


def test_ikev2_sa_init_weak_dh_groups() -> None:
    ike = packets("tunnels/sv_IKEv2_SA_INIT_weak-dh.pcap", "ike")
    assert len(ike) == 1
    detail = ike.loc[0, "detail"]
    assert "ikev2 IKE_SA_INIT initiator" in detail
    assert "ispi=61d3693ce12af528" in detail
    assert "weak_dh=" in detail


def test_ikev1_main_mode_initiator_spi() -> None:
    ike = packets("tunnels/sv_ikev1-isakmp-main-mode.pcap", "ike")
    assert ike["detail"].str.contains("ispi=e47a591fd057587f").all()
    assert ike["detail"].str.contains("packets=").all()
    assert sum(int(d.rsplit("packets=", 1)[1]) for d in ike["detail"]) == 9


def test_tunnel_headers_one_row_per_endpoint_pair_and_id() -> None:
    gre = packets("tunnels/zeek_gre-sample.pcap", "gre")
    assert {(r["source.ip"], r["destination.ip"]) for _, r in gre.iterrows()} == {
        ("172.27.1.66", "66.59.109.137"),
        ("66.59.109.137", "172.27.1.66"),
    }
    erspan = packets("tunnels/zeek_erspan.pcap", "erspan")
    assert set(erspan["source.ip"]) == {"10.200.0.3"}
    assert set(erspan["tunnel.protocol"]) == {"0x6558"}
    assert set(packets("tunnels/zeek_vxlan.pcap", "vxlan")["tunnel.id"]) == {123}
    esp = packets("tunnels/zeek_ip6_esp.pcap", "esp")
    assert set(esp["tunnel.id"]) == {10, 11, 12, 13, 20, 21, 22, 23}
    assert len(packets("tunnels/zeek_gtp1_gn_normal_incl_fragmentation.pcap", "gtp")) >= 1
    pptp = packets("tunnels/zeek_gre-pptp.pcap", "gre")
    assert set(pptp["tunnel.protocol"]) == {"ppp"}


# ---- labels and negatives ---------------------------------------------------------------
def test_application_labels_payload_first_port_second() -> None:
    assert set(flow_columns("mgmt_plane/sv_telnet.pcap")["network.protocol"]) == {"telnet"}
    assert set(flow_columns("tunnels/ndpi_wireguard.pcap")["network.protocol"]) == {"wireguard"}
    # OpenVPN on 443 and odd ports: the hard-reset opcode says so, not the port.
    assert set(flow_columns("tunnels/ndpi_openvpn.pcap")["network.protocol"]) == {"openvpn"}
    fc = flow_columns("benign/zeek_var-services-std-ports.pcap")
    assert {"ssh", "dns", "http", "ntp", "ftp"} <= set(fc["network.protocol"])


def test_benign_browsing_has_only_http_and_bursts() -> None:
    kinds = set(transactions("benign/zeek_bro.org.pcap")["transaction.kind"])
    assert kinds == {"http_request", "tcp_burst"}
    assert len(packets("benign/zeek_bro.org.pcap")) == 0
