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

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.detect.traffic.beacon_alerts import (
    DETECTOR,
    MAX_INPUTS,
    Description,
    Events,
    alerts_for,
    first_refs,
    strobe_alert,
)
from seawall.detect.traffic.beacon_columns import (
    IntArray,
    bool_column,
    codes,
    combine,
    int_column,
    regroup,
    runs,
    time_order,
)
from seawall.detect.traffic.beacon_flows import (
    FlowArrays,
    drop_tcp_retries,
    flow_arrays,
    fold_split_records,
    group_destinations,
    pair_key,
    telemetry_ports,
)
from seawall.detect.traffic.beacon_stats import GroupScores, ScoringParams, score_groups
from seawall.records.alerts import Alert

# Transaction kinds that carry client check-ins, and the ATT&CK technique each suggests.
REQUEST_ATTACK = {
    "http_request": "T1071.001",
    "tls_record": "T1071.001",
    "quic_burst": "T1071.001",
    "tcp_burst": "T1071",
    "udp_burst": "T1095",
}


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
    times = np.concatenate(parts)
    if times.size == 0:
        return []
    low, high = int(times.min()), int(times.max())
    if high - low <= gap_seconds * 1e6:  # no silence can be longer than the whole span
        return [(low, high)]
    times.sort()
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
    skip_group = bool(th.get("skip_multicast_broadcast", True))
    flows = flow_arrays(tables.flows, skip_group, telemetry_ports(th), tables.flow_address_codes())
    if flows is not None:
        flows = fold_split_records(flows)
        flows, by_pair = drop_tcp_retries(flows, float(th.get("retry_merge_seconds", 1.0)))
        for alert in _pair_level(flows, by_pair, span, params, th, ctx.profile):
            alerts.append(alert)
            if alert.rule_id == "beacon.connection":
                pair_alerts.add((alert.entities["source.ip"], alert.entities["destination.ip"]))
        if th.get("group_by_server_name", True):
            alerts.extend(_server_name_level(flows, span, params, th, ctx.profile, pair_alerts))
    if th.get("request_level", True) and tables.transactions.num_rows:
        alerts.extend(_request_level(tables.transactions, span, params, th, ctx.profile))
    return alerts


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


def _events(
    table: pa.Table,
    order: IntArray,
    lengths: IntArray,
    chosen: np.ndarray,
    rows: IntArray,
    start_us: IntArray,
    size: IntArray,
) -> tuple[Events, IntArray]:
    """Events of the chosen runs of ``order`` (positions sorted by group key, then time);
    also returns the position of each chosen group's first event."""
    picked = order[np.repeat(chosen, lengths)]
    group_lengths = lengths[chosen]
    n_groups = int(group_lengths.size)
    starts = np.zeros(n_groups, dtype=np.int64)
    if n_groups > 1:
        np.cumsum(group_lengths[:-1], out=starts[1:])
    events = Events(
        table=table,
        rows=rows[picked],
        group=np.repeat(np.arange(n_groups, dtype=np.int64), group_lengths),
        time=start_us[picked] / 1e6,
        size=size[picked].astype(np.float64),
        n_groups=n_groups,
        starts=starts,
        lengths=group_lengths,
    )
    return events, picked[starts]


def _score(events: Events, span: tuple[float, float], params: ScoringParams) -> GroupScores:
    return score_groups(
        events.time, events.size, events.group, events.n_groups, span[0], span[1], params
    )


# --- connection level -----------------------------------------------------------------------


def _strobe_threshold(span: tuple[float, float], th: dict[str, Any]) -> float:
    window = max(span[1] - span[0], float(th["time_base_seconds"]))
    scaled = float(th["strobe_connections_per_day"]) * window / 86_400.0
    return max(scaled, float(th["strobe_min_connections"]))


def _pair_level(
    flows: FlowArrays,
    by_pair: IntArray,
    span: tuple[float, float],
    params: ScoringParams,
    th: dict[str, Any],
    profile: str,
) -> list[Alert]:
    starts, lengths = runs(pair_key(flows)[by_pair])
    strobe_at = _strobe_threshold(span, th)
    strobe = lengths >= strobe_at
    alerts = [
        _strobe(flows, by_pair[int(starts[r]) : int(starts[r] + lengths[r])], strobe_at, th)
        for r in np.flatnonzero(strobe)
    ]
    candidate = (lengths >= params.min_unique_events) & ~strobe
    if not candidate.any():
        return alerts
    events, firsts = _events(
        flows.table, by_pair, lengths, candidate, flows.row, flows.start_us, flows.bytes_sent
    )
    scores = _score(events, span, params)

    def describe(groups: IntArray) -> list[Description]:
        transports = events.column_of("network.transport", groups)
        out = []
        for group, values in zip(groups, transports, strict=True):
            first = firsts[group]
            source_ip = flows.address(flows.src[first])
            destination_ip = flows.address(flows.dst[first])
            used = sorted({"unknown" if v is None else str(v) for v in values})
            transport = ", ".join(used)
            attack = ["T1071", "T1095"] if "udp" in used else ["T1071"]
            what = f"{source_ip} → {destination_ip}"
            out.append(
                (
                    "beacon.connection",
                    {"source.ip": source_ip, "destination.ip": destination_ip},
                    f"{what} opened {{count}} connections ({transport})",
                    attack,
                    {"network.transport": used},
                )
            )
        return out

    alerts.extend(alerts_for(events, scores, th, profile, "connection", describe))
    return alerts


def _strobe(flows: FlowArrays, positions: IntArray, threshold: float, th: dict[str, Any]) -> Alert:
    """Strobe alert of one pair (``positions``: its flows in time order)."""
    first = float(flows.start_us[positions[0]] / 1e6)
    last = float(flows.start_us[positions[-1]] / 1e6)
    refs = first_refs(flows.table, flows.row[positions[:MAX_INPUTS]])
    return strobe_alert(
        flows.address(flows.src[positions[0]]),
        flows.address(flows.dst[positions[0]]),
        int(positions.size),
        first,
        last,
        refs,
        threshold,
        th,
    )


def _server_name_level(
    flows: FlowArrays,
    span: tuple[float, float],
    params: ScoringParams,
    th: dict[str, Any],
    profile: str,
    pair_alerts: set[tuple[str, str]],
) -> list[Alert]:
    """Group by (source.ip, SNI or Host): follows a C2 name across rotating addresses."""
    table = flows.table
    name = pc.coalesce(table["tls.client.server_name"], table["url.domain"])
    has_name = bool_column(pc.and_(pc.is_valid(name), pc.not_equal(pc.fill_null(name, ""), "")))
    named = has_name[flows.row]
    if not named.any():
        return []
    positions = np.flatnonzero(named)
    host_codes, hosts = codes(pc.utf8_lower(name.take(pa.array(flows.row[positions]))))
    host = np.zeros(flows.row.size, dtype=np.int64)
    host[positions] = host_codes
    key = flows.src * max(len(hosts), 1) + host
    order = regroup(flows.by_time[named[flows.by_time]], key)
    _, lengths = runs(key[order])
    candidate = lengths >= params.min_unique_events
    if not candidate.any():
        return []
    events, firsts = _events(
        table, order, lengths, candidate, flows.row, flows.start_us, flows.bytes_sent
    )
    destinations = flows.dst[order[np.repeat(candidate, lengths)]]
    scores = _score(events, span, params)

    def describe(groups: IntArray) -> list[Description]:
        return [describe_one(int(g)) for g in groups]

    def describe_one(group: int) -> Description:
        source_ip, server = flows.address(flows.src[firsts[group]]), hosts[host[firsts[group]]]
        used = np.unique(destinations[events.of(group)])
        addresses = sorted(str(a) for a in flows.addresses.take(pa.array(used)).to_pylist())
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

    alerts = alerts_for(events, scores, th, profile, "server_name", describe)
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
    keep = bool_column(pc.and_(wanted, pc.is_valid(transactions["source.ip"])))
    ports = telemetry_ports(th)
    if ports:
        value_set = pa.array(ports, pa.int32())
        keep &= ~bool_column(pc.is_in(transactions["destination.port"], value_set=value_set))
    if th.get("skip_multicast_broadcast", True) and keep.any():
        dst, addresses = codes(transactions["destination.ip"])
        group = group_destinations(pa.array(addresses, pa.string()))
        keep &= ~np.append(group, False)[dst]
    if not keep.any():
        return []
    picked = transactions.filter(pa.array(keep))
    parts = [
        codes(picked["source.ip"]),
        codes(pc.cast(picked["source.port"], pa.string())),
        codes(picked["destination.ip"]),
        codes(pc.cast(picked["destination.port"], pa.string())),
        codes(picked["network.transport"]),
        codes(picked["transaction.kind"]),
    ]
    key, _ = combine(*(c for c, _ in parts))
    start_us = int_column(pc.cast(picked["event.start"], pa.int64()))
    order = regroup(time_order(start_us), key)
    _, lengths = runs(key[order])
    candidate = lengths >= params.min_unique_events
    if not candidate.any():
        return []
    size = int_column(picked["transaction.bytes"])
    rows = np.arange(picked.num_rows, dtype=np.int64)
    events, firsts = _events(picked, order, lengths, candidate, rows, start_us, size)
    scores = _score(events, span, params)

    def describe(groups: IntArray) -> list[Description]:
        return [describe_one(int(g)) for g in groups]

    def describe_one(group: int) -> Description:
        first = firsts[group]
        source_ip, sport, destination_ip, dport, transport, kind = (
            values[c[first]] for c, values in parts
        )
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

    alerts = alerts_for(
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
