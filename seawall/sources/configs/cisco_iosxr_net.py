"""IOS XR network-side sections: interfaces, access lists, management-plane protection,
static and dynamic routing, monitor sessions, app hosting, automation and IKE keyrings.
``XrParser`` in ``cisco_iosxr`` is the one to use."""

from __future__ import annotations

from seawall.records.config import (
    Acl,
    AclEntry,
    Automation,
    Capture,
    Container,
    CryptoPeer,
    Interface,
    PolicyRoute,
    RoutingPeer,
    Secret,
    StaticRoute,
)
from seawall.sources.configs.base import ModelBuilder, is_ip
from seawall.sources.configs.cisco_nx_xr import (
    DialectWalker,
    add_acl_use,
    bgp_peers,
    interface_address,
    interface_kind,
    interface_name,
    network,
    secret_type,
    word_set,
)
from seawall.sources.configs.cisco_nx_xr_acl import parse_ace
from seawall.sources.configs.tree import Node

# Interface sub-commands valid on IOS XR that need no modelling (by first word).
INTERFACE_WORDS = word_set(
    """
    mtu encapsulation bundle lacp load-interval negotiation carrier-delay dampening
    service-policy flow transceiver speed duplex bfd mac-address l2transport rewrite arp
    host-routing proxy-arp keepalive ethernet-services ethernet frequency loopback mpls
    bandwidth logging dot1q storm-control ptp macsec fec forward-error-correction
    priority-flow-control hw-module nv point-to-point multipoint pm wavelength backup
    l2protocol split-horizon statistics local-traffic propagate dwdm g709 optics
    description shutdown vrf cdp lldp tunnel monitor-session ipv4 ipv6 pseudowire
    bundle-ether encryption hsrp vrrp mlacp network xconnect apply-group snmp span
    flowspec service ethernet-sla rate-limit access-group
    """
)
IPV4_WORDS = word_set(
    """
    address access-group flowspec mtu helper-address unnumbered verify
    directed-broadcast unreachables redirects mask-reply point-to-point tcp-mss-adjust
    netflow forwarding-enable bgp mpls enable nd link-local ttl-propagate source-route
    """
)
# Top-level ``ipv4 X`` / ``ipv6 X`` statements accepted without modelling.
IP_GLOBAL_WORDS = word_set(
    """
    conflict-policy virtual prefix-list netflow mtu unnumbered assembler
    path-mtu-discovery hw-module multicast tcp-mss-adjust cef nd sanity-check
    source-route icmp fragment reassembly
    """
)
ADMIN_GROUPS = frozenset({"root-lr", "root-system", "netadmin", "sysadmin"})
_PSK_WORDS = frozenset({"local", "remote", "password"})
SCRIPT_KINDS = {"exec": "op-script", "config": "commit-script", "eem": "eem", "process": "daemon"}


class XrNetwork(DialectWalker):
    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder)
        self.capture_sources: dict[str, list[str]] = {}

    # --- interfaces --------------------------------------------------------------------

    def interface(self, node: Node) -> None:
        words = node.words
        if words[0] == "no" or len(words) < 2:
            return
        rest = words[2:] if words[1] == "preconfigure" else words[1:]
        if not rest:
            return
        name = interface_name(rest)
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
                iface.description = child.text.partition(" ")[2].strip()
            elif head == "shutdown":
                iface.shutdown = not negated
            elif head == "vrf" and len(w) >= 2:
                iface.vrf = w[1]
            elif head in ("ipv4", "ipv6") and len(w) >= 2:
                understood = self.interface_ip(iface, child, w, negated)
            elif head == "tunnel" and len(w) >= 3:
                if w[1] == "source":
                    iface.tunnel_source = w[2] if is_ip(w[2]) else interface_name(w[2:])
                elif w[1] == "destination":
                    iface.tunnel_destination = w[2]
                elif w[1] == "mode":
                    iface.tunnel_mode = " ".join(w[2:])
            elif head == "cdp":
                iface.cdp = not negated
            elif head == "lldp":
                disabled = negated or any("disable" in c.words for c in child.walk())
                iface.lldp = not disabled
            elif head == "monitor-session" and len(w) >= 2:
                self.capture_sources.setdefault(w[1], []).append(name)
            else:
                understood = head in INTERFACE_WORDS
            if understood:
                self.accept(child)

    def interface_ip(self, iface: Interface, child: Node, w: list[str], negated: bool) -> bool:
        what = w[1]
        if what == "address" and len(w) >= 3:
            if negated or w[2] in ("dhcp", "autoconfig"):
                return True
            mask = w[3] if len(w) > 3 and w[3].count(".") == 3 else None
            address = interface_address(w[2], mask)
            if address is not None:
                iface.addresses.append(address)
            return address is not None
        if what == "access-group" and len(w) >= 4:
            direction = {"ingress": "in", "egress": "out"}.get(w[3])
            if direction is None:
                return False
            if not negated:
                if w[0] == "ipv4":
                    iface.access_groups[direction] = w[2]
                add_acl_use(self.m, w[2], "interface", child.line, direction, iface.name)
            return True
        return what in IPV4_WORDS

    # --- access lists ------------------------------------------------------------------

    def ip(self, node: Node) -> None:
        words = node.words
        if words[0] == "no":
            if len(words) > 2 and (words[2] == "access-list" or words[2] in IP_GLOBAL_WORDS):
                self.accept(node)
            return
        if len(words) < 2:
            return
        if words[1] == "access-list" and len(words) >= 3:
            self.access_list(node, words[2], "ipv6" if words[0] == "ipv6" else "extended")
        elif words[1] in IP_GLOBAL_WORDS:
            self.accept(node)

    def ethernet_services(self, node: Node) -> None:
        words = node.words
        if len(words) >= 3 and words[1] == "access-list":
            self.access_list(node, words[2], "ethernet", ethernet=True)

    def access_list(self, node: Node, name: str, kind: str, *, ethernet: bool = False) -> None:
        acl = Acl(name, node.line, kind)
        self.m.acls[name] = acl
        self.accept(node.line)
        for child in node.children:
            words = child.words
            entry = parse_ace(words, child.line, child.text, ethernet=ethernet)
            if entry is None:
                continue
            acl.entries.append(entry)
            self.accept(child.line)
            if "nexthop1" in words:
                # ACL-based forwarding: matching traffic is sent to another next hop (PBR).
                index = words.index("nexthop1")
                hop = words[index + 2] if index + 2 < len(words) else None
                self.m.policy_routes.append(PolicyRoute(name, child.line, hop))

    # --- management-plane protection ---------------------------------------------------

    def control_plane(self, node: Node) -> None:
        self.accept(node)
        for plane_parent in node.children_starting("management-plane"):
            self.m.flags["mpp"] = True
            for plane in plane_parent.children:
                if plane.words[0] not in ("inband", "out-of-band"):
                    continue
                name = f"management-plane {plane.words[0]}"
                acl = self.m.acls.setdefault(name, Acl(name, plane.line, "extended"))
                for target in plane.children_starting("interface"):
                    where = " ".join(target.words[1:])
                    add_acl_use(self.m, name, "mpp", target.line, "in", where)
                    for allow in target.children_starting("allow"):
                        self.mpp_allow(acl, where, allow)

    def mpp_allow(self, acl: Acl, where: str, allow: Node) -> None:
        words = allow.words
        protocol = words[1].lower() if len(words) > 1 else "all"
        peers = [
            child.words[2]
            for child in allow.walk()
            if len(child.words) >= 3 and child.words[0] == "address"
        ]
        for peer in peers or ["any"]:
            source = network(peer) if peer != "any" else "any"
            acl.entries.append(
                AclEntry(
                    "permit",
                    allow.line,
                    protocol=protocol,
                    source=source or peer,
                    text=f"interface {where} allow {protocol} peer {peer}",
                )
            )

    def lpts(self, node: Node) -> None:
        # LPTS policers are IOS XR's control-plane policing (on by default, tuned here).
        self.m.flags["copp"] = True
        self.accept(node)

    # --- routing -----------------------------------------------------------------------

    def router(self, node: Node) -> None:
        words = node.words
        if len(words) < 2:
            return
        kind = words[1]
        if kind == "static":
            self.static_routes(node, None)
        elif kind == "bgp":
            bgp_peers(self.b, node)
        elif kind in ("ospf", "ospfv3"):
            self.ospf(node)
        elif kind == "isis":
            self.isis(node)
        self.accept(node)

    def static_routes(self, node: Node, vrf: str | None) -> None:
        for child in node.children:
            words = child.words
            if words[0] == "vrf" and len(words) >= 2 and vrf is None:
                self.static_routes(child, words[1])
            elif words[0] == "address-family":
                for route in child.children:
                    self.static_route(route, vrf)

    def static_route(self, node: Node, vrf: str | None) -> None:
        words = node.words
        if not words or network(words[0]) is None:
            return
        route = StaticRoute(words[0], node.line, vrf=vrf)
        i = 1
        while i < len(words):
            word = words[i]
            if word in ("tag", "description", "metric", "track", "vrf", "bfd", "segment-routing"):
                i += 2
                continue
            if word.isdigit() or word == "permanent":
                i += 1
                continue
            if is_ip(word):
                route.next_hop = route.next_hop or word
            elif route.interface is None:
                route.interface = word
            i += 1
        self.m.static_routes.append(route)

    def ospf(self, router: Node) -> None:
        """OSPFv2/v3 interfaces as peers; authentication inherits process -> area ->
        interface (v3 spells it ``authentication ipsec`` / ``encryption``)."""

        def own_auth(node: Node) -> bool | None:
            for child in node.children:
                words = child.words
                if words[0] == "authentication" or words[0] == "encryption":
                    return words[-1] not in ("null", "disable")
            return None

        def own_passive(node: Node) -> bool | None:
            for child in node.children:
                words = child.words
                if words[0] == "passive":
                    return words[-1] != "disable"
            return None

        def visit(node: Node, auth: bool, passive: bool, owner: str, depth: int = 0) -> None:
            if depth > 4:  # process > vrf > area > interface; deeper nesting is not OSPF
                return
            found = own_auth(node)
            auth = found if found is not None else auth
            found = own_passive(node)
            passive = found if found is not None else passive
            for child in node.children:
                words = child.words
                if words[0] in ("area", "vrf") and len(words) >= 2:
                    visit(child, auth, passive, f"{words[0]} {words[1]}", depth + 1)
                elif words[0] == "interface" and len(words) >= 2:
                    found_auth = own_auth(child)
                    found_passive = own_passive(child)
                    if not (found_passive if found_passive is not None else passive):
                        authenticated = found_auth if found_auth is not None else auth
                        self.m.routing_peers.append(
                            RoutingPeer("ospf", words[1], child.line, authenticated)
                        )
                    visit(child, auth, passive, words[1], depth + 1)
                elif words[0] in ("message-digest-key", "authentication-key"):
                    # ``message-digest-key 1 md5 encrypted K`` / ``authentication-key K``
                    start = 3 if words[0] == "message-digest-key" else 1
                    type_token, value, _ = self.read_secret(child.line, words, start)
                    self.m.secrets.append(
                        Secret("ospf-key", secret_type(type_token, value), child.line, owner)
                    )

        visit(router, False, False, " ".join(router.words[1:]))

    def isis(self, router: Node) -> None:
        for child in router.children:
            words = child.words
            if words[0] in ("lsp-password", "hello-password") and len(words) >= 2:
                self.isis_secret(child, words, " ".join(router.words[1:]))
            if words[0] != "interface" or len(words) < 2:
                continue
            authenticated = False
            passive = False
            for option in child.children:
                owords = option.words
                if owords[0] == "hello-password":
                    authenticated = True
                    self.isis_secret(option, owords, words[1])
                elif owords[0] == "passive":
                    passive = True
            if not passive:
                self.m.routing_peers.append(
                    RoutingPeer("isis", words[1], child.line, authenticated)
                )

    def isis_secret(self, node: Node, words: list[str], owner: str) -> None:
        index = 1
        if index < len(words) and words[index] in ("hmac-md5", "text", "keychain"):
            if words[index] == "keychain":
                return
            index += 1
        type_token, value, _ = self.read_secret(node.line, words, index)
        self.m.secrets.append(Secret("other", secret_type(type_token, value), node.line, owner))

    def mpls(self, node: Node) -> None:
        words = node.words
        if len(words) >= 2 and words[1] == "ldp":
            for child in node.children:
                cwords = child.words
                if cwords[0] != "neighbor" or "password" not in cwords:
                    continue
                index = cwords.index("password")
                type_token, value, _ = self.read_secret(child.line, cwords, index + 1)
                peer = cwords[1].split(":")[0] if index > 1 else None
                self.m.secrets.append(
                    Secret("other", secret_type(type_token, value), child.line, peer)
                )
                if peer is not None:
                    self.m.routing_peers.append(RoutingPeer("ldp", peer, child.line, True))
        if len(words) >= 2:
            self.accept(node)

    # --- captures, hosted apps, automation ---------------------------------------------

    def monitor_session(self, node: Node) -> None:
        words = node.words
        if len(words) < 2 or words[0] == "no":
            return
        capture = Capture("span", words[1], node.line)
        for child in node.children:
            cwords = child.words
            if cwords[0] == "destination" and len(cwords) >= 2:
                if cwords[1] == "interface" and len(cwords) >= 3:
                    capture.destination = cwords[2]
                elif cwords[1] == "pseudowire":
                    capture.kind = "rspan"
                    capture.destination = "pseudowire"
                elif cwords[1] in ("ipv4", "ipv6") and len(cwords) >= 4:
                    capture.kind = "erspan"
                    capture.destination = cwords[3]
                elif cwords[1] == "next-hop" and len(cwords) >= 4:
                    capture.destination = cwords[3]
        self.m.captures.append(capture)
        self.accept(node)

    def link_captures(self) -> None:
        for capture in self.m.captures:
            sources = self.capture_sources.get(capture.name)
            if sources:
                capture.source = ", ".join(sources)

    def tpa(self, node: Node) -> None:
        # Third-party application networking for the Linux side (not a packet capture).
        self.m.containers.append(Container("app-hosting", "tpa", node.line))
        self.accept(node)

    def appmgr(self, node: Node) -> None:
        apps = [child for child in node.children if child.words[0] == "application"]
        for app in apps:
            name = app.words[1] if len(app.words) > 1 else "application"
            active = any(option.words[0] == "activate" for option in app.children)
            self.m.containers.append(Container("app-hosting", name, app.line, active))
        if not apps:
            self.m.containers.append(Container("app-hosting", "appmgr", node.line))
        self.accept(node)

    def event(self, node: Node) -> None:
        words = node.words
        if len(words) >= 4 and words[1] == "manager" and words[2] == "policy":
            self.m.automation.append(Automation("eem", words[3], node.line))
        if len(words) >= 3 and words[1] == "manager":
            self.accept(node)

    def script(self, node: Node) -> None:
        words = node.words
        kind = SCRIPT_KINDS.get(words[1]) if len(words) >= 3 else None
        if kind is not None:
            self.m.automation.append(Automation(kind, words[2], node.line))
            self.accept(node)

    # --- IKE peers ---------------------------------------------------------------------

    def keyring(self, node: Node) -> None:
        words = node.words
        name = words[1] if len(words) > 1 else None
        for child in node.children:
            cwords = child.words
            if cwords[:2] == ["pre-shared-key", "address"] and len(cwords) >= 3:
                self.m.crypto_peers.append(CryptoPeer(cwords[2], "isakmp", child.line, name))
                if "key" in cwords:
                    type_token, value, _ = self.read_secret(
                        child.line, cwords, cwords.index("key") + 1
                    )
                    self.m.secrets.append(
                        Secret("isakmp-key", secret_type(type_token, value), child.line, cwords[2])
                    )
        self.accept(node)

    def ikev2(self, node: Node) -> None:
        words = node.words
        if len(words) >= 3 and words[1] == "keyring":
            for peer in node.children_starting("peer"):
                name = peer.words[1] if len(peer.words) > 1 else None
                for option in peer.children:
                    owords = option.words
                    if owords[0] == "address" and len(owords) >= 2:
                        self.m.crypto_peers.append(
                            CryptoPeer(owords[1], "ikev2", option.line, name)
                        )
                    elif owords[0] == "pre-shared-key":
                        # ``pre-shared-key [local|remote] [password] [clear|encrypted] KEY``
                        start = 1
                        while start < len(owords) - 1 and owords[start] in _PSK_WORDS:
                            start += 1
                        type_token, value, _ = self.read_secret(option.line, owords, start)
                        self.m.secrets.append(
                            Secret("isakmp-key", secret_type(type_token, value), option.line, name)
                        )
        if len(words) >= 2:
            self.accept(node)

    # --- global switches ---------------------------------------------------------------

    def cdp(self, node: Node) -> None:
        words = node.words
        if len(words) == 1 or (words[0] == "no" and len(words) == 2):
            self.m.flags["cdp_global"] = words[0] != "no"
        self.accept(node)

    def lldp(self, node: Node) -> None:
        words = node.words
        if words[0] == "no" and len(words) == 2:
            self.m.flags["lldp_global"] = False
        elif len(words) == 1:
            self.m.flags["lldp_global"] = not any(c.words == ["disable"] for c in node.children)
        self.accept(node)
