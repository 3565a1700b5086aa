"""Network OS version strings compared the way vendors number releases.

One tokenizer covers the forms in advisories: Cisco IOS XE ``17.9.4a`` (and ``17.09.04a`` in
image names), IOS ``15.2(4)M3``, NX-OS ``9.3(10)`` and ``7.3(1)D1(1)``, PAN-OS ``10.2.9-h1``
and Ivanti ``22.6R2.1``. A version is a sequence of tokens: runs of digits compare as numbers,
runs of letters as lower-case text, punctuation only separates. When one version is a prefix
of another the shorter is older (``17.9.4`` < ``17.9.4a``, ``10.2.9`` < ``10.2.9-h1``,
``22.6R2`` < ``22.6R2.1``). A letter token sorts before a number in the same position.

Comparisons are meaningful inside one product's numbering; across IOS trains (``M`` vs
``E``) the order is stable but says nothing about which release is newer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_TOKEN = re.compile(r"\d+|[A-Za-z]+")
_TRAIN_ONLY = re.compile(r"^\s*\d+\.\d+\s*$")

Token = tuple[int, int, str]  # (1, number, "") for digits, (0, 0, letters) for letters


def tokens(text: str) -> tuple[Token, ...]:
    return tuple(
        (1, int(t), "") if t.isdigit() else (0, 0, t.lower()) for t in _TOKEN.findall(text)
    )


@total_ordering
@dataclass(frozen=True, slots=True)
class Version:
    text: str
    key: tuple[Token, ...]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.key < other.key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.text

    def startswith(self, train: Version) -> bool:
        """True when ``train`` is a token prefix: 17.9.4a is in train 17.9, 17.12.1 is not."""
        return self.key[: len(train.key)] == train.key


def parse_version(text: str | None) -> Version | None:
    if text is None:
        return None
    key = tokens(text)
    return Version(text.strip(), key) if key else None


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 like a classic cmp; raises ValueError for text without any token."""
    left, right = parse_version(a), parse_version(b)
    if left is None or right is None:
        raise ValueError(f"not a version: {a if left is None else b!r}")
    return (left > right) - (left < right)


def is_train_only(text: str) -> bool:
    """``17.9`` or ``15.2`` (what IOS/IOS XE configs print) names a train, not a release."""
    return bool(_TRAIN_ONLY.match(text))


# Image file names carry the full release where the config's ``version`` line does not.
_IOSXE_IMAGE = re.compile(r"\.(\d{2})\.(\d{2})\.(\d{2}[a-z]?\d*)\.[A-Za-z0-9]+\.bin$", re.I)
_NXOS_IMAGE = re.compile(
    r"^(?:.*[/:])?nxos(?:64)?(?:-[a-z]+)?\.(\d+)\.(\d+)\.(\d+[a-z]?)(?:\.[A-Z])?\.bin$", re.I
)
_NXOS7_IMAGE = re.compile(r"\.(\d+)\.(\d+)\.(\d+)\.([A-Z]\d+)\.(\d+[a-z]?)\.bin$")
_IOS_IMAGE = re.compile(r"\.(?:SPA\.)?(\d{2})(\d)-(\d+[a-z]?)\.([A-Z]+\d*[a-z]?)\.bin$")


def version_from_image(image: str, os_name: str) -> str | None:
    """Release encoded in a Cisco image name, in the vendor's usual spelling, or None:
    ``cat9k_iosxe.17.09.04a.SPA.bin`` -> ``17.9.4a``, ``nxos.9.3.10.bin`` -> ``9.3(10)``,
    ``n9000-dk9.7.0.3.I7.4.bin`` -> ``7.0(3)I7(4)``, ``c2960x-universalk9-mz.152-4.E10.bin``
    -> ``15.2(4)E10``."""
    name = image.strip()
    os_key = os_name.lower()
    if os_key == "nx-os":
        match = _NXOS_IMAGE.match(name)
        if match:
            major, minor, maint = match.groups()
            return f"{int(major)}.{int(minor)}({maint})"
        match = _NXOS7_IMAGE.search(name)
        if match:
            major, minor, maint, train, rebuild = match.groups()
            return f"{int(major)}.{int(minor)}({maint}){train}({rebuild})"
        return None
    if os_key in {"ios xe", "ios"}:
        match = _IOSXE_IMAGE.search(name)
        if match:
            major, minor, maint = match.groups()
            digits = re.match(r"(\d+)(.*)", maint)
            assert digits is not None
            return f"{int(major)}.{int(minor)}.{int(digits.group(1))}{digits.group(2)}"
        match = _IOS_IMAGE.search(name)
        if match:
            major, minor, rebuild, train = match.groups()
            return f"{int(major)}.{minor}({rebuild}){train}"
    return None


__all__ = [
    "Version",
    "compare_versions",
    "is_train_only",
    "parse_version",
    "tokens",
    "version_from_image",
]
