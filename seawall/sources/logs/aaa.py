"""AAA server records: Cisco ISE / Secure ACS 5 syslog (column-wise), and the rarer file
formats read line by line: Secure ACS CSV exports, tac_plus accounting, RADIUS accounting
detail files and FreeRADIUS ``radius.log``.

TACACS+ accounting is where command text lives when devices do not log it: ISE writes
``CmdSet=[ CmdAV=show running-config <cr> ]`` with ``User=``, ``Device IP Address=`` (the
router) and ``Remote-Address=`` (where the admin came from); tac_plus writes one
tab-separated line per record::

    Jan 13 10:05:55<TAB>10.1.1.1<TAB>admin<TAB>tty2<TAB>10.9.9.9<TAB>stop<TAB>task_id=5
    <TAB>service=shell<TAB>priv-lvl=15<TAB>cmd=show running-config <cr>

(date, NAS, user, tty, remote address, start/stop/update, attribute-value pairs; tac_plus-ng
writes ``2024-01-13 10:05:55 +0100`` as the date).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.logs.actions import ISE
from seawall.sources.logs.columns import STR, Scatter, groups
from seawall.sources.logs.mapper import apply_mappings

ISE_START = r"^(?:CISE|CSCOacs)_\w+ "
_ISE_HEADER = (
    r"^(?P<h>(?P<cat>(?:CISE|CSCOacs)_\w+) \d+ \d+ \d+ "
    r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? ?[+-]\d\d:?\d\d) (?P<seq>\d+) "
    r"(?P<code>\d+) (?P<sev>[A-Z]+) [^:,]*: ?)"
)
_ISE_CMDSET = r"CmdSet=\[ ?(?P<cmd>.*?) ?\](?:,|$)"


def ise_keys(key: str | None) -> tuple[str, ...]:
    return ("*",) if key is None else (key, "*")


def handle_ise(out: Scatter, rows: np.ndarray, body: pa.Array) -> np.ndarray:
    """ISE / ACS 5 syslog bodies (``CISE_TACACS_Accounting 0000000001 4 0 2020-...``).
    Returns the mask of rows that had the full ISE header."""
    found = pc.extract_regex(body, _ISE_HEADER)
    ok = found.is_valid().to_numpy(zero_copy_only=False)
    if not ok.any():
        return ok
    pick = pa.array(ok)
    g = groups(found.filter(pick), "h", "cat", "ts", "seq", "code")
    where = rows[ok]
    text = body.filter(pick)
    message = pc.utf8_slice_codeunits(text, 0)  # the whole body: categories and pairs
    radius = pc.fill_null(pc.match_substring(g["cat"], "RADIUS"), False)
    out.put("log.format", where, pc.if_else(radius, "radius", "ise_tacacs"))
    out.put("log.syslog.appname", where, g["cat"])
    out.put("event.code", where, g["code"])
    out.put("log.sequence", where, g["seq"])
    out.put("ts_text", where, g["ts"])
    out.put("message", where, message)
    command = groups(pc.extract_regex(text, _ISE_CMDSET), "cmd")["cmd"]
    out.put("process.command_line", where, tacacs_command(command))
    apply_mappings(ISE, ise_keys, g["cat"], text, where, out)
    return ok


def tacacs_command(cmdset: pa.Array) -> pa.Array:
    """``CmdAV=configure CmdArgAV=terminal CmdArgAV=<cr>`` -> ``configure terminal``."""
    text = pc.replace_substring_regex(cmdset, r"^CmdAV=", "")
    text = pc.replace_substring_regex(text, r"\s*CmdArgAV=", " ")
    text = pc.replace_substring_regex(text, r"\s*<cr>", "")
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.greater(pc.binary_length(text), 0), text, pa.scalar(None, STR))


# ---------------------------------------------------------------- line-by-line formats

Record = dict[str, object]


@dataclass(slots=True)
class LineState:
    """What the line-by-line readers carry from one line to the next (one input)."""

    acs_columns: list[str] | None = None
    radius: Record | None = None
    radius_lines: list[str] = field(default_factory=list)
    radius_attrs: dict[str, str] = field(default_factory=dict)


# Secure ACS CSV exports always carry the user column; other CSVs with dates are not AAA.
_ACS_HEADER = re.compile(r"^Date,Time,(?:[\w -]+,)*User-Name(?:,[\w -]+)*\s*$")
_ACS_ROW = re.compile(r"^\d\d/\d\d/\d{4},\d\d:\d\d:\d\d,")
_IP = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})$")

_TACPLUS_DATE = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?: \d{4})?$"
    r"|^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?: ?[+-]\d\d:?\d\d)?$"
)
_CTIME = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) "
    r"(?P<clock>\d\d:\d\d:\d\d)(?: (?P<year>\d{4}))?$"
)
_RADIUS_HEADER = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) "
    r"(?P<clock>\d\d:\d\d:\d\d) (?P<year>\d{4})\s*$"
)
_RADIUS_ATTR = re.compile(r"^\s+(?P<name>[A-Za-z][\w-]*(?::\d+)?) = (?P<value>.*?)\s*$")
_FREERADIUS = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) "
    r"(?P<clock>\d\d:\d\d:\d\d) (?P<year>\d{4}) : (?P<level>\w+): (?:\(\d+\) )?(?P<text>.*)$"
)
_FREERADIUS_LOGIN = re.compile(
    r"Login (?P<ok>OK|incorrect)(?: \([^)]*\))?: \[(?P<user>[^\]/]*)(?:/[^\]]*)?\] "
    r"\(from client (?P<client>\S+) port (?P<port>\d+)(?: cli (?P<cli>[^)\s]+))?"
)
MAX_RADIUS_ATTRIBUTES = 500


def _ip_or_none(value: str | None) -> str | None:
    return value if value and _IP.match(value) else None


def _stamp(text: str) -> str:
    """A ctime/BSD date as ``Mon dd yyyy hh:mm:ss`` (the year before the clock, as the
    column-wise stamp reader expects); ISO dates unchanged."""
    m = _CTIME.match(text)
    if m is None:
        return text
    year = f" {m['year']}" if m["year"] else ""
    return f"{m['mon']} {m['day']}{year} {m['clock']}"


def read_line(text: str, state: LineState) -> tuple[Record | None, bool, Record | None]:
    """One line of an AAA file: (record for this line, understood, finished RADIUS record
    of earlier lines). ``understood`` with no record means a structure line (CSV header,
    RADIUS attribute)."""
    attr = _RADIUS_ATTR.match(text)
    if attr is not None and state.radius is not None:
        if len(state.radius_lines) < MAX_RADIUS_ATTRIBUTES:
            state.radius_attrs.setdefault(attr["name"], attr["value"].strip('"'))
            state.radius_lines.append(text)
        return None, True, None
    finished = _finish_radius(state)
    header = _RADIUS_HEADER.match(text)
    if header is not None:
        state.radius = {
            "ts_text": f"{header['mon']} {header['day']} {header['year']} {header['clock']}",
            "log.format": "radius",
        }
        state.radius_lines = [text]
        return None, True, finished
    if _ACS_HEADER.match(text):
        state.acs_columns = [c.strip() for c in text.split(",")]
        return None, True, finished
    if text.startswith("Date,Time,"):  # another CSV export: its rows are not ACS records
        state.acs_columns = None
    elif state.acs_columns is not None and _ACS_ROW.match(text):
        return _acs_record(text, state.acs_columns), True, finished
    record = _tacplus_record(text) or _freeradius_record(text)
    return record, record is not None, finished


def flush(state: LineState) -> Record | None:
    """The RADIUS record still open at the end of the input."""
    return _finish_radius(state)


def _finish_radius(state: LineState) -> Record | None:
    record, lines, attrs = state.radius, state.radius_lines, state.radius_attrs
    state.radius, state.radius_lines, state.radius_attrs = None, [], {}
    if record is None:
        return None
    status = attrs.get("Acct-Status-Type", "")
    record["event.action"] = {
        "start": "session_start",
        "stop": "session_stop",
    }.get(status.lower(), "system")
    record["event.code"] = status or attrs.get("Packet-Type") or None
    record["user.name"] = attrs.get("User-Name") or None
    record["host.ip"] = _ip_or_none(attrs.get("NAS-IP-Address"))
    record["host.name"] = attrs.get("NAS-Identifier") or record["host.ip"]
    record["source.ip"] = _ip_or_none(attrs.get("Calling-Station-Id")) or _ip_or_none(
        attrs.get("Framed-IP-Address")
    )
    record["message"] = "; ".join(f"{k}={v}" for k, v in attrs.items())
    record["event.original"] = "\n".join(lines)
    return record


def _acs_record(text: str, columns: list[str]) -> Record:
    values = next(csv.reader([text]), [])
    row = dict(zip(columns, values, strict=False))
    kind = (row.get("Message-Type") or "").lower()
    flags = (row.get("Acct-Flags") or row.get("Acct-Status-Type") or "").lower()
    command = (row.get("cmd") or row.get("Cmd") or "").replace("<cr>", "").strip() or None
    if command:
        action = "command"
    elif "authen ok" in kind or "passed" in kind:
        action = "login_success"
    elif "fail" in kind:
        action = "login_failure"
    elif flags == "start":
        action = "session_start"
    elif flags == "stop":
        action = "session_stop"
    else:
        action = "system"
    outcome = {"login_success": "success", "login_failure": "failure"}.get(action)
    caller = row.get("Caller-ID") or row.get("Caller-Id") or row.get("Remote-Address")
    nas = row.get("NAS-IP-Address")
    return {
        "log.format": "acs",
        "ts_text": f"{row.get('Date', '')} {row.get('Time', '')}",
        "event.action": action,
        "event.outcome": outcome,
        "event.code": row.get("Message-Type") or None,
        "user.name": row.get("User-Name") or None,
        "source.ip": _ip_or_none(caller),
        "host.ip": _ip_or_none(nas),
        "host.name": nas or None,
        "process.command_line": command,
        "message": text,
    }


def _tacplus_record(text: str) -> Record | None:
    parts = text.rstrip("\r\n").split("\t")
    if len(parts) < 6 or parts[5].strip().lower() not in ("start", "stop", "update"):
        return None
    if not _TACPLUS_DATE.match(parts[0].strip()):
        return None
    pairs = dict(_pairs(parts[6:]))
    kind = parts[5].strip().lower()
    command = (pairs.get("cmd") or "").replace("<cr>", "").strip() or None
    action = (
        "command"
        if command
        else {"start": "session_start", "stop": "session_stop"}.get(kind, "system")
    )
    nas, remote = parts[1].strip(), parts[4].strip()
    return {
        "log.format": "tac_plus",
        "ts_text": _stamp(parts[0].strip()),
        "event.action": action,
        "event.code": kind,
        "user.name": parts[2].strip() or None,
        "host.name": nas or None,
        "host.ip": _ip_or_none(nas),
        "source.ip": _ip_or_none(remote),
        "process.command_line": command,
        "message": "\t".join(parts[5:]),
    }


def _pairs(items: list[str]) -> Iterator[tuple[str, str]]:
    for item in items:
        key, sep, value = item.partition("=")
        if sep:
            yield key.strip(), value.strip()


def _freeradius_record(text: str) -> Record | None:
    m = _FREERADIUS.match(text)
    if m is None:
        return None
    record: Record = {
        "log.format": "radius",
        "ts_text": f"{m['mon']} {m['day']} {m['year']} {m['clock']}",
        "event.action": "system",
        "event.code": m["level"],
        "message": m["text"],
    }
    login = _FREERADIUS_LOGIN.search(m["text"])
    if login is not None:
        ok = login["ok"] == "OK"
        record["event.action"] = "login_success" if ok else "login_failure"
        record["event.outcome"] = "success" if ok else "failure"
        record["user.name"] = login["user"] or None
        record["host.name"] = login["client"]
        record["host.ip"] = _ip_or_none(login["client"])
        record["source.ip"] = _ip_or_none(login["cli"])
    return record
