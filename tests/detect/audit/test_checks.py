"""Audit checks on crafted device models: a well-hardened model raises nothing above ``low``;
every check fires on a crafted weakness (id, severity, line, message) and stays quiet on the
near miss; drift kinds map to the checks that list them."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.detect.audit.checks import (
    AuditContext,
    Check,
    CheckError,
    Finding,
    check_by_id,
    evaluate,
    findings_for_changes,
    load_checks,
)
from seawall.records.alerts import SEVERITY_RANK
from seawall.records.config import (
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
    LogHost,
    NtpServer,
    PolicyRoute,
    RoutingPeer,
    Secret,
    Service,
    SnmpCommunity,
    SnmpUser,
    StaticRoute,
)

CHECKS = load_checks()


def hardened(dialect: str = "cisco_ios") -> DeviceConfig:
    """A well-hardened IOS XE router: type 9/8 secrets, SSH only with access-class on the
    VTYs, TACACS+ with type 6 keys and command accounting, remote logging with timestamps
    and archive log config, SNMPv3 priv, authenticated NTP, no HTTP server, no vstack,
    banner, login block-for, CoPP, authenticated BGP."""
    m = DeviceConfig(
        path="golden/core1.cfg",
        dialect=dialect,
        hostname="core1",
        vendor="Cisco",
        os="IOS XE",
        version="17.9",
    )
    m.users = [LocalUser("netops", 10, privilege=15, secret_type="9", is_admin=True)]
    m.secrets = [
        Secret("enable", "8", 11),
        Secret("tacacs-key", "6", 22, owner="10.1.1.5"),
    ]
    m.aaa.new_model = True
    m.aaa.servers = [AaaServer("tacacs", "10.1.1.5", 20, name="TAC1", key_type="6")]
    m.aaa.methods = [
        AaaMethod("authentication", "login", "default", ["group tacacs+", "local"], 24),
        AaaMethod("authorization", "exec", "default", ["group tacacs+", "local"], 25),
        AaaMethod("accounting", "commands", "default", ["start-stop", "group tacacs+"], 26, 15),
    ]
    m.aaa.source_interfaces = {"tacacs": "Loopback0"}
    m.lines = [
        Line("con 0", "console", 90, exec_timeout_seconds=300),
        Line(
            "vty 0 15",
            "vty",
            92,
            access_class_in="MGMT",
            transport_input=["ssh"],
            exec_timeout_seconds=600,
        ),
    ]
    m.acls = {
        "MGMT": Acl(
            "MGMT",
            30,
            "standard",
            [AclEntry("permit", 31, source="10.10.0.0/24"), AclEntry("deny", 32)],
        ),
        "SNMP-ACL": Acl("SNMP-ACL", 33, "standard", [AclEntry("permit", 34, source="10.1.1.0/24")]),
    }
    m.acl_uses = [AclUse("MGMT", "vty", 93, "in", "vty 0 15"), AclUse("SNMP-ACL", "snmp", 41)]
    m.snmp.users = [SnmpUser("nms", 41, group="NMS", auth="sha", priv="aes 128", acl="SNMP-ACL")]
    m.snmp.groups = {"NMS": "priv"}
    m.services = [
        Service("ssh", True, 50),
        Service("http", False, 51),
        Service("https", False, 52),
        Service("smart-install", False, 53),
    ]
    m.logging.hosts = [LogHost("10.1.1.9", 60)]
    m.logging.trap_level = "informational"
    m.logging.source_interface = "Loopback0"
    m.logging.timestamps = True
    m.logging.command_logging = True
    m.logging.notify_syslog = True
    m.logging.line = 60
    m.ntp.servers = [NtpServer("10.1.1.7", 70, key=1)]
    m.ntp.authenticate = True
    m.interfaces = [
        Interface("Loopback0", "loopback", 80, addresses=["10.255.0.1/32"]),
        Interface("GigabitEthernet0/0", "physical", 82, "core link", ["10.0.0.1/30"], cdp=False),
    ]
    m.routing_peers = [RoutingPeer("bgp", "10.0.0.2", 85, authenticated=True, remote_as="65000")]
    m.flags = {
        "service_password_encryption": True,
        "ip_source_route": False,
        "service_pad": False,
        "bootp_server": False,
        "ssh_version": "2",
        "login_banner": True,
        "login_block_for": True,
        "copp": True,
        "aaa_new_model": True,
    }
    m.text = {
        10: "username netops privilege 15 secret 9 <redacted>",
        11: "enable secret 8 <redacted>",
        20: "tacacs server TAC1",
        22: " key 6 <redacted>",
        30: "ip access-list standard MGMT",
        31: " permit 10.10.0.0 0.0.0.255",
        50: "ip ssh version 2",
        51: "no ip http server",
        53: "no vstack",
        60: "logging host 10.1.1.9",
        70: "ntp server 10.1.1.7 key 1",
        92: "line vty 0 15",
    }
    return m


def found(model: DeviceConfig, check_id: str, context: AuditContext | None = None) -> list[Finding]:
    return [f for f in evaluate(model, CHECKS, context) if f.check_id == check_id]


# Checks whose logic changed since their first release (versions are per check).
VERSIONS = {
    "ST-01": 2,  # EOS, JunOS, PAN-OS, FortiOS, ASA allow-lists; entries reaching no guarded port
    "ST-02": 2,  # EOS; entries reaching no guarded port
    "ST-03": 2,  # NX-OS/XR/EOS VTYs that no line statement configures; EOS; XR MPP peers
    "ST-28": 2,  # event-handlers running bash; Arista's TerminAttr to an internal collector
    "ST-29": 2,  # FortiOS accounts without trusthost
    "HD-01": 2,  # a line whose access-class drops TCP/23 takes no telnet
    "HD-03": 2,  # the ASA `passwd` login password is read (secret kind login)
    "HD-08": 2,  # no-source-interface finding at the first log host (any spelling)
    "HD-12": 2,  # "OSPF transit" (an IGP link) is not IP transit
    "HD-14": 2,  # unauthenticated-NTP finding at the first server, also inside a block
}


def test_shipped_checks_cover_the_checklist():
    ids = [c.id for c in CHECKS]
    assert ids == [f"ST-{n:02d}" for n in range(1, 31)] + [f"HD-{n:02d}" for n in range(1, 18)]
    produced = {c.id: c.produced_by for c in CHECKS if c.produced_by}
    assert produced == {"ST-08": "host-evidence", "ST-30": "exposure", "HD-17": "drift"}
    drift_only = [c.id for c in CHECKS if c.runner is None and not c.produced_by]
    assert drift_only == ["ST-06", "ST-10", "ST-17"]
    for check in CHECKS:
        assert check.severity in SEVERITY_RANK
        assert check.rationale and check.source
        assert check.version == VERSIONS.get(check.id, 1), check.id
        assert "cisco_ios" in check.remediation or check.vendors[0] != "all"
        for vendor in check.vendors:
            assert check.remediation_for(vendor if vendor != "all" else "vyos")


def test_hardened_model_raises_nothing_above_low():
    findings = evaluate(hardened(), CHECKS)
    above_low = [f for f in findings if SEVERITY_RANK[f.severity] > SEVERITY_RANK["low"]]
    assert above_low == []
    assert findings == []  # not even a low one


def test_findings_carry_metadata_evidence_and_dialect_remediation():
    m = hardened()
    m.lines[1].transport_input = ["telnet", "ssh"]
    (finding,) = found(m, "HD-01")
    check = check_by_id(CHECKS, "HD-01")
    assert check is not None
    assert finding.title == check.title and finding.attack == ("T1040", "T1021")
    assert finding.source == check.source
    assert finding.version == check.version == 2 == finding.rule_version
    assert finding.remediation == "line vty 0 15\n transport input ssh"
    assert finding.evidence["config"] == "line vty 0 15"
    assert finding.device == "core1" and finding.path == "golden/core1.cfg"
    assert finding.to_dict()["attack"] == ["T1040", "T1021"]
    m.dialect = "juniper_junos"
    m.lines[1].transport_input = ["ssh"]
    m.services.append(Service("telnet", True, 95))
    m.text[95] = "system services telnet"
    (junos,) = found(m, "HD-01")
    assert junos.remediation == "delete system services telnet"
    assert check_by_id(CHECKS, "XX-99") is None


# ---- positive and negative cases per check --------------------------------------------------

Mutate = Callable[[DeviceConfig], None]


def _acl20(m: DeviceConfig, source: str = "203.0.113.7/32") -> None:
    m.acls["20"] = Acl("20", 100, "standard", [AclEntry("permit", 101, source=source)])
    m.acl_uses.append(AclUse("20", "snmp", 102))


def _vty_acl_external(m: DeviceConfig) -> None:
    m.acls["MGMT"].entries.insert(1, AclEntry("permit", 35, source="198.51.100.0/24"))


def _ssh_port(m: DeviceConfig) -> None:
    m.services.append(Service("ssh", True, 110, port=22022, options={"rotary": "1"}))


def _tunnel(m: DeviceConfig, dest: str = "198.51.100.20", mode: str = "gre ip") -> None:
    m.interfaces.append(
        Interface("Tunnel7", "tunnel", 120, addresses=["172.31.0.1/30"], tunnel_mode=mode)
    )
    m.interfaces[-1].tunnel_destination = dest


def _set(path: str, value: object) -> Mutate:
    """Set a field by dotted path; list items by index ("lines.1.transport_input")."""

    def mutate(m: DeviceConfig) -> None:
        target: object = m
        *parts, last = path.split(".")
        for part in parts:
            target = target[int(part)] if part.isdigit() else getattr(target, part)  # type: ignore[index]
        if isinstance(target, dict):
            target[last] = value
        else:
            setattr(target, last, value)

    return mutate


def _drop_flag(name: str) -> Mutate:
    return lambda m: m.flags.pop(name, None)


def _nxos(m: DeviceConfig) -> None:
    m.dialect, m.os, m.version = "cisco_nxos", "NX-OS", "9.3(8)"


def _fortios_trusthost(m: DeviceConfig, source: str) -> None:
    """FortiOS with the admin's trusted hosts (an ``mpp`` ACL the account owns)."""
    m.dialect, m.os, m.version = "fortinet_fortios", "FortiOS", "7.2.5"
    m.acls["trusthost netops"] = Acl("trusthost netops", 12, "standard")
    m.acls["trusthost netops"].entries.append(AclEntry("permit", 12, source=source))
    m.acl_uses.append(AclUse("trusthost netops", "mpp", 12, owner="netops"))


def _junos(m: DeviceConfig) -> None:
    m.dialect, m.os, m.version = "juniper_junos", "JunOS", "21.4R3"


def _eos(m: DeviceConfig) -> None:
    m.dialect, m.os, m.version = "arista_eos", "EOS", "4.28.3M"


POSITIVE: list[tuple[str, Mutate, str, int | None, str]] = [
    # (check, mutation of the hardened model, severity, line, text in the message)
    (
        "ST-01",
        _vty_acl_external,
        "high",
        35,
        "ACL MGMT (guards vty) permits external source 198.51.100.0/24",
    ),
    (
        "ST-01",
        lambda m: m.acls["MGMT"].entries.insert(0, AclEntry("permit", 36, source="any")),
        "high",
        36,
        "permits any source",
    ),
    (
        "ST-02",
        _acl20,
        "high",
        101,
        "ACL 20 (a number used by the campaign's allow-lists) guards snmp and permits "
        "external source 203.0.113.7/32",
    ),
    (
        "ST-03",
        _set("lines", [Line("vty 0 4", "vty", 140, transport_input=["ssh"])]),
        "high",
        140,
        "line vty 0 4 has no access-class: logins (ssh)",
    ),
    (
        "ST-04",
        _ssh_port,
        "high",
        110,
        "ssh on non-default port 22022 rotary 1 (port shape used by the campaign",
    ),
    (
        "ST-04",
        lambda m: m.services.append(Service("http", False, 111, port=8080)),
        "high",
        111,
        "http on non-default port 8080 (service itself disabled)",
    ),
    (
        "ST-04",
        lambda m: setattr(m.lines[1], "rotary", 1),
        "high",
        92,
        "line vty 0 15 is in rotary group 1",
    ),
    (
        "ST-05",
        lambda m: (
            setattr(m, "dialect", "cisco_iosxr"),
            m.services.append(Service("ssh-root-xr", True, 150, port=57722)),
        ),
        "critical",
        150,
        "host-OS SSH server configured (ssh-root-xr, port 57722)",
    ),
    (
        "ST-07",
        lambda m: m.users.append(LocalUser("cisco_tac_admin", 160, privilege=15, secret_type="5")),
        "critical",
        160,
        "local account cisco_tac_admin (privilege 15) has the name of a CVE-2023-20198",
    ),
    (
        "ST-09",
        _tunnel,
        "medium",
        120,
        "Tunnel7: tunnel (gre ip) to external 198.51.100.20; no known-peer list given",
    ),
    (
        "ST-09",
        lambda m: _tunnel(m, "", "gre multipoint"),
        "high",
        120,
        "Tunnel7: tunnel mode gre multipoint accepts GRE from any peer",
    ),
    (
        "ST-09",
        lambda m: m.crypto_peers.append(CryptoPeer("52.27.166.152", "isakmp", 121)),
        "medium",
        121,
        "isakmp peer 52.27.166.152 (external)",
    ),
    (
        "ST-11",
        lambda m: m.aaa.servers.append(
            AaaServer("tacacs", "45.77.1.2", 170, name="TAC9", key_type="6")
        ),
        "high",
        170,
        "tacacs server TAC9 at external address 45.77.1.2",
    ),
    (
        "ST-12",
        lambda m: m.aaa.methods.append(
            AaaMethod("authentication", "login", "default", ["group tacacs+", "none"], 175)
        ),
        "high",
        175,
        "aaa authentication login default (group tacacs+ none) includes `none`",
    ),
    (
        "ST-13",
        lambda m: m.snmp.communities.append(SnmpCommunity("a1b2c3d4e5f6", "rw", 180)),
        "high",
        180,
        "SNMPv2c community (fingerprint a1b2c3d4e5f6): cleartext shared secret; read-write "
        "(SNMP SET can change the config); no ACL",
    ),
    (
        "ST-13",
        lambda m: m.snmp.communities.append(
            SnmpCommunity("a1b2c3d4e5f6", "ro", 181, acl="SNMP-ACL")
        ),
        "high",
        181,
        "cleartext shared secret; read-only; ACL SNMP-ACL",
    ),
    (
        "ST-14",
        lambda m: m.captures.append(Capture("monitor-capture", "CAP", 185, filter="tcp port 49")),
        "high",
        185,
        "monitor-capture CAP configured (source not stated, destination not stated, "
        "filter tcp port 49)",
    ),
    (
        "ST-15",
        lambda m: m.containers.append(Container("app-hosting", "guestshell", 190)),
        "high",
        190,
        "app-hosting guestshell enabled",
    ),
    (
        "ST-16",
        _set("logging.trap_level", "warnings"),
        "high",
        60,
        "remote logging level warnings (4) drops messages below level 6",
    ),
    ("ST-16", _set("logging.disabled", True), "high", 60, "logging is disabled on the device"),
    (
        "ST-18",
        lambda m: (
            _tunnel(m, "10.9.9.9"),
            m.static_routes.append(StaticRoute("0.0.0.0/0", 200, interface="Tunnel7")),
        ),
        "medium",
        200,
        "static route 0.0.0.0/0 via Tunnel7 goes into Tunnel7 (far end 10.9.9.9)",
    ),
    (
        "ST-18",
        lambda m: (
            _tunnel(m, "10.9.9.9"),
            m.policy_routes.append(PolicyRoute("STEAL", 201, next_hop="172.31.0.2")),
        ),
        "medium",
        201,
        "route-map STEAL sends traffic into Tunnel7",
    ),
    (
        "ST-19",
        lambda m: m.services.append(Service("https", True, 210)),
        "high",
        210,
        "https server enabled (Web UI surface of CVE-2023-20198/-20273 on IOS XE); "
        "this config: IOS XE 17.9",
    ),
    (
        "ST-19",
        lambda m: (
            setattr(m, "os", "IOS"),
            setattr(m, "version", "12.4"),
            m.services.append(Service("http", True, 211)),
        ),
        "medium",
        211,
        "http server enabled: web management on classic IOS 12.4 (the IOS XE Web UI CVEs do "
        "not apply)",
    ),
    (
        "ST-20",
        lambda m: (m.services.pop(3), m.services.append(Service("smart-install", True, 215))),
        "critical",
        215,
        "Smart Install client enabled (`vstack`)",
    ),
    (
        "ST-20",
        lambda m: (
            m.services.pop(3),
            m.interfaces.append(Interface("Vlan10", "vlan", 216, addresses=["10.9.0.1/24"])),
        ),
        "high",
        None,
        "`no vstack` not stated and the device looks like a switch (it routes on Vlan interfaces)",
    ),
    (
        "ST-21",
        lambda m: m.services.append(Service("wsma", True, 220, options={"profile": "HTTP"})),
        "medium",
        220,
        "WSMA enabled ({'profile': 'HTTP'})",
    ),
    (
        "ST-22",
        lambda m: m.automation.append(
            Automation("eem", "CLEAN", 225, ['cli command "clear logging"'])
        ),
        "high",
        225,
        'eem CLEAN runs 1 CLI command(s), e.g. `cli command "clear logging"`',
    ),
    (
        "ST-22",
        lambda m: m.automation.append(Automation("kron", "SAVE", 226, ["write memory"])),
        "medium",
        226,
        "kron SAVE runs 1 CLI command(s)",
    ),
    (
        "ST-23",
        lambda m: m.archive_targets.append(ArchiveTarget("tftp://198.51.100.9/$h", 230)),
        "high",
        230,
        "configs copied over cleartext TFTP to external host 198.51.100.9 (archive)",
    ),
    (
        "ST-23",
        lambda m: m.archive_targets.append(ArchiveTarget("scp://backup@203.0.113.4/cfg", 231)),
        "high",
        231,
        "configs copied to external host 203.0.113.4 over scp",
    ),
    (
        "ST-24",
        lambda m: m.boot_images.append(BootImage("tftp://198.51.100.3/c8000v.bin", 235)),
        "high",
        235,
        "boot image loaded over the network: tftp://198.51.100.3/c8000v.bin",
    ),
    ("ST-25", _drop_flag("copp"), "medium", None, "no management-plane protection"),
    (
        "ST-26",
        lambda m: (_nxos(m), m.features.append("nxapi")),
        "high",
        None,
        "NX-API enabled without an ACL",
    ),
    (
        "ST-26",
        lambda m: (_nxos(m), m.flags.__setitem__("password_strength_check", False)),
        "medium",
        None,
        "`no password strength-check`",
    ),
    (
        "ST-27",
        lambda m: (_junos(m), m.flags.__setitem__("ssh_root_login", True)),
        "high",
        None,
        "SSH root-login allowed (yes)",
    ),
    (
        "ST-27",
        lambda m: (_junos(m), m.services.append(Service("http", True, 240))),
        "high",
        240,
        "web-management http enabled",
    ),
    (
        "ST-27",
        lambda m: (_junos(m), m.automation.append(Automation("op-script", "x.slax", 241))),
        "medium",
        241,
        "op-script x.slax configured",
    ),
    (
        "ST-27",
        lambda m: (_junos(m), m.flags.__setitem__("ssh_tcp_forwarding", True)),
        "high",
        None,
        "SSH TCP forwarding allowed",
    ),
    (
        "ST-28",
        lambda m: (_eos(m), m.services.append(Service("api-http", True, 245))),
        "high",
        245,
        "management api http-commands enabled without an ACL",
    ),
    (
        "ST-28",
        lambda m: (
            _eos(m),
            m.automation.append(Automation("daemon", "tool", 246, ["exec /mnt/flash/tool"])),
        ),
        "high",
        246,
        "daemon tool runs `exec /mnt/flash/tool`",
    ),
    (
        "ST-28",
        lambda m: (_eos(m), m.users.append(LocalUser("ops", 247, secret_type="none"))),
        "high",
        247,
        "user ops has no password (nopassword)",
    ),
    (
        "ST-29",
        lambda m: (
            setattr(m, "dialect", "cisco_asa"),
            m.services.append(
                Service("ssh", True, 250, interface="outside", options={"allowed": "0.0.0.0/0"})
            ),
        ),
        "high",
        250,
        "ssh admin access on interface outside (named outside), from any source address",
    ),
    (
        "ST-29",
        lambda m: (
            _fortios_trusthost(m, "10.10.0.0/24"),
            m.services.append(Service("http", True, 251, interface="port3")),
        ),
        "high",
        251,
        "http admin access in cleartext",
    ),
    (
        "ST-29",
        lambda m: _fortios_trusthost(m, "0.0.0.0/0"),
        "high",
        10,
        "account netops has a trusted host of any address: its logins are accepted from any "
        "source address",
    ),
    (
        "HD-01",
        _set(
            "lines", [Line("vty 0 4", "vty", 260, access_class_in="MGMT", transport_input=["all"])]
        ),
        "high",
        260,
        "line vty 0 4: transport input all accepts telnet",
    ),
    (
        "HD-01",
        lambda m: (
            setattr(m, "version", "12.4"),
            setattr(m, "os", "IOS"),
            setattr(m.lines[1], "transport_input", None),
        ),
        "high",
        92,
        "no `transport input` on IOS 12.4, whose default is `all`",
    ),
    (
        "HD-01",
        _set("lines.1.transport_input", None),
        "medium",
        92,
        "`transport input` not stated; the default of IOS XE 17.9 applies",
    ),
    (
        "HD-01",
        lambda m: (_nxos(m), m.services.append(Service("telnet", True, 262))),
        "high",
        262,
        "telnet server enabled",
    ),
    (
        "HD-02",
        _set("flags.ssh_version", "1.99"),
        "medium",
        50,
        "SSH version 1.99 configured: SSHv1 accepted",
    ),
    ("HD-02", _drop_flag("ssh_version"), "medium", None, "`ip ssh version 2` not stated"),
    (
        "HD-03",
        lambda m: m.users.append(
            LocalUser("old", 270, privilege=15, secret_type="7", is_admin=True)
        ),
        "high",
        270,
        "user old (admin): password stored as type 7 (reversible)",
    ),
    (
        "HD-03",
        lambda m: m.secrets.append(Secret("enable", "5", 271)),
        "medium",
        271,
        "enable secret stored as type 5 (MD5 crypt)",
    ),
    (
        "HD-03",
        lambda m: setattr(m.lines[0], "password_type", "plain"),
        "high",
        90,
        "line con 0: password stored as clear text (type 0)",
    ),
    (
        "HD-04",
        lambda m: m.secrets.append(Secret("bgp-password", "7", 275, owner="10.0.0.2")),
        "medium",
        275,
        "bgp-password (10.0.0.2) stored as type 7 (reversible)",
    ),
    (
        "HD-04",
        lambda m: m.aaa.servers.append(AaaServer("radius", "10.1.1.6", 276, key_type="plain")),
        "medium",
        276,
        "radius key of server 10.1.1.6 stored as clear text (type 0)",
    ),
    (
        "HD-05",
        lambda m: (
            m.flags.__setitem__("service_password_encryption", False),
            m.users.append(LocalUser("x", 280, secret_type="plain")),
        ),
        "medium",
        280,
        "`no service password-encryption` and 1 clear-text password(s)/key(s)",
    ),
    (
        "HD-06",
        lambda m: m.users.append(
            LocalUser("admin", 285, privilege=15, secret_type="9", is_admin=True)
        ),
        "critical",
        285,
        "local account 'admin' has a default/guessable name and admin rights",
    ),
    ("HD-07", _set("aaa.methods", []), "high", None, "no command accounting"),
    ("HD-07", _set("aaa.servers", []), "high", None, "no TACACS+/RADIUS server"),
    ("HD-08", _set("logging.hosts", []), "high", None, "no remote syslog host"),
    (
        "HD-08",
        _set("logging.timestamps", None),
        "medium",
        None,
        "`service timestamps log datetime` not stated",
    ),
    ("HD-08", _set("logging.source_interface", None), "low", 60, "no logging source-interface"),
    (
        "HD-09",
        _set("logging.command_logging", False),
        "high",
        None,
        "no `archive / log config / logging enable`",
    ),
    (
        "HD-09",
        _set("logging.notify_syslog", False),
        "medium",
        None,
        "`log config` without `notify syslog`",
    ),
    (
        "HD-10",
        lambda m: m.snmp.users.append(SnmpUser("mon", 290, group="NMS", auth="md5")),
        "medium",
        290,
        "SNMPv3 user mon: no privacy (traffic in clear), auth md5",
    ),
    (
        "HD-10",
        lambda m: m.snmp.groups.__setitem__("RO", "auth"),
        "medium",
        None,
        "SNMPv3 group RO with security level auth",
    ),
    (
        "HD-11",
        _set("lines.0.exec_timeout_seconds", 0),
        "low",
        90,
        "line con 0: exec-timeout 0 s (0 = never)",
    ),
    (
        "HD-11",
        _set("lines.1.exec_timeout_seconds", 3600),
        "low",
        92,
        "line vty 0 15: exec-timeout 3600 s",
    ),
    (
        "HD-12",
        lambda m: m.interfaces.append(
            Interface("Gi0/1", "physical", 295, "TRANSIT to AS174", ["198.51.100.2/31"])
        ),
        "low",
        295,
        "Gi0/1 faces outside (description 'TRANSIT to AS174') and runs CDP (on by "
        "default, not disabled)",
    ),
    ("HD-13", _set("flags.ip_source_route", True), "low", None, "`ip source-route` enabled"),
    (
        "HD-13",
        _drop_flag("service_pad"),
        "low",
        None,
        "`no service pad` not stated: on by default on IOS",
    ),
    ("HD-14", _set("ntp.authenticate", False), "low", 70, "NTP without authentication"),
    ("HD-14", _set("ntp.servers", []), "low", None, "no NTP server"),
    (
        "HD-15",
        lambda m: m.routing_peers.append(RoutingPeer("bgp", "198.51.100.1", 300, remote_as="174")),
        "medium",
        300,
        "bgp neighbor 198.51.100.1 without authentication",
    ),
    ("HD-16", _drop_flag("login_banner"), "low", None, "no login banner configured"),
    ("HD-16", _drop_flag("login_block_for"), "low", None, "no `login block-for`"),
]


@pytest.mark.parametrize(
    ("check_id", "mutate", "severity", "line", "text"),
    POSITIVE,
    ids=[f"{case[0]}-{n}" for n, case in enumerate(POSITIVE)],
)
def test_check_fires(check_id, mutate, severity, line, text):
    model = hardened()
    mutate(model)
    hits = found(model, check_id)
    assert len(hits) == 1, [h.message for h in hits]
    (hit,) = hits
    assert hit.severity == severity
    assert hit.line == line
    assert text in hit.message
    assert "\n" not in hit.message


NEGATIVE: list[tuple[str, Mutate]] = [
    # (check, a near miss that must not raise it)
    (
        "ST-01",
        lambda m: m.acls["MGMT"].entries.append(AclEntry("permit", 37, source="172.20.0.0/16")),
    ),
    (
        "ST-01",
        lambda m: m.acls["MGMT"].entries.append(AclEntry("deny", 37, source="198.51.100.0/24")),
    ),
    (
        "ST-01",
        lambda m: (
            m.acls.__setitem__(
                "COPP", Acl("COPP", 38, entries=[AclEntry("permit", 39, source="any")])
            ),
            m.acl_uses.append(AclUse("COPP", "copp", 40)),
        ),
    ),
    ("ST-02", lambda m: _acl20(m, "10.20.0.5/32")),
    (
        "ST-02",
        lambda m: m.acls.__setitem__(
            "20", Acl("20", 100, entries=[AclEntry("permit", 101, source="203.0.113.7/32")])
        ),
    ),  # not bound
    ("ST-03", _set("lines", [Line("vty 0 4", "vty", 140, transport_input=["none"])])),
    (
        "ST-03",
        lambda m: (
            m.acl_uses.append(AclUse("MGMT", "ssh", 141)),
            setattr(m.lines[1], "access_class_in", None),
        ),
    ),
    ("ST-04", lambda m: m.services.append(Service("ssh", True, 110, port=22))),
    ("ST-05", lambda m: m.services.append(Service("ssh-root-xr", True, 150, port=57722))),  # not XR
    ("ST-07", lambda m: m.users.append(LocalUser("cisco_tac", 160))),
    ("ST-09", lambda m: _tunnel(m, "10.20.30.40", "gre ip")),
    ("ST-11", lambda m: m.aaa.servers.append(AaaServer("radius", "10.1.1.6", 170))),
    (
        "ST-12",
        lambda m: m.aaa.methods.append(AaaMethod("accounting", "exec", "default", ["none"], 175)),
    ),
    (
        "ST-13",
        lambda m: m.snmp.users.append(
            SnmpUser("nms2", 181, group="NMS", auth="sha", priv="aes 256")
        ),
    ),
    ("ST-14", lambda m: setattr(m, "dialect", "fortinet_fortios")),
    (
        "ST-15",
        lambda m: m.containers.append(Container("guestshell", "guestshell", 190, enabled=False)),
    ),
    ("ST-16", _set("logging.trap_level", "debugging")),
    ("ST-18", lambda m: m.static_routes.append(StaticRoute("0.0.0.0/0", 200, next_hop="10.0.0.2"))),
    (
        "ST-18",
        lambda m: (
            _tunnel(m, "198.51.100.20"),
            m.static_routes.append(StaticRoute("0.0.0.0/0", 200, interface="Tunnel7")),
        ),
    ),  # known peer below
    ("ST-19", lambda m: None),
    ("ST-20", lambda m: m.services.pop(3)),  # not stated, but a router
    (
        "ST-20",  # routers print an unused Vlan1 too
        lambda m: (m.services.pop(3), m.interfaces.append(Interface("Vlan1", "vlan", 217))),
    ),
    ("ST-21", lambda m: m.services.append(Service("wsma", False, 220))),
    ("ST-22", lambda m: m.automation.append(Automation("eem", "SYSLOG-ONLY", 225))),
    ("ST-23", lambda m: m.archive_targets.append(ArchiveTarget("flash:archive/cfg", 230))),
    ("ST-23", lambda m: m.archive_targets.append(ArchiveTarget("scp://backup@10.1.1.40/cfg", 231))),
    ("ST-24", lambda m: m.boot_images.append(BootImage("bootflash:c8000v.bin", 235))),
    ("ST-25", lambda m: (m.flags.pop("copp"), m.acl_uses.append(AclUse("MGMT", "mpp", 236)))),
    (
        "ST-26",
        lambda m: (
            _nxos(m),
            m.features.append("nxapi"),
            m.acl_uses.append(AclUse("MGMT", "nxapi", 237)),
        ),
    ),
    ("ST-27", lambda m: (_junos(m), m.flags.__setitem__("ssh_root_login", "key-only"))),
    ("ST-28", lambda m: (_eos(m), m.services.append(Service("api-http", True, 245, acl="API")))),
    (
        "ST-29",
        lambda m: (
            setattr(m, "dialect", "cisco_asa"),
            m.services.append(
                Service(
                    "ssh", True, 250, interface="management", options={"allowed": "10.10.0.0/24"}
                )
            ),
        ),
    ),
    ("HD-01", _set("lines.1.transport_input", ["ssh"])),
    (
        "HD-01",
        lambda m: (
            _nxos(m),
            m.lines.__setitem__(1, Line("vty", "vty", 92, access_class_in="MGMT")),
        ),
    ),
    ("HD-02", lambda m: (_nxos(m), m.flags.pop("ssh_version"))),
    ("HD-03", lambda m: m.users.append(LocalUser("bot", 270, secret_type="none", ssh_keys=1))),
    ("HD-04", lambda m: m.secrets.append(Secret("ospf-key", "6", 275))),
    ("HD-05", _set("flags.service_password_encryption", False)),  # no clear-text secrets
    ("HD-06", lambda m: (_junos(m), m.users.append(LocalUser("root", 285, secret_type="sha512")))),
    ("HD-07", lambda m: m.aaa.methods.pop(0)),
    ("HD-08", lambda m: (_junos(m), setattr(m.logging, "timestamps", None))),
    ("HD-09", lambda m: (_nxos(m), setattr(m.logging, "command_logging", False))),
    (
        "HD-10",
        lambda m: m.snmp.users.append(
            SnmpUser("mon", 290, group="NMS", auth="sha-256", priv="aes 256")
        ),
    ),
    ("HD-11", _set("lines.1.exec_timeout_seconds", 600)),
    (
        "HD-12",
        lambda m: m.interfaces.append(
            Interface("Gi0/1", "physical", 295, "TRANSIT", ["198.51.100.2/31"], cdp=False)
        ),
    ),
    (
        "HD-12",
        lambda m: m.interfaces.append(
            Interface("Gi0/2", "physical", 296, "TRANSIT", ["198.51.100.4/31"], shutdown=True)
        ),
    ),
    (
        "HD-12",  # public addresses alone are no hint: carriers number core links from them
        lambda m: m.interfaces.append(
            Interface("Gi0/3", "physical", 297, "core-2 Te0/1", ["198.51.100.6/31"])
        ),
    ),
    ("HD-13", _drop_flag("small_servers")),
    ("HD-14", lambda m: setattr(m.ntp.servers[0], "key", None)),
    (
        "HD-15",
        lambda m: m.routing_peers.append(RoutingPeer("ospf", "area 0", 300, authenticated=True)),
    ),
    ("HD-16", lambda m: (_junos(m), m.flags.pop("login_block_for"))),
]


@pytest.mark.parametrize(
    ("check_id", "mutate"), NEGATIVE, ids=[f"{c[0]}-{n}" for n, c in enumerate(NEGATIVE)]
)
def test_check_stays_quiet(check_id, mutate):
    model = hardened()
    mutate(model)
    context = AuditContext(known_tunnel_peers=frozenset({"198.51.100.20"}))
    assert found(model, check_id, context) == []


def test_every_evaluated_check_has_a_positive_and_a_negative_case():
    evaluated = {c.id for c in CHECKS if c.runner is not None}
    assert {case[0] for case in POSITIVE} == evaluated
    assert {case[0] for case in NEGATIVE} == evaluated


# ---- context: inventories and internal networks -------------------------------------------


def test_inventories_change_verdicts():
    model = hardened()
    _tunnel(model)
    model.aaa.servers.append(AaaServer("tacacs", "45.77.1.2", 170, name="TAC9"))
    _vty_acl_external(model)
    known = AuditContext(
        internal_networks=("198.51.100.0/24",),
        known_tunnel_peers=frozenset({"198.51.100.20"}),
        approved_aaa_servers=frozenset({"10.1.1.5"}),
    )
    assert found(model, "ST-09", known) == []
    assert found(model, "ST-01", known) == []  # the operator's own public admin network
    (aaa,) = found(model, "ST-11", known)
    assert aaa.severity == "critical" and aaa.line == 170
    assert "not in the approved AAA server list" in aaa.message
    unknown = AuditContext(known_tunnel_peers=frozenset({"192.0.2.1"}))
    (tunnel,) = found(model, "ST-09", unknown)
    assert tunnel.severity == "high" and "not a known peer" in tunnel.message
    with pytest.raises(ValueError, match="not an IP address or CIDR"):
        AuditContext(internal_networks=("corp-net",))


def test_external_classification():
    ctx = AuditContext()
    assert ctx.external("8.8.8.8") is True
    assert ctx.external("192.0.2.10/32") is True  # documentation space stands for public
    assert ctx.external("10.1.2.3") is False
    assert ctx.external("host 172.16.5.5") is False
    assert ctx.external("10.0.0.0 0.255.0.255") is False  # non-contiguous wildcard
    assert ctx.external("any") is None and ctx.external("MGMT-HOSTS") is None
    assert ctx.external("0.0.0.0/0") is None
    assert ctx.external("2001:db8::1") is True and ctx.external("fd00::1") is False


# ---- drift ---------------------------------------------------------------------------------


def _change(kind: str, line: int | None = 500, **kw: object) -> ConfigChange:
    detail = str(kw.pop("detail", f"{kind} happened"))
    return ConfigChange(kind, str(kw.pop("subject", "x")), detail, line_after=line, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("acl_external_permit_added", [("ST-01", "high")]),
        ("vty_access_class_removed", [("ST-03", "high")]),
        ("acl_binding_removed", [("ST-03", "medium")]),
        ("mgmt_port_changed", [("ST-04", "high")]),
        ("privileged_user_added", [("ST-06", "high")]),
        ("user_added", [("ST-06", "medium")]),
        ("tunnel_added", [("ST-09", "high")]),
        ("loopback_readdressed", [("ST-10", "medium")]),
        ("aaa_server_added", [("ST-11", "critical")]),
        ("command_accounting_removed", [("ST-12", "high")]),
        ("snmp_community_rw_added", [("ST-13", "high")]),
        ("snmp_user_added", [("ST-13", "medium")]),
        ("capture_added", [("ST-14", "high")]),
        ("container_enabled", [("ST-15", "critical")]),
        ("logging_host_removed", [("ST-16", "high")]),
        ("static_route_added", [("ST-18", "medium")]),
        ("routing_peer_added", [("ST-18", "medium")]),
        ("automation_added", [("ST-22", "medium")]),
        ("archive_target_added", [("ST-23", "high")]),
        ("boot_image_changed", [("ST-24", "critical")]),
        ("hostname_changed", []),
    ],
)
def test_change_kinds_map_to_checks(kind, expected):
    model = hardened()
    model.text[500] = "the changed line"
    pairs = findings_for_changes([_change(kind)], model, CHECKS)
    assert [(f.check_id, f.severity) for f, _ in pairs] == expected
    for finding, change in pairs:
        assert change.kind == kind
        assert finding.line == 500 and finding.message == f"{kind} happened"
        assert finding.evidence["change"] == kind
        assert finding.evidence["config"] == "the changed line"


def test_drift_respects_dialect_and_external_only():
    model = hardened()
    model.text[61] = "logging host 198.51.100.50"
    model.text[62] = "logging host 10.1.1.10"
    external = _change("logging_host_added", 61, subject="logging host 198.51.100.50")
    internal = _change("logging_host_added", 62, subject="logging host 10.1.1.10")
    named = _change("ntp_server_added", None, subject="ntp server time.example.net")
    pairs = findings_for_changes([external, internal, named], model, CHECKS)
    assert [(f.check_id, f.line) for f, _ in pairs] == [("ST-17", 61), ("ST-17", None)]
    # EOS has no ST-22 (Cisco EEM/kron) but ST-28 lists automation_added
    _eos(model)
    pairs = findings_for_changes([_change("automation_added")], model, CHECKS)
    assert [f.check_id for f, _ in pairs] == ["ST-28"]
    removed = ConfigChange("vty_access_class_removed", "line vty 0 4", "", line_before=40)
    _nxos(model)
    ((finding, _),) = findings_for_changes([removed], model, CHECKS)
    assert finding.line is None and finding.evidence["line_before"] == 40
    assert finding.message == "vty access class removed: line vty 0 4"


# ---- loading user checks, robustness, speed -------------------------------------------------

USER_CHECK = """
checks:
  - id: ACME-01
    title: Devices must log to the SOC collector
    severity: medium
    attack: []
    rationale: Our SOC collector is 10.1.1.9.
    source: ["ACME network standard 4.2"]
    vendors: [cisco_ios]
    remediation: {cisco_ios: "logging host 10.1.1.9"}
    version: 3
    match:
      each: logging.hosts
      where: {address: {not_in: ["10.1.1.9"]}}
      message: "logs go to {address}, not the SOC collector"
"""


def test_user_check_files(tmp_path: Path):
    path = tmp_path / "acme.yaml"
    path.write_text(USER_CHECK, encoding="utf-8")
    (check,) = load_checks([path])
    assert check.id == "ACME-01" and check.version == 3 and check.line == 3
    model = hardened()
    model.logging.hosts.append(LogHost("10.9.9.9", 61))
    (finding,) = evaluate(model, [check])
    assert (finding.line, finding.message, finding.version) == (
        61,
        "logs go to 10.9.9.9, not the SOC collector",
        3,
    )
    assert finding.evidence == {"address": "10.9.9.9", "config": ""}
    both = load_checks([tmp_path], include_builtin=True)
    assert len(both) == len(CHECKS) + 1
    (tmp_path / "bad.yaml").write_text(USER_CHECK.replace("medium", "severe"), encoding="utf-8")
    with pytest.raises(CheckError, match="'severe' is not a severity"):
        load_checks([tmp_path / "bad.yaml"])


def test_a_failing_check_is_skipped_not_fatal(caplog):
    def broken(model, ctx):
        raise RuntimeError("boom")

    base = check_by_id(CHECKS, "HD-16")
    assert base is not None
    bad = Check(**{**{f: getattr(base, f) for f in base.__slots__}, "runner": broken})  # type: ignore[arg-type]
    model = hardened()
    model.flags.pop("login_banner")
    findings = evaluate(model, [bad, base])
    assert [f.check_id for f in findings] == ["HD-16"]
    assert "check HD-16 failed on golden/core1.cfg" in caplog.text


def test_odd_models_do_not_crash():
    model = DeviceConfig(path="empty.cfg", dialect="cisco_ios")
    ids = sorted({f.check_id for f in evaluate(model, CHECKS)})
    assert ids == ["HD-02", "HD-07", "HD-08", "HD-09", "HD-13", "HD-14", "HD-16", "ST-25"]
    weird = hardened()
    weird.acls["MGMT"].entries.append(AclEntry("permit", 38, source="not-an-address"))
    weird.services.append(Service("ssh", True, 39, port=None, options={"rotary": "x"}))
    weird.archive_targets.append(ArchiveTarget("::::", 40))
    weird.logging.trap_level = "loud"
    weird.interfaces.append(Interface("Tunnel1", "tunnel", 41, tunnel_destination="peer.example"))
    assert evaluate(weird, CHECKS) == []


def test_evaluation_is_fast():
    models = []
    for n in range(200):
        m = copy.deepcopy(hardened())
        _vty_acl_external(m)
        _ssh_port(m)
        _tunnel(m)
        m.users.append(LocalUser(f"u{n}", 300 + n, secret_type="7"))
        models.append(m)
    started = time.perf_counter()
    for _ in range(5):
        for m in models:
            evaluate(m, CHECKS)
    per_config = (time.perf_counter() - started) / 1000
    # 10,000 configs parsed + audited in < 60 s on 2 cores leaves ~12 ms per config; the
    # checks must take a small part of it.
    assert per_config < 0.002, f"{per_config * 1000:.2f} ms per config"


# ---- real corpus configs through the parsers ---------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "data" / "configs"


def corpus_findings(name: str, ids: tuple[str, ...] = ()) -> list[tuple[str, str, int | None]]:
    from seawall.sources.configs import parse_config_file

    parsed = parse_config_file(str(CORPUS / name))
    assert parsed.model is not None, parsed.issues
    findings = evaluate(parsed.model, CHECKS)
    for finding in findings:
        if finding.line is not None:
            assert finding.evidence["config"] == parsed.model.evidence(finding.line)
        assert "<redacted>" not in finding.message
    return [
        (f.check_id, f.severity, f.line) for f in findings if not ids or f.check_id.startswith(ids)
    ]


def test_corpus_ios_border_router_with_telnet_vty():
    # version 15.2, `transport input telnet` on vty 0 2, IPsec tunnels to AWS, type 5 admin
    # secret, clear IKE keys, BGP/OSPF without auth, no AAA/syslog/NTP/archive
    assert corpus_findings("cisco_ios/batfish_hybridcloudaws_lhr-border-02.cfg") == [
        ("ST-03", "high", 276),
        ("ST-03", "high", 278),
        ("ST-09", "medium", 108),
        ("ST-09", "medium", 116),
        ("ST-25", "medium", None),
        ("HD-01", "high", 276),
        ("HD-03", "medium", 45),
        ("HD-04", "medium", 54),
        ("HD-04", "medium", 57),
        ("HD-07", "high", None),
        ("HD-08", "high", None),
        ("HD-09", "high", None),
        ("HD-11", "low", 266),
        ("HD-11", "low", 271),
        ("HD-13", "low", None),
        ("HD-13", "low", None),
        ("HD-13", "low", None),
        ("HD-14", "low", None),
        ("HD-15", "medium", 199),
        ("HD-15", "medium", 201),
        ("HD-15", "medium", 203),
        ("HD-15", "medium", 204),
        ("HD-15", "medium", 206),
        ("HD-15", "medium", 208),
        ("HD-15", "medium", 136),
        ("HD-15", "medium", 142),
        ("HD-16", "low", None),
        ("HD-16", "low", None),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # `ip ssh port 2041 rotary 1 3`
        ("cisco_ios/batfish_unit_cisco_ssh.cfg", [("ST-04", "high", 6)]),
        # gre ip, gre multipoint and ipsec tunnels to 1.2.3.x
        (
            "cisco_ios/batfish_ios-tunnel-mode.cfg",
            [("ST-09", "medium", 7), ("ST-09", "high", 12), ("ST-09", "medium", 18)],
        ),
        (
            "cisco_ios/batfish_unit_cisco_wsma.cfg",
            [("ST-21", "medium", 4), ("ST-21", "medium", 7), ("ST-21", "medium", 9)],
        ),
        # EEM applets and `archive path tftp://`
        (
            "cisco_ios/batfish_unit_cisco_misc.cfg",
            [("ST-22", "medium", 58), ("ST-22", "medium", 68), ("ST-23", "high", 17)],
        ),
        # no `line vty` (NX-OS VTYs take SSH from anywhere), feature bash-shell, feature
        # nxapi without ACL
        (
            "cisco_nxos/batfish_nxos_feature.cfg",
            [("ST-03", "high", None), ("ST-15", "high", 5), ("ST-26", "high", 14)],
        ),
        # web-management http
        ("juniper_junos/batfish_srx-testbed_junos-srx-1.cfg", [("ST-27", "high", 17)]),
        # allowaccess https ssh on wan1
        (
            "fortinet_fortios/hierconfig_fortios_running.conf",
            [("ST-29", "high", 7), ("ST-29", "high", 7)],
        ),
        # public sources in the VTY/NTP and SNMP ACLs, authorization `none`, an RW community
        (
            "cisco_iosxr/ciscoconfparse_sample_01.iosxr",
            [
                ("ST-01", "high", 115),
                ("ST-01", "high", 116),
                ("ST-01", "high", 108),
                ("ST-01", "high", 109),
                ("ST-01", "high", 110),
                ("ST-01", "high", 111),
                ("ST-01", "high", 112),
                ("ST-11", "high", 60),
                ("ST-12", "high", 68),
                ("ST-12", "high", 69),
                ("ST-13", "high", 83),
                ("ST-13", "high", 84),
            ],
        ),
    ],
)
def test_corpus_compromise_findings(name, expected):
    found = corpus_findings(name, ("ST-",))
    assert [f for f in found if f[0] != "ST-25"] == expected


NTP_LINE = 102  # " server 100.2.3.12" inside the XR ntp block (its first server)


def test_corpus_messages():
    from seawall.sources.configs import parse_config_file

    model = parse_config_file(str(CORPUS / "cisco_iosxr/ciscoconfparse_sample_01.iosxr")).model
    assert model is not None
    by_line = {(f.check_id, f.line): f for f in evaluate(model, CHECKS)}
    assert by_line[("ST-13", 84)].message == (
        "SNMPv2c community (fingerprint cf882b0b4613): cleartext shared secret; read-write "
        "(SNMP SET can change the config); ACL 3"
    )
    assert by_line[("HD-01", 57)].message == "telnet server enabled: cleartext logins"
    assert by_line[("HD-14", NTP_LINE)].message.startswith("NTP without authentication")
    ssh = parse_config_file(str(CORPUS / "cisco_ios/batfish_unit_cisco_ssh.cfg")).model
    assert ssh is not None
    (port,) = [f for f in evaluate(ssh, CHECKS) if f.check_id == "ST-04"]
    assert port.message == "ssh on non-default port 2041 rotary 1 3"
    assert port.evidence == {
        "service": "ssh",
        "port": 2041,
        "rotary": "1 3",
        "config": "ip ssh port 2041 rotary 1 3",
    }


def test_corpus_drift_of_campaign_edits():
    """lhr-border-02 and a copy with the campaign's edits: an external host in ACL 20 bound to
    the VTYs, an admin account, SSH on 22122 with a rotary, a loopback re-addressed, log
    hosts (one external) and an internal NTP server."""
    from seawall.detect.audit.drift import diff_configs
    from seawall.sources.configs import parse_config_text

    base = (CORPUS / "cisco_ios/batfish_hybridcloudaws_lhr-border-02.cfg").read_text()
    edits = (
        "no ip http server\nlogging host 198.51.100.5\nlogging host 10.1.1.1\n"
        "ntp server 10.2.2.2\nusername cisco privilege 15 secret 0 x\n"
        "access-list 20 permit host 203.0.113.9\nip ssh port 22122 rotary 1\n"
    )
    current = (
        base.replace("no ip http server\n", edits)
        .replace("line vty 3 5\n", "line vty 3 5\n access-class 20 in\n")
        .replace("ip address 10.10.255.8 ", "ip address 10.10.255.9 ")
    )
    before = parse_config_text(base, "golden/lhr-border-02.cfg", "cisco_ios").model
    after = parse_config_text(current, "current/lhr-border-02.cfg", "cisco_ios").model
    assert before is not None and after is not None
    pairs = findings_for_changes(diff_configs(before, after), after, CHECKS)
    assert sorted((f.check_id, f.severity, f.line, c.kind) for f, c in pairs) == [
        ("ST-01", "high", 238, "acl_external_permit_added"),
        ("ST-03", "high", 284, "vty_access_class_changed"),
        ("ST-04", "high", 239, "mgmt_port_changed"),
        ("ST-06", "high", 237, "privileged_user_added"),
        ("ST-10", "medium", 105, "loopback_readdressed"),
        ("ST-17", "high", 234, "logging_host_added"),  # 198.51.100.5; 10.1.1.1 is internal
    ]
    by_id = {f.check_id: f for f, _ in pairs}
    assert by_id["ST-06"].evidence["config"] == "username cisco privilege 15 secret 0 <redacted>"
    assert "x" not in by_id["ST-06"].message.split()
    # the static checks see the same edits in the current config alone
    static = {(f.check_id, f.line) for f in evaluate(after, CHECKS)}
    assert {("ST-02", 238), ("ST-04", 239), ("HD-06", 237), ("HD-03", 237)} <= static
