"""HPE/H3C Comware (V5/V7) ``display current-configuration``. Best effort: version, sysname,
local users, SSH/Telnet/HTTP switches, user-interface (VTY) lines, SNMP, info-center log hosts,
NTP, HWTACACS/RADIUS schemes, interfaces and static routes.

Comware separates blocks with ``#`` lines and indents top-level statements by one space, so the
generic indentation tree would nest them under the previous block: here a statement at column 0
opens a block, indented statements belong to the open block, and ``#`` closes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from seawall.records.config import (
    AaaServer,
    DeviceConfig,
    Line,
    LocalUser,
    LogHost,
    NtpServer,
    SnmpCommunity,
    SnmpHost,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, crypt_type, mask_to_prefix
from seawall.sources.configs.pathcfg import (
    VendorReader,
    interface_address,
)
from seawall.sources.configs.tree import split_lines

KNOWN = frozenset(
    {
        "version", "sysname", "clock", "domain", "ip", "ipv6", "web", "password-recovery",
        "vlan", "radius", "hwtacacs", "user-group", "local-user", "stp", "interface",
        "snmp-agent", "ntp-service", "ssh", "telnet", "user-interface", "line", "return",
        "undo", "info-center", "acl", "lldp", "dhcp", "dns", "arp", "mac-address", "qos",
        "traffic", "link-aggregation", "port-security", "public-key", "super", "header",
        "ftp", "tftp", "sftp", "nqa", "irf", "irf-port", "ospf", "bgp", "rip", "isis",
        "route-policy", "voice", "igmp-snooping", "mirroring-group", "cluster", "ndp", "ntdp",
        "lacp", "system-working-mode", "password-control", "role", "scheduler", "stack",
        "management", "http", "https", "security-zone", "zone-pair", "object-group",
        "nat", "ike", "ipsec", "pki", "loopback-detection", "dot1x", "mac-authentication",
        "port-group", "vlan-interface", "track", "vrrp", "multicast", "sflow", "netstream",
        "netconf", "restful", "gRPC", "grpc", "copyright-info", "quit",
    }
)  # fmt: skip
_VERSION = re.compile(r"^\s*version\s+(.+?)\s*$")
_INTERFACE_KINDS = (
    ("LoopBack", "loopback"),
    ("Tunnel", "tunnel"),
    ("Vlan-interface", "vlan"),
    ("Bridge-Aggregation", "port-channel"),
    ("Route-Aggregation", "port-channel"),
    ("M-GigabitEthernet", "management"),
    ("M-Ethernet", "management"),
    ("GigabitEthernet", "physical"),
    ("Ten-GigabitEthernet", "physical"),
    ("Ethernet", "physical"),
    ("FortyGigE", "physical"),
    ("HundredGigE", "physical"),
)
_PASSWORD_TYPES = {"cipher": "encrypted", "simple": "plain"}


@dataclass(slots=True)
class Block:
    words: list[str]
    line: int
    text: str
    children: list[tuple[list[str], int]] = field(default_factory=list)


def blocks(text: str) -> tuple[list[Block], set[int]]:
    """Top-level statements with their indented children, and the structural lines."""
    out: list[Block] = []
    structural: set[int] = set()
    current: Block | None = None
    for number, raw in enumerate(split_lines(text), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or stripped in ("return", "quit"):
            structural.add(number)
            current = None
            continue
        words = stripped.split()
        if raw[:1] not in (" ", "\t"):
            current = Block(words, number, stripped)
            out.append(current)
        elif current is not None:
            current.children.append((words, number))
        else:
            out.append(Block(words, number, stripped))
    return out, structural


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "HPE", "Comware")
    found, structural = blocks(text)
    reader = _Reader(builder)
    for block in found:
        head = block.words[1] if block.words[0] == "undo" and len(block.words) > 1 else None
        if block.words[0] in KNOWN and (head is None or head in KNOWN or head == "info-center"):
            builder.understood(block.line, (n for _, n in block.children))
            reader.read(block)
    return builder.finish(structural)


class _Reader(VendorReader):
    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder, interface_kind=_interface_kind)
        self.schemes: dict[str, list[AaaServer]] = {}

    def read(self, block: Block) -> None:
        model, w, line = self.model, block.words, block.line
        negated = w[0] == "undo"
        body = w[1:] if negated else w
        head = body[0] if body else ""
        if head == "version" and not negated:
            match = _VERSION.match(block.text)
            model.version = match.group(1) if match else None
        elif head == "sysname" and len(body) > 1:
            model.hostname = " ".join(body[1:])
        elif head == "local-user" and len(body) > 1 and not negated:
            self._user(block, body[1])
        elif body[:3] == ["ssh", "server", "enable"]:
            self.services.get("ssh", line).enabled = not negated
        elif body[:3] == ["telnet", "server", "enable"]:
            self.services.get("telnet", line).enabled = not negated
        elif body[:2] in (["ip", "http"], ["ip", "https"]) and body[2:3] == ["enable"]:
            self.services.get(body[1], line).enabled = not negated
        elif head == "snmp-agent" and not negated:
            self._snmp(body, line)
        elif head == "ntp-service" and len(body) > 2 and not negated:
            if body[1] == "unicast-server":
                model.ntp.servers.append(NtpServer(body[2], line))
            elif body[1] == "source-interface":
                model.aaa.source_interfaces["ntp"] = body[2]
            elif body[1:3] == ["authentication", "enable"]:
                model.ntp.authenticate = True
        elif head == "info-center" and len(body) > 2 and body[1] == "loghost":
            if body[2] == "source" and len(body) > 3:
                model.logging.source_interface = body[3]
            elif not negated:
                model.logging.hosts.append(LogHost(body[2], line))
                model.logging.line = model.logging.line or line
        elif head == "info-center" and body[1:2] == ["enable"]:
            model.logging.disabled = negated
        elif head in ("user-interface", "line") and len(body) > 1 and not negated:
            self._line(block, body)
        elif head in ("hwtacacs", "radius") and body[1:2] == ["scheme"] and len(body) > 2:
            self._scheme("tacacs" if head == "hwtacacs" else "radius", block, body[2])
        elif head == "interface" and len(body) > 1 and not negated:
            self._interface(block, body[1])
        elif body[:2] == ["ip", "route-static"] and len(body) > 3 and not negated:
            # ip route-static 10.0.0.0 8|255.0.0.0 NEXT-HOP
            mask = body[3]
            prefix = mask_to_prefix(body[2], mask) if "." in mask else f"{body[2]}/{mask}"
            hop = body[4] if len(body) > 4 else None
            model.static_routes.append(StaticRoute(prefix or body[2], line, next_hop=hop))

    def _user(self, block: Block, name: str) -> None:
        user = LocalUser(name, block.line)
        self.model.users.append(user)
        for words, _ in block.children:
            if words[:1] == ["password"] and len(words) > 2:
                kind = words[1]
                if kind == "hash":
                    user.secret_type = crypt_type(words[2].replace("$h$", "$", 1))
                else:
                    user.secret_type = _PASSWORD_TYPES.get(kind, "unknown")
                user.secret_fingerprint = fingerprint(words[2])
            elif words[:2] == ["authorization-attribute", "level"] and len(words) > 2:
                user.privilege = int(words[2]) if words[2].isdigit() else None
                user.is_admin = user.is_admin or (user.privilege or 0) >= 3
            elif words[:2] == ["authorization-attribute", "user-role"] and len(words) > 2:
                user.role = words[2]
                user.is_admin = user.is_admin or words[2] in ("network-admin", "level-15")

    def _snmp(self, w: list[str], line: int) -> None:
        if w[1:2] == ["community"] and len(w) > 3:
            access = "rw" if w[2] == "write" else "ro"
            value = w[4] if w[3] in ("simple", "cipher") and len(w) > 4 else w[3]
            community = SnmpCommunity(fingerprint(value), access, line)
            if "acl" in w[:-1]:
                community.acl = w[w.index("acl") + 1]
            self.model.snmp.communities.append(community)
        elif w[1:2] == ["target-host"] and "address" in w[:-1]:
            at = w.index("address") + 1
            address = w[at + 1] if w[at] == "udp-domain" and at + 1 < len(w) else w[at]
            self.model.snmp.hosts.append(SnmpHost(address, line))

    def _line(self, block: Block, w: list[str]) -> None:
        kind = {"vty": "vty", "aux": "aux", "con": "console", "console": "console"}.get(w[1])
        if kind is None:
            return
        line = Line(" ".join(w[1:]), kind, block.line)
        for words, _ in block.children:
            if words[:2] == ["protocol", "inbound"] and len(words) > 2:
                line.transport_input = [x.lower() for x in words[2:]]
            elif words[:1] == ["authentication-mode"] and len(words) > 1:
                line.login = words[1]
            elif words[:1] == ["acl"] and "inbound" in words and len(words) > 1:
                line.access_class_in = words[1] if words[1] != "ipv6" else line.access_class_in
        self.model.lines.append(line)

    def _scheme(self, protocol: str, block: Block, name: str) -> None:
        servers = self.schemes.setdefault(name, [])
        for words, number in block.children:
            if words[:1] in (["primary"], ["secondary"]) and len(words) > 2:
                if words[1] in ("authentication", "authorization", "accounting"):
                    address = words[2]
                    if address not in {s.address for s in servers}:
                        server = AaaServer(protocol, address, number, group=name)
                        servers.append(server)
                        self.model.aaa.servers.append(server)
            elif words[:1] == ["key"] and len(words) > 2:
                value = words[-1]
                kind = "encrypted" if "cipher" in words else "plain"
                for server in servers:
                    server.key_type, server.key_fingerprint = kind, fingerprint(value)

    def _interface(self, block: Block, name: str) -> None:
        interface = self.interfaces.get(name, block.line)
        for words, number in block.children:
            if words[:2] == ["ip", "address"] and len(words) > 3 and words[2][:1].isdigit():
                self.interfaces.add_address(name, number, interface_address(words[2], words[3]))
            elif words[:1] == ["description"] and len(words) > 1:
                interface.description = " ".join(words[1:])
            elif words == ["shutdown"]:
                interface.shutdown = True
            elif words[:1] == ["source"] and len(words) > 1:
                interface.tunnel_source = words[1]
            elif words[:1] == ["destination"] and len(words) > 1:
                interface.tunnel_destination = words[1]
            elif words[:1] == ["tunnel-protocol"] and len(words) > 1:
                interface.tunnel_mode = " ".join(words[1:])


def _interface_kind(name: str) -> str:
    for prefix, kind in _INTERFACE_KINDS:
        if name.startswith(prefix):
            return kind
    return "other"
