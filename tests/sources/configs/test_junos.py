"""JunOS parser: every corpus file read with an exact count of lines not understood, the
content read by hand from the files, and brace and ``set`` style giving one model."""

from __future__ import annotations

import json
from typing import Any

import pytest
from config_corpus import (
    CONFIGS,
    assert_table_covers,
    assert_unknown_lines,
    parse_crafted,
    parse_file,
)

from seawall.records.config import DeviceConfig, fingerprint
from seawall.sources.configs import parse_config_text
from seawall.sources.configs.tree import brace_tree, flatten

JUNOS = CONFIGS / "juniper_junos"

# Unknown lines per corpus file. as2core1/as3border1 are IOS text in the JunOS folder.
UNKNOWN = {
    "batfish_example-juniper_as1border1.cfg": 0,
    "batfish_srx-testbed_junos-srx-1.cfg": 0,
    "batfish_srx-testbed_junos-srx-2.cfg": 0,
    "batfish_srx-testbed_junos-srx-3.cfg": 0,
    "batfish_unit_juniper_firewall.cfg": 0,
    "batfish_unit_juniper_passwords.cfg": 0,
    "batfish_unit_juniper_snmp.cfg": 0,
    "batfish_unit_juniper_syslog.cfg": 0,
    "batfish_unit_juniper_system.cfg": 0,
    "batfish_unit_juniper_tacplus.cfg": 0,
    "ciscoconfparse_sample_01.junos": 0,
    "ciscoconfparse_sample_03.junos": 0,
    "ciscoconfparse_sample_04.junos": 0,
    "hierconfig_junos_generated.conf": 0,
    "hierconfig_junos_running.conf": 0,
    "hierconfig_running_config_flat_junos.conf": 0,
    "pybatfish_snmp_juniper.cfg": 0,
}
IOS_IN_JUNOS_FOLDER = {
    "batfish_example-juniper_as2core1.cfg",
    "batfish_example-juniper_as3border1.cfg",
}


def parse(name: str) -> DeviceConfig:
    return parse_file(JUNOS / name, "juniper_junos")


def test_table_covers_the_folder() -> None:
    assert_table_covers(JUNOS, UNKNOWN, besides=IOS_IN_JUNOS_FOLDER)


@pytest.mark.parametrize("name", sorted(UNKNOWN))
def test_corpus_file_unknown_lines(name: str) -> None:
    model = parse(name)
    assert_unknown_lines(model, UNKNOWN[name])
    assert model.os == "JunOS" and model.vendor == "Juniper"


def test_srx_testbed_users_keys_vpn_and_deactivate() -> None:
    model = parse("batfish_srx-testbed_junos-srx-1.cfg")
    assert model.hostname == "junos-srx-1"
    assert model.version == "15.1X49-D15.4"
    users = {u.name: u for u in model.users}
    assert list(users) == ["root", "admin", "padhye", "ratul"]
    assert all(u.is_admin and u.secret_type == "5" for u in users.values())
    assert [u.role for u in users.values()] == ["super-user"] * 4
    assert (users["root"].line, users["admin"].line, users["ratul"].line) == (3, 4, 12)
    assert [u.ssh_keys for u in users.values()] == [0, 1, 1, 1]
    assert users["admin"].secret_fingerprint == fingerprint("$1$67Q0XA3z$YqiBW/xxKWr74oHPXEkIv1")
    assert [(p.name, p.address, p.line) for p in model.crypto_peers] == [
        ("gateway-3", "10.13.0.3", 26),
        ("gateway-2", "10.12.0.2", 29),
    ]
    assert [(s.kind, s.secret_type, s.line) for s in model.secrets] == [
        ("isakmp-key", "encrypted", 24)
    ]
    tunnels = {i.name: i for i in model.interfaces if i.kind == "tunnel"}
    assert {n: (i.tunnel_mode, i.tunnel_destination) for n, i in tunnels.items()} == {
        "st0.2": ("ipsec", "10.12.0.2"),
        "st0.3": ("ipsec", "10.13.0.3"),
    }
    kinds = {i.name: i.kind for i in model.interfaces}
    assert kinds["fxp0.0"] == "management" and kinds["lo0.0"] == "loopback"
    http = model.service("http")
    assert [(s.enabled, s.interface, s.line) for s in http] == [(True, "fxp0.0", 17)]
    assert model.logging.command_logging  # file interactive-commands interactive-commands any
    assert model.features == ["deactivate protocols bgp group vpn"]
    # what is deactivated is not in effect: the vpn group's neighbors (108, 109) are no peers
    assert [(p.neighbor, p.remote_as, p.line) for p in model.routing_peers] == [
        ("10.12.0.2", "2", 113),
        ("10.13.0.3", "3", 114),
    ]


def test_no_clear_secret_anywhere_in_the_model() -> None:
    secrets = {
        "batfish_unit_juniper_passwords.cfg": [
            "SOMEPASSWORD",
            "$9$WU3xVsq.f36CO1XNdV2gQz39uBylvNdwmfF6",
            "$9$Bq4ErKY2oDiqTzRcyrMWZGDkfQCt0cyegoUiq.5T",
        ],
        "batfish_srx-testbed_junos-srx-1.cfg": [
            "$1$CXKwIUfL$6vLSvatE2TCaM25U4u9Bh1",
            "$9$/E6g9tO1IcSrvfTCu1hKv-VwgJD",
            "AAAAB3NzaC1yc2EAAAADAQABAAACAQDoDX9Sr8XU06Bpq9I0sQ7W02XJome7t7xL9isaBCEBKJuJQNqRE6pa0",
        ],
        "batfish_unit_juniper_snmp.cfg": ["dummycommunity"],
        "ciscoconfparse_sample_03.junos": ["school-ro"],
    }
    for name, values in secrets.items():
        dumped = json.dumps(parse(name).to_dict())
        for value in values:
            assert value not in dumped, (name, value)


def test_passwords_tacplus_servers() -> None:
    model = parse("batfish_unit_juniper_passwords.cfg")
    servers = [(s.protocol, s.address, s.line, s.key_type) for s in model.aaa.servers]
    assert servers == [("tacacs", "1.2.3.4", 5, "encrypted"), ("tacacs", "1.2.3.5", 7, "encrypted")]
    fingerprints = [s.key_fingerprint for s in model.aaa.servers]
    assert fingerprints[0] == fingerprint("$9$WU3xVsq.f36CO1XNdV2gQz39uBylvNdwmfF6")
    assert model.aaa.source_interfaces == {"tacacs": "2.2.2.2"}
    root = model.users[0]
    assert (root.name, root.is_admin, root.secret_type, root.line) == ("root", True, "unknown", 4)


def test_tacplus_port_and_scrubbed_secret() -> None:
    model = parse("batfish_unit_juniper_tacplus.cfg")
    assert [(s.address, s.port, s.key_type) for s in model.aaa.servers] == [
        ("1.2.3.4", 12345, "encrypted"),
        ("5.6.7.8", None, "unknown"),  # secret <SCRUBBED>
    ]
    # the TACACS group is applied to system, but its only statement uses the <*> wildcard
    assert model.aaa.source_interfaces == {"tacacs": "8.7.6.5"}


def test_snmp_communities_clients_and_trap_targets() -> None:
    model = parse("batfish_unit_juniper_snmp.cfg")
    [community] = model.snmp.communities
    digest = fingerprint("dummycommunity")
    assert (community.fingerprint, community.access, community.view, community.line) == (
        digest,
        "ro",
        "myviewname1",
        3,
    )
    # inline clients are real addresses; the client list is named but never defined
    assert community.acl == f"snmp-clients-{digest}"
    assert [(e.action, e.source, e.line) for e in model.acls[community.acl].entries] == [
        ("permit", "1.2.3.0/24", 6)
    ]
    assert sorted((u.acl, u.where) for u in model.acl_uses) == [
        ("bippetyboo", "snmp"),
        (f"snmp-clients-{digest}", "snmp"),
    ]
    assert [(h.address, h.version, h.line) for h in model.snmp.hosts] == [
        ("1.2.3.4", "2c", 23),
        ("2.3.4.5", "2c", 24),
    ]
    assert model.aaa.source_interfaces["snmp"] == "8.5.3.3"  # last trap-options source wins

    pybatfish = parse("pybatfish_snmp_juniper.cfg")
    [community] = pybatfish.snmp.communities
    assert (community.fingerprint, community.acl) == (fingerprint("COMM"), "SNMP_ACCESS_LIST")
    acl = pybatfish.acls["SNMP_ACCESS_LIST"]
    assert (acl.kind, [e.source for e in acl.entries]) == ("prefix", ["1.2.3.4/32"])

    brace = parse("ciscoconfparse_sample_03.junos")
    [community] = brace.snmp.communities
    assert (community.fingerprint, community.access, community.line) == (
        fingerprint("school-ro"),
        "ro",
        295,
    )
    assert [e.source for e in brace.acls[str(community.acl)].entries] == ["10.143.255.0/24"]
    assert [h.address for h in brace.snmp.hosts][:2] == ["10.143.255.2", "10.143.255.6"]
    assert len(brace.snmp.hosts) == 5


def test_syslog_hosts_and_command_logging() -> None:
    model = parse("batfish_unit_juniper_syslog.cfg")
    [host] = model.logging.hosts
    assert (host.address, host.port, host.line) == ("1.2.3.4", 1234, 74)
    assert model.logging.command_logging
    assert model.logging.trap_level == "notice"  # the last ``any`` level set for the host
    assert model.logging.source_interface == "5.6.7.8"
    assert model.logging.line == 4


def test_sample_01_brace_services_syslog_users() -> None:
    model = parse("ciscoconfparse_sample_01.junos")
    assert model.hostname == "TEST01_EX"
    users = {u.name: u for u in model.users}
    assert {n: (u.role, u.is_admin, u.secret_type, u.line) for n, u in users.items()} == {
        "root": ("super-user", True, "5", 11),
        "mpenning": ("super-user", True, "5", 20),
    }
    assert [(s.name, s.enabled, s.line) for s in model.services] == [
        ("ssh", True, 30),
        ("telnet", True, 33),
        ("http", True, 35),
    ]
    assert model.service("ssh")[0].options == {"root-login": "allow"}
    assert model.flags == {"ssh_root_login": True, "login_banner": True}
    assert model.logging.command_logging and model.logging.hosts == []
    assert [(s.address, s.line) for s in model.ntp.servers] == [("172.16.8.3", 52)]
    assert [(r.prefix, r.next_hop, r.line) for r in model.static_routes] == [
        ("0.0.0.0/0", "172.16.12.1", 113),
        ("192.168.36.0/25", "172.16.12.1", 114),
    ]
    vlan = next(i for i in model.interfaces if i.name == "vlan.0")
    assert (vlan.kind, vlan.addresses, vlan.line) == ("vlan", ["172.16.15.5/22"], 104)


def test_hierconfig_running_versus_generated() -> None:
    running = parse("hierconfig_junos_running.conf")
    generated = parse("hierconfig_junos_generated.conf")
    assert running.hostname == generated.hostname == "junos-router-01"
    assert [(s.name, s.line) for s in running.services] == [("ssh", 2), ("netconf", 3)]
    assert {i.name: i.shutdown for i in running.interfaces} == {
        "ge-0/0/0.0": False,
        "ge-0/0/1.0": False,
        "ge-0/0/2.0": True,  # ``ge-0/0/2 disable`` on the physical port
    }
    assert [i.name for i in generated.interfaces] == ["ge-0/0/0.0", "ge-0/0/1.0", "ge-0/0/3.0"]
    assert running.acls == {} and running.acl_uses == []
    acl = generated.acls["LAN-FILTER"]
    assert [(e.seq, e.action, e.source, e.line) for e in acl.entries] == [
        (1, "permit", "10.0.0.0/16", 16),
        (2, "deny", "any", 18),
    ]
    [use] = generated.acl_uses
    assert (use.acl, use.where, use.direction, use.owner) == (
        "LAN-FILTER",
        "interface",
        "in",
        "ge-0/0/1.0",
    )
    assert [r.prefix for r in generated.static_routes] == [
        "0.0.0.0/0",
        "10.10.0.0/16",
        "10.20.0.0/16",
    ]
    assert [s.address for s in generated.ntp.servers] == ["10.0.0.40", "10.0.0.41"]
    assert [(p.neighbor, p.remote_as) for p in generated.routing_peers] == [
        ("203.0.113.2", "64501"),
        ("203.0.113.6", "64502"),
    ]


def test_firewall_filter_terms_and_loopback_filter_is_mpp() -> None:
    model = parse("batfish_unit_juniper_firewall.cfg")
    blah = model.acls["blah"]
    assert blah.kind == "filter"
    # term blorp: 2 sources (the ``except`` one admits nobody) x 3 destinations
    blorp = [e for e in blah.entries if e.seq == 1]
    assert len(blorp) == 6
    assert {e.source for e in blorp} == {"2.4.6.8/30", "2.4.6.9/32"}
    assert {e.destination for e in blorp} == {"1.2.3.4/32", "1.2.3.5/32", "1.2.3.8/30"}
    assert {e.protocol for e in blorp} == {"pim"}
    assert [(e.source, e.line) for e in blah.entries if e.seq == 3] == [("1.2.3.4/32", 32)]
    [use] = model.acl_uses
    assert (use.acl, use.where, use.owner, use.line) == ("blah6", "mpp", "lo0.0", 47)


BRACE = """\
## Last commit: 2024-06-01 10:00:00 UTC by admin
version 21.4R3.15;
groups {
    HIDDEN {
        system {
            login {
                user backdoor {
                    class super-user;
                    authentication {
                        encrypted-password "$6$abc$def"; ## SECRET-DATA
                    }
                }
            }
        }
    }
}
apply-groups HIDDEN;
system {
    host-name edge1;
    login {
        class ops {
            permissions all;
        }
        user noc {
            class ops;
            authentication {
                encrypted-password "$1$x$y"; ## SECRET-DATA
                ssh-ed25519 "ssh-ed25519 AAAAC3Nz noc@host";
            }
        }
        user viewer {
            class read-only;
        }
    }
    services {
        ssh {
            root-login deny-password;
            port 22022;
            protocol-version v2;
            tcp-forwarding;
        }
        netconf {
            ssh {
                port 830;
            }
        }
        web-management {
            https {
                port 18443;
                interface [ fxp0.0 ge-0/0/0.0 ];
            }
        }
        outbound-ssh {
            client collector 203.0.113.50 port 2200;
        }
    }
    tacplus-server {
        198.51.100.9 {
            port 49;
            secret "$9$abcdefghij"; ## SECRET-DATA
            source-address 10.0.0.1;
        }
    }
    authentication-order [ tacplus password ];
    accounting {
        events [ login interactive-commands ];
        destination {
            tacplus {
                server {
                    198.51.100.9 secret "$9$zzz"; ## SECRET-DATA
                }
            }
        }
    }
    syslog {
        host 192.0.2.7 {
            any info;
            interactive-commands any;
            port 5514;
        }
    }
    ntp {
        authentication-key 5 type md5 value "$9$ntpkey"; ## SECRET-DATA
        server 192.0.2.123 key 5;
        trusted-key 5;
    }
    scripts {
        op {
            file collect.slax;
        }
    }
}
interfaces {
    gr-0/0/0 {
        unit 0 {
            tunnel {
                source 10.0.0.1;
                destination 203.0.113.77;
            }
            family inet {
                address 172.31.0.1/30;
            }
        }
    }
    lo0 {
        unit 0 {
            family inet {
                filter {
                    input PROTECT-RE;
                }
                address 10.0.0.1/32;
            }
        }
    }
}
firewall {
    family inet {
        filter PROTECT-RE {
            term MGMT {
                from {
                    source-address {
                        198.51.100.0/24;
                        203.0.113.50/32;
                    }
                    protocol tcp;
                    destination-port [ ssh 830 ];
                }
                then accept;
            }
            term REST {
                then {
                    discard;
                }
            }
        }
    }
}
snmp {
    community s3cr3t {
        authorization read-write;
        clients {
            0.0.0.0/0;
        }
    }
}
forwarding-options {
    analyzer TAP {
        input {
            ingress {
                interface ge-0/0/1.0;
            }
        }
        output {
            ip-address 203.0.113.99;
        }
    }
}
event-options {
    policy CLEAR {
        events ui_commit;
        then {
            execute-commands {
                commands {
                    "clear log messages";
                }
            }
        }
    }
}
protocols {
    bgp {
        group UPSTREAM {
            peer-as 64500;
            authentication-key "$9$bgpkey"; ## SECRET-DATA
            neighbor 203.0.113.1;
        }
    }
}
inactive: routing-options {
    static {
        route 0.0.0.0/0 next-hop 203.0.113.1;
    }
}
"""

SET = """\
set version 21.4R3.15
set groups HIDDEN system login user backdoor class super-user
set groups HIDDEN system login user backdoor authentication encrypted-password "$6$abc$def"
set apply-groups HIDDEN
set system host-name edge1
set system login class ops permissions all
set system login user noc class ops
set system login user noc authentication encrypted-password "$1$x$y"
set system login user noc authentication ssh-ed25519 "ssh-ed25519 AAAAC3Nz noc@host"
set system login user viewer class read-only
set system services ssh root-login deny-password
set system services ssh port 22022
set system services ssh protocol-version v2
set system services ssh tcp-forwarding
set system services netconf ssh port 830
set system services web-management https port 18443
set system services web-management https interface [ fxp0.0 ge-0/0/0.0 ]
set system services outbound-ssh client collector 203.0.113.50 port 2200
set system tacplus-server 198.51.100.9 port 49
set system tacplus-server 198.51.100.9 secret "$9$abcdefghij"
set system tacplus-server 198.51.100.9 source-address 10.0.0.1
set system authentication-order [ tacplus password ]
set system accounting events [ login interactive-commands ]
set system accounting destination tacplus server 198.51.100.9 secret "$9$zzz"
set system syslog host 192.0.2.7 any info
set system syslog host 192.0.2.7 interactive-commands any
set system syslog host 192.0.2.7 port 5514
set system ntp authentication-key 5 type md5 value "$9$ntpkey"
set system ntp server 192.0.2.123 key 5
set system ntp trusted-key 5
set system scripts op file collect.slax
set interfaces gr-0/0/0 unit 0 tunnel source 10.0.0.1
set interfaces gr-0/0/0 unit 0 tunnel destination 203.0.113.77
set interfaces gr-0/0/0 unit 0 family inet address 172.31.0.1/30
set interfaces lo0 unit 0 family inet filter input PROTECT-RE
set interfaces lo0 unit 0 family inet address 10.0.0.1/32
set firewall family inet filter PROTECT-RE term MGMT from source-address 198.51.100.0/24
set firewall family inet filter PROTECT-RE term MGMT from source-address 203.0.113.50/32
set firewall family inet filter PROTECT-RE term MGMT from protocol tcp
set firewall family inet filter PROTECT-RE term MGMT from destination-port [ ssh 830 ]
set firewall family inet filter PROTECT-RE term MGMT then accept
set firewall family inet filter PROTECT-RE term REST then discard
set snmp community s3cr3t authorization read-write
set snmp community s3cr3t clients 0.0.0.0/0
set forwarding-options analyzer TAP input ingress interface ge-0/0/1.0
set forwarding-options analyzer TAP output ip-address 203.0.113.99
set event-options policy CLEAR events ui_commit
set event-options policy CLEAR then execute-commands commands "clear log messages"
set protocols bgp group UPSTREAM peer-as 64500
set protocols bgp group UPSTREAM authentication-key "$9$bgpkey"
set protocols bgp group UPSTREAM neighbor 203.0.113.1
set routing-options static route 0.0.0.0/0 next-hop 203.0.113.1
deactivate routing-options
"""


def _without_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_lines(v)
            for k, v in value.items()
            if k not in ("line", "path", "lines_total")
        }
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def _crafted(text: str) -> DeviceConfig:
    return parse_crafted(text, "juniper_junos")


def test_brace_and_set_style_give_the_same_model() -> None:
    brace, flat = _crafted(BRACE), _crafted(SET)
    assert _without_lines(brace.to_dict()) == _without_lines(flat.to_dict())


def test_crafted_model_content() -> None:
    model = _crafted(BRACE)
    users = {u.name: u for u in model.users}
    # a user hidden in an applied group is read; a custom class with ``permissions all`` is admin
    assert {n: (u.role, u.is_admin, u.secret_type) for n, u in users.items()} == {
        "noc": ("ops", True, "5"),
        "viewer": ("read-only", False, "unknown"),
        "backdoor": ("super-user", True, "sha512"),
    }
    assert users["noc"].ssh_keys == 1 and users["noc"].line == 24
    ssh = model.service("ssh")[0]
    assert (ssh.port, ssh.options, ssh.line) == (
        22022,
        {"root-login": "deny-password", "version": "2"},
        36,
    )
    assert model.flags == {
        "ssh_root_login": "key-only",
        "ssh_version": "2",
        "ssh_tcp_forwarding": True,
    }
    assert [(s.name, s.port) for s in model.services] == [
        ("ssh", 22022),
        ("netconf", 830),
        ("https", 18443),
        ("outbound-ssh", 2200),
    ]
    assert model.service("https")[0].interface == "fxp0.0"
    assert model.service("outbound-ssh")[0].options == {
        "client": "collector",
        "address": "203.0.113.50",
    }
    [server] = [s for s in model.aaa.servers if s.group is None]
    assert (server.address, server.port, server.key_type) == ("198.51.100.9", 49, "encrypted")
    assert model.aaa.source_interfaces == {"tacacs": "10.0.0.1"}
    assert [(m.function, m.service, m.methods) for m in model.aaa.methods] == [
        ("authentication", "login", ["tacplus", "password"]),
        ("accounting", "exec", ["tacplus"]),
        ("accounting", "commands", ["tacplus"]),
    ]
    assert model.aaa.command_accounting
    assert [(h.address, h.port) for h in model.logging.hosts] == [("192.0.2.7", 5514)]
    assert model.logging.command_logging and model.logging.trap_level == "info"
    assert [(s.address, s.key) for s in model.ntp.servers] == [("192.0.2.123", 5)]
    assert model.ntp.authenticate
    assert sorted(s.kind for s in model.secrets) == ["bgp-password", "ntp-key"]
    [gre] = [i for i in model.interfaces if i.kind == "tunnel"]
    assert (gre.name, gre.tunnel_mode, gre.tunnel_source, gre.tunnel_destination) == (
        "gr-0/0/0.0",
        "gre",
        "10.0.0.1",
        "203.0.113.77",
    )
    entries = model.acls["PROTECT-RE"].entries
    assert [(e.action, e.source, e.protocol, e.destination_port) for e in entries] == [
        ("permit", "198.51.100.0/24", "tcp", "eq ssh, eq 830"),
        ("permit", "203.0.113.50/32", "tcp", "eq ssh, eq 830"),
        ("deny", "any", None, None),
    ]
    assert [(u.acl, u.where, u.owner) for u in model.acl_uses] == [
        ("PROTECT-RE", "mpp", "lo0.0"),
        (f"snmp-clients-{fingerprint('s3cr3t')}", "snmp", fingerprint("s3cr3t")),
    ]
    [community] = model.snmp.communities
    assert community.access == "rw"
    assert [e.source for e in model.acls[str(community.acl)].entries] == ["any"]
    [capture] = model.captures
    assert (capture.kind, capture.name, capture.source, capture.destination) == (
        "erspan",
        "TAP",
        "ge-0/0/1.0",
        "203.0.113.99",
    )
    assert [(a.kind, a.name, a.actions) for a in model.automation] == [
        ("op-script", "collect.slax", []),
        ("event-options", "CLEAR", ["clear log messages"]),
    ]
    [peer] = model.routing_peers
    assert (peer.neighbor, peer.remote_as, peer.authenticated) == ("203.0.113.1", "64500", True)
    assert model.features == ["deactivate routing-options"]
    assert model.static_routes == []  # noted, and not in effect
    dumped = json.dumps(model.to_dict())
    for secret in ("$6$abc$def", "$1$x$y", "$9$abcdefghij", "$9$ntpkey", "s3cr3t", "AAAAC3Nz"):
        assert secret not in dumped


def test_unknown_top_levels_and_verbs_stay_unknown() -> None:
    text = "set system host-name r1\nset frobnicate everything\nfrob system x\n"
    parsed = parse_config_text(text, "x", "juniper_junos")
    assert parsed.model is not None and parsed.model.unknown_lines == [2, 3]
    brace = "system {\n    host-name r2;\n}\nbogus {\n    thing 1;\n}\n"
    parsed = parse_config_text(brace, "x", "juniper_junos")
    assert parsed.model is not None and parsed.model.hostname == "r2"
    assert parsed.model.unknown_lines == [4, 5]


def test_trailing_secret_data_comment_is_not_a_statement() -> None:
    tree = brace_tree('root-authentication {\n    encrypted-password "$1$a$b"; ## SECRET-DATA\n}\n')
    assert [s.words for s in flatten(tree)] == [
        ("root-authentication", "encrypted-password", "$1$a$b")
    ]
