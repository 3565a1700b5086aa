"""Cisco ASA parser: every corpus file, the model read from real files (per-interface SSH and
ASDM access, one-line ACLs and their bindings), and crafted ASA statements."""

from __future__ import annotations

import json

import pytest
from config_corpus import CONFIGS, assert_table_covers, assert_unknown_lines, parse_file

from seawall.records.config import DeviceConfig
from seawall.sources.configs import parse_config_text

FOLDER = CONFIGS / "cisco_asa"

UNKNOWN_LINES = {
    "batfish_unit_asa_acl.cfg": 0,
    "batfish_unit_asa_nat.cfg": 0,
    "batfish_unit_asa_object_groups.cfg": 0,
    "batfish_unit_asa_ssh.cfg": 0,
    "ciscoconfparse_sample_01.asa": 0,
}


def parse(name: str) -> DeviceConfig:
    return parse_file(FOLDER / name, "cisco_asa", detect=True)


def test_table_covers_the_folder() -> None:
    assert_table_covers(FOLDER, UNKNOWN_LINES)


@pytest.mark.parametrize("name", sorted(UNKNOWN_LINES))
def test_corpus_file_parses(name: str) -> None:
    model = parse(name)
    assert (model.vendor, model.os) == ("Cisco", "ASA")
    assert_unknown_lines(model, UNKNOWN_LINES[name])


def test_ssh_per_interface() -> None:
    model = parse("batfish_unit_asa_ssh.cfg")
    assert [(s.name, s.interface, s.options, s.line) for s in model.services] == [
        ("ssh", "inside", {"allowed": "1.2.3.0/24"}, 5),
        ("ssh", "mgmt", {"allowed": "1.2.3.0/24"}, 6),
    ]


def test_acl_entries_with_objects_and_netmasks() -> None:
    acls = parse("batfish_unit_asa_acl.cfg").acls
    (tftp,) = acls["outside_in"].entries
    assert (tftp.protocol, tftp.source, tftp.destination, tftp.destination_port) == (
        "udp",
        "any",
        "1.2.3.4/32",
        "eq tftp",
    )
    assert (acls["Local_LAN_Access"].kind, acls["Local_LAN_Access"].entries[0].source) == (
        "standard",
        "0.0.0.0/32",
    )
    remark, https = acls["outside"].entries
    assert remark.action == "remark"
    assert (https.source, https.destination, https.destination_port) == (
        "drawbridge_hosts",
        "outside",
        "eq https",
    )
    assert len(acls["inline_specifiers"].entries) == 20
    assert acls["inline_specifiers"].entries[-1].protocol == "ospf"
    (server,) = parse("batfish_unit_asa_object_groups.cfg").acls["ALLOW_SERVER02"].entries
    assert (server.protocol, server.source, server.destination) == ("tcp", "any", "server02")


def test_real_asa() -> None:
    model = parse("ciscoconfparse_sample_01.asa")
    assert (model.hostname, model.version) == ("fw", "9.0(3)")
    assert [(u.name, u.privilege, u.secret_type, u.is_admin) for u in model.users] == [
        ("mpenning", 15, "5", True)
    ]
    assert [(s.kind, s.secret_type, s.owner) for s in model.secrets] == [
        ("enable", "5", None),
        ("login", "5", "passwd"),  # the Telnet/SSH login password
    ]
    # ``telnet|ssh|console timeout N``: idle timeouts of the admin sessions, in minutes
    sessions = [(x.name, x.kind, x.exec_timeout_seconds, x.line) for x in model.lines]
    assert sessions == [
        ("telnet", "vty", 300, 339),
        ("ssh", "vty", 3600, 343),
        ("console", "console", 300, 345),
    ]
    services = [(s.name, s.interface, s.options.get("allowed"), s.line) for s in model.services]
    assert services == [
        ("https", None, None, 325),  # http server enable: ASDM
        ("https", "INSIDE", "192.0.2.0/24", 326),
        ("scp", None, None, 340),
        ("ssh", "INSIDE", "192.0.2.0/24", 341),
        ("ssh", "INSIDE", "10.0.0.0/8", 342),
    ]
    assert model.flags["ssh_version"] == "2"
    assert [(u.acl, u.direction, u.owner) for u in model.acl_uses] == [
        ("OUTSIDE_in", "in", "OUTSIDE"),
        ("INSIDE_in", "in", "INSIDE"),
    ]
    by_name = {i.name: i for i in model.interfaces}
    assert by_name["Vlan100"].access_groups == {"in": "OUTSIDE_in"}
    assert by_name["Vlan200"].addresses == ["192.0.2.1/24"]
    split = model.acls["SPLIT_TUNNEL_NETS"]
    assert (split.kind, [e.action for e in split.entries]) == ("standard", ["remark", "permit"])
    inside = model.acls["INSIDE_in"].entries
    assert len(inside) == 13
    assert (inside[0].action, inside[0].protocol, inside[0].source, inside[0].destination) == (
        "deny",
        "skype_svc",
        "INSIDE_addrs",
        "ANY_addrs",
    )
    assert inside[-1].source == inside[-1].destination == "any"  # any4
    assert [(h.address, h.line) for h in model.logging.hosts] == [("Machine01", 291)]
    assert (model.logging.timestamps, model.logging.trap_level) == (True, "informational")
    assert [(h.address, h.line) for h in model.snmp.hosts] == [("Machine01", 327)]
    assert "public" not in json.dumps(model.to_dict())
    assert [m.service for m in model.aaa.methods] == ["ssh", "enable", "http", "commands"]
    assert [(r.prefix, r.interface, r.next_hop) for r in model.static_routes] == [
        ("10.0.0.0/8", "INSIDE", "192.0.2.2")
    ]
    assert [(b.image, b.line) for b in model.boot_images] == [("disk0:/asa903-k8.bin", 88)]
    assert len(model.ntp.servers) == 4


CRAFTED = """\
: Saved
ASA Version 9.16(4)
hostname fw2
enable password $sha512$5000$abc pbkdf2
username admin password $sha512$5000$xyz pbkdf2 privilege 15
username admin attributes
 service-type admin
 ssh authentication publickey AAAAB3
interface GigabitEthernet0/0
 nameif outside
 security-level 0
 ip address 198.51.100.2 255.255.255.0
interface Management0/0
 management-only
 nameif mgmt
 ip address 10.1.1.1 255.255.255.0
object-group service SSH_PORTS tcp
 port-object eq ssh
access-list OUT extended permit tcp 45.77.0.0 255.255.0.0 any object-group SSH_PORTS
access-group OUT in interface outside
telnet 0.0.0.0 0.0.0.0 outside
ssh 0.0.0.0 0.0.0.0 outside
http server enable 8443
aaa-server TAC protocol tacacs+
aaa-server TAC (mgmt) host 10.1.1.50
 key tackey
aaa accounting command privilege 15 TAC
tunnel-group 203.0.113.5 type ipsec-l2l
tunnel-group 203.0.113.5 ipsec-attributes
 ikev1 pre-shared-key *****
crypto map OUTMAP 10 set peer 203.0.113.5
capture CAP interface mgmt match tcp any any eq 49
logging host mgmt 10.1.1.60 tcp/1470
no logging enable
tftp-server mgmt 10.1.1.70 /configs/fw2.cfg
Cryptochecksum:0123abcd
: end
"""


def test_crafted_asa() -> None:
    model = parse_config_text(CRAFTED, "fw2.cfg").model
    assert model is not None and model.dialect == "cisco_asa"
    assert model.unknown_lines == []
    (admin,) = model.users
    assert (admin.secret_type, admin.role, admin.ssh_keys, admin.is_admin) == (
        "8",
        "admin",
        1,
        True,
    )
    assert [(s.name, s.interface, s.port, s.options) for s in model.services] == [
        ("telnet", "outside", None, {"allowed": "0.0.0.0/0"}),
        ("ssh", "outside", None, {"allowed": "0.0.0.0/0"}),
        ("https", None, 8443, {}),
    ]
    entry = model.acls["OUT"].entries[0]
    assert (entry.source, entry.destination, entry.destination_port) == (
        "45.77.0.0/16",
        "any",
        "object-group SSH_PORTS",
    )
    outside, mgmt = model.interfaces
    assert (outside.access_groups, mgmt.kind) == ({"in": "OUT"}, "management")
    (server,) = model.aaa.servers
    assert (server.protocol, server.address, server.group, server.key_type) == (
        "tacacs",
        "10.1.1.50",
        "TAC",
        "plain",
    )
    assert model.aaa.command_accounting and model.aaa.methods[0].level == 15
    assert [(p.address, p.kind) for p in model.crypto_peers] == [
        ("203.0.113.5", "isakmp"),
        ("203.0.113.5", "crypto-map"),
    ]
    assert [(s.kind, s.secret_type) for s in model.secrets if s.kind == "isakmp-key"] == [
        ("isakmp-key", "unknown")  # shown as ***** by show running-config
    ]
    (capture,) = model.captures
    assert (capture.kind, capture.source, capture.filter) == (
        "monitor-capture",
        "mgmt",
        "match tcp any any eq 49",
    )
    (host,) = model.logging.hosts
    assert (host.address, host.transport, host.port, model.logging.disabled) == (
        "10.1.1.60",
        "tcp",
        1470,
        True,
    )
    assert [(t.url, t.kind) for t in model.archive_targets] == [
        ("tftp://10.1.1.70/configs/fw2.cfg", "tftp")
    ]
    assert "tackey" not in json.dumps(model.to_dict())
