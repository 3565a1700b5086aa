"""What the log parser tests share: the corpus folder, records of a corpus file by line
number, and crafted lines parsed to plain dicts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from seawall.sources.logs import parse_lines
from seawall.sources.logs.source import split_lines

LOGS = Path(__file__).parents[2] / "data" / "logs"

FIELDS = (
    "event.start",
    "event.timezone",
    "host.name",
    "host.ip",
    "log.format",
    "log.syslog.facility.code",
    "log.syslog.severity.code",
    "log.syslog.appname",
    "log.sequence",
    "event.code",
    "event.action",
    "event.outcome",
    "user.name",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "process.command_line",
    "interface.name",
    "message",
)


def corpus_records(name: str, year: int = 2023) -> dict[int, dict[str, Any]]:
    """Records of one corpus log file, keyed by line number (nulls left out). Stamps without
    a year take ``year`` (a file's own year would be its checkout time)."""
    path = LOGS / name
    table, issues = parse_lines(split_lines(path.read_bytes()), path=str(path), default_year=year)
    assert not issues, issues
    return {
        row["input.line"]: {k: v for k, v in row.items() if v is not None}
        for row in table.to_pylist()
    }


def parse(
    lines: list[str], *, year: int = 2024, timezones: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Crafted lines -> one dict per record (nulls left out); no line may be unknown."""
    table, issues = parse_lines(lines, path="crafted", default_year=year, timezones=timezones)
    assert not issues, issues
    return [{k: v for k, v in row.items() if v is not None} for row in table.to_pylist()]


def one(line: str, **kwargs: Any) -> dict[str, Any]:
    records = parse([line], **kwargs)
    assert len(records) == 1
    return records[0]


def subset(record: Mapping[str, Any], **expected: Any) -> dict[str, Any]:
    """The fields of ``record`` named in ``expected`` (dots written as ``__``)."""
    names = {k.replace("__", "."): v for k, v in expected.items()}
    return {k: record.get(k) for k in names}


def expect(record: Mapping[str, Any], **expected: Any) -> None:
    names = {k.replace("__", "."): v for k, v in expected.items()}
    assert subset(record, **expected) == names, record
