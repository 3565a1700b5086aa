"""The sigma detector with the shipped SigmaHQ rules: which rules run and why the others
cannot, crafted command and syslog events, alert grouping and evidence (author, licence)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from seawall.detect import load_all
from seawall.detect.base import REGISTRY, DetectContext, RecordTables
from seawall.detect.logs.sigma import detect_sigma, format_status, match_table, sigma_status
from seawall.records import from_columns

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
CLEAR_LOGS = "ceb407f6-8277-439b-951f-e4210e3ed956"
LOCAL_ACCOUNTS = "6d844f0f-1c18-41af-8f19-33e7654edfc3"
DISABLE_LOGGING = "9e8f6035-88bf-4a63-96b6-b17c0508257e"
DISCOVERY = "9705a6a1-6db6-4a16-a987-15b7151e299b"
MODIFY_CONFIG = "671ffc77-50a7-464f-9e3d-9ea2b493b26b"
CVE_2023_20198 = "2ece8816-b7a0-4d9b-b0e8-ae7ad18bc02b"

RUNNABLE = {
    "2ece8816-b7a0-4d9b-b0e8-ae7ad18bc02b",  # CVE-2023-20198 IOS XE Web UI (cisco/syslog)
    "f130a5f1-73ba-42f0-bf1e-b66a8361cb8f",  # CVE-2024-3400 GlobalProtect appliance keywords
    "ceb407f6-8277-439b-951f-e4210e3ed956",  # the 13 Cisco AAA rules
    "cd072b25-a418-4f98-8ebc-5093fb38fe1a",
    "1f978c6a-4415-47fb-aca5-736a44d7ca3d",
    "9e8f6035-88bf-4a63-96b6-b17c0508257e",
    "9705a6a1-6db6-4a16-a987-15b7151e299b",
    "d94a35f0-7a29-45f6-90a0-80df6159967c",
    "ef0ff092-a24a-4fbc-beea-06c08d53e085",
    "71d65515-c436-43c0-841b-236b1f32c21e",
    "b094d9fb-b1ad-4650-9f1a-fb7be9f1d34b",
    "6d844f0f-1c18-41af-8f19-33e7654edfc3",
    "671ffc77-50a7-464f-9e3d-9ea2b493b26b",
    "5e51acb2-bcbe-435b-99c6-0e3cd5e2aa59",
    "b9e1f193-d236-4451-aaae-2f3d2102120d",
    "56fa3cd6-f8d6-4520-a8c7-607292971886",  # Cisco BGP MD5
    "50e606bf-04ce-4ca7-9d54-3449494bbd4b",  # Cisco LDP MD5
    "a557ffe6-ac54-43d2-ae69-158027082350",  # Huawei BGP
    "a7c0ae48-8df8-42bf-91bd-2ea57e2f9d43",  # Juniper BGP
}


def _logs(rows: list[dict]) -> object:
    columns: dict[str, list] = {}
    for i, row in enumerate(rows):
        row = {"input.file": "crafted.log", "input.line": i + 1, **row}
        row.setdefault("event.start", T0 + timedelta(seconds=i))
        for key in row:
            columns.setdefault(key, [None] * i)
        for key in columns:
            columns[key].append(row.get(key))
    return from_columns("log", columns)


def _cmd(command: str, user: str = "admin", host: str = "edge-1", **extra) -> dict:
    return {
        "event.original": f"{host} %PARSER-5-CFGLOG_LOGGEDCMD: User:{user}  logged "
        f"command:{command}",
        "event.action": "command",
        "event.code": "PARSER-5-CFGLOG_LOGGEDCMD",
        "process.command_line": command,
        "user.name": user,
        "host.name": host,
        **extra,
    }


def _pairs(table) -> set[tuple[str, int]]:
    return {(m.rule.rule_id, int(r)) for m in match_table(table) for r in m.rows}


def _ctx(**overrides) -> DetectContext:
    ctx = DetectContext(overrides={"sigma": overrides} if overrides else {})
    return ctx.for_detector("sigma")


def test_registered_and_listed():
    load_all()
    assert "sigma" in REGISTRY


def test_status_of_the_shipped_rules():
    status = sigma_status()
    assert len(status) == 61
    assert {s.rule_id for s in status if s.runnable} == RUNNABLE
    reasons = Counter(s.reason.split(":")[0] for s in status if not s.runnable)
    assert reasons == {
        "logsource product zeek": 21,
        "logsource category dns": 8,
        "logsource product fortigate": 7,
        "logsource category webserver": 4,
        "logsource category file_event": 1,
        "field 'action' has no column in the log record (its columns": 1,
    }
    assert all(s.reason == "" for s in status if s.runnable)
    by_id = {s.rule_id: s for s in status}
    assert by_id["d7fb8f0e-bd5f-45c2-b467-19571c490d7e"].title == "Cleartext Protocol Usage"
    assert by_id["a2e97350-4285-43f2-a63f-d0daff291738"].reason.startswith(
        "logsource category webserver: Seawall stores no web server logs"
    )
    assert by_id[CLEAR_LOGS].path == (
        "seawall/rules/sigma/rules/network/cisco/aaa/cisco_cli_clear_logs.yml"
    )
    text = format_status(status)
    assert text.splitlines()[0] == "Sigma rules: 19 runnable, 42 not runnable"
    assert "why: logsource product zeek" in text


def test_crafted_commands_and_case_insensitivity():
    table = _logs(
        [
            _cmd("show logging"),  # 0
            _cmd("CLEAR LOGGING"),  # 1: upper case still matches
            _cmd("Clear Archive"),  # 2
            _cmd("username backdoor privilege 15 secret 0 Hunter2!"),  # 3
            _cmd("aaa authentication login default local"),  # 4
            _cmd("no logging host 10.0.0.5"),  # 5
            _cmd("no aaa new-model"),  # 6: disable logging and local accounts (aaa)
            _cmd("interface GigabitEthernet0/1"),  # 7: nothing
        ]
    )
    assert _pairs(table) == {
        ("b094d9fb-b1ad-4650-9f1a-fb7be9f1d34b", 0),  # Cisco Show Commands Input
        (CLEAR_LOGS, 1),
        (CLEAR_LOGS, 2),
        (LOCAL_ACCOUNTS, 3),
        (LOCAL_ACCOUNTS, 4),
        (DISABLE_LOGGING, 5),
        (DISABLE_LOGGING, 6),
        (LOCAL_ACCOUNTS, 6),
    }


def test_cisco_aaa_rules_read_only_command_events():
    """The same words in ordinary syslog (a host name with 'aaa', a username= field, an ACL
    hit naming access-list, a login message) are not command accounting."""
    table = _logs(
        [
            {
                "event.original": "Mar 1 12:00:00 AAAA-A-AA sshd[1]: SSHD_LOGIN_FAILED: Login "
                "failed for user 'root' username=root",
                "event.action": "login_failure",
                "host.name": "AAAA-A-AA",
                "user.name": "root",
            },
            {
                "event.original": "R1 %SEC-6-IPACCESSLOGRL: access-list logging rate-limited or "
                "missed 18 packets",
                "event.action": "acl_hit",
            },
            {
                # a command event whose text sits elsewhere: only the command text is read
                "event.original": "R1 %PARSER-5-CFGLOG_LOGGEDCMD: User:aaa-admin logged "
                "command:interface Loopback0",
                "event.action": "command",
                "process.command_line": "interface Loopback0",
                "user.name": "aaa-admin",
            },
        ]
    )
    assert _pairs(table) == set()


def test_cve_2023_20198_syslog_rule():
    lines = [
        ("%SEC_LOGIN-5-WEBLOGIN_SUCCESS: Login Success [user: cisco_tac_admin] "
         "[Source: 203.0.113.9] [localport: 80] at 09:10:11 UTC Mon Oct 16 2023", "web_login"),
        ("%SYS-5-CONFIG_P: Configured programmatically by process SEP_webui_wsma_http from "
         "console as cisco_support on vty31", "config_change"),
        ("%WEBUI-6-INSTALL_OPERATION_INFO: User: cisco_sys_manager, Install Operation: ADD "
         "bootflash:implant.txt", "web_login"),
        # the same events by an ordinary account
        ("%SEC_LOGIN-5-WEBLOGIN_SUCCESS: Login Success [user: netops] [Source: 10.0.0.9] "
         "[localport: 443] at 09:10:11 UTC Mon Oct 16 2023", "web_login"),
        ("%SYS-5-CONFIG_P: Configured programmatically by process SEP_webui_wsma_http from "
         "console as netops on vty31", "config_change"),
        # the user name without one of the three events
        ("%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: cisco_support] [Source: 10.0.0.9] "
         "[localport: 22]", "login_success"),
    ]  # fmt: skip
    table = _logs(
        [{"event.original": f"xe-1 {text}", "event.action": action} for text, action in lines]
    )
    assert _pairs(table) == {(CVE_2023_20198, 0), (CVE_2023_20198, 1), (CVE_2023_20198, 2)}


def test_alerts_group_bursts_and_credit_the_author():
    rows = [
        _cmd("show version", event_start=None),
        _cmd("show users"),
        _cmd("show ip route"),
        _cmd("show clock", user="oper"),
        _cmd("username backdoor privilege 15 secret 0 Hunter2!", **{"source.ip": "198.51.100.7"}),
    ]
    for row in rows:
        row.pop("event_start", None)
    rows[0]["event.start"] = T0
    rows[1]["event.start"] = T0 + timedelta(minutes=5)  # same burst (gap 600 s)
    rows[2]["event.start"] = T0 + timedelta(minutes=30)  # a new burst
    rows[3]["event.start"] = T0 + timedelta(minutes=6)
    rows[4]["event.start"] = T0 + timedelta(minutes=7)
    alerts = detect_sigma(RecordTables(logs=_logs(rows)), _ctx())
    discovery = sorted(
        (a for a in alerts if a.rule_id == DISCOVERY),
        key=lambda a: (a.entities.get("user", ""), a.first_seen),
    )
    summary = [
        (a.entities["user"], a.evidence["count"], [i.line for i in a.inputs]) for a in discovery
    ]
    assert summary == [
        ("admin", 2, [1, 2]),
        ("admin", 1, [3]),
        ("oper", 1, [4]),
    ]  # fmt: skip
    assert discovery[0].first_seen == T0
    assert discovery[0].last_seen == T0 + timedelta(minutes=5)
    assert discovery[0].severity == "low"
    accounts = [a for a in alerts if a.rule_id == LOCAL_ACCOUNTS]
    assert len(accounts) == 1
    alert = accounts[0]
    assert alert.detector == "sigma"
    assert alert.title == "Cisco Local Accounts"
    assert alert.severity == "high"
    assert alert.attack == ["T1136.001", "T1098"]
    assert alert.evidence["sigma_tags"] == [
        "attack.privilege-escalation",
        "attack.persistence",
        "attack.t1136.001",
        "attack.t1098",
    ]
    assert alert.evidence["author"] == "Austin Clark"
    assert alert.evidence["licence"] == "DRL 1.1"
    assert alert.evidence["rule_path"] == (
        "seawall/rules/sigma/rules/network/cisco/aaa/cisco_cli_local_accounts.yml"
    )
    assert alert.evidence["matched_field"] == "process.command_line"
    assert alert.entities == {"device": "edge-1", "user": "admin", "source.ip": "198.51.100.7"}
    assert [(i.file, i.line) for i in alert.inputs] == [("crafted.log", 5)]
    assert alert.rule_version == 20230104
    assert alert.confidence == 0.6
    assert "Austin Clark" in alert.explanation and "DRL 1.1" in alert.explanation
    # the secret typed in the command never reaches the alert
    assert "Hunter2" not in str(alert.to_dict())
    assert alert.evidence["lines"][0]["command"] == (
        "username backdoor privilege 15 secret 0 <redacted>"
    )


def test_group_gap_and_max_lines_are_thresholds():
    rows = [_cmd("show version") for _ in range(5)]
    for i, row in enumerate(rows):
        row["event.start"] = T0 + timedelta(minutes=2 * i)
    table = _logs(rows)
    one = [a for a in detect_sigma(RecordTables(logs=table), _ctx()) if a.rule_id == DISCOVERY]
    assert [a.evidence["count"] for a in one] == [5]
    split = [
        a
        for a in detect_sigma(RecordTables(logs=table), _ctx(group_gap_seconds=60, max_lines=1))
        if a.rule_id == DISCOVERY
    ]
    assert [a.evidence["count"] for a in split] == [1, 1, 1, 1, 1]
    few = [
        a
        for a in detect_sigma(RecordTables(logs=table), _ctx(max_lines=2))
        if a.rule_id == DISCOVERY
    ]
    assert [len(a.inputs) for a in few] == [2]
    assert len(few[0].evidence["lines"]) == 2
    assert few[0].evidence["count"] == 5


def test_empty_table_gives_no_alerts():
    assert detect_sigma(RecordTables(), _ctx()) == []
