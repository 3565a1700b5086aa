"""Routing blocks (BGP/OSPF/EIGRP/IS-IS peers and their authentication), key chains, static
routes and policy routing (route-maps referenced by ``ip policy``)."""

from __future__ import annotations

import ipaddress

from seawall.records.config import PolicyRoute, RoutingPeer, StaticRoute
from seawall.sources.configs.base import classful_prefix, is_ip, mask_to_prefix, wildcard_to_prefix
from seawall.sources.configs.ioslike import vocab
from seawall.sources.configs.ioslike.context import (
    BgpNeighbor,
    Ctx,
    IfaceRouting,
    PolicySet,
    RouterBlock,
    accept_words,
    key_type,
    split_prefix,
)
from seawall.sources.configs.tree import Node

_VOCABULARY = {"ospf": vocab.OSPF, "eigrp": vocab.EIGRP, "isis": vocab.ISIS, "bgp": vocab.BGP}
# Routing processes whose bodies are accepted whole (not modelled).
_OTHER_ROUTERS = frozenset(
    {
        "rip",
        "odr",
        "mobile",
        "lisp",
        "multicast",
        "pim",
        "igmp",
        "msdp",
        "general",
        "traffic-engineering",
        "l2-vpn",
        "bfd",
        "kernel",
        "vrrp",
        "igrp",
        "nhrp",
        "isis-ng",
    }
)


def h_router(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    protocol = words[1]
    if negated:
        return ctx.ok(node)
    if protocol in _OTHER_ROUTERS:
        return ctx.ok(node)
    if protocol == "ospfv3":  # the OSPFv3 process, address families inside
        ctx.routers.append(igp_block(ctx, node, "ospfv3"))
        return ctx.ok(node)
    if protocol not in _VOCABULARY:
        return False
    ctx.ok(node.line)
    accept_words(ctx, node, _VOCABULARY[protocol])
    if protocol == "bgp":
        bgp_block(ctx, node)
    else:
        ctx.routers.append(igp_block(ctx, node, protocol))
    return True


def h_ipv6_router(ctx: Ctx, node: Node, words: list[str]) -> bool:
    """``ipv6 router ospf|eigrp|rip ...`` (words start at ``router``)."""
    protocol = words[1] if len(words) > 1 else ""
    if protocol in _VOCABULARY and protocol != "bgp":
        ctx.ok(node.line)
        accept_words(ctx, node, _VOCABULARY[protocol])
        if protocol == "ospf":  # ``ipv6 router ospf N`` is OSPFv3
            ctx.routers.append(igp_block(ctx, node, "ospfv3"))
        return True
    return ctx.ok(node) if protocol in _OTHER_ROUTERS or protocol == "rip" else False


# -- BGP ----------------------------------------------------------------------------------


def _neighbor(ctx: Ctx, name: str, line: int) -> BgpNeighbor:
    neighbor = ctx.bgp.get(name)
    if neighbor is None:
        neighbor = ctx.bgp[name] = BgpNeighbor(name, line)
    return neighbor


def bgp_block(ctx: Ctx, node: Node) -> None:
    """Neighbors, peer groups (IOS ``peer-group``, EOS ``peer group``), session templates
    and passwords anywhere in the block (address families and VRFs included)."""
    for child in node.walk():
        words, negated = split_prefix(child.text)
        if negated or not words:
            continue
        if words[0] == "template" and len(words) > 2 and words[1] == "peer-session":
            _neighbor(ctx, words[2], child.line).is_group = True
            continue
        owner = child.parent.words if child.parent is not None else []
        if words[0] == "password" and owner[:2] == ["template", "peer-session"]:
            template = _neighbor(ctx, owner[2], child.line)
            template.password = True
            ctx.secret("bgp-password", key_type(words, 1, "password"), child.line, template.name)
            continue
        if words[0] != "neighbor" or len(words) < 3:
            continue
        name, option = words[1], words[2]
        neighbor = _neighbor(ctx, name, child.line)
        rest = words[3:]
        if option in ("peer-group", "peer") and (option == "peer-group" or rest[:1] == ["group"]):
            group_words = rest if option == "peer-group" else rest[1:]
            if group_words:
                neighbor.group = group_words[0]
                _neighbor(ctx, group_words[0], child.line).is_group = True
            else:
                neighbor.is_group = True
        elif option == "remote-as" and rest:
            neighbor.remote_as = rest[0]
        elif option == "shutdown":
            neighbor.shutdown = True
        elif option == "password" and rest:
            neighbor.password = True
            ctx.secret("bgp-password", key_type(words, 3, "password"), child.line, name)
        elif option == "inherit" and len(rest) > 1 and rest[0] == "peer-session":
            neighbor.group = rest[1]


def bgp_peers(ctx: Ctx) -> None:
    for neighbor in ctx.bgp.values():
        if neighbor.is_group or neighbor.shutdown:
            continue
        group = ctx.bgp.get(neighbor.group) if neighbor.group else None
        ctx.m.routing_peers.append(
            RoutingPeer(
                "bgp",
                neighbor.name,
                neighbor.line,
                authenticated=neighbor.password or bool(group and group.password),
                remote_as=neighbor.remote_as or (group.remote_as if group else None),
            )
        )


# -- IGPs ---------------------------------------------------------------------------------


def igp_block(ctx: Ctx, node: Node, protocol: str) -> RouterBlock:
    block = RouterBlock(protocol, node.line)
    for child in node.walk():
        words, negated = split_prefix(child.text)
        if not words:
            continue
        first = words[0]
        if first == "passive-interface" and len(words) > 1:
            if words[1] == "default":
                block.passive_default = not negated
            elif negated:
                block.active.add("".join(words[1:]))
            else:
                block.passive.add("".join(words[1:]))
        elif negated:
            continue
        elif first == "network" and len(words) > 1:
            prefix = _network_prefix(words[1:])
            area = words[words.index("area") + 1] if "area" in words[:-1] else None
            if prefix is not None:
                block.networks.append((prefix, area))
        elif first == "area" and len(words) > 2 and words[2] == "authentication":
            block.area_auth.add(words[1])
            _area_ipsec_key(ctx, words, child.line)
        elif first == "area" and len(words) > 3 and words[2] == "encryption":
            if words[3] == "ipsec":  # OSPFv3: ESP authenticates the area's packets
                block.area_auth.add(words[1])
                _area_ipsec_key(ctx, words, child.line)
        elif first in ("authentication", "area-password", "domain-password"):
            if protocol == "isis":
                block.authenticated = True
            elif protocol == "eigrp" and child.parent is not None:
                owner = child.parent.words
                if owner[:1] == ["af-interface"] and len(owner) > 1:
                    block.auth_ifaces.add(owner[1])
    return block


def _area_ipsec_key(ctx: Ctx, words: list[str], line: int) -> None:
    """OSPFv3 ``area X authentication|encryption ipsec spi N ... md5|sha1 [T] KEY``."""
    digest = next((i for i, w in enumerate(words) if w in ("md5", "sha1")), None)
    if words[3:4] == ["ipsec"] and digest is not None:
        ctx.secret("ospf-key", key_type(words, digest + 1), line, f"area {words[1]}")


def _network_prefix(words: list[str]) -> str | None:
    """``A W`` (OSPF/EIGRP wildcard), ``A/len`` (EOS), ``A`` (EIGRP classful)."""
    if "/" in words[0]:
        try:
            return str(ipaddress.ip_network(words[0], strict=False))
        except ValueError:
            return None
    if len(words) > 1 and is_ip(words[1]):
        return wildcard_to_prefix(words[0], words[1])
    return classful_prefix(words[0])


def normalize_area(area: str) -> str:
    """OSPF area ``0`` and ``0.0.0.0`` are the same area."""
    if area.isdigit():
        value = int(area)
        return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))
    return area


def _covered(address: str, prefix: str) -> bool:
    try:
        return ipaddress.ip_interface(address).ip in ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return False


def igp_peers(ctx: Ctx) -> None:
    """One peer per interface an IGP runs on (network statement, ``ip ospf N area``, ``ip
    router isis``), passive interfaces excluded, with the authentication that applies."""
    seen: set[tuple[str, str]] = set()
    ospf3 = [s for s in ctx.iface_routing.values() if s.ospf3_area is not None]
    if ospf3 and not any(b.protocol == "ospfv3" for b in ctx.routers):
        # ``ipv6 ospf N area X`` starts the process by itself
        ctx.routers.append(RouterBlock("ospfv3", min(s.line for s in ospf3)))
    for block in ctx.routers:
        for iface in ctx.m.interfaces:
            state = ctx.iface_routing.get(iface.name)
            area = state.ospf_area if state else None
            runs = False
            if block.protocol == "isis":
                runs = bool(state and state.isis)
            elif block.protocol == "ospfv3":
                area = state.ospf3_area if state else None
                runs = area is not None
            elif block.protocol == "ospf" and area is not None:
                runs = True
            else:
                for prefix, net_area in block.networks:
                    if any(_covered(a, prefix) for a in iface.addresses):
                        runs, area = True, area or net_area
                        break
            passive = iface.name in block.passive or (
                block.passive_default and iface.name not in block.active
            )
            key = (block.protocol, iface.name)
            if not runs or passive or key in seen or iface.kind == "loopback":
                continue
            seen.add(key)
            ctx.m.routing_peers.append(
                RoutingPeer(
                    block.protocol,
                    iface.name,
                    iface.line,
                    authenticated=_igp_authenticated(block, iface.name, area, state),
                )
            )


def _igp_authenticated(
    block: RouterBlock, name: str, area: str | None, state: IfaceRouting | None
) -> bool:
    if block.protocol == "ospfv3":
        if state is None or state.ospf3_auth == "null":
            return False
        areas = {area, normalize_area(area)} if area is not None else set()
        area_auth = {normalize_area(a) for a in block.area_auth} | block.area_auth
        return state.ospf3_auth is not None or bool(areas & area_auth)
    if block.protocol == "ospf":
        if state is None or state.ospf_auth == "null":
            return False
        if state.ospf_auth == "key-chain":
            return True
        return state.ospf_key and (state.ospf_auth is not None or area in block.area_auth)
    if block.protocol == "eigrp":
        named = name in block.auth_ifaces or "default" in block.auth_ifaces
        return named or bool(state and state.eigrp_auth)
    return block.authenticated or bool(state and state.isis_auth)


# -- key chains, static routes, route-maps ----------------------------------------------------


def h_key(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``key chain NAME`` / ``key N`` / ``key-string [T] K``: the keys are secrets."""
    if words[1:2] != ["chain"] or len(words) < 3:
        return words[1:2] in (["config-key"],) and ctx.ok(node)
    if negated:
        return ctx.ok(node)
    for child in node.walk():
        child_words, _ = split_prefix(child.text)
        if child_words[:1] == ["key-string"] and len(child_words) > 1:
            at = 2 if child_words[1] == "password" else 1
            ctx.secret("other", key_type(child_words, at, "password"), child.line, words[2])
    ctx.ok(node.line)
    accept_words(ctx, node, vocab.KEY_CHAIN)
    return True


_ROUTE_OPTIONS = frozenset({"name", "tag", "permanent", "track", "global", "dhcp", "multicast"})


def static_route(ctx: Ctx, words: list[str], line: int) -> bool:
    """``[vrf V] PREFIX MASK|PREFIX/LEN [IFACE] [NEXTHOP] [AD] [name N] ...`` (after ``ip route``
    or ``ipv6 route``)."""
    vrf: str | None = None
    if words[:1] == ["vrf"] and len(words) > 2:
        vrf, words = words[1], words[2:]
    if not words:
        return False
    if "/" in words[0]:
        try:
            prefix = str(ipaddress.ip_network(words[0], strict=False))
        except ValueError:
            return False
        rest = words[1:]
    elif len(words) > 1 and (network := mask_to_prefix(words[0], words[1])) is not None:
        prefix, rest = network, words[2:]
    else:
        return False
    route = StaticRoute(prefix, line, vrf=vrf)
    if rest and not is_ip(rest[0]) and not rest[0].isdigit() and rest[0] not in _ROUTE_OPTIONS:
        route.interface = rest[0]
        rest = rest[1:]
    if rest and is_ip(rest[0]):
        route.next_hop = rest[0]
    ctx.m.static_routes.append(route)
    return True


def h_route_map(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    if negated:
        return ctx.ok(node)
    sets = ctx.route_maps.setdefault(words[1], [])
    for child in node.walk():
        child_words, _ = split_prefix(child.text)
        if child_words[:1] != ["set"]:
            continue
        target = child_words[1:]
        if target[:1] in (["ip"], ["ipv6"]):
            target = target[1:]
        if target[:1] == ["vrf"] and len(target) > 2:
            target = target[2:]
        if target[:1] == ["default"]:
            target = target[1:]
        if target[:1] == ["next-hop"] and len(target) > 1 and is_ip(target[1]):
            sets.append(PolicySet(child.line, next_hop=target[1]))
        elif target[:1] == ["interface"] and len(target) > 1:
            sets.append(PolicySet(child.line, interface=target[1]))
    ctx.ok(node.line)
    accept_words(ctx, node, vocab.ROUTE_MAP)
    return True


def policy_routes(ctx: Ctx) -> None:
    """Route-maps used for policy routing (``ip policy``, ``ip local policy``) that send
    traffic somewhere: one PolicyRoute per ``set`` clause."""
    done: set[str] = set()
    for name, _line, _iface in ctx.policy_refs:
        if name in done:
            continue
        done.add(name)
        for clause in ctx.route_maps.get(name, []):
            ctx.m.policy_routes.append(
                PolicyRoute(name, clause.line, clause.next_hop, clause.interface)
            )


def finish_routing(ctx: Ctx) -> None:
    bgp_peers(ctx)
    igp_peers(ctx)
    policy_routes(ctx)
