"""Helpers shared by the line-oriented log sources (Zeek TSV/JSON, Suricata EVE).

Files are read whole (gzip-compressed rotations included), split into lines with numpy, and
handed to pyarrow's CSV or JSON readers in large blocks; only lines that fail to parse are
looked at one by one. Every record keeps its 1-based line number for ``input.line``.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from seawall.errors import Location, ParseIssue
from seawall.records.schemas import TS

GZIP_MAGIC = b"\x1f\x8b"
MAX_LISTED_ISSUES = 200  # per file; the rest are counted in one summary issue
JSON_BLOCK_LINES = 1 << 20  # lines per reader call; Arrow splits each call across threads


def sniff_text(head: bytes) -> bytes:
    """The first bytes as text: gunzipped when the file is gzip (Zeek rotates to .log.gz)."""
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 65536)
    except zlib.error:
        return b""


def first_line(text: bytes) -> bytes:
    """First non-blank line of ``text`` (possibly cut at the end of the sniffed bytes)."""
    for line in text.lstrip().split(b"\n", 1)[:1]:
        return line.strip()
    return b""


def read_bytes(path: str) -> tuple[bytes, str | None]:
    """File content, gunzipped if needed, CRLF folded. Second value: why the read stopped
    early (truncated gzip), else None."""
    with open(path, "rb") as handle:
        raw = handle.read()
    problem = None
    if raw.startswith(GZIP_MAGIC):
        out = io.BytesIO()
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
                while chunk := stream.read(1 << 20):
                    out.write(chunk)
        except (OSError, EOFError, zlib.error) as exc:
            problem = f"gzip stream ends early ({exc}); read what was decompressed"
        raw = out.getvalue()
    if b"\r\n" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    return raw, problem


@dataclass(slots=True)
class Lines:
    """Line boundaries of a buffer: ``starts``/``ends`` byte offsets (end exclusive, no
    newline), ``numbers`` 1-based line numbers. Built with numpy, no per-line objects."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray
    numbers: np.ndarray

    @classmethod
    def split(cls, data: bytes) -> Lines:
        arr = np.frombuffer(data, dtype=np.uint8)
        newlines = np.flatnonzero(arr == 10)
        starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
        ends = np.concatenate((newlines, [len(data)])).astype(np.int64)
        if len(data) and data.endswith(b"\n"):  # no phantom line after the final newline
            starts, ends = starts[:-1], ends[:-1]
        numbers = np.arange(1, len(starts) + 1, dtype=np.int64)
        return cls(data, starts, ends, numbers)

    def __len__(self) -> int:
        return len(self.starts)

    def first_bytes(self) -> np.ndarray:
        """First byte of each line (0 for empty lines)."""
        arr = np.frombuffer(self.data, dtype=np.uint8)
        out = np.zeros(len(self.starts), dtype=np.uint8)
        nonempty = self.ends > self.starts
        out[nonempty] = arr[self.starts[nonempty]]
        return out

    def subset(self, mask: np.ndarray) -> Lines:
        return Lines(self.data, self.starts[mask], self.ends[mask], self.numbers[mask])

    def slice(self, lo: int, hi: int) -> Lines:
        return Lines(self.data, self.starts[lo:hi], self.ends[lo:hi], self.numbers[lo:hi])

    def text(self, i: int) -> bytes:
        return self.data[self.starts[i] : self.ends[i]]

    def joined(self) -> pa.Buffer:
        """The selected lines joined by newlines. Consecutive lines are one slice of the
        file (no copy when all are consecutive), so this never loops per line."""
        if len(self.starts) == 0:
            return pa.py_buffer(b"")
        breaks = np.flatnonzero(self.numbers[1:] != self.numbers[:-1] + 1) + 1
        run_first = np.concatenate(([0], breaks))
        run_last = np.concatenate((breaks - 1, [len(self.starts) - 1]))
        view = memoryview(self.data)
        if len(run_first) == 1:
            return pa.py_buffer(view[self.starts[0] : self.ends[-1]])
        return pa.py_buffer(
            b"\n".join(
                view[self.starts[a] : self.ends[b]]
                for a, b in zip(run_first.tolist(), run_last.tolist(), strict=True)
            )
        )


@dataclass(slots=True)
class IssueLog:
    """Collects located issues for one file: the first ``MAX_LISTED_ISSUES`` are kept in
    full, the rest counted per kind and summarised once at the end."""

    path: str
    issues: list[ParseIssue] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    unlisted: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, line: int | None = None, kind: str = "parse") -> None:
        self.counts[kind] += 1
        if len(self.issues) < MAX_LISTED_ISSUES:
            self.issues.append(ParseIssue(Location(self.path, line=line), reason, kind))
        else:
            self.unlisted[kind] += 1

    def room(self) -> int:
        """How many more issues will be listed one by one."""
        return max(0, MAX_LISTED_ISSUES - len(self.issues))

    def add_unlisted(self, n: int, kind: str = "parse") -> None:
        """Count ``n`` issues past the listing limit without building them."""
        if n > 0:
            self.counts[kind] += n
            self.unlisted[kind] += n

    def finish(self) -> list[ParseIssue]:
        out = list(self.issues)
        for kind, n in sorted(self.unlisted.items()):
            out.append(
                ParseIssue(
                    Location(self.path),
                    f"{n} more {kind} issues in this file are not listed one by one",
                    kind,
                )
            )
        return out


def ensure_utf8(data: bytes, issues: IssueLog) -> bytes:
    """Replace invalid UTF-8 so Arrow can read the text; report the first bad line.
    Validation is Arrow's (vectorized); Python decodes only when something is wrong."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
        return data
    except pa.ArrowInvalid:
        pass
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        issues.add("invalid UTF-8 bytes replaced with U+FFFD", line)
        return data.decode("utf-8", "replace").encode("utf-8")


def read_json_block(
    lines: Lines, schema: pa.Schema, issues: IssueLog
) -> tuple[pa.Table, np.ndarray]:
    """Parse JSON-lines ``lines`` into ``schema`` (fields not in it are ignored). Blocks that
    fail are halved until the bad lines are isolated; each becomes a located issue.
    Returns the table and the line number of each row."""
    tables: list[pa.Table] = []
    numbers: list[np.ndarray] = []
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    read_options = pj.ReadOptions(use_threads=True, block_size=1 << 22)
    pending = [
        (lo, min(lo + JSON_BLOCK_LINES, len(lines)))
        for lo in range(0, len(lines), JSON_BLOCK_LINES)
    ]
    while pending:
        lo, hi = pending.pop(0)
        part = lines.slice(lo, hi)
        try:
            table = pj.read_json(pa.BufferReader(part.joined()), read_options, options)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            if hi - lo > 1:
                mid = (lo + hi) // 2
                pending[:0] = [(lo, mid), (mid, hi)]
            else:
                issues.add(_json_reason(lines.text(lo), exc), int(lines.numbers[lo]))
            continue
        if table.num_rows != hi - lo:  # should not happen; never misattribute lines
            for i in range(lo, hi):
                issues.add(
                    "JSON record could not be matched to its line; skipped", int(lines.numbers[i])
                )
            continue
        tables.append(table)
        numbers.append(part.numbers)
    if not tables:
        return schema.empty_table(), np.zeros(0, dtype=np.int64)
    return pa.concat_tables(tables), np.concatenate(numbers)


def _json_reason(text: bytes, exc: Exception) -> str:
    message = str(exc).split("\n")[0]
    message = re.sub(r" in row \d+$", "", message).replace("JSON parse error: ", "")
    if not text.lstrip().startswith(b"{"):
        return "not a JSON object line; skipped"
    return f"unreadable JSON record ({message}); skipped"


_NUMBER = r"^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_ISO = r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)?$"
_HAS_ZONE = r"(Z|[+-]\d\d(:?\d\d)?)$"


def epoch_to_ts(seconds: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Float epoch seconds to UTC microsecond timestamps (nulls stay null)."""
    values = pc.cast(seconds, pa.float64())
    micros = pc.round(pc.multiply(values, 1e6))
    bad = pc.or_kleene(pc.is_nan(micros), pc.greater(pc.abs(micros), 9.2e18))
    micros = pc.if_else(bad, pa.scalar(None, pa.float64()), micros)
    return pc.cast(pc.cast(micros, pa.int64()), TS)


def valid_numbers(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Mask: value is a plain decimal number (nulls give null)."""
    return pc.match_substring_regex(text, _NUMBER)


def text_to_ts(text: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Timestamps from epoch-seconds text or ISO 8601 text (a missing zone means UTC).
    Returns (timestamps, invalid mask); invalid values become null."""
    no_issue = pc.fill_null(pc.is_null(text), False)
    no_issue = pc.and_(no_issue, False)
    try:  # fast paths: a column of epoch seconds, or of zoned ISO 8601 times
        epoch = epoch_to_ts(pc.cast(text, pa.float64()))
        if epoch.null_count == text.null_count:  # nan/inf would be lost silently
            return epoch, no_issue
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:
        return pc.cast(text, TS), no_issue
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pc.utf8_trim_whitespace(text)
    is_number = pc.fill_null(valid_numbers(text), False)
    is_iso = pc.fill_null(pc.match_substring_regex(text, _ISO), False)
    invalid = pc.and_(pc.invert(pc.or_(is_number, is_iso)), pc.is_valid(text))
    numbers = pc.if_else(is_number, text, pa.scalar(None, pa.string()))
    from_epoch = epoch_to_ts(pc.cast(numbers, pa.float64()))
    iso = pc.if_else(is_iso, text, pa.scalar(None, pa.string()))
    zoned = pc.fill_null(pc.match_substring_regex(iso, _HAS_ZONE), True)
    iso = pc.if_else(zoned, iso, pc.binary_join_element_wise(iso, "Z", ""))
    iso = pc.replace_substring(iso, " ", "T")
    try:
        from_iso = pc.cast(iso, TS)
    except pa.ArrowInvalid:  # shaped like a time but impossible (minute 60, month 13)
        from_iso, impossible = _cast_each(iso)
        invalid = pc.or_(invalid, impossible)
    return pc.coalesce(from_epoch, from_iso), invalid


def _cast_each(iso: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Slow path, only when a vectorized cast failed: cast value by value."""
    values, bad = [], []
    for value in iso.to_pylist():
        try:
            values.append(pc.cast(pa.scalar(value, pa.string()), TS).value if value else None)
            bad.append(False)
        except pa.ArrowInvalid:
            values.append(None)
            bad.append(True)
    return pa.array(values, pa.int64()).cast(TS), pa.array(bad, pa.bool_())


def tls_version_label(raw: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One spelling for TLS versions across sources, the one the capture reader uses:
    1.0 1.1 1.2 1.3, ssl3.0, ssl2.0, dtls1.0 dtls1.2. Zeek writes TLSv12, Suricata TLS 1.2
    or TLSv1; unknown spellings pass through lower-cased."""
    text = pc.utf8_lower(pc.utf8_trim_whitespace(raw))
    text = pc.replace_substring_regex(text, r"^(d?)tls\s*v?\s*1$", r"\1tls1.0")
    text = pc.replace_substring_regex(text, r"^(d?)tls\s*v?\s*1\.?(\d)$", r"\1tls1.\2")
    text = pc.replace_substring_regex(text, r"^ssl\s*v?\s*(\d)(\.0)?$", r"ssl\1.0")
    text = pc.replace_substring_regex(text, r"^tls(1\.\d)$", r"\1")
    return pc.if_else(pc.equal(text, "undetermined"), pa.scalar(None, pa.string()), text)


def plain_hex_upper(raw: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Certificate fingerprints as upper-case hex without separators (2d:d1:.. -> 2DD1..)."""
    return pc.utf8_upper(pc.replace_substring_regex(raw, r"[:\s-]", ""))


def ip_version(addresses: pa.Array | pa.ChunkedArray) -> pa.Array:
    """ipv4 / ipv6 from address text."""
    v6 = pc.match_substring(addresses, ":")
    return pc.if_else(v6, "ipv6", "ipv4")


_IANA = {
    "tcp": 6,
    "udp": 17,
    "icmp": 1,
    "ipv6-icmp": 58,
    "sctp": 132,
    "gre": 47,
    "esp": 50,
    "ah": 51,
}


def transport_columns(
    proto: pa.Array | pa.ChunkedArray, network_type: pa.Array
) -> tuple[pa.Array, pa.Array]:
    """network.transport and network.iana_number from a protocol name or number.
    ICMP over IPv6 becomes ipv6-icmp / 58 (Zeek and Suricata both say icmp for it)."""
    name = pc.utf8_lower(pc.utf8_trim_whitespace(proto))
    v6 = pc.equal(network_type, "ipv6")
    name = pc.if_else(pc.and_(pc.equal(name, "icmp"), v6), "ipv6-icmp", name)
    name = pc.if_else(pc.equal(name, "icmpv6"), "ipv6-icmp", name)
    is_number = pc.fill_null(pc.match_substring_regex(name, r"^\d{1,3}$"), False)
    numeric = pc.cast(pc.if_else(is_number, name, pa.scalar(None, pa.string())), pa.int16())
    keys = pa.array(list(_IANA), pa.string())
    looked_up = pc.take(pa.array(list(_IANA.values()), pa.int16()), pc.index_in(name, keys))
    number = pc.coalesce(looked_up, numeric)
    names_by_number = {v: k for k, v in _IANA.items()}
    back = pc.take(
        pa.array(list(names_by_number.values()), pa.string()),
        pc.index_in(number, pa.array(list(names_by_number), pa.int16())),
    )
    name = pc.if_else(is_number, pc.coalesce(back, name), name)
    return name, number


def json_string_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each value as a JSON string literal (null stays null), built with Arrow kernels."""
    text = pc.replace_substring(values, "\\", "\\\\")
    text = pc.replace_substring(text, '"', '\\"')
    text = pc.replace_substring_regex(text, r"[\x00-\x1f]", " ")
    return pc.binary_join_element_wise('"', text, '"', "")


def combine(array: pa.ChunkedArray | pa.Array) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def null_out_of_range(
    table: pa.Table, name: str, low: int, high: int, issues: IssueLog, what: str
) -> pa.Table:
    """Null the values of integer column ``name`` outside [low, high], one located issue per
    row (needs a ``_line`` column). Ports above 65535 and the like would not fit the schema."""
    if name not in table.column_names:
        return table
    column = table.column(name)
    bad = pc.fill_null(pc.or_(pc.less(column, low), pc.greater(column, high)), False)
    if not pc.any(bad).as_py():
        return table
    rows = np.flatnonzero(np.asarray(combine(bad)))
    lines = table.column("_line").to_numpy()
    for i in rows[: issues.room()].tolist():
        issues.add(
            f"{name}={column[i].as_py()} is not a valid {what}; kept the record without it",
            int(lines[i]),
        )
    issues.add_unlisted(len(rows) - min(len(rows), issues.room()))
    cleaned = pc.if_else(bad, pa.scalar(None, column.type), column)
    return table.set_column(table.column_names.index(name), name, cleaned)


def fit_int32(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Integers that do not fit int32 schema columns (status codes, priorities) become null."""
    limit = 2**31 - 1
    bad = pc.fill_null(pc.or_(pc.less(values, -limit), pc.greater(values, limit)), False)
    return pc.if_else(bad, pa.scalar(None, values.type), values)
