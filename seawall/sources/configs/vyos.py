"""VyOS configurations: ``set`` commands (``show configuration commands``) and the brace style
of ``config.boot``. Both become path statements read by one interpreter. Best effort: version,
hostname, login users (every VyOS login user is an administrator unless ``level operator``),
SSH/HTTPS services, syslog, NTP, SNMP, interfaces and tunnels, static routes, BGP peers and
containers.
"""

from __future__ import annotations

import re

from seawall.records.config import (
    AclEntry,
    Container,
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
    cidr,
    other_verbs,
    read_known,
    set_statements,
    standard_acl,
    to_int,
    tree_paths,
    word,
)
from seawall.sources.configs.tree import brace_tree, split_lines

KNOWN = frozenset(
    {
        "interfaces", "system", "service", "protocols", "firewall", "nat", "policy",
        "high-availability", "vpn", "qos", "traffic-policy", "load-balancing", "container",
        "zone-policy", "vrf", "pki", "cluster", "nat66", "netns",
    }
)  # fmt: skip
_DELETE = frozenset({"delete"})
_RELEASE = re.compile(r"^//\s*Release version:\s*(\S+)", re.M)
_INTERFACE_KINDS = {
    "ethernet": "physical",
    "loopback": "loopback",
    "tunnel": "tunnel",
    "wireguard": "tunnel",
    "vti": "tunnel",
    "openvpn": "tunnel",
    "l2tpv3": "tunnel",
    "bonding": "port-channel",
    "bridge": "vlan",
    "vxlan": "tunnel",
    "pppoe": "other",
}


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "VyOS", "VyOS")
    model = builder.model
    model.version = header_groups(_RELEASE, text)[0]
    if _is_set_style(text):
        statements, other, structural = set_statements(text)
        openers: dict[Path, int] = {}
        other_verbs(builder, text, other, verbs=_DELETE, noted=_DELETE, heads=KNOWN)
    else:
        tree = brace_tree(text, comment_prefixes=("#", "//"))
        structural = tree.structural
        statements, openers = tree_paths(builder, tree, KNOWN)
    read_known(builder, statements, KNOWN, _Reader(builder, openers).read)
    return builder.finish(structural)


def _is_set_style(text: str) -> bool:
    for line in split_lines(text[:65536]):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "//", "/*")):
            return stripped.startswith(("set ", "delete "))
    return False


class _Reader(VendorReader):
    def __init__(self, builder: ModelBuilder, openers: dict[Path, int]) -> None:
        super().__init__(builder, openers)
        self.keys: set[tuple[str, str]] = set()
        self.peers: dict[str, RoutingPeer] = {}
        self.communities: dict[str, SnmpCommunity] = {}
        self.containers: set[str] = set()

    def read(self, w: Path, line: int) -> None:
        head = w[0]
        if head == "system":
            self._system(w, line)
        elif head == "service":
            self._service(w, line)
        elif head == "interfaces" and len(w) > 3:
            self._interface(w, line)
        elif w[:3] == ("protocols", "static", "route") and len(w) > 3:
            hop = w[5] if word(w, 4) == "next-hop" and len(w) > 5 else None
            routes = [r for r in self.model.static_routes if r.prefix == w[3]]
            if not routes or (hop and routes[-1].next_hop not in (None, hop)):
                self.model.static_routes.append(StaticRoute(w[3], self.opener(w[:4], line), hop))
            elif hop:
                routes[-1].next_hop = hop
        elif w[:2] == ("protocols", "bgp") and "neighbor" in w and w[-1] != "neighbor":
            at = w.index("neighbor")
            self._neighbor(w, at, line)
        elif w[:2] == ("container", "name") and len(w) > 2 and w[2] not in self.containers:
            self.containers.add(w[2])
            self.model.containers.append(Container("container", w[2], self.opener(w[:3], line)))

    def _system(self, w: Path, line: int) -> None:
        key = word(w, 1)
        model = self.model
        if key == "host-name" and len(w) > 2:
            model.hostname = w[2]
        elif w[1:3] == ("login", "user") and len(w) > 3:
            name = w[3]
            user = self.user(name, self.opener(w[:4], line), is_admin=True)
            rest = w[4:]
            if rest[:2] == ("authentication", "encrypted-password") and len(rest) > 2:
                user.secret_type = crypt_type(rest[2])
                user.secret_fingerprint = fingerprint(rest[2])
            elif rest[:2] == ("authentication", "plaintext-password"):
                user.secret_type = "plain"
            elif rest[:2] == ("authentication", "public-keys") and len(rest) > 2:
                if (name, rest[2]) not in self.keys:
                    self.keys.add((name, rest[2]))
                    user.ssh_keys += 1
            elif rest[:1] == ("level",) and len(rest) > 1:
                user.role = rest[1]
                user.is_admin = rest[1] == "admin"
        elif w[1:2] == ("syslog",) and len(w) > 3 and w[2] in ("host", "remote"):
            if w[3] not in {h.address for h in model.logging.hosts}:
                model.logging.hosts.append(LogHost(w[3], self.opener(w[:4], line)))
                model.logging.line = model.logging.line or line
            if word(w, 4) == "port" and len(w) > 5:
                next(h for h in model.logging.hosts if h.address == w[3]).port = to_int(w[5])
        elif w[1:3] == ("ntp", "server") and len(w) > 3:
            self._ntp(w[3], line)

    def _ntp(self, address: str, line: int) -> None:
        if address not in {s.address for s in self.model.ntp.servers}:
            self.model.ntp.servers.append(NtpServer(address, line))

    def _service(self, w: Path, line: int) -> None:
        key = word(w, 1)
        if key in ("ssh", "https", "telnet") and not (key == "https" and word(w, 2) == "api"):
            service = self.services.get(key, self.opener(w[:2], line))
            if word(w, 2) == "port" and len(w) > 3:
                service.port = to_int(w[3])
            elif word(w, 2) == "listen-address" and len(w) > 3:
                service.options["listen-address"] = w[3]
        elif key == "https" and word(w, 2) == "api":
            self.services.get("api-http", self.opener(w[:3], line)).options["api"] = "https"
        elif w[1:3] == ("ntp", "server") and len(w) > 3:
            self._ntp(w[3], line)
        elif w[1:3] == ("snmp", "community") and len(w) > 3:
            self._community(w, line)

    def _community(self, w: Path, line: int) -> None:
        digest = fingerprint(w[3])
        community = self.communities.get(w[3])
        if community is None:
            community = SnmpCommunity(digest, "ro", self.opener(w[:4], line))
            self.communities[w[3]] = community
            self.model.snmp.communities.append(community)
        key, value = word(w, 4), word(w, 5)
        if key == "authorization" and value is not None:
            community.access = "rw" if value == "rw" else "ro"
        elif key in ("client", "network") and value is not None:
            acl_name = f"snmp-clients-{digest}"
            acl = standard_acl(self.model, acl_name, line, "snmp", owner=digest)
            community.acl = acl_name
            acl.entries.append(AclEntry("permit", line, source=cidr(value), text=f"{key} {value}"))

    def _interface(self, w: Path, line: int) -> None:
        kind, name, rest = w[1], w[2], w[3:]
        if rest[0] == "vif" and len(rest) > 1:
            name, rest = f"{name}.{rest[1]}", rest[2:]
            kind = "vlan"
        interface = self.interfaces.get(name, self.opener(w[: len(w) - len(rest)], line))
        interface.kind = "vlan" if kind == "vlan" else _INTERFACE_KINDS.get(kind, "other")
        key, value = word(rest, 0), word(rest, 1)
        if value is None:
            interface.shutdown = interface.shutdown or key == "disable"
            return
        if key == "address" and (value[:1].isdigit() or ":" in value):
            self.interfaces.add_address(name, line, value)
        elif key == "description":
            interface.description = value
        elif key in ("remote", "remote-ip"):
            interface.tunnel_destination = value
        elif key in ("source-address", "local-ip"):
            interface.tunnel_source = value
        elif key == "encapsulation":
            interface.tunnel_mode = value
        elif key == "peer" and "address" in rest[:-1]:
            interface.tunnel_destination = rest[rest.index("address") + 1]

    def _neighbor(self, w: Path, at: int, line: int) -> None:
        address = w[at + 1]
        peer = self.peers.get(address)
        if peer is None:
            peer = self.peers[address] = RoutingPeer("bgp", address, self.opener(w[: at + 2], line))
            self.model.routing_peers.append(peer)
        key, value = word(w, at + 2), word(w, at + 3)
        if key == "remote-as":
            peer.remote_as = value
        elif key == "password":
            peer.authenticated = True
