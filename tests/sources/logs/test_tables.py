"""The mapping tables agree with the record contract, and every pattern compiles in RE2."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from log_helpers import parse

from seawall.records.logevents import EVENT_ACTIONS, LOG_FORMATS, OUTCOMES
from seawall.records.schemas import LOG
from seawall.sources.logs.actions import (
    ASA,
    CISCO,
    FIELD_COLUMNS,
    ISE,
    JUNOS,
    PLAIN,
    TAIL_MARK,
)
from seawall.sources.logs.cisco import asa_keys, cisco_keys

_TAIL = re.compile(re.escape(TAIL_MARK).replace(re.escape("{}"), r"(\w+)"))
TABLES = {"cisco": CISCO, "asa": ASA, "junos": JUNOS, "plain": PLAIN, "ise": ISE}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_mappings_use_known_actions_fields_and_compile(name: str) -> None:
    probe = pa.array(["x"], pa.string())
    for mapping in TABLES[name]:
        assert mapping.action in EVENT_ACTIONS
        assert mapping.outcome is None or mapping.outcome in OUTCOMES
        if mapping.when:
            pc.match_substring_regex(probe, mapping.when)
        for pattern in mapping.fields:
            tail = _TAIL.search(pattern)
            plain = pattern if tail is None else pattern[: tail.start()] + pattern[tail.end() :]
            pc.extract_regex(probe, plain)
            for group in re.findall(r"\(\?P<(\w+)>", plain):
                assert group in FIELD_COLUMNS or group == "result", (pattern, group)
            if tail is not None:
                assert pattern.startswith("^") and tail.group(1) in FIELD_COLUMNS
    assert set(FIELD_COLUMNS.values()) <= set(LOG.names)


def test_keys_of_codes() -> None:
    keys = cisco_keys("SEC_LOGIN-SW2-5-LOGIN_SUCCESS")
    assert keys[:4] == (
        "SEC_LOGIN-SW2-LOGIN_SUCCESS",
        "SEC_LOGIN-LOGIN_SUCCESS",
        "SEC_LOGIN-*",
        "*-LOGIN_SUCCESS",
    )
    assert "ETHPORT-IF_DOWN_*" in cisco_keys("ETHPORT-5-IF_DOWN_LINK_FAILURE")
    assert asa_keys("PIX-6-605005") == ("ASA-605005", "ASA-605*", "*")


def test_formats_are_the_contract_ones() -> None:
    lines = [
        "<189>1: r1: Mar  1 10:00:00.000 UTC: %SYS-5-RESTART: System restarted --",
        "2024 Mar  1 10:00:00 nx1 %ETHPORT-5-IF_UP: Interface Ethernet1/1 is up",
        "RP/0/RSP0/CPU0:Mar  1 10:00:00.000 UTC: exec[1]: %OS-SYSLOG-6-LOG_INFO : x",
        "Mar  1 2024 10:00:00: %ASA-6-302013: Built inbound TCP connection 1",
        '<30>1 2024-03-01T10:00:00Z srx1 mgd 1 UI_COMMIT [junos@2636 username="a"] x',
        "<14>1 2024-03-01T10:00:00Z host app 1 - - text",
        "Mar  1 10:00:00 host app[1]: text",
        "Mar  1 10:00:00 host text",
    ]
    formats = [r["log.format"] for r in parse(lines)]
    assert formats == [
        "cisco_ios",
        "cisco_nxos",
        "cisco_iosxr",
        "cisco_asa",
        "junos",
        "rfc5424",
        "rfc3164",
        "other",
    ]
    assert set(formats) <= set(LOG_FORMATS)
