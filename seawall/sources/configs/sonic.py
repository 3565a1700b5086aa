"""SONiC: ``config_db.json`` (Redis CONFIG_DB tables) and the FRR ``frr.conf`` beside it.

``config_db.json`` is read with ``json``; line numbers come from a scan that finds where each
top-level table and each entry key is written. Lines of known tables are understood, lines of
unknown tables are not; a file that is not valid JSON is all unknown. ``frr.conf`` is
Cisco-like: hostname, version, enable/VTY passwords, logging, BGP neighbors, static routes,
prefix lists.
"""

from __future__ import annotations

import json
from typing import Any

from seawall.records.config import (
    AaaMethod,
    AaaServer,
    Acl,
    AclEntry,
    AclUse,
    Capture,
    DeviceConfig,
    Line,
    LogHost,
    NtpServer,
    RoutingPeer,
    Secret,
    SnmpCommunity,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder
from seawall.sources.configs.pathcfg import InterfaceBook, ServiceBook, cidr, to_int
from seawall.sources.configs.tree import indent_tree, split_lines

KNOWN_TABLES = frozenset(
    {
        "DEVICE_METADATA", "PORT", "INTERFACE", "VLAN", "VLAN_INTERFACE", "VLAN_MEMBER",
        "LOOPBACK", "LOOPBACK_INTERFACE", "MGMT_INTERFACE", "MGMT_PORT", "MGMT_VRF_CONFIG",
        "PORTCHANNEL", "PORTCHANNEL_INTERFACE", "PORTCHANNEL_MEMBER", "VRF", "BGP_NEIGHBOR",
        "BGP_PEER_RANGE", "STATIC_ROUTE", "NTP", "NTP_SERVER", "SYSLOG_SERVER", "SYSLOG_CONFIG",
        "TACPLUS", "TACPLUS_SERVER", "RADIUS", "RADIUS_SERVER", "AAA", "SNMP", "SNMP_COMMUNITY",
        "SNMP_USER", "SNMP_AGENT_ADDRESS_CONFIG", "TELEMETRY", "GNMI", "RESTAPI", "SSH_SERVER",
        "FEATURE", "MIRROR_SESSION", "ACL_TABLE", "ACL_RULE", "ECMP_LOADSHARE_TABLE_IPV4",
        "ECMP_LOADSHARE_TABLE_IPV6", "POLICY_TABLE", "POLICY_BINDING_TABLE",
        "POLICY_SECTIONS_TABLE", "CLASSIFIER_TABLE", "COREDUMP", "KDUMP", "NAT_GLOBAL",
        "HARDWARE", "VERSIONS", "SWITCH", "FLEX_COUNTER_TABLE", "CRM", "BUFFER_POOL",
        "BUFFER_PROFILE", "BUFFER_PG", "BUFFER_QUEUE", "QUEUE", "SCHEDULER", "WRED_PROFILE",
        "PORT_QOS_MAP", "DSCP_TO_TC_MAP", "TC_TO_QUEUE_MAP", "TC_TO_PRIORITY_GROUP_MAP",
        "MAP_PFC_PRIORITY_TO_QUEUE", "CABLE_LENGTH", "PFC_WD", "BREAKOUT_CFG", "LLDP",
        "DHCP_SERVER", "DHCP_RELAY", "VXLAN_TUNNEL", "VXLAN_TUNNEL_MAP", "VXLAN_EVPN_NVO", "SFLOW",
        "SFLOW_COLLECTOR", "CONSOLE_SWITCH", "CONSOLE_PORT", "PASSW_HARDENING", "SYSTEM_DEFAULTS",
        "AUTO_TECHSUPPORT", "AUTO_TECHSUPPORT_FEATURE", "BGP_GLOBALS", "DNS_NAMESERVER",
        "KUBERNETES_MASTER", "LOGGER", "SYSTEMD", "WATERMARK_TABLE", "NEIGH",
    }
)  # fmt: skip
_INTERFACE_TABLES = {
    "INTERFACE": "physical",
    "VLAN_INTERFACE": "vlan",
    "LOOPBACK_INTERFACE": "loopback",
    "MGMT_INTERFACE": "management",
    "PORTCHANNEL_INTERFACE": "port-channel",
}


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    if text.lstrip().startswith("{"):
        return _parse_config_db(text, path, dialect)
    return _parse_frr(text, path, dialect)


# --- config_db.json -----------------------------------------------------------------------


def table_spans(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Top-level key -> (first line, last line), found by tracking brace depth outside
    strings. Lines are 1-based."""
    spans: dict[str, tuple[int, int]] = {}
    depth, in_string, escaped = 0, False, False
    current: str | None = None
    start = 0
    for number, line in enumerate(lines, start=1):
        depth_at_start = depth
        for char in line:
            if in_string:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
        stripped = line.strip()
        if depth_at_start == 1 and stripped.startswith('"'):
            if current is not None:
                spans[current] = (start, number - 1)
            current, start = stripped[1:].split('"', 1)[0], number
        if current is not None and depth <= 0 < depth_at_start:
            spans[current] = (start, number - 1)
            current = None
    if current is not None:
        spans[current] = (start, len(lines))
    return spans


class _Db:
    """Tables of one config_db.json with a line lookup for their entries."""

    def __init__(self, data: dict[str, Any], lines: list[str], spans: dict[str, tuple[int, int]]):
        self.data = data
        self.lines = lines
        self.spans = spans

    def table(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    def line_of(self, table: str, key: str) -> int:
        start, end = self.spans.get(table, (1, 1))
        needle = json.dumps(key)
        for number in range(start, min(end, len(self.lines)) + 1):
            if needle in self.lines[number - 1]:
                return number
        return start


def _parse_config_db(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "SONiC", "SONiC")
    model = builder.model
    try:
        data = json.loads(text)
    except ValueError:
        return builder.finish()
    if not isinstance(data, dict):
        return builder.finish()
    lines = split_lines(text)
    spans = table_spans(lines)
    structural = {n for n, line in enumerate(lines, start=1) if line.strip() in ("{", "}")}
    for table, (start, end) in spans.items():
        if table in KNOWN_TABLES:
            builder.understood(range(start, end + 1))
    db = _Db(data, lines, spans)
    _read_config_db(db, model)
    return builder.finish(structural)


def _read_config_db(db: _Db, model: DeviceConfig) -> None:
    meta = db.table("DEVICE_METADATA").get("localhost", {})
    if isinstance(meta, dict):
        model.hostname = meta.get("hostname")
        model.platform = meta.get("hwsku") or meta.get("platform")
    interfaces = InterfaceBook(model.interfaces, lambda name: "other")
    for table, kind in _INTERFACE_TABLES.items():
        for key in db.table(table):
            name, _, address = key.partition("|")
            interface = interfaces.get(name, db.line_of(table, key))
            interface.kind = kind
            if address:
                interfaces.add_address(name, db.line_of(table, key), address)
    for name, fields in db.table("PORT").items():
        if isinstance(fields, dict) and (name in {i.name for i in model.interfaces}):
            interface = interfaces.get(name, db.line_of("PORT", name))
            interface.description = fields.get("description") or interface.description
            interface.shutdown = fields.get("admin_status") == "down"
    services = ServiceBook(model.services)
    for table in ("TELEMETRY", "GNMI"):
        gnmi = db.table(table).get("gnmi")
        if isinstance(gnmi, dict):
            service = services.get("gnmi", db.line_of(table, "gnmi"))
            service.port = to_int(str(gnmi.get("port"))) if gnmi.get("port") else None
    restapi = db.table("RESTAPI").get("config")
    if isinstance(restapi, dict):
        service = services.get("api-http", db.line_of("RESTAPI", "config"))
        service.port = to_int(str(restapi.get("port"))) if restapi.get("port") else None
    for name, fields in db.table("FEATURE").items():
        if isinstance(fields, dict) and fields.get("state", fields.get("status")) == "enabled":
            model.features.append(name)
    for key in db.table("NTP_SERVER"):
        model.ntp.servers.append(NtpServer(key, db.line_of("NTP_SERVER", key)))
    for key, fields in db.table("SYSLOG_SERVER").items():
        host = LogHost(key, db.line_of("SYSLOG_SERVER", key))
        if isinstance(fields, dict) and fields.get("port"):
            host.port = to_int(str(fields["port"]))
        model.logging.hosts.append(host)
    for table, protocol in (("TACPLUS_SERVER", "tacacs"), ("RADIUS_SERVER", "radius")):
        for key, fields in db.table(table).items():
            server = AaaServer(protocol, key, db.line_of(table, key))
            if isinstance(fields, dict):
                secret = fields.get("passkey")
                if secret:
                    server.key_type, server.key_fingerprint = "plain", fingerprint(str(secret))
                port = fields.get("tcp_port") or fields.get("auth_port")
                server.port = to_int(str(port)) if port else None
            model.aaa.servers.append(server)
    for service_name, fields in db.table("AAA").items():
        if isinstance(fields, dict) and fields.get("login"):
            methods = str(fields["login"]).split(",")
            line = db.line_of("AAA", service_name)
            model.aaa.methods.append(AaaMethod(service_name, "login", "default", methods, line))
    for key, fields in db.table("SNMP_COMMUNITY").items():
        access = "rw" if isinstance(fields, dict) and fields.get("TYPE") == "RW" else "ro"
        model.snmp.communities.append(
            SnmpCommunity(fingerprint(key), access, db.line_of("SNMP_COMMUNITY", key))
        )
    for key, fields in db.table("STATIC_ROUTE").items():
        vrf, _, prefix = key.rpartition("|")
        hop = fields.get("nexthop") if isinstance(fields, dict) else None
        device = fields.get("ifname") if isinstance(fields, dict) else None
        model.static_routes.append(
            StaticRoute(prefix, db.line_of("STATIC_ROUTE", key), hop, device, vrf or None)
        )
    for key, fields in db.table("BGP_NEIGHBOR").items():
        address = key.rpartition("|")[2]
        remote_as = str(fields.get("asn")) if isinstance(fields, dict) and "asn" in fields else None
        line = db.line_of("BGP_NEIGHBOR", key)
        model.routing_peers.append(RoutingPeer("bgp", address, line, remote_as=remote_as))
    for name, fields in db.table("MIRROR_SESSION").items():
        if not isinstance(fields, dict):
            continue
        kind = "erspan" if fields.get("type", "ERSPAN").upper() == "ERSPAN" else "span"
        destination = fields.get("dst_ip") or fields.get("dst_port")
        model.captures.append(
            Capture(
                kind, name, db.line_of("MIRROR_SESSION", name), destination, fields.get("src_port")
            )
        )
    _control_plane_acls(db, model)


def _control_plane_acls(db: _Db, model: DeviceConfig) -> None:
    """CTRLPLANE ACL tables guard SSH/SNMP/NTP on the switch itself."""
    for name, fields in db.table("ACL_TABLE").items():
        if not isinstance(fields, dict):
            continue
        acl = model.acls[name] = Acl(name, db.line_of("ACL_TABLE", name), kind="extended")
        if str(fields.get("type", "")).upper() == "CTRLPLANE":
            for service in fields.get("services", []):
                model.acl_uses.append(AclUse(name, str(service).lower(), acl.line))
    for key, fields in db.table("ACL_RULE").items():
        table, _, rule = key.partition("|")
        if table not in model.acls or not isinstance(fields, dict):
            continue
        action = "permit" if str(fields.get("PACKET_ACTION", "")).upper() == "ACCEPT" else "deny"
        model.acls[table].entries.append(
            AclEntry(
                action,
                db.line_of("ACL_RULE", key),
                seq=to_int(str(fields.get("PRIORITY"))) if fields.get("PRIORITY") else None,
                source=cidr(str(fields.get("SRC_IP", "any"))),
                destination=cidr(str(fields.get("DST_IP", "any"))),
                text=rule,
            )
        )


# --- frr.conf -----------------------------------------------------------------------------

FRR_KNOWN = frozenset(
    {
        "frr", "hostname", "log", "agentx", "service", "enable", "password", "router", "ip",
        "ipv6", "bgp", "route-map", "line", "access-list", "interface", "vrf", "debug", "no",
        "end", "exit", "segment-routing", "mpls", "bfd", "zebra", "fpm", "nexthop-group",
        "pbr-map", "key", "username", "banner", "table", "rpki", "vni", "evpn",
        "ipv6-forwarding", "ip-forwarding", "domainname", "allow-external-route-update",
    }
)  # fmt: skip


def _parse_frr(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "SONiC", "FRR")
    model = builder.model
    tree = indent_tree(text, comment_prefixes=("!",))
    # BGP neighbor or peer-group -> its statements (remote-as, peer-group, password)
    neighbors: dict[str, dict[str, str | int]] = {}
    for node in tree.root.children:
        w = node.words
        if not w or w[0] not in FRR_KNOWN:
            continue
        builder.understood(node)
        line = node.line
        if w[:2] == ["frr", "version"] and len(w) > 2:
            model.version = w[2]
        elif w[0] == "hostname" and len(w) > 1:
            model.hostname = w[1]
        elif w[:2] == ["log", "syslog"]:
            model.logging.trap_level = w[2] if len(w) > 2 else None
            model.logging.line = line
        elif w[:2] == ["enable", "password"] and len(w) > 2:
            kind = "encrypted" if w[2] == "8" else "plain"
            model.secrets.append(Secret("enable", kind, line))
        elif w[0] == "password" and len(w) > 1:
            kind = "encrypted" if w[1] == "8" else "plain"
            model.lines.append(Line("vty", "vty", line, password_type=kind))
        elif w[:2] == ["service", "password-encryption"]:
            model.flags["service_password_encryption"] = True
        elif w[:2] == ["router", "bgp"]:
            for child in node.walk():
                words = child.words
                if words[:1] == ["neighbor"] and len(words) > 2:
                    fields = neighbors.setdefault(words[1], {"line": child.line})
                    fields[words[2]] = words[3] if len(words) > 3 else "yes"
        elif w[:2] in (["ip", "route"], ["ipv6", "route"]) and len(w) > 3:
            model.static_routes.append(StaticRoute(w[2], line, next_hop=w[3]))
        elif w[:2] in (["ip", "prefix-list"], ["ipv6", "prefix-list"]) and len(w) > 3:
            acl = model.acls.get(w[2]) or Acl(w[2], line, kind="prefix")
            model.acls[w[2]] = acl
            action = next((x for x in w[3:] if x in ("permit", "deny")), None)
            if action is not None and w.index(action) + 1 < len(w):
                acl.entries.append(
                    AclEntry(action, line, source=cidr(w[w.index(action) + 1]), text=node.text)
                )
    for target, fields in neighbors.items():
        if not any(c in target for c in ".:"):
            continue  # a peer-group or an interface name, not a peer address
        group = neighbors.get(str(fields.get("peer-group", "")), {})
        remote_as = fields.get("remote-as", group.get("remote-as"))
        peer = RoutingPeer("bgp", target, int(fields["line"]))
        peer.remote_as = str(remote_as) if remote_as is not None else None
        peer.authenticated = "password" in fields or "password" in group
        model.routing_peers.append(peer)
    return builder.finish(tree.structural)
