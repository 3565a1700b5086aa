"""Saved ``show version`` output: the running release, which a configuration only hints at.

An IOS XE config says ``version 17.6``; exposure needs ``17.6.5`` to tell an affected release
from a fixed one. Operators keep ``show version`` next to their config backups (RANCID and
Oxidized save both), so the audit reads it when it is there and gives its release to the
device of the same hostname.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seawall.records.config import DeviceConfig


@dataclass(frozen=True, slots=True)
class ShowVersion:
    path: str
    vendor: str
    os: str
    version: str
    hostname: str | None = None
    platform: str | None = None


# (vendor, OS, pattern with a ``version`` group), most specific first.
_RELEASES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (vendor, os_name, re.compile(pattern, re.MULTILINE))
    for vendor, os_name, pattern in (
        ("Cisco", "IOS XE", r"Cisco IOS XE Software, Version (?P<version>[\w.()-]+)"),
        ("Cisco", "IOS XR", r"Cisco IOS XR Software,? Version (?P<version>[\w.()-]+)"),
        ("Cisco", "NX-OS", r"^\s*NXOS: version (?P<version>[\w.()-]+)"),
        ("Cisco", "NX-OS", r"^\s*system:\s+version (?P<version>[\w.()-]+)"),
        (
            "Cisco",
            "ASA",
            r"Cisco Adaptive Security Appliance Software Version (?P<version>[\w.()-]+)",
        ),
        ("Cisco", "IOS", r"Cisco IOS Software.*?, Version (?P<version>[\w.()-]+?),"),
        ("Juniper", "JunOS", r"^Junos: (?P<version>\S+)"),
        ("Juniper", "JunOS", r"JUNOS (?:Software Release|Base OS boot) \[(?P<version>[^\]]+)\]"),
        ("Arista", "EOS", r"^Software image version: (?P<version>\S+)"),
        ("Palo Alto Networks", "PAN-OS", r"^sw-version: (?P<version>\S+)"),
        ("Fortinet", "FortiOS", r"^Version: \S+ v(?P<version>[\d.]+),build"),
    )
)
_HOSTNAMES = (
    re.compile(r"^(?P<host>\S+) uptime is ", re.MULTILINE),  # Cisco IOS/XE/XR/NX-OS
    re.compile(r"^Hostname: (?P<host>\S+)", re.MULTILINE),  # JunOS
    re.compile(r"^hostname: (?P<host>\S+)", re.MULTILINE),  # PAN-OS show system info
)
_PLATFORMS = (
    re.compile(r"^cisco (?P<platform>\S+) \(.*?\) processor", re.MULTILINE | re.IGNORECASE),
    re.compile(r"^Model: (?P<platform>\S+)", re.MULTILINE),  # JunOS
    re.compile(r"^Arista (?P<platform>DCS-\S+)", re.MULTILINE),
    re.compile(r"^model: (?P<platform>\S+)", re.MULTILINE),  # PAN-OS
)
# ``show version`` output is short; a file much bigger than this is something else.
MAX_CHARS = 256 * 1024


def parse_show_version(text: str, path: str) -> ShowVersion | None:
    """The release, OS and hostname of a saved ``show version``; None if the text is not one."""
    if len(text) > MAX_CHARS:
        return None
    for vendor, os_name, pattern in _RELEASES:
        match = pattern.search(text)
        if match:
            return ShowVersion(
                path=path,
                vendor=vendor,
                os=os_name,
                version=match.group("version").rstrip(",."),
                hostname=_first(_HOSTNAMES, text, "host"),
                platform=_first(_PLATFORMS, text, "platform"),
            )
    return None


def _first(patterns: tuple[re.Pattern[str], ...], text: str, group: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(group)
    return None


def apply_show_versions(models: list[DeviceConfig], found: list[ShowVersion]) -> int:
    """Give each device the release its ``show version`` reported (matched by hostname, else
    by file name without extension); returns how many devices got one."""
    by_host = {v.hostname.lower(): v for v in found if v.hostname}
    by_stem = {_stem(v.path): v for v in found}
    applied = 0
    for model in models:
        match = by_host.get((model.hostname or "").lower()) or by_stem.get(_stem(model.path))
        if match is None:
            continue
        model.version = match.version
        model.version_source = "show version"
        if match.os and (not model.os or model.os == "IOS"):
            model.os = match.os  # "IOS" from a 16.x/17.x config is IOS XE; the output says
        model.platform = model.platform or match.platform
        applied += 1
    return applied


def _stem(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for suffix in ("-show-version", "_show_version", ".show_version", ".version", ".txt", ".cfg"):
        name = name.removesuffix(suffix)
    return name.split(".", 1)[0]
