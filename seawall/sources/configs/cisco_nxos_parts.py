"""NX-OS sections with structure of their own: interfaces, routing protocols, monitor
sessions, management APIs and the control-plane policy. Split from ``cisco_nxos`` to keep
both modules small; ``NxosParser`` is the one to use."""

from __future__ import annotations

from seawall.records.config import (
    Capture,
    Interface,
    Line,
    PolicyRoute,
    RoutingPeer,
    Secret,
    Service,
    SnmpCommunity,
    SnmpHost,
    SnmpUser,
    fingerprint,
)
from seawall.sources.configs.base import ModelBuilder
from seawall.sources.configs.cisco_nx_xr import (
    DialectWalker,
    add_acl_use,
    bgp_peers,
    hide,
    hide_after,
    interface_address,
    interface_kind,
    interface_name,
    normalize_area,
    secret_type,
    snmp_host_community,
    to_int,
    word_set,
)
from seawall.sources.configs.tree import Node

# Interface sub-commands that are valid and need no modelling (checked by first word).
INTERFACE_WORDS = word_set(
    """
    switchport mtu speed duplex channel-group vpc spanning-tree hsrp vrrp vrrpv3
    mac-address encapsulation fex load-interval bfd service-policy storm-control udld
    lacp negotiate negotiation medium link beacon delay bandwidth carrier-delay
    priority-flow-control flowcontrol inherit member source-interface host-reachability
    mpls dot1x evb service isis autostate management rate-mode power errdisable snmp
    logging private-vlan platform hardware macsec ptp sflow mode port-type description
    vpn ethernet dampening ipv6 shutdown state fabric fabricpath mvr-group ospfv3 eigrp
    rip pim igmp dhcp port-security keepalive tunnel lldp cdp vrf nv ingress-replication
    suppress-arp multisite global advertise ip wavelength transceiver optics breakout
    peer-ip apply l2protocol no
    """
)
# ``ip X`` interface sub-commands accepted without modelling.
INTERFACE_IP_WORDS = word_set(
    """
    redirects proxy-arp unreachables pim igmp dhcp arp flow forward verify mtu
    directed-broadcast local-proxy-arp unnumbered sticky-arp eigrp rip hello-interval
    hold-time authentication nd mld load-sharing port-unreachable helper-address address
    router ospf access-group traffic-filter port policy link-local summary-address
    passive-interface split-horizon mroute sla tcp mac mpls
    """
)


ADMIN_ROLES = frozenset({"network-admin", "vdc-admin", "priv-15"})

SNMP_WORDS = word_set(
    """
    contact location enable traps globalEnforcePriv aaa-user counter protocol tcp-session
    engineID packetsize context mib ifmib system-shutdown load-mib unload-mib max-notif
    source-interface host user community
    """
)


class NxosSections(DialectWalker):
    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder)
        self.ospf_interfaces: dict[str, tuple[str, str, int]] = {}  # name -> process, area
        self.ospf_interface_auth: dict[str, bool] = {}
        self.ospf_passive: set[str] = set()
        self.ospf_area_auth: set[tuple[str, str]] = set()
        self.copp_policies: list[tuple[str, int]] = []
        self.class_acls: dict[str, list[str]] = {}
        self.policy_classes: dict[str, list[str]] = {}
        self.route_map_hops: dict[str, tuple[str | None, str | None]] = {}
        self.policy_route_lines: dict[str, int] = {}
        self.communities: dict[str, SnmpCommunity] = {}
        self.snmp_users: dict[str, SnmpUser] = {}
        self.snmp_hosts: dict[str, SnmpHost] = {}

    # --- interfaces --------------------------------------------------------------------

    def interface(self, node: Node) -> None:
        words = node.words
        if len(words) < 2 or words[0] == "no":
            if words[0] == "no":
                self.accept(node.line)
            return
        name = interface_name(words[1:])
        iface = Interface(name, interface_kind(name), node.line)
        self.m.interfaces.append(iface)
        self.accept(node.line)
        for child in node.children:
            cwords = child.words
            negated = cwords[0] == "no"
            w = cwords[1:] if negated else cwords
            if not w:
                continue
            head = w[0]
            understood = True
            if head == "description":
                iface.description = None if negated else child.text.partition(" ")[2].strip()
            elif head == "shutdown":
                iface.shutdown = not negated
            elif head == "vrf" and len(w) >= 3 and w[1] == "member":
                iface.vrf = None if negated else w[2]
            elif head in ("ip", "ipv6") and len(w) >= 2:
                understood = self.interface_ip(iface, child, w, negated)
            elif head == "tunnel" and len(w) >= 3:
                value = " ".join(w[2:])
                if w[1] == "source":
                    iface.tunnel_source = interface_name(w[2:])
                elif w[1] == "destination":
                    iface.tunnel_destination = w[2]
                elif w[1] == "mode":
                    iface.tunnel_mode = value
            elif head == "cdp":
                iface.cdp = not negated
            elif head == "lldp":
                if negated:
                    iface.lldp = False
                elif iface.lldp is None:
                    iface.lldp = True
            else:
                understood = head in INTERFACE_WORDS
                if head in ("hsrp", "vrrp", "vrrpv3", "isis", "eigrp"):
                    hide_after(self.m, child, "authentication")
            if understood:
                self.accept(child)

    def interface_ip(self, iface: Interface, child: Node, w: list[str], negated: bool) -> bool:
        what = w[1]
        family = w[0]
        if what == "address" and len(w) >= 3:
            if negated or w[2] in ("dhcp", "use-link-local-only", "autoconfig"):
                return True
            mask = w[3] if len(w) > 3 and w[3].count(".") == 3 else None
            address = interface_address(w[2], mask)
            if address is not None:
                iface.addresses.append(address)
            return address is not None
        if what in ("access-group", "traffic-filter") and len(w) >= 4 and w[3] in ("in", "out"):
            if not negated:
                if family == "ip":
                    iface.access_groups[w[3]] = w[2]
                add_acl_use(self.m, w[2], "interface", child.line, w[3], iface.name)
            return True
        if what == "port" and len(w) >= 5 and w[2] == "access-group":
            if not negated:
                add_acl_use(self.m, w[3], "interface", child.line, w[4], iface.name)
            return True
        if what == "policy" and len(w) >= 4 and w[2] == "route-map":
            if not negated:
                iface.policy_route_map = w[3]
                self.policy_route_lines[iface.name] = child.line
            return True
        if what == "router" and len(w) >= 5 and w[2] == "ospf" and w[4] == "area":
            if not negated and len(w) >= 6:
                self.ospf_interfaces[iface.name] = (w[3], normalize_area(w[5]), child.line)
            return True
        if what == "ospf" and len(w) >= 3:
            return self.interface_ospf(iface, child, w, negated)
        return what in INTERFACE_IP_WORDS

    def interface_ospf(self, iface: Interface, child: Node, w: list[str], negated: bool) -> bool:
        option = w[2]
        if option == "authentication":
            self.ospf_interface_auth[iface.name] = not negated and w[-1] != "null"
        elif option in ("message-digest-key", "authentication-key"):
            start = 5 if option == "message-digest-key" else 3
            type_token, value, _ = self.read_secret(child.line, w, start)
            self.m.secrets.append(
                Secret("ospf-key", secret_type(type_token, value), child.line, owner=iface.name)
            )
        elif option == "passive-interface" and not negated:
            self.ospf_passive.add(iface.name)
        return True

    # --- lines -------------------------------------------------------------------------

    def line(self, node: Node) -> None:
        words = node.words
        if len(words) < 2 or words[1] not in ("vty", "console", "aux", "com1"):
            return
        kind = "vty" if words[1] == "vty" else "console" if words[1] == "console" else "aux"
        entry = Line(" ".join(words[1:]), kind, node.line)
        self.m.lines.append(entry)
        self.accept(node.line)
        for child in node.children:
            cwords = child.words
            head = cwords[0]
            if head == "exec-timeout" and len(cwords) >= 2:
                minutes = to_int(cwords[1])
                entry.exec_timeout_seconds = minutes * 60 if minutes is not None else None
            elif head in ("access-class", "ipv6") and len(cwords) >= 3:
                acl = cwords[-2] if cwords[-1] in ("in", "out") else cwords[-1]
                direction = cwords[-1] if cwords[-1] in ("in", "out") else "in"
                if head == "ipv6":
                    if direction == "in":
                        entry.access_class_in_v6 = acl
                elif direction == "in":
                    entry.access_class_in = acl
                add_acl_use(self.m, acl, "vty", child.line, direction, entry.name)
            elif head not in (
                "session-limit",
                "absolute-timeout",
                "speed",
                "stopbits",
                "databits",
                "parity",
                "modem",
                "terminal",
                "no",
                "login",
            ):
                continue
            self.accept(child.line)

    # --- SNMP --------------------------------------------------------------------------

    def snmp(self, node: Node) -> None:
        words = node.words
        if words[0] == "no":
            self.accept(node.line)
            return
        if len(words) < 2:
            return
        what = words[1]
        if what == "community" and len(words) >= 3:
            self.snmp_community(node, words)
        elif what == "user" and len(words) >= 3:
            self.snmp_user(node, words)
        elif what == "host" and len(words) >= 3:
            self.snmp_host(node, words)
        elif what == "source-interface" and len(words) >= 4:
            self.m.aaa.source_interfaces["snmp"] = interface_name(words[3:])
            self.accept(node.line)
        elif what in SNMP_WORDS:
            self.accept(node.line)

    def snmp_community(self, node: Node, words: list[str]) -> None:
        secret = fingerprint(words[2])
        hide(self.m, node.line, words[2])
        community = self.communities.get(secret)
        if community is None:
            community = SnmpCommunity(secret, "ro", node.line)
            self.communities[secret] = community
            self.m.snmp.communities.append(community)
        i = 3
        while i < len(words):
            word = words[i]
            if word in ("ro", "rw"):
                community.access = word
                i += 1
                continue
            if i + 1 >= len(words):
                return
            value = words[i + 1]
            if word == "group":
                community.access = "rw" if value in ADMIN_ROLES else "ro"
            elif word in ("use-acl", "use-ipv4acl"):
                community.acl = value
                add_acl_use(self.m, value, "snmp", node.line, "in", secret)
            elif word == "use-ipv6acl":
                add_acl_use(self.m, value, "snmp", node.line, "in", secret)
            else:
                return
            i += 2
        self.accept(node.line)

    def snmp_user(self, node: Node, words: list[str]) -> None:
        name = words[2]
        user = self.snmp_users.get(name)
        if user is None:
            user = SnmpUser(name, node.line)
            self.snmp_users[name] = user
            self.m.snmp.users.append(user)
        i = 3
        keywords = ("auth", "priv", "use-ipv4acl", "use-ipv6acl", "localizedkey", "engineID")
        if i < len(words) and words[i] not in keywords:
            user.group = words[i]
            i += 1
        localized = "localizedkey" in words or "localizedV2key" in words
        while i < len(words):
            word = words[i]
            if word == "auth" and i + 2 < len(words):
                user.auth = words[i + 1]
                # A localized key is derived one-way from the password and the engine ID.
                kind = "unknown" if localized else "plain"
                self.m.secrets.append(Secret("snmp-auth", kind, node.line, owner=name))
                hide(self.m, node.line, words[i + 2])
                i += 3
            elif word == "priv" and i + 1 < len(words):
                if words[i + 1] in ("aes-128", "aes128", "3des") and i + 2 < len(words):
                    user.priv = words[i + 1]
                    hide(self.m, node.line, words[i + 2])
                    i += 3
                else:
                    user.priv = "des"
                    hide(self.m, node.line, words[i + 1])
                    i += 2
            elif word in ("use-ipv4acl", "use-ipv6acl") and i + 1 < len(words):
                if word == "use-ipv4acl":
                    user.acl = words[i + 1]
                add_acl_use(self.m, words[i + 1], "snmp", node.line, "in", name)
                i += 2
            elif word in ("localizedkey", "localizedV2key", "enforcePriv"):
                i += 1
            elif word == "engineID":
                break
            else:
                return
        self.accept(node.line)

    def snmp_host(self, node: Node, words: list[str]) -> None:
        address = words[2]
        host = self.snmp_hosts.get(address)
        if host is None:
            host = SnmpHost(address, node.line)
            self.snmp_hosts[address] = host
            self.m.snmp.hosts.append(host)
        hide(self.m, node.line, snmp_host_community(words))
        if "version" in words:
            index = words.index("version")
            if index + 1 < len(words):
                host.version = words[index + 1]
        if "use-vrf" in words:
            index = words.index("use-vrf")
            if index + 1 < len(words):
                host.vrf = words[index + 1]
        self.accept(node.line)

    # --- routing -----------------------------------------------------------------------

    def router(self, node: Node) -> None:
        words = node.words
        if len(words) < 2:
            return
        if words[1] == "bgp":
            bgp_peers(self.b, node)
            return
        if words[1] in ("ospf", "ospfv3") and len(words) >= 3:
            for child in node.walk():
                cwords = child.words
                if len(cwords) >= 3 and cwords[0] == "area" and cwords[2] == "authentication":
                    self.ospf_area_auth.add((words[2], normalize_area(cwords[1])))
        self.accept(node)

    def resolve_ospf(self) -> None:
        for name, (process, area, line) in self.ospf_interfaces.items():
            if name in self.ospf_passive:
                continue  # no adjacency forms on a passive interface
            explicit = self.ospf_interface_auth.get(name)
            authenticated = (
                explicit if explicit is not None else (process, area) in self.ospf_area_auth
            )
            self.m.routing_peers.append(RoutingPeer("ospf", name, line, authenticated))

    # --- captures ----------------------------------------------------------------------

    def monitor(self, node: Node) -> None:
        words = node.words
        if len(words) >= 3 and words[1] == "session" and words[2] != "all" and words[0] != "no":
            session_type = words[4] if len(words) >= 5 and words[3] == "type" else "local"
            kind = (
                "erspan"
                if session_type.startswith("erspan")
                else ("rspan" if session_type == "rspan" else "span")
            )
            capture = Capture(kind, words[2], node.line)
            sources: list[str] = []
            for child in node.children:
                cwords = child.words
                if cwords[0] == "source" and len(cwords) >= 3:
                    sources.append(interface_name(cwords[2:]))
                elif cwords[0] == "destination" and len(cwords) >= 3:
                    capture.destination = (
                        cwords[2] if cwords[1] == "ip" else interface_name(cwords[2:])
                    )
                elif cwords[0] == "filter" and len(cwords) >= 3 and cwords[1] == "access-group":
                    capture.filter = cwords[2]
            capture.source = ", ".join(sources) or None
            self.m.captures.append(capture)
            self.accept(node)
        elif len(words) >= 2:
            self.accept(node)  # monitor session all shut, monitor erspan origin, ...

    # --- management services -----------------------------------------------------------

    def nxapi(self, node: Node) -> None:
        words = node.words
        negated = words[0] == "no"
        w = words[1:] if negated else words
        if len(w) >= 2 and w[1] in ("http", "https"):
            port = to_int(w[3]) if len(w) >= 4 and w[2] == "port" else None
            self.m.services.append(
                Service("nxapi", not negated, node.line, port=port, options={"transport": w[1]})
            )
            self.accept(node.line)
        elif len(w) >= 2:
            self.accept(node)  # sandbox, use-vrf, ssl ciphers, certificate

    def ssh(self, node: Node) -> None:
        words = node.words
        negated = words[0] == "no"
        w = words[1:] if negated else words
        if len(w) >= 3 and w[1] == "server" and w[2] == "enable":
            self.m.services.append(Service("ssh", not negated, node.line))
        elif len(w) >= 3 and (w[1] == "port" or w[1:3] == ["server", "port"]):
            port = to_int(w[-1])
            self.m.services.append(Service("ssh", not negated, node.line, port=port))
        elif len(w) >= 3 and w[1] == "source-interface":
            self.m.aaa.source_interfaces["ssh"] = interface_name(w[2:])
        elif len(w) < 2:
            return
        self.accept(node.line)  # key, login-attempts, ciphers, idle-timeout, ...

    def telnet(self, node: Node) -> None:
        words = node.words
        negated = words[0] == "no"
        w = words[1:] if negated else words
        if len(w) >= 3 and w[1] == "server" and w[2] == "enable":
            self.m.services.append(Service("telnet", not negated, node.line))
        if len(w) >= 2:
            self.accept(node.line)

    def grpc(self, node: Node) -> None:
        words = node.words
        if len(words) >= 3 and words[1] == "port":
            self.m.services.append(Service("gnmi", True, node.line, port=to_int(words[2])))
        if len(words) >= 2:
            self.accept(node)

    # --- control plane and policy ------------------------------------------------------

    def copp(self, node: Node) -> None:
        if len(node.words) >= 3 and node.words[1] == "profile":
            self.m.flags["copp"] = True
        self.accept(node)

    def control_plane(self, node: Node) -> None:
        for child in node.children:
            cwords = child.words
            if cwords[0] == "service-policy" and len(cwords) >= 3:
                self.copp_policies.append((cwords[-1], child.line))
                self.m.flags["copp"] = True
        self.accept(node)

    def class_map(self, node: Node) -> None:
        name = node.words[-1]
        for child in node.children:
            cwords = child.words
            if len(cwords) >= 3 and cwords[0] == "match" and cwords[1] == "access-group":
                self.class_acls.setdefault(name, []).append(cwords[-1])
        self.accept(node)

    def policy_map(self, node: Node) -> None:
        name = node.words[-1]
        for child in node.children:
            cwords = child.words
            if cwords[0] == "class" and len(cwords) >= 2:
                self.policy_classes.setdefault(name, []).append(cwords[-1])
        self.accept(node)

    def resolve_copp(self) -> None:
        for policy, line in self.copp_policies:
            for class_name in self.policy_classes.get(policy, []):
                for acl in self.class_acls.get(class_name, []):
                    add_acl_use(self.m, acl, "copp", line, "in", policy)

    def route_map(self, node: Node) -> None:
        words = node.words
        if len(words) >= 2:
            next_hop, out_interface = self.route_map_hops.get(words[1], (None, None))
            for child in node.children:
                cwords = child.words
                if len(cwords) >= 4 and cwords[:3] == ["set", "ip", "next-hop"]:
                    next_hop = next_hop or cwords[3]
                elif len(cwords) >= 3 and cwords[:2] == ["set", "interface"]:
                    out_interface = out_interface or interface_name(cwords[2:])
            self.route_map_hops[words[1]] = (next_hop, out_interface)
            self.accept(node)

    def link_policy_routes(self) -> None:
        for iface in self.m.interfaces:
            if iface.policy_route_map is None:
                continue
            next_hop, out_interface = self.route_map_hops.get(iface.policy_route_map, (None, None))
            line = self.policy_route_lines.get(iface.name, iface.line)
            self.m.policy_routes.append(
                PolicyRoute(iface.policy_route_map, line, next_hop, out_interface)
            )

    def cdp(self, node: Node) -> None:
        words = node.words
        negated = words[0] == "no"
        w = words[1:] if negated else words
        if len(w) == 2 and w[1] == "enable":
            self.m.flags["cdp_global"] = not negated
        if len(w) >= 2:
            self.accept(node)
