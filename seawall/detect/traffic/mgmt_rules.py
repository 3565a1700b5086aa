"""Rule metadata shared by the management-plane and tunnel detectors: id, title, ATT&CK ids and
the rationale with its sources. Kept as data so documentation and linters can list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from seawall.detect.traffic.mgmt_tunnel_support import first_last, input_refs, to_datetime
from seawall.records.alerts import Alert, InputRef


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    attack: tuple[str, ...]
    rationale: str
    references: tuple[str, ...]
    version: int = 1


# --- management-plane rules (used by mgmt_plane.py) ---------------------------------------

TELNET = Rule(
    "MGMT-TELNET",
    "Cleartext Telnet session to a network device",
    ("T1021", "T1078", "T1040"),
    "Telnet sends device credentials and commands in clear; the hardening guidance asks for SSH "
    "only (transport input ssh) and the campaign harvested credentials in transit.",
    ("CISA Enhanced Visibility 2024-12", "CISA AA25-239A", "salt-typhoon HD-01"),
)
SSH_PORT = Rule(
    "MGMT-SSH-NONSTD-PORT",
    "SSH to a network device on a non-standard port",
    ("T1021.004", "T1571"),
    "The actors opened SSH on extra high ports (pattern 22x22 or xxx22, 'ip ssh port ... rotary') "
    "and started OpenSSH on TCP/57722 in the IOS XR host OS for root access.",
    ("CISA AA25-239A", "Cisco Talos 2025-02-20", "salt-typhoon ST-04, ST-05"),
)
REVERSE_SSH = Rule(
    "MGMT-SSH-REVERSE",
    "Reverse SSH: the TCP server started the key exchange",
    ("T1572", "T1021.004"),
    "In SSH the TCP client sends the key-exchange init; when the server side sends it, the roles "
    "were swapped, the shape of a reverse shell or a tunnel called back from inside.",
    ("Zeek ssh detect-reverse (ECC INIT not from the TCP client)", "CISA AA25-239A"),
)
AAA_SERVER = Rule(
    "MGMT-AAA-UNKNOWN-SERVER",
    "TACACS+/RADIUS to a server that is not an approved AAA server",
    ("T1556", "T1040"),
    "The actors pointed devices' TACACS+/RADIUS at servers they control and captured AAA traffic "
    "to harvest credentials; AAA must only reach the operator's own servers.",
    ("CISA AA25-239A", "Cisco Talos 2025-02-20", "salt-typhoon ST-11"),
)
AAA_CLIENT = Rule(
    "MGMT-AAA-UNEXPECTED-CLIENT",
    "TACACS+/RADIUS from a host that is not a network device",
    ("T1078", "T1110"),
    "Only devices (NAS clients) talk TACACS+/RADIUS to the AAA servers; another host speaking "
    "the protocol is replaying or guessing credentials, or relaying for a compromised device.",
    ("CISA AA25-239A", "salt-typhoon ST-11"),
)
AAA_SEEN = Rule(
    "MGMT-AAA-OBSERVED",
    "AAA server in use (inventory)",
    ("T1556",),
    "With no AAA servers configured the detector cannot tell a rogue server from the real one; "
    "it lists the servers seen so the operator can set network.aaa_servers.",
    ("CISA AA25-239A",),
)
SMART_INSTALL = Rule(
    "MGMT-SMART-INSTALL",
    "Cisco Smart Install (TCP/4786) session to a device",
    ("T1190", "T1602.002"),
    "Smart Install needs no authentication; CVE-2018-0171 and the protocol itself let anyone copy "
    "or replace a switch config (siet.py). Named in AA25-239A and by Talos for this campaign.",
    ("CISA AA25-239A", "Cisco Talos 2025-02-20", "cisco-sa-20180328-smi2", "salt-typhoon ST-20"),
)
WEBUI = Rule(
    "MGMT-WEBUI-EXPLOIT",
    "Exploit path of an edge-device web UI",
    ("T1190", "T1505.003"),
    "HTTP requests whose path matches a published exploit of a CVE the campaign used "
    "(Cisco IOS XE CVE-2023-20198/20273, Ivanti CVE-2023-46805/CVE-2024-21887, PAN-OS "
    "CVE-2024-3400); the sources of each path are listed in the evidence.",
    ("CISA AA25-239A", "salt-typhoon LG-11"),
)
NON_ADMIN = Rule(
    "MGMT-ACCESS-NON-ADMIN",
    "Management session to a device from a host that is not an admin source",
    ("T1078", "T1021"),
    "Management planes should only be reached from jump hosts and NMS; the actors logged in with "
    "valid credentials from hosts outside that set.",
    ("CISA Enhanced Visibility 2024-12", "salt-typhoon LG-01"),
)


def make_alert(
    detector: str,
    rule: Rule,
    group: pd.DataFrame | None,
    *,
    severity: str,
    confidence: float,
    entities: dict[str, Any],
    explanation: str,
    evidence: dict[str, Any],
    title: str | None = None,
    first_seen: datetime | pd.Timestamp | None = None,
    last_seen: datetime | pd.Timestamp | None = None,
    inputs: list[InputRef] | None = None,
) -> Alert:
    """An alert from the rows behind it (``group``), or from precomputed times and inputs."""
    if group is not None:
        end = "event.end" if "event.end" in group else None
        first, last = first_last(group, "event.start", end)
    else:
        first, last = None, None
    clean_entities = {k: v for k, v in entities.items() if v is not None}
    return Alert(
        detector=detector,
        rule_id=rule.id,
        rule_version=rule.version,
        title=title or rule.title,
        severity=severity,
        attack=list(rule.attack),
        entities=clean_entities,
        first_seen=to_datetime(first_seen) or first,
        last_seen=to_datetime(last_seen) or last,
        explanation=explanation,
        evidence={**evidence, "references": list(rule.references)},
        inputs=inputs if inputs is not None else (input_refs(group) if group is not None else []),
        confidence=confidence,
    )
