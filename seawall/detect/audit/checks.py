"""Hardening and compromise checks as data: load, compile and evaluate.

Checks live in YAML (``seawall/rules/audit/*.yaml``; the repository's ``rules/audit`` links
there). Each has an id, title, severity, ATT&CK ids, rationale, sources, the vendors it
applies to, remediation per dialect and a version, and decides with one of:

* ``match:`` a small declarative expression over the device model (one clause or a list)::

      match:
        each: users                        # a collection of the model; omit for the device
        when: {os: {in: [IOS XE]}}         # device conditions, tested once per config
        where: {name: {regex: "^cisco_"}}  # item conditions; any/all/not combine them
        message: "account {name} ..."      # {path} placeholders; device.<path> for the device
        severity: medium                   # optional, overrides the check's
        line: ntp.servers.0.line           # optional: the line of another model item
        locate: ["ip ssh version"]         # optional: find the line by text when the item has none

* ``predicate: <name>`` (+ ``params:``): logic in :mod:`seawall.detect.audit.predicates`.

``drift:`` lists the change kinds (``CHANGE_KINDS``) that raise the check when two snapshots
are compared; ``produced_by:`` marks checks whose findings another module produces
(``exposure``) while the metadata stays here. YAML is compiled once into Python callables, so
evaluating a config costs attribute reads and comparisons, never YAML work.
"""

from __future__ import annotations

import functools
import logging
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, is_dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from seawall.detect import rulefile
from seawall.detect.audit.predicates import (
    DEFAULT_CONTEXT,
    PREDICATES,
    AuditContext,
    Hit,
    addresses_in,
    campaign_port,
    locate,
)
from seawall.detect.rulefile import RuleDoc, rule_files
from seawall.errors import ConfigError
from seawall.records.config import ConfigChange, DeviceConfig

__all__ = [
    "AuditContext",
    "Check",
    "CheckError",
    "DriftRule",
    "Finding",
    "check_by_id",
    "evaluate",
    "findings_for_changes",
    "load_checks",
]

log = logging.getLogger(__name__)

BUILTIN = ("rules", "audit")  # inside the seawall package
REQUIRED_FIELDS = (
    "id",
    "title",
    "severity",
    "attack",
    "rationale",
    "source",
    "vendors",
    "remediation",
    "version",
)
OPTIONAL_FIELDS = ("match", "predicate", "params", "drift", "produced_by")
PRODUCERS = ("exposure", "drift", "host-evidence")
CLAUSE_KEYS = ("each", "when", "where", "message", "severity", "line", "locate", "evidence")
# Global switches parsers set in ``DeviceConfig.flags`` (only when the config states them).
KNOWN_FLAGS = (
    "service_password_encryption",
    "ip_source_route",
    "service_pad",
    "small_servers",
    "finger",
    "bootp_server",
    "http_server_privilege",
    "login_block_for",
    "login_banner",
    "ssh_version",
    "password_strength_check",
    "cdp_global",
    "lldp_global",
    "mpp",
    "copp",
    "ssh_root_login",
    "ssh_tcp_forwarding",
    "aaa_new_model",
)


# ---- the records ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DriftRule:
    """One change kind that raises a check; ``external_only`` skips changes whose addresses
    are all internal."""

    kind: str
    severity: str | None = None
    external_only: bool = False


Runner = Callable[[DeviceConfig, AuditContext], Iterator[Hit]]


@dataclass(frozen=True, slots=True, eq=False)
class Check:
    id: str
    title: str
    severity: str
    attack: tuple[str, ...]
    rationale: str
    source: tuple[str, ...]
    vendors: tuple[str, ...]  # dialect ids, or ("all",)
    remediation: Mapping[str, str]  # dialect (or "default") -> config snippet
    version: int
    match: Any = None  # the declarative expression as written
    predicate: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    drift: tuple[DriftRule, ...] = ()
    produced_by: str | None = None
    file: str = ""
    line: int | None = None
    runner: Runner | None = field(default=None, repr=False)

    def applies_to(self, dialect: str) -> bool:
        return "all" in self.vendors or dialect in self.vendors

    def remediation_for(self, dialect: str) -> str | None:
        return self.remediation.get(dialect) or self.remediation.get("default")


@dataclass(slots=True)
class Finding:
    """One check that fired on one config: what, where (``line``), why, and how to fix it."""

    check_id: str
    title: str
    severity: str
    attack: tuple[str, ...]
    line: int | None
    message: str  # one line a human can check against the config; never a secret
    evidence: dict[str, Any]
    remediation: str | None  # the snippet for the model's dialect
    source: tuple[str, ...]
    version: int  # the check's (rule's) version
    device: str = ""
    path: str = ""

    @property
    def rule_version(self) -> int:
        return self.version

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "title": self.title,
            "severity": self.severity,
            "attack": list(self.attack),
            "line": self.line,
            "message": self.message,
            "evidence": self.evidence,
            "remediation": self.remediation,
            "source": list(self.source),
            "version": self.version,
            "device": self.device,
            "path": self.path,
        }


class CheckError(ConfigError):
    """Check files have errors; ``findings`` lists every one (lint findings)."""

    def __init__(self, findings: Sequence[Any]) -> None:
        self.findings = list(findings)
        super().__init__(
            "audit check files have errors (run the linter for details):\n"
            + "\n".join(str(f) for f in self.findings)
        )


# ---- the model's shape, for ``each:`` and field paths ---------------------------------------


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap(tp: Any) -> Any:
    """``X | None`` -> X."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return inner[0] if len(inner) == 1 else Any
    return tp


@functools.cache
def collections() -> dict[str, Any]:
    """Collection path -> item type: every list (or name-keyed dict) of model items, e.g.
    ``users`` -> LocalUser, ``aaa.servers`` -> AaaServer, ``acls`` -> Acl, ``features`` -> str."""
    found: dict[str, Any] = {}

    def walk(cls: type, prefix: str) -> None:
        for name, tp in _hints(cls).items():
            tp = _unwrap(tp)
            origin, args = typing.get_origin(tp), typing.get_args(tp)
            if origin is list and args:
                found[prefix + name] = args[0]
            elif origin is dict and len(args) == 2 and is_dataclass(args[1]):
                found[prefix + name] = args[1]
            elif isinstance(tp, type) and is_dataclass(tp):
                walk(tp, prefix + name + ".")

    walk(DeviceConfig, "")
    found.pop("unknown_lines", None)
    return found


def path_error(scope: Any, path: str) -> str | None:
    """Why ``path`` does not name a field of ``scope`` (an item type or DeviceConfig), or
    None. ``device.<path>`` always reads the device; ``self`` is the item itself."""
    if path == "self":
        return None
    if path.startswith("device."):
        scope, path = DeviceConfig, path[len("device.") :]
    parts = path.split(".")
    tp: Any = scope
    for i, part in enumerate(parts):
        tp = _unwrap(tp)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if tp is Any:
            return None
        if origin is dict:
            if tp_is_flags(parts[:i]) and part not in KNOWN_FLAGS:
                return f"unknown flag {part!r} (known: {', '.join(KNOWN_FLAGS)})"
            tp = args[1] if len(args) == 2 else Any
            continue
        if origin is list:
            if part.isdigit() and args:  # ``ntp.servers.0.line``: the first item
                tp = args[0]
                continue
            return (
                f"{'.'.join(parts[:i])} is a list: read its items with `each:`, one item by "
                "index (`.0.`) or test it with empty/contains/in"
            )
        if not (isinstance(tp, type) and is_dataclass(tp)):
            return f"{'.'.join(parts[:i])} has no field {part!r}"
        hints = _hints(tp)
        if part in hints:
            tp = hints[part]
            continue
        prop = getattr(tp, part, None)
        if isinstance(prop, property) and prop.fget is not None:
            tp = typing.get_type_hints(prop.fget).get("return", Any)
            continue
        known = ", ".join(sorted(hints))
        return f"{tp.__name__} has no field {part!r} (fields: {known})"
    return None


def tp_is_flags(parts: list[str]) -> bool:
    return parts == ["flags"]


# ---- compiling ``match:`` ---------------------------------------------------------------------

Getter = Callable[[Any, DeviceConfig], Any]
Test = Callable[[Any, DeviceConfig, AuditContext], bool]


def getter(path: str) -> Getter:
    """Reader for a field path: attributes, dict keys and list indexes (``ntp.servers.0``),
    None when anything is missing."""
    if path == "self":
        return lambda item, model: item
    on_device = path.startswith("device.")
    parts = tuple((path[len("device.") :] if on_device else path).split("."))

    def get(item: Any, model: DeviceConfig) -> Any:
        value: Any = model if on_device else item
        for part in parts:
            if value is None:
                return None
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list):
                index = int(part) if part.isdigit() else len(value)
                value = value[index] if index < len(value) else None
            else:
                value = getattr(value, part, None)
        return value

    return get


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_set(arg: Any) -> frozenset[Any]:
    return frozenset(str(a).lower() if isinstance(a, str) else a for a in arg)


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _op_in(arg: Any) -> Callable[[Any, AuditContext], bool]:
    wanted = _as_set(arg)

    def test(value: Any, ctx: AuditContext) -> bool:
        if isinstance(value, list | tuple | set | frozenset):
            return any(_norm(v) in wanted for v in value)
        return _norm(value) in wanted

    return test


def _op_regex(arg: Any) -> Callable[[Any, AuditContext], bool]:
    pattern = re.compile(str(arg))

    def test(value: Any, ctx: AuditContext) -> bool:
        if value is None:
            return False
        if isinstance(value, list | tuple):
            return any(pattern.search(str(v)) for v in value)
        return pattern.search(str(value)) is not None

    return test


def _op_empty(arg: Any) -> Callable[[Any, AuditContext], bool]:
    def test(value: Any, ctx: AuditContext) -> bool:
        empty = value is None or (hasattr(value, "__len__") and len(value) == 0)
        return empty is bool(arg)

    return test


def _compare(symbol: str) -> Callable[[Any], Callable[[Any, AuditContext], bool]]:
    import operator

    fn = {"gt": operator.gt, "lt": operator.lt, "ge": operator.ge, "le": operator.le}[symbol]

    def build(arg: Any) -> Callable[[Any, AuditContext], bool]:
        return lambda value, ctx: _is_number(value) and bool(fn(value, arg))

    return build


def _negate(
    build: Callable[[Any], Callable[[Any, AuditContext], bool]],
) -> Callable[[Any], Callable[[Any, AuditContext], bool]]:
    def negated(arg: Any) -> Callable[[Any, AuditContext], bool]:
        inner = build(arg)
        return lambda value, ctx: not inner(value, ctx)

    return negated


def _op_equals(arg: Any) -> Callable[[Any, AuditContext], bool]:
    wanted = _norm(arg)
    return lambda value, ctx: _norm(value) == wanted


def _op_contains(arg: Any) -> Callable[[Any, AuditContext], bool]:
    wanted = _norm(arg)

    def test(value: Any, ctx: AuditContext) -> bool:
        if isinstance(value, str):
            return isinstance(wanted, str) and wanted in value.lower()
        if isinstance(value, list | tuple | set | frozenset | dict):
            return any(_norm(v) == wanted for v in value)
        return False

    return test


def _op_port_pattern(arg: Any) -> Callable[[Any, AuditContext], bool]:
    return lambda value, ctx: campaign_port(value) is bool(arg)


def _op_external(arg: Any) -> Callable[[Any, AuditContext], bool]:
    # true: an address outside the internal networks; false: one inside them. A value that is
    # not an address (name, any) matches neither.
    want = bool(arg)
    return lambda value, ctx: ctx.external(str(value)) is want if value is not None else False


def _op_mentions_external(arg: Any) -> Callable[[Any, AuditContext], bool]:
    # true: the text (or any text of a list) writes an IPv4 address outside the internal
    # networks (a collector in a daemon's command line); false: it writes none.
    want = bool(arg)

    def test(value: Any, ctx: AuditContext) -> bool:
        texts = value if isinstance(value, list | tuple) else [value]
        found = any(
            ctx.external(address)
            for text in texts
            if text is not None
            for address in addresses_in(str(text))
        )
        return found is want

    return test


def _op_missing(arg: Any) -> Callable[[Any, AuditContext], bool]:
    return lambda value, ctx: (value is None) is bool(arg)


# operator -> (what its argument must be, builder)
OPERATORS: dict[str, tuple[str, Callable[[Any], Callable[[Any, AuditContext], bool]]]] = {
    "equals": ("scalar", _op_equals),
    "not_equals": ("scalar", _negate(_op_equals)),
    "in": ("list", _op_in),
    "not_in": ("list", _negate(_op_in)),
    "contains": ("scalar", _op_contains),
    "not_contains": ("scalar", _negate(_op_contains)),
    "regex": ("regex", _op_regex),
    "not_regex": ("regex", _negate(_op_regex)),
    "missing": ("bool", _op_missing),
    "empty": ("bool", _op_empty),
    "gt": ("number", _compare("gt")),
    "lt": ("number", _compare("lt")),
    "ge": ("number", _compare("ge")),
    "le": ("number", _compare("le")),
    "port_pattern": ("bool", _op_port_pattern),
    "external_address": ("bool", _op_external),
    "mentions_external": ("bool", _op_mentions_external),
}
COMBINATORS = ("any", "all", "not")


def compile_where(where: Mapping[str, Any]) -> Test:
    """``where``/``when`` mapping -> one test over (item, model, context)."""
    tests: list[Test] = []
    for key, cond in where.items():
        if key in ("any", "all"):
            parts = [compile_where(w) for w in cond]
            if key == "any":
                tests.append(lambda i, m, c, p=parts: any(t(i, m, c) for t in p))  # type: ignore[misc]
            else:
                tests.append(lambda i, m, c, p=parts: all(t(i, m, c) for t in p))  # type: ignore[misc]
        elif key == "not":
            inner = compile_where(cond)
            tests.append(lambda i, m, c, t=inner: not t(i, m, c))  # type: ignore[misc]
        else:
            tests.append(_field_test(str(key), cond))
    if len(tests) == 1:
        return tests[0]
    return lambda item, model, ctx: all(t(item, model, ctx) for t in tests)


def _field_test(path: str, cond: Any) -> Test:
    get = getter(path)
    ops = cond.items() if isinstance(cond, dict) else [("equals", cond)]
    value_tests = [OPERATORS[op][1](arg) for op, arg in ops]

    def test(item: Any, model: DeviceConfig, ctx: AuditContext) -> bool:
        value = get(item, model)
        return all(t(value, ctx) for t in value_tests)

    return test


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def template_fields(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def _show(value: Any) -> str:
    if value is None:
        return "not stated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value) if value else "none"
    return str(value)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value[:20]]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in list(value.items())[:20]}
    return str(value)


def compile_template(template: str) -> Callable[[Any, DeviceConfig], tuple[str, dict[str, Any]]]:
    """Message template -> renderer returning the text and the values it used (evidence)."""
    pieces = _PLACEHOLDER.split(template)  # text, field, text, field, ...
    readers = [(pieces[i], getter(pieces[i])) for i in range(1, len(pieces), 2)]

    def render(item: Any, model: DeviceConfig) -> tuple[str, dict[str, Any]]:
        out = [pieces[0]]
        used: dict[str, Any] = {}
        for n, (name, get) in enumerate(readers):
            value = get(item, model)
            out.append(_show(value))
            out.append(pieces[2 * n + 2])
            if name != "self":
                used[name] = _jsonable(value)
        return "".join(out), used

    return render


def _where_paths(where: Any) -> list[str]:
    """Field paths a where mapping tests (through any/all/not)."""
    if not isinstance(where, dict):
        return []
    paths: list[str] = []
    for key, cond in where.items():
        if key in ("any", "all"):
            for part in cond or ():
                paths += _where_paths(part)
        elif key == "not":
            paths += _where_paths(cond)
        else:
            paths.append(str(key))
    return paths


def _brief(value: Any) -> Any:
    """Evidence form of a tested value: model items are summarised by their count."""
    members = value.values() if isinstance(value, dict) else value
    if isinstance(value, list | tuple | dict) and any(
        not isinstance(v, str | int | float | bool) for v in members
    ):
        return len(value)
    return _jsonable(value)


def compile_clause(clause: Mapping[str, Any]) -> Runner:
    """One ``match:`` clause -> a runner yielding hits for a model."""
    each = clause.get("each")
    items_of = getter(each) if each else None
    when = compile_where(clause["when"]) if clause.get("when") else None
    where = compile_where(clause["where"]) if clause.get("where") else None
    render = compile_template(str(clause["message"]))
    severity = clause.get("severity")
    line_of = getter(clause["line"]) if clause.get("line") else None
    locate_templates = [
        compile_template(str(t))
        for t in (
            clause["locate"] if isinstance(clause.get("locate"), list) else [clause.get("locate")]
        )
        if t
    ]
    # Evidence: the values the message used, the fields the conditions tested, and any
    # extra paths the clause names.
    tested = [*_where_paths(clause.get("where")), *(str(p) for p in clause.get("evidence") or ())]
    extra = [(p, getter(p)) for p in dict.fromkeys(tested) if p != "self"]

    def run(model: DeviceConfig, ctx: AuditContext) -> Iterator[Hit]:
        if when is not None and not when(model, model, ctx):
            return
        if items_of is None:
            items: Iterable[Any] = (model,)
        else:
            found = items_of(model, model)
            if not found:
                return
            items = found.values() if isinstance(found, dict) else found
        for item in items:
            if where is not None and not where(item, model, ctx):
                continue
            if line_of is not None:
                line = line_of(item, model)
            elif item is not model:
                line = getattr(item, "line", None)
            else:
                line = None
            if line is None and locate_templates:
                line = locate(model, *(t(item, model)[0] for t in locate_templates))
            message, used = render(item, model)
            for name, get in extra:
                if name not in used:
                    used[name] = _brief(get(item, model))
            yield Hit(line if isinstance(line, int) else None, message, used, severity)

    return run


def compile_match(match: Any) -> Runner:
    clauses = [compile_clause(c) for c in (match if isinstance(match, list) else [match])]
    if len(clauses) == 1:
        return clauses[0]

    def run(model: DeviceConfig, ctx: AuditContext) -> Iterator[Hit]:
        for clause in clauses:
            yield from clause(model, ctx)

    return run


def compile_predicate(name: str, params: Mapping[str, Any] | None) -> Runner:
    spec = PREDICATES[name]
    merged = {**spec.defaults, **(params or {})}

    def run(model: DeviceConfig, ctx: AuditContext) -> Iterator[Hit]:
        return spec.fn(model, merged, ctx)

    return run


# ---- reading rule files -------------------------------------------------------------------


FILE_KEY = "checks"


def read_rule_text(text: str, file: str) -> RuleDoc:
    return rulefile.read_rule_text(text, file, FILE_KEY)


def read_rule_file(path: str | Path) -> RuleDoc:
    return rulefile.read_rule_file(path, FILE_KEY)


def builtin_docs() -> list[RuleDoc]:
    folder = resources.files("seawall").joinpath(*BUILTIN)
    docs = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            docs.append(
                read_rule_text(
                    entry.read_text(encoding="utf-8"), "/".join(("seawall", *BUILTIN, entry.name))
                )
            )
    return docs


def _drift_rules(raw: Any) -> tuple[DriftRule, ...]:
    rules = []
    for entry in raw or ():
        if isinstance(entry, str):
            rules.append(DriftRule(entry))
        else:
            rules.append(
                DriftRule(
                    str(entry["kind"]),
                    entry.get("severity"),
                    bool(entry.get("external_only", False)),
                )
            )
    return tuple(rules)


def _text(value: Any) -> str:
    return " ".join(str(value).split())


def build_check(raw: Mapping[str, Any], file: str, line: int | None) -> Check:
    """A linted check mapping -> Check with its compiled runner."""
    runner: Runner | None = None
    if raw.get("produced_by") is None:
        if raw.get("match") is not None:
            runner = compile_match(raw["match"])
        elif raw.get("predicate"):
            runner = compile_predicate(str(raw["predicate"]), raw.get("params"))
    return Check(
        id=str(raw["id"]),
        title=_text(raw["title"]),
        severity=str(raw["severity"]),
        attack=tuple(str(a) for a in raw.get("attack") or ()),
        rationale=_text(raw["rationale"]),
        source=tuple(_text(s) for s in raw["source"]),
        vendors=tuple(str(v) for v in raw["vendors"]),
        remediation={str(k): str(v).rstrip("\n") for k, v in raw["remediation"].items()},
        version=int(raw["version"]),
        match=raw.get("match"),
        predicate=raw.get("predicate"),
        params=dict(raw.get("params") or {}),
        drift=_drift_rules(raw.get("drift")),
        produced_by=raw.get("produced_by"),
        file=file,
        line=line,
        runner=runner,
    )


def checks_from_docs(docs: Sequence[RuleDoc]) -> list[Check]:
    """Lint ``docs`` and compile them; raises CheckError listing every error."""
    from seawall.detect.audit.lint import lint_documents  # lint reads this module's tables

    errors = [f for f in lint_documents(docs) if f.level == "error"]
    if errors:
        raise CheckError(errors)
    checks = []
    for doc in docs:
        for i, raw in enumerate(doc.items):
            line = doc.line_of(i)
            checks.append(build_check(raw, doc.file, line))
    return checks


@functools.lru_cache(maxsize=1)
def _builtin_checks() -> tuple[Check, ...]:
    return tuple(checks_from_docs(builtin_docs()))


def load_checks(
    paths: Sequence[str | Path] | None = None, *, include_builtin: bool = False
) -> list[Check]:
    """The shipped checks (``paths`` None), or those of ``paths`` (YAML files or folders of
    them), plus the shipped ones when ``include_builtin``. Raises CheckError on any error."""
    if paths is None:
        return list(_builtin_checks())
    docs = [read_rule_file(p) for p in rule_files(paths)]
    if include_builtin:
        docs = builtin_docs() + docs
    return checks_from_docs(docs)


def check_by_id(checks: Iterable[Check], check_id: str) -> Check | None:
    for check in checks:
        if check.id == check_id:
            return check
    return None


# ---- evaluation ---------------------------------------------------------------------------


def _finding(check: Check, model: DeviceConfig, hit: Hit, severity: str | None = None) -> Finding:
    evidence = hit.evidence
    if hit.line is not None and "config" not in evidence:
        evidence["config"] = model.evidence(hit.line)
    return Finding(
        check_id=check.id,
        title=check.title,
        severity=severity or hit.severity or check.severity,
        attack=check.attack,
        line=hit.line,
        message=hit.message,
        evidence=evidence,
        remediation=check.remediation_for(model.dialect),
        source=check.source,
        version=check.version,
        device=model.name,
        path=model.path,
    )


def evaluate(
    model: DeviceConfig, checks: Iterable[Check], context: AuditContext | None = None
) -> list[Finding]:
    """Findings of every static check that applies to the model's dialect. A check that
    fails on an odd model is logged and skipped; the others still run."""
    ctx = context or DEFAULT_CONTEXT
    out: list[Finding] = []
    for check in checks:
        if check.runner is None or not check.applies_to(model.dialect):
            continue
        try:
            hits = list(check.runner(model, ctx))
        except Exception:  # one check's bug must not stop the audit of the config
            log.exception("check %s failed on %s; skipped", check.id, model.path)
            continue
        out.extend(_finding(check, model, hit) for hit in hits)
    return out


def _drift_index(checks: Iterable[Check]) -> dict[str, list[tuple[Check, DriftRule]]]:
    index: dict[str, list[tuple[Check, DriftRule]]] = {}
    for check in checks:
        for rule in check.drift:
            index.setdefault(rule.kind, []).append((check, rule))
    return index


def _change_addresses(change: ConfigChange, model: DeviceConfig) -> list[str]:
    text = " ".join(str(v) for v in (change.after, change.subject, change.detail) if v is not None)
    if change.line_after is not None:
        text += " " + model.evidence(change.line_after)
    return addresses_in(text)


def findings_for_changes(
    changes: Iterable[ConfigChange],
    model_after: DeviceConfig,
    checks: Iterable[Check],
    context: AuditContext | None = None,
) -> list[tuple[Finding, ConfigChange]]:
    """Each change whose kind a check lists under ``drift:`` becomes a finding of that check
    (severity of the drift entry, else of the check), paired with the change."""
    ctx = context or DEFAULT_CONTEXT
    index = _drift_index(c for c in checks if c.applies_to(model_after.dialect))
    out: list[tuple[Finding, ConfigChange]] = []
    for change in changes:
        for check, rule in index.get(change.kind, ()):
            if rule.external_only:
                found = _change_addresses(change, model_after)
                if found and not any(ctx.external(a) for a in found):
                    continue
            line = change.line_after
            evidence: dict[str, Any] = {"change": change.kind, "subject": change.subject}
            if change.before is not None:
                evidence["before"] = _jsonable(change.before)
            if change.after is not None:
                evidence["after"] = _jsonable(change.after)
            if line is None and change.line_before is not None:
                evidence["line_before"] = change.line_before
            message = change.detail or f"{change.kind.replace('_', ' ')}: {change.subject}"
            hit = Hit(line, message, evidence)
            out.append((_finding(check, model_after, hit, rule.severity), change))
    return out
