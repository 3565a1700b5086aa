"""Pieces the NX-OS and IOS XR parsers share: the walk that dispatches statements on their
first word (with the handlers both dialects spell alike: hostname, banners, key chains, AAA
server keys and groups), ACE parsing, secret types, free-form blocks, BGP/OSPF peer
authentication.

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
    AclUse,
    DeviceConfig,
    RoutingPeer,
    Secret,
    fingerprint,
)
from seawall.sources.configs.base import (
    CISCO_TYPES,
    ModelBuilder,
    crypt_type,
)
from seawall.sources.configs.redact import MASK
from seawall.sources.configs.tree import Node, indent_tree, split_lines

Handler = Callable[[Node], None]


class DialectWalker:
    """Dispatches top-level statements to handlers by first word. ``no X`` goes to X's
    handler only when X is in ``negatable`` (the handler reads the ``no``); otherwise it is
    understood and not modelled.

    ``accept_sections`` names statements accepted with everything under them (valid, not
    modelled); anything neither handled nor accepted stays unknown. ``free_form_starts``
    names the blocks whose bodies are not indentation-shaped (first-line prefix, end word):
    they are cut out before the tree is built and handed to :meth:`free_form`.
    """

    free_form_starts: tuple[tuple[str, str], ...] = ()

    def __init__(self, builder: ModelBuilder) -> None:
        self.b = builder
        self.m: DeviceConfig = builder.model
        self.handlers: dict[str, Handler] = {}
        self.accept_sections: frozenset[str] = frozenset()
        self.negatable: frozenset[str] = frozenset()
        self.global_keys: dict[str, tuple[str, str]] = {}  # protocol -> key type, fingerprint

    def parse(self, text: str) -> DeviceConfig:
        """The whole configuration: free-form blocks, then the indentation tree, then
        :meth:`finish`; lines neither handled nor accepted are left unknown."""
        cleaned, blocks = cut_free_form_blocks(text, self.free_form_starts)
        tree = indent_tree(cleaned, comment_prefixes=("!",))
        self.walk(tree.root.children)
        for block in blocks:
            self.free_form(block)
        self.finish()
        return self.b.finish(tree.structural)

    def free_form(self, block: FreeFormBlock) -> None:
        """One block cut out by ``free_form_starts``."""

    def finish(self) -> None:
        """Cross-references resolved once every statement is read."""

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

    # --- handlers both dialects spell alike ----------------------------------------------

    def hostname(self, node: Node) -> None:
        words = node.words
        if len(words) == 2:
            self.m.hostname = words[1]
            self.accept(node.line)

    def banner(self, node: Node) -> None:
        words = node.words
        if len(words) >= 2:
            if words[1] in ("motd", "login"):
                self.m.flags["login_banner"] = True
            self.accept(node)

    def key_chain(self, node: Node) -> None:
        hide_after(self.m, node, "key-string")
        self.accept(node)

    # --- TACACS+/RADIUS servers --------------------------------------------------------

    def server_options(self, server: AaaServer, line: int, words: list[str]) -> None:
        """``key [TYPE] KEY`` and ``port``/``auth-port N`` among a server's options; the key
        is also recorded as a secret of the server."""
        i = 0
        while i < len(words):
            if words[i] == "key":
                type_token, value, i = self.read_secret(line, words, i + 1)
                server.key_type = secret_type(type_token, value)
                server.key_fingerprint = fingerprint(value or "")
                self.m.secrets.append(
                    Secret(f"{server.protocol}-key", server.key_type, line, owner=server.address)
                )
                continue
            if words[i] in ("port", "auth-port") and i + 1 < len(words):
                server.port = to_int(words[i + 1])
            i += 1

    def global_server_key(self, protocol: str, line: int, words: list[str]) -> None:
        """``tacacs-server key [TYPE] KEY`` (``words``): the key of the servers without one."""
        type_token, value, _ = self.read_secret(line, words, 2)
        found = secret_type(type_token, value)
        self.m.secrets.append(Secret(f"{protocol}-key", found, line))
        self.global_keys[protocol] = (found, fingerprint(value or ""))

    def group_server(self, protocol: str, address: str, line: int) -> list[AaaServer]:
        """The servers a ``server ADDRESS`` line of an AAA group names: those already
        defined, else a new one."""
        known = [s for s in self.m.aaa.servers if s.address == address and s.protocol == protocol]
        if not known:
            known = [AaaServer(protocol, address, line)]
            self.m.aaa.servers.extend(known)
        return known


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


def join_group(members: Iterable[AaaServer], group: str | None, vrf: str | None) -> None:
    """Group members take the group's name and VRF unless they have their own."""
    for server in members:
        server.group = server.group or group
        server.vrf = server.vrf or vrf


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
    (directly or through a template/group); a neighbor that is ``shutdown`` has no session
    and is no peer. The whole section is understood."""
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
                if any(c.words == ["shutdown"] for c in child.children):
                    continue  # administratively down: no session
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
