"""Vendor-neutral kinds of device log events (the ``event.action`` of ``log`` records).

Parsers map vendor messages onto these; rules match on them, so a rule about logins works for
IOS ``%SEC_LOGIN-5-LOGIN_SUCCESS``, JunOS ``SSHD_LOGIN_ACCEPTED`` and a TACACS+ START record.
"""

from __future__ import annotations

EVENT_ACTIONS = (
    "login_success",  # SEC_LOGIN-5-LOGIN_SUCCESS, SSHD_LOGIN_ACCEPTED, ACS passed auth
    "login_failure",  # SEC_LOGIN-4-LOGIN_FAILED, SSHD_LOGIN_FAILED, pam auth failure, ACS failed
    "logout",  # SYS-6-LOGOUT, UI_LOGOUT_EVENT
    "session_start",  # TACACS+/RADIUS accounting START, SSH2_SESSION
    "session_stop",  # accounting STOP, SSH2_CLOSE
    "config_change",  # SYS-5-CONFIG_I/CONFIG_P, VSHD_SYSLOG_CONFIG_I, UI_COMMIT, "by snmp"
    "command",  # PARSER-5-CFGLOG_LOGGEDCMD, AAA_ACCOUNTING_MESSAGE, CmdAV, UI_CMDLINE_READ_LINE,
    #             HA_EM catch-all, sudo COMMAND=
    "logging_stopped",  # SYS-6-LOGGINGHOST_STARTSTOP ... stopped
    "log_cleared",  # SYS-6-CLEAR_LOGGING / "Log cleared"
    "interface_up",
    "interface_down",
    "tunnel_state",  # LINEPROTO ... TunnelN changed state
    "guestshell",  # VMAN-2-*guestshell*, IM-6-IOX_INST_INFO, GUESTSHELL_ENABLED
    "snmp_auth_failure",  # SNMP-3-AUTHFAIL, SNMPD_AUTH_FAILURE
    "aaa_server_unreachable",  # TACACS server unreachable / dead
    "privilege_escalation",  # sudo, enable
    "web_login",  # SEC_LOGIN-5-WEBLOGIN_SUCCESS, WEBUI-6-INSTALL_OPERATION_INFO
    "routing_auth_failure",  # TCP-6-BADAUTH, OSPF auth mismatch
    "acl_hit",  # SEC-6-IPACCESSLOG*, ASA 106023, RT_FLOW deny
    "vpn",  # IKE/IPsec SA up/down, negotiation failures
    "system",  # reloads, hardware, NTP, anything else recognised
)

OUTCOMES = ("success", "failure", "unknown")

# ``log.format`` values.
LOG_FORMATS = (
    "rfc3164",
    "rfc5424",
    "cisco_ios",
    "cisco_nxos",
    "cisco_iosxr",
    "cisco_asa",
    "junos",
    "ise_tacacs",
    "acs",
    "tac_plus",
    "radius",
    "other",  # recognised syslog framing, vendor body not modelled (still keyword-searchable)
)
