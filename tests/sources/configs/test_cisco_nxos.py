"""Cisco NX-OS parser: every corpus file, the model read from it, crafted edge cases, and a
fuzz test that random text never makes the parser fail."""

from __future__ import annotations

import json

import pytest
from config_corpus import CONFIGS, assert_table_covers, assert_unknown_lines, parse_file, parse_text
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.records.config import DeviceConfig
from seawall.sources.configs import parse_config_text

FOLDER = CONFIGS / "cisco_nxos"

# Lines not understood per corpus file. Every statement in these files is valid NX-OS.
UNKNOWN_LINES = {
    "batfish_nxos_feature.cfg": 0,
    "batfish_nxos_ip_access_list.cfg": 0,
    "batfish_nxos_snmp_server.cfg": 0,
    "batfish_nxos_tacacs_server.cfg": 0,
    "batfish_unit_nxos_ssh.cfg": 0,
    "batfish_unit_nxos_system.cfg": 0,
    "ciscoconfparse_sample_01.nxos": 0,
    "hierconfig_nxos_generated.conf": 0,
    "hierconfig_nxos_running.conf": 0,
    "napalm_nxos_show_running_config.txt": 0,
    "pybatfish_snmp_nxos.cfg": 0,
}


def parse(name: str) -> DeviceConfig:
    return parse_file(FOLDER / name, "cisco_nxos")


def test_table_covers_the_folder() -> None:
    assert_table_covers(FOLDER, UNKNOWN_LINES)


@pytest.mark.parametrize("name", sorted(UNKNOWN_LINES))
def test_corpus_file_parses(name: str) -> None:
    model = parse(name)
    assert (model.vendor, model.os) == ("Cisco", "NX-OS")
    assert_unknown_lines(model, UNKNOWN_LINES[name])


def test_features_and_their_services() -> None:
    model = parse("batfish_nxos_feature.cfg")
    assert model.hostname == "nxos_feature"
    assert model.features == [
        "bash-shell", "bfd", "bgp", "dhcp", "hsrp", "http-server", "interface-vlan", "lacp",
        "nv overlay", "nxapi", "ospf", "pim", "pim6", "scheduler", "scp-server", "sflow",
        "ssh", "tacacs+", "vn-segment-vlan-based",
    ]  # fmt: skip
    services = [(s.name, s.enabled, s.line) for s in model.services]
    assert services == [
        ("bash", True, 5), ("http", True, 10), ("nxapi", True, 14), ("scp", True, 19),
        ("sftp", True, 21), ("sftp", False, 22), ("ssh", True, 23),
    ]  # fmt: skip
    assert [(c.kind, c.name, c.line, c.enabled) for c in model.containers] == [
        ("bash-shell", "bash-shell", 5, True)
    ]


def test_tacacs_servers_and_key_types() -> None:
    model = parse("batfish_nxos_tacacs_server.cfg")
    servers = [(s.protocol, s.address, s.line, s.key_type) for s in model.aaa.servers]
    assert servers == [("tacacs", "192.0.2.1", 8, None), ("tacacs", "192.0.2.2", 9, "7")]
    assert model.aaa.servers[1].key_fingerprint is not None
    assert model.aaa.source_interfaces == {"tacacs": "mgmt0"}
    assert [(s.kind, s.secret_type, s.owner) for s in model.secrets] == [
        ("tacacs-key", "7", "192.0.2.2")
    ]
    assert "xxxxxxxx" not in model.text[9]


def test_ssh_fragment_states_no_service() -> None:
    # ``ssh key rsa`` and ``ssh login-attempts`` tune the SSH server NX-OS runs by default;
    # neither turns a service on or off, so nothing is recorded beyond understanding them.
    model = parse("batfish_unit_nxos_ssh.cfg")
    assert model.hostname == "nxos_ssh"
    assert model.services == [] and model.unknown_lines == []


def test_napalm_running_config() -> None:
    model = parse("napalm_nxos_show_running_config.txt")
    assert (model.hostname, model.version) == ("nxos1", "7.3(1)D1(1)")
    users = [(u.name, u.line, u.role, u.is_admin, u.secret_type) for u in model.users]
    assert users == [
        ("admin", 28, "network-admin", True, "sha512"),  # $5$ = SHA-256 crypt
        ("pyclass", 29, "network-admin", True, "sha512"),
    ]
    assert all(u.secret_fingerprint for u in model.users)
    assert model.flags["password_strength_check"] is False
    assert model.flags["copp"] is True and model.flags["lldp_global"] is True
    mgmt = next(i for i in model.interfaces if i.name == "mgmt0")
    assert (mgmt.kind, mgmt.vrf, mgmt.addresses, mgmt.line) == (
        "management",
        "management",
        ["10.0.0.71/24"],
        72,
    )
    loopbacks = {i.name: i.addresses for i in model.interfaces if i.kind == "loopback"}
    assert loopbacks == {
        "loopback0": ["1.1.2.225/32", "2001:db8::225/64"],
        "loopback55": ["1.1.1.37/24", "2001:db8::37/32"],
    }
    # No remote syslog: only console/monitor/module levels, the first at line 38.
    assert model.logging.hosts == [] and model.logging.line == 38
    assert model.logging.command_logging is True  # NX-OS accounting log, on by default
    assert [(s.name, s.line, s.port, s.options) for s in model.services] == [
        ("telnet", 19, None, {}),
        ("scp", 20, None, {}),
        ("nxapi", 27, None, {}),
        ("nxapi", 670, 8443, {"transport": "https"}),
    ]
    route = model.static_routes[0]
    assert (route.prefix, route.next_hop, route.vrf, route.line) == (
        "0.0.0.0/0",
        "10.0.0.2",
        "management",
        71,
    )
    assert [b.line for b in model.boot_images] == [664, 665]
    peer = model.routing_peers[0]
    assert (peer.protocol, peer.neighbor, peer.remote_as, peer.authenticated) == (
        "bgp",
        "10.100.17.2",
        "22",
        False,
    )
    assert [(u.name, u.group, u.auth, u.priv) for u in model.snmp.users] == [
        ("pyclass", "network-admin", "md5", "des"),
        ("admin", None, "md5", "des"),
    ]
    assert [(c.access, c.line) for c in model.snmp.communities] == [("ro", 50)]
    assert [n.address for n in model.ntp.servers] == ["130.126.24.24", "152.2.21.1"]


def test_snmp_community_with_acl_never_kept_in_clear() -> None:
    model = parse("pybatfish_snmp_nxos.cfg")
    community = model.snmp.communities[0]
    assert (community.acl, community.access, community.line) == ("SNMP_ACCESS_LIST", "ro", 7)
    use = model.acl_uses[0]
    assert (use.acl, use.where, use.line, use.owner) == (
        "SNMP_ACCESS_LIST",
        "snmp",
        7,
        community.fingerprint,
    )
    entry = model.acls["SNMP_ACCESS_LIST"].entries[0]
    assert (entry.seq, entry.source, entry.destination_port) == (10, "1.2.3.4/32", "eq snmp")
    assert "COMM" not in json.dumps(model.to_dict())
    assert "COMM" not in model.text[7]


def test_snmp_server_statements() -> None:
    model = parse("batfish_nxos_snmp_server.cfg")
    # Lines 12-15 are one community: merged, with its IPv4 ACL and three ACL bindings.
    assert [(c.line, c.acl) for c in model.snmp.communities] == [(10, None), (12, "snmp_acl4")]
    uses = [(u.acl, u.line, u.owner) for u in model.acl_uses]
    second = model.snmp.communities[1].fingerprint
    assert uses == [
        ("snmp_acl1", 13, second),
        ("snmp_acl4", 14, second),
        ("snmp_acl6", 15, second),
        ("snmp_acl4", 53, "snmpuser1"),
        ("snmp_acl6", 54, "snmpuser1"),
    ]
    hosts = [(h.address, h.line, h.version, h.vrf) for h in model.snmp.hosts]
    assert hosts == [("192.0.2.1", 39, "2c", None), ("192.0.2.2", 42, "2c", "management")]
    user = model.snmp.users[0]
    assert (user.name, user.group, user.auth, user.priv, user.acl) == (
        "snmpuser1",
        "network-admin",
        "md5",
        "des",
        "snmp_acl4",
    )
    assert model.aaa.source_interfaces == {"snmp": "mgmt0"}
    dumped = json.dumps(model.to_dict()) + json.dumps(model.text)
    for secret in ("SECRETcommunity", "authpass1", "privpass1"):
        assert secret not in dumped


def test_access_lists_and_object_groups() -> None:
    model = parse("batfish_nxos_ip_access_list.cfg")
    assert len(model.acls) == 25
    indices = model.acls["acl_indices"].entries
    assert [(e.action, e.seq, e.protocol) for e in indices] == [
        ("deny", None, "1"), ("deny", 15, "2"), ("deny", None, "3"), ("deny", 13, "4"),
        ("remark", None, None), ("remark", 1, None),
    ]  # fmt: skip
    by_destination = model.acls["acl_common_ip_options_destination_ip"].entries
    destinations = [e.destination for e in by_destination]
    assert destinations == ["10.0.0.0/24", "10.0.1.0/24", "mydstaddrgroup", "10.0.2.2/32", "any"]
    sources = [e.source for e in model.acls["acl_common_ip_options_source_ip"].entries]
    assert sources == ["10.0.0.0/24", "10.0.1.0/24", "mysrcaddrgroup", "10.0.2.2/32", "any"]
    ports = [e.destination_port for e in model.acls["acl_tcp_destination_ports"].entries]
    assert ports == ["eq 1", "gt 5", "lt 10", "neq 15", "portgroup mydstportgroup", "range 20 25"]
    assert len(model.acls["acl_icmp"].entries) == 47
    assert model.acls["acl_global_options"].entries == []


def test_nexus_7000_sample() -> None:
    model = parse("ciscoconfparse_sample_01.nxos")
    assert (model.version, model.platform, model.hostname) == (
        "6.2(12)",
        "Nexus 7000",
        "sample_nxos_01",
    )
    # Both servers take the global ``tacacs-server key 7`` and sit in group "tacacs".
    servers = [(s.address, s.group, s.vrf, s.key_type) for s in model.aaa.servers]
    assert servers == [
        ("10.10.6.165", "tacacs", "management", "7"),
        ("10.10.2.130", "tacacs", "management", "7"),
    ]
    assert model.aaa.source_interfaces == {"tacacs": "loopback1", "logging": "loopback1"}
    assert [m.function for m in model.aaa.methods] == ["authentication", "authorization"]
    assert [h.address for h in model.logging.hosts] == ["10.10.10.67", "10.10.10.68"]
    assert [(n.address, n.line) for n in model.ntp.servers] == [("10.10.2.10", 79)]
    captures = [(c.kind, c.name, c.line, c.source, c.destination) for c in model.captures]
    assert captures == [
        ("span", "1", 982, "Ethernet3/30", "Ethernet3/2"),
        ("erspan", "45", 986, "Ethernet111/1/2, Ethernet111/1/3", "10.136.21.253"),
    ]
    bgp = [p for p in model.routing_peers if p.protocol == "bgp"]
    # 31 neighbors, 10 of them `shutdown` (no session; 10.138.200.242 at 832 has no password)
    assert len(bgp) == 21
    assert all(p.neighbor.endswith((".134", ".130", ".1")) for p in bgp)
    assert [(p.neighbor, p.line) for p in bgp if not p.authenticated] == [
        ("10.152.201.134", 977),
    ]
    assert {s.secret_type for s in model.secrets if s.kind == "bgp-password"} == {"encrypted"}
    charlie = next(r for r in model.static_routes if r.vrf == "CHARLIE")
    assert (charlie.prefix, charlie.interface, charlie.next_hop) == (
        "192.0.2.0/24",
        "port-channel80.1",
        "10.10.200.134",
    )
    assert model.flags == {"password_strength_check": False, "copp": True}
    assert "telnet" in model.features and model.service("telnet")[0].line == 28
    kinds = {i.kind for i in model.interfaces}
    assert kinds == {"management", "vlan", "port-channel", "physical", "loopback"}


def test_diff_pair_models_differ_where_the_files_do() -> None:
    running = parse("hierconfig_nxos_running.conf")
    generated = parse("hierconfig_nxos_generated.conf")
    assert [r.prefix for r in running.static_routes] == ["0.0.0.0/0"]
    assert [r.prefix for r in generated.static_routes] == ["0.0.0.0/0", "10.200.0.0/16"]
    assert [(n.address, n.vrf) for n in generated.ntp.servers] == [
        ("10.0.0.30", "default"),
        ("10.0.0.31", "default"),
    ]
    assert "Ethernet1/3" in {i.name for i in running.interfaces}
    assert "Ethernet1/3" not in {i.name for i in generated.interfaces}


def test_system_fragment() -> None:
    model = parse("batfish_unit_nxos_system.cfg")
    assert model.features == ["privilege"]


CRAFTED = """\
version 9.3(8)
hostname leaf-9
feature bash-shell
no feature telnet
username ops password 0 cleartext role network-operator
username ops sshkey ssh-rsa AAAAB3NzaC1yc2E ops@host
tacacs-server host 203.0.113.66 key 0 plainkey port 4949
ip access-list VTY
  10 permit tcp 192.0.2.0/24 any eq 22
  20 permit tcp host 203.0.113.5 any eq 22
ip access-list COPP-SSH
  10 permit tcp any any eq 22
class-map type control-plane match-any CM-SSH
  match access-group name COPP-SSH
policy-map type control-plane PM-COPP
  class CM-SSH
control-plane
  service-policy input PM-COPP
route-map TO-TUNNEL permit 10
  set ip next-hop 172.16.5.2
interface Tunnel5
  ip address 172.16.5.1/30
  tunnel source loopback0
  tunnel destination 203.0.113.200
  tunnel mode gre ip
interface Ethernet1/1
  ip address 10.1.1.1 255.255.255.0
  ip access-group VTY in
  ip policy route-map TO-TUNNEL
  ip router ospf 1 area 0.0.0.0
  ip ospf message-digest-key 1 md5 3 abcdef0123
  hsrp 1
    authentication text HSRPKEY
  frobnicate the widget
interface Ethernet1/2
  ip router ospf 1 area 0
router ospf 1
  area 0 authentication message-digest
line vty
  exec-timeout 15
  access-class VTY in
ntp access-group peer VTY
logging server 192.0.2.60 6 use-vrf management
nxapi http port 8080
ssh server port 22022
monitor session 3 type erspan-source
  destination ip 203.0.113.77
  source interface Ethernet1/1 both
virtual-service pkt-capture
  activate
guestshell enable
event manager applet CLEAR
  event cli match "show logging"
  action 1.0 cli command "clear logging logfile"
scheduler job name backup
copy running-config tftp://192.0.2.99/leaf.cfg vrf management ; show clock
end-job
totally unknown statement here
logging frobnicate 1
snmp-server frobnicate
"""


def test_crafted_salt_typhoon_statements() -> None:
    result = parse_config_text(CRAFTED, "leaf-9.cfg", dialect="cisco_nxos")
    model = result.model
    assert model is not None
    assert [model.text[n].strip() for n in model.unknown_lines] == [
        "frobnicate the widget",
        "totally unknown statement here",
        "logging frobnicate 1",
        "snmp-server frobnicate",
    ]
    user = model.users[0]
    assert (user.secret_type, user.ssh_keys, user.is_admin) == ("plain", 1, False)
    assert model.aaa.servers[0].port == 4949 and model.aaa.servers[0].key_type == "plain"
    assert ("telnet", False) in [(s.name, s.enabled) for s in model.services]
    assert [(s.name, s.port) for s in model.services if s.port] == [("nxapi", 8080), ("ssh", 22022)]
    tunnel = model.interfaces[0]
    assert (tunnel.kind, tunnel.tunnel_source, tunnel.tunnel_destination, tunnel.tunnel_mode) == (
        "tunnel",
        "loopback0",
        "203.0.113.200",
        "gre ip",
    )
    assert [(r.route_map, r.next_hop, r.line) for r in model.policy_routes] == [
        ("TO-TUNNEL", "172.16.5.2", 29)
    ]
    uses = {(u.acl, u.where) for u in model.acl_uses}
    assert uses == {("VTY", "interface"), ("VTY", "vty"), ("VTY", "ntp"), ("COPP-SSH", "copp")}
    assert [(p.neighbor, p.authenticated) for p in model.routing_peers] == [
        ("Ethernet1/1", True),  # area 0 authentication applies to both interfaces
        ("Ethernet1/2", True),
    ]
    assert model.captures[0].kind == "erspan" and model.captures[0].destination == "203.0.113.77"
    assert [(c.kind, c.name, c.enabled) for c in model.containers] == [
        ("bash-shell", "bash-shell", True),
        ("virtual-service", "pkt-capture", True),
        ("guestshell", "guestshell", True),
    ]
    assert [(a.kind, a.name, a.actions) for a in model.automation] == [
        ("eem", "CLEAR", ["clear logging logfile"]),
        ("kron", "backup", ["copy running-config tftp://192.0.2.99/leaf.cfg vrf management",
                            "show clock"]),
    ]  # fmt: skip
    assert [t.url for t in model.archive_targets] == ["tftp://192.0.2.99/leaf.cfg"]
    assert model.lines[0].exec_timeout_seconds == 900
    assert model.logging.hosts[0].vrf == "management" and model.logging.trap_level == "6"
    text = json.dumps(model.text)
    for secret in ("cleartext", "plainkey", "abcdef0123", "HSRPKEY"):
        assert secret not in text


def test_negated_statements_record_only_what_they_turn_off() -> None:
    text = (
        "hostname a\nno hostname\nno username bob\nno virtual-service x\nno feature ssh\n"
        "no ip route 1.0.0.0/8 2.2.2.2\nno ip access-list A\nno aaa authentication login x\n"
    )
    model = parse_config_text(text, "x", dialect="cisco_nxos").model
    assert model is not None and model.unknown_lines == []
    assert (model.hostname, model.users, model.containers) == ("a", [], [])
    assert (model.static_routes, model.acls, model.aaa.methods) == ([], {}, [])
    assert [(s.name, s.enabled) for s in model.service("ssh")] == [("ssh", False)]


@pytest.mark.parametrize("opener", ("vlan", "router bgp 1", "router ospf 1"))
def test_deep_nesting_does_not_exhaust_recursion(opener: str) -> None:
    # 3,000 levels, each a child of the one before: sections are walked without recursion.
    text = opener + "\n" + "\n".join(" " * (i + 1) + f"vrf {i}" for i in range(3000))
    result = parse_config_text(text, "deep", dialect="cisco_nxos")
    assert result.model is not None, result.issues


STATEMENTS = [
    "interface Ethernet1/1", "  ip address", "  ip address 1.2.3.4/99", "feature",
    "username", "username x password", "snmp-server community", "snmp-server user u auth",
    "snmp-server host 1.1.1.1 traps version", "tacacs-server host", "aaa group server",
    "  server", "router bgp", "  neighbor", "    password", "monitor session",
    "monitor session 1 type", "ip route", "ip route 1.1.1.0/24", "line vty",
    "  access-class", "ntp server", "ntp authentication-key 1", "logging server",
    "event manager applet", "  action 1 cli", "scheduler job name x", "end-job", "boot",
    "nxapi http port", "ssh server port x", "route-map", "  set ip next-hop",
    "class-map", "policy-map", "control-plane", "  service-policy input", "banner motd #",
    "#", "no", "no feature", "ip access-list a", "  10 permit", "  permit tcp host",
    "  permit ip 1.1.1.1 300.0.0.1 any", "virtual-service", "vrf context", "  ip route",
    "ip tacacs source-interface", "interface", "  tunnel source", "  hsrp 1",
    "    authentication", "rmon event 1 trap", "key chain k", "  key-string",
]  # fmt: skip
LINE = st.one_of(st.text(max_size=40), st.sampled_from(STATEMENTS))


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_random_text_never_breaks_the_parser(lines: list[str]) -> None:
    parse_text("\n".join(lines), "cisco_nxos")
