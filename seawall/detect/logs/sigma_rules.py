"""Loading Sigma rules: the SigmaHQ rules shipped in ``seawall/rules/sigma`` (Detection Rule
License 1.1) plus the operator's directories, each rule parsed by pySigma, processed by the
log-record pipeline and compiled, or kept with the reason it cannot run.

A broken file (YAML error, unknown modifier, invalid rule) becomes one not-runnable entry
naming its path; it never stops the other rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

from seawall.detect.logs.sigma_backend import CompiledRule, UnsupportedRule, compile_rule
from seawall.detect.logs.sigma_pipeline import KEYWORD_FIELD_STATE, log_pipeline

SHIPPED_PREFIX = "seawall/rules/sigma"
SHIPPED_LICENCE = "DRL 1.1"
RULE_SUFFIXES = (".yml", ".yaml")
# Statuses SigmaHQ uses for rules that should no longer run.
RETIRED_STATUSES = frozenset({"deprecated", "unsupported"})
_TECHNIQUE = re.compile(r"^t\d{4}(\.\d{3})?$")


class SigmaStatus(NamedTuple):
    """One line of ``sigma_status()``: can the rule run on the log record, and if not, why."""

    rule_id: str
    title: str
    runnable: bool
    reason: str
    path: str


@dataclass(frozen=True, slots=True)
class SigmaRuleEntry:
    """A loaded rule: what alerts show about it and, when it can run, its compiled form."""

    rule_id: str
    title: str
    path: str  # seawall/rules/sigma/... for shipped rules, the file as given otherwise
    author: str
    licence: str
    level: str
    status: str
    tags: tuple[str, ...]  # as written, e.g. attack.t1070.003
    attack: tuple[str, ...]  # technique ids, e.g. T1070.003
    references: tuple[str, ...]
    version: int  # modified (or created) date as YYYYMMDD
    keyword_field: str
    compiled: CompiledRule | None
    reason: str = ""

    @property
    def runnable(self) -> bool:
        return self.compiled is not None

    def status_line(self) -> SigmaStatus:
        return SigmaStatus(self.rule_id, self.title, self.runnable, self.reason, self.path)


def shipped_root() -> Path:
    """The directory of the shipped SigmaHQ rules."""
    return Path(str(resources.files("seawall") / "rules" / "sigma"))


def attack_ids(tags: Iterable[str]) -> tuple[str, ...]:
    """ATT&CK technique ids from Sigma tags: attack.t1070.003 -> T1070.003 (tactics dropped)."""
    out = []
    for tag in tags:
        namespace, _, name = tag.partition(".")
        if namespace == "attack" and _TECHNIQUE.match(name):
            out.append(name.upper())
    return tuple(dict.fromkeys(out))


def _rule_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in RULE_SUFFIXES)


def _display(path: Path, root: Path, shipped: bool) -> str:
    if shipped:
        return f"{SHIPPED_PREFIX}/{path.relative_to(root).as_posix()}"
    return str(path)


def _broken(path: str, reason: str) -> SigmaRuleEntry:
    return SigmaRuleEntry(
        rule_id="",
        title=Path(path).name,
        path=path,
        author="",
        licence="",
        level="",
        status="",
        tags=(),
        attack=(),
        references=(),
        version=1,
        keyword_field="",
        compiled=None,
        reason=reason,
    )


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"YAML error{where}: {problem}; fix the file (the other rules still run)"


def _version(rule: SigmaRule | SigmaCorrelationRule) -> int:
    day = rule.modified or rule.date
    return int(day.strftime("%Y%m%d")) if day is not None else 1


def _entry(
    rule: SigmaRule | SigmaCorrelationRule,
    path: str,
    shipped: bool,
    compiled: CompiledRule | None,
    reason: str,
    keyword_field: str,
) -> SigmaRuleEntry:
    tags = tuple(str(tag) for tag in rule.tags)
    licence = SHIPPED_LICENCE if shipped else str(rule.custom_attributes.get("license") or "")
    return SigmaRuleEntry(
        rule_id=str(rule.id) if rule.id is not None else "",
        title=rule.title or Path(path).name,
        path=path,
        author=rule.author or "",
        licence=licence or "not stated in the rule",
        level=rule.level.name.lower() if rule.level is not None else "",
        status=rule.status.name.lower() if rule.status is not None else "",
        tags=tags,
        attack=attack_ids(tags),
        references=tuple(rule.references or ()),
        version=_version(rule),
        keyword_field=keyword_field,
        compiled=compiled,
        reason=reason,
    )


def _prepare(
    rule: SigmaRule | SigmaCorrelationRule,
) -> tuple[CompiledRule | None, str, str]:
    """(compiled rule, reason it cannot run, keyword field)."""
    if rule.errors:
        return None, f"invalid rule: {rule.errors[0]}", ""
    if isinstance(rule, SigmaCorrelationRule):
        kind = rule.type.name.lower() if rule.type is not None else "?"
        return (
            None,
            f"correlation rule ({kind}): Seawall's Sigma evaluator runs single-event rules; "
            "write sequences and thresholds as native log rules",
            "",
        )
    status = rule.status.name.lower() if rule.status is not None else ""
    if status in RETIRED_STATUSES:
        return None, f"status {status}: retired by its authors", ""
    pipeline = log_pipeline()
    try:
        pipeline.apply(rule)
        keyword_field = str(pipeline.state.get(KEYWORD_FIELD_STATE) or "event.original")
        return compile_rule(rule, keyword_field), "", keyword_field
    except UnsupportedRule as exc:
        return None, f"unsupported by Seawall's evaluator: {exc}", ""
    except SigmaError as exc:
        return None, _sigma_reason(exc), ""


def _sigma_reason(exc: SigmaError) -> str:
    # SigmaError's str() appends the source location; the entry carries the path already.
    return str(getattr(exc, "args", [exc])[0] if getattr(exc, "args", None) else exc)


@dataclass(slots=True)
class _Parsed:
    """What one file held: rules to prepare, filters to apply to every rule, or why not."""

    rules: list[SigmaRule | SigmaCorrelationRule]
    filters: list[SigmaFilter]
    broken: SigmaRuleEntry | None = None


def _parse_file(path: Path, display: str) -> _Parsed:
    try:
        text = path.read_text(encoding="utf-8")
        # References and filters are resolved over all files together, not per file.
        collection = SigmaCollection.from_yaml(
            text,
            collect_errors=True,
            source=SigmaRuleLocation(Path(display)),
            collect_filters=True,
            resolve_references=False,
        )
    except yaml.YAMLError as exc:
        return _Parsed([], [], _broken(display, _yaml_reason(exc)))
    except (OSError, UnicodeDecodeError) as exc:
        return _Parsed([], [], _broken(display, f"cannot read the file: {exc}"))
    except Exception as exc:  # pySigma raises many kinds; one bad file must not stop the rest
        return _Parsed([], [], _broken(display, f"{type(exc).__name__}: {exc}"))
    if not collection.rules and not collection.filters:
        problem = "; ".join(str(e) for e in collection.errors) or "no Sigma rule in the file"
        return _Parsed([], [], _broken(display, problem))
    return _Parsed(list(collection.rules), list(collection.filters))


def _with_filters(
    rule: SigmaRule | SigmaCorrelationRule, filters: list[SigmaFilter]
) -> SigmaRule | SigmaCorrelationRule:
    for sigma_filter in filters:
        rule = sigma_filter.apply_on_rule(rule)
    return rule


@functools.lru_cache(maxsize=16)
def _load(rule_dirs: tuple[str, ...], include_shipped: bool) -> tuple[SigmaRuleEntry, ...]:
    roots: list[tuple[Path, bool]] = []
    if include_shipped:
        roots.append((shipped_root(), True))
    roots += [(Path(d), False) for d in rule_dirs]
    entries: list[SigmaRuleEntry | None] = []
    pending: list[tuple[int, SigmaRule | SigmaCorrelationRule, str, bool]] = []
    filters: list[SigmaFilter] = []
    for root, shipped in roots:
        if not root.exists():
            entries.append(_broken(str(root), "rule directory does not exist"))
            continue
        for path in _rule_files(root):
            display = _display(path, root, shipped)
            parsed = _parse_file(path, display)
            if parsed.broken is not None:
                entries.append(parsed.broken)
            filters += parsed.filters
            for rule in parsed.rules:
                pending.append((len(entries), rule, display, shipped))
                entries.append(None)
    for slot, rule, display, shipped in pending:
        try:
            rule = _with_filters(rule, filters)
            compiled, reason, keyword_field = _prepare(rule)
        except Exception as exc:  # an unexpected pySigma failure on one rule
            compiled, reason, keyword_field = None, f"{type(exc).__name__}: {exc}", ""
        entries[slot] = _entry(rule, display, shipped, compiled, reason, keyword_field)
    return tuple(e for e in entries if e is not None)


def load_sigma_rules(
    rule_dirs: Sequence[str | Path] = (), *, include_shipped: bool = True
) -> tuple[SigmaRuleEntry, ...]:
    """Every rule of the shipped set (unless ``include_shipped`` is False) and of
    ``rule_dirs`` (directories searched recursively for .yml/.yaml, or single files).
    Loaded once per argument set."""
    return _load(tuple(str(d) for d in rule_dirs), include_shipped)


def sigma_status(
    rule_dirs: Sequence[str | Path] = (), *, include_shipped: bool = True
) -> list[SigmaStatus]:
    """(rule id, title, runnable, reason, path) for every rule: runnable ones first, each
    group in path order."""
    lines = [e.status_line() for e in load_sigma_rules(rule_dirs, include_shipped=include_shipped)]
    return sorted(lines, key=lambda s: (not s.runnable, s.path, s.title))


def format_status(lines: Sequence[SigmaStatus]) -> str:
    """Plain-text listing for the CLI: a summary line, then one line per rule."""
    runnable = sum(1 for s in lines if s.runnable)
    out = [f"Sigma rules: {runnable} runnable, {len(lines) - runnable} not runnable"]
    for s in lines:
        mark = "run " if s.runnable else "skip"
        line = f"{mark}  {s.rule_id or '-':36}  {s.title}  ({s.path})"
        if not s.runnable:
            line += f"\n      why: {s.reason}"
        out.append(line)
    return "\n".join(out)


def status_dicts(lines: Sequence[SigmaStatus]) -> list[dict[str, Any]]:
    """The listing as JSON-ready dicts."""
    return [s._asdict() for s in lines]
