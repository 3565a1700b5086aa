"""Cisco IOS XR parser: every corpus file, the model read from it, the crafted compromised
router, edge cases (free-form policy blocks, banners, management-plane protection), and a fuzz
test that random text never makes the parser fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from config_corpus import (
    CONFIGS,
    CRAFTED_CONFIGS,
    assert_table_covers,
    assert_unknown_lines,
    parse_file,
    parse_text,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.records.config import DeviceConfig
from seawall.sources.configs import parse_config_text

FOLDER = CONFIGS / "cisco_iosxr"

# Lines not understood per corpus file.
UNKNOWN_LINES = {
    "batfish_unit_ios_xr_acl.cfg": 0,
    "batfish_unit_ios_xr_logging.cfg": 0,
    "batfish_unit_ios_xr_ssh.cfg": 0,
    "batfish_unit_ios_xr_taskgroup.cfg": 0,
    "batfish_xr-snmp-server.cfg": 0,
    "ciscoconfparse_sample_01.iosxr": 0,
    "ciscoconfparse_sample_02.iosxr": 0,
    "ciscoconfparse_sample_03.iosxr": 0,
    "ciscoconfparse_sample_04.iosxr": 0,
    "ciscoconfparse_sample_05.iosxr": 0,
    # Lines 80 and 82 read `escape-comaracter` and `disconnect-comaracter`: the fixture's
    # text had "ch" replaced by "com" throughout (also `state-comange` in accepted traps).
    "ciscoconfparse_sample_06.iosxr": 2,
    "ciscoconfparse_sample_07.iosxr": 0,
    "hierconfig_iosxr_generated.conf": 0,
    "hierconfig_iosxr_running.conf": 0,
}


def parse(name: str, folder: Path = FOLDER) -> DeviceConfig:
    return parse_file(folder / name, "cisco_iosxr")


def test_table_covers_the_folder() -> None:
    assert_table_covers(FOLDER, UNKNOWN_LINES)


@pytest.mark.parametrize("name", sorted(UNKNOWN_LINES))
def test_corpus_file_parses(name: str) -> None:
    model = parse(name)
    assert (model.vendor, model.os) == ("Cisco", "IOS XR")
    assert_unknown_lines(model, UNKNOWN_LINES[name])


def test_corrupted_keywords_stay_unknown() -> None:
    model = parse("ciscoconfparse_sample_06.iosxr")
    assert model.unknown_lines == [80, 82]


def test_ssh_server_vrf_access_lists() -> None:
    model = parse("batfish_unit_ios_xr_ssh.cfg")
    uses = [(u.acl, u.where, u.line, u.owner) for u in model.acl_uses]
    assert uses == [
        ("ACL99", "ssh", 7, "vrf default"),
        ("ipv6-vty-acl", "ssh", 7, "vrf default"),
    ]
    services = [(s.name, s.line, s.vrf, s.acl) for s in model.services]
    assert services == [("ssh", 7, "default", "ACL99"), ("ssh", 8, None, None)]
    assert model.flags["ssh_version"] == "2"


def test_snmp_server_vrf_host_and_community() -> None:
    model = parse("batfish_xr-snmp-server.cfg")
    community = model.snmp.communities[0]
    assert (community.access, community.acl, community.line) == ("ro", "ipv4acl1", 11)
    uses = [(u.acl, u.where, u.line) for u in model.acl_uses]
    assert uses == [("ipv4acl1", "snmp", 11), ("ipv6acl1", "snmp", 11)]
    host = model.snmp.hosts[0]
    assert (host.address, host.vrf, host.version, host.line) == ("1.2.3.4", "mgmt", "2c", 9)
    assert "0123456789ABCDEF0123" not in model.text[9]
    assert "xxxxxxxx" not in json.dumps(model.to_dict()) + model.text[11]


def test_user_in_root_lr_is_admin() -> None:
    model = parse("ciscoconfparse_sample_04.iosxr")
    user = model.users[0]
    assert (user.name, user.line, user.role, user.is_admin, user.secret_type) == (
        "vagrant",
        1,
        "root-lr",
        True,
        "5",
    )
    assert user.secret_fingerprint is not None
    # Management-plane protection: out-of-band, every interface, every protocol.
    assert model.flags["mpp"] is True
    acl = model.acls["management-plane out-of-band"]
    assert [(e.action, e.protocol, e.source, e.line) for e in acl.entries] == [
        ("permit", "all", "any", 15)
    ]
    assert [(u.where, u.owner, u.line) for u in model.acl_uses] == [("mpp", "all", 14)]
    # ``tpa`` configures networking for third-party Linux apps: app hosting, not capture.
    assert [(c.kind, c.name, c.line) for c in model.containers] == [("app-hosting", "tpa", 6)]
    assert model.captures == []
    services = [(s.name, s.line, s.port, s.vrf, s.options) for s in model.services]
    assert services == [
        ("gnmi", 202, 57777, None, {}),  # at its ` port 57777` statement
        ("netconf", 207, None, None, {"transport": "tty"}),
        ("netconf", 209, None, None, {"transport": "ssh"}),
        ("ssh", 212, None, None, {"version": "2"}),
        ("ssh", 213, None, "default", {}),
        ("netconf", 214, None, "default", {"transport": "ssh"}),
    ]
    route = model.static_routes[0]
    assert (route.prefix, route.interface, route.next_hop) == (
        "0.0.0.0/0",
        "MgmtEth0/RP0/CPU0/0",
        "10.0.2.2",
    )
    bgp = model.routing_peers
    assert len(bgp) == 11 and not any(p.authenticated for p in bgp)
    assert (bgp[0].neighbor, bgp[0].remote_as, bgp[0].line) == ("195.66.228.1", "59455", 112)


def test_ncs57b1_sample() -> None:
    model = parse("ciscoconfparse_sample_05.iosxr")
    assert (model.hostname, model.version) == ("NCS57B1", "7.10.1")
    assert model.flags["login_banner"] is True  # ``banner login /`` ... ``/``
    assert not set(range(6, 19)) & set(model.unknown_lines)
    servers = [(s.address, s.port, s.group, s.key_type, s.line) for s in model.aaa.servers]
    assert servers == [
        ("233.252.222.236", 49, "ACME-AUTH", "7", 36),
        ("233.252.222.226", 49, "ACME-AUTH", "7", 39),
    ]
    assert model.aaa.command_accounting and model.logging.command_logging
    user = model.users[0]
    assert (user.name, user.is_admin, user.secret_type) == ("ACME_root", True, "sha512")
    assert [(h.address, h.vrf) for h in model.logging.hosts] == [("233.252.222.217", "default")]
    assert model.logging.trap_level == "info"
    assert model.logging.source_interface == "Loopback0"
    assert model.ntp.authenticate is True
    assert [(n.address, n.key) for n in model.ntp.servers] == [
        ("233.252.222.212", 1),
        ("233.252.222.213", 1),
    ]
    vty = next(line for line in model.lines if line.name == "default")
    assert (vty.kind, vty.access_class_in, vty.exec_timeout_seconds) == (
        "vty",
        "ACL-IPV4-MGMT-ACCESS",
        1200,
    )
    assert model.snmp.groups == {"ACME-RO-GROUP": "priv", "ACME-RW-GROUP": "priv"}
    assert [(u.name, u.auth, u.priv) for u in model.snmp.users] == [
        ("ACME-RO-V3-USER", "sha", "aes 128"),
        ("ACME-RW-V3-USER", "sha", "aes 128"),
    ]
    ssh_uses = [(u.acl, u.owner) for u in model.acl_uses if u.where == "ssh"]
    assert ("ACL-IPV4-MGMT-ACCESS", "vrf ACME_mgmt") in ssh_uses
    ospf = [p for p in model.routing_peers if p.protocol == "ospf"]
    # OSPFv2 interfaces use message-digest; the OSPFv3 ones configure no authentication.
    assert [p.authenticated for p in ospf] == [True] * 5 + [False] * 5
    assert {s.secret_type for s in model.secrets if s.kind == "ospf-key"} == {"7"}
    loopback = next(i for i in model.interfaces if i.name == "Loopback0")
    assert loopback.addresses == ["198.18.95.237/32", "2a00:db::7e/128"]
    sub = next(i for i in model.interfaces if i.name == "TenGigE0/0/0/0/0.10")
    assert (sub.vrf, sub.addresses) == ("INTERNET10", ["192.168.10.2/24"])
    assert [r.interface for r in model.static_routes] == ["Null0"] * 4
    # route-policy / prefix-set bodies are understood without being modelled
    assert model.evidence(1001).strip() == "pass"


def test_ncs540_and_asr9001_samples() -> None:
    ncs = parse("ciscoconfparse_sample_06.iosxr")
    assert (ncs.hostname, ncs.version) == ("ncs540", "7.3.1")
    assert [(u.name, u.is_admin) for u in ncs.users] == [("admin", True), ("ACME_root", True)]
    console = ncs.lines[0]
    assert (console.kind, console.transport_input) == ("console", ["telnet"])
    asr = parse("ciscoconfparse_sample_07.iosxr")
    assert (asr.hostname, asr.version) == ("ASR9001", "6.7.2")
    telnet = asr.service("telnet")[0]
    assert (telnet.line, telnet.vrf, telnet.options) == (26, "default", {"max-servers": "5"})
    mgmt = next(i for i in asr.interfaces if i.name == "MgmtEth0/RSP0/CPU0/0")
    assert (mgmt.kind, mgmt.vrf, mgmt.addresses) == ("management", "MGMT-VRF", ["172.29.15.17/26"])
    assert "TenGigE0/0/0/0" in {i.name for i in asr.interfaces}  # ``interface preconfigure``
    assert asr.ntp.acl == "ACL-IPV4-MGMT-ACCESS"
    assert asr.aaa.source_interfaces["ntp"] == "Loopback0"


def test_banner_with_hash_delimiter_and_old_style_statements() -> None:
    model = parse("ciscoconfparse_sample_01.iosxr")
    assert model.hostname == "FOOS-DKS"
    assert model.flags == {"login_banner": True, "cdp_global": True}
    templates = [(l.name, l.kind, l.access_class_in, l.transport_input) for l in model.lines]  # noqa: E741
    # `vty-pool default 0 15 line-template SSH-TELNET`: only that template reaches the VTYs
    assert templates == [
        ("template SSH", "template", None, ["ssh"]),
        ("template SSH-TELNET", "vty", "4", ["ssh", "telnet"]),
    ]
    assert [(u.acl, u.owner) for u in model.acl_uses if u.where == "vty"] == [
        ("4", "template SSH-TELNET")
    ]
    server = model.aaa.servers[0]  # keyless host: the global ``tacacs-server key 7`` applies
    assert (server.address, server.port, server.key_type) == ("100.2.3.8", 149, "7")
    assert [h.address for h in model.logging.hosts] == [
        "100.2.3.4",
        "100.2.3.5",
        "100.2.3.6",
        "100.2.3.7",
    ]
    assert model.logging.trap_level == "debugging" and model.logging.timestamps is True
    assert [(c.access, c.acl) for c in model.snmp.communities] == [("ro", "3"), ("rw", "3")]
    assert [(s.name, s.line) for s in model.services] == [
        ("telnet", 57),
        ("ssh", 471),
        ("http", 475),
    ]
    assert model.aaa.source_interfaces == {
        "logging": "Loopback0",
        "tacacs": "Loopback0",
        "snmp": "Loopback0",
        "ntp": "Loopback0",
        "ssh": "Loopback0",
    }
    isis = [p for p in model.routing_peers if p.protocol == "isis"]
    assert len(isis) == 11 and all(p.authenticated for p in isis)  # Loopback0 is passive
    ldp = [p.neighbor for p in model.routing_peers if p.protocol == "ldp"]
    assert ldp[:2] == ["100.2.4.1", "100.2.4.2"] and len(ldp) == 16
    assert "0DEADBEEF" not in json.dumps(model.text)


def test_smaller_samples() -> None:
    two = parse("ciscoconfparse_sample_02.iosxr")
    assert [(s.name, s.port) for s in two.service("gnmi")] == [("gnmi", 57777)]
    assert two.flags["lldp_global"] is True
    three = parse("ciscoconfparse_sample_03.iosxr")
    assert three.version == "6.5.1"
    assert [(u.name, u.is_admin, u.secret_type) for u in three.users] == [("umar", True, "5")]
    assert three.service("gnmi")[0].options == {"tls": "off"}
    acl = parse("batfish_unit_ios_xr_acl.cfg")
    assert acl.acls["sc-coe"].kind == "ethernet"
    assert [(e.action, e.source) for e in acl.acls["sc-coe"].entries] == [
        ("deny", "0000.0000.0000"),
        ("permit", "any"),
    ]
    assert len(acl.acls["ICMP"].entries) == 44
    assert parse("batfish_unit_ios_xr_taskgroup.cfg").users == []
    assert parse("batfish_unit_ios_xr_logging.cfg").logging.hosts == []


def test_diff_pair_models_differ_where_the_files_do() -> None:
    running = parse("hierconfig_iosxr_running.conf")
    generated = parse("hierconfig_iosxr_generated.conf")
    assert [r.prefix for r in running.static_routes] == ["0.0.0.0/0", "10.10.0.0/16"]
    assert [r.next_hop for r in generated.static_routes] == [
        "203.0.113.2",
        "10.1.1.254",
        "10.1.1.253",
    ]
    assert [n.address for n in running.ntp.servers] == ["10.0.0.40"]
    assert [n.address for n in generated.ntp.servers] == ["10.0.0.40", "10.0.0.41"]


def test_crafted_compromised_router() -> None:
    model = parse("compromised_iosxr.cfg", CRAFTED_CONFIGS)
    assert model.unknown_lines == [] and model.version == "7.3.2"
    cisco = next(u for u in model.users if u.name == "cisco")
    assert (cisco.is_admin, cisco.secret_type) == (True, "7")
    assert not model.aaa.command_accounting
    assert [s.address for s in model.aaa.servers] == ["10.20.0.10", "203.0.113.66"]
    tunnel = next(i for i in model.interfaces if i.kind == "tunnel")
    assert (tunnel.name, tunnel.tunnel_mode, tunnel.tunnel_destination) == (
        "tunnel-ip7",
        "gre ipv4",
        "203.0.113.201",
    )
    assert [s.port for s in model.service("ssh") if s.port] == [22222]
    assert model.service("telnet")[0].enabled
    assert model.lines[0].transport_input == ["telnet", "ssh"]
    assert [(c.kind, c.name, c.destination) for c in model.captures] == [
        ("span", "TACCAP", "TenGigE0/0/0/0")
    ]
    assert [(r.prefix, r.interface) for r in model.static_routes] == [
        ("203.0.113.0/24", "tunnel-ip7")
    ]
    assert [(c.access, c.acl) for c in model.snmp.communities] == [("rw", None)]
    ssh_acl = model.acls["MGMT"].entries[1]
    assert (ssh_acl.source, ssh_acl.line) == ("203.0.113.50/32", 48)
    assert model.logging.hosts == []
    # Root SSH on the Linux host (TCP/57722) is started from bash, never configured.
    assert model.service("ssh-root-xr") == []


CRAFTED = """\
Mon Mar  4 10:00:01.123 UTC
Building configuration...
!! IOS XR Configuration 7.3.1
hostname pe-1
banner exec /
Only staff. A slash / ends it.
username netops
 group netadmin
 password 7 0822455D0A16
!
aaa group server tacacs+ TAC
 vrf MGMT
 server-private 198.51.100.66 port 49
  key 7 01100F175804
 !
!
telnet vrf MGMT ipv4 server max-servers 2 access-list TELNET-ACL
ipv4 access-list ABF
 10 permit ipv4 10.0.0.0/8 any nexthop1 ipv4 203.0.113.254
 20 permit ipv4 net-group TRUSTED any
!
control-plane
 management-plane
  inband
   interface TenGigE0/0/0/1
    allow SSH peer
     address ipv4 192.0.2.0/24
     address ipv4 203.0.113.9
    !
   !
  !
 !
!
interface tunnel-ip 9
 tunnel mode gre ipv4
 tunnel source 10.0.0.1
 tunnel destination 203.0.113.201
!
interface TenGigE0/0/0/1
 ipv4 access-group ABF ingress
 monitor-session TAP ethernet direction rx-only
 lldp
  transmit disable
 !
 mystery-knob 5
!
monitor-session TAP ethernet
 destination ipv4 address 203.0.113.50
!
route-policy PASS
if destination in (10.0.0.0/8) then
pass
endif
end-policy
!
group G-TEST
 interface 'TenGigE.*'
  mtu 9000
 !
end-group
router ospf CORE
 authentication message-digest
 area 0
  interface TenGigE0/0/0/1
  !
  interface TenGigE0/0/0/2
   authentication null
  !
  interface Loopback0
   passive enable
  !
 !
!
router bgp 65000
 session-group SEC
  password encrypted 02050D480809
 !
 neighbor-group RR
  use session-group SEC
  remote-as 65000
 !
 neighbor 192.0.2.5
  use neighbor-group RR
 !
 neighbor 192.0.2.6
  use neighbor-group RR
  password inheritance-disable
 !
!
appmgr
 application swan
  activate type docker source swanagent
 !
!
event manager policy rm-logs.tcl username root persist-time 3600
script exec collect.py checksum SHA256 abcd
ikev2 keyring KR2
 peer REMOTE
  address 203.0.113.31
  pre-shared-key password psk2
 !
!
snmp-server frobnicate
logging frobnicate
end
"""


def test_crafted_edge_cases() -> None:
    result = parse_config_text(CRAFTED, "pe-1.cfg", dialect="cisco_iosxr")
    model = result.model
    assert model is not None
    assert [model.text[n].strip() for n in model.unknown_lines] == [
        "mystery-knob 5",
        "snmp-server frobnicate",
        "logging frobnicate",
    ]
    assert (model.hostname, model.version) == ("pe-1", "7.3.1")
    assert [(u.role, u.is_admin, u.secret_type) for u in model.users] == [("netadmin", True, "7")]
    server = model.aaa.servers[0]
    assert (server.address, server.group, server.vrf, server.key_type) == (
        "198.51.100.66",
        "TAC",
        "MGMT",
        "7",
    )
    assert [(u.acl, u.where) for u in model.acl_uses] == [
        ("TELNET-ACL", "vty"),
        ("management-plane inband", "mpp"),
        ("ABF", "interface"),
    ]
    mpp = model.acls["management-plane inband"].entries
    assert [(e.protocol, e.source) for e in mpp] == [
        ("ssh", "192.0.2.0/24"),
        ("ssh", "203.0.113.9/32"),
    ]
    assert [(r.route_map, r.next_hop) for r in model.policy_routes] == [("ABF", "203.0.113.254")]
    assert model.acls["ABF"].entries[1].source == "TRUSTED"
    tunnel = model.interfaces[0]
    assert (tunnel.name, tunnel.kind, tunnel.tunnel_source) == ("tunnel-ip9", "tunnel", "10.0.0.1")
    assert model.interfaces[1].lldp is False
    capture = model.captures[0]
    assert (capture.kind, capture.destination, capture.source) == (
        "erspan",
        "203.0.113.50",
        "TenGigE0/0/0/1",
    )
    peers = [(p.protocol, p.neighbor, p.authenticated) for p in model.routing_peers]
    assert peers == [
        ("ospf", "TenGigE0/0/0/1", True),  # inherited from the process
        ("ospf", "TenGigE0/0/0/2", False),  # ``authentication null``
        ("bgp", "192.0.2.5", True),  # neighbor-group -> session-group password
        ("bgp", "192.0.2.6", False),  # ``password inheritance-disable``
    ]
    assert [(c.kind, c.name, c.enabled) for c in model.containers] == [
        ("app-hosting", "swan", True)
    ]
    assert [(a.kind, a.name) for a in model.automation] == [
        ("eem", "rm-logs.tcl"),
        ("op-script", "collect.py"),
    ]
    assert [(p.address, p.kind, p.name) for p in model.crypto_peers] == [
        ("203.0.113.31", "ikev2", "REMOTE")
    ]
    text = json.dumps(model.text)
    for secret in ("0822455D0A16", "01100F175804", "02050D480809", "psk2"):
        assert secret not in text


def test_negated_statements_record_only_what_they_turn_off() -> None:
    text = "hostname b\nno tpa\nno appmgr\nno grpc\nno cdp\nno username x\n"
    text += "no ipv4 access-list A\nno ssh server v2\n"
    model = parse_config_text(text, "x", dialect="cisco_iosxr").model
    assert model is not None and model.unknown_lines == []
    assert (model.containers, model.users, model.acls) == ([], [], {})
    assert model.flags == {"cdp_global": False}
    assert [(s.name, s.enabled) for s in model.services] == [("gnmi", False), ("ssh", False)]


@pytest.mark.parametrize("opener", ("vrf a", "router bgp 1", "router ospf 1", "router static"))
def test_deep_nesting_does_not_exhaust_recursion(opener: str) -> None:
    # 3,000 levels, each a child of the one before: sections are walked without recursion.
    text = opener + "\n" + "\n".join(" " * (i + 1) + f"vrf {i}" for i in range(3000))
    result = parse_config_text(text, "deep", dialect="cisco_iosxr")
    assert result.model is not None, result.issues


STATEMENTS = [
    "interface GigabitEthernet0/0/0/0", " ipv4 address", " ipv4 address 1.2.3.4 255.0.255.0",
    "username", "username u", " secret", " group", "tacacs-server host", " key 7",
    "aaa group server tacacs+", " server-private", "aaa accounting commands", "ssh server vrf",
    "ssh server vrf x ipv4 access-list", "telnet vrf x ipv4 server max-servers", "logging",
    "logging 1.2.3.4 vrf", "ntp", " server vrf", " access-group", "line template", " access-class",
    " exec-timeout x y", "ipv4 access-list a", " 10 permit ipv4 host", " 20 deny 300.1.1.1 any",
    "ethernet-services access-list e", " 10 deny host", "snmp-server community",
    "snmp-server community clear", "snmp-server user u g v3 auth sha encrypted",
    "snmp-server group g v3", "snmp-server vrf v", " host", "control-plane",
    " management-plane", "  inband", "   interface", "    allow", "     address ipv4",
    "router static", " address-family ipv4 unicast", "  1.0.0.0/8", "router ospf x", " area",
    "  interface", "   authentication", "router bgp 1", " neighbor", "  use neighbor-group",
    "route-policy x", "end-policy", "prefix-set p", "end-set", "group g", "end-group",
    "monitor-session", " destination", "banner exec /", "/", "banner login", "appmgr",
    " application", "event manager policy", "script exec", "keyring k", " pre-shared-key address",
    "ikev2 keyring", " peer", "  address", "mpls ldp", " neighbor 1.1.1.1 password",
    "!! IOS XR Configuration", "grpc", " port", "key chain k", " key 1", "  key-string password",
]  # fmt: skip
LINE = st.one_of(st.text(max_size=40), st.sampled_from(STATEMENTS))


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_random_text_never_breaks_the_parser(lines: list[str]) -> None:
    parse_text("\n".join(lines), "cisco_iosxr")
