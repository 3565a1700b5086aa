"""JunOS ``snmp`` statements: communities with their client lists, v3 users and groups, trap
targets. Part of the JunOS parser (``junos.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from seawall.records.config import (
    Acl,
    AclEntry,
    AclUse,
    Secret,
    SnmpCommunity,
    SnmpHost,
    SnmpUser,
    fingerprint,
)
from seawall.sources.configs.base import crypt_type
from seawall.sources.configs.pathcfg import Path, cidr, word

if TYPE_CHECKING:
    from seawall.sources.configs.junos_net import JunosState


@dataclass(slots=True)
class Community:
    line: int
    access: str = "ro"
    clients: list[tuple[str, bool, int]] = field(default_factory=list)  # prefix, restrict
    client_list: str | None = None
    view: str | None = None


# ---------------------------------------------------------------------------------

_SECURITY_LEVELS = {"privacy": "priv", "authentication": "auth", "none": "noauth"}


def snmp(st: JunosState, w: Path, line: int) -> None:
    head = word(w, 1)
    if head == "community" and len(w) >= 3:
        community = st.communities.get(w[2])
        if community is None:
            community = st.communities[w[2]] = Community(st.opener(w[:3], line))
        t = w[3:]
        key = word(t, 0)
        if key == "authorization" and len(t) > 1:
            community.access = "rw" if t[1] == "read-write" else "ro"
        elif key == "clients" and len(t) > 1:
            community.clients.append((t[1], "restrict" in t[2:], line))
        elif key == "client-list-name" and len(t) > 1:
            community.client_list = t[1]
        elif key == "view" and len(t) > 1:
            community.view = t[1]
    elif head == "client-list" and len(w) >= 3:
        acl = st.model.acls.get(w[2])
        if acl is None:
            acl = st.model.acls[w[2]] = Acl(w[2], st.opener(w[:3], line), kind="standard")
        if len(w) >= 4:
            action = "deny" if "restrict" in w[4:] else "permit"
            acl.entries.append(AclEntry(action, line, source=cidr(w[3]), text=" ".join(w[1:])))
    elif head == "trap-group" and len(w) >= 5:
        hosts, versions = st.trap_groups.setdefault(w[2], ([], []))
        if w[3] == "targets":
            host = SnmpHost(w[4], line)
            hosts.append(host)
            st.model.snmp.hosts.append(host)
        elif w[3] == "version":
            versions.append(w[4])
    elif head == "trap-options" and word(w, 2) == "source-address" and len(w) > 3:
        st.model.aaa.source_interfaces["snmp"] = w[3]
    elif head == "v3":
        _snmp_v3(st, w[2:], line)


def _snmp_v3(st: JunosState, t: Path, line: int) -> None:
    if word(t, 0) == "usm" and "user" in t:
        at = t.index("user")
        if at + 1 >= len(t):
            return
        name = t[at + 1]
        user = st.snmp_users.get(name)
        if user is None:
            user = st.snmp_users[name] = SnmpUser(name, line)
            st.model.snmp.users.append(user)
        rest = t[at + 2 :]
        key = word(rest, 0) or ""
        if key.startswith("authentication-"):
            user.auth = None if key == "authentication-none" else key[len("authentication-") :]
            if word(rest, 1) == "authentication-key" and len(rest) > 2:
                st.model.secrets.append(Secret("snmp-auth", crypt_type(rest[2]), line, owner=name))
        elif key.startswith("privacy-"):
            user.priv = None if key == "privacy-none" else key[len("privacy-") :]
    elif t[:2] == ("vacm", "security-to-group") and "security-name" in t and "group" in t:
        name_at, group_at = t.index("security-name"), t.index("group")
        if name_at + 1 < len(t) and group_at + 1 < len(t):
            user = st.snmp_users.get(t[name_at + 1])
            if user is not None:
                user.group = t[group_at + 1]
    elif t[:2] == ("vacm", "access") and "group" in t and "security-level" in t:
        group_at, level_at = t.index("group"), t.index("security-level")
        if group_at + 1 < len(t) and level_at + 1 < len(t):
            level = _SECURITY_LEVELS.get(t[level_at + 1], t[level_at + 1])
            st.model.snmp.groups[t[group_at + 1]] = level
    elif word(t, 0) == "target-address" and word(t, 2) == "address" and len(t) > 3:
        st.model.snmp.hosts.append(SnmpHost(t[3], line, version="3"))


def finish_snmp(st: JunosState) -> None:
    for _, (hosts, versions) in st.trap_groups.items():
        if versions:
            version = {"v1": "1", "v2": "2c", "all": "1,2c"}.get(versions[-1], versions[-1])
            for host in hosts:
                host.version = version
    for name, community in st.communities.items():
        digest = fingerprint(name)
        used: list[str] = []
        if community.client_list is not None:
            used.append(community.client_list)
        if community.clients:
            # Inline ``clients`` become an ACL of their own, named after the community's
            # fingerprint (the community string itself is never kept).
            inline = f"snmp-clients-{digest}"
            acl = Acl(inline, community.clients[0][2], kind="standard")
            for prefix, restrict, line in community.clients:
                action = "deny" if restrict else "permit"
                acl.entries.append(
                    AclEntry(action, line, source=cidr(prefix), text=f"clients {prefix}")
                )
            st.model.acls[inline] = acl
            # The addresses that are really written win over a list the file never defines.
            if community.client_list in st.model.acls:
                used.append(inline)
            else:
                used.insert(0, inline)
        st.model.snmp.communities.append(
            SnmpCommunity(
                digest, community.access, community.line, used[0] if used else None, community.view
            )
        )
        for acl_name in used:
            st.model.acl_uses.append(AclUse(acl_name, "snmp", community.line, owner=digest))
