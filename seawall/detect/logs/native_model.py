"""The native log rule format: what a rule file holds and how it is read.

A rule file is YAML with a ``log_rules:`` list (audit checks use ``checks:``, payload content
rules ``rules:``). Each rule has an identity (id, title, severity, ATT&CK ids, source,
rationale, version), a ``kind`` saying how events are combined, the conditions, and its own
``tests``. The format is documented in ``seawall/rules/logs/README.md``; the linter
(``native_lint``) checks every key, the engine (``native``) evaluates them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from seawall.detect import rulefile
from seawall.detect.rulefile import RuleDoc
from seawall.records.schemas import LOG

FILE_KEY = "log_rules"
BUILTIN = ("rules", "logs")  # inside the seawall package

KINDS = ("pattern", "threshold", "sequence", "first_seen", "distinct_count")

COMMON_REQUIRED = (
    "id",
    "title",
    "severity",
    "attack",
    "source",
    "rationale",
    "version",
    "kind",
    "tests",
)
COMMON_OPTIONAL = ("explain", "confidence")
# Keys each kind needs / accepts besides the common ones.
KIND_REQUIRED: dict[str, tuple[str, ...]] = {
    "pattern": ("match",),
    "threshold": ("match", "group_by", "window", "threshold"),
    "sequence": ("steps", "group_by", "window"),
    "first_seen": ("match", "group_by", "field"),
    "distinct_count": ("match", "group_by", "field", "window", "threshold"),
}
KIND_OPTIONAL: dict[str, tuple[str, ...]] = {
    "pattern": ("group_by", "window"),  # window: a gap longer than this starts a new alert
    "threshold": (),
    "sequence": (),
    "first_seen": ("learn",),
    "distinct_count": (),
}

# ``device`` is the device a line is about: host.name, else host.ip, else the syslog sender.
VIRTUAL_FIELDS = ("device",)
LOG_FIELDS = tuple(LOG.names)
FIELDS = (*LOG_FIELDS, *VIRTUAL_FIELDS)
TIME_FIELD = "event.start"
# Free text: matched by scanning, never grouped on.
TEXT_FIELDS = ("message", "event.original")

DEFAULT_CONFIDENCE = 0.7
MAX_WINDOW_US = 31 * 24 * 3600 * 1_000_000

_DURATION = re.compile(r"^(\d+(?:\.\d+)?(?:ms|s|m|h|d))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_US = {"ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}


def parse_duration(value: Any) -> int:
    """``"90s"``, ``"2m"``, ``"3m10s"``, ``"1h"``, ``"7d"`` (or a number of seconds) ->
    microseconds. Raises ValueError saying how to write one."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 2m, 3m10s, 1h or 7d")
    if isinstance(value, int | float):
        seconds = float(value)
        if seconds < 0:
            raise ValueError("a duration cannot be negative")
        return int(seconds * 1_000_000)
    text = str(value).strip().replace(" ", "")
    if not _DURATION.match(text):
        raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 2m, 3m10s, 1h or 7d")
    return sum(int(float(n) * _UNIT_US[u]) for n, u in _DURATION_PART.findall(text))


def format_duration(us: int) -> str:
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_US[unit]
        if us >= size and us % size == 0:
            return f"{us // size}{unit}"
    return f"{us / 1_000_000:g}s"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a sequence rule; ``optional`` steps are reported when present."""

    name: str
    match: Any  # compiled condition (native_match.Node)
    optional: bool = False


@dataclass(frozen=True, slots=True)
class LogRule:
    id: str
    title: str
    severity: str
    attack: tuple[str, ...]
    source: tuple[str, ...]
    rationale: str
    version: int
    kind: str
    match: Any = None  # compiled condition (native_match.Node); None for sequences
    group_by: tuple[str, ...] = ()
    window_us: int | None = None
    threshold: int | None = None
    field: str | None = None  # first_seen: the value that is new; distinct_count: counted
    learn_us: int = 0
    steps: tuple[Step, ...] = ()
    explain: str | None = None
    confidence: float = DEFAULT_CONFIDENCE
    tests: tuple[dict[str, Any], ...] = ()
    file: str = ""
    line: int | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def read_rule_text(text: str, file: str) -> RuleDoc:
    return rulefile.read_rule_text(text, file, FILE_KEY)


def read_rule_file(path: str | Path) -> RuleDoc:
    return rulefile.read_rule_file(path, FILE_KEY)


def is_log_rule_doc(data: Any) -> bool:
    return isinstance(data, dict) and FILE_KEY in data


def builtin_docs() -> list[RuleDoc]:
    folder = resources.files("seawall").joinpath(*BUILTIN)
    docs = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            name = "/".join(("seawall", *BUILTIN, entry.name))
            docs.append(read_rule_text(entry.read_text(encoding="utf-8"), name))
    return docs


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def text(value: Any) -> str:
    return " ".join(str(value).split())


def strings(values: Sequence[Any]) -> tuple[str, ...]:
    return tuple(text(v) for v in values)
