"""JunOS path statements outside ``system``: interfaces, firewall filters, prefix lists, SNMP,
routing, IPsec, mirroring and event policies. ``junos.py`` reads the files and dispatches here.

Handlers take the statement's words (``interfaces ge-0/0/0 unit 0 family inet address ...``)
and its line; statements that need others (a term's ``then`` after its ``from``, a VPN's
gateway address) are collected and resolved in :func:`finish`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seawall.records.config import (
    Acl,
    AclEntry,
    AclUse,
    Automation,
    Capture,
    CryptoPeer,
    DeviceConfig,
    Interface,
    LocalUser,
    RoutingPeer,
    Secret,
    SnmpHost,
    SnmpUser,
    StaticRoute,
)
from seawall.sources.configs.base import ModelBuilder, crypt_type, is_ip
from seawall.sources.configs.junos_snmp import Community, finish_snmp
from seawall.sources.configs.pathcfg import InterfaceBook, Path, ServiceBook, cidr, word

# Interface name prefix -> model kind.
_KIND_PREFIXES = (
    ("lo", "loopback"),
    ("gr-", "tunnel"),
    ("ip-", "tunnel"),
    ("st", "tunnel"),
    ("fti", "tunnel"),
    ("fxp", "management"),
    ("me", "management"),
    ("em0", "management"),
    ("vme", "management"),
    ("irb", "vlan"),
    ("vlan", "vlan"),
    ("ae", "port-channel"),
    ("reth", "port-channel"),
)
_PHYSICAL_PREFIXES = ("ge-", "xe-", "et-", "fe-", "so-", "mge-", "ce-", "xle-", "t1-", "e1-")
_TUNNEL_MODES = {"gr-": "gre", "ip-": "ipip", "st": "ipsec"}


def interface_kind(name: str) -> str:
    for prefix, kind in _KIND_PREFIXES:
        if name.startswith(prefix):
            return kind
    return "physical" if name.startswith(_PHYSICAL_PREFIXES) else "other"


@dataclass(slots=True)
class _Term:
    line: int
    sources: list[tuple[str, int]] = field(default_factory=list)
    destinations: list[tuple[str, int]] = field(default_factory=list)
    protocols: list[str] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Ifd:
    """Statements on a physical interface that its units inherit."""

    line: int
    shutdown: bool = False
    description: str | None = None


@dataclass(slots=True)
class _Vpn:
    line: int
    interface: str | None = None
    gateway: str | None = None


@dataclass(slots=True)
class _BgpNeighbor:
    line: int
    group: str | None
    remote_as: str | None = None
    authenticated: bool = False
    vrf: str | None = None


@dataclass(slots=True)
class JunosState:
    """Everything one JunOS file builds, shared by the handlers."""

    builder: ModelBuilder
    openers: dict[Path, int]
    services: ServiceBook
    interfaces: InterfaceBook
    users: dict[str, LocalUser] = field(default_factory=dict)
    admin_classes: set[str] = field(default_factory=set)
    ifds: dict[str, _Ifd] = field(default_factory=dict)
    filters: dict[str, dict[str, _Term]] = field(default_factory=dict)
    filter_lines: dict[str, int] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    snmp_users: dict[str, SnmpUser] = field(default_factory=dict)
    trap_groups: dict[str, tuple[list[SnmpHost], list[str]]] = field(default_factory=dict)
    routes: dict[tuple[str | None, str], list[StaticRoute]] = field(default_factory=dict)
    bgp_neighbors: dict[tuple[str | None, str], _BgpNeighbor] = field(default_factory=dict)
    bgp_group_as: dict[tuple[str | None, str], str] = field(default_factory=dict)
    bgp_group_auth: set[tuple[str | None, str]] = field(default_factory=set)
    bgp_global_auth: set[str | None] = field(default_factory=set)
    igp_peers: dict[tuple[str, str, str | None], RoutingPeer] = field(default_factory=dict)
    captures: dict[tuple[str, str], Capture] = field(default_factory=dict)
    automation: dict[tuple[str, str], Automation] = field(default_factory=dict)
    gateways: dict[str, str] = field(default_factory=dict)
    vpns: dict[str, _Vpn] = field(default_factory=dict)

    def opener(self, path: Path, line: int) -> int:
        """Line of the block that opened ``path`` (brace style), else the statement's."""
        return self.openers.get(path, line)

    @property
    def model(self) -> DeviceConfig:
        return self.builder.model


# --- interfaces ---------------------------------------------------------------------------


def interfaces(st: JunosState, w: Path, line: int) -> None:
    ifd = word(w, 1)
    if ifd is None or ifd in ("interface-range", "traceoptions", "apply-groups"):
        return
    rest = w[2:]
    if word(rest, 0) != "unit" or len(rest) < 2:
        ifd_state = st.ifds.get(ifd)
        if ifd_state is None:
            ifd_state = st.ifds[ifd] = _Ifd(st.opener(w[:2], line))
        if rest == ("disable",):
            ifd_state.shutdown = True
        elif word(rest, 0) == "description" and len(rest) > 1:
            ifd_state.description = rest[1]
        return
    name = f"{ifd}.{rest[1]}"
    interface = st.interfaces.get(name, st.opener(w[:4], line))
    t = rest[2:]
    head = word(t, 0)
    if head == "description" and len(t) > 1:
        interface.description = t[1]
    elif head == "disable":
        interface.shutdown = True
    elif head == "family" and len(t) >= 3:
        _family(st, name, t[1], t[2:], line)
    elif head == "tunnel" and len(t) >= 3:
        if t[1] == "source":
            interface.tunnel_source = t[2]
        elif t[1] == "destination":
            interface.tunnel_destination = t[2]


def _family(st: JunosState, name: str, family: str, t: Path, line: int) -> None:
    if t[0] == "address" and len(t) > 1 and family in ("inet", "inet6"):
        st.interfaces.add_address(name, line, t[1])
    elif t[0] == "filter" and len(t) >= 3:
        direction = {"input": "in", "input-list": "in", "output": "out", "output-list": "out"}.get(
            t[1]
        )
        if direction is None:
            return
        where = "mpp" if name.startswith("lo0") else "interface"
        interface = st.interfaces.get(name, line)
        for acl in t[2:]:
            interface.access_groups.setdefault(direction, acl)
            st.model.acl_uses.append(AclUse(acl, where, line, direction=direction, owner=name))


def _finish_interfaces(st: JunosState) -> None:
    units_of: dict[str, list[Interface]] = {}
    for interface in st.model.interfaces:
        units_of.setdefault(interface.name.rsplit(".", 1)[0], []).append(interface)
    for ifd, ifd_state in st.ifds.items():
        units = units_of.get(ifd) or [st.interfaces.get(ifd, ifd_state.line)]
        for interface in units:
            interface.shutdown = interface.shutdown or ifd_state.shutdown
            if interface.description is None:
                interface.description = ifd_state.description
    for interface in st.model.interfaces:
        if interface.kind == "tunnel" and interface.tunnel_mode is None:
            for prefix, mode in _TUNNEL_MODES.items():
                if interface.name.startswith(prefix):
                    interface.tunnel_mode = mode


# --- firewall filters and prefix lists ----------------------------------------------------

_FROM_SOURCE = frozenset(
    {"source-address", "ip-source-address", "address", "source-prefix-list", "prefix-list"}
)
_FROM_DESTINATION = frozenset(
    {"destination-address", "ip-destination-address", "destination-prefix-list"}
)


def firewall(st: JunosState, w: Path, line: int) -> None:
    rest = w[3:] if word(w, 1) == "family" else w[1:]
    if word(rest, 0) != "filter" or len(rest) < 2:
        return
    name = rest[1]
    st.filter_lines.setdefault(name, st.opener(w[: len(w) - len(rest) + 2], line))
    terms = st.filters.setdefault(name, {})
    t = rest[2:]
    if word(t, 0) != "term" or len(t) < 3:
        return
    term = terms.get(t[1])
    if term is None:
        term = terms[t[1]] = _Term(st.opener(w[: len(w) - len(t) + 2], line))
    clause, values = t[2], t[3:]
    if clause == "then":
        term.actions.extend(values)
    elif clause == "from" and len(values) >= 2:
        key, items = values[0], values[1:]
        if "except" in items:
            return  # an exclusion narrows the term; it admits nobody
        if key in _FROM_SOURCE:
            term.sources.extend((cidr(item), line) for item in items)
        elif key in _FROM_DESTINATION:
            term.destinations.extend((cidr(item), line) for item in items)
        elif key == "protocol":
            term.protocols.extend(items)
        elif key in ("destination-port", "port"):
            term.ports.extend(items)


def _port_text(ports: list[str]) -> str | None:
    if not ports:
        return None
    parts = []
    for port in ports:
        low, dash, high = port.partition("-")
        parts.append(f"range {low} {high}" if dash and low and high else f"eq {port}")
    return ", ".join(parts)


def _finish_filters(st: JunosState) -> None:
    for name, terms in st.filters.items():
        acl = Acl(name, st.filter_lines[name], kind="filter")
        for seq, (term_name, term) in enumerate(terms.items(), start=1):
            if any(a in ("discard", "reject") for a in term.actions):
                action = "deny"
            elif "next" in term.actions:
                action = "next"
            else:
                action = "permit"  # accept, or no terminating action (implicit accept)
            then = " ".join(term.actions) or "accept"
            sources = term.sources or [("any", term.line)]
            destinations = term.destinations or [("any", term.line)]
            for source, source_line in sources:
                for destination, destination_line in destinations:
                    line = source_line if source != "any" else destination_line
                    acl.entries.append(
                        AclEntry(
                            action,
                            line,
                            seq=seq,
                            protocol=",".join(term.protocols) or None,
                            source=source,
                            destination=destination,
                            destination_port=_port_text(term.ports),
                            text=f"term {term_name} from {source} to {destination} then {then}",
                        )
                    )
        st.model.acls[name] = acl


def policy_options(st: JunosState, w: Path, line: int) -> None:
    if word(w, 1) != "prefix-list" or len(w) < 3:
        return
    name = w[2]
    acl = st.model.acls.get(name)
    if acl is None:
        acl = st.model.acls[name] = Acl(name, st.opener(w[:3], line), kind="prefix")
    if len(w) == 4 and w[3] not in ("apply-path",):
        acl.entries.append(
            AclEntry("permit", line, source=cidr(w[3]), text=f"prefix-list {name} {w[3]}")
        )


# --- routing ------------------------------------------------------------------------------


def routing_options(st: JunosState, w: Path, line: int, vrf: str | None = None) -> None:
    t = w[1:]
    if word(t, 0) == "rib" and len(t) > 2:
        t = t[2:]
    if word(t, 0) != "static" or word(t, 1) != "route" or len(t) < 3:
        return
    prefix = t[2]
    routes = st.routes.get((vrf, prefix))
    if routes is None:
        routes = st.routes[(vrf, prefix)] = [StaticRoute(prefix, line, vrf=vrf)]
        st.model.static_routes.append(routes[0])
    rest = t[3:]
    if word(rest, 0) in ("next-hop", "qualified-next-hop") and len(rest) > 1:
        for hop in rest[1:]:
            if hop in ("preference", "metric", "tag", "interface"):
                break
            target = routes[-1]
            if target.next_hop is not None or target.interface is not None:
                target = StaticRoute(prefix, line, vrf=vrf)
                routes.append(target)
                st.model.static_routes.append(target)
            if is_ip(hop):
                target.next_hop = hop
            else:
                target.interface = hop


def protocols(st: JunosState, w: Path, line: int, vrf: str | None = None, scope: Path = ()) -> None:
    """``protocols ...`` (``scope``: the ``routing-instances X`` it sits in, for block lines)."""
    proto = word(w, 1)
    if proto == "bgp":
        _bgp(st, w[2:], line, vrf, scope + w[:2])
    elif proto in ("ospf", "ospf3") and word(w, 2) == "area" and word(w, 4) == "interface":
        if len(w) < 6:
            return
        key = (proto, w[5], vrf)
        peer = st.igp_peers.get(key)
        if peer is None:
            peer = st.igp_peers[key] = RoutingPeer(proto, w[5], st.opener(scope + w[:6], line))
            st.model.routing_peers.append(peer)
        rest = w[6:]
        if word(rest, 0) == "authentication" and len(rest) > 1:
            peer.authenticated = True
            value = rest[-1] if len(rest) > 2 else None
            if value is not None and rest[-2] in ("key", "simple-password"):
                st.model.secrets.append(Secret("ospf-key", crypt_type(value), line, owner=w[5]))


def _bgp(st: JunosState, t: Path, line: int, vrf: str | None, at: Path) -> None:
    group = None
    if word(t, 0) == "group" and len(t) > 1:
        group, t, at = t[1], t[2:], at + t[:2]
    if word(t, 0) == "neighbor" and len(t) > 1:
        key = (vrf, t[1])
        neighbor = st.bgp_neighbors.get(key)
        if neighbor is None:
            opened = st.opener(at + t[:2], line)  # the `neighbor A {` block, brace style
            neighbor = st.bgp_neighbors[key] = _BgpNeighbor(opened, group, vrf=vrf)
        rest = t[2:]
        if word(rest, 0) == "peer-as" and len(rest) > 1:
            neighbor.remote_as = rest[1]
        elif word(rest, 0) in ("authentication-key", "authentication-key-chain"):
            neighbor.authenticated = True
            if rest[0] == "authentication-key" and len(rest) > 1:
                st.model.secrets.append(
                    Secret("bgp-password", crypt_type(rest[1]), line, owner=t[1])
                )
    elif word(t, 0) == "peer-as" and len(t) > 1 and group is not None:
        st.bgp_group_as[(vrf, group)] = t[1]
    elif word(t, 0) in ("authentication-key", "authentication-key-chain"):
        if group is None:
            st.bgp_global_auth.add(vrf)
        else:
            st.bgp_group_auth.add((vrf, group))
        if t[0] == "authentication-key" and len(t) > 1:
            st.model.secrets.append(Secret("bgp-password", crypt_type(t[1]), line, owner=group))


def _finish_bgp(st: JunosState) -> None:
    for (vrf, address), neighbor in st.bgp_neighbors.items():
        remote_as = neighbor.remote_as
        authenticated = neighbor.authenticated or vrf in st.bgp_global_auth
        if neighbor.group is not None:
            group_key = (vrf, neighbor.group)
            remote_as = remote_as or st.bgp_group_as.get(group_key)
            authenticated = authenticated or group_key in st.bgp_group_auth
        st.model.routing_peers.append(
            RoutingPeer("bgp", address, neighbor.line, authenticated, remote_as)
        )


def routing_instances(st: JunosState, w: Path, line: int) -> None:
    if len(w) < 3:
        return
    vrf, rest = w[1], w[2:]
    if rest[0] == "routing-options":
        routing_options(st, rest, line, vrf)
    elif rest[0] == "protocols":
        protocols(st, rest, line, vrf, w[:2])
    elif rest[0] == "interface" and len(rest) > 1:
        st.interfaces.get(rest[1], line).vrf = vrf


# --- security (IKE/IPsec) -----------------------------------------------------------------


def security(st: JunosState, w: Path, line: int) -> None:
    t = w[1:]
    if t[:2] == ("ike", "gateway") and len(t) >= 5:
        name = t[2]
        if t[3] == "address" or t[3:5] == ("dynamic", "hostname"):
            address = t[4] if t[3] == "address" else (word(t, 5) or "")
            if address and name not in st.gateways:
                st.gateways[name] = address
                st.model.crypto_peers.append(
                    CryptoPeer(address, "gateway", st.opener(w[:4], line), name)
                )
    elif t[:2] == ("ike", "policy") and word(t, 3) == "pre-shared-key" and len(t) >= 6:
        st.model.secrets.append(Secret("isakmp-key", crypt_type(t[5]), line, owner=t[2]))
    elif t[:2] == ("ipsec", "vpn") and len(t) >= 5:
        vpn = st.vpns.get(t[2])
        if vpn is None:
            vpn = st.vpns[t[2]] = _Vpn(st.opener(w[:4], line))
        rest = t[3:]
        if rest[0] == "bind-interface":
            vpn.interface = rest[1]
        elif rest[:2] == ("ike", "gateway") and len(rest) > 2:
            vpn.gateway = rest[2]
        elif rest[:2] == ("manual", "gateway") and len(rest) > 2:
            st.model.crypto_peers.append(CryptoPeer(rest[2], "ipsec-vpn", line, t[2]))


def _finish_vpns(st: JunosState) -> None:
    for vpn in st.vpns.values():
        if vpn.interface is None or vpn.gateway not in st.gateways:
            continue
        interface = st.interfaces.get(vpn.interface, vpn.line)
        interface.tunnel_destination = interface.tunnel_destination or st.gateways[vpn.gateway]


# --- mirroring and automation -------------------------------------------------------------


def forwarding_options(st: JunosState, w: Path, line: int) -> None:
    t = w[1:]
    if word(t, 0) == "analyzer" and len(t) >= 3:
        capture = _capture(st, "span", t[1], st.opener(w[:3], line))
        rest = t[2:]
        if rest[0] == "input" and "interface" in rest and rest[-1] != "interface":
            capture.source = rest[rest.index("interface") + 1]
        elif rest[:2] == ("output", "interface") and len(rest) > 2:
            capture.destination = rest[2]
        elif rest[:2] == ("output", "ip-address") and len(rest) > 2:
            capture.destination = rest[2]
            capture.kind = "erspan"
    elif word(t, 0) == "port-mirroring" and len(t) >= 2:
        rest = t[1:]
        name = "port-mirroring"
        if rest[0] == "instance" and len(rest) > 2:
            name, rest = rest[1], rest[2:]
        capture = _capture(st, "port-mirroring", name, st.opener(w[:2], line))
        if "output" in rest:
            out = rest[rest.index("output") + 1 :]
            if word(out, 0) == "interface" and len(out) > 1:
                capture.destination = out[1]
            if "next-hop" in out and out[-1] != "next-hop":
                capture.destination = out[out.index("next-hop") + 1]
    elif word(t, 0) == "packet-capture":
        _capture(st, "monitor-capture", "packet-capture", st.opener(w[:2], line))


def _capture(st: JunosState, kind: str, name: str, line: int) -> Capture:
    capture = st.captures.get((kind, name))
    if capture is None:
        capture = st.captures[(kind, name)] = Capture(kind, name, line)
        st.model.captures.append(capture)
    return capture


def automation(st: JunosState, kind: str, name: str, line: int) -> Automation:
    item = st.automation.get((kind, name))
    if item is None:
        item = st.automation[(kind, name)] = Automation(kind, name, line)
        st.model.automation.append(item)
    return item


def event_options(st: JunosState, w: Path, line: int) -> None:
    t = w[1:]
    if word(t, 0) == "policy" and len(t) >= 2:
        policy = automation(st, "event-options", t[1], st.opener(w[:3], line))
        rest = t[2:]
        if word(rest, 0) != "then":
            return
        if "commands" in rest and rest[-1] != "commands":
            policy.actions.append(rest[rest.index("commands") + 1])
        elif word(rest, 1) == "event-script" and len(rest) > 2:
            policy.actions.append(f"event-script {rest[2]}")
    elif t[:2] == ("event-script", "file") and len(t) >= 3:
        automation(st, "event-script", t[2], st.opener(w[:4], line))


def finish(st: JunosState) -> None:
    _finish_vpns(st)
    _finish_interfaces(st)
    _finish_filters(st)
    finish_snmp(st)
    _finish_bgp(st)
