"""Terminal lines (``line vty 0 4`` ...): access classes, transports, timeouts, rotary; and
the login banner they show."""

from __future__ import annotations

from seawall.records.config import Line, Service
from seawall.sources.configs.base import CISCO_TYPES
from seawall.sources.configs.ioslike import vocab
from seawall.sources.configs.ioslike.context import Ctx, split_prefix
from seawall.sources.configs.tree import Node

_KINDS = {"vty": "vty", "con": "console", "console": "console", "aux": "aux", "tty": "tty"}


def line_kind(first: str) -> str | None:
    """``vty``/``con``/``aux``; numbered async lines (``line 2``, ``line 0/0/0 0/0/15``) are
    ``tty`` (reverse telnet reaches them)."""
    if first in _KINDS:
        return _KINDS[first]
    if first[:1].isdigit():
        return "tty"
    return None


def h_line(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    if len(words) < 2:
        return False
    kind = line_kind(words[1])
    if kind is None:
        return False
    if negated:
        return ctx.ok(node)
    item = Line(" ".join(words[1:]), kind, node.line)
    ctx.ok(node.line)
    for child in node.children:
        if line_statement(ctx, item, child):
            ctx.ok(child)
    ctx.m.lines.append(item)
    return True


def h_banner(ctx: Ctx, node: Node, words: list[str], negated: bool) -> bool:
    """``[no] banner login|motd``: whether a warning is shown before login."""
    if words[1:2] in (["login"], ["motd"]):
        ctx.m.flags["login_banner"] = not negated
    return ctx.ok(node)


def line_statement(ctx: Ctx, item: Line, child: Node) -> bool:
    words, negated = split_prefix(child.text)
    if not words:
        return False
    first = words[0]
    if first == "access-class" and len(words) > 1:
        direction = words[2] if len(words) > 2 else "in"
        if not negated:
            if direction == "in":
                item.access_class_in = words[1]
            ctx.use_acl(words[1], "vty", child.line, direction, item.name)
    elif first == "ipv6" and words[1:2] == ["access-class"] and len(words) > 2:
        if not negated and (len(words) < 4 or words[3] == "in"):
            item.access_class_in_v6 = words[2]
            ctx.use_acl(words[2], "vty", child.line, "in", item.name)
    elif first == "transport" and len(words) > 1:
        if words[1] == "input":
            item.transport_input = ["none"] if negated else [w.lower() for w in words[2:]]
            ctx.transport_lines[item.line] = child.line
    elif first == "exec-timeout":
        item.exec_timeout_seconds = None if negated else exec_timeout(words[1:])
    elif first == "rotary" and len(words) > 1 and words[1].isdigit():
        item.rotary = None if negated else int(words[1])
    elif first == "login":
        if negated:
            item.login = "none"
        elif len(words) == 1:
            item.login = "line"
        else:
            item.login = " ".join(words[1:])
    elif first == "password" and len(words) > 1:
        token = words[1]
        typed = token.isdigit() and len(words) > 2
        item.password_type = CISCO_TYPES.get(token, "unknown") if typed else "plain"
    elif first not in vocab.LINE:
        return False
    return True


def exec_timeout(words: list[str]) -> int | None:
    """``exec-timeout MIN [SEC]`` -> seconds."""
    try:
        minutes = int(words[0]) if words else 0
        seconds = int(words[1]) if len(words) > 1 else 0
    except ValueError:
        return None
    return minutes * 60 + seconds


def line_services(ctx: Ctx) -> None:
    """Telnet/SSH accepted on VTYs as services, from explicit ``transport input``."""
    for item in ctx.m.lines:
        if item.kind != "vty" or item.transport_input is None:
            continue
        line = ctx.transport_lines.get(item.line, item.line)
        protocols = set(item.transport_input)
        for name in ("telnet", "ssh"):
            if name in protocols or "all" in protocols:
                ctx.m.services.append(Service(name, True, line, options={"line": item.name}))
