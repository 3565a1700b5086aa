"""Drift in who can get in: local accounts, AAA servers and method lists, management
services and ports, SNMP communities and users."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seawall.detect.audit.drift_support import Changes, find_line, index, is_external
from seawall.records.config import AaaMethod, AaaServer, DeviceConfig, LocalUser, Service

# --- local accounts -------------------------------------------------------------------------


def _user_summary(user: LocalUser) -> dict[str, Any]:
    return {
        "privilege": user.privilege,
        "role": user.role,
        "is_admin": user.is_admin,
        "secret_type": user.secret_type,
        "ssh_keys": user.ssh_keys,
    }


def _rank(user: LocalUser) -> tuple[int, int]:
    return (1 if user.is_admin else 0, user.privilege if user.privilege is not None else -1)


def users(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all = index(before.users, lambda u: u.name)
    new_all = index(after.users, lambda u: u.name)
    for name in sorted(set(old_all) | set(new_all)):
        old, new = old_all.get(name), new_all.get(name)
        subject = f"user {name}"
        if old is None and new is not None:
            admin = new.is_admin
            level = f"privilege {new.privilege}" if new.privilege is not None else new.role
            out.add(
                "privileged_user_added" if admin else "user_added",
                subject,
                f"{'administrator' if admin else 'local'} account {name} added"
                + (f" ({level})" if level else ""),
                after=_user_summary(new),
                line_after=new.line,
            )
            continue
        if new is None and old is not None:
            out.add(
                "user_removed",
                subject,
                f"local account {name} removed",
                before=_user_summary(old),
                line_before=old.line,
            )
            continue
        assert old is not None and new is not None
        lines = {"line_before": old.line, "line_after": new.line}
        if _rank(new) > _rank(old):
            out.add(
                "user_privilege_raised",
                subject,
                f"{name} raised from {_describe_rank(old)} to {_describe_rank(new)}",
                before=_user_summary(old),
                after=_user_summary(new),
                **lines,
            )
        fingerprint_changed = (
            old.secret_fingerprint is not None
            and new.secret_fingerprint is not None
            and old.secret_fingerprint != new.secret_fingerprint
        )
        if old.secret_type != new.secret_type or fingerprint_changed:
            how = (
                f"type {old.secret_type} -> {new.secret_type}"
                if old.secret_type != new.secret_type
                else f"same type {new.secret_type}, different value"
            )
            out.add(
                "user_secret_changed",
                subject,
                f"password/secret of {name} changed ({how})",
                before={"secret_type": old.secret_type},
                after={"secret_type": new.secret_type},
                **lines,
            )
        if new.ssh_keys > old.ssh_keys:
            out.add(
                "user_ssh_key_added",
                subject,
                f"{new.ssh_keys - old.ssh_keys} SSH public key(s) added for {name}",
                before=old.ssh_keys,
                after=new.ssh_keys,
                **lines,
            )


def _describe_rank(user: LocalUser) -> str:
    parts = []
    if user.privilege is not None:
        parts.append(f"privilege {user.privilege}")
    if user.role:
        parts.append(f"role {user.role}")
    if not parts:
        parts.append("administrator" if user.is_admin else "non-administrator")
    return ", ".join(parts)


# --- AAA -----------------------------------------------------------------------------------

_GROUP_METHODS = frozenset({"tacacs+", "tacacs", "tacplus", "radius", "ldap"})
_WEAK_METHODS = frozenset(
    {"local", "none", "line", "enable", "local-case", "password", "if-authenticated"}
)


def _is_group(method: str) -> bool:
    lowered = method.lower()
    return lowered.startswith("group") or lowered in _GROUP_METHODS


def _server_key(server: AaaServer) -> tuple[str, str, str]:
    if server.name:
        return (server.protocol, "name", server.name)
    return (server.protocol, "address", server.address)


def _server_summary(server: AaaServer) -> dict[str, Any]:
    return {
        "protocol": server.protocol,
        "address": server.address,
        "port": server.port,
        "vrf": server.vrf,
        "group": server.group,
        "key_type": server.key_type,
    }


def aaa_servers(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all = index(before.aaa.servers, _server_key)
    new_all = index(after.aaa.servers, _server_key)
    for key in sorted(set(old_all) | set(new_all)):
        old, new = old_all.get(key), new_all.get(key)
        protocol, _, ident = key
        subject = f"{protocol} server {ident}"
        if old is None and new is not None:
            out.add(
                "aaa_server_added",
                subject,
                f"{protocol} server {new.address} added"
                + (f" to group {new.group}" if new.group else ""),
                after=_server_summary(new),
                line_after=new.line,
            )
        elif new is None and old is not None:
            out.add(
                "aaa_server_removed",
                subject,
                f"{protocol} server {old.address} removed",
                before=_server_summary(old),
                line_before=old.line,
            )
        elif old is not None and new is not None:
            changed = [
                label
                for label, was, now in (
                    ("address", old.address, new.address),
                    ("port", old.port, new.port),
                    ("vrf", old.vrf, new.vrf),
                    ("group", old.group, new.group),
                    ("key type", old.key_type, new.key_type),
                    ("key", old.key_fingerprint, new.key_fingerprint),
                )
                if was != now
            ]
            if changed:
                out.add(
                    "aaa_server_changed",
                    subject,
                    f"{subject} changed: {', '.join(changed)}"
                    + (f" (now {new.address})" if "address" in changed else ""),
                    before=_server_summary(old),
                    after=_server_summary(new),
                    line_before=old.line,
                    line_after=new.line,
                )


def _method_key(method: AaaMethod) -> tuple[str, str, str, int]:
    return (
        method.function,
        method.service,
        method.list_name,
        method.level if method.level is not None else -1,
    )


def _method_subject(method: AaaMethod) -> str:
    level = f" {method.level}" if method.level is not None else ""
    return f"aaa {method.function} {method.service}{level} {method.list_name}"


def _weakening(old: AaaMethod, new: AaaMethod) -> str | None:
    was = [m.lower() for m in old.methods]
    now = [m.lower() for m in new.methods]
    if any(_is_group(m) for m in was) and not any(_is_group(m) for m in now):
        return "AAA server groups removed from the method list"
    if "none" in now and "none" not in was:
        return "'none' added to the method list"
    if was and now and _is_group(was[0]) and now[0] in _WEAK_METHODS:
        return f"'{now[0]}' now tried before the AAA servers"
    return None


def aaa_methods(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    if before.aaa.new_model is True and after.aaa.new_model is not True:
        out.add(
            "aaa_weakened",
            "aaa new-model",
            "aaa new-model removed: AAA method lists no longer apply",
            before=True,
            after=after.aaa.new_model,
            line_before=find_line(before, "aaa new-model"),
        )
    old_all = index(before.aaa.methods, _method_key)
    new_all = index(after.aaa.methods, _method_key)
    for key in sorted(set(old_all) | set(new_all)):
        old, new = old_all.get(key), new_all.get(key)
        if old is None:
            continue  # new method lists add control; weakening shows on the changed ones
        is_commands = old.function == "accounting" and old.service == "commands"
        subject = _method_subject(old)
        if new is None:
            out.add(
                "command_accounting_removed" if is_commands else "aaa_weakened",
                subject,
                f"'{subject} {' '.join(old.methods)}' removed",
                before=list(old.methods),
                line_before=old.line,
            )
            continue
        reason = _weakening(old, new)
        if reason:
            out.add(
                "command_accounting_removed" if is_commands else "aaa_weakened",
                subject,
                f"{subject}: {reason} ({' '.join(old.methods)} -> {' '.join(new.methods)})",
                before=list(old.methods),
                after=list(new.methods),
                line_before=old.line,
                line_after=new.line,
            )


# --- management services and SNMP ------------------------------------------------------------


@dataclass(slots=True)
class _ServiceState:
    enabled: bool | None = None
    line: int | None = None
    ports: set[int] = field(default_factory=set)
    port_line: int | None = None
    rotary: set[str] = field(default_factory=set)
    allowed: dict[tuple[str, str], int] = field(default_factory=dict)  # (iface, net) -> line


def _service_states(model: DeviceConfig) -> dict[str, _ServiceState]:
    """Per service name, the effective state of its explicit statements. A statement that
    only sets a port (``ip http port 8080``) does not switch the service on; ``enabled``
    comes from the on/off statements when there are any."""
    states: dict[str, _ServiceState] = {}
    on_off: dict[str, list[Service]] = {}
    for service in model.services:
        state = states.setdefault(service.name, _ServiceState())
        if service.port is not None and service.enabled:
            state.ports.add(service.port)
            state.port_line = service.line
        if "rotary" in service.options:
            state.rotary.add(service.options["rotary"])
        if "allowed" in service.options and service.enabled:
            state.allowed[(service.interface or "", service.options["allowed"])] = service.line
        if service.port is None and "allowed" not in service.options:
            on_off.setdefault(service.name, []).append(service)
    for name, state in states.items():
        statements = on_off.get(name)
        if statements:
            last = max(statements, key=lambda s: s.line)
            state.enabled = any(s.enabled for s in statements) and last.enabled
            state.line = last.line
        else:
            # Only port/allow-list statements: whether it is on is the platform default.
            state.line = state.port_line or min(state.allowed.values(), default=None)
    return states


def services(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all, new_all = _service_states(before), _service_states(after)
    for name in sorted(set(old_all) | set(new_all)):
        old = old_all.get(name, _ServiceState())
        new = new_all.get(name, _ServiceState())
        subject = f"service {name}"
        if new.enabled and not old.enabled:
            out.add(
                "service_enabled",
                subject,
                f"{name} enabled",
                before=old.enabled,
                after=True,
                line_before=old.line,
                line_after=new.line,
            )
        elif old.enabled and not new.enabled:
            out.add(
                "service_disabled",
                subject,
                f"{name} disabled" if new.enabled is False else f"{name} no longer enabled",
                before=True,
                after=new.enabled,
                line_before=old.line,
                line_after=new.line,
            )
        if new.ports != old.ports or new.rotary != old.rotary:
            ports = ", ".join(str(p) for p in sorted(new.ports)) or "default"
            was = ", ".join(str(p) for p in sorted(old.ports)) or "default"
            rotary = f" (rotary {', '.join(sorted(new.rotary))})" if new.rotary else ""
            out.add(
                "mgmt_port_changed",
                subject,
                f"{name} port changed from {was} to {ports}{rotary}",
                before={"ports": sorted(old.ports), "rotary": sorted(old.rotary)},
                after={"ports": sorted(new.ports), "rotary": sorted(new.rotary)},
                line_before=old.port_line,
                line_after=new.port_line,
            )
        for (interface, network), line in sorted(new.allowed.items()):
            if (interface, network) in old.allowed:
                continue
            place = f"{name} on {interface}" if interface else name
            if is_external(network):
                out.add(
                    "acl_external_permit_added",
                    f"{place} allowed",
                    f"{place} now accepts management from {network} (not a private network)",
                    after=network,
                    line_after=line,
                )
            else:
                out.add(
                    "acl_entry_added",
                    f"{place} allowed",
                    f"{place} now accepts management from {network}",
                    after=network,
                    line_after=line,
                )


def snmp(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all = index(before.snmp.communities, lambda c: c.fingerprint)
    new_all = index(after.snmp.communities, lambda c: c.fingerprint)
    for fingerprint in sorted(set(old_all) | set(new_all)):
        old, new = old_all.get(fingerprint), new_all.get(fingerprint)
        subject = f"snmp community {fingerprint}"
        if old is None and new is not None:
            rw = new.access.lower() == "rw"
            acl = f", ACL {new.acl}" if new.acl else ", no ACL"
            out.add(
                "snmp_community_rw_added" if rw else "snmp_community_added",
                subject,
                f"SNMP {'read-write' if rw else 'read-only'} community added "
                f"(fingerprint {fingerprint}{acl})",
                after={"access": new.access, "acl": new.acl, "version": new.version},
                line_after=new.line,
            )
        elif new is None and old is not None:
            out.add(
                "snmp_community_removed",
                subject,
                f"SNMP community removed (fingerprint {fingerprint})",
                before={"access": old.access, "acl": old.acl, "version": old.version},
                line_before=old.line,
            )
        elif (
            old is not None
            and new is not None
            and new.access.lower() == "rw"
            and old.access.lower() != "rw"
        ):
            out.add(
                "snmp_community_rw_added",
                subject,
                f"SNMP community {fingerprint} changed from read-only to read-write",
                before=old.access,
                after=new.access,
                line_before=old.line,
                line_after=new.line,
            )
    old_users = {u.name for u in before.snmp.users}
    for user in after.snmp.users:
        if user.name in old_users:
            continue
        security = "authPriv" if user.priv else ("authNoPriv" if user.auth else "noAuth")
        out.add(
            "snmp_user_added",
            f"snmp user {user.name}",
            f"SNMPv3 user {user.name} added ({security})",
            after={"group": user.group, "auth": user.auth, "priv": user.priv},
            line_after=user.line,
        )
