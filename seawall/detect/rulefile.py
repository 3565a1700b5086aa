"""Rule files as data: reading YAML content with the line of every item and key, finding the
files under given paths, and the lint findings and their file-level checks.

Audit checks (``checks:``) and native log rules (``log_rules:``) share all of this; each
family only says which top-level list holds its items and how to lint one item.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class LintFinding:
    rule: str  # lint rule id, e.g. "unknown-field"
    location: str  # file:line [item id] key
    message: str
    recommendation: str
    level: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.location}: {self.level} {self.rule}: {self.message} ({self.recommendation})"


@dataclass(slots=True)
class RuleDoc:
    """One rule file as read: the data, and the line of each item of ``list_key`` and of
    each of its keys."""

    file: str
    list_key: str
    data: Any = None
    error: str | None = None
    error_line: int | None = None
    item_lines: list[int] = field(default_factory=list)
    key_lines: list[dict[str, int]] = field(default_factory=list)

    @property
    def items(self) -> list[Any]:
        if isinstance(self.data, dict) and isinstance(self.data.get(self.list_key), list):
            return list(self.data[self.list_key])
        return []

    def line_of(self, index: int | None, key: str | None = None) -> int | None:
        if index is None or index >= len(self.item_lines):
            return None
        if key and index < len(self.key_lines):
            return self.key_lines[index].get(key, self.item_lines[index])
        return self.item_lines[index]


def read_rule_text(text: str, file: str, list_key: str) -> RuleDoc:
    doc = RuleDoc(file, list_key)
    try:
        doc.data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        doc.error_line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        doc.error = f"not valid YAML: {' '.join(str(problem).split())}"
        return doc
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == list_key and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    doc.item_lines.append(item.start_mark.line + 1)
                    keys: dict[str, int] = {}
                    if isinstance(item, yaml.MappingNode):
                        for k, _v in item.value:
                            keys[str(k.value)] = k.start_mark.line + 1
                    doc.key_lines.append(keys)
    return doc


def read_rule_file(path: str | Path, list_key: str) -> RuleDoc:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return RuleDoc(str(path), list_key, error=f"cannot read: {reason}")
    return read_rule_text(text, str(path), list_key)


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """YAML files named by ``paths``: files as given, directories searched recursively."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = []
            # os.walk follows the repository's rules/<family> links into the package.
            for folder, _dirs, names in os.walk(path, followlinks=True):
                found += [Path(folder) / n for n in names if n.endswith((".yaml", ".yml"))]
            out += sorted(found)
        else:
            out.append(path)
    return out


class Collector:
    """Findings for one item (or, with no index, its file), located by file, line and key."""

    def __init__(self, doc: RuleDoc, index: int | None, item_id: str) -> None:
        self.doc = doc
        self.index = index
        self.item_id = item_id
        self.found: list[LintFinding] = []

    def where(self, key: str | None) -> str:
        top = key.split(".")[0].split("[")[0] if key else None
        line = self.doc.line_of(self.index, top)
        place = f"{self.doc.file}:{line}" if line else self.doc.file
        if self.item_id:
            place += f" [{self.item_id}]"
        return f"{place} {key}" if key else place

    def add(
        self, rule: str, key: str | None, message: str, recommendation: str, level: str = "error"
    ) -> None:
        self.found.append(LintFinding(rule, self.where(key), message, recommendation, level))


def lint_documents(
    docs: Sequence[RuleDoc], *, noun: str, lint_item: Callable[[Any, Collector], None]
) -> list[LintFinding]:
    """File-level checks (readable, valid YAML, one top-level list) and duplicate ids across
    files; each item is handed to ``lint_item``. ``noun`` names an item in messages."""
    findings: list[LintFinding] = []
    seen: dict[str, str] = {}
    for doc in docs:
        top = Collector(doc, None, "")
        key = doc.list_key
        if doc.error:
            kind = "unreadable" if doc.error.startswith("cannot read") else "yaml"
            fix = (
                "check the path and its permissions"
                if kind == "unreadable"
                else "fix the YAML (quote values holding ': ', '{', '#' or a leading '*')"
            )
            where = f"{doc.file}:{doc.error_line}" if doc.error_line else doc.file
            findings.append(LintFinding(kind, where, doc.error, fix))
            continue
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            top.add(
                "file-shape",
                None,
                f"a {noun} file must be a mapping with a `{key}:` list",
                f"start the file with `{key}:` and list the {noun}s under it",
            )
            findings += top.found
            continue
        for extra in sorted(set(data) - {key}, key=str):
            top.add("file-shape", str(extra), "unknown top-level key", f"keep only `{key}:`")
        findings += top.found
        for index, raw in enumerate(data[key]):
            item_id = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else ""
            out = Collector(doc, index, item_id or f"#{index + 1}")
            lint_item(raw, out)
            if item_id:
                if item_id in seen:
                    out.add(
                        "duplicate-id",
                        "id",
                        f"{item_id} is also defined at {seen[item_id]}",
                        f"give every {noun} its own id; never reuse a retired one",
                    )
                else:
                    seen[item_id] = out.where(None)
            findings += out.found
    return findings
