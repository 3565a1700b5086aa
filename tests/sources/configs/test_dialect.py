"""Dialect detection by content over the whole config corpus, and the text helpers every
parser shares (trees, redaction)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.sources.configs import parse_config_file, parse_config_text
from seawall.sources.configs.dialect import detect_dialect, looks_like_config
from seawall.sources.configs.redact import redact_line
from seawall.sources.configs.tree import brace_tree, flatten, fortios_tree, indent_tree

CONFIGS = Path(__file__).parents[2] / "data" / "configs"

# Files whose content disagrees with the corpus folder they were filed under (read by hand):
# Batfish's "example-juniper" network keeps two routers in IOS syntax; the ciscoconfparse
# "HP_Procurve" fixture is an HP V1910, which runs Comware (``sysname``, ``Release 1513P81``).
CONTENT_DIALECT = {
    "juniper_junos/batfish_example-juniper_as2core1.cfg": "cisco_ios",
    "juniper_junos/batfish_example-juniper_as3border1.cfg": "cisco_ios",
    "hp_procurve/ciscoconfparse_HP_Procurve.conf": "hp_comware",
}
# netconan's own settings file (``anonymize-ips``, ``salt=``): not a device configuration.
NOT_CONFIGS = {"cisco_ios/netconan_sample-netconan-config.cfg"}


def corpus_files() -> list[str]:
    return sorted(
        str(p.relative_to(CONFIGS)) for p in CONFIGS.rglob("*") if p.is_file() and p.suffix != ".md"
    )


def test_corpus_is_all_here() -> None:
    assert len(corpus_files()) == 133


@pytest.mark.parametrize("name", corpus_files())
def test_dialect_detected_from_content(name: str) -> None:
    text = (CONFIGS / name).read_text(encoding="utf-8", errors="replace")
    dialect, scores = detect_dialect(text)
    if name in NOT_CONFIGS:
        assert dialect is None
        return
    expected = CONTENT_DIALECT.get(name, name.split("/")[0])
    assert dialect == expected, scores


def test_unknown_text_and_binary_are_reported_by_name(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\neggs\nmilk\n")
    parsed = parse_config_file(str(notes))
    assert parsed.model is None
    assert parsed.issues[0].kind == "unsupported"
    assert str(notes) in str(parsed.issues[0])
    blob = tmp_path / "router.cfg"
    blob.write_bytes(b"\xd4\xc3\xb2\xa1" + bytes(range(256)) * 4)
    parsed = parse_config_file(str(blob))
    assert parsed.model is None and "binary" in parsed.issues[0].reason
    assert not looks_like_config(blob.read_bytes())
    netconan = parse_config_file(str(CONFIGS / "cisco_ios/netconan_sample-netconan-config.cfg"))
    assert netconan.model is None and "netconan" in str(netconan.issues[0])


def test_forced_unknown_dialect_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown dialect"):
        parse_config_text("hostname x\n", "x", dialect="cisco_catos")


def test_indent_tree_keeps_lines_and_skips_banner_bodies() -> None:
    text = (
        "hostname r1\n"
        "banner motd ^C\n"
        "interface Loopback0\n"  # inside the banner: text, not config
        "^C\n"
        "interface Tunnel1\n"
        " tunnel destination 203.0.113.9\n"
        "!\n"
        "line vty 0 4\n"
        " transport input ssh\n"
    )
    tree = indent_tree(text)
    heads = [(n.text, n.line) for n in tree.root.children]
    assert heads == [
        ("hostname r1", 1),
        ("banner motd ^C", 2),
        ("interface Tunnel1", 5),
        ("line vty 0 4", 8),
    ]
    assert tree.root.children[2].children[0].text == "tunnel destination 203.0.113.9"
    assert {3, 4, 7} <= tree.structural


def test_indent_tree_of_a_fragment_indented_throughout() -> None:
    text = (CONFIGS / "cisco_ios/batfish_ios-tunnel-mode.cfg").read_text()
    tree = indent_tree(text)
    tunnels = [n for n in tree.root.children if n.text.startswith("interface Tunnel")]
    assert tunnels and all(c.text.startswith(("ip ", "tunnel ")) for c in tunnels[0].children)


def test_brace_and_set_style_flatten_to_the_same_paths() -> None:
    brace = (
        "system {\n"
        "    host-name r1;\n"
        "    services { ssh { root-login deny; } }\n"
        "    /* a comment */\n"
        "    login { user ops { class super-user;\n"
        '        authentication { encrypted-password "$6$x"; } } }\n'
        "}\n"
    )
    paths = [" ".join(s.words) for s in flatten(brace_tree(brace))]
    assert paths == [
        "system host-name r1",
        "system services ssh root-login deny",
        "system login user ops class super-user",
        "system login user ops authentication encrypted-password $6$x",
    ]


def test_fortios_blocks_become_paths() -> None:
    text = (
        "config system admin\n"
        '    edit "admin"\n'
        '        set accprofile "super_admin"\n'
        "    next\n"
        "end\n"
    )
    paths = [
        (" ".join(s.words), s.line)
        for s in flatten(fortios_tree(text), strip_prefixes=("config", "edit", "set"))
    ]
    assert paths == [("system admin admin accprofile super_admin", 3)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "username admin privilege 15 secret 5 $1$abc",
            "username admin privilege 15 secret 5 <redacted>",
        ),
        (
            "tacacs-server host 1.2.3.4 key 7 0822455D0A16",
            "tacacs-server host 1.2.3.4 key 7 <redacted>",
        ),
        ("snmp-server community public RO 10", "snmp-server community <redacted> RO 10"),
        (
            'set snmp community "c0mm" clients 1.2.3.0/24',
            "set snmp community <redacted> clients 1.2.3.0/24",
        ),
        (
            'set system root-authentication encrypted-password "$1$CX"',
            "set system root-authentication encrypted-password <redacted>",
        ),
        (
            "snmp-server user u g v3 auth sha AUTHPW priv aes 128 PRIVPW",
            "snmp-server user u g v3 auth sha <redacted> priv aes 128 <redacted>",
        ),
        (
            "archive path ftp://bob:hunter2@10.1.1.1/cfg",
            "archive path ftp://bob:<redacted>@10.1.1.1/cfg",
        ),
        (
            "crypto isakmp key S3cr3t address 1.2.3.4",
            "crypto isakmp key <redacted> address 1.2.3.4",
        ),
        ("ip ospf message-digest-key 1 md5 7 XYZ", "ip ospf message-digest-key 1 md5 7 <redacted>"),
        (
            " ospfv3 authentication ipsec spi 500 sha1 0 0123456789ABCDEF",
            " ospfv3 authentication ipsec spi 500 sha1 0 <redacted>",
        ),
        (
            " ipv6 ospf encryption ipsec spi 9 esp aes-cbc 128 0 ENCKEY sha1 7 AUTHKEY",
            " ipv6 ospf encryption ipsec spi 9 esp aes-cbc 128 0 <redacted> sha1 7 <redacted>",
        ),
        (
            " area 1 encryption ipsec spi 3 esp null md5 0 K",
            " area 1 encryption ipsec spi 3 esp null md5 0 <redacted>",
        ),
        ("    set password ENC SH2abc", "    set password ENC <redacted>"),
        (" key encrypted 0822455D0A16", " key encrypted <redacted>"),
        (" password clear hunter2", " password clear <redacted>"),
        (
            "snmp-server host 10.1.1.1 traps version 2c PUBCOMM udp-port 162",
            "snmp-server host 10.1.1.1 traps version 2c <redacted> udp-port 162",
        ),
        ("snmp-server host 10.1.1.1 PUBCOMM", "snmp-server host 10.1.1.1 <redacted>"),
        (
            "snmp-server user u g v3 auth sha encrypted A priv aes encrypted P",
            "snmp-server user u g v3 auth sha encrypted <redacted> priv aes encrypted <redacted>",
        ),
        ("snmp-server community read-write RW", "snmp-server community <redacted> RW"),
        (" standby 1 authentication text Cisco123", " standby 1 authentication text <redacted>"),
        ("rmon event 1 trap PUBLIC description x", "rmon event 1 trap <redacted> description x"),
        # Not secrets: left alone.
        ("no password strength-check", "no password strength-check"),
        (
            " port-channel load-balance symmetric-hash mac-ip",
            " port-channel load-balance symmetric-hash mac-ip",
        ),
        (
            "snmp-server host 10.1.1.1 use-vrf management",
            "snmp-server host 10.1.1.1 use-vrf management",
        ),
        (
            "aaa authentication login default group tacacs+ local",
            "aaa authentication login default group tacacs+ local",
        ),
        ("crypto key generate rsa modulus 2048", "crypto key generate rsa modulus 2048"),
        ("key config-key password-encrypt", "key config-key password-encrypt"),
        ("ip ssh port 22022 rotary 1", "ip ssh port 22022 rotary 1"),
    ],
)
def test_redaction(line: str, expected: str) -> None:
    assert redact_line(line) == expected
