"""Time zones as devices write them in log timestamps, and their UTC offsets.

Cisco devices print the name given by ``clock timezone NAME OFFSET`` (any word: ``AEST``,
``mdt``, ``UTC+1``); JunOS and RFC 5424 write numeric offsets. Abbreviations are ambiguous
(``IST`` is India, Israel or Ireland; ``CST`` US Central or China), so the default table picks
the most common meaning for operators and callers can override or extend it
(``parse_lines(timezones=...)``). A zone nobody knows is treated as UTC and kept as written in
``event.timezone``, so the evidence shows which times were not converted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Abbreviation -> offset "+HH:MM". Upper case; lookups fold case (``pst``, ``mdt`` appear).
DEFAULT_TIMEZONES: Mapping[str, str] = {
    "UTC": "+00:00",
    "UT": "+00:00",
    "GMT": "+00:00",
    "Z": "+00:00",
    "ZULU": "+00:00",
    # North America (CST is US Central, not China Standard Time)
    "EST": "-05:00",
    "EDT": "-04:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "AKST": "-09:00",
    "AKDT": "-08:00",
    "HST": "-10:00",
    "AST": "-04:00",
    "ADT": "-03:00",
    "NST": "-03:30",
    "NDT": "-02:30",
    # South America
    "BRT": "-03:00",
    "ART": "-03:00",
    "CLT": "-04:00",
    "COT": "-05:00",
    "PET": "-05:00",
    # Europe and Africa (BST is British Summer Time)
    "WET": "+00:00",
    "WEST": "+01:00",
    "BST": "+01:00",
    "IST": "+05:30",  # India; Irish/Israel logs should pass their own table
    "CET": "+01:00",
    "CEST": "+02:00",
    "MET": "+01:00",
    "MEST": "+02:00",
    "EET": "+02:00",
    "EEST": "+03:00",
    "MSK": "+03:00",
    "SAST": "+02:00",
    "WAT": "+01:00",
    "CAT": "+02:00",
    "EAT": "+03:00",
    # Asia and Oceania
    "GST": "+04:00",  # Gulf
    "PKT": "+05:00",
    "NPT": "+05:45",
    "ICT": "+07:00",
    "WIB": "+07:00",
    "SGT": "+08:00",
    "HKT": "+08:00",
    "PHT": "+08:00",
    "MYT": "+08:00",
    "AWST": "+08:00",
    "JST": "+09:00",
    "KST": "+09:00",
    "ACST": "+09:30",
    "ACDT": "+10:30",
    "AEST": "+10:00",
    "AEDT": "+11:00",
    "NZST": "+12:00",
    "NZDT": "+13:00",
}

# UTC+1, GMT-07:30, +10:00, -0500, UTC (with the optional prefix alone meaning zero offset).
_NUMERIC = re.compile(r"^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d\d))?$", re.IGNORECASE)


def offset_seconds(zone: str, table: Mapping[str, str] = DEFAULT_TIMEZONES) -> int | None:
    """UTC offset of ``zone`` in seconds, or None when the zone is unknown. ``table`` maps
    upper-case abbreviations to offsets (see ``zone_table``)."""
    text = zone.strip()
    if not text:
        return None
    text = table.get(text.upper(), text)
    match = _NUMERIC.match(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    value = int(hours) * 3600 + int(minutes or 0) * 60
    if value > 18 * 3600:
        return None
    return -value if sign == "-" else value


def zone_table(overrides: Mapping[str, str] | None) -> dict[str, str]:
    """The default table with the caller's entries on top (keys folded to upper case)."""
    table = dict(DEFAULT_TIMEZONES)
    if overrides:
        table.update({k.upper(): v for k, v in overrides.items()})
    return table
