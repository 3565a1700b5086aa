"""Check Point Gaia ``show configuration`` (``set``/``add`` lines). Best effort: hostname,
users (``admin`` is Gaia's built-in superuser; ``rba`` roles), expert password, Telnet/web/SNMP
services, allowed clients, syslog, NTP, interfaces, TACACS+/RADIUS servers, static routes.
"""

from __future__ import annotations

from seawall.records.config import (
    AaaServer,
    AclEntry,
    DeviceConfig,
    LogHost,
    NtpServer,
    Secret,
    SnmpCommunity,
    SnmpHost,
    SnmpUser,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder, crypt_type
from seawall.sources.configs.pathcfg import (
    Path,
    VendorReader,
    cidr,
    other_verbs,
    read_known,
    set_statements,
    standard_acl,
    to_int,
    word,
)

KNOWN = frozenset(
    {
        "installer", "arp", "message", "core-dump", "clienv", "format", "hostname",
        "allowed-client", "web", "inactivity-timeout", "ipv6-state", "command", "net-access",
        "ntp", "password-controls", "user", "max-path-splits", "tracefile", "router-options",
        "routedsyslog", "syslog", "timezone", "interface", "aaa", "inbound-route-filter",
        "management", "ospf", "rip", "snmp", "static-route", "expert-password-hash", "rba",
        "dns", "domainname", "proxy", "backup-scheduled", "cron", "mail-notification", "lom",
        "edition", "kernel-routes", "ipv6", "as", "routemap", "bootp", "igmp", "pim", "vrrp",
        "mcvr", "bonding", "bridging", "pbr", "iphelper", "ip-reachability-detection",
        "netflow", "lldp", "configuration-lock", "extended-commands", "ssh", "banner",
        "selfpasswd", "virtual-system", "cloning-group", "snapshot", "bgp", "dhcp-server",
        "dhcp-client", "dhcp6-server", "dhcp6-config", "sysenv", "outbound-route-filter",
        "route-redistribution", "prefix-list", "prefix-tree", "ospf3", "ripng", "static-mroute",
        "ipv6-static-route", "trap", "host", "neighbor", "hugepages", "security-gateway",
        "apply-policy", "smart-console", "scheduled-snapshot", "fw-policy",
    }
)  # fmt: skip
_NOTED = frozenset({"delete"})


def parse(text: str, path: str, dialect: str) -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, "Check Point", "Gaia")
    statements, other, structural = set_statements(text, verbs=("set", "add"))
    other_verbs(builder, text, other, verbs=_NOTED, noted=_NOTED, heads=KNOWN)
    reader = _Reader(builder)
    read_known(builder, statements, KNOWN, reader.read)
    reader.finish()
    return builder.finish(structural)


class _Reader(VendorReader):
    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder, interface_kind=_interface_kind)
        self.pending_masks: dict[str, int] = {}

    def read(self, w: Path, line: int) -> None:
        model, head = self.model, w[0]
        value = word(w, 1)
        if head == "hostname" and value is not None:
            model.hostname = value
        elif head == "user" and value is not None:
            user = self.user(value, line)
            if word(w, 2) in ("password-hash", "password") and len(w) > 3:
                user.secret_type = "unknown" if w[3] == "*" else crypt_type(w[3])
                user.secret_fingerprint = fingerprint(w[3])
        elif head == "rba" and value == "user" and len(w) > 4 and w[3] == "roles":
            user = self.user(w[2], line)
            user.role = w[4]
        elif head == "expert-password-hash" and value is not None:
            model.secrets.append(Secret("enable", crypt_type(value), line, owner="expert"))
        elif head == "net-access" and value == "telnet" and len(w) > 2:
            self.services.get("telnet", line).enabled = w[2] == "on"
        elif head == "web" and value == "ssl-port" and len(w) > 2:
            self.services.get("https", line).port = to_int(w[2])
        elif head == "web" and value == "daemon-enable" and len(w) > 2:
            self.services.get("https", line).enabled = w[2] == "on"
        elif head == "ssh" and value == "server" and word(w, 2) == "port" and len(w) > 3:
            self.services.get("ssh", line).port = to_int(w[3])
        elif head == "snmp":
            self._snmp(w, line)
        elif head == "ntp" and value == "server" and len(w) > 3:
            model.ntp.servers.append(NtpServer(w[3], line))
        elif head == "syslog" and value == "log-remote-address" and len(w) > 2:
            model.logging.hosts.append(LogHost(w[2], line))
            model.logging.line = model.logging.line or line
        elif head == "syslog" and value == "mgmtauditlogs":
            model.logging.command_logging = word(w, 2) == "on"
        elif head == "interface" and value is not None:
            self._interface(value, w[2:], line)
        elif head == "management" and value == "interface" and len(w) > 2:
            self.interfaces.get(w[2], line).kind = "management"
        elif head == "aaa" and value in ("tacacs-servers", "radius-servers"):
            self._aaa("tacacs" if value == "tacacs-servers" else "radius", w[2:], line)
        elif head == "static-route" and value is not None and "address" in w:
            hop = w[w.index("address") + 1] if w[-1] != "address" else None
            prefix = "0.0.0.0/0" if value == "default" else value
            model.static_routes.append(StaticRoute(prefix, line, next_hop=hop))
        elif head == "allowed-client" and len(w) > 2:
            self._allowed_client(w[1:], line)

    def _snmp(self, w: Path, line: int) -> None:
        key = word(w, 1)
        if key == "agent" and word(w, 2) in ("on", "off"):
            self.services.get("snmp", line).enabled = w[2] == "on"
        elif key == "community" and len(w) > 2:
            access = "rw" if "read-write" in w[3:] else "ro"
            self.model.snmp.communities.append(SnmpCommunity(fingerprint(w[2]), access, line))
        elif key == "traps" and word(w, 2) == "receiver" and len(w) > 3:
            self.model.snmp.hosts.append(SnmpHost(w[3], line))
        elif key == "usm" and word(w, 2) == "user" and len(w) > 3:
            level = w[w.index("security-level") + 1] if "security-level" in w[:-1] else None
            user = SnmpUser(w[3], line)
            if level in ("authNoPriv", "authPriv"):
                user.auth = "sha"
            if level == "authPriv":
                user.priv = "aes"
            self.model.snmp.users.append(user)

    def _interface(self, name: str, t: Path, line: int) -> None:
        interface = self.interfaces.get(name, line)
        key = word(t, 0)
        if key == "ipv4-address" and len(t) > 1:
            length = t[t.index("mask-length") + 1] if "mask-length" in t[:-1] else None
            address = f"{t[1]}/{length}" if length else t[1]
            self.interfaces.add_address(name, line, address)
        elif key == "ipv6-address" and len(t) > 1:
            length = t[t.index("mask-length") + 1] if "mask-length" in t[:-1] else None
            self.interfaces.add_address(name, line, f"{t[1]}/{length}" if length else t[1])
        elif key == "state" and len(t) > 1:
            interface.shutdown = t[1] == "off"
        elif key == "comments" and len(t) > 1:
            interface.description = t[1]

    def _aaa(self, protocol: str, t: Path, line: int) -> None:
        host_word = "server" if protocol == "tacacs" else "host"
        if host_word not in t or t[-1] == host_word:
            return
        server = AaaServer(protocol, t[t.index(host_word) + 1], line)
        for secret_word in ("key", "secret"):
            if secret_word in t[:-1]:
                value = t[t.index(secret_word) + 1]
                server.key_type, server.key_fingerprint = "plain", fingerprint(value)
        if "port" in t[:-1]:
            server.port = to_int(t[t.index("port") + 1])
        self.model.aaa.servers.append(server)

    def _allowed_client(self, t: Path, line: int) -> None:
        # allowed-client host any-host | host ipv4-address A | network ipv4-address A mask-length L
        if t[1] == "any-host":
            source = "any"
        elif "ipv4-address" in t[:-1]:
            address = t[t.index("ipv4-address") + 1]
            length = t[t.index("mask-length") + 1] if "mask-length" in t[:-1] else None
            source = cidr(f"{address}/{length}" if length else address)
        else:
            return
        acl = standard_acl(self.model, "allowed-client", line, "mpp")
        acl.entries.append(AclEntry("permit", line, source=source, text=" ".join(t)))

    def finish(self) -> None:
        for user in self.users.values():
            # ``admin`` is Gaia's built-in superuser; rba roles name the others.
            user.is_admin = user.name == "admin" or user.role == "adminRole"
            user.role = user.role or ("adminRole" if user.name == "admin" else None)


def _interface_kind(name: str) -> str:
    if name == "lo":
        return "loopback"
    if name.startswith("Mgmt"):
        return "management"
    if name.startswith("bond"):
        return "port-channel"
    if "." in name:
        return "vlan"
    return "physical" if name.startswith("eth") else "other"
