"""Crypto peers, packet captures, on-box automation, guest containers and archive targets of
IOS-style configurations."""

from __future__ import annotations

from seawall.records.config import (
    ArchiveTarget,
    Automation,
    Capture,
    Container,
    CryptoPeer,
)
from seawall.sources.configs.base import is_ip
from seawall.sources.configs.ioslike.context import Ctx, key_type, split_prefix
from seawall.sources.configs.ioslike.vocab import words
from seawall.sources.configs.redact import redact_line
from seawall.sources.configs.tree import Node, tokens

# -- crypto -------------------------------------------------------------------------------

CRYPTO_KNOWN = words(
    """
    ca pki key ipsec ikev1 ikev2 dynamic-map engine csr-params gdoi logging call isakmp
    map keyring vpn identity mib ctcp wui pki-server aaa provisioning
    """
)


def crypto_peer(ctx: Ctx, address: str, kind: str, line: int, name: str | None = None) -> None:
    for peer in ctx.m.crypto_peers:
        if peer.address == address and peer.kind == kind:
            return
    ctx.m.crypto_peers.append(CryptoPeer(address, kind, line, name))


def h_crypto(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2 or words[1] not in CRYPTO_KNOWN:
        return False
    if negated:
        return ctx.ok(node)
    sub = words[1]
    if sub == "isakmp" and len(words) > 2:
        if words[2] == "key" and len(words) > 4:
            _isakmp_key(ctx, node, words)
        elif words[2] == "profile" and len(words) > 3:
            _match_identity(ctx, node, "isakmp", words[3])
    elif sub == "keyring" and len(words) > 2:
        _keyring(ctx, node, words[2])
    elif sub == "ikev2" and len(words) > 3:
        if words[2] == "keyring":
            _ikev2_keyring(ctx, node)
        elif words[2] == "profile":
            _match_identity(ctx, node, "ikev2", words[3])
    elif sub == "map" and len(words) > 3:
        _crypto_map(ctx, node, words)
    return ctx.ok(node)


def _isakmp_key(ctx: Ctx, node: Node, words: list[str]) -> None:
    """``crypto isakmp key [0|6] KEY address X [MASK]`` / ``... hostname H``."""
    for keyword in ("address", "hostname"):
        if keyword in words[3:-1]:
            at = words.index(keyword, 3) + 1
            if words[at] == "ipv6" and at + 1 < len(words):
                at += 1
            peer = words[at].split("/")[0]
            crypto_peer(ctx, peer, "isakmp", node.line)
            ctx.secret("isakmp-key", key_type(words, 3), node.line, peer)
            return


def _keyring(ctx: Ctx, node: Node, name: str) -> None:
    """``crypto keyring NAME`` / ``pre-shared-key address X [MASK] key [T] K``."""
    for child in node.children:
        words, _ = split_prefix(child.text)
        if words[:1] != ["pre-shared-key"] or len(words) < 3:
            continue
        if words[1] in ("address", "hostname"):
            peer = words[2].split("/")[0]
            crypto_peer(ctx, peer, "isakmp", child.line, name)
            if "key" in words[3:-1]:
                ctx.secret(
                    "isakmp-key", key_type(words, words.index("key", 3) + 1), child.line, peer
                )


def _ikev2_keyring(ctx: Ctx, node: Node) -> None:
    """``crypto ikev2 keyring NAME`` / ``peer P`` / ``address X`` / ``pre-shared-key ...``."""
    for peer_node in node.children:
        words, _ = split_prefix(peer_node.text)
        if words[:1] != ["peer"] or len(words) < 2:
            continue
        address: str | None = None
        keys: list[tuple[str, int]] = []
        for child in peer_node.children:
            child_words, _ = split_prefix(child.text)
            if child_words[:1] == ["address"] and len(child_words) > 1:
                address = child_words[1].split("/")[0]
                crypto_peer(ctx, address, "ikev2", child.line, words[1])
            elif child_words[:1] == ["pre-shared-key"] and len(child_words) > 1:
                at = 2 if child_words[1] in ("local", "remote") else 1
                keys.append((key_type(child_words, at), child.line))
        for secret_type, line in keys:
            ctx.secret("isakmp-key", secret_type, line, address or words[1])


def _match_identity(ctx: Ctx, node: Node, kind: str, profile: str) -> None:
    """``match identity [remote] address X [MASK]`` in isakmp/ikev2 profiles."""
    for child in node.children:
        words, _ = split_prefix(child.text)
        if words[:2] != ["match", "identity"]:
            continue
        rest = words[2:]
        if rest[:1] == ["remote"]:
            rest = rest[1:]
        if rest[:1] == ["address"] and len(rest) > 1:
            target = rest[2] if rest[1] in ("ipv4", "ipv6") and len(rest) > 2 else rest[1]
            if is_ip(target.split("/")[0]):
                crypto_peer(ctx, target.split("/")[0], kind, child.line, profile)


def _crypto_map(ctx: Ctx, node: Node, words: list[str]) -> None:
    """``crypto map NAME SEQ ipsec-isakmp`` with ``set peer X``, or the ASA one-liner
    ``crypto map NAME SEQ set peer X [Y ...]``."""
    name = f"{words[2]} {words[3]}"
    statements: list[tuple[list[str], int]] = [(words[4:], node.line)]
    for child in node.children:
        child_words, negated = split_prefix(child.text)
        if not negated:
            statements.append((child_words, child.line))
    for statement, line in statements:
        if statement[:2] == ["set", "peer"]:
            for peer in statement[2:]:
                if peer not in ("default", "dynamic"):
                    crypto_peer(ctx, peer, "crypto-map", line, name)


# -- captures -----------------------------------------------------------------------------


def monitor_session(ctx: Ctx, name: str, line: int, kind: str = "span") -> Capture:
    """The capture of ``monitor session NAME`` (statements about one session accumulate)."""
    return _capture(ctx, kind, name, line)


def _capture(ctx: Ctx, kind: str, name: str, line: int) -> Capture:
    for capture in ctx.m.captures:
        if capture.name == name and capture.kind in (kind, "span", "rspan"):
            if kind in ("rspan", "erspan"):
                capture.kind = kind
            return capture
    capture = Capture(kind, name, line)
    ctx.m.captures.append(capture)
    return capture


def _span_statement(capture: Capture, words: list[str]) -> None:
    """``source interface X`` / ``destination interface Y`` / ``destination remote vlan N`` /
    ``filter ...`` words of a monitor session."""
    if not words:
        return
    if words[0] == "source" and len(words) > 1:
        source = " ".join(words[2:] if words[1] == "interface" else words[1:])
        capture.source = f"{capture.source}, {source}" if capture.source else source
    elif words[0] == "destination" and len(words) > 1:
        if "remote" in words and capture.kind == "span":
            capture.kind = "rspan"
        if words[1] == "interface" and len(words) > 2 and capture.destination is None:
            capture.destination = " ".join(words[2:])
        elif words[1] == "ip" and len(words) > 3 and words[2] == "address":
            capture.destination = words[3]
    elif words[0] == "filter" and len(words) > 1:
        capture.filter = " ".join(words[1:])


def h_monitor(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 3:
        return False
    if negated:
        return ctx.ok(node)
    if words[1] == "session" and len(words) > 3:
        name = words[2]
        if words[3] == "type" and len(words) > 4:
            kind = "erspan" if "erspan" in words[4] else "rspan" if "rspan" in words[4] else "span"
            capture = _capture(ctx, kind, name, node.line)
            for child in node.children:
                child_words, child_negated = split_prefix(child.text)
                if child_negated:
                    continue
                if child_words == ["destination"]:
                    for sub in child.children:  # ERSPAN ``destination`` / ``ip address X``
                        sub_words = sub.text.split()
                        if sub_words[:2] == ["ip", "address"] and len(sub_words) > 2:
                            capture.destination = sub_words[2]
                else:
                    _span_statement(capture, child_words)
        else:
            _span_statement(_capture(ctx, "span", name, node.line), words[3:])
        return ctx.ok(node)
    if words[1] == "capture":
        monitor_capture(ctx, node.line, words[2:])
        return ctx.ok(node)
    return words[1] in ("event-trace", "drop", "traffic-util") and ctx.ok(node)


def monitor_capture(ctx: Ctx, line: int, words: list[str]) -> None:
    """IOS XE EPC ``monitor capture NAME interface X both match ipv4 any any`` (and the 15.x
    ``monitor capture buffer|point NAME ...``)."""
    if not words:
        return
    if words[0] in ("buffer", "point") and len(words) > 1:
        words = words[1:] if words[0] == "buffer" else words[3:] if words[1] == "ip" else words[1:]
        if not words:
            return
    name = words[0]
    capture = None
    for existing in ctx.m.captures:
        if existing.kind == "monitor-capture" and existing.name == name:
            capture = existing
    if capture is None:
        capture = Capture("monitor-capture", name, line)
        ctx.m.captures.append(capture)
    rest = words[1:]
    for index, token in enumerate(rest[:-1]):
        if token == "interface" and capture.source is None:
            capture.source = rest[index + 1]
        elif token in ("access-list", "match", "class-map") and capture.filter is None:
            capture.filter = " ".join(rest[index:])


# -- automation, containers, archive -------------------------------------------------------


def h_event(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``event manager applet NAME`` with ``action N cli command "..."``; Tcl policies."""
    if words[1:2] != ["manager"] or len(words) < 3:
        return False
    if not negated and words[2] in ("applet", "policy") and len(words) > 3:
        actions = []
        for child in node.walk():
            child_words = tokens(child.text)
            if (
                len(child_words) > 4
                and child_words[0] == "action"
                and child_words[2:4]
                == [
                    "cli",
                    "command",
                ]
            ):
                actions.append(redact_line(child_words[4]))
        ctx.m.automation.append(Automation("eem", words[3], node.line, actions))
    return ctx.ok(node)


def h_kron(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if not negated and words[1:2] == ["policy-list"] and len(words) > 2:
        commands = [c.text.partition(" ")[2] for c in node.children if c.text.startswith("cli ")]
        actions = [redact_line(command) for command in commands]
        ctx.m.automation.append(Automation("kron", words[2], node.line, actions))
    return ctx.ok(node)


def h_iox(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    ctx.m.containers.append(Container("iox", "iox", node.line, not negated))
    return ctx.ok(node)


def h_app_hosting(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:2] == ["appid"] and len(words) > 2 and not negated:
        kind = "guestshell" if words[2] == "guestshell" else "app-hosting"
        ctx.m.containers.append(Container(kind, words[2], node.line))
    return ctx.ok(node)


def h_guestshell(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if words[1:2] in (["enable"], ["run"], []) and not negated:
        ctx.m.containers.append(Container("guestshell", "guestshell", node.line))
    elif words[1:2] in (["disable"], ["destroy"]) or negated:
        ctx.m.containers.append(Container("guestshell", "guestshell", node.line, False))
    return ctx.ok(node)


def h_virtual_service(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) > 1 and not negated and words[1] not in ("install", "uninstall", "upgrade"):
        active = any(c.text.split()[:1] == ["activate"] for c in node.children)
        ctx.m.containers.append(Container("virtual-service", words[1], node.line, active))
    return ctx.ok(node)


def h_archive(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``archive`` / ``log config`` / ``logging enable`` / ``notify syslog`` / ``path URL``."""
    if negated:
        return ctx.ok(node)
    for child in node.walk():
        child_words, child_negated = split_prefix(child.text)
        in_log_config = child.parent is not None and child.parent.text.startswith("log config")
        if child_negated:
            continue
        if child_words[:1] == ["path"] and len(child_words) > 1:
            url = redact_line(" ".join(child_words[1:]))
            ctx.m.archive_targets.append(ArchiveTarget(url, child.line, "archive"))
        elif in_log_config and child_words[:2] == ["logging", "enable"]:
            ctx.m.logging.command_logging = True
        elif in_log_config and child_words[:2] == ["notify", "syslog"]:
            ctx.m.logging.notify_syslog = True
    return ctx.ok(node)
