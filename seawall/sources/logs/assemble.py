"""Scattered fields -> a LOG table: stamps to UTC, PRI to facility/severity, ports and
sequence numbers to integers, tunnel interfaces to ``tunnel_state``, provenance columns."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.records import from_columns
from seawall.records.schemas import LOG
from seawall.sources.logs.actions import TUNNEL_INTERFACE
from seawall.sources.logs.columns import STR, Scatter
from seawall.sources.logs.pipeline import Context
from seawall.sources.logs.syslog import pri_parts
from seawall.sources.logs.timestamps import roll_back_future, to_utc

# Service names ASA and others write instead of port numbers.
SERVICE_PORTS = {
    "ssh": 22,
    "telnet": 23,
    "http": 80,
    "www": 80,
    "https": 443,
    "ftp": 21,
    "tftp": 69,
    "snmp": 161,
    "domain": 53,
    "bootps": 67,
    "bootpc": 68,
    "netbios-ns": 137,
    "netbios-dgm": 138,
    "netbios-ssn": 139,
    "ldap": 389,
    "tacacs": 49,
    "radius": 1812,
    "bgp": 179,
    "isakmp": 500,
    "syslog": 514,
}
_DIGITS = r"^\d{1,18}$"
_STRING_COLUMNS = [f.name for f in LOG if pa.types.is_string(f.type)]


def _integers(values: pa.Array, type_: pa.DataType, limit: int | None = None) -> pa.Array:
    """Digit strings to integers; anything else (or above ``limit``) null."""
    if values.null_count == len(values):
        return pa.nulls(len(values), type_)
    try:  # nearly always plain digits: one cast
        if not pc.any(pc.starts_with(values, "-")).as_py():
            number = pc.cast(values, pa.int64())
        else:
            raise pa.ArrowInvalid("negative")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        ok = pc.fill_null(pc.match_substring_regex(values, _DIGITS), False)
        number = pc.cast(pc.if_else(ok, values, pa.scalar(None, STR)), pa.int64())
    if limit is not None:
        number = pc.if_else(pc.greater(number, limit), pa.scalar(None, pa.int64()), number)
    return pc.cast(number, type_)


def _ports(values: pa.Array) -> pa.Array:
    numbers = _integers(values, pa.int64(), 65535)
    if numbers.null_count == values.null_count:  # every value was a number
        return pc.cast(numbers, pa.int32())
    names = pa.array(list(SERVICE_PORTS), type=STR)
    named = pa.array(list(SERVICE_PORTS.values()), type=pa.int64()).take(
        pc.index_in(pc.utf8_lower(values), value_set=names)
    )
    return pc.cast(pc.coalesce(numbers, named), pa.int32())


def build_table(
    out: Scatter,
    original: pa.Array,
    numbers: np.ndarray,
    keep: np.ndarray,
    ctx: Context,
) -> pa.Table:
    """The LOG rows of ``keep`` (a mask over ``out``'s rows, whose lines are ``original``)."""
    pick = pa.array(keep)
    n = int(keep.sum())
    if n == 0:
        return LOG.empty_table()

    every = bool(keep.all())

    def col(name: str) -> pa.Array:
        values = out.build(name, STR)
        return values if every else values.filter(pick)

    times = to_utc(
        col("ts_text"),
        col("tz_text"),
        default_year=ctx.default_year,
        table=ctx.zones,
        year_hint=col("year_hint"),
    )
    start = times.start
    if ctx.not_after_us is not None:
        start = roll_back_future(start, times.year_inferred, ctx.not_after_us)
    facility, severity = pri_parts(col("pri"))
    from_code = out.build("severity_from_code", pa.int16())
    severity = pc.coalesce(severity, from_code if every else from_code.filter(pick))

    columns: dict[str, object] = {
        name: col(name) for name in _STRING_COLUMNS if name in out.names()
    }
    action = col("event.action")
    iface = columns.get("interface.name")
    if isinstance(iface, pa.Array):
        tunnel = pc.and_(
            pc.fill_null(pc.match_substring_regex(iface, TUNNEL_INTERFACE), False),
            pc.fill_null(pc.is_in(action, pa.array(["interface_up", "interface_down"])), False),
        )
        action = pc.if_else(tunnel, "tunnel_state", action)
    columns["event.action"] = pc.fill_null(action, "system")
    columns["event.start"] = start
    columns["event.timezone"] = times.zone
    columns["log.syslog.facility.code"] = facility
    columns["log.syslog.severity.code"] = severity
    columns["log.sequence"] = _integers(col("log.sequence"), pa.int64())
    for name in ("source.port", "destination.port"):
        if name in out.names():
            columns[name] = _ports(col(name))
    kept = original if every else original.filter(pick)
    original_override = col("event.original") if "event.original" in out.names() else None
    columns["event.original"] = (
        pc.coalesce(original_override, kept) if original_override is not None else kept
    )
    if ctx.sender is not None:
        columns["log.source.address"] = pa.array(np.full(n, ctx.sender), type=STR)
    columns["input.file"] = pa.array(np.full(n, ctx.path), type=STR)
    columns["input.line"] = pa.array(numbers[keep], type=pa.int64())
    return from_columns("log", columns, n)


def records_into(out: Scatter, rows: list[int], records: list[dict[str, object]]) -> None:
    """Line-by-line records (dicts of column -> value) into ``out`` at ``rows``."""
    if not rows:
        return
    names = sorted({k for r in records for k in r})
    where = np.asarray(rows, dtype=np.int64)
    for name in names:
        values = [r.get(name) for r in records]
        out.put(name, where, pa.array([None if v is None else str(v) for v in values], type=STR))


def snippet(text: str, limit: int = 60) -> str:
    """A short, printable start of a line for an issue message."""
    cut = text[:limit]
    cut = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", cut)
    return cut + ("..." if len(text) > limit else "")
