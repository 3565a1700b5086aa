"""Whether an ACL lets a TCP port through (first match, implicit deny, unreadable entries
count as admitting)."""

from __future__ import annotations

import pytest

from seawall.detect.audit.acl_ports import acl_admits_tcp_port, port_condition_admits
from seawall.records.config import Acl
from seawall.sources.configs import parse_config_text


def _acl(*entries: str, kind: str = "extended") -> Acl:
    text = f"hostname r\nip access-list {kind} A\n" + "".join(f" {e}\n" for e in entries)
    parsed = parse_config_text(text, "acl.cfg", "cisco_ios")
    assert parsed.model is not None
    return parsed.model.acls["A"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (None, True),
        ("eq telnet", True),
        ("eq 22 23", True),
        ("eq 22", False),
        ("neq telnet", False),
        ("neq 22", True),
        ("lt 24", True),
        ("lt 23", False),
        ("gt 22", True),
        ("gt 23", False),
        ("range 20 30", True),
        ("range 24 30", False),
        ("eq frobnitz", None),
    ],
)
def test_port_conditions(condition: str | None, expected: bool | None) -> None:
    assert port_condition_admits(condition, 23) is expected


@pytest.mark.parametrize(
    ("entries", "admits"),
    [
        (["permit tcp any any neq telnet"], False),
        (["permit tcp any any eq 22"], False),
        (["permit tcp 10.0.0.0 0.0.0.255 any eq telnet"], True),
        (["permit udp any any", "permit icmp any any"], False),
        (["permit ip any any"], True),
        (["deny tcp any any eq telnet", "permit ip any any"], False),
        (["deny tcp 192.0.2.0 0.0.0.255 any eq telnet", "permit ip any any"], True),
        (["permit tcp any any eq 22", "permit tcp any eq 23 any"], True),  # source port: unread
        (["permit object-group SVC any any"], True),  # unreadable: admits
        ([], False),
    ],
)
def test_extended_acls(entries: list[str], admits: bool) -> None:
    assert acl_admits_tcp_port(_acl(*entries), 23) is admits


def test_standard_acl_filters_sources_only() -> None:
    assert acl_admits_tcp_port(_acl("permit 10.0.0.1", kind="standard"), 23)
    assert not acl_admits_tcp_port(_acl("deny any", kind="standard"), 23)
