"""Fortinet FortiOS configurations (``show full-configuration``, backups).

The ``config``/``edit``/``set``/``next``/``end`` tree becomes statements ``(path, verb,
arguments)``: ``config system admin`` / ``edit "admin"`` / ``set accprofile "super_admin"``
reads as path ``("system", "admin", "admin")``, verb ``set``, arguments ``("accprofile",
"super_admin")``. ``config vdom``/``config global`` wrappers are stripped.

Management access is per interface (``set allowaccess ping https ssh``) on ports set once in
``config system global`` (``admin-sport``, ``admin-ssh-port``...): each allowed protocol becomes
a ``Service`` on its interface carrying the global port.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from seawall.records.config import (
    AaaServer,
    Acl,
    AclEntry,
    AclUse,
    Automation,
    Capture,
    CryptoPeer,
    DeviceConfig,
    LogHost,
    NtpServer,
    RoutingPeer,
    Secret,
    SnmpCommunity,
    SnmpHost,
    SnmpUser,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, header_groups, mask_to_prefix
from seawall.sources.configs.pathcfg import (
    Path,
    VendorReader,
    cidr,
    interface_address,
    standard_acl,
    to_int,
    word,
)
from seawall.sources.configs.tree import Node, fortios_tree, tokens

# First word of a top-level ``config`` block FortiOS knows.
KNOWN_TABLES = frozenset(
    {
        "system", "firewall", "router", "vpn", "user", "log", "webfilter", "antivirus", "ips",
        "application", "dlp", "endpoint-control", "wireless-controller", "switch-controller",
        "report", "wanopt", "web-proxy", "voip", "dnsfilter", "spamfilter", "emailfilter",
        "icap", "alertemail", "certificate", "ftp-proxy", "authentication", "extender-controller",
        "extension-controller", "gui", "waf", "ssh-filter", "file-filter", "videofilter", "cifs",
        "sctp-filter", "casb", "virtual-patch", "ztna", "nsxt", "credential-store", "automation",
        "vdom", "global", "monitoring", "rule", "dpdk", "hardware", "sctp", "diameter-filter",
        "wireless", "switch", "ethernet-oam", "vpn.ssl", "aws", "azure", "ocvpn",
    }
)  # fmt: skip
VERBS = frozenset({"set", "unset", "append", "select", "unselect", "clear", "purge", "rename"})
_HEADER = re.compile(r"^#config-version=([^:]+?)-(\d+\.\d+\.\d+)-FW-build(\d+)", re.M)
_MGMT_ACCESS = {"ssh", "telnet", "http", "https", "snmp", "fgfm"}
_PORTS = {
    "admin-sport": "https",
    "admin-port": "http",
    "admin-ssh-port": "ssh",
    "admin-telnet-port": "telnet",
}
_INTERFACE_TYPES = {
    "physical": "physical",
    "tunnel": "tunnel",
    "loopback": "loopback",
    "vlan": "vlan",
    "aggregate": "port-channel",
    "redundant": "port-channel",
}


@dataclass(frozen=True, slots=True)
class Statement:
    path: Path  # table words and edit names, e.g. ("system", "admin", "admin")
    verb: str  # set | unset | append | ...
    args: Path
    line: int


def statements(
    text: str, builder: ModelBuilder
) -> tuple[list[Statement], dict[Path, int], set[int]]:
    """Statements of a FortiOS file, the line of each ``config``/``edit`` block by path, and
    the structural lines. ``config``/``edit`` lines are understood when their table is known.
    A top-level ``config`` written at column 0 inside an open block (an export cut without
    ``end``) starts a new top-level block."""
    tree = fortios_tree(text)
    raw = builder.raw
    indented = any(line[:1] in (" ", "\t") for line in raw[:2000] if line.strip())
    out: list[Statement] = []
    openers: dict[Path, int] = {}

    def visit(node: Node, path: Path) -> None:
        words = tuple(tokens(node.text))
        if not words:
            return
        verb = words[0]
        if verb == "config":
            line_text = raw[node.line - 1] if node.line <= len(raw) else ""
            if indented and path and line_text[:1] not in (" ", "\t"):
                path = ()
            here = _unwrap(path + words[1:])
            openers.setdefault(here, node.line)
            if here and here[0] in KNOWN_TABLES:
                builder.understood(node.line)
            for child in node.children:
                visit(child, path + words[1:])
        elif verb == "edit":
            here = path + words[1:2]
            openers.setdefault(_unwrap(here), node.line)
            if _unwrap(here)[:1] and _unwrap(here)[0] in KNOWN_TABLES:
                builder.understood(node.line)
            for child in node.children:
                visit(child, here)
        elif verb in VERBS:
            out.append(Statement(_unwrap(path), verb, words[1:], node.line))

    for child in tree.root.children:
        visit(child, ())
    return out, openers, tree.structural


def _unwrap(path: Path) -> Path:
    """Drop ``vdom NAME`` / ``global`` wrappers of multi-VDOM configurations."""
    while path:
        if path[0] == "vdom" and len(path) > 2:
            path = path[2:]
        elif path[0] == "global" and len(path) > 1:
            path = path[1:]
        else:
            break
    return path


@dataclass(slots=True)
class _Community:
    line: int
    name: str | None = None
    enabled: bool = True
    v2c: bool = True


@dataclass(slots=True)
class _Interface:
    line: int
    allowaccess: list[str] = field(default_factory=list)
    allowaccess_line: int = 0


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "Fortinet", "FortiOS")
    model = builder.model
    model.platform, model.version = header_groups(_HEADER, text[:4096], 2)
    found, openers, structural = statements(text, builder)
    reader = _Reader(builder, openers)
    for statement in found:
        if statement.path and statement.path[0] in KNOWN_TABLES:
            builder.understood(statement.line)
            reader.read(statement)
    reader.finish()
    return builder.finish(structural)


class _Reader(VendorReader):
    def __init__(self, builder: ModelBuilder, openers: dict[Path, int]) -> None:
        super().__init__(builder, openers, _interface_kind)
        self.access: dict[str, _Interface] = {}
        self.ports: dict[str, tuple[int | None, int]] = {}
        self.ntp_settings: dict[str, tuple[str, int]] = {}  # ntpsync / type -> (value, line)
        self.routes: dict[str, dict[str, tuple[str, int]]] = {}
        self.phase1: dict[str, dict[str, tuple[str, int]]] = {}
        self.communities: dict[str, _Community] = {}
        self.community_hosts: dict[str, list[tuple[str, int]]] = {}
        self.servers: dict[tuple[str, str], AaaServer] = {}
        self.peers: dict[str, RoutingPeer] = {}

    def read(self, s: Statement) -> None:
        p, a = s.path, s.args
        key = word(a, 0)
        values = a[1:]
        if s.verb != "set" or key is None:
            if s.verb == "append" and key == "allowaccess" and len(p) == 3:
                self._allowaccess(p[2], values, s.line)
            return
        table = p[:2]
        if table == ("system", "global"):
            self._global(key, values, s.line)
        elif table == ("system", "admin") and len(p) >= 3:
            self._admin(p, key, values, s.line, api=False)
        elif table == ("system", "api-user") and len(p) >= 3:
            self._admin(p, key, values, s.line, api=True)
        elif table == ("system", "interface") and len(p) == 3:
            self._interface(p[2], key, values, s.line)
        elif table == ("system", "snmp") and len(p) >= 4:
            self._snmp(p, key, values, s.line)
        elif p[:3] == ("log", "syslogd", "setting") or (
            p[:1] == ("log",) and len(p) == 3 and p[1].startswith("syslogd") and p[2] == "setting"
        ):
            self._syslog(p[1], key, values, s.line)
        elif p[:3] == ("log", "fortianalyzer", "setting") and key == "server" and values:
            self._log_host(values[0], s.line, "fortianalyzer")
        elif table == ("system", "ntp"):
            self._ntp(p, key, values, s.line)
        elif (
            table in (("vpn", "ipsec"),) and len(p) >= 4 and p[2] in ("phase1-interface", "phase1")
        ):
            self.phase1.setdefault(p[3], {})[key] = (" ".join(values), s.line)
        elif table == ("router", "static") and len(p) == 3:
            self.routes.setdefault(p[2], {})[key] = (" ".join(values), s.line)
        elif table == ("router", "bgp") and len(p) == 4 and p[2] == "neighbor":
            self._bgp(p[3], key, values, s.line)
        elif table == ("system", "tacacs+") and len(p) == 3:
            self._aaa("tacacs", p[2], key, values, s.line)
        elif table in (("user", "radius"), ("user", "ldap")) and len(p) == 3:
            self._aaa(p[1], p[2], key, values, s.line)
        elif table == ("system", "automation-action") and len(p) == 3 and key == "script":
            self.model.automation.append(
                Automation("automation-stitch", p[2], s.line, actions=[" ".join(values)])
            )
        elif table == ("firewall", "sniffer") and len(p) == 3 and key == "interface" and values:
            self.model.captures.append(Capture("monitor-capture", p[2], s.line, source=values[0]))

    # --- system global and admins --------------------------------------------------------

    def _global(self, key: str, values: Path, line: int) -> None:
        flags = self.model.flags
        value = word(values, 0)
        if key == "hostname" and value is not None:
            self.model.hostname = value
        elif key in _PORTS:
            self.ports[_PORTS[key]] = (to_int(value), line)
        elif key == "admin-telnet" and value is not None:
            service = self.services.get("telnet", line, tag="global")
            service.enabled = value == "enable"
        elif key == "admin-ssh-v1":
            flags["ssh_version"] = "1.99" if value == "enable" else "2"
        elif key == "pre-login-banner":
            flags["login_banner"] = value == "enable"

    def _admin(self, p: Path, key: str, values: Path, line: int, *, api: bool) -> None:
        name = p[2]
        user = self.user(name, self.opener(p[:3], line))
        value = word(values, 0)
        if len(p) == 3:
            if key == "accprofile" and value is not None:
                user.role = value
                user.is_admin = value == "super_admin"
            elif key in ("password", "api-key") and value is not None:
                encrypted = value == "ENC" and len(values) > 1
                user.secret_type = "encrypted" if encrypted else "plain"
                user.secret_fingerprint = fingerprint(values[-1])
            elif key.startswith("ssh-public-key") and value is not None:
                user.ssh_keys += 1
            elif key.startswith(("trusthost", "ip6-trusthost")) and values:
                self._trusthost(name, " ".join(values), line)
        elif len(p) == 5 and p[3] == "trusthost" and key.endswith("trusthost") and values:
            self._trusthost(name, " ".join(values), line)

    def _trusthost(self, user: str, value: str, line: int) -> None:
        """Trusted hosts restrict where an administrator may log in from: an ACL per admin."""
        address, _, mask = value.partition(" ")
        prefix = cidr(mask_to_prefix(address, mask) or address) if mask else cidr(address)
        acl = standard_acl(self.model, f"trusthost {user}", line, "mpp", owner=user)
        acl.entries.append(AclEntry("permit", line, source=prefix, text=f"trusthost {value}"))

    # --- interfaces and management access ------------------------------------------------

    def _interface(self, name: str, key: str, values: Path, line: int) -> None:
        interface = self.interfaces.get(name, self.opener(("system", "interface", name), line))
        value = word(values, 0)
        if key == "ip" and value is not None:
            address = interface_address(value, word(values, 1))
            if not address.startswith("0.0.0.0"):
                self.interfaces.add_address(name, line, address)
        elif key == "ip6-address" and value is not None and not value.startswith("::/"):
            self.interfaces.add_address(name, line, value)
        elif key == "allowaccess":
            self._allowaccess(name, values, line, replace=True)
        elif key == "type" and value in _INTERFACE_TYPES:
            interface.kind = _INTERFACE_TYPES[value]
        elif key == "description" and value is not None:
            interface.description = value
        elif key == "status":
            interface.shutdown = value == "down"
        elif key == "remote-ip" and value is not None:
            interface.tunnel_destination = value
        elif key == "vrf" and value is not None:
            interface.vrf = value

    def _allowaccess(self, name: str, values: Path, line: int, *, replace: bool = False) -> None:
        state = self.access.get(name)
        if state is None:
            state = self.access[name] = _Interface(line)
        if replace:
            state.allowaccess = []
        state.allowaccess.extend(v for v in values if v not in state.allowaccess)
        state.allowaccess_line = line

    # --- SNMP, logging, NTP --------------------------------------------------------------

    def _snmp(self, p: Path, key: str, values: Path, line: int) -> None:
        value = word(values, 0)
        if p[2] == "community":
            community = self.communities.get(p[3])
            if community is None:
                opener = self.opener(p[:4], line)
                community = self.communities[p[3]] = _Community(opener)
            if len(p) == 4:
                if key == "name":
                    community.name = value
                elif key == "status":
                    community.enabled = value != "disable"
                elif key == "query-v2c-status":
                    community.v2c = value != "disable"
            elif len(p) == 6 and p[4] == "hosts" and key == "ip" and value is not None:
                mask = word(values, 1)
                prefix = mask_to_prefix(value, mask) if mask else None
                hosts = self.community_hosts.setdefault(p[3], [])
                hosts.append((cidr(prefix or value), line))
        elif p[2] == "user" and len(p) == 4:
            user = next((u for u in self.model.snmp.users if u.name == p[3]), None)
            if user is None:
                user = SnmpUser(p[3], line)
                self.model.snmp.users.append(user)
            if key == "auth-proto":
                user.auth = value
            elif key == "priv-proto":
                user.priv = value
            elif key == "notify-hosts":
                self.model.snmp.hosts.extend(SnmpHost(v, line, version="3") for v in values)
            elif key == "security-level" and value is not None:
                level = {"auth-priv": "priv", "auth-no-priv": "auth", "no-auth-no-priv": "noauth"}
                self.model.snmp.groups[p[3]] = level.get(value, value)

    def _syslog(self, table: str, key: str, values: Path, line: int) -> None:
        value = word(values, 0)
        if key == "server" and value is not None:
            self._log_host(value, line, None)
        elif key == "port" and self.model.logging.hosts:
            self.model.logging.hosts[-1].port = to_int(value)
        elif key == "mode" and self.model.logging.hosts and value is not None:
            self.model.logging.hosts[-1].transport = value
        elif key == "status" and value == "disable" and table == "syslogd":
            self.model.logging.line = self.model.logging.line or line
        elif key == "source-ip" and value is not None:
            self.model.aaa.source_interfaces["logging"] = value

    def _log_host(self, address: str, line: int, transport: str | None) -> LogHost:
        host = LogHost(address, line, transport=transport)
        self.model.logging.hosts.append(host)
        if self.model.logging.line is None:
            self.model.logging.line = line
        return host

    def _ntp(self, p: Path, key: str, values: Path, line: int) -> None:
        value = word(values, 0)
        ntp = self.model.ntp
        if len(p) == 4 and p[2] == "ntpserver":
            if key == "server" and value is not None:
                ntp.servers.append(NtpServer(value, line))
            elif key == "key-id" and ntp.servers:
                ntp.servers[-1].key = to_int(value)
            elif key == "authentication" and value == "enable":
                ntp.authenticate = True
        elif len(p) == 2 and key in ("ntpsync", "type") and value is not None:
            self.ntp_settings[key] = (value, line)
        elif len(p) == 2 and key == "authentication":
            ntp.authenticate = value == "enable"
        elif len(p) == 2 and key == "source-ip" and value is not None:
            self.model.aaa.source_interfaces["ntp"] = value

    # --- routing, VPN, AAA ---------------------------------------------------------------

    def _bgp(self, address: str, key: str, values: Path, line: int) -> None:
        peer = self.peers.get(address)
        if peer is None:
            opener = self.opener(("router", "bgp", "neighbor", address), line)
            peer = self.peers[address] = RoutingPeer("bgp", address, opener)
            self.model.routing_peers.append(peer)
        if key == "remote-as":
            peer.remote_as = word(values, 0)
        elif key == "password":
            peer.authenticated = True
            kind = "encrypted" if word(values, 0) == "ENC" else "plain"
            self.model.secrets.append(Secret("bgp-password", kind, line, owner=address))

    def _aaa(self, protocol: str, name: str, key: str, values: Path, line: int) -> None:
        value = word(values, 0)
        if key in ("server", "secondary-server", "tertiary-server") and value is not None:
            server = AaaServer(protocol, value, line, name=name)
            self.servers[(name, value)] = server
            self.model.aaa.servers.append(server)
        elif key in ("key", "secret", "secondary-secret", "tertiary-secret", "password"):
            encrypted = value == "ENC"
            for (server_name, _), server in self.servers.items():
                if server_name == name and server.key_type is None:
                    server.key_type = "encrypted" if encrypted else "plain"
                    server.key_fingerprint = fingerprint(values[-1]) if values else None
        elif key == "port" and value is not None:
            for (server_name, _), server in self.servers.items():
                if server_name == name:
                    server.port = to_int(value)

    def _finish_ntp(self) -> None:
        """``ntpsync enable`` with ``type fortiguard`` (the default type) syncs with
        FortiGuard's servers, which the configuration does not list: one server,
        ``fortiguard``, at the ``ntpsync`` statement. ``ntpsync disable`` syncs with nothing."""
        sync = self.ntp_settings.get("ntpsync")
        if sync is None:
            return
        if sync[0] != "enable":
            self.model.ntp.servers.clear()
        elif self.ntp_settings.get("type", ("fortiguard", 0))[0] == "fortiguard":
            self.model.ntp.servers[:] = [NtpServer("fortiguard", sync[1])]

    def finish(self) -> None:
        model = self.model
        self._finish_ntp()
        for name, state in self.access.items():
            for protocol in state.allowaccess:
                if protocol not in _MGMT_ACCESS:
                    continue
                service = self.services.get(protocol, state.allowaccess_line, interface=name)
                service.port = self.ports.get(protocol, (None, 0))[0]
        offered = {s.name for s in model.services if s.interface is not None}
        for protocol, (port, line) in self.ports.items():
            service = self.services.get(protocol, line, tag="global")
            service.port, service.enabled = port, protocol in offered
            service.options["scope"] = "global"
        for name, fields in self.phase1.items():
            if "remote-gw" not in fields:
                continue
            address, line = fields["remote-gw"]
            model.crypto_peers.append(CryptoPeer(address, "gateway", line, name))
            opener = self.opener(("vpn", "ipsec", "phase1-interface", name), line)
            interface = self.interfaces.get(name, opener)
            interface.kind, interface.tunnel_mode = "tunnel", "ipsec"
            interface.tunnel_destination = address
            if "interface" in fields:
                interface.tunnel_source = fields["interface"][0]
            if "psksecret" in fields:
                value, psk_line = fields["psksecret"]
                kind = "encrypted" if value.startswith("ENC ") else "plain"
                model.secrets.append(Secret("isakmp-key", kind, psk_line, owner=name))
        for entry, fields in self.routes.items():
            line = self.opener(("router", "static", entry), min(n for _, n in fields.values()))
            dst = fields.get("dst", ("0.0.0.0 0.0.0.0", line))[0].split()
            prefix = mask_to_prefix(dst[0], dst[1]) if len(dst) == 2 else (dst[0] if dst else "")
            model.static_routes.append(
                StaticRoute(
                    prefix or "0.0.0.0/0",
                    line,
                    next_hop=fields.get("gateway", (None, 0))[0],
                    interface=fields.get("device", (None, 0))[0],
                )
            )
        for name, community in self.communities.items():
            if not community.enabled or community.name is None:
                continue
            digest = fingerprint(community.name)
            hosts = self.community_hosts.get(name, [])
            acl_name = None
            if hosts:
                acl_name = f"snmp-community-{digest}"
                acl = model.acls[acl_name] = Acl(acl_name, hosts[0][1], kind="standard")
                acl.entries.extend(AclEntry("permit", n, source=h, text=h) for h, n in hosts)
                model.acl_uses.append(AclUse(acl_name, "snmp", hosts[0][1], owner=digest))
            version = "2c" if community.v2c else "1"
            model.snmp.communities.append(
                SnmpCommunity(digest, "ro", community.line, acl_name, version=version)
            )


def _interface_kind(name: str) -> str:
    """Kind by the names FortiGates give their ports; ``set type`` overrides it."""
    if name.startswith(("mgmt", "ha")):
        return "management"
    if name.startswith(("port", "wan", "lan", "internal", "dmz")):
        return "physical"
    if name.startswith("loop"):
        return "loopback"
    return "other"
