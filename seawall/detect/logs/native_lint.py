"""Linter for native log rules (``seawall/rules/logs/*.yaml``).

Every problem is a ``LintFinding`` (the same record the audit-check linter uses): a lint rule
id, where (file:line [rule id] key), what is wrong and what to do about it. Errors stop the
rules from loading; warnings are content quality (an unknown ATT&CK id, a rule without a
test that must stay quiet) that CI also keeps at zero for the shipped rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from seawall.detect.base import NetworkContext
from seawall.detect.logs.native_alerts import TEMPLATE_EXTRAS
from seawall.detect.logs.native_attack import ATTACK_ID, TECHNIQUES
from seawall.detect.logs.native_cases import CASE_KEYS, case_table, check_expect
from seawall.detect.logs.native_match import Errors, compile_condition, field_type
from seawall.detect.logs.native_model import (
    COMMON_OPTIONAL,
    COMMON_REQUIRED,
    FIELDS,
    KIND_OPTIONAL,
    KIND_REQUIRED,
    KINDS,
    MAX_WINDOW_US,
    TEXT_FIELDS,
    RuleDoc,
    parse_duration,
)
from seawall.detect.rulefile import Collector as _Collector
from seawall.detect.rulefile import LintFinding
from seawall.detect.rulefile import lint_documents as lint_rule_documents
from seawall.errors import ConfigError
from seawall.records.alerts import SEVERITIES

ID_FORMAT = re.compile(r"^[A-Z][A-Z0-9]{1,9}-\d{2,4}[a-z]?$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
STEP_KEYS = ("name", "match", "optional")
MIN_RATIONALE = 40


def lint_documents(docs: Sequence[RuleDoc]) -> list[LintFinding]:
    return lint_rule_documents(docs, noun="log rule", lint_item=lint_rule)


def lint_rule(raw: Any, out: _Collector) -> None:
    if not isinstance(raw, dict):
        out.add("rule-shape", None, "a rule must be a mapping", "write `- id: ...` with its keys")
        return
    kind = raw.get("kind")
    allowed = [*COMMON_REQUIRED, *COMMON_OPTIONAL]
    if kind in KINDS:
        allowed += [*KIND_REQUIRED[kind], *KIND_OPTIONAL[kind]]
    for key in sorted(set(raw) - set(allowed), key=str):
        hint = f"kind {kind} takes: {', '.join(allowed)}" if kind in KINDS else ", ".join(allowed)
        out.add("unknown-field", str(key), "unknown or misplaced key", f"use only: {hint}")
    required = [*COMMON_REQUIRED, *(KIND_REQUIRED[kind] if kind in KINDS else ())]
    for key in required:
        if key not in raw:
            if key == "tests":
                out.add(
                    "missing-tests",
                    "tests",
                    "the rule has no tests",
                    "add `tests:` with one case that must alert and one that must stay quiet",
                )
            else:
                out.add("missing-field", key, f"`{key}` is missing", f"every rule needs `{key}`")
    _identity(raw, out)
    if "kind" in raw and kind not in KINDS:
        out.add("kind", "kind", f"unknown kind {kind!r}", f"use one of: {', '.join(KINDS)}")
        return
    if kind not in KINDS:
        return
    _logic(raw, str(kind), out)
    _explain(raw, out)
    _tests(raw, out)


def _identity(raw: Mapping[str, Any], out: _Collector) -> None:
    if "id" in raw and not ID_FORMAT.match(str(raw["id"])):
        out.add(
            "id-format",
            "id",
            f"id {raw['id']!r} does not look like PREFIX-NN",
            "use LG-NN for the checklist rows (LG-NNa for a second facet), LC-NN for campaign "
            "patterns, or your own PREFIX-NN",
        )
    title = raw.get("title")
    if "title" in raw and (not isinstance(title, str) or not title.strip() or "\n" in title):
        out.add("title", "title", "the title must be one line of text", "write a short title")
    elif isinstance(title, str) and len(title) > 100:
        out.add("title", "title", "the title is over 100 characters", "shorten it", "warning")
    if "severity" in raw and raw["severity"] not in SEVERITIES:
        out.add(
            "severity",
            "severity",
            f"severity {raw['severity']!r} is not one of {', '.join(SEVERITIES)}",
            "pick the default severity for a telecom core",
        )
    _attack(raw, out)
    source = raw.get("source")
    if "source" in raw and not (
        (isinstance(source, str) and source.strip())
        or (isinstance(source, list) and source and all(isinstance(s, str) for s in source))
    ):
        out.add(
            "source",
            "source",
            "source must name the advisory or benchmark",
            "e.g. [CISA AA25-239A]",
        )
    rationale = raw.get("rationale")
    if "rationale" in raw:
        if not isinstance(rationale, str) or not rationale.strip():
            out.add("rationale", "rationale", "rationale must be text", "say why the rule matters")
        elif len(rationale.strip()) < MIN_RATIONALE:
            out.add(
                "rationale",
                "rationale",
                "rationale is very short",
                "say why it matters and what benign activity looks like it",
                "warning",
            )
    version = raw.get("version")
    if "version" in raw and (
        not isinstance(version, int) or isinstance(version, bool) or version < 1
    ):
        out.add("version", "version", "version must be a whole number >= 1", "bump it on changes")
    confidence = raw.get("confidence")
    if confidence is not None and not (
        isinstance(confidence, int | float)
        and not isinstance(confidence, bool)
        and 0 < confidence <= 1
    ):
        out.add("confidence", "confidence", "confidence is a number in (0, 1]", "e.g. 0.8")


def _attack(raw: Mapping[str, Any], out: _Collector) -> None:
    if "attack" not in raw:
        return
    attack = raw["attack"]
    if not isinstance(attack, list):
        out.add("attack-format", "attack", "attack must be a list", "write attack: [T1070]")
        return
    for tid in attack:
        if not isinstance(tid, str) or not ATTACK_ID.match(tid):
            out.add(
                "attack-format",
                "attack",
                f"{tid!r} is not an ATT&CK technique id",
                "write T1234 or T1234.001 (no 'attack.' prefix, upper-case T)",
            )
        elif tid not in TECHNIQUES:
            out.add(
                "attack-unknown",
                "attack",
                f"{tid} is not in the technique table",
                "check it on attack.mitre.org, then add it to seawall/detect/logs/native_attack.py",
                "warning",
            )


def _condition(raw: Any, key: str, out: _Collector) -> None:
    errors: Errors = []
    compile_condition(raw, key, errors)
    for path, problem, fix in errors:
        out.add("condition", path, problem, fix or "see the operators in native_match.py")


def _group_field(name: Any, key: str, out: _Collector) -> bool:
    if not isinstance(name, str) or name not in FIELDS:
        out.add(
            "field", key, f"{name!r} is not a LOG field", "use e.g. device, user.name, source.ip"
        )
        return False
    if name in TEXT_FIELDS or field_type(name) == "time":
        out.add(
            "field",
            key,
            f"{name} cannot be grouped or counted (free text or time)",
            "use a field with repeated values: device, user.name, source.ip, ...",
        )
        return False
    return True


def _duration(raw: Mapping[str, Any], key: str, out: _Collector) -> None:
    if key not in raw:
        return
    try:
        us = parse_duration(raw[key])
    except ValueError as exc:
        out.add("window", key, str(exc), "write e.g. 90s, 2m, 1h or 7d")
        return
    if key == "window" and not 0 < us <= MAX_WINDOW_US:
        out.add("window", key, "the window must be above 0 and at most 31 days", "e.g. 10m")


def _logic(raw: Mapping[str, Any], kind: str, out: _Collector) -> None:
    if "match" in raw:
        _condition(raw["match"], "match", out)
    if "group_by" in raw:
        group_by = raw["group_by"]
        if not isinstance(group_by, list) or not group_by:
            out.add("group-by", "group_by", "group_by is a non-empty list of fields", "[device]")
        else:
            for i, name in enumerate(group_by):
                _group_field(name, f"group_by[{i}]", out)
    _duration(raw, "window", out)
    _duration(raw, "learn", out)
    if "threshold" in raw:
        threshold = raw["threshold"]
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 2:
            out.add("threshold", "threshold", "threshold is a whole number >= 2", "e.g. 5")
    if (
        "field" in raw
        and _group_field(raw["field"], "field", out)
        and raw["field"] in (raw.get("group_by") or [])
    ):
        out.add(
            "field",
            "field",
            f"{raw['field']} is also a group_by field, so it never varies in a group",
            "count or watch a field that is not grouped on",
        )
    if kind == "sequence" and "steps" in raw:
        _steps(raw["steps"], out)


def _steps(steps: Any, out: _Collector) -> None:
    if not isinstance(steps, list) or len(steps) < 2:
        out.add("steps", "steps", "a sequence needs at least two steps", "list the steps in order")
        return
    names: set[str] = set()
    required = []
    for i, step in enumerate(steps):
        key = f"steps[{i}]"
        if not isinstance(step, dict) or "match" not in step:
            out.add("steps", key, "a step is a mapping with `match:`", "write - {name, match}")
            continue
        for k in sorted(set(step) - set(STEP_KEYS), key=str):
            out.add("steps", f"{key}.{k}", "unknown step key", f"use {', '.join(STEP_KEYS)}")
        name = str(step.get("name", f"step{i + 1}"))
        if name in names:
            out.add("steps", f"{key}.name", f"step name {name!r} repeats", "name steps uniquely")
        names.add(name)
        if not isinstance(step.get("optional", False), bool):
            out.add("steps", f"{key}.optional", "optional is true or false", "")
        if not step.get("optional", False):
            required.append(i)
        _condition(step["match"], f"{key}.match", out)
    if not required:
        out.add("steps", "steps", "every step is optional", "make at least one step required")
    elif required[-1] != len(steps) - 1:
        out.add(
            "steps",
            f"steps[{len(steps) - 1}]",
            "optional steps after the last required step are never waited for",
            "put optional steps before a required one, or make the last step required",
        )


def _explain(raw: Mapping[str, Any], out: _Collector) -> None:
    template = raw.get("explain")
    if template is None:
        return
    if not isinstance(template, str):
        out.add(
            "explain",
            "explain",
            "explain is a one-line template",
            "e.g. 'SSH on {destination.port}'",
        )
        return
    for name in _PLACEHOLDER.findall(template):
        if name not in FIELDS and name not in TEMPLATE_EXTRAS:
            out.add(
                "explain",
                "explain",
                f"unknown placeholder {{{name}}}",
                f"use LOG fields or {', '.join(TEMPLATE_EXTRAS)}",
            )


def _tests(raw: Mapping[str, Any], out: _Collector) -> None:
    tests = raw.get("tests")
    if "tests" not in raw:
        return
    if not isinstance(tests, list) or not tests:
        out.add(
            "missing-tests",
            "tests",
            "tests must be a non-empty list of cases",
            "add one case that must alert and one that must stay quiet",
        )
        return
    positive = negative = False
    rule_id = str(raw.get("id", "rule"))
    for i, case in enumerate(tests):
        key = f"tests[{i}]"
        if not isinstance(case, dict):
            out.add("test-shape", key, "a test case is a mapping", "keys: name, events, expect")
            continue
        for k in sorted(set(case) - set(CASE_KEYS), key=str):
            out.add("test-shape", f"{key}.{k}", "unknown test key", f"use {', '.join(CASE_KEYS)}")
        for k in ("name", "events", "expect"):
            if k not in case:
                out.add("test-shape", f"{key}.{k}", f"the case has no `{k}`", f"add `{k}:`")
        if "network" in case:
            try:
                NetworkContext.from_dict(case["network"])
            except ConfigError as exc:
                out.add("test-shape", f"{key}.network", str(exc), "give lists of CIDRs")
        if "events" in case:
            _, problems = case_table(case["events"], rule_id, f"{key}.events")
            for p in problems:
                out.add("test-event", p.where, p.problem, p.fix or "fix the event")
        if "expect" in case:
            for p in check_expect(case["expect"], f"{key}.expect"):
                out.add("test-shape", p.where, p.problem, p.fix or "fix the expectation")
            if isinstance(case["expect"], list):
                positive |= bool(case["expect"])
                negative |= not case["expect"]
    if not positive:
        out.add(
            "no-positive-test",
            "tests",
            "no case expects an alert",
            "add a case whose events must raise the rule",
        )
    if not negative:
        out.add(
            "no-negative-test",
            "tests",
            "no case expects silence",
            "add a near-miss case with `expect: []` (benign lookalike)",
            "warning",
        )
