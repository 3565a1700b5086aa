"""Client-direction payload bursts inside flows, computed column-wise.

A burst is a run of payload packets the flow's source sends with no quiet gap longer than
``SourceOptions.burst_gap`` (1 s by default). Check-ins of an agent that keeps one connection
or one UDP flow open (HTTP keep-alive, TLS, QUIC) show up as evenly spaced bursts, which the
beacon detector scores like connection starts. Flows with a single burst add nothing over
the flow record and are left out. When the source sent no payload at all (a server pushing
data down an idle connection) the destination's bursts are reported instead, with direction
``server``.
"""

from __future__ import annotations

import numpy as np

from seawall.sources.pcap.appmeta_context import Context

MIN_BURSTS = 2
DEFAULT_GAP_S = 1.0


def burst_kind(proto: int, label: str | None) -> str | None:
    if proto == 6:
        return "tls_record" if label == "tls" else "tcp_burst"
    if proto == 17:
        return "quic_burst" if label == "quic" else "udp_burst"
    return None


def add_bursts(ctx: Context, labels: list[str | None]) -> None:
    gap_s = getattr(ctx.options, "burst_gap", DEFAULT_GAP_S)
    gap_us = int(float(gap_s) * 1_000_000)
    carries = (ctx.flow_id >= 0) & (ctx.plen > 0)
    if not carries.any():
        return
    client_payload = np.bincount(ctx.flow_id[carries & ctx.fwd], minlength=ctx.n_flows)
    silent_source = np.r_[client_payload == 0, False]  # index -1 (no flow) maps to False
    sel = np.flatnonzero(carries & (ctx.fwd | silent_source[ctx.flow_id]))
    ts = ctx.index.ts_us[sel]
    flow = ctx.flow_id[sel]
    order = np.lexsort((sel, ts, flow))
    sel, ts, flow = sel[order], ts[order], flow[order]
    new = np.r_[True, (flow[1:] != flow[:-1]) | (np.diff(ts) > gap_us)]
    starts = np.flatnonzero(new)
    sizes = np.add.reduceat(ctx.plen[sel], starts)
    packets = np.diff(np.r_[starts, len(sel)])
    burst_flow = flow[starts]
    per_flow = np.bincount(burst_flow, minlength=ctx.n_flows)
    keep = per_flow[burst_flow] >= MIN_BURSTS
    kinds_by_flow = {}
    for f in np.unique(burst_flow[keep]).tolist():
        kinds_by_flow[f] = burst_kind(int(ctx.flow_proto[f]), labels[f])
    kinds = [kinds_by_flow[f] for f in burst_flow[keep].tolist()]
    valid = np.asarray([k is not None for k in kinds], bool)
    if not valid.any():
        return
    first_pkt = sel[starts][keep][valid]
    ctx.stats["bursts"] += int(valid.sum())
    ctx.transactions.extend(
        first_pkt,
        burst_flow[keep][valid],
        {
            "transaction.kind": [k for k in kinds if k is not None],
            "transaction.direction": np.where(ctx.fwd[first_pkt], "client", "server").tolist(),
            "transaction.bytes": sizes[keep][valid].tolist(),
            "transaction.packets": packets[keep][valid].tolist(),
        },
    )
