"""Tooling for rule content: lint log rules, run each rule's own tests, and lint a mix of
rule files by what they hold (``seawall rules lint`` / ``seawall rules test``).

    lint_log_rules(paths) -> [LintFinding]     # no paths: the shipped rules/logs
    run_rule_tests(paths) -> [RuleTestResult]  # every case of every rule, alone on its events
    lint_rule_paths(paths) -> [LintFinding]    # audit checks (`checks:`) and log rules
                                               # (`log_rules:`) found in files or folders
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seawall.detect.audit.lint import LintFinding
from seawall.detect.base import NetworkContext
from seawall.detect.logs.native import LogRuleError, build_rule, evaluate_rules
from seawall.detect.logs.native_cases import case_table, compare
from seawall.detect.logs.native_lint import lint_documents
from seawall.detect.logs.native_model import (
    LogRule,
    builtin_docs,
    is_log_rule_doc,
    read_rule_file,
)
from seawall.detect.rulefile import RuleDoc, rule_files
from seawall.errors import ConfigError


def _docs(paths: Sequence[str | Path] | None) -> list[RuleDoc]:
    return builtin_docs() if paths is None else [read_rule_file(p) for p in rule_files(paths)]


def lint_log_rules(paths: Sequence[str | Path] | None = None) -> list[LintFinding]:
    """Lint log rule files (YAML files or folders of them); no paths: the shipped rules."""
    return lint_documents(_docs(paths))


@dataclass(slots=True)
class RuleTestResult:
    rule_id: str
    case: str
    location: str  # file:line of the rule
    passed: bool
    problems: list[str] = field(default_factory=list)
    alerts: int = 0

    def __str__(self) -> str:
        status = "ok  " if self.passed else "FAIL"
        text = f"{status} {self.rule_id} {self.case} ({self.location})"
        return text + "".join(f"\n       {p}" for p in self.problems)


def run_rule_tests(paths: Sequence[str | Path] | None = None) -> list[RuleTestResult]:
    """Run every test case of every rule in ``paths`` (no paths: the shipped rules).

    Each case is evaluated with that rule alone on the case's events. A file with lint errors
    yields one failed result per error (its rules cannot be trusted to run)."""
    docs = [d for d in _docs(paths) if d.error or is_log_rule_doc(d.data)]
    results: list[RuleTestResult] = []
    for finding in lint_documents(docs):
        if finding.level == "error":
            results.append(RuleTestResult("-", "lint", finding.location, False, [finding.message]))
    for doc in docs:
        if any(f.level == "error" for f in lint_documents([doc])):
            continue  # reported above; its rules cannot be trusted to run
        for index, raw in enumerate(doc.items):
            line = doc.line_of(index)
            try:
                rule = build_rule(raw, doc.file, line)
            except (ConfigError, LogRuleError) as exc:
                location = f"{doc.file}:{line}"
                results.append(
                    RuleTestResult(str(raw.get("id")), "build", location, False, [str(exc)])
                )
                continue
            for i, case in enumerate(rule.tests):
                results.append(_run_case(rule, i, case))
    return results


def _run_case(rule: LogRule, index: int, case: dict[str, Any]) -> RuleTestResult:
    name = str(case.get("name") or f"case {index + 1}")
    table, problems = case_table(case.get("events"), rule.id, f"tests[{index}].events")
    if table is None:
        return RuleTestResult(
            rule.id, name, rule.location, False, [f"{p.where}: {p.problem}" for p in problems]
        )
    network = NetworkContext.from_dict(case.get("network"))
    alerts = evaluate_rules(table, [rule], network)
    diff = compare(list(case.get("expect") or []), alerts)
    return RuleTestResult(rule.id, name, rule.location, not diff, diff, len(alerts))


def lint_rule_paths(paths: Sequence[str | Path] | None = None) -> list[LintFinding]:
    """Lint rule files of any family by content: audit checks (``checks:``) go to the audit
    linter, log rules (``log_rules:``) to this one. No paths: the shipped audit checks and
    log rules. Sigma rules and payload content rules (``rules:``) are not linted here."""
    from seawall.detect.audit.checks import read_rule_file as read_check_file
    from seawall.detect.audit.lint import lint_checks
    from seawall.detect.audit.lint import lint_documents as lint_check_documents

    if paths is None:
        return lint_checks(None) + lint_log_rules(None)
    check_docs = []
    log_docs = []
    findings: list[LintFinding] = []
    files = rule_files(paths)
    for path in files:
        doc = read_rule_file(path)
        if doc.error or is_log_rule_doc(doc.data):
            log_docs.append(doc)
        elif isinstance(doc.data, dict) and "checks" in doc.data:
            check_docs.append(read_check_file(path))
        elif not _given_directly(path, paths):
            continue  # other content in a folder (Sigma, payload rules, provenance notes)
        else:
            findings.append(
                LintFinding(
                    "file-shape",
                    str(path),
                    "neither audit checks (`checks:`) nor log rules (`log_rules:`)",
                    "name a check file, a log rule file, or a folder holding them",
                )
            )
    if not files:
        findings.append(
            LintFinding(
                "no-files",
                ", ".join(str(p) for p in paths),
                "no .yaml/.yml files found",
                "point at rule files or folders that contain them",
            )
        )
    return findings + lint_check_documents(check_docs) + lint_documents(log_docs)


def _given_directly(path: Path, paths: Sequence[str | Path]) -> bool:
    return any(Path(p) == path for p in paths)
