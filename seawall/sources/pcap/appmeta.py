"""Payload inspection and the packet side channel for captures.

``extract`` selects the packets worth a look with column masks over the PacketIndex
(ports, first payload bytes, ethertypes), runs the small protocol parsers only on those,
and returns application metadata per flow, transactions inside flows (DNS pairs, HTTP
requests, TLS handshakes, SNMP PDUs, SSH banners and key exchange, payload bursts) and
packet side records (ARP, CDP, LLDP, tunnel headers). Malformed payloads are counted and
located, never raised; a failing stage costs only its own output.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from seawall.records.schemas import empty
from seawall.sources.base import SourceOptions
from seawall.sources.pcap import (
    appmeta_bursts,
    appmeta_content,
    appmeta_side,
    appmeta_tcp,
    appmeta_udp,
)
from seawall.sources.pcap.appmeta_context import Context
from seawall.sources.pcap.index import AppMetadata, MeteredPackets, PacketIndex
from seawall.sources.pcap.proto_http import REQUEST_PREFIXES, RESPONSE_PREFIX

# Application label by well-known port, used when the payload did not tell.
TCP_PORTS = {
    20: "ftp-data",
    21: "ftp",
    22: "ssh",
    23: "telnet",
    25: "smtp",
    49: "tacacs",
    53: "dns",
    80: "http",
    88: "kerberos",
    110: "pop3",
    111: "rpcbind",
    135: "msrpc",
    139: "smb",
    143: "imap",
    179: "bgp",
    389: "ldap",
    443: "tls",
    445: "smb",
    465: "smtps",
    514: "syslog",
    587: "smtp",
    636: "ldaps",
    830: "netconf",
    853: "dns-over-tls",
    993: "imaps",
    995: "pop3s",
    1194: "openvpn",
    1433: "mssql",
    1723: "pptp",
    2000: "sccp",
    3306: "mysql",
    3389: "rdp",
    4786: "smart_install",
    5060: "sip",
    5061: "sips",
    5432: "postgresql",
    5900: "vnc",
    5985: "winrm",
    5986: "winrm",
    6514: "syslog-tls",
    8080: "http",
    8443: "tls",
    8728: "mikrotik-api",
    8291: "winbox",
    9001: "tor",
}
UDP_PORTS = {
    53: "dns",
    67: "dhcp",
    68: "dhcp",
    69: "tftp",
    88: "kerberos",
    123: "ntp",
    137: "netbios",
    138: "netbios",
    161: "snmp",
    162: "snmp",
    443: "quic",
    500: "ike",
    514: "syslog",
    546: "dhcpv6",
    547: "dhcpv6",
    1194: "openvpn",
    1645: "radius",
    1646: "radius",
    1812: "radius",
    1813: "radius",
    1900: "ssdp",
    2123: "gtp-c",
    2152: "gtp",
    3478: "stun",
    4500: "ike",
    4789: "vxlan",
    5060: "sip",
    5353: "mdns",
    5355: "llmnr",
    6081: "geneve",
    10161: "snmp",
    10162: "snmp",
    51820: "wireguard",
    2055: "netflow",
    2056: "netflow",
    9995: "netflow",
    9996: "netflow",
    4739: "ipfix",
    6343: "sflow",
    17500: "dropbox-lansync",
}
IP_PROTOCOLS = {
    1: "icmp",
    2: "igmp",
    47: "gre",
    50: "esp",
    51: "ah",
    58: "icmp",
    89: "ospf",
    103: "pim",
    112: "vrrp",
    132: "sctp",
}
FLOW_COLUMNS = (
    "network.protocol",
    "tls.version",
    "tls.client.server_name",
    "tls.client.ja3",
    "tls.client.ja4",
    "tls.server.hash.sha1",
    "dns.question.name",
    "http.request.method",
    "url.domain",
    "url.original",
    "user_agent.original",
)
SNMP_PORTS = (161, 162, 10161, 10162)
OPENVPN_RESET_OPCODES = (7, 8, 10)
DNS_PORT = 53


def _prefix_value(prefix: bytes) -> int:
    return int.from_bytes(prefix, "big")


_REQUEST_HEADS = np.asarray([_prefix_value(p) for p in REQUEST_PREFIXES], np.int64)
_RESPONSE_HEAD = _prefix_value(RESPONSE_PREFIX)
_SSH_HEAD = _prefix_value(b"SSH-")


def extract(index: PacketIndex, metered: MeteredPackets, options: SourceOptions) -> AppMetadata:
    """Application metadata, transactions and packet side records of one capture."""
    ctx = Context(index, metered, options)
    _run(ctx, "select", lambda: _inspect_payloads(ctx))
    # After the payload labels are known: flows found encrypted are not scanned.
    _run(ctx, "content", lambda: appmeta_content.scan(ctx))
    _run(ctx, "link_layer", lambda: appmeta_side.inspect_link_layer(ctx))
    _run(ctx, "tunnels", lambda: appmeta_side.inspect_tunnels(ctx))
    labels = _final_labels(ctx)
    _run(ctx, "bursts", lambda: appmeta_bursts.add_bursts(ctx, labels))
    ctx.flow_columns["network.protocol"] = list(labels)
    for column in FLOW_COLUMNS:  # every column this extractor owns, None where unknown
        ctx.flow_columns.setdefault(column, [None] * ctx.n_flows)
    transactions = packets = None
    try:
        transactions = ctx.transaction_table()
    except Exception as exc:  # a bug in row building must not cost the flows
        ctx.malformed("appmeta", -1, f"transaction table could not be built: {exc!r}")
    try:
        packets = ctx.packet_table()
    except Exception as exc:
        ctx.malformed("appmeta", -1, f"packet table could not be built: {exc!r}")
    return AppMetadata(
        transactions=transactions if transactions is not None else empty("transaction"),
        packets=packets if packets is not None else empty("packet"),
        flow_columns=ctx.flow_columns,
        stats=dict(ctx.stats),
        issues=ctx.issues,
    )


def _run(ctx: Context, stage: str, step: Callable[[], None]) -> None:
    """Run one inspection stage; an unexpected error is counted and located, not raised."""
    try:
        step()
    except Exception as exc:
        ctx.malformed("appmeta", -1, f"{stage} stage failed and was skipped: {exc!r}")


def _inspect_payloads(ctx: Context) -> None:
    """Pick candidate packets per protocol with column masks, then parse only those."""
    ix = ctx.index
    in_flow = (ctx.flow_id >= 0) & (ctx.plen > 0)
    proto = ix.proto
    tcp = np.flatnonzero(in_flow & (proto == 6))
    udp = np.flatnonzero(in_flow & (proto == 17))
    ctx.stats["payload_packets"] = int(in_flow.sum())

    # TCP: first bytes decide (works on any port).
    head = ctx.payload_head4(tcp)
    byte5 = ctx.payload_byte(tcp, 5)
    is_hello = ((head >> 16) == 0x1603) & (byte5 == 1)
    is_request = np.isin(head, _REQUEST_HEADS)
    is_response = head == _RESPONSE_HEAD
    is_ssh = head == _SSH_HEAD

    port = ix.sport, ix.dport
    on_dns = (port[0] == DNS_PORT) | (port[1] == DNS_PORT)
    dns_tcp = tcp[on_dns[tcp] & (ctx.plen[tcp] >= 14)]
    dns_udp = udp[on_dns[udp]]
    dns = np.r_[dns_udp, dns_tcp]
    over_tcp = np.r_[np.zeros(len(dns_udp), bool), np.ones(len(dns_tcp), bool)]
    order = np.argsort(dns, kind="stable")
    on_snmp = np.isin(port[0], SNMP_PORTS) | np.isin(port[1], SNMP_PORTS)
    quic = udp[appmeta_udp.quic_long_header(ctx, udp)]

    _run(ctx, "tls", lambda: appmeta_tcp.inspect_tls(ctx, tcp[is_hello]))
    _run(ctx, "http", lambda: appmeta_tcp.inspect_http(ctx, tcp[is_request], tcp[is_response]))
    _run(ctx, "ssh", lambda: appmeta_tcp.inspect_ssh(ctx, tcp[is_ssh]))
    _run(ctx, "dns", lambda: appmeta_udp.inspect_dns(ctx, dns[order], over_tcp[order]))
    _run(ctx, "snmp", lambda: appmeta_udp.inspect_snmp(ctx, udp[on_snmp[udp]]))
    _run(ctx, "vpn", lambda: _label_vpn(ctx, tcp, udp))
    for f in np.unique(ctx.flow_id[quic]).tolist():
        ctx.label(int(f), "quic")


def _first_per_flow(ctx: Context, pkts: np.ndarray) -> np.ndarray:
    """The first of the given packets in each flow (file order)."""
    if len(pkts) == 0:
        return pkts
    _, at = np.unique(ctx.flow_id[pkts], return_index=True)
    return pkts[at]


# UDP services whose own protocol is certain from the port: DNS, DHCP, NTP, NetBIOS, SNMP,
# syslog, SSDP, mDNS, LLMNR.
NOT_VPN_UDP_PORTS = np.array([53, 67, 68, 123, 137, 138, 161, 162, 514, 1900, 5353, 5355])


def _label_vpn(ctx: Context, tcp: np.ndarray, udp: np.ndarray) -> None:
    """OpenVPN, WireGuard and IPsec NAT-T from the first payload packet of the flow."""
    first_udp = _first_per_flow(ctx, udp)
    size = ctx.plen[first_udp]
    head = ctx.payload_head4(first_udp)
    first_byte = ctx.payload_byte(first_udp, 0)
    opcode = first_byte >> 3
    # OpenVPN hard-reset (client v2/v3, server v2): opcode byte + 8-byte session id. A
    # session starts with key id 0 (low 3 bits), which rules out syslog's "<" (opcode 7, key
    # id 4); a weak one-byte test must not relabel well-known non-VPN services either.
    well_known = np.isin(ctx.index.dport[first_udp], NOT_VPN_UDP_PORTS) | np.isin(
        ctx.index.sport[first_udp], NOT_VPN_UDP_PORTS
    )
    openvpn = (
        np.isin(opcode, OPENVPN_RESET_OPCODES)
        & ((first_byte & 0x07) == 0)
        & (size >= 14)
        & (size <= 400)
        & ~well_known
    )
    # WireGuard handshake initiation (148 bytes) / response (92 bytes), reserved bytes zero.
    wireguard = ((head == 0x01000000) & (size == 148)) | ((head == 0x02000000) & (size == 92))
    nat_t = (ctx.index.sport[first_udp] == 4500) | (ctx.index.dport[first_udp] == 4500)
    esp_in_udp = nat_t & (head > 0) & (size > 1)
    ike = nat_t & (head == 0)
    first_tcp = _first_per_flow(ctx, tcp)
    framed = (ctx.payload_byte(first_tcp, 0) << 8 | ctx.payload_byte(first_tcp, 1)) == (
        ctx.plen[first_tcp] - 2
    )
    openvpn_tcp = framed & np.isin(ctx.payload_byte(first_tcp, 2) >> 3, OPENVPN_RESET_OPCODES)
    for name, pkts in (
        ("openvpn", first_udp[openvpn]),
        ("wireguard", first_udp[wireguard]),
        ("esp", first_udp[esp_in_udp]),
        ("ike", first_udp[ike]),
        ("openvpn", first_tcp[openvpn_tcp]),
    ):
        for f in ctx.flow_id[pkts].tolist():
            ctx.label(int(f), name)


def _port_table(names: dict[int, str], vocabulary: list[str | None]) -> np.ndarray:
    table = np.zeros(65536, np.int64)
    for number, name in names.items():
        if name not in vocabulary:
            vocabulary.append(name)
        table[number] = vocabulary.index(name)
    return table


def _final_labels(ctx: Context) -> list[str | None]:
    """Payload label where the payload told, else the well-known port (destination first),
    else the IP protocol."""
    vocabulary: list[str | None] = [None]
    tcp_table = _port_table(TCP_PORTS, vocabulary)
    udp_table = _port_table(UDP_PORTS, vocabulary)
    proto_table = _port_table(IP_PROTOCOLS, vocabulary)[:256]
    proto = ctx.flow_proto
    sport, dport = ctx.flow_sport, ctx.flow_dport
    code = np.zeros(ctx.n_flows, np.int64)
    for number, table in ((6, tcp_table), (17, udp_table)):
        m = proto == number
        by_dst = table[dport[m]]
        code[m] = np.where(by_dst > 0, by_dst, table[sport[m]])
    other = (proto != 6) & (proto != 17)
    code[other] = proto_table[np.clip(proto[other], 0, 255)]
    by_port = np.asarray(vocabulary, dtype=object)[code].tolist()
    return [p if p is not None else q for p, q in zip(ctx.labels, by_port, strict=True)]
