"""Beaconing: regular check-ins of an implant to its C2 server, scored RITA v5 style.

Two levels, because real C2 hides at either:
- connection level: one flow per check-in (Caldera Ragdoll, Manx over UDP with a new source port
  each time). Flows are grouped by (source.ip, destination.ip), not by 5-tuple, and optionally
  by (source.ip, TLS SNI or HTTP Host) to follow a name across rotating addresses;
- request level: many check-ins inside one long connection (Sandcat's HTTP keep-alive POSTs,
  Merlin's QUIC bursts). Client-direction transactions are grouped by the flow's 5-tuple.
Both use the same scoring (``beacon_stats``). Pairs at or above the strobe rate (one
connection per second over the observation window) are reported as strobes, not scored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.detect.traffic.beacon_columns import (
    FloatArray,
    IntArray,
    codes,
    combine,
    directionless_key,
    end_reason_in,
    epoch_seconds,
    group_order,
    int_column,
    is_tcp,
    tcp_opening,
)
from seawall.detect.traffic.beacon_stats import (
    GroupScores,
    ScoringParams,
    score_groups,
    segment_bounds,
    severity_for_score,
)
from seawall.records.alerts import Alert, InputRef

DETECTOR = "beacon"
TCP_SYN = 0x02
MAX_INPUTS = 5
# Only the columns the detector reads, so filters and takes do not copy the whole flow record.
FLOW_COLUMNS = (
    "event.start",
    "event.end",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "network.transport",
    "source.bytes",
    "source.tcp_flags",
    "destination.tcp_flags",
    "flow.end_reason",
    "tls.client.server_name",
    "url.domain",
    "input.file",
    "input.frame",
)

# Transaction kinds that carry client check-ins, and the ATT&CK technique each suggests.
REQUEST_ATTACK = {
    "http_request": "T1071.001",
    "tls_record": "T1071.001",
    "quic_burst": "T1071.001",
    "tcp_burst": "T1071",
    "udp_burst": "T1095",
}


@dataclass(slots=True)
class Events:
    """Events of all candidate groups, sorted by group then time, with what alerts need."""

    rows: IntArray  # row of the source table behind each event
    group: IntArray
    time: FloatArray
    size: FloatArray
    dst_port: IntArray
    file_code: IntArray
    frame: IntArray
    files: list[str]
    n_groups: int
    labels: list[tuple[Any, ...]]  # key values per group, in group order
    dst_ip: IntArray | None = None  # destination address code (server-name groups)
    dst_ips: list[str] | None = None


@register(
    DETECTOR,
    attack=("T1071", "T1071.001", "T1095"),
    description="C2 beaconing: regular connections between a pair of hosts, or regular "
    "requests inside one connection (RITA v5 style scores)",
)
def detect_beacons(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    # A hunt over a folder may hold captures taken years apart; RITA's bins span "the
    # dataset", which would then be years wide and flatten every histogram. Score each
    # observation window (activity separated by a long silence) on its own.
    gap = float(ctx.thresholds.get("observation_gap_seconds", 86400))
    windows = _observation_windows(tables, gap)
    if len(windows) <= 1:
        return _detect_window(tables, ctx)
    alerts: list[Alert] = []
    for low, high in windows:
        alerts.extend(_detect_window(_slice_window(tables, low, high), ctx))
    return alerts


def _observation_windows(tables: RecordTables, gap_seconds: float) -> list[tuple[int, int]]:
    """[first, last] microsecond bounds of activity separated by more than ``gap_seconds``."""
    parts = []
    for table in (tables.flows, tables.transactions):
        if table.num_rows:
            column = pc.drop_null(table.column("event.start").cast(pa.int64()))
            parts.append(column.to_numpy())
    if not parts:
        return []
    times = np.sort(np.concatenate(parts))
    if times.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(times) > gap_seconds * 1e6)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [times.size - 1]))
    return [(int(times[a]), int(times[b])) for a, b in zip(starts, ends, strict=True)]


def _slice_window(tables: RecordTables, low: int, high: int) -> RecordTables:
    def cut(table: pa.Table) -> pa.Table:
        if table.num_rows == 0:
            return table
        start = table.column("event.start").cast(pa.int64())
        keep = pc.and_(pc.greater_equal(start, low), pc.less_equal(start, high))
        return table.filter(pc.fill_null(keep, False))

    return RecordTables(
        flows=cut(tables.flows), transactions=cut(tables.transactions), packets=tables.packets
    )


def _detect_window(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    th = ctx.thresholds
    params = ScoringParams.from_thresholds(th)
    span = _dataset_span(tables)
    if span is None:
        return []
    alerts: list[Alert] = []
    pair_alerts: set[tuple[str, str]] = set()
    flows = _usable_flows(tables.flows, bool(th.get("skip_multicast_broadcast", True)))
    flows = _drop_telemetry(flows, th)
    if flows.num_rows:
        flows = _connections(flows)
        flows = _drop_tcp_retries(flows, float(th.get("retry_merge_seconds", 1.0)))
        for alert in _pair_level(flows, span, params, th, ctx.profile):
            alerts.append(alert)
            if alert.rule_id == "beacon.connection":
                pair_alerts.add((alert.entities["source.ip"], alert.entities["destination.ip"]))
        if th.get("group_by_server_name", True):
            alerts.extend(_server_name_level(flows, span, params, th, ctx.profile, pair_alerts))
    if th.get("request_level", True) and tables.transactions.num_rows:
        alerts.extend(_request_level(tables.transactions, span, params, th, ctx.profile))
    return alerts


# --- inputs -------------------------------------------------------------------------------


def _dataset_span(tables: RecordTables) -> tuple[float, float] | None:
    """First and last instant seen in the flows and transactions (the observation window)."""
    lows: list[float] = []
    highs: list[float] = []
    for table, columns in (
        (tables.flows, ("event.start", "event.end")),
        (tables.transactions, ("event.start",)),
    ):
        for name in columns:
            if table.num_rows == 0:
                continue
            bounds = pc.min_max(table.column(name))
            if bounds["min"].is_valid:
                lows.append(bounds["min"].cast(pa.int64()).as_py() / 1e6)
                highs.append(bounds["max"].cast(pa.int64()).as_py() / 1e6)
    if not lows:
        return None
    return min(lows), max(highs)


def _usable_flows(flows: pa.Table, skip_group_destinations: bool) -> pa.Table:
    if flows.num_rows == 0:
        return flows
    flows = flows.select(list(FLOW_COLUMNS))
    ok = pc.and_(
        pc.and_(pc.is_valid(flows["source.ip"]), pc.is_valid(flows["destination.ip"])),
        pc.is_valid(flows["event.start"]),
    )
    if not pc.all(ok).as_py():
        flows = flows.filter(ok)
    if skip_group_destinations and flows.num_rows:
        group = _group_destination(flows)
        if group.any():
            flows = flows.filter(pa.array(~group))
    return flows


def _drop_telemetry(table: pa.Table, th: dict[str, Any]) -> pa.Table:
    """Device telemetry (syslog, NetFlow/IPFIX/sFlow export, SNMP traps, NTP) is periodic by
    design; a carrier has thousands of such senders, so their collectors' ports are skipped."""
    ports = [int(p) for p in th.get("telemetry_destination_ports", [])]
    if not ports or table.num_rows == 0:
        return table
    telemetry = pc.is_in(table["destination.port"], value_set=pa.array(ports, pa.int32()))
    if not pc.any(pc.fill_null(telemetry, False)).as_py():
        return table
    return table.filter(pc.invert(pc.fill_null(telemetry, False)))


def _group_destination(table: pa.Table) -> np.ndarray:
    """One-to-many destinations (mDNS, IGMP, SSDP, LAN-sync broadcasts) are not a C2 server:
    IPv4 multicast 224/4, IPv6 multicast ff00::/8, and IPv4 addresses ending in .255 (the
    broadcast of any subnet of /24 or smaller; a host on .255 of a larger subnet is rare)."""
    dst, values = codes(table["destination.ip"])
    group = pc.match_substring_regex(
        pa.array(values, pa.string()),
        pattern=r"^(22[4-9]|23[0-9])\.|^\d+\.\d+\.\d+\.255$|^[fF][fF][0-9a-fA-F]{0,2}:",
    )
    mask = np.asarray(group.to_numpy(zero_copy_only=False), dtype=bool)
    return np.append(mask, False)[dst]


def _connections(flows: pa.Table) -> pa.Table:
    """One row per connection: records the flow meter split off a connection (a TCP record
    with no SYN after an earlier record of the same 5-tuple, or any record after one cut at
    the active timeout) are folded into the first, their bytes added. Otherwise a long
    session cut every 30 min would look like a perfect 30-min beacon."""
    flags_known, syn = tcp_opening(flows)
    tcp = is_tcp(flows)
    # A TCP record that opened (SYN) and closed (FIN/RST) is a whole connection by itself.
    whole = tcp & flags_known & syn & end_reason_in(flows, ("fin", "rst"))
    if whole.all():
        return flows
    rest = flows.filter(pa.array(~whole))
    folded = _fold_split_records(rest, tcp[~whole], flags_known[~whole], syn[~whole])
    if folded is rest:
        return flows
    return pa.concat_tables([flows.filter(pa.array(whole)), folded])


def _fold_split_records(
    flows: pa.Table, tcp: np.ndarray, flags_known: np.ndarray, syn: np.ndarray
) -> pa.Table:
    key = directionless_key(flows)
    start = epoch_seconds(flows["event.start"])
    order = group_order(key, start)
    cut_active = end_reason_in(flows, ("active_timeout",))
    k = key[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = k[1:] == k[:-1]
    continues = np.zeros(len(order), dtype=bool)
    continues[1:] = np.where(
        tcp[order][1:], flags_known[order][1:] & ~syn[order][1:], cut_active[order][:-1]
    )
    continues &= same
    if not continues.any():
        return flows
    firsts = np.flatnonzero(~continues)
    total = np.add.reduceat(int_column(flows["source.bytes"])[order], firsts)
    kept = flows.take(pa.array(order[firsts]))
    column = kept.schema.get_field_index("source.bytes")
    return kept.set_column(column, kept.schema.field(column), pa.array(total, pa.int64()))


def _drop_tcp_retries(flows: pa.Table, window: float) -> pa.Table:
    """Drop failed or rejected TCP attempts that follow another attempt of the same pair within
    ``window`` seconds: SYN retries and RST bursts would otherwise look like a 1-second
    beacon (rita-legacy#117). A failed attempt is a TCP flow whose responder never sent a
    SYN; flows without flag information are kept."""
    if window <= 0:
        return flows
    transport = pc.fill_null(flows["network.transport"], "")
    responder_flags = flows["destination.tcp_flags"]
    no_syn_ack = pc.and_(
        pc.is_valid(responder_flags),
        pc.equal(pc.bit_wise_and(pc.fill_null(responder_flags, 0), TCP_SYN), 0),
    )
    failed = np.asarray(
        pc.and_(pc.equal(transport, "tcp"), no_syn_ack).to_numpy(zero_copy_only=False), dtype=bool
    )
    if not failed.any():
        return flows
    src, _ = codes(flows["source.ip"])
    dst, _ = codes(flows["destination.ip"])
    pair, _ = combine(src, dst)
    start = epoch_seconds(flows["event.start"])
    order = group_order(pair, start)
    gap = np.full(len(order), np.inf)
    same = pair[order][1:] == pair[order][:-1]
    gap[1:] = np.where(same, np.diff(start[order]), np.inf)
    retry = failed[order] & (gap <= window)
    keep = np.ones(flows.num_rows, dtype=bool)
    keep[order[retry]] = False
    return flows.filter(pa.array(keep))


# --- connection level -----------------------------------------------------------------------


def _strobe_threshold(span: tuple[float, float], th: dict[str, Any]) -> float:
    window = max(span[1] - span[0], float(th["time_base_seconds"]))
    scaled = float(th["strobe_connections_per_day"]) * window / 86_400.0
    return max(scaled, float(th["strobe_min_connections"]))


def _pair_level(
    flows: pa.Table,
    span: tuple[float, float],
    params: ScoringParams,
    th: dict[str, Any],
    profile: str,
) -> list[Alert]:
    src, src_values = codes(flows["source.ip"])
    dst, dst_values = codes(flows["destination.ip"])
    pair, n_pairs = combine(src, dst)
    counts = np.bincount(pair, minlength=n_pairs)
    strobe_at = _strobe_threshold(span, th)
    strobe = counts >= strobe_at
    candidate = (counts >= params.min_unique_events) & ~strobe
    alerts = _strobe_alerts(flows, pair, strobe, src, dst, src_values, dst_values, strobe_at, th)
    if not candidate.any():
        return alerts

    # Key values of every pair: first row where each pair occurs.
    first_row = np.full(n_pairs, -1, dtype=np.int64)
    first_row[pair[::-1]] = np.arange(len(pair))[::-1]
    events = _events(flows, pair, candidate, "source.bytes")
    events.labels = [
        (src_values[src[first_row[p]]], dst_values[dst[first_row[p]]])
        for p in np.flatnonzero(candidate)
    ]
    # Transport of each event, in event order (events.rows indexes the flows).
    transport_codes, transport_values = codes(
        flows["network.transport"].take(pa.array(events.rows)), "unknown"
    )
    starts, lengths = segment_bounds(events.group, events.n_groups)
    scores = score_groups(
        events.time, events.size, events.group, events.n_groups, span[0], span[1], params
    )

    def describe(group: int) -> tuple[str, dict[str, Any], str, list[str], dict[str, Any]]:
        source_ip, destination_ip = events.labels[group]
        rows = slice(int(starts[group]), int(starts[group] + lengths[group]))
        used = sorted({transport_values[c] for c in np.unique(transport_codes[rows])})
        transport = ", ".join(used)
        attack = ["T1071", "T1095"] if "udp" in used else ["T1071"]
        what = f"{source_ip} → {destination_ip}"
        return (
            "beacon.connection",
            {"source.ip": source_ip, "destination.ip": destination_ip},
            f"{what} opened {{count}} connections ({transport})",
            attack,
            {"network.transport": used},
        )

    alerts.extend(_alerts_for(events, scores, th, profile, "connection", describe))
    return alerts


def _server_name_level(
    flows: pa.Table,
    span: tuple[float, float],
    params: ScoringParams,
    th: dict[str, Any],
    profile: str,
    pair_alerts: set[tuple[str, str]],
) -> list[Alert]:
    """Group by (source.ip, SNI or Host): follows a C2 name across rotating addresses."""
    name = pc.coalesce(flows["tls.client.server_name"], flows["url.domain"])
    has_name = pc.and_(pc.is_valid(name), pc.not_equal(pc.fill_null(name, ""), ""))
    if not pc.any(has_name).as_py():
        return []
    named = flows.filter(has_name)
    lowered = pc.utf8_lower(name.filter(has_name))
    src, src_values = codes(named["source.ip"])
    host, host_values = codes(lowered)
    key, n_keys = combine(src, host)
    counts = np.bincount(key, minlength=n_keys)
    candidate = counts >= params.min_unique_events
    if not candidate.any():
        return []
    first_row = np.full(n_keys, -1, dtype=np.int64)
    first_row[key[::-1]] = np.arange(len(key))[::-1]
    events = _events(named, key, candidate, "source.bytes")
    events.labels = [
        (src_values[src[first_row[k]]], host_values[host[first_row[k]]])
        for k in np.flatnonzero(candidate)
    ]
    dst, dst_values = codes(named["destination.ip"])
    events.dst_ip = dst[events.rows]
    events.dst_ips = dst_values
    scores = score_groups(
        events.time, events.size, events.group, events.n_groups, span[0], span[1], params
    )
    starts, lengths = segment_bounds(events.group, events.n_groups)

    def describe(group: int) -> tuple[str, dict[str, Any], str, list[str], dict[str, Any]]:
        source_ip, server = events.labels[group]
        assert events.dst_ip is not None and events.dst_ips is not None
        rows = slice(starts[group], starts[group] + lengths[group])
        addresses = sorted({events.dst_ips[c] for c in np.unique(events.dst_ip[rows])})
        entities: dict[str, Any] = {"source.ip": source_ip, "url.domain": server}
        if len(addresses) == 1:
            entities["destination.ip"] = addresses[0]
        what = f"{source_ip} → {server} ({', '.join(addresses[:5])})"
        return (
            "beacon.server_name",
            entities,
            f"{what} opened {{count}} connections",
            ["T1071", "T1071.001"],
            {"destination_ips": addresses[:50]},
        )

    alerts = _alerts_for(events, scores, th, profile, "server_name", describe)
    # A name served by one address that already beacons at pair level adds nothing.
    return [
        a
        for a in alerts
        if (a.entities["source.ip"], a.entities.get("destination.ip")) not in pair_alerts
    ]


# --- request level --------------------------------------------------------------------------


def _request_level(
    transactions: pa.Table,
    span: tuple[float, float],
    params: ScoringParams,
    th: dict[str, Any],
    profile: str,
) -> list[Alert]:
    kinds = pa.array(list(th.get("request_kinds", REQUEST_ATTACK)), pa.string())
    wanted = pc.and_(
        pc.is_in(pc.fill_null(transactions["transaction.kind"], ""), value_set=kinds),
        pc.equal(pc.fill_null(transactions["transaction.direction"], ""), "client"),
    )
    wanted = pc.and_(wanted, pc.is_valid(transactions["event.start"]))
    wanted = pc.and_(wanted, pc.is_valid(transactions["source.ip"]))
    picked = _drop_telemetry(transactions.filter(wanted), th)
    if picked.num_rows and th.get("skip_multicast_broadcast", True):
        picked = picked.filter(pa.array(~_group_destination(picked)))
    if picked.num_rows == 0:
        return []
    parts = [
        codes(picked["source.ip"]),
        codes(pc.cast(picked["source.port"], pa.string())),
        codes(picked["destination.ip"]),
        codes(pc.cast(picked["destination.port"], pa.string())),
        codes(picked["network.transport"]),
        codes(picked["transaction.kind"]),
    ]
    key, n_keys = combine(*(c for c, _ in parts))
    counts = np.bincount(key, minlength=n_keys)
    candidate = counts >= params.min_unique_events
    if not candidate.any():
        return []
    first_row = np.full(n_keys, -1, dtype=np.int64)
    first_row[key[::-1]] = np.arange(len(key))[::-1]
    events = _events(picked, key, candidate, "transaction.bytes")
    events.labels = [
        tuple(values[c[first_row[k]]] for c, values in parts) for k in np.flatnonzero(candidate)
    ]
    scores = score_groups(
        events.time, events.size, events.group, events.n_groups, span[0], span[1], params
    )

    def describe(group: int) -> tuple[str, dict[str, Any], str, list[str], dict[str, Any]]:
        source_ip, sport, destination_ip, dport, transport, kind = events.labels[group]
        entities = {
            "source.ip": source_ip,
            "source.port": int(sport) if sport else None,
            "destination.ip": destination_ip,
            "destination.port": int(dport) if dport else None,
        }
        what = f"{source_ip}:{sport} → {destination_ip}:{dport}/{transport}"
        noun = kind.replace("_", " ") + "s"
        return (
            "beacon.request",
            entities,
            f"inside ONE {transport} connection {what} the client sent {{count}} {noun}",
            [REQUEST_ATTACK.get(kind, "T1071")],
            {"transaction_kind": kind, "network.transport": [transport]},
        )

    alerts = _alerts_for(
        events,
        scores,
        th,
        profile,
        "request",
        describe,
        float(th["request_min_median_interval_seconds"]),
    )
    return _best_per_connection(alerts)


def _best_per_connection(alerts: list[Alert]) -> list[Alert]:
    """One request-level alert per connection: the kind of transaction that scores best
    (HTTP requests and the TCP bursts carrying them describe the same check-ins)."""
    best: dict[tuple[Any, ...], Alert] = {}
    others: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for alert in alerts:
        key = tuple(sorted(alert.entities.items()))
        summary = {
            "kind": alert.evidence["transaction_kind"],
            "score": alert.evidence["scores"]["total"],
        }
        others.setdefault(key, []).append(summary)
        if key not in best or alert.confidence > best[key].confidence:
            best[key] = alert
    for key, alert in best.items():
        alert.evidence["kinds_scored"] = others[key]
    return list(best.values())


# --- shared ---------------------------------------------------------------------------------


def _events(table: pa.Table, key: IntArray, candidate: np.ndarray, size_column: str) -> Events:
    """Rows of candidate groups sorted by group then time, group codes made dense."""
    time_all = epoch_seconds(table["event.start"])
    rows = np.flatnonzero(candidate[key])
    rows = rows[group_order(key[rows], time_all[rows])]
    dense = np.cumsum(candidate) - 1
    taken = pa.array(rows)
    file_codes, files = codes(table["input.file"].take(taken))
    return Events(
        rows=rows,
        group=dense[key[rows]].astype(np.int64),
        time=time_all[rows],
        size=int_column(table[size_column].take(taken)).astype(np.float64),
        dst_port=int_column(table["destination.port"].take(taken), -1),
        file_code=file_codes,
        frame=int_column(table["input.frame"].take(taken), -1),
        files=files,
        n_groups=int(candidate.sum()),
        labels=[],
    )


Describe = Callable[[int], tuple[str, dict[str, Any], str, list[str], dict[str, Any]]]


def _alerts_for(
    events: Events,
    scores: GroupScores,
    th: dict[str, Any],
    profile: str,
    level: str,
    describe: Describe,
    min_median_interval: float | None = None,
) -> list[Alert]:
    base, low, medium = float(th["score_base"]), float(th["score_low"]), float(th["score_medium"])
    if min_median_interval is None:
        min_median_interval = float(th["min_median_interval_seconds"])
    percent = scores.total * 100.0
    median = scores.intervals.median
    hit = scores.eligible & (percent >= base) & (np.nan_to_num(median) >= min_median_interval)
    starts, lengths = segment_bounds(events.group, events.n_groups)
    cap = int(th.get("max_intervals_in_evidence", 500))
    alerts: list[Alert] = []
    for group in np.flatnonzero(hit):
        rows = slice(int(starts[group]), int(starts[group] + lengths[group]))
        times = events.time[rows]
        sizes = events.size[rows]
        intervals = np.diff(times)
        intervals = intervals[intervals > 0]
        severity = severity_for_score(float(percent[group]), base, low, medium)
        assert severity is not None
        rule_id, entities, summary, attack, extra = describe(int(group))
        ports = np.unique(events.dst_port[rows])
        ports = ports[ports >= 0]
        if "destination.port" not in entities and len(ports) == 1:
            entities["destination.port"] = int(ports[0])
        entities = {k: v for k, v in entities.items() if v is not None}
        evidence = _evidence(scores, int(group), level, intervals, sizes, ports, cap, profile, th)
        evidence.update(extra)
        ivs, sz = scores.intervals, scores.sizes
        explanation = (
            summary.format(count=int(scores.events[group]))
            + f" at a median interval of {median[group]:.1f} s (MAD {ivs.mad[group]:.1f} s,"
            f" skew {ivs.skew[group]:+.2f}), median {sz.median[group]:.0f} bytes sent"
            f" (MAD {sz.mad[group]:.0f}); beacon score {percent[group]:.0f}/100 (timestamp"
            f" {scores.timestamp_score[group]:.2f}, size {scores.datasize_score[group]:.2f},"
            f" histogram {scores.histogram_score[group]:.2f}, duration"
            f" {scores.duration_score[group]:.2f}; {profile} profile: low from {base:.0f},"
            f" medium from {low:.0f}, high from {medium:.0f})"
        )
        alerts.append(
            Alert(
                detector=DETECTOR,
                rule_id=rule_id,
                title=f"Beaconing ({level}) every ~{median[group]:.0f} s",
                severity=severity,
                attack=attack,
                entities=entities,
                first_seen=_when(times[0]),
                last_seen=_when(times[-1]),
                explanation=explanation,
                evidence=evidence,
                inputs=_inputs(events, rows),
                confidence=float(np.clip(scores.total[group], 0.05, 0.99)),
            )
        )
    return alerts


def _evidence(
    scores: GroupScores,
    group: int,
    level: str,
    intervals: FloatArray,
    sizes: FloatArray,
    ports: IntArray,
    cap: int,
    profile: str,
    th: dict[str, Any],
) -> dict[str, Any]:
    def r(value: float, digits: int = 3) -> float | None:
        return None if np.isnan(value) else round(float(value), digits)

    return {
        "level": level,
        "profile": profile,
        "events": int(scores.events[group]),
        "unique_events": int(scores.unique_events[group]),
        "interval_median_s": r(scores.intervals.median[group]),
        "interval_mad_s": r(scores.intervals.mad[group]),
        "interval_skew": r(scores.intervals.skew[group]),
        "size_median_bytes": r(scores.sizes.median[group], 1),
        "size_mad_bytes": r(scores.sizes.mad[group], 1),
        "size_skew": r(scores.sizes.skew[group]),
        "size_min_bytes": int(sizes.min()),
        "size_max_bytes": int(sizes.max()),
        "destination_ports": [int(p) for p in ports[:20]],
        "scores": {
            "timestamp": r(scores.timestamp_score[group]),
            "datasize": r(scores.datasize_score[group]),
            "histogram": r(scores.histogram_score[group]),
            "histogram_cv": r(scores.cv_score[group]),
            "histogram_bimodal": r(scores.bimodal_score[group]),
            "duration": r(scores.duration_score[group]),
            "duration_coverage": r(scores.coverage[group]),
            "duration_consistency": r(scores.consistency[group]),
            "total": r(scores.total[group] * 100.0, 1),
        },
        "thresholds": {k: th[k] for k in ("score_base", "score_low", "score_medium")},
        "histogram": {
            "window_start": _when(scores.window_start).isoformat().replace("+00:00", "Z"),
            "bin_seconds": round(scores.bin_seconds, 3),
            "counts": [int(c) for c in scores.histogram[group]],
            "bins_with_events": int(scores.bins_with_events[group]),
            "longest_run": int(scores.longest_run[group]),
        },
        "intervals_s": [round(float(x), 3) for x in intervals[:cap]],
        "intervals_truncated": bool(len(intervals) > cap),
        "sizes_bytes": [int(x) for x in sizes[:cap]],
    }


def _strobe_alerts(
    flows: pa.Table,
    pair: IntArray,
    strobe: np.ndarray,
    src: IntArray,
    dst: IntArray,
    src_values: list[str],
    dst_values: list[str],
    threshold: float,
    th: dict[str, Any],
) -> list[Alert]:
    if not strobe.any():
        return []
    start = epoch_seconds(flows["event.start"])
    files, file_values = codes(flows["input.file"])
    frames = int_column(flows["input.frame"], -1)
    counts = np.bincount(pair, minlength=len(strobe))
    alerts = []
    for p in np.flatnonzero(strobe):
        rows = np.flatnonzero(pair == p)
        rows = rows[np.argsort(start[rows], kind="stable")]
        first, last = float(start[rows[0]]), float(start[rows[-1]])
        source_ip, destination_ip = src_values[src[rows[0]]], dst_values[dst[rows[0]]]
        refs = [_ref(file_values[files[i]], int(frames[i])) for i in rows[:MAX_INPUTS]]
        alerts.append(
            Alert(
                detector=DETECTOR,
                rule_id="beacon.strobe",
                title="Strobe: one connection per second or more",
                severity=str(th["strobe_severity"]),
                attack=["T1071"],
                entities={"source.ip": source_ip, "destination.ip": destination_ip},
                first_seen=_when(first),
                last_seen=_when(last),
                explanation=(
                    f"{source_ip} → {destination_ip} opened {int(counts[p])} connections in "
                    f"{last - first:.0f} s, at or above the strobe level of {threshold:.0f} for "
                    "this window (86,400 a day); too many to score as a beacon"
                ),
                evidence={
                    "level": "connection",
                    "events": int(counts[p]),
                    "strobe_threshold": round(threshold, 1),
                    "span_s": round(last - first, 3),
                },
                inputs=[ref for ref in refs if ref is not None],
                confidence=0.6,
            )
        )
    return alerts


def _inputs(events: Events, rows: slice) -> list[InputRef]:
    refs: list[InputRef] = []
    seen: set[tuple[str, int]] = set()
    for file_code, frame in zip(events.file_code[rows], events.frame[rows], strict=True):
        ref = _ref(events.files[int(file_code)], int(frame))
        if ref is not None and (ref.file, frame) not in seen:
            seen.add((ref.file, int(frame)))
            refs.append(ref)
        if len(refs) >= MAX_INPUTS:
            break
    return refs


def _ref(file: str, frame: int) -> InputRef | None:
    if not file:
        return None
    return InputRef(file=file, frame=frame if frame >= 0 else None)


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)
