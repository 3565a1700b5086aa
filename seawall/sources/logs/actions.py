"""Vendor messages -> ``event.action`` (seawall.records.logevents.EVENT_ACTIONS), as data.

Each ``Mapping`` names the message keys it applies to, an optional condition on the message
text (``when``, RE2 search) and RE2 patterns whose named groups fill record fields
(``user``, ``src``, ``sport``, ``dst``, ``dport``, ``cmd``, ``iface``, ``host``, ``hostip``;
``result`` sets the outcome). For each line the first mapping, in table order, whose key and
condition fit decides the action; messages no mapping takes are ``system``. All patterns of
the deciding mapping are applied; a later pattern's value wins where both match.

Keys: Cisco ``FAC-MNEMONIC`` without severity, tried as written (``SEC_LOGIN-SW2-...``),
with the first facility part only (``SEC_LOGIN-LOGIN_SUCCESS``), ``FAC-*``, ``*-MNEMONIC`` and
``*``; ASA ``ASA-605005``, ``ASA-605*``; JunOS and RFC 5424 the message tag
(``SSHD_LOGIN_FAILED``, ``KMD_*`` prefixes at underscores), ``app:NAME`` and ``*``; ISE and
Secure ACS the category (``CISE_TACACS_Accounting``).
"""

from __future__ import annotations

from dataclasses import dataclass

# Address-like text; the mapper keeps a value only when it reads as an IPv4/IPv6 address
# (a simple class here keeps RE2 fast).
IPV4 = r"[\d.]+"
IP = r"[0-9A-Fa-f:.]+"

# Group name -> LOG column.
FIELD_COLUMNS = {
    "user": "user.name",
    "src": "source.ip",
    "sport": "source.port",
    "dst": "destination.ip",
    "dport": "destination.port",
    "cmd": "process.command_line",
    "iface": "interface.name",
    "host": "host.name",
    "hostip": "host.ip",
}
# ``result`` group words -> event.outcome.
RESULT_WORDS = {
    "permitted": "success",
    "permit": "success",
    "accept": "success",
    "a": "success",
    "est-allowed": "success",
    "success": "success",
    "succeeded": "success",
    "ok": "success",
    "denied": "failure",
    "deny": "failure",
    "drop": "failure",
    "d": "failure",
    "r": "failure",
    "reject": "failure",
    "failure": "failure",
    "failed": "failure",
}
TUNNEL_INTERFACE = r"^(?:[Tt]unnel|gr-|ip-|st0\b|st0\.)"


# Marks where a field takes the rest of the text (after the pattern before the mark, minus
# what the pattern after it matches at the end): long command text is cut out by position
# instead of being captured by the regex engine, which is much slower on long groups.
TAIL_MARK = "(?P<{}__tail>)"


def tail(prefix: str, suffix: str = r"\s*", name: str = "cmd") -> str:
    """A field pattern: ``prefix`` (anchored with ^) then ``name`` = the rest of the text
    without a trailing ``suffix``."""
    return prefix + TAIL_MARK.format(name) + suffix


@dataclass(frozen=True, slots=True)
class Mapping:
    keys: tuple[str, ...]
    action: str
    outcome: str | None = None
    when: str | None = None
    fields: tuple[str, ...] = ()


def _m(
    keys: str,
    action: str,
    outcome: str | None = None,
    when: str | None = None,
    *fields: str,
) -> Mapping:
    return Mapping(tuple(keys.split()), action, outcome, when, tuple(fields))


_LOGIN_FIELDS = (
    r"\[user: (?P<user>[^\]]*)\] \[Source: (?P<src>[^\]]*)\]"
    r"(?: \[localport: (?P<dport>\d+)\])?",
)
_ACL_FIELDS = (
    r"(?P<result>denied|permitted|deny|permit) ",
    # standard ACLs (access-list 10/20/50): "list 20 denied 10.1.1.1 1 packet"
    r"(?:denied|permitted) (?P<src>[\d.]+),? +\d+ packets?",
    rf"(?:denied|permitted|deny|permit) \S+ (?:[0-9A-Fa-f]{{2}}(?:-[0-9A-Fa-f]{{2}}){{5}} )?"
    rf"(?P<src>{IP})(?:\((?P<sport>\d+)\))?.*?-> ?(?P<dst>{IP})(?:\((?P<dport>\d+)\))?",
)
_IFACE = r"[Ii]nterface (?P<iface>vlan \d+|[^,\s]+)"
_ACCOUNTING = tail(
    rf"^\w+:(?:(?P<src>{IP})@[^:]*|[^:@]*):(?P<user>[^:]*):",
    r"(?: \((?P<result>SUCCESS|FAILURE|FAILED)\))?\s*",
)
_AUTH_FAIL = (
    r"(?i)authentication fail|login failed|failed password|invalid user|"
    r"authentication rejected"
)

CISCO: tuple[Mapping, ...] = (
    # Configuration changes
    _m(
        "SYS-CONFIG_I",
        "config_change",
        None,
        r"^Configured from \S+ by snmp",
        rf"^Configured from (?P<src>{IP}) by (?P<user>snmp)",
    ),
    _m(
        "SYS-CONFIG_I",
        "config_change",
        None,
        None,
        rf"^Configured from \S+ by \S+(?: on \S+)? \((?P<src>{IP})\)",
        r"^Configured from \S+ by (?P<user>\S+) on \S+",
    ),
    _m("SYS-CONFIG_P", "config_change", None, None, r" as (?P<user>\S+) on "),
    _m(
        "VSHD-VSHD_SYSLOG_CONFIG_I",
        "config_change",
        None,
        None,
        rf"^Configured from \S+ by (?P<user>\S+) on (?:(?P<src>{IP})(?:@\S*)?|\S+)",
    ),
    _m("MGBL-DB_COMMIT", "config_change", None, None, r"by user '(?P<user>[^']*)'"),
    # Logins
    _m("SEC_LOGIN-LOGIN_SUCCESS", "login_success", "success", None, *_LOGIN_FIELDS),
    _m("SEC_LOGIN-LOGIN_FAILED", "login_failure", "failure", None, *_LOGIN_FIELDS),
    _m("SEC_LOGIN-WEBLOGIN_SUCCESS", "web_login", "success", None, *_LOGIN_FIELDS),
    _m("SEC_LOGIN-WEBLOGIN_FAILED", "login_failure", "failure", None, *_LOGIN_FIELDS),
    _m(
        "SSH-SSH2_USERAUTH",
        "login_success",
        "success",
        r"Succeeded\s*$",
        r"User '(?P<user>[^']*)' authentication for SSH2 Session from (?P<src>\S+)",
    ),
    _m(
        "SSH-SSH2_USERAUTH",
        "login_failure",
        "failure",
        None,
        r"User '(?P<user>[^']*)' authentication for SSH2 Session from (?P<src>\S+)",
    ),
    _m(
        "SSH-SSH2_SESSION",
        "session_start",
        None,
        None,
        rf"request from (?P<src>{IP})",
        r"(?P<result>Succeeded|Failed)\s*$",
    ),
    _m(
        "SSH-SSH2_CLOSE",
        "session_stop",
        None,
        None,
        r"from (?P<src>\S+) \(tty = \d+\) for user '(?P<user>[^']*)'",
    ),
    _m(
        "SECURITY-AUTHEN_SUCCESS SECURITY-INFO_SUCCESS",
        "login_success",
        "success",
        None,
        r"user '(?P<user>[^']*)' from '(?P<src>[^']*)'",
    ),
    _m(
        "SECURITY-AUTHEN_FAILED SECURITY-INFO_FAILURE SECURITY-AUTHEN_FAILURE",
        "login_failure",
        "failure",
        None,
        r"user '(?P<user>[^']*)' from '(?P<src>[^']*)'",
    ),
    # IOS XE programmability (NETCONF/RESTCONF over the DMI)
    _m(
        "DMI-AUTH_PASSED",
        "login_success",
        "success",
        None,
        r"User '(?P<user>[^']*)' authenticated successfully from (?P<src>[\d.]+):(?P<sport>\d+)",
    ),
    _m(
        "DMI-AUTH_FAILED",
        "login_failure",
        "failure",
        None,
        r"User '(?P<user>[^']*)'",
        r"from (?P<src>[\d.]+):(?P<sport>\d+)",
    ),
    _m(
        "SYS-LOGOUT SYS-LOGOUT_C6K",
        "logout",
        None,
        None,
        r"User (?P<user>\S+) has exited tty session \d+\((?P<src>[^)]*)\)",
    ),
    # Command text
    _m(
        "PARSER-CFGLOG_LOGGEDCMD",
        "command",
        None,
        None,
        tail(r"^User: ?(?P<user>[^\s@]+)(?:@\S*)? +logged command: ?"),
    ),
    _m("AAA-AAA_ACCOUNTING_MESSAGE", "command", None, r"^update:", _ACCOUNTING),
    _m("AAA-AAA_ACCOUNTING_MESSAGE", "session_start", None, r"^start:", _ACCOUNTING),
    _m("AAA-AAA_ACCOUNTING_MESSAGE", "session_stop", None, r"^stop:", _ACCOUNTING),
    _m("HA_EM-LOG", "command", None, None, tail(r"^(?:[^:\s]+: ?)?")),
    # Logging and evidence
    _m(
        "SYS-LOGGINGHOST_STARTSTOP",
        "logging_stopped",
        None,
        r"\bstopped\b",
        rf"Logging to host (?P<dst>{IP})(?: port (?P<dport>\d+))?",
    ),
    _m(
        "SYS-LOGGINGHOST_STARTSTOP",
        "system",
        None,
        None,
        rf"Logging to host (?P<dst>{IP})(?: port (?P<dport>\d+))?",
    ),
    _m(
        "SYS-CLEAR_LOGGING SYS-LOG_CLEARED SYS-LOGGING_CLEARED *-CLEAR_LOGGING",
        "log_cleared",
        None,
        None,
        r"(?i)\bby (?:user )?'?(?P<user>[\w.@-]+)",
    ),
    _m(
        "SYS-* LOGGING-* LOG-*",
        "log_cleared",
        None,
        r"(?i)\blog(?:ging)?(?: buffer)? (?:was |has been )?cleared\b|\bcleared (?:the )?log",
        r"(?i)\bby (?:user )?'?(?P<user>[\w.@-]+)",
    ),
    # Interfaces and tunnels (tunnel interfaces become tunnel_state after mapping)
    _m(
        "LINEPROTO-UPDOWN LINK-UPDOWN LINK-CHANGED INTERFACE_VLAN-UPDOWN ETHPORT-IF_UP "
        "ETHPORT-IF_ADMIN_UP PKT_INFRA-LINK-UPDOWN PKT_INFRA-LINEPROTO-UPDOWN",
        "interface_up",
        None,
        r"(?i)(?:to|is|admin) up\b",
        _IFACE,
    ),
    _m(
        "LINEPROTO-UPDOWN LINK-UPDOWN LINK-CHANGED INTERFACE_VLAN-UPDOWN ETHPORT-IF_DOWN_* "
        "PKT_INFRA-LINK-UPDOWN PKT_INFRA-LINEPROTO-UPDOWN",
        "interface_down",
        None,
        r"(?i)\bdown\b",
        _IFACE,
    ),
    # Guest Shell / IOx containers
    _m("VMAN-* IM-* GUESTSHELL-* IOX-*", "guestshell", None, r"(?i)guest ?shell"),
    # SNMP, routing protocol authentication
    _m("SNMP-AUTHFAIL", "snmp_auth_failure", "failure", None, rf"host (?P<src>{IP})"),
    _m(
        "TCP-BADAUTH IP-TCP-BADAUTH IP-BADAUTH BGP-BADAUTH",
        "routing_auth_failure",
        "failure",
        None,
        rf"from (?P<src>{IP})\((?P<sport>\d+)\) to (?P<dst>{IP})\((?P<dport>\d+)\)",
        rf"from (?P<src>{IPV4}):(?P<sport>\d+) to (?P<dst>{IPV4}):(?P<dport>\d+)",
    ),
    # Access lists
    _m("*-IPACCESSLOGRL", "system"),
    _m(
        "*-IPACCESSLOGP *-IPACCESSLOGDP *-IPACCESSLOGNP *-IPACCESSLOGRP *-IPACCESSLOGSP "
        "*-IPACCESSLOGS *-ACCESSLOGP *-ACCESSLOGDP *-ACCESSLOGNP *-ACCESSLOGSP *-ACCESSLOGS "
        "*-IPV6ACCESSLOGP *-IPV6ACCESSLOGDP *-IPV6ACCESSLOGNP *-IPV6ACCESSLOGSP",
        "acl_hit",
        None,
        None,
        *_ACL_FIELDS,
    ),
    # NX-OS Linux side (sudo, PAM)
    _m(
        "*-SYSTEM_MSG",
        "privilege_escalation",
        None,
        r"; COMMAND=",
        tail(r"^\s*(?P<user>\S+) : .*?COMMAND=", r"(?: - sudo)?\s*"),
    ),
    _m(
        "*-SYSTEM_MSG",
        "login_failure",
        "failure",
        _AUTH_FAIL,
        r"(?i)(?:\buser[= ]|\bfor (?:invalid user |user )?)(?P<user>[^\s;=]+)",
        rf"(?i)(?:\bfrom |rhost=)(?P<src>{IP})",
    ),
    _m(
        "*-SYSTEM_MSG",
        "login_success",
        "success",
        r"Accepted (?:password|publickey|keyboard-interactive)",
        rf"for (?P<user>\S+) from (?P<src>{IP})(?: port (?P<sport>\d+))?",
    ),
    # AAA servers going away (fallback to local accounts follows)
    _m(
        "TACACS-* TAC-* RADIUS-* AAA-* AAAA-*",
        "aaa_server_unreachable",
        "failure",
        r"(?i)\bdead\b|not responding|unreachable|no response|timed? ?out|"
        r"all servers failed|marking .* (?:dead|failed)",
        rf"(?P<dst>{IPV4})",
    ),
    _m("WEBUI-INSTALL_OPERATION_INFO", "web_login", None, None, r"(?i)user:? ?(?P<user>[\w.@-]+)"),
    _m(
        "IPS-SIGNATURE",
        "system",
        None,
        None,
        rf"\[(?P<src>{IPV4}):(?P<sport>\d+) -> (?P<dst>{IPV4}):(?P<dport>\d+)\]",
    ),
)

_ASA_ACL = (
    r"^(?P<result>Deny|deny|Denied|denied)\b",
    rf"src [^:\s]+: ?(?P<src>{IP})(?:/(?P<sport>\d+))? dst [^:\s]+: ?(?P<dst>{IP})"
    r"(?:/(?P<dport>\d+))?",
    rf"from (?:[^:\s]+:)?(?P<src>{IP})/(?P<sport>\d+) to (?:[^:\s]+:)?(?P<dst>{IP})"
    r"/(?P<dport>\d+)",
)
_ASA_LOGIN = (
    rf"from (?P<src>{IP})/(?P<sport>\d+) to (?P<iface>[^:\s]+):(?P<dst>{IP})/(?P<dport>\w+)"
    r" for user \"(?P<user>[^\"]*)\"",
)
ASA: tuple[Mapping, ...] = (
    _m("ASA-605004", "login_failure", "failure", None, *_ASA_LOGIN),
    _m("ASA-605005", "login_success", "success", None, *_ASA_LOGIN),
    _m(
        "ASA-611101 ASA-113004 ASA-113012",
        "login_success",
        "success",
        None,
        r"Uname: (?P<user>\S+)",
        r"user = (?P<user>[^:]+?)\s*(?::|$)",
        rf"IP address: (?P<src>{IP})",
        rf"user IP = (?P<src>{IP})",
    ),
    _m(
        "ASA-611102 ASA-113005 ASA-113015",
        "login_failure",
        "failure",
        None,
        r"Uname: (?P<user>\S+)",
        r"user = (?P<user>[^:]+?)\s*(?::|$)",
        rf"IP address: (?P<src>{IP})",
        rf"user IP = (?P<src>{IP})",
    ),
    _m("ASA-113022", "aaa_server_unreachable", "failure", None, rf"server (?P<dst>{IP})"),
    _m(
        "ASA-111008",
        "command",
        None,
        None,
        tail(r"^User '(?P<user>[^']*)' executed the '", r"' command\.?\s*"),
    ),
    _m("ASA-111009", "command", None, None, tail(r"^User '(?P<user>[^']*)' executed cmd: ?")),
    _m(
        "ASA-111010",
        "command",
        None,
        None,
        tail(
            rf"^User '(?P<user>[^']*)', running '[^']*' from IP (?P<src>{IP}), executed '", r"'\s*"
        ),
    ),
    _m(
        "ASA-111001 ASA-111003 ASA-111004 ASA-111005",
        "config_change",
        None,
        None,
        rf"(?P<src>{IP})",
    ),
    _m("ASA-502101 ASA-502102", "config_change", None, None, r"Uname: (?P<user>\S+)"),
    _m("ASA-502103", "privilege_escalation", None, None, r"Uname: (?P<user>\S+)"),
    _m(
        "ASA-315011",
        "session_stop",
        None,
        None,
        rf"from (?P<src>{IP}) on interface (?P<iface>\S+) for user \"(?P<user>[^\"]*)\"",
    ),
    _m(
        "ASA-106001 ASA-106006 ASA-106007 ASA-106010 ASA-106014 ASA-106023",
        "acl_hit",
        "failure",
        None,
        *_ASA_ACL,
    ),
    _m(
        "ASA-106100",
        "acl_hit",
        None,
        None,
        r"(?P<result>permitted|denied|est-allowed)",
        rf"[^/\s]+/(?P<src>{IP})\((?P<sport>\d+)\).*?-> [^/\s]+/(?P<dst>{IP})\((?P<dport>\d+)\)",
    ),
    _m(
        "ASA-713* ASA-602* ASA-716* ASA-722* ASA-751* ASA-752* ASA-113019 ASA-737*",
        "vpn",
    ),
)

_SSHD = (
    _m(
        "app:sshd",
        "login_success",
        "success",
        r"^Accepted \S+ for ",
        rf"^Accepted \S+ for (?P<user>\S+) from (?P<src>{IP}) port (?P<sport>\d+)",
    ),
    _m(
        "app:sshd",
        "login_failure",
        "failure",
        r"^(?:Failed \S+ for|Invalid user)",
        rf"(?:for (?:invalid user )?|Invalid user )(?P<user>\S+) from (?P<src>{IP})"
        r"(?: port (?P<sport>\d+))?",
    ),
)
# JunOS firewall filter log (``FW: gr-0/0/0.14 A udp 10.0.0.1 10.0.0.2 49153 53``).
_FW = _m(
    "*",
    "acl_hit",
    None,
    r"\bFW: \S+ +[ADR] ",
    rf"FW: (?P<iface>\S+) +(?P<result>[ADR]) +\S+ +(?P<src>{IP}) +(?P<dst>{IP})"
    r" +(?P<sport>\d+) +(?P<dport>\d+)",
)
JUNOS: tuple[Mapping, ...] = (
    _m(
        "SSHD_LOGIN_FAILED LOGIN_FAILED LOGIN_PAM_AUTHENTICATION_ERROR",
        "login_failure",
        "failure",
        None,
        r"for user '?(?P<user>[^'\s]*)'? from host '?(?P<src>[^'\s]*)",
    ),
    _m(
        "SSHD_LOGIN_ACCEPTED",
        "login_success",
        "success",
        None,
        r"for user '?(?P<user>[^'\s]*)'? from host '?(?P<src>[^'\s]*)",
    ),
    _m(
        "UI_LOGIN_EVENT",
        "login_success",
        "success",
        None,
        r"User '(?P<user>[^']*)' login",
        rf"-connection '(?P<src>{IP}) (?P<sport>\d+) (?P<dst>{IP}) (?P<dport>\d+)'",
    ),
    _m("UI_LOGOUT_EVENT", "logout", None, None, r"User '(?P<user>[^']*)' logout"),
    _m("UI_AUTH_EVENT", "system", None, None, r"user '(?P<user>[^']*)'"),
    _m(
        "UI_CMDLINE_READ_LINE",
        "command",
        None,
        None,
        tail(r"^User '(?P<user>[^']*)', command '", r"\s*'\s*"),
    ),
    _m(
        "UI_COMMIT UI_COMMIT_CONFIRMED UI_COMMIT_CONFIRMED_REMINDER",
        "config_change",
        None,
        None,
        r"User '(?P<user>[^']*)' (?:requested|performed) '(?P<cmd>[^']*)'",
    ),
    _m("UI_CFG_AUDIT_*", "config_change", None, None, r"User '(?P<user>[^']*)'"),
    _m("SNMPD_AUTH_FAILURE", "snmp_auth_failure", "failure", None, rf"from (?P<src>{IP})"),
    _m("KMD_* app:kmd app:iked IKE_*", "vpn"),
    _m("RT_FLOW_SESSION_DENY", "acl_hit", "failure"),
    _m("SNMP_TRAP_LINK_UP", "interface_up"),
    _m("SNMP_TRAP_LINK_DOWN", "interface_down"),
    _FW,
    *_SSHD,
)
# Lines with a syslog header but no vendor tag: firewalls' admin logins, OpenSSH.
PLAIN: tuple[Mapping, ...] = (
    _FW,
    _m(
        "*",
        "login_failure",
        "failure",
        r'msg="Administrator login denied',
        rf"\bsrc=(?P<src>{IPV4})",
    ),
    _m(
        "*",
        "login_success",
        "success",
        r'msg="Administrator login allowed',
        rf"\bsrc=(?P<src>{IPV4})",
    ),
    _m(
        "*",
        "login_success",
        "success",
        r'Admin user "[^"]*" logged in',
        r'Admin user "(?P<user>[^"]*)"',
        rf"from (?P<src>{IPV4})",
    ),
    *_SSHD,
)

_ISE_FIELDS = (
    r"(?:^|, )User(?:Name)?=(?P<user>[^,]+)",
    rf"Device IP Address=(?P<hostip>{IP})",
    r"NetworkDeviceName=(?P<host>[^,]+)",
    rf"Remote-Address=(?P<src>{IP})",
)
_ISE_TACACS = "CISE_TACACS_Accounting CSCOacs_TACACS_Accounting"
_ISE_RADIUS = "CISE_RADIUS_Accounting CSCOacs_RADIUS_Accounting"
ISE: tuple[Mapping, ...] = (
    _m(_ISE_TACACS, "command", None, r"CmdSet=\[", *_ISE_FIELDS),
    _m(
        _ISE_TACACS,
        "session_start",
        None,
        r"Accounting START|AcctRequest-Flags=Start",
        *_ISE_FIELDS,
    ),
    _m(_ISE_TACACS, "session_stop", None, r"Accounting STOP|AcctRequest-Flags=Stop", *_ISE_FIELDS),
    _m(_ISE_RADIUS, "session_start", None, r"Acct-Status-Type=Start", *_ISE_FIELDS),
    _m(_ISE_RADIUS, "session_stop", None, r"Acct-Status-Type=Stop", *_ISE_FIELDS),
    _m(
        "CISE_Passed_Authentications CSCOacs_Passed_Authentications",
        "login_success",
        "success",
        None,
        *_ISE_FIELDS,
    ),
    _m(
        "CISE_Failed_Attempts CSCOacs_Failed_Attempts",
        "login_failure",
        "failure",
        None,
        *_ISE_FIELDS,
    ),
    _m("*", "system", None, None, *_ISE_FIELDS),
)
