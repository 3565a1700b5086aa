"""Indicator kinds and the canonical form of each value.

Both sides of a match go through the same rules (indicator files and observed traffic), so
``Evil.COM.`` in a feed matches ``evil.com`` in a DNS query and an upper-case certificate
SHA-1 from a capture matches a lower-case one from a vendor list.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

# Indicator kinds. A hash kind says what the value is compared with in traffic.
IP = "ip"  # one IPv4 or IPv6 address
CIDR = "cidr"  # an IPv4 or IPv6 network, stored in network form
DOMAIN = "domain"  # matches the name and every subdomain
URL = "url"
JA3 = "ja3"
JA4 = "ja4"
SHA1 = "sha1"  # certificate (or file) SHA-1; compared with the TLS server certificate
SHA256 = "sha256"
MD5 = "md5"  # file MD5: nothing in flows carries it, kept for sharing and evidence
USER_AGENT = "user_agent"

KINDS: tuple[str, ...] = (IP, CIDR, DOMAIN, URL, JA3, JA4, SHA1, SHA256, MD5, USER_AGENT)
HASH_KINDS: tuple[str, ...] = (JA3, JA4, SHA1, SHA256, MD5)
KIND_CODE: dict[str, int] = {kind: code for code, kind in enumerate(KINDS)}

# Type names used by feeds (MISP attribute types, STIX object types, vendor CSV columns).
# "file" and "hash" mean "look at the length": a 32-hex file hash is an MD5, not a JA3.
TYPE_ALIASES: dict[str, str] = {
    **{
        name: IP
        for name in (
            "ip",
            "ipv4",
            "ipv6",
            "ipaddress",
            "ip_address",
            "ip-address",
            "ip-dst",
            "ip-src",
            "ipv4-addr",
            "ipv6-addr",
            "ip-dst|port",
            "ip-src|port",
            "address",
            "addr",
            "c2-ip",
        )
    },
    **{name: CIDR for name in ("cidr", "network", "subnet", "netblock", "ip-range", "range")},
    **{
        name: DOMAIN
        for name in (
            "domain",
            "domain-name",
            "domainname",
            "hostname",
            "host",
            "fqdn",
            "dns",
            "sni",
            "domain|ip",
            "c2-domain",
        )
    },
    **{name: URL for name in ("url", "uri", "link")},
    **{name: JA3 for name in ("ja3", "ja3-fingerprint-md5", "ja3_hash", "ja3-md5", "ja3s")},
    **{name: JA4 for name in ("ja4", "ja4-fingerprint", "ja4+")},
    **{
        name: SHA1
        for name in (
            "sha1",
            "sha-1",
            "x509-fingerprint-sha1",
            "cert-sha1",
            "certificate-sha1",
            "ssl-sha1",
            "tls-sha1",
        )
    },
    **{name: SHA256 for name in ("sha256", "sha-256", "x509-fingerprint-sha256", "cert-sha256")},
    **{name: MD5 for name in ("md5", "x509-fingerprint-md5", "filename|md5")},
    **{
        name: USER_AGENT
        for name in ("user-agent", "user_agent", "useragent", "ua", "http-user-agent")
    },
    "file": "hash",
    "hash": "hash",
    "filehash": "hash",
}

_HEX = re.compile(r"^[0-9a-f]+$")
_HEX_PAIRS = re.compile(r"^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+$")  # openssl-style fingerprint
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_IPV4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$")
_JA4 = re.compile(r"^[tqd][0-9a-z]{2}[di][0-9]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}

# Defanged spellings used in reports so that values cannot be clicked.
_REFANG = (
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE), "."),
    (re.compile(r"\[:\]|\[://\]"), lambda m: m.group(0)[1:-1]),
    (re.compile(r"^h(?:xx|\*\*|XX)p(s?)", re.IGNORECASE), r"http\1"),
    (re.compile(r"^fxp", re.IGNORECASE), "ftp"),
    (re.compile(r"\[at\]|\[@\]", re.IGNORECASE), "@"),
)


def refang(text: str) -> str:
    """Undo common defanging (``hxxp``, ``[.]``, ``(dot)``) and strip wrapping quotes."""
    value = text.strip().strip("`'\"<>").strip()
    if value.startswith("++") and value.endswith("++"):  # AsciiDoc passthrough
        value = value[2:-2]
    for pattern, repl in _REFANG:
        value = pattern.sub(repl, value)
    return value


def kind_for_type(type_name: str | None) -> str | None:
    """Map a feed's type name to a kind ("hash" means decide by length), or None."""
    if not type_name:
        return None
    key = type_name.strip().lower()
    if key in KINDS:
        return key
    return TYPE_ALIASES.get(key)


def hash_kind(value: str, md5_default: str = JA3) -> str | None:
    """Kind of a bare hex digest by length; 32 hex is JA3 unless told it is an MD5."""
    digest = normalize_hash(value)
    if digest is None:
        return None
    return {32: md5_default, 40: SHA1, 64: SHA256}.get(len(digest))


def normalize_hash(value: str) -> str | None:
    """Lower-case hex without separators, or None if it is not hex."""
    digest = value.strip().replace(":", "").replace(" ", "").lower()
    return digest if digest and _HEX.match(digest) else None


def normalize_ip(value: str) -> str:
    """Canonical text of an address (IPv6 compressed). Raises ValueError."""
    return str(ipaddress.ip_address(value.strip().strip("[]")))


def normalize_cidr(value: str) -> str:
    """Network form (host bits cleared); a /32 or /128 becomes a plain address."""
    net = ipaddress.ip_network(value.strip(), strict=False)
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


def normalize_domain(value: str) -> str:
    """Lower-case ASCII (IDNA) name without the trailing dot. Raises ValueError."""
    name = value.strip().rstrip(".").lower()
    if name.startswith("*."):  # wildcard entries mean the same as the parent here
        name = name[2:]
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"not a valid internationalised domain name: {exc}") from None
    if len(name) > 253 or not name:
        raise ValueError("domain name is empty or longer than 253 characters")
    labels = name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise ValueError("domain name has an empty label or characters outside a-z 0-9 - _")
    if labels[-1].isdigit():
        raise ValueError("an all-numeric top-level label: this is an address, not a domain")
    return name


def looks_like_domain(value: str) -> bool:
    """A dotted name whose last label is alphabetic (so "1.2.3" is not a domain)."""
    if "." not in value:
        return False
    try:
        name = normalize_domain(value)
    except ValueError:
        return False
    tld = name.rsplit(".", 1)[-1]
    return tld.isalpha() or tld.startswith("xn--")


def normalize_url(value: str) -> tuple[str, str]:
    """(canonical URL, host+path key). Scheme and host lower-case, default port dropped,
    path and query kept as written. Raises ValueError."""
    text = value.strip()
    if not _SCHEME.match(text):
        text = "http://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if not parts.hostname:
        raise ValueError("URL has no host")
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    elif not _IPV4.match(host):
        host = normalize_domain(host)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"URL port is not a number: {exc}") from None
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return f"{scheme}://{host}{path}", f"{host}{path}"


def url_host_key(host: str) -> str:
    """The host part of a host+path key for an observed HTTP Host header."""
    name = host.strip().lower().rstrip(".")
    if name.endswith(":80"):
        name = name[:-3]
    return name


def infer_kind(value: str) -> str | None:
    """Guess the kind of a bare value from a plain list (after refanging)."""
    if _IPV4.match(value) or _IPV4_PORT.match(value):
        return IP
    if "/" in value and not _SCHEME.match(value):
        try:
            ipaddress.ip_network(value, strict=False)
            return CIDR
        except ValueError:
            pass
    if _SCHEME.match(value):
        return URL
    if ":" in value and not value.startswith("["):
        try:
            ipaddress.ip_address(value)
            return IP
        except ValueError:
            pass
    if _JA4.match(value.lower()):
        return JA4
    kind = hash_kind(value)
    if kind is not None and (":" not in value or _HEX_PAIRS.match(value)) and " " not in value:
        return kind
    if looks_like_domain(value):
        if "/" in value:
            return URL
        return DOMAIN
    return None


def normalize(value: str, kind: str) -> tuple[str, str, int | None]:
    """(kind, canonical value, port) for a value of a given kind; the kind can change
    (a /32 CIDR is an address). Raises ValueError saying what is wrong."""
    port: int | None = None
    if kind == IP:
        match = _IPV4_PORT.match(value)
        if match:
            value, port = match.group(1), int(match.group(2))
        elif value.startswith("[") and "]:" in value:  # [v6]:port
            host, _, port_text = value[1:].partition("]:")
            value, port = host, int(port_text)
        if "/" in value:
            return normalize(value, CIDR)
        return IP, normalize_ip(value), port
    if kind == CIDR:
        canonical = normalize_cidr(value)
        return (CIDR if "/" in canonical else IP), canonical, None
    if kind == DOMAIN:
        return DOMAIN, normalize_domain(value), None
    if kind == URL:
        return URL, normalize_url(value)[0], None
    if kind == USER_AGENT:
        text = value.strip()
        if not text:
            raise ValueError("empty user agent")
        return USER_AGENT, text, None
    if kind == JA4:
        ja4 = value.strip().lower()
        if not _JA4.match(ja4):
            raise ValueError(
                "not a JA4 fingerprint (expected e.g. t13d1516h2_8daaf6152771_b186095e22b6)"
            )
        return JA4, ja4, None
    if kind in (JA3, SHA1, SHA256, MD5, "hash"):
        digest = normalize_hash(value)
        if digest is None:
            raise ValueError("hash is not hexadecimal")
        want = {JA3: 32, MD5: 32, SHA1: 40, SHA256: 64}.get(kind)
        if kind == "hash":
            by_length = {32: MD5, 40: SHA1, 64: SHA256}.get(len(digest))
            if by_length is None:
                raise ValueError(f"hash of {len(digest)} hex digits is not MD5/SHA-1/SHA-256")
            return by_length, digest, None
        if len(digest) != want:
            raise ValueError(f"{kind} must be {want} hex digits, got {len(digest)}")
        return kind, digest, None
    raise ValueError(f"unknown indicator kind {kind!r}; known: {', '.join(KINDS)}")
