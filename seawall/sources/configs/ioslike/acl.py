"""Cisco-style ACL entries (IOS numbered/named, IOS XE, EOS sequence-numbered CIDR, ASA) to
``AclEntry``: action, protocol, normalized source/destination and destination port."""

from __future__ import annotations

import ipaddress
import re

from seawall.records.config import AclEntry
from seawall.sources.configs.ioslike.context import Ctx, split_prefix
from seawall.sources.configs.tree import Node

ACTIONS = frozenset({"permit", "deny"})
ANY = frozenset({"any", "any4", "any6"})
# Keywords naming an object instead of an address; the object name is kept as written.
OBJECT_KEYWORDS = frozenset(
    {"object-group", "object", "addrgroup", "net-group", "interface", "addressgroup"}
)
PORT_OPERATORS = frozenset({"eq", "neq", "lt", "gt", "range"})

# Address styles: IOS/EOS write wildcards after an address, ASA writes netmasks.
WILDCARD = "wildcard"
NETMASK = "netmask"


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def is_ipv4(text: str) -> bool:
    return _IPV4.fullmatch(text) is not None


def _with_mask(address: str, mask: str, style: str) -> str:
    """``address mask`` -> CIDR; a non-contiguous wildcard stays ``address wildcard``."""
    try:
        if style == WILDCARD:
            inverted = ".".join(str(255 - int(o)) for o in mask.split("."))
            return str(ipaddress.IPv4Network(f"{address}/{inverted}", strict=False))
        return str(ipaddress.IPv4Network(f"{address}/{mask}", strict=False))
    except ValueError:
        return f"{address} {mask}"


def _host(address: str) -> str | None:
    if is_ipv4(address):
        return f"{address}/32"
    if ":" in address:
        try:
            return f"{ipaddress.IPv6Address(address)}/128"
        except ValueError:
            return None
    return address  # a ``name`` (ASA names, hostnames): kept as written


def _cidr(text: str) -> str | None:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return None


def parse_address(
    words: list[str], index: int, style: str, bare_host: bool = False
) -> tuple[str | None, int]:
    """One address operand at ``words[index]``: normalized text and the next index, or
    (None, index) when the words there are not an address. ``bare_host`` accepts a lone
    IPv4 address as a host (standard ACLs)."""
    if index >= len(words):
        return None, index
    token = words[index]
    if token in ANY:
        return "any", index + 1
    if token == "host":
        if index + 1 >= len(words) or words[index + 1] in ANY:
            return None, index
        return _host(words[index + 1]), index + 2
    if token in OBJECT_KEYWORDS:
        if index + 1 >= len(words):
            return None, index
        return words[index + 1], index + 2
    if "/" in token:
        return _cidr(token), index + 1
    if is_ipv4(token):
        if index + 1 < len(words) and is_ipv4(words[index + 1]):
            return _with_mask(token, words[index + 1], style), index + 2
        if bare_host:
            return f"{token}/32", index + 1
    return None, index


def parse_port(words: list[str], index: int) -> tuple[str | None, int]:
    """``eq 22`` / ``range 1 10`` / ``eq 80 443`` (EOS lists) at ``words[index]``."""
    if index >= len(words) or words[index] not in PORT_OPERATORS:
        return None, index
    operator = words[index]
    if operator == "range":
        if index + 2 >= len(words):
            return None, index
        return f"range {words[index + 1]} {words[index + 2]}", index + 3
    if index + 1 >= len(words):
        return None, index
    ports = [words[index + 1]]
    index += 2
    while index < len(words) and words[index].isdigit():
        ports.append(words[index])
        index += 1
    return f"{operator} {' '.join(ports)}", index


def parse_entry(
    words: list[str],
    line: int,
    text: str,
    *,
    standard: bool,
    style: str = WILDCARD,
    lenient_host: bool = False,
    port_groups: frozenset[str] = frozenset(),
) -> AclEntry | None:
    """One ACE (``[seq] permit|deny|remark ...``) or None when the words are not one.

    ``lenient_host`` accepts a lone address as a host in extended entries (EOS does);
    ``port_groups`` names ASA service object-groups that may stand where a port does."""
    index = 0
    seq: int | None = None
    if words and words[0] == "sequence" and len(words) > 1:
        index = 1
    if index < len(words) and words[index].isdigit():
        seq = int(words[index])
        index += 1
    if index >= len(words):
        return None
    action = words[index]
    index += 1
    if action == "remark":
        return AclEntry("remark", line, seq=seq, text=text)
    if action not in ACTIONS:
        return None
    if standard:
        source, index = parse_address(words, index, style, bare_host=True)
        if source is None:
            return None
        return AclEntry(action, line, seq=seq, source=source, text=text)
    if index >= len(words):
        return None
    protocol = words[index]
    index += 1
    if protocol in ("object-group", "object"):
        if index >= len(words):
            return None
        protocol = words[index]
        index += 1
    source, index = parse_address(words, index, style, bare_host=lenient_host)
    if source is None:
        return None
    _, index = _port_or_group(words, index, port_groups)
    destination, index = parse_address(words, index, style, bare_host=lenient_host)
    if destination is None:
        return None
    port, index = _port_or_group(words, index, port_groups)
    return AclEntry(
        action,
        line,
        seq=seq,
        protocol=protocol.lower(),
        source=source,
        destination=destination,
        destination_port=port,
        text=text,
    )


def _port_or_group(
    words: list[str], index: int, port_groups: frozenset[str]
) -> tuple[str | None, int]:
    if (
        port_groups
        and index + 1 < len(words)
        and words[index] == "object-group"
        and words[index + 1] in port_groups
    ):
        return f"object-group {words[index + 1]}", index + 2
    return parse_port(words, index)


def numbered_kind(number: str) -> str | None:
    """IOS numbered ACL ranges: 1-99/1300-1999 standard, 100-199/2000-2699 extended."""
    if not number.isdigit():
        return None
    value = int(number)
    if 1 <= value <= 99 or 1300 <= value <= 1999:
        return "standard"
    if 100 <= value <= 199 or 2000 <= value <= 2699:
        return "extended"
    return None


# -- statements -------------------------------------------------------------------------------

# Lines inside a named ACL that are settings, not entries.
ACL_SETTINGS = frozenset(
    {"statistics", "fragment-rules", "counters", "evaluate", "dynamic", "description", "exit"}
)


def named_acl(
    ctx: Ctx,
    node: Node,
    name: str,
    kind: str,
    *,
    style: str = WILDCARD,
    lenient_host: bool = False,
) -> bool:
    """``ip access-list [standard|extended] NAME`` / ``ipv6 access-list NAME`` and entries."""
    acl = ctx.acl(name, node.line, kind)
    ctx.ok(node.line)
    standard = kind == "standard"
    for child in node.children:
        words, negated = split_prefix(child.text)
        if not words:
            continue
        if negated or words[0] in ACL_SETTINGS:
            ctx.ok(child)
            continue
        entry = parse_entry(
            words, child.line, child.text, standard=standard, style=style, lenient_host=lenient_host
        )
        if entry is not None:
            acl.entries.append(entry)
            ctx.ok(child)
    return True


def h_access_list(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """IOS numbered ``access-list N [dynamic D [timeout T]] permit|deny|remark ...``."""
    if len(words) < 3:
        return False
    if negated or words[1] in ("compiled", "rate-limit"):
        return ctx.ok(node)
    number = words[1]
    kind = numbered_kind(number)
    if kind is None:
        return number.isdigit() and ctx.ok(node)  # MAC/protocol-type lists: not IP
    rest = words[2:]
    if rest[0] == "dynamic" and len(rest) > 2:
        rest = rest[4:] if rest[2] == "timeout" else rest[2:]
    entry = parse_entry(rest, node.line, node.text, standard=kind == "standard")
    if entry is None:
        return False
    ctx.acl(number, node.line, kind).entries.append(entry)
    return ctx.ok(node)
