"""Secrets typed on a device are masked in the stored log record; the rest stays."""

from __future__ import annotations

from seawall.sources.logs import parse_lines

LINES = [
    "<189>12: Jan  6 2022 20:52:12.861 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:bob  logged "
    "command:username svc privilege 15 secret 0 hunter2",
    "<189>13: Jan  6 2022 20:52:13.861 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:bob  logged "
    "command:snmp-server community pr1v-rw RW",
    "<189>14: Jan  6 2022 20:52:14.861 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:bob  logged "
    "command:clear logging",
    "<189>15: Jan  6 2022 20:52:15.861 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success "
    "[user: bob] [Source: 203.0.113.9] [localport: 22022] at 20:52:15 UTC Thu Jan 6 2022",
]


def test_secrets_never_stored_and_other_text_kept() -> None:
    table, issues = parse_lines(LINES, path="acct.log", default_year=2022)
    assert not issues and table.num_rows == 4
    stored = " ".join(
        str(v) for name in table.column_names for v in table[name].to_pylist() if v is not None
    )
    assert "hunter2" not in stored and "pr1v-rw" not in stored
    commands = table["process.command_line"].to_pylist()
    assert commands == [
        "username svc privilege 15 secret 0 <redacted>",
        "snmp-server community <redacted> RW",
        "clear logging",
        None,
    ]
    # A line without secrets is stored exactly as received.
    assert table["event.original"].to_pylist()[3] == LINES[3]
