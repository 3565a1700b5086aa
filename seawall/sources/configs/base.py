"""Shared pieces of the vendor parsers: the model builder that accounts for every line, and
small converters (masks, wildcards, secret types) several dialects need."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from seawall.records.config import DeviceConfig
from seawall.sources.configs.redact import redact_line
from seawall.sources.configs.tree import Node, split_lines


class ModelBuilder:
    """Builds one ``DeviceConfig`` and remembers which lines the parser understood.

    A parser calls :meth:`understood` for every statement it recognises (modelled or merely
    known to be valid and irrelevant) and :meth:`finish` with the tree's structural lines;
    everything else is reported as not understood.
    """

    def __init__(self, text: str, path: str, dialect: str, vendor: str, os: str) -> None:
        lines = split_lines(text)
        if lines and lines[-1] == "":
            lines.pop()
        self.raw = lines
        self.model = DeviceConfig(
            path=path, dialect=dialect, vendor=vendor, os=os, lines_total=len(lines)
        )
        self.model.text = {
            number: redact_line(line.rstrip())
            for number, line in enumerate(lines, start=1)
            if line.strip()
        }
        self._understood: set[int] = set()

    def understood(self, *items: int | Node | Iterable[int]) -> None:
        """Mark lines (numbers, a node and its subtree, or iterables of numbers) understood."""
        for item in items:
            if isinstance(item, int):
                self._understood.add(item)
            elif isinstance(item, Node):
                self._understood.update(item.lines())
            else:
                self._understood.update(item)

    def finish(self, structural: Iterable[int] = ()) -> DeviceConfig:
        known = self._understood | set(structural)
        self.model.unknown_lines = sorted(n for n in self.model.text if n not in known)
        return self.model


def header_groups(pattern: re.Pattern[str], text: str, count: int = 1) -> tuple[str | None, ...]:
    """The first ``count`` groups of the first match of ``pattern`` in ``text`` (the comment or
    banner where a vendor writes its version and platform); Nones when nothing matches."""
    match = pattern.search(text)
    return match.groups()[:count] if match else (None,) * count


def mask_to_prefix(address: str, mask: str) -> str | None:
    """``10.0.0.0 255.255.255.0`` -> ``10.0.0.0/24``; None if either part is not IPv4."""
    try:
        return str(ipaddress.IPv4Network(f"{address}/{mask}", strict=False))
    except ValueError:
        return None


def wildcard_to_prefix(address: str, wildcard: str) -> str | None:
    """``10.0.0.0 0.0.0.255`` (ACL wildcard) -> ``10.0.0.0/24``; non-contiguous wildcards
    come back as written (``a.b.c.d wildcard``)."""
    try:
        inverted = ".".join(str(255 - int(o)) for o in wildcard.split("."))
        return str(ipaddress.IPv4Network(f"{address}/{inverted}", strict=False))
    except ValueError:
        return f"{address} {wildcard}" if _is_ipv4(address) else None


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


# Cisco numeric password/secret types to the model's SECRET_TYPES.
CISCO_TYPES = {"0": "plain", "4": "5", "5": "5", "6": "6", "7": "7", "8": "8", "9": "9"}


def cisco_secret_type(keyword: str, type_token: str | None) -> str:
    """Type of a Cisco ``password``/``secret``/``key`` value. ``secret`` without a type is
    hashed (MD5) on entry; ``password``/``key`` without a type is clear text."""
    if type_token is not None and type_token in CISCO_TYPES:
        return CISCO_TYPES[type_token]
    return "5" if keyword == "secret" else "plain"


def crypt_type(value: str) -> str:
    """Type of a Unix-crypt style hash as JunOS/EOS/XR store them."""
    value = value.strip('"')
    if value.startswith("$9$"):
        return "encrypted"  # JunOS reversible $9$
    if value.startswith("$6$"):
        return "sha512"
    if value.startswith("$5$"):
        return "sha512"  # SHA-256 crypt: same strength class
    if value.startswith("$1$"):
        return "5"
    if value.startswith("$8$"):
        return "8"
    if value.startswith(("$14$", "$9$")):
        return "9"
    if not value:
        return "none"
    return "unknown"


def blank_lines(text: str, numbers: set[int], filler: str = "!") -> str:
    """The text with the given 1-based lines replaced by ``filler`` (a comment in the dialect),
    so a tree builder skips them while every other line keeps its number. Parsers use it for
    free text the tree cannot delimit (EOS ``banner ... EOF``, IOS ``vacant-message ^C``)."""
    if not numbers:
        return text
    lines = split_lines(text)
    for number in numbers:
        if 0 < number <= len(lines):
            lines[number - 1] = filler
    return "\n".join(lines)


def classful_prefix(address: str) -> str | None:
    """The classful network of an IPv4 address (EIGRP/RIP ``network 10.0.0.0``)."""
    try:
        first = int(address.split(".")[0])
        length = 8 if first < 128 else 16 if first < 192 else 24
        return str(ipaddress.IPv4Network(f"{address}/{length}", strict=False))
    except ValueError:
        return None
