"""Line-by-line readers for the rare shapes without a syslog header: Juniper SA / Pulse
(IVE) event lines, ScreenOS local event log, SonicWall raw ``id=firewall`` lines, and a bare
``<PRI>text`` message. Each returns a record dict (LOG column names, ``ts_text`` for the
stamp) or None."""

from __future__ import annotations

import re

from seawall.sources.logs.aaa import Record, _ip_or_none

_IVE = re.compile(
    r"^(?:\S+ \d\d:\d\d:\d\d (?P<relay>\S+) )?Juniper: (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"
    r" - (?P<node>\S+) - \[(?P<src>[^\]]*)\] (?P<rest>.*)$"
)
_IVE_USER = re.compile(r"^(?P<user>[^\s(\[]+)\([^)]*\)\[[^\]]*\] - (?P<text>.*)$")
_IVE_LOGIN = re.compile(r"Login (?P<ok>succeeded|failed)(?: for (?P<user>[^/\s]+))?")
_SCREENOS = re.compile(
    r"^\[\d+\] (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<vsys>[^\]]*)\](?P<text>.*)$"
)
_SONICWALL = re.compile(r'^\s*id=\S+ sn=\S+ time="(?P<ts>[^"]+)" fw=(?P<fw>\S+) (?P<text>.*)$')
_SONICWALL_LOGIN = re.compile(r'msg="Administrator login (?P<how>allowed|denied)')
_SONICWALL_SRC = re.compile(r"\bsrc=(?P<src>\d{1,3}(?:\.\d{1,3}){3})")
_PRI_ONLY = re.compile(r"^\s*<(?P<pri>\d{1,3})>(?P<text>[^\x00-\x08\x0e-\x1f\x7f\ufffd]*\S)\s*$")


def read_line(text: str) -> Record | None:
    for reader in (_ive, _screenos, _sonicwall, _pri_only):
        record = reader(text)
        if record is not None:
            return record
    return None


def _ive(text: str) -> Record | None:
    m = _IVE.match(text)
    if m is None:
        return None
    rest = m["rest"]
    user: str | None = None
    u = _IVE_USER.match(rest)
    if u is not None:
        user, rest = u["user"], u["text"]
    record: Record = {
        "log.format": "other",
        "ts_text": m["ts"],
        "event.action": "system",
        "host.name": m["relay"],
        "host.ip": _ip_or_none(m["relay"]),
        "source.ip": _ip_or_none(m["src"]),
        "message": rest,
    }
    login = _IVE_LOGIN.search(rest)
    if login is not None:
        ok = login["ok"] == "succeeded"
        record["event.action"] = "login_success" if ok else "login_failure"
        record["event.outcome"] = "success" if ok else "failure"
        user = login["user"] or user
    record["user.name"] = user
    return record


def _screenos(text: str) -> Record | None:
    m = _SCREENOS.match(text)
    if m is None:
        return None
    body = m["text"]
    vpn = re.search(r"\bVPN '[^']*' .* is (?:up|down)\b", body) is not None
    return {
        "log.format": "other",
        "ts_text": m["ts"],
        "event.action": "vpn" if vpn else "system",
        "message": body.strip(),
    }


def _sonicwall(text: str) -> Record | None:
    m = _SONICWALL.match(text)
    if m is None:
        return None
    record: Record = {
        "log.format": "other",
        "ts_text": m["ts"],
        "event.action": "system",
        "host.ip": _ip_or_none(m["fw"]),
        "host.name": m["fw"],
        "message": m["text"],
    }
    login = _SONICWALL_LOGIN.search(text)
    if login is not None:
        ok = login["how"] == "allowed"
        record["event.action"] = "login_success" if ok else "login_failure"
        record["event.outcome"] = "success" if ok else "failure"
        src = _SONICWALL_SRC.search(text)
        record["source.ip"] = src["src"] if src else None
    return record


def _pri_only(text: str) -> Record | None:
    m = _PRI_ONLY.match(text)
    if m is None or int(m["pri"]) > 191:
        return None
    return {
        "log.format": "other",
        "pri": m["pri"],
        "event.action": "system",
        "message": m["text"].strip(),
    }
