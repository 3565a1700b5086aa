"""The parse context shared by the IOS-style parsers, and the dispatch loop over statements."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from seawall.records.config import Acl, AclUse, DeviceConfig, Interface, Secret
from seawall.sources.configs.base import CISCO_TYPES, ModelBuilder, cisco_secret_type
from seawall.sources.configs.tree import Node, split_lines

PREFIXES = ("no", "default")


@dataclass(slots=True)
class IfaceRouting:
    """Routing-protocol facts stated on one interface, resolved against the router blocks."""

    line: int
    addresses: list[str] = field(default_factory=list)
    ospf_auth: str | None = None  # message-digest | null | key-chain | simple
    ospf_key: bool = False
    ospf_area: str | None = None  # ``ip ospf N area X``
    ospf3_area: str | None = None  # ``ipv6 ospf N area X`` / ``ospfv3 N ipv6 area X``
    ospf3_auth: str | None = None  # ipsec | key-chain | null (OSPFv3 IPsec/keychain auth)
    eigrp_auth: bool = False
    isis: bool = False
    isis_auth: bool = False


@dataclass(slots=True)
class RouterBlock:
    """One ``router ospf|eigrp|isis`` block: which interfaces it runs on and its auth."""

    protocol: str
    line: int
    networks: list[tuple[str, str | None]] = field(default_factory=list)  # (prefix, area)
    passive: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)  # ``no passive-interface X``
    passive_default: bool = False
    area_auth: set[str] = field(default_factory=set)
    authenticated: bool = False  # process-wide authentication (IS-IS, named EIGRP)
    auth_ifaces: set[str] = field(default_factory=set)  # named EIGRP af-interface auth


@dataclass(slots=True)
class BgpNeighbor:
    name: str
    line: int
    remote_as: str | None = None
    password: bool = False
    group: str | None = None
    is_group: bool = False
    shutdown: bool = False  # ``neighbor X shutdown``: no session


@dataclass(slots=True)
class PolicySet:
    """A ``set ip next-hop``/``set interface`` clause of a route-map entry."""

    line: int
    next_hop: str | None = None
    interface: str | None = None


class Ctx:
    """Everything a handler needs: the builder, the model and the pending cross-references."""

    def __init__(self, builder: ModelBuilder) -> None:
        self.b = builder
        self.m: DeviceConfig = builder.model
        self.iface_routing: dict[str, IfaceRouting] = {}
        self.routers: list[RouterBlock] = []
        self.bgp: dict[str, BgpNeighbor] = {}
        self.route_maps: dict[str, list[PolicySet]] = {}
        self.policy_refs: list[tuple[str, int, str | None]] = []  # route-map, line, interface
        self.interfaces: dict[str, Interface] = {}
        self.transport_lines: dict[int, int] = {}  # line block -> its ``transport input``
        self.named_members: dict[str, str] = {}  # ``server name X`` in a group: X -> group

    # -- accounting -----------------------------------------------------------------------
    def ok(self, *items: int | Node | Iterable[int]) -> bool:
        """Mark lines understood; returns True so handlers can ``return ctx.ok(node)``."""
        self.b.understood(*items)
        return True

    # -- model helpers --------------------------------------------------------------------
    def acl(self, name: str, line: int, kind: str) -> Acl:
        acl = self.m.acls.get(name)
        if acl is None:
            acl = self.m.acls[name] = Acl(name, line, kind)
        return acl

    def use_acl(
        self,
        name: str,
        where: str,
        line: int,
        direction: str | None = None,
        owner: str | None = None,
    ) -> None:
        self.m.acl_uses.append(AclUse(name, where, line, direction, owner))

    def secret(self, kind: str, secret_type: str, line: int, owner: str | None = None) -> None:
        self.m.secrets.append(Secret(kind, secret_type, line, owner))

    def routing(self, interface: str, line: int) -> IfaceRouting:
        state = self.iface_routing.get(interface)
        if state is None:
            state = self.iface_routing[interface] = IfaceRouting(line)
        return state


Handler = Callable[[Ctx, Node, list[str], bool], bool]


def split_prefix(text: str) -> tuple[list[str], bool]:
    """Words of a statement without a leading ``no``/``default``, and whether one was there."""
    words = text.split()
    if words and words[0] in PREFIXES:
        return words[1:], True
    return words, False


def dispatch(
    ctx: Ctx,
    nodes: Iterable[Node],
    table: dict[str, Handler],
    known: frozenset[str],
) -> list[Node]:
    """Run each statement through its handler (by first word) or accept it whole when its first
    word is a known-but-unmodelled statement. Returns the statements nobody recognised."""
    left: list[Node] = []
    for node in nodes:
        words, negated = split_prefix(node.text)
        if not words:
            left.append(node)
            continue
        handler = table.get(words[0])
        if handler is not None:
            if not handler(ctx, node, words, negated):
                left.append(node)
        elif words[0] in known:
            ctx.ok(node)
        else:
            left.append(node)
    return left


def accept_words(ctx: Ctx, node: Node, vocabulary: frozenset[str]) -> list[Node]:
    """Mark every descendant whose first word (after no/default) is in ``vocabulary``; return
    the ones that are not. Used for blocks whose contents are valid but not modelled."""
    missed: list[Node] = []
    for child in node.walk():
        words, _ = split_prefix(child.text)
        if words and words[0] in vocabulary:
            ctx.ok(child.line)
        else:
            missed.append(child)
    return missed


# -- secrets ------------------------------------------------------------------------------


def key_type(words: list[str], index: int, keyword: str = "key") -> str:
    """Secret type of ``key [TYPE] VALUE`` whose first token after the keyword is at ``index``:
    a digit token is the type only when a value follows it."""
    if index >= len(words):
        return "none"
    token = words[index]
    if token.isdigit() and index + 1 < len(words):
        return CISCO_TYPES.get(token, "unknown")
    return cisco_secret_type(keyword, None)


# -- free text the tree cannot delimit ------------------------------------------------------

# IOS statements followed by a delimiter character and free text (possibly many lines).
_DELIMITED = re.compile(
    r"^\s*(?:no\s+)?(?:vacant-message|refuse-message|busy-message|"
    r"aaa authentication (?:banner|fail-message|password-prompt|username-prompt))\s+(\S)(.*)$"
)
_MAX_MESSAGE_LINES = 200


def delimited_bodies(text: str) -> set[int]:
    """Lines inside multi-line ``vacant-message ^C ... ^C`` style messages (1-based)."""
    lines = split_lines(text)
    body: set[int] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "message" not in line and "aaa authentication" not in line:
            continue
        match = _DELIMITED.match(line)
        if match is None or match.group(1).isalnum() or match.group(1) == '"':
            continue
        rest = match.group(1) + match.group(2)
        delimiter = "^C" if rest.startswith("^C") else rest[0]
        if delimiter in rest[len(delimiter) :]:
            continue  # opened and closed on one line
        for offset in range(index, min(index + _MAX_MESSAGE_LINES, len(lines))):
            if delimiter in lines[offset]:
                body.update(range(index + 1, offset + 2))
                index = offset + 1
                break
    return body


def bodies_until(text: str, opens: Callable[[str], bool], closer: str) -> set[int]:
    """Lines of free-text blocks that start at a line ``opens`` accepts and end at a line
    reading ``closer``; a block never closed is not a block (nothing is hidden)."""
    lines = split_lines(text)
    body: set[int] = set()
    index = 0
    while index < len(lines):
        if opens(lines[index]):
            for offset in range(index + 1, len(lines)):
                if lines[offset].strip() == closer:
                    body.update(range(index + 2, offset + 2))
                    index = offset
                    break
        index += 1
    return body


def _eos_banner(line: str) -> bool:
    words = line.split()
    return len(words) == 2 and words[0] == "banner" and not line.startswith(" ")


def eos_banner_bodies(text: str) -> set[int]:
    """Lines of EOS ``banner login|motd`` blocks: free text up to a line reading ``EOF``."""
    return bodies_until(text, _eos_banner, "EOF") if "banner" in text else set()


def macro_bodies(text: str) -> set[int]:
    """IOS ``macro name X`` bodies: unindented commands up to a line reading ``@``."""
    if "macro name" not in text:
        return set()
    return bodies_until(text, lambda line: line.startswith("macro name "), "@")
