"""Payload content rules as data: load, validate and lint the YAML rule files.

A rule names byte patterns that, found in the first bytes of one direction of a flow, raise
an ``ids_alert`` (see ``seawall/rules/traffic/content.yaml`` for the keys). The capture
source matches them (``seawall.sources.pcap.appmeta_content``); the ``ids`` detector turns
the hits into alerts. This module only reads and checks rules: every problem is a
``RuleFinding`` naming the file, the rule id and the field, with a fix to apply.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from seawall.errors import ConfigError
from seawall.records.alerts import SEVERITY_RANK

BUILTIN = ("rules", "traffic", "content.yaml")  # inside the seawall package
DIRECTIONS = ("to_server", "to_client", "any")
TRANSPORTS = ("tcp", "udp", "any")
MATCH_MODES = ("all", "any")
# Sensor-style priority (1 = highest) the ids detector maps back to a severity.
PRIORITY_BY_SEVERITY = {"critical": 1, "high": 1, "medium": 2, "low": 3, "info": 4}

_REQUIRED = ("id", "name", "severity", "attack", "rationale", "source", "direction", "content")
_OPTIONAL = ("version", "transport", "ports", "match", "excerpt")
_CONTENT_KEYS = ("pattern", "nocase", "offset", "depth")
_ID = re.compile(r"^SW-CONTENT-\d{4}$")
_ATTACK = re.compile(r"^T\d{4}(\.\d{3})?$")
_HEX_BYTE = re.compile(r"^[0-9A-Fa-f]{2}$")
MAX_EXCERPT = 64
MAX_PATTERN = 256


@dataclass(frozen=True, slots=True)
class Content:
    """One byte pattern; ``offset``/``depth`` bound where it may start/end in the stream."""

    pattern: bytes
    nocase: bool = False
    offset: int = 0
    depth: int | None = None  # None: anywhere in the scanned prefix

    @property
    def anchored(self) -> bool:
        """True when the pattern can only start in a small window (checked in place)."""
        return self.depth is not None and self.depth - self.offset - len(self.pattern) <= 64


@dataclass(frozen=True, slots=True)
class ContentRule:
    id: str
    name: str
    severity: str
    attack: tuple[str, ...]
    rationale: str
    source: str
    direction: str
    contents: tuple[Content, ...]
    version: int = 1
    transport: str = "any"
    ports: tuple[int, ...] = ()
    match: str = "all"
    excerpt: int = 0

    @property
    def priority(self) -> int:
        return PRIORITY_BY_SEVERITY[self.severity]


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """One problem in a rule file: where, what, and how to fix it."""

    file: str
    rule: str  # rule id, or "#<n>" (1-based position) when the id itself is missing
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}: rule {self.rule}: {self.field}: {self.problem} ({self.fix})"


class ContentRuleError(ConfigError):
    """A rule file has problems; ``findings`` lists every one."""

    def __init__(self, findings: list[RuleFinding]) -> None:
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


def parse_pattern(text: str) -> bytes:
    """Rule pattern text -> bytes: literal text with ``|hex bytes|`` escapes ("a|0d 0a|b").
    Raises ValueError saying what is wrong."""
    parts = text.split("|")
    if len(parts) % 2 == 0:
        raise ValueError("unbalanced '|': hex escapes are written |0d 0a| (open and close)")
    out = bytearray()
    for i, part in enumerate(parts):
        if i % 2 == 0:
            try:
                out += part.encode("ascii")
            except UnicodeEncodeError:
                raise ValueError(
                    f"non-ASCII text {part!r}: write those bytes as |hex| escapes"
                ) from None
            continue
        tokens = part.split()
        if not tokens:
            raise ValueError("empty |...|: put hex bytes between the bars, e.g. |0a|")
        for token in tokens:
            if not _HEX_BYTE.match(token):
                raise ValueError(
                    f"bad hex byte {token!r} in |{part}|: use two hex digits per byte, "
                    "separated by spaces (|0d 0a|)"
                )
            out.append(int(token, 16))
    return bytes(out)


def lint(data: Any, file: str) -> tuple[list[ContentRule], list[RuleFinding]]:
    """Check a parsed rule file; returns the valid rules and every finding."""
    findings: list[RuleFinding] = []
    if (
        not isinstance(data, dict)
        or set(data) != {"rules"}
        or not isinstance(data.get("rules"), list)
    ):
        findings.append(
            RuleFinding(
                file,
                "-",
                "rules",
                "the file must be a mapping with one key, `rules`, holding a list",
                "start the file with `rules:` and list rules under it",
            )
        )
        return [], findings
    rules: list[ContentRule] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(data["rules"], 1):
        rule, problems = _check_rule(raw, file, position)
        findings += problems
        if rule is None:
            continue
        if rule.id in seen:
            findings.append(
                RuleFinding(
                    file,
                    rule.id,
                    "id",
                    f"also used by rule #{seen[rule.id]}",
                    "give each rule its own id; never reuse a retired one",
                )
            )
            continue
        seen[rule.id] = position
        rules.append(rule)
    return rules, findings


def _check_rule(raw: Any, file: str, position: int) -> tuple[ContentRule | None, list[RuleFinding]]:
    if not isinstance(raw, dict):
        return None, [
            RuleFinding(
                file,
                f"#{position}",
                "-",
                "a rule must be a mapping",
                "write the rule as `- id: ...` with keys below it",
            )
        ]
    rid = str(raw.get("id") or f"#{position}")
    out: list[RuleFinding] = []

    def bad(field: str, problem: str, fix: str) -> None:
        out.append(RuleFinding(file, rid, field, problem, fix))

    for key in sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL), key=str):
        bad(str(key), "unknown key", f"use only {', '.join(_REQUIRED + _OPTIONAL)}")
    for key in _REQUIRED:
        if raw.get(key) in (None, "", []):
            bad(key, "missing", f"every rule needs `{key}`")
    if "id" in raw and not _ID.match(str(raw["id"])):
        bad("id", f"{raw['id']!r} is not of the form SW-CONTENT-NNNN", "e.g. SW-CONTENT-0012")
    for key in ("name", "rationale", "source"):
        if key in raw and not isinstance(raw[key], str):
            bad(key, "must be text", "write it as a YAML string")
    severity = raw.get("severity")
    if severity is not None and severity not in SEVERITY_RANK:
        bad("severity", f"{severity!r} is not a severity", f"use one of {', '.join(SEVERITY_RANK)}")
    attack = raw.get("attack")
    if attack is not None:
        if not isinstance(attack, list):
            bad("attack", "must be a list", "write e.g. [T1190, T1602.002]")
        else:
            for t in attack:
                if not _ATTACK.match(str(t)):
                    bad(
                        "attack",
                        f"{t!r} is not an ATT&CK technique id",
                        "write T1234 or T1234.001 (no tactic ids, no names)",
                    )
    _check_choice(raw, "direction", DIRECTIONS, True, bad)
    _check_choice(raw, "transport", TRANSPORTS, False, bad)
    _check_choice(raw, "match", MATCH_MODES, False, bad)
    ports = raw.get("ports", [])
    if not isinstance(ports, list) or not all(
        isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 65535 for p in ports
    ):
        bad("ports", f"{ports!r} is not a list of port numbers", "write e.g. [49, 4786]")
        ports = []
    version = raw.get("version", 1)
    if not _is_int(version) or version < 1:
        bad("version", f"{version!r} is not a positive integer", "start at 1, bump on change")
    excerpt = raw.get("excerpt", 0)
    if not _is_int(excerpt) or not 0 <= excerpt <= MAX_EXCERPT:
        bad(
            "excerpt",
            f"{excerpt!r} is not 0..{MAX_EXCERPT}",
            "give the number of bytes after the match to show; 0 where secrets may follow",
        )
    contents = _check_contents(raw.get("content"), bad)
    if out:
        return None, out
    return (
        ContentRule(
            id=str(raw["id"]),
            name=raw["name"].strip(),
            severity=str(severity),
            attack=tuple(str(t) for t in attack or ()),
            rationale=" ".join(raw["rationale"].split()),
            source=" ".join(raw["source"].split()),
            direction=raw["direction"],
            contents=contents,
            version=int(version),
            transport=raw.get("transport", "any"),
            ports=tuple(sorted(set(ports))),
            match=raw.get("match", "all"),
            excerpt=int(excerpt),
        ),
        out,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_choice(
    raw: dict[str, Any], key: str, choices: tuple[str, ...], required: bool, bad: Any
) -> None:
    if key not in raw and not required:
        return
    if key in raw and raw[key] not in choices:
        bad(key, f"{raw[key]!r} is not allowed", f"use one of {', '.join(choices)}")


def _check_contents(raw: Any, bad: Any) -> tuple[Content, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        bad("content", "must be a non-empty list", 'write `content: [{pattern: "..."}]`')
        return ()
    contents = []
    for i, item in enumerate(raw, 1):
        field = f"content[{i}]"
        if isinstance(item, str):
            item = {"pattern": item}
        if not isinstance(item, dict):
            bad(field, "must be a mapping", 'write {pattern: "..."}')
            continue
        for key in sorted(set(item) - set(_CONTENT_KEYS), key=str):
            bad(f"{field}.{key}", "unknown key", f"use only {', '.join(_CONTENT_KEYS)}")
        text = item.get("pattern")
        if not isinstance(text, str) or not text:
            bad(f"{field}.pattern", "missing or not text", "give the bytes to look for")
            continue
        try:
            pattern = parse_pattern(text)
        except ValueError as exc:
            bad(f"{field}.pattern", str(exc), "fix the escape")
            continue
        if not 3 <= len(pattern) <= MAX_PATTERN:
            bad(
                f"{field}.pattern",
                f"{len(pattern)} bytes long",
                f"patterns of 3..{MAX_PATTERN} bytes: shorter ones match noise",
            )
            continue
        nocase = item.get("nocase", False)
        offset = item.get("offset", 0)
        depth = item.get("depth")
        if not isinstance(nocase, bool):
            bad(f"{field}.nocase", f"{nocase!r} is not true/false", "write true or false")
        if not _is_int(offset) or offset < 0:
            bad(f"{field}.offset", f"{offset!r} is not a byte count", "give a number >= 0")
            continue
        if depth is not None and (not _is_int(depth) or depth < offset + len(pattern)):
            bad(
                f"{field}.depth",
                f"{depth!r} leaves no room for the pattern after offset",
                f"give depth >= offset + pattern length ({offset + len(pattern)})",
            )
            continue
        contents.append(Content(pattern, bool(nocase), int(offset), depth))
    return tuple(contents)


def load_rules(path: str | Path) -> list[ContentRule]:
    """Rules of one YAML file; raises ContentRuleError listing every problem."""
    text = Path(path).read_text(encoding="utf-8")
    return loads(text, str(path))


def loads(text: str, file: str = "<text>") -> list[ContentRule]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContentRuleError(
            [RuleFinding(file, "-", "-", f"not valid YAML: {exc}", "fix the YAML syntax")]
        ) from None
    rules, findings = lint(data, file)
    if findings:
        raise ContentRuleError(findings)
    return rules


@functools.lru_cache(maxsize=1)
def builtin_rules() -> tuple[ContentRule, ...]:
    """The rules shipped with Seawall (package data ``seawall/rules/traffic``)."""
    resource = resources.files("seawall").joinpath(*BUILTIN)
    return tuple(loads(resource.read_text(encoding="utf-8"), "seawall/" + "/".join(BUILTIN)))
