"""Cisco IOS/IOS XE parser: every corpus file (dialect detected, exact count of lines not
understood), the model read from real files, and crafted statements the corpus lacks."""

from __future__ import annotations

import json

import pytest
from config_corpus import CONFIGS, assert_table_covers, assert_unknown_lines, parse_file

from seawall.records.config import DeviceConfig
from seawall.sources.configs import parse_config_file, parse_config_text

FOLDER = CONFIGS / "cisco_ios"

# Lines not understood per corpus file (dialect detected from content, not forced).
UNKNOWN_LINES = {
    "cisco_ios/batfish_example_candidate_as2dept1.cfg": 0,
    "cisco_ios/batfish_example_live_as2dept1.cfg": 0,
    "cisco_ios/batfish_hybridcloudaws_lhr-border-02.cfg": 0,
    "cisco_ios/batfish_ios-aaa-group-server.cfg": 0,
    "cisco_ios/batfish_ios-snmp-community-string.cfg": 0,
    "cisco_ios/batfish_ios-tunnel-mode.cfg": 0,
    "cisco_ios/batfish_ios_interface_show_run_all.cfg": 0,
    "cisco_ios/batfish_unit_cisco_aaa.cfg": 0,
    "cisco_ios/batfish_unit_cisco_crypto.cfg": 0,
    "cisco_ios/batfish_unit_cisco_line.cfg": 0,
    "cisco_ios/batfish_unit_cisco_logging.cfg": 0,
    # Batfish's catch-all fragment for its shared Cisco grammar: 109 lines are NX-OS (fex,
    # vpc, poap, bloggerd, fabricpath), IOS XR (nv satellite, lpts, mirror, pool vrf), ASA
    # (timeout, tunnel-group, phone-proxy, Cryptochecksum), EOS (load-balance policies, tap
    # aggregation), Brocade (lag ... dynamic id) or RANCID noise ("No l4r_shim subsystem...").
    "cisco_ios/batfish_unit_cisco_misc.cfg": 109,
    # ``monitor-session RSPAN ethernet`` + ``destination pseudowire`` is IOS XR syntax.
    "cisco_ios/batfish_unit_cisco_monitor.cfg": 2,
    "cisco_ios/batfish_unit_cisco_privilege.cfg": 0,
    "cisco_ios/batfish_unit_cisco_snmp.cfg": 0,
    "cisco_ios/batfish_unit_cisco_ssh.cfg": 0,
    "cisco_ios/batfish_unit_cisco_username.cfg": 0,
    "cisco_ios/batfish_unit_cisco_wsma.cfg": 0,
    # `` permit esp host any any``: ``host`` needs an address.
    "cisco_ios/ciscoconfparse_sample_01.ios": 1,
    "cisco_ios/ciscoconfparse_sample_02.ios": 0,
    "cisco_ios/ciscoconfparse_sample_03.ios": 0,
    "cisco_ios/ciscoconfparse_sample_04.ios": 0,
    "cisco_ios/ciscoconfparse_sample_05.ios": 0,
    "cisco_ios/ciscoconfparse_sample_06.ios": 0,
    # `` ip address 172.16.0.1`` on Loopback0 has no mask.
    "cisco_ios/ciscoconfparse_sample_07.ios": 1,
    # ``passsive-interface`` (typo, twice) and `` permit esp host any any``.
    "cisco_ios/ciscoconfparse_sample_08.ios": 3,
    # An IPv6 address run into the text of a PDF footer ("...::1/64This publication is...").
    "cisco_ios/ciscoconfparse_sample_09.ios": 1,
    "cisco_ios/hierconfig_ios_generated.conf": 0,
    "cisco_ios/hierconfig_ios_running.conf": 0,
    "cisco_ios/napalm_ios_CSR1_show_running_config.txt": 0,
    "cisco_ios/pybatfish_example_as1border1.cfg": 0,
    "cisco_ios/pybatfish_example_as1core1.cfg": 0,
    "cisco_ios/pybatfish_example_as2border1.cfg": 0,
    "cisco_ios/pybatfish_example_as2dept1.cfg": 0,
    "cisco_ios/pybatfish_example_as2dist1.cfg": 0,
    "cisco_ios/pybatfish_example_as3border1.cfg": 0,
    "cisco_ios/pybatfish_failure_london.cfg": 0,
    "cisco_ios/pybatfish_failure_newyork.cfg": 0,
    "cisco_ios/pybatfish_filters_current_firewall.cfg": 0,
    "cisco_ios/pybatfish_fwdchange_base_border1.cfg": 0,
    "cisco_ios/pybatfish_fwdchange_base_core1.cfg": 0,
    "cisco_ios/pybatfish_fwdchange_change1_core1.cfg": 0,
    "cisco_ios/pybatfish_fwdchange_change2_border1.cfg": 0,
    "cisco_ios/pybatfish_hsrp_BR1_show_running-config.txt": 0,
    "cisco_ios/pybatfish_hsrp_WAN-RTR_show_running-config.txt": 0,
    "cisco_ios/pybatfish_hybridcloud_exitgw.cfg": 0,
    # IOS configurations filed under juniper_junos/ in the corpus.
    "juniper_junos/batfish_example-juniper_as2core1.cfg": 0,
    "juniper_junos/batfish_example-juniper_as3border1.cfg": 0,
}
NOT_A_CONFIG = "netconan_sample-netconan-config.cfg"


def parse(name: str) -> DeviceConfig:
    return parse_file(CONFIGS / name if "/" in name else FOLDER / name, "cisco_ios", detect=True)


def test_table_covers_the_folder() -> None:
    in_folder = [n.removeprefix("cisco_ios/") for n in UNKNOWN_LINES if n.startswith("cisco_ios/")]
    assert_table_covers(FOLDER, in_folder, besides={NOT_A_CONFIG})


@pytest.mark.parametrize("name", sorted(UNKNOWN_LINES))
def test_corpus_file_parses(name: str) -> None:
    model = parse(name)
    assert model.vendor == "Cisco"
    assert model.os in ("IOS", "IOS XE")
    assert_unknown_lines(model, UNKNOWN_LINES[name])


def test_netconan_settings_are_not_a_config() -> None:
    path = str(FOLDER / NOT_A_CONFIG)
    result = parse_config_file(path)
    assert result.model is None
    assert [i.kind for i in result.issues] == ["unsupported"]
    assert result.issues[0].location.file == path


def test_the_odd_lines_are_the_ones_reported() -> None:
    assert parse("ciscoconfparse_sample_08.ios").unknown_lines == [379, 385, 453]
    assert parse("ciscoconfparse_sample_07.ios").unknown_lines == [182]
    assert parse("batfish_unit_cisco_monitor.cfg").unknown_lines == [17, 18]


def test_os_and_version() -> None:
    assert (
        parse("ciscoconfparse_sample_01.ios").os,
        parse("ciscoconfparse_sample_01.ios").version,
    ) == ("IOS", "12.4")
    exitgw = parse("pybatfish_hybridcloud_exitgw.cfg")
    assert (exitgw.os, exitgw.version, exitgw.platform) == ("IOS XE", "16.4", "CSR1000V")
    csr = parse("napalm_ios_CSR1_show_running_config.txt")  # 15.5 on a CSR1000V: IOS XE 3.x
    assert (csr.os, csr.version, csr.hostname) == ("IOS XE", "15.5", "CSR1")


def test_ssh_port_rotary_and_pubkeys() -> None:
    model = parse("batfish_unit_cisco_ssh.cfg")
    (ssh,) = model.service("ssh")
    assert (ssh.port, ssh.options, ssh.line) == (2041, {"rotary": "1 3"}, 6)
    assert model.flags["ssh_version"] == "2"  # the later of ``ip ssh version 1`` / ``2``
    assert model.aaa.source_interfaces == {"ssh": "Vlan10"}  # not the client's Loopback0
    assert [(u.name, u.ssh_keys, u.line) for u in model.users] == [("alice", 1, 8), ("bob", 1, 10)]


def test_users_and_secret_types() -> None:
    users = {u.name: u for u in parse("batfish_unit_cisco_username.cfg").users}
    assert {n: u.secret_type for n, u in users.items()} == {
        "admin": "5",
        "demo": "plain",
        "network": "5",
        "sha": "5",
        "user1": "plain",
        "user2": "none",
        "asa-user1": "5",  # the later ``password PASSWORD6 encrypted`` wins
        "asa-user2": "5",
        "asa-user3": "5",
        "asa-user4": "5",
        "asa-user5": "8",
        "abc": "5",  # ``secret 5`` in the block under ``username abc``
        "bob1": "unknown",  # ``password 1 1234``: there is no type 1
        "bob2": "unknown",
    }
    assert "rancid" not in users  # ``username rancid attributes`` only sets attributes
    assert sorted(n for n, u in users.items() if u.is_admin) == ["admin", "demo", "network", "sha"]
    assert (users["demo"].privilege, users["asa-user1"].privilege) == (15, 0)
    assert users["admin"].role == "network-admin"
    assert users["sha"].secret_fingerprint is not None and users["user2"].secret_fingerprint is None


def test_erspan_capture() -> None:
    (capture,) = parse("batfish_unit_cisco_monitor.cfg").captures
    assert (capture.kind, capture.name, capture.line) == ("erspan", "1", 4)
    assert capture.destination == "1.2.3.4"
    assert capture.source == "cpu rp, Gi1/2"


def test_telnet_on_vty_lines() -> None:
    model = parse("batfish_hybridcloudaws_lhr-border-02.cfg")
    vty = {line.name: line for line in model.lines if line.kind == "vty"}
    assert vty["vty 0 2"].transport_input == ["telnet"]
    assert vty["vty 3 5"].transport_input == ["ssh"]
    assert vty["vty 0 2"].access_class_in is None
    telnet = model.service("telnet")
    assert [(s.enabled, s.line, s.options) for s in telnet] == [(True, 277, {"line": "vty 0 2"})]
    assert [(s.name, s.enabled) for s in model.services if s.name.startswith("http")] == [
        ("http", False),
        ("https", False),
    ]
    assert [u.name for u in model.users if u.is_admin] == ["demo"]
    assert [(r.prefix, r.next_hop, r.interface) for r in model.static_routes] == [
        ("8.8.0.0/16", "172.16.1.1", None),
        ("10.10.0.0/16", None, "Null0"),
        ("52.0.0.0/8", "172.16.1.1", None),
    ]
    ospf = [(p.neighbor, p.authenticated) for p in model.routing_peers if p.protocol == "ospf"]
    assert ospf == [("Ethernet1/0", False), ("Ethernet1/1", False)]  # the rest are passive
    assert len([p for p in model.routing_peers if p.protocol == "bgp"]) == 6


def test_wsma() -> None:
    services = parse("batfish_unit_cisco_wsma.cfg").service("wsma")
    assert [(s.line, s.options) for s in services] == [
        (4, {"agent": "notify", "profiles": "httplistener,httpslistener"}),
        (7, {"profile": "httplistener", "transport": "http"}),
        (9, {"agent": "filesys", "profiles": "httplistener,httpslistener"}),
    ]


def test_tunnel_mode_source_destination() -> None:
    tunnels = [i for i in parse("batfish_ios-tunnel-mode.cfg").interfaces if i.kind == "tunnel"]
    assert [
        (t.name, t.tunnel_mode, t.tunnel_source, t.tunnel_destination, t.addresses) for t in tunnels
    ] == [
        ("Tunnel1", "gre ip", "TenGigabitEthernet0/0", "1.2.3.4", ["1.1.1.1/24"]),  # default
        ("Tunnel2", "gre multipoint", "TenGigabitEthernet0/0", "1.2.3.5", ["2.2.2.2/24"]),
        ("Tunnel3", "ipsec ipv4", "TenGigabitEthernet0/0", "1.2.3.6", ["3.3.3.3/24"]),
    ]


def test_crypto_peers_of_the_aws_gateway() -> None:
    model = parse("pybatfish_hybridcloud_exitgw.cfg")
    assert [(p.address, p.kind, p.line) for p in model.crypto_peers] == [
        ("44.227.244.7", "isakmp", 117),
        ("34.209.88.227", "isakmp", 120),
        ("52.14.53.162", "isakmp", 123),
        ("3.19.24.131", "isakmp", 126),
    ]
    assert {s.owner for s in model.secrets if s.kind == "isakmp-key"} == {
        p.address for p in model.crypto_peers
    }
    destinations = {i.tunnel_destination for i in model.interfaces if i.kind == "tunnel"}
    assert destinations == {p.address for p in model.crypto_peers}
    users = [(u.name, u.privilege, u.secret_type) for u in model.users]
    assert users == [("cisco", 15, "plain")]


def test_snmp_communities_are_fingerprints_only() -> None:
    model = parse("batfish_ios-snmp-community-string.cfg")
    assert [(c.access, c.acl, c.line) for c in model.snmp.communities] == [
        ("ro", "80", 6),
        ("ro", "90", 7),
    ]
    assert [(u.acl, u.where, u.owner) for u in model.acl_uses] == [
        ("80", "snmp", model.snmp.communities[0].fingerprint),
        ("90", "snmp", model.snmp.communities[1].fingerprint),
    ]
    assert [(a.kind, [e.source for e in a.entries]) for a in model.acls.values()] == [
        ("standard", ["10.0.0.10/32"]),
        ("standard", ["10.0.0.10/32"]),
    ]
    dumped = json.dumps(model.to_dict())
    for community in ("quoted$#!@", "test$#!@", "quoted", "test$"):
        assert community not in dumped
        assert all(community not in line for line in model.text.values())


def test_large_files() -> None:
    acls = parse("ciscoconfparse_sample_05.ios").acls
    assert len(acls) == 100
    assert sum(len(a.entries) for a in acls.values()) == 15031
    first = acls["ACL_00"].entries[0]
    assert (first.protocol, first.source, first.destination, first.line) == (
        "udp",
        "any",
        "192.0.2.0/32",
        5,
    )
    switch = parse("ciscoconfparse_sample_06.ios")
    kinds = [i.kind for i in switch.interfaces]
    assert (kinds.count("vlan"), kinds.count("physical")) == (4094, 624)
    last = switch.interfaces[-1]
    assert (last.name, last.addresses, last.vrf) == ("Vlan4094", ["134.215.31.0/24"], "VRF_4094")


def test_aaa_servers_groups_and_methods() -> None:
    model = parse("batfish_ios-aaa-group-server.cfg")
    servers = [(s.protocol, s.address, s.group, s.key_type) for s in model.aaa.servers]
    assert servers == [
        ("tacacs", "192.168.1.1", "tacacs_group", "plain"),  # tacacs-server host, in a group
        ("ldap", "192.168.2.1", "ldap_group", None),
        ("ldap", "192.168.2.2", "ldap_group", None),
        ("radius", "192.168.3.1", "radius_group", None),
        ("tacacs", "10.1.1.1", "tacacs_group", None),
        ("tacacs", "10.2.2.2", "tacacs_group", "7"),  # server-private with its own key
    ]
    assert model.aaa.command_accounting
    (accounting,) = [m for m in model.aaa.methods if m.service == "commands" and m.level == 15]
    assert (accounting.function, accounting.methods) == (
        "accounting",
        ["stop-only", "group tacacs_group"],
    )
    assert all("MySecretKey1" not in json.dumps(model.to_dict()) for _ in [0])


def test_lines_and_their_acls() -> None:
    model = parse("batfish_unit_cisco_line.cfg")
    lines = {(line.name, line.kind): line for line in model.lines}
    vty = lines[("vty 0 4", "vty")]
    assert (vty.access_class_in, vty.access_class_in_v6, vty.exec_timeout_seconds) == (
        "99",
        "ipv6-vty-acl",
        3600,
    )
    assert vty.password_type == "plain"
    assert lines[("0/0/0 0/0/15", "tty")].transport_input == ["telnet"]
    assert lines[("35 48", "tty")].transport_input == ["all"]
    assert lines[("2", "tty")].exec_timeout_seconds == 60  # ``exec-timeout 1`` comes last
    assert lines[("console", "console")].exec_timeout_seconds == 900
    vty_acls = [(u.acl, u.line) for u in model.acl_uses if u.where == "vty"]
    assert vty_acls == [("40", 6), ("vty-acl", 22), ("40", 26), ("99", 56), ("ipv6-vty-acl", 61)]


def test_logging_archive_and_hardening_flags() -> None:
    model = parse("ciscoconfparse_sample_01.ios")
    log = model.logging
    assert [(h.address, h.line) for h in log.hosts] == [("172.16.1.5", 371), ("172.16.1.7", 372)]
    assert (log.buffered, log.timestamps, log.command_logging, log.source_interface) == (
        True,
        True,
        True,
        "Loopback0",
    )
    assert log.notify_syslog is False
    assert [(t.url, t.kind, t.line) for t in model.archive_targets] == [
        ("ftp://ns.foo.com//tftpboot/Foo-archive", "archive", 135),
        ("ftp://ftp@", "ftp", 145),
    ]
    assert model.flags == {
        "service_pad": False,
        "service_password_encryption": True,
        "aaa_new_model": True,
        "ip_source_route": False,
        "bootp_server": False,
        "login_block_for": "30 attempts 5 within 15",
        "login_banner": True,
        "password_strength_check": True,  # security passwords min-length 6
        "http_server_privilege": "authentication local",  # ip http server + authentication
    }
    http = [(s.name, s.enabled, s.acl) for s in model.services if s.name.startswith("http")]
    assert http == [("http", True, "99"), ("https", False, "99")]
    (community,) = model.snmp.communities
    assert (community.access, community.acl) == ("rw", "99")
    assert [(u.where, u.acl) for u in model.acl_uses if u.acl == "99"] == [
        ("http", "99"),
        ("snmp", "99"),
    ]
    assert [(s.kind, s.secret_type) for s in model.secrets][:2] == [("enable", "5"), ("other", "7")]
    misc = parse("batfish_unit_cisco_misc.cfg")
    assert (misc.logging.command_logging, misc.logging.notify_syslog) == (True, True)
    assert [t.url for t in misc.archive_targets] == ["flash:myconfig", "tftp://172.16.1.10/"]
    assert [(s.name, s.enabled, s.line) for s in misc.service("smart-install")] == [
        ("smart-install", False, 285)
    ]


def test_eem_applets() -> None:
    model = parse("batfish_unit_cisco_misc.cfg")
    assert [(a.kind, a.name, a.line, a.actions) for a in model.automation] == [
        (
            "eem",
            "Interface_Load",
            58,
            [
                "enable",
                "show clock | append disk1:1.txt",
                "show interface GigabitEthernet2/15 | append disk1:1.txt",
            ],
        ),
        ("eem", "URLFilter_bw_safeguard", 68, ["enable", "config t", "interface Tu9", "shutdown"]),
    ]


def test_crypto_unit_file() -> None:
    model = parse("batfish_unit_cisco_crypto.cfg")
    assert [(p.address, p.kind, p.name) for p in model.crypto_peers] == [
        ("1.2.3.4", "ikev2", "bacdef"),  # crypto ikev2 keyring VPN_KEY / peer bacdef
        ("5.6.7.8", "ikev2", "myprofile"),  # match identity remote address
        ("1.2.3.4", "isakmp", None),  # crypto isakmp key ... address 1.2.3.4
        ("1.1.1.1", "isakmp", "VRF:ABC:DEF:GHI:1234"),  # crypto keyring pre-shared-key
        ("1.2.3.4", "crypto-map", "VPN 5"),  # crypto map VPN 5 / set peer
    ]
    chains = [(s.owner, s.secret_type) for s in model.secrets if s.kind == "other"]
    assert chains == [("mykeychain1", "7"), ("mykeychain2", "plain")]


def test_interfaces_misindented_and_span_ports() -> None:
    model = parse("ciscoconfparse_sample_02.ios")
    names = [i.name for i in model.interfaces]
    # `` interface FastEthernet0/6`` (indented by one space) still starts its own interface.
    assert names[:7] == [f"FastEthernet0/{n}" for n in range(1, 8)]
    assert len(names) == 28
    assert [(c.kind, c.source, c.destination) for c in model.captures] == [
        ("span", "FastEthernet0/2", "FastEthernet0/4"),
        ("span", "FastEthernet0/2", "FastEthernet0/5"),
    ]
    assert [(line.name, line.password_type) for line in model.lines] == [
        ("con 0", "7"),
        ("vty 0 4", "7"),
        ("vty 5 15", "7"),
    ]


CRAFTED = """\
version 17.3
hostname edge1
service tcp-small-servers
ip finger
username cisco_tac_admin privilege 15 algorithm-type scrypt secret $9$abc$def
enable secret 9 $9$qqq
aaa new-model
aaa accounting commands 15 default start-stop group TAC
tacacs server TAC1
 address ipv4 203.0.113.50
 key 7 0822455D0A16
 port 4949
radius server RAD1
 address ipv4 198.51.100.9 auth-port 1812 acct-port 1813
 key 0 plaintextkey
aaa group server tacacs+ TAC
 server name TAC1
 ip tacacs source-interface Loopback0
ip ssh port 22022 rotary 1
ip http server
ip http port 18080
ip http secure-port 18443
ip http access-class ipv4 20
access-list 20 permit 10.0.0.0 0.0.0.255
access-list 20 permit host 45.77.1.1
no vstack
netconf-yang
restconf
iox
app-hosting appid guestshell
 app-vnic management guest-interface 0
monitor capture CAP interface GigabitEthernet1 both match ipv4 any any
monitor session 1 source interface Gi0/1 rx
monitor session 1 destination interface Gi0/2
kron policy-list BK
 cli show running-config | redirect tftp://203.0.113.7/cfg
event manager applet CLEAR
 event timer watchdog time 300
 action 1.0 cli command "clear logging"
crypto isakmp key 6 SECRETKEY address 198.51.100.77 no-xauth
crypto ikev2 keyring KR
 peer ACTOR
  address 203.0.113.99
  pre-shared-key local 0 abc
interface Loopback0
 ip address 10.255.0.1 255.255.255.255
interface Tunnel100
 tunnel source Loopback0
 tunnel destination 203.0.113.99
interface GigabitEthernet1
 ip address 10.0.0.1 255.255.255.0
 ip policy route-map STEAL
 ip ospf authentication message-digest
 ip ospf message-digest-key 1 md5 7 0822455D0A16
 no cdp enable
interface GigabitEthernet2
 ip address 192.168.5.1 255.255.255.0
route-map STEAL permit 10
 set ip next-hop 172.31.0.2
route-map UNUSED permit 10
 set ip next-hop 172.31.0.9
router ospf 1
 network 10.0.0.0 0.0.0.255 area 0
 network 192.168.5.0 0.0.0.255 area 1
mpls ldp neighbor 10.0.0.2 password 7 0822455D0A16
router bgp 65000
 neighbor PEERS peer-group
 neighbor PEERS password 7 0822455D0A16
 neighbor 198.51.100.1 remote-as 65001
 neighbor 198.51.100.1 peer-group PEERS
 neighbor 198.51.100.2 remote-as 65002
ip route vrf MGMT 0.0.0.0 0.0.0.0 GigabitEthernet2 192.168.5.254 name mgmt
snmp-server group V3 v3 priv access 20
snmp-server user ops V3 v3 auth sha AUTHPASS priv aes 128 PRIVPASS
ntp authenticate
ntp authentication-key 1 md5 0822455D0A16 7
ntp access-group peer 20
ntp server vrf MGMT 192.0.2.123 key 1 prefer
logging host 192.0.2.50 vrf MGMT transport tcp port 6514
logging discriminator DROP severity drops 7
control-plane host
 management-interface GigabitEthernet1 allow ssh snmp
control-plane
 service-policy input COPP
line vty 0 4
 access-class 20 in vrf-also
 rotary 1
 exec-timeout 0 0
 transport input ssh
 vacant-message ^C
 Go away
 ^C
banner motd ^C
Authorized access only
^C
cdp run
boot system flash:c8000v-universalk9.17.03.04a.SPA.bin
"""


def crafted() -> DeviceConfig:
    result = parse_config_text(CRAFTED, "edge1.cfg")
    assert result.model is not None and result.model.dialect == "cisco_ios"
    return result.model


def test_crafted_config_is_fully_understood() -> None:
    model = crafted()
    assert model.unknown_lines == []
    assert (model.os, model.version, model.hostname) == ("IOS XE", "17.3", "edge1")
    assert model.flags["small_servers"] and model.flags["finger"] and model.flags["cdp_global"]
    assert (model.flags["mpp"], model.flags["copp"]) == (True, True)
    assert [(b.image, b.line) for b in model.boot_images] == [
        ("flash:c8000v-universalk9.17.03.04a.SPA.bin", 97)
    ]


def test_crafted_management_services() -> None:
    model = crafted()
    ports = [(s.name, s.port, s.options) for s in model.services if s.port]
    assert ports == [
        ("ssh", 22022, {"rotary": "1"}),
        ("http", 18080, {}),
        ("https", 18443, {}),
    ]
    assert all(s.acl == "20" for s in model.services if s.name in ("http", "https"))
    named = {(s.name, s.enabled) for s in model.services}
    assert {("smart-install", False), ("netconf", True), ("restconf", True)} <= named
    (vty,) = model.lines
    assert (vty.rotary, vty.exec_timeout_seconds, vty.access_class_in) == (1, 0, "20")
    where = sorted({(u.where, u.acl) for u in model.acl_uses})
    assert where == [
        ("copp", "COPP"),
        ("http", "20"),
        ("mpp", "GigabitEthernet1"),
        ("ntp", "20"),
        ("snmp", "20"),
        ("vty", "20"),
    ]
    assert model.acls["20"].entries[1].source == "45.77.1.1/32"


def test_crafted_aaa_users_and_keys() -> None:
    model = crafted()
    (user,) = model.users
    assert (user.name, user.secret_type, user.is_admin) == ("cisco_tac_admin", "9", True)
    servers = [
        (s.protocol, s.name, s.address, s.port, s.group, s.key_type) for s in model.aaa.servers
    ]
    assert servers == [
        ("tacacs", "TAC1", "203.0.113.50", 4949, "TAC", "7"),
        ("radius", "RAD1", "198.51.100.9", 1812, None, "plain"),
    ]
    assert model.aaa.source_interfaces == {"tacacs": "Loopback0"}
    kinds = [(s.kind, s.secret_type) for s in model.secrets]
    assert kinds == [
        ("enable", "9"),
        ("tacacs-key", "7"),
        ("radius-key", "plain"),
        ("isakmp-key", "6"),
        ("isakmp-key", "plain"),
        ("ospf-key", "7"),
        ("other", "7"),  # mpls ldp neighbor password
        ("bgp-password", "7"),
        ("snmp-auth", "plain"),
        ("ntp-key", "7"),
    ]
    dumped = json.dumps(model.to_dict())
    for secret in ("plaintextkey", "SECRETKEY", "AUTHPASS", "PRIVPASS", "0822455D0A16"):
        assert secret not in dumped
    (snmp_user,) = model.snmp.users
    assert (snmp_user.auth, snmp_user.priv, model.snmp.groups) == ("sha", "aes 128", {"V3": "priv"})
    assert (model.ntp.authenticate, model.ntp.acl, model.ntp.servers[0].key) == (True, "20", 1)


def test_crafted_tunnels_captures_containers_automation() -> None:
    model = crafted()
    assert [(p.address, p.kind) for p in model.crypto_peers] == [
        ("198.51.100.77", "isakmp"),
        ("203.0.113.99", "ikev2"),
    ]
    (tunnel,) = [i for i in model.interfaces if i.kind == "tunnel"]
    assert (tunnel.tunnel_mode, tunnel.tunnel_destination) == ("gre ip", "203.0.113.99")
    assert [(c.kind, c.name, c.source, c.destination, c.filter) for c in model.captures] == [
        ("monitor-capture", "CAP", "GigabitEthernet1", None, "match ipv4 any any"),
        ("span", "1", "Gi0/1 rx", "Gi0/2", None),
    ]
    assert [(c.kind, c.name) for c in model.containers] == [
        ("iox", "iox"),
        ("guestshell", "guestshell"),
    ]
    assert [(a.kind, a.name, a.actions) for a in model.automation] == [
        ("kron", "BK", ["show running-config | redirect tftp://203.0.113.7/cfg"]),
        ("eem", "CLEAR", ["clear logging"]),
    ]
    assert [(p.route_map, p.next_hop, p.line) for p in model.policy_routes] == [
        ("STEAL", "172.31.0.2", 59)
    ]
    route = model.static_routes[0]
    assert (route.prefix, route.vrf, route.interface, route.next_hop) == (
        "0.0.0.0/0",
        "MGMT",
        "GigabitEthernet2",
        "192.168.5.254",
    )


def test_crafted_routing_peers_and_logging() -> None:
    model = crafted()
    peers = [(p.protocol, p.neighbor, p.authenticated, p.remote_as) for p in model.routing_peers]
    assert peers == [
        ("ldp", "10.0.0.2", True, None),
        ("bgp", "198.51.100.1", True, "65001"),  # password on its peer group
        ("bgp", "198.51.100.2", False, "65002"),
        ("ospf", "GigabitEthernet1", True, None),
        ("ospf", "GigabitEthernet2", False, None),
    ]
    gi1 = next(i for i in model.interfaces if i.name == "GigabitEthernet1")
    assert (gi1.cdp, gi1.policy_route_map) == (False, "STEAL")
    (host,) = model.logging.hosts
    assert (host.address, host.vrf, host.transport, host.port) == (
        "192.0.2.50",
        "MGMT",
        "tcp",
        6514,
    )
    assert model.logging.discriminators == ["DROP"]
    assert model.flags["login_banner"] is True


def test_negations_record_disabled_services() -> None:
    text = "hostname r\nno ip http server\nno ip http secure-server\nno service pad\nno cdp run\n"
    model = parse_config_text(text, "r.cfg", "cisco_ios").model
    assert model is not None and model.unknown_lines == []
    assert [(s.name, s.enabled) for s in model.services] == [("http", False), ("https", False)]
    assert (model.flags["service_pad"], model.flags["cdp_global"]) == (False, False)
    assert model.flags["http_server_privilege"] is False


def test_unknown_statements_stay_unknown() -> None:
    text = "hostname r\nfrobnicate the router\ninterface Gi1\n ip address 10.0.0.1 255.255.255.0\n"
    text += " wibble\n"
    model = parse_config_text(text, "r.cfg", "cisco_ios").model
    assert model is not None
    assert model.unknown_lines == [2, 5]


def test_macro_bodies_are_not_statements() -> None:
    # ``macro name`` bodies are unindented commands up to ``@``: not top-level statements.
    text = "macro name ACCESS\nswitchport mode access\nfrobnicate\n@\ninterface Gi1\n shutdown\n"
    model = parse_config_text(text, "m.cfg", "cisco_ios").model
    assert model is not None and model.unknown_lines == []
    assert [(i.name, i.shutdown) for i in model.interfaces] == [("Gi1", True)]
    unclosed = parse_config_text("macro name X\nfrobnicate\n", "m.cfg", "cisco_ios").model
    assert unclosed is not None and unclosed.unknown_lines == [2]  # nothing hidden


def test_ospfv3_adjacencies_and_ipsec_keys() -> None:
    model = parse("ciscoconfparse_sample_08.ios")
    v3 = [
        (p.neighbor, p.line, p.authenticated) for p in model.routing_peers if p.protocol == "ospfv3"
    ]
    # `ipv6 ospf 11 area 0` everywhere; `passsive-interface` (sic) is no passive-interface;
    # ESP with null encryption and an MD5 key authenticates the other three links
    assert v3 == [
        ("FastEthernet0/0", 232, False),
        ("FastEthernet0/1", 280, True),
        ("FastEthernet1/0", 304, True),
        ("Dialer1", 331, True),
    ]
    keys = [(s.secret_type, s.line, s.owner) for s in model.secrets if s.kind == "ospf-key"]
    assert keys == [
        ("plain", 289, "FastEthernet0/1"),
        ("plain", 313, "FastEthernet1/0"),
        ("plain", 358, "Dialer1"),
    ]


def test_ospfv3_crafted_forms() -> None:
    text = (
        "hostname r\n"
        "interface Gi1\n ip address 10.0.0.1 255.255.255.252\n ip ospf 1 area 0\n"
        " ipv6 ospf 1 area 0\n ipv6 ospf authentication ipsec spi 500 md5 7 0822455D0A16\n"
        "interface Gi2\n ospfv3 2 ipv6 area 1\n"
        "interface Gi3\n ospfv3 2 ipv6 area 1\n ospfv3 authentication null\n"
        "interface Gi4\n ospfv3 2 ipv6 area 0\n"
        "interface Gi5\n ospfv3 2 ipv6 area 0\n"
        "router ospf 1\n"
        "router ospfv3 2\n area 1 encryption ipsec spi 300 esp null sha1 0 1234567890abcdef\n"
        " address-family ipv6 unicast\n  passive-interface Gi5\n"
    )
    model = parse_config_text(text, "r.cfg", "cisco_ios").model
    assert model is not None and model.unknown_lines == []
    peers = [(p.protocol, p.neighbor, p.authenticated) for p in model.routing_peers]
    assert peers == [
        ("ospf", "Gi1", False),  # the OSPFv3 IPsec key does not authenticate OSPFv2
        ("ospfv3", "Gi1", True),
        ("ospfv3", "Gi2", True),  # area 1 is encrypted (and so authenticated) by the process
        ("ospfv3", "Gi3", False),  # `authentication null` overrides the area
        ("ospfv3", "Gi4", False),
    ]
    assert [(s.secret_type, s.line, s.owner) for s in model.secrets] == [
        ("7", 6, "Gi1"),
        ("plain", 18, "area 1"),
    ]
    assert "1234567890abcdef" not in json.dumps(model.to_dict(include_text=True))


def test_password_encryption_aes_is_understood_and_flagged() -> None:
    text = "hostname r1\nkey config-key password-encrypt\npassword encryption aes\n"
    model = parse_config_text(text, "r1.cfg", "cisco_ios").model
    assert model is not None and model.unknown_lines == []
    assert model.flags["password_encryption_aes"] is True
    odd = parse_config_text("hostname r1\npassword encryption des\n", "r1.cfg", "cisco_ios").model
    assert odd is not None and odd.unknown_lines == [2]
