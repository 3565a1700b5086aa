"""NX-OS and IOS XR access-list entries (``[seq] permit|deny proto src [port] dst [port]``),
addresses normalized as the model writes them. Split from ``cisco_nx_xr`` to keep it small."""

from __future__ import annotations

from seawall.records.config import AclEntry
from seawall.sources.configs.base import is_ip, wildcard_to_prefix
from seawall.sources.configs.cisco_nx_xr import network

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
