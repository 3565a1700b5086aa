"""Inventory from device models, and the network map it gives the traffic detectors."""

from __future__ import annotations

from seawall.detect.audit.inventory import device_inventory, network_context
from seawall.detect.base import NetworkContext
from seawall.records.alerts import Alert
from seawall.records.config import (
    AaaServer,
    Acl,
    AclEntry,
    AclUse,
    CryptoPeer,
    DeviceConfig,
    Interface,
    LogHost,
)


def _router() -> DeviceConfig:
    model = DeviceConfig(path="r1.cfg", dialect="cisco_ios", hostname="r1", vendor="Cisco")
    model.interfaces = [
        Interface("Loopback0", "loopback", 10, addresses=["10.255.0.1/32"]),
        Interface("GigabitEthernet0/0", "physical", 12, addresses=["10.1.1.1/24"]),
        Interface("Tunnel7", "tunnel", 20, tunnel_destination="198.51.100.7"),
        Interface("Tunnel8", "tunnel", 24, tunnel_destination="52.1.2.3"),
    ]
    model.aaa.servers = [AaaServer("tacacs", "10.9.9.9", 30), AaaServer("tacacs", "45.9.9.9", 31)]
    model.aaa.source_interfaces = {"tacacs": "Loopback0"}
    model.logging.hosts = [LogHost("10.9.9.10", 40)]
    model.crypto_peers = [CryptoPeer("52.1.2.3", "isakmp", 50)]
    model.acls = {
        "20": Acl(
            "20",
            60,
            "standard",
            [
                AclEntry("permit", 61, source="10.50.0.0/24"),
                AclEntry("permit", 62, source="203.0.113.5/32"),
            ],
        )
    }
    model.acl_uses = [AclUse("20", "vty", 70)]
    return model


def test_device_inventory() -> None:
    inv = device_inventory(_router())
    assert inv.hostname == "r1"
    assert inv.loopbacks == ["10.255.0.1"]
    assert inv.management_addresses == ["10.255.0.1"]
    assert inv.interface_addresses == ["10.1.1.1", "10.255.0.1"]
    assert inv.aaa_servers == ["10.9.9.9", "45.9.9.9"]
    assert inv.logging_hosts == ["10.9.9.10"]
    assert inv.tunnel_peers == ["198.51.100.7", "52.1.2.3"]
    assert inv.admin_sources == ["10.50.0.0/24", "203.0.113.5/32"]


def test_network_map_trusts_nothing_an_alert_accuses() -> None:
    inv = device_inventory(_router())
    accusation = Alert(
        detector="config_audit",
        rule_id="ST-09",
        title="GRE tunnel to an unknown peer",
        severity="high",
        attack=["T1572"],
        entities={"device": "r1"},
        first_seen=None,
        last_seen=None,
        explanation="r1: interface Tunnel7 to 198.51.100.7",
        evidence={"tunnel_destination": "198.51.100.7", "server": "45.9.9.9"},
    )
    base = NetworkContext.from_dict({"dns_resolvers": ["10.0.0.53"]})
    ctx = network_context([inv], [accusation], base)
    assert ctx.allowed_tunnel_peers.contains("52.1.2.3")
    assert not ctx.allowed_tunnel_peers.contains("198.51.100.7")
    assert ctx.aaa_servers.contains("10.9.9.9") and not ctx.aaa_servers.contains("45.9.9.9")
    # The external host allow-listed in ACL 20 is what ST-01/02 accuse: never an admin source.
    assert ctx.admin_sources.contains("10.50.0.9")
    assert not ctx.admin_sources.contains("203.0.113.5")
    assert ctx.infrastructure.contains("10.255.0.1") and ctx.infrastructure.contains("10.1.1.1")
    assert ctx.internal.contains("10.1.1.77")
    assert ctx.dns_resolvers.contains("10.0.0.53")
    # Without the accusation both peers are known.
    assert network_context([inv]).allowed_tunnel_peers.contains("198.51.100.7")
