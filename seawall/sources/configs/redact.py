"""Remove secrets from configuration text before it is stored or shown.

Evidence lines travel into JSON, SARIF and HTML; passwords, keys and SNMP communities must never
travel with them. The patterns cover the vendors Seawall parses; the secret's *type* (``7``,
``5``, ``$9$``...) is kept because checks and readers need it.
"""

from __future__ import annotations

import re

MASK = "<redacted>"

_VALUE = r'("[^"]*"|\S+)'
_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # IOS XR spells the type as a word: ``key encrypted 0822..``, ``password clear x``,
        # ``key-string hmac-md5 ...``. Before the generic rule, which would take the word.
        r"(\b(?:key|password|secret|key-string)\s+(?:encrypted|clear|hmac-md5|hmac-sha\S*)\s+)"
        + _VALUE,
        # Cisco family: password/secret/key with an optional numeric type, also key-string,
        # OSPF md5 keys, IKE pre-shared keys, NTP keys.
        r"(\b(?:password|secret|passphrase|key-string|authentication-key|pre-shared-key|"
        r"auth-password|priv-password|passwd)\s+(?:\d{1,2}\s+)?(?:md5\s+)?(?:ascii-text\s+)?"
        r"(?:ENC\s+)?)(?!(?:encrypted|clear|hmac-\S+|<redacted>|strength-check|min-length|"
        r"policy|lifetime|reuse-interval|history|aging)(?:\s|$))" + _VALUE,
        r"(\bmd5\s+(?:\d\s+)?)(?!(?:<redacted>|key-string|encrypted|clear)(?:\s|$))" + _VALUE,
        # OSPFv3 IPsec: ``... spi N [esp ALG [T] ENCKEY] md5|sha1 [T] AUTHKEY``.
        r"(\bspi\s+\d+\b.*?\b(?:md5|sha1)\s+(?:\d\s+)?)(?!(?:\d\s+)?<redacted>)" + _VALUE,
        r"(\bspi\s+\d+\s+esp\s+(?:des|3des|aes-cbc|aes)(?:\s+\d{3})?\s+(?:\d\s+)?)"
        r"(?!(?:md5|sha1|<redacted>)(?:\s|$))" + _VALUE,
        r"((?<![\w-])(?:server-)?key\s+(?:\d\s+)?)(?!(?:rsa|dsa|ec|ecdsa|exchange|generate|"
        r"chain|config-key|md5|sha\S*|encrypted|clear|hmac-\S+|<redacted>|\d+\b))" + _VALUE,
        r"(\bcrypto isakmp key\s+(?:\d\s+)?)" + _VALUE,
        # SNMP communities, every vendor spelling.
        r"(\b(?:snmp-server community|snmp community|rocommunity|rwcommunity|"
        r"community-name)\s+)(?!<redacted>)" + _VALUE,
        r"(\bcommunity\s+)(?!(?:ro|rw|read-only|read-write|list|<redacted>)\b)" + _VALUE,
        # Communities where they are positional: ``snmp-server host H [traps|informs]
        # [vrf V] [version 1|2c] COMM``, ``rmon ... trap COMM``.
        r"(\bsnmp-server host \S+(?:\s+(?:traps|informs|vrf \S+|use-vrf \S+))*"
        r"(?:\s+version\s+(?:1|2c))?\s+)"
        r"(?!(?:version|traps|informs|vrf|use-vrf|udp-port|<redacted>)\b)" + _VALUE,
        r"(\brmon\b.*\btrap\s+)" + _VALUE,
        # HSRP/VRRP/GLBP clear-text authentication strings.
        r"(\b(?:standby|vrrp|glbp)\s+(?:\d+\s+)?authentication\s+(?:text\s+)?)"
        r"(?!(?:md5|key-chain|<redacted>)\b)" + _VALUE,
        # JunOS / SR OS / PAN-OS / FortiOS hashed or encrypted forms.
        r"(\b(?:encrypted-password|phash|psksecret|password-hash)\s+(?:ENC\s+)?)" + _VALUE,
        # SNMPv3 auth/priv secrets: ``auth sha [encrypted] SECRET priv aes 128 SECRET``.
        r"(\bauth\s+(?:md5|sha\S*)\s+(?:encrypted\s+|clear\s+|\d\s+)?)(?!<redacted>)" + _VALUE,
        r"(\bpriv\s+(?:des\S*|3des|aes(?:\s+\d+)?)\s+(?:encrypted\s+|clear\s+|\d\s+)?)"
        r"(?!<redacted>)" + _VALUE,
        # Arista TerminAttr/daemon command lines: ``-ingestauth=key,SECRET``.
        r"(-(?:ingestauth|cvauth)=[^,\s]+,)" + _VALUE,
    )
)
# Credentials inside URLs: ftp://user:pass@host/
_URL_CREDENTIAL = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)", re.IGNORECASE)


# Every pattern above needs one of these words (lower-case) in the line; most configuration
# lines have none, and skipping them makes redaction ~5x cheaper on big files.
_TRIGGERS = (
    "pass",
    "secret",
    "key",
    "md5",
    "communit",
    "hash",
    "auth",
    "priv",
    "://",
    "snmp-server host",
    "rmon",
    "spi ",
)


def redact_line(text: str) -> str:
    """The statement with every secret value replaced by ``<redacted>``."""
    lower = text.lower()
    if not any(trigger in lower for trigger in _TRIGGERS):
        return text
    out = _URL_CREDENTIAL.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    for pattern in _PATTERNS:
        out = pattern.sub(lambda m: m.group(1) + MASK, out)
    return out
