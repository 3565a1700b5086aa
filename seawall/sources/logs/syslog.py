"""Syslog framing: RFC 3164 / Cisco headers and RFC 5424 headers, column-wise.

One RE2 pattern (``HEADER``) reads every header shape seen from routers and switches, a run
of optional parts in a fixed order::

    <PRI> [: ] [TS1 [ZONE:]] [HOST1 [[ip]] [:]] [SEQ:] [HOST2:] [SEQ:] [NODE:] [*|.]TS2 [ZONE]:
    [app[pid]:]

which covers ``<189>2360957: Jan  6 2022 20:52:12.861: %SYS-5-CONFIG_I: ...``,
``Feb  8 04:00:48 192.168.100.2 585917: Feb  8 04:00:47.272: %SEC-6-...``,
``<187>May  2 15:21:27 10.100.0.33 : 2023 May  2 15:21:27.206 UTC: ...`` (NX-OS),
``<190>Oct 7 07:19:44 rtr RP/0/RP0/CPU0:Oct 7 07:19:43.630 UTC: ipv4_acl_mgr[310]: %ACL-...``
(IOS XR), ``Mar  1 12:00:00 router sshd[1234]: SSHD_LOGIN_FAILED: ...`` (JunOS BSD) and the
plain ``Oct 11 22:14:15 host su: ...``. RE2 extracts groups much faster from small patterns,
so the common shapes have their own (``FAST_*``) and the general one reads only what they
leave. Cisco lines are cut at their ``%CODE`` first, so header patterns see the header alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.logs.columns import (
    STR,
    Scatter,
    byte_lengths,
    groups,
    slice_from,
    split_at,
)

_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_CLOCK = r"\d\d:\d\d:\d\d(?:[.,]\d{1,9})?"
BSD_TS = _MON + r" +\d{1,2}(?: \d{4})? " + _CLOCK  # Mar 24 18:06:03.424 / Jan  6 2022 20:52:12
NXOS_TS = r"\d{4} " + _MON + r" +\d{1,2} " + _CLOCK  # 2023 May  2 12:55:19
ISO_TS = r"\d{4}-\d\d-\d\dT" + _CLOCK + r"(?:Z|[+-]\d\d:?\d\d)?"
UPTIME = r"\d+:\d\d:\d\d(?:\.\d+)?|\d+[ywd]\d+[wdh]"  # 00:00:46, 1w2d, 2d03h: no date
ZONE = r"[A-Za-z]{2,5}(?:[+-]\d{1,2}(?::?\d\d)?)?|[+-]\d\d:?\d\d"
# A host name must hold a non-digit, so sequence numbers are never taken for one.
HOST = r"[\w.-]*[A-Za-z_.-][\w.-]*|\[[^\]\s]*\]"


def _host_part(n: str) -> str:
    return rf"(?:(?P<host{n}>{HOST})(?: \[(?P<hostip{n}>[^\]\s]+)\])?(?: ?: +| +))"


_HOST_0, _HOST_1 = _host_part("0"), _host_part("1")
CISCO_CODE = r"[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*-[0-7]-[A-Z0-9_]+"

# The general header: a run of optional parts in a fixed order (see the module docstring).
_CORE = (
    r"\s*(?:<(?P<pri>\d{1,3})>)?(?:: ?)?"
    # A stamp followed by a colon is the device's own; no host name comes after it.
    rf"(?:(?P<ts1>{BSD_TS}|{NXOS_TS}|{ISO_TS})(?:(?: (?P<tz1>{ZONE}))?: +| +{_HOST_1}?)|{_HOST_0})?"
    r"(?:(?P<seq1>\d+): +)?"
    rf"(?:(?P<host2>{HOST}): +)?"
    r"(?:(?P<seq2>\d+): +)?"
    r"(?:(?P<node>[A-Z0-9]+(?:/[A-Za-z0-9]+)+):)?"
    rf"(?:(?P<sync>[*.])?(?P<ts2>{BSD_TS}|{NXOS_TS}|{UPTIME})(?: (?P<tz2>{ZONE}))?: +)?"
    r"(?:(?P<app>[A-Za-z_][\w./-]*)\[(?P<pid>\d+)\]: ?)?"
)
HEADER = rf"^(?P<h>{_CORE})"  # a line's header (message after it)
HEADER_BEFORE_CODE = rf"^{_CORE}$"  # the whole text before a %CODE
_GROUPS = re.findall(r"\(\?P<(\w+)>", _CORE)

# Fast paths for the common shapes: small patterns RE2 runs several times faster than the
# general one, which is tried only on what these leave.
_FAST_TS = rf"(?:\d{{4}} )?{_MON} +\d\d?(?: \d{{4}})? {_CLOCK}"
# "[<189>][Mar  1 00:00:00 relay ][123: ][host: ][RP/0/..:][*]Mar 1 00:00:00.000 UTC: "
FAST_CISCO = (
    r"^\s*(?:<(?P<pri>\d{1,3})>)?"
    rf"(?:{_MON} +\d\d? \d\d:\d\d:\d\d (?P<host1>[\w.-]+) )?"
    r"(?:(?P<seq1>\d+): )?"
    r"(?:(?P<host2>\d*[A-Za-z_.-][\w.-]*): )?"
    r"(?:(?P<node>[A-Z0-9]+(?:/\w+)+):)?"
    rf"[*.]?(?P<ts2>{_FAST_TS})"
    r"(?: (?P<tz2>[A-Za-z]+(?:[+-]\d\d?(?::?\d\d)?)?))?: "
    r"(?:(?P<app>\w+)\[\d+\]: )?$"
)
FAST_RELAY = (  # "[<189>]2024 Mar  1 00:02:52 nx-nyc-05 " (NX-OS, ASA, plain relays)
    rf"^\s*(?:<(?P<pri>\d{{1,3}})>)?(?P<ts1>{_FAST_TS}|{ISO_TS}) (?P<host1>[\w.-]+) $"
)
FAST_BSD = (  # "Mar  1 00:00:28 jun-sjc-22 mgd[46090]: " (JunOS, Linux, firewalls)
    r"^(?P<h>\s*(?:<(?P<pri>\d{1,3})>)?"
    rf"(?P<ts1>{_MON} +\d\d? \d\d:\d\d:\d\d) (?P<host1>[\w.-]+) "
    r"(?P<app>[A-Za-z_][\w./-]*)(?:\[(?P<pid>\d+)\])?: ?)"
)
# Before a %CODE the general pattern does not know (relayed twice, ...): the stamp right
# before the code, if any.
LOOSE = rf"(?P<ts>{BSD_TS}|{NXOS_TS}|{ISO_TS})(?: (?P<tz>{ZONE}))?: ?$"
FIRST_PERCENT_CODE = rf"^[^%]*%{CISCO_CODE} ?:"  # the first % starts a Cisco code
HAS_CISCO_CODE = rf"%{CISCO_CODE} ?:"

# RFC 5424 up to MSGID; the structured data after it ends at the first "]" followed by a
# space or the end (an escaped "\]" inside a value does not end it).
RFC5424 = (
    r"^(?P<h>\s*(?:<(?P<pri>\d{1,3})>\d{0,2} ?)?"
    r"(?P<ts>-|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) "
    r"(?P<host>\S+) (?P<app>\S+) \S+ (?P<msgid>\S+) )"
)
_SD_END = r"[^\\]\](?: |$)"
LOOKS_5424 = r"^\s*<\d{1,3}>(?:\d{1,2} ?| )(?:- |\d{4}-\d\d-\d\dT)"
STARTS_ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
_IP = r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})$"


def is_ip(values: pa.Array) -> pa.Array:
    """Mask: the value is written like an IPv4 or IPv6 address (nulls: false)."""
    return pc.fill_null(pc.match_substring_regex(values, _IP), False)


def _extract_into(
    parts: Scatter, lines: pa.Array, rows: np.ndarray, pattern: str, names: list[str]
) -> np.ndarray:
    """Extract ``pattern`` from ``lines`` (which are ``rows`` of the whole); store the groups
    of matching lines; return the rows that did not match."""
    if len(rows) == 0:
        return rows
    found = pc.extract_regex(lines, pattern)
    hit = found.is_valid().to_numpy(zero_copy_only=False)
    parts.put_all(rows[hit], groups(found.filter(pa.array(hit)), *names))
    return rows[~hit]


def _names(pattern: str) -> list[str]:
    return re.findall(r"\(\?P<(\w+)>", pattern)


def _general(parts: Scatter, lines: pa.Array, rows: np.ndarray, pattern: str) -> np.ndarray:
    """The general pattern on ``rows``; host parts folded; returns rows it did not match."""
    if len(rows) == 0:
        return rows
    found = pc.extract_regex(lines.take(pa.array(rows)), pattern)
    hit = found.is_valid().to_numpy(zero_copy_only=False)
    g = groups(found.filter(pa.array(hit)), *_names(pattern))
    g["host1"] = pc.coalesce(g.pop("host1"), g.pop("host0"))
    g["hostip"] = pc.coalesce(g.pop("hostip1"), g.pop("hostip0"))
    parts.put_all(rows[hit], g)
    return rows[~hit]


def cisco_header(heads: pa.Array, zones: Mapping[str, str]) -> dict[str, pa.Array]:
    """Fields of the text before a Cisco ``%CODE`` (see ``_resolve``); a header no pattern
    reads whole still gives the stamp right before the code."""
    parts = Scatter(len(heads))
    rows = np.arange(len(heads))
    rows = _extract_into(parts, heads, rows, FAST_CISCO, _names(FAST_CISCO))
    if len(rows):
        left = _extract_into(
            parts, heads.take(pa.array(rows)), rows, FAST_RELAY, _names(FAST_RELAY)
        )
        rows = _general(parts, heads, left, HEADER_BEFORE_CODE)
    if len(rows):
        found = pc.extract_regex(heads.take(pa.array(rows)), LOOSE)
        g = groups(found, "ts", "tz")
        parts.put("ts2", rows, g["ts"])
        parts.put("tz2", rows, g["tz"])
    return _resolve(parts, zones, coded=True)


def plain_header(lines: pa.Array, zones: Mapping[str, str]) -> dict[str, pa.Array]:
    """Header fields of lines without a Cisco code, and ``header_len`` (bytes)."""
    parts = Scatter(len(lines))
    rows = np.arange(len(lines))
    rows = _extract_into(parts, lines, rows, FAST_BSD, _names(FAST_BSD))
    _general(parts, lines, rows, HEADER)
    out = _resolve(parts, zones, coded=False)
    out["header_len"] = pa.array(byte_lengths(parts.build("h", STR)))
    return out


def _valid(values: pa.Array) -> np.ndarray:
    return values.is_valid().to_numpy(zero_copy_only=False)


def _where(mask: np.ndarray, values: pa.Array, otherwise: pa.Array) -> pa.Array:
    """``values`` where ``mask`` (numpy) holds, else ``otherwise``; cheap when all or none."""
    if not mask.any():
        return otherwise
    if mask.all():
        return values
    return pc.if_else(pa.array(mask), values, otherwise)


def _resolve(parts: Scatter, zones: Mapping[str, str], coded: bool) -> dict[str, pa.Array]:
    """Header groups -> fields: ``ts``/``tz`` (the device's stamp: the last one),
    ``year_hint``, ``host``, ``hostip``, ``seq``, ``app``, ``pid``, ``pri``, ``node``
    (IOS XR), ``nxos_ts`` and ``cisco_stamp`` (bools)."""
    names = [n for n in _GROUPS if n not in ("host0", "hostip0", "hostip1")]
    g = {name: parts.build(name, STR) for name in [*names, "hostip"]}
    n = parts.n
    none = pa.nulls(n, STR)
    ts2, ts1 = g["ts2"], g["ts1"]
    has_ts2, has_ts1 = _valid(ts2), _valid(ts1)
    ts = _where(has_ts2, ts2, ts1)
    tz = _where(has_ts2, g["tz2"], g["tz1"])
    both = has_ts2 & has_ts1
    year_hint = none
    if both.any():  # a year on the relay's stamp, none on the device's
        year_hint = Scatter(n)
        year_hint.put("y", np.flatnonzero(both), _year_of(ts1.filter(pa.array(both))))
        year_hint = year_hint.build("y", STR)
    host2, app = g["host2"], g["app"]
    has_host2 = _valid(host2)
    candidates = has_host2 & ~has_ts2
    tag_like = np.zeros(n, dtype=bool)
    zone_word = np.zeros(n, dtype=bool)
    if candidates.any():
        # "rtr AEST: %SFF..." names the zone of the first stamp, not a host.
        upper = pc.utf8_upper(host2)
        zone_word = candidates & _mask(pc.is_in(upper, pa.array(sorted(zones), type=STR)))
        if not coded:
            # "host tag: text" (su:, Checkpoint:, junos-ids:) reads like a Cisco origin-id;
            # it is a program tag when nothing Cisco follows it.
            tag_like = candidates & ~_valid(g["seq2"]) & ~_valid(app) & ~zone_word
        tz = _where(zone_word & ~_valid(tz), host2, tz)
        app = _where(tag_like, host2, app)
        host2 = _where(tag_like | zone_word, none, host2)
    host = pc.coalesce(host2, g["host1"])
    hostip = g["hostip"]
    for candidate in (g["host1"], host2):
        check = ~_valid(hostip) & _valid(candidate)
        if check.any():
            looks = np.zeros(n, dtype=bool)
            looks[check] = _mask(is_ip(candidate.filter(pa.array(check))))
            hostip = _where(looks, candidate, hostip)
    return {
        "ts": ts,
        "tz": tz,
        "year_hint": year_hint,
        "host": host,
        "hostip": hostip,
        "seq": pc.coalesce(g["seq2"], g["seq1"]),
        "app": app,
        "pid": g["pid"],
        "pri": g["pri"],
        "node": g["node"],
        "nxos_ts": pc.fill_null(pc.match_substring_regex(ts, r"^\d{4} "), False),
        "cisco_stamp": pa.array(has_ts2 | _valid(g["seq1"])),  # a Cisco device stamp or seq
    }


def _mask(values: pa.Array) -> np.ndarray:
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def _year_of(stamps: pa.Array) -> pa.Array:
    found = pc.extract_regex(stamps, r"(?P<y>(?:19|20|21)\d\d)(?:[- ]|$)")
    return groups(found, "y")["y"]


_FAST_5424 = r"^<\d{1,3}>\d{1,2} (?:-|\d{4}-\d\d-\d\dT\S+) \S+ \S+ \S+ \S+ "


def _5424_fields(lines: pa.Array) -> tuple[dict[str, pa.Array], np.ndarray]:
    """(pri, ts, host, app, msgid, rest) of RFC 5424 lines and the mask of those read. The
    usual shape (``<PRI>VER`` then single spaces) is split on spaces; others use the regex."""
    n = len(lines)
    parts = Scatter(n)
    plain = _mask(pc.match_substring_regex(lines, _FAST_5424))
    rows = np.flatnonzero(plain)
    if len(rows):
        tokens = pc.split_pattern(lines.filter(pa.array(plain)), " ", max_splits=6)
        first = pc.list_element(tokens, 0)
        pri = pc.split_pattern(pc.utf8_ltrim(first, "<"), ">", max_splits=1)
        parts.put("pri", rows, pc.list_element(pri, 0))
        for name, index in (("ts", 1), ("host", 2), ("app", 3), ("msgid", 5), ("rest", 6)):
            parts.put(name, rows, pc.list_element(tokens, index))
    other = np.flatnonzero(~plain)
    matched = plain.copy()
    if len(other):
        subset = lines.take(pa.array(other))
        found = pc.extract_regex(subset, RFC5424)
        hit = found.is_valid().to_numpy(zero_copy_only=False)
        g = groups(found, "h", "pri", "ts", "host", "app", "msgid")
        g["rest"] = slice_from(subset, byte_lengths(g.pop("h")))
        parts.put_all(other[hit], {k: v.filter(pa.array(hit)) for k, v in g.items()})
        matched[other[hit]] = True
    return {k: parts.build(k, STR) for k in ("pri", "ts", "host", "app", "msgid", "rest")}, matched


def rfc5424_header(lines: pa.Array) -> dict[str, pa.Array]:
    """RFC 5424 fields (``-`` values as null): ``pri``, ``ts``, ``host``, ``app``, ``msgid``,
    ``sd``, ``message``; ``matched`` (bool array) marks the lines that fit."""
    g, matched = _5424_fields(lines)
    rest = g.pop("rest")
    first = pc.utf8_slice_codeunits(rest, 0, 1)
    nil = _mask(pc.equal(first, "-"))
    opened = _mask(pc.equal(first, "["))
    end = pc.fill_null(pc.find_substring_regex(rest, _SD_END), -1)
    closed = opened & (end.to_numpy(zero_copy_only=False) >= 0)
    sd_len = np.where(closed, end.to_numpy(zero_copy_only=False) + 2, np.where(nil, 1, 0))
    sd, message = split_at(rest, sd_len)
    out = {k: _nil_dash(v) for k, v in g.items()}
    out["sd"] = pc.if_else(pa.array(closed), sd, pa.scalar(None, STR))
    out["message"] = pc.utf8_ltrim(message, " ")
    out["matched"] = matched & (nil | closed)
    return out


def _nil_dash(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, "-"), pa.scalar(None, STR), values)


def pri_parts(pri: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Facility and severity codes from the PRI number (0..191; others null)."""
    value = pc.cast(pri, pa.int32())
    value = pc.if_else(pc.less_equal(value, 191), value, pa.scalar(None, pa.int32()))
    facility = pc.cast(pc.divide(value, 8), pa.int16())
    severity = pc.cast(pc.subtract(value, pc.multiply(pc.divide(value, 8), 8)), pa.int16())
    return facility, severity


def first_true(mask: pa.Array) -> np.ndarray:
    """Row indices where an Arrow boolean mask is true (nulls: false)."""
    return np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
