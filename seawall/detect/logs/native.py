"""Native log rules: load the YAML rules, evaluate them on a LOG table, raise alerts.

The shipped rules live in ``seawall/rules/logs`` (the repository's ``rules/logs``): the
log-evidence rows LG-xx of the Salt Typhoon checklist and the campaign's command and event
patterns (LC-xx). Kinds: ``pattern`` (conditions over one event), ``threshold`` (N matching
events per group within a window), ``distinct_count`` (N distinct values per group within a
window), ``first_seen`` (a value new for its group) and ``sequence`` (ordered steps per
group within a window). See ``native_model`` for the file format and ``native_match`` for
the condition language.

    evaluate_rules(table, rules, network) -> list[Alert]     # any rules, any LOG table
    detector "log_rules"                                     # the shipped rules on tables.logs
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from seawall.detect.base import DetectContext, NetworkContext, RecordTables, register
from seawall.detect.logs.native_alerts import DETECTOR, build_alerts
from seawall.detect.logs.native_kinds import evaluate_rule
from seawall.detect.logs.native_lint import lint_documents
from seawall.detect.logs.native_match import Errors, Frame, compile_condition, shared_scan_leaves
from seawall.detect.logs.native_model import (
    DEFAULT_CONFIDENCE,
    LogRule,
    Step,
    as_list,
    builtin_docs,
    parse_duration,
    read_rule_file,
    strings,
    text,
)
from seawall.detect.rulefile import RuleDoc, rule_files
from seawall.errors import ConfigError
from seawall.records import LOG, conform
from seawall.records.alerts import Alert, sort_alerts

# Union of the shipped rules' techniques (a test keeps it equal to the rule files).
ATTACK = (
    "T1021.004",
    "T1040",
    "T1048",
    "T1059",
    "T1059.004",
    "T1059.008",
    "T1070",
    "T1078",
    "T1090",
    "T1110",
    "T1133",
    "T1136.001",
    "T1190",
    "T1548.003",
    "T1556",
    "T1562",
    "T1562.004",
    "T1562.006",
    "T1571",
    "T1572",
    "T1599",
    "T1602.001",
    "T1602.002",
    "T1610",
)


class LogRuleError(ConfigError):
    """Rule files have errors; ``findings`` lists every one."""

    def __init__(self, findings: Sequence[Any]) -> None:
        self.findings = list(findings)
        super().__init__("\n".join(str(f) for f in findings))


def _condition(raw: Any, where: str) -> Any:
    errors: Errors = []
    node = compile_condition(raw, where, errors)
    if errors or node is None:  # the linter ran first; this only guards direct callers
        raise ConfigError(f"{where}: {errors[0][1] if errors else 'empty condition'}")
    return node


def build_rule(raw: dict[str, Any], file: str = "", line: int | None = None) -> LogRule:
    """A linted rule mapping -> LogRule with compiled conditions."""
    rule_id = str(raw["id"])
    steps = tuple(
        Step(
            name=str(step.get("name", f"step{i + 1}")),
            match=_condition(step["match"], f"{rule_id} steps[{i}]"),
            optional=bool(step.get("optional", False)),
        )
        for i, step in enumerate(raw.get("steps") or ())
    )
    return LogRule(
        id=rule_id,
        title=text(raw["title"]),
        severity=str(raw["severity"]),
        attack=tuple(str(a) for a in raw.get("attack") or ()),
        source=strings(as_list(raw["source"])),
        rationale=text(raw["rationale"]),
        version=int(raw["version"]),
        kind=str(raw["kind"]),
        match=_condition(raw["match"], f"{rule_id} match") if "match" in raw else None,
        group_by=tuple(str(f) for f in raw.get("group_by") or ()),
        window_us=parse_duration(raw["window"]) if "window" in raw else None,
        threshold=int(raw["threshold"]) if "threshold" in raw else None,
        field=str(raw["field"]) if "field" in raw else None,
        learn_us=parse_duration(raw["learn"]) if "learn" in raw else 0,
        steps=steps,
        explain=text(raw["explain"]) if raw.get("explain") else None,
        confidence=float(raw.get("confidence", DEFAULT_CONFIDENCE)),
        tests=tuple(raw.get("tests") or ()),
        file=file,
        line=line,
    )


def rules_from_docs(docs: Sequence[RuleDoc]) -> list[LogRule]:
    """Lint ``docs`` and compile them; raises LogRuleError listing every error."""
    errors = [f for f in lint_documents(docs) if f.level == "error"]
    if errors:
        raise LogRuleError(errors)
    rules = []
    for doc in docs:
        for i, raw in enumerate(doc.items):
            rules.append(build_rule(raw, doc.file, doc.line_of(i)))
    return rules


@functools.lru_cache(maxsize=1)
def _builtin_rules() -> tuple[LogRule, ...]:
    return tuple(rules_from_docs(builtin_docs()))


def load_log_rules(
    paths: Sequence[str | Path] | None = None, *, include_builtin: bool = False
) -> list[LogRule]:
    """The shipped rules (``paths`` None), or those of ``paths`` (files or folders), plus the
    shipped ones when ``include_builtin``. Raises LogRuleError on any error."""
    if paths is None:
        return list(_builtin_rules())
    docs = [read_rule_file(p) for p in rule_files(paths)]
    rules = rules_from_docs(docs)
    return [*_builtin_rules(), *rules] if include_builtin else rules


def evaluate_rules(
    table: pa.Table, rules: Iterable[LogRule], network: NetworkContext | None = None
) -> list[Alert]:
    """Every alert the rules raise on a LOG table, worst first. A table with only some of
    the LOG columns (or other types) is conformed first: absent columns are nulls."""
    rules = list(rules)
    if table.schema != LOG:
        table = conform(table, "log")
    frame = Frame(table, network)
    encode: set[str] = set()
    for rule in rules:
        for node in [rule.match, *(step.match for step in rule.steps)]:
            for leaf in shared_scan_leaves(node) if node is not None else ():
                frame.add_needles(leaf.field, leaf.needles)
            for leaf in node.leaves() if node is not None else ():
                if not leaf.scan and not leaf.time:
                    encode.add(leaf.field)
        encode.update(rule.group_by)
        if rule.field:
            encode.add(rule.field)
    frame.warm(encode, set(frame.needle_fields()))
    alerts: list[Alert] = []
    for rule in rules:
        alerts += build_alerts(rule, evaluate_rule(rule, frame), frame)
    return sort_alerts(alerts)


@register(
    DETECTOR,
    attack=ATTACK,
    description="device logs and AAA accounting: native rules (rules/logs) for the campaign's "
    "logins, commands, log tampering, Guest Shell, captures, tunnels and AAA changes",
)
def log_rules(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    if tables.logs.num_rows == 0:
        return []
    disabled = {str(r) for r in ctx.thresholds.get("disabled") or ()}
    rules = [r for r in load_log_rules() if r.id not in disabled]
    return evaluate_rules(tables.logs, rules, ctx.network)
