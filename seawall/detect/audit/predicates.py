"""Named predicates: the audit checks a declarative ``match:`` cannot express.

A check in ``seawall/rules/audit/*.yaml`` names one of these with ``predicate: <name>`` and may
tune it with ``params:``. Each predicate reads only the vendor-neutral ``DeviceConfig`` (plus
the operator's ``AuditContext``) and yields ``Hit``s: the line, a one-line message a human
can check against the config, small JSON-able evidence and, where the checklist gives
graded severities, a severity that overrides the check's. Messages never carry secrets: the
model holds secret *types* only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from seawall.detect.audit.acl_ports import acl_admits_tcp_port, guarded_ports, reaches_ports
from seawall.netaddr import PRIVATE_NETWORKS
from seawall.records.config import AclEntry, DeviceConfig, Interface, Line

_ANY = frozenset({"any", "any4", "any6", "0.0.0.0/0", "::/0", "all"})
_CACHE_LIMIT = 65536

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(slots=True)
class AuditContext:
    """What the operator knows that a config cannot say.

    Internal means the private ranges of ``seawall.netaddr.PRIVATE_NETWORKS`` (RFC 1918,
    CGNAT, loopback, link-local, ULA, multicast); documentation ranges stay external, since in
    a real config they stand for someone's public address (anonymizers produce them).

    ``internal_networks`` are added to the private ranges (carriers manage devices from their
    own public space); ``known_tunnel_peers`` and ``approved_aaa_servers`` are inventories:
    when given, anything outside them is suspicious; when None, checks fall back to "external
    address" and say that no inventory was given.
    """

    internal_networks: tuple[str, ...] = ()
    known_tunnel_peers: frozenset[str] | None = None
    approved_aaa_servers: frozenset[str] | None = None
    _v4: list[ipaddress.IPv4Network] = field(default_factory=list, init=False, repr=False)
    _v6: list[ipaddress.IPv6Network] = field(default_factory=list, init=False, repr=False)
    _cache: dict[str, bool | None] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for text in (*PRIVATE_NETWORKS, *self.internal_networks):
            try:
                net = ipaddress.ip_network(str(text).strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"internal network {text!r} is not an IP address or CIDR; write e.g. "
                    "198.51.100.0/24"
                ) from None
            if isinstance(net, ipaddress.IPv4Network):
                self._v4.append(net)
            else:
                self._v6.append(net)

    def external(self, address: str | None) -> bool | None:
        """True: an address/prefix outside every internal network; False: inside; None: not
        an address (object name, hostname, ``any``)."""
        if not address:
            return None
        cached = self._cache.get(address)
        if cached is not None or address in self._cache:
            return cached
        result = self._classify(address)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[address] = result
        return result

    def _classify(self, address: str) -> bool | None:
        text = address.strip().lower()
        if text in _ANY:
            return None
        if text.startswith("host "):
            text = text[5:].strip()
        # "a.b.c.d w.x.y.z" non-contiguous wildcard: judge the base address
        text = text.split()[0] if " " in text else text
        try:
            net: Network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None
        if net.prefixlen == 0:
            return None
        if isinstance(net, ipaddress.IPv4Network):
            return not any(net.subnet_of(inner) for inner in self._v4)
        return not any(net.subnet_of(inner) for inner in self._v6)

    def is_any(self, address: str | None) -> bool:
        return bool(address) and str(address).strip().lower() in _ANY


DEFAULT_CONTEXT = AuditContext()


@dataclass(slots=True)
class Hit:
    """One thing a check found in one config."""

    line: int | None
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: str | None = None  # overrides the check's severity (graded checklist rows)


PredicateFn = Callable[[DeviceConfig, Mapping[str, Any], AuditContext], Iterator[Hit]]


@dataclass(frozen=True, slots=True)
class Predicate:
    name: str
    fn: PredicateFn
    defaults: Mapping[str, Any]
    doc: str


PREDICATES: dict[str, Predicate] = {}


def predicate(name: str, **defaults: Any) -> Callable[[PredicateFn], PredicateFn]:
    """Register a predicate under ``name``; ``defaults`` are its parameters (the linter
    rejects any other parameter in a check)."""

    def register(fn: PredicateFn) -> PredicateFn:
        PREDICATES[name] = Predicate(name, fn, dict(defaults), (fn.__doc__ or "").strip())
        return fn

    return register


# ---- shared helpers ------------------------------------------------------------------------


def locate(model: DeviceConfig, *needles: str) -> int | None:
    """Line of the statement a finding is about, for flags the model keeps without a line:
    the first statement that starts with a needle (earlier needles win), else the first that
    contains one (JunOS set-style lines). Case-insensitive; runs only when a check fires,
    in one pass over the text."""
    wanted = [n.lower() for n in needles if n]
    if not wanted:
        return None
    starts: list[int | None] = [None] * len(wanted)
    contains: list[int | None] = [None] * len(wanted)
    for number, text in model.text.items():
        low = text.lower()
        for i, needle in enumerate(wanted):
            if needle in low:
                if contains[i] is None:
                    contains[i] = number
                if starts[i] is None and low.lstrip().startswith(needle):
                    starts[i] = number
                    if i == 0:
                        return number
    for found in (*starts, *contains):
        if found is not None:
            return found
    return None


def major_version(version: str | None) -> int | None:
    """Leading number of a software version as written ("12.4(15)T" -> 12)."""
    if not version:
        return None
    match = _LEADING_INT.match(version.strip())
    return int(match.group(1)) if match else None


_LEADING_INT = re.compile(r"^[A-Za-z-]*?(\d+)")
_IP_IN_TEXT = re.compile(r"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3})(?:/\d{1,2})?(?![\w.])")


def addresses_in(text: str) -> list[str]:
    """IPv4 addresses written in a piece of text (evidence lines, change summaries)."""
    return _IP_IN_TEXT.findall(text)


def _tunnel_interfaces(model: DeviceConfig) -> dict[str, Interface]:
    return {i.name.lower(): i for i in model.interfaces if i.kind == "tunnel"}


def _cap(text: str | None, limit: int = 120) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- ST-01 / ST-02: allow-list entries in management ACLs ------------------------------------

MGMT_USES = ("vty", "snmp", "ntp", "http", "ssh", "copp", "mpp", "netconf", "nxapi")


# The web-style services whose ACL guards a plane of their own name (HTTPS counts as http).
_SERVICE_PLANES = {"ssh", "http", "https", "netconf", "nxapi", "api-http"}


def service_plane(name: str) -> str | None:
    """The management plane a service's own ACL guards, or None if the checks ignore it."""
    if name not in _SERVICE_PLANES:
        return None
    return "http" if name == "https" else name


def management_acls(
    model: DeviceConfig,
    uses: Iterable[str],
    plane_of_service: Callable[[str], str | None] = service_plane,
) -> dict[str, list[str]]:
    """ACL name -> where it guards the management plane (VTY, SNMP, NTP, ...), in the order
    the model records the bindings; ``plane_of_service`` says which plane a service's own ACL
    guards."""
    wanted = set(uses)
    found: dict[str, list[str]] = {}

    def add(acl: str | None, where: str) -> None:
        if acl and where in wanted:
            places = found.setdefault(acl, [])
            if where not in places:
                places.append(where)

    for use in model.acl_uses:
        add(use.acl, use.where)
    for line in model.lines:
        if line.kind == "vty":
            add(line.access_class_in, "vty")
            add(line.access_class_in_v6, "vty")
    for community in model.snmp.communities:
        add(community.acl, "snmp")
    for user in model.snmp.users:
        add(user.acl, "snmp")
    add(model.ntp.acl, "ntp")
    for service in model.services:
        plane = plane_of_service(service.name)
        if plane is not None:
            add(service.acl, plane)
    return found


@predicate(
    "mgmt_acl_external_permit",
    names=None,
    include_any=True,
    uses=list(MGMT_USES),
    message="ACL {acl} (guards {uses}) permits {source}",
)
def mgmt_acl_external_permit(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Permit entries for non-internal sources in ACLs bound to the management plane.
    ``names`` limits the check to ACLs with those names/numbers (ST-02: 10, 20, 50);
    ``include_any`` also reports ``permit any`` (not for CoPP, where ACLs classify, nor for
    one account's trusted hosts, which ST-29 reports). Only entries that can reach a port
    the ACL guards count (an SNMP ACL's ``permit tcp any any eq 443`` admits no SNMP; a
    loopback filter's BGP term is routing, not management). A source naming a prefix list
    (JunOS ``source-prefix-list``) is read through the list. In a firewall filter (JunOS lo0)
    ``any`` counts only where the entry names a management port: its other terms match on
    conditions the model does not keep (``tcp-established``). Without ``names``, allow-lists
    written on a service (ASA ``ssh A M IF``) count as well."""
    names = {str(n).lower() for n in params["names"]} if params["names"] else None
    bound = management_acls(model, params["uses"])
    accounts = {u.name for u in model.users}
    per_account = {u.acl for u in model.acl_uses if u.where == "mpp" and u.owner in accounts}
    for acl_name, places in bound.items():
        if names is not None and acl_name.lower() not in names:
            continue
        acl = model.acls.get(acl_name)
        if acl is None:
            continue
        skip_any = not params["include_any"] or places == ["copp"] or acl_name in per_account
        ports = guarded_ports(places)
        for entry in acl.entries:
            if entry.action != "permit" or not reaches_ports(entry, ports):
                continue
            for source, line in _sources(model, entry):
                if ctx.is_any(source):
                    explicit = acl.kind != "filter" or reaches_ports(entry, ports, explicit=True)
                    if skip_any or not explicit:
                        continue
                    shown = "any source (the whole Internet)"
                elif ctx.external(source):
                    shown = f"external source {source}"
                else:
                    continue
                message = str(params["message"]).format(
                    acl=acl_name, uses=", ".join(places), source=shown
                )
                yield Hit(line, message, {"acl": acl_name, "source": source, "used_by": places})
    if names is None:
        yield from _service_allow_lists(model, ctx)


def _sources(model: DeviceConfig, entry: AclEntry) -> list[tuple[str, int]]:
    """The entry's source, or the entries of the prefix list it names (at their lines)."""
    listed = model.acls.get(entry.source)
    if listed is not None and listed.kind == "prefix":
        return [(e.source, e.line) for e in listed.entries if e.action == "permit"]
    return [(entry.source, entry.line)]


def _service_allow_lists(model: DeviceConfig, ctx: AuditContext) -> Iterator[Hit]:
    """Who may reach a management service, written on the service itself (ASA ``ssh|http
    A M NAMEIF``): external networks. Any source is ST-29's finding."""
    for service in model.services:
        allowed = service.options.get("allowed")
        if not service.enabled or allowed is None or service.acl:
            continue
        if ctx.is_any(allowed) or not ctx.external(allowed):
            continue
        where = f" on {service.interface}" if service.interface else ""
        yield Hit(
            service.line,
            f"{service.name} access{where} allows external source {allowed}",
            {"service": service.name, "interface": service.interface, "source": allowed},
        )


# ---- ST-03: VTY without access-class ---------------------------------------------------------


def _login_services_on(model: DeviceConfig, default_on: Iterable[str]) -> list[str]:
    """SSH/Telnet servers that take logins: the last on/off statement of each decides (port
    and allow-list statements do not switch a server on), else the platform default."""
    on = []
    for name in ("ssh", "telnet"):
        statements = [
            s for s in model.service(name) if s.port is None and "allowed" not in s.options
        ]
        if statements:
            if max(statements, key=lambda s: s.line).enabled:
                on.append(name)
        elif name in default_on:
            on.append(name)
    return on


def _source_restricted(model: DeviceConfig, ctx: AuditContext) -> set[str]:
    """Login protocols whose sources an allow-list restricts outside the lines: an SSH or
    Telnet server ACL, or a management-plane list naming peers (IOS XR MPP ``peer address``)
    whose every entry for the protocol is a specific source."""
    restricted = set()
    for service in model.services:
        if service.name in ("ssh", "telnet") and service.acl:
            restricted.add(service.name)
    if any(u.where == "ssh" for u in model.acl_uses):
        restricted.add("ssh")
    peers: dict[str, list[str]] = {}
    for use in model.acl_uses:
        acl = model.acls.get(use.acl) if use.where == "mpp" else None
        for entry in acl.entries if acl is not None else ():
            if entry.action == "permit":
                peers.setdefault((entry.protocol or "all").lower(), []).append(entry.source)
    for protocol in ("ssh", "telnet"):
        sources = peers.get(protocol, []) + peers.get("all", [])
        if sources and not any(ctx.is_any(source) for source in sources):
            restricted.add(protocol)
    return restricted


@predicate("vty_without_access_class", implicit_vty={})
def vty_without_access_class(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """VTY lines that accept logins from any source address (no ``access-class in``).
    Lines with ``transport input none`` accept nothing and are skipped; an SSH server ACL
    (XR ``ssh server ... access-list``, ``ip ssh`` ACL) or MPP peers cover SSH-only lines. An
    ``ipv6 access-class`` alone filters IPv6 only: IPv4 logins stay open.

    ``implicit_vty`` names the dialects whose VTYs exist without a line statement (NX-OS
    ``line vty``, IOS XR default VTY pool, EOS ``management ssh``), with the login servers
    on by default: a config stating no VTY line still takes those logins from anywhere."""
    restricted = _source_restricted(model, ctx)
    vty = [line for line in model.lines if line.kind == "vty"]
    for line in vty:
        if line.access_class_in:
            continue
        transport = line.transport_input
        if transport == ["none"]:
            continue
        if transport and set(transport) <= restricted:
            continue
        accepts = " ".join(transport) if transport else "the platform default"
        what = (
            f"has only an IPv6 access-class ({line.access_class_in_v6}): IPv4 logins"
            if line.access_class_in_v6
            else "has no access-class: logins"
        )
        yield Hit(
            line.line,
            f"line {line.name} {what} ({accepts}) accepted from any source address",
            {
                "line_name": line.name,
                "transport_input": transport,
                "access_class_in_v6": line.access_class_in_v6,
            },
        )
    implicit: Mapping[str, Any] = params["implicit_vty"]
    if vty or model.dialect not in implicit:
        return
    open_logins = [
        name
        for name in _login_services_on(model, implicit[model.dialect])
        if name not in restricted
    ]
    if open_logins:
        yield Hit(
            None,
            f"no VTY line configured: the {model.os or model.dialect} default VTYs take "
            f"{' and '.join(open_logins)} logins from any source address (no access-class)",
            {"line_name": None, "transport_input": open_logins, "implicit": True},
        )


# ---- ST-04: management services on extra / campaign ports -----------------------------------

CAMPAIGN_PORT_PATTERNS = (r"^22\d22$", r"^\d{3}22$", r"^18\d{3}$")
_CAMPAIGN_PORTS = tuple(re.compile(p) for p in CAMPAIGN_PORT_PATTERNS)


def campaign_port(port: Any, patterns: Iterable[re.Pattern[str]] = _CAMPAIGN_PORTS) -> bool:
    """True for ports of the shapes the campaign used: 22x22, xxx22 (5 digits), 18xxx."""
    if port is None or isinstance(port, bool):
        return False
    text = str(port).strip()
    return text.isdigit() and any(p.match(text) for p in patterns)


@predicate(
    "mgmt_ports",
    patterns=list(CAMPAIGN_PORT_PATTERNS),
    default_ports={
        "ssh": 22,
        "telnet": 23,
        "http": 80,
        "https": 443,
        "netconf": 830,
        "restconf": 443,
        "scp": 22,
        "api-http": 443,
        "nxapi-http": 80,
        "nxapi-https": 443,
    },
    shape_only=["gnmi", "grpc"],
)
def mgmt_ports(model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext) -> Iterator[Hit]:
    """Management services moved to a non-default port (``ip ssh port N rotary M``,
    ``ip http port``, ``ip http secure-port``, NX-OS ``nxapi https port``) and ``rotary``
    groups on VTY lines; the message says when the port has one of the campaign's shapes.
    A service whose default port depends on its transport (NX-API) is looked up as
    ``<name>-<transport>``; services in ``shape_only`` have no single default (IOS XR gRPC
    takes any port of a range) and are reported only on a campaign shape."""
    patterns = [re.compile(str(p)) for p in params["patterns"]]
    defaults: Mapping[str, Any] = params["default_ports"]
    shape_only = set(params["shape_only"])
    for service in model.services:
        if service.port is None:
            continue
        if service.name in shape_only:
            if not campaign_port(service.port, patterns):
                continue
        else:
            transport = service.options.get("transport")
            default = defaults.get(f"{service.name}-{transport}", defaults.get(service.name))
            if default is None or service.port == default:
                continue
        shape = (
            " (port shape used by the campaign: 22x22 / xxx22 / 18xxx)"
            if campaign_port(service.port, patterns)
            else ""
        )
        rotary = service.options.get("rotary")
        extra = f" rotary {rotary}" if rotary else ""
        state = "" if service.enabled else " (service itself disabled)"
        yield Hit(
            service.line,
            f"{service.name} on non-default port {service.port}{extra}{shape}{state}",
            {"service": service.name, "port": service.port, "rotary": rotary},
        )
    for line in model.lines:
        if line.rotary is not None:
            yield Hit(
                line.line,
                f"line {line.name} is in rotary group {line.rotary}: it accepts logins on the "
                "rotary's extra ports (used with `ip ssh port N rotary`)",
                {"line_name": line.name, "rotary": line.rotary},
            )


# ---- ST-09: tunnels to unknown peers ------------------------------------------------------


@predicate("tunnel_peers", unlisted_severity="medium")
def tunnel_peers(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Tunnel interfaces and crypto peers towards external addresses that are not in the
    known-peer inventory; ``gre multipoint`` (mGRE) always. Without an inventory, external
    peers are reported at ``unlisted_severity`` and the message says so."""
    known = ctx.known_tunnel_peers
    tunnel_ends: set[str] = set()
    for iface in model.interfaces:
        if iface.kind != "tunnel":
            continue
        if iface.tunnel_destination:
            tunnel_ends.add(iface.tunnel_destination)
        mode = (iface.tunnel_mode or "").lower()
        dest = iface.tunnel_destination
        if "multipoint" in mode:
            yield Hit(
                iface.line,
                f"{iface.name}: tunnel mode {mode} accepts GRE from any peer "
                f"(destination {dest or 'dynamic'})",
                {"interface": iface.name, "tunnel_mode": mode, "destination": dest},
            )
            continue
        if not dest or ctx.external(dest) is not True:
            continue
        if known is not None:
            if dest in known:
                continue
            yield Hit(
                iface.line,
                f"{iface.name}: tunnel ({mode or 'default mode'}) to {dest}, not a known peer",
                {"interface": iface.name, "tunnel_mode": mode, "destination": dest},
            )
        else:
            yield Hit(
                iface.line,
                f"{iface.name}: tunnel ({mode or 'default mode'}) to external {dest}; no "
                "known-peer list given, confirm it is yours",
                {"interface": iface.name, "tunnel_mode": mode, "destination": dest},
                severity=str(params["unlisted_severity"]),
            )
    for peer in model.crypto_peers:
        # the tunnel towards the same address is already reported
        if peer.address in tunnel_ends or ctx.external(peer.address) is not True:
            continue
        if known is not None:
            if peer.address in known:
                continue
            yield Hit(
                peer.line,
                f"{peer.kind} peer {peer.address} is not a known peer",
                {"peer": peer.address, "kind": peer.kind},
            )
        else:
            yield Hit(
                peer.line,
                f"{peer.kind} peer {peer.address} (external); no known-peer list given, "
                "confirm it is yours",
                {"peer": peer.address, "kind": peer.kind},
                severity=str(params["unlisted_severity"]),
            )


# ---- ST-11: AAA servers outside the approved list ---------------------------------------------


@predicate("aaa_servers_unapproved", unlisted_severity="high")
def aaa_servers_unapproved(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """TACACS+/RADIUS servers not in the approved AAA list; without a list, servers at
    external addresses (at ``unlisted_severity``)."""
    approved = ctx.approved_aaa_servers
    for server in model.aaa.servers:
        label = server.name or server.address
        if approved is not None:
            if server.address in approved or (server.name and server.name in approved):
                continue
            yield Hit(
                server.line,
                f"{server.protocol} server {label} ({server.address}) is not in the approved "
                "AAA server list",
                {"protocol": server.protocol, "address": server.address, "name": server.name},
            )
        elif ctx.external(server.address):
            yield Hit(
                server.line,
                f"{server.protocol} server {label} at external address {server.address}; no "
                "approved AAA list given, confirm it is yours",
                {"protocol": server.protocol, "address": server.address, "name": server.name},
                severity=str(params["unlisted_severity"]),
            )


# ---- ST-13: SNMP communities -------------------------------------------------------------


@predicate("snmp_communities")
def snmp_communities(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Every SNMPv1/v2c community (a cleartext shared secret), saying when it is read-write
    and when no ACL limits who may use it."""
    guarded = {u.owner for u in model.acl_uses if u.where == "snmp" and u.owner}
    for community in model.snmp.communities:
        problems = ["cleartext shared secret"]
        if community.access == "rw":
            problems.append("read-write (SNMP SET can change the config)")
        else:
            problems.append("read-only")
        has_acl = bool(community.acl) or community.fingerprint in guarded
        problems.append(
            f"ACL {community.acl}" if community.acl else ("ACL" if has_acl else "no ACL")
        )
        yield Hit(
            community.line,
            f"SNMPv{community.version} community (fingerprint {community.fingerprint}): "
            + "; ".join(problems),
            {
                "fingerprint": community.fingerprint,
                "access": community.access,
                "acl": community.acl,
                "version": community.version,
            },
        )


# ---- ST-15: on-box containers -----------------------------------------------------------


@predicate("containers_enabled", features=["bash-shell", "guestshell"])
def containers_enabled(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Guest Shell, IOx, app-hosting, virtual services and NX-OS ``feature bash-shell``."""
    lines_seen: set[int] = set()
    kinds_seen: set[str] = set()
    for container in model.containers:
        if not container.enabled:
            continue
        lines_seen.add(container.line)
        kinds_seen.add(container.kind)
        yield Hit(
            container.line,
            f"{container.kind} {container.name} enabled: a Linux environment on the device "
            "that device logs barely see",
            {"kind": container.kind, "name": container.name},
        )
    for feature in model.features:
        if feature not in params["features"] or feature in kinds_seen:
            continue
        line = locate(model, f"feature {feature}")
        if line in lines_seen:
            continue
        yield Hit(
            line, f"feature {feature} enabled: shell access to the host OS", {"feature": feature}
        )


# ---- ST-16: logging weakened -----------------------------------------------------------------

TRAP_LEVELS = {
    "emergencies": 0,
    "emergency": 0,
    "alerts": 1,
    "alert": 1,
    "critical": 2,
    "errors": 3,
    "error": 3,
    "warnings": 4,
    "warning": 4,
    "notifications": 5,
    "notice": 5,
    "informational": 6,
    "info": 6,
    "debugging": 7,
    "any": 7,
    "none": -1,
}
_SENSITIVE_DROPS = re.compile(
    r"\bdrops\b.*\b(AAA|PARSER|SYS|SEC_LOGIN|CONFIG_I|CFGLOG_LOGGEDCMD|LOGGINGHOST_STARTSTOP|"
    r"HA_EM|SSH|VMAN|IM)\b",
    re.IGNORECASE,
)


def trap_level(value: str | None) -> int | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text)
    return TRAP_LEVELS.get(text)


@predicate("logging_weakened", min_trap_level=6)
def logging_weakened(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Logging switched off, the remote trap level below ``min_trap_level`` (6 =
    informational: %SYS-6-LOGGINGHOST_STARTSTOP, which shows log forwarding being stopped, is
    level 6), or a discriminator that drops AAA/PARSER/SYS-type messages."""
    log = model.logging
    if log.disabled:
        line = locate(model, "no logging on", "logging disable") or log.line
        yield Hit(line, "logging is disabled on the device", {"disabled": True})
    level = trap_level(log.trap_level)
    if level is not None and level < int(params["min_trap_level"]):
        line = locate(model, "logging trap", "trap-level", "logging level") or log.line
        yield Hit(
            line,
            f"remote logging level {log.trap_level} ({level}) drops messages below "
            f"level {params['min_trap_level']}, including config and log-stop events",
            {"trap_level": log.trap_level},
        )
    for text in log.discriminators:
        if _SENSITIVE_DROPS.search(text):
            name = text.split()[0] if text.split() else text
            yield Hit(
                locate(model, f"logging discriminator {name}"),
                f"logging discriminator drops security messages: {_cap(text)}",
                {"discriminator": _cap(text)},
            )


# ---- ST-18: routes into tunnels ------------------------------------------------------------


def _in_subnet(address: str | None, prefixes: Iterable[str]) -> bool:
    if not address:
        return False
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        return False
    for prefix in prefixes:
        try:
            if addr in ipaddress.ip_network(prefix, strict=False):
                return True
        except ValueError:
            continue
    return False


@predicate("routes_into_tunnels")
def routes_into_tunnels(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Static routes and policy-based routes whose next hop is a tunnel interface (or an
    address on a tunnel's subnet), unless the tunnel's far end is a known peer."""
    tunnels = _tunnel_interfaces(model)
    if not tunnels:
        return
    known = ctx.known_tunnel_peers or frozenset()

    def tunnel_for(interface: str | None, next_hop: str | None) -> Interface | None:
        if interface and interface.lower() in tunnels:
            return tunnels[interface.lower()]
        for tunnel in tunnels.values():
            if _in_subnet(next_hop, tunnel.addresses):
                return tunnel
        return None

    for route in model.static_routes:
        tunnel = tunnel_for(route.interface, route.next_hop)
        if tunnel is None or tunnel.tunnel_destination in known:
            continue
        via = route.next_hop or route.interface
        yield Hit(
            route.line,
            f"static route {route.prefix} via {via} goes into {tunnel.name} "
            f"(far end {tunnel.tunnel_destination or 'not stated'})",
            {"prefix": route.prefix, "tunnel": tunnel.name, "next_hop": route.next_hop},
        )
    for policy in model.policy_routes:
        tunnel = tunnel_for(policy.interface, policy.next_hop)
        if tunnel is None or tunnel.tunnel_destination in known:
            continue
        yield Hit(
            policy.line,
            f"route-map {policy.route_map} sends traffic into {tunnel.name} "
            f"(far end {tunnel.tunnel_destination or 'not stated'})",
            {"route_map": policy.route_map, "tunnel": tunnel.name, "next_hop": policy.next_hop},
        )


# ---- ST-20: Smart Install -----------------------------------------------------------------

_SWITCH_PLATFORM = re.compile(
    r"catalyst|\bws-c|\bc?(2960|3560|3650|3750|3850|4500|6500|9200|9300|9400|9500)|\bie-?\d{4}",
    re.IGNORECASE,
)


def looks_like_switch(model: DeviceConfig) -> str | None:
    """Why the config looks like a Catalyst switch (Smart Install clients are switches), or
    None."""
    if model.platform and _SWITCH_PLATFORM.search(model.platform):
        return f"platform {model.platform}"
    # Routers print an unused `interface Vlan1` too: only an addressed, active one counts.
    if any(i.kind == "vlan" and i.addresses and not i.shutdown for i in model.interfaces):
        return "it routes on Vlan interfaces"
    for text in model.text.values():
        if text.startswith(" switchport"):
            return "it has switchports"
    return None


def _before_smart_install(version: str | None) -> bool:
    """True for IOS releases older than any Smart Install client (it came with 12.2(52)SE):
    10.x, 11.x, 12.0 and 12.1."""
    major = major_version(version)
    if major is None:
        return False
    text = (version or "").strip()
    return major < 12 or text.startswith(("12.0", "12.1"))


@predicate("smart_install", unstated_severity="high")
def smart_install(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Smart Install client (TCP/4786, CVE-2018-0171): ``vstack`` stated -> the check's
    severity; ``no vstack`` -> nothing; not stated on something that looks like a switch ->
    ``unstated_severity``, saying that the release default decides."""
    services = model.service("smart-install")
    if any(not s.enabled for s in services):
        return
    enabled = [s for s in services if s.enabled]
    if enabled:
        for service in enabled:
            yield Hit(
                service.line,
                "Smart Install client enabled (`vstack`): TCP/4786 accepts unauthenticated "
                "config and image changes (CVE-2018-0171)",
                {"vstack": True},
            )
        return
    if _before_smart_install(model.version):
        return
    why = looks_like_switch(model)
    if why:
        yield Hit(
            None,
            f"`no vstack` not stated and the device looks like a switch ({why}): the Smart "
            "Install client is on by default in many releases; confirm with `show vstack "
            "config`",
            {"vstack": "not stated", "switch_hint": why},
            severity=str(params["unstated_severity"]),
        )


# ---- ST-22: on-box automation that runs CLI --------------------------------------------------

_RISKY_ACTIONS = re.compile(
    r"clear log|no logging|access-list|username|tacacs|radius|snmp-server community|"
    r"ip ssh port|guestshell|monitor capture|copy .*(tftp|ftp|http|scp):|write erase|"
    r"no archive|tclsh|event manager|interface tunnel|crypto key",
    re.IGNORECASE,
)


_TRIVIAL = re.compile(
    r"^\s*(cli command\s+)?\"?(enable|end|exit|conf(ig(ure)?)?( t(erminal)?)?)\"?\s*$",
    re.IGNORECASE,
)


@predicate("automation_runs_cli", kinds=["eem", "kron"], risky_severity="high")
def automation_runs_cli(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """EEM applets and kron jobs that run CLI; ``risky_severity`` when a command touches
    logging, accounts, ACLs, AAA, SNMP, captures, copies off the box or shells."""
    kinds = set(params["kinds"])
    for job in model.automation:
        if job.kind not in kinds or not job.actions:
            continue
        risky = [a for a in job.actions if _RISKY_ACTIONS.search(a)]
        shown = risky or [a for a in job.actions if not _TRIVIAL.match(a)] or job.actions
        yield Hit(
            job.line,
            f"{job.kind} {job.name} runs {len(job.actions)} CLI command(s), e.g. "
            f"`{_cap(shown[0], 80)}`",
            {"kind": job.kind, "name": job.name, "actions": [_cap(a) for a in shown[:5]]},
            severity=str(params["risky_severity"]) if risky else None,
        )


# ---- ST-23: configs copied off the box ------------------------------------------------------

_LOCAL_FS = re.compile(
    r"^(flash|bootflash|disk\d*|nvram|usbflash\d*|slot\d*|harddisk|crashinfo|system|volatile|"
    r"/)",
    re.IGNORECASE,
)
_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*):/*(?:[^@/]*@)?(?P<host>\[[^\]]+\]|[^/:]+)?")
CLEARTEXT_SCHEMES = ("tftp", "ftp", "http", "rcp")


@predicate("archive_targets_off_box")
def archive_targets_off_box(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Where configs are copied off the device: cleartext protocols (TFTP/FTP/HTTP/RCP)
    always, encrypted ones when the host is external; local file systems are fine."""
    for target in model.archive_targets:
        url = target.url.strip()
        if target.kind != "archive" and "://" not in url and ":" not in url:
            yield Hit(
                target.line,
                f"{target.kind}: credentials for copying files off the device are configured",
                {"kind": target.kind},
            )
            continue
        if _LOCAL_FS.match(url):
            continue
        match = _URL.match(url)
        if not match:
            continue
        scheme = match.group("scheme").lower()
        host = (match.group("host") or "").strip("[]")
        external = ctx.external(host)
        if scheme in CLEARTEXT_SCHEMES:
            where = f" to external host {host}" if external else (f" to {host}" if host else "")
            yield Hit(
                target.line,
                f"configs copied over cleartext {scheme.upper()}{where} ({target.kind})",
                {"scheme": scheme, "host": host or None, "kind": target.kind},
            )
        elif external:
            yield Hit(
                target.line,
                f"configs copied to external host {host} over {scheme} ({target.kind})",
                {"scheme": scheme, "host": host, "kind": target.kind},
            )


# ---- ST-25: management-plane protection -------------------------------------------------


@predicate("no_mgmt_plane_protection")
def no_mgmt_plane_protection(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """No management-plane protection (MPP), no CoPP policy and no loopback/control-plane
    filter: every interface address answers management protocols."""
    if model.flags.get("mpp") or model.flags.get("copp"):
        return
    if any(u.where in ("copp", "mpp") for u in model.acl_uses):
        return
    yield Hit(
        None,
        "no management-plane protection: no MPP, CoPP policy or loopback/control-plane "
        "filter in the config",
        {
            "mpp": model.flags.get("mpp", "not stated"),
            "copp": model.flags.get("copp", "not stated"),
        },
    )


# ---- ST-26: NX-OS risky features -----------------------------------------------------------


@predicate("nxos_risky_features")
def nxos_risky_features(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """NX-API without an ACL and ``no password strength-check`` (telnet is HD-01, bash-shell
    ST-15)."""
    nxapi_acl = any(u.where == "nxapi" for u in model.acl_uses) or any(
        s.name == "nxapi" and s.acl for s in model.services
    )
    nxapi_on = "nxapi" in model.features or any(
        s.name == "nxapi" and s.enabled for s in model.services
    )
    if nxapi_on and not nxapi_acl:
        yield Hit(
            locate(model, "feature nxapi"),
            "NX-API enabled without an ACL: HTTP(S) command API reachable from any source",
            {"feature": "nxapi", "acl": None},
            severity="high",
        )
    if model.flags.get("password_strength_check") is False:
        yield Hit(
            locate(model, "no password strength-check"),
            "`no password strength-check`: weak local passwords accepted",
            {"password_strength_check": False},
            severity="medium",
        )


# ---- ST-29: firewall admin access on untrusted interfaces -----------------------------------

_UNTRUSTED_NAME = re.compile(
    r"outside|untrust|\bwan|internet|external|\bisp|public|uplink", re.IGNORECASE
)
_ADMIN_SERVICES = ("http", "https", "telnet", "ssh", "snmp", "ftp", "api-http")


def _interface_by_name(model: DeviceConfig, name: str) -> Interface | None:
    low = name.lower()
    for iface in model.interfaces:
        if iface.name.lower() == low:
            return iface
    return None


def untrusted_interface(model: DeviceConfig, name: str, ctx: AuditContext) -> str | None:
    """Why an interface (by nameif/name) looks Internet-facing, or None."""
    if _UNTRUSTED_NAME.search(name):
        return f"named {name}"
    iface = _interface_by_name(model, name)
    if iface is None:
        return None
    if iface.description and _UNTRUSTED_NAME.search(iface.description):
        return f"described as {_cap(iface.description, 40)!r}"
    for prefix in iface.addresses:
        if ctx.external(prefix):
            return f"public address {prefix}"
    return None


@predicate("admin_on_untrusted", account_allow_lists=["fortinet_fortios"])
def admin_on_untrusted(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Administrative access (HTTP/HTTPS/Telnet/SSH/SNMP) offered on Internet-facing
    interfaces or to any source; cleartext admin (HTTP, Telnet) anywhere. On dialects in
    ``account_allow_lists`` each account has its own list of trusted sources (FortiOS
    ``trusthost``, an ``mpp`` ACL owned by the account): an account without one, or whose
    list admits any address, logs in from anywhere."""
    if model.dialect in params["account_allow_lists"]:
        yield from _accounts_without_allow_list(model, ctx)
    for service in model.services:
        if not service.enabled or service.name not in _ADMIN_SERVICES:
            continue
        allowed = service.options.get("allowed")
        why = untrusted_interface(model, service.interface, ctx) if service.interface else None
        open_to_all = ctx.is_any(allowed)
        cleartext = service.name in ("http", "telnet", "ftp")
        if not (why or open_to_all or cleartext):
            continue
        reasons = []
        if why:
            reasons.append(f"on interface {service.interface} ({why})")
        if open_to_all:
            reasons.append("from any source address")
        elif allowed and ctx.external(allowed):
            reasons.append(f"from external {allowed}")
        if cleartext:
            reasons.append("in cleartext")
        yield Hit(
            service.line,
            f"{service.name} admin access " + ", ".join(reasons),
            {"service": service.name, "interface": service.interface, "allowed": allowed},
        )


def _accounts_without_allow_list(model: DeviceConfig, ctx: AuditContext) -> Iterator[Hit]:
    lists: dict[str, list[str]] = {}
    for use in model.acl_uses:
        acl = model.acls.get(use.acl) if use.where == "mpp" and use.owner else None
        if acl is not None and use.owner is not None:
            sources = lists.setdefault(use.owner, [])
            sources += [e.source for e in acl.entries if e.action == "permit"]
    for user in model.users:
        sources = lists.get(user.name, [])
        if sources and not any(ctx.is_any(source) for source in sources):
            continue
        why = "a trusted host of any address" if sources else "no trusted host"
        role = f" ({user.role})" if user.role else ""
        yield Hit(
            user.line,
            f"account {user.name}{role} has {why}: its logins are accepted from any source address",
            {"user": user.name, "role": user.role, "trusted_hosts": sources[:20]},
        )


# ---- HD-01: telnet -----------------------------------------------------------------------


@predicate("telnet_accepted", default_all_before=15, unstated_severity="medium")
def telnet_accepted(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Telnet accepted: VTY, aux and async (tty) lines with ``transport input telnet|all``
    (async lines of a terminal server take reverse telnet to what they attach); IOS VTY lines
    without ``transport input`` (default ``all`` before IOS ``default_all_before``; on later
    or unknown releases the default depends on platform and release ->
    ``unstated_severity``); an enabled telnet service (JunOS ``services telnet``, EOS
    ``management telnet``, XR telnet server) or NX-OS ``feature telnet``. A line whose
    access-class lets no source reach TCP/23 takes no telnet, whatever its transport."""
    reported: set[int] = set()
    reported_lines: set[str] = set()
    major = major_version(model.version)
    for line in model.lines:
        if line.kind not in ("vty", "aux", "tty"):
            continue
        if _access_class_drops_telnet(model, line):
            reported.add(line.line)  # nor as the telnet service the line also records
            reported_lines.add(line.name)
            continue
        transport = line.transport_input
        if transport is not None:
            accepted = [t for t in transport if t in ("telnet", "all")]
            if accepted:
                reported.add(line.line)
                reported_lines.add(line.name)
                yield Hit(
                    line.line,
                    f"line {line.name}: transport input {' '.join(transport)} accepts telnet "
                    "(cleartext logins)",
                    {"line_name": line.name, "transport_input": transport},
                )
            continue
        if line.kind != "vty" or model.dialect != "cisco_ios":
            continue
        reported.add(line.line)
        reported_lines.add(line.name)
        if major is not None and major < int(params["default_all_before"]) and model.os != "IOS XE":
            yield Hit(
                line.line,
                f"line {line.name}: no `transport input` on IOS {model.version}, whose default "
                "is `all`: telnet accepted",
                {"line_name": line.name, "transport_input": None, "version": model.version},
            )
        else:
            release = f"{model.os or 'IOS'} {model.version}" if model.version else "this release"
            yield Hit(
                line.line,
                f"line {line.name}: `transport input` not stated; the default of {release} "
                "applies and may accept telnet (state `transport input ssh`)",
                {"line_name": line.name, "transport_input": None, "version": model.version},
                severity=str(params["unstated_severity"]),
            )
    for service in model.services:
        if service.name != "telnet" or not service.enabled or service.line in reported:
            continue
        # IOS-style parsers also record a line's transport as a telnet service
        if service.options.get("line") in reported_lines:
            continue
        reported.add(service.line)
        where = f" on {service.interface}" if service.interface else ""
        yield Hit(
            service.line,
            f"telnet server enabled{where}: cleartext logins",
            {"service": "telnet", "interface": service.interface},
        )
    if "telnet" in model.features:
        found = locate(model, "feature telnet")
        if found not in reported:
            yield Hit(found, "feature telnet enabled: cleartext logins", {"feature": "telnet"})


def _access_class_drops_telnet(model: DeviceConfig, line: Line) -> bool:
    """The line's access-class lets no source reach TCP/23 (``permit tcp any any neq
    telnet``); with IPv6 addresses on the device its IPv6 access-class must drop it too."""
    acl = model.acls.get(line.access_class_in) if line.access_class_in else None
    if acl is None or acl_admits_tcp_port(acl, 23):
        return False
    if any(":" in a for iface in model.interfaces for a in iface.addresses):
        v6 = model.acls.get(line.access_class_in_v6) if line.access_class_in_v6 else None
        return v6 is not None and not acl_admits_tcp_port(v6, 23)
    return True


# ---- HD-03 / HD-04 / HD-05: weak secrets --------------------------------------------------

_TYPE_WORDS = {
    "none": "no password",
    "plain": "clear text (type 0)",
    "7": "type 7 (reversible)",
    "5": "type 5 (MD5 crypt)",
}


def _type_word(secret_type: str | None) -> str:
    return _TYPE_WORDS.get(secret_type or "", f"type {secret_type}")


@predicate(
    "weak_local_secrets",
    high_types=["none", "plain", "7"],
    medium_types=["5"],
    secret_kinds=["enable"],
)
def weak_local_secrets(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Local passwords/secrets of users, lines and the device-wide ``secret_kinds`` (enable,
    ASA ``passwd`` login) in weak types: clear text, type 7 and no password -> high; type 5
    (MD5) -> medium (NSA: use type 8 or 9)."""
    high = set(params["high_types"])
    medium = set(params["medium_types"])

    def grade(secret_type: str | None) -> str | None:
        if secret_type in high:
            return "high"
        if secret_type in medium:
            return "medium"
        return None

    for user in model.users:
        severity = grade(user.secret_type)
        if severity is None or (user.secret_type == "none" and user.ssh_keys):
            continue
        stored = (
            "has no password"
            if user.secret_type == "none"
            else f"password stored as {_type_word(user.secret_type)}"
        )
        yield Hit(
            user.line,
            f"user {user.name}{' (admin)' if user.is_admin else ''}: {stored}",
            {"user": user.name, "secret_type": user.secret_type, "admin": user.is_admin},
            severity=severity,
        )
    for secret in model.secrets:
        if secret.kind not in params["secret_kinds"]:
            continue
        severity = grade(secret.secret_type)
        if severity is not None:
            owner = f" ({secret.owner})" if secret.owner else ""
            yield Hit(
                secret.line,
                f"{secret.kind}{owner} secret stored as {_type_word(secret.secret_type)}",
                {"kind": secret.kind, "secret_type": secret.secret_type},
                severity=severity,
            )
    for line in model.lines:
        severity = grade(line.password_type)
        if severity is not None and line.password_type != "none":
            yield Hit(
                line.line,
                f"line {line.name}: password stored as {_type_word(line.password_type)}",
                {"line_name": line.name, "secret_type": line.password_type},
                severity=severity,
            )


@predicate(
    "weak_service_keys",
    weak_types=["plain", "7"],
    secret_kinds=["tacacs-key", "radius-key", "ospf-key", "bgp-password", "isakmp-key"],
)
def weak_service_keys(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """TACACS+/RADIUS/OSPF/BGP keys and IKE pre-shared keys stored in clear text or type 7
    instead of type 6."""
    weak = set(params["weak_types"])
    seen: set[int] = set()
    # Keys recorded as secrets carry the line of the key itself; a server whose key is among
    # them (its own or the global one it inherits) is reported there, not again.
    key_owners = {
        (s.kind, s.owner) for s in model.secrets if s.kind in ("tacacs-key", "radius-key")
    }
    for server in model.aaa.servers:
        kind = f"{server.protocol}-key"
        if {(kind, None), (kind, server.address), (kind, server.name)} & key_owners:
            continue
        if server.key_type in weak:
            seen.add(server.line)
            yield Hit(
                server.line,
                f"{server.protocol} key of server {server.name or server.address} stored as "
                f"{_type_word(server.key_type)}",
                {"kind": f"{server.protocol}-key", "secret_type": server.key_type},
            )
    for secret in model.secrets:
        if secret.kind in params["secret_kinds"] and secret.secret_type in weak:
            if secret.line in seen:
                continue
            seen.add(secret.line)
            owner = f" ({secret.owner})" if secret.owner else ""
            yield Hit(
                secret.line,
                f"{secret.kind}{owner} stored as {_type_word(secret.secret_type)}",
                {"kind": secret.kind, "secret_type": secret.secret_type, "owner": secret.owner},
            )


@predicate(
    "plaintext_without_encryption",
    secret_kinds=["enable", "tacacs-key", "radius-key", "ospf-key", "bgp-password", "ntp-key"],
)
def plaintext_without_encryption(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """``service password-encryption`` off (or not stated) while clear-text passwords it
    would obscure are in the config (user, line, enable, AAA and routing keys; it does not
    touch IKE pre-shared keys, which HD-04 reports): anyone who sees the config reads them."""
    if model.flags.get("service_password_encryption") is True:
        return
    plain_secrets = [
        s for s in model.secrets if s.secret_type == "plain" and s.kind in params["secret_kinds"]
    ]
    # A server's key recorded as a secret (its own or the global one) is that key, not another.
    key_owners = {(s.kind, s.owner) for s in plain_secrets}
    plain_lines = sorted(
        [u.line for u in model.users if u.secret_type == "plain"]
        + [s.line for s in plain_secrets]
        + [line.line for line in model.lines if line.password_type == "plain"]
        + [
            s.line
            for s in model.aaa.servers
            if s.key_type == "plain"
            and not {
                (f"{s.protocol}-key", None),
                (f"{s.protocol}-key", s.address),
                (f"{s.protocol}-key", s.name),
            }
            & key_owners
        ]
    )
    if not plain_lines:
        return
    stated = (
        "`no service password-encryption`"
        if model.flags.get("service_password_encryption") is False
        else "`service password-encryption` not stated"
    )
    yield Hit(
        plain_lines[0],
        f"{stated} and {len(plain_lines)} clear-text password(s)/key(s) in the config "
        f"(first on line {plain_lines[0]})",
        {"plaintext_lines": plain_lines[:20]},
    )


# ---- HD-06: default / guessable account names ---------------------------------------------


@predicate(
    "default_account_names",
    names=["cisco", "admin", "administrator", "root", "manager", "operator", "support", "user"],
    exempt={"juniper_junos": ["root"]},
)
def default_account_names(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Local accounts with default or guessable names: the first names a password sprayer
    tries. ``exempt`` lists names a dialect cannot avoid (JunOS root)."""
    names = {str(n).lower() for n in params["names"]}
    exempt = {str(n).lower() for n in params["exempt"].get(model.dialect, [])}
    for user in model.users:
        low = user.name.lower()
        if low not in names or low in exempt:
            continue
        yield Hit(
            user.line,
            f"local account {user.name!r} has a default/guessable name"
            f"{' and admin rights' if user.is_admin else ''} "
            f"(password {_type_word(user.secret_type)})",
            {"user": user.name, "admin": user.is_admin, "secret_type": user.secret_type},
        )


# ---- HD-10: SNMPv3 ------------------------------------------------------------------------

_WEAK_AUTH = ("md5",)
_WEAK_PRIV = ("des", "des56", "3des")


@predicate("snmpv3_weak")
def snmpv3_weak(model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext) -> Iterator[Hit]:
    """SNMPv3 users and groups without privacy (authNoPriv/noAuthNoPriv) or with MD5/DES."""
    for user in model.snmp.users:
        problems = []
        level = model.snmp.groups.get(user.group or "")
        if not user.auth:
            problems.append("no authentication")
        if not user.priv:
            problems.append("no privacy (traffic in clear)")
        auth = (user.auth or "").lower()
        priv = (user.priv or "").lower().split()[0] if user.priv else ""
        if auth in _WEAK_AUTH:
            problems.append(f"auth {auth}")
        if priv in _WEAK_PRIV:
            problems.append(f"priv {priv}")
        if not problems and level in ("noauth", "auth"):
            problems.append(f"group {user.group} security level {level}")
        if problems:
            yield Hit(
                user.line,
                f"SNMPv3 user {user.name}: " + ", ".join(problems),
                {"user": user.name, "auth": user.auth, "priv": user.priv, "group": user.group},
            )
    users_groups = {u.group for u in model.snmp.users}
    for group, level in model.snmp.groups.items():
        if level in ("noauth", "auth") and group not in users_groups:
            yield Hit(
                locate(model, f"group {group} v3", f"group {group}"),
                f"SNMPv3 group {group} with security level {level} (no privacy)",
                {"group": group, "level": level},
            )


# ---- HD-12: discovery protocols on external interfaces ------------------------------------

_EXTERNAL_DESCRIPTION = re.compile(
    r"internet|transit|upstream|\bisp\b|peering|\bpeer\b|customer|\bcust\b|\bwan\b|external|"
    r"outside|\bix\b",
    re.IGNORECASE,
)


# "OSPF transit" / "IS-IS transit" name a link an IGP crosses inside the network, not IP
# transit bought from a provider: removed before the words above are looked for.
_IGP_TRANSIT = re.compile(
    r"\b(?:ospf(?:v[23])?|is-?is|eigrp|igp|ldp|mpls|backbone)\s+transit\b", re.IGNORECASE
)


@predicate("discovery_on_external", cdp_default_on=["cisco_ios", "cisco_nxos"])
def discovery_on_external(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """CDP/LLDP active on interfaces whose description says they face outside (transit,
    peering, customer, Internet, ...; an IGP's "OSPF transit" link is internal). Addresses
    are no hint: carriers number their core links from public space. CDP counts as on when
    not disabled on dialects whose default is on; LLDP only when the config turns it on."""
    cdp_global = model.flags.get("cdp_global")
    lldp_global = model.flags.get("lldp_global")
    for iface in model.interfaces:
        if iface.shutdown or iface.kind in ("loopback", "tunnel", "management"):
            continue
        if not iface.description:
            continue
        if not _EXTERNAL_DESCRIPTION.search(_IGP_TRANSIT.sub(" ", iface.description)):
            continue
        protocols = []
        if iface.cdp is True or (
            iface.cdp is None
            and cdp_global is not False
            and (cdp_global is True or model.dialect in params["cdp_default_on"])
        ):
            protocols.append("CDP" if iface.cdp else "CDP (on by default, not disabled)")
        if iface.lldp is True or (iface.lldp is None and lldp_global is True):
            protocols.append("LLDP")
        if protocols:
            described = _cap(iface.description, 40)
            yield Hit(
                iface.line,
                f"{iface.name} faces outside (description {described!r}) and runs "
                f"{', '.join(protocols)}",
                {"interface": iface.name, "protocols": protocols, "description": described},
            )


# ---- HD-13: legacy services ----------------------------------------------------------------


@predicate(
    "legacy_services",
    services={
        "ip_source_route": "ip source-route",
        "service_pad": "service pad",
        "small_servers": "service tcp-small-servers",
        "finger": "ip finger",
        "bootp_server": "ip bootp server",
    },
    default_on=["ip_source_route", "service_pad", "bootp_server"],
)
def legacy_services(
    model: DeviceConfig, params: Mapping[str, Any], ctx: AuditContext
) -> Iterator[Hit]:
    """Legacy IOS services on: stated on, or not stated where the IOS default is on
    (source routing, PAD, BOOTP server)."""
    default_on = set(params["default_on"])
    for flag, statement in params["services"].items():
        value = model.flags.get(flag)
        if value is True:
            yield Hit(
                locate(model, statement),
                f"`{statement}` enabled",
                {"flag": flag, "value": value},
            )
        elif value is None and flag in default_on:
            yield Hit(
                None,
                f"`no {statement}` not stated: on by default on IOS",
                {"flag": flag, "value": "not stated (default on)"},
            )
