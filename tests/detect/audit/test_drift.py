"""Drift on crafted model pairs: every change kind, its subject and the lines on both sides."""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.detect.audit.drift import diff_configs, is_external, management_acls
from seawall.records.config import (
    CHANGE_KINDS,
    Aaa,
    AaaMethod,
    AaaServer,
    Acl,
    AclEntry,
    AclUse,
    ArchiveTarget,
    Automation,
    BootImage,
    Capture,
    ConfigChange,
    Container,
    CryptoPeer,
    DeviceConfig,
    Interface,
    Line,
    LocalUser,
    Logging,
    LogHost,
    Ntp,
    NtpServer,
    PolicyRoute,
    RoutingPeer,
    Service,
    Snmp,
    SnmpCommunity,
    SnmpUser,
    StaticRoute,
    fingerprint,
)
from seawall.sources.configs import PARSERS, parse_config_file


def base_model() -> DeviceConfig:
    """A plausible IOS XE router; line numbers are arbitrary but distinct."""
    model = DeviceConfig(
        path="r1.cfg", dialect="cisco_ios", hostname="r1", vendor="Cisco", os="IOS XE"
    )
    model.version = "17.9"
    model.users = [
        LocalUser(
            "netops",
            10,
            privilege=15,
            secret_type="9",
            is_admin=True,
            secret_fingerprint="aaaaaaaaaaaa",
        ),
        LocalUser("viewer", 11, privilege=1, secret_type="9", secret_fingerprint="bbbbbbbbbbbb"),
    ]
    model.aaa = Aaa(
        new_model=True,
        methods=[
            AaaMethod("authentication", "login", "default", ["group", "tacacs+", "local"], 20),
            AaaMethod("authorization", "exec", "default", ["group", "tacacs+", "local"], 21),
            AaaMethod(
                "accounting",
                "commands",
                "default",
                ["start-stop", "group", "tacacs+"],
                22,
                level=15,
            ),
        ],
        servers=[
            AaaServer(
                "tacacs", "10.1.1.10", 25, name="TAC1", key_type="6", key_fingerprint="k1k1k1k1k1k1"
            ),
        ],
        source_interfaces={"tacacs": "Loopback0"},
    )
    model.acls = {
        "20": Acl(
            "20",
            30,
            "standard",
            [
                AclEntry(
                    "permit",
                    31,
                    seq=10,
                    source="10.10.0.0/16",
                    text="10 permit 10.10.0.0 0.0.255.255",
                ),
                AclEntry("deny", 32, seq=20, text="20 deny any log"),
            ],
        ),
        "EDGE-IN": Acl(
            "EDGE-IN",
            35,
            "extended",
            [
                AclEntry(
                    "permit",
                    36,
                    protocol="tcp",
                    source="any",
                    destination="192.0.2.0/24",
                    destination_port="eq 443",
                    text="permit tcp any 192.0.2.0 0.0.0.255 eq 443",
                ),
            ],
        ),
    }
    model.acl_uses = [
        AclUse("20", "vty", 40, direction="in", owner="vty 0 4"),
        AclUse("EDGE-IN", "interface", 51, direction="in", owner="GigabitEthernet1"),
    ]
    model.lines = [Line("vty 0 4", "vty", 40, access_class_in="20", transport_input=["ssh"])]
    model.interfaces = [
        Interface("Loopback0", "loopback", 45, addresses=["10.255.0.1/32"]),
        Interface(
            "GigabitEthernet1",
            "physical",
            50,
            addresses=["192.0.2.1/24"],
            access_groups={"in": "EDGE-IN"},
        ),
        Interface("Tunnel10", "tunnel", 55, tunnel_mode="gre ip", tunnel_destination="10.2.2.2"),
    ]
    model.crypto_peers = [CryptoPeer("10.3.3.3", "isakmp", 60)]
    model.services = [Service("http", False, 65), Service("ssh", True, 66)]
    model.snmp = Snmp(
        communities=[SnmpCommunity("c0ffee000001", "ro", 70, acl="20")],
        users=[SnmpUser("mon", 71, group="G", auth="sha", priv="aes 128")],
    )
    model.logging = Logging(
        hosts=[LogHost("10.5.5.5", 75)],
        trap_level="informational",
        command_logging=True,
        notify_syslog=True,
        line=74,
    )
    model.ntp = Ntp(servers=[NtpServer("10.6.6.6", 80)])
    model.static_routes = [StaticRoute("0.0.0.0/0", 85, next_hop="192.0.2.254")]
    model.routing_peers = [RoutingPeer("bgp", "192.0.2.2", 90, remote_as="65001")]
    model.boot_images = [BootImage("bootflash:cat9k_iosxe.17.09.04a.SPA.bin", 5)]
    model.archive_targets = [ArchiveTarget("scp://backup.example.net/r1", 95)]
    model.automation = [Automation("eem", "BACKUP", 100, actions=["show run"])]
    model.text = {
        45: "interface Loopback0",
        74: "logging buffered 64000",
        76: "logging trap informational",
        77: "ip tacacs source-interface Loopback0",
    }
    return model


Mutation = Callable[[DeviceConfig], None]
# (name, mutation of the "after" copy, [(kind, subject, line_before, line_after), ...])
Case = tuple[str, Mutation, list[tuple[str, str, int | None, int | None]]]


def _external_permit(m: DeviceConfig) -> None:
    m.acls["20"].entries.insert(
        1, AclEntry("permit", 120, seq=15, source="203.0.113.7/32", text="15 permit 203.0.113.7")
    )


def _private_permit(m: DeviceConfig) -> None:
    m.acls["20"].entries.insert(
        1,
        AclEntry(
            "permit", 120, seq=15, source="10.20.0.0/16", text="15 permit 10.20.0.0 0.0.255.255"
        ),
    )


def _new_mgmt_acl(m: DeviceConfig) -> None:
    m.acls["50"] = Acl(
        "50",
        130,
        "standard",
        [
            AclEntry("permit", 131, source="198.51.100.0/24", text="permit 198.51.100.0 0.0.0.255"),
            AclEntry("permit", 132, source="10.0.0.0/8", text="permit 10.0.0.0 0.255.255.255"),
        ],
    )
    m.lines[0].access_class_in = "50"
    m.lines[0].line = 133
    m.acl_uses[0] = AclUse("50", "vty", 133, direction="in", owner="vty 0 4")


def _remove_acl_still_used(m: DeviceConfig) -> None:
    del m.acls["EDGE-IN"]


def _remove_entry(m: DeviceConfig) -> None:
    m.acls["EDGE-IN"].entries.clear()


def _binding_added(m: DeviceConfig) -> None:
    m.interfaces[1].access_groups["out"] = "EDGE-OUT"
    m.acl_uses.append(
        AclUse("EDGE-OUT", "interface", 52, direction="out", owner="GigabitEthernet1")
    )


def _binding_removed(m: DeviceConfig) -> None:
    m.interfaces[1].access_groups.clear()
    m.acl_uses.pop(1)


def _binding_changed(m: DeviceConfig) -> None:
    m.interfaces[1].access_groups["in"] = "OTHER"
    m.acl_uses[1] = AclUse("OTHER", "interface", 53, direction="in", owner="GigabitEthernet1")


def _vty_ac_removed(m: DeviceConfig) -> None:
    m.lines[0].access_class_in = None
    m.acl_uses.pop(0)


def _transport(m: DeviceConfig) -> None:
    m.lines[0].transport_input = ["telnet", "ssh"]


def _rotary(m: DeviceConfig) -> None:
    m.lines[0].rotary = 1


def _new_vty_without_class(m: DeviceConfig) -> None:
    m.lines.append(Line("vty 5 15", "vty", 140))


def _users(m: DeviceConfig) -> None:
    m.users.append(LocalUser("cisco_support", 150, privilege=15, secret_type="5", is_admin=True))
    m.users.append(LocalUser("guest", 151, privilege=1, secret_type="9"))
    m.users = [u for u in m.users if u.name != "netops"] + [
        LocalUser(
            "netops",
            12,
            privilege=15,
            secret_type="9",
            is_admin=True,
            secret_fingerprint="cccccccccccc",
            ssh_keys=1,
        )
    ]
    m.users = [u for u in m.users if u.name != "viewer"]


def _raise(m: DeviceConfig) -> None:
    m.users[1] = LocalUser(
        "viewer",
        11,
        privilege=15,
        secret_type="7",
        is_admin=True,
        secret_fingerprint="bbbbbbbbbbbb",
    )


def _tunnels(m: DeviceConfig) -> None:
    m.interfaces[2] = Interface(
        "Tunnel10", "tunnel", 55, tunnel_mode="gre ip", tunnel_destination="203.0.113.50"
    )
    m.interfaces.append(
        Interface(
            "Tunnel99",
            "tunnel",
            160,
            tunnel_mode="gre multipoint",
            tunnel_destination="198.51.100.9",
        )
    )


def _tunnel_removed(m: DeviceConfig) -> None:
    m.interfaces.pop(2)


def _crypto(m: DeviceConfig) -> None:
    m.crypto_peers.append(CryptoPeer("203.0.113.60", "isakmp", 165))


def _aaa_servers(m: DeviceConfig) -> None:
    m.aaa.servers = [
        AaaServer(
            "tacacs", "203.0.113.49", 25, name="TAC1", key_type="7", key_fingerprint="k2k2k2k2k2k2"
        ),
        AaaServer("radius", "203.0.113.48", 170),
    ]


def _aaa_server_removed(m: DeviceConfig) -> None:
    m.aaa.servers = []


def _aaa_weakened(m: DeviceConfig) -> None:
    m.aaa.methods[0] = AaaMethod("authentication", "login", "default", ["local"], 20)
    m.aaa.methods[1] = AaaMethod("authorization", "exec", "default", ["none"], 21)
    del m.aaa.methods[2]


def _no_new_model(m: DeviceConfig) -> None:
    m.aaa.new_model = None
    m.text[19] = "no aaa new-model"


def _logging(m: DeviceConfig) -> None:
    m.logging.hosts = [LogHost("203.0.113.77", 175)]
    m.logging.trap_level = "warnings"
    m.logging.command_logging = False
    m.logging.notify_syslog = False
    m.logging.disabled = True
    m.logging.discriminators = ["DROPAAA"]
    m.text[76] = "logging trap warnings"
    m.text[177] = "logging discriminator DROPAAA mnemonics drops CMD"
    m.text[178] = "no logging on"


def _ntp(m: DeviceConfig) -> None:
    m.ntp.servers = [NtpServer("203.0.113.123", 180)]


def _loopbacks(m: DeviceConfig) -> None:
    m.interfaces[0] = Interface("Loopback0", "loopback", 45, addresses=["10.255.9.9/32"])
    m.interfaces.append(Interface("Loopback77", "loopback", 185, addresses=["10.77.0.1/32"]))


def _source_interface(m: DeviceConfig) -> None:
    m.aaa.source_interfaces = {"tacacs": "Loopback77", "ssh": "Loopback77"}
    m.text[186] = "ip tacacs source-interface Loopback77"
    m.text[187] = "ip ssh source-interface Loopback77"
    m.text.pop(77)


def _capture(m: DeviceConfig) -> None:
    m.captures.append(Capture("monitor-capture", "CAP", 190, filter="TACACS"))
    m.captures.append(Capture("erspan", "1", 191, destination="203.0.113.90"))


def _ssh_port(m: DeviceConfig) -> None:
    m.services.append(Service("ssh", True, 195, port=22122, options={"rotary": "1"}))


def _services(m: DeviceConfig) -> None:
    m.services = [
        Service("http", True, 65),
        Service("ssh", False, 66),
        Service("smart-install", True, 196),
    ]


def _snmp(m: DeviceConfig) -> None:
    m.snmp.communities = [SnmpCommunity("deadbeef0002", "rw", 200)]
    m.snmp.users.append(SnmpUser("backdoor", 201, group="G", auth=None, priv=None))


def _snmp_ro_added(m: DeviceConfig) -> None:
    m.snmp.communities.append(SnmpCommunity("0123456789ab", "ro", 202, acl="20"))


def _snmp_rw(m: DeviceConfig) -> None:
    m.snmp.communities = [SnmpCommunity("c0ffee000001", "rw", 70, acl="20")]


def _container(m: DeviceConfig) -> None:
    m.containers.append(Container("guestshell", "guestshell", 205))


def _automation(m: DeviceConfig) -> None:
    m.automation = [
        Automation("eem", "BACKUP", 100, actions=["show run", "clear logging"]),
        Automation("kron", "NIGHTLY", 210, actions=["copy run tftp://203.0.113.5/x"]),
    ]


def _routes(m: DeviceConfig) -> None:
    m.static_routes = [StaticRoute("198.51.100.0/24", 215, interface="Tunnel99")]
    m.policy_routes = [PolicyRoute("LI-DIVERT", 216, next_hop="203.0.113.50")]
    m.interfaces[1].policy_route_map = "LI-DIVERT"
    m.text[50] = "interface GigabitEthernet1"
    m.text[51] = " ip policy route-map LI-DIVERT"
    m.routing_peers = [RoutingPeer("bgp", "198.51.100.2", 218, remote_as="64999")]


def _identity(m: DeviceConfig) -> None:
    m.boot_images = [BootImage("bootflash:evil.bin", 6)]
    m.archive_targets.append(ArchiveTarget("tftp://203.0.113.5/cfg", 220))
    m.version = "17.12"
    m.hostname = "r1-new"
    m.text[1] = "version 17.12"
    m.text[2] = "hostname r1-new"


CASES: list[Case] = [
    (
        "external permit in vty ACL",
        _external_permit,
        [("acl_external_permit_added", "acl 20", None, 120)],
    ),
    ("private permit in vty ACL", _private_permit, [("acl_entry_added", "acl 20", None, 120)]),
    (
        "new ACL with an external host on the VTYs",
        _new_mgmt_acl,
        [
            ("acl_external_permit_added", "acl 50", None, 131),
            ("acl_added", "acl 50", None, 130),
            ("vty_access_class_changed", "line vty 0 4", 40, 133),
        ],
    ),
    (
        "ACL removed but still applied",
        _remove_acl_still_used,
        [("acl_removed", "acl EDGE-IN", 35, None)],
    ),
    ("entry removed", _remove_entry, [("acl_entry_removed", "acl EDGE-IN", 36, 35)]),
    (
        "binding added",
        _binding_added,
        [("acl_binding_added", "interface GigabitEthernet1 out", None, 52)],
    ),
    (
        "binding removed",
        _binding_removed,
        [("acl_binding_removed", "interface GigabitEthernet1 in", 51, None)],
    ),
    (
        "binding changed",
        _binding_changed,
        [("acl_binding_changed", "interface GigabitEthernet1 in", 51, 53)],
    ),
    (
        "vty access-class removed",
        _vty_ac_removed,
        [("vty_access_class_removed", "line vty 0 4", 40, 40)],
    ),
    ("vty transport", _transport, [("vty_transport_changed", "line vty 0 4", 40, 40)]),
    ("vty rotary", _rotary, [("mgmt_port_changed", "line vty 0 4", 40, 40)]),
    (
        "new vty lines without access-class",
        _new_vty_without_class,
        [("vty_access_class_removed", "line vty 5 15", None, 140)],
    ),
    (
        "accounts",
        _users,
        [
            ("user_added", "user guest", None, 151),
            ("privileged_user_added", "user cisco_support", None, 150),
            ("user_removed", "user viewer", 11, None),
            ("user_secret_changed", "user netops", 10, 12),
            ("user_ssh_key_added", "user netops", 10, 12),
        ],
    ),
    (
        "privilege raised",
        _raise,
        [
            ("user_privilege_raised", "user viewer", 11, 11),
            ("user_secret_changed", "user viewer", 11, 11),
        ],
    ),
    (
        "tunnels",
        _tunnels,
        [
            ("tunnel_added", "interface Tunnel99", None, 160),
            ("tunnel_peer_changed", "interface Tunnel10", 55, 55),
        ],
    ),
    ("tunnel removed", _tunnel_removed, [("tunnel_removed", "interface Tunnel10", 55, None)]),
    ("crypto peer", _crypto, [("crypto_peer_added", "isakmp peer 203.0.113.60", None, 165)]),
    (
        "AAA servers",
        _aaa_servers,
        [
            ("aaa_server_added", "radius server 203.0.113.48", None, 170),
            ("aaa_server_changed", "tacacs server TAC1", 25, 25),
        ],
    ),
    (
        "AAA server removed",
        _aaa_server_removed,
        [("aaa_server_removed", "tacacs server TAC1", 25, None)],
    ),
    (
        "AAA weakened",
        _aaa_weakened,
        [
            ("aaa_weakened", "aaa authentication login default", 20, 20),
            ("aaa_weakened", "aaa authorization exec default", 21, 21),
            ("command_accounting_removed", "aaa accounting commands 15 default", 22, None),
        ],
    ),
    ("no aaa new-model", _no_new_model, [("aaa_weakened", "aaa new-model", None, None)]),
    (
        "logging",
        _logging,
        [
            ("logging_host_added", "logging host 203.0.113.77", None, 175),
            ("logging_host_removed", "logging host 10.5.5.5", 75, None),
            ("logging_weakened", "command logging", 74, 74),
            ("logging_weakened", "logging", 74, 178),
            ("logging_weakened", "logging discriminator DROPAAA", 74, 177),
            ("logging_weakened", "logging trap", 74, 76),
            ("logging_weakened", "notify syslog", 74, 74),
        ],
    ),
    (
        "NTP",
        _ntp,
        [
            ("ntp_server_added", "ntp server 203.0.113.123", None, 180),
            ("ntp_server_removed", "ntp server 10.6.6.6", 80, None),
        ],
    ),
    (
        "loopbacks",
        _loopbacks,
        [
            ("loopback_added", "interface Loopback77", None, 185),
            ("loopback_readdressed", "interface Loopback0", 45, 45),
        ],
    ),
    (
        "source interfaces",
        _source_interface,
        [
            ("source_interface_changed", "ssh source-interface", None, 187),
            ("source_interface_changed", "tacacs source-interface", 77, 186),
        ],
    ),
    (
        "captures",
        _capture,
        [
            ("capture_added", "erspan 1", None, 191),
            ("capture_added", "monitor-capture CAP", None, 190),
        ],
    ),
    ("SSH on 22122", _ssh_port, [("mgmt_port_changed", "service ssh", None, 195)]),
    (
        "services",
        _services,
        [
            ("service_enabled", "service http", 65, 65),
            ("service_enabled", "service smart-install", None, 196),
            ("service_disabled", "service ssh", 66, 66),
        ],
    ),
    (
        "SNMP",
        _snmp,
        [
            ("snmp_community_removed", "snmp community c0ffee000001", 70, None),
            ("snmp_community_rw_added", "snmp community deadbeef0002", None, 200),
            ("snmp_user_added", "snmp user backdoor", None, 201),
        ],
    ),
    (
        "SNMP read-only community",
        _snmp_ro_added,
        [("snmp_community_added", "snmp community 0123456789ab", None, 202)],
    ),
    (
        "SNMP RO to RW",
        _snmp_rw,
        [("snmp_community_rw_added", "snmp community c0ffee000001", 70, 70)],
    ),
    ("Guest Shell", _container, [("container_enabled", "guestshell guestshell", None, 205)]),
    (
        "automation",
        _automation,
        [
            ("automation_added", "kron NIGHTLY", None, 210),
            ("automation_changed", "eem BACKUP", 100, 100),
        ],
    ),
    (
        "routes",
        _routes,
        [
            ("static_route_added", "route 198.51.100.0/24", None, 215),
            ("static_route_removed", "route 0.0.0.0/0", 85, None),
            ("policy_route_added", "interface GigabitEthernet1", None, 51),
            ("policy_route_added", "route-map LI-DIVERT", None, 216),
            ("routing_peer_added", "bgp neighbor 198.51.100.2", None, 218),
            ("routing_peer_removed", "bgp neighbor 192.0.2.2", 90, None),
        ],
    ),
    (
        "image, archive, version, hostname",
        _identity,
        [
            ("boot_image_changed", "boot image", 5, 6),
            ("archive_target_added", "archive tftp://203.0.113.5/cfg", None, 220),
            ("version_changed", "version", None, 1),
            ("hostname_changed", "hostname", None, 2),
        ],
    ),
]


def _triples(changes: list[ConfigChange]) -> list[tuple[str, str, int | None, int | None]]:
    return [(c.kind, c.subject, c.line_before, c.line_after) for c in changes]


def _sorted_expected(expected: list[tuple[str, str, int | None, int | None]]) -> list:
    order = {kind: i for i, kind in enumerate(CHANGE_KINDS)}
    return sorted(expected, key=lambda t: (order[t[0]], t[1], t[3] or 0, t[2] or 0))


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_crafted_change(name: str, mutate: Mutation, expected: list) -> None:
    before = base_model()
    after = copy.deepcopy(before)
    after.path = "r1-after.cfg"
    mutate(after)
    changes = diff_configs(before, after)
    assert _triples(changes) == _sorted_expected(expected)
    for change in changes:
        json.dumps([change.before, change.after])  # small JSON-able summaries
        assert change.detail and "\n" not in change.detail


def test_every_change_kind_is_exercised() -> None:
    produced: set[str] = set()
    for _, mutate, _ in CASES:
        before = base_model()
        after = copy.deepcopy(before)
        mutate(after)
        produced |= {c.kind for c in diff_configs(before, after)}
    assert produced == set(CHANGE_KINDS)


def test_identical_models_have_no_changes() -> None:
    assert diff_configs(base_model(), base_model()) == []


def test_renumbered_and_reordered_acl_is_not_a_change() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    acl = after.acls["20"]
    acl.entries = [
        AclEntry("deny", 61, seq=40, text="40 deny any log"),
        AclEntry(
            "permit", 60, seq=30, source="10.10.0.0/16", text="30   permit 10.10.0.0 0.0.255.255"
        ),
    ]
    acl.line = 59
    assert diff_configs(before, after) == []


def test_vty_range_extended_is_compared_with_the_old_range() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    after.lines[0] = Line("vty 0 15", "vty", 41, access_class_in=None, transport_input=["all"])
    assert _triples(diff_configs(before, after)) == [
        ("vty_access_class_removed", "line vty 0 15", 40, 41),
        ("vty_transport_changed", "line vty 0 15", 40, 41),
    ]


def test_duplicate_entries_count() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    after.acls["EDGE-IN"].entries.append(copy.deepcopy(after.acls["EDGE-IN"].entries[0]))
    after.acls["EDGE-IN"].entries[-1].line = 37
    changes = diff_configs(before, after)
    assert _triples(changes) == [("acl_entry_added", "acl EDGE-IN", None, 37)]


def test_external_permit_detail_and_summary() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    _external_permit(after)
    (change,) = diff_configs(before, after)
    assert change.detail == (
        "'15 permit 203.0.113.7' added to acl 20 (guards snmp, vty): lets 203.0.113.7/32 "
        "(not a private network) reach management"
    )
    assert change.after["source"] == "203.0.113.7/32"


def test_permit_any_in_management_acl_is_external() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    after.acls["20"].entries.insert(0, AclEntry("permit", 119, source="any", text="permit any"))
    (change,) = diff_configs(before, after)
    assert change.kind == "acl_external_permit_added"
    assert "any source" in change.detail


def test_dangling_acl_reference_is_called_out() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    del after.acls["20"]
    (change,) = diff_configs(before, after)
    assert change.kind == "acl_removed"
    assert "still referenced by snmp, vty" in change.detail


def test_asa_style_allowed_network_is_a_management_permit() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    after.services.append(
        Service("ssh", True, 230, interface="outside", options={"allowed": "0.0.0.0/0"})
    )
    after.services.append(
        Service("ssh", True, 231, interface="inside", options={"allowed": "10.0.0.0/8"})
    )
    assert _triples(diff_configs(before, after)) == [
        ("acl_external_permit_added", "ssh on outside allowed", None, 230),
        ("acl_entry_added", "ssh on inside allowed", None, 231),
    ]


def test_port_statement_does_not_enable_a_disabled_service() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    after.services.append(Service("http", True, 232, port=18080))
    assert _triples(diff_configs(before, after)) == [
        ("mgmt_port_changed", "service http", None, 232)
    ]


def test_snmp_community_acl_change_is_a_binding_change() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    after.snmp.communities[0].acl = None
    assert _triples(diff_configs(before, after)) == [
        ("acl_binding_removed", "snmp community c0ffee000001", 70, None)
    ]


def test_no_secret_values_in_changes() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    _users(after)
    _aaa_servers(after)
    text = json.dumps([[c.before, c.after, c.detail] for c in diff_configs(before, after)])
    for secret_marker in ("aaaaaaaaaaaa", "cccccccccccc", "k1k1k1k1k1k1", "k2k2k2k2k2k2"):
        assert secret_marker not in text


def test_output_order_is_deterministic() -> None:
    before = base_model()
    after = copy.deepcopy(before)
    for mutate in (_external_permit, _users, _tunnels, _logging, _snmp, _routes, _identity):
        mutate(after)
    first = diff_configs(before, after)
    assert len(first) == 28  # 1 + 5 + 2 + 7 + 3 + 6 + 4, as in the single cases
    after.users.reverse()
    after.interfaces.reverse()
    after.static_routes.reverse()
    assert diff_configs(before, after) == first
    kinds = [c.kind for c in first]
    assert kinds == sorted(kinds, key=CHANGE_KINDS.index)


def test_is_external() -> None:
    assert is_external("any") is True
    assert is_external("0.0.0.0/0") is True
    assert is_external("203.0.113.7/32") is True
    assert is_external("10.1.0.0/16") is False
    assert is_external("100.64.1.0/24") is False  # CGNAT counts as private
    assert is_external("fe80::/64") is False
    assert is_external("2001:db8::/32") is True
    assert is_external("MGMT-HOSTS") is None  # object group: unknown here


def test_management_acls_collects_every_reference() -> None:
    model = base_model()
    model.ntp.acl = "NTP-PEERS"
    model.services.append(Service("http", True, 240, acl="WEB"))
    assert management_acls(model) == {
        "20": ["snmp", "vty"],
        "NTP-PEERS": ["ntp"],
        "WEB": ["http"],
    }


# --- corpus before/after pairs (tests/data/configs/PROVENANCE.md) ----------------------------

CORPUS = Path(__file__).resolve().parents[2] / "data" / "configs"

Expected = list[tuple[str, str, int | None, int | None]]
# (dialect, before, after, changes read from a diff of the two files). Changes the model has no
# kind for are absent on purpose: descriptions, VLANs, OSPF cost, physical interfaces added or
# removed, FortiOS address objects.
CORPUS_PAIRS: list[tuple[str, str, str, Expected]] = [
    (
        "arista_eos",
        "arista_eos/pybatfish_filters_current_rtr-with-acl.cfg",
        "arista_eos/pybatfish_filters_candidate1_rtr-with-acl.cfg",
        [  # acl_in guards an interface, not management: plain entries
            ("acl_entry_added", "acl acl_in", None, 40),
            ("acl_entry_added", "acl acl_in", None, 41),
        ],
    ),
    (
        "cisco_ios",
        "cisco_ios/pybatfish_fwdchange_base_core1.cfg",
        "cisco_ios/pybatfish_fwdchange_change1_core1.cfg",
        [],  # only `ip ospf cost 1` -> `500` on four interfaces
    ),
    (
        "cisco_ios",
        "cisco_ios/pybatfish_fwdchange_base_border1.cfg",
        "cisco_ios/pybatfish_fwdchange_change2_border1.cfg",
        [("acl_entry_added", "acl OUTSIDE_TO_INSIDE", None, 124)],
    ),
    (
        "cisco_ios",
        "cisco_ios/batfish_example_live_as2dept1.cfg",
        "cisco_ios/batfish_example_candidate_as2dept1.cfg",
        [
            ("acl_binding_added", "interface GigabitEthernet2/0 out", None, 73),
            ("acl_binding_added", "interface GigabitEthernet3/0 out", None, 79),
        ],
    ),
    (
        "cisco_ios",
        "cisco_ios/hierconfig_ios_running.conf",
        "cisco_ios/hierconfig_ios_generated.conf",
        [
            ("acl_added", "acl LAN-IN", None, 33),
            ("acl_binding_added", "interface GigabitEthernet0/1 in", None, 16),
            ("ntp_server_added", "ntp server 10.0.0.11", None, 40),
            ("snmp_community_added", f"snmp community {fingerprint('private')}", None, 41),
            ("snmp_community_removed", f"snmp community {fingerprint('public')}", 32, None),
            ("static_route_added", "route 10.20.0.0/16", None, 38),
            ("routing_peer_added", "bgp neighbor 192.168.1.3", None, 27),
        ],
    ),
    (
        "cisco_nxos",
        "cisco_nxos/hierconfig_nxos_running.conf",
        "cisco_nxos/hierconfig_nxos_generated.conf",
        [
            ("ntp_server_added", "ntp server 10.0.0.31", None, 48),
            ("static_route_added", "route 10.200.0.0/16", None, 46),
            ("routing_peer_added", "bgp neighbor 172.16.1.3", None, 41),
        ],
    ),
    (
        "cisco_iosxr",
        "cisco_iosxr/hierconfig_iosxr_running.conf",
        "cisco_iosxr/hierconfig_iosxr_generated.conf",
        [
            ("ntp_server_added", "ntp server 10.0.0.41", None, 33),
            ("static_route_added", "route 10.20.0.0/16", None, 19),
            ("routing_peer_added", "bgp neighbor 203.0.113.6", None, 27),
        ],
    ),
    (
        "juniper_junos",
        "juniper_junos/hierconfig_junos_running.conf",
        "juniper_junos/hierconfig_junos_generated.conf",
        [
            ("acl_added", "acl LAN-FILTER", None, 16),
            ("acl_binding_added", "interface ge-0/0/1.0 in", None, 8),
            ("ntp_server_added", "ntp server 10.0.0.41", None, 23),
            ("static_route_added", "route 10.20.0.0/16", None, 21),
            ("routing_peer_added", "bgp neighbor 203.0.113.6", None, 14),
        ],
    ),
    (
        "arista_eos",
        "arista_eos/hierconfig_eos_running.conf",
        "arista_eos/hierconfig_eos_generated.conf",
        [
            ("ntp_server_added", "ntp server 10.0.0.21", None, 43),
            ("static_route_added", "route 10.20.0.0/16", None, 41),
            ("routing_peer_added", "bgp neighbor 192.168.10.3", None, 35),
        ],
    ),
    (
        "fortinet_fortios",
        "fortinet_fortios/hierconfig_fortios_running.conf",
        "fortinet_fortios/hierconfig_fortios_generated.conf",
        [("static_route_added", "route 10.20.0.0/16", None, 32)],  # `edit 3`
    ),
]


def _parser_missing(dialect: str) -> str | None:
    module = PARSERS[dialect]
    if importlib.util.find_spec(module) is None:
        return f"parser {module} (dialect {dialect}) is not in this checkout yet"
    return None


@pytest.mark.parametrize(
    ("dialect", "before_name", "after_name", "expected"),
    [
        pytest.param(
            *pair,
            id=Path(pair[1]).stem,
            marks=pytest.mark.skipif(
                _parser_missing(pair[0]) is not None, reason=_parser_missing(pair[0]) or ""
            ),
        )
        for pair in CORPUS_PAIRS
    ],
)
def test_corpus_pair(dialect: str, before_name: str, after_name: str, expected: Expected) -> None:
    before = parse_config_file(str(CORPUS / before_name))
    after = parse_config_file(str(CORPUS / after_name))
    assert before.model is not None and after.model is not None
    assert before.model.dialect == after.model.dialect == dialect
    changes = diff_configs(before.model, after.model)
    assert _triples(changes) == _sorted_expected(expected)
    # and nothing changes when a snapshot is compared with itself
    assert diff_configs(after.model, after.model) == []
