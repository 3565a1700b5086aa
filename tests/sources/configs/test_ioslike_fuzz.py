"""The IOS, ASA and EOS parsers never fail: random bytes, random text, and random statements
built from their own keywords (truncated, misplaced, mis-indented) always give a model."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawall.sources.configs import decode_config, parse_config_text
from seawall.sources.configs.ioslike.vocab import words

DIALECTS = ("cisco_ios", "cisco_asa", "arista_eos")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words the parsers dispatch on, with operands that exercise their branches.
KEYWORDS = sorted(
    words(
        """
no default interface Tunnel1 Loopback0 GigabitEthernet0/1 ip ipv6 address 10.0.0.1
255.255.255.0 10.0.0.0/8 0.0.0.255 dhcp virtual secondary access-group access-list
access-class standard extended permit deny remark host any any4 eq range gt object-group
object 22 www 1 10 100 2001 in out line vty con aux 0 4 transport input telnet ssh all
exec-timeout rotary tunnel mode source destination gre ipsec ipv4 username privilege 15
role network-admin secret password 5 7 8 9 sha512 $1$x nopassword sshkey enable aaa
new-model authentication authorization accounting commands login default group tacacs+
local start-stop server name server-private key tacacs-server radius-server tacacs radius
snmp-server community user group host view RO RW v3 priv auth sha aes 128 logging trap
buffered vrf ntp peer authentication-key md5 access-group banner motd login ^C EOF #
router bgp ospf eigrp isis neighbor remote-as peer-group peer password network area
passive-interface route-map set next-hop policy crypto isakmp keyring ikev2 map profile
match identity pre-shared-key monitor session capture erspan-source type event manager
applet action cli command kron policy-list archive path log config notify syslog wsma
agent vstack netconf-yang restconf iox app-hosting appid guestshell control-plane
service-policy management-interface allow management api http-commands shutdown daemon
exec event-handler trigger bash schedule nameif security-level telnet http redirect
aaa-server protocol tunnel-group ipsec-l2l capture route boot system version ASA Version
Cryptochecksum: : ! " vacant-message hostname service timestamps datetime
"""
    )
)

LINE = st.tuples(
    st.sampled_from(["", " ", "  ", "   ", "\t", "      "]),
    st.lists(st.sampled_from(KEYWORDS), min_size=0, max_size=9),
).map(lambda parts: parts[0] + " ".join(parts[1]))
CONFIG = st.lists(LINE, max_size=60).map("\n".join)


def _check(text: str, dialect: str) -> None:
    result = parse_config_text(text, "fuzz.cfg", dialect)
    assert result.model is not None, result.issues  # a parser exception gives model None
    assert not [i for i in result.issues if i.kind == "parse"]
    model = result.model
    assert set(model.unknown_lines) <= set(model.text)
    for item in (*model.users, *model.lines, *model.interfaces, *model.services):
        assert 1 <= item.line <= model.lines_total


@FAST
@given(text=CONFIG, dialect=st.sampled_from(DIALECTS))
def test_keyword_soup(text: str, dialect: str) -> None:
    _check(text, dialect)


@FAST
@given(text=st.text(max_size=3000), dialect=st.sampled_from(DIALECTS))
def test_random_text(text: str, dialect: str) -> None:
    _check(text, dialect)


@FAST
@given(data=st.binary(max_size=3000), dialect=st.sampled_from(DIALECTS))
def test_random_bytes(data: bytes, dialect: str) -> None:
    text, _ = decode_config(data.replace(b"\x00", b""), "fuzz.cfg")
    assert text is not None
    _check(text, dialect)


DATA = Path(__file__).parents[2] / "data" / "configs"
SAMPLES = [
    *sorted((DATA / "cisco_ios").glob("batfish_unit_cisco_*.cfg")),
    DATA / "cisco_asa" / "ciscoconfparse_sample_01.asa",
    DATA / "arista_eos" / "batfish_arista_snmp.cfg",
    DATA / "arista_eos" / "napalm_eos_show_running_config.text",
]
# Blocks a truncated statement is placed in, so block handlers see it too.
CONTEXTS = ("{}", "interface Gi1\n {}", "line vty 0 4\n {}", "management ssh\n   {}")


def test_every_truncation_of_real_statements() -> None:
    """Each real statement cut after every word, alone and inside blocks, in each dialect:
    handlers must check lengths before they index (``monitor session 1 type`` once raised)."""
    statements = set()
    for path in SAMPLES:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip() and not line.lstrip().startswith("!"):
                statements.add(line.strip())
    cuts = {" ".join(s.split()[:n]) for s in statements for n in range(1, len(s.split()) + 1)}
    assert len(cuts) > 2000
    for cut in sorted(cuts):
        for context in CONTEXTS:
            for dialect in DIALECTS:
                result = parse_config_text(context.format(cut), "cut.cfg", dialect)
                assert result.model is not None, (dialect, context.format(cut), result.issues)
