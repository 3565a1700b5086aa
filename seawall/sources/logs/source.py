"""Device log files (plain or gzip) as a hunt input: one ``log`` record per understood line.

Recognised by content: most of the first lines must read as device log lines or AAA
records. Tried before the configuration source, so a log is never read as a config, and
configuration statements do not read as log lines, so a config is never taken for a log.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.base import SNIFF_BYTES, SourceOptions, SourceResult
from seawall.sources.logs import parse_with_context
from seawall.sources.logs.pipeline import Context
from seawall.sources.logs.timezones import zone_table
from seawall.sources.logtext import IssueLog, ensure_utf8, read_bytes, sniff_text

SNIFF_LINES = 30
_DAY_US = 86_400 * 1_000_000


def split_lines(data: bytes) -> pa.Array:
    """Lines of UTF-8 ``data`` as one string array (no copy of the text per line)."""
    whole = pa.LargeStringArray.from_buffers(
        1, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), pa.py_buffer(data)
    )
    lines = pc.list_flatten(pc.split_pattern(whole, "\n"))
    if data.endswith(b"\n"):
        lines = lines.slice(0, len(lines) - 1)
    return lines


class LogSource:
    """Syslog from routers, switches and firewalls; TACACS+/RADIUS accounting files."""

    name = "log"

    def sniff(self, head: bytes, path: str) -> bool:
        text = sniff_text(head)
        if not text or b"\x00" in text[:512]:
            return False
        if len(head) >= SNIFF_BYTES and b"\n" in text:  # drop a line cut by the sniff size
            text = text[: text.rindex(b"\n")]
        sample = [line for line in text.decode("utf-8", "replace").split("\n") if line.strip()][
            :SNIFF_LINES
        ]
        if not sample:
            return False
        ctx = Context(path, None, 2000, zone_table(None), None)
        _, _, unknown = parse_with_context(sample, ctx)
        return unknown * 2 < len(sample)

    def read(self, path: str, options: SourceOptions) -> SourceResult:
        result = SourceResult(path=path, source=self.name, unit="lines")
        issues = IssueLog(path)
        try:
            data, problem = read_bytes(path)
            modified = os.stat(path).st_mtime
        except OSError as exc:
            issues.add(f"cannot read file: {exc.strerror or exc}")
            result.issues = issues.finish()
            return result
        if problem:
            issues.add(problem, kind="truncated")
        lines = split_lines(ensure_utf8(data, issues))
        year = int(np.datetime64(int(modified), "s").astype("datetime64[Y]").astype(int)) + 1970
        ctx = Context(path, None, year, zone_table(None), int(modified * 1_000_000) + _DAY_US)
        table, found, unknown = parse_with_context(lines, ctx)
        result.tables["log"] = table
        result.issues = issues.finish() + found
        result.units_read = len(lines)
        result.stats["unknown_lines"] = unknown
        result.stats["records"] = table.num_rows
        return result


SOURCES = [LogSource()]
