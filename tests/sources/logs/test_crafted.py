"""Crafted lines for each message the campaign rules need (formats as the vendors document
them), and the AAA file formats the corpus has no sample of (tac_plus, FreeRADIUS)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from log_helpers import expect, one, parse

XE = "<189>{n}: rtr-xe1: Mar  1 10:00:{s:02d}.100 UTC: "


def xe(body: str, n: int = 1) -> dict[str, object]:
    return one(XE.format(n=1000 + n, s=n % 60) + body)


def test_login_on_a_campaign_port() -> None:
    record = xe(
        "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: cisco] [Source: 203.0.113.9] "
        "[localport: 22022] at 10:00:01 UTC Fri Mar 1 2024"
    )
    expect(
        record,
        event__action="login_success",
        user__name="cisco",
        source__ip="203.0.113.9",
        destination__port=22022,
        host__name="rtr-xe1",
        log__format="cisco_ios",
        log__syslog__facility__code=23,
        log__syslog__severity__code=5,
        log__sequence=1001,
        event__start=datetime(2024, 3, 1, 10, 0, 1, 100000, tzinfo=UTC),
    )
    failed = xe(
        "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 203.0.113.9] "
        "[localport: 22] [Reason: Login Authentication Failed] at 10:00:02 UTC Fri Mar 1 2024"
    )
    expect(failed, event__action="login_failure", event__outcome="failure", user__name="admin")


@pytest.mark.parametrize(
    "command",
    [
        "ip ssh port 22022 rotary 1",
        "access-list 20 permit 203.0.113.9",
        "monitor capture CAP interface GigabitEthernet1 both",
        "monitor capture CAP match ipv4 protocol tcp any any eq 49",
        "guestshell run bash",
        "show logging",
        "clear logging",
        "no logging host 192.0.2.50",
        "interface Tunnel100",
        "tacacs server ACTOR",
        "username cisco privilege 15 secret 0 x",
    ],
)
def test_archive_command_logging(command: str) -> None:
    record = xe(f"%PARSER-5-CFGLOG_LOGGEDCMD: User:cisco  logged command:{command}")
    # Secrets typed in a command are stored masked (seawall.sources.logs.secrets).
    stored = command.replace("secret 0 x", "secret 0 <redacted>")
    expect(record, event__action="command", user__name="cisco", process__command_line=stored)


def test_access_list_hits() -> None:
    expect(
        xe("%SEC-6-IPACCESSLOGS: list 20 permitted 203.0.113.9 1 packet"),
        event__action="acl_hit",
        event__outcome="success",
        source__ip="203.0.113.9",
    )
    expect(
        xe("%SEC-6-IPACCESSLOGP: list 101 denied tcp 203.0.113.9(4444) -> 10.0.0.1(22), 1 packet"),
        event__action="acl_hit",
        event__outcome="failure",
        source__ip="203.0.113.9",
        source__port=4444,
        destination__ip="10.0.0.1",
        destination__port=22,
    )


def test_iosxe_web_ui_and_programmatic_config() -> None:
    expect(
        xe(
            "%SEC_LOGIN-5-WEBLOGIN_SUCCESS: Login Success [user: cisco_tac_admin] "
            "[Source: 203.0.113.9] [localport: 80] at 10:00:01 UTC Fri Mar 1 2024"
        ),
        event__action="web_login",
        user__name="cisco_tac_admin",
        destination__port=80,
    )
    expect(
        xe("%WEBUI-6-INSTALL_OPERATION_INFO: User: cisco_tac_admin, Install Operation: ADD"),
        event__action="web_login",
        user__name="cisco_tac_admin",
    )
    expect(
        xe(
            "%SYS-5-CONFIG_P: Configured programmatically by process SEP_webui_wsma_http "
            "from console as cisco_tac_admin on vty31"
        ),
        event__action="config_change",
        user__name="cisco_tac_admin",
    )


def test_logging_stopped_and_cleared() -> None:
    expect(
        xe("%SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 192.0.2.50 port 514 stopped - CLI"),
        event__action="logging_stopped",
        destination__ip="192.0.2.50",
        destination__port=514,
    )
    expect(xe("%SYS-6-CLEAR_LOGGING: Log cleared by cisco"), event__action="log_cleared")
    expect(
        xe("%SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 192.0.2.50 started"),
        event__action="system",
    )


def test_tunnels_and_interfaces() -> None:
    expect(
        xe("%LINEPROTO-5-UPDOWN: Line protocol on Interface Tunnel100, changed state to up"),
        event__action="tunnel_state",
        interface__name="Tunnel100",
    )
    expect(
        xe("%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down"),
        event__action="interface_down",
        interface__name="GigabitEthernet0/1",
    )
    expect(
        xe("%LINK-5-CHANGED: Interface Loopback7, changed state to administratively down"),
        event__action="interface_down",
        interface__name="Loopback7",
    )


@pytest.mark.parametrize(
    "body",
    [
        "%VMAN-2-ACTIVATION_STATE: Successfully activated virtual service 'guestshell+'",
        "%VMAN-2-GUESTSHELL_ENABLED: The guest shell has been enabled. The command 'guestshell' "
        "may be used to access it, 'guestshell destroy' to remove it.",
        "%VMAN-2-INSTALL_STATE: Destroying virtual service 'guestshell+'",
        "%IM-6-IOX_INST_INFO: R0/0: ioxman: IOX SERVICE guestshell LOG: Guestshell is up at "
        "03/01/2024 10:00:00",
    ],
)
def test_guestshell(body: str) -> None:
    expect(xe(body), event__action="guestshell")


def test_other_vman_messages_are_system() -> None:
    expect(
        xe("%VMAN-5-PACKAGE_SIGNING_LEVEL_ON_INSTALL: R0/0: vman: Package signing"),
        event__action="system",
    )


def test_snmp_and_routing_authentication() -> None:
    expect(
        xe("%SNMP-3-AUTHFAIL: Authentication failure for SNMP req from host 198.51.100.7"),
        event__action="snmp_auth_failure",
        source__ip="198.51.100.7",
    )
    expect(
        xe("%IP-TCP-3-BADAUTH: Invalid MD5 digest from 198.51.100.1:179 to 10.0.0.1:11003"),
        event__action="routing_auth_failure",
        event__code="IP-TCP-3-BADAUTH",
        source__ip="198.51.100.1",
        source__port=179,
        destination__port=11003,
    )


def test_aaa_server_unreachable() -> None:
    expect(
        xe("%TACACS-3-TACACS_ERROR_MESSAGE: TACACS server 10.9.9.9 is dead"),
        event__action="aaa_server_unreachable",
        destination__ip="10.9.9.9",
    )
    expect(
        xe("%RADIUS-4-RADIUS_DEAD: RADIUS server 10.9.9.8:1645,1646 is not responding."),
        event__action="aaa_server_unreachable",
        destination__ip="10.9.9.8",
    )
    expect(
        xe("%RADIUS-6-RADIUS_ALIVE: RADIUS server 10.9.9.8:1645,1646 is being marked alive."),
        event__action="system",
    )


def test_ssh_sessions() -> None:
    expect(
        xe(
            "%SSH-5-SSH2_USERAUTH: User 'cisco' authentication for SSH2 Session from 203.0.113.9 "
            "(tty = 0) using crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256' Failed"
        ),
        event__action="login_failure",
        user__name="cisco",
        source__ip="203.0.113.9",
    )
    expect(
        xe(
            "%SSH-5-SSH2_CLOSE: SSH2 Session from 203.0.113.9 (tty = 0) for user 'cisco' using "
            "crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256' closed"
        ),
        event__action="session_stop",
        user__name="cisco",
        source__ip="203.0.113.9",
    )


def test_eem_catch_all_command() -> None:
    expect(
        xe("%HA_EM-6-LOG: CATCHALL: show running-config | include snmp"),
        event__action="command",
        process__command_line="show running-config | include snmp",
    )


def test_ios_xr_lines() -> None:
    head = "RP/0/RSP0/CPU0:Mar  1 10:00:05.123 UTC: "
    login = one(
        head + "exec[65712]: %SECURITY-LOGIN-6-AUTHEN_SUCCESS : Successfully authenticated user "
        "'cisco' from '203.0.113.9' on 'vty0'"
    )
    expect(
        login,
        event__action="login_success",
        user__name="cisco",
        source__ip="203.0.113.9",
        log__format="cisco_iosxr",
        log__syslog__appname="exec",
    )
    commit = one(
        head + "config[65716]: %MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user "
        "'cisco'. Use 'show configuration commit changes 1000000011' to view the changes."
    )
    expect(commit, event__action="config_change", user__name="cisco")


def test_ios_xr_interfaces_and_iosxe_netconf() -> None:
    head = "RP/0/RSP0/CPU0:Mar  1 10:00:05.123 UTC: ifmgr[201]: "
    expect(
        one(
            head + "%PKT_INFRA-LINK-3-UPDOWN : Interface GigabitEthernet0/0/0/1, changed state "
            "to Down"
        ),
        event__action="interface_down",
        interface__name="GigabitEthernet0/0/0/1",
    )
    expect(
        one(
            head + "%PKT_INFRA-LINEPROTO-5-UPDOWN : Line protocol on Interface tunnel-ip7, "
            "changed state to Up"
        ),
        event__action="tunnel_state",
        interface__name="tunnel-ip7",
    )
    expect(
        xe(
            "%DMI-5-AUTH_PASSED: R0/0: dmiauthd: User 'cisco' authenticated successfully from "
            "203.0.113.9:5247  and was authorized for netconf over ssh. External groups: PRIV15"
        ),
        event__action="login_success",
        user__name="cisco",
        source__ip="203.0.113.9",
        source__port=5247,
    )


def test_nxos_guestshell_and_sudo() -> None:
    expect(
        one(
            "2024 Mar  1 10:00:00 nx1 %VMAN-2-ACTIVATION_STATE: Successfully activated virtual "
            "service 'guestshell+'"
        ),
        event__action="guestshell",
        log__format="cisco_nxos",
        host__name="nx1",
    )
    expect(
        one(
            "2024 Mar  1 10:00:00 nx1 %AUTHPRIV-5-SYSTEM_MSG: admin : TTY=pts/0 ; PWD=/bootflash "
            "; USER=root ; COMMAND=/usr/sbin/useradd -m cisco - sudo"
        ),
        event__action="privilege_escalation",
        user__name="admin",
        process__command_line="/usr/sbin/useradd -m cisco",
    )


def test_asa_messages() -> None:
    head = "Mar  1 2024 10:00:00 asa1 : "
    expect(
        one(
            head
            + "%ASA-6-605005: Login permitted from 203.0.113.9/51234 to outside:192.0.2.1/ssh for "
            'user "admin"'
        ),
        event__action="login_success",
        user__name="admin",
        source__ip="203.0.113.9",
        destination__port=22,
        host__name="asa1",
        event__code="605005",
    )
    expect(
        one(
            head + "%ASA-6-113015: AAA user authentication Rejected : reason = Invalid password : "
            "local database : user = admin : user IP = 203.0.113.9"
        ),
        event__action="login_failure",
        user__name="admin",
        source__ip="203.0.113.9",
    )
    expect(
        one(
            head
            + "%ASA-5-111010: User 'admin', running 'CLI' from IP 203.0.113.9, executed 'logging "
            "host inside 192.0.2.60'"
        ),
        event__action="command",
        process__command_line="logging host inside 192.0.2.60",
    )
    expect(
        one(head + "%ASA-5-111001: Begin configuration: 203.0.113.9 writing to memory"),
        event__action="config_change",
    )
    expect(
        one(
            head
            + "%ASA-4-106023: Deny tcp src outside:198.51.100.4/4444 dst inside:10.0.0.5/22 by "
            'access-group "OUTSIDE" [0x0, 0x0]'
        ),
        event__action="acl_hit",
        destination__port=22,
    )
    expect(
        one(
            head + "%ASA-6-106100: access-list OUT permitted tcp outside/198.51.100.4(4444) -> "
            "inside/10.0.0.5(22) hit-cnt 1 first hit [0x1, 0x0]"
        ),
        event__action="acl_hit",
        event__outcome="success",
        source__port=4444,
    )
    expect(
        one(
            head
            + "%ASA-3-713902: Group = VPN, IP = 198.51.100.4, Removing peer from peer table failed"
        ),
        event__action="vpn",
    )


def test_junos_bsd_messages() -> None:
    records = parse(
        [
            "Mar  1 10:00:00 mx1 sshd[4321]: SSHD_LOGIN_FAILED: Login failed for user 'root' from "
            "host '203.0.113.9'",
            "Mar  1 10:00:01 mx1 mgd[4322]: UI_LOGIN_EVENT: User 'ops' login, class "
            "'j-super-user' [4322], ssh-connection '203.0.113.9 51234 192.0.2.1 22022', "
            "client-mode 'cli'",
            "Mar  1 10:00:02 mx1 mgd[4322]: UI_CMDLINE_READ_LINE: User 'ops', command 'start "
            "shell '",
            "Mar  1 10:00:03 mx1 mgd[4322]: UI_COMMIT: User 'ops' requested 'commit' operation "
            "(comment: none)",
            "Mar  1 10:00:04 mx1 snmpd[99]: SNMPD_AUTH_FAILURE: nsa_log_community: unauthorized "
            "SNMP community from 198.51.100.7 to 192.0.2.1 (public)",
            "Mar  1 10:00:05 mx1 kmd[77]: KMD_VPN_UP_ALARM_USER: VPN to-actor from 198.51.100.8 "
            "is up.",
            "Mar  1 10:00:06 mx1 sshd[4323]: Accepted password for ops from 203.0.113.9 port "
            "51235 ssh2",
        ]
    )
    assert [r["event.action"] for r in records] == [
        "login_failure",
        "login_success",
        "command",
        "config_change",
        "snmp_auth_failure",
        "vpn",
        "login_success",
    ]
    expect(records[0], user__name="root", source__ip="203.0.113.9", log__format="junos")
    expect(records[1], user__name="ops", source__port=51234, destination__port=22022)
    expect(records[2], process__command_line="start shell", event__code="UI_CMDLINE_READ_LINE")
    expect(records[3], user__name="ops", process__command_line="commit")
    expect(records[4], source__ip="198.51.100.7")
    expect(records[6], user__name="ops", source__port=51235, log__format="rfc3164")


def test_tac_plus_accounting() -> None:
    records = parse(
        [
            "Mar  1 "
            "10:00:00\t192.0.2.1\tcisco\tvty0\t203.0.113.9\tstart\ttask_id=11\tservice=shell",
            "Mar  1 10:00:05\t192.0.2.1\tcisco\tvty0\t203.0.113.9\tstop\ttask_id=12\t"
            "service=shell\tpriv-lvl=15\tcmd=run <cr>",
            "Mar  1 10:00:09\t192.0.2.1\tcisco\tvty0\t203.0.113.9\tstop\ttask_id=13\t"
            "service=shell\tpriv-lvl=15\tcmd=service sshd_operns start <cr>",
            "2024-03-01 10:00:12 +0100\txr1\tcisco\tvty0\t203.0.113.9\tstop\ttask_id=14\t"
            "service=shell\tcmd=show running-config <cr>",
            "Fri Mar  1 10:00:20 2024\t192.0.2.1\tcisco\tvty0\t203.0.113.9\tstop\ttask_id=11\t"
            "service=shell\telapsed_time=20",
        ]
    )
    assert [r["event.action"] for r in records] == [
        "session_start",
        "command",
        "command",
        "command",
        "session_stop",
    ]
    expect(
        records[1],
        process__command_line="run",
        user__name="cisco",
        source__ip="203.0.113.9",
        host__ip="192.0.2.1",
        log__format="tac_plus",
    )
    expect(records[2], process__command_line="service sshd_operns start")
    expect(
        records[3],
        host__name="xr1",
        host__ip=None,
        event__start=datetime(2024, 3, 1, 9, 0, 12, tzinfo=UTC),
    )
    expect(records[4], event__start=datetime(2024, 3, 1, 10, 0, 20, tzinfo=UTC))


def test_radius_records() -> None:
    records = parse(
        [
            "Fri Mar  1 10:00:00 2024 : Auth: (5) Login OK: [ops/<via Auth-Type = PAP>] (from "
            "client rtr1 port 1 cli 203.0.113.9)",
            "Fri Mar  1 10:00:01 2024 : Auth: (6) Login incorrect (Failed retrieving values "
            "required to evaluate condition): [root] (from client rtr1 port 1 cli 203.0.113.9)",
            "Fri Mar  1 10:00:02 2024",
            "\tAcct-Status-Type = Interim-Update",
            '\tUser-Name = "ops"',
            "\tNAS-IP-Address = 192.0.2.1",
            "\tCalling-Station-Id = 203.0.113.9",
            "",
            "Fri Mar  1 10:00:03 2024",
            "\tAcct-Status-Type = Stop",
            '\tUser-Name = "ops"',
        ]
    )
    assert [r["event.action"] for r in records] == [
        "login_success",
        "login_failure",
        "system",
        "session_stop",
    ]
    expect(records[0], user__name="ops", source__ip="203.0.113.9", host__name="rtr1")
    expect(records[1], user__name="root")
    expect(records[2], user__name="ops", host__ip="192.0.2.1", source__ip="203.0.113.9")
    assert [r["input.line"] for r in records] == [1, 2, 3, 9]


def test_acs_tacacs_administration_csv() -> None:
    records = parse(
        [
            "Date,Time,User-Name,Group-Name,cmd,priv-lvl,service,NAS-Portname,task_id,NAS-IP-Address,reason",
            "03/01/2024,10:00:00,cisco,admins,show running-config <cr>,15,shell,tty2,42,192.0.2.1,",
            '03/01/2024,10:00:05,cisco,admins,"snmp-server community x, '
            'RO",15,shell,tty2,43,192.0.2.1,',
        ]
    )
    expect(
        records[0],
        event__action="command",
        process__command_line="show running-config",
        host__ip="192.0.2.1",
    )
    expect(records[1], process__command_line="snmp-server community <redacted> RO")


def test_sender_fills_source_address() -> None:
    from seawall.sources.logs import parse_lines

    table, issues = parse_lines(
        ["<189>12: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (192.0.2.10)"],
        path="udp://0.0.0.0:5514",
        sender="192.0.2.1",
        first_line=40,
    )
    assert not issues
    assert table["log.source.address"].to_pylist() == ["192.0.2.1"]
    assert table["input.line"].to_pylist() == [40]
    assert table["event.start"].to_pylist() == [None]
