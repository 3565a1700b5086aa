"""Request paths of edge-device web-UI exploits used in the campaign (CISA AA25-239A lists the
CVEs; the paths come from vendor advisories and public exploit analyses named per entry).

Paths are matched after repeated percent-decoding and lower-casing, so encoded variants such as
``/%2577eb%2575i_%2577sma_Http`` (double-encoded ``/webui_wsma_Http``) match the same entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class ExploitPath:
    id: str
    pattern: re.Pattern[str]
    cves: tuple[str, ...]
    product: str
    what: str
    severity: str  # severity when the request reached a device / edge appliance
    sources: tuple[str, ...]
    methods: tuple[str, ...] = ()  # empty = any method; else severity drops one step for others


EXPLOIT_PATHS: tuple[ExploitPath, ...] = (
    ExploitPath(
        id="iosxe-wsma-bypass",
        pattern=re.compile(r"/webui_wsma_https?\b"),
        cves=("CVE-2023-20198",),
        product="Cisco IOS XE Web UI",
        what="WSMA endpoint reached through the Web UI (auth bypass, new privilege-15 account)",
        severity="critical",
        sources=(
            "CISA AA25-239A (double-encoded /%2577eb%2575i_%2577sma_Http)",
            "Cisco cisco-sa-iosxe-webui-privesc-j22SaA4z",
            "Horizon3.ai CVE-2023-20198 deep dive (2023-11-01)",
        ),
    ),
    ExploitPath(
        id="iosxe-implant-check",
        pattern=re.compile(r"/webui/logoutconfirm\.html\?.*logon_hash="),
        cves=("CVE-2023-20198", "CVE-2023-20273"),
        product="Cisco IOS XE Web UI",
        what="request for the BadCandy implant (logoutconfirm.html?logon_hash=)",
        severity="critical",
        sources=(
            "Cisco cisco-sa-iosxe-webui-privesc-j22SaA4z (implant check)",
            "Cisco Talos 2023-10-16 'Active exploitation of Cisco IOS XE'",
            "splunk/security_content cisco_ios_xe_implant_access",
        ),
        methods=("POST",),
    ),
    ExploitPath(
        id="iosxe-softwaremgmt-injection",
        pattern=re.compile(r"/webui/rest/softwaremgmt/"),
        cves=("CVE-2023-20273",),
        product="Cisco IOS XE Web UI",
        what="software-install REST call abused for command injection as root",
        severity="high",
        sources=(
            "Cisco cisco-sa-iosxe-webui-privesc-j22SaA4z",
            "Horizon3.ai CVE-2023-20273 analysis",
        ),
    ),
    ExploitPath(
        id="ios-http-level15-exec",
        pattern=re.compile(r"/level/15/(exec|configure)/"),
        cves=(),
        product="Cisco IOS HTTP server",
        what="privilege-15 CLI command run over HTTP",
        severity="critical",
        sources=("CISA AA25-239A (HTTP GET/POST to /level/15/exec/-/)",),
    ),
    ExploitPath(
        id="ivanti-auth-bypass-traversal",
        pattern=re.compile(r"/api/v1/(totp/user-backup-code|cav/client/status)/\.\./"),
        cves=("CVE-2023-46805", "CVE-2024-21887"),
        product="Ivanti Connect Secure / Policy Secure",
        what="path traversal out of an unauthenticated API route into admin endpoints",
        severity="critical",
        sources=(
            "CISA AA25-239A; CISA AA24-060B",
            "Rapid7 AttackerKB CVE-2023-46805 analysis",
            "watchTowr Labs 2024-01-16 Ivanti analysis",
        ),
    ),
    ExploitPath(
        id="ivanti-command-injection",
        pattern=re.compile(
            r"/api/v1/(license/keys-status|system/maintenance/archiving/cloud-server-test-connection)"
            r"/?.*[;`|$]"
        ),
        cves=("CVE-2024-21887",),
        product="Ivanti Connect Secure / Policy Secure",
        what="shell metacharacters in an API route vulnerable to command injection",
        severity="critical",
        sources=(
            "Rapid7 AttackerKB CVE-2023-46805 analysis",
            "Volexity 2024-01-10 Ivanti zero-days",
        ),
    ),
    ExploitPath(
        id="panos-globalprotect-traversal",
        pattern=re.compile(r"/(ssl-vpn|global-protect)/.*\.\./"),
        cves=("CVE-2024-3400",),
        product="Palo Alto PAN-OS GlobalProtect",
        what="path traversal in a GlobalProtect request (arbitrary file creation)",
        severity="critical",
        sources=(
            "Palo Alto Networks CVE-2024-3400 advisory",
            "watchTowr Labs 2024-04-16 CVE-2024-3400",
        ),
    ),
    ExploitPath(
        id="panos-globalprotect-probe",
        pattern=re.compile(r"/global-protect/portal/(images|css)/[^/?]+\.(txt|css)\b"),
        cves=("CVE-2024-3400",),
        product="Palo Alto PAN-OS GlobalProtect",
        what="fetch of a file dropped in the GlobalProtect portal folder (exploit check / config "
        "copied out as bootstrap.min.css)",
        severity="high",
        sources=("watchTowr Labs 2024-04-16 CVE-2024-3400", "Volexity 2024-04-12 UTA0218"),
    ),
)

# Cheap Arrow prefilter: any candidate URI contains one of these (lower-cased, raw).
PREFILTER_REGEX = r"webui|wsma|%25|level/15|/api/v1/|global-protect|ssl-vpn"


def normalize(uri: str, rounds: int = 3) -> str:
    """Lower-cased URI after up to ``rounds`` percent-decodings (stops when stable)."""
    text = uri
    for _ in range(rounds):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text.lower()


def match(uri: str) -> list[ExploitPath]:
    norm = normalize(uri)
    return [entry for entry in EXPLOIT_PATHS if entry.pattern.search(norm)]
