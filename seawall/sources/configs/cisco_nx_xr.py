"""Pieces the NX-OS and IOS XR parsers share: the walk that dispatches statements on their
first word, ACE parsing, secret types, free-form blocks, BGP/OSPF peer authentication.

Both dialects are indentation trees; what differs is the vocabulary, so each parser is a table
of handlers keyed by a statement's first word plus a set of sections it accepts whole.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from seawall.records.config import (
    SECRET_TYPES,
    AaaServer,
    AclEntry,
    AclUse,
    DeviceConfig,
    RoutingPeer,
    Secret,
)
from seawall.sources.configs.base import (
    CISCO_TYPES,
    ModelBuilder,
    crypt_type,
    is_ip,
    wildcard_to_prefix,
)
from seawall.sources.configs.redact import MASK
from seawall.sources.configs.tree import Node, split_lines

Handler = Callable[[Node], None]


class DialectWalker:
    """Dispatches top-level statements to handlers by first word. ``no X`` goes to X's
    handler only when X is in ``negatable`` (the handler reads the ``no``); otherwise it is
    understood and not modelled.

    ``accept_sections`` names statements accepted with everything under them (valid, not
    modelled); anything neither handled nor accepted stays unknown.
    """

    def __init__(self, builder: ModelBuilder) -> None:
        self.b = builder
        self.m: DeviceConfig = builder.model
        self.handlers: dict[str, Handler] = {}
        self.accept_sections: frozenset[str] = frozenset()
        self.negatable: frozenset[str] = frozenset()

    def walk(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            words = node.words
            if not words:
                continue
            negated = words[0] == "no" and len(words) > 1
            key = words[1] if negated else words[0]
            handler = self.handlers.get(key)
            if handler is not None and (not negated or key in self.negatable):
                handler(node)
            elif handler is not None or key in self.accept_sections:
                # A known statement, or ``no`` of one whose handler models only the positive
                # form: valid, nothing to record.
                self.b.understood(node)

    def accept(self, *items: int | Node | Iterable[int]) -> None:
        self.b.understood(*items)

    def read_secret(
        self, line: int, words: list[str], index: int
    ) -> tuple[str | None, str | None, int]:
        """``split_secret`` that also masks the value in the line's evidence text."""
        type_token, value, after = split_secret(words, index)
        hide(self.m, line, value)
        return type_token, value, after


def word_set(text: str) -> frozenset[str]:
    """A vocabulary written as whitespace-separated words (easier to read and diff)."""
    return frozenset(text.split())


# --- free-form blocks ------------------------------------------------------------------------


@dataclass(slots=True)
class FreeFormBlock:
    """``route-policy X`` ... ``end-policy`` and the like: the body is not indentation-shaped."""

    words: list[str]
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)  # (line, stripped text)
    end_line: int = 0


def cut_free_form_blocks(
    text: str, starts: tuple[tuple[str, str], ...]
) -> tuple[str, list[FreeFormBlock]]:
    """Blank out blocks that open with a top-level statement starting with one of the
    ``starts`` prefixes and close with its end word (``end-policy``, ``end-set``,
    ``end-job``). Blank lines are structural to the tree, so line numbers stay true; a block
    without its end word is left to the tree."""
    lines = split_lines(text)
    blocks: list[FreeFormBlock] = []
    index = 0
    total = len(lines)

    prefixes = tuple(prefix for prefix, _ in starts)  # none starts with a space

    def opener(raw: str) -> str | None:
        if not raw.startswith(prefixes):
            return None
        return next(end for prefix, end in starts if raw.startswith(prefix))

    while index < total:
        end_word = opener(lines[index])
        if end_word is None:
            index += 1
            continue
        close = index + 1
        while close < total and lines[close].strip() != end_word:
            if opener(lines[close]) is not None:
                close = total  # another block opens first: this one never closed
                break
            close += 1
        if close >= total:
            index += 1
            continue
        block = FreeFormBlock(lines[index].split(), index + 1, end_line=close + 1)
        for number in range(index + 1, close):
            body = lines[number].strip()
            if body:
                block.body.append((number + 1, body))
        blocks.append(block)
        for number in range(index, close + 1):
            lines[number] = ""
        index = close + 1
    return "\n".join(lines), blocks


# --- small converters ------------------------------------------------------------------------

_DIGITS = re.compile(r"^\d+$")
# IOS XR and NX-OS spellings of a secret's type that Cisco's numeric table does not cover.
_EXTRA_TYPES = {
    "encrypted": "7",  # IOS XR ``encrypted`` keys use the reversible type-7 cipher
    "clear": "plain",
    "10": "sha512",  # IOS XR ``secret 10`` = SHA-512 crypt
    "3": "encrypted",  # NX-OS ``password 3`` / ``key 3``: 3DES, reversible with the box key
}


def secret_type(type_token: str | None, value: str | None, *, hashed: bool = False) -> str:
    """The model's type of one secret. A ``$n$`` value says its own algorithm; otherwise the
    type word decides; no type word means clear text unless the keyword hashes (``secret``)."""
    if value and value.startswith("$"):
        found = crypt_type(value)
        if found != "unknown":
            return found
    if type_token is not None:
        if type_token in _EXTRA_TYPES:
            return _EXTRA_TYPES[type_token]
        if type_token in CISCO_TYPES:
            return CISCO_TYPES[type_token]
        return "unknown"
    if value is None or value in ("", '""'):
        return "none"
    return "5" if hashed else "plain"


def split_secret(words: list[str], index: int) -> tuple[str | None, str | None, int]:
    """At ``words[index]`` (just after ``password``/``key``/``secret``): (type, value, next)."""
    if index >= len(words):
        return None, None, index
    token = words[index]
    if (
        (token.isdigit() and len(token) <= 2) or token in ("encrypted", "clear")
    ) and index + 1 < len(words):
        return token, words[index + 1], index + 2
    return None, token, index + 1


def hide(model: DeviceConfig, line: int, value: str | None) -> None:
    """Mask a secret the parser read in the line's evidence text. The shared redaction knows
    the common spellings; NX-OS/IOS XR add ``encrypted``/``clear``/``hmac-md5`` type words and
    bare SNMP host communities it cannot place."""
    if not value or value == MASK:
        return
    text = model.text.get(line)
    if text is None or value not in text:
        return
    model.text[line] = re.sub(r"(?<!\S)" + re.escape(value) + r"(?!\S)", MASK, text)


def hide_after(model: DeviceConfig, node: Node, keyword: str) -> None:
    """Mask the value after ``keyword`` (past its type words) in the node and its subtree."""
    for item in (node, *node.walk()):
        words = item.words
        if keyword not in words[:-1]:
            continue
        index = words.index(keyword) + 1
        while index < len(words) - 1 and words[index] in _TYPE_WORDS:
            index += 1
        hide(model, item.line, words[index])


# Words that stand between a secret keyword and its value.
_TYPE_WORDS = frozenset(
    {"password", "hmac-md5", "text", "md5", "7", "0", "6", "encrypted", "clear", "key-string"}
)


def snmp_host_community(words: list[str]) -> str | None:
    """The community in ``snmp-server host A [traps|informs] [version V [auth|noauth|priv]]
    [encrypted|clear] COMMUNITY [udp-port N]``; None for the other host statements."""
    if "version" in words:
        index = words.index("version") + 2
        if index < len(words) and words[index] in ("auth", "noauth", "priv"):
            index += 1
    elif "traps" in words or "informs" in words:
        index = words.index("traps" if "traps" in words else "informs") + 1
    else:
        return None
    if index < len(words) and words[index] in ("encrypted", "clear"):
        index += 1
    return words[index] if index < len(words) else None


def weakest(a: str, b: str) -> str:
    """Of two secret types, the one an attacker would go for."""
    order = {name: rank for rank, name in enumerate(SECRET_TYPES)}
    if a == "unknown":
        return b
    if b == "unknown":
        return a
    return a if order.get(a, 99) <= order.get(b, 99) else b


def to_int(text: str | None) -> int | None:
    if text is None or not _DIGITS.match(text):
        return None
    return int(text)


# ``loopback 1``, ``Ethernet 1/1``, ``port-channel 80.1``; not an IP address.
_NUMBERED = re.compile(r"^\d+(?:/\d+)*(?:\.\d+)?$")


def interface_name(words: list[str]) -> str:
    """``loopback 1`` -> ``loopback1``; ``Ethernet1/1`` unchanged; trailing keywords dropped."""
    if not words:
        return ""
    if len(words) > 1 and _NUMBERED.match(words[1]):
        return words[0] + words[1]
    return words[0]


_KIND_PREFIXES: tuple[tuple[str, str], ...] = (
    ("loopback", "loopback"),
    # MPLS-TE/TP tunnels run between the operator's own routers: not the GRE/IPsec kind.
    ("tunnel-te", "other"),
    ("tunnel-tp", "other"),
    ("tunnel-mte", "other"),
    ("tunnel", "tunnel"),
    ("mgmteth", "management"),
    ("mgmt", "management"),
    ("vlan", "vlan"),
    ("bvi", "vlan"),
    ("port-channel", "port-channel"),
    ("bundle-ether", "port-channel"),
    ("bundle-pos", "port-channel"),
    ("ethernet", "physical"),
    ("gigabitethernet", "physical"),
    ("tengige", "physical"),
    ("twentyfivegige", "physical"),
    ("fortygige", "physical"),
    ("fiftygige", "physical"),
    ("hundredgige", "physical"),
    ("twohundredgige", "physical"),
    ("fourhundredgige", "physical"),
    ("eighthundredgige", "physical"),
    ("fastethernet", "physical"),
    ("pos", "physical"),
    ("serial", "physical"),
)


def interface_kind(name: str) -> str:
    low = name.lower()
    for prefix, kind in _KIND_PREFIXES:
        if low.startswith(prefix):
            return kind
    return "other"


def interface_address(address: str, mask: str | None = None) -> str | None:
    """``10.0.0.1/24`` or ``10.0.0.1 255.255.255.0`` -> ``10.0.0.1/24``; None if not an IP."""
    try:
        if mask is not None:
            return str(ipaddress.ip_interface(f"{address}/{mask}"))
        return str(ipaddress.ip_interface(address))
    except ValueError:
        return None


def network(text: str) -> str | None:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return None


# --- access-list entries ---------------------------------------------------------------------

_PORT_OPS = frozenset({"eq", "neq", "lt", "gt"})
_GROUP_WORDS = frozenset({"addrgroup", "net-group", "object-group", "addr-group"})
_PORT_GROUP_WORDS = frozenset({"portgroup", "port-group"})


def _address(words: list[str], i: int, ethernet: bool) -> tuple[str, int] | None:
    if i >= len(words):
        return None
    token = words[i]
    if token == "any":
        return "any", i + 1
    if token == "host" and i + 1 < len(words):
        host = words[i + 1]
        if ethernet:
            return host, i + 2
        if not is_ip(host):
            return None
        return (f"{host}/128" if ":" in host else f"{host}/32"), i + 2
    if token in _GROUP_WORDS and i + 1 < len(words):
        return words[i + 1], i + 2
    if "/" in token:
        found = network(token)
        return (found, i + 1) if found else None
    if ethernet:
        # MAC and mask: ``0000.1111.2222 0000.0000.ffff``
        if i + 1 < len(words) and words[i + 1].count(".") == 2:
            return f"{token} {words[i + 1]}", i + 2
        return (token, i + 1) if token.count(".") == 2 else None
    if is_ip(token):
        if i + 1 < len(words) and words[i + 1].count(".") == 3 and is_ip(words[i + 1]):
            found = wildcard_to_prefix(token, words[i + 1])
            return (found, i + 2) if found else None
        return (f"{token}/128" if ":" in token else f"{token}/32"), i + 1
    return None


def _port(words: list[str], i: int) -> tuple[str | None, int]:
    if i >= len(words):
        return None, i
    token = words[i]
    if token in _PORT_OPS and i + 1 < len(words):
        return f"{token} {words[i + 1]}", i + 2
    if token == "range" and i + 2 < len(words):
        return f"range {words[i + 1]} {words[i + 2]}", i + 3
    if token in _PORT_GROUP_WORDS and i + 1 < len(words):
        return f"{token} {words[i + 1]}", i + 2
    return None, i


def parse_ace(words: list[str], line: int, text: str, *, ethernet: bool = False) -> AclEntry | None:
    """One NX-OS/IOS XR access-list entry (``[seq] permit|deny proto src [port] dst [port]
    ...``); None when it is not one. Options after the destination (log, dscp, ...) are kept
    only in ``text``."""
    i = 0
    seq = None
    if words and words[0].isdigit():
        seq = int(words[0])
        i = 1
    if i >= len(words):
        return None
    action = words[i]
    i += 1
    if action == "remark":
        return AclEntry("remark", line, seq=seq, text=text)
    if action not in ("permit", "deny"):
        return None
    protocol: str | None = None
    if not ethernet:
        if i >= len(words):
            return None
        token = words[i]
        if token not in ("any", "host") and "/" not in token and not is_ip(token):
            protocol = token
            i += 1
    source = _address(words, i, ethernet)
    if source is None:
        return None
    src, i = source
    _, i = _port(words, i)
    if i >= len(words) and protocol is None:
        # Standard form: a single address.
        return AclEntry(action, line, seq=seq, source=src, text=text)
    destination = _address(words, i, ethernet)
    if destination is None:
        return None
    dst, i = destination
    dport, i = _port(words, i)
    return AclEntry(action, line, seq, protocol, src, dst, dport, text)


def apply_global_keys(servers: Iterable[AaaServer], keys: dict[str, tuple[str, str]]) -> None:
    """Servers without a key of their own use ``tacacs-server key`` / ``radius-server key``."""
    for server in servers:
        if server.key_type is None and server.protocol in keys:
            server.key_type, server.key_fingerprint = keys[server.protocol]


def add_acl_use(
    model: DeviceConfig,
    acl: str,
    where: str,
    line: int,
    direction: str | None = None,
    owner: str | None = None,
) -> None:
    model.acl_uses.append(AclUse(acl, where, line, direction, owner))


# --- routing peers ---------------------------------------------------------------------------


@dataclass(slots=True)
class _BgpPeer:
    address: str
    line: int
    remote_as: str | None = None
    password: bool = False
    password_off: bool = False  # IOS XR ``password inheritance-disable``
    inherits: list[str] = field(default_factory=list)


# Statements that give a BGP session authentication (MD5 password, keychain, TCP-AO).
_BGP_AUTH = frozenset({"password", "keychain", "ao", "tcp-ao"})
# Templates a neighbor can inherit from: NX-OS ``template peer|peer-session X``, IOS XR
# ``neighbor-group X`` / ``session-group X``.
_BGP_INHERIT = {
    ("inherit", "peer"): 2,
    ("inherit", "peer-session"): 2,
    ("use", "neighbor-group"): 2,
    ("use", "session-group"): 2,
}


def bgp_peers(builder: ModelBuilder, router: Node) -> None:
    """Peers of one ``router bgp`` section with whether their session is authenticated
    (directly or through a template/group). The whole section is understood."""
    model = builder.model
    builder.understood(router)
    templates: dict[str, _BgpPeer] = {}
    peers: list[_BgpPeer] = []

    def read_body(peer: _BgpPeer, node: Node) -> None:
        for child in node.walk():
            words = child.words
            if not words:
                continue
            if words[0] in _BGP_AUTH and len(words) > 1:
                if words[1] == "inheritance-disable":
                    peer.password_off = True
                    continue
                peer.password = True
                if words[0] == "password":
                    type_token, value, _ = split_secret(words, 1)
                    hide(model, child.line, value)
                    model.secrets.append(
                        Secret(
                            "bgp-password",
                            secret_type(type_token, value),
                            child.line,
                            owner=peer.address,
                        )
                    )
            elif words[0] == "remote-as" and len(words) > 1:
                peer.remote_as = words[1]
            elif len(words) > 2 and (words[0], words[1]) in _BGP_INHERIT:
                peer.inherits.append(words[2])

    def visit(node: Node, depth: int = 0) -> None:
        for child in node.children:
            words = child.words
            if not words:
                continue
            if words[0] == "neighbor" and len(words) > 1:
                peer = _BgpPeer(words[1], child.line)
                for index, word in enumerate(words[2:-1], start=2):
                    if word == "remote-as":
                        peer.remote_as = words[index + 1]
                    elif word in _BGP_AUTH:
                        peer.password = True
                read_body(peer, child)
                peers.append(peer)
            elif words[0] == "template" and len(words) > 2:
                template = _BgpPeer(words[2], child.line)
                read_body(template, child)
                templates[words[2]] = template
            elif words[0] in ("neighbor-group", "session-group", "af-group") and len(words) > 1:
                template = _BgpPeer(words[1], child.line)
                read_body(template, child)
                templates[words[1]] = template
            elif words[0] == "vrf" and depth < 3:  # VRFs sit one level down; deeper is junk
                visit(child, depth + 1)

    visit(router)

    def authenticated(peer: _BgpPeer, depth: int = 0) -> bool:
        if peer.password:
            return True
        if peer.password_off or depth > 8:
            return False
        return any(
            authenticated(templates[name], depth + 1) for name in peer.inherits if name in templates
        )

    for peer in peers:
        remote_as = peer.remote_as
        if remote_as is None:
            remote_as = next(
                (templates[n].remote_as for n in peer.inherits if n in templates), None
            )
        model.routing_peers.append(
            RoutingPeer("bgp", peer.address, peer.line, authenticated(peer), remote_as)
        )


def normalize_area(area: str) -> str:
    """OSPF area ``0`` and ``0.0.0.0`` are the same area."""
    if area.isdigit():
        value = int(area)
        return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))
    return area


_URL = re.compile(r"\b(?:tftp|ftp|sftp|scp|http|https)://\S+", re.IGNORECASE)


def urls_in(text: str) -> list[str]:
    return _URL.findall(text)
