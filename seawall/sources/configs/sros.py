"""Nokia SR OS: MD-CLI (``configure { ... }``, braces without semicolons) and classic CLI
(indented blocks closed by ``exit``). Best effort: hostname, version, local users, AAA servers,
management services, syslog, NTP, SNMP communities, router interfaces, static routes and BGP
peers. Every statement under ``configure`` (and the ``persistent-indices`` block) is valid SR OS
and understood; anything else is not.
"""

from __future__ import annotations

import re

from seawall.records.config import (
    AaaServer,
    DeviceConfig,
    LogHost,
    NtpServer,
    RoutingPeer,
    SnmpCommunity,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, crypt_type, header_groups
from seawall.sources.configs.pathcfg import (
    Path,
    VendorReader,
    read_known,
    to_int,
    tree_paths,
    word,
)
from seawall.sources.configs.tree import brace_tree, indent_tree, split_lines

_TIMOS = re.compile(r"TiMOS-[A-Z]-(\S+)\s+\S+\s+(?:Nokia|ALCATEL)\s+(.+?)\s+Copyright", re.I)
_MD_CLI = re.compile(r"^\s*configure\s*\{", re.M)
_TOP = frozenset({"configure", "persistent-indices", "exit"})
_SERVICES = {
    "telnet-server": "telnet",
    "telnet6-server": "telnet",
    "ftp-server": "ftp",
}
_ACCESS = {"r": "ro", "read": "ro", "rw": "rw", "rwa": "rw", "read-write": "rw"}


def sros_secret_type(value: str) -> str:
    """SR OS hashes local passwords with bcrypt (``$2y$``) or PBKDF2 (``$pbkdf2-sha512$``):
    strong salted hashes, the same class as SHA-512 crypt."""
    if value.startswith(("$2y$", "$2a$", "$2b$", "$pbkdf2")):
        return "sha512"
    return crypt_type(value)


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "Nokia", "SR OS")
    model = builder.model
    model.version, model.platform = header_groups(_TIMOS, text[:4096], 2)
    if _MD_CLI.search(text):
        tree = brace_tree(text)
    else:
        # Classic CLI prints ``echo "System Configuration"`` banners at column 0 inside
        # ``configure``: read as comments so the indented blocks stay under ``configure``.
        lines = split_lines(text)
        echoes = [n for n, line in enumerate(lines) if line.startswith("echo ")]
        for number in echoes:
            lines[number] = "#"
        builder.understood(n + 1 for n in echoes)
        tree = indent_tree("\n".join(lines), comment_prefixes=("#",))
    statements, openers = tree_paths(builder, tree, _TOP)
    reader = _Reader(builder, openers)
    read_known(builder, statements, _TOP, reader.read)
    reader.finish()
    return builder.finish(tree.structural)


class _Reader(VendorReader):
    def __init__(self, builder: ModelBuilder, openers: dict[Path, int]) -> None:
        super().__init__(builder, openers, _interface_kind)
        self.servers: dict[tuple[str, str], AaaServer] = {}
        self.peers: dict[str, RoutingPeer] = {}
        self.group_as: dict[str, str] = {}
        self.peer_groups: dict[str, str] = {}
        self.prefix_lengths: dict[str, tuple[str, int]] = {}

    def read(self, w: Path, line: int) -> None:
        if word(w, 0) != "configure" or len(w) < 3:
            return
        t = w[1:]
        head = t[0]
        if head == "system":
            self._system(w, t[1:], line)
        elif head == "router":
            self._router(w, t[1:], line)
        elif head == "log" and "syslog" in t and "address" in t and t[-1] != "address":
            address = t[t.index("address") + 1]
            self.model.logging.hosts.append(LogHost(address, self.opener(w[:4], line)))
            self.model.logging.line = self.model.logging.line or line

    def _system(self, w: Path, t: Path, line: int) -> None:
        key = word(t, 0)
        if key == "name" and len(t) > 1:
            self.model.hostname = t[1]
        elif key == "security":
            self._security(w, t[1:], line)
        elif key == "time" and "ntp" in t and "server" in t:
            at = t.index("server")
            if at + 1 < len(t):
                address = t[at + 1]
                if address not in {s.address for s in self.model.ntp.servers}:
                    server = NtpServer(address, self.opener(w[: at + 3], line))
                    self.model.ntp.servers.append(server)
                for key_word in ("key-id", "key"):
                    if key_word in t[at:-1]:
                        self.model.ntp.servers[-1].key = to_int(t[t.index(key_word) + 1])
        elif key == "time" and "authentication-check" in t and t[-1] == "true":
            self.model.ntp.authenticate = True
        elif key == "grpc" and word(t, 1) == "admin-state":
            self.services.get("gnmi", line).enabled = word(t, 2) == "enable"
        elif key == "management-interface" and "netconf" in t and t[-2] == "admin-state":
            self.services.get("netconf", line).enabled = t[-1] == "enable"

    def _security(self, w: Path, t: Path, line: int) -> None:
        key = word(t, 0)
        if key in _SERVICES:
            # MD-CLI ``telnet-server true``; classic ``telnet-server`` alone enables it
            value = t[1] if len(t) > 1 else "true"
            self.services.get(_SERVICES[key], line).enabled = value in ("true", "enable")
        elif key == "ssh" and word(t, 1) == "server-admin-state" and len(t) > 2:
            self.services.get("ssh", line).enabled = t[2] == "enable"
        elif "user" in t and (key == "user" or key == "user-params"):
            at = t.index("user")
            if at + 1 < len(t):
                self._user(w, t[at + 1], t[at + 2 :], line)
        elif key == "snmp" and word(t, 1) == "community" and len(t) > 2:
            self._community(w, t[2], t[3:], line)
        elif "tacplus" in t or "radius" in t:
            protocol = "tacacs" if "tacplus" in t else "radius"
            if "server" in t and t[-1] != "server":
                at = t.index("server")
                self._aaa(protocol, t[at + 1], t[at + 2 :], line)

    def _user(self, w: Path, name: str, rest: Path, line: int) -> None:
        at = w.index(name) if name in w else len(w) - 1
        user = self.user(name, self.opener(w[: at + 1], line))
        key = word(rest, 0)
        if key == "password" and len(rest) > 1:
            user.secret_type = sros_secret_type(rest[1])
            user.secret_fingerprint = fingerprint(rest[1])
        elif key == "console" and word(rest, 1) == "member" and len(rest) > 2:
            user.role = user.role or rest[2]
            if "administrative" in rest[2:]:
                user.role, user.is_admin = "administrative", True
        elif "key-value" in rest:
            user.ssh_keys += 1

    def _community(self, w: Path, name: str, rest: Path, line: int) -> None:
        digest = fingerprint(name)
        community = next((c for c in self.model.snmp.communities if c.fingerprint == digest), None)
        if community is None:
            at = w.index("community") + 2 if "community" in w else len(w)
            community = SnmpCommunity(digest, "ro", self.opener(w[:at], line))
            self.model.snmp.communities.append(community)
        for value in rest:
            if value in _ACCESS:
                community.access = _ACCESS[value]
            elif value in ("v1", "v2c"):
                community.version = value.lstrip("v")

    def _aaa(self, protocol: str, name: str, rest: Path, line: int) -> None:
        server = self.servers.get((protocol, name))
        if server is None:
            server = self.servers[(protocol, name)] = AaaServer(protocol, "", line, name=name)
        # MD-CLI writes one attribute per line, classic several on one line
        for at in range(0, len(rest) - 1):
            key, value = rest[at], rest[at + 1]
            if key == "address":
                server.address = value
                if server not in self.model.aaa.servers:
                    self.model.aaa.servers.append(server)
            elif key == "secret":
                server.key_type = "encrypted" if "hash" in rest or "hash2" in rest else "plain"
                server.key_fingerprint = fingerprint(value)
            elif key == "port":
                server.port = to_int(value)

    def _router(self, w: Path, t: Path, line: int) -> None:
        # MD-CLI: router "Base" interface "X" ...; classic: router interface "X" ...
        if t and t[0] not in ("interface", "bgp", "static-routes", "static-route-entry"):
            t = t[1:]
        key = word(t, 0)
        if key == "interface" and len(t) > 2:
            self._interface(w, t[1], t[2:], line)
        elif key == "bgp" and "neighbor" in t and t[-1] != "neighbor":
            self._neighbor(w, t[t.index("neighbor") + 1 :], line)
        elif key == "bgp" and word(t, 1) == "group" and word(t, 3) == "peer-as" and len(t) > 4:
            self.group_as[t[2]] = t[4]
        elif key in ("static-routes", "static-route-entry") and len(t) > 2:
            self._route(t, line)

    def _interface(self, w: Path, name: str, rest: Path, line: int) -> None:
        at = len(w) - len(rest)
        interface = self.interfaces.get(name, self.opener(w[:at], line))
        key = word(rest, 0)
        if key == "loopback":
            interface.kind = "loopback"
        elif key == "description" and len(rest) > 1:
            interface.description = rest[1]
        elif key == "admin-state" and len(rest) > 1:
            interface.shutdown = rest[1] == "disable"
        elif key == "shutdown":
            interface.shutdown = True
        elif key == "address" and len(rest) > 1 and "/" in rest[1]:
            self.interfaces.add_address(name, line, rest[1])
        elif "address" in rest and rest[-1] != "address":
            self.prefix_lengths.setdefault(name, (rest[rest.index("address") + 1], line))
        if "prefix-length" in rest and rest[-1] != "prefix-length" and name in self.prefix_lengths:
            address, address_line = self.prefix_lengths.pop(name)
            length = rest[rest.index("prefix-length") + 1]
            self.interfaces.add_address(name, address_line, f"{address}/{length}")

    def _neighbor(self, w: Path, rest: Path, line: int) -> None:
        address = rest[0]
        peer = self.peers.get(address)
        if peer is None:
            at = len(w) - len(rest) + 1
            peer = self.peers[address] = RoutingPeer("bgp", address, self.opener(w[:at], line))
            self.model.routing_peers.append(peer)
        key, value = word(rest, 1), word(rest, 2)
        if key == "peer-as":
            peer.remote_as = value
        elif key == "group" and value is not None:
            self.peer_groups[address] = value
        elif key == "authentication-key":
            peer.authenticated = True

    def _route(self, t: Path, line: int) -> None:
        prefix = t[1] if t[0] == "static-route-entry" else (t[2] if t[1] == "route" else t[1])
        if "/" not in prefix:
            return
        hop = t[t.index("next-hop") + 1] if "next-hop" in t and t[-1] != "next-hop" else None
        existing = [r for r in self.model.static_routes if r.prefix == prefix]
        if existing and hop is not None and existing[-1].next_hop is None:
            existing[-1].next_hop = hop
        elif not existing or (hop is not None and hop not in {r.next_hop for r in existing}):
            self.model.static_routes.append(StaticRoute(prefix, line, next_hop=hop))

    def finish(self) -> None:
        for address, group in self.peer_groups.items():
            peer = self.peers[address]
            peer.remote_as = peer.remote_as or self.group_as.get(group)
        for name, (address, line) in self.prefix_lengths.items():
            self.interfaces.add_address(name, line, address)


def _interface_kind(name: str) -> str:
    if name == "system" or name.startswith(("loopback", "lo")):
        return "loopback"
    if name.startswith("management"):
        return "management"
    return "other"
