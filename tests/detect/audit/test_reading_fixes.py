"""Crafted configs for the known gaps closed in ``expected_findings.yaml``: each case fails
on the tool as it was before the fix (the line it points at, a finding it missed or made
up), and holds the near miss that must stay as it is."""

from __future__ import annotations

from typing import Any

from seawall.detect.audit.checks import Finding, evaluate, getter, load_checks
from seawall.sources.configs import parse_config_text

CHECKS = load_checks()


def _findings(text: str, dialect: str, check_id: str) -> list[Finding]:
    parsed = parse_config_text(text, f"crafted/{check_id}.cfg", dialect)
    assert parsed.model is not None, parsed.issues
    return [f for f in evaluate(parsed.model, CHECKS) if f.check_id == check_id]


def _lines(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.severity, f.line) for f in findings]


# ---- locating: a finding about the first server/host points at it ----------------------


def test_logging_host_without_the_host_keyword_is_located() -> None:
    text = "version 12.4\nhostname r1\nlogging 10.0.0.9\nlogging host 10.0.0.10\n"
    (hit,) = _findings(text, "cisco_ios", "HD-08")[-1:]
    assert (hit.severity, hit.line) == ("low", 3)
    assert hit.evidence["config"] == "logging 10.0.0.9"


def test_ntp_finding_points_at_the_server_inside_a_block() -> None:
    xr = "hostname xr1\nntp\n source Loopback0\n server 10.1.1.1\n server 10.1.1.2\n"
    assert _lines(_findings(xr, "cisco_iosxr", "HD-14")) == [("low", 4)]
    junos = "system {\n ntp {\n  boot-server 10.1.1.1;\n  server 10.1.1.2;\n }\n}\n"
    assert _lines(_findings(junos, "juniper_junos", "HD-14")) == [("low", 4)]


def test_a_list_index_in_a_field_path() -> None:
    parsed = parse_config_text("hostname r1\nntp server 10.1.1.1\n", "x.cfg", "cisco_ios")
    model: Any = parsed.model
    assert getter("ntp.servers.0.line")(model, model) == 2
    assert getter("ntp.servers.1.line")(model, model) is None
    assert getter("device.logging.hosts.0.address")(None, model) is None


# ---- ST-03: VTYs no line statement configures; XR line templates --------------------------


def test_nxos_without_line_vty_takes_ssh_from_anywhere() -> None:
    (hit,) = _findings("hostname n1\nfeature tacacs+\n", "cisco_nxos", "ST-03")
    assert (hit.severity, hit.line) == ("high", None)
    assert hit.message == (
        "no VTY line configured: the NX-OS default VTYs take ssh logins from any source "
        "address (no access-class)"
    )
    telnet = _findings("hostname n1\nno feature ssh\nfeature telnet\n", "cisco_nxos", "ST-03")
    assert "take telnet logins" in telnet[0].message
    assert _findings("hostname n1\nno feature ssh\n", "cisco_nxos", "ST-03") == []
    guarded = (
        "hostname n1\nip access-list M\n  permit ip 10.0.0.0/8 any\nline vty\n  access-class M in\n"
    )
    assert _findings(guarded, "cisco_nxos", "ST-03") == []


def test_ios_xr_default_vty_pool_once_a_server_is_on() -> None:
    assert _findings("hostname xr1\n", "cisco_iosxr", "ST-03") == []  # no SSH/Telnet server
    ssh = "hostname xr1\nssh server v2\n"
    assert _lines(_findings(ssh, "cisco_iosxr", "ST-03")) == [("high", None)]
    acl = ssh + "ssh server vrf default ipv4 access-list MGMT\n"
    assert _findings(acl, "cisco_iosxr", "ST-03") == []
    mpp = (
        ssh + "control-plane\n management-plane\n  inband\n   interface all\n"
        "    allow SSH peer\n     address ipv4 10.0.0.0/8\n"
    )
    assert _findings(mpp, "cisco_iosxr", "ST-03") == []
    anyone = ssh + "control-plane\n management-plane\n  inband\n   interface all\n    allow SSH\n"
    assert _lines(_findings(anyone, "cisco_iosxr", "ST-03")) == [("high", None)]


def test_ios_xr_template_no_vty_pool_uses_reaches_no_vty() -> None:
    text = (
        "hostname xr1\nline template OPEN\n transport input telnet\n"
        "line template LOCKED\n access-class ingress MGMT\n transport input ssh\n"
        "vty-pool default 0 4 line-template LOCKED\n"
        "ipv4 access-list MGMT\n 10 permit ipv4 10.0.0.0 0.0.0.255 any\nssh server v2\n"
    )
    assert _findings(text, "cisco_iosxr", "ST-03") == []
    assert _findings(text, "cisco_iosxr", "HD-01") == []
    used = text.replace("line-template LOCKED", "line-template OPEN")
    assert _lines(_findings(used, "cisco_iosxr", "ST-03")) == [("high", 2)]
    assert _lines(_findings(used, "cisco_iosxr", "HD-01")) == [("high", 2)]


def test_ios_xr_session_timeout_is_not_the_exec_idle_timeout() -> None:
    # session-timeout closes idle outgoing connections; exec-timeout (default 10 min) logs
    # an idle session out
    text = "hostname xr1\nline default\n session-timeout 30\n access-class ingress M\n"
    assert _findings(text, "cisco_iosxr", "HD-11") == []
    longer = text.replace("session-timeout 30", "exec-timeout 30 0")
    assert _lines(_findings(longer, "cisco_iosxr", "HD-11")) == [("low", 2)]


def test_eos_ssh_is_on_by_default() -> None:
    assert _lines(_findings("hostname a1\n", "arista_eos", "ST-03")) == [("high", None)]
    block = "hostname a1\nmanagement ssh\n   idle-timeout 5\n"
    (hit,) = _findings(block, "arista_eos", "ST-03")
    assert (hit.line, hit.message) == (
        2,
        "line management ssh has no access-class: logins (ssh) accepted from any source address",
    )
    acl = "hostname a1\nmanagement ssh\n   ip access-group MGMT in\n"
    assert _findings(acl, "arista_eos", "ST-03") == []
    off = "hostname a1\nmanagement ssh\n   shutdown\n"
    assert _findings(off, "arista_eos", "ST-03") == []


# ---- ASA: the legacy login password and the admin session timeouts ------------------------


def test_asa_passwd_is_a_local_password() -> None:
    text = "ASA Version 9.0(3)\nhostname fw\npasswd 2KFQnbNIdI.2KYOU encrypted\n"
    (hit,) = _findings(text, "cisco_asa", "HD-03")
    assert (hit.severity, hit.line) == ("medium", 3)
    assert hit.message == "login (passwd) secret stored as type 5 (MD5 crypt)"
    assert "2KFQ" not in hit.evidence["config"]
    clear = "ASA Version 9.0(3)\nhostname fw\npasswd cisco\n"
    assert _lines(_findings(clear, "cisco_asa", "HD-03")) == [("high", 3)]


def test_asa_session_timeouts_are_idle_timeouts() -> None:
    text = "hostname fw\nssh timeout 60\ntelnet timeout 5\nconsole timeout 0\n"
    found = _findings(text, "cisco_asa", "HD-11")
    assert [(f.line, f.message) for f in found] == [
        (2, "line ssh: exec-timeout 3600 s (0 = never)"),
        (4, "line console: exec-timeout 0 s (0 = never)"),
    ]


# ---- IOS OSPFv3 ------------------------------------------------------------------------


def test_ios_ospfv3_adjacency_and_clear_ipsec_key() -> None:
    text = (
        "version 15.4\nhostname r1\nservice password-encryption\n"
        "interface Gi1\n ipv6 address 2001:db8::1/64\n ipv6 ospf 1 area 0\n"
        "interface Gi2\n ipv6 address 2001:db8:1::1/64\n ipv6 ospf 1 area 0\n"
        " ipv6 ospf authentication ipsec spi 256 sha1 0 0123456789abcdef0123456789abcdef01234567\n"
    )
    assert [(f.line, f.message) for f in _findings(text, "cisco_ios", "HD-15")] == [
        (4, "ospfv3 neighbor Gi1 without authentication")
    ]
    (key,) = _findings(text, "cisco_ios", "HD-04")
    assert (key.line, key.message) == (10, "ospf-key (Gi2) stored as clear text (type 0)")
    assert "0123456789" not in key.evidence["config"]


# ---- BGP neighbors that are shut down have no session --------------------------------------


def test_shut_bgp_neighbors_are_no_sessions() -> None:
    nxos = (
        "hostname n1\nfeature bgp\nrouter bgp 65000\n"
        "  neighbor 10.0.0.1 remote-as 65001\n    shutdown\n"
        "  neighbor 10.0.0.2 remote-as 65001\n    address-family ipv4 unicast\n"
    )
    assert _lines(_findings(nxos, "cisco_nxos", "HD-15")) == [("medium", 6)]
    xr = (
        "hostname xr1\nrouter bgp 65000\n neighbor 10.0.0.1\n  remote-as 65001\n  shutdown\n"
        " neighbor 10.0.0.2\n  remote-as 65001\n"
    )
    assert _lines(_findings(xr, "cisco_iosxr", "HD-15")) == [("medium", 6)]
    ios = (
        "hostname r1\nrouter bgp 65000\n neighbor 10.0.0.1 remote-as 65001\n"
        " neighbor 10.0.0.1 shutdown\n neighbor 10.0.0.2 remote-as 65001\n"
    )
    assert _lines(_findings(ios, "cisco_ios", "HD-15")) == [("medium", 5)]


# ---- JunOS: what is deactivated is not in effect; an item's first statement ----------------

_JUNOS_BGP = (
    "set system host-name r1\n"
    "set protocols bgp group vpn neighbor 203.0.113.1 peer-as 2\n"
    "set protocols bgp group up neighbor 203.0.113.2 peer-as 3\n"
    "deactivate protocols bgp group vpn\n"
)


def test_junos_deactivated_bgp_group_has_no_sessions() -> None:
    assert _lines(_findings(_JUNOS_BGP, "juniper_junos", "HD-15")) == [("medium", 3)]
    again = _JUNOS_BGP + "activate protocols bgp group vpn\n"
    assert _lines(_findings(again, "juniper_junos", "HD-15")) == [("medium", 2), ("medium", 3)]
    brace = (
        "system {\n host-name r1;\n}\nprotocols {\n bgp {\n"
        "  inactive: group vpn {\n   neighbor 203.0.113.1 {\n    peer-as 2;\n   }\n  }\n"
        "  group up {\n   neighbor 203.0.113.2 {\n    peer-as 3;\n   }\n  }\n }\n}\n"
    )
    parsed = parse_config_text(brace, "crafted/r1.conf", "juniper_junos")
    assert parsed.model is not None and parsed.model.unknown_lines == []
    assert _lines(_findings(brace, "juniper_junos", "HD-15")) == [("medium", 12)]


def test_junos_server_is_at_its_first_statement() -> None:
    text = (
        "set system host-name r1\n"
        "set system tacplus-server 198.51.100.7 apply-groups G\n"
        "set system tacplus-server 198.51.100.7 port 49\n"
    )
    assert _lines(_findings(text, "juniper_junos", "ST-11")) == [("high", 2)]


# ---- EOS: the vendor's agent, event-handlers, banners ------------------------------------


def _daemon(command: str, name: str = "TerminAttr") -> str:
    return f"hostname a1\ndaemon {name}\n   exec {command}\n   no shutdown\n"


def test_eos_terminattr_to_an_internal_collector_is_not_reported() -> None:
    ours = "/usr/bin/TerminAttr -ingestgrpcurl=10.0.0.5:9910 -taillogs -ingestvrf=MGMT"
    assert [f for f in _findings(_daemon(ours), "arista_eos", "ST-28") if f.line == 2] == []
    away = ours.replace("10.0.0.5", "203.0.113.9")
    assert _lines(_findings(_daemon(away), "arista_eos", "ST-28"))[-1:] == [("high", 2)]
    fake = "/mnt/flash/TerminAttr -ingestgrpcurl=10.0.0.5:9910"
    assert _lines(_findings(_daemon(fake), "arista_eos", "ST-28"))[-1:] == [("high", 2)]
    other = _daemon("/mnt/flash/collector.py", name="collector")
    (hit,) = [f for f in _findings(other, "arista_eos", "ST-28") if f.line == 2]
    assert hit.message == "daemon collector runs `/mnt/flash/collector.py`"


def test_eos_event_handler_running_bash_is_reported() -> None:
    text = (
        "hostname a1\nevent-handler boot\n   trigger on-boot\n"
        "   action bash sudo /mnt/flash/start.sh\n"
    )
    (hit,) = [f for f in _findings(text, "arista_eos", "ST-28") if f.line == 2]
    assert hit.message == (
        "event-handler boot runs bash `sudo /mnt/flash/start.sh`: a shell command EOS runs on "
        "its trigger"
    )
    quiet = "hostname a1\nevent-handler link\n   trigger on-intf Ethernet1 operstatus\n"
    assert [f for f in _findings(quiet, "arista_eos", "ST-28") if f.line == 2] == []


def test_eos_motd_is_shown_after_login() -> None:
    motd = "hostname a1\nbanner motd\nWelcome\nEOF\n"
    assert [f.message for f in _findings(motd, "arista_eos", "HD-16")] == [
        "no login banner configured"
    ]
    login = "hostname a1\nbanner login\nAuthorised use only\nEOF\n"
    assert _findings(login, "arista_eos", "HD-16") == []


# ---- PAN-OS: BGP peers that cannot form a session ---------------------------------------


def test_panos_bgp_peer_needs_an_address_and_bgp_on() -> None:
    vr = "set network virtual-router VR protocol bgp"
    text = (
        "set deviceconfig system hostname fw1\n"
        f"{vr} enable yes\n"
        f"{vr} peer-group PG peer P1 peer-address ip 203.0.113.1\n"
        f"{vr} peer-group PG peer P2 connection-options hold-time 90\n"
        f"{vr} peer-group PG peer P3 peer-address ip 203.0.113.3\n"
        f"{vr} peer-group PG peer P3 enable no\n"
    )
    assert _lines(_findings(text, "paloalto_panos", "HD-15")) == [("medium", 3)]
    assert _findings(text + f"{vr} enable no\n", "paloalto_panos", "HD-15") == []
    assert _findings(text + f"{vr} peer-group PG enable no\n", "paloalto_panos", "HD-15") == []


# ---- FortiOS: FortiGuard NTP, admins without trusted hosts --------------------------------


def test_fortios_fortiguard_ntp_is_a_server() -> None:
    text = "config system ntp\n    set ntpsync enable\n    set server-mode disable\nend\n"
    (hit,) = _findings(text, "fortinet_fortios", "HD-14")
    assert (hit.line, hit.message) == (
        2,
        "NTP without authentication: the clock follows whoever answers as the server",
    )
    off = text.replace("ntpsync enable", "ntpsync disable")
    assert [f.message[:13] for f in _findings(off, "fortinet_fortios", "HD-14")] == [
        "no NTP server"
    ]


def test_fortios_admin_without_trusthost() -> None:
    text = (
        "config system admin\n"
        '    edit "admin"\n        set accprofile "super_admin"\n    next\n'
        '    edit "ops"\n        set accprofile "super_admin"\n'
        "        set trusthost1 10.10.0.0 255.255.255.0\n    next\n"
        '    edit "wide"\n        set trusthost1 0.0.0.0 0.0.0.0\n    next\n'
        "end\n"
    )
    found = _findings(text, "fortinet_fortios", "ST-29")
    assert [(f.line, f.message) for f in found] == [
        (
            2,
            "account admin (super_admin) has no trusted host: its logins are accepted from any "
            "source address",
        ),
        (
            9,
            "account wide has a trusted host of any address: its logins are accepted from any "
            "source address",
        ),
    ]


# ---- HD-12: an IGP's transit link is internal ---------------------------------------------


def test_ospf_transit_is_not_ip_transit() -> None:
    text = (
        "version 15.4\nhostname r1\n"
        "interface Gi1\n description [OSPF Transit via West side of building]\n"
        "interface Gi2\n description IP transit to AS64500\n"
        "interface Gi3\n description OSPF transit via WAN dialer\n"
    )
    assert [f.line for f in _findings(text, "cisco_ios", "HD-12")] == [5, 7]


# ---- HD-01: an access-class that drops telnet -----------------------------------------------


def test_access_class_dropping_telnet_means_no_telnet() -> None:
    text = (
        "version 12.2\nhostname ap1\naccess-list 111 permit tcp any any neq telnet\n"
        "line vty 0 4\n access-class 111 in\n"
    )
    assert _findings(text, "cisco_ios", "HD-01") == []
    opened = text.replace("neq telnet", "eq telnet")
    assert _lines(_findings(opened, "cisco_ios", "HD-01")) == [("high", 4)]
    # with IPv6 on the box, an IPv4-only access-class leaves IPv6 telnet open
    v6 = text + "interface Gi0\n ipv6 address 2001:db8::1/64\n"
    assert _lines(_findings(v6, "cisco_ios", "HD-01")) == [("high", 4)]


# ---- ST-01 / ST-02 on the vendors whose allow-lists the model holds ------------------------


def _messages(findings: list[Finding]) -> list[tuple[int | None, str]]:
    return [(f.line, f.message) for f in findings]


def test_eos_management_acls() -> None:
    text = (
        "hostname a1\nip access-list standard 20\n   10 permit 10.0.0.0/8\n"
        "   20 permit 203.0.113.7/32\nmanagement ssh\n   ip access-group 20 in\n"
    )
    assert _messages(_findings(text, "arista_eos", "ST-01")) == [
        (4, "ACL 20 (guards ssh, vty) permits external source 203.0.113.7/32")
    ]
    assert _lines(_findings(text, "arista_eos", "ST-02")) == [("high", 4)]
    # an SNMP ACL entry that reaches no SNMP port lets no one poll
    snmp = (
        "hostname a1\nip access-list S\n  10 permit tcp any any eq 443\n"
        "  20 permit udp 198.51.100.0/24 any eq snmp\nsnmp-server community C ro S\n"
    )
    assert _lines(_findings(snmp, "arista_eos", "ST-01")) == [("high", 4)]


def test_junos_loopback_filter_terms_that_reach_management() -> None:
    text = (
        "set system host-name r1\n"
        "set policy-options prefix-list MGMT 10.0.0.0/8\n"
        "set policy-options prefix-list MGMT 203.0.113.0/24\n"
        "set firewall family inet filter RE term ssh from source-prefix-list MGMT\n"
        "set firewall family inet filter RE term ssh from destination-port ssh\n"
        "set firewall family inet filter RE term ssh then accept\n"
        "set firewall family inet filter RE term bgp from source-address 198.51.100.1/32\n"
        "set firewall family inet filter RE term bgp from destination-port bgp\n"
        "set firewall family inet filter RE term bgp then accept\n"
        "set firewall family inet filter RE term est from protocol tcp\n"
        "set firewall family inet filter RE term est then accept\n"
        "set firewall family inet filter RE term web from destination-port https\n"
        "set firewall family inet filter RE term web then accept\n"
        "set firewall family inet filter RE term rest then discard\n"
        "set interfaces lo0 unit 0 family inet filter input RE\n"
    )
    assert _messages(_findings(text, "juniper_junos", "ST-01")) == [
        (3, "ACL RE (guards mpp) permits external source 203.0.113.0/24"),
        (12, "ACL RE (guards mpp) permits any source (the whole Internet)"),
    ]


def test_panos_permitted_ip() -> None:
    text = (
        "set deviceconfig system hostname fw1\n"
        "set deviceconfig system permitted-ip 10.1.0.0/16\n"
        "set deviceconfig system permitted-ip 198.51.100.9\n"
    )
    assert _messages(_findings(text, "paloalto_panos", "ST-01")) == [
        (3, "ACL permitted-ip (guards mpp) permits external source 198.51.100.9/32")
    ]


def test_fortios_trusthost_external_and_any() -> None:
    text = (
        "config system admin\n"
        '    edit "ops"\n        set trusthost1 198.51.100.0 255.255.255.0\n    next\n'
        '    edit "wide"\n        set trusthost1 0.0.0.0 0.0.0.0\n    next\n'
        "end\n"
    )
    assert _messages(_findings(text, "fortinet_fortios", "ST-01")) == [
        (3, "ACL trusthost ops (guards mpp) permits external source 198.51.100.0/24")
    ]
    assert _lines(_findings(text, "fortinet_fortios", "ST-29")) == [("high", 5)]


def test_asa_remote_access_allow_lists() -> None:
    text = (
        "hostname fw\nssh 10.0.0.0 255.0.0.0 inside\nssh 203.0.113.0 255.255.255.0 inside\n"
        "ssh 0.0.0.0 0.0.0.0 outside\nhttp 198.51.100.7 255.255.255.255 management\n"
    )
    assert _messages(_findings(text, "cisco_asa", "ST-01")) == [
        (3, "ssh access on inside allows external source 203.0.113.0/24"),
        (5, "https access on management allows external source 198.51.100.7/32"),
    ]
    # any source on outside is ST-29's finding, not ST-01's
    assert 4 in [f.line for f in _findings(text, "cisco_asa", "ST-29")]


def test_ios_xr_line_default_that_no_login_pool_uses() -> None:
    text = (
        "hostname xr1\nline default\n exec-timeout 10 0\nline template VTY\n"
        " access-class ingress MGMT\nvty-pool default 0 15 line-template VTY\n"
        "vty-pool eem 100 105\nipv4 access-list MGMT\n 10 permit ipv4 10.0.0.0 0.0.0.255 any\n"
        "ssh server v2\n"
    )
    assert _findings(text, "cisco_iosxr", "ST-03") == []
    other_pool = text + "vty-pool ops 20 24\n"  # a login pool without a template: default
    assert _lines(_findings(other_pool, "cisco_iosxr", "ST-03")) == [("high", 2)]
