"""Vectorized bidirectional flow meter over a PacketIndex.

Packets are sorted by a canonical 5-tuple key and then by time; a new flow starts where
the key changes, where the gap to the previous packet of the key exceeds the idle
timeout, where the flow's age would exceed the active timeout, and where a pure SYN
follows a TCP connection closed by RST or by FIN from both sides (port reuse).

The source (initiator) is the sender of the flow's first packet, or its receiver when that
packet is a SYN-ACK; a flow continued after an active timeout keeps its initiator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from seawall.records.protocols import TRANSPORT_NAMES
from seawall.records.schemas import from_columns
from seawall.sources.base import SourceOptions
from seawall.sources.pcap.index import TUNNEL_NAMES, MeteredPackets, PacketIndex, ips_to_strings

TCP_FIN = 0x01
TCP_SYN = 0x02
TCP_RST = 0x04
TCP_ACK = 0x10


# Why a flow boundary was placed (the reason the previous flow of the same key ended).
_NEW_KEY, _IDLE, _ACTIVE, _REUSE = 0, 1, 2, 3
# Safety stop for the active-timeout / port-reuse refinement (one round per split per key).
_MAX_ROUNDS = 10_000


@dataclass(slots=True)
class _Sorted:
    """Metered packets in (key, time) order."""

    order: np.ndarray  # packet index of each sorted row
    ts: np.ndarray
    flags: np.ndarray
    tcp: np.ndarray
    is_a: np.ndarray  # packet travels from endpoint a (the canonical smaller) to b
    new_key: np.ndarray


def meter_flows(index: PacketIndex, options: SourceOptions) -> tuple[pa.Table, MeteredPackets]:
    """Bidirectional flows of every IP packet in the index (FLOW schema) and the packet ->
    flow assignment. Non-IP packets and non-first fragments belong to no flow (id -1)."""
    n = len(index)
    flow_id = np.full(n, -1, np.int64)
    from_source = np.zeros(n, bool)
    # Non-first fragments carry no ports, so they cannot be keyed; like NFStream, they are
    # left out of flows (counted by the source's stats).
    eligible = np.flatnonzero((index.ip_version > 0) & ~index.is_fragment)
    if len(eligible) == 0:
        return from_columns("flow", {}, 0), MeteredPackets(flow_id, from_source, 0)

    rows = _sort_by_key(index, eligible)
    idle_us = int(options.idle_timeout * 1_000_000)
    active_us = int(options.active_timeout * 1_000_000)
    boundary, cause = _flow_boundaries(rows, idle_us, active_us)

    starts = np.flatnonzero(boundary)
    fid = np.cumsum(boundary) - 1
    n_flows = len(starts)
    ends = np.append(starts[1:], len(fid)) - 1

    first_flags = rows.flags[starts]
    synack_first = rows.tcp[starts] & ((first_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
    source_is_a = rows.is_a[starts] ^ synack_first
    # A flow cut by the active timeout continues the same conversation: keep its initiator.
    continued = cause[starts] == _ACTIVE
    head = np.maximum.accumulate(np.where(continued, 0, np.arange(n_flows)))
    source_is_a = source_is_a[head]
    fwd = rows.is_a == source_is_a[fid]

    ip_len = index.ip_len[rows.order].astype(np.int64)
    src_bytes = np.bincount(fid, weights=np.where(fwd, ip_len, 0), minlength=n_flows)
    dst_bytes = np.bincount(fid, weights=np.where(fwd, 0, ip_len), minlength=n_flows)
    src_pkts = np.bincount(fid, weights=fwd, minlength=n_flows)
    dst_pkts = np.bincount(fid, minlength=n_flows) - src_pkts
    flags = rows.flags.astype(np.int64)
    src_flags = np.bitwise_or.reduceat(np.where(fwd, flags, 0), starts)
    dst_flags = np.bitwise_or.reduceat(np.where(fwd, 0, flags), starts)

    capture_end = int(index.ts_us.max())
    reason = _end_reasons(
        rows, starts, ends, cause, capture_end, idle_us, src_flags | dst_flags, src_flags, dst_flags
    )

    # Output flows in order of first packet; renumber.
    first_pkt = rows.order[starts]
    start_ts = rows.ts[starts]
    out_order = np.lexsort((first_pkt, start_ts))
    rank = np.empty(n_flows, np.int64)
    rank[out_order] = np.arange(n_flows)
    flow_id[rows.order] = rank[fid]
    from_source[rows.order] = fwd

    first_sent_by_source = rows.is_a[starts] == source_is_a
    src_pkt = first_pkt[out_order]
    by_src = first_sent_by_source[out_order]
    table = _flow_table(
        index,
        options,
        src_pkt,
        by_src,
        start_ts[out_order],
        rows.ts[ends][out_order],
        src_bytes[out_order],
        dst_bytes[out_order],
        src_pkts[out_order],
        dst_pkts[out_order],
        src_flags[out_order],
        dst_flags[out_order],
        reason[out_order],
    )
    return table, MeteredPackets(flow_id=flow_id, from_source=from_source, n_flows=n_flows)


def _mix(h: np.ndarray, column: np.ndarray) -> np.ndarray:
    h = (h ^ column) * np.uint64(0x9E3779B97F4A7C15)
    return h ^ (h >> np.uint64(31))


def _sort_by_key(index: PacketIndex, eligible: np.ndarray) -> _Sorted:
    src_hi, src_lo = index.src_hi[eligible], index.src_lo[eligible]
    dst_hi, dst_lo = index.dst_hi[eligible], index.dst_lo[eligible]
    sport = index.sport[eligible].astype(np.uint64)
    dport = index.dport[eligible].astype(np.uint64)
    is_a = (src_hi < dst_hi) | (
        (src_hi == dst_hi) & ((src_lo < dst_lo) | ((src_lo == dst_lo) & (sport <= dport)))
    )
    a_hi, b_hi = np.where(is_a, src_hi, dst_hi), np.where(is_a, dst_hi, src_hi)
    a_lo, b_lo = np.where(is_a, src_lo, dst_lo), np.where(is_a, dst_lo, src_lo)
    a_port, b_port = np.where(is_a, sport, dport), np.where(is_a, dport, sport)
    meta = (
        (a_port << np.uint64(48))
        | (b_port << np.uint64(32))
        | (index.proto[eligible].astype(np.uint64) << np.uint64(16))
        | (index.ip_version[eligible].astype(np.uint64) << np.uint64(8))
        | index.tunnel[eligible].astype(np.uint64)
    )
    columns = (a_hi, a_lo, b_hi, b_lo, meta)

    # Sort by a 64-bit hash of the key (one sort key instead of five), then verify: rows
    # that share a hash but not a key mean a collision, and we fall back to a full sort.
    ts = index.ts_us[eligible]
    by_time = np.argsort(ts, kind="stable")
    h = np.zeros(len(eligible), np.uint64)
    for column in columns:
        h = _mix(h, column)
    order = by_time[np.argsort(h[by_time], kind="stable")]
    same_hash = h[order][1:] == h[order][:-1]
    same_key = _same_key(columns, order)
    if (same_hash != same_key).any():
        time_rank = np.empty(len(ts), np.int64)
        time_rank[by_time] = np.arange(len(ts))
        order = np.lexsort((time_rank, meta, b_lo, b_hi, a_lo, a_hi))
        same_key = _same_key(columns, order)

    proto = index.proto[eligible][order]
    return _Sorted(
        order=eligible[order],
        ts=ts[order],
        flags=index.tcp_flags[eligible][order],
        tcp=proto == 6,
        is_a=is_a[order],
        new_key=np.concatenate(([True], ~same_key)),
    )


def _same_key(columns: tuple[np.ndarray, ...], order: np.ndarray) -> np.ndarray:
    same = np.ones(max(len(order) - 1, 0), bool)
    for column in columns:
        c = column[order]
        same &= c[1:] == c[:-1]
    return same


def _flow_boundaries(rows: _Sorted, idle_us: int, active_us: int) -> tuple[np.ndarray, np.ndarray]:
    """Mask of rows that start a flow, and per row the _IDLE/_ACTIVE/_REUSE cause."""
    m = len(rows.ts)
    cause = np.zeros(m, np.int8)
    gap = np.diff(rows.ts, prepend=rows.ts[0])
    idle = ~rows.new_key & (gap > idle_us)
    boundary = rows.new_key | idle
    cause[idle] = _IDLE

    tcp = rows.tcp
    pure_syn = tcp & ((rows.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
    rst = (tcp & ((rows.flags & TCP_RST) != 0)).astype(np.int64)
    fin = tcp & ((rows.flags & TCP_FIN) != 0)
    fin_a = (fin & rows.is_a).astype(np.int64)
    fin_b = (fin & ~rows.is_a).astype(np.int64)
    cum_rst, cum_fin_a, cum_fin_b = np.cumsum(rst), np.cumsum(fin_a), np.cumsum(fin_b)
    rows_idx = np.arange(m)

    # Each round places at most one new boundary per flow: where the active timeout or a
    # SYN after a closed connection first occurs. Few flows need more than a few rounds.
    for _ in range(_MAX_ROUNDS):
        start_of = np.maximum.accumulate(np.where(boundary, rows_idx, 0))
        too_old = (rows.ts - rows.ts[start_of]) > active_us

        def before(cum: np.ndarray, x: np.ndarray, start_of: np.ndarray = start_of) -> np.ndarray:
            return (cum - x) - (cum[start_of] - x[start_of])

        closed = (before(cum_rst, rst) > 0) | (
            (before(cum_fin_a, fin_a) > 0) & (before(cum_fin_b, fin_b) > 0)
        )
        candidate = ~boundary & (too_old | (pure_syn & closed))
        hits = np.flatnonzero(candidate)
        if len(hits) == 0:
            break
        flow_of_hit = start_of[hits]
        first = hits[np.concatenate(([True], flow_of_hit[1:] != flow_of_hit[:-1]))]
        boundary[first] = True
        cause[first] = np.where(too_old[first], _ACTIVE, _REUSE)
    return boundary, cause


def _end_reasons(
    rows: _Sorted,
    starts: np.ndarray,
    ends: np.ndarray,
    cause: np.ndarray,
    capture_end: int,
    idle_us: int,
    any_flags: np.ndarray,
    src_flags: np.ndarray,
    dst_flags: np.ndarray,
) -> np.ndarray:
    n_flows = len(starts)
    next_cause = np.append(cause[starts[1:]], _NEW_KEY).astype(np.int8)
    last_of_key = np.append(rows.new_key[starts[1:]], True)
    open_at_end = (capture_end - rows.ts[ends]) <= idle_us
    reason = np.full(n_flows, "idle_timeout", dtype=object)
    reason[last_of_key & open_at_end] = "capture_end"
    reason[~last_of_key & (next_cause == _ACTIVE)] = "active_timeout"
    tcp = rows.tcp[starts]
    fin_both = tcp & ((src_flags & TCP_FIN) != 0) & ((dst_flags & TCP_FIN) != 0)
    reason[fin_both] = "fin"
    reason[tcp & ((any_flags & TCP_RST) != 0)] = "rst"
    return reason


def _ip_text(hi: np.ndarray, lo: np.ndarray, version: np.ndarray) -> pa.Array:
    """Address text for each row, rendering each distinct address once."""
    if len(lo) == 0:
        return pa.array([], pa.string())
    keys = np.stack([hi, lo, version.astype(np.uint64)], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    texts = ips_to_strings(uniq[:, 0], uniq[:, 1], uniq[:, 2].astype(np.int8))
    return pa.array(texts, pa.string()).take(pa.array(inverse.reshape(-1)))


def _flow_table(
    index: PacketIndex,
    options: SourceOptions,
    first_pkt: np.ndarray,
    sent_by_source: np.ndarray,
    start_ts: np.ndarray,
    end_ts: np.ndarray,
    src_bytes: np.ndarray,
    dst_bytes: np.ndarray,
    src_pkts: np.ndarray,
    dst_pkts: np.ndarray,
    src_flags: np.ndarray,
    dst_flags: np.ndarray,
    reason: np.ndarray,
) -> pa.Table:
    n_flows = len(first_pkt)
    p = first_pkt
    s = sent_by_source
    version = index.ip_version[p]
    src_hi = np.where(s, index.src_hi[p], index.dst_hi[p])
    src_lo = np.where(s, index.src_lo[p], index.dst_lo[p])
    dst_hi = np.where(s, index.dst_hi[p], index.src_hi[p])
    dst_lo = np.where(s, index.dst_lo[p], index.src_lo[p])
    sport = np.where(s, index.sport[p], index.dport[p]).astype(np.int32)
    dport = np.where(s, index.dport[p], index.sport[p]).astype(np.int32)
    proto = index.proto[p].astype(np.int16)
    tunnel = index.tunnel[p]
    has_tunnel = tunnel != 0
    tunnel_version = np.where(has_tunnel, index.outer_ip_version[p], 0).astype(np.int8)
    unique_protos = np.unique(proto)
    transport_names = np.array(
        [TRANSPORT_NAMES.get(int(v), str(int(v))) for v in unique_protos], dtype=object
    )
    transport = transport_names[np.searchsorted(unique_protos, proto)]
    tunnel_names = np.array(
        [TUNNEL_NAMES.get(int(t)) for t in range(max(TUNNEL_NAMES) + 1)], dtype=object
    )
    ts_type = pa.timestamp("us", tz="UTC")
    columns: dict[str, object] = {
        "event.start": pa.array(start_ts, ts_type),
        "event.end": pa.array(end_ts, ts_type),
        "source.ip": _ip_text(src_hi, src_lo, version),
        "source.port": sport,
        "destination.ip": _ip_text(dst_hi, dst_lo, version),
        "destination.port": dport,
        "network.transport": pa.array(transport, pa.string()),
        "network.iana_number": proto,
        "network.type": pa.array(
            np.where(version == 4, "ipv4", "ipv6").astype(object), pa.string()
        ),
        "source.bytes": src_bytes.astype(np.int64),
        "destination.bytes": dst_bytes.astype(np.int64),
        "source.packets": src_pkts.astype(np.int64),
        "destination.packets": dst_pkts.astype(np.int64),
        "source.tcp_flags": np.where(proto == 6, src_flags, 0).astype(np.int16),
        "destination.tcp_flags": np.where(proto == 6, dst_flags, 0).astype(np.int16),
        "flow.end_reason": pa.array(reason, pa.string()),
        "tunnel.type": pa.array(tunnel_names[tunnel.astype(np.int64)], pa.string()),
        "tunnel.source.ip": _ip_text(
            np.where(s, index.outer_src_hi[p], index.outer_dst_hi[p]),
            np.where(s, index.outer_src_lo[p], index.outer_dst_lo[p]),
            tunnel_version,
        ),
        "tunnel.destination.ip": _ip_text(
            np.where(s, index.outer_dst_hi[p], index.outer_src_hi[p]),
            np.where(s, index.outer_dst_lo[p], index.outer_src_lo[p]),
            tunnel_version,
        ),
        "observer.type": pa.array(np.full(n_flows, "pcap", dtype=object), pa.string()),
        "input.file": pa.array(np.full(n_flows, index.path, dtype=object), pa.string()),
        "input.frame": index.frame[p].astype(np.int64),
    }
    if options.sensor:
        columns["observer.name"] = pa.array([options.sensor] * n_flows, pa.string())
    return from_columns("flow", columns, n_flows)
