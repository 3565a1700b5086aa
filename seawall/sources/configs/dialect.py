"""Recognise a configuration's vendor and OS from its content, never from its name.

Each dialect has weighted signatures (regular expressions over whole lines). The dialect with
the highest score wins if it reaches ``MIN_SCORE``; otherwise the file is not a configuration
Seawall knows, and the caller reports it by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seawall.sources.configs.tree import common_indent, split_lines

MIN_SCORE = 3
# Enough of a file to decide; a show-run-all of a big switch repeats itself past this.
SNIFF_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class Signature:
    pattern: re.Pattern[str]
    weight: int


def _sig(pattern: str, weight: int) -> Signature:
    return Signature(re.compile(pattern, re.MULTILINE), weight)


SIGNATURES: dict[str, tuple[Signature, ...]] = {
    "cisco_ios": (
        _sig(r"^version 1[0-7]\.\d+\s*$", 4),
        _sig(r"^RANCID-CONTENT-TYPE: cisco\s*$|^!RANCID-CONTENT-TYPE: cisco\s*$", 5),
        _sig(r"^service (timestamps|password-encryption|pad|nagle|tcp-keepalives)", 2),
        _sig(r"^line (vty|con|aux) \d", 2),
        _sig(
            r"^interface (GigabitEthernet|FastEthernet|TenGigabitEthernet|Serial|Loopback)\d+(/\d+){0,2}(\.\d+)?\s*$",
            2,
        ),
        _sig(r"^ ip address \d+\.\d+\.\d+\.\d+ \d+\.\d+\.\d+\.\d+", 1),
        _sig(r"^boot-start-marker", 3),
        _sig(
            r"^ip (cef|classless|subnet-zero|http server|ssh version|access-list (standard|extended))",
            1,
        ),
        _sig(r"^enable (secret|password)", 1),
        _sig(r"^Building configuration|^Current configuration :", 1),
        _sig(
            r"^(wsma|vstack|monitor capture|iox|app-hosting|ip ssh port|kron|event manager applet)",
            1,
        ),
        _sig(r"^access-list \d+ (permit|deny)", 1),
        # Weak, generic Cisco-style statements: enough together to place a feature fragment.
        _sig(r"^hostname [^\s\"]+\s*$", 1),
        _sig(
            r"^(aaa (new-model|authentication|authorization|accounting|group server)|tacacs-server|radius-server)",
            2,
        ),
        _sig(
            r"^(snmp-server (community|host|user|group|location)|logging (host|trap|buffered|\d))",
            1,
        ),
        _sig(
            r"^(monitor session \d|privilege (exec|configure|clear|cmd)|crypto (isakmp|map|ca|ipsec|pki|keyring))",
            2,
        ),
        _sig(r"^ tunnel (source|destination|mode) ", 2),
        _sig(r"^vlan \d+\n name \S", 3),
        _sig(r"^username \S+ (privilege \d+ )?(password|secret) \d ", 1),
    ),
    "cisco_nxos": (
        _sig(r"^!RANCID-CONTENT-TYPE: cisco-nx", 8),
        _sig(r"^!Command: show (running|startup)-config", 3),
        _sig(r"^version \d+\.\d+\(\d+\)", 5),
        _sig(r"^feature [a-z-]+\s*$", 3),
        _sig(r"^(install feature-set|vdc |power redundancy-mode|system qos|copp profile)", 3),
        _sig(r"^interface (Ethernet\d+/\d+|mgmt0|port-channel\d+)", 1),
        _sig(r"^  (ip address \d+\.\d+\.\d+\.\d+/\d+|vrf member)", 1),
        _sig(r"^snmp-server community \S+ (use-acl|group)", 2),
        _sig(r"^username \S+ password \d \S+\s+role ", 2),
    ),
    "cisco_iosxr": (
        _sig(r"^!RANCID-CONTENT-TYPE: cisco-xr", 8),
        _sig(r"^!! (IOS XR Configuration|Building configuration)", 8),
        _sig(r"^interface \S+\d+/\d+/\d+/\d+", 3),
        _sig(r"^ ?ipv4 address \d", 4),
        _sig(r"^(line template \S+|interface MgmtEth\d)", 4),
        _sig(
            r"^(taskgroup|usergroup|router static|end-policy|end-set|route-policy|prefix-set|tpa|ssh server v2|ethernet-services)",
            2,
        ),
        _sig(r"^ group (root-lr|root-system|netadmin|cisco-support)", 4),
        _sig(r"^RP/\d+/\S+CPU\d", 4),
    ),
    "cisco_asa": (
        _sig(r"^ASA Version \d", 10),
        _sig(r"^: Saved", 2),
        _sig(r"^ nameif \S+", 3),
        _sig(r"^ security-level \d+", 3),
        _sig(
            r"^(object network|object-group (network|service)|nat \(|ssh \S+ \S+ \S+$|http server enable|access-group \S+ in interface)",
            2,
        ),
        _sig(r"^access-list \S+ extended (permit|deny)", 2),
    ),
    "juniper_junos": (
        _sig(r"^#?RANCID-CONTENT-TYPE: juniper|^# RANCID-CONTENT-TYPE: juniper", 8),
        _sig(r"^set system host-name ", 4),
        _sig(
            r"^set (interfaces|protocols|policy-options|firewall family|security|snmp|routing-options|system) ",
            1,
        ),
        _sig(r"^set version \S+", 3),
        _sig(r"^## Last (commit|changed)", 4),
        _sig(r"^version \d+\.\d+[RX]\S*;", 6),
        _sig(
            r"^(system|interfaces|protocols|policy-options|routing-options|firewall|security|snmp) \{\s*$",
            2,
        ),
        _sig(r"^\s+host-name \S+;", 4),
        _sig(r"^\s+(unit \d+|family inet6?) \{", 2),
    ),
    "arista_eos": (
        _sig(r"^!RANCID-CONTENT-TYPE: arista", 8),
        _sig(r"^! device: \S+ \(.*EOS-", 8),
        _sig(
            r"^(daemon TerminAttr|transceiver qsfp|management api (http-commands|gnmi)|spanning-tree mode mstp|service routing protocols model|event-handler \S+)",
            3,
        ),
        _sig(r"^interface (Ethernet\d+(/\d+)?|Management\d|Vxlan\d|Port-Channel\d+)\s*$", 1),
        _sig(
            r"^  (ip address \d+\.\d+\.\d+\.\d+/\d+|no switchport|switchport (mode|access|trunk))",
            1,
        ),
        _sig(r"^   \d+ (permit|deny) ", 2),
        _sig(r"^ip route \d+\.\d+\.\d+\.\d+/\d+ ", 2),
        _sig(r"^ip access-list (standard )?\S+\s*$", 1),
    ),
    "paloalto_panos": (
        _sig(r"^set deviceconfig ", 5),
        _sig(
            r"^set (network (interface|virtual-router)|rulebase|mgt-config|zone|address|vsys|template|device-group|config (mgt-config|shared|devices))",
            3,
        ),
        _sig(r"^\s*(deviceconfig|mgt-config|rulebase|vsys|devices|panorama) \{", 3),
    ),
    "fortinet_fortios": (
        _sig(r"^config (system|firewall|router|vpn|user|log) \S+", 5),
        _sig(r"^\s+edit (\"[^\"]*\"|\d+)\s*$", 2),
        _sig(r"^\s+next\s*$", 1),
        _sig(r"^#config-version=", 8),
    ),
    "nokia_sros": (
        _sig(r"^# TiMOS-", 10),
        _sig(r"^\s*configure \{", 4),
        _sig(r"^\s+router \"Base\" \{", 4),
        _sig(r"^exit all", 2),
    ),
    "checkpoint_gaia": (
        _sig(r"^# Language version: ", 6),
        _sig(
            r"^set (installer|expert-password|static-route|interface \S+ (state|ipv4-address)|hostname|ntp|snmp agent|web ssl-port|aaa tacacs-servers)",
            2,
        ),
    ),
    "f5_bigip": (
        _sig(r"^#TMSH-VERSION:", 10),
        _sig(r"^(ltm|sys|net|auth|security|gtm) \S+( \S+)? \{", 4),
    ),
    "a10_acos": (
        _sig(r"^!.*Advanced Core OS \(ACOS\)", 10),
        _sig(r"^slb (server|service-group|virtual-server|template) ", 3),
    ),
    "hp_procurve": (
        _sig(r"^; J\d{4}\w Configuration Editor", 10),
        _sig(r"^hostname \"[^\"]+\"\s*$", 2),
        _sig(r"^  (untagged|tagged|name \"[^\"]*\") ?", 2),
    ),
    "hp_comware": (
        _sig(r"^ ?sysname \S+", 5),
        _sig(r"^ ?version \d+\.\d+, Release \w+", 8),
        _sig(r"^ ?(undo |user-interface |local-user |return\s*$|quit\s*$)", 2),
    ),
    "vyos": (
        _sig(
            r"^set (interfaces ethernet eth\d|service (ssh|dhcp-server|dns)|protocols static|nat (source|destination)|firewall name)",
            3,
        ),
        _sig(r"^\s*(interfaces|service|system) \{\s*$", 1),
        _sig(r"^\s+ethernet eth\d+ \{", 4),
        _sig(r"^// vyos-config-version", 10),
    ),
    "sonic": (
        _sig(
            r"^\s*\"(DEVICE_METADATA|PORT|LOOPBACK_INTERFACE|VLAN_INTERFACE|BGP_NEIGHBOR|ECMP_LOADSHARE_TABLE_IPV6|FEATURE)\"\s*:",
            5,
        ),
        _sig(r"^frr (version|defaults) ", 10),
    ),
}

# Tie-breaks and exclusions that a score alone gets wrong.
_JUNOS_SET = re.compile(
    r"^set (system|interfaces|protocols|policy-options|firewall|snmp|routing-options|security|vlans|groups) ",
    re.MULTILINE,
)
_VYOS_ONLY = re.compile(r"^set interfaces ethernet eth\d|^set service ssh", re.MULTILINE)


def detect_dialect(text: str) -> tuple[str | None, dict[str, int]]:
    """The dialect of a configuration text and every dialect's score (for explanations)."""
    # Some exports indent every line (a fragment cut from a larger file): judge it dedented.
    head = text[:SNIFF_CHARS]
    lines = split_lines(head)
    base = common_indent(lines)
    if base:
        head = "\n".join(line[base:] if line[:base].isspace() else line for line in lines)
    scores: dict[str, int] = {}
    for dialect, signatures in SIGNATURES.items():
        score = 0
        for sig in signatures:
            hits = len(sig.pattern.findall(head))
            if hits:
                # A signature counts fully once and a little more if it repeats, so a long
                # ACL cannot outvote a version banner.
                score += sig.weight + min(hits - 1, 3)
        if score:
            scores[dialect] = score
    if not scores:
        return None, scores
    # JunOS set style and VyOS share ``set interfaces ...``; eth<N> names are VyOS only.
    if _VYOS_ONLY.search(head) and "vyos" in scores and "juniper_junos" in scores:
        scores["vyos"] += scores["juniper_junos"]
    elif _JUNOS_SET.search(head) and "paloalto_panos" not in scores and "vyos" in scores:
        scores["juniper_junos"] += 2
    best = max(scores, key=lambda d: scores[d])
    return (best if scores[best] >= MIN_SCORE else None), scores


def looks_like_config(head: bytes) -> bool:
    """Cheap check for the source registry: text, and some dialect scores."""
    if b"\x00" in head[:4096]:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    dialect, _ = detect_dialect(text)
    return dialect is not None
