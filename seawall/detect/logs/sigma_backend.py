"""Seawall's pySigma backend: a processed Sigma rule compiled into a small predicate tree that
``sigma_eval`` evaluates over Arrow columns.

Sigma semantics kept here:

* Strings match case-insensitively (``|cased`` makes them case-sensitive); ``*`` and ``?`` are
  wildcards, ``\\`` escapes them; ``|contains``, ``|startswith`` and ``|endswith`` reach us as
  wildcards and become substring/prefix/suffix tests.
* Keywords (values without a field) are substring searches of the keyword field the pipeline
  chose (the command text for Cisco AAA rules, the whole line otherwise).
* ``|minute`` ... ``|year`` test the UTC time of ``event.start``.
* ``|re`` is an unanchored RE2 search, case-sensitive unless the rule gives ``|i``; ``|cidr``
  tests address columns; ``|gt`` and friends compare numeric columns; ``|exists`` and null
  values test presence; ``|fieldref`` compares two columns.
* A leaf never yields null: a missing field simply does not match, so ``not`` is "does not
  match", as Sigma means it.

Anything else (placeholders, timestamp parts, query expressions) raises
``UnsupportedRule`` with what is missing; the rule is then listed, not run.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import pyarrow as pa
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.rule import SigmaRule
from sigma.types import (
    CompareOperators,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
    TimestampPart,
)

from seawall.detect.logs.sigma_pipeline import FULL_LINE
from seawall.records.schemas import LOG

# Leaf operations. String tests carry lower-cased values unless ``cased``.
EQUALS, CONTAINS, STARTSWITH, ENDSWITH = "equals", "contains", "startswith", "endswith"
WILDCARD = "wildcard"  # anchored RE2 pattern built from Sigma wildcards
REGEX = "regex"  # the rule's own RE2 pattern, flags inlined
NULL, EXISTS, NUMBER, COMPARE, CIDR, FIELDREF = (
    "null",
    "exists",
    "number",
    "compare",
    "cidr",
    "fieldref",
)
TIME_PART = "time_part"  # |minute, |hour, ... of a timestamp column (UTC); compare says which
STRING_OPS = frozenset({EQUALS, CONTAINS, STARTSWITH, ENDSWITH})

_COMPARE = {
    CompareOperators.LT: "lt",
    CompareOperators.LTE: "lte",
    CompareOperators.GT: "gt",
    CompareOperators.GTE: "gte",
    CompareOperators.NEQ: "neq",
}
_TIME_PARTS = {
    TimestampPart.MINUTE: "minute",
    TimestampPart.HOUR: "hour",
    TimestampPart.DAY: "day",
    TimestampPart.WEEK: "week",
    TimestampPart.MONTH: "month",
    TimestampPart.YEAR: "year",
}
# Address columns |cidr may test.
ADDRESS_FIELDS = frozenset({"source.ip", "destination.ip", "host.ip", "log.source.address"})
_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


class UnsupportedRule(ValueError):
    """The rule uses something Seawall's evaluator cannot run; the message says what."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """One test of one column. ``hint`` is a literal every matching value contains
    (lower-cased), used to preselect rows; None when there is none."""

    field: str
    op: str
    value: str | int | float | bool | None = None
    cased: bool = False
    compare: str = ""  # lt | lte | gt | gte | neq for COMPARE
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


Node = Leaf | AllOf | AnyOf | Not
# A clause: (field, literal) pairs, at least one of which a matching row contains. A rule's
# requirement is a set of clauses that all hold (e.g. "event.action has 'command'" and "the
# command text has one of the rule's keywords").
Clause = frozenset[tuple[str, str]]
Requirement = frozenset[Clause]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule's condition as one predicate tree (several conditions are OR-ed, as Sigma
    says) plus what preselects its candidate rows (``required_literals``), or None when the
    rule must see every row."""

    predicate: Node
    required: Requirement | None

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(_fields(self.predicate))


def re2_escape(text: str) -> str:
    """Escape RE2 metacharacters (RE2 accepts a backslash before any punctuation)."""
    return "".join("\\" + c if c in _RE2_SPECIAL else c for c in text)


def compile_rule(rule: SigmaRule, keyword_field: str | None) -> CompiledRule:
    """Compile a rule the pipeline has already processed. ``keyword_field`` is the column
    keywords search (the pipeline state), the whole line when None."""
    kw_field = keyword_field or FULL_LINE
    trees: list[Node] = []
    for condition in rule.detection.parsed_condition:
        parsed = condition.parsed
        if parsed is None:
            raise UnsupportedRule("a condition is empty after processing")
        trees.append(_node(parsed, kw_field))
    predicate = trees[0] if len(trees) == 1 else AnyOf(tuple(trees))
    return CompiledRule(predicate=predicate, required=required_literals(predicate))


def _node(cond: object, kw_field: str) -> Node:
    if isinstance(cond, ConditionAND):
        return AllOf(tuple(_node(arg, kw_field) for arg in cond.args))
    if isinstance(cond, ConditionOR):
        return AnyOf(tuple(_node(arg, kw_field) for arg in cond.args))
    if isinstance(cond, ConditionNOT):
        return Not(_node(cond.args[0], kw_field))
    if isinstance(cond, ConditionFieldEqualsValueExpression):
        return _value(cond.field, cond.value, keyword=False)
    if isinstance(cond, ConditionValueExpression):
        return _value(kw_field, cond.value, keyword=True)
    raise UnsupportedRule(f"condition element {type(cond).__name__} is not supported")


def _column_type(name: str) -> pa.DataType:
    return LOG.field(name).type


def _is_number(ctype: pa.DataType) -> bool:
    return bool(pa.types.is_integer(ctype) or pa.types.is_floating(ctype))


def _value(name: str, value: object, *, keyword: bool) -> Node:
    ctype = _column_type(name)
    is_text = pa.types.is_string(ctype)
    if isinstance(value, SigmaExpansion):
        return AnyOf(tuple(_value(name, v, keyword=keyword) for v in value.values))
    if isinstance(value, SigmaString):
        return _string(name, value, keyword=keyword, cased=isinstance(value, SigmaCasedString))
    if isinstance(value, SigmaTimestampPart):
        if not pa.types.is_timestamp(ctype):
            raise UnsupportedRule(f"|{value.timestamp_part.name.lower()} on {name!r}, not a time")
        return Leaf(name, TIME_PART, value.number, compare=_TIME_PARTS[value.timestamp_part])
    if isinstance(value, SigmaNumber):
        if keyword:
            return _literal(name, CONTAINS, str(value.number))
        if is_text:
            return _literal(name, EQUALS, str(value.number))
        if not _is_number(ctype):
            raise UnsupportedRule(f"a number compared with {name!r} ({ctype})")
        return Leaf(name, NUMBER, value.number)
    if isinstance(value, SigmaBool):
        return _literal(name, EQUALS, "true" if value.boolean else "false")
    if isinstance(value, SigmaRegularExpression):
        return Leaf(name, REGEX, _regex(value))
    if isinstance(value, SigmaNull):
        return Leaf(name, NULL)
    if isinstance(value, SigmaExists):
        return Leaf(name, EXISTS, bool(value.exists))
    if isinstance(value, SigmaCIDRExpression):
        if name not in ADDRESS_FIELDS:
            raise UnsupportedRule(f"|cidr on {name!r}, which holds no IP addresses")
        return Leaf(name, CIDR, str(value.network))
    if isinstance(value, SigmaCompareExpression):
        if not _is_number(ctype):
            raise UnsupportedRule(f"numeric comparison on {name!r} ({ctype})")
        return Leaf(name, COMPARE, value.number.number, compare=_COMPARE[value.op])
    if isinstance(value, SigmaFieldReference):
        if value.starts_with or value.ends_with:
            raise UnsupportedRule("|fieldref combined with |startswith or |endswith")
        if value.field not in LOG.names:
            raise UnsupportedRule(f"|fieldref to {value.field!r}, not a log record column")
        return Leaf(name, FIELDREF, value.field)
    raise UnsupportedRule(f"value type {type(value).__name__} (on {name!r}) is not supported")


def _literal(name: str, op: str, text: str, cased: bool = False) -> Leaf:
    value = text if cased else text.lower()
    return Leaf(name, op, value, cased=cased, hint=_hint(name, text))


def _hint(name: str, text: str) -> str | None:
    """A literal usable to preselect rows: only on text columns, non-empty, and ASCII (so
    RE2's case folding and Python's lower() agree on it)."""
    if not text or not text.isascii() or not pa.types.is_string(_column_type(name)):
        return None
    return text.lower()


def _string(name: str, value: SigmaString, *, keyword: bool, cased: bool) -> Node:
    if value.contains_placeholder():
        raise UnsupportedRule(f"placeholder in a value of {name!r} (|expand needs a pipeline)")
    parts = list(value.s)
    if keyword:  # keywords are substring searches: *value*
        if not parts or parts[0] != SpecialChars.WILDCARD_MULTI:
            parts.insert(0, SpecialChars.WILDCARD_MULTI)
        if parts[-1] != SpecialChars.WILDCARD_MULTI:
            parts.append(SpecialChars.WILDCARD_MULTI)
    if _is_number(_column_type(name)) and not keyword:
        # A string value on a numeric column: digits only compare as numbers.
        text = value.original
        if text.isdigit():
            return Leaf(name, NUMBER, int(text))
    lead = bool(parts) and parts[0] == SpecialChars.WILDCARD_MULTI
    trail = len(parts) > 1 and parts[-1] == SpecialChars.WILDCARD_MULTI
    core = parts[(1 if lead else 0) : (len(parts) - 1 if trail else len(parts))]
    if len(core) == 1 and isinstance(core[0], str):
        text = core[0]
        op = CONTAINS if lead and trail else ENDSWITH if lead else STARTSWITH if trail else EQUALS
        return _literal(name, op, text, cased)
    if not core and not lead:  # the empty string
        return _literal(name, EQUALS, "", cased)
    pattern = []
    literals = []
    for part in parts:
        if isinstance(part, str):
            pattern.append(re2_escape(part))
            literals.append(part)
        elif part == SpecialChars.WILDCARD_MULTI:
            pattern.append(".*")
        elif part == SpecialChars.WILDCARD_SINGLE:
            pattern.append(".")
        else:
            raise UnsupportedRule(f"unexpected part {part!r} in a value of {name!r}")
    flags = "(?s)" if cased else "(?is)"
    longest = max(literals, key=len) if literals else ""
    return Leaf(
        name, WILDCARD, flags + "^" + "".join(pattern) + "$", cased=cased, hint=_hint(name, longest)
    )


def _regex(value: SigmaRegularExpression) -> str:
    flags = ""
    if SigmaRegularExpressionFlag.IGNORECASE in value.flags:
        flags += "i"
    if SigmaRegularExpressionFlag.MULTILINE in value.flags:
        flags += "m"
    if SigmaRegularExpressionFlag.DOTALL in value.flags:
        flags += "s"
    text = str(value.regexp)
    try:
        import re2  # google-re2, a pySigma dependency: RE2 is what pyarrow runs

        re2.compile(text)
    except ImportError:  # pragma: no cover - pySigma installs it
        pass
    except Exception as exc:
        raise UnsupportedRule(f"regular expression {text!r} is not valid RE2: {exc}") from None
    return (f"(?{flags})" if flags else "") + text


def _fields(node: Node) -> set[str]:
    if isinstance(node, Leaf):
        return {node.field, str(node.value)} if node.op == FIELDREF else {node.field}
    if isinstance(node, Not):
        return _fields(node.part)
    out: set[str] = set()
    for part in node.parts:
        out |= _fields(part)
    return out


def required_literals(node: Node) -> Requirement | None:
    """Clauses every row matching ``node`` satisfies: each clause is a set of (field,
    literal) pairs of which the row contains at least one. None when nothing is required."""
    clauses = _clauses(node)
    return clauses or None


def _clauses(node: Node) -> Requirement:
    if isinstance(node, Leaf):
        if node.hint is None or node.op not in (EQUALS, CONTAINS, STARTSWITH, ENDSWITH, WILDCARD):
            return frozenset()
        return frozenset({frozenset({(node.field, node.hint)})})
    if isinstance(node, Not):
        return frozenset()
    if isinstance(node, AllOf):  # every part's clauses hold
        out: set[Clause] = set()
        for part in node.parts:
            out |= _clauses(part)
        return frozenset(out)
    # AnyOf: one clause per part must hold, so their union holds; take each part's most
    # selective-looking clause (longest shortest literal, then fewest literals).
    union: set[tuple[str, str]] = set()
    for part in node.parts:
        sub = _clauses(part)
        if not sub:
            return frozenset()
        union |= max(sub, key=_selectivity)
    return frozenset({frozenset(union)})


def _selectivity(
    clause: AbstractSet[tuple[str, str]],
) -> tuple[int, int, tuple[tuple[str, str], ...]]:
    return (min(len(lit) for _, lit in clause), -len(clause), tuple(sorted(clause)))
