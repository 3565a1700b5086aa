"""Palo Alto Networks PAN-OS (and Panorama) configurations, ``set`` style and the brace style
of ``show config`` without XML.

Both styles become path statements. Paths are read relative to one device: the brace form's
``config devices localhost.localdomain [vsys vsys1]`` and the ``shared`` scope are stripped so
``set deviceconfig system hostname X`` and ``config { devices { ... deviceconfig { system {
hostname X; } } } }`` read the same. Panorama's ``template``/``device-group`` content configures
other devices: understood, not modelled as this one's.

GlobalProtect portals and gateways become ``Service("globalprotect")`` (CVE-2024-3400 needs one
on the box); management profiles become services on the interfaces they are bound to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from seawall.records.config import (
    AaaServer,
    Acl,
    AclEntry,
    AclUse,
    CryptoPeer,
    DeviceConfig,
    LogHost,
    NtpServer,
    RoutingPeer,
    Secret,
    SnmpCommunity,
    SnmpUser,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, crypt_type, is_ip
from seawall.sources.configs.pathcfg import (
    Path,
    VendorReader,
    cidr,
    interface_address,
    other_verbs,
    set_statements,
    standard_acl,
    to_int,
    tree_paths,
    word,
)
from seawall.sources.configs.tree import brace_tree, split_lines

# Heads of a device-relative path (after the scope is stripped).
KNOWN_HEADS = frozenset(
    {
        "deviceconfig", "mgt-config", "network", "zone", "rulebase", "address", "address-group",
        "service", "service-group", "application", "application-group", "application-filter",
        "tag", "profiles", "profile-group", "log-settings", "import", "global-protect",
        "schedule", "external-list", "region", "server-profile", "authentication-profile",
        "certificate-profile", "content-preview", "admin-role", "botnet", "certificate",
        "ssl-tls-service-profile", "ssl-decrypt", "response-page", "local-user-database",
        "user-id-agent", "display-name", "setting", "ocsp-responder", "reports", "report-group",
        "pdf-summary-report", "email-scheduler", "threats", "dynamic-user-group",
        "authentication-object", "application-tag", "alg-override", "scep", "ts-agent",
        "user-id-collector", "redistribution-agent", "captive-portal", "vm-info-source",
        "group-mapping", "device-group", "template", "template-stack", "log-collector",
        "log-collector-group", "readonly", "policy", "panorama", "predefined", "plugins",
        "wildfire", "url-admin-override", "user-id-ssl-auth", "authentication-sequence",
        "cloud-identity-engine", "sdwan-interface-profile", "template-variable",
    }
)  # fmt: skip
OTHER_VERBS = frozenset({"delete", "move", "rename", "edit", "top", "up", "override", "copy"})
_NOTED_VERBS = frozenset({"delete"})
_DISABLE_SERVICES = {
    "disable-telnet": "telnet",
    "disable-http": "http",
    "disable-https": "https",
    "disable-ssh": "ssh",
    "disable-snmp": "snmp",
}
_PROFILE_SERVICES = frozenset({"https", "http", "ssh", "telnet", "snmp", "http-ocsp"})
_INTERFACE_KINDS = {
    "ethernet": "physical",
    "aggregate-ethernet": "port-channel",
    "loopback": "loopback",
    "tunnel": "tunnel",
    "vlan": "vlan",
}
_VERSION_COMMENT = re.compile(r"(?:PAN-OS|sw-version)[:\s]+(\d+\.\d+\.\d+(?:-h\d+)?)", re.I)
_BRACE_LINE = re.compile(r"[{};]\s*$")


def canonical(words: Path) -> Path:
    """The device-relative path: ``config``, ``devices NAME``, ``vsys NAME`` and ``shared``
    scopes removed (a bare scope word, as in a block opener, leaves nothing)."""
    w = words
    if w[:1] == ("config",):
        w = w[1:]
    if w[:1] == ("devices",):
        w = w[2:]
    if w[:1] == ("vsys",):
        w = w[2:]
    if w[:1] == ("shared",):
        w = w[1:]
    return w


def known(path: Path) -> bool:
    w = canonical(path)
    return not w or w[0] in KNOWN_HEADS


@dataclass(slots=True)
class _Profile:
    services: dict[str, int] = field(default_factory=dict)  # service -> line
    permitted: list[tuple[str, int]] = field(default_factory=list)


@dataclass(slots=True)
class _Route:
    line: int
    vrf: str
    destination: str | None = None
    next_hop: str | None = None
    interface: str | None = None


@dataclass(slots=True)
class _Peer:
    line: int
    address: str | None = None
    remote_as: str | None = None
    authenticated: bool = False
    enabled: bool = True  # ``... peer P enable no``
    group: str = ""


@dataclass(slots=True)
class _Tunnel:
    line: int
    interface: str | None = None
    gateway: str | None = None


@dataclass(slots=True)
class _SyslogServer:
    line: int
    address: str | None = None
    port: int | None = None
    transport: str | None = None


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "Palo Alto Networks", "PAN-OS")
    model = builder.model
    if _is_set_style(text):
        statements, other, structural = set_statements(text)
        openers: dict[Path, int] = {}
        other_verbs(builder, text, other, verbs=OTHER_VERBS, noted=_NOTED_VERBS)
    else:
        tree = brace_tree(text)
        structural = tree.structural
        statements, openers = tree_paths(builder, tree, known)
    reader = _Reader(builder, openers)
    for statement in statements:
        reader.read(statement.words, statement.line)
    reader.finish()
    for number, line in model.text.items():
        if number in structural and line.lstrip().startswith("#"):
            match = _VERSION_COMMENT.search(line)
            if match and model.version is None:
                model.version = match.group(1)
    return builder.finish(structural)


def _is_set_style(text: str) -> bool:
    set_lines = brace_lines = 0
    for line in split_lines(text[:65536]):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("set "):
            set_lines += 1
        elif _BRACE_LINE.search(stripped):
            brace_lines += 1
    return set_lines > brace_lines


class _Reader(VendorReader):
    def __init__(self, builder: ModelBuilder, openers: dict[Path, int]) -> None:
        super().__init__(builder, openers, _interface_kind)
        self.admin_roles: set[str] = set()
        self.profiles: dict[str, _Profile] = {}
        self.profile_bindings: list[tuple[str, str, int]] = []  # interface, profile, line
        self.management: dict[str, tuple[str, int]] = {}
        self.ike_gateways: dict[str, str] = {}
        self.tunnels: dict[str, _Tunnel] = {}
        self.routes: dict[tuple[str, str], _Route] = {}
        self.peers: dict[tuple[str, str], _Peer] = {}
        self.bgp_off: set[str] = set()  # virtual routers with ``protocol bgp enable no``
        self.groups_off: set[tuple[str, str]] = set()  # (router, peer-group) ``enable no``
        self.syslog: dict[tuple[str, str], _SyslogServer] = {}
        self.aaa: dict[tuple[str, str, str], AaaServer] = {}
        self.ntp: dict[str, NtpServer] = {}
        self.snmp_users: dict[str, SnmpUser] = {}

    def scoped_opener(self, full: Path, canonical_prefix_length: int, line: int) -> int:
        """Line of the block opening the first ``canonical_prefix_length`` words of the
        device-relative path (brace style), else the statement's own line."""
        if not self.openers:
            return line
        scope = len(full) - len(canonical(full))
        return self.openers.get(full[: scope + canonical_prefix_length], line)

    def read(self, full: Path, line: int) -> None:
        w = canonical(full)
        if w and w[0] not in KNOWN_HEADS:
            return
        self.builder.understood(line)
        head = word(w, 0)
        if head == "deviceconfig" and word(w, 1) == "system":
            self._system(full, w[2:], line)
        elif head == "mgt-config":
            self._mgt_config(full, w, line)
        elif head == "network":
            self._network(full, w, line)
        elif head == "global-protect" and len(w) >= 3:
            self._globalprotect(full, w[1], w[2], w[3:], line)
        elif head == "log-settings" and word(w, 1) == "syslog" and len(w) >= 5:
            self._syslog_server(w, line)
        elif head == "server-profile" and len(w) >= 5:
            self._server_profile(w, line)
        elif head == "admin-role" and "cli" in w[:-1] and w[w.index("cli") + 1] == "superuser":
            self.admin_roles.add(w[1])

    # --- deviceconfig system -------------------------------------------------------------

    def _system(self, full: Path, t: Path, line: int) -> None:
        key = word(t, 0)
        model = self.model
        if key == "hostname" and len(t) > 1:
            model.hostname = t[1]
        elif key == "service" and len(t) > 2 and t[1] in _DISABLE_SERVICES:
            service = self.services.get(_DISABLE_SERVICES[t[1]], line)
            service.enabled = t[2] == "no"
            service.line = line
        elif key == "permitted-ip" and len(t) > 1:
            acl = standard_acl(model, "permitted-ip", line, "mpp", owner="management")
            acl.entries.append(
                AclEntry("permit", line, source=cidr(t[1]), text=f"permitted-ip {t[1]}")
            )
        elif key in ("ip-address", "netmask", "ipv6-address") and len(t) > 1:
            self.management[key] = (t[1], line)
        elif key == "default-gateway" and len(t) > 1:
            model.static_routes.append(
                StaticRoute("0.0.0.0/0", line, next_hop=t[1], interface="management")
            )
        elif key == "ntp-servers" and len(t) > 3:
            self._ntp(t[1], t[2:], line)
        elif key == "snmp-setting" and word(t, 1) == "access-setting":
            self._snmp(t[2:], line)
        elif key in ("login-banner", "motd-and-banner"):
            model.flags["login_banner"] = True

    def _ntp(self, slot: str, t: Path, line: int) -> None:
        if t[0] == "ntp-server-address":
            server = self.ntp.get(slot)
            if server is None:
                server = self.ntp[slot] = NtpServer(t[1], line)
                self.model.ntp.servers.append(server)
            server.address = t[1]
        elif t[0] == "authentication-type" and t[1] in ("symmetric-key", "autokey"):
            self.model.ntp.authenticate = True
            rest = t[2:]
            if "key-id" in rest and rest[-1] != "key-id" and slot in self.ntp:
                self.ntp[slot].key = to_int(rest[rest.index("key-id") + 1])
            if "authentication-key" in rest and rest[-1] != "authentication-key":
                value = rest[rest.index("authentication-key") + 1]
                self.model.secrets.append(Secret("ntp-key", _pan_secret_type(value), line, slot))

    def _snmp(self, t: Path, line: int) -> None:
        if word(t, 0) != "version" or len(t) < 3:
            return
        if t[1] in ("v2c", "v1") and t[2] == "snmp-community-string" and len(t) > 3:
            version = "2c" if t[1] == "v2c" else "1"
            self.model.snmp.communities.append(
                SnmpCommunity(fingerprint(t[3]), "ro", line, version=version)
            )
        elif t[1] == "v3" and t[2] == "users" and len(t) > 3:
            user = self.snmp_users.get(t[3])
            if user is None:
                user = self.snmp_users[t[3]] = SnmpUser(t[3], line, auth="sha", priv="aes")
                self.model.snmp.users.append(user)
            if word(t, 4) == "view" and len(t) > 5:
                user.group = t[5]

    # --- mgt-config ----------------------------------------------------------------------

    def _mgt_config(self, full: Path, w: Path, line: int) -> None:
        if word(w, 1) == "users" and len(w) > 2:
            user = self.user(w[2], self.scoped_opener(full, 3, line))
            rest = w[3:]
            key = word(rest, 0)
            if key in ("phash", "password") and len(rest) > 1:
                user.secret_type = crypt_type(rest[1]) if key == "phash" else "plain"
                user.secret_fingerprint = fingerprint(rest[1])
            elif key == "public-key":
                user.ssh_keys += 1
            elif key == "permissions" and word(rest, 1) == "role-based" and len(rest) > 2:
                role, value = rest[2], word(rest, 3)
                if role == "custom" and word(rest, 3) == "profile" and len(rest) > 4:
                    user.role = rest[4]
                elif value != "no":
                    user.role = role
        elif w[1:3] == ("password-complexity", "enabled") and len(w) > 3:
            self.model.flags["password_strength_check"] = w[3] == "yes"

    # --- network -------------------------------------------------------------------------

    def _network(self, full: Path, w: Path, line: int) -> None:
        part = word(w, 1)
        if part == "interface" and len(w) > 4:
            self._interface(full, w, line)
        elif part == "profiles" and word(w, 2) == "interface-management-profile" and len(w) > 4:
            profile = self.profiles.setdefault(w[3], _Profile())
            service, value = w[4], word(w, 5)
            if service in _PROFILE_SERVICES and value == "yes":
                profile.services.setdefault(service, line)
            elif service == "permitted-ip" and value is not None:
                profile.permitted.append((cidr(value), line))
        elif part == "ike" and word(w, 2) == "gateway" and len(w) > 5:
            self._ike_gateway(full, w[3], w[4:], line)
        elif part == "tunnel" and len(w) > 4:
            kind, name, rest = w[2], w[3], w[4:]
            if kind == "ipsec":
                tunnel = self.tunnels.get(name)
                if tunnel is None:
                    tunnel = self.tunnels[name] = _Tunnel(self.scoped_opener(full, 4, line))
                if rest[0] == "tunnel-interface" and len(rest) > 1:
                    tunnel.interface = rest[1]
                elif rest[:2] == ("auto-key", "ike-gateway") and len(rest) > 2:
                    tunnel.gateway = rest[2]
            elif kind == "global-protect-gateway":
                self._globalprotect(full, "global-protect-gateway", name, rest, line)
        elif part == "virtual-router" and len(w) > 4:
            self._virtual_router(w[2], w[3:], line)

    def _interface(self, full: Path, w: Path, line: int) -> None:
        # network interface KIND [NAME] [MODE] [units UNIT] ATTRIBUTE ...
        kind, at = w[2], 3
        name = kind
        if kind in ("ethernet", "aggregate-ethernet"):
            name, at = w[3], 4
        if word(w, at) in ("layer3", "layer2", "virtual-wire", "tap", "ha", "decrypt-mirror"):
            at += 1
        if word(w, at) == "units" and len(w) > at + 1:
            name, at = w[at + 1], at + 2
        interface = self.interfaces.get(name, self.scoped_opener(full, at, line))
        if kind in _INTERFACE_KINDS and interface.kind == "other":
            interface.kind = _INTERFACE_KINDS[kind]
        t = w[at:]
        key = word(t, 0)
        if key == "ip" and len(t) > 1 and ("/" in t[1] or is_ip(t[1])):
            self.interfaces.add_address(name, line, t[1])
        elif key == "ipv6" and "address" in t and t[-1] != "address":
            self.interfaces.add_address(name, line, t[t.index("address") + 1])
        elif key == "interface-management-profile" and len(t) > 1:
            self.profile_bindings.append((name, t[1], line))
        elif key == "comment" and len(t) > 1:
            interface.description = t[1]

    def _ike_gateway(self, full: Path, name: str, t: Path, line: int) -> None:
        if t[:2] == ("peer-address", "ip") and len(t) > 2 and name not in self.ike_gateways:
            self.ike_gateways[name] = t[2]
            self.model.crypto_peers.append(CryptoPeer(t[2], "gateway", line, name))
        elif t[:2] == ("authentication", "pre-shared-key") and "key" in t and t[-1] != "key":
            value = t[t.index("key") + 1]
            self.model.secrets.append(Secret("isakmp-key", _pan_secret_type(value), line, name))

    def _virtual_router(self, vrf: str, t: Path, line: int) -> None:
        if t[:1] == ("routing-table",) and len(t) > 4 and t[2] == "static-route":
            route = self.routes.get((vrf, t[3]))
            if route is None:
                route = self.routes[(vrf, t[3])] = _Route(line, vrf)
            rest = t[4:]
            if rest[0] == "destination" and len(rest) > 1:
                route.destination = rest[1]
            elif rest[:2] == ("nexthop", "ip-address") and len(rest) > 2:
                route.next_hop = rest[2]
            elif rest[0] == "interface" and len(rest) > 1:
                route.interface = rest[1]
        elif t[:3] == ("protocol", "bgp", "enable") and len(t) > 3:
            if t[3] == "no":
                self.bgp_off.add(vrf)
            else:
                self.bgp_off.discard(vrf)
        elif t[:3] == ("protocol", "bgp", "peer-group") and t[4:5] == ("enable",) and len(t) > 5:
            if t[5] == "no":
                self.groups_off.add((vrf, t[3]))
        elif t[:3] == ("protocol", "bgp", "peer-group") and "peer" in t:
            at = t.index("peer")
            if at + 1 >= len(t):
                return
            peer = self.peers.get((vrf, t[at + 1]))
            if peer is None:
                peer = self.peers[(vrf, t[at + 1])] = _Peer(line, group=t[3])
            rest = t[at + 2 :]
            if rest[:2] == ("peer-address", "ip") and len(rest) > 2:
                peer.address = rest[2]
            elif rest[:1] == ("peer-as",) and len(rest) > 1:
                peer.remote_as = rest[1]
            elif rest[:2] == ("connection-options", "authentication"):
                peer.authenticated = True
            elif rest[:1] == ("enable",) and len(rest) > 1:
                peer.enabled = rest[1] != "no"

    # --- GlobalProtect, syslog and AAA server profiles -----------------------------------

    def _globalprotect(self, full: Path, kind: str, name: str, t: Path, line: int) -> None:
        role = {"global-protect-portal": "portal", "global-protect-gateway": "gateway"}.get(kind)
        if role is None:
            return
        service = self.services.get("globalprotect", line, tag=f"{role} {name}")
        service.options.update({"role": role, "name": name})
        if "interface" in t and t[-1] != "interface" and "local-address" in t:
            service.interface = t[t.index("interface") + 1]

    def _syslog_server(self, w: Path, line: int) -> None:
        # log-settings syslog PROFILE server ENTRY ATTRIBUTE VALUE
        if w[3] != "server":
            return
        entry = self.syslog.get((w[2], w[4]))
        if entry is None:
            entry = self.syslog[(w[2], w[4])] = _SyslogServer(line)
        attribute, value = word(w, 5), word(w, 6)
        if attribute == "server" and value is not None:
            entry.address = value
        elif attribute == "port":
            entry.port = to_int(value)
        elif attribute == "transport" and value is not None:
            entry.transport = value.lower()

    def _server_profile(self, w: Path, line: int) -> None:
        # server-profile tacplus|radius|ldap PROFILE server NAME address|ip-address|secret V
        protocol = {"tacplus": "tacacs", "radius": "radius", "ldap": "ldap"}.get(w[1])
        if protocol is None or w[3] != "server" or len(w) < 7:
            return
        key = (protocol, w[2], w[4])
        server = self.aaa.get(key)
        attribute, value = w[5], w[6]
        if server is None:
            server = self.aaa[key] = AaaServer(protocol, "", line, name=w[4], group=w[2])
        if attribute in ("address", "ip-address"):
            server.address = value
            if server not in self.model.aaa.servers:
                self.model.aaa.servers.append(server)
        elif attribute == "port":
            server.port = to_int(value)
        elif attribute == "secret":
            server.key_type = _pan_secret_type(value)
            server.key_fingerprint = fingerprint(value)

    # --- resolution ----------------------------------------------------------------------

    def finish(self) -> None:
        model = self.model
        for user in self.users.values():
            user.is_admin = user.role == "superuser" or user.role in self.admin_roles
        if "ip-address" in self.management:
            address, line = self.management["ip-address"]
            mask = self.management.get("netmask", ("255.255.255.255", line))[0]
            interface = self.interfaces.get("management", line)
            interface.kind = "management"
            interface.addresses.append(interface_address(address, mask))
        for name, profile_name, line in self.profile_bindings:
            profile = self.profiles.get(profile_name)
            if profile is None:
                continue
            acl_name = None
            if profile.permitted:
                acl_name = f"interface-management-profile {profile_name}"
                if acl_name not in model.acls:
                    acl = model.acls[acl_name] = Acl(acl_name, profile.permitted[0][1], "standard")
                    for address, entry_line in profile.permitted:
                        acl.entries.append(
                            AclEntry("permit", entry_line, source=address, text=address)
                        )
                model.acl_uses.append(AclUse(acl_name, "interface", line, owner=name))
            # Like ASA ``ssh A M iface``: where one source network (or any) may connect.
            allowed = "any" if not profile.permitted else None
            if len(profile.permitted) == 1:
                allowed = profile.permitted[0][0]
            for service_name in profile.services:
                service = self.services.get(service_name, line, interface=name)
                service.acl = acl_name
                service.options["profile"] = profile_name
                if allowed is not None:
                    service.options["allowed"] = allowed
        for tunnel in self.tunnels.values():
            gateway = self.ike_gateways.get(tunnel.gateway or "")
            if gateway and tunnel.interface is not None:
                interface = self.interfaces.get(tunnel.interface, tunnel.line)
                interface.kind = "tunnel"
                interface.tunnel_mode = "ipsec"
                interface.tunnel_destination = gateway
        for route in self.routes.values():
            if route.destination is not None:
                model.static_routes.append(
                    StaticRoute(
                        route.destination, route.line, route.next_hop, route.interface, route.vrf
                    )
                )
        for (vrf, _), peer in self.peers.items():
            # A session needs the peer's address, the peer on and BGP on in its router.
            off = vrf in self.bgp_off or (vrf, peer.group) in self.groups_off
            if peer.address is None or not peer.enabled or off:
                continue
            model.routing_peers.append(
                RoutingPeer("bgp", peer.address, peer.line, peer.authenticated, peer.remote_as)
            )
        for entry in self.syslog.values():
            if entry.address is not None:
                model.logging.hosts.append(
                    LogHost(entry.address, entry.line, port=entry.port, transport=entry.transport)
                )
                if model.logging.line is None:
                    model.logging.line = entry.line


def _interface_kind(name: str) -> str:
    for prefix, kind in (
        ("ethernet", "physical"),
        ("ae", "port-channel"),
        ("loopback", "loopback"),
        ("tunnel", "tunnel"),
        ("vlan", "vlan"),
        ("management", "management"),
    ):
        if name.startswith(prefix):
            return kind
    return "other"


def _pan_secret_type(value: str) -> str:
    """PAN-OS stores keys encrypted with its master key (``-AQ==...``)."""
    if value.startswith(("-AQ==", "-AA")):
        return "encrypted"
    kind = crypt_type(value)
    return "plain" if kind == "unknown" else kind
