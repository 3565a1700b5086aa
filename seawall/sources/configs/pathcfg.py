"""Helpers for the parsers that read configurations as path statements (JunOS, PAN-OS, FortiOS,
SR OS, F5, VyOS, Gaia) and for the other best-effort vendors: brace trees flattened with the
line of every block opener, word clean-up, the other verbs of ``set``-style files, books that
merge the statements about one service or interface, and the state every vendor reader starts
from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from seawall.records.config import Acl, AclUse, DeviceConfig, Interface, LocalUser, Service
from seawall.sources.configs import tree
from seawall.sources.configs.base import ModelBuilder, is_ip, mask_to_prefix
from seawall.sources.configs.redact import redact_line
from seawall.sources.configs.tree import ConfigTree, PathStatement, split_lines

Path = tuple[str, ...]


def set_statements(
    text: str, *, verbs: tuple[str, ...] = ("set",)
) -> tuple[list[PathStatement], list[int], set[int]]:
    """``tree.set_statements`` with list brackets removed: (statements, lines with another
    verb, structural lines)."""
    return tree.set_statements(text, verbs=verbs, clean=clean_words)


def other_verbs(
    builder: ModelBuilder,
    text: str,
    numbers: Iterable[int],
    *,
    verbs: frozenset[str],
    noted: frozenset[str],
    heads: frozenset[str] | None = None,
) -> None:
    """The lines of a ``set``-style file with another verb (``numbers``, from
    :func:`set_statements`): understood when the verb is one of ``verbs`` (and, with ``heads``,
    the word after it names a known hierarchy). Those whose verb is ``noted`` (``delete``,
    ``deactivate``) are kept, redacted, in ``features``: they are never applied, and what they
    remove is still read from the rest of the file."""
    lines = split_lines(text)
    for number in numbers:
        words = lines[number - 1].split()
        if not words or words[0] not in verbs:
            continue
        if heads is not None and (len(words) < 2 or words[1] not in heads):
            continue
        builder.understood(number)
        if words[0] in noted:
            builder.model.features.append(redact_line(" ".join(words)))


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


# Known hierarchies: their top-level words, or a test on a path.
Known = frozenset[str] | Callable[[Path], bool]


def mark_openers(builder: ModelBuilder, openers: dict[Path, int], known: Known) -> None:
    """Block-opener lines are understood when their path belongs to a known hierarchy."""
    for path, line in openers.items():
        if known(path) if callable(known) else (bool(path) and path[0] in known):
            builder.understood(line)


def tree_paths(
    builder: ModelBuilder, config: ConfigTree, known: Known
) -> tuple[list[PathStatement], dict[Path, int]]:
    """The path statements and block openers of a tree (:func:`flatten_with_openers`), the
    openers of known hierarchies understood."""
    statements, openers = flatten_with_openers(config)
    mark_openers(builder, openers, known)
    return statements, openers


def read_known(
    builder: ModelBuilder,
    statements: Iterable[PathStatement],
    heads: frozenset[str],
    read: Callable[[Path, int], None],
) -> None:
    """Statements under a known top-level word are understood and read; the rest stay
    unknown."""
    for statement in statements:
        words = statement.words
        if words and words[0] in heads:
            builder.understood(statement.line)
            read(words, statement.line)


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


def standard_acl(
    model: DeviceConfig, name: str, line: int, where: str, owner: str | None = None
) -> Acl:
    """The list of sources allowed to reach a management service (trusted hosts, permitted
    IPs, SNMP clients): a standard ACL created, with its use, on first mention."""
    acl = model.acls.get(name)
    if acl is None:
        acl = model.acls[name] = Acl(name, line, kind="standard")
        model.acl_uses.append(AclUse(name, where, line, owner=owner))
    return acl


def _other_kind(name: str) -> str:
    return "other"


class VendorReader:
    """What every vendor reader starts from: the model, services and interfaces merged by
    name, local users by name, and the block-opener lines of a brace-style file."""

    def __init__(
        self,
        builder: ModelBuilder,
        openers: dict[Path, int] | None = None,
        interface_kind: Callable[[str], str] = _other_kind,
    ) -> None:
        self.builder = builder
        self.model = builder.model
        self.openers: dict[Path, int] = openers if openers is not None else {}
        self.services = ServiceBook(self.model.services)
        self.interfaces = InterfaceBook(self.model.interfaces, interface_kind)
        self.users: dict[str, LocalUser] = {}

    def opener(self, path: Path, line: int) -> int:
        """Line of the block that opened ``path`` (brace style), else the statement's."""
        return self.openers.get(path, line)

    def user(self, name: str, line: int, *, is_admin: bool = False) -> LocalUser:
        """The local user ``name``, created at ``line`` on first mention."""
        user = self.users.get(name)
        if user is None:
            user = self.users[name] = LocalUser(name, line, is_admin=is_admin)
            self.model.users.append(user)
        return user
