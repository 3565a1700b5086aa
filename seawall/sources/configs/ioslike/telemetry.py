"""SNMP, syslog and NTP statements of IOS-style configurations."""

from __future__ import annotations

from seawall.records.config import (
    LogHost,
    NtpServer,
    Service,
    SnmpCommunity,
    SnmpHost,
    SnmpUser,
    fingerprint,
)
from seawall.sources.configs.base import CISCO_TYPES, is_ip
from seawall.sources.configs.ioslike.context import Ctx
from seawall.sources.configs.ioslike.vocab import words
from seawall.sources.configs.tree import Node, tokens

# -- SNMP ---------------------------------------------------------------------------------

_COMMUNITY_SKIP = frozenset({"sdrowner", "systemowner"})
PRIV_ALGORITHMS = frozenset({"des", "3des", "aes", "des56", "aes128", "aes192", "aes256"})


def h_snmp(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        if negated:
            ctx.m.services.append(Service("snmp", False, node.line))
        return ctx.ok(node)
    sub = words[1]
    if negated:
        return ctx.ok(node)
    if sub == "community" and len(words) > 2:
        snmp_community(ctx, node, tokens(node.text) if '"' in node.text else words)
    elif sub == "user" and len(words) > 2:
        snmp_user(ctx, node, words)
    elif sub == "group" and len(words) > 3:
        snmp_group(ctx, node, words)
    elif sub == "host" and len(words) > 2:
        snmp_host(ctx, words[2], node.line, words[3:])
    elif sub in ("tftp-server-list",) and len(words) > 2:
        ctx.use_acl(words[2], "snmp", node.line, owner="tftp-server-list")
    elif sub == "file-transfer" and "access-group" in words[:-1]:
        ctx.use_acl(words[words.index("access-group") + 1], "snmp", node.line, owner=sub)
    elif (sub == "trap-source" and len(words) > 2) or "source-interface" in words[1:-1]:
        ctx.m.aaa.source_interfaces["snmp"] = words[-1]
    return ctx.ok(node)


def snmp_community(ctx: Ctx, node: Node, words: list[str]) -> None:
    """``snmp-server community STRING [view V] [RO|RW] [ACL]`` and the NX-OS/XR variants
    (``group G``, ``use-acl A``, ``IPv4 A``, ``ipv6 A``). ``words[0]`` may carry the
    ``no``/``default`` prefix removed; ``words`` start at ``snmp-server``."""
    if words[0] in ("no", "default"):
        words = words[1:]
    community = words[2]
    rest = words[3:]
    item = SnmpCommunity(fingerprint(community), "ro", node.line)
    acls: list[str] = []
    index = 0
    while index < len(rest):
        token = rest[index]
        lower = token.lower()
        following = rest[index + 1] if index + 1 < len(rest) else None
        if lower == "view" and following:
            item.view = following
            index += 2
        elif lower in ("ro", "rw"):
            item.access = lower
            index += 1
        elif lower in ("ipv4", "ipv6", "use-acl", "use-ipv4acl", "use-ipv6acl") and following:
            acls.append(following)
            index += 2
        elif lower == "group" and following:
            item.access = "rw" if following == "network-admin" else "ro"
            index += 2
        elif lower in _COMMUNITY_SKIP:
            index += 1
        else:
            acls.append(token)
            index += 1
    item.acl = acls[0] if acls else None
    ctx.m.snmp.communities.append(item)
    for acl in acls:
        ctx.use_acl(acl, "snmp", node.line, owner=item.fingerprint)


def snmp_user(ctx: Ctx, node: Node, words: list[str]) -> None:
    """``snmp-server user NAME GROUP [remote H] v3 [encrypted] auth sha P priv aes 128 P
    [access ACL]``; NX-OS writes ``user NAME [GROUP] auth md5 P priv P``."""
    user = SnmpUser(words[2], node.line)
    if len(words) > 3 and words[3] not in ("auth", "v1", "v2c", "v3", "remote"):
        user.group = words[3]
    if "auth" in words:
        at = words.index("auth")
        if at + 1 < len(words):
            user.auth = words[at + 1].lower()
        stored = "encrypted" if {"encrypted", "localizedkey", "localized"} & set(words) else "plain"
        ctx.secret("snmp-auth", stored, node.line, words[2])
    if "priv" in words:
        at = words.index("priv")
        algorithm = words[at + 1].lower() if at + 1 < len(words) else ""
        if algorithm == "aes" and at + 2 < len(words) and words[at + 2].isdigit():
            user.priv = f"aes {words[at + 2]}"
        elif algorithm in PRIV_ALGORITHMS or algorithm.startswith("aes-"):
            user.priv = algorithm
        else:
            user.priv = "des"  # NX-OS: ``priv PASSWORD`` without an algorithm means DES
    if "access" in words:
        at = words.index("access") + 1
        while at < len(words) and words[at] in ("ipv6", "priority"):
            at += 2
        if at < len(words):
            user.acl = words[at]
            ctx.use_acl(user.acl, "snmp", node.line, owner=f"user {user.name}")
    ctx.m.snmp.users.append(user)


def snmp_group(ctx: Ctx, node: Node, words: list[str]) -> None:
    """``snmp-server group NAME v3 priv [read V] [access ACL]``: v3 security levels."""
    name, version = words[2], words[3].lower()
    if version == "v3":
        level = words[4].lower() if len(words) > 4 else "noauth"
        ctx.m.snmp.groups[name] = level if level in ("noauth", "auth", "priv") else "noauth"
    if "access" in words:
        at = words.index("access") + 1
        while at < len(words) and words[at] in ("ipv6",):
            at += 2
        if at < len(words):
            ctx.use_acl(words[at], "snmp", node.line, owner=f"group {name}")


def snmp_host(ctx: Ctx, address: str, line: int, rest: list[str]) -> None:
    """A trap/inform receiver; the community written after it is never kept."""
    host = SnmpHost(address, line)
    for index, token in enumerate(rest[:-1]):
        if token in ("vrf", "use-vrf"):
            host.vrf = rest[index + 1]
        elif token == "version":
            host.version = rest[index + 1]
    for existing in ctx.m.snmp.hosts:
        if existing.address == address and existing.vrf == host.vrf:
            existing.version = existing.version or host.version
            return
    ctx.m.snmp.hosts.append(host)


# -- logging ------------------------------------------------------------------------------


def _log_host(ctx: Ctx, address: str, line: int, rest: list[str]) -> None:
    """``ADDR [vrf V] [transport udp|tcp [port N]] [PORT] [protocol tcp]`` options."""
    host = LogHost(address, line)
    for index, token in enumerate(rest):
        following = rest[index + 1] if index + 1 < len(rest) else None
        if token in ("vrf", "use-vrf") and following:
            host.vrf = following
        elif token in ("transport", "protocol") and following:
            host.transport = following
        elif token == "port" and following and following.isdigit():
            host.port = int(following)
        elif index == 0 and token.isdigit():
            host.port = int(token)  # EOS ``logging host X 514``
        elif "/" in token and token.split("/")[0] in ("tcp", "udp"):
            host.transport, _, port = token.partition("/")  # ASA ``tcp/1470``
            host.port = int(port) if port.isdigit() else None
    ctx.m.logging.hosts.append(host)


# ``logging X`` second words that are settings, not hosts.
def h_logging(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    log = ctx.m.logging
    if log.line is None:
        log.line = node.line
    if len(words) < 2:
        return ctx.ok(node)
    sub = words[1]
    if sub == "on":
        log.disabled = negated
    elif sub == "enable":
        log.disabled = negated  # ASA/NX-OS global switch
    elif negated:
        if sub == "buffered":
            log.buffered = False
    elif sub == "host" and len(words) > 2:
        rest = words[2:]
        if rest[0] in ("ipv4", "ipv6"):
            rest = rest[1:]
        if len(rest) > 1 and not _looks_like_address(rest[0]) and _looks_like_address(rest[1]):
            rest = rest[1:]  # ``logging host IFACE ADDR`` (ASA, some IOS)
        if rest:
            _log_host(ctx, rest[0], node.line, rest[1:])
    elif sub in ("server",) and len(words) > 2:
        _log_host(ctx, words[2], node.line, words[3:])
    elif sub == "vrf" and len(words) > 4:
        if words[3] == "host":
            _log_host(ctx, words[4], node.line, [*words[5:], "vrf", words[2]])
        elif words[3] == "source-interface":
            log.source_interface = log.source_interface or words[4]
    elif sub == "trap":
        log.trap_level = words[2] if len(words) > 2 else "informational"
    elif sub == "buffered":
        log.buffered = True
    elif sub == "source-interface" and len(words) > 2:
        log.source_interface = words[2]
        ctx.m.aaa.source_interfaces["logging"] = words[2]
    elif sub == "discriminator" and len(words) > 2:
        log.discriminators.append(words[2])
    elif sub == "archive" or sub == "suppress":
        pass  # blocks: understood whole
    elif _looks_like_address(sub):
        _log_host(ctx, sub, node.line, words[2:])
    elif sub not in LOGGING_SETTINGS:
        return False
    return ctx.ok(node)


def _looks_like_address(token: str) -> bool:
    return is_ip(token) or (":" in token and is_ip(token.split("%")[0]))


LOGGING_SETTINGS = words(
    """
    alarm asdm asdm-buffer-size buffer-size cmts console count debug-trace device-id esm event
    events facility history ip level linecard logfile message message-counter monitor origin-id
    permit-hostdown queue queue-limit rate-limit sequence-nums server-arp snmp-authfail
    timestamp userinfo synchronous relogging-interval repeat-messages format policy qos
    persistent filter reload trap size class list emblem standby hide mail flash mode
    buginf exception dmvpn delimiter persistent-console cns-events
    """
)


# -- NTP ----------------------------------------------------------------------------------

NTP_SETTINGS = words(
    """
    master clock-period update-calendar logging trusted-key max-associations broadcastdelay
    allow refclock serve passive orphan vrf panic maxdistance mindistance disable
    qos dscp recv-timeout
    """
)


def h_ntp(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    ntp = ctx.m.ntp
    if len(words) < 2:
        return False
    sub = words[1]
    if sub == "authenticate":
        ntp.authenticate = not negated
    elif negated:
        pass
    elif sub in ("server", "peer") and len(words) > 2:
        ntp_server(ctx, words[2:], node.line)
    elif sub == "authentication-key" and len(words) > 4:
        ctx.secret("ntp-key", ntp_key_type(words[4:]), node.line, words[2])
    elif sub == "access-group" and len(words) > 3:
        rest = words[2:]
        if rest[0] in ("ipv4", "ipv6"):
            rest = rest[1:]
        if len(rest) > 1:
            ntp.acl = ntp.acl or rest[1]
            ctx.use_acl(rest[1], "ntp", node.line, owner=rest[0])
    elif sub in ("source", "local-interface") and len(words) > 2:
        ctx.m.aaa.source_interfaces["ntp"] = words[-1]
    elif sub not in NTP_SETTINGS:
        return False
    return ctx.ok(node)


def ntp_key_type(words: list[str]) -> str:
    """After ``authentication-key N ALGO``: IOS writes ``VALUE [TYPE]``, EOS ``[TYPE] VALUE``."""
    if len(words) >= 2 and words[0].isdigit():
        return CISCO_TYPES.get(words[0], "unknown")
    if len(words) >= 2 and words[1].isdigit():
        return CISCO_TYPES.get(words[1], "unknown")
    return "plain"


_NTP_FLAGS = frozenset({"prefer", "iburst", "burst", "ip", "ipv6"})


def ntp_server(ctx: Ctx, words: list[str], line: int) -> None:
    """``[vrf V] [ip|ipv6] ADDR [key N] [prefer] [source IF] ...``"""
    vrf: str | None = None
    if words[0] == "vrf" and len(words) > 2:
        vrf, words = words[1], words[2:]
    while words and words[0] in _NTP_FLAGS:
        words = words[1:]
    if not words:
        return
    server = NtpServer(words[0], line, vrf=vrf)
    for index, token in enumerate(words[1:-1], start=1):
        if token == "key" and words[index + 1].isdigit():
            server.key = int(words[index + 1])
        elif token in ("vrf", "use-vrf"):
            server.vrf = words[index + 1]
    ctx.m.ntp.servers.append(server)
