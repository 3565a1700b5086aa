"""Linter for the audit checks (``seawall/rules/audit/*.yaml``).

Every problem is a ``LintFinding``: a lint rule id, where (file:line, check id, key), what is
wrong and what to do about it. Errors stop ``load_checks``; warnings are content-quality
issues (e.g. a vendor without a remediation snippet) that CI also keeps at zero for the
shipped checks.

    python -m seawall.detect.audit.lint [FILE_OR_DIR ...]   # no argument: the shipped checks
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from seawall.detect.audit.checks import (
    CLAUSE_KEYS,
    COMBINATORS,
    OPERATORS,
    OPTIONAL_FIELDS,
    PRODUCERS,
    REQUIRED_FIELDS,
    RuleDoc,
    builtin_docs,
    collections,
    path_error,
    read_rule_file,
    rule_files,
    template_fields,
)
from seawall.detect.audit.predicates import PREDICATES
from seawall.detect.rulefile import Collector as _Collector
from seawall.detect.rulefile import LintFinding
from seawall.detect.rulefile import lint_documents as lint_rule_documents
from seawall.records.alerts import SEVERITIES
from seawall.records.config import CHANGE_KINDS, DIALECTS, DeviceConfig

ID_FORMAT = re.compile(r"^[A-Z][A-Z0-9]{1,9}-\d{2,4}$")
RESERVED_PREFIXES = {"LG": "log rules (LG-xx) live with the log detectors, not config checks"}
ATTACK_FORMAT = re.compile(r"^T\d{4}(\.\d{3})?$")
REMEDIATION_KEYS = (*DIALECTS, "default")


def lint_checks(paths: Sequence[str | Path] | None = None) -> list[LintFinding]:
    """Lint check files (YAML files or folders of them); no paths: the shipped checks."""
    docs = builtin_docs() if paths is None else [read_rule_file(p) for p in rule_files(paths)]
    return lint_documents(docs)


def lint_documents(docs: Sequence[RuleDoc]) -> list[LintFinding]:
    return lint_rule_documents(docs, noun="check", lint_item=_lint_check)


def _lint_check(raw: Any, out: _Collector) -> None:
    if not isinstance(raw, dict):
        out.add("check-shape", None, "a check must be a mapping", "write `- id: ...` with keys")
        return
    allowed = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)
    for key in sorted(set(raw) - set(allowed), key=str):
        out.add("unknown-field", str(key), "unknown field", f"use only: {', '.join(allowed)}")
    for key in REQUIRED_FIELDS:
        if key not in raw:
            out.add("missing-field", key, f"`{key}` is missing", f"every check needs `{key}`")
    _lint_identity(raw, out)
    _lint_text(raw, out)
    vendors = _lint_vendors(raw, out)
    _lint_remediation(raw, vendors, out)
    _lint_evaluation(raw, out)


def _lint_identity(raw: Mapping[str, Any], out: _Collector) -> None:
    if "id" in raw:
        check_id = str(raw["id"])
        if not ID_FORMAT.match(check_id):
            out.add(
                "id-format",
                "id",
                f"{check_id!r} is not PREFIX-NN",
                "use ST-NN / HD-NN for shipped checks or your own prefix, e.g. ACME-01",
            )
        elif check_id.split("-")[0] in RESERVED_PREFIXES:
            out.add(
                "id-reserved",
                "id",
                RESERVED_PREFIXES[check_id.split("-")[0]],
                "pick another prefix",
            )
    if "severity" in raw and raw["severity"] not in SEVERITIES:
        out.add(
            "severity",
            "severity",
            f"{raw['severity']!r} is not a severity",
            f"use one of {', '.join(SEVERITIES)}",
        )
    if "attack" in raw:
        attack = raw["attack"]
        if not isinstance(attack, list):
            out.add("attack-format", "attack", "must be a list", "write e.g. [T1562.004]")
        else:
            for technique in attack:
                if not ATTACK_FORMAT.match(str(technique)):
                    out.add(
                        "attack-format",
                        "attack",
                        f"{technique!r} is not an ATT&CK technique id",
                        "write T1234 or T1234.001 (no tactic ids or names); [] for pure "
                        "visibility checks",
                    )
    if "version" in raw:
        version = raw["version"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            out.add("version", "version", f"{version!r} is not a positive integer", "start at 1")


def _lint_text(raw: Mapping[str, Any], out: _Collector) -> None:
    for key, rule in (("title", "empty-title"), ("rationale", "empty-rationale")):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            out.add(rule, key, f"`{key}` is empty or not text", f"write the {key} as text")
    if "source" in raw:
        source = raw["source"]
        if (
            not isinstance(source, list)
            or not source
            or not all(isinstance(s, str) and s.strip() for s in source)
        ):
            out.add(
                "empty-source",
                "source",
                "`source` must be a non-empty list of texts",
                'name the advisory or benchmark, e.g. ["CISA AA25-239A [AA]"]',
            )


def _lint_vendors(raw: Mapping[str, Any], out: _Collector) -> list[str]:
    vendors = raw.get("vendors")
    if vendors is None:
        return []
    if not isinstance(vendors, list) or not vendors:
        out.add("vendors", "vendors", "must be a non-empty list", "list dialect ids, or [all]")
        return []
    good = []
    for vendor in vendors:
        if vendor == "all" or vendor in DIALECTS:
            good.append(str(vendor))
        else:
            out.add(
                "unknown-vendor",
                "vendors",
                f"{vendor!r} is not a dialect",
                f"use `all` or dialect ids: {', '.join(DIALECTS)}",
            )
    return good


def _lint_remediation(raw: Mapping[str, Any], vendors: list[str], out: _Collector) -> None:
    remediation = raw.get("remediation")
    if remediation is None:
        return
    if not isinstance(remediation, dict) or not remediation:
        out.add(
            "remediation",
            "remediation",
            "must be a mapping dialect -> config snippet",
            'write e.g. `remediation: {cisco_ios: "no ip http server"}`',
        )
        return
    for key, snippet in remediation.items():
        if key not in REMEDIATION_KEYS:
            out.add(
                "remediation",
                "remediation",
                f"{key!r} is not a dialect",
                f"use dialect ids or `default`: {', '.join(REMEDIATION_KEYS)}",
            )
        elif not isinstance(snippet, str) or not snippet.strip():
            out.add("remediation", "remediation", f"{key}: empty snippet", "write the fix")
    wanted = ["cisco_ios", "default"] if "all" in vendors else vendors
    for vendor in wanted:
        if vendor not in remediation:
            out.add(
                "missing-remediation",
                "remediation",
                f"no remediation for {vendor}"
                + (" (a check for `all` needs cisco_ios and default)" if "all" in vendors else ""),
                f"add `{vendor}:` with the config that fixes it",
                level="warning",
            )


def _lint_evaluation(raw: Mapping[str, Any], out: _Collector) -> None:
    match, name = raw.get("match"), raw.get("predicate")
    producer, drift = raw.get("produced_by"), raw.get("drift")
    if producer is not None:
        if producer not in PRODUCERS:
            out.add(
                "unknown-producer",
                "produced_by",
                f"{producer!r} is not a producer",
                f"use one of {', '.join(PRODUCERS)}",
            )
        if match is not None or name is not None:
            out.add(
                "produced-and-evaluated",
                "produced_by",
                "a produced check cannot also have match/predicate",
                "drop match/predicate, or drop produced_by",
            )
    if match is not None and name is not None:
        out.add(
            "match-and-predicate",
            "match",
            "a check has either `match` or `predicate`",
            "split it into two checks or move the logic into the predicate",
        )
    if match is None and name is None and not drift and producer is None:
        out.add(
            "nothing-to-evaluate",
            None,
            "no match, predicate, drift or produced_by",
            "say how the check decides",
        )
    if match is not None:
        clauses = match if isinstance(match, list) else [match]
        if not clauses:
            out.add("match", "match", "empty match list", "give at least one clause")
        for i, clause in enumerate(clauses):
            _lint_clause(clause, f"match[{i}]" if isinstance(match, list) else "match", out)
    if name is not None:
        _lint_predicate(str(name), raw.get("params"), out)
    elif raw.get("params") is not None:
        out.add("params", "params", "params without a predicate", "drop params or add predicate")
    if drift is not None:
        _lint_drift(drift, out)


def _lint_clause(clause: Any, key: str, out: _Collector) -> None:
    if not isinstance(clause, dict):
        out.add("match", key, "a match clause must be a mapping", "write {each:, where:, message:}")
        return
    for unknown in sorted(set(clause) - set(CLAUSE_KEYS), key=str):
        out.add(
            "match-key",
            f"{key}.{unknown}",
            "unknown clause key",
            f"use only: {', '.join(CLAUSE_KEYS)}",
        )
    scope: Any = DeviceConfig
    each = clause.get("each")
    if each is not None:
        known = collections()
        if each not in known:
            out.add(
                "unknown-collection",
                f"{key}.each",
                f"{each!r} is not a collection of the device model",
                f"use one of: {', '.join(sorted(known))} (or omit `each` for the device)",
            )
            scope = None
        else:
            scope = known[each]
    if clause.get("when") is not None:
        _lint_where(clause["when"], DeviceConfig, f"{key}.when", out)
    if clause.get("where") is not None and scope is not None:
        _lint_where(clause["where"], scope, f"{key}.where", out)
    message = clause.get("message")
    if not isinstance(message, str) or not message.strip():
        out.add("match-message", f"{key}.message", "missing message", "write a one-line message")
    elif scope is not None:
        for name in template_fields(message):
            _lint_path(scope, name, f"{key}.message", out)
    templates = clause.get("locate")
    for template in templates if isinstance(templates, list) else [templates]:
        if isinstance(template, str) and scope is not None:
            for name in template_fields(template):
                _lint_path(scope, name, f"{key}.locate", out)
    if clause.get("severity") is not None and clause["severity"] not in SEVERITIES:
        out.add(
            "severity",
            f"{key}.severity",
            f"{clause['severity']!r} is not a severity",
            f"use one of {', '.join(SEVERITIES)}",
        )
    for path_key in ("line",):
        if clause.get(path_key) is not None and scope is not None:
            _lint_path(scope, str(clause[path_key]), f"{key}.{path_key}", out)
    for path in clause.get("evidence") or ():
        if scope is not None:
            _lint_path(scope, str(path), f"{key}.evidence", out)


def _lint_path(scope: Any, path: str, key: str, out: _Collector) -> None:
    if scope is str and path != "self" and not path.startswith("device."):
        out.add(
            "unknown-field",
            key,
            f"items of this collection are plain text; {path!r} is not a field",
            "use `self` for the item, or device.<path>",
        )
        return
    error = path_error(scope, path)
    if error:
        out.add("unknown-field", key, f"{path!r}: {error}", "use a field of the device model")


def _lint_where(where: Any, scope: Any, key: str, out: _Collector) -> None:
    if not isinstance(where, dict) or not where:
        out.add("match-where", key, "must be a non-empty mapping", "write {field: condition}")
        return
    for name, cond in where.items():
        if name in ("any", "all"):
            if not isinstance(cond, list) or not cond:
                out.add("match-where", f"{key}.{name}", "must be a non-empty list", "list mappings")
                continue
            for i, part in enumerate(cond):
                _lint_where(part, scope, f"{key}.{name}[{i}]", out)
        elif name == "not":
            _lint_where(cond, scope, f"{key}.not", out)
        else:
            _lint_path(scope, str(name), f"{key}.{name}", out)
            _lint_condition(cond, f"{key}.{name}", out)


_ARG_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "scalar": (lambda a: not isinstance(a, dict | list), "a single value"),
    "list": (lambda a: isinstance(a, list) and bool(a), "a non-empty list"),
    "bool": (lambda a: isinstance(a, bool), "true or false"),
    "number": (lambda a: isinstance(a, int | float) and not isinstance(a, bool), "a number"),
    "regex": (lambda a: isinstance(a, str), "a regular expression"),
}


def _lint_condition(cond: Any, key: str, out: _Collector) -> None:
    if not isinstance(cond, dict):
        return  # a plain value means equals
    if not cond:
        out.add("match-operator", key, "empty condition", "write {operator: argument}")
    for op, arg in cond.items():
        if op not in OPERATORS:
            out.add(
                "unknown-operator",
                key,
                f"{op!r} is not an operator",
                f"use one of: {', '.join(OPERATORS)} (combine with {', '.join(COMBINATORS)})",
            )
            continue
        kind = OPERATORS[op][0]
        ok, wanted = _ARG_CHECKS[kind]
        if not ok(arg):
            out.add("operator-argument", key, f"{op} needs {wanted}, got {arg!r}", "fix it")
            continue
        if kind == "regex":
            try:
                re.compile(arg)
            except re.error as exc:
                out.add("bad-regex", key, f"{arg!r}: {exc}", "fix the regular expression")


def _lint_predicate(name: str, params: Any, out: _Collector) -> None:
    spec = PREDICATES.get(name)
    if spec is None:
        out.add(
            "unknown-predicate",
            "predicate",
            f"{name!r} is not a predicate",
            f"use one of: {', '.join(sorted(PREDICATES))}",
        )
        return
    if params is None:
        return
    if not isinstance(params, dict):
        out.add("params", "params", "must be a mapping", "write {name: value}")
        return
    for key, value in params.items():
        if key not in spec.defaults:
            known = ", ".join(spec.defaults) or "none"
            out.add(
                "unknown-param",
                f"params.{key}",
                f"{name} has no parameter {key!r}",
                f"parameters of {name}: {known}",
            )
            continue
        default = spec.defaults[key]
        if default is not None and not _same_kind(default, value):
            out.add(
                "param-type",
                f"params.{key}",
                f"{value!r} is not like the default {default!r}",
                f"give a {type(default).__name__}",
            )


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    if isinstance(default, list | tuple):
        return isinstance(value, list)
    return isinstance(value, type(default))


def _lint_drift(drift: Any, out: _Collector) -> None:
    if not isinstance(drift, list) or not drift:
        out.add("drift", "drift", "must be a non-empty list of change kinds", "e.g. [user_added]")
        return
    for entry in drift:
        kind, severity = (entry, None) if isinstance(entry, str) else (None, None)
        if isinstance(entry, dict):
            unknown = set(entry) - {"kind", "severity", "external_only"}
            if unknown:
                out.add(
                    "drift",
                    "drift",
                    f"unknown keys {sorted(unknown)}",
                    "use kind, severity, external_only",
                )
            kind, severity = entry.get("kind"), entry.get("severity")
            if "external_only" in entry and not isinstance(entry["external_only"], bool):
                out.add("drift", "drift", "external_only must be true/false", "fix it")
        if kind not in CHANGE_KINDS:
            out.add(
                "unknown-change-kind",
                "drift",
                f"{kind!r} is not a change kind",
                "use a kind of CHANGE_KINDS (seawall/records/config.py)",
            )
        if severity is not None and severity not in SEVERITIES:
            out.add("severity", "drift", f"{severity!r} is not a severity", "fix it")


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    findings = lint_checks(args or None)
    for finding in findings:
        print(finding)
    errors = sum(1 for f in findings if f.level == "error")
    print(f"{len(findings)} finding(s), {errors} error(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
