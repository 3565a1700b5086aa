"""Inventory: what the configurations say about the network, and the network map the traffic
detectors need, so a hunt over configs and captures needs no hand-written description.

Trust is the hard part. A compromised router's config names the intruder's GRE peer and
allow-lists the intruder's address; taking those as "known" would blind the traffic detectors
to exactly what they should see. So an address is trusted only if it is private, or if no
audit alert about that device names it (alerts put addresses they accuse in their evidence).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from seawall.detect.base import NetworkContext
from seawall.netaddr import PRIVATE_NETWORKS, NetworkSet
from seawall.records.alerts import Alert
from seawall.records.config import DeviceConfig

# ACL uses that say "who may manage this device".
MANAGEMENT_ACL_USES = frozenset({"vty", "ssh", "snmp", "http", "netconf", "nxapi", "mpp", "copp"})
_PRIVATE = NetworkSet(list(PRIVATE_NETWORKS))


@dataclass(slots=True)
class DeviceInventory:
    hostname: str
    path: str
    vendor: str
    os: str
    version: str | None
    platform: str | None
    dialect: str
    management_addresses: list[str] = field(default_factory=list)
    loopbacks: list[str] = field(default_factory=list)
    interface_addresses: list[str] = field(default_factory=list)
    interface_networks: list[str] = field(default_factory=list)
    aaa_servers: list[str] = field(default_factory=list)
    logging_hosts: list[str] = field(default_factory=list)
    ntp_servers: list[str] = field(default_factory=list)
    snmp_hosts: list[str] = field(default_factory=list)
    tunnel_peers: list[str] = field(default_factory=list)
    admin_sources: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    unknown_lines: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _host(address: str) -> str | None:
    """The address part of ``a.b.c.d/len`` or ``a.b.c.d``; None if not an IP."""
    text = address.split("/", 1)[0].strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _network(address: str) -> str | None:
    try:
        return str(ipaddress.ip_interface(address.strip()).network)
    except ValueError:
        return None


def _unique(values: Iterable[str | None]) -> list[str]:
    return sorted({v for v in values if v})


def device_inventory(model: DeviceConfig) -> DeviceInventory:
    """The inventory row of one device."""
    loopbacks = [a for i in model.interfaces if i.kind == "loopback" for a in i.addresses]
    management = [a for i in model.interfaces if i.kind == "management" for a in i.addresses]
    # A source interface for AAA/logging/SSH names the address the device manages from.
    source_names = set(model.aaa.source_interfaces.values())
    if model.logging.source_interface:
        source_names.add(model.logging.source_interface)
    sourced = [a for i in model.interfaces if i.name in source_names for a in i.addresses]
    admin_sources = [
        entry.source
        for use in model.acl_uses
        if use.where in MANAGEMENT_ACL_USES and use.acl in model.acls
        for entry in model.acls[use.acl].entries
        if entry.action == "permit" and entry.source not in ("any", "")
    ]
    tunnel_peers = [i.tunnel_destination for i in model.interfaces if i.tunnel_destination]
    tunnel_peers += [p.address for p in model.crypto_peers]
    return DeviceInventory(
        hostname=model.name,
        path=model.path,
        vendor=model.vendor,
        os=model.os,
        version=model.version,
        platform=model.platform,
        dialect=model.dialect,
        management_addresses=_unique(_host(a) for a in [*management, *loopbacks, *sourced]),
        loopbacks=_unique(_host(a) for a in loopbacks),
        interface_addresses=_unique(_host(a) for i in model.interfaces for a in i.addresses),
        interface_networks=_unique(_network(a) for i in model.interfaces for a in i.addresses),
        aaa_servers=_unique(_host(s.address) for s in model.aaa.servers),
        logging_hosts=_unique(_host(h.address) for h in model.logging.hosts),
        ntp_servers=_unique(_host(s.address) for s in model.ntp.servers),
        snmp_hosts=_unique(_host(h.address) for h in model.snmp.hosts),
        tunnel_peers=_unique(_host(p) for p in tunnel_peers),
        admin_sources=_unique(_network(s) for s in admin_sources),
        services=_unique(
            f"{s.name}:{s.port}" if s.port else s.name for s in model.services if s.enabled
        ),
        unknown_lines=len(model.unknown_lines),
    )


def accused_addresses(alerts: Iterable[Alert]) -> dict[str, set[str]]:
    """Per device, the addresses audit alerts accuse (peers, servers, permitted sources)."""
    accused: dict[str, set[str]] = {}
    for alert in alerts:
        device = str(alert.entities.get("device", ""))
        for value in _addresses_in(alert.entities) | _addresses_in(alert.evidence):
            accused.setdefault(device, set()).add(value)
    return accused


def _addresses_in(data: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        for value in data.values():
            found |= _addresses_in(value)
    elif isinstance(data, list):
        for value in data:
            found |= _addresses_in(value)
    elif isinstance(data, str):
        for word in data.replace(",", " ").split():
            host = _host(word)
            if host:
                found.add(host)
    return found


def network_context(
    devices: Sequence[DeviceInventory],
    alerts: Iterable[Alert] = (),
    base: NetworkContext | None = None,
) -> NetworkContext:
    """The traffic detectors' network map from the inventory, merged with ``base`` (what
    the operator wrote by hand wins nothing and loses nothing: both are kept)."""
    accused = accused_addresses(alerts)

    def trusted(device: DeviceInventory, values: Iterable[str]) -> list[str]:
        bad = accused.get(device.hostname, set())
        return [v for v in values if _PRIVATE.contains(_host(v)) or _host(v) not in bad]

    infrastructure: list[str] = []
    management: list[str] = []
    admin: list[str] = []
    internal: list[str] = []
    peers: list[str] = []
    aaa: list[str] = []
    for device in devices:
        infrastructure += device.management_addresses + device.interface_addresses
        management += device.management_addresses
        # Permitted admin sources are trusted only where private: an external permit in a
        # management ACL is what ST-01/ST-02 accuse.
        admin += [s for s in device.admin_sources if _PRIVATE.contains(_host(s))]
        internal += [n for n in device.interface_networks if _PRIVATE.contains(_host(n))]
        peers += trusted(device, device.tunnel_peers)
        aaa += trusted(device, device.aaa_servers)
        admin += [a for a in trusted(device, device.aaa_servers) if a]
    base = base or NetworkContext()
    return NetworkContext(
        infrastructure=_merge(base.infrastructure, infrastructure),
        management=_merge(base.management, management),
        admin_sources=_merge(base.admin_sources, admin),
        internal=_merge(base.internal, internal),
        allowed_tunnel_peers=_merge(base.allowed_tunnel_peers, peers),
        aaa_servers=_merge(base.aaa_servers, aaa),
        dns_resolvers=base.dns_resolvers,
    )


def _merge(existing: NetworkSet, extra: Iterable[str]) -> NetworkSet:
    values = _unique(_network(v) if "/" in v else _host(v) for v in extra)
    if not values:
        return existing
    return NetworkSet([*existing.networks, *values])
