"""Load indicator files: CSV with a header, plain lists (one value per line) and IOC
documents (AsciiDoc/Markdown reports where values sit in backticks or bare hash lines).

Bad lines become counted ParseIssues with file:line; the rest of the file is loaded.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field

from seawall.errors import InputError, Location, ParseIssue
from seawall.intel import normalize as nz
from seawall.intel.matcher import IndicatorColumns, IndicatorSet

FORMATS = ("auto", "csv", "text", "document")

# Header names, most telling first. A column named after a kind (ip, domain, md5...) also
# gives the kind when there is no type column.
VALUE_COLUMNS = (
    "value",
    "indicator",
    "ioc",
    "ioc_value",
    "indicator_value",
    "observable",
    "observable_value",
    "pattern",
    "ip",
    "ip_address",
    "ipaddress",
    "ipv4",
    "ipv6",
    "address",
    "cidr",
    "network",
    "domain",
    "hostname",
    "host",
    "fqdn",
    "url",
    "uri",
    "hash",
    "sha256",
    "sha1",
    "md5",
    "ja3",
    "ja4",
    "user_agent",
    "useragent",
)
TYPE_COLUMNS = (
    "type",
    "kind",
    "ioc_type",
    "indicator_type",
    "entity_type",
    "attribute_type",
    "data_type",
    "observable_type",
)
DESCRIPTION_COLUMNS = (
    "description",
    "desc",
    "comment",
    "comments",
    "tag",
    "tags",
    "note",
    "notes",
    "malware",
    "malware_family",
    "family",
    "threat",
    "name",
)
CONFIDENCE_COLUMNS = ("confidence", "score", "certainty", "reliability")

# Plain lists named after their content (ESET publishes samples.md5, samples.sha1 ...).
EXTENSION_KINDS = {".md5": nz.MD5, ".sha1": nz.SHA1, ".sha256": nz.SHA256, ".ja3": nz.JA3}
DOCUMENT_EXTENSIONS = (".adoc", ".asciidoc", ".md", ".markdown", ".rst")

# STIX pattern comparisons: [ipv4-addr:value = '1.2.3.4' OR file:hashes.'SHA-256' = '...']
_STIX_TERM = re.compile(r"([a-z0-9-]+):([a-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'", re.IGNORECASE)
_STIX_HASHES = {
    "md5": nz.MD5,
    "sha-1": nz.SHA1,
    "sha1": nz.SHA1,
    "sha-256": nz.SHA256,
    "sha256": nz.SHA256,
}
_BACKTICK = re.compile(r"`([^`]+)`")
_MULTI_VALUE = re.compile(r"[,;|\s]+")


@dataclass(slots=True)
class LoadResult:
    """What one indicator file gave: indicators, located problems, what was skipped."""

    path: str
    format: str
    indicators: IndicatorColumns = field(default_factory=IndicatorColumns)
    issues: list[ParseIssue] = field(default_factory=list)
    skipped: int = 0  # values of kinds traffic cannot show (SHA-512, ssdeep, file names)


def load_indicators(
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    value_column: str | None = None,
    type_column: str | None = None,
    format: str = "auto",
    source_name: str | None = None,
) -> LoadResult:
    """Read one indicator file. ``kind`` forces every value to that kind (the ``--type``
    override); ``value_column``/``type_column`` pick CSV columns when detection guesses wrong.
    ``source_name`` is what evidence calls the file (default: the path as given)."""
    path_text = os.fspath(path)
    name = source_name or path_text
    if kind is not None:
        forced = nz.kind_for_type(kind)
        if forced is None:
            raise InputError(f"unknown indicator type {kind!r}; use one of {', '.join(nz.KINDS)}")
        kind = forced
    if format not in FORMATS:
        raise InputError(f"unknown indicator file format {format!r}; use one of {FORMATS}")
    try:
        with open(path_text, encoding="utf-8-sig", errors="replace", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise InputError(
            f"cannot read indicator file: {exc.strerror or exc}", Location(name)
        ) from None
    if format == "auto":
        format = _sniff(path_text, text)
    result = LoadResult(path=name, format=format)
    if format == "csv":
        _load_csv(text, name, result, kind, value_column, type_column)
    elif format == "document":
        _load_document(text, name, result, kind)
    else:
        ext_kind = EXTENSION_KINDS.get(os.path.splitext(path_text)[1].lower())
        _load_text(text, name, result, kind or ext_kind)
    return result


def load_indicator_set(
    paths: list[str], **options: str | None
) -> tuple[IndicatorSet, list[LoadResult]]:
    """Load several files into one IndicatorSet (options as for ``load_indicators``)."""
    results = [load_indicators(p, **options) for p in paths]  # type: ignore[arg-type]
    return IndicatorSet.from_columns([r.indicators for r in results]), results


def _sniff(path: str, text: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext in (".csv", ".tsv"):
        return "csv"
    if ext in DOCUMENT_EXTENSIONS:
        return "document"
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "," in stripped or "\t" in stripped:
            header = [h.strip().strip('"').lower() for h in re.split(r"[,\t]", stripped)]
            if any(h in VALUE_COLUMNS for h in header):
                return "csv"
        return "text"
    return "text"


def _add(
    result: LoadResult,
    raw: str,
    kind: str | None,
    line: int,
    description: str | None = None,
    confidence: float | None = None,
    md5_default: str = nz.JA3,
) -> None:
    """Normalise one value and add it, or record why it was refused."""
    value = nz.refang(raw)
    if not value:
        return
    chosen = kind
    if chosen is None:
        chosen = nz.infer_kind(value)
        if chosen == nz.JA3 and md5_default != nz.JA3:
            chosen = md5_default
    if chosen is None:
        result.issues.append(
            ParseIssue(
                Location(result.path, line=line), f"cannot tell what kind of indicator {raw!r} is"
            )
        )
        return
    try:
        final_kind, canonical, port = nz.normalize(value, chosen)
    except ValueError as exc:
        result.issues.append(ParseIssue(Location(result.path, line=line), f"{raw!r}: {exc}"))
        return
    result.indicators.add(canonical, final_kind, result.path, line, description, confidence, port)


def _load_text(text: str, name: str, result: LoadResult, kind: str | None) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        value, _, comment = stripped.partition(" #")
        _add(result, value.strip(), kind, number, comment.strip() or None)


def _load_document(text: str, name: str, result: LoadResult, kind: str | None) -> None:
    """Values in backticks, or lines that are nothing but a hash or an address. Prose and
    reference links are not indicators and are passed over silently."""
    for number, line in enumerate(text.splitlines(), start=1):
        candidates = _BACKTICK.findall(line)
        if not candidates:
            bare = line.strip()
            if re.fullmatch(
                r"[0-9A-Fa-f]{32}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}", bare
            ) or re.fullmatch(
                r"\d{1,3}(?:\.|\[\.\])\d{1,3}(?:\.|\[\.\])\d{1,3}(?:\.|\[\.\])\d{1,3}", bare
            ):
                candidates = [bare]
        for candidate in candidates:
            value = nz.refang(candidate)
            guessed = kind or nz.infer_kind(value)
            if guessed is None:
                continue  # a code word in backticks, not an indicator
            # Reports list file hashes: a 32-hex value there is an MD5.
            _add(result, value, guessed if guessed != nz.JA3 else nz.MD5, number)


def _pick(
    header: list[str], wanted: str | None, candidates: tuple[str, ...], taken: set[int]
) -> int | None:
    if wanted is not None:
        key = wanted.strip().lower()
        if key not in header:
            raise InputError(
                f"column {wanted!r} not in the header; columns are: {', '.join(header)}"
            )
        return header.index(key)
    for candidate in candidates:
        for index, column in enumerate(header):
            if column == candidate and index not in taken:
                return index
    return None


def _load_csv(
    text: str,
    name: str,
    result: LoadResult,
    kind: str | None,
    value_column: str | None,
    type_column: str | None,
) -> None:
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and (
        not lines[start].strip() or lines[start].lstrip().startswith("#")
    ):
        start += 1
    if start == len(lines):
        return
    delimiter = "\t" if "\t" in lines[start] and "," not in lines[start] else ","
    reader = csv.reader(io.StringIO("".join(lines[start:])), delimiter=delimiter)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        result.issues.append(
            ParseIssue(Location(name, line=start + 1), f"unreadable CSV header: {exc}")
        )
        return
    value_index = _pick(header, value_column, VALUE_COLUMNS, set())
    if value_index is None:
        raise InputError(
            f"no indicator column found among {header}; name it with value_column=",
            Location(name, line=start + 1),
        )
    type_index = _pick(header, type_column, TYPE_COLUMNS, {value_index})
    desc_index = _pick(header, None, DESCRIPTION_COLUMNS, {value_index, type_index or -1})
    conf_index = _pick(header, None, CONFIDENCE_COLUMNS, {value_index})
    column_kind = nz.kind_for_type(header[value_index])
    is_pattern = header[value_index] == "pattern"
    for row in reader:
        # reader.line_num counts physical lines, so quoted newlines keep numbers right.
        number = start + reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if value_index >= len(row):
            result.issues.append(ParseIssue(Location(name, line=number), "row has no value column"))
            continue
        cell = row[value_index].strip()
        description = (
            row[desc_index].strip() or None
            if desc_index is not None and desc_index < len(row)
            else None
        )
        confidence = (
            _confidence(row[conf_index])
            if conf_index is not None and conf_index < len(row)
            else None
        )
        if is_pattern:
            _add_pattern(result, cell, number, description, confidence)
            continue
        row_kind = kind
        md5_default = nz.JA3
        if row_kind is None and type_index is not None and type_index < len(row):
            typed = nz.kind_for_type(row[type_index])
            if typed == "hash":
                md5_default = nz.MD5  # "file"/"hash" type: 32 hex is an MD5, not a JA3
            else:
                row_kind = typed  # an unknown type name falls back to inferring the value
        if row_kind is None and column_kind not in (None, "hash"):
            row_kind = column_kind
        elif row_kind is None and column_kind == "hash":
            md5_default = nz.MD5
        if row_kind not in (nz.USER_AGENT, nz.URL) and _MULTI_VALUE.search(cell):
            values = [
                v for v in _MULTI_VALUE.split(cell) if v
            ]  # e.g. "md5,sha1,sha256" in one cell
        else:
            values = [cell]
        for value in values:
            _add(result, value, row_kind, number, description, confidence, md5_default)


def _add_pattern(
    result: LoadResult, pattern: str, line: int, description: str | None, confidence: float | None
) -> None:
    """Every ``type:property = 'value'`` comparison of a STIX pattern becomes an indicator."""
    terms = _STIX_TERM.findall(pattern)
    if not terms:
        result.issues.append(
            ParseIssue(Location(result.path, line=line), f"no STIX comparison in {pattern[:80]!r}")
        )
        return
    for object_type, prop, value in terms:
        obj, prop_l = object_type.lower(), prop.lower().replace("'", "")
        kind: str | None = None
        if obj in ("ipv4-addr", "ipv6-addr") and prop_l == "value":
            kind = nz.IP
        elif obj == "domain-name" and prop_l == "value":
            kind = nz.DOMAIN
        elif obj == "url" and prop_l == "value":
            kind = nz.URL
        elif obj in ("file", "x509-certificate") and prop_l.startswith("hashes."):
            kind = _STIX_HASHES.get(prop_l.split(".", 1)[1])
        if kind is None:
            result.skipped += 1
            continue
        _add(result, value, kind, line, description, confidence)


def _confidence(text: str) -> float | None:
    """Feeds give 0-1, 0-100 or words; keep a 0-1 float."""
    value = text.strip().lower()
    if not value:
        return None
    words = {"high": 0.9, "medium": 0.6, "moderate": 0.6, "low": 0.3}
    if value in words:
        return words[value]
    try:
        number = float(value.rstrip("%"))
    except ValueError:
        return None
    if number > 1:
        number /= 100
    return min(max(number, 0.0), 1.0)
