"""Helpers for the parsers that read configurations as path statements (JunOS, PAN-OS, FortiOS,
SR OS, F5, VyOS, Gaia): brace trees flattened with the line of every block opener, word
clean-up, and a service book that merges the statements about one service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from seawall.records.config import Interface, Service
from seawall.sources.configs import tree
from seawall.sources.configs.base import ModelBuilder, is_ip, mask_to_prefix
from seawall.sources.configs.tree import ConfigTree, PathStatement

Path = tuple[str, ...]


def set_statements(
    text: str, *, verbs: tuple[str, ...] = ("set",)
) -> tuple[list[PathStatement], list[int], set[int]]:
    """``tree.set_statements`` with list brackets removed: (statements, lines with another
    verb, structural lines)."""
    return tree.set_statements(text, verbs=verbs, clean=clean_words)


def clean_words(words: Iterable[str]) -> Path:
    """Drop list brackets (``[ a b ]``, ``[a b]``) so lists read as plain words."""
    out: list[str] = []
    for word in words:
        if word in ("[", "]"):
            continue
        if word.startswith("[") or word.endswith("]"):
            word = word.strip("[]")
            if not word:
                continue
        out.append(word)
    return tuple(out)


def flatten_with_openers(
    config: ConfigTree, *, strip_prefixes: tuple[str, ...] = ()
) -> tuple[list[PathStatement], dict[Path, int]]:
    """``tree.flatten`` with list brackets removed, plus the line of every block opener by its
    full path, so a model item can point at ``user admin {`` rather than at its first
    attribute."""
    openers: dict[Path, int] = {}
    statements = tree.flatten(
        config, strip_prefixes=strip_prefixes, clean=clean_words, openers=openers
    )
    return statements, openers


def mark_openers(
    builder: ModelBuilder, openers: dict[Path, int], known: Callable[[Path], bool]
) -> None:
    """Block-opener lines are understood when their path belongs to a known hierarchy."""
    for path, line in openers.items():
        if known(path):
            builder.understood(line)


def to_int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def word(words: Path, index: int) -> str | None:
    """``words[index]`` or None, so short statements need no length checks."""
    return words[index] if -len(words) <= index < len(words) else None


class ServiceBook:
    """One ``Service`` per (name, interface, tag); later statements add port and options."""

    def __init__(self, services: list[Service]) -> None:
        self._services = services
        self._index: dict[tuple[str, str | None, str | None], Service] = {}

    def get(
        self,
        name: str,
        line: int,
        *,
        enabled: bool = True,
        interface: str | None = None,
        tag: str | None = None,
    ) -> Service:
        key = (name, interface, tag)
        service = self._index.get(key)
        if service is None:
            service = Service(name, enabled, line, interface=interface)
            self._services.append(service)
            self._index[key] = service
        return service

    def find(
        self, name: str, interface: str | None = None, tag: str | None = None
    ) -> Service | None:
        return self._index.get((name, interface, tag))


class InterfaceBook:
    """Interfaces by name in first-seen order."""

    def __init__(self, interfaces: list[Interface], kind_of: Callable[[str], str]) -> None:
        self._interfaces = interfaces
        self._index: dict[str, Interface] = {}
        self._kind_of = kind_of

    def get(self, name: str, line: int) -> Interface:
        interface = self._index.get(name)
        if interface is None:
            interface = Interface(name, self._kind_of(name), line)
            self._interfaces.append(interface)
            self._index[name] = interface
        return interface

    def find(self, name: str) -> Interface | None:
        return self._index.get(name)

    def add_address(self, name: str, line: int, address: str) -> None:
        interface = self.get(name, line)
        if address not in interface.addresses:
            interface.addresses.append(address)


def cidr(text: str) -> str:
    """An ACL address as the model writes it: a bare address becomes a /32 (/128), the
    default route ``any``; object names and anything else stay as written."""
    if text in ("0.0.0.0/0", "::/0", "any", "any4", "any6"):
        return "any"
    if "/" not in text and is_ip(text):
        return f"{text}/128" if ":" in text else f"{text}/32"
    return text


def interface_address(address: str, mask: str | None) -> str:
    """``1.1.1.1 255.255.255.0`` -> ``1.1.1.1/24`` (the host keeps its address); a CIDR or an
    unparseable pair stays as written."""
    if mask is None:
        return address
    network = mask_to_prefix(address, mask)
    return f"{address}/{network.split('/')[1]}" if network else address
