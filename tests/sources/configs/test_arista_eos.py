"""Arista EOS parser: every corpus file, the model read from real files (version from the
``! device:`` comment, SNMP community ACLs, CIDR ACLs, banners, management API), and crafted
EOS statements the corpus lacks."""

from __future__ import annotations

import json

import pytest
from config_corpus import CONFIGS, assert_table_covers, assert_unknown_lines, parse_file

from seawall.records.config import DeviceConfig
from seawall.sources.configs import parse_config_text

FOLDER = CONFIGS / "arista_eos"

# Lines not understood per corpus file: all EOS statements here are known.
UNKNOWN_LINES = {
    "batfish_arista_bgp_show_run_all_2.cfg": 0,
    "batfish_arista_logging_show_run_all.cfg": 0,
    "batfish_arista_snmp.cfg": 0,
    "hierconfig_eos_generated.conf": 0,
    "hierconfig_eos_running.conf": 0,
    # A ``show startup-config`` capture whose indentation is broken: everything after
    # ``event-handler dhclient`` is indented under it; those statements are parsed as the
    # top-level statements they are.
    "napalm_eos_show_running_config.text": 0,
    "pybatfish_aristaevpn_DC1-BL1A.cfg": 0,
    "pybatfish_aristaevpn_DC1-L2LEAF5A.cfg": 0,
    "pybatfish_aristaevpn_DC1-LEAF2A.cfg": 0,
    "pybatfish_aristaevpn_DC1-SPINE1.cfg": 0,
    "pybatfish_aristaevpn_DC1-SVC3A.cfg": 0,
    "pybatfish_filters_candidate1_rtr-with-acl.cfg": 0,
    "pybatfish_filters_current_rtr-with-acl.cfg": 0,
    "pybatfish_snmp_arista.cfg": 0,
}


def parse(name: str) -> DeviceConfig:
    return parse_file(FOLDER / name, "arista_eos", detect=True)


def test_table_covers_the_folder() -> None:
    assert_table_covers(FOLDER, UNKNOWN_LINES)


@pytest.mark.parametrize("name", sorted(UNKNOWN_LINES))
def test_corpus_file_parses(name: str) -> None:
    model = parse(name)
    assert (model.vendor, model.os) == ("Arista", "EOS")
    assert_unknown_lines(model, UNKNOWN_LINES[name])


def test_version_and_platform_from_the_device_comment() -> None:
    model = parse("batfish_arista_logging_show_run_all.cfg")
    assert (model.version, model.platform) == ("4.22.3M", "DCS-7260CX-64")
    assert [(b.image, b.line) for b in model.boot_images] == [("flash:/EOS-4.22.3M.swi", 6)]
    napalm = parse("napalm_eos_show_running_config.text")
    assert (napalm.version, napalm.platform) == ("4.15.2.1F", "vEOS")
    assert parse("pybatfish_aristaevpn_DC1-LEAF2A.cfg").version is None  # no header comment


def test_snmp_community_acls() -> None:
    model = parse("batfish_arista_snmp.cfg")
    assert [(c.access, c.acl, c.line) for c in model.snmp.communities] == [
        ("ro", "SNMP_STD_ACCESS_LIST", 21),
        ("ro", "SNMP_EXT_ACCESS_LIST", 22),
    ]
    std = model.acls["SNMP_STD_ACCESS_LIST"]
    assert (std.kind, [(e.seq, e.action, e.source) for e in std.entries]) == (
        "standard",
        [(10, "deny", "1.2.3.0/24"), (20, "permit", "1.0.0.0/8")],
    )
    ext = model.acls["SNMP_EXT_ACCESS_LIST"]
    assert [(e.seq, e.protocol, e.source, e.destination_port) for e in ext.entries] == [
        (10, "udp", "1.2.3.0/24", "eq snmp"),
        (20, "tcp", "any", "eq 443"),
        (30, "udp", "1.0.0.0/8", "eq snmp"),
    ]
    assert [(h.address, h.vrf, h.version) for h in model.snmp.hosts] == [
        ("10.1.2.3", "default", "2c")
    ]
    assert model.aaa.source_interfaces == {"snmp": "Loopback0"}
    dumped = json.dumps(model.to_dict())
    assert "STD_COMMUNITY" not in dumped and "EXT_COMMUNITY" not in dumped
    small = parse("pybatfish_snmp_arista.cfg")
    assert [(u.acl, u.where) for u in small.acl_uses] == [("SNMP_ACCESS_LIST", "snmp")]
    assert small.acls["SNMP_ACCESS_LIST"].entries[0].source == "1.2.3.5/32"


def test_banner_and_acl_of_the_filter_router() -> None:
    model = parse("pybatfish_filters_current_rtr-with-acl.cfg")
    assert "login_banner" not in model.flags  # only `banner motd`, shown after login on EOS
    login = parse_config_text("banner login\nAuthorised use only\nEOF\n", "b.cfg", "arista_eos")
    assert login.model is not None and login.model.flags["login_banner"] is True
    acl = model.acls["acl_in"]
    assert len(acl.entries) == 105
    assert (acl.entries[0].seq, acl.entries[0].protocol, acl.entries[0].text) == (
        30,
        "icmp",
        "30 deny icmp any any redirect",
    )
    bgp = acl.entries[3]
    assert (bgp.source, bgp.destination, bgp.destination_port) == (
        "11.36.216.170/32",
        "11.36.216.169/32",
        "eq bgp",
    )
    lone = next(e for e in acl.entries if e.seq == 670)
    assert lone.source == "166.146.58.184/32"  # a lone address is a host
    assert [(u.acl, u.owner, u.direction) for u in model.acl_uses] == [
        ("acl_in", "Ethernet1/1/1", "in")
    ]
    loopback = model.interfaces[1]
    assert (loopback.name, loopback.kind, loopback.addresses) == (
        "loopback0",
        "loopback",
        ["118.210.61.12/32"],
    )
    candidate = parse("pybatfish_filters_candidate1_rtr-with-acl.cfg")
    assert len(candidate.acls["acl_in"].entries) == 107


def test_evpn_leaf() -> None:
    model = parse("pybatfish_aristaevpn_DC1-LEAF2A.cfg")
    assert [(u.name, u.secret_type, u.role, u.is_admin) for u in model.users] == [
        ("admin", "sha512", "network-admin", True),
        ("cvpadmin", "sha512", "network-admin", True),
    ]
    (daemon,) = model.automation
    assert (daemon.kind, daemon.name, daemon.line) == ("daemon", "TerminAttr", 3)
    assert daemon.actions[0].startswith("/usr/bin/TerminAttr -cvcompression=gzip")
    assert "telarista" not in json.dumps(model.to_dict())  # -ingestauth=key,<redacted>
    assert "telarista" not in model.text[4]
    api = [(s.name, s.enabled, s.vrf, s.line) for s in model.services]
    assert api == [("api-http", True, None, 417), ("api-http", True, "MGMT", 420)]
    peers = [(p.neighbor, p.remote_as, p.authenticated) for p in model.routing_peers]
    assert peers == [
        ("10.255.251.3", "65102", True),  # password 7 on peer group MLAG-IPv4-UNDERLAY-PEER
        ("172.31.255.4", "65001", True),
        ("172.31.255.6", "65001", True),
        ("192.168.255.1", "65001", True),
        ("192.168.255.2", "65001", True),
    ]
    assert [(s.kind, s.secret_type) for s in model.secrets] == [("bgp-password", "7")] * 3
    (route,) = model.static_routes
    assert (route.prefix, route.vrf, route.next_hop) == ("0.0.0.0/0", "MGMT", "192.168.2.1")
    mgmt = next(i for i in model.interfaces if i.name == "Management1")
    assert (mgmt.kind, mgmt.vrf, mgmt.addresses) == ("management", "MGMT", ["192.168.2.106/24"])
    assert model.aaa.source_interfaces == {"ntp": "Management1"}
    assert [(s.address, s.vrf) for s in model.ntp.servers] == [
        ("0.north-america.pool.ntp.org", "MGMT"),
        ("1.north-america.pool.ntp.org", "MGMT"),
    ]


def test_broken_indentation_capture() -> None:
    model = parse("napalm_eos_show_running_config.text")
    assert [(u.name, u.privilege, u.secret_type) for u in model.users] == [
        ("root", None, "5"),  # aaa root secret
        ("admin", 15, "5"),
        ("vagrant", 15, "5"),
    ]
    (handler,) = model.automation
    assert (handler.kind, handler.name, handler.actions) == (
        "eem",
        "dhclient",
        ["sudo /mnt/flash/initialize_ma1.sh"],
    )
    assert [(s.name, s.enabled, s.line) for s in model.services] == [("api-http", True, 31)]


def test_logging_show_run_all() -> None:
    log = parse("batfish_arista_logging_show_run_all.cfg").logging
    assert [(h.address, h.port, h.transport, h.vrf) for h in log.hosts] == [
        ("1.2.3.4", 514, "udp", None),
        ("1.2.3.5", 65535, "tcp", None),
        ("some_host.company.com", None, None, None),
        ("1.2.3.6", 514, "udp", "foo"),
    ]
    assert (log.trap_level, log.buffered, log.source_interface, log.disabled) == (
        "debugging",
        True,
        "Loopback0",
        False,
    )


CRAFTED = """\
! device: leaf9 (DCS-7050SX3-48YC8, EOS-4.28.3M)
hostname leaf9
username admin privilege 15 role network-admin secret sha512 $6$abc$def
username backdoor nopassword
username ops role network-operator secret 0 opspass
username ops sshkey ssh-rsa AAAAB3Nza ops@host
aaa accounting commands all default start-stop group tacacs+
tacacs-server host 10.9.9.9 vrf MGMT key 7 070C285F4D06
ip tacacs vrf MGMT source-interface Management1
banner login
Authorized use only
EOF
management ssh
   idle-timeout 0
   ip access-group SSH-IN in
management telnet
   no shutdown
management api http-commands
   protocol http
   no shutdown
daemon Backdoor
   exec /mnt/flash/agent -ingestauth=key,hunter2
schedule grab interval 60 max-log-files 1 command show running-config
ip access-list SSH-IN
   10 permit tcp 45.77.0.0/16 any eq ssh
interface Tunnel9
   tunnel source 10.0.0.1
   tunnel destination 203.0.113.9
monitor session TAP source Ethernet1
monitor session TAP destination tunnel mode gre source 10.0.0.1 destination 203.0.113.10
system control-plane
   ip access-group CPP in
"""


def test_crafted_eos() -> None:
    result = parse_config_text(CRAFTED, "leaf9.cfg")
    model = result.model
    assert model is not None and model.dialect == "arista_eos"
    assert model.unknown_lines == []
    assert (model.version, model.flags) == ("4.28.3M", {"login_banner": True, "copp": True})
    users = {u.name: u for u in model.users}
    assert (users["backdoor"].secret_type, users["backdoor"].is_admin) == ("none", False)
    assert (users["ops"].ssh_keys, users["ops"].secret_type) == (1, "plain")
    assert model.aaa.command_accounting
    assert model.aaa.source_interfaces == {"tacacs": "Management1"}
    (server,) = model.aaa.servers
    assert (server.address, server.vrf, server.key_type) == ("10.9.9.9", "MGMT", "7")
    assert [(s.name, s.enabled, s.acl, s.options) for s in model.services] == [
        ("ssh", True, "SSH-IN", {}),
        ("telnet", True, None, {}),
        ("api-http", True, None, {"protocol": "http"}),
    ]
    assert [
        (line.name, line.exec_timeout_seconds, line.access_class_in) for line in model.lines
    ] == [
        ("management ssh", 0, "SSH-IN"),
        ("management telnet", None, None),
    ]
    assert [(a.kind, a.name, a.actions) for a in model.automation] == [
        ("daemon", "Backdoor", ["/mnt/flash/agent -ingestauth=key,<redacted>"]),
        ("kron", "grab", ["show running-config"]),
    ]
    (tunnel,) = model.interfaces
    assert (tunnel.kind, tunnel.tunnel_mode, tunnel.tunnel_destination) == (
        "tunnel",
        "gre",
        "203.0.113.9",
    )
    (capture,) = model.captures
    assert (capture.kind, capture.source, capture.destination) == (
        "erspan",
        "Ethernet1",
        "203.0.113.10",
    )
    assert [(u.where, u.acl) for u in model.acl_uses] == [("ssh", "SSH-IN"), ("copp", "CPP")]
    assert "hunter2" not in json.dumps(model.to_dict())
