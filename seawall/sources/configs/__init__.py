"""Device configurations: dialect detection, one parser per vendor, one neutral model.

``parse_config_file`` never raises for bad content: a binary file, an unknown dialect or a
parser failure comes back as a located issue naming the file, so one bad file never stops an
audit of the rest.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Protocol

from seawall.errors import Location, ParseIssue
from seawall.records.config import DeviceConfig
from seawall.sources.configs.dialect import detect_dialect

# dialect -> module with ``parse(text: str, path: str, dialect: str) -> DeviceConfig``
PARSERS: dict[str, str] = {
    "cisco_ios": "seawall.sources.configs.cisco_ios",
    "cisco_asa": "seawall.sources.configs.cisco_asa",
    "arista_eos": "seawall.sources.configs.arista_eos",
    "cisco_nxos": "seawall.sources.configs.cisco_nxos",
    "cisco_iosxr": "seawall.sources.configs.cisco_iosxr",
    "juniper_junos": "seawall.sources.configs.junos",
    "paloalto_panos": "seawall.sources.configs.panos",
    "fortinet_fortios": "seawall.sources.configs.fortios",
    "nokia_sros": "seawall.sources.configs.others",
    "checkpoint_gaia": "seawall.sources.configs.others",
    "f5_bigip": "seawall.sources.configs.others",
    "a10_acos": "seawall.sources.configs.others",
    "hp_procurve": "seawall.sources.configs.others",
    "hp_comware": "seawall.sources.configs.others",
    "vyos": "seawall.sources.configs.others",
    "sonic": "seawall.sources.configs.others",
}

# Files bigger than this are not device configurations (the biggest real ones are a few MB).
MAX_CONFIG_BYTES = 64 * 1024 * 1024


class DialectParser(Protocol):
    def __call__(self, text: str, path: str, dialect: str) -> DeviceConfig: ...


@dataclass(slots=True)
class ParsedConfig:
    path: str
    model: DeviceConfig | None
    issues: list[ParseIssue] = field(default_factory=list)
    scores: dict[str, int] = field(default_factory=dict)


def parse_config_text(text: str, path: str, dialect: str | None = None) -> ParsedConfig:
    """Parse configuration text; ``dialect`` forces a parser instead of detecting one."""
    scores: dict[str, int] = {}
    if dialect is None:
        dialect, scores = detect_dialect(text)
    if dialect is None:
        return ParsedConfig(
            path,
            None,
            [
                ParseIssue(
                    Location(path),
                    "not a device configuration in a known dialect (Cisco IOS/IOS XE/NX-OS/"
                    "IOS XR/ASA, JunOS, EOS, PAN-OS, FortiOS, SR OS, ...); skipped",
                    "unsupported",
                )
            ],
            scores,
        )
    if dialect not in PARSERS:
        raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(sorted(PARSERS))}")
    module = importlib.import_module(PARSERS[dialect])
    try:
        model: DeviceConfig = module.parse(text, path, dialect)
    except Exception as exc:  # a parser bug must not stop the audit of other files
        return ParsedConfig(
            path,
            None,
            [ParseIssue(Location(path), f"{dialect} parser failed: {exc!r}; skipped", "parse")],
            scores,
        )
    issues = []
    if model.unknown_lines:
        shown = ", ".join(str(n) for n in model.unknown_lines[:10])
        more = f" and {len(model.unknown_lines) - 10} more" if len(model.unknown_lines) > 10 else ""
        issues.append(
            ParseIssue(
                Location(path, line=model.unknown_lines[0]),
                f"{len(model.unknown_lines)} of {model.lines_total} lines not understood as "
                f"{dialect} (lines {shown}{more}); the rest was audited",
                "unknown-lines",
            )
        )
    return ParsedConfig(path, model, issues, scores)


def decode_config(data: bytes, path: str) -> tuple[str | None, ParseIssue | None]:
    """Bytes to text, or an issue if the file is binary."""
    if b"\x00" in data[:65536]:
        return None, ParseIssue(
            Location(path), "binary file, not a device configuration; skipped", "unsupported"
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("latin-1"), None


def parse_config_file(path: str, dialect: str | None = None) -> ParsedConfig:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        return ParsedConfig(
            path, None, [ParseIssue(Location(path), f"cannot read file: {exc.strerror or exc}")]
        )
    if len(data) > MAX_CONFIG_BYTES:
        return ParsedConfig(
            path,
            None,
            [ParseIssue(Location(path), "larger than 64 MB: not a device configuration")],
        )
    text, issue = decode_config(data, path)
    if text is None:
        return ParsedConfig(path, None, [issue] if issue else [])
    return parse_config_text(text, path, dialect)


__all__ = ["PARSERS", "ParsedConfig", "decode_config", "parse_config_file", "parse_config_text"]
