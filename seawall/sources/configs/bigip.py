"""F5 BIG-IP ``tmsh`` configurations (``bigip.conf``, ``bigip_base.conf``, ``list``).

Best effort: version (``#TMSH-VERSION``), hostname, ``auth user`` accounts and roles, SSH and
HTTPS (configuration utility) access lists and ports, self IPs and what management they allow
(``allow-service``), SNMP, remote syslog, NTP, TACACS+/RADIUS, routes. iRule bodies (TCL) and
multi-line quoted strings (``sys syslog include "..."``) are blanked before the brace tree is
built, so their braces cannot unbalance it; their lines are understood.
"""

from __future__ import annotations

import re

from seawall.records.config import (
    AaaServer,
    AclEntry,
    DeviceConfig,
    LogHost,
    NtpServer,
    SnmpCommunity,
    SnmpHost,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, crypt_type, header_groups
from seawall.sources.configs.pathcfg import (
    Path,
    VendorReader,
    cidr,
    read_known,
    standard_acl,
    to_int,
    tree_paths,
    word,
)
from seawall.sources.configs.tree import brace_tree, split_lines

KNOWN = frozenset(
    {
        "ltm", "sys", "net", "auth", "security", "gtm", "apm", "cm", "analytics", "asm", "pem",
        "ilx", "wom", "cli", "vcmp", "afm", "fw", "ipother", "lsn", "ifile", "wam", "pfman",
    }
)  # fmt: skip
_VERSION = re.compile(r"^#TMSH-VERSION:\s*(\S+)", re.M)
_CODE_BLOCKS = re.compile(r"^\s*(ltm|gtm|pem|apm)\s+(rule|irule)\s+\S+\s*\{\s*$")
# Self IP ``allow-service`` -> the management services it opens (``default`` includes both).
_ALLOW = {
    "all": ("ssh", "https"),
    "default": ("ssh", "https"),
    "tcp:22": ("ssh",),
    "tcp:443": ("https",),
    "tcp:80": ("http",),
    "tcp:ssh": ("ssh",),
    "tcp:https": ("https",),
}


def mask_code(text: str) -> tuple[str, set[int]]:
    """The text with iRule bodies and the inner lines of multi-line quoted strings blanked
    (line numbers kept), and the numbers of the blanked lines."""
    lines = split_lines(text)
    blanked: set[int] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        if _CODE_BLOCKS.match(line):
            depth = line.count("{") - line.count("}")
            end = index + 1
            while end < len(lines) and depth > 0:
                depth += lines[end].count("{") - lines[end].count("}")
                if depth > 0:
                    blanked.add(end + 1)
                    lines[end] = ""
                end += 1
            index = end
            continue
        if _unbalanced_quote(line):
            start = index
            lines[index] = line[: _quote_positions(line)[-1]] + '""'
            end = index + 1
            while end < len(lines) and not _unbalanced_quote(lines[end]):
                blanked.add(end + 1)
                lines[end] = ""
                end += 1
            if end < len(lines):
                blanked.add(end + 1)
                lines[end] = lines[end][_closing_quote(lines[end]) + 1 :]
            index = max(end + 1, start + 1)
            continue
        index += 1
    return "\n".join(lines), blanked


def _quote_positions(line: str) -> list[int]:
    """Positions of the unescaped double quotes of a line."""
    positions, escaped = [], False
    for at, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            positions.append(at)
    return positions


def _unbalanced_quote(line: str) -> bool:
    return len(_quote_positions(line)) % 2 == 1


def _closing_quote(line: str) -> int:
    positions = _quote_positions(line)
    return positions[0] if positions else len(line)


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "F5", "BIG-IP")
    model = builder.model
    model.version = header_groups(_VERSION, text)[0]
    masked, blanked = mask_code(text)
    builder.understood(blanked)
    tree = brace_tree(masked)
    statements, openers = tree_paths(builder, tree, KNOWN)
    reader = _Reader(builder, openers)
    read_known(builder, statements, KNOWN, reader.read)
    reader.finish()
    return builder.finish(tree.structural)


class _Reader(VendorReader):
    def __init__(self, builder: ModelBuilder, openers: dict[Path, int]) -> None:
        super().__init__(builder, openers)
        self.communities: dict[str, tuple[int, dict[str, str]]] = {}
        self.syslog: dict[str, LogHost] = {}
        self.routes: dict[str, dict[str, str]] = {}
        self.route_lines: dict[str, int] = {}

    def read(self, w: Path, line: int) -> None:
        head = w[:2]
        if head == ("sys", "global-settings") and word(w, 2) == "hostname" and len(w) > 3:
            self.model.hostname = w[3]
        elif head == ("auth", "user") and len(w) > 3:
            self._user(w, line)
        elif head in (("sys", "sshd"), ("sys", "httpd")):
            self._access(w, line)
        elif head == ("sys", "snmp") and len(w) > 3:
            self._snmp(w, line)
        elif head == ("sys", "syslog") and word(w, 2) == "remote-servers" and len(w) > 5:
            self._syslog(w, line)
        elif head == ("sys", "ntp") and word(w, 2) == "servers" and len(w) > 3:
            for address in w[3:]:
                self.model.ntp.servers.append(NtpServer(address, line))
        elif head == ("sys", "management-ip") and len(w) > 2:
            interface = self.interfaces.get("mgmt", line)
            interface.kind = "management"
            self.interfaces.add_address("mgmt", line, w[2])
        elif head == ("net", "self") and len(w) > 4:
            self._self_ip(w, line)
        elif head in (("net", "route"), ("sys", "management-route")) and len(w) > 4:
            fields = self.routes.setdefault(w[2], {})
            fields[w[3]] = w[4]
            self.route_lines.setdefault(w[2], self.opener(w[:3], line))
        elif head in (("auth", "tacacs"), ("auth", "radius-server")) and len(w) > 4:
            self._aaa(w, line)

    def _user(self, w: Path, line: int) -> None:
        user = self.user(w[2], self.opener(w[:3], line))
        key = w[3]
        if key == "encrypted-password" and len(w) > 4:
            user.secret_type = crypt_type(w[4])
            user.secret_fingerprint = fingerprint(w[4])
        elif "role" in w[3:-1]:
            role = w[w.index("role") + 1]
            user.role = role
            user.is_admin = user.is_admin or role == "admin"
        elif key == "shell" and len(w) > 4 and w[4] == "bash":
            user.role = user.role or "bash"

    def _access(self, w: Path, line: int) -> None:
        name = "ssh" if w[1] == "sshd" else "https"
        service = self.services.get(name, self.opener(w[:2], line))
        key = word(w, 2)
        if key in ("port", "ssl-port") and len(w) > 3:
            service.port = to_int(w[3])
        elif key == "allow" and len(w) > 3:
            acl_name = f"{w[1]} allow"
            acl = standard_acl(self.model, acl_name, self.opener(w[:3], line), name)
            service.acl = acl_name
            for address in w[3:]:
                source = "any" if address.upper() == "ALL" else cidr(address)
                acl.entries.append(AclEntry("permit", line, source=source, text=address))

    def _snmp(self, w: Path, line: int) -> None:
        part = w[2]
        if part == "communities" and len(w) > 5:
            _, fields = self.communities.setdefault(w[3], (self.opener(w[:4], line), {}))
            fields[w[4]] = w[5]
        elif part == "allowed-addresses":
            acl = standard_acl(self.model, "snmp allowed-addresses", line, "snmp")
            for address in w[3:]:
                acl.entries.append(AclEntry("permit", line, source=cidr(address), text=address))
        elif part == "traps" and word(w, 4) == "host" and len(w) > 5:
            self.model.snmp.hosts.append(SnmpHost(w[5], line))

    def _syslog(self, w: Path, line: int) -> None:
        name = w[3]
        host = self.syslog.get(name)
        if w[4] == "host":
            if host is None:
                host = self.syslog[name] = LogHost(w[5], self.opener(w[:4], line))
                self.model.logging.hosts.append(host)
                self.model.logging.line = self.model.logging.line or host.line
            host.address = w[5]
        elif w[4] == "remote-port" and host is not None:
            host.port = to_int(w[5])

    def _self_ip(self, w: Path, line: int) -> None:
        name = w[2]
        interface = self.interfaces.get(name, self.opener(w[:3], line))
        if w[3] == "address":
            interface.kind = "vlan"
            self.interfaces.add_address(name, line, w[4].split("%")[0])
        elif w[3] == "vlan":
            interface.description = interface.description or f"vlan {w[4]}"
        elif w[3] == "allow-service":
            for value in w[4:]:
                for service_name in _ALLOW.get(value, ()):
                    service = self.services.get(service_name, line, interface=name)
                    service.options["allow-service"] = value

    def _aaa(self, w: Path, line: int) -> None:
        protocol = "tacacs" if w[1] == "tacacs" else "radius"
        key, values = w[3], w[4:]
        if key in ("servers", "server"):
            for address in values:
                server = AaaServer(protocol, address, line, name=w[2])
                self.model.aaa.servers.append(server)
        elif key == "secret" and values:
            for server in self.model.aaa.servers:
                if server.name == w[2]:
                    server.key_type = crypt_type(values[0])
                    if server.key_type == "unknown":
                        server.key_type = "encrypted"  # tmsh stores secrets encrypted
                    server.key_fingerprint = fingerprint(values[0])

    def finish(self) -> None:
        for community_line, fields in self.communities.values():
            value = fields.get("community-name")
            if value is not None:
                access = "rw" if fields.get("access") == "rw" else "ro"
                community = SnmpCommunity(fingerprint(value), access, community_line)
                self.model.snmp.communities.append(community)
        for name, fields in self.routes.items():
            network = fields.get("network", "default")
            prefix = "0.0.0.0/0" if network in ("default", "default-inet") else network
            hop = fields.get("gw") or fields.get("gateway")
            self.model.static_routes.append(StaticRoute(prefix, self.route_lines[name], hop))
