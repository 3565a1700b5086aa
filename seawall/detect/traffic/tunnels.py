"""Tunnels from infrastructure to peers the operator did not approve, and mirror taps.

The campaign built GRE/mGRE and IPsec tunnels from compromised routers to its own hosts and
mirrored traffic (SPAN/ERSPAN, packet capture) to take call data (CISA AA25-239A, Cisco Talos
Feb 2025, Recorded Future "RedMike" Feb 2025). This detector inventories every tunnel it can see
(inner flows' outer addresses, GRE/ESP/IP-in-IP flows, VPN ports and labels, tunnel header side
records) per endpoint pair and rates pairs whose peer is not in ``allowed_tunnel_peers``. Weak
IKE groups, SSH inside WebSocket and Tor live in ``tunnels_payload.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from seawall.detect.base import DetectContext, RecordTables, load_thresholds, register
from seawall.detect.traffic import tunnels_payload
from seawall.detect.traffic.mgmt_rules import Rule, make_alert
from seawall.detect.traffic.mgmt_tunnel_support import (
    Roles,
    frame,
    in_lower,
    in_values,
    label_kind,
    label_mask,
    mask_to_numpy,
    sorted_unique,
    strings,
    total,
)
from seawall.netaddr import NetworkSet
from seawall.records.alerts import Alert

DETECTOR = "tunnels"

MULTICAST = NetworkSet(["224.0.0.0/4", "255.255.255.255/32", "ff00::/8"])

_REFS = (
    "CISA AA25-239A",
    "Cisco Talos 2025-02-20",
    "Recorded Future RedMike 2025-02",
    "salt-typhoon ST-09",
)

FAMILY_RULES: dict[str, Rule] = {
    "gre": Rule(
        "TUN-GRE",
        "GRE tunnel to a peer that is not approved",
        ("T1572", "T1095", "T1599"),
        "The actors configured GRE/mGRE tunnels from victim routers to hosts they control and "
        "routed traffic into them; GRE carries anything, unencrypted, past perimeter controls.",
        _REFS,
    ),
    "ipip": Rule(
        "TUN-IPIP",
        "IP-in-IP tunnel to a peer that is not approved",
        ("T1572", "T1095", "T1599"),
        "IP-in-IP (and 6in4) moves traffic between networks like GRE does, with no payload "
        "inspection by firewalls in between.",
        _REFS,
    ),
    "erspan": Rule(
        "TUN-ERSPAN",
        "Mirrored traffic (ERSPAN / Ethernet over GRE) to a collector that is not approved",
        ("T1040", "T1020.001", "T1572"),
        "ERSPAN/Ethernet-over-GRE sends copies of switched traffic to a remote collector; the "
        "actors captured traffic on routers and reached lawful-intercept systems, so an "
        "unapproved mirror session is a possible covert tap.",
        ("CISA AA25-239A", "Cisco Talos 2025-02-20", "salt-typhoon ST-14"),
    ),
    "vpn": Rule(
        "TUN-VPN",
        "VPN tunnel (IPsec/OpenVPN/WireGuard/L2TP) to a peer that is not approved",
        ("T1572", "T1133"),
        "The actors also used IPsec tunnels to their infrastructure; an encrypted tunnel from the "
        "carrier's space to an unknown peer hides what leaves.",
        _REFS,
    ),
    "vxlan": Rule(
        "TUN-VXLAN",
        "VXLAN overlay to a peer that is not approved",
        ("T1572", "T1599"),
        "VXLAN extends layer-2 segments between sites; to an unknown peer it bridges a segment "
        "out of the network.",
        _REFS,
    ),
    "gtp": Rule(
        "TUN-GTP",
        "GTP tunnel endpoint (mobile user/control plane)",
        ("T1572",),
        "GTP is the carrier's own user plane: reported as inventory, and as an alert only when "
        "a peer list is configured and the peer is not on it.",
        ("3GPP TS 29.281", "GSMA FS.20 GTP security"),
    ),
}

# Which family each observed tunnel kind belongs to.
KIND_FAMILY = {
    "gre": "gre",
    "pptp": "gre",
    "ipip": "ipip",
    "erspan": "erspan",
    "ipsec": "vpn",
    "esp": "vpn",
    "ike": "vpn",
    "openvpn": "vpn",
    "wireguard": "vpn",
    "l2tp": "vpn",
    "vxlan": "vxlan",
    "gtp": "gtp",
}

RULES: tuple[Rule, ...] = (*FAMILY_RULES.values(), *tunnels_payload.RULES)

_IANA_KIND = {47: "gre", 50: "esp", 51: "esp", 4: "ipip", 41: "ipip"}
_TRANSPORT_KIND = {
    "gre": "gre",
    "esp": "esp",
    "ah": "esp",
    "ipip": "ipip",
    "ipv4": "ipip",
    "ipv6": "ipip",
}
_LABEL_KIND = {
    "ipsec": "ipsec",
    "ike": "ike",
    "isakmp": "ike",
    "openvpn": "openvpn",
    "wireguard": "wireguard",
    "vxlan": "vxlan",
    "gtp": "gtp",
    "gtp_u": "gtp",
    "gtp_c": "gtp",
    "pptp": "pptp",
    "l2tp": "l2tp",
    "gre": "gre",
}

FLOW_COLUMNS = (
    "event.start",
    "event.end",
    "source.ip",
    "destination.ip",
    "source.port",
    "destination.port",
    "network.transport",
    "network.iana_number",
    "network.protocol",
    "source.packets",
    "destination.packets",
    "source.bytes",
    "destination.bytes",
    "tunnel.type",
    "tunnel.source.ip",
    "tunnel.destination.ip",
    "input.file",
    "input.frame",
    "input.line",
)
OBS_COLUMNS = [
    "kind",
    "basis",
    "a",
    "b",
    "event.start",
    "event.end",
    "packets",
    "bytes",
    "tunnel_id",
    "variant",
    "input.file",
    "input.frame",
    "input.line",
]


@register(
    DETECTOR,
    attack=tuple(sorted({t for rule in RULES for t in rule.attack})),
    description="GRE, IP-in-IP, ERSPAN, VXLAN, GTP and VPN tunnels to peers not in "
    "allowed_tunnel_peers; weak IKE groups; SSH inside WebSocket; Tor",
)
def detect_tunnels(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    thresholds = ctx.thresholds or load_thresholds(DETECTOR, ctx.profile)
    roles = Roles(ctx.network)
    obs = pd.concat(
        [
            _from_inner_flows(tables.flows),
            _from_outer_flows(tables.flows, thresholds),
            _from_packets(tables.packets),
        ],
        ignore_index=True,
    )
    alerts = _pair_alerts(obs, roles, thresholds)
    alerts += tunnels_payload.weak_ike(tables.packets, roles, thresholds, DETECTOR)
    alerts += tunnels_payload.ssh_in_websocket(tables.transactions, thresholds, DETECTOR)
    alerts += tunnels_payload.tor(tables.flows, thresholds, DETECTOR)
    return alerts


# --- observations: one row per piece of tunnel evidence ----------------------------------


def _empty_obs() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OBS_COLUMNS})


def _from_inner_flows(flows: pa.Table) -> pd.DataFrame:
    if flows.num_rows == 0:
        return _empty_obs()
    mask = mask_to_numpy(flows.column("tunnel.type").is_valid())
    if not mask.any():
        return _empty_obs()
    df = frame(flows, mask, FLOW_COLUMNS)
    kind = df["tunnel.type"].astype(str).str.lower()
    return _obs(
        df,
        kind=kind,
        basis="inner flow",
        a=df["tunnel.source.ip"],
        b=df["tunnel.destination.ip"],
    )


def _from_outer_flows(flows: pa.Table, th: dict[str, Any]) -> pd.DataFrame:
    if flows.num_rows == 0:
        return _empty_obs()
    port_kinds: dict[int, str] = {}
    for kind, ports in th["tunnel_ports"].items():
        for port in ports:
            port_kinds[int(port)] = str(kind)
    mask = in_values(flows, "network.iana_number", list(_IANA_KIND))
    mask |= in_lower(flows, "network.transport", list(_TRANSPORT_KIND))
    mask |= label_mask(flows, "network.protocol", list(_LABEL_KIND))
    mask |= in_values(flows, "destination.port", list(port_kinds))
    mask |= in_values(flows, "source.port", list(port_kinds))
    mask &= ~mask_to_numpy(flows.column("tunnel.type").is_valid())
    if not mask.any():
        return _empty_obs()
    df = frame(flows, mask, FLOW_COLUMNS)
    transport = df["network.transport"].fillna("").astype(str).str.lower()
    label = df["network.protocol"].fillna("").astype(str).str.lower()
    iana = pd.to_numeric(df["network.iana_number"], errors="coerce")
    dport = pd.to_numeric(df["destination.port"], errors="coerce")
    kind = label_kind(label, _LABEL_KIND)
    kind = kind.fillna(transport.map(_TRANSPORT_KIND)).fillna(iana.map(_IANA_KIND))
    sport = pd.to_numeric(df["source.port"], errors="coerce")
    # Either end may hold the service port: a meter that missed the first packet flips them.
    # ... but only toward an unregistered port, else every client whose random source port
    # happens to be 1194 or 4500 would look like a tunnel endpoint.
    flipped = sport.map(port_kinds).where((dport >= 1024) & dport.map(port_kinds).isna())
    by_port = dport.map(port_kinds).fillna(flipped)
    # A port alone is weak evidence: a TCP port must have answered, and a label from a DPI
    # meter that says otherwise wins.
    answered = pd.to_numeric(df["destination.packets"], errors="coerce").fillna(0) > 0
    port_ok = by_port.notna() & ((transport != "tcp") | answered) & (label.isin(["", "unknown"]))
    kind = kind.fillna(by_port.where(port_ok))
    df = df.assign(kind=kind)
    df = df[df["kind"].notna()]
    basis = np.where(
        label_kind(label.loc[df.index], _LABEL_KIND).notna(), "flow label", "flow header/port"
    )
    return _obs(df, kind=df["kind"], basis=basis, a=df["source.ip"], b=df["destination.ip"])


def _from_packets(packets: pa.Table) -> pd.DataFrame:
    if packets.num_rows == 0:
        return _empty_obs()
    mask = in_lower(packets, "packet.kind", list(KIND_FAMILY))
    if not mask.any():
        return _empty_obs()
    cols = [
        "event.start",
        "packet.kind",
        "source.ip",
        "destination.ip",
        "tunnel.protocol",
        "tunnel.id",
        "detail",
        "packet.bytes",
        "input.file",
        "input.frame",
        "input.line",
    ]
    df = frame(packets, mask, cols)
    kind = df["packet.kind"].astype(str).str.lower()
    proto = df["tunnel.protocol"].fillna("").astype(str).str.lower()
    detail = df["detail"].fillna("").astype(str)
    pptp = (kind == "gre") & ((proto == "ppp") | detail.str.contains("gre_version=1", regex=False))
    variant = np.where(pptp, "pptp enhanced GRE", np.where(kind == "erspan", proto, ""))
    out = pd.DataFrame(
        {
            "kind": kind,
            "basis": "tunnel header",
            "a": df["source.ip"],
            "b": df["destination.ip"],
            "event.start": df["event.start"],
            "event.end": df["event.start"],
            "packets": 1,
            "bytes": pd.to_numeric(df["packet.bytes"], errors="coerce").fillna(0),
            "tunnel_id": df["tunnel.id"],
            "variant": variant,
            "input.file": df["input.file"],
            "input.frame": df["input.frame"],
            "input.line": df["input.line"],
        }
    )
    return out


def _obs(df: pd.DataFrame, *, kind: Any, basis: Any, a: pd.Series, b: pd.Series) -> pd.DataFrame:
    packets = pd.to_numeric(df["source.packets"], errors="coerce").fillna(0) + pd.to_numeric(
        df["destination.packets"], errors="coerce"
    ).fillna(0)
    size = pd.to_numeric(df["source.bytes"], errors="coerce").fillna(0) + pd.to_numeric(
        df["destination.bytes"], errors="coerce"
    ).fillna(0)
    return pd.DataFrame(
        {
            "kind": kind,
            "basis": basis,
            "a": a,
            "b": b,
            "event.start": df["event.start"],
            "event.end": df["event.end"],
            "packets": packets,
            "bytes": size,
            "tunnel_id": pd.Series([None] * len(df), index=df.index, dtype=object),
            "variant": np.where(pd.Series(kind, index=df.index) == "pptp", "pptp", ""),
            "input.file": df["input.file"],
            "input.frame": df["input.frame"],
            "input.line": df["input.line"],
        }
    )


# --- per endpoint pair ---------------------------------------------------------------------


def _pair_alerts(obs: pd.DataFrame, roles: Roles, th: dict[str, Any]) -> list[Alert]:
    obs = obs[obs["a"].notna() & obs["b"].notna()]
    if obs.empty:
        return []
    # Tunnels are unicast: a port or label match toward a multicast group or a subnet
    # broadcast (x.x.x.255) is a coincidence. Decoded tunnel headers are kept as they are.
    group_addr = (
        MULTICAST.contains_column(strings(obs["a"]))
        | MULTICAST.contains_column(strings(obs["b"]))
        | obs["b"].astype(str).str.endswith(".255").to_numpy()
    )
    from_flow = obs["basis"].isin(["flow label", "flow header/port"]).to_numpy()
    obs = obs[~(group_addr & from_flow)]
    if obs.empty:
        return []
    obs = obs.assign(family=obs["kind"].map(KIND_FAMILY))
    obs = obs[obs["family"].notna()]
    if obs.empty:
        return []
    a, b = obs["a"].astype(str), obs["b"].astype(str)
    obs = obs.assign(lo=np.where(a <= b, a, b), hi=np.where(a <= b, b, a))
    # Outer GRE packets of a pair that carries mirrored Ethernet belong to the mirror session.
    pair = obs["lo"] + "~" + obs["hi"]
    mirrored = set(pair[obs["family"] == "erspan"])
    obs.loc[(obs["family"] == "gre") & pair.isin(mirrored), "family"] = "erspan"
    obs = obs.sort_values("event.start", kind="stable")
    alerts = []
    for (family, lo, hi), grp in obs.groupby(["family", "lo", "hi"], sort=True):
        alerts.append(_rate_pair(str(family), str(lo), str(hi), grp, roles, th))
    return alerts


def _rate_pair(
    family: str, lo: str, hi: str, grp: pd.DataFrame, roles: Roles, th: dict[str, Any]
) -> Alert:
    first_src = str(grp["a"].iloc[0])
    ends = pd.Series([lo, hi])
    infra = roles.is_infrastructure(ends)
    internal = roles.is_internal(ends)
    listed = roles.is_allowed_peer(ends)
    # Local side: the infrastructure end, else the internal end, else who spoke first.
    if infra.any():
        local_idx = int(np.argmax(infra)) if not infra.all() else (0 if first_src == lo else 1)
    elif internal.any() and not internal.all():
        local_idx = int(np.argmax(internal))
    else:
        local_idx = 0 if first_src == lo else 1
    peer_idx = 1 - local_idx
    local, peer = (lo, hi) if local_idx == 0 else (hi, lo)
    local_infra, peer_internal = bool(infra[local_idx]), bool(internal[peer_idx])
    # An approved pair names the far end; listing one's own router only counts when it is
    # not known as infrastructure (else every tunnel of that router would pass).
    allowed = bool(listed[peer_idx]) or (bool(listed[local_idx]) and not local_infra)
    scoped = local_infra or not roles.network.infrastructure
    severity = _severity(
        family, local_infra, peer_internal, bool(internal[local_idx]), allowed, scoped, roles
    )
    rule = FAMILY_RULES[family]
    kinds = sorted_unique(grp["kind"])
    variants = [v for v in sorted_unique(grp["variant"]) if v]
    ids = sorted_unique(grp["tunnel_id"], limit=10)
    if allowed:
        verdict = "peer is in allowed_tunnel_peers (inventory)"
    elif not scoped:
        verdict = "neither end is known infrastructure"
    elif not roles.network.allowed_tunnel_peers:
        verdict = "no tunnel peers are approved (network.allowed_tunnel_peers is empty)"
    else:
        verdict = "peer is not in network.allowed_tunnel_peers"
    where = "Internet" if not peer_internal else "internal"
    title = (
        rule.title if not allowed and family != "gtp" else f"{family.upper()} tunnel (inventory)"
    )
    if family == "gtp" and severity != "info":
        title = "GTP tunnel to an unexpected peer"
    explanation = (
        f"{'/'.join(kinds)} tunnel between {local}"
        + (" (infrastructure)" if local_infra else "")
        + f" and {where} peer {peer}: {verdict}; {len(grp)} observation(s), "
        f"{int(pd.to_numeric(grp['packets'], errors='coerce').fillna(0).sum())} packets."
    )
    return make_alert(
        DETECTOR,
        rule,
        grp,
        severity=severity,
        confidence=_confidence(grp, allowed),
        title=title,
        entities={
            "source.ip": local,
            "destination.ip": peer,
            "device": local if local_infra else None,
        },
        explanation=explanation,
        evidence={
            "tunnel_kinds": kinds,
            "variants": variants,
            "tunnel_ids": ids,
            "observations": len(grp),
            "basis": {str(k): int(v) for k, v in grp["basis"].value_counts().items()},
            "packets": int(pd.to_numeric(grp["packets"], errors="coerce").fillna(0).sum()),
            "bytes": total(grp, "bytes"),
            "local_is_infrastructure": local_infra,
            "peer_is_internal": peer_internal,
            "peer_allowed": allowed,
        },
    )


def _severity(
    family: str,
    local_infra: bool,
    peer_internal: bool,
    local_internal: bool,
    allowed: bool,
    scoped: bool,
    roles: Roles,
) -> str:
    if allowed:
        return "info"
    if family == "gtp":
        return "medium" if roles.network.allowed_tunnel_peers else "info"
    if not scoped:
        # Customer or transit tunnels: only raw encapsulations and mirrors are worth a note.
        return "low" if family in ("gre", "ipip", "erspan") else "info"
    external = not peer_internal
    leaves = external and (local_internal or local_infra)
    if family == "erspan":
        return "critical" if local_infra else "high"
    if family in ("gre", "ipip"):
        if local_infra:
            return "critical" if external else "high"
        if leaves:
            return "high"
        # Both ends internal: a router-to-router tunnel nobody approved. Both on the Internet:
        # most likely transit traffic whose ends are not ours.
        return "medium" if peer_internal else "low"
    if family == "vpn":
        if local_infra:
            return "high" if external else "medium"
        return "medium" if leaves else "low"
    # vxlan
    if local_infra and external:
        return "high"
    return "medium" if external else "low"


def _confidence(grp: pd.DataFrame, allowed: bool) -> float:
    bases = set(grp["basis"].dropna())
    strong = bases & {"tunnel header", "inner flow", "flow label"}
    return 0.9 if strong else 0.6
