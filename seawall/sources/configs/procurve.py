"""HP/Aruba ProCurve (ArubaOS-Switch) ``show running-config``. Best effort: version and platform
from the ``; J9145A Configuration Editor; Created on release #W.15.08.0012`` header, hostname,
manager/operator passwords, Telnet/web/SSH switches, authorized managers, SNMP, syslog, SNTP/NTP,
TACACS+/RADIUS, VLAN and port interfaces, static routes.
"""

from __future__ import annotations

import re

from seawall.records.config import (
    AaaMethod,
    AaaServer,
    AclEntry,
    DeviceConfig,
    LocalUser,
    LogHost,
    NtpServer,
    SnmpCommunity,
    SnmpHost,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, header_groups, mask_to_prefix
from seawall.sources.configs.pathcfg import (
    VendorReader,
    interface_address,
    standard_acl,
    to_int,
)
from seawall.sources.configs.tree import Node, indent_tree, tokens

KNOWN = frozenset(
    {
        "hostname", "module", "vlan", "interface", "ip", "ipv6", "sntp", "timesync", "ntp",
        "snmp-server", "logging", "password", "aaa", "tacacs-server", "radius-server", "no",
        "spanning-tree", "trunk", "console", "time", "crypto", "web-management",
        "telnet-server", "rest-interface", "lldp", "cdp", "include-credentials", "max-vlans",
        "fault-finder", "stack", "oobm", "dhcp-snooping", "loop-protect", "qos",
        "power-over-ethernet", "mirror-port", "monitor", "banner", "exit", "primary-vlan",
        "management-vlan", "router", "access-list", "class", "policy", "dhcp-relay", "igmp",
        "snmpv3", "ssh", "ip-authorized-managers", "manager", "operator", "timezone",
        "daylight-time-rule", "instrumentation", "filter", "lacp", "arp-protect", "mac-age-time",
        "gvrp", "allow-v2-modules", "activate", "password-recovery", "user", "tftp",
    }
)  # fmt: skip
_HEADER = re.compile(r"^; (\S+) Configuration Editor; Created on release #(\S+)", re.M)


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "HP", "ProCurve")
    model = builder.model
    model.platform, model.version = header_groups(_HEADER, text[:4096], 2)
    tree = indent_tree(text, comment_prefixes=(";",))
    reader = _Reader(builder)
    for node in tree.root.children:
        words = tokens(node.text)
        if words and words[0] in KNOWN:
            builder.understood(node)
            reader.read(node, words)
    return builder.finish(tree.structural)


class _Reader(VendorReader):
    def read(self, node: Node, w: list[str]) -> None:
        model, line = self.model, node.line
        negated = w[0] == "no"
        body = w[1:] if negated else w
        head = body[0] if body else ""
        if head == "hostname" and len(body) > 1:
            model.hostname = body[1]
        elif head == "password" and len(body) > 1 and not negated:
            self._password(body, line)
        elif head == "telnet-server":
            self.services.get("telnet", line).enabled = not negated
        elif head == "web-management":
            name = "https" if "ssl" in body else "http"
            self.services.get(name, line).enabled = not negated
        elif body[:2] == ["ip", "ssh"]:
            service = self.services.get("ssh", line)
            service.enabled = not negated if len(body) == 2 else service.enabled
            if "port" in body[:-1]:
                service.port = to_int(body[body.index("port") + 1])
        elif body[:2] == ["ip", "authorized-managers"] and len(body) > 2 and not negated:
            self._manager(body, line)
        elif body[:2] == ["ip", "route"] and len(body) > 4 and not negated:
            prefix = mask_to_prefix(body[2], body[3]) or body[2]
            model.static_routes.append(StaticRoute(prefix, line, next_hop=body[4]))
        elif body[:2] == ["ip", "default-gateway"] and len(body) > 2:
            model.static_routes.append(StaticRoute("0.0.0.0/0", line, next_hop=body[2]))
        elif head == "snmp-server" and not negated:
            self._snmp(body, line)
        elif head == "logging" and len(body) > 1 and body[1][:1].isdigit():
            model.logging.hosts.append(LogHost(body[1], line))
            model.logging.line = model.logging.line or line
        elif head in ("sntp", "ntp") and "server" in body and body[-1] != "server":
            address = body[-1] if body[-1][:1].isdigit() else body[body.index("server") + 1]
            model.ntp.servers.append(NtpServer(address, line))
        elif head in ("tacacs-server", "radius-server") and len(body) > 2 and body[1] == "host":
            server = AaaServer("tacacs" if head == "tacacs-server" else "radius", body[2], line)
            if "key" in body[:-1]:
                value = body[-1]
                server.key_type = "encrypted" if "encrypted-key" in body else "plain"
                server.key_fingerprint = fingerprint(value)
            model.aaa.servers.append(server)
        elif head == "aaa" and len(body) > 3 and body[1] == "authentication":
            model.aaa.methods.append(
                AaaMethod("authentication", body[2], "default", body[3:], line)
            )
        elif head in ("vlan", "interface") and len(body) > 1 and not negated:
            self._interface(node, head, body[1], line)

    def _password(self, w: list[str], line: int) -> None:
        role = w[1]
        if role not in ("manager", "operator"):
            return
        name = w[w.index("user-name") + 1] if "user-name" in w[:-1] else role
        user = LocalUser(name, line, role=role, is_admin=role == "manager")
        # ``password manager user-name U sha1 HASH`` / ``plaintext PASS``
        if "sha1" in w[:-1]:
            user.secret_type, value = "5", w[w.index("sha1") + 1]
            user.secret_fingerprint = fingerprint(value)
        elif "plaintext" in w[:-1]:
            user.secret_type, value = "plain", w[w.index("plaintext") + 1]
            user.secret_fingerprint = fingerprint(value)
        self.model.users.append(user)

    def _manager(self, w: list[str], line: int) -> None:
        acl = standard_acl(self.model, "authorized-managers", line, "mpp")
        mask = w[3] if len(w) > 3 and w[3][:1].isdigit() else "255.255.255.255"
        source = mask_to_prefix(w[2], mask) or w[2]
        acl.entries.append(AclEntry("permit", line, source=source, text=" ".join(w)))

    def _snmp(self, w: list[str], line: int) -> None:
        if len(w) > 2 and w[1] == "community":
            rw = "manager" in (x.lower() for x in w) and "restricted" not in (x.lower() for x in w)
            community = SnmpCommunity(fingerprint(w[2]), "rw" if rw else "ro", line)
            self.model.snmp.communities.append(community)
        elif len(w) > 2 and w[1] == "host":
            self.model.snmp.hosts.append(SnmpHost(w[2], line))

    def _interface(self, node: Node, kind: str, number: str, line: int) -> None:
        name = f"vlan {number}" if kind == "vlan" else number
        interface = self.interfaces.get(name, line)
        interface.kind = "vlan" if kind == "vlan" else "physical"
        for child in node.children:
            words = tokens(child.text)
            if words[:2] == ["ip", "address"] and len(words) > 2 and words[2][:1].isdigit():
                mask = words[3] if len(words) > 3 else None
                address = interface_address(words[2], mask)
                self.interfaces.add_address(name, child.line, address)
            elif words[:1] == ["name"] and len(words) > 1:
                interface.description = words[1]
            elif words == ["disable"]:
                interface.shutdown = True
