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
from seawall.sources.logs.columns import STR, groups
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
    n = len(stamps)
    g = groups(
        pc.extract_regex(stamps, _TS),
        *["y1", "mon", "d1", "y2", "y3", "m3", "d3", "m4", "d4", "y4", "H", "M", "S", "f", "off"],
    )
    year = np.maximum.reduce([_ints(g["y1"]), _ints(g["y2"]), _ints(g["y3"]), _ints(g["y4"])])
    inferred = year < 0
    if year_hint is not None:
        hint = _ints(year_hint)
        year = np.where(inferred, hint, year)
    year = np.where(year < 0, default_year, year)
    month = np.maximum.reduce(
        [
            _per_unique(g["mon"], lambda s: _MONTHS.get(s.upper()), -1),
            _ints(g["m3"]),
            _ints(g["m4"]),
        ]
    )
    day = np.maximum.reduce([_ints(g["d1"]), _ints(g["d3"]), _ints(g["d4"])])
    hour, minute, second = _ints(g["H"]), _ints(g["M"]), _ints(g["S"])
    frac = g["f"]
    digits = pc.fill_null(pc.binary_length(frac), 0).to_numpy(zero_copy_only=False)
    micros = np.maximum(_ints(pc.utf8_slice_codeunits(frac, 0, 6)), 0)
    micros = micros * np.power(10, np.maximum(6 - np.minimum(digits, 6), 0))

    zone = pc.coalesce(g["off"], zones)
    offset = _per_unique(zone, lambda s: offset_seconds(s, table), 0)

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
    )
    days = days_from_civil(year, np.clip(month, 1, 12), day)
    value = (
        days * _MICROS_PER_DAY + ((hour * 60 + minute) * 60 + second - offset) * 1_000_000 + micros
    )
    start = pa.array(value, type=pa.int64(), mask=~ok).cast(TS)
    zone_out = zone if zone.type == STR else pc.cast(zone, STR)
    return Times(start=start, year_inferred=inferred & ok, zone=zone_out[:n])


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
