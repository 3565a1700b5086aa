"""FortiOS parser: corpus files with exact unknown-line counts and content read from them, and a
crafted FortiGate with management exposed per interface on non-default ports."""

from __future__ import annotations

import json

import pytest
from config_corpus import CONFIGS, assert_table_covers, assert_unknown_lines, parse_file, parse_text

from seawall.records.config import DeviceConfig, fingerprint
from seawall.sources.configs import parse_config_text

FORTIOS = CONFIGS / "fortinet_fortios"

# file -> (unknown lines, hostname)
CORPUS = {
    "batfish_fortios_address.cfg": (0, "address"),
    "batfish_fortios_firewall_policy.cfg": (0, "firewall_policy"),
    "batfish_fortios_fortios_ignored.cfg": (0, "ignored"),
    "batfish_fortios_service_custom.cfg": (0, "service_custom"),
    "hierconfig_fortios_generated.conf": (0, "fortios-fw-01"),
    "hierconfig_fortios_running.conf": (0, "fortios-fw-01"),
}


def parse(name: str) -> DeviceConfig:
    return parse_file(FORTIOS / name, "fortinet_fortios")


def test_table_covers_the_folder() -> None:
    assert_table_covers(FORTIOS, CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_file_unknown_lines_and_hostname(name: str) -> None:
    model = parse(name)
    unknown, hostname = CORPUS[name]
    assert_unknown_lines(model, unknown)
    assert model.hostname == hostname
    assert (model.vendor, model.os) == ("Fortinet", "FortiOS")


def test_admin_accprofile_and_api_user_trusthost() -> None:
    model = parse("batfish_fortios_fortios_ignored.cfg")
    users = {u.name: (u.role, u.is_admin, u.secret_type, u.line) for u in model.users}
    assert users == {
        "admin": ("super_admin", True, "unknown", 37),
        "monitoring": ("monitoring", False, "encrypted", 298),  # api-user, api-key ENC
    }
    acl = model.acls["trusthost monitoring"]
    assert [(e.source, e.line) for e in acl.entries] == [("1.2.3.4/32", 304)]
    assert [(u.acl, u.where, u.owner) for u in model.acl_uses] == [
        ("trusthost monitoring", "mpp", "monitoring")
    ]


def test_allowaccess_interfaces_routes_without_end_lines() -> None:
    # hier_config fixtures leave every ``config`` block open: a ``config`` at column 0 starts
    # a new top-level block instead of nesting in the previous one
    running = parse("hierconfig_fortios_running.conf")
    assert [(s.name, s.interface, s.line) for s in running.services] == [
        ("https", "wan1", 7),
        ("ssh", "wan1", 7),  # ping is not a management service
    ]
    assert [(i.name, i.addresses, i.shutdown, i.line) for i in running.interfaces] == [
        ("wan1", ["203.0.113.1/30"], False, 4),
        ("lan1", ["10.1.1.1/24"], False, 9),
        ("lan2", ["10.2.2.1/24"], True, 13),
    ]
    assert [(r.prefix, r.next_hop, r.interface, r.line) for r in running.static_routes] == [
        ("0.0.0.0/0", "203.0.113.2", "wan1", 19),
        ("10.10.0.0/16", "10.1.1.254", "lan1", 24),
    ]
    generated = parse("hierconfig_fortios_generated.conf")
    assert [i.name for i in generated.interfaces] == ["wan1", "lan1", "lan3"]
    assert len(generated.static_routes) == 3


def test_interface_addresses_in_both_notations() -> None:
    model = parse("batfish_fortios_address.cfg")
    assert [(i.name, i.addresses, i.kind) for i in model.interfaces] == [
        ("port1", ["1.1.1.1/24"], "physical"),
        ("port2", ["2.1.1.1/24"], "physical"),
    ]
    policy = parse("batfish_fortios_firewall_policy.cfg")
    assert [i.addresses[0] for i in policy.interfaces] == [f"10.0.{n}.1/24" for n in range(1, 6)]


CRAFTED = """\
#config-version=FGT60E-6.4.5-FW-build1828-210217:opmode=0:vdom=0:user=admin
#conf_file_ver=123456789
#buildno=1828
config system global
    set hostname "FGT-EDGE"
    set admin-sport 18443
    set admin-ssh-port 22222
    set admin-telnet disable
    set pre-login-banner enable
end
config system admin
    edit "admin"
        set accprofile "super_admin"
        set vdom "root"
        set trusthost1 198.51.100.0 255.255.255.0
        set password ENC SH2abcdef0123456789
    next
    edit "helper"
        set accprofile "super_admin"
        set password ENC SH2zzzz
        set ssh-public-key1 "ssh-rsa AAAAB3Nza helper@x"
    next
    edit "readonly"
        set accprofile "prof_admin"
    next
end
config system interface
    edit "wan1"
        set vdom "root"
        set ip 203.0.113.2 255.255.255.0
        set allowaccess ping https ssh http telnet fgfm
        set type physical
    next
    edit "lan"
        set ip 10.0.0.1/24
        set allowaccess ping https ssh
        append allowaccess snmp
    next
    edit "to-hq"
        set type tunnel
        set interface "wan1"
    next
end
config system snmp community
    edit 1
        set name "c0mmunity"
        config hosts
            edit 1
                set ip 10.0.0.50 255.255.255.255
            next
        end
    next
end
config log syslogd setting
    set status enable
    set server "192.0.2.55"
    set port 5140
end
config system ntp
    set ntpsync enable
    set type custom
    config ntpserver
        edit 1
            set server "192.0.2.123"
            set authentication enable
            set key-id 7
        next
    end
end
config system tacacs+
    edit "TAC"
        set server "192.0.2.49"
        set key ENC abcdEFGH
    next
end
config vpn ipsec phase1-interface
    edit "to-hq"
        set interface "wan1"
        set remote-gw 198.51.100.200
        set psksecret ENC qwertyuiop
    next
end
config router static
    edit 1
        set gateway 203.0.113.1
        set device "wan1"
    next
    edit 2
        set dst 10.50.0.0 255.255.0.0
        set device "to-hq"
    next
end
config system automation-action
    edit "wipe-logs"
        set action-type cli-script
        set script "execute log delete-all"
    next
end
config bogus thing
    set x y
end
"""


def _crafted() -> DeviceConfig:
    return parse_text(CRAFTED, "fortinet_fortios")


def test_crafted_header_admins_and_trusthosts() -> None:
    model = _crafted()
    assert (model.hostname, model.version, model.platform) == ("FGT-EDGE", "6.4.5", "FGT60E")
    assert model.unknown_lines == [99, 100]  # ``config bogus thing`` and its statement
    users = {u.name: (u.role, u.is_admin, u.secret_type, u.ssh_keys) for u in model.users}
    assert users == {
        "admin": ("super_admin", True, "encrypted", 0),
        "helper": ("super_admin", True, "encrypted", 1),
        "readonly": ("prof_admin", False, "unknown", 0),
    }
    assert [u.line for u in model.users] == [12, 18, 23]
    assert [e.source for e in model.acls["trusthost admin"].entries] == ["198.51.100.0/24"]
    assert model.flags == {"login_banner": True}


def test_crafted_services_per_interface_with_global_ports() -> None:
    model = _crafted()
    services = [(s.name, s.interface, s.port, s.enabled) for s in model.services]
    assert services == [
        ("telnet", None, None, False),  # set admin-telnet disable (global switch)
        ("https", "wan1", 18443, True),
        ("ssh", "wan1", 22222, True),
        ("http", "wan1", None, True),
        ("telnet", "wan1", None, True),
        ("fgfm", "wan1", None, True),
        ("https", "lan", 18443, True),
        ("ssh", "lan", 22222, True),
        ("snmp", "lan", None, True),  # ``append allowaccess``
        ("https", None, 18443, True),
        ("ssh", None, 22222, True),
    ]
    assert [s.options for s in model.services[-2:]] == [{"scope": "global"}] * 2


def test_crafted_snmp_logging_ntp_aaa_vpn_routes_automation() -> None:
    model = _crafted()
    [community] = model.snmp.communities
    digest = fingerprint("c0mmunity")
    assert (community.fingerprint, community.access, community.acl) == (
        digest,
        "ro",
        f"snmp-community-{digest}",
    )
    assert [e.source for e in model.acls[str(community.acl)].entries] == ["10.0.0.50/32"]
    assert [(h.address, h.port) for h in model.logging.hosts] == [("192.0.2.55", 5140)]
    assert [(s.address, s.key) for s in model.ntp.servers] == [("192.0.2.123", 7)]
    assert model.ntp.authenticate
    [server] = model.aaa.servers
    assert (server.protocol, server.address, server.name, server.key_type) == (
        "tacacs",
        "192.0.2.49",
        "TAC",
        "encrypted",
    )
    assert [(p.address, p.name) for p in model.crypto_peers] == [("198.51.100.200", "to-hq")]
    tunnel = next(i for i in model.interfaces if i.name == "to-hq")
    assert (tunnel.kind, tunnel.tunnel_destination, tunnel.tunnel_source) == (
        "tunnel",
        "198.51.100.200",
        "wan1",
    )
    assert [(r.prefix, r.next_hop, r.interface) for r in model.static_routes] == [
        ("0.0.0.0/0", "203.0.113.1", "wan1"),
        ("10.50.0.0/16", None, "to-hq"),
    ]
    assert [(a.kind, a.name, a.actions) for a in model.automation] == [
        ("automation-stitch", "wipe-logs", ["execute log delete-all"])
    ]
    assert [(s.kind, s.secret_type) for s in model.secrets] == [("isakmp-key", "encrypted")]
    dumped = json.dumps(model.to_dict())
    for secret in ("SH2abcdef", "c0mmunity", "abcdEFGH", "qwertyuiop", "AAAAB3Nza"):
        assert secret not in dumped


def test_vdom_wrappers_are_stripped() -> None:
    text = (
        "config vdom\nedit root\nconfig system interface\nedit port1\n"
        "set allowaccess ssh\nnext\nend\nnext\nend\n"
        "config global\nconfig system global\nset hostname vd\nend\nend\n"
    )
    parsed = parse_config_text(text, "x", "fortinet_fortios")
    assert parsed.model is not None and parsed.model.unknown_lines == []
    assert parsed.model.hostname == "vd"
    assert [(s.name, s.interface) for s in parsed.model.services] == [("ssh", "port1")]
