"""Best-effort parsers (SR OS, Gaia, F5, A10, ProCurve, Comware, VyOS, SONiC): every corpus
file read with its dialect and an exact unknown-line count, the content read by hand from the
files, and small crafted configurations for the syntax the corpus lacks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from config_corpus import CONFIGS, assert_unknown_lines, folder_files, parse_crafted, parse_file

from seawall.records.config import DeviceConfig, fingerprint
from seawall.sources.configs import parse_config_text
from seawall.sources.configs.others import MODULES

# path -> (dialect, unknown lines, hostname, version). The ciscoconfparse "HP_Procurve" fixture
# is an HP V1910, which runs Comware.
CORPUS = {
    "nokia_sros/batfish_sros_r1_admin_show_configuration.txt": ("nokia_sros", 0, "r1", "26.3.R1"),
    "checkpoint_gaia/batfish_checkpoint_cp_gw1_show_configuration.txt": (
        "checkpoint_gaia",
        0,
        "cp_gw1",
        None,
    ),
    "f5_bigip/ciscoconfparse_sample_02.f5": ("f5_bigip", 0, None, None),
    "f5_bigip/pybatfish_f5bigip.cfg": ("f5_bigip", 0, "f5bigip", "13.1.1"),
    "a10_acos/pybatfish_a10_lb42.cfg": ("a10_acos", 0, "lb42", "5.2.0"),
    "hp_procurve/ciscoconfparse_HP_Procurve.conf": (
        "hp_comware",
        0,
        "HP V1910 Switch",
        "5.20, Release 1513P81",
    ),
    "hp_procurve/hierconfig_procurve_running.conf": ("hp_procurve", 0, "HP-Procurve-01", None),
    "hp_comware/hierconfig_comware5_running.conf": ("hp_comware", 0, "HP-Switch-01", None),
    "vyos/hierconfig_vyos_running.conf": ("vyos", 0, "vyos-router-01", None),
    "sonic/pybatfish_sonic_leaf01_config_db.json": ("sonic", 0, "leaf01", None),
    "sonic/pybatfish_sonic_leaf01_frr.conf": ("sonic", 0, "leaf01", "7.2-sonic"),
}
# One corpus folder per dialect these parsers serve.
FOLDERS = tuple(MODULES)


def parse(name: str) -> DeviceConfig:
    return parse_file(CONFIGS / name, CORPUS[name][0])


def test_table_covers_the_folders() -> None:
    on_disk = {f"{folder}/{name}" for folder in FOLDERS for name in folder_files(CONFIGS / folder)}
    assert on_disk == set(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_file_unknown_lines_hostname_version(name: str) -> None:
    _, unknown, hostname, version = CORPUS[name]
    model = parse(name)
    assert_unknown_lines(model, unknown)
    assert (model.hostname, model.version) == (hostname, version)


# --- Nokia SR OS --------------------------------------------------------------------------


def test_sros_md_cli() -> None:
    model = parse("nokia_sros/batfish_sros_r1_admin_show_configuration.txt")
    assert (model.os, model.platform) == ("SR OS", "7750 SR-1")
    [admin] = model.users
    assert (admin.name, admin.role, admin.is_admin, admin.secret_type, admin.line) == (
        "admin",
        "administrative",
        True,
        "sha512",  # bcrypt $2y$
        307,
    )
    assert [(i.name, i.kind, i.addresses, i.line) for i in model.interfaces] == [
        ("system", "loopback", ["1.1.1.1/32"], 48),
        ("to-r2", "other", ["10.0.0.0/31"], 56),
    ]
    [peer] = model.routing_peers
    assert (peer.neighbor, peer.remote_as, peer.line) == ("10.0.0.1", "65002", 76)


SROS_CLASSIC = """\
# TiMOS-C-20.10.R3 cpm/x86_64 Nokia 7750 SR Copyright (c) 2000-2021 Nokia.
exit all
configure
#--------------------------------------------------
echo "System Configuration"
#--------------------------------------------------
    system
        name "pe1"
        time
            ntp
                server 192.0.2.123 key 3
                no shutdown
            exit
        exit
        security
            telnet-server
            user "admin"
                password "$2y$10$abcdefghijabcdefghijab"
                console
                    member "administrative"
                exit
            exit
            snmp
                community "s3cret" hash2 rwa version both
            exit
            tacplus
                server 1 address 192.0.2.49 secret "xyz" hash2
            exit
        exit
    exit
    router Base
        interface "system"
            address 10.0.0.1/32
            no shutdown
        exit
        static-route-entry 0.0.0.0/0
            next-hop 192.0.2.1
                no shutdown
            exit
        exit
    exit
    log
        syslog 1
            address 192.0.2.55
        exit
    exit
exit all
"""


def test_sros_classic_cli() -> None:
    model = parse_crafted(SROS_CLASSIC, "nokia_sros")
    assert (model.hostname, model.version) == ("pe1", "20.10.R3")
    [admin] = model.users
    assert (admin.name, admin.is_admin, admin.secret_type, admin.line) == (
        "admin",
        True,
        "sha512",
        17,
    )
    assert [(s.name, s.enabled) for s in model.services] == [("telnet", True)]
    [community] = model.snmp.communities
    assert (community.fingerprint, community.access) == (fingerprint("s3cret"), "rw")
    [server] = model.aaa.servers
    assert (server.protocol, server.address, server.key_type) == (
        "tacacs",
        "192.0.2.49",
        "encrypted",
    )
    assert [(s.address, s.key) for s in model.ntp.servers] == [("192.0.2.123", 3)]
    assert [h.address for h in model.logging.hosts] == ["192.0.2.55"]
    assert [(i.name, i.kind, i.addresses) for i in model.interfaces] == [
        ("system", "loopback", ["10.0.0.1/32"])
    ]
    assert [(r.prefix, r.next_hop) for r in model.static_routes] == [("0.0.0.0/0", "192.0.2.1")]


# --- Check Point Gaia ---------------------------------------------------------------------


def test_gaia_show_configuration() -> None:
    model = parse("checkpoint_gaia/batfish_checkpoint_cp_gw1_show_configuration.txt")
    users = {u.name: (u.is_admin, u.line) for u in model.users}
    assert users == {"admin": (True, 66), "monitor": (False, 67)}
    assert [(s.name, s.enabled, s.port, s.line) for s in model.services] == [
        ("https", True, 443, 39),
        ("telnet", False, None, 48),
        ("snmp", False, None, 109),
    ]
    assert [e.source for e in model.acls["allowed-client"].entries] == ["any"]
    assert [s.address for s in model.ntp.servers] == ["ntp.checkpoint.com", "ntp2.checkpoint.com"]
    interfaces = {i.name: i for i in model.interfaces}
    assert (interfaces["eth0"].kind, interfaces["eth0"].addresses) == (
        "management",
        ["10.0.0.1/16"],
    )
    assert interfaces["eth5"].shutdown and interfaces["lo"].kind == "loopback"
    assert [(r.prefix, r.next_hop) for r in model.static_routes] == [("0.0.0.0/0", "10.1.1.2")]
    assert model.logging.command_logging  # syslog mgmtauditlogs on


GAIA = """\
set hostname gw2
add user backdoor uid 0 homedir /home/backdoor
set user backdoor password-hash $6$salt$hash
add rba user backdoor roles adminRole
set expert-password-hash $1$salt$hash
set net-access telnet on
add allowed-client network ipv4-address 203.0.113.0 mask-length 24
add aaa tacacs-servers priority 1 server 198.51.100.49 key s3cret timeout 5
add syslog log-remote-address 192.0.2.55 level info
add snmp community pubX read-only
delete user olduser
frobnicate everything
"""


def test_gaia_crafted() -> None:
    model = parse_crafted(GAIA, "checkpoint_gaia", unknown=[12])
    [user] = model.users
    assert (user.name, user.role, user.is_admin, user.secret_type) == (
        "backdoor",
        "adminRole",
        True,
        "sha512",
    )
    assert [(s.kind, s.secret_type) for s in model.secrets] == [("enable", "5")]
    assert [(s.name, s.enabled) for s in model.services] == [("telnet", True)]
    assert [e.source for e in model.acls["allowed-client"].entries] == ["203.0.113.0/24"]
    [server] = model.aaa.servers
    assert (server.address, server.key_type) == ("198.51.100.49", "plain")
    assert [h.address for h in model.logging.hosts] == ["192.0.2.55"]
    assert [c.fingerprint for c in model.snmp.communities] == [fingerprint("pubX")]
    assert model.features == ["delete user olduser"]
    assert "s3cret" not in json.dumps(model.to_dict())


# --- F5 BIG-IP ----------------------------------------------------------------------------


def test_f5_irules_and_multiline_strings_do_not_break_the_tree() -> None:
    model = parse("f5_bigip/ciscoconfparse_sample_02.f5")
    # the remote syslog server after the multi-line ``include "..."`` string is still read
    assert [(h.address, h.line) for h in model.logging.hosts] == [("102.223.51.181", 63)]
    assert model.users == [] and model.interfaces == []


F5 = """\
#TMSH-VERSION: 15.1.8
auth user admin {
    description "Admin User"
    encrypted-password $6$abc$def
    partition-access {
        all-partitions {
            role admin
        }
    }
    shell bash
}
auth user viewer {
    encrypted-password $6$ghi$jkl
    partition-access {
        all-partitions {
            role guest
        }
    }
}
sys global-settings {
    hostname bigip1.example.net
}
sys sshd {
    allow { 192.0.2.0/24 198.51.100.7 }
    port 2222
}
sys httpd {
    allow { ALL }
    ssl-port 8443
}
net self internal-self {
    address 10.1.1.5/24%0
    allow-service {
        default
    }
    vlan internal
}
sys snmp {
    communities {
        comm-public {
            community-name pubX
            source default
        }
    }
}
sys ntp {
    servers { 192.0.2.123 192.0.2.124 }
}
sys management-route default {
    gateway 192.0.2.1
    network default
}
ltm rule /Common/redirect {
    when HTTP_REQUEST {
        if { [HTTP::host] eq "x" } {
            HTTP::redirect "https://[HTTP::host][HTTP::uri]"
        }
    }
}
"""


def test_f5_crafted() -> None:
    model = parse_crafted(F5, "f5_bigip")
    assert (model.hostname, model.version) == ("bigip1.example.net", "15.1.8")
    users = {u.name: (u.role, u.is_admin, u.secret_type, u.line) for u in model.users}
    assert users == {
        "admin": ("admin", True, "sha512", 2),
        "viewer": ("guest", False, "sha512", 12),
    }
    services = [(s.name, s.port, s.acl, s.interface) for s in model.services]
    assert services == [
        ("ssh", 2222, "sshd allow", None),
        ("https", 8443, "httpd allow", None),
        ("ssh", None, None, "internal-self"),
        ("https", None, None, "internal-self"),
    ]
    assert [e.source for e in model.acls["sshd allow"].entries] == [
        "192.0.2.0/24",
        "198.51.100.7/32",
    ]
    assert [e.source for e in model.acls["httpd allow"].entries] == ["any"]
    assert [(i.name, i.addresses) for i in model.interfaces] == [("internal-self", ["10.1.1.5/24"])]
    assert [c.fingerprint for c in model.snmp.communities] == [fingerprint("pubX")]
    assert [s.address for s in model.ntp.servers] == ["192.0.2.123", "192.0.2.124"]
    assert [(r.prefix, r.next_hop) for r in model.static_routes] == [("0.0.0.0/0", "192.0.2.1")]


# --- A10 ACOS -----------------------------------------------------------------------------


def test_a10_show_running() -> None:
    model = parse("a10_acos/pybatfish_a10_lb42.cfg")
    assert [(s.name, s.port, s.line) for s in model.services] == [
        ("http", 80, 142),
        ("https", 443, 143),
    ]
    interfaces = {i.name: (i.kind, i.addresses) for i in model.interfaces}
    assert interfaces["management"] == ("management", ["10.150.0.28/16"])
    assert interfaces["loopback 0"] == ("loopback", ["172.16.0.2/32"])
    assert interfaces["ethernet 1"] == ("physical", ["10.12.11.2/24"])
    assert [(r.prefix, r.next_hop, r.line) for r in model.static_routes] == [
        ("0.0.0.0/0", "10.23.21.2", 185),
        ("10.1.10.0/24", "10.12.11.1", 188),
    ]
    assert [m.methods for m in model.aaa.methods] == [["local"]]


A10 = """\
!64-bit Advanced Core OS (ACOS) version 4.1.4-GR1-P5, build 81 (Jan-01-2021,00:00)
hostname lb1
admin ops password encrypted AbCdEf123
  privilege write
  access cli web axapi
admin helpdesk password encrypted XyZ
  privilege partition-read
enable-management service ssh
  management
  ethernet 1
disable-management service telnet
logging host 192.0.2.55 port 5514
snmp-server community read pubX
ntp server 192.0.2.123
tacacs-server host 192.0.2.49 secret-encrypted Zz9
interface ve 10
  ip address 10.0.10.1 255.255.255.0
"""


def test_a10_crafted() -> None:
    model = parse_crafted(A10, "a10_acos")
    assert model.version == "4.1.4-GR1-P5"
    users = {u.name: (u.role, u.is_admin, u.secret_type) for u in model.users}
    assert users == {
        "ops": ("write", True, "encrypted"),
        "helpdesk": ("partition-read", False, "encrypted"),
    }
    services = [(s.name, s.enabled, s.interface) for s in model.services]
    assert services == [
        ("ssh", True, "management"),
        ("ssh", True, "ethernet 1"),
        ("telnet", False, None),
    ]
    assert [(h.address, h.port) for h in model.logging.hosts] == [("192.0.2.55", 5514)]
    assert [c.fingerprint for c in model.snmp.communities] == [fingerprint("pubX")]
    assert [(s.address, s.key_type) for s in model.aaa.servers] == [("192.0.2.49", "encrypted")]
    assert [(i.name, i.kind, i.addresses) for i in model.interfaces] == [
        ("ve 10", "vlan", ["10.0.10.1/24"])
    ]


# --- HP ProCurve and Comware --------------------------------------------------------------


def test_procurve_hierconfig() -> None:
    model = parse("hp_procurve/hierconfig_procurve_running.conf")
    assert [(i.name, i.kind, i.description, i.shutdown) for i in model.interfaces] == [
        ("vlan 10", "vlan", "DATA_VLAN", False),
        ("vlan 20", "vlan", "VOICE_VLAN", False),
        ("vlan 30", "vlan", "OLD_VLAN", False),
        ("1", "physical", "WAN Interface", False),
        ("2", "physical", "Access Port", False),
        ("3", "physical", "Old Interface", True),
    ]
    assert model.interfaces[0].addresses == ["10.100.1.1/24"]
    assert [(r.prefix, r.next_hop) for r in model.static_routes] == [
        ("0.0.0.0/0", "203.0.113.2"),
        ("10.10.0.0/16", "10.100.1.254"),
    ]
    assert [s.address for s in model.ntp.servers] == ["10.0.0.50"]


PROCURVE = """\
; J9145A Configuration Editor; Created on release #W.15.08.0012
; Ver #03:03.1f.ef:f0
hostname "edge-sw"
ip authorized-managers 192.0.2.0 255.255.255.0 access manager
ip ssh port 2222
no telnet-server
no web-management
snmp-server community "pubX" operator
snmp-server community "privX" manager unrestricted
logging 192.0.2.55
sntp server priority 1 192.0.2.123
password manager user-name boss sha1 0123456789abcdef
tacacs-server host 192.0.2.49 key s3cret
vlan 1
   name "DEFAULT_VLAN"
   ip address 10.0.0.2 255.255.255.0
   exit
"""


def test_procurve_crafted() -> None:
    model = parse_crafted(PROCURVE, "hp_procurve")
    assert (model.hostname, model.version, model.platform) == ("edge-sw", "W.15.08.0012", "J9145A")
    [user] = model.users
    assert (user.name, user.role, user.is_admin, user.secret_type) == ("boss", "manager", True, "5")
    assert [(s.name, s.enabled, s.port) for s in model.services] == [
        ("ssh", True, 2222),
        ("telnet", False, None),
        ("http", False, None),
    ]
    assert [e.source for e in model.acls["authorized-managers"].entries] == ["192.0.2.0/24"]
    assert [(c.fingerprint, c.access) for c in model.snmp.communities] == [
        (fingerprint("pubX"), "ro"),
        (fingerprint("privX"), "rw"),
    ]
    assert [h.address for h in model.logging.hosts] == ["192.0.2.55"]
    assert [s.address for s in model.ntp.servers] == ["192.0.2.123"]
    assert [i.addresses for i in model.interfaces] == [["10.0.0.2/24"]]
    assert "s3cret" not in json.dumps(model.to_dict())


def test_comware_v1910() -> None:
    model = parse("hp_procurve/ciscoconfparse_HP_Procurve.conf")
    [admin] = model.users
    assert (admin.name, admin.privilege, admin.is_admin, admin.secret_type, admin.line) == (
        "admin",
        3,
        True,
        "encrypted",  # password cipher
        33,
    )
    assert [(c.fingerprint, c.access, c.line) for c in model.snmp.communities] == [
        (fingerprint("public"), "ro", 326),
        (fingerprint("private"), "rw", 327),
    ]
    assert [(s.name, s.enabled, s.line) for s in model.services] == [("ssh", True, 334)]
    assert [(line.name, line.kind, line.login) for line in model.lines] == [
        ("aux 0", "aux", "scheme"),
        ("vty 0 15", "vty", "scheme"),
    ]
    assert [s.address for s in model.ntp.servers] == ["83.212.118.71", "109.75.223.1"]
    assert model.aaa.source_interfaces == {"ntp": "Vlan-interface10"}
    kinds = {i.name: i.kind for i in model.interfaces}
    assert kinds["Bridge-Aggregation1"] == "port-channel" and kinds["NULL0"] == "other"
    vlan10 = next(i for i in model.interfaces if i.name == "Vlan-interface10")
    assert vlan10.addresses == ["10.0.0.254/24"]


def test_comware_hierconfig() -> None:
    model = parse("hp_comware/hierconfig_comware5_running.conf")
    assert [(i.name, i.shutdown) for i in model.interfaces] == [
        ("GigabitEthernet1/0/1", False),
        ("GigabitEthernet1/0/2", False),
        ("GigabitEthernet1/0/3", True),
        ("Vlan-interface10", False),
    ]
    assert [(r.prefix, r.next_hop) for r in model.static_routes] == [
        ("0.0.0.0/0", "203.0.113.2"),
        ("10.10.0.0/16", "10.100.1.254"),
    ]


COMWARE7 = """\
#
 version 7.1.064, Release 0821P16
#
 sysname core-sw
#
 telnet server enable
#
interface Tunnel1 mode gre
 source 10.0.0.1
 destination 203.0.113.9
#
hwtacacs scheme TAC
 primary authentication 192.0.2.49
 key authentication cipher $c$3$abc
#
 info-center loghost 192.0.2.55
#
local-user ops class manage
 password hash $h$6$abc$def
 authorization-attribute user-role network-admin
#
line vty 0 63
 authentication-mode scheme
 protocol inbound ssh
#
return
"""


def test_comware7_crafted() -> None:
    model = parse_crafted(COMWARE7, "hp_comware")
    assert (model.hostname, model.version) == ("core-sw", "7.1.064, Release 0821P16")
    [user] = model.users
    assert (user.role, user.is_admin, user.secret_type) == ("network-admin", True, "sha512")
    assert [(s.name, s.enabled) for s in model.services] == [("telnet", True)]
    [tunnel] = model.interfaces
    assert (tunnel.kind, tunnel.tunnel_source, tunnel.tunnel_destination) == (
        "tunnel",
        "10.0.0.1",
        "203.0.113.9",
    )
    [server] = model.aaa.servers
    assert (server.protocol, server.address, server.key_type) == (
        "tacacs",
        "192.0.2.49",
        "encrypted",
    )
    assert [h.address for h in model.logging.hosts] == ["192.0.2.55"]
    [vty] = model.lines
    assert (vty.name, vty.transport_input, vty.login) == ("vty 0 63", ["ssh"], "scheme")


# --- VyOS ---------------------------------------------------------------------------------


def test_vyos_hierconfig() -> None:
    model = parse("vyos/hierconfig_vyos_running.conf")
    assert [(i.name, i.kind, i.addresses, i.shutdown) for i in model.interfaces] == [
        ("eth0", "physical", ["203.0.113.1/30"], False),
        ("eth1", "physical", ["10.1.1.1/24"], False),
        ("eth2", "physical", ["10.2.2.1/24"], True),
    ]
    [peer] = model.routing_peers
    assert (peer.neighbor, peer.remote_as, peer.line) == ("203.0.113.2", "64501", 9)
    assert [s.address for s in model.ntp.servers] == ["10.0.0.40"]


VYOS_SET = """\
set system host-name vy1
set system login user vyos authentication encrypted-password '$6$abc$def'
set system login user vyos authentication public-keys me@host key 'AAAAC3Nz'
set system login user vyos authentication public-keys me@host type 'ssh-ed25519'
set service ssh port '2222'
set service snmp community pubX authorization 'ro'
set service snmp community pubX client '192.0.2.10'
set system syslog host 192.0.2.55 facility all level 'info'
set interfaces tunnel tun0 encapsulation 'gre'
set interfaces tunnel tun0 remote '203.0.113.9'
set interfaces tunnel tun0 source-address '10.0.0.1'
set interfaces ethernet eth0 vif 10 address '10.10.0.1/24'
set container name probe image 'alpine:latest'
"""

VYOS_BRACE = """\
container {
    name probe {
        image alpine:latest
    }
}
interfaces {
    ethernet eth0 {
        vif 10 {
            address 10.10.0.1/24
        }
    }
    tunnel tun0 {
        encapsulation gre
        remote 203.0.113.9
        source-address 10.0.0.1
    }
}
service {
    snmp {
        community pubX {
            authorization ro
            client 192.0.2.10
        }
    }
    ssh {
        port 2222
    }
}
system {
    host-name vy1
    login {
        user vyos {
            authentication {
                encrypted-password $6$abc$def
                public-keys me@host {
                    key AAAAC3Nz
                    type ssh-ed25519
                }
            }
        }
    }
    syslog {
        host 192.0.2.55 {
            facility all {
                level info
            }
        }
    }
}
// Warning: Do not remove the following line.
// vyos-config-version: "broadcast-relay@1:cluster@1:config-management@1"
// Release version: 1.3.2
"""


def _content(model: DeviceConfig) -> dict[str, Any]:
    """What both styles must agree on (order of statements differs between the two)."""
    return {
        "hostname": model.hostname,
        "users": [(u.name, u.is_admin, u.secret_type, u.ssh_keys) for u in model.users],
        "services": [(s.name, s.port) for s in model.services],
        "communities": [(c.fingerprint, c.access, c.acl) for c in model.snmp.communities],
        "acls": {n: [e.source for e in a.entries] for n, a in model.acls.items()},
        "logging": [h.address for h in model.logging.hosts],
        "interfaces": sorted(
            (i.name, i.kind, tuple(i.addresses), i.tunnel_mode, i.tunnel_destination)
            for i in model.interfaces
        ),
        "containers": [(c.kind, c.name) for c in model.containers],
    }


def test_vyos_set_and_brace_agree() -> None:
    flat, brace = parse_crafted(VYOS_SET, "vyos"), parse_crafted(VYOS_BRACE, "vyos")
    assert _content(flat) == _content(brace)
    assert brace.version == "1.3.2"
    content = _content(flat)
    assert content["users"] == [("vyos", True, "sha512", 1)]
    assert content["services"] == [("ssh", 2222)]
    digest = fingerprint("pubX")
    assert content["communities"] == [(digest, "ro", f"snmp-clients-{digest}")]
    assert ("tun0", "tunnel", (), "gre", "203.0.113.9") in content["interfaces"]
    assert ("eth0.10", "vlan", ("10.10.0.1/24",), None, None) in content["interfaces"]
    assert content["containers"] == [("container", "probe")]


# --- SONiC --------------------------------------------------------------------------------


def test_sonic_config_db() -> None:
    model = parse("sonic/pybatfish_sonic_leaf01_config_db.json")
    assert model.platform == "DellEMC-S5248f-P-25G-DPB"
    assert [(s.name, s.port, s.line) for s in model.services] == [("gnmi", 8080, 207)]
    interfaces = {i.name: i for i in model.interfaces}
    assert (interfaces["Loopback0"].kind, interfaces["Loopback0"].addresses) == (
        "loopback",
        ["5.5.5.5/32"],
    )
    assert (interfaces["eth0"].kind, interfaces["eth0"].addresses) == (
        "management",
        ["10.150.0.153/16"],
    )
    assert interfaces["Ethernet0"].description == "TO-->RA01"
    assert sorted(interfaces["Ethernet0"].addresses) == ["10.1.23.2/30", "2022:cafe:23::2/96"]
    assert model.features == []  # sflow and ptp are disabled


def test_sonic_frr() -> None:
    model = parse("sonic/pybatfish_sonic_leaf01_frr.conf")
    assert model.os == "FRR"
    assert [(s.kind, s.secret_type, s.line) for s in model.secrets] == [("enable", "plain", 9)]
    assert [(line.kind, line.password_type) for line in model.lines] == [("vty", "plain")]
    assert [(p.neighbor, p.remote_as, p.authenticated) for p in model.routing_peers] == [
        ("10.1.23.1", "65041", False),
        ("192.168.1.1", "65041", False),
        ("2022:cafe:23::1", "65041", False),
        ("2022:cafe:192:1::1", "65041", False),
    ]
    assert model.logging.trap_level == "informational"
    assert [e.source for e in model.acls["CORP_PRIVATE_RANGES_V4"].entries][:2] == [
        "10.10.0.0/16",
        "100.64.0.0/10",
    ]
    assert "zebra" not in json.dumps(model.to_dict())


SONIC_DB = {
    "DEVICE_METADATA": {"localhost": {"hostname": "leaf9"}},
    "TACPLUS_SERVER": {"192.0.2.49": {"passkey": "s3cret", "tcp_port": "49"}},
    "SYSLOG_SERVER": {"192.0.2.55": {}},
    "SNMP_COMMUNITY": {"pubX": {"TYPE": "RO"}},
    "MIRROR_SESSION": {"tap": {"type": "ERSPAN", "src_ip": "10.0.0.1", "dst_ip": "203.0.113.5"}},
    "ACL_TABLE": {"SSH_ONLY": {"type": "CTRLPLANE", "services": ["SSH"]}},
    "ACL_RULE": {
        "SSH_ONLY|RULE_1": {"PRIORITY": "9999", "SRC_IP": "192.0.2.0/24", "PACKET_ACTION": "ACCEPT"}
    },
    "MYSTERY_TABLE": {"x": {"y": "z"}},
}


def test_sonic_crafted_db_and_unknown_table() -> None:
    text = json.dumps(SONIC_DB, indent=4)
    lines = text.splitlines()
    mystery = next(n for n, line in enumerate(lines, start=1) if "MYSTERY" in line)
    # the unknown table's lines (its closing braces are structure)
    model = parse_crafted(text, "sonic", unknown=[mystery, mystery + 1, mystery + 2])
    assert model.hostname == "leaf9"
    [server] = model.aaa.servers
    assert (server.address, server.port, server.key_type) == ("192.0.2.49", 49, "plain")
    assert [h.address for h in model.logging.hosts] == ["192.0.2.55"]
    [capture] = model.captures
    assert (capture.kind, capture.name, capture.destination) == ("erspan", "tap", "203.0.113.5")
    assert [(u.acl, u.where) for u in model.acl_uses] == [("SSH_ONLY", "ssh")]
    assert [(e.action, e.source, e.seq) for e in model.acls["SSH_ONLY"].entries] == [
        ("permit", "192.0.2.0/24", 9999)
    ]
    assert "s3cret" not in json.dumps(model.to_dict())


def test_sonic_broken_json_is_all_unknown() -> None:
    parsed = parse_config_text('{\n  "DEVICE_METADATA": {\n', "x", "sonic")
    assert parsed.model is not None and parsed.model.unknown_lines == [1, 2]
