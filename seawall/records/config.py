"""The vendor-neutral management-plane model of one device configuration.

Every vendor parser fills the same ``DeviceConfig``; checks, drift and exposure read only this
model, never vendor text. Each item keeps the 1-based ``line`` it came from so a finding can
point at the bytes. Secrets are never kept in clear: a parser records the secret's *type*
(``"0"``/plain, ``"5"``, ``"7"``, ``"8"``, ``"9"``, ``"6"``, ``"sha512"``, ``"encrypted"``, ...)
and, where a change must be noticed (SNMP communities, keys), a short SHA-256 fingerprint.

Configs are small (a few thousand lines), so this is a plain object model rather than Arrow:
one ``DeviceConfig`` per file, flattened to rows only when stored or shown.
"""

from __future__ import annotations

import functools
import hashlib
import types
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

CONFIG_MODEL_VERSION = 1

# Dialect ids. The parser registry, checks (``vendors:``) and remediation snippets use them.
DIALECTS = (
    "cisco_ios",  # IOS and IOS XE (``os`` says which when the config tells)
    "cisco_nxos",
    "cisco_iosxr",
    "cisco_asa",
    "juniper_junos",  # brace and ``set`` style
    "arista_eos",
    "paloalto_panos",
    "fortinet_fortios",
    "nokia_sros",
    "checkpoint_gaia",
    "f5_bigip",
    "a10_acos",
    "hp_procurve",
    "hp_comware",
    "vyos",
    "sonic",
)

# Secret types, weakest first. Vendor spellings map onto these.
SECRET_TYPES = (
    "none",  # no password at all (``nopassword``, empty)
    "plain",  # type 0 / clear text
    "7",  # Cisco type 7 (reversible)
    "5",  # MD5 crypt
    "encrypted",  # vendor reversible encryption (JunOS $9$, FortiOS ENC, Cisco type 6 keys)
    "6",  # Cisco type 6 (AES, needs master key)
    "sha512",  # SHA-512 crypt ($6$), JunOS/EOS/XR modern hashes
    "8",  # PBKDF2-SHA-256
    "9",  # scrypt
    "unknown",
)
WEAK_SECRET_TYPES = frozenset({"none", "plain", "7"})


def fingerprint(secret: str) -> str:
    """Short stable fingerprint of a secret, so drift can see it changed without keeping it."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:12]


@dataclass(slots=True)
class LocalUser:
    name: str
    line: int
    privilege: int | None = None  # Cisco 0-15
    role: str | None = None  # network-admin, super-user, admin, root-system, ...
    secret_type: str = "unknown"  # one of SECRET_TYPES
    ssh_keys: int = 0  # public keys configured for the user
    is_admin: bool = False  # parser's verdict: privilege 15 / admin role / super-user class
    # fingerprint() of the stored hash/encrypted text (never the clear text): drift sees a
    # password reset on an existing account even when the type stays the same.
    secret_fingerprint: str | None = None


@dataclass(slots=True)
class Secret:
    """A secret that is not a user's: enable secret, AAA/routing/NTP keys, SNMP v3 auth."""

    kind: str  # enable | tacacs-key | radius-key | ospf-key | bgp-password | ntp-key | ...
    secret_type: str
    line: int
    owner: str | None = None  # server address, neighbor, interface


@dataclass(slots=True)
class AaaServer:
    protocol: str  # tacacs | radius | ldap
    address: str  # IP or hostname as written
    line: int
    name: str | None = None  # ``tacacs server NAME``
    group: str | None = None
    port: int | None = None
    vrf: str | None = None
    key_type: str | None = None  # SECRET_TYPES
    key_fingerprint: str | None = None


@dataclass(slots=True)
class AaaMethod:
    """One ``aaa authentication|authorization|accounting`` statement (or vendor equivalent)."""

    function: str  # authentication | authorization | accounting
    service: str  # login | enable | exec | commands | system | network | config-commands
    list_name: str  # default or a named list
    methods: list[str]  # group tacacs+, local, none, start-stop, ...
    line: int
    level: int | None = None  # ``commands 15``


@dataclass(slots=True)
class Aaa:
    new_model: bool | None = None  # Cisco ``aaa new-model``; None where not applicable
    methods: list[AaaMethod] = field(default_factory=list)
    servers: list[AaaServer] = field(default_factory=list)
    # protocol (tacacs, radius, ssh, logging, ntp, snmp, http) -> interface name
    source_interfaces: dict[str, str] = field(default_factory=dict)

    @property
    def command_accounting(self) -> bool:
        return any(m.function == "accounting" and m.service == "commands" for m in self.methods)


@dataclass(slots=True)
class Line:
    """A terminal line (console, aux, vty) or the vendor's equivalent for remote logins."""

    name: str  # "vty 0 4", "con 0", "aux 0", "default"
    kind: str  # vty | console | aux
    line: int
    access_class_in: str | None = None
    access_class_in_v6: str | None = None
    # Protocols accepted; None = not configured (the platform default applies).
    transport_input: list[str] | None = None
    exec_timeout_seconds: int | None = None
    rotary: int | None = None
    login: str | None = None  # local | authentication LIST | none
    password_type: str | None = None


@dataclass(slots=True)
class AclEntry:
    action: str  # permit | deny | remark
    line: int
    seq: int | None = None
    protocol: str | None = None
    source: str = "any"  # "any", CIDR, "host a.b.c.d" normalized to a.b.c.d/32, object name
    destination: str = "any"
    destination_port: str | None = None  # "eq 22", "range 1 10"
    text: str = ""  # the ACE as written (secrets never appear in ACEs)


@dataclass(slots=True)
class Acl:
    name: str
    line: int
    kind: str = "extended"  # standard | extended | ipv6 | filter (JunOS) | prefix
    entries: list[AclEntry] = field(default_factory=list)


@dataclass(slots=True)
class AclUse:
    acl: str
    where: str  # vty | snmp | ntp | http | ssh | interface | copp | mpp | netconf | nxapi
    line: int
    direction: str | None = None  # in | out
    owner: str | None = None  # interface name, community fingerprint, line name


@dataclass(slots=True)
class SnmpCommunity:
    fingerprint: str  # of the community string; the string itself is never kept
    access: str  # ro | rw
    line: int
    acl: str | None = None
    view: str | None = None
    version: str = "2c"  # 1 | 2c


@dataclass(slots=True)
class SnmpUser:
    name: str
    line: int
    group: str | None = None
    auth: str | None = None  # md5 | sha | sha-256 ... or None
    priv: str | None = None  # des | 3des | aes 128 ... or None
    acl: str | None = None


@dataclass(slots=True)
class SnmpHost:
    address: str
    line: int
    version: str | None = None
    vrf: str | None = None


@dataclass(slots=True)
class Snmp:
    communities: list[SnmpCommunity] = field(default_factory=list)
    users: list[SnmpUser] = field(default_factory=list)
    hosts: list[SnmpHost] = field(default_factory=list)
    # SNMPv3 groups with their security level: name -> noauth | auth | priv
    groups: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Service:
    """A management service the device offers (or explicitly disables)."""

    name: str  # ssh | telnet | http | https | netconf | restconf | nxapi | wsma | smart-install
    #            | ftp | tftp | scp | gnmi | api-http | bash | ssh-root-xr
    enabled: bool
    line: int
    port: int | None = None
    vrf: str | None = None
    acl: str | None = None
    interface: str | None = None  # ASA/FortiOS/PAN: where it is offered
    options: dict[str, str] = field(default_factory=dict)  # version, root-login, ...


@dataclass(slots=True)
class LogHost:
    address: str
    line: int
    vrf: str | None = None
    port: int | None = None
    transport: str | None = None


@dataclass(slots=True)
class Logging:
    hosts: list[LogHost] = field(default_factory=list)
    trap_level: str | None = None  # informational, warnings, ... as written (names or numbers)
    buffered: bool | None = None
    source_interface: str | None = None
    timestamps: bool | None = None  # ``service timestamps log datetime``
    command_logging: bool = False  # archive/log config/logging enable, JunOS interactive-cmds
    notify_syslog: bool = False
    disabled: bool = False  # ``no logging on`` or equivalent
    discriminators: list[str] = field(default_factory=list)
    line: int | None = None  # first logging statement


@dataclass(slots=True)
class NtpServer:
    address: str
    line: int
    key: int | None = None
    vrf: str | None = None


@dataclass(slots=True)
class Ntp:
    servers: list[NtpServer] = field(default_factory=list)
    authenticate: bool = False
    acl: str | None = None


@dataclass(slots=True)
class Interface:
    name: str
    kind: str  # loopback | tunnel | physical | vlan | management | port-channel | other
    line: int
    description: str | None = None
    addresses: list[str] = field(default_factory=list)  # CIDR strings, v4 and v6
    vrf: str | None = None
    shutdown: bool = False
    access_groups: dict[str, str] = field(default_factory=dict)  # in/out -> ACL
    tunnel_mode: str | None = None  # gre ip | gre multipoint | ipsec ipv4 | ipip | vxlan ...
    tunnel_source: str | None = None
    tunnel_destination: str | None = None
    cdp: bool | None = None
    lldp: bool | None = None
    policy_route_map: str | None = None  # ``ip policy route-map``


@dataclass(slots=True)
class CryptoPeer:
    address: str
    kind: str  # isakmp | ikev2 | crypto-map | ipsec-vpn | gateway
    line: int
    name: str | None = None


@dataclass(slots=True)
class StaticRoute:
    prefix: str
    line: int
    next_hop: str | None = None
    interface: str | None = None
    vrf: str | None = None


@dataclass(slots=True)
class PolicyRoute:
    route_map: str
    line: int
    next_hop: str | None = None
    interface: str | None = None


@dataclass(slots=True)
class Capture:
    """Packet capture or traffic mirroring configured on the device."""

    kind: str  # monitor-capture | span | rspan | erspan | port-mirroring | tcpdump | tpacap
    name: str
    line: int
    destination: str | None = None  # remote IP for ERSPAN, interface for SPAN
    source: str | None = None
    filter: str | None = None


@dataclass(slots=True)
class Container:
    """On-box guest environments: Guest Shell, IOx, app-hosting, bash shell, virtual services."""

    kind: str  # iox | guestshell | app-hosting | bash-shell | virtual-service | container
    name: str
    line: int
    enabled: bool = True


@dataclass(slots=True)
class Automation:
    """On-box automation that runs CLI: EEM applets, kron, JunOS scripts/event-options, EOS
    daemons."""

    kind: str  # eem | kron | event-options | op-script | commit-script | event-script | daemon
    name: str
    line: int
    actions: list[str] = field(default_factory=list)  # the commands it runs, as written


@dataclass(slots=True)
class RoutingPeer:
    protocol: str  # bgp | ospf | isis | eigrp | ldp
    neighbor: str  # address or interface/area
    line: int
    authenticated: bool = False
    remote_as: str | None = None


@dataclass(slots=True)
class BootImage:
    image: str
    line: int


@dataclass(slots=True)
class ArchiveTarget:
    """Where configs are copied off the box: ``archive path``, ``ip ftp``, backup URLs."""

    url: str  # secrets in URLs are replaced by <redacted>
    line: int
    kind: str = "archive"


@dataclass(slots=True)
class DeviceConfig:
    """Everything Seawall understands about one configuration file."""

    path: str
    dialect: str  # one of DIALECTS
    hostname: str | None = None
    vendor: str = ""  # Cisco, Juniper, Arista, ...
    os: str = ""  # IOS, IOS XE, NX-OS, IOS XR, ASA, JunOS, EOS, PAN-OS, FortiOS, SR OS, ...
    version: str | None = None
    platform: str | None = None
    # Where ``version`` came from when not the config itself: "show version" (the running
    # release, with its maintenance number, from that command's saved output).
    version_source: str | None = None
    lines_total: int = 0
    # Lines whose syntax the parser does not know (1-based). Lines it recognises but does not
    # model (e.g. BGP policy) are not listed: they were understood and are irrelevant here.
    unknown_lines: list[int] = field(default_factory=list)
    users: list[LocalUser] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    aaa: Aaa = field(default_factory=Aaa)
    lines: list[Line] = field(default_factory=list)
    acls: dict[str, Acl] = field(default_factory=dict)
    acl_uses: list[AclUse] = field(default_factory=list)
    snmp: Snmp = field(default_factory=Snmp)
    services: list[Service] = field(default_factory=list)
    logging: Logging = field(default_factory=Logging)
    ntp: Ntp = field(default_factory=Ntp)
    interfaces: list[Interface] = field(default_factory=list)
    crypto_peers: list[CryptoPeer] = field(default_factory=list)
    static_routes: list[StaticRoute] = field(default_factory=list)
    policy_routes: list[PolicyRoute] = field(default_factory=list)
    captures: list[Capture] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    automation: list[Automation] = field(default_factory=list)
    routing_peers: list[RoutingPeer] = field(default_factory=list)
    boot_images: list[BootImage] = field(default_factory=list)
    archive_targets: list[ArchiveTarget] = field(default_factory=list)
    # Global switches the checks read, by vendor-neutral name, e.g. service_password_encryption,
    # ip_source_route, service_pad, small_servers, finger, bootp_server, login_block_for,
    # login_banner, ssh_version, password_strength_check, cdp_global, lldp_global, mpp, copp,
    # ssh_root_login, ssh_tcp_forwarding. Value True/False/str; absent = not stated.
    flags: dict[str, Any] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)  # NX-OS ``feature x``, EOS/JunOS toggles
    # The raw line text by line number, secrets redacted: evidence for findings.
    text: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.hostname or self.path

    def service(self, name: str) -> list[Service]:
        return [s for s in self.services if s.name == name]

    def evidence(self, line: int | None) -> str:
        return self.text.get(line, "") if line is not None else ""

    def to_dict(self, *, include_text: bool = False) -> dict[str, Any]:
        """Plain JSON-able form. ``text`` (redacted lines) only when asked: the store keeps it
        so findings read back later can still quote their line."""
        data = asdict(self)
        if not include_text:
            data.pop("text")
        data["model_version"] = CONFIG_MODEL_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceConfig:
        """Inverse of :meth:`to_dict` (unknown keys are ignored, missing ones default)."""
        version = data.get("model_version", CONFIG_MODEL_VERSION)
        if version > CONFIG_MODEL_VERSION:
            raise ValueError(
                f"stored device model version {version} is newer than this Seawall "
                f"({CONFIG_MODEL_VERSION}); upgrade Seawall to read it"
            )
        built = _build(cls, data)
        assert isinstance(built, DeviceConfig)
        return built


# What drift between two snapshots of one device can find. Checks (``drift:`` in the audit
# rules) say which kinds are suspicious and how severe.
CHANGE_KINDS = (
    "acl_external_permit_added",  # permit for a non-private source in an ACL used for mgmt
    "acl_entry_added",
    "acl_entry_removed",
    "acl_added",
    "acl_removed",
    "acl_binding_added",  # an ACL applied to an interface/service that had none there
    "acl_binding_removed",  # an interface/service (snmp, http, ssh, ntp, ...) lost its ACL
    "acl_binding_changed",  # another ACL applied in the same place
    "vty_access_class_changed",
    "vty_access_class_removed",
    "vty_transport_changed",
    "user_added",
    "privileged_user_added",
    "user_removed",
    "user_privilege_raised",
    "user_secret_changed",
    "user_ssh_key_added",
    "tunnel_added",
    "tunnel_peer_changed",
    "tunnel_removed",
    "crypto_peer_added",
    "aaa_server_added",
    "aaa_server_changed",  # address, port or key of an existing server
    "aaa_server_removed",
    "aaa_weakened",  # local/none methods replacing group ones, no aaa new-model
    "command_accounting_removed",
    "logging_host_added",
    "logging_host_removed",
    "logging_weakened",  # trap level lowered, command logging off, logging disabled
    "ntp_server_added",
    "ntp_server_removed",
    "loopback_added",
    "loopback_readdressed",
    "source_interface_changed",  # ssh/tacacs/logging/snmp source-interface
    "capture_added",
    "mgmt_port_changed",  # SSH/HTTP(S)/other management service port changed or added
    "service_enabled",
    "service_disabled",
    "snmp_community_added",
    "snmp_community_removed",
    "snmp_community_rw_added",
    "snmp_user_added",
    "container_enabled",
    "automation_added",
    "automation_changed",
    "static_route_added",
    "static_route_removed",
    "policy_route_added",
    "routing_peer_added",  # BGP/OSPF/... neighbor: new peering (or inter-provider link)
    "routing_peer_removed",
    "boot_image_changed",
    "archive_target_added",
    "version_changed",
    "hostname_changed",
)


@dataclass(slots=True)
class ConfigChange:
    """One semantic difference between two snapshots of a device."""

    kind: str  # one of CHANGE_KINDS
    subject: str  # what changed, e.g. "acl 20", "user cisco", "interface Tunnel100"
    detail: str  # one line a human can check, secrets never included
    before: Any = None  # small JSON-able summaries (no secrets)
    after: Any = None
    line_before: int | None = None
    line_after: int | None = None


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    kwargs = {f.name: _convert(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data}
    return cls(**kwargs)


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        return [_convert(args[0], v) for v in value]
    if origin is dict:
        key_type = args[0]
        return {(int(k) if key_type is int else k): _convert(args[1], v) for k, v in value.items()}
    if isinstance(tp, type) and is_dataclass(tp):
        return _build(tp, value)
    return value
