"""One block of lines through the column-wise readers.

Order: RFC 5424 lines (cheap prefix test), then the syslog header of every other line, then
the message by what starts it: a Cisco ``%CODE:``, an embedded RFC 5424 message (JunOS relayed
over BSD syslog), an ISE/ACS category, a JunOS tag, or plain text. Lines none of these take
(no header, no stamp) are left for the line-by-line readers (``aaa``, ``other``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.logs import aaa, cisco, junos
from seawall.sources.logs.columns import (
    STR,
    Scatter,
    byte_lengths,
    groups,
    slice_from,
    split_at,
)
from seawall.sources.logs.syslog import (
    FIRST_PERCENT_CODE,
    HAS_CISCO_CODE,
    LOOKS_5424,
    STARTS_ISO,
    cisco_header,
    first_true,
    is_ip,
    plain_header,
    rfc5424_header,
)


@dataclass(frozen=True, slots=True)
class Context:
    path: str
    sender: str | None
    default_year: int
    zones: Mapping[str, str]  # upper-case abbreviation -> offset
    not_after_us: int | None  # year-less stamps later than this are last year's


def _mask(values: pa.Array) -> np.ndarray:
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def _take(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return values.filter(pa.array(mask))


def blank_lines(lines: pa.Array) -> np.ndarray:
    empty = pc.equal(pc.fill_null(pc.binary_length(lines), 0), 0)
    return _mask(pc.or_(empty, pc.fill_null(pc.utf8_is_space(lines), True)))


def parse_block(lines: pa.Array, ctx: Context) -> tuple[Scatter, np.ndarray, np.ndarray]:
    """Fields of the lines this module understands: (columns, understood mask, indices
    left for the line-by-line readers). Blank lines are neither."""
    n = len(lines)
    out = Scatter(n)
    understood = np.zeros(n, dtype=bool)
    todo = np.flatnonzero(~blank_lines(lines))
    if len(todo) == 0:
        return out, understood, todo

    subset = lines if len(todo) == n else lines.take(pa.array(todo))
    structured = _mask(pc.match_substring_regex(subset, LOOKS_5424))
    if structured.any():
        rows = todo[structured]
        done = _rfc5424(out, _take(subset, structured), rows)
        understood[rows[done]] = True
        keep = ~structured
        keep[np.flatnonzero(structured)[~done]] = True
        todo, subset = todo[keep], _take(subset, keep)
    left = _syslog(out, subset, todo, understood, ctx) if len(todo) else todo
    return out, understood, left


def _rfc5424(out: Scatter, lines: pa.Array, rows: np.ndarray) -> np.ndarray:
    """RFC 5424 lines; returns the mask of those that fit the header grammar."""
    hdr = rfc5424_header(lines)
    ok = hdr.pop("matched")
    if ok.any():
        pick = pa.array(ok)
        _structured_fields(out, rows[ok], {k: v.filter(pick) for k, v in hdr.items()})
    return ok


def _structured_fields(out: Scatter, rows: np.ndarray, h: dict[str, pa.Array]) -> None:
    out.put("ts_text", rows, h["ts"])
    out.put("host.name", rows, h["host"])
    out.put("host.ip", rows, pc.if_else(is_ip(h["host"]), h["host"], pa.scalar(None, STR)))
    if "pri" in h:
        out.put("pri", rows, h["pri"])
    message = pc.utf8_ltrim(h["message"], "\ufeff")
    junos.handle_structured(out, rows, h["app"], h["msgid"], h["sd"], message)


def _syslog(
    out: Scatter, lines: pa.Array, rows: np.ndarray, understood: np.ndarray, ctx: Context
) -> np.ndarray:
    """Lines with (or without) an RFC 3164 / Cisco header; returns rows left over."""
    cut = _code_positions(lines)
    coded = cut >= 0
    if coded.any():
        heads, rest = split_at(_take(lines, coded), cut[coded])
        # "%CODE: text" / "%CODE : text": the code up to the first colon, the text after it
        colon = pc.find_substring(rest, ":").to_numpy(zero_copy_only=False).astype(np.int64)
        code_part, after = split_at(rest, colon)
        codes = pc.utf8_trim(code_part, "% ")
        message = pc.utf8_ltrim(after, ": ")
        h = cisco_header(heads, ctx.zones)
        where = rows[coded]
        _common(out, where, h)
        iosxr = pc.or_(h["node"].is_valid(), h["app"].is_valid())
        cisco.handle(out, where, codes, message, iosxr, h["nxos_ts"])
        understood[where] = True
    if coded.all():
        return rows[:0]
    plain = ~coded
    lines = _take(lines, plain)
    h = plain_header(lines, ctx.zones)
    message = slice_from(lines, h["header_len"].to_numpy())
    where = rows[plain]
    _common(out, where, h)
    return _bodies(out, where, h, message, understood)


def _code_positions(lines: pa.Array) -> np.ndarray:
    """Byte position of the first Cisco ``%FAC-SEV-MNEMONIC:`` of each line, -1 if none.
    The first ``%`` nearly always starts it; the regex search runs only where it does not."""
    first = pc.find_substring(lines, "%").to_numpy(zero_copy_only=False).astype(np.int64)
    at_first = _mask(pc.match_substring_regex(lines, FIRST_PERCENT_CODE))
    cut = np.where(at_first, first, -1)
    others = np.flatnonzero(~at_first & (first >= 0))
    if len(others):
        found = pc.find_substring_regex(lines.take(pa.array(others)), HAS_CISCO_CODE)
        cut[others] = found.to_numpy(zero_copy_only=False)
    return cut


def _common(out: Scatter, rows: np.ndarray, h: dict[str, pa.Array]) -> None:
    """Header fields every record of the header grammar gets."""
    for column, key in (
        ("ts_text", "ts"),
        ("tz_text", "tz"),
        ("year_hint", "year_hint"),
        ("host.name", "host"),
        ("host.ip", "hostip"),
        ("pri", "pri"),
        ("log.sequence", "seq"),
        ("log.syslog.appname", "app"),
    ):
        out.put(column, rows, h[key])


def _bodies(
    out: Scatter,
    rows: np.ndarray,
    h: dict[str, pa.Array],
    text: pa.Array,
    understood: np.ndarray,
) -> np.ndarray:
    """Messages without a Cisco code, by what they start with; returns the rows left."""
    left = np.ones(len(rows), dtype=bool)

    # JunOS relayed over BSD syslog: "junos-ids: 2017-08-24T04:58:58.724Z host RT_IDS - ..."
    iso = first_true(pc.match_substring_regex(text, STARTS_ISO))
    if len(iso):
        inner = rfc5424_header(text.take(pa.array(iso)))
        ok = inner.pop("matched")
        if ok.any():
            pick = pa.array(ok)
            fields = {k: v.filter(pick) for k, v in inner.items() if k != "pri"}
            _structured_fields(out, rows[iso[ok]], fields)
            left[iso[ok]] = False

    ise = first_true(pc.match_substring_regex(text, aaa.ISE_START))
    ise = ise[left[ise]]
    if len(ise):
        ok = aaa.handle_ise(out, rows[ise], text.take(pa.array(ise)))
        left[ise[ok]] = False

    cand = np.flatnonzero(left)
    if len(cand):
        found = pc.extract_regex(text.take(pa.array(cand)), junos.TAG_PREFIX)
        tagged = found.is_valid().to_numpy(zero_copy_only=False)
        if tagged.any():
            where = cand[tagged]
            prefix = groups(found.filter(pa.array(tagged)), "p")["p"]
            body = slice_from(text.take(pa.array(where)), byte_lengths(prefix))
            tags = pc.utf8_rtrim(prefix, ": ")
            junos.handle_tagged(out, rows[where], tags, body, h["app"].take(pa.array(where)))
            left[where] = False

    # Plain text after a header with a stamp or a PRI: recognised framing, text kept.
    cand = np.flatnonzero(left)
    if len(cand):
        at = pa.array(cand)
        ok = _mask(pc.or_(h["ts"].take(at).is_valid(), h["pri"].take(at).is_valid()))
        if ok.any():
            where = pa.array(cand[ok])
            fmt = pc.if_else(
                h["nxos_ts"].take(where),
                "cisco_nxos",
                pc.if_else(
                    h["cisco_stamp"].take(where),
                    "cisco_ios",
                    pc.if_else(h["pid"].take(where).is_valid(), "rfc3164", "other"),
                ),
            )
            junos.handle_plain(out, rows[cand[ok]], text.take(where), h["app"].take(where), fmt)
            left[cand[ok]] = False
    understood[rows[~left]] = True
    return rows[left]
