"""Drift: what changed between two snapshots of one device, on the model, never on text.

Every difference the model can express becomes one ``ConfigChange`` of a kind in
``CHANGE_KINDS``; checks (``drift:`` in the audit rules) decide which kinds are suspicious.
Comparing models instead of lines means reordering, ACL sequence renumbering, whitespace and
redacted secrets cause no noise, and one semantic change is one change whatever the dialect.

ACL entries are compared by content (action, protocol, source, destination, port and the
statement without its sequence number); a device prints an ACE the same way every time, so the
same rule reads the same in both snapshots. An added ``permit`` from a non-private source
(``any`` included) in an ACL that guards management (VTY, SNMP, NTP, HTTP, SSH, CoPP, MPP,
NETCONF, NX-API) is reported as ``acl_external_permit_added`` instead of ``acl_entry_added``.

Secrets are compared by type and fingerprint only; no change carries a secret value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from seawall.detect.audit import predicates
from seawall.detect.audit.drift_sections import OTHER_SECTIONS
from seawall.detect.audit.drift_support import Changes, find_line, is_external
from seawall.records.config import (
    CHANGE_KINDS,
    Acl,
    AclEntry,
    ConfigChange,
    DeviceConfig,
    Line,
)

# ACL uses that decide who may manage the device.
MANAGEMENT_USES = frozenset(
    {"vty", "snmp", "ntp", "http", "ssh", "copp", "mpp", "netconf", "nxapi"}
)

_KIND_ORDER = {kind: index for index, kind in enumerate(CHANGE_KINDS)}

T = TypeVar("T")


def diff_configs(before: DeviceConfig, after: DeviceConfig) -> list[ConfigChange]:
    """Every semantic change from ``before`` to ``after``, in a stable order."""
    out = Changes()
    _diff_acls(before, after, out)
    _diff_bindings(before, after, out)
    _diff_vty(before, after, out)
    for section in OTHER_SECTIONS:
        section(before, after, out)
    return sorted(out.items, key=_order)


def _order(change: ConfigChange) -> tuple[int, str, int, int, str]:
    return (
        _KIND_ORDER.get(change.kind, len(_KIND_ORDER)),
        change.subject,
        change.line_after or 0,
        change.line_before or 0,
        change.detail,
    )


# --- ACLs -----------------------------------------------------------------------------------


def management_acls(model: DeviceConfig) -> dict[str, list[str]]:
    """ACL name -> the management planes it guards (sorted). Drift counts every service's
    own ACL (one of an unnamed service guards logins, as SSH)."""
    found = predicates.management_acls(model, MANAGEMENT_USES, _drift_plane)
    return {name: sorted(where) for name, where in found.items()}


def _drift_plane(name: str) -> str:
    return name if name in MANAGEMENT_USES else "ssh"


def _entry_text(entry: AclEntry) -> str:
    if entry.text:
        return " ".join(entry.text.split())
    parts = [entry.action, entry.protocol or "", entry.source, entry.destination]
    return " ".join(p for p in [*parts, entry.destination_port or ""] if p)


def _statement(text: str) -> str:
    """The ACE as written, lower-case, single-spaced, without its sequence number."""
    words = text.lower().split()
    if words and words[0].isdigit():
        words = words[1:]
    elif len(words) > 1 and words[0] in {"seq", "sequence"} and words[1].isdigit():
        words = words[2:]
    return " ".join(words)


def _entry_key(entry: AclEntry) -> tuple[str, ...]:
    return (
        entry.action.lower(),
        (entry.protocol or "").lower(),
        entry.source.lower(),
        entry.destination.lower(),
        (entry.destination_port or "").lower(),
        _statement(entry.text),
    )


def _entry_summary(entry: AclEntry) -> dict[str, Any]:
    return {
        "action": entry.action,
        "protocol": entry.protocol,
        "source": entry.source,
        "destination": entry.destination,
        "destination_port": entry.destination_port,
        "text": _entry_text(entry),
    }


def _multiset_diff(
    before: Iterable[T], after: Iterable[T], key: Callable[[T], Hashable]
) -> tuple[list[T], list[T]]:
    """(added, removed) comparing by ``key`` with multiplicity; order follows the inputs."""
    before_items, after_items = list(before), list(after)
    before_keys = [key(i) for i in before_items]
    after_keys = [key(i) for i in after_items]
    if before_keys == after_keys:
        return [], []
    before_count, after_count = Counter(before_keys), Counter(after_keys)
    added: list[T] = []
    seen: Counter[Hashable] = Counter()
    for item, k in zip(after_items, after_keys, strict=True):
        seen[k] += 1
        if seen[k] > before_count[k]:
            added.append(item)
    removed: list[T] = []
    seen.clear()
    for item, k in zip(before_items, before_keys, strict=True):
        seen[k] += 1
        if seen[k] > after_count[k]:
            removed.append(item)
    return added, removed


def _same_statements(old: Acl, new: Acl) -> bool:
    """Fast path: the same ACE texts in the same order (the usual case between snapshots)."""
    if len(old.entries) != len(new.entries):
        return False
    return all(a.text and a.text == b.text for a, b in zip(old.entries, new.entries, strict=True))


def _guard_note(planes: list[str]) -> str:
    return f" (guards {', '.join(planes)})" if planes else ""


def _added_entry(out: Changes, acl: Acl, entry: AclEntry, planes: list[str]) -> None:
    subject = f"acl {acl.name}"
    text = _entry_text(entry)
    external = is_external(entry.source) if entry.action.lower() == "permit" else False
    if planes and external:
        source = "any source" if entry.source.lower().startswith("any") else entry.source
        out.add(
            "acl_external_permit_added",
            subject,
            f"'{text}' added to {subject}{_guard_note(planes)}: lets {source} "
            "(not a private network) reach management",
            after=_entry_summary(entry),
            line_after=entry.line,
        )
        return
    out.add(
        "acl_entry_added",
        subject,
        f"'{text}' added to {subject}{_guard_note(planes)}",
        after=_entry_summary(entry),
        line_after=entry.line,
    )


def _diff_acls(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    mgmt_before, mgmt_after = management_acls(before), management_acls(after)
    for name in sorted(set(before.acls) | set(after.acls)):
        old, new = before.acls.get(name), after.acls.get(name)
        if new is not None and old is None:
            planes = mgmt_after.get(name, [])
            out.add(
                "acl_added",
                f"acl {name}",
                f"{new.kind} ACL {name} with {len(new.entries)} entries added{_guard_note(planes)}",
                after={"kind": new.kind, "entries": len(new.entries)},
                line_after=new.line,
            )
            for entry in new.entries:
                if planes and entry.action.lower() == "permit" and is_external(entry.source):
                    _added_entry(out, new, entry, planes)
            continue
        if old is not None and new is None:
            still_used = mgmt_after.get(name, [])
            dangling = (
                f"; still referenced by {', '.join(still_used)} (an undefined ACL may permit "
                "everything)"
                if still_used
                else ""
            )
            out.add(
                "acl_removed",
                f"acl {name}",
                f"{old.kind} ACL {name} with {len(old.entries)} entries removed{dangling}",
                before={"kind": old.kind, "entries": len(old.entries)},
                line_before=old.line,
            )
            continue
        assert old is not None and new is not None
        if _same_statements(old, new):
            continue
        added, removed = _multiset_diff(
            (e for e in old.entries if e.action.lower() != "remark"),
            (e for e in new.entries if e.action.lower() != "remark"),
            _entry_key,
        )
        planes = mgmt_after.get(name, []) or mgmt_before.get(name, [])
        for entry in added:
            _added_entry(out, new, entry, mgmt_after.get(name, []))
        for entry in removed:
            out.add(
                "acl_entry_removed",
                f"acl {name}",
                f"'{_entry_text(entry)}' removed from acl {name}{_guard_note(planes)}",
                before=_entry_summary(entry),
                line_before=entry.line,
                line_after=new.line,
            )


# --- where ACLs are applied -----------------------------------------------------------------

BindingKey = tuple[str, str, str]  # where, owner, direction


@dataclass(slots=True)
class _Binding:
    acls: set[str]
    line: int


def _bindings(model: DeviceConfig) -> dict[BindingKey, _Binding]:
    """Every place an ACL is applied except VTY lines (``_diff_vty`` reports those)."""
    found: dict[BindingKey, _Binding] = {}

    def add(where: str, owner: str | None, direction: str | None, acl: str, line: int) -> None:
        key = (where, owner or "", direction or "")
        if key in found:
            found[key].acls.add(acl)
        else:
            found[key] = _Binding({acl}, line)

    for use in model.acl_uses:
        if use.where != "vty":
            add(use.where, use.owner, use.direction, use.acl, use.line)
    for interface in model.interfaces:
        for direction, acl in interface.access_groups.items():
            key = ("interface", interface.name, direction)
            if key not in found:
                add("interface", interface.name, direction, acl, interface.line)
    for community in model.snmp.communities:
        if community.acl and ("snmp", community.fingerprint, "") not in found:
            add("snmp", community.fingerprint, None, community.acl, community.line)
    return found


def _binding_subject(key: BindingKey) -> str:
    where, owner, direction = key
    if where == "snmp" and owner:
        place = f"snmp community {owner}"
    elif where == "interface":
        place = f"interface {owner}"
    else:
        place = f"{where} {owner}".strip()
    return f"{place} {direction}".strip()


def _diff_bindings(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_all, new_all = _bindings(before), _bindings(after)
    communities_both = {c.fingerprint for c in before.snmp.communities} & {
        c.fingerprint for c in after.snmp.communities
    }
    for key in sorted(set(old_all) | set(new_all)):
        if key[0] == "snmp" and key[1] and key[1] not in communities_both:
            continue  # the community itself was added or removed; that change says it
        old, new = old_all.get(key), new_all.get(key)
        subject = _binding_subject(key)
        if old is None and new is not None:
            out.add(
                "acl_binding_added",
                subject,
                f"ACL {', '.join(sorted(new.acls))} applied to {subject}",
                after=sorted(new.acls),
                line_after=new.line,
            )
        elif new is None and old is not None:
            out.add(
                "acl_binding_removed",
                subject,
                f"ACL {', '.join(sorted(old.acls))} no longer applied to {subject}",
                before=sorted(old.acls),
                line_before=old.line,
            )
        elif old is not None and new is not None and old.acls != new.acls:
            out.add(
                "acl_binding_changed",
                subject,
                f"{subject} now filtered by ACL {', '.join(sorted(new.acls))} instead of "
                f"{', '.join(sorted(old.acls))}",
                before=sorted(old.acls),
                after=sorted(new.acls),
                line_before=old.line,
                line_after=new.line,
            )


# --- VTY lines ------------------------------------------------------------------------------


def _vty_lines(model: DeviceConfig) -> dict[str, Line]:
    return {line.name: line for line in model.lines if line.kind == "vty"}


def _first_line_number(name: str) -> str:
    words = name.split()
    return words[1] if len(words) > 1 else name


def _vty_pairs(
    old_lines: dict[str, Line], new_lines: dict[str, Line]
) -> list[tuple[str, Line | None, Line | None]]:
    """(subject name, old, new). A range that grew or shrank (``vty 0 4`` -> ``vty 0 15``)
    is the same lines: unmatched names are paired by their first line number."""
    pairs: list[tuple[str, Line | None, Line | None]] = []
    old_left = {n: line for n, line in old_lines.items() if n not in new_lines}
    for name in sorted(new_lines):
        new = new_lines[name]
        old = old_lines.get(name)
        if old is None:
            start = _first_line_number(name)
            renamed = [n for n in sorted(old_left) if _first_line_number(n) == start]
            if renamed:
                old = old_left.pop(renamed[0])
        pairs.append((name, old, new))
    pairs.extend((name, line, None) for name, line in sorted(old_left.items()))
    return pairs


def _diff_vty(before: DeviceConfig, after: DeviceConfig, out: Changes) -> None:
    old_lines, new_lines = _vty_lines(before), _vty_lines(after)
    for name, old, new in _vty_pairs(old_lines, new_lines):
        subject = f"line {name}"
        if old is None and new is not None:
            if not new.access_class_in:
                others = [v.access_class_in for v in old_lines.values() if v.access_class_in]
                if others:
                    out.add(
                        "vty_access_class_removed",
                        subject,
                        f"new {subject} accepts logins without an access-class (other VTY "
                        f"lines used {', '.join(sorted(set(others)))})",
                        line_after=new.line,
                    )
            continue
        if old is None or new is None:
            continue  # VTY lines disappearing narrows access: not drift worth a change
        for attribute, label in (("access_class_in", "IPv4"), ("access_class_in_v6", "IPv6")):
            was, now = getattr(old, attribute), getattr(new, attribute)
            if was == now:
                continue
            if was and not now:
                out.add(
                    "vty_access_class_removed",
                    subject,
                    f"{label} access-class {was} removed from {subject}: logins from anywhere",
                    before=was,
                    line_before=old.line,
                    line_after=new.line,
                )
            else:
                detail = (
                    f"{label} access-class on {subject} changed from {was} to {now}"
                    if was
                    else f"{label} access-class {now} added to {subject}"
                )
                out.add(
                    "vty_access_class_changed",
                    subject,
                    detail,
                    before=was,
                    after=now,
                    line_before=old.line,
                    line_after=new.line,
                )
        was_t = sorted(old.transport_input) if old.transport_input is not None else None
        now_t = sorted(new.transport_input) if new.transport_input is not None else None
        if was_t != now_t:
            shown_was = " ".join(was_t) if was_t is not None else "platform default"
            shown_now = " ".join(now_t) if now_t is not None else "platform default"
            out.add(
                "vty_transport_changed",
                subject,
                f"transport input on {subject} changed from {shown_was} to {shown_now}",
                before=was_t,
                after=now_t,
                line_before=old.line,
                line_after=find_line(after, "transport input", start=new.line) or new.line,
            )
        if old.rotary != new.rotary:
            out.add(
                "mgmt_port_changed",
                subject,
                f"rotary on {subject} changed from {old.rotary} to {new.rotary} (rotary groups "
                "map extra SSH/telnet ports to the line)",
                before=old.rotary,
                after=new.rotary,
                line_before=old.line,
                line_after=find_line(after, "rotary", start=new.line) or new.line,
            )


__all__ = ["MANAGEMENT_USES", "diff_configs", "is_external", "management_acls"]
