"""Drift in what the device does: tunnels, loopbacks and policy routing, logging, NTP and
source interfaces, captures, on-box guests and automation, crypto peers, routes, routing peers,
boot images, archive targets, version and hostname. Each section compares one part of two
models and adds ``ConfigChange`` items; ``drift.diff_configs`` orders them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seawall.detect.audit import drift_access
from seawall.detect.audit.drift_support import Changes, find_line, index
from seawall.records.config import DeviceConfig, Interface

Section = Callable[[DeviceConfig, DeviceConfig, Changes], None]


# --- interfaces: tunnels, loopbacks, policy routing ------------------------------------------


def _interfaces(model: DeviceConfig, kind: str) -> dict[str, Interface]:
    return index((i for i in model.interfaces if i.kind == kind), lambda i: i.name)


def tunnels(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all, new_all = _interfaces(before, "tunnel"), _interfaces(after, "tunnel")
    for name in sorted(set(old_all) | set(new_all)):
        old, new = old_all.get(name), new_all.get(name)
        subject = f"interface {name}"
        if old is None and new is not None:
            mode = f" mode {new.tunnel_mode}" if new.tunnel_mode else ""
            peer = f" to {new.tunnel_destination}" if new.tunnel_destination else ""
            out.add(
                "tunnel_added",
                subject,
                f"tunnel {name}{mode}{peer} added",
                after=_tunnel_summary(new),
                line_after=new.line,
            )
        elif new is None and old is not None:
            out.add(
                "tunnel_removed",
                subject,
                f"tunnel {name} removed",
                before=_tunnel_summary(old),
                line_before=old.line,
            )
        elif (
            old is not None
            and new is not None
            and (old.tunnel_destination != new.tunnel_destination)
        ):
            out.add(
                "tunnel_peer_changed",
                subject,
                f"tunnel {name} destination changed from {old.tunnel_destination} to "
                f"{new.tunnel_destination}",
                before=_tunnel_summary(old),
                after=_tunnel_summary(new),
                line_before=old.line,
                line_after=find_line(after, "destination", start=new.line) or new.line,
            )


def _tunnel_summary(interface: Interface) -> dict[str, Any]:
    return {
        "mode": interface.tunnel_mode,
        "source": interface.tunnel_source,
        "destination": interface.tunnel_destination,
        "addresses": list(interface.addresses),
    }


def loopbacks(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all, new_all = _interfaces(before, "loopback"), _interfaces(after, "loopback")
    for name in sorted(new_all):
        old, new = old_all.get(name), new_all[name]
        subject = f"interface {name}"
        if old is None:
            shown = ", ".join(new.addresses) or "no address"
            out.add(
                "loopback_added",
                subject,
                f"loopback {name} added ({shown})",
                after=list(new.addresses),
                line_after=new.line,
            )
        elif sorted(old.addresses) != sorted(new.addresses):
            out.add(
                "loopback_readdressed",
                subject,
                f"loopback {name} address changed from {', '.join(old.addresses) or 'none'} "
                f"to {', '.join(new.addresses) or 'none'}",
                before=list(old.addresses),
                after=list(new.addresses),
                line_before=old.line,
                line_after=new.line,
            )


def policy_routes(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_keys = {(p.route_map, p.next_hop, p.interface) for p in before.policy_routes}
    for route in after.policy_routes:
        if (route.route_map, route.next_hop, route.interface) in old_keys:
            continue
        target = route.next_hop or route.interface or "?"
        out.add(
            "policy_route_added",
            f"route-map {route.route_map}",
            f"policy route in route-map {route.route_map} now sends traffic to {target}",
            after={"next_hop": route.next_hop, "interface": route.interface},
            line_after=route.line,
        )
    old_maps = {i.name: i.policy_route_map for i in before.interfaces}
    for interface in after.interfaces:
        was = old_maps.get(interface.name)
        if interface.policy_route_map and interface.policy_route_map != was:
            out.add(
                "policy_route_added",
                f"interface {interface.name}",
                f"policy routing (route-map {interface.policy_route_map}) applied to "
                f"{interface.name}",
                before=was,
                after=interface.policy_route_map,
                line_after=find_line(after, "policy", start=interface.line) or interface.line,
            )


# --- logging, NTP, source interfaces ---------------------------------------------------------

_LEVELS = {
    "emergencies": 0,
    "alerts": 1,
    "critical": 2,
    "errors": 3,
    "warnings": 4,
    "notifications": 5,
    "informational": 6,
    "debugging": 7,
    # JunOS/EOS spellings
    "emergency": 0,
    "alert": 1,
    "error": 3,
    "warning": 4,
    "notice": 5,
    "info": 6,
    "debug": 7,
    "any": 7,
}


def _level(text: str | None) -> int | None:
    if text is None:
        return None
    lowered = text.strip().lower()
    if lowered.isdigit():
        return int(lowered)
    return _LEVELS.get(lowered)


def logging(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_hosts = index(before.logging.hosts, lambda h: (h.address, h.vrf or ""))
    new_hosts = index(after.logging.hosts, lambda h: (h.address, h.vrf or ""))
    for key in sorted(set(old_hosts) - set(new_hosts)):
        host = old_hosts[key]
        out.add(
            "logging_host_removed",
            f"logging host {host.address}",
            f"logs no longer sent to {host.address}",
            before=host.address,
            line_before=host.line,
        )
    for key in sorted(set(new_hosts) - set(old_hosts)):
        host = new_hosts[key]
        out.add(
            "logging_host_added",
            f"logging host {host.address}",
            f"logs now also sent to {host.address}",
            after=host.address,
            line_after=host.line,
        )
    old, new = before.logging, after.logging
    weakened: list[tuple[str, str, Any, Any, int | None]] = []
    was_level, now_level = _level(old.trap_level), _level(new.trap_level)
    if was_level is not None and now_level is not None and now_level < was_level:
        weakened.append(
            (
                "logging trap",
                f"syslog level lowered from {old.trap_level} to {new.trap_level}: fewer "
                "messages reach the log servers",
                old.trap_level,
                new.trap_level,
                find_line(after, "trap"),
            )
        )
    if old.command_logging and not new.command_logging:
        weakened.append(
            (
                "command logging",
                "command logging turned off (archive log config / accounting of commands)",
                True,
                False,
                None,
            )
        )
    if old.notify_syslog and not new.notify_syslog:
        weakened.append(
            ("notify syslog", "logged commands no longer sent to syslog", True, False, None)
        )
    if new.disabled and not old.disabled:
        weakened.append(
            ("logging", "logging disabled", False, True, find_line(after, "no logging"))
        )
    for added in sorted(set(new.discriminators) - set(old.discriminators)):
        weakened.append(
            (
                f"logging discriminator {added}",
                f"logging discriminator {added} added (can drop messages before they leave)",
                None,
                added,
                find_line(after, f"discriminator {added}"),
            )
        )
    for subject, detail, was, now, line in weakened:
        out.add(
            "logging_weakened",
            subject,
            detail,
            before=was,
            after=now,
            line_before=old.line,
            line_after=line or new.line,
        )


def ntp(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all = index(before.ntp.servers, lambda s: s.address)
    new_all = index(after.ntp.servers, lambda s: s.address)
    for address in sorted(set(new_all) - set(old_all)):
        out.add(
            "ntp_server_added",
            f"ntp server {address}",
            f"NTP server {address} added",
            after=address,
            line_after=new_all[address].line,
        )
    for address in sorted(set(old_all) - set(new_all)):
        out.add(
            "ntp_server_removed",
            f"ntp server {address}",
            f"NTP server {address} removed",
            before=address,
            line_before=old_all[address].line,
        )


def _source_interfaces(model: DeviceConfig) -> dict[str, str]:
    found = dict(model.aaa.source_interfaces)
    if model.logging.source_interface and "logging" not in found:
        found["logging"] = model.logging.source_interface
    return found


def source_interfaces(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all, new_all = _source_interfaces(before), _source_interfaces(after)
    for protocol in sorted(set(old_all) | set(new_all)):
        was, now = old_all.get(protocol), new_all.get(protocol)
        if was == now:
            continue
        detail = (
            f"{protocol} source-interface changed from {was} to {now}"
            if was and now
            else (
                f"{protocol} source-interface {now} set"
                if now
                else f"{protocol} source-interface {was} removed"
            )
        )
        out.add(
            "source_interface_changed",
            f"{protocol} source-interface",
            detail,
            before=was,
            after=now,
            line_before=_source_line(before, protocol, was) if was else None,
            line_after=_source_line(after, protocol, now) if now else None,
        )


def _source_line(model: DeviceConfig, protocol: str, interface: str) -> int | None:
    """The ``protocol`` source-interface statement naming ``interface``."""
    wanted = interface.lower()
    for number in sorted(model.text):
        text = model.text[number].lower()
        if wanted in text and "source" in text and protocol in text:
            return number
    return None


# --- captures, guests, automation ------------------------------------------------------------


def captures(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all = index(before.captures, lambda c: (c.kind, c.name))
    for capture in after.captures:
        old = old_all.get((capture.kind, capture.name))
        if old is not None and old.destination == capture.destination:
            continue
        target = f" to {capture.destination}" if capture.destination else ""
        detail = (
            f"{capture.kind} {capture.name} now sends{target}"
            if old is not None
            else f"{capture.kind} {capture.name} configured{target}"
        )
        out.add(
            "capture_added",
            f"{capture.kind} {capture.name}",
            detail,
            before=old.destination if old is not None else None,
            after={
                "source": capture.source,
                "destination": capture.destination,
                "filter": capture.filter,
            },
            line_before=old.line if old is not None else None,
            line_after=capture.line,
        )


def containers(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all = index(before.containers, lambda c: (c.kind, c.name))
    for container in after.containers:
        if not container.enabled:
            continue
        old = old_all.get((container.kind, container.name))
        if old is not None and old.enabled:
            continue
        out.add(
            "container_enabled",
            f"{container.kind} {container.name}",
            f"{container.kind} {container.name} enabled (on-box Linux environment)",
            before=old.enabled if old is not None else None,
            after=True,
            line_before=old.line if old is not None else None,
            line_after=container.line,
        )


def automation(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all = index(before.automation, lambda a: (a.kind, a.name))
    for item in after.automation:
        old = old_all.get((item.kind, item.name))
        subject = f"{item.kind} {item.name}"
        if old is None:
            out.add(
                "automation_added",
                subject,
                f"{subject} added, runs {len(item.actions)} command(s)",
                after=list(item.actions),
                line_after=item.line,
            )
        elif old.actions != item.actions:
            out.add(
                "automation_changed",
                subject,
                f"commands run by {subject} changed",
                before=list(old.actions),
                after=list(item.actions),
                line_before=old.line,
                line_after=item.line,
            )


# --- crypto, routing, images, archives, identity --------------------------------------------


def crypto_peers(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_keys = {(p.kind, p.address) for p in before.crypto_peers}
    seen: set[tuple[str, str]] = set()
    for peer in after.crypto_peers:
        key = (peer.kind, peer.address)
        if key in old_keys or key in seen:
            continue
        seen.add(key)
        named = f" ({peer.name})" if peer.name else ""
        out.add(
            "crypto_peer_added",
            f"{peer.kind} peer {peer.address}",
            f"{peer.kind} peer {peer.address}{named} added",
            after={"kind": peer.kind, "address": peer.address, "name": peer.name},
            line_after=peer.line,
        )


def static_routes(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    def key(route: Any) -> tuple[str, str, str, str]:
        return (route.prefix, route.next_hop or "", route.interface or "", route.vrf or "")

    old_all = index(before.static_routes, key)
    new_all = index(after.static_routes, key)
    for route_key in sorted(set(new_all) - set(old_all)):
        route = new_all[route_key]
        via = route.next_hop or route.interface or "?"
        vrf = f" in vrf {route.vrf}" if route.vrf else ""
        out.add(
            "static_route_added",
            f"route {route.prefix}",
            f"static route {route.prefix} via {via}{vrf} added",
            after={"next_hop": route.next_hop, "interface": route.interface, "vrf": route.vrf},
            line_after=route.line,
        )
    for route_key in sorted(set(old_all) - set(new_all)):
        route = old_all[route_key]
        via = route.next_hop or route.interface or "?"
        out.add(
            "static_route_removed",
            f"route {route.prefix}",
            f"static route {route.prefix} via {via} removed",
            before={"next_hop": route.next_hop, "interface": route.interface, "vrf": route.vrf},
            line_before=route.line,
        )


def routing_peers(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all = index(before.routing_peers, lambda p: (p.protocol, p.neighbor))
    new_all = index(after.routing_peers, lambda p: (p.protocol, p.neighbor))
    for key in sorted(set(new_all) - set(old_all)):
        peer = new_all[key]
        remote = f" (AS {peer.remote_as})" if peer.remote_as else ""
        auth = "" if peer.authenticated else ", no authentication"
        out.add(
            "routing_peer_added",
            f"{peer.protocol} neighbor {peer.neighbor}",
            f"{peer.protocol} neighbor {peer.neighbor}{remote} added{auth}",
            after={"remote_as": peer.remote_as, "authenticated": peer.authenticated},
            line_after=peer.line,
        )
    for key in sorted(set(old_all) - set(new_all)):
        peer = old_all[key]
        out.add(
            "routing_peer_removed",
            f"{peer.protocol} neighbor {peer.neighbor}",
            f"{peer.protocol} neighbor {peer.neighbor} removed",
            before={"remote_as": peer.remote_as, "authenticated": peer.authenticated},
            line_before=peer.line,
        )


def boot_images(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    was = [b.image for b in before.boot_images]
    now = [b.image for b in after.boot_images]
    if was != now:
        out.add(
            "boot_image_changed",
            "boot image",
            f"boot images changed from {', '.join(was) or 'none'} to {', '.join(now) or 'none'}",
            before=was,
            after=now,
            line_before=before.boot_images[0].line if before.boot_images else None,
            line_after=after.boot_images[0].line if after.boot_images else None,
        )


def archive_targets(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_urls = {a.url for a in before.archive_targets}
    for target in after.archive_targets:
        if target.url in old_urls:
            continue
        out.add(
            "archive_target_added",
            f"{target.kind} {target.url}",
            f"configuration copies now go to {target.url}",
            after=target.url,
            line_after=target.line,
        )


def identity(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    if before.version != after.version:
        out.add(
            "version_changed",
            "version",
            f"software version changed from {before.version} to {after.version}",
            before=before.version,
            after=after.version,
            line_before=find_line(before, before.version) if before.version else None,
            line_after=find_line(after, after.version) if after.version else None,
        )
    if before.hostname != after.hostname:
        out.add(
            "hostname_changed",
            "hostname",
            f"hostname changed from {before.hostname} to {after.hostname}",
            before=before.hostname,
            after=after.hostname,
            line_before=find_line(before, before.hostname) if before.hostname else None,
            line_after=find_line(after, after.hostname) if after.hostname else None,
        )


OTHER_SECTIONS: tuple[Section, ...] = (
    drift_access.users,
    tunnels,
    crypto_peers,
    drift_access.aaa_servers,
    drift_access.aaa_methods,
    logging,
    ntp,
    loopbacks,
    source_interfaces,
    captures,
    drift_access.services,
    drift_access.snmp,
    containers,
    automation,
    static_routes,
    policy_routes,
    routing_peers,
    boot_images,
    archive_targets,
    identity,
)
