"""Sigma evaluation semantics on crafted log tables and crafted rules: case-insensitive
matching, wildcards and modifiers, conditions, the preselection being exact, bad rule files."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from seawall.detect.logs import sigma_eval
from seawall.detect.logs.sigma_backend import CompiledRule
from seawall.detect.logs.sigma_eval import match_rules, take_rows
from seawall.detect.logs.sigma_rules import load_sigma_rules, sigma_status
from seawall.records import from_columns

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _logs(rows: list[dict]) -> object:
    columns: dict[str, list] = {}
    for i, row in enumerate(rows):
        row = {
            "event.start": T0 + timedelta(seconds=i),
            "input.file": "crafted.log",
            "input.line": i + 1,
            **row,
        }
        for key in row:
            columns.setdefault(key, [None] * i)
        for key in columns:
            columns[key].append(row.get(key))
    return from_columns("log", columns)


def _rule(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def _matches(rule_dir: Path, table) -> dict[str, list[int]]:
    """title -> matched row numbers, for the runnable rules of ``rule_dir`` alone."""
    entries = [e for e in load_sigma_rules([rule_dir], include_shipped=False) if e.compiled]
    found = match_rules(table, [e.compiled for e in entries])
    return {e.title: rows.tolist() for e, rows in zip(entries, found, strict=True)}


RULE = """\
title: {title}
id: {rule_id}
status: test
level: medium
author: Crafted
logsource:
    product: cisco
    service: syslog
detection:
{detection}
"""


def _write(tmp_path: Path, title: str, detection: str, n: int) -> None:
    _rule(
        tmp_path,
        title,
        RULE.format(
            title=title,
            rule_id=f"00000000-0000-0000-0000-{n:012d}",
            detection=textwrap.indent(textwrap.dedent(detection), "    "),
        ),
    )


LINES = [
    {"event.original": "R1 %SYS-5-CONFIG_I: Configured from console by Admin on vty0 (10.1.2.3)",
     "user.name": "Admin", "source.ip": "10.1.2.3", "event.code": "SYS-5-CONFIG_I"},
    {"event.original": "R2 %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: bob] "
     "[Source: 192.0.2.7] [localport: 22022]", "user.name": "bob", "source.ip": "192.0.2.7",
     "destination.port": 22022, "event.code": "SEC_LOGIN-5-LOGIN_SUCCESS"},
    {"event.original": "R3 %SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 10.9.9.9 stopped",
     "event.code": "SYS-6-LOGGINGHOST_STARTSTOP"},
    {"event.original": "r4 login failed for user ROOT from 2001:db8::1",
     "user.name": "ROOT", "source.ip": "2001:db8::1", "destination.port": 22},
]  # fmt: skip


@pytest.fixture()
def table():
    return _logs(LINES)


@pytest.mark.parametrize(
    ("detection", "expected"),
    [
        # keywords: substring, any case
        ("keywords:\n  - 'configured FROM console'\ncondition: keywords", [0]),
        ("keywords:\n  - 'LOGIN'\ncondition: keywords", [1, 3]),
        # field equality is whole-value and case-insensitive
        ("sel:\n  user.name: admin\ncondition: sel", [0]),
        ("sel:\n  user.name: adm\ncondition: sel", []),
        # wildcards * and ?, and an escaped *
        ("sel:\n  user.name: 'b?b'\ncondition: sel", [1]),
        ("sel:\n  event.code: 'SYS-*'\ncondition: sel", [0, 2]),
        ("sel:\n  event.code: 'sys-?-config_*'\ncondition: sel", [0]),
        ("sel:\n  event.original: 'R1 %SYS-5-CONFIG_I\\*'\ncondition: sel", []),
        # modifiers
        ("sel:\n  event.original|contains: 'stopped'\ncondition: sel", [2]),
        ("sel:\n  event.original|startswith: 'r2 '\ncondition: sel", [1]),
        ("sel:\n  event.original|endswith: '(10.1.2.3)'\ncondition: sel", [0]),
        ("sel:\n  event.original|contains|all: ['login', 'root']\ncondition: sel", [3]),
        ("sel:\n  event.original|re: 'localport: 2\\d022'\ncondition: sel", [1]),
        # |re is case-sensitive unless |i
        ("sel:\n  event.original|re: 'LOGIN FAILED'\ncondition: sel", []),
        ("sel:\n  event.original|re|i: 'LOGIN FAILED'\ncondition: sel", [3]),
        # |cased turns case-insensitivity off
        ("sel:\n  user.name|cased: admin\ncondition: sel", []),
        ("sel:\n  user.name|cased: Admin\ncondition: sel", [0]),
        # |cidr, IPv4 and IPv6
        ("sel:\n  source.ip|cidr: 10.0.0.0/8\ncondition: sel", [0]),
        ("sel:\n  source.ip|cidr: '2001:db8::/32'\ncondition: sel", [3]),
        # numbers on an integer column, comparisons, null and exists
        ("sel:\n  destination.port: 22022\ncondition: sel", [1]),
        ("sel:\n  destination.port: '22'\ncondition: sel", [3]),
        ("sel:\n  destination.port|gt: 1024\ncondition: sel", [1]),
        ("sel:\n  user.name: null\ncondition: sel", [2]),
        ("sel:\n  destination.port|exists: true\ncondition: sel", [1, 3]),
        ("sel:\n  event.start|minute: 0\n  event.start|hour: 12\ncondition: sel", [0, 1, 2, 3]),
        ("sel:\n  event.start|hour: 13\ncondition: sel", []),
        # conditions: 1 of, all of, not, and/or
        (
            "sel_a:\n  user.name: bob\nsel_b:\n  user.name: root\ncondition: 1 of sel_*",
            [1, 3],
        ),
        (
            "sel_a:\n  source.ip|cidr: 192.0.2.0/24\nsel_b:\n  destination.port: 22022\n"
            "condition: all of sel_*",
            [1],
        ),
        ("sel:\n  event.original|contains: 'login'\nf:\n  user.name: bob\n"
         "condition: sel and not f", [3]),
        ("keywords:\n  - 'stopped'\nsel:\n  user.name: admin\ncondition: keywords or sel",
         [0, 2]),
        # a field list under one name is OR; a mapping is AND
        ("sel:\n  user.name:\n    - bob\n    - root\ncondition: sel", [1, 3]),
        ("sel:\n  user.name: bob\n  destination.port: 22\ncondition: sel", []),
        # generic field names are mapped onto the log record
        ("sel:\n  src_ip|cidr: 192.0.2.0/24\n  dst_port: 22022\ncondition: sel", [1]),
    ],
)  # fmt: skip
def test_semantics(tmp_path: Path, table, detection: str, expected: list[int]):
    _write(tmp_path, "probe", detection, 1)
    assert _matches(tmp_path, table) == {"probe": expected}


def test_preselection_is_exact_on_the_shipped_rules():
    """Every runnable shipped rule gives the same rows with and without the literal
    preselection, on lines full of near misses in mixed case."""
    words = [
        "clear logging", "CLEAR ARCHIVE", "no Logging", "username", "AAA", "access-list 20",
        "show running-config", "more system:", "dir flash:", "copy run tftp:", "%SYS-5-CONFIG_P:",
        "cisco_TAC_admin", "%SEC_LOGIN-5-WEBLOGIN_SUCCESS:", "ip-tcp-3-BADAUTH", ":179",
        "LDP", "TCPMD5AuthenFail", "BGP_AUTH_FAILED", "missing md5 DIGEST",
        "failed to unmarshal session(../", "/opt/panlogs/tmp/device_telemetry/", "curl",
        "no dot1x port-control", "monitor capture point", "erase", "shutdown", "crypto pki export",
    ]  # fmt: skip
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(3000):
        picked = rng.choice(words, size=int(rng.integers(1, 4)))
        text = " ".join(picked)
        command = rng.random() < 0.5
        rows.append(
            {
                "event.original": f"host {text} end",
                "event.action": "command" if command else "config_change",
                "process.command_line": text if command else None,
            }
        )
    table = _logs(rows)
    compiled = [e.compiled for e in load_sigma_rules() if e.compiled is not None]
    assert all(c.required is not None for c in compiled)  # all shipped rules preselect
    fast = match_rules(table, compiled)
    full = match_rules(table, [CompiledRule(c.predicate, None) for c in compiled])
    assert [f.tolist() for f in fast] == [f.tolist() for f in full]
    assert sum(len(f) for f in fast) > 1000  # the probe lines do match, a lot


def test_preselection_split_over_threads_gives_the_same_rows(monkeypatch):
    rows = [{"event.original": f"line {i} clear logging" if i % 7 == 0 else f"line {i}",
             "event.action": "command", "process.command_line": "CLEAR LOGGING" if i % 7 == 0
             else "show clock"} for i in range(2000)]  # fmt: skip
    table = _logs(rows)
    compiled = [e.compiled for e in load_sigma_rules() if e.compiled is not None]
    whole = match_rules(table, compiled)
    monkeypatch.setattr(sigma_eval, "MIN_SLICE_ROWS", 100)
    monkeypatch.setattr(sigma_eval, "_threads", lambda: 3)
    split = match_rules(table, compiled)
    assert [f.tolist() for f in split] == [f.tolist() for f in whole]
    clear = [e.rule_id for e in load_sigma_rules() if e.compiled is not None].index(
        "ceb407f6-8277-439b-951f-e4210e3ed956"
    )
    assert split[clear].tolist() == list(range(0, 2000, 7))


def test_broken_files_are_reported_with_their_path_and_the_rest_runs(tmp_path: Path, table):
    _write(tmp_path, "good", "keywords:\n  - 'stopped'\ncondition: keywords", 1)
    broken = _rule(tmp_path, "broken_yaml", "title: [unclosed\nid: x\n  detection: {")
    modifier = _rule(
        tmp_path,
        "bad_modifier",
        RULE.format(
            title="bad modifier",
            rule_id="00000000-0000-0000-0000-000000000002",
            detection="    sel:\n        user.name|shouts: x\n    condition: sel",
        ),
    )
    unsupported = _rule(
        tmp_path,
        "placeholder",
        RULE.format(
            title="placeholder",
            rule_id="00000000-0000-0000-0000-000000000003",
            detection="    sel:\n        user.name|expand: '%admins%'\n    condition: sel",
        ),
    )
    status = {s.path: s for s in sigma_status([tmp_path], include_shipped=False)}
    assert set(status) == {
        str(tmp_path / "good.yml"),
        str(broken),
        str(modifier),
        str(unsupported),
    }
    assert status[str(tmp_path / "good.yml")].runnable
    assert not status[str(broken)].runnable
    assert status[str(broken)].reason.startswith("YAML error at line ")
    assert not status[str(modifier)].runnable
    assert "shouts" in status[str(modifier)].reason
    assert not status[str(unsupported)].runnable
    assert status[str(unsupported)].reason.startswith("unsupported by Seawall's evaluator")
    assert _matches(tmp_path, table) == {"good": [2]}


def test_correlation_rules_are_listed_as_not_runnable(tmp_path: Path):
    _write(tmp_path, "base", "keywords:\n  - 'login failed'\ncondition: keywords", 1)
    _rule(
        tmp_path,
        "burst",
        """\
        title: failed login burst
        id: 00000000-0000-0000-0000-000000000009
        correlation:
            type: event_count
            rules:
                - 00000000-0000-0000-0000-000000000001
            group-by:
                - user.name
            timespan: 5m
            condition:
                gte: 10
        """,
    )
    status = {s.title: s for s in sigma_status([tmp_path], include_shipped=False)}
    assert status["base"].runnable
    assert not status["failed login burst"].runnable
    assert status["failed login burst"].reason.startswith("correlation rule (event_count)")


def test_unserved_logsource_and_unknown_field(tmp_path: Path):
    _rule(
        tmp_path,
        "windows",
        """\
        title: windows process
        id: 00000000-0000-0000-0000-000000000011
        logsource:
            product: windows
            category: process_creation
        detection:
            sel:
                Image|endswith: '\\\\cmd.exe'
            condition: sel
        """,
    )
    _write(tmp_path, "odd field", "sel:\n  TargetObject: x\ncondition: sel", 12)
    status = {s.title: s for s in sigma_status([tmp_path], include_shipped=False)}
    assert status["windows process"].reason.startswith(
        "logsource product windows, category process_creation: not a device log"
    )
    assert status["odd field"].reason.startswith("field 'TargetObject' has no column")


def test_missing_rule_directory_is_reported(tmp_path: Path):
    status = sigma_status([tmp_path / "nope"], include_shipped=False)
    assert [(s.runnable, s.reason) for s in status] == [(False, "rule directory does not exist")]


def test_sigma_filters_apply_across_files(tmp_path: Path, table):
    _write(tmp_path, "logins", "keywords:\n  - 'login'\ncondition: keywords", 1)
    _rule(
        tmp_path,
        "quiet_root",
        """\
        title: root logins are expected on r4
        logsource:
            product: cisco
        filter:
            rules:
                - 00000000-0000-0000-0000-000000000001
            selection:
                user.name: root
            condition: not selection
        """,
    )
    assert _matches(tmp_path, table) == {"logins": [1]}


def test_tables_of_several_chunks_match_like_one():
    rows = [
        {"event.original": f"edge {i} %SYS-5-CONFIG_P: by cisco_support" if i % 5 == 0 else
         f"edge {i} %SYS-5-CONFIG_P: by netops", "event.action": "command",
         "process.command_line": "clear logging" if i % 3 == 0 else "end"}
        for i in range(90)
    ]  # fmt: skip
    whole = _logs(rows)
    chunked = pa.concat_tables([whole.slice(0, 20), whole.slice(20, 50), whole.slice(70)])
    assert chunked.column("event.original").num_chunks == 3
    compiled = [e.compiled for e in load_sigma_rules() if e.compiled is not None]
    expected = [f.tolist() for f in match_rules(whole, compiled)]
    assert [f.tolist() for f in match_rules(chunked, compiled)] == expected
    found = {row for rows in expected for row in rows}
    assert found == {i for i in range(90) if i % 5 == 0 or i % 3 == 0}
    picked = np.array([0, 19, 20, 69, 70, 89])
    assert take_rows(chunked.column("input.line"), picked).to_pylist() == [1, 20, 21, 70, 71, 90]
