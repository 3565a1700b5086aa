"""Exfiltration by volume and covert channels in ICMP (T1048, T1041, T1095).

Upload rules, per (internal host, peer) over all flows of the input:

- ``exfil.upload_heavy``: the host sent at least ``min_upload_bytes`` and at least
  ``min_upload_ratio`` times what it received;
- ``exfil.large_upload``: the host sent at least ``large_upload_bytes``, whatever came back.

"Sent" is oriented by the internal side: for an outside client pulling data from an internal
server, the server's bytes are the outbound ones. Both rules need a *rare* peer, one that at
most ``rare_destination_max_hosts`` internal hosts talk to (a backup service or a CDN that
everybody uses is not one). A peer inside the operator's networks lowers the severity to low:
staging data internally is worth a look, shipping it out is worse.

ICMP tunnel rule, per host pair: many ICMP packets in both directions whose mean size is far
above a ping's (84 bytes IPv4 from Linux, 60 from Windows): ``ping`` never needs that, tunnels
(icmptunnel, ptunnel, SSH over ICMP) fill echo payloads with data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.detect.traffic.flowshape import (
    Codes,
    by_code,
    combine,
    encode_pair,
    first_contacts,
    in_networks,
    input_refs,
    internal_mask,
    internal_nets,
    numbers,
    seconds,
    severity_at,
    when,
)
from seawall.records.alerts import Alert

NAME = "exfil"
ATTACK_UPLOAD = ("T1048", "T1041")
ATTACK_ICMP = ("T1095", "T1048")


@register(
    NAME,
    attack=("T1048", "T1041", "T1095"),
    description="Large or upload-heavy transfers to rare destinations; ICMP echo traffic "
    "carrying far more data than ping (ICMP tunnels).",
)
def detect_exfil(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    flows = tables.flows
    if flows.num_rows == 0:
        return []
    return _uploads(flows, ctx, tables) + _icmp_tunnels(flows, ctx)


class _Oriented:
    """Flows turned around so that ``host`` is the internal side and ``out`` its sent bytes."""

    def __init__(self, flows: pa.Table, ctx: DetectContext, tables: RecordTables) -> None:
        # Same codes as encode_pair(source.ip, destination.ip), shared with other detectors.
        src_codes, dst_codes, values = tables.flow_address_codes()
        self.addresses = Codes(np.zeros(0, dtype=np.int64), values)
        # Membership is decided once per distinct address, then looked up by code.
        inside = in_networks(internal_nets(ctx.network), self.addresses.values)
        src_int = by_code(inside, src_codes)
        dst_int = by_code(inside, dst_codes)
        # Outside client, inside server: the server is the one whose data leaves.
        self.flip = dst_int & ~src_int
        sb = numbers(flows.column("source.bytes"))
        db = numbers(flows.column("destination.bytes"))
        self.out = np.where(self.flip, db, sb)
        self.inb = np.where(self.flip, sb, db)
        self.host = np.where(self.flip, dst_codes, src_codes)
        self.peer = np.where(self.flip, src_codes, dst_codes)
        self.host_internal = np.where(self.flip, dst_int, src_int)
        self.peer_internal = np.where(self.flip, src_int, dst_int)


def _uploads(flows: pa.Table, ctx: DetectContext, tables: RecordTables) -> list[Alert]:
    cfg = ctx.thresholds
    o = _Oriented(flows, ctx, tables)
    pair = combine(o.host, o.peer)
    out = np.bincount(pair, weights=o.out)
    inb = np.bincount(pair, weights=o.inb)
    n_flows = np.bincount(pair)
    ratio = out / np.maximum(inb, 1.0)
    heavy = (out >= float(cfg["min_upload_bytes"])) & (ratio >= float(cfg["min_upload_ratio"]))
    large = out >= float(cfg["large_upload_bytes"])
    candidates = np.flatnonzero(heavy | large)
    if len(candidates) == 0:
        return []
    # Prevalence: how many distinct internal hosts talk to each peer.
    internal_rows = np.flatnonzero(o.host_internal)
    firsts = internal_rows[
        first_contacts(o.peer[internal_rows], o.host[internal_rows], np.zeros(len(internal_rows)))
    ]
    prevalence = np.bincount(o.peer[firsts], minlength=len(o.addresses.values))
    t = seconds(flows.column("event.start"))
    t_end = seconds(flows.column("event.end"))
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    alerts: list[Alert] = []
    for p in candidates:
        rows = order[np.searchsorted(sorted_pair, p) : np.searchsorted(sorted_pair, p, "right")]
        head = int(rows[0])
        peer_code = int(o.peer[head])
        hosts_to_peer = int(prevalence[peer_code])
        if hosts_to_peer > int(cfg["rare_destination_max_hosts"]):
            continue
        alerts.append(
            _upload_alert(
                flows=flows,
                o=o,
                rows=rows,
                out=float(out[p]),
                inb=float(inb[p]),
                ratio=float(ratio[p]),
                n_flows=int(n_flows[p]),
                large=bool(large[p]),
                heavy=bool(heavy[p]),
                hosts_to_peer=hosts_to_peer,
                window=(float(np.nanmin(t[rows])), float(np.nanmax(np.fmax(t[rows], t_end[rows])))),
                cfg=cfg,
            )
        )
    return alerts


def _upload_alert(
    *,
    flows: pa.Table,
    o: _Oriented,
    rows: np.ndarray,
    out: float,
    inb: float,
    ratio: float,
    n_flows: int,
    large: bool,
    heavy: bool,
    hosts_to_peer: int,
    window: tuple[float, float],
    cfg: dict[str, Any],
) -> Alert:
    head = int(rows[0])
    host = o.addresses.value(int(o.host[head])) or ""
    peer = o.addresses.value(int(o.peer[head])) or ""
    peer_internal = bool(o.peer_internal[head])
    ports = np.unique(numbers(flows.column("destination.port"), -1).astype(np.int64)[rows])
    transports = sorted(
        {v for v in flows.column("network.transport").take(pa.array(rows[:1000])).to_pylist() if v}
    )
    # Private to private (staging, lateral copy, backups) is low; leaving the network is not.
    level = 1 if peer_internal else (3 if large else 2)
    rule = "exfil.large_upload" if large else "exfil.upload_heavy"
    where = "internal peer" if peer_internal else "rare external peer"
    explanation = (
        f"{host} sent {_human(out)} to {where} {peer} and received {_human(inb)} "
        f"(ratio {ratio:.2f}) over {n_flows} flow(s); {hosts_to_peer} internal host(s) talk "
        f"to {peer}"
    )
    single = len(ports) == 1 and ports[0] >= 0
    entities: dict[str, Any] = {"source.ip": host, "destination.ip": peer}
    if single:
        entities["destination.port"] = int(ports[0])
    span = window[1] - window[0]
    return Alert(
        detector=NAME,
        rule_id=rule,
        title="Large upload to a rare destination" if large else "Upload-heavy transfer",
        severity=severity_at(level),
        attack=list(ATTACK_UPLOAD),
        entities=entities,
        first_seen=when(window[0]),
        last_seen=when(window[1]),
        explanation=explanation,
        evidence={
            "bytes_out": int(out),
            "bytes_in": int(inb),
            "upload_ratio": round(ratio, 3),
            "flows": n_flows,
            "duration_seconds": round(span, 3),
            "destination_ports": [int(p) for p in ports[:20]],
            "transports": transports,
            "internal_hosts_talking_to_peer": hosts_to_peer,
            "peer_internal": peer_internal,
            "upload_heavy": heavy,
            "large_upload": large,
            "min_upload_bytes": cfg["min_upload_bytes"],
            "min_upload_ratio": cfg["min_upload_ratio"],
            "large_upload_bytes": cfg["large_upload_bytes"],
        },
        inputs=input_refs(flows, rows),
        confidence=0.4 if peer_internal else (0.7 if large and heavy else 0.6),
    )


def _icmp_tunnels(flows: pa.Table, ctx: DetectContext) -> list[Alert]:
    cfg = ctx.thresholds
    transport = pc.fill_null(flows.column("network.transport"), "")
    icmp = pc.or_(pc.equal(transport, "icmp"), pc.equal(transport, "ipv6-icmp"))
    rows = np.flatnonzero(np.asarray(icmp.to_numpy(zero_copy_only=False), dtype=bool))
    if len(rows) == 0:
        return []
    sub = flows.take(pa.array(rows))
    a, b, addresses = encode_pair(sub.column("source.ip"), sub.column("destination.ip"))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair = combine(lo, hi)
    sb, db = numbers(sub.column("source.bytes")), numbers(sub.column("destination.bytes"))
    sp, dp = numbers(sub.column("source.packets")), numbers(sub.column("destination.packets"))
    from_lo = a == lo
    lo_bytes = np.bincount(pair, weights=np.where(from_lo, sb, db))
    hi_bytes = np.bincount(pair, weights=np.where(from_lo, db, sb))
    lo_pk = np.bincount(pair, weights=np.where(from_lo, sp, dp))
    hi_pk = np.bincount(pair, weights=np.where(from_lo, dp, sp))
    lo_mean = lo_bytes / np.maximum(lo_pk, 1)
    hi_mean = hi_bytes / np.maximum(hi_pk, 1)
    min_pk = float(cfg["icmp_min_packets_per_direction"])
    min_mean = float(cfg["icmp_min_mean_packet_bytes"])
    hit = (lo_pk >= min_pk) & (hi_pk >= min_pk) & (lo_mean >= min_mean) & (hi_mean >= min_mean)
    if not hit.any():
        return []
    internal = internal_mask(sub.column("source.ip"), ctx.network) & internal_mask(
        sub.column("destination.ip"), ctx.network
    )
    t = seconds(sub.column("event.start"))
    t_end = seconds(sub.column("event.end"))
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    alerts: list[Alert] = []
    for p in np.flatnonzero(hit):
        mine = order[np.searchsorted(sorted_pair, p) : np.searchsorted(sorted_pair, p, "right")]
        head = int(mine[0])
        src_ip = addresses.value(int(a[head])) or ""
        dst_ip = addresses.value(int(b[head])) or ""
        inside = bool(internal[mine].all())
        packets = int(lo_pk[p] + hi_pk[p])
        mean = float((lo_bytes[p] + hi_bytes[p]) / max(packets, 1))
        start, end = float(np.nanmin(t[mine])), float(np.nanmax(np.fmax(t[mine], t_end[mine])))
        alerts.append(
            Alert(
                detector=NAME,
                rule_id="exfil.icmp_tunnel",
                title="ICMP tunnel (data in echo payloads)",
                severity=severity_at(2 if inside else 3),
                attack=list(ATTACK_ICMP),
                entities={"source.ip": src_ip, "destination.ip": dst_ip},
                first_seen=when(start),
                last_seen=when(end),
                explanation=(
                    f"{src_ip} and {dst_ip} exchanged {packets} ICMP packets averaging "
                    f"{mean:.0f} bytes ({int(lo_pk[p])} / {int(hi_pk[p])} per direction, "
                    f"{_human(lo_bytes[p] + hi_bytes[p])} total); a ping is 60-84 bytes "
                    f"(threshold {min_mean:.0f} bytes mean, {min_pk:.0f} packets each way)"
                ),
                evidence={
                    "packets": packets,
                    "packets_per_direction": [int(lo_pk[p]), int(hi_pk[p])],
                    "bytes_per_direction": [int(lo_bytes[p]), int(hi_bytes[p])],
                    "mean_packet_bytes": round(mean, 1),
                    "mean_packet_bytes_per_direction": [
                        round(float(lo_mean[p]), 1),
                        round(float(hi_mean[p]), 1),
                    ],
                    "flows": len(mine),
                    "duration_seconds": round(end - start, 3),
                    "both_internal": inside,
                    "min_mean_packet_bytes": cfg["icmp_min_mean_packet_bytes"],
                    "min_packets_per_direction": cfg["icmp_min_packets_per_direction"],
                },
                inputs=input_refs(flows, rows[mine]),
                confidence=0.75 if mean >= 2 * min_mean else 0.6,
            )
        )
    return alerts


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
