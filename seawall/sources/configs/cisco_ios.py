"""Cisco IOS and IOS XE configurations to the vendor-neutral ``DeviceConfig``.

One pass over the indentation tree: each top-level statement goes to a handler by its first
word (``ip`` statements by their second); statements known to be valid but irrelevant to the
audit are accepted whole from the vocabulary lists, everything else is reported as not
understood. Cross-references (route-maps used for policy routing, interfaces covered by OSPF
networks, BGP peer groups, named AAA servers) are resolved once at the end.
"""

from __future__ import annotations

import re

from seawall.records.config import ArchiveTarget, BootImage, DeviceConfig, RoutingPeer, Service
from seawall.sources.configs.base import ModelBuilder, blank_lines
from seawall.sources.configs.ioslike import features, lines, routing, telemetry, users, vocab
from seawall.sources.configs.ioslike.acl import h_access_list, named_acl
from seawall.sources.configs.ioslike.context import (
    Ctx,
    Handler,
    delimited_bodies,
    dispatch,
    key_type,
    macro_bodies,
    split_prefix,
)
from seawall.sources.configs.ioslike.interfaces import make_interface_handler
from seawall.sources.configs.tree import Node, indent_tree

# Platforms that only run IOS XE (``license udi pid ...``).
_XE_PLATFORMS = re.compile(r"^(CSR1000V|C8[0-9]{3}|ISR4|ASR1|C9[0-9]{3}|CAT9|C1[01][0-9]{2}|IR1)")


class IosCtx(Ctx):
    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder)
        self.xe = False  # platform lines say IOS XE
        self.http_state: bool | None = None  # last ``[no] ip http server``
        self.http_ports: list[tuple[str, int, int]] = []  # (service, port, line)
        self.http_acl: str | None = None
        self.http_auth: str | None = None  # ``ip http authentication METHOD``


def _ios(ctx: Ctx) -> IosCtx:
    assert isinstance(ctx, IosCtx)
    return ctx


# -- small top-level handlers ---------------------------------------------------------------


def h_hostname(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) > 1 and not negated:
        ctx.m.hostname = words[1].strip('"')
    return ctx.ok(node)


def h_version(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) > 1:
        ctx.m.version = words[1]
    return ctx.ok(node)


def h_boot(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:2] == ["system"] and len(words) > 2 and not negated:
        ctx.m.boot_images.append(BootImage(" ".join(words[2:]), node.line))
    return ctx.ok(node)


def h_platform(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    _ios(ctx).xe = True  # ``platform ...`` statements exist on IOS XE only
    return ctx.ok(node)


def h_license(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:3] == ["udi", "pid"] and len(words) > 3:
        ctx.m.platform = words[3]
        if _XE_PLATFORMS.match(words[3]):
            _ios(ctx).xe = True
    elif words[1:3] == ["boot", "level"]:
        _ios(ctx).xe = True
    return ctx.ok(node)


_SERVICE_FLAGS = {
    "password-encryption": "service_password_encryption",
    "pad": "service_pad",
    "finger": "finger",
}
_SERVICE_KNOWN = vocab.words(
    """
    nagle tcp-keepalives-in tcp-keepalives-out internal config sequence-numbers compress-config
    slave-log counters call-home dhcp linenumber prompt unsupported-transceiver alignment
    hide-telnet-addresses old-slip-prompts exec-wait exec-callback disable-ip-fast-frag
    telnet-zeroidle pt-vty-logging private-config-encryption password-recovery
    """
)


def h_service(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    sub = words[1]
    if sub in _SERVICE_FLAGS:
        ctx.m.flags[_SERVICE_FLAGS[sub]] = not negated
    elif sub in ("tcp-small-servers", "udp-small-servers"):
        if not negated:
            ctx.m.flags["small_servers"] = True
        else:
            ctx.m.flags.setdefault("small_servers", False)
    elif sub == "timestamps":
        if negated and len(words) == 2:
            ctx.m.logging.timestamps = False
        elif words[2:3] == ["log"]:
            ctx.m.logging.timestamps = not negated and words[3:4] == ["datetime"]
    elif sub not in _SERVICE_KNOWN:
        return False
    return ctx.ok(node)


def h_security(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``security passwords min-length N``: IOS rejects shorter passwords."""
    if words[1:3] == ["passwords", "min-length"]:
        ctx.m.flags["password_strength_check"] = not negated
    return ctx.ok(node)


def h_mpls(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``mpls ldp neighbor X password [T] K``: an authenticated LDP session."""
    password = words[1:3] == ["ldp", "neighbor"] and len(words) > 5 and words[4] == "password"
    if password and not negated:
        ctx.m.routing_peers.append(RoutingPeer("ldp", words[3], node.line, authenticated=True))
        ctx.secret("other", key_type(words, 5, "password"), node.line, f"ldp {words[3]}")
    return ctx.ok(node)


def h_login(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:2] == ["block-for"] and len(words) > 2:
        ctx.m.flags["login_block_for"] = False if negated else " ".join(words[2:])
    return ctx.ok(node)


def h_discovery(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``[no] cdp run`` / ``[no] lldp run``."""
    if words[1:2] == ["run"]:
        ctx.m.flags[f"{words[0]}_global"] = not negated
    return ctx.ok(node)


def h_wsma(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``wsma agent exec|config|filesys|notify`` (+ ``profile P``) and ``wsma profile
    listener NAME`` (+ ``transport http|https``): the WSMA web-services endpoints."""
    if len(words) < 3:
        return False
    options: dict[str, str] = {}
    if words[1] == "agent":
        options["agent"] = words[2]
        profiles = [c.text.split()[1] for c in node.children if len(c.text.split()) > 1]
        if profiles:
            options["profiles"] = ",".join(profiles)
    elif words[1] == "profile" and len(words) > 3:
        options["profile"] = words[3]
        for child in node.children:
            child_words = child.text.split()
            if child_words[:1] == ["transport"] and len(child_words) > 1:
                options["transport"] = child_words[1]
    else:
        return False
    ctx.m.services.append(Service("wsma", not negated, node.line, options=options))
    return ctx.ok(node)


def h_vstack(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) == 1 or negated:
        ctx.m.services.append(Service("smart-install", not negated, node.line))
    return ctx.ok(node)


def h_password(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``password encryption aes``: stored keys become type 6 (with ``key config-key``)."""
    if words[1:3] != ["encryption", "aes"]:
        return False
    ctx.m.flags["password_encryption_aes"] = not negated
    return ctx.ok(node)


def _service_port(words: list[str]) -> int | None:
    if "port" in words[:-1]:
        value = words[words.index("port") + 1]
        return int(value) if value.isdigit() else None
    return None


def h_yang(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``netconf-yang`` / ``restconf`` / ``gnmi-yang`` / legacy ``netconf ssh [acl N]``."""
    name = {"netconf-yang": "netconf", "netconf": "netconf", "gnmi-yang": "gnmi"}.get(
        words[0], words[0]
    )
    if words[0] == "netconf" and words[1:2] != ["ssh"]:
        return ctx.ok(node)  # ``netconf max-sessions`` ...
    if len(words) == 1 or words[1] in ("ssh", "port", "server") or negated:
        ctx.m.services.append(Service(name, not negated, node.line, port=_service_port(words)))
    if words[0] == "netconf" and "acl" in words[:-1] and not negated:
        ctx.use_acl(words[words.index("acl") + 1], "netconf", node.line)
    return ctx.ok(node)


def h_tftp_server(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) > 1:
        ctx.m.services.append(Service("tftp", not negated, node.line, options={"file": words[1]}))
    return ctx.ok(node)


def h_control_plane(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``control-plane`` ``service-policy input P`` -> CoPP; ``control-plane host`` /
    ``management-interface X allow ssh snmp`` -> management-plane protection."""
    for child in node.walk():
        child_words, child_negated = split_prefix(child.text)
        if child_negated or len(child_words) < 3:
            continue
        if child_words[0] == "service-policy" and child_words[1] == "input":
            ctx.use_acl(child_words[2], "copp", child.line, "in")
            ctx.m.flags["copp"] = True
        elif child_words[0] == "management-interface" and "allow" in child_words:
            allowed = child_words[child_words.index("allow") + 1 :]
            ctx.use_acl(child_words[1], "mpp", child.line, "in", " ".join(allowed))
            ctx.m.flags["mpp"] = True
    return ctx.ok(node)


# -- ``ip ...`` -----------------------------------------------------------------------------


def ip_access_list(ctx: Ctx, node: Node, words: list[str], family: str) -> bool:
    """``ip access-list standard|extended NAME`` (words after ``access-list``)."""
    if not words:
        return False
    if words[0] in ("standard", "extended") and len(words) > 1:
        return named_acl(ctx, node, words[1], words[0])
    if words[0] in ("resequence", "logging", "log-update", "role-based", "persistent", "match"):
        return ctx.ok(node)
    return named_acl(ctx, node, words[0], "ipv6" if family == "ipv6" else "extended")


def ip_ssh(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``ip ssh port N rotary M``, ``ip ssh version N``, ``ip ssh source-interface X``,
    ``ip ssh pubkey-chain``."""
    sub = words[0] if words else ""
    if negated:
        return ctx.ok(node)
    if sub == "port" and len(words) > 1 and words[1].isdigit():
        options = {}
        if "rotary" in words[:-1]:
            options["rotary"] = " ".join(words[words.index("rotary") + 1 :])
        ctx.m.services.append(Service("ssh", True, node.line, port=int(words[1]), options=options))
    elif sub == "version" and len(words) > 1:
        ctx.m.flags["ssh_version"] = words[1]
    elif sub == "source-interface" and len(words) > 1:
        ctx.m.aaa.source_interfaces["ssh"] = words[1]
    elif sub == "pubkey-chain":
        users.ssh_pubkey_chain(ctx, node)
    return ctx.ok(node)


def ip_http(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    ios = _ios(ctx)
    sub = words[0] if words else ""
    if sub == "server":
        ios.http_state = not negated
        ctx.m.services.append(Service("http", not negated, node.line))
    elif sub == "secure-server":
        ctx.m.services.append(Service("https", not negated, node.line))
    elif sub in ("port", "secure-port") and len(words) > 1 and words[1].isdigit():
        if not negated:
            name = "http" if sub == "port" else "https"
            ios.http_ports.append((name, int(words[1]), node.line))
    elif sub == "authentication" and len(words) > 1 and not negated:
        ios.http_auth = " ".join(words[1:])
    elif sub == "access-class" and len(words) > 1 and not negated:
        acl = words[-1]
        ios.http_acl = acl
        ctx.use_acl(acl, "http", node.line, "in")
    return ctx.ok(node)


def ip_ftp(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``ip ftp username U`` / ``ip ftp password [T] P``: credentials for copying configs."""
    if negated or len(words) < 2:
        return ctx.ok(node)
    if words[0] == "username":
        ctx.m.archive_targets.append(ArchiveTarget(f"ftp://{words[1]}@", node.line, "ftp"))
    elif words[0] == "password":
        ctx.secret("other", users.secret_value(words, 1, "password")[0], node.line, "ip ftp")
    return ctx.ok(node)


def _flag(name: str) -> Handler:
    def handler(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
        ctx.m.flags[name] = not negated
        return ctx.ok(node)

    return handler


def h_ip(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    sub = words[1]
    rest = words[2:]
    if negated and sub in ("access-list", "route"):
        return ctx.ok(node)
    if sub == "access-list":
        return ip_access_list(ctx, node, rest, "ip")
    if sub == "route":
        return routing.static_route(ctx, rest, node.line) and ctx.ok(node)
    if sub == "ssh":
        return ip_ssh(ctx, node, rest, negated)
    if sub == "http":
        return ip_http(ctx, node, rest, negated)
    if sub == "ftp":
        return ip_ftp(ctx, node, rest, negated)
    if sub in ("tacacs", "radius") and rest[:1] == ["source-interface"] and len(rest) > 1:
        if not negated:
            ctx.m.aaa.source_interfaces[sub] = rest[-1]
        return ctx.ok(node)
    if sub == "source-route":
        ctx.m.flags["ip_source_route"] = not negated
        return ctx.ok(node)
    if sub == "finger":
        ctx.m.flags["finger"] = not negated
        return ctx.ok(node)
    if sub == "bootp" and rest[:1] == ["server"]:
        ctx.m.flags["bootp_server"] = not negated
        return ctx.ok(node)
    if sub == "scp" and rest[:2] == ["server", "enable"]:
        ctx.m.services.append(Service("scp", not negated, node.line))
        return ctx.ok(node)
    if sub == "local" and rest[:2] == ["policy", "route-map"] and len(rest) > 2:
        ctx.policy_refs.append((rest[2], node.line, None))
        return ctx.ok(node)
    if sub in ("tacacs", "radius"):
        return ctx.ok(node)
    return sub in vocab.IOS_IP and ctx.ok(node)


def h_ipv6(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    sub = words[1]
    if negated and sub in ("access-list", "route", "router"):
        return ctx.ok(node)
    if sub == "access-list" and len(words) > 2:
        return ip_access_list(ctx, node, words[2:], "ipv6")
    if sub == "route":
        return routing.static_route(ctx, words[2:], node.line) and ctx.ok(node)
    if sub == "router":
        return routing.h_ipv6_router(ctx, node, words[1:])
    if sub == "local" and words[2:4] == ["policy", "route-map"] and len(words) > 4:
        ctx.policy_refs.append((words[4], node.line, None))
        return ctx.ok(node)
    return sub in vocab.IOS_IPV6 and ctx.ok(node)


TABLE: dict[str, Handler] = {
    "hostname": h_hostname,
    "version": h_version,
    "boot": h_boot,
    "platform": h_platform,
    "license": h_license,
    "service": h_service,
    "login": h_login,
    "security": h_security,
    "mpls": h_mpls,
    "banner": lines.h_banner,
    "cdp": h_discovery,
    "lldp": h_discovery,
    "enable": users.h_enable,
    "username": users.h_username,
    "aaa": users.h_aaa,
    "tacacs-server": users.h_server_host,
    "radius-server": users.h_server_host,
    "tacacs": users.h_named_server,
    "radius": users.h_named_server,
    "snmp-server": telemetry.h_snmp,
    "logging": telemetry.h_logging,
    "ntp": telemetry.h_ntp,
    "line": lines.h_line,
    "interface": make_interface_handler(),
    "access-list": h_access_list,
    "ip": h_ip,
    "ipv6": h_ipv6,
    "router": routing.h_router,
    "key": routing.h_key,
    "route-map": routing.h_route_map,
    "crypto": features.h_crypto,
    "monitor": features.h_monitor,
    "event": features.h_event,
    "kron": features.h_kron,
    "archive": features.h_archive,
    "iox": features.h_iox,
    "app-hosting": features.h_app_hosting,
    "guestshell": features.h_guestshell,
    "virtual-service": features.h_virtual_service,
    "wsma": h_wsma,
    "vstack": h_vstack,
    "password": h_password,
    "netconf-yang": h_yang,
    "netconf": h_yang,
    "restconf": h_yang,
    "gnmi-yang": h_yang,
    "tftp-server": h_tftp_server,
    "control-plane": h_control_plane,
}


def _finish_http(ctx: IosCtx) -> None:
    """``ip http port N`` entries: enabled as the last ``ip http server`` says (default on);
    the ``ip http access-class`` ACL goes on every HTTP(S) service entry."""
    for name, port, line in ctx.http_ports:
        enabled = ctx.http_state if ctx.http_state is not None and name == "http" else True
        ctx.m.services.append(Service(name, enabled, line, port=port))
    if ctx.http_acl is not None:
        for service in ctx.m.services:
            if service.name in ("http", "https"):
                service.acl = ctx.http_acl
    # The IOS HTTP server runs CLI at the user's privilege (``/level/15/exec/...``): say how
    # users get it (the default authentication is the enable password).
    servers = [s for s in ctx.m.services if s.name in ("http", "https") and s.port is None]
    if any(s.enabled for s in servers):
        ctx.m.flags["http_server_privilege"] = f"authentication {ctx.http_auth or 'enable'}"
    elif servers:
        ctx.m.flags["http_server_privilege"] = False


def _os_name(ctx: IosCtx) -> str:
    version = ctx.m.version or ""
    major = version.split(".")[0]
    if ctx.xe or (major.isdigit() and int(major) >= 16) or version.startswith("03."):
        return "IOS XE"
    return "IOS"


def parse(text: str, path: str, dialect: str = "cisco_ios") -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, vendor="Cisco", os="IOS")
    messages = delimited_bodies(text) | macro_bodies(text)
    tree = indent_tree(blank_lines(text, messages))
    ctx = IosCtx(builder)
    dispatch(ctx, tree.root.children, TABLE, vocab.IOS_TOP)
    users.resolve_named_members(ctx)
    lines.line_services(ctx)
    _finish_http(ctx)
    routing.finish_routing(ctx)
    for iface in ctx.m.interfaces:
        # IOS tunnels are GRE over IP unless ``tunnel mode`` says otherwise.
        if iface.kind == "tunnel" and iface.tunnel_mode is None and iface.tunnel_destination:
            iface.tunnel_mode = "gre ip"
    ctx.m.os = _os_name(ctx)
    return builder.finish(tree.structural | messages)
