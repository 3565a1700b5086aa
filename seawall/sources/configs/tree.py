"""Configuration text to a tree of statements, keeping every line number.

Three shapes cover the vendors:

* indentation (Cisco IOS/IOS XE/NX-OS/IOS XR/ASA, Arista EOS, Comware, ProCurve): a child is
  indented deeper than its parent; banners are delimited blocks whose text is not config;
* braces (JunOS, PAN-OS, F5, Nokia SR OS MD-CLI, VyOS): ``name {`` opens, ``}`` closes,
  ``stmt;`` is a leaf;
* ``config``/``edit``/``next``/``end`` blocks (FortiOS).

Brace, ``set`` and FortiOS configurations are best read as *paths* (``system login user
admin class super-user``): :func:`flatten` turns any tree into the same path statements a
``set``-style file holds, so one parser serves both styles of a vendor.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(slots=True)
class Node:
    """One statement. ``text`` is stripped of indentation, braces and the trailing ``;``."""

    text: str
    line: int  # 1-based; 0 for the root
    indent: int = 0
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    @property
    def words(self) -> list[str]:
        return self.text.split()

    def walk(self) -> Iterator[Node]:
        """This node's descendants, depth first, in file order. Iterative: a hostile file
        nested thousands of levels deep must not exhaust Python's recursion limit."""
        stack = self.children[::-1]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children[::-1])

    def children_starting(self, *prefixes: str) -> Iterator[Node]:
        for child in self.children:
            if child.text.startswith(prefixes):
                yield child

    def lines(self) -> Iterator[int]:
        """Line numbers of this node and everything under it."""
        if self.line:
            yield self.line
        for node in self.walk():
            if node.line:
                yield node.line


@dataclass(slots=True)
class ConfigTree:
    root: Node
    # Lines that are structure, not statements: comments, banner bodies, braces, blank lines.
    # A parser counts them as understood.
    structural: set[int] = field(default_factory=set)
    total_lines: int = 0


def split_lines(text: str) -> list[str]:
    """Lines without their terminators; CRLF and lone CR tolerated."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def common_indent(lines: list[str], comment_prefixes: tuple[str, ...] = ("!", "#")) -> int:
    """The indentation every statement line shares (a fragment cut from a bigger file may be
    indented throughout); comment and blank lines do not count."""
    widths = [
        len(line) - len(line.lstrip(" "))
        for line in lines
        if line.strip() and not line.lstrip().startswith(comment_prefixes)
    ]
    return min(widths) if widths else 0


def _expand_tabs(line: str) -> str:
    return line.expandtabs(8) if "\t" in line else line


# ``banner motd ^C`` / ``banner login #`` / ``banner exec /``: the delimiter is the first
# character (or the two-character ``^C``) after the banner type.
_BANNER = re.compile(
    r"^\s*banner\s+(motd|login|exec|incoming|slip-ppp|prompt-timeout|config-save|"
    r"shutdown|file|\S+)\s*(.*)$",
    re.IGNORECASE,
)


def _banner_delimiter(rest: str) -> str | None:
    if not rest:
        return None
    if rest.startswith("^C"):
        return "^C"
    if rest.startswith('"'):
        return None  # EOS/NX-OS quoted one-liners or ``banner motd "text"``
    return rest[0]


def indent_tree(
    text: str,
    *,
    comment_prefixes: tuple[str, ...] = ("!",),
    section_ends: tuple[str, ...] = (),
    delimited_banners: bool = True,
) -> ConfigTree:
    """Tree by indentation. ``section_ends`` are statements that close the current block
    (IOS XR ``exit``/``end-policy``, Comware ``quit``/``return``) and are structural.
    ``delimited_banners=False`` is for ASA, whose banners are one line each (``banner motd
    TEXT``) with no delimiter: reading the first letter of TEXT as one would swallow the
    statements that follow as banner text."""
    raw = split_lines(text)
    base = common_indent(raw, comment_prefixes)
    root = Node("", 0, -1)
    tree = ConfigTree(root, total_lines=len(raw))
    stack: list[Node] = [root]
    banner_end: str | None = None
    for number, line in enumerate(raw, start=1):
        if banner_end is not None:
            tree.structural.add(number)
            if banner_end in line:
                banner_end = None
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith(comment_prefixes):
            tree.structural.add(number)
            continue
        line = _expand_tabs(line)
        indent = len(line) - len(line.lstrip(" "))
        indent = max(indent - base, 0)
        match = _BANNER.match(stripped)
        if match and indent == 0:
            delimiter = _banner_delimiter(match.group(2)) if delimited_banners else None
            node = Node(stripped, number, indent, parent=root)
            root.children.append(node)
            stack = [root]
            if delimiter is not None:
                body = match.group(2)[len(delimiter) :]
                if delimiter not in body:
                    banner_end = delimiter
            continue
        if section_ends and stripped in section_ends:
            tree.structural.add(number)
            while len(stack) > 1 and stack[-1].indent >= indent:
                stack.pop()
            if len(stack) > 1:
                stack.pop()
            continue
        while len(stack) > 1 and stack[-1].indent >= indent:
            stack.pop()
        parent = stack[-1]
        node = Node(stripped, number, indent, parent=parent)
        parent.children.append(node)
        stack.append(node)
    return tree


_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def brace_tree(text: str, *, comment_prefixes: tuple[str, ...] = ("#",)) -> ConfigTree:
    """Tree by braces. Handles ``name {``, ``}``, ``stmt;``, one-line ``a { b; }`` blocks,
    ``/* comments */`` and JunOS ``inactive:``/``protect:`` prefixes (kept in the text)."""
    raw = split_lines(text)
    root = Node("", 0, -1)
    tree = ConfigTree(root, total_lines=len(raw))
    stack: list[Node] = [root]
    in_comment = False
    for number, line in enumerate(raw, start=1):
        stripped = line.strip()
        if in_comment:
            tree.structural.add(number)
            if "*/" in stripped:
                in_comment = False
            continue
        if "/*" in stripped:
            stripped = _BLOCK_COMMENT.sub("", stripped).strip()
            if "/*" in stripped:
                stripped = stripped.split("/*", 1)[0].strip()
                in_comment = True
        if not stripped or stripped.startswith(comment_prefixes):
            tree.structural.add(number)
            continue
        statement = False
        for token in _brace_tokens(stripped):
            if token == "{":
                continue
            if token == "}":
                if len(stack) > 1:
                    stack.pop()
                continue
            opens = token.endswith("{")
            body = token[:-1].rstrip() if opens else token.rstrip(";").rstrip()
            if not body:
                continue
            node = Node(body, number, len(stack) - 1, parent=stack[-1])
            stack[-1].children.append(node)
            statement = True
            if opens:
                stack.append(node)
        if not statement:
            tree.structural.add(number)
    return tree


def _brace_tokens(line: str) -> Iterator[str]:
    """Split one line into ``stmt {``, ``stmt;``, ``}`` pieces, respecting quotes."""
    buf: list[str] = []
    quote = False
    for char in line:
        if char == '"':
            quote = not quote
            buf.append(char)
        elif quote:
            buf.append(char)
        elif char == "#" and not "".join(buf).strip():
            # A trailing comment after a statement (JunOS prints ``; ## SECRET-DATA`` after
            # every secret): the rest of the line is not a statement.
            break
        elif char == "{":
            yield "".join(buf).strip() + " {"
            buf = []
        elif char == ";":
            yield "".join(buf).strip() + ";"
            buf = []
        elif char == "}":
            if "".join(buf).strip():
                yield "".join(buf).strip()
            buf = []
            yield "}"
        else:
            buf.append(char)
    rest = "".join(buf).strip()
    if rest:
        yield rest


def fortios_tree(text: str) -> ConfigTree:
    """Tree of FortiOS ``config``/``edit``/``set``/``next``/``end`` blocks."""
    raw = split_lines(text)
    root = Node("", 0, -1)
    tree = ConfigTree(root, total_lines=len(raw))
    stack: list[Node] = [root]
    for number, line in enumerate(raw, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            tree.structural.add(number)
            continue
        if stripped in ("next", "end"):
            tree.structural.add(number)
            if len(stack) > 1:
                stack.pop()
            continue
        node = Node(stripped, number, len(stack) - 1, parent=stack[-1])
        if stripped.startswith(("config ", "edit ")):
            # A ``config`` block closed by ``end`` without ``next`` is fine; an ``edit``
            # inside an ``edit`` (missing ``next``) closes the first.
            if stripped.startswith("edit ") and stack[-1].text.startswith("edit "):
                stack.pop()
                node.parent = stack[-1]
                node.indent = len(stack) - 1
            stack[-1].children.append(node)
            stack.append(node)
        else:
            stack[-1].children.append(node)
    return tree


# Whitespace ``str.split`` splits on and ``shlex`` does not (form feed, NBSP, ...).
_NOT_SHLEX_SPACE = re.compile(r"[^\S \t\r\n]")


def tokens(text: str) -> list[str]:
    """Shell-like words of a statement (``shlex`` rules); quotes removed. Unbalanced quotes
    fall back to a plain split rather than failing.

    ``shlex`` itself is slow (it was ~60% of the JunOS parse time), so the common cases are
    split here with the same result: plain words on whitespace, and balanced double quotes
    (the only quoting JunOS, PAN-OS and FortiOS print) joined the way ``shlex`` joins them.
    Anything else (single quotes, backslashes, an odd quote, whitespace ``shlex`` does not
    split on) goes to :func:`shlex_tokens`."""
    if "'" in text or "\\" in text:
        return shlex_tokens(text)
    if not text.isprintable() and _NOT_SHLEX_SPACE.search(text):
        return shlex_tokens(text)
    if '"' not in text:
        return text.split()
    parts = text.split('"')
    if len(parts) % 2 == 0:
        return shlex_tokens(text)
    out: list[str] = []
    attach = False  # the next piece continues the last word (no whitespace in between)
    for index, part in enumerate(parts):
        if index % 2:  # quoted: one piece, spaces kept
            if attach:
                out[-1] += part
            else:
                out.append(part)
            attach = True
            continue
        words = part.split()
        if attach and part and not part[0].isspace() and words:
            out[-1] += words.pop(0)
        out.extend(words)
        attach = bool(out) and (not part or not part[-1].isspace())
        if index == 0 and not part:
            attach = False
    return out


def shlex_tokens(text: str) -> list[str]:
    """:func:`tokens` by ``shlex`` itself: the reference the fast path must equal."""
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        return text.replace('"', " ").split()


@dataclass(frozen=True, slots=True)
class PathStatement:
    """One leaf statement as a full path of words, e.g. ``system services ssh port 22022``."""

    words: tuple[str, ...]
    line: int


# What becomes of a statement's words: kept as they are, or cleaned (``pathcfg`` drops the
# brackets of JunOS/PAN-OS/VyOS lists).
Clean = Callable[[Iterable[str]], tuple[str, ...]]


def flatten(
    tree: ConfigTree,
    *,
    strip_prefixes: tuple[str, ...] = (),
    clean: Clean = tuple,
    openers: dict[tuple[str, ...], int] | None = None,
) -> list[PathStatement]:
    """Every leaf as its full path (ancestors' words + its own). Statements that start with one
    of ``strip_prefixes`` (``set``, ``edit``, ``config``) lose that word, so brace, set and
    FortiOS files yield the same paths. ``openers``, when given, receives the line of every
    block opener by its full path (the first one wins), so a model item can point at ``user
    admin {`` rather than at its first attribute."""
    out: list[PathStatement] = []
    # A stack of open blocks (their children still to read), not recursion: nesting depth is
    # whatever the file says.
    stack: list[tuple[Iterator[Node], tuple[str, ...]]] = [(iter(tree.root.children), ())]
    while stack:
        children, prefix = stack[-1]
        for node in children:
            words = clean(tokens(node.text))
            if words and words[0] in strip_prefixes:
                words = words[1:]
            path = prefix + words
            if node.children:
                if openers is not None:
                    openers.setdefault(path, node.line)
                stack.append((iter(node.children), path))
                break  # read the block first; its siblings follow
            if path:
                out.append(PathStatement(path, node.line))
        else:
            stack.pop()
    return out


def set_statements(
    text: str, *, verbs: tuple[str, ...] = ("set",), clean: Clean = tuple
) -> tuple[list[PathStatement], list[int], set[int]]:
    """``set``-style lines as paths. Returns (statements, lines with another verb such as
    ``delete``/``deactivate``/``unset``, structural lines)."""
    statements: list[PathStatement] = []
    other: list[int] = []
    structural: set[int] = set()
    for number, line in enumerate(split_lines(text), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "!")):
            structural.add(number)
            continue
        words = tokens(stripped)
        if words and words[0] in verbs:
            statements.append(PathStatement(clean(words[1:]), number))
        else:
            other.append(number)
    return statements, other, structural
