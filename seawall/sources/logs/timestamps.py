"""Log timestamps to UTC, column-wise.

Handles the forms devices write: ``Mar 24 18:06:03.424`` (RFC 3164 / Cisco, no year),
``Jan  6 2022 20:52:12.861`` (Cisco with year), ``2023 May  2 12:55:19`` (NX-OS),
``2023-05-04T15:27:30.846+10:00`` (RFC 5424 / ISO 8601) and ``2020-02-21 19:13:08.328``.
Uptime stamps (``00:00:46``, ``1w2d``) carry no date and give null. The zone comes from the
ISO offset or from the word after the time (``AEST``, ``UTC+07:30``); see ``timezones``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.records.schemas import TS
from seawall.sources.logs.columns import STR, Scatter, groups, slice_from, string_offsets
from seawall.sources.logs.timezones import offset_seconds

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}

_TS = (
    r"^\s*(?:(?P<y1>\d{4}) +)?"
    r"(?:(?P<mon>[A-Za-z]{3}) +(?P<d1>\d{1,2})(?: +(?P<y2>\d{4}))? +"
    r"|(?P<y3>\d{4})-(?P<m3>\d\d)-(?P<d3>\d\d)[T ]|(?P<m4>\d\d)/(?P<d4>\d\d)/(?P<y4>\d{4}),? ?)"
    r"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:[.,](?P<f>\d+))?"
    r" *(?P<off>Z|[+-]\d\d:?\d\d)?\s*$"
)
_MICROS_PER_DAY = 86_400_000_000


@dataclass(slots=True)
class Times:
    """UTC microseconds (TS array) and which rows had no year in the text."""

    start: pa.Array
    year_inferred: np.ndarray
    zone: pa.Array  # the zone as written (offset or name), null when none


def _ints(values: pa.Array) -> np.ndarray:
    """Digits to int64 (null -> -1)."""
    return pc.fill_null(pc.cast(values, pa.int64()), -1).to_numpy(zero_copy_only=False)


def _per_unique(values: pa.Array, fn: object, default: int) -> np.ndarray:
    """Apply ``fn`` (str -> int | None) once per distinct value; gather per row."""
    encoded = pc.dictionary_encode(values)
    table = np.array(
        [
            default if (r := fn(v)) is None else r  # type: ignore[operator]
            for v in encoded.dictionary.to_pylist()
        ]
        + [default],
        dtype=np.int64,
    )
    idx = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return table[idx]


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (vectorized; H. Hinnant's method)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@dataclass(slots=True)
class _Parts:
    """Date and time fields per row (-1 where unknown) and the written zone offset."""

    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    hour: np.ndarray
    minute: np.ndarray
    second: np.ndarray
    micros: np.ndarray
    offset: pa.Array  # offset written inside the stamp (ISO), null where none
    ok: np.ndarray


_MONTH_CODES = np.array(
    sorted((ord(m[0]) << 16) | (ord(m[1].lower()) << 8) | ord(m[2].lower()) for m in _MONTHS),
    dtype=np.int64,
)
_MONTH_OF_CODE = np.array(
    [
        _MONTHS[chr(c >> 16) + chr((c >> 8) & 255).upper() + chr(c & 255).upper()]
        for c in _MONTH_CODES.tolist()
    ],
    dtype=np.int64,
)
_SPACE, _COLON, _DASH, _DOT, _COMMA = (ord(c) for c in " :-.,")


class _Bytes:
    """The bytes of a short-string column, addressable per row at an offset (padded, so
    reading past a string's end gives zeros, never an error)."""

    def __init__(self, stamps: pa.Array) -> None:
        offsets = string_offsets(stamps).astype(np.int64)
        raw = stamps.buffers()[2]
        data = np.frombuffer(raw, dtype=np.uint8) if raw is not None else np.zeros(0, np.uint8)
        self.data = np.concatenate([data, np.zeros(64, dtype=np.uint8)])
        self.start = offsets[:-1]
        valid = stamps.is_valid().to_numpy(zero_copy_only=False)
        self.length = np.where(valid, offsets[1:] - offsets[:-1], 0)

    def at(self, k: np.ndarray | int) -> np.ndarray:
        pos = np.minimum(self.start + k, len(self.data) - 1)
        return np.where(np.asarray(k) < self.length, self.data[pos], 0).astype(np.int64)

    def digit(self, k: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        c = self.at(k)
        return c - 48, (c >= 48) & (c <= 57)

    def number(self, k: np.ndarray | int, width: int) -> tuple[np.ndarray, np.ndarray]:
        value = np.zeros(len(self.start), dtype=np.int64)
        ok = np.ones(len(self.start), dtype=bool)
        for i in range(width):
            d, is_digit = self.digit(np.asarray(k) + i)
            value = value * 10 + d
            ok &= is_digit
        return value, ok

    def fraction(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Microseconds of ``.123`` / ``,123456789`` at ``at`` (0 if none) and the position
        after it."""
        c = self.at(at)
        has = (c == _DOT) | (c == _COMMA)
        micros = np.zeros(len(at), dtype=np.int64)
        count = np.zeros(len(at), dtype=np.int64)
        going = has.copy()
        for i in range(9):
            if not going.any():  # usually after 3 or 6 digits
                break
            d, is_digit = self.digit(at + 1 + i)
            going &= is_digit
            if i < 6:
                micros = np.where(going, micros * 10 + d, micros)
            count += going
        micros = micros * np.power(10, 6 - np.minimum(count, 6))
        after = np.where(has & (count > 0), at + 1 + count, at)
        return micros, after


def _fast_parts(stamps: pa.Array) -> _Parts:
    """The common stamp forms read from the bytes: ``Mar  1 00:00:00.000``, ``2023 May  2
    12:55:19``, ``Jan  6 2022 20:52:12.861`` and ISO 8601 with ``T`` or a space."""
    b = _Bytes(stamps)
    n = len(b.start)
    # ISO: 2023-05-04T15:27:30.846+10:00
    iso_year, ok_y = b.number(0, 4)
    iso_mon, ok_m = b.number(5, 2)
    iso_day, ok_d = b.number(8, 2)
    t = b.at(10)
    iso = ok_y & ok_m & ok_d & (b.at(4) == _DASH) & (b.at(7) == _DASH)
    iso &= (t == ord("T")) | (t == _SPACE)
    # BSD / NX-OS / Cisco with year: [2023 ]May  2 [2022 ]12:55:19
    nx = ok_y & (b.at(4) == _SPACE)
    s0 = np.where(nx, 5, 0)
    code = (b.at(s0) << 16) | (b.at(s0 + 1) << 8) | b.at(s0 + 2)
    found = np.minimum(np.searchsorted(_MONTH_CODES, code), len(_MONTH_CODES) - 1)
    bsd_month = np.where(_MONTH_CODES[found] == code, _MONTH_OF_CODE[found], -1)
    p = s0 + 3
    c1, c2, c3 = b.at(p + 1), b.at(p + 2), b.at(p + 3)
    d1, is1 = b.digit(p + 1)
    d2, is2 = b.digit(p + 2)
    two_spaces = (c1 == _SPACE) & is2 & (c3 == _SPACE)
    one_digit = is1 & (c2 == _SPACE)
    two_digits = is1 & is2 & (c3 == _SPACE)
    bsd_day = np.where(two_spaces, d2, np.where(one_digit, d1, d1 * 10 + d2))
    clock = np.where(one_digit, p + 3, p + 4)
    bsd = (bsd_month > 0) & (b.at(p) == _SPACE) & (two_spaces | one_digit | two_digits)
    inner_year, has_inner = b.number(clock, 4)
    has_inner &= b.at(clock + 4) == _SPACE
    clock = np.where(has_inner, clock + 5, clock)
    bsd_year = np.where(has_inner, inner_year, np.where(nx, iso_year, -1))

    clock = np.where(iso, 11, clock)
    hour, ok_h = b.number(clock, 2)
    minute, ok_mi = b.number(clock + 3, 2)
    second, ok_s = b.number(clock + 6, 2)
    ok_clock = ok_h & ok_mi & ok_s & (b.at(clock + 2) == _COLON) & (b.at(clock + 5) == _COLON)
    micros, after = b.fraction(clock + 8)
    # ISO: the zone follows the time, maybe after a space; BSD: nothing may follow.
    zone_at = np.where(iso & (b.at(after) == _SPACE), after + 1, after)
    z = b.at(zone_at)
    iso_zone = (zone_at >= b.length) | (z == ord("Z")) | (z == ord("+")) | (z == _DASH)
    ok = ok_clock & ((iso & iso_zone) | (bsd & ~iso & (after == b.length)))
    has_zone = iso & (zone_at < b.length)
    offset = pa.nulls(n, STR)
    if has_zone.any():
        rows = np.flatnonzero(has_zone)
        tails = slice_from(stamps.take(pa.array(rows)), zone_at[rows])
        offset = Scatter(n)
        offset.put("z", rows, tails)
        offset = offset.build("z", STR)
    return _Parts(
        year=np.where(iso, iso_year, bsd_year),
        month=np.where(iso, iso_mon, bsd_month),
        day=np.where(iso, iso_day, bsd_day),
        hour=hour,
        minute=minute,
        second=second,
        micros=micros,
        offset=offset,
        ok=ok,
    )


def _regex_parts(stamps: pa.Array) -> _Parts:
    """Any stamp form ``_TS`` knows (slower; for the rows the byte reader left)."""
    g = groups(
        pc.extract_regex(stamps, _TS),
        *["y1", "mon", "d1", "y2", "y3", "m3", "d3", "m4", "d4", "y4", "H", "M", "S", "f", "off"],
    )
    year = np.maximum.reduce([_ints(g["y1"]), _ints(g["y2"]), _ints(g["y3"]), _ints(g["y4"])])
    month = np.maximum.reduce(
        [
            _per_unique(g["mon"], lambda s: _MONTHS.get(s.upper()), -1),
            _ints(g["m3"]),
            _ints(g["m4"]),
        ]
    )
    day = np.maximum.reduce([_ints(g["d1"]), _ints(g["d3"]), _ints(g["d4"])])
    frac = g["f"]
    digits = pc.fill_null(pc.binary_length(frac), 0).to_numpy(zero_copy_only=False)
    micros = np.maximum(_ints(pc.utf8_slice_codeunits(frac, 0, 6)), 0)
    micros = micros * np.power(10, np.maximum(6 - np.minimum(digits, 6), 0))
    return _Parts(
        year=year,
        month=month,
        day=day,
        hour=_ints(g["H"]),
        minute=_ints(g["M"]),
        second=_ints(g["S"]),
        micros=micros,
        offset=g["off"],
        ok=np.ones(len(stamps), dtype=bool),
    )


def _parts(stamps: pa.Array) -> _Parts:
    fast = _fast_parts(stamps)
    rest = np.flatnonzero(~fast.ok & stamps.is_valid().to_numpy(zero_copy_only=False))
    if len(rest) == 0:
        return fast
    slow = _regex_parts(stamps.take(pa.array(rest)))
    for name in ("year", "month", "day", "hour", "minute", "second", "micros"):
        getattr(fast, name)[rest] = getattr(slow, name)
    merged = Scatter(len(stamps))
    merged.put("z", np.arange(len(stamps)), fast.offset)
    merged.put("z", rest, slow.offset)
    fast.offset = merged.build("z", STR)
    return fast


def to_utc(
    stamps: pa.Array,
    zones: pa.Array,
    *,
    default_year: int,
    table: Mapping[str, str],
    year_hint: pa.Array | None = None,
) -> Times:
    """Parse ``stamps`` (strings, null where none) with the zone word per row (``zones``,
    null where none; an ISO offset inside the stamp wins). Rows without a year take it from
    ``year_hint`` (another stamp on the same line) or ``default_year``. Unknown zones are
    read as UTC; the zone stays in ``Times.zone`` as written."""
    if stamps.type != STR:
        stamps = pc.cast(stamps, STR)
    p = _parts(stamps)
    year = p.year
    inferred = year < 0
    if year_hint is not None:
        year = np.where(inferred, _ints(year_hint), year)
    year = np.where(year < 0, default_year, year)
    zone = pc.coalesce(p.offset, zones)
    offset = _per_unique(zone, lambda s: offset_seconds(s, table), 0)
    month, day = p.month, p.day
    hour, minute, second = p.hour, p.minute, p.second
    ok = (
        (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= 31)
        & (hour >= 0)
        & (hour < 24)
        & (minute >= 0)
        & (minute < 60)
        & (second >= 0)
        & (second <= 60)
        & (year >= 1970)
        & (year < 2400)
        & stamps.is_valid().to_numpy(zero_copy_only=False)
    )
    month_ok = np.clip(month, 1, 12)
    days = days_from_civil(year, month_ok, day)
    next_month = days_from_civil(year + (month_ok == 12), month_ok % 12 + 1, np.ones_like(day))
    ok &= days < next_month  # no 30 February
    value = (
        days * _MICROS_PER_DAY
        + ((hour * 60 + minute) * 60 + second - offset) * 1_000_000
        + p.micros
    )
    start = pa.array(np.where(ok, value, 0), type=pa.int64(), mask=~ok).cast(TS)
    return Times(start=start, year_inferred=inferred & ok, zone=zone)


def roll_back_future(start: pa.Array, inferred: np.ndarray, not_after_us: int) -> pa.Array:
    """Year-less stamps that land after ``not_after_us`` were written last year (a file
    spanning New Year, or a December line arriving in January): move them back a year."""
    values = pc.fill_null(pc.cast(start, pa.int64()), 0).to_numpy(zero_copy_only=False)
    valid = start.is_valid().to_numpy(zero_copy_only=False)
    late = inferred & valid & (values > not_after_us)
    if not late.any():
        return start
    # Same calendar day and time one year earlier (366 days when that year was a leap year).
    days = values // _MICROS_PER_DAY
    back = _year_back_days(days)
    values = np.where(late, values - back * _MICROS_PER_DAY, values)
    return pa.array(values, type=pa.int64(), mask=~valid).cast(TS)


def _year_back_days(days: np.ndarray) -> np.ndarray:
    """Days between each date and the same date a year before (365 or 366)."""
    dt = days.astype("datetime64[D]")
    years = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    month_day = dt - dt.astype("datetime64[Y]")
    previous = (np.array(years - 1 - 1970).astype("datetime64[Y]")).astype("datetime64[D]")
    earlier = previous + month_day
    return (dt - earlier).astype(np.int64)
