"""Syslog framing: RFC 3164 / Cisco headers and RFC 5424 headers, column-wise.

One RE2 pattern reads every header shape seen from routers and switches, a run of optional
parts in a fixed order::

    <PRI> [: ] [TS1 [ZONE:]] [HOST1 [[ip]] [:]] [SEQ:] [HOST2:] [SEQ:] [NODE:] [*|.]TS2 [ZONE]:
    [app[pid]:] [%FAC-SEV-MNEMONIC:]

which covers ``<189>2360957: Jan  6 2022 20:52:12.861: %SYS-5-CONFIG_I: ...``,
``Feb  8 04:00:48 192.168.100.2 585917: Feb  8 04:00:47.272: %SEC-6-...``,
``<187>May  2 15:21:27 10.100.0.33 : 2023 May  2 15:21:27.206 UTC: ...`` (NX-OS),
``<190>Oct 7 07:19:44 rtr RP/0/RP0/CPU0:Oct 7 07:19:43.630 UTC: ipv4_acl_mgr[310]: %ACL-...``
(IOS XR), ``Mar  1 12:00:00 router sshd[1234]: SSHD_LOGIN_FAILED: ...`` (JunOS BSD) and the
plain ``Oct 11 22:14:15 host su: ...``. The whole matched header is captured too, so the
message is the line from the header's length on (no second capture of long text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.logs.columns import STR, Scatter, byte_lengths, groups

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

_SD = r"(?:\[(?:[^\]\"\\]|\\.|\"(?:[^\"\\]|\\.)*\")*\])+"
RFC5424 = (
    r"^(?P<h>\s*(?:<(?P<pri>\d{1,3})>(?P<ver>\d{1,2})? ?)?"
    r"(?P<ts>-|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) "
    r"(?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) "
    rf"(?P<sd>-|{_SD}) ?)"
)
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


def _resolve(parts: Scatter, zones: Mapping[str, str], coded: bool) -> dict[str, pa.Array]:
    """Header groups -> fields: ``ts``/``tz`` (the device's stamp: the last one),
    ``year_hint``, ``host``, ``hostip``, ``seq``, ``app``, ``pid``, ``pri``, ``node``
    (IOS XR), ``nxos_ts`` and ``cisco_stamp`` (bools)."""
    names = [n for n in _GROUPS if n not in ("host0", "hostip0", "hostip1")]
    g = {name: parts.build(name, STR) for name in [*names, "hostip"]}
    ts2, ts1 = g["ts2"], g["ts1"]
    has_ts2 = ts2.is_valid()
    ts = pc.coalesce(ts2, ts1)
    tz = pc.if_else(has_ts2, g["tz2"], g["tz1"])
    year_hint = pc.if_else(has_ts2, _year_of(ts1), pa.scalar(None, STR))
    host2, app = g["host2"], g["app"]
    if not coded:
        # "host tag: text" (su:, Checkpoint:, junos-ids:) reads like a Cisco origin-id; it
        # is a program tag when nothing Cisco follows it.
        tag_like = pc.and_(
            host2.is_valid(),
            pc.and_(pc.and_(pc.is_null(ts2), pc.is_null(g["seq2"])), pc.is_null(app)),
        )
    else:
        tag_like = pa.array(np.zeros(len(ts), dtype=bool))
    # "rtr AEST: %SFF..." names the zone of the first stamp, not a host.
    zone_word = pc.fill_null(
        pc.and_(
            pc.and_(host2.is_valid(), pc.is_null(ts2)),
            pc.is_in(pc.utf8_upper(host2), value_set=pa.array(sorted(zones), type=STR)),
        ),
        False,
    )
    tz = pc.if_else(pc.and_(zone_word, pc.is_null(tz)), host2, tz)
    app = pc.if_else(pc.and_(tag_like, pc.invert(zone_word)), host2, app)
    host2 = pc.if_else(pc.or_(tag_like, zone_word), pa.scalar(None, STR), host2)
    host = pc.coalesce(host2, g["host1"])
    hostip = g["hostip"]
    for candidate in (g["host1"], host2):
        hostip = pc.if_else(pc.and_(pc.is_null(hostip), is_ip(candidate)), candidate, hostip)
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
        "cisco_stamp": pc.or_(has_ts2, g["seq1"].is_valid()),  # a Cisco device stamp or seq
    }


def _year_of(stamps: pa.Array) -> pa.Array:
    found = pc.extract_regex(stamps, r"(?P<y>(?:19|20|21)\d\d)(?:[- ]|$)")
    return groups(found, "y")["y"]


def rfc5424_header(lines: pa.Array) -> dict[str, pa.Array]:
    """RFC 5424 header fields (``-`` values as null); ``matched`` marks rows that fit."""
    found = pc.extract_regex(lines, RFC5424)
    g = groups(found, "h", "pri", "ver", "ts", "host", "app", "procid", "msgid", "sd")
    out = {k: _nil_dash(g[k]) for k in ("pri", "ts", "host", "app", "procid", "msgid", "sd")}
    out["header_len"] = pa.array(byte_lengths(g["h"]))
    out["matched"] = found.is_valid()
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
