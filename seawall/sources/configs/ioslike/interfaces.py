"""Interface blocks: kind, addresses (as CIDR), VRF, ACLs, tunnels, CDP/LLDP, policy routing and
the routing-protocol authentication stated per interface."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from seawall.records.config import Capture, Interface
from seawall.sources.configs.ioslike import vocab
from seawall.sources.configs.ioslike.acl import is_ipv4
from seawall.sources.configs.ioslike.context import Ctx, Handler, key_type, split_prefix
from seawall.sources.configs.tree import Node

IfaceHandler = Callable[[Ctx, Interface, Node, list[str], bool], bool]

# Lower-case name prefixes -> Interface.kind (longest match first).
_KINDS = (
    ("loopback", "loopback"),
    ("tunnel", "tunnel"),
    ("vlan", "vlan"),
    ("port-channel", "port-channel"),
    ("management", "management"),
    ("mgmt", "management"),
    ("ethernet", "physical"),
    ("fastethernet", "physical"),
    ("gigabitethernet", "physical"),
    ("tengigabitethernet", "physical"),
    ("twentyfivegige", "physical"),
    ("fortygigabitethernet", "physical"),
    ("hundredgige", "physical"),
    ("appgigabitethernet", "other"),
    ("serial", "physical"),
    ("atm", "physical"),
    ("pos", "physical"),
    ("dot11radio", "physical"),
    ("cellular", "physical"),
    ("redundant", "physical"),
)


def interface_kind(name: str) -> str:
    lower = name.lower()
    for prefix, kind in _KINDS:
        if lower.startswith(prefix):
            return kind
    return "other"


_NAME_SUFFIXES = frozenset({"point-to-point", "multipoint"})


def interface_name(words: list[str]) -> str:
    """``interface GigabitEthernet 9/9`` -> ``GigabitEthernet9/9``; drops ``point-to-point``."""
    return "".join(w for w in words if w not in _NAME_SUFFIXES)


def make_interface_handler(
    extra: dict[str, IfaceHandler] | None = None,
    fallback: Callable[[Ctx, Node], None] | None = None,
) -> Handler:
    """The ``interface`` handler of a dialect; ``extra`` adds or replaces statement handlers
    (ASA ``nameif``...); ``fallback`` gets the statements the interface does not know (EOS
    captures with broken indentation put top-level statements inside interfaces)."""
    table = {**IFACE_HANDLERS, **(extra or {})}

    def handler(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
        if len(words) < 2:
            return False
        if negated or words[1] == "range":
            return ctx.ok(node)
        iface = new_interface(ctx, interface_name(words[1:]), node.line)
        ctx.ok(node.line)
        pending = list(node.children)
        while pending:
            child = pending.pop(0)
            child_words, child_negated = split_prefix(child.text)
            if not child_words:
                continue
            if child_words[0] == "interface" and len(child_words) > 1 and not child_negated:
                # Mis-indented ``interface`` line inside a block: it starts a new interface
                # that owns its own children and the siblings after it.
                iface = new_interface(ctx, interface_name(child_words[1:]), child.line)
                ctx.ok(child.line)
                pending = child.children + pending
                continue
            statement = table.get(child_words[0])
            if statement is not None:
                if statement(ctx, iface, child, child_words, child_negated):
                    ctx.ok(child)
                    continue
            elif child_words[0] in vocab.INTERFACE:
                ctx.ok(child)
                continue
            if fallback is not None:
                fallback(ctx, child)
        return True

    return handler


def new_interface(ctx: Ctx, name: str, line: int) -> Interface:
    iface = Interface(name, interface_kind(name), line)
    ctx.m.interfaces.append(iface)
    ctx.interfaces[name] = iface
    return iface


def _description(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    iface.description = None if neg else node.text.partition("description")[2].strip() or None
    return True


def _shutdown(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    iface.shutdown = not neg
    return True


def _vrf(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    """``vrf forwarding V`` (IOS), ``vrf V`` (EOS), ``vrf member V`` (NX-OS style)."""
    if neg or len(words) < 2:
        return True
    iface.vrf = words[2] if words[1] in ("forwarding", "member") and len(words) > 2 else words[1]
    return True


# Contiguous netmasks -> prefix length (a dict lookup instead of an ipaddress round trip:
# big switch configs carry thousands of interface addresses).
MASK_LENGTHS = {
    str(ipaddress.IPv4Address((0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF)): n for n in range(33)
}


def add_address(iface: Interface, words: list[str]) -> bool:
    """``A M [secondary]`` or ``A/len [secondary]``; False when neither."""
    if not words:
        return False
    if "/" in words[0]:
        try:
            network = ipaddress.ip_interface(words[0])
        except ValueError:
            return False
        iface.addresses.append(str(network))
        return True
    if len(words) > 1 and words[1] in MASK_LENGTHS and is_ipv4(words[0]):
        iface.addresses.append(f"{words[0]}/{MASK_LENGTHS[words[1]]}")
        return True
    return False


def _ip(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    if len(words) < 2:
        return False
    sub = words[1]
    if sub == "address":
        if neg or len(words) < 3:
            return True
        rest = words[2:]
        if rest[0] in ("dhcp", "negotiated", "pool", "unnumbered"):
            return True
        if rest[0] == "virtual":
            rest = rest[1:]
        return add_address(iface, rest)
    if sub == "access-group" and len(words) > 2:
        if not neg:
            direction = words[3] if len(words) > 3 else "in"
            iface.access_groups[direction] = words[2]
            ctx.use_acl(words[2], "interface", node.line, direction, iface.name)
        return True
    if sub == "policy" and len(words) > 3 and words[2] == "route-map":
        if not neg:
            iface.policy_route_map = words[3]
            ctx.policy_refs.append((words[3], node.line, iface.name))
        return True
    if sub == "vrf" and len(words) > 3 and words[2] == "forwarding":
        iface.vrf = None if neg else words[3]
        return True
    if sub == "ospf":
        return _ospf(ctx, iface, node, words, neg)
    if sub == "authentication" and not neg and len(words) > 2:
        if words[2] in ("mode", "key-chain"):
            ctx.routing(iface.name, node.line).eigrp_auth = True
        return True
    if sub == "router" and len(words) > 2 and words[2] == "isis":
        ctx.routing(iface.name, node.line).isis = not neg
        return True
    return sub in vocab.INTERFACE_IP


def _ospf(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    """``ip ospf authentication [message-digest|null|key-chain K]``, ``ip ospf
    message-digest-key N md5 [T] K``, ``ip ospf authentication-key [T] K``, ``ip ospf N area
    X``; EOS ``ip ospf area X``."""
    if len(words) < 3 or neg:
        return True
    state = ctx.routing(iface.name, node.line)
    sub = words[2]
    if sub == "authentication":
        state.ospf_auth = words[3] if len(words) > 3 else "simple"
    elif sub == "message-digest-key" and len(words) > 5:
        state.ospf_key = True
        ctx.secret("ospf-key", key_type(words, 5), node.line, iface.name)
    elif sub == "authentication-key" and len(words) > 3:
        state.ospf_key = True
        ctx.secret("ospf-key", key_type(words, 3), node.line, iface.name)
    elif sub == "area" and len(words) > 3:
        state.ospf_area = words[3]
    elif sub.isdigit() and len(words) > 4 and words[3] == "area":
        state.ospf_area = words[4]
    return True


def _ipv6(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    if len(words) < 2:
        return False
    sub = words[1]
    if sub == "address":
        if neg or len(words) < 3 or words[2] in ("autoconfig", "dhcp"):
            return True
        if "/" not in words[2]:
            return words[3:4] == ["link-local"]  # link-local without a length: not routed
        return add_address(iface, words[2:3])
    if sub in ("traffic-filter", "access-group") and len(words) > 2:
        if not neg:
            direction = words[3] if len(words) > 3 else "in"
            iface.access_groups[f"ipv6 {direction}"] = words[2]
            ctx.use_acl(words[2], "interface", node.line, direction, iface.name)
        return True
    if sub == "policy" and len(words) > 3 and words[2] == "route-map":
        if not neg:
            ctx.policy_refs.append((words[3], node.line, iface.name))
        return True
    if sub == "ospf":
        ospfv3(ctx, iface, node, words[2:], neg)
        return True
    return sub in vocab.INTERFACE_IPV6


def ospfv3(ctx: Ctx, iface: Interface, node: Node, rest: list[str], neg: bool) -> bool:
    """OSPFv3 on an interface, after ``ipv6 ospf`` or ``ospfv3``: ``N area X`` / ``N ipv6
    area X`` (the interface joins the process), ``authentication|encryption ipsec spi N ...
    md5|sha1 [T] KEY`` (IPsec authentication: its key is a secret), ``authentication
    key-chain K``, ``authentication|encryption null`` (none, whatever the area says)."""
    if neg or not rest:
        return True
    state = ctx.routing(iface.name, node.line)
    if rest[0].isdigit() and "area" in rest[1:-1]:
        state.ospf3_area = rest[rest.index("area") + 1]
    elif rest[0] in ("authentication", "encryption") and len(rest) > 1:
        if rest[1] == "null":
            state.ospf3_auth = "null"
        elif rest[1] == "key-chain":
            state.ospf3_auth = "key-chain"
        elif rest[1] == "ipsec":
            state.ospf3_auth = "ipsec"
            words = node.text.split()
            digest = next((i for i, w in enumerate(words) if w in ("md5", "sha1")), None)
            if digest is not None:
                ctx.secret("ospf-key", key_type(words, digest + 1), node.line, iface.name)
    return True


def _ospfv3(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    return ospfv3(ctx, iface, node, words[1:], neg)


def _tunnel(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    if len(words) < 2:
        return False
    sub = words[1]
    if neg:
        return True
    if sub == "source" and len(words) > 2:
        iface.tunnel_source = words[2]
    elif sub == "destination" and len(words) > 2:
        iface.tunnel_destination = words[2]
    elif sub == "mode" and len(words) > 2:
        iface.tunnel_mode = " ".join(words[2:])
    return True


def _cdp(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    if words[1:2] == ["enable"]:
        iface.cdp = not neg
    return True


def _lldp(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    if words[1:2] in (["transmit"], ["receive"]):
        if neg:
            iface.lldp = False
        elif iface.lldp is None:
            iface.lldp = True
    return True


def _isis(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    if not neg and words[1:2] in (["authentication"], ["password"]):
        ctx.routing(iface.name, node.line).isis_auth = True
    return True


def _port(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    """Catalyst 2900XL ``port monitor X``: this port mirrors X (a SPAN destination)."""
    if words[1:2] != ["monitor"]:
        return words[1:2] in (["security"], ["channel"], ["group"], ["storm-control"])
    if not neg:
        ctx.m.captures.append(
            Capture(
                "span",
                f"port monitor {iface.name}",
                node.line,
                destination=iface.name,
                source=words[2] if len(words) > 2 else None,
            )
        )
    return True


def _ppp(ctx: Ctx, iface: Interface, node: Node, words: list[str], neg: bool) -> bool:
    """PPP CHAP/PAP passwords are secrets too."""
    if not neg and "password" in words[:-1]:
        at = words.index("password") + 1
        ctx.secret("other", key_type(words, at, "password"), node.line, f"ppp {iface.name}")
    return True


IFACE_HANDLERS: dict[str, IfaceHandler] = {
    "description": _description,
    "shutdown": _shutdown,
    "vrf": _vrf,
    "ip": _ip,
    "ipv6": _ipv6,
    "ospfv3": _ospfv3,
    "tunnel": _tunnel,
    "cdp": _cdp,
    "lldp": _lldp,
    "isis": _isis,
    "port": _port,
    "ppp": _ppp,
}
