"""Device logs and AAA accounting to ``log`` records.

``parse_lines`` reads syslog from routers, switches and firewalls (RFC 3164 and RFC 5424
framing; Cisco IOS, IOS XE, IOS XR, NX-OS, ASA/PIX; JunOS), AAA server records (ISE and
Secure ACS syslog and CSV exports, tac_plus accounting, RADIUS accounting detail files,
FreeRADIUS logs) and recognises other syslog (Check Point, SonicWall, ScreenOS, Aruba, ...)
as ``other`` with host, time and text. Work is column-wise (Arrow and RE2) in blocks spread
over threads; only the rare AAA file formats are read line by line.

Timestamps: zones as written by the device are converted (``timezones``); a stamp without a
zone is read as UTC; an unknown zone is read as UTC and kept in ``event.timezone`` as
written. A stamp without a year takes ``default_year`` (the file's modification year for
files, the current year live) and moves back a year when it would otherwise lie more than a
day after the file was written (or after now, live).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from seawall.errors import Location, ParseIssue
from seawall.records.schemas import LOG
from seawall.sources.configs.redact import redact_line
from seawall.sources.logs import aaa, other
from seawall.sources.logs.assemble import build_table, records_into, snippet
from seawall.sources.logs.columns import Scatter, as_string_array
from seawall.sources.logs.pipeline import Context, parse_block
from seawall.sources.logs.secrets import redact_secrets
from seawall.sources.logs.timezones import zone_table

BLOCK_LINES = 65_536  # lines per column-wise block; blocks run on THREADS threads
THREADS = 2
MAX_LISTED_ISSUES = 200  # one issue per unknown line up to this; the rest are counted
_DAY_US = 86_400 * 1_000_000


def parse_lines(
    lines: Sequence[str] | pa.Array | pa.ChunkedArray,
    *,
    path: str,
    first_line: int = 1,
    sender: str | None = None,
    default_year: int | None = None,
    timezones: Mapping[str, str] | None = None,
) -> tuple[pa.Table, list[ParseIssue]]:
    """A ``log`` table (one row per understood line or AAA record; blank lines skipped) and
    one located ParseIssue per line not understood (kind ``parse``; past
    ``MAX_LISTED_ISSUES`` the rest are counted in one summary issue).

    ``sender`` fills ``log.source.address`` (live collection). ``default_year`` is the year
    of stamps written without one; when None, the current year is used and stamps later
    than a day from now move back a year. ``timezones`` adds or overrides zone
    abbreviations (``{"IST": "+01:00"}``) on top of the default table."""
    now_us = int(time.time() * 1_000_000)
    if default_year is None:
        default_year = time.gmtime().tm_year
        not_after = now_us + _DAY_US
    else:
        not_after = None
    ctx = Context(path, sender, default_year, zone_table(timezones), not_after)
    table, issues, _ = parse_with_context(lines, ctx, first_line)
    return table, issues


def parse_with_context(
    lines: Sequence[str] | pa.Array | pa.ChunkedArray, ctx: Context, first_line: int = 1
) -> tuple[pa.Table, list[ParseIssue], int]:
    """``parse_lines`` with the context given; third value: count of unknown lines."""
    array = as_string_array(lines)
    n = len(array)
    numbers = np.arange(first_line, first_line + n, dtype=np.int64)
    bounds = [(lo, min(lo + BLOCK_LINES, n)) for lo in range(0, n, BLOCK_LINES)]

    def run(bound: tuple[int, int]) -> tuple[pa.Table, np.ndarray]:
        lo, hi = bound
        block = array.slice(lo, hi - lo)
        if block.type != pa.string():  # blocks stay far below 2 GiB: 32-bit offsets suffice
            block = block.cast(pa.string())
        out, understood, left = parse_block(block, ctx)
        table = build_table(out, block, numbers[lo:hi], understood, ctx)
        return redact_secrets(table), left + lo  # row by row: per block, on the threads

    if len(bounds) > 1 and THREADS > 1:
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(run, bounds))
    else:
        results = [run(b) for b in bounds]
    tables = [t for t, _ in results if t.num_rows]
    left = np.concatenate([rows for _, rows in results]) if results else np.zeros(0, np.int64)

    issues: list[ParseIssue] = []
    unknown = 0
    if len(left):
        table, unknown_rows = _line_by_line(array, left, numbers, ctx)
        if table.num_rows:
            tables.append(redact_secrets(table))
        unknown = len(unknown_rows)
        for row in unknown_rows[:MAX_LISTED_ISSUES]:
            text = array[int(row)].as_py() or ""
            issues.append(
                ParseIssue(
                    Location(ctx.path, line=int(numbers[row])),
                    f"not a recognised device log line ({snippet(redact_line(text))!r}); skipped",
                )
            )
        if unknown > MAX_LISTED_ISSUES:
            issues.append(
                ParseIssue(
                    Location(ctx.path),
                    f"{unknown - MAX_LISTED_ISSUES} more unrecognised lines in this input "
                    "are not listed one by one",
                )
            )
    if not tables:
        return LOG.empty_table(), issues, unknown
    result = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    if len(left) and len(tables) > 1:  # line-by-line records join the others in line order
        result = result.sort_by("input.line")
    return result, issues, unknown


def _line_by_line(
    array: pa.Array, rows: np.ndarray, numbers: np.ndarray, ctx: Context
) -> tuple[pa.Table, list[int]]:
    """The lines the column-wise readers left: AAA files and rare shapes, in line order
    (RADIUS detail records span lines)."""
    texts = array.take(pa.array(rows)).to_pylist()
    state = aaa.LineState()
    record_rows: list[int] = []
    records: list[dict[str, object]] = []
    understood = np.zeros(len(rows), dtype=bool)
    radius_row = -1
    for i, text in enumerate(texts):
        text = text or ""
        record, ok, finished = aaa.read_line(text, state)
        if finished is not None:
            record_rows.append(radius_row)
            records.append(finished)
        if state.radius is not None and not state.radius_lines[1:]:
            radius_row = i  # a RADIUS record starts on this line
        if record is None and not ok:
            record = other.read_line(text)
            ok = record is not None
        if record is not None:
            record_rows.append(i)
            records.append(record)
        understood[i] = ok
    finished = aaa.flush(state)
    if finished is not None:
        record_rows.append(radius_row)
        records.append(finished)

    out = Scatter(len(rows))
    records_into(out, record_rows, records)
    keep = np.zeros(len(rows), dtype=bool)
    keep[record_rows] = True
    table = build_table(out, array.take(pa.array(rows)), numbers[rows], keep, ctx)
    return table, [int(r) for r in rows[~understood]]


__all__ = ["parse_lines"]
