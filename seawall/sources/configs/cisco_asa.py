"""Cisco ASA configurations to the vendor-neutral ``DeviceConfig``.

ASA shares IOS's block grammar but not its management plane: SSH, Telnet and the HTTPS
(ASDM) server are opened per interface name (``ssh 10.0.0.0 255.0.0.0 inside``), ACLs are
one-line ``access-list NAME extended ...`` entries with netmasks and object names, bound by
``access-group NAME in interface NAMEIF``, and site-to-site peers are ``tunnel-group X type
ipsec-l2l``. Interfaces are known to the rest of the configuration by their ``nameif``.
"""

from __future__ import annotations

from seawall.records.config import (
    AaaMethod,
    AaaServer,
    ArchiveTarget,
    BootImage,
    Capture,
    DeviceConfig,
    Interface,
    Line,
    LogHost,
    Service,
    SnmpHost,
    StaticRoute,
)
from seawall.sources.configs.base import ModelBuilder, mask_to_prefix
from seawall.sources.configs.ioslike import features, lines, routing, telemetry, users, vocab
from seawall.sources.configs.ioslike.acl import NETMASK, is_ipv4, parse_entry
from seawall.sources.configs.ioslike.context import Ctx, Handler, dispatch, split_prefix
from seawall.sources.configs.ioslike.interfaces import make_interface_handler
from seawall.sources.configs.tree import Node, indent_tree

ASA_TOP = vocab.words(
    """
    names name pager mtu icmp asdm arp nat timeout dynamic-access-policy-record user-identity
    filter threat-detection dhcpd dhcprelay group-policy webvpn policy-map class-map
    service-policy prompt call-home command-alias xlate ftp clock dns failover
    monitor-interface license vpn-addr-assign object object-group same-security-traffic sysopt
    terminal jumbo-frame firewall mac-address flow-export management-access service
    domain-name end auto-update context admin-context config-url allocate-interface
    compression scansafe anyconnect tls-proxy phone-proxy media-termination ctl-file ssl vpn
    vpdn wccp multicast-routing route-map prefix-list crashinfo coredump
    dns-guard quota priority-queue virtual vpnsetup zonelabs-integrity ldap local-domain
    time-range regex ips csd hpm inspect module privilege cts smart-call-home
    access-list-compiled igmp pim mac-learn fragment established username-prompt
    eigrp isakmp ipsec snmp-map tcp-map tcp-options dhcp-client ddns http-proxy
    ipv6 anyconnect-custom-data sla track ssl-vpn enable-password vlan
    """
)
_ASA_IP = vocab.words("local verify audit domain-lookup")


class AsaCtx(Ctx):
    def __init__(self, builder: ModelBuilder) -> None:
        super().__init__(builder)
        self.nameif: dict[str, Interface] = {}
        self.port_groups: frozenset[str] = frozenset()
        self.server_groups: dict[str, str] = {}  # aaa-server group -> protocol


def _asa(ctx: Ctx) -> AsaCtx:
    assert isinstance(ctx, AsaCtx)
    return ctx


def h_version(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:2] == ["Version"] and len(words) > 2:
        ctx.m.version = words[2]
        return ctx.ok(node)
    return False


def h_hostname(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) > 1 and not negated:
        ctx.m.hostname = words[1]
    return ctx.ok(node)


def h_passwd(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``passwd X [encrypted]``: the login password of Telnet/SSH without AAA (a ``login``
    secret, as a line password would be)."""
    if len(words) > 1 and not negated:
        stored = users.ASA_STORAGE.get(words[2], "unknown") if len(words) > 2 else "plain"
        ctx.secret("login", stored, node.line, "passwd")
    return ctx.ok(node)


def _session_line(ctx: Ctx, name: str, kind: str, node: Node, words: list[str]) -> None:
    """``ssh|telnet|console timeout N``: the idle timeout (minutes) of that kind of admin
    session, the ASA's counterpart of a line's exec-timeout."""
    if len(words) > 2 and words[1] == "timeout" and words[2].isdigit():
        ctx.m.lines.append(Line(name, kind, node.line, exec_timeout_seconds=int(words[2]) * 60))


def h_password_policy(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``password-policy minimum-length N`` (and complexity settings)."""
    ctx.m.flags["password_strength_check"] = not negated
    return ctx.ok(node)


def h_boot(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:2] == ["system"] and len(words) > 2 and not negated:
        ctx.m.boot_images.append(BootImage(" ".join(words[2:]), node.line))
    return ctx.ok(node)


def _nameif(ctx: Ctx, iface: Interface, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) > 1 and not negated:
        _asa(ctx).nameif[words[1]] = iface
        if words[1].lower().startswith("manage"):
            iface.kind = "management"
    return True


def _management_only(
    ctx: Ctx, iface: Interface, node: Node, words: list[str], negated: bool
) -> bool:
    if not negated:
        iface.kind = "management"
    return True


_IFACE_EXTRA = {
    "nameif": _nameif,
    "management-only": _management_only,
    "security-level": lambda ctx, iface, node, words, negated: True,
    "member-interface": lambda ctx, iface, node, words, negated: True,
}


# -- ACLs -------------------------------------------------------------------------------------


def h_access_list(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``access-list NAME [line N] extended|standard|remark ...``."""
    if len(words) < 3:
        return False
    if negated:
        return ctx.ok(node)
    name, index, seq = words[1], 2, None
    if words[2] == "line" and len(words) > 4 and words[3].isdigit():
        seq, index = int(words[3]), 4
    kind = words[index]
    if kind == "remark":
        acl = ctx.acl(name, node.line, "extended")
        entry = parse_entry(words[index:], node.line, node.text, standard=False)
    elif kind in ("extended", "standard"):
        acl = ctx.acl(name, node.line, kind)
        entry = parse_entry(
            words[index + 1 :],
            node.line,
            node.text,
            standard=kind == "standard",
            style=NETMASK,
            port_groups=_asa(ctx).port_groups,
        )
    elif kind in ("webtype", "ethertype", "rate-limit", "advanced"):
        return ctx.ok(node)
    else:
        return False
    if entry is None:
        return False
    if kind != "remark" and all(e.action == "remark" for e in acl.entries):
        acl.kind = kind  # a remark may come before the first entry says what the ACL is
    entry.seq = seq
    acl.entries.append(entry)
    return ctx.ok(node)


def h_access_group(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``access-group NAME in|out interface NAMEIF`` / ``access-group NAME global``."""
    if len(words) < 3:
        return False
    if not negated:
        if words[2] == "global":
            ctx.use_acl(words[1], "interface", node.line, "in", "global")
        elif len(words) > 4 and words[3] == "interface":
            ctx.use_acl(words[1], "interface", node.line, words[2], words[4])
    return ctx.ok(node)


def h_route(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``route NAMEIF NETWORK MASK GATEWAY [DISTANCE]``."""
    if len(words) < 5:
        return False
    if not negated:
        prefix = mask_to_prefix(words[2], words[3])
        if prefix is None:
            return False
        ctx.m.static_routes.append(StaticRoute(prefix, node.line, words[4], words[1]))
    return ctx.ok(node)


# -- management access --------------------------------------------------------------------


def _allowed(words: list[str]) -> tuple[str, str] | None:
    """``A M NAMEIF`` or ``A/len NAMEIF`` -> (CIDR, NAMEIF)."""
    if len(words) >= 3 and is_ipv4(words[0]):
        prefix = mask_to_prefix(words[0], words[1])
        return (prefix, words[2]) if prefix else None
    if len(words) >= 2 and "/" in words[0]:
        return words[0], words[1]
    return None


def h_remote_access(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``ssh|telnet A M NAMEIF`` (who may log in, where), ``ssh version N``,
    ``ssh scopy enable``, ``ssh|telnet timeout N``."""
    if len(words) < 2:
        return False
    protocol = words[0]
    allowed = _allowed(words[1:])
    if allowed is not None:
        if not negated:
            prefix, nameif = allowed
            ctx.m.services.append(
                Service(protocol, True, node.line, interface=nameif, options={"allowed": prefix})
            )
    elif words[1] == "timeout" and not negated:
        _session_line(ctx, protocol, "vty", node, words)
    elif protocol == "ssh" and words[1] == "version" and len(words) > 2:
        ctx.m.flags["ssh_version"] = words[2]
    elif protocol == "ssh" and words[1:3] == ["scopy", "enable"]:
        ctx.m.services.append(Service("scp", not negated, node.line))
    return ctx.ok(node)


def h_http(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """The ASA HTTP server is ASDM over HTTPS: ``http server enable [PORT]`` and ``http A M
    NAMEIF`` entries; ``http redirect NAMEIF [PORT]`` answers plain HTTP."""
    if len(words) < 2:
        return False
    if words[1:3] == ["server", "enable"]:
        port = int(words[3]) if len(words) > 3 and words[3].isdigit() else None
        ctx.m.services.append(Service("https", not negated, node.line, port=port))
    elif words[1] == "redirect" and len(words) > 2:
        port = int(words[3]) if len(words) > 3 and words[3].isdigit() else 80
        redirect = Service("http", not negated, node.line, port=port, interface=words[2])
        ctx.m.services.append(redirect)
    elif (allowed := _allowed(words[1:])) is not None and not negated:
        prefix, nameif = allowed
        ctx.m.services.append(
            Service("https", True, node.line, interface=nameif, options={"allowed": prefix})
        )
    return ctx.ok(node)


def h_console(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if not negated:
        _session_line(ctx, "console", "console", node, words)
    return ctx.ok(node)


def h_rest_api(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:2] == ["agent"]:
        ctx.m.services.append(Service("api-http", not negated, node.line))
    return ctx.ok(node)


# -- AAA ------------------------------------------------------------------------------------


def h_aaa(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``aaa authentication ssh console GROUP [LOCAL]``, ``aaa authorization command GROUP``,
    ``aaa accounting command [privilege N] GROUP``."""
    if len(words) < 3:
        return False
    if negated:
        return ctx.ok(node)
    function, service, rest = words[1], words[2], words[3:]
    if function not in users.AAA_FUNCTIONS:
        return ctx.ok(node)
    level = None
    if service == "command":
        service, list_name = "commands", "default"
        if rest[:1] == ["privilege"] and len(rest) > 1:
            level = int(rest[1]) if rest[1].isdigit() else None
            rest = rest[2:]
    elif rest[:1] == ["console"]:
        list_name, rest = "console", rest[1:]
    else:
        return ctx.ok(node)  # match/include/listener/secure-http-client ...
    if rest:
        ctx.m.aaa.methods.append(AaaMethod(function, service, list_name, rest, node.line, level))
    return ctx.ok(node)


def h_aaa_server(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``aaa-server G protocol tacacs+`` and ``aaa-server G (NAMEIF) host ADDR [key K]`` with
    ``key``/``server-port`` lines."""
    if len(words) < 3 or negated:
        return ctx.ok(node)
    group = words[1]
    asa = _asa(ctx)
    if words[2] == "protocol" and len(words) > 3:
        asa.server_groups[group] = users.protocol_of(words[3])
        return ctx.ok(node)
    rest = words[2:]
    if rest[0].startswith("("):
        rest = rest[1:]
    if rest[:1] != ["host"] or len(rest) < 2:
        return ctx.ok(node)
    protocol = asa.server_groups.get(group, "unknown")
    port, _, key_at = users.server_options(words, 3)
    server = AaaServer(protocol, rest[1], node.line, group=group, port=port)
    if key_at is not None:
        users.set_key(ctx, server, words, key_at, node.line)
    for child in node.children:
        child_words, _ = split_prefix(child.text)
        if child_words[:1] == ["key"] and len(child_words) > 1:
            users.set_key(ctx, server, child_words, 1, child.line)
        elif child_words[:1] == ["server-port"] and len(child_words) > 1:
            server.port = int(child_words[1]) if child_words[1].isdigit() else server.port
    ctx.m.aaa.servers.append(server)
    return ctx.ok(node)


# -- telemetry --------------------------------------------------------------------------------


def h_logging(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``logging host NAMEIF ADDR [tcp/N|udp/N]`` and ``logging timestamp``; the rest is IOS."""
    if words[1:2] == ["host"] and len(words) > 3:
        if ctx.m.logging.line is None:
            ctx.m.logging.line = node.line
        if not negated:
            host = LogHost(words[3], node.line)
            for token in words[4:]:
                protocol, _, port = token.partition("/")
                if protocol in ("tcp", "udp") and port.isdigit():
                    host.transport, host.port = protocol, int(port)
            ctx.m.logging.hosts.append(host)
        return ctx.ok(node)
    if words[1:2] == ["timestamp"]:
        ctx.m.logging.timestamps = not negated
        return ctx.ok(node)
    return telemetry.h_logging(ctx, node, words, negated)


def h_snmp(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``snmp-server host NAMEIF ADDR [community C] [version V] [poll|trap]``."""
    if words[1:2] == ["host"] and len(words) > 3:
        if not negated:
            host = SnmpHost(words[3], node.line)
            if "version" in words[:-1]:
                host.version = words[words.index("version") + 1]
            ctx.m.snmp.hosts.append(host)
        return ctx.ok(node)
    return telemetry.h_snmp(ctx, node, words, negated)


# -- VPN, captures, files ---------------------------------------------------------------------


def h_tunnel_group(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``tunnel-group PEER type ipsec-l2l`` (a site-to-site peer) and its pre-shared keys."""
    if len(words) < 3 or negated:
        return ctx.ok(node)
    peer = words[1]
    if words[2] == "type" and words[3:4] == ["ipsec-l2l"] and is_ipv4(peer):
        features.crypto_peer(ctx, peer, "isakmp", node.line, peer)
    for child in node.children:
        child_words, _ = split_prefix(child.text)
        if "pre-shared-key" in child_words[:-1]:
            value = child_words[child_words.index("pre-shared-key") + 1]
            stored = "unknown" if set(value) == {"*"} else "plain"  # show run masks it
            ctx.secret("isakmp-key", stored, child.line, peer)
    return ctx.ok(node)


def h_capture(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``capture NAME [type T] [access-list ACL] interface NAMEIF [match ...]``."""
    if len(words) < 2:
        return False
    if not negated:
        capture = Capture("monitor-capture", words[1], node.line)
        rest = words[2:]
        for index, token in enumerate(rest[:-1]):
            if token == "interface" and capture.source is None:
                capture.source = rest[index + 1]
            elif token in ("access-list", "match") and capture.filter is None:
                capture.filter = " ".join(rest[index:])
        ctx.m.captures.append(capture)
    return ctx.ok(node)


def h_tftp_server(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``tftp-server NAMEIF ADDR PATH``: where ``write net`` copies the configuration."""
    if len(words) > 3 and not negated:
        path = words[3].lstrip("/")
        ctx.m.archive_targets.append(ArchiveTarget(f"tftp://{words[2]}/{path}", node.line, "tftp"))
    return ctx.ok(node)


def h_ip(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    return len(words) > 1 and words[1] in _ASA_IP and ctx.ok(node)


TABLE: dict[str, Handler] = {
    "ASA": h_version,
    "PIX": h_version,
    "hostname": h_hostname,
    "enable": users.h_enable,
    "passwd": h_passwd,
    "username": users.h_username,
    "banner": lines.h_banner,
    "password-policy": h_password_policy,
    "boot": h_boot,
    "interface": make_interface_handler(_IFACE_EXTRA),
    "access-list": h_access_list,
    "access-group": h_access_group,
    "route": h_route,
    "ssh": h_remote_access,
    "telnet": h_remote_access,
    "http": h_http,
    "rest-api": h_rest_api,
    "console": h_console,
    "aaa": h_aaa,
    "aaa-server": h_aaa_server,
    "logging": h_logging,
    "snmp-server": h_snmp,
    "ntp": telemetry.h_ntp,
    "crypto": features.h_crypto,
    "tunnel-group": h_tunnel_group,
    "capture": h_capture,
    "tftp-server": h_tftp_server,
    "router": routing.h_router,
    "ip": h_ip,
}


def _service_groups(root: Node) -> frozenset[str]:
    """Service object(-group) names: in ACL entries they stand where a port does."""
    names = set()
    for node in root.children:
        words = node.text.split()
        if len(words) > 2 and words[0] in ("object-group", "object") and words[1] == "service":
            names.add(words[2])
    return frozenset(names)


def _bind_access_groups(ctx: AsaCtx) -> None:
    for use in ctx.m.acl_uses:
        if use.where == "interface" and use.owner in ctx.nameif and use.direction:
            ctx.nameif[use.owner].access_groups[use.direction] = use.acl


def parse(text: str, path: str, dialect: str = "cisco_asa") -> DeviceConfig:
    builder = ModelBuilder(text, path, dialect, vendor="Cisco", os="ASA")
    tree = indent_tree(text, comment_prefixes=("!", ":"), delimited_banners=False)
    ctx = AsaCtx(builder)
    ctx.port_groups = _service_groups(tree.root)
    statements = []
    for node in tree.root.children:
        if node.text.startswith("Cryptochecksum:"):
            ctx.ok(node)  # the checksum footer of ``show running-config``
        else:
            statements.append(node)
    dispatch(ctx, statements, TABLE, ASA_TOP)
    _bind_access_groups(ctx)
    routing.finish_routing(ctx)
    return builder.finish(tree.structural)
