"""Zeek logs: conn, dns, http and ssl, in Zeek's TSV format or JSON lines.

TSV: the ``#separator``/``#fields``/``#types`` header gives the columns; ``-`` is unset,
``(empty)`` an empty value, ``\\xNN`` an escaped byte. Extra columns (e.g. dataset labels) are
ignored. A missing ``#close`` footer means the log was cut or still being written: reported
as a ``truncated`` issue, every complete line still read.

JSON (``LogAscii::use_json``): one object per line with flat dotted keys; ``ts`` as epoch
seconds or ISO 8601. The log type comes from a ``_path`` field, else the file name, else the
keys of the first record.

What each log becomes is described in ``seawall.sources.zeek_records``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from seawall.records import empty
from seawall.sources.base import SourceOptions, SourceResult
from seawall.sources.logtext import (
    IssueLog,
    Lines,
    ensure_utf8,
    epoch_to_ts,
    first_line,
    null_out_of_range,
    read_bytes,
    read_json_block,
    sniff_text,
    text_to_ts,
    valid_numbers,
)
from seawall.sources.zeek_records import FIELDS, MAPPERS, arrow_type, concat_kind

_TSV_HEAD = re.compile(rb"(^|\n)#separator[ \t]")
_INTEGER = r"^\s*-?\d{1,18}\s*$"
_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


class ZeekSource:
    """Zeek conn/dns/http/ssl logs (TSV or JSON lines, optionally gzip-compressed)."""

    name = "zeek"

    def sniff(self, head: bytes, path: str) -> bool:
        text = sniff_text(head)
        if _TSV_HEAD.search(text[:4096]) and b"\n#path" in text:
            return True
        return _is_zeek_json(first_line(text))

    def read(self, path: str, options: SourceOptions) -> SourceResult:
        result = SourceResult(path=path, source=self.name, unit="lines")
        issues = IssueLog(path)
        try:
            data, problem = read_bytes(path)
        except OSError as exc:
            issues.add(f"cannot read file: {exc.strerror or exc}", kind="parse")
            result.issues = issues.finish()
            return result
        if problem:
            issues.add(problem, kind="truncated")
        data = ensure_utf8(data, issues)
        lines = Lines.split(data)
        lines = lines.subset(lines.ends > lines.starts)
        result.units_read = len(lines)
        head = data[:8192]
        if _TSV_HEAD.search(head[:4096]):
            parts = _read_tsv(lines, issues)
        else:
            parts = _read_json(lines, path, issues)
        tables: dict[str, list[pa.Table]] = {"flow": [], "transaction": []}
        for log_path, raw in parts:
            mapper = MAPPERS.get(log_path)
            result.stats[f"records.{log_path}"] = (
                result.stats.get(f"records.{log_path}", 0) + raw.num_rows
            )
            if mapper is None:
                if raw.num_rows:
                    issues.add(
                        f"Zeek {log_path or 'unnamed'} log is not used by Seawall (reads conn, "
                        f"dns, http, ssl); skipped {raw.num_rows} records",
                        int(raw.column("_line")[0].as_py()),
                        kind="unsupported",
                    )
                continue
            kind, table = mapper(raw, path, options)
            tables[kind].append(table)
        for kind, chunks in tables.items():
            result.tables[kind] = concat_kind(kind, chunks) if chunks else empty(kind)
        result.stats.update({f"issues.{k}": v for k, v in issues.counts.items()})
        result.issues = issues.finish()
        return result


def _is_zeek_json(line: bytes) -> bool:
    return (
        line.startswith(b"{")
        and b'"uid"' in line
        and b'"id.orig_h"' in line
        and b'"event_type"' not in line
    )


# ---------------------------------------------------------------- TSV


@dataclass(slots=True)
class _Header:
    separator: str = "\t"
    set_separator: str = ","
    empty_field: str = "(empty)"
    unset_field: str = "-"
    path: str = ""
    fields: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


def _read_tsv(lines: Lines, issues: IssueLog) -> list[tuple[str, pa.Table]]:
    """Split the file at its comment lines; each run of data lines is read with the header
    in force at that point (concatenated logs may change it)."""
    comment = lines.first_bytes() == ord("#")
    comment_idx = np.flatnonzero(comment).tolist()
    header = _Header()
    closed = False
    out: list[tuple[str, pa.Table]] = []
    bounds = [*comment_idx, len(lines)]
    # data before the first comment line (rare) and after each comment line
    segments = [(-1, bounds[0])] + [(bounds[i], bounds[i + 1]) for i in range(len(comment_idx))]
    for before, until in segments:
        if before >= 0:
            closed = _apply_directive(lines.text(before).decode("utf-8", "replace"), header, closed)
        lo = before + 1
        if lo >= until:
            continue
        closed = False
        section = lines.slice(lo, until)
        first = int(section.numbers[0])
        if not header.fields:
            issues.add(
                f"{until - lo} data lines with no #fields header before them; the columns are "
                "unknown, so they were skipped (is the Zeek header missing?)",
                first,
            )
            continue
        if len(header.separator) != 1:
            issues.add(
                f"separator {header.separator!r} is not one character; section skipped", first
            )
            continue
        out.append((header.path, _read_tsv_section(section, header, issues)))
    if out and not closed:
        last = int(lines.numbers[-1]) if len(lines) else None
        issues.add(
            "no #close footer: the log was cut short or is still being written; every "
            "complete line was read",
            last,
            kind="truncated",
        )
    return out


def _apply_directive(text: str, header: _Header, closed: bool) -> bool:
    if text.startswith("#separator"):
        value = text[len("#separator") :].strip(" \t")
        header.separator = _unescape(value) if value else "\t"
        return closed
    key, _, value = text.partition(header.separator)
    if not _ and " " in text:  # baselines write some directives with a space
        key, _, value = text.partition(" ")
    key = key.strip()
    if key == "#set_separator":
        header.set_separator = value
    elif key == "#empty_field":
        header.empty_field = value
    elif key == "#unset_field":
        header.unset_field = value
    elif key == "#path":
        header.path = value.strip()
    elif key == "#fields":
        header.fields = value.split(header.separator)
        header.types = []
    elif key == "#types":
        header.types = value.split(header.separator)
    elif key == "#close":
        return True
    return closed


def _unescape(value: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _read_tsv_section(section: Lines, header: _Header, issues: IssueLog) -> pa.Table:
    wanted = FIELDS.get(header.path, {})
    names = _dedupe(header.fields)
    types = dict(zip(names, header.types, strict=False))
    include = [n for n in names if n in wanted] or names[:1]
    bad_rows: list[tuple[int, int, int]] = []

    def on_invalid(row: pcsv.InvalidRow) -> str:
        bad_rows.append((row.number or 0, row.expected_columns, row.actual_columns))
        return "skip"

    buffer = section.joined()

    def read(threads: bool) -> pa.Table:
        return pcsv.read_csv(
            pa.BufferReader(buffer),
            read_options=pcsv.ReadOptions(
                column_names=names, use_threads=threads, block_size=1 << 22
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=header.separator,
                quote_char=False,
                escape_char=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                include_columns=include,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    table = read(threads=True)
    if bad_rows:  # threaded reading does not number rows: read again to locate them
        bad_rows.clear()
        table = read(threads=False)
    keep = np.ones(len(section), dtype=bool)
    for number, expected, actual in bad_rows:
        idx = number - 1
        if 0 <= idx < len(section):
            keep[idx] = False
            line: int | None = int(section.numbers[idx])
        else:
            line = None
        issues.add(
            f"expected {expected} tab-separated fields, found {actual} (cut or corrupted "
            "line); skipped",
            line,
        )
    line_numbers = section.numbers[keep]
    if table.num_rows != len(line_numbers):  # cannot place rows on lines: refuse the section
        issues.add(
            f"could not align {table.num_rows} rows with their lines; section skipped",
            int(section.numbers[0]),
        )
        return _empty_raw(header.path)
    return _typed_columns(table, types, header, line_numbers, issues)


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        out.append(name if n == 0 else f"{name}.{n}")
        seen[name] = n + 1
    return out


def _typed_columns(
    table: pa.Table,
    types: dict[str, str],
    header: _Header,
    line_numbers: np.ndarray,
    issues: IssueLog,
) -> pa.Table:
    """Convert the text columns to Zeek's declared types (the expected type when the header
    has none). Values that do not fit become null and are reported with their line."""
    wanted = FIELDS.get(header.path, {})
    columns: dict[str, pa.Array] = {}
    invalid: dict[str, pa.Array] = {}
    null_text = pa.scalar(None, pa.string())
    for name in table.column_names:
        if name not in wanted:
            continue
        zeek_type = types.get(name) or wanted[name]
        text = table.column(name)
        text = pc.if_else(pc.equal(text, header.unset_field), null_text, text)
        column, bad = _convert(text, zeek_type, wanted[name], header)
        columns[name] = column
        if bad is not None:
            invalid[name] = bad
    columns["_line"] = pa.array(line_numbers, pa.int64())
    _report_invalid(table, invalid, line_numbers, wanted, issues)
    return _check_ranges(pa.table(columns), issues)


def _check_ranges(raw: pa.Table, issues: IssueLog) -> pa.Table:
    for port in ("id.orig_p", "id.resp_p"):
        raw = null_out_of_range(raw, port, 0, 65535, issues, "port")
    return null_out_of_range(raw, "status_code", 0, 2**31 - 1, issues, "HTTP status")


def _convert(
    text: pa.ChunkedArray, zeek_type: str, expected: str, header: _Header
) -> tuple[pa.Array, pa.Array | None]:
    kind = _kind(expected)
    target = arrow_type(expected)
    if kind == "time":
        return text_to_ts(text)
    if kind == "int":
        ok = pc.match_substring_regex(text, _INTEGER)
        bad = pc.and_(pc.invert(pc.fill_null(ok, True)), pc.is_valid(text))
        clean = pc.if_else(ok, text, pa.scalar(None, pa.string()))
        return pc.cast(pc.utf8_trim_whitespace(clean), target), bad
    if kind == "float":
        ok = valid_numbers(text)
        bad = pc.and_(pc.invert(pc.fill_null(ok, True)), pc.is_valid(text))
        clean = pc.if_else(ok, text, pa.scalar(None, pa.string()))
        return pc.cast(pc.utf8_trim_whitespace(clean), target), bad
    if kind == "bool":
        is_t, is_f = pc.equal(text, "T"), pc.equal(text, "F")
        bad = pc.and_(pc.invert(pc.or_(is_t, is_f)), pc.is_valid(text))
        value = pc.if_else(
            pc.fill_null(pc.or_(is_t, is_f), False), is_t, pa.scalar(None, pa.bool_())
        )
        return value, bad
    if kind == "list":
        empty_list = pc.equal(text, header.empty_field)
        parts = pc.split_pattern(pc.if_else(empty_list, "", text), header.set_separator)
        parts = pc.if_else(empty_list, pa.scalar([], pa.list_(pa.string())), parts)
        return pc.cast(parts, target), None
    text = pc.if_else(pc.equal(text, header.empty_field), "", text)
    return _unescape_column(text), None


def _kind(zeek_type: str) -> str:
    if zeek_type == "time":
        return "time"
    if zeek_type in ("count", "int", "port"):
        return "int"
    if zeek_type in ("interval", "double"):
        return "float"
    if zeek_type == "bool":
        return "bool"
    if zeek_type.startswith(("set[", "vector[")):
        return "list"
    return "string"


def _unescape_column(text: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Decode ``\\xNN`` escapes; only rows holding one are touched in Python."""
    flagged = pc.fill_null(pc.match_substring(text, "\\x"), False)
    if not pc.any(flagged).as_py():
        return text
    values = text.to_pylist()
    for i in np.flatnonzero(np.asarray(flagged)).tolist():
        values[i] = _unescape(values[i])
    return pa.array(values, pa.string())


def _report_invalid(
    table: pa.Table,
    invalid: dict[str, pa.Array],
    line_numbers: np.ndarray,
    wanted: dict[str, str],
    issues: IssueLog,
) -> None:
    if not invalid:
        return
    names = list(invalid)
    masks = np.stack([np.asarray(pc.fill_null(invalid[n], False)) for n in names])
    rows = np.flatnonzero(masks.any(axis=0))
    listed = rows[: issues.room()]
    for row in listed.tolist():
        fields_bad = [names[k] for k in np.flatnonzero(masks[:, row]).tolist()]
        shown = ", ".join(
            f"{n}={table.column(n)[row].as_py()!r} is not a {wanted[n]}" for n in fields_bad[:3]
        )
        pronoun = "it" if len(fields_bad) == 1 else "them"
        issues.add(f"{shown}; kept the record without {pronoun}", int(line_numbers[row]))
    issues.add_unlisted(len(rows) - len(listed))


def _empty_raw(path: str) -> pa.Table:
    wanted = FIELDS.get(path, {})
    schema = pa.schema([(n, arrow_type(t)) for n, t in wanted.items()] + [("_line", pa.int64())])
    return schema.empty_table()


# ---------------------------------------------------------------- JSON


def _read_json(lines: Lines, path: str, issues: IssueLog) -> list[tuple[str, pa.Table]]:
    if not len(lines):
        return []
    probe = _probe(lines)
    log_path = str(probe.get("_path") or "") or _path_from_name(path) or _path_from_keys(probe)
    has_path_column = "_path" in probe
    ts_is_text = isinstance(probe.get("ts"), str)
    paths = sorted(FIELDS) if has_path_column else [log_path]
    schema_fields: dict[str, pa.DataType] = {}
    for p in paths:
        for name, zeek_type in FIELDS.get(p, {}).items():
            schema_fields[name] = (
                (pa.string() if ts_is_text else pa.float64())
                if zeek_type == "time"
                else arrow_type(zeek_type)
            )
    if has_path_column:
        schema_fields["_path"] = pa.string()
    if not schema_fields:
        what = f"Zeek {log_path} log" if log_path else "Zeek JSON log of unknown type"
        issues.add(
            f"{what} is not used by Seawall (reads conn, dns, http, ssl); skipped "
            f"{len(lines)} lines",
            int(lines.numbers[0]),
            kind="unsupported",
        )
        return []
    table, numbers = read_json_block(lines, pa.schema(list(schema_fields.items())), issues)
    if "ts" in table.column_names:
        if ts_is_text:
            ts, bad = text_to_ts(table.column("ts"))
            rows = np.flatnonzero(np.asarray(pc.fill_null(bad, False)))
            for i in rows[: issues.room()].tolist():
                value = table.column("ts")[i].as_py()
                issues.add(
                    f"ts={value!r} is not a time; kept the record without it", int(numbers[i])
                )
            issues.add_unlisted(len(rows) - min(len(rows), issues.room()))
        else:
            ts = epoch_to_ts(table.column("ts"))
        table = table.set_column(table.column_names.index("ts"), "ts", ts)
    table = _check_ranges(table.append_column("_line", pa.array(numbers, pa.int64())), issues)
    if not has_path_column:
        return [(log_path, table)]
    out = []
    path_col = pc.fill_null(table.column("_path"), "")
    for value in pc.unique(path_col).to_pylist():
        out.append((value, table.filter(pc.equal(path_col, value))))
    return out


def _probe(lines: Lines) -> dict[str, object]:
    """The first record that parses, to learn the log type and how ``ts`` is written."""
    for i in range(min(len(lines), 50)):
        try:
            value = json.loads(lines.text(i))
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _path_from_name(path: str) -> str:
    stem = os.path.basename(path).split(".", 1)[0]
    return stem if stem in FIELDS else ""


_KEY_SIGNS = (
    ("conn", ("conn_state", "history", "orig_ip_bytes")),
    ("dns", ("qtype_name", "trans_id", "rcode_name")),
    ("http", ("trans_depth", "status_code", "uri")),
    ("ssl", ("cipher", "server_name", "established", "cert_chain_fps")),
    ("x509", ("certificate.version", "fingerprint")),
    ("notice", ("note", "msg")),
)


def _path_from_keys(record: dict[str, object]) -> str:
    for name, keys in _KEY_SIGNS:
        if any(k in record for k in keys):
            return name
    return ""


SOURCES = [ZeekSource()]
