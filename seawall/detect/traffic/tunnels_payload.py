"""Tunnel rules that need payload facts: weak IKE Diffie-Hellman groups, SSH carried inside
WebSocket or HTTP CONNECT, and Tor (by nDPI label, relay list, or the random SNI shape of Tor's
TLS handshakes)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.traffic.mgmt_rules import Rule, make_alert
from seawall.detect.traffic.mgmt_tunnel_support import (
    Roles,
    distinct_mask,
    frame,
    in_lower,
    in_values,
    label_has,
    label_mask,
    opt_str,
    sorted_unique,
)
from seawall.netaddr import NetworkSet
from seawall.records.alerts import Alert

WEAK_IKE = Rule(
    "TUN-IKE-WEAK-DH",
    "IKE negotiation with weak Diffie-Hellman groups",
    ("T1600.001",),
    "DH groups 1, 2, 5 (768-1536-bit MODP) and 22-24 (MODP with small subgroups) are deprecated "
    "by RFC 8247; recorded tunnels keyed with them can be decrypted later, and weakened crypto "
    "settings on a device are a known tampering step.",
    ("RFC 8247 section 2.4", "NSA/CISA IPsec VPN guidance 2020", "Suricata ikev2 weak-dh rule"),
)
SSH_IN_HTTP = Rule(
    "TUN-SSH-IN-HTTP",
    "SSH carried inside WebSocket or an HTTP CONNECT tunnel",
    ("T1572", "T1071.001"),
    "An SSH banner inside a connection that began as an HTTP WebSocket upgrade (or CONNECT) is "
    "an interactive session hidden in web traffic (wstunnel, chisel and similar tools).",
    ("Zeek websocket analyzer (wstunnel-ssh test)", "MITRE ATT&CK T1572"),
)
TOR = Rule(
    "TUN-TOR",
    "Tor connections",
    ("T1090.003", "T1573"),
    "Tor hides the far end of a connection behind relays; from a carrier's network it is a "
    "common exfiltration and C2 path. Tor clients send an SNI of the form "
    "www.<random base32>.com/.net and talk to relays on ports 9001/9030/443.",
    ("Tor spec: tor-spec.txt (TLS handshake), nDPI Tor classification",),
)
RULES = (WEAK_IKE, SSH_IN_HTTP, TOR)

_DH = re.compile(r"\bdh=([\d,]+)")
_SPI = re.compile(r"\bispi=([0-9a-f]+)")
_ROLE = re.compile(r"\b(initiator|responder)\b")


# --- weak IKE ------------------------------------------------------------------------------


def _groups(detail: str) -> list[int]:
    found = _DH.search(detail)
    if not found:
        return []
    return [int(g) for g in found.group(1).split(",") if g]


def weak_ike(packets: pa.Table, roles: Roles, th: dict[str, Any], detector: str) -> list[Alert]:
    if packets.num_rows == 0:
        return []
    mask = in_lower(packets, "packet.kind", ["ike"])
    if not mask.any():
        return []
    cols = [
        "event.start",
        "source.ip",
        "destination.ip",
        "detail",
        "input.file",
        "input.frame",
        "input.line",
    ]
    df = frame(packets, mask, cols)
    detail = df["detail"].fillna("").astype(str)
    df = df.assign(
        spi=detail.map(lambda d: m.group(1) if (m := _SPI.search(d)) else None),
        role=detail.map(lambda d: m.group(1) if (m := _ROLE.search(d)) else None),
        groups=detail.map(_groups),
    )
    df = df[df["groups"].map(len) > 0]
    if df.empty:
        return []
    weak = {int(g) for g in th["weak_dh_groups"]}
    # Initiator per SA: the sender of the first record of that SPI (or one marked initiator).
    df = df.sort_values("event.start", kind="stable")
    initiators: dict[str, str] = {}
    for spi, src, role in df[["spi", "source.ip", "role"]].itertuples(index=False, name=None):
        key = str(spi)
        if role == "initiator" or key not in initiators:
            initiators.setdefault(key, str(src))
    init_of = df["spi"].astype(str).map(initiators)
    from_init = df["source.ip"].astype(str) == init_of
    df = df.assign(
        initiator=np.where(from_init, df["source.ip"], df["destination.ip"]),
        responder=np.where(from_init, df["destination.ip"], df["source.ip"]),
        from_initiator=from_init,
    )
    alerts = []
    for (init, resp), grp in df.groupby(["initiator", "responder"], sort=True):
        offered = sorted({g for gs in grp.loc[grp["from_initiator"], "groups"] for g in gs})
        chosen = sorted({g for gs in grp.loc[~grp["from_initiator"], "groups"] for g in gs})
        weak_offered = sorted(set(offered) & weak)
        weak_chosen = sorted(set(chosen) & weak)
        if not weak_offered and not weak_chosen:
            continue
        if weak_chosen:
            severity, what = "medium", f"the responder chose weak group(s) {weak_chosen}"
        elif offered and set(offered) <= weak:
            severity, what = "medium", f"only weak group(s) {weak_offered} were offered"
        else:
            severity, what = "low", f"weak group(s) {weak_offered} were offered next to strong ones"
        ends = pd.Series([init, resp])
        allowed = bool(roles.is_allowed_peer(ends).any())
        if allowed:
            severity = str(th["weak_dh_allowed_peer_severity"])
        alerts.append(
            make_alert(
                detector,
                WEAK_IKE,
                grp,
                severity=severity,
                confidence=0.9,
                entities={"source.ip": opt_str(init), "destination.ip": opt_str(resp)},
                explanation=f"IKE between {init} (initiator) and {resp}: {what}"
                + (" (approved peer)" if allowed else "")
                + ".",
                evidence={
                    "offered_groups": offered,
                    "chosen_groups": chosen,
                    "weak_offered": weak_offered,
                    "weak_chosen": weak_chosen,
                    "security_associations": int(grp["spi"].nunique()),
                    "ike_versions": sorted({d.split()[0] for d in grp["detail"].dropna() if d}),
                    "peer_allowed": allowed,
                },
            )
        )
    return alerts


# --- SSH inside HTTP -------------------------------------------------------------------------


def ssh_in_websocket(txs: pa.Table, th: dict[str, Any], detector: str) -> list[Alert]:
    if txs.num_rows == 0:
        return []
    kinds = in_values(txs, "transaction.kind", ["websocket_upgrade", "ssh_banner", "http_request"])
    if not kinds.any():
        return []
    cols = [
        "event.start",
        "source.ip",
        "source.port",
        "destination.ip",
        "destination.port",
        "transaction.kind",
        "http.request.method",
        "url.original",
        "detail",
        "input.file",
        "input.frame",
        "input.line",
    ]
    df = frame(txs, kinds, cols)
    method = df["http.request.method"].fillna("").astype(str).str.upper()
    opener = (df["transaction.kind"] == "websocket_upgrade") | (
        (df["transaction.kind"] == "http_request") & (method == "CONNECT")
    )
    df = df[opener | (df["transaction.kind"] == "ssh_banner")]
    if df.empty:
        return []
    df = df.assign(conn=_connection_key(df), opener=opener.loc[df.index])
    hits = []
    for _conn, grp in df.groupby("conn", sort=True):
        openers = grp[grp["opener"]]
        banners = grp[grp["transaction.kind"] == "ssh_banner"]
        if openers.empty or banners.empty:
            continue
        opened = openers["event.start"].min()
        inside = banners[banners["event.start"] >= opened]
        if not inside.empty:
            hits.append(pd.concat([openers, inside]).assign(opened=opened))
    if not hits:
        return []
    found = pd.concat(hits)
    client = found.groupby("conn")["source.ip"].transform("first")
    server = found.groupby("conn")["destination.ip"].transform("first")
    port = found.groupby("conn")["destination.port"].transform("first")
    found = found.assign(client=client, server=server, server_port=port)
    alerts = []
    for (_c, _s, _p), rows in found.groupby(["client", "server", "server_port"], sort=True):
        openers = rows[rows["opener"]]
        inside = rows[~rows["opener"]]
        opened = rows["opened"].min()
        first = openers.iloc[0]
        how = (
            "WebSocket upgrade"
            if (openers["transaction.kind"] == "websocket_upgrade").any()
            else "HTTP CONNECT"
        )
        alerts.append(
            make_alert(
                detector,
                SSH_IN_HTTP,
                rows,
                severity="high",
                confidence=0.9,
                entities={
                    "source.ip": opt_str(first["source.ip"]),
                    "destination.ip": opt_str(first["destination.ip"]),
                    "destination.port": int(first["destination.port"])
                    if pd.notna(first["destination.port"])
                    else None,
                },
                explanation=f"{rows['conn'].nunique()} connection(s) {first['source.ip']} -> "
                f"{first['destination.ip']}:{first['destination.port']} opened with a {how} "
                f"({opt_str(first['url.original']) or 'no URI'}) and then carried SSH "
                f"({len(inside)} banner(s)).",
                evidence={
                    "opened_by": how,
                    "connections": int(rows["conn"].nunique()),
                    "uri": opt_str(first["url.original"]),
                    "ssh_banners": sorted_unique(inside["detail"], limit=4),
                    "seconds_from_upgrade_to_ssh": round(
                        float((inside["event.start"].min() - opened).total_seconds()), 3
                    ),
                },
            )
        )
    return alerts


def _connection_key(df: pd.DataFrame) -> pd.Series:
    """Same key for both directions of one connection."""
    left = df["source.ip"].astype(str) + "|" + df["source.port"].astype(str)
    right = df["destination.ip"].astype(str) + "|" + df["destination.port"].astype(str)
    return pd.Series(
        np.where(left <= right, left + "~" + right, right + "~" + left), index=df.index
    )


# --- Tor -------------------------------------------------------------------------------------

_TOR_SNI = r"^www\.[a-z2-7]{4,32}\.(com|net)$"
_VOWELS = set("aeiou")


def random_label(sni: str) -> bool:
    """Tor's SNI label is random base32: digits 2-7 mixed in, or few vowels for its length."""
    label = sni.split(".")[1] if sni.count(".") >= 2 else sni
    if any(c in "234567" for c in label) and any(c.isalpha() for c in label):
        return True
    vowels = sum(c in _VOWELS for c in label)
    return len(label) >= 10 and vowels / len(label) < 0.2


def tor(flows: pa.Table, th: dict[str, Any], detector: str) -> list[Alert]:
    if flows.num_rows == 0:
        return []
    mask = distinct_mask(
        flows.column("tls.client.server_name"),
        lambda v: pc.match_substring_regex(pc.utf8_lower(v), _TOR_SNI),
    )
    mask |= label_mask(flows, "network.protocol", ["tor"])
    relays = NetworkSet([str(r) for r in th.get("tor_relays") or []])
    if relays:
        mask |= relays.contains_column(flows.column("destination.ip"))
    if not mask.any():
        return []
    cols = [
        "event.start",
        "event.end",
        "source.ip",
        "destination.ip",
        "destination.port",
        "network.protocol",
        "tls.client.server_name",
        "tls.version",
        "source.bytes",
        "destination.bytes",
        "input.file",
        "input.frame",
        "input.line",
    ]
    df = frame(flows, mask, cols)
    names = df["tls.client.server_name"].fillna("").astype(str).str.lower()
    df = df.assign(
        random_sni=names.map(lambda s: bool(s) and bool(re.match(_TOR_SNI, s)) and random_label(s)),
        labelled=label_has(df["network.protocol"], ["tor"]),
        listed=relays.contains_column(pa.array(df["destination.ip"].astype(str).tolist()))
        if relays
        else False,
        or_port=pd.to_numeric(df["destination.port"], errors="coerce").isin(th["tor_or_ports"]),
    )
    df = df[df["random_sni"] | df["labelled"] | df["listed"]]
    alerts = []
    min_dest = int(th["tor_min_random_sni_destinations"])
    for src, grp in df.groupby("source.ip", sort=True):
        random_dests = grp.loc[grp["random_sni"], "destination.ip"].nunique()
        random_on_or_port = bool(
            (grp["random_sni"] & grp["or_port"] & ~grp["destination.port"].isin([443])).any()
        )
        labelled, listed = bool(grp["labelled"].any()), bool(np.any(grp["listed"]))
        reasons = []
        if labelled:
            reasons.append("the DPI meter labelled the flows Tor")
        if listed:
            reasons.append("destinations are on the configured Tor relay list")
        if random_dests >= min_dest:
            reasons.append(f"random www.<base32>.com/.net SNIs to {random_dests} different hosts")
        elif random_on_or_port:
            reasons.append("a random www.<base32> SNI on a Tor relay port")
        if not reasons:
            continue
        confidence = 0.95 if labelled or listed else (0.8 if random_dests >= min_dest else 0.6)
        alerts.append(
            make_alert(
                detector,
                TOR,
                grp,
                severity=str(th["tor_severity"]),
                confidence=confidence,
                entities={"source.ip": opt_str(src)},
                explanation=f"{src} connected to {grp['destination.ip'].nunique()} host(s) like a "
                f"Tor client: {'; '.join(reasons)}.",
                evidence={
                    "relays": sorted_unique(grp["destination.ip"], limit=20),
                    "relay_count": int(grp["destination.ip"].nunique()),
                    "flows": len(grp),
                    "random_sni_examples": sorted_unique(
                        grp.loc[grp["random_sni"], "tls.client.server_name"], 5
                    ),
                    "ports": sorted_unique(grp["destination.port"]),
                    "tls_versions": sorted_unique(grp["tls.version"]),
                    "dpi_label": labelled,
                    "relay_list_hit": listed,
                },
            )
        )
    return alerts
