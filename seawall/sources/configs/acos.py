"""A10 Networks ACOS (Thunder/AX) ``show running-config``. Best effort: version (from the
``Advanced Core OS (ACOS) version`` banner comment), hostname, admins, web/management services,
logging, SNMP, NTP, TACACS+/RADIUS, interfaces and static routes. Top-level statements of known
ACOS commands are understood with their block.
"""

from __future__ import annotations

import re

from seawall.records.config import (
    AaaMethod,
    AaaServer,
    DeviceConfig,
    LocalUser,
    LogHost,
    NtpServer,
    SnmpCommunity,
    SnmpHost,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, crypt_type, header_groups
from seawall.sources.configs.pathcfg import (
    VendorReader,
    interface_address,
    to_int,
)
from seawall.sources.configs.tree import Node, indent_tree

KNOWN = frozenset(
    {
        "visibility", "vcs", "admin-lockout", "audit", "authentication", "fail-safe", "monitor",
        "system", "terminal", "tftp", "techreport", "ip", "ipv6", "vrrp-a", "lacp",
        "mac-age-time", "arp-timeout", "spanning-tree", "hostname", "timezone", "web-service",
        "interface", "aam", "slb", "health", "cgnv6", "logging", "gslb", "sflow", "netflow",
        "rba", "cloud-services", "end", "admin", "enable-management", "disable-management",
        "snmp-server", "ntp", "tacacs-server", "radius-server", "vlan", "access-list",
        "enable-password", "multi-config", "banner", "clock", "bfd", "router", "trunk",
        "glm", "partition", "active-partition", "import-periodic", "ddos", "waf", "fw",
        "object-group", "class-list", "smtp", "debug", "license-manager", "vrrp", "network",
        "web-category", "key", "bpdu-fwd-group", "overlay-tunnel", "overlay-mgmt-info",
        "acos-cloud-init", "sys-ut", "delete", "harmony-controller", "scaleout", "no",
    }
)  # fmt: skip
_VERSION = re.compile(r"Advanced Core OS \(ACOS\) version (\S+?),")
_INTERFACE_KINDS = {
    "management": "management",
    "ethernet": "physical",
    "ve": "vlan",
    "loopback": "loopback",
    "trunk": "port-channel",
    "tunnel": "tunnel",
    "lif": "other",
}
_MANAGEMENT_SERVICES = frozenset({"ssh", "telnet", "http", "https", "snmp"})


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "A10 Networks", "ACOS")
    model = builder.model
    model.version = header_groups(_VERSION, text[:4096])[0]
    tree = indent_tree(text, comment_prefixes=("!",))
    reader = _Reader(builder)
    for node in tree.root.children:
        words = node.words
        if words and words[0] in KNOWN:
            builder.understood(node)
            reader.read(node, words)
    return builder.finish(tree.structural)


class _Reader(VendorReader):
    def read(self, node: Node, w: list[str]) -> None:
        model, head = self.model, w[0]
        line = node.line
        if head == "hostname" and len(w) > 1:
            model.hostname = w[1]
        elif head == "admin" and len(w) > 1:
            self._admin(node, w)
        elif head == "web-service" and len(w) > 2:
            name = {"port": "http", "secure-port": "https"}.get(w[1])
            if name is not None:
                self.services.get(name, line).port = to_int(w[2])
            elif w[1] in ("server", "secure-server") and w[2] == "disable":
                name = "http" if w[1] == "server" else "https"
                self.services.get(name, line).enabled = False
        elif head in ("enable-management", "disable-management") and len(w) > 2:
            self._management(node, w, enabled=head == "enable-management")
        elif head == "logging" and len(w) > 2 and w[1] == "host":
            host = LogHost(w[2], line)
            if "port" in w[:-1]:
                host.port = to_int(w[w.index("port") + 1])
            model.logging.hosts.append(host)
            model.logging.line = model.logging.line or line
        elif head == "logging" and len(w) > 2 and w[1] == "syslog":
            model.logging.line = model.logging.line or line
        elif head == "snmp-server":
            self._snmp(node, w)
        elif head == "ntp" and len(w) > 2 and w[1] == "server":
            model.ntp.servers.append(NtpServer(w[2], line))
        elif head in ("tacacs-server", "radius-server") and len(w) > 2 and w[1] == "host":
            server = AaaServer("tacacs" if head == "tacacs-server" else "radius", w[2], line)
            for key in ("secret", "secret-encrypted"):
                if key in w[:-1]:
                    server.key_type = "encrypted" if key == "secret-encrypted" else "plain"
                    server.key_fingerprint = fingerprint(w[w.index(key) + 1])
            if "port" in w[:-1]:
                server.port = to_int(w[w.index("port") + 1])
            model.aaa.servers.append(server)
        elif head == "authentication" and len(w) > 2 and w[1] == "type":
            model.aaa.methods.append(AaaMethod("authentication", "login", "default", w[2:], line))
        elif head == "interface" and len(w) > 1:
            self._interface(node, w)
        elif head == "ip" and len(w) > 3 and w[1] == "route":
            self._route(w, line)

    def _admin(self, node: Node, w: list[str]) -> None:
        user = LocalUser(w[1], node.line)
        self.users[w[1]] = user
        self.model.users.append(user)
        for words in [w[2:], *(child.words for child in node.children)]:
            if words[:1] == ["password"] and len(words) > 1:
                encrypted = words[1] == "encrypted" and len(words) > 2
                value = words[2] if encrypted else words[1]
                user.secret_type = "encrypted" if encrypted else crypt_type(value)
                if user.secret_type == "unknown":
                    user.secret_type = "plain"
                user.secret_fingerprint = fingerprint(value)
            elif words[:1] == ["privilege"] and len(words) > 1:
                user.role = " ".join(words[1:])
                # ``privilege write`` is a full read-write admin; partition roles are not
                user.is_admin = "write" in words and not any("partition" in x for x in words)

    def _management(self, node: Node, w: list[str], *, enabled: bool) -> None:
        name = w[2] if w[1] == "service" else w[1]
        if name not in _MANAGEMENT_SERVICES:
            return
        targets = [child for child in node.children if child.words[:1] != ["acl-v4"]]
        if not targets:
            self.services.get(name, node.line, enabled=enabled).enabled = enabled
        for child in targets:
            interface = " ".join(child.words)
            service = self.services.get(name, child.line, interface=interface)
            service.enabled = enabled
        for child in node.children:
            if child.words[:1] == ["acl-v4"] and len(child.words) > 1:
                for service in self.model.service(name):
                    service.acl = child.words[1]

    def _snmp(self, node: Node, w: list[str]) -> None:
        model = self.model
        if w[1:3] == ["enable", "service"]:
            self.services.get("snmp", node.line).enabled = True
        elif w[1:2] == ["community"] and len(w) > 3:
            access = "rw" if w[2] == "write" else "ro"
            model.snmp.communities.append(SnmpCommunity(fingerprint(w[3]), access, node.line))
        elif w[1:2] == ["SNMPv1-v2c"]:
            for child in node.children:
                if child.words[:1] == ["community"] and len(child.words) > 2:
                    access = "rw" if child.words[1] == "write" else "ro"
                    community = SnmpCommunity(fingerprint(child.words[-1]), access, child.line)
                    model.snmp.communities.append(community)
        elif w[1:2] == ["host"] and len(w) > 2:
            model.snmp.hosts.append(SnmpHost(w[2], node.line))

    def _interface(self, node: Node, w: list[str]) -> None:
        name = " ".join(w[1:])
        interface = self.interfaces.get(name, node.line)
        interface.kind = _INTERFACE_KINDS.get(w[1], "other")
        for child in node.children:
            words = child.words
            if words[:2] == ["ip", "address"] and len(words) > 2:
                mask = words[3] if len(words) > 3 else None
                self.interfaces.add_address(name, child.line, interface_address(words[2], mask))
            elif words == ["disable"]:
                interface.shutdown = True
            elif words[:1] == ["name"] and len(words) > 1:
                interface.description = " ".join(words[1:])

    def _route(self, w: list[str], line: int) -> None:
        # ip route 10.1.10.0 /24 10.12.11.1 1 description internal
        prefix = f"{w[2]}{w[3]}" if w[3].startswith("/") else w[2]
        hop_at = 4 if w[3].startswith("/") else 3
        if hop_at < len(w):
            self.model.static_routes.append(StaticRoute(prefix, line, next_hop=w[hop_at]))
