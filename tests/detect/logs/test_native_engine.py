"""The native log rule engine on LOG tables built column-wise: condition operators, the five
kinds, alert contents and the log_rules detector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from seawall.detect.base import REGISTRY, DetectContext, NetworkContext, RecordTables
from seawall.detect.logs.native import (
    ATTACK,
    LogRuleError,
    build_rule,
    evaluate_rules,
    load_log_rules,
    log_rules,
    rules_from_docs,
)
from seawall.detect.logs.native_alerts import MAX_EVIDENCE_EVENTS, MAX_INPUTS
from seawall.detect.logs.native_match import Frame, compile_condition
from seawall.detect.logs.native_model import read_rule_text
from seawall.records import from_columns

T0 = datetime(2025, 3, 4, 2, 0, 0, tzinfo=UTC)


def table(rows: list[dict]) -> pa.Table:
    """LOG table from row dicts; event.start given as seconds after T0; line = position."""
    names = sorted({k for r in rows for k in r} | {"input.line", "input.file"})
    cols: dict[str, list] = {n: [] for n in names}
    for i, row in enumerate(rows):
        for n in names:
            value = row.get(n)
            if n == "event.start" and isinstance(value, int | float):
                value = T0 + timedelta(seconds=value)
            if n == "input.line" and value is None:
                value = i + 1
            if n == "input.file" and value is None:
                value = "crafted.log"
            cols[n].append(value)
    return from_columns("log", cols, len(rows))


def select(condition: dict, rows: list[dict], network: NetworkContext | None = None) -> list[int]:
    errors: list = []
    node = compile_condition(condition, "match", errors)
    assert not errors, errors
    frame = Frame(table(rows), network)
    return [int(i) + 1 for i in node.select(frame, None)]


def rule(**over) -> dict:
    base = {
        "id": "TS-01",
        "title": "test rule",
        "severity": "high",
        "attack": ["T1078"],
        "source": ["test"],
        "rationale": "a rule written for the engine tests, long enough to pass the linter",
        "version": 3,
        "kind": "pattern",
        "tests": [],
    }
    base.update(over)
    return base


def run(raw: dict, rows: list[dict], network: NetworkContext | None = None):
    return evaluate_rules(table(rows), [build_rule(raw, "t.yaml", 1)], network)


# ---- operators ------------------------------------------------------------------------------


ROWS = [
    {
        "event.action": "command",
        "process.command_line": "IP SSH PORT 22022 rotary 1",
        "destination.port": 22022,
        "source.ip": "203.0.113.45",
        "host.name": "PE1",
    },
    {
        "event.action": "Command",
        "process.command_line": "show logging",
        "destination.port": 22,
        "source.ip": "10.1.2.3",
        "host.name": "pe1",
    },
    {
        "event.action": "login_success",
        "message": "Login Success [user: a]",
        "destination.port": 57722,
        "source.ip": "192.0.2.9",
        "host.ip": "192.0.2.1",
    },
    {"event.action": "system", "message": "   ", "log.source.address": "198.51.100.1"},
]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"event.action": "COMMAND"}, [1, 2]),
        ({"event.action": ["login_success", "system"]}, [3, 4]),
        ({"process.command_line": {"contains": "ssh port"}}, [1]),
        ({"process.command_line": {"contains": ["LOGGING", "rotary"]}}, [1, 2]),
        ({"process.command_line": {"startswith": "show"}}, [2]),
        ({"process.command_line": {"endswith": "ROTARY 1"}}, [1]),
        ({"process.command_line": {"regex": r"^ip\s+ssh\s+port\s+(22\d22|\d{3}22)\b"}}, [1]),
        ({"destination.port": {"regex": r"^22\d22$"}}, [1]),
        ({"destination.port": {"regex": r"^\d{3}22$"}}, [1, 3]),
        ({"destination.port": 22}, [2]),
        ({"destination.port": [22, 57722]}, [2, 3]),
        ({"destination.port": {"gt": 22}}, [1, 3]),
        ({"destination.port": {"lte": 22022}}, [1, 2]),
        ({"destination.port": {"range": [23, 57722]}}, [1, 3]),
        ({"message": {"exists": True}}, [3]),  # blank text is absent
        ({"message": {"exists": False}}, [1, 2, 4]),
        ({"source.ip": {"in_network": "private"}}, [2]),
        ({"source.ip": {"in_network": ["192.0.2.0/24", "203.0.113.0/24"]}}, [1, 3]),
        ({"source.ip": {"not_in_network": "internal"}}, [1, 3]),  # row 4 has no address
        ({"device": "pe1"}, [1, 2]),  # text equality ignores case: PE1 is pe1
        ({"device": {"in": ["192.0.2.1", "198.51.100.1"]}}, [3, 4]),
        ({"destination.port": {"not": 22}}, [1, 3]),  # absent port: neither 22 nor not 22
        ({"not": {"destination.port": 22}}, [1, 3, 4]),  # condition-level not keeps absent
        ({"any": [{"destination.port": 22}, {"event.action": "system"}]}, [2, 4]),
        ({"all": [{"event.action": "command"}, {"destination.port": {"gt": 100}}]}, [1]),
        ({"event.action": "command", "not": {"process.command_line": {"contains": "show"}}}, [1]),
    ],
)
def test_operators(condition, expected):
    assert select(condition, ROWS) == expected


def test_internal_network_adds_configured_space():
    net = NetworkContext.from_dict({"internal": ["203.0.113.0/24"]})
    assert select({"source.ip": {"not_in_network": "internal"}}, ROWS, net) == [3]
    assert select({"source.ip": {"in_network": "aaa_servers"}}, ROWS, net) == []


def test_outside_window_hours_days_and_offset():
    monday = datetime(2025, 1, 6, tzinfo=UTC)
    rows = [
        {"event.start": monday.replace(hour=6, minute=59)},
        {"event.start": monday.replace(hour=7)},
        {"event.start": monday.replace(hour=18, minute=59)},
        {"event.start": monday.replace(hour=19)},
        {"event.start": monday - timedelta(hours=12)},  # Sunday 12:00
        {"event.start": None},
    ]
    window = {"hours": [7, 19], "days": ["mon", "tue", "wed", "thu", "fri"]}
    assert select({"event.start": {"outside_window": window}}, rows) == [1, 4, 5]
    shifted = {**window, "utc_offset": 10}  # local: Mon 16:59, 17:00, Tue 04:59, 05:00, Sun 22:00
    assert select({"event.start": {"outside_window": shifted}}, rows) == [3, 4, 5]


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"no.such.field": 1}, "not a LOG field"),
        ({"process.command_line": {"regex": "(?<=x)y"}}, "bad regex"),
        ({"process.command_line": {"gt": 3}}, "does not apply"),
        ({"destination.port": {"contains": "22"}}, "does not apply"),
        ({"destination.port": "ssh"}, "not all numbers"),
        ({"user.name": {"in_network": "internal"}}, "address field"),
        ({"source.ip": {"in_network": "nowhere"}}, "not an IP address"),
        ({"process.command_line": {"fuzzy": "x"}}, "unknown operator"),
        ({"any": {"event.action": "x"}}, "non-empty list"),
        ({"event.start": {"outside_window": {"hours": [19, 7]}}}, "start < end"),
        ({}, "non-empty mapping"),
    ],
)
def test_condition_errors_are_reported(condition, problem):
    errors: list = []
    compile_condition(condition, "match", errors)
    assert errors and any(problem in e[1] for e in errors), errors
    assert all(e[0].startswith("match") and e[2] is not None for e in errors)


def test_free_text_prefilter_agrees_with_full_evaluation():
    rng = np.random.default_rng(7)
    words = [
        "sshd_operns",
        "useradd[12]",
        "new user: name=x",
        "GET /webui/",
        "plain",
        "SSHD_OPERNS",
    ]
    rows = [{"message": " ".join(rng.choice(words, 3))} for _ in range(400)]
    rows += [{"message": None}, {"message": "sshd_oper ns"}]
    cond = {"message": {"contains": ["sshd_operns", "new user: name="]}}
    got_shared = evaluate_rules(
        table(rows),
        [
            build_rule(rule(match=cond), "t.yaml", 1),
            build_rule(rule(id="TS-02", match={"message": {"contains": "/webui/"}}), "t.yaml", 2),
        ],
    )
    expected = [
        i + 1
        for i, r in enumerate(rows)
        if r["message"] and ("sshd_operns" in r["message"].lower() or "new user" in r["message"])
    ]
    lines = sorted(a.inputs[0].line for a in got_shared if a.rule_id == "TS-01")
    assert lines == expected
    webui = sorted(a.inputs[0].line for a in got_shared if a.rule_id == "TS-02")
    assert webui == [
        i + 1 for i, r in enumerate(rows) if r["message"] and "/webui/" in r["message"]
    ]
    # A narrow candidate set is scanned directly, without the shared pass.
    assert select({"event.action": "x", "message": {"contains": "sshd"}}, rows) == []


# ---- kinds ----------------------------------------------------------------------------------


def test_pattern_one_alert_per_event_in_time_order():
    rows = [
        {
            "event.start": 60,
            "host.name": "pe1",
            "event.action": "command",
            "process.command_line": "guestshell run bash",
        },
        {
            "event.start": 0,
            "host.name": "pe1",
            "event.action": "command",
            "process.command_line": "guestshell enable",
        },
        {
            "event.start": 30,
            "host.name": "pe1",
            "event.action": "command",
            "process.command_line": "show ver",
        },
    ]
    alerts = run(rule(match={"process.command_line": {"startswith": "guestshell"}}), rows)
    assert [a.inputs[0].line for a in sorted(alerts, key=lambda a: a.first_seen)] == [2, 1]
    assert all(a.evidence["count"] == 1 for a in alerts)


def test_pattern_group_by_with_gap_window():
    rows = [
        {"event.start": 0, "host.name": "pe1", "user.name": "a", "event.action": "command"},
        {"event.start": 600, "host.name": "pe1", "user.name": "a", "event.action": "command"},
        {"event.start": 5000, "host.name": "pe1", "user.name": "a", "event.action": "command"},
        {"event.start": 10, "host.name": "pe2", "user.name": "a", "event.action": "command"},
        {"event.start": 20, "host.name": "pe1", "user.name": "b", "event.action": "command"},
    ]
    raw = rule(match={"event.action": "command"}, group_by=["device", "user.name"], window="30m")
    alerts = sorted(run(raw, rows), key=lambda a: (a.first_seen, a.inputs[0].line))
    assert [[r.line for r in a.inputs] for a in alerts] == [[1, 2], [4], [5], [3]]
    assert alerts[0].entities == {"device": "pe1", "user": "a"}
    assert alerts[0].evidence["group"] == {"device": "pe1", "user.name": "a"}
    no_gap = rule(match={"event.action": "command"}, group_by=["device", "user.name"])
    assert sorted(len(a.inputs) for a in run(no_gap, rows)) == [1, 1, 3]


def test_threshold_bursts_per_group():
    burst = [
        {
            "event.start": s,
            "host.name": "pe1",
            "source.ip": "198.51.100.7",
            "event.action": "login_failure",
        }
        for s in (0, 10, 20, 30, 40, 50)
    ]
    later = [
        {
            "event.start": s,
            "host.name": "pe1",
            "source.ip": "198.51.100.7",
            "event.action": "login_failure",
        }
        for s in (3600, 3601, 3602, 3603, 3604)
    ]
    other = [
        {
            "event.start": s,
            "host.name": "pe1",
            "source.ip": "198.51.100.8",
            "event.action": "login_failure",
        }
        for s in (0, 1, 2, 3)
    ]
    slow = [
        {
            "event.start": s * 120,
            "host.name": "pe2",
            "source.ip": "198.51.100.7",
            "event.action": "login_failure",
        }
        for s in range(10)
    ]
    raw = rule(
        kind="threshold",
        match={"event.action": "login_failure"},
        group_by=["device", "source.ip"],
        window="5m",
        threshold=5,
    )
    alerts = sorted(run(raw, burst + later + other + slow), key=lambda a: a.first_seen)
    assert [a.evidence["count"] for a in alerts] == [6, 5]
    assert alerts[0].evidence["max_in_window"] == 6
    assert alerts[0].evidence["threshold"] == 5 and alerts[0].evidence["window"] == "5m"
    assert alerts[0].entities == {"device": "pe1", "source.ip": "198.51.100.7"}
    assert alerts[0].last_seen - alerts[0].first_seen == timedelta(seconds=50)


def test_distinct_count_sliding_window():
    hosts = ["p1", "pe1", "pe2", "pe1", "pe3"]
    rows = [
        {
            "event.start": i * 120,
            "host.name": h,
            "user.name": "netops",
            "event.action": "login_success",
        }
        for i, h in enumerate(hosts)
    ]
    rows.append(
        {
            "event.start": 7200,
            "host.name": "x9",
            "user.name": "netops",
            "event.action": "login_success",
        }
    )
    raw = rule(
        kind="distinct_count",
        match={"event.action": "login_success"},
        group_by=["user.name"],
        field="device",
        window="5m",
        threshold=3,
    )
    (alert,) = run(raw, rows)
    assert [r.line for r in alert.inputs] == [1, 2, 3, 4, 5]
    assert alert.evidence["values"] == ["p1", "pe1", "pe2", "pe3"]
    assert alert.entities["device"] == ["p1", "pe1", "pe2", "pe3"]


def test_first_seen_with_learning_period():
    day = 86400
    rows = [
        {
            "event.start": 0,
            "user.name": "netops",
            "source.ip": "192.0.2.50",
            "event.action": "login_success",
        },
        {
            "event.start": 3600,
            "user.name": "netops",
            "source.ip": "192.0.2.51",
            "event.action": "login_success",
        },
        {
            "event.start": 2 * day,
            "user.name": "netops",
            "source.ip": "203.0.113.45",
            "event.action": "login_success",
        },
        {
            "event.start": 2 * day + 60,
            "user.name": "netops",
            "source.ip": "203.0.113.45",
            "event.action": "login_success",
        },
        {
            "event.start": 2 * day,
            "user.name": "alice",
            "source.ip": "203.0.113.45",
            "event.action": "login_success",
        },
        {
            "event.start": 3 * day,
            "user.name": None,
            "source.ip": "198.51.100.1",
            "event.action": "login_success",
        },
    ]
    raw = rule(
        kind="first_seen",
        match={"event.action": "login_success"},
        group_by=["user.name"],
        field="source.ip",
        learn="1d",
        explain="{user.name} from {new_value} (known {previous})",
    )
    (alert,) = run(raw, rows)
    assert [r.line for r in alert.inputs] == [3]
    assert alert.explanation == "netops from 203.0.113.45 (known 192.0.2.50, 192.0.2.51)"
    no_learning = run({**raw, "learn": "0s"}, rows)
    assert sorted(a.inputs[0].line for a in no_learning) == [2, 3]


SEQ = rule(
    kind="sequence",
    group_by=["device", "user.name"],
    window="2m",
    steps=[
        {
            "name": "loopback",
            "optional": True,
            "match": {"process.command_line": {"startswith": "no interface loopback"}},
        },
        {"name": "show", "match": {"process.command_line": "show logging"}},
        {"name": "clear", "match": {"process.command_line": "clear logging"}},
        {"name": "exit", "match": {"process.command_line": "exit"}},
    ],
)


def cmd(t: float, text: str, host: str = "pe1", user: str | None = "u") -> dict:
    return {
        "event.start": t,
        "host.name": host,
        "user.name": user,
        "event.action": "command",
        "process.command_line": text,
    }


def test_sequence_in_order_within_window_with_optional_step():
    rows = [
        cmd(0, "no interface Loopback7"),
        cmd(10, "show logging"),
        cmd(15, "show logging"),
        cmd(20, "clear logging"),
        cmd(30, "exit"),
        # a second, complete chain later: events are not reused
        cmd(600, "show logging"),
        cmd(610, "clear logging"),
        cmd(620, "exit"),
        # out of order, then too slow
        cmd(1200, "clear logging"),
        cmd(1210, "show logging"),
        cmd(1220, "exit"),
        cmd(1800, "show logging"),
        cmd(1900, "clear logging"),
        cmd(1930, "exit"),
        # another user's commands do not complete this user's chain
        cmd(2400, "show logging"),
        cmd(2410, "clear logging", user="v"),
        cmd(2420, "exit"),
    ]
    alerts = sorted(run(SEQ, rows), key=lambda a: a.first_seen)
    assert [[r.line for r in a.inputs] for a in alerts] == [[1, 3, 4, 5], [6, 7, 8]]
    assert alerts[0].evidence["steps"] == ["loopback", "show", "clear", "exit"]
    assert [e["step"] for e in alerts[0].evidence["events"]] == [
        "loopback",
        "show",
        "clear",
        "exit",
    ]
    assert alerts[1].evidence["steps"] == ["show", "clear", "exit"]


def test_sequence_burst_of_first_steps_stays_bounded():
    rows = [cmd(i * 0.01, "show logging") for i in range(3000)]
    rows += [cmd(31, "clear logging"), cmd(32, "exit")]
    (alert,) = run(SEQ, rows)
    assert [r.line for r in alert.inputs] == [3000, 3001, 3002]


def test_events_without_time_are_left_out_of_windows():
    rows = [{"event.start": None, "host.name": "pe1", "event.action": "login_failure"}] * 6
    raw = rule(
        kind="threshold",
        match={"event.action": "login_failure"},
        group_by=["device"],
        window="5m",
        threshold=2,
    )
    assert run(raw, rows) == []
    (alert,) = run(rule(match={"event.action": "login_failure"}, group_by=["device"]), rows)
    assert alert.first_seen is None and alert.evidence["count"] == 6


# ---- alerts ---------------------------------------------------------------------------------


def test_alert_fields_caps_and_explanation():
    rows = [cmd(i, f"access-list 20 permit 203.0.113.{i}") for i in range(60)]
    for r in rows:
        r["source.ip"] = "203.0.113.45"
    raw = rule(
        match={"process.command_line": {"regex": r"^access-list\s+20\s"}},
        group_by=["device", "user.name"],
        confidence=0.9,
        explain="{user.name} on {device} from {source.ip}: {count} commands, "
        "first {process.command_line}",
    )
    (alert,) = run(raw, rows)
    assert alert.detector == "log_rules" and alert.rule_id == "TS-01" and alert.rule_version == 3
    assert alert.severity == "high" and alert.attack == ["T1078"] and alert.confidence == 0.9
    assert alert.entities == {"device": "pe1", "user": "u", "source.ip": "203.0.113.45"}
    assert alert.first_seen == T0 and alert.last_seen == T0 + timedelta(seconds=59)
    assert (
        alert.explanation
        == "u on pe1 from 203.0.113.45: 60 commands, first access-list 20 permit 203.0.113.0"
    )
    assert alert.evidence["count"] == 60
    assert len(alert.evidence["events"]) == MAX_EVIDENCE_EVENTS
    assert alert.evidence["events_not_listed"] == 60 - MAX_EVIDENCE_EVENTS
    assert alert.evidence["events"][0]["command"] == "access-list 20 permit 203.0.113.0"
    assert len(alert.inputs) == MAX_INPUTS and alert.inputs[0].file == "crafted.log"
    assert alert.to_dict()["inputs"][0] == {"file": "crafted.log", "line": 1}


def test_default_explanation_names_device_and_command():
    (alert,) = run(rule(match={"event.action": "command"}), [cmd(0, "guestshell enable")])
    assert alert.explanation == "test rule on pe1: guestshell enable"


# ---- loading and the detector ---------------------------------------------------------------


def test_broken_rule_file_does_not_load():
    doc = read_rule_text("log_rules:\n  - id: TS-01\n    kind: pattern\n", "bad.yaml")
    with pytest.raises(LogRuleError) as info:
        rules_from_docs([doc])
    assert "bad.yaml:2 [TS-01]" in str(info.value) and "missing" in str(info.value)


def test_detector_registered_and_reads_logs():
    assert REGISTRY["log_rules"].fn is log_rules
    shipped = load_log_rules()
    assert len(shipped) >= 38 and len({r.id for r in shipped}) == len(shipped)
    assert sorted({a for r in shipped for a in r.attack}) == sorted(ATTACK)
    assert list(REGISTRY["log_rules"].attack) == list(ATTACK)
    rows = [
        {
            "event.start": 0,
            "host.name": "pe1",
            "event.action": "login_success",
            "user.name": "netops",
            "source.ip": "203.0.113.45",
            "destination.port": 22022,
        }
    ]
    tables = RecordTables(logs=table(rows))
    ctx = DetectContext().for_detector("log_rules")
    alerts = log_rules(tables, ctx)
    assert sorted(a.rule_id for a in alerts) == ["LC-01", "LG-01c"]
    ctx = DetectContext(overrides={"log_rules": {"disabled": ["LG-01c"]}}).for_detector("log_rules")
    assert [a.rule_id for a in log_rules(tables, ctx)] == ["LC-01"]
    assert log_rules(RecordTables(), ctx) == []


def test_partial_tables_are_conformed():
    partial = pa.table(
        {
            "event.action": ["login_success"],
            "destination.port": pa.array([22022], pa.int64()),
            "host.name": ["pe1"],
        }
    )
    (alert,) = evaluate_rules(partial, [r for r in load_log_rules() if r.id == "LC-01"])
    assert alert.entities == {"device": "pe1"} and alert.inputs == []


def test_every_shipped_rule_runs_on_a_table_with_all_columns_null():
    rows = [{"event.start": None}] * 3
    assert evaluate_rules(table(rows), load_log_rules()) == []
