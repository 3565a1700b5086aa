"""SNMP rules of the management-plane detector: writes, walks and v1/v2c community use.

Community strings are secrets: evidence shows only their length and whether they are a
well-known default, never the value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from seawall.detect.traffic.mgmt_rules import Rule, make_alert
from seawall.detect.traffic.mgmt_tunnel_support import (
    Roles,
    frame,
    in_values,
    opt_str,
    sorted_unique,
    step_down,
)
from seawall.records.alerts import Alert

SNMP_WRITE = Rule(
    "MGMT-SNMP-WRITE",
    "SNMP SET to a network device",
    ("T1602.001", "T1602.002", "T1565.002"),
    "SET changes device state; the campaign changed configs over SNMP ('Configured from <ip> by "
    "snmp') and SNMP writes can copy a config out (CISCO-CONFIG-COPY-MIB).",
    ("CISA AA25-239A", "salt-typhoon ST-13, LG-10"),
)
SNMP_WALK = Rule(
    "MGMT-SNMP-WALK",
    "SNMP walk of a network device",
    ("T1602.001",),
    "A burst of get-next/get-bulk requests dumps the MIB (interfaces, routes, ARP, config "
    "fragments); with a default community it is reconnaissance anyone could run.",
    ("CISA AA25-239A", "salt-typhoon ST-13"),
)
SNMP_CLEAR = Rule(
    "MGMT-SNMP-V1V2C",
    "SNMP v1/v2c with a cleartext community",
    ("T1602.001", "T1552"),
    "v1/v2c send the community (the password) in clear on every request; hardening guidance "
    "asks for SNMPv3 authPriv only.",
    ("CISA Enhanced Visibility 2024-12", "salt-typhoon ST-13, HD-10"),
)
RULES = (SNMP_WRITE, SNMP_WALK, SNMP_CLEAR)

COLUMNS = (
    "event.start",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "transaction.direction",
    "snmp.pdu",
    "snmp.version",
    "snmp.community",
    "input.file",
    "input.frame",
    "input.line",
)

REQUEST_PDUS = ("get", "get_next", "get_bulk", "set")
WALK_PDUS = ("get_next", "get_bulk")


_PDU_NAMES = {
    "get": "get",
    "getrequest": "get",
    "getnext": "get_next",
    "getnextrequest": "get_next",
    "getbulk": "get_bulk",
    "getbulkrequest": "get_bulk",
    "set": "set",
    "setrequest": "set",
}


def normalize_pdu(values: pd.Series) -> pd.Series:
    """get-next-request, GetNextRequest, get_next -> get_next; unknown names kept lower-case."""
    text = values.fillna("").astype(str).str.lower()
    squashed = text.str.replace(r"[^a-z]", "", regex=True)
    return squashed.map(_PDU_NAMES).fillna(text)


def detect(txs: pa.Table, roles: Roles, th: dict[str, Any], detector: str) -> list[Alert]:
    if txs.num_rows == 0:
        return []
    df = frame(txs, in_values(txs, "transaction.kind", ["snmp"]), COLUMNS)
    if df.empty:
        return []
    df = df.assign(pdu=normalize_pdu(df["snmp.pdu"]))
    df = df[df["pdu"].isin(REQUEST_PDUS)]
    if df.empty:
        return []
    df = _orient(df, th)
    df = df[roles.is_device(df["agent"])]
    if df.empty:
        return []
    defaults = {str(c).lower() for c in th["snmp_default_communities"]}
    community = df["snmp.community"]
    version = (
        df["snmp.version"].fillna("").astype(str).str.lower().str.replace("v", "", regex=False)
    )
    df = df.assign(
        version=version,
        community_present=community.notna() & (community.astype(str) != ""),
        community_default=community.fillna("").astype(str).str.lower().isin(defaults),
        community_length=community.fillna("").astype(str).str.len(),
        manager_admin=roles.is_admin(df["manager"]),
    )
    alerts: list[Alert] = []
    flagged: set[tuple[str, str]] = set()
    admins_configured = bool(roles.network.admin_sources)
    for (manager, agent), grp in df.groupby(["manager", "agent"], sort=True):
        evidence = _community_evidence(grp)
        admin = bool(grp["manager_admin"].iloc[0])
        default = bool(grp["community_default"].any())
        sets = grp[grp["pdu"] == "set"]
        walk = grp[grp["pdu"].isin(WALK_PDUS)]
        ent = {
            "source.ip": opt_str(manager),
            "destination.ip": opt_str(agent),
            "device": opt_str(agent),
            "destination.port": _agent_port(grp),
        }
        if len(sets):
            critical = default or (admins_configured and not admin)
            why = (
                "with a default community"
                if default
                else "from a host outside network.admin_sources"
                if admins_configured and not admin
                else "from an unverified manager (no admin sources configured)"
            )
            alerts.append(
                make_alert(
                    detector,
                    SNMP_WRITE,
                    sets,
                    severity="critical" if critical else "high",
                    confidence=0.9,
                    entities=ent,
                    explanation=f"{manager} sent {len(sets)} SNMP SET request(s) to device {agent} "
                    f"{why}; SET changes the device's configuration or state.",
                    evidence=evidence | {"set_requests": len(sets), "from_admin_source": admin},
                )
            )
            flagged.add((manager, agent))
        if len(walk) >= int(th["snmp_walk_min_requests"]):
            span = _span_seconds(walk)
            if span <= float(th["snmp_walk_max_seconds"]):
                v3_only = bool((walk["version"] == "3").all())
                severity = "high" if default else ("low" if v3_only else "medium")
                if admin:
                    severity = step_down(severity)
                rate = len(walk) / span if span > 0 else None
                alerts.append(
                    make_alert(
                        detector,
                        SNMP_WALK,
                        walk,
                        severity=severity,
                        confidence=0.85 if default else 0.7,
                        entities=ent,
                        explanation=f"{manager} sent {len(walk)} get-next/get-bulk requests to "
                        f"device {agent} in {span:.2f} s"
                        + (" with a default community" if default else "")
                        + ": a MIB walk.",
                        evidence=evidence
                        | {
                            "walk_requests": len(walk),
                            "span_seconds": round(span, 3),
                            "requests_per_second": round(rate, 1) if rate else None,
                            "from_admin_source": admin,
                        },
                    )
                )
                flagged.add((manager, agent))
        clear = grp[grp["version"].isin(["1", "2c", "2"])]
        if len(clear) and (manager, agent) not in flagged:
            alerts.append(
                make_alert(
                    detector,
                    SNMP_CLEAR,
                    clear,
                    severity="medium" if default else "low",
                    confidence=0.9,
                    entities=ent,
                    explanation=f"{manager} polled device {agent} with SNMP v"
                    f"{'/'.join(sorted_unique(clear['version']))} ({len(clear)} request(s)); the "
                    "community travels in clear"
                    + (" and is a well-known default." if default else "."),
                    evidence=evidence | {"requests": len(clear), "from_admin_source": admin},
                )
            )
    return alerts


def _orient(df: pd.DataFrame, th: dict[str, Any]) -> pd.DataFrame:
    """Manager and agent by the SNMP agent port, whatever the record's own orientation."""
    agent_ports = set(th["snmp_agent_ports"])
    dport = pd.to_numeric(df["destination.port"], errors="coerce")
    sport = pd.to_numeric(df["source.port"], errors="coerce")
    agent_is_src = sport.isin(agent_ports) & ~dport.isin(agent_ports)
    agent = np.where(agent_is_src, df["source.ip"], df["destination.ip"])
    manager = np.where(agent_is_src, df["destination.ip"], df["source.ip"])
    agent_port = np.where(agent_is_src, sport, dport)
    return df.assign(agent=agent, manager=manager, agent_port=agent_port)


def _agent_port(grp: pd.DataFrame) -> int | None:
    ports = pd.to_numeric(grp["agent_port"], errors="coerce").dropna()
    return int(ports.iloc[0]) if len(ports) else None


def _span_seconds(grp: pd.DataFrame) -> float:
    times = grp["event.start"].dropna()
    if len(times) < 2:
        return 0.0
    return float((times.max() - times.min()).total_seconds())


def _community_evidence(grp: pd.DataFrame) -> dict[str, Any]:
    present = grp[grp["community_present"]]
    return {
        "snmp_versions": sorted_unique(grp["version"]),
        "community_lengths": sorted_unique(present["community_length"]),
        "community_is_default": bool(grp["community_default"].any()),
        "distinct_communities": int(present["snmp.community"].nunique()),
        "pdus": {str(k): int(v) for k, v in grp["pdu"].value_counts().items()},
    }
