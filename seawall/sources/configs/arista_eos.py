"""Arista EOS configurations to the vendor-neutral ``DeviceConfig``.

EOS shares the IOS statement grammar (users, AAA, SNMP, logging, NTP, interfaces, BGP/OSPF),
so the IOS-style handlers do most of the work; EOS adds ``management ssh|telnet|api ...``
blocks (the management services and their ACLs), ``daemon``/``event-handler``/``schedule``
automation, CIDR ACL entries with sequence numbers, and a version that only appears in the
``! device: NAME (MODEL, EOS-x.y.z)`` comment of ``show running-config``.
"""

from __future__ import annotations

import re
from typing import ClassVar

from seawall.records.config import Automation, BootImage, DeviceConfig, Line, Service
from seawall.sources.configs.base import ModelBuilder, blank_lines
from seawall.sources.configs.ioslike import features, routing, telemetry, users, vocab
from seawall.sources.configs.ioslike.acl import named_acl
from seawall.sources.configs.ioslike.context import (
    Ctx,
    Handler,
    dispatch,
    eos_banner_bodies,
    split_prefix,
)
from seawall.sources.configs.ioslike.interfaces import make_interface_handler
from seawall.sources.configs.ioslike.lines import exec_timeout
from seawall.sources.configs.redact import redact_line
from seawall.sources.configs.tree import Node, indent_tree, split_lines

_DEVICE = re.compile(r"^!\s*device:\s*(\S+)\s*\(([^,()]+),\s*EOS-([^)\s]+)\)")
_BOOT_COMMENT = re.compile(r"^!\s*boot system\s+(\S+)")

EOS_TOP = vocab.IOS_TOP | vocab.words(
    """
    transceiver service vrf mlag bfd queue-monitor hardware platform peer-filter tap
    switchport errdisable lacp load-balance port-channel qos policy-map class-map
    event-monitor agent sflow ptp dot1x cvx mpls end dns clock prompt alias system terminal
    tcam trace sfe ip-flow vmtracer openflow directflow hardware-counter dhcp
    interface-profile link-tracking mac-address-table cli vxlan roles role tunnel-ribs
    traffic-policies router-id nat hardware-access-list stun l2-protocol
    """
)
EOS_IP = vocab.IOS_IP | vocab.words(
    """
    routing virtual-router address fib hardware ssh http ftp tftp domain-name igmp pim
    community-list as-path extcommunity-list prefix-list load-sharing host name-server
    """
)
_EVENT_HANDLER = vocab.words("trigger action delay timeout asynchronous threshold poll")
_EVENT_HANDLER_SUB = vocab.words("action condition granularity threshold poll interval")


class EosCtx(Ctx):
    table: ClassVar[dict[str, Handler]] = {}

    def toplevel(self, nodes: list[Node]) -> None:
        """Statements found inside a block they do not belong to (show-startup captures with
        broken indentation): parse them as the top-level statements they are."""
        dispatch(self, nodes, self.table, EOS_TOP)


def h_ip(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    sub, rest = words[1], words[2:]
    if negated and sub in ("access-list", "route"):
        return ctx.ok(node)
    if sub == "access-list" and rest:
        if rest[0] == "standard" and len(rest) > 1:
            return named_acl(ctx, node, rest[1], "standard", lenient_host=True)
        if rest[0] in ("logging", "counters", "hardware"):
            return ctx.ok(node)
        return named_acl(ctx, node, rest[0], "extended", lenient_host=True)
    if sub == "route":
        return routing.static_route(ctx, rest, node.line) and ctx.ok(node)
    if sub in ("tacacs", "radius") and "source-interface" in rest[:-1]:
        if not negated:
            ctx.m.aaa.source_interfaces[sub] = rest[-1]
        return ctx.ok(node)
    if sub in ("tacacs", "radius"):
        return ctx.ok(node)
    return sub in EOS_IP and ctx.ok(node)


def h_ipv6(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    sub, rest = words[1], words[2:]
    if negated and sub in ("access-list", "route"):
        return ctx.ok(node)
    if sub == "access-list" and rest:
        name = rest[1] if rest[0] == "standard" and len(rest) > 1 else rest[0]
        return named_acl(ctx, node, name, "ipv6", lenient_host=True)
    if sub == "route":
        return routing.static_route(ctx, rest, node.line) and ctx.ok(node)
    return sub in vocab.IOS_IPV6 | {"routing", "prefix-list", "hardware"} and ctx.ok(node)


def h_hostname(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) > 1 and not negated:
        ctx.m.hostname = words[1]
    return ctx.ok(node)


def h_banner(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``banner login`` is shown before the login prompt; EOS shows ``banner motd`` only
    after a successful login, so it is no login warning."""
    if words[1:2] == ["login"]:
        ctx.m.flags["login_banner"] = not negated
    return ctx.ok(node)


def h_lldp(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:2] == ["run"]:
        ctx.m.flags["lldp_global"] = not negated
    return ctx.ok(node)


# -- management blocks ------------------------------------------------------------------


def _block_state(node: Node) -> tuple[bool | None, list[tuple[str, str | None, int]], int | None]:
    """(shutdown stated?, [(acl, vrf, line)], port) of a management block's own statements."""
    shutdown: bool | None = None
    acls: list[tuple[str, str | None, int]] = []
    port: int | None = None
    for child in node.children:
        words, negated = split_prefix(child.text)
        if words == ["shutdown"]:
            shutdown = not negated
        elif words[:2] in (["ip", "access-group"], ["ipv6", "access-group"]) and len(words) > 2:
            if not negated:
                vrf = words[words.index("vrf") + 1] if "vrf" in words[:-1] else None
                acls.append((words[2], vrf, child.line))
        elif words[:1] in (["port"], ["server-port"]) and len(words) > 1 and words[1].isdigit():
            port = int(words[1])
    return shutdown, acls, port


def _management_service(
    ctx: Ctx,
    node: Node,
    name: str,
    where: str,
    default_on: bool,
    options: dict[str, str] | None = None,
) -> Service:
    """One service for the block (default VRF) and one per ``vrf V`` sub-block."""
    shutdown, acls, port = _block_state(node)
    enabled = default_on if shutdown is None else not shutdown
    service = Service(name, enabled, node.line, port=port, options=dict(options or {}))
    for acl, vrf, line in acls:
        service.acl = service.acl or acl
        ctx.use_acl(acl, where, line, "in", f"{name} vrf {vrf}" if vrf else name)
    ctx.m.services.append(service)
    for child in node.children:
        words, negated = split_prefix(child.text)
        if words[:1] == ["vrf"] and len(words) > 1 and not negated:
            vrf_shutdown, vrf_acls, vrf_port = _block_state(child)
            vrf_on = default_on if vrf_shutdown is None else not vrf_shutdown
            vrf_service = Service(
                name,
                vrf_on,
                child.line,
                port=vrf_port or port,
                vrf=words[1],
                options=dict(options or {}),
            )
            for acl, _, line in vrf_acls:
                vrf_service.acl = vrf_service.acl or acl
                ctx.use_acl(acl, where, line, "in", f"{name} vrf {words[1]}")
            ctx.m.services.append(vrf_service)
    return service


def _management_line(ctx: Ctx, node: Node, protocol: str, service: Service) -> None:
    """EOS has no ``line vty``: the SSH/Telnet blocks are its remote-login lines."""
    item = Line(f"management {protocol}", "vty", node.line, transport_input=[protocol])
    item.access_class_in = service.acl
    for child in node.children:
        words, negated = split_prefix(child.text)
        if words[:1] == ["idle-timeout"] and len(words) > 1 and not negated:
            minutes = exec_timeout(words[1:2])
            item.exec_timeout_seconds = minutes * 60 if minutes is not None else None
    if service.enabled:
        ctx.m.lines.append(item)


def h_management(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    kind = words[1]
    if negated:
        return ctx.ok(node)
    if kind == "ssh":
        _management_line(ctx, node, "ssh", _management_service(ctx, node, "ssh", "ssh", True))
    elif kind == "telnet":
        service = _management_service(ctx, node, "telnet", "vty", False)
        _management_line(ctx, node, "telnet", service)
    elif kind == "api" and len(words) > 2:
        api = words[2]
        if api == "http-commands":
            protocols = [
                " ".join(c.text.split()[1:])
                for c in node.children
                if c.text.startswith("protocol ") and not c.text.startswith("protocol unix")
            ]
            options = {"protocol": ",".join(protocols)} if protocols else {}
            _management_service(ctx, node, "api-http", "http", False, options)
        elif api in ("gnmi", "netconf", "restconf"):
            _management_service(ctx, node, api, "netconf", True)
    elif kind == "http-server":
        for child in node.children:
            child_words, child_negated = split_prefix(child.text)
            if child_words[:1] == ["protocol"] and len(child_words) > 1:
                ctx.m.services.append(
                    Service(
                        child_words[1],
                        not child_negated,
                        child.line,
                        port=int(child_words[3]) if child_words[2:3] == ["port"] else None,
                    )
                )
    return ctx.ok(node)


def h_system(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``system control-plane`` / ``ip access-group ACL in``: CoPP-like receive ACL."""
    if words[1:2] == ["control-plane"]:
        for child in node.walk():
            child_words, child_negated = split_prefix(child.text)
            access_group = child_words[:2] == ["ip", "access-group"] and len(child_words) > 2
            if access_group and not child_negated:
                ctx.use_acl(child_words[2], "copp", child.line, "in")
                ctx.m.flags["copp"] = True
    return ctx.ok(node)


# -- automation -----------------------------------------------------------------------------


def h_daemon(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``daemon NAME`` / ``exec /path/to/binary args``: a process EOS keeps running."""
    if len(words) > 1 and not negated:
        commands = [c.text.partition(" ")[2] for c in node.children if c.text.startswith("exec ")]
        actions = [redact_line(command) for command in commands]
        ctx.m.automation.append(Automation("daemon", words[1], node.line, actions))
    return ctx.ok(node)


def h_event_handler(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``event-handler NAME`` / ``action bash CMD``: EOS's counterpart of an EEM applet."""
    if len(words) < 2:
        return False
    if negated:
        return ctx.ok(node)
    actions: list[str] = []
    strays: list[Node] = []
    ctx.ok(node.line)
    for child in node.children:
        child_words, _ = split_prefix(child.text)
        if not child_words or child_words[0] not in _EVENT_HANDLER:
            strays.append(child)
            continue
        ctx.ok(child.line)
        if child_words[0] == "action" and child_words[1:2] == ["bash"]:
            actions.append(redact_line(" ".join(child_words[2:])))
        for grandchild in child.children:
            grand_words, _ = split_prefix(grandchild.text)
            if grand_words[:1] and grand_words[0] in _EVENT_HANDLER_SUB:
                ctx.ok(grandchild)
                if grand_words[:2] == ["action", "bash"]:
                    actions.append(redact_line(" ".join(grand_words[2:])))
            else:
                strays.append(grandchild)
    ctx.m.automation.append(Automation("eem", words[1], node.line, actions))
    if isinstance(ctx, EosCtx):
        ctx.toplevel(strays)
    return True


def h_schedule(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``schedule NAME interval N ... command CMD``: periodic CLI (EOS's kron)."""
    if len(words) > 1 and not negated and "command" in words[:-1]:
        command = " ".join(words[words.index("command") + 1 :])
        ctx.m.automation.append(Automation("kron", words[1], node.line, [command]))
    return ctx.ok(node)


def h_monitor(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """EOS ``monitor session S destination tunnel mode gre source A destination B`` is ERSPAN;
    the rest is the IOS form."""
    if words[1:2] == ["session"] and len(words) > 4 and words[3:5] == ["destination", "tunnel"]:
        if not negated:
            rest = words[5:]
            target = rest[rest.index("destination") + 1] if "destination" in rest[:-1] else None
            capture = features.monitor_session(ctx, words[2], node.line, "erspan")
            capture.destination = target
        return ctx.ok(node)
    if words[1:2] and words[1] in ("connectivity", "server-radius", "layer1", "reliability"):
        return ctx.ok(node)
    return features.h_monitor(ctx, node, words, negated)


def _stray(ctx: Ctx, node: Node) -> None:
    if isinstance(ctx, EosCtx):
        ctx.toplevel([node])


TABLE: dict[str, Handler] = {
    "hostname": h_hostname,
    "banner": h_banner,
    "lldp": h_lldp,
    "enable": users.h_enable,
    "username": users.h_username,
    "aaa": users.h_aaa,
    "tacacs-server": users.h_server_host,
    "radius-server": users.h_server_host,
    "snmp-server": telemetry.h_snmp,
    "logging": telemetry.h_logging,
    "ntp": telemetry.h_ntp,
    "interface": make_interface_handler(fallback=_stray),
    "ip": h_ip,
    "ipv6": h_ipv6,
    "router": routing.h_router,
    "route-map": routing.h_route_map,
    "monitor": h_monitor,
    "management": h_management,
    "system": h_system,
    "daemon": h_daemon,
    "event-handler": h_event_handler,
    "schedule": h_schedule,
}
EosCtx.table = TABLE


def _comments(ctx: Ctx, lines: list[str]) -> set[int]:
    """Version/platform and boot image from the ``show running-config`` header comments."""
    seen: set[int] = set()
    for number, line in enumerate(lines[:40], start=1):
        if not line.startswith("!"):
            continue
        device = _DEVICE.match(line)
        if device is not None:
            ctx.m.platform = device.group(2).strip()
            ctx.m.version = device.group(3)
            seen.add(number)
        boot = _BOOT_COMMENT.match(line)
        if boot is not None:
            ctx.m.boot_images.append(BootImage(boot.group(1), number))
            seen.add(number)
    return seen


def parse(text: str, path: str, dialect: str = "arista_eos") -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, vendor="Arista", os="EOS")
    banners = eos_banner_bodies(text)
    tree = indent_tree(blank_lines(text, banners))
    ctx = EosCtx(builder)
    _comments(ctx, split_lines(text))
    dispatch(ctx, tree.root.children, TABLE, EOS_TOP)
    users.resolve_named_members(ctx)
    routing.finish_routing(ctx)
    for iface in ctx.m.interfaces:
        if iface.kind == "tunnel" and iface.tunnel_mode is None and iface.tunnel_destination:
            iface.tunnel_mode = "gre"  # EOS default
    return builder.finish(tree.structural | banners)
