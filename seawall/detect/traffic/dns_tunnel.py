"""DNS tunnelling and exfiltration over DNS (T1071.004, T1048).

A DNS tunnel encodes data in query names under a domain whose authoritative server the
attacker runs, so one client asks for many never-repeating subdomains of one base domain,
with long, random-looking labels, often with record types that carry bulk answers (TXT,
NULL, CNAME, MX). Per (client, base domain) we count unique subdomains in a sliding window
(RITA's C2-over-DNS thresholds: base 100, low 500, medium 800, high 1000) and measure the
shape of the names: entropy, length, non-hostname bytes, record-type mix, rate and volume.

Names come from ``dns_query`` transactions; for inputs that have none, the first query of
each flow (``dns.question.name``) is used. Names without a real TLD (``dnscat.<hex>``) are
grouped per (client, server): such tunnels talk straight to their server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.detect.traffic.dns_names import NameParts, char_entropy, longest_label
from seawall.detect.traffic.flowshape import (
    Codes,
    combine,
    encode,
    first_contacts,
    input_refs,
    numbers,
    seconds,
    severity_at,
    when,
    window_peaks,
)
from seawall.records.alerts import Alert

NAME = "dns_tunnel"
ATTACK = ("T1071.004", "T1048")
# Record types that carry bulk data in answers; plain A/AAAA lookups dominate normal traffic.
BULK_TYPES = ("TXT", "NULL", "CNAME", "MX", "ANY", "PRIVATE", "SRV", "KEY", "DNSKEY")
_TYPE_NUMBERS = {"16": "TXT", "10": "NULL", "5": "CNAME", "15": "MX", "255": "ANY"}


_COMMON = ("event.start", "source.ip", "destination.ip", "dns.question.name", "input.file")
_TX_COLUMNS = (*_COMMON, "dns.question.type", "dns.response.bytes")
_FLOW_COLUMNS = (*_COMMON, "destination.bytes")


@dataclass(slots=True)
class _Queries:
    """One row per DNS query, from transactions or (fallback) flows."""

    table: pa.Table  # the rows' source table, for input references
    rows: np.ndarray  # row index into ``table``
    client: pa.Array
    server: pa.Array
    name: pa.Array
    qtype: pa.Array
    down_bytes: np.ndarray
    t: np.ndarray


@register(
    NAME,
    attack=ATTACK,
    description="Many unique, long, random-looking subdomains of one base domain from one "
    "client, bulk record types, high DNS volume: DNS tunnelling or exfiltration.",
)
def detect_dns_tunnel(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    cfg = ctx.thresholds
    alerts: list[Alert] = []
    for queries in _query_sources(tables):
        if len(queries.rows):
            alerts.extend(_score(queries, cfg))
    return alerts


def _query_sources(tables: RecordTables) -> list[_Queries]:
    out: list[_Queries] = []
    tx = tables.transactions
    covered: set[str] = set()
    if tx.num_rows:
        kind = pc.fill_null(tx.column("transaction.kind"), "")
        direction = pc.fill_null(tx.column("transaction.direction"), "client")
        wanted = pc.and_(
            pc.and_(pc.equal(kind, "dns_query"), pc.not_equal(direction, "server")),
            pc.is_valid(tx.column("dns.question.name")),
        )
        rows = np.flatnonzero(np.asarray(wanted.to_numpy(zero_copy_only=False), dtype=bool))
        if len(rows):
            sub = tx.select(list(_TX_COLUMNS)).take(pa.array(rows))
            covered = {f for f in sub.column("input.file").unique().to_pylist() if f is not None}
            out.append(
                _Queries(
                    table=tx,
                    rows=rows,
                    client=_plain(sub.column("source.ip")),
                    server=_plain(sub.column("destination.ip")),
                    name=_plain(sub.column("dns.question.name")),
                    qtype=_plain(sub.column("dns.question.type")),
                    down_bytes=numbers(sub.column("dns.response.bytes")),
                    t=seconds(sub.column("event.start")),
                )
            )
    flows = tables.flows
    if flows.num_rows:
        wanted = pc.is_valid(flows.column("dns.question.name"))
        if covered:
            files = pc.fill_null(flows.column("input.file"), "")
            wanted = pc.and_(wanted, pc.invert(pc.is_in(files, pa.array(sorted(covered)))))
        rows = np.flatnonzero(
            np.asarray(pc.fill_null(wanted, False).to_numpy(zero_copy_only=False), dtype=bool)
        )
        if len(rows):
            sub = flows.select(list(_FLOW_COLUMNS)).take(pa.array(rows))
            out.append(
                _Queries(
                    table=flows,
                    rows=rows,
                    client=_plain(sub.column("source.ip")),
                    server=_plain(sub.column("destination.ip")),
                    name=_plain(sub.column("dns.question.name")),
                    qtype=pa.nulls(len(rows), pa.string()),
                    down_bytes=numbers(sub.column("destination.bytes")),
                    t=seconds(sub.column("event.start")),
                )
            )
    return out


def _score(q: _Queries, cfg: dict[str, Any]) -> list[Alert]:
    # Names repeat a lot in real traffic: parse each distinct name once, then index by code.
    names = encode(q.name)
    if len(names.values) == 0:
        return []
    parts = NameParts(names.values)
    row = np.maximum(names.codes, 0)
    valid = names.codes >= 0
    ignore = pa.array([str(d).lower() for d in cfg["ignore_base_domains"]], type=pa.string())
    ignored = np.asarray(
        pc.fill_null(pc.is_in(parts.base, ignore), False).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    direct = parts.direct[row] & valid
    use = (parts.domain[row] | direct) & valid & ~ignored[row] & ~np.isnan(q.t)
    if not use.any():
        return []
    # Group key: base domain, or the server for names with no real domain.
    bases = encode(parts.base)
    servers = encode(q.server)
    key = np.where(direct, len(bases.values) + servers.codes, bases.codes[row])
    client = encode(q.client)
    group = combine(client.codes, key)
    subs = encode(parts.sub)
    sub_code = subs.codes[row]
    sub_len = np.asarray(pc.binary_length(subs.values).to_numpy(zero_copy_only=False))
    has_sub = sub_len[np.maximum(sub_code, 0)] > 0
    rows = _Rows(parts, row, sub_code, bases, servers, key)

    # Unique subdomains per group in the busiest window, as first contacts.
    idx = np.flatnonzero(use & has_sub)
    first = idx[first_contacts(group[idx], sub_code[idx], q.t[idx])]
    window = float(cfg["window_seconds"])
    peaks = window_peaks(group[first], q.t[first], window)
    min_unique = int(cfg["min_unique_subdomains"])
    hit = peaks.count >= min_unique
    if not hit.any():
        return []
    peaks = window_peaks(group[first], q.t[first], window, keep=peaks.group[hit])

    # Name shape, computed once per distinct subdomain.
    entropy_by_sub = char_entropy(subs.values)
    label_by_sub = longest_label(subs.values)
    length_by_sub = np.asarray(
        pc.binary_length(subs.values).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    qtype = _type_names(q.qtype)
    bulk = np.asarray(
        pc.fill_null(pc.is_in(qtype, pa.array(BULK_TYPES)), False).to_numpy(zero_copy_only=False),
        dtype=bool,
    )

    # Rows sorted by (group, time): each alert's queries are one binary search away.
    used = np.flatnonzero(use)
    order = used[np.lexsort((q.t[used], group[used]))]
    sorted_group = group[order]
    alerts: list[Alert] = []
    for k in np.flatnonzero(hit):
        gid = int(peaks.group[k])
        win_first = first[peaks.rows[gid]]  # first contacts of unique subdomains in window
        t0, t1 = float(peaks.window_start[k]), float(peaks.window_end[k])
        mine = order[
            np.searchsorted(sorted_group, gid) : np.searchsorted(sorted_group, gid, "right")
        ]
        in_group = mine[(q.t[mine] >= t0) & (q.t[mine] <= t1)]
        sub_codes = sub_code[win_first]
        stats = {
            "unique_subdomains": int(peaks.count[k]),
            "queries": len(in_group),
            "mean_subdomain_entropy": float(entropy_by_sub[sub_codes].mean()),
            "mean_subdomain_length": float(length_by_sub[sub_codes].mean()),
            "mean_longest_label": float(label_by_sub[sub_codes].mean()),
            "max_name_length": int(parts.length[row[in_group]].max()),
            "non_hostname_share": float(parts.non_hostname[row[in_group]].mean()),
            "bulk_type_share": float(bulk[in_group].mean()),
            "query_types": _type_counts(qtype, in_group),
            "bytes_up_in_names": int(parts.length[row[in_group]].sum()),
            "bytes_down_in_answers": int(q.down_bytes[in_group].sum()),
            "window_span_seconds": round(t1 - t0, 3),
        }
        span = max(t1 - t0, 1.0)
        stats["queries_per_minute"] = round(60.0 * len(in_group) / span, 2)
        alert = _verdict(q, rows, in_group, stats, cfg, (t0, t1))
        if alert is not None:
            alerts.append(alert)
    return alerts


@dataclass(slots=True)
class _Rows:
    """Per-row views into the per-distinct-name features."""

    parts: NameParts  # features of each distinct name
    name: np.ndarray  # row -> distinct name index
    sub: np.ndarray  # row -> distinct subdomain code
    bases: Codes
    servers: Codes
    key: np.ndarray  # row -> group key: base code, or len(bases) + server code

    def label(self, row: int) -> tuple[str, bool]:
        """(base domain or server address, True when the names carry no real domain)."""
        key = int(self.key[row])
        if key >= len(self.bases.values):
            return self.servers.value(key - len(self.bases.values)) or "?", True
        return self.bases.value(key) or "", False


def _verdict(
    q: _Queries,
    rows: _Rows,
    in_group: np.ndarray,
    stats: dict[str, Any],
    cfg: dict[str, Any],
    window: tuple[float, float],
) -> Alert | None:
    signals = {
        "high_entropy": stats["mean_subdomain_entropy"] >= float(cfg["min_entropy"]),
        "long_names": stats["mean_subdomain_length"] >= float(cfg["min_subdomain_length"])
        or stats["mean_longest_label"] >= float(cfg["min_label_length"]),
        "non_hostname_bytes": stats["non_hostname_share"] >= float(cfg["min_non_hostname_share"]),
        "bulk_record_types": stats["bulk_type_share"] >= float(cfg["min_bulk_type_share"]),
    }
    shape = sum(signals.values())
    tiers = cfg["subdomain_tiers"]
    unique = stats["unique_subdomains"]
    tier = sum(unique >= int(tiers[name]) for name in ("low", "medium", "high"))
    # Count alone from RITA's "low" tier up; below it the names must also look like data.
    if tier == 0 and shape < int(cfg["min_shape_signals"]):
        return None
    level = 1 + tier + max(0, shape - 1)
    level = min(level, 3)  # DNS shape alone never makes a critical alert
    head = int(in_group[0])
    src_ip = q.client[head].as_py()
    key, direct = rows.label(head)
    dst_ips = pc.unique(q.server.take(pa.array(in_group))).to_pylist()
    domain = None if direct else key
    where = f"server {key} (names carry no real domain)" if direct else key
    seen = [name for name, on in signals.items() if on]
    explanation = (
        f"{src_ip} queried {unique} unique subdomains of {where} in "
        f"{stats['window_span_seconds']:.0f} s (threshold {cfg['min_unique_subdomains']}); "
        + (f"names look like encoded data: {', '.join(seen)}" if seen else "names look ordinary")
        + f"; {stats['bytes_up_in_names']} bytes up in names, "
        f"{stats['bytes_down_in_answers']} bytes down in answers"
    )
    entities: dict[str, Any] = {"source.ip": src_ip}
    if len(dst_ips) == 1:
        entities["destination.ip"] = dst_ips[0]
    if domain:
        entities["dns.question.registered_domain"] = domain
    evidence = dict(stats)
    evidence |= {
        "signals": signals,
        "threshold_unique_subdomains": cfg["min_unique_subdomains"],
        "subdomain_tier": ["base", "low", "medium", "high"][tier],
        "servers": dst_ips[:10],
        "sample_names": pc.unique(
            rows.parts.text.take(pa.array(rows.name[in_group[:200]]))
        ).to_pylist()[:5],
    }
    return Alert(
        detector=NAME,
        rule_id="dns_tunnel.subdomains",
        title="DNS tunnelling / exfiltration over DNS",
        severity=severity_at(level),
        attack=list(ATTACK),
        entities=entities,
        first_seen=when(window[0]),
        last_seen=when(window[1]),
        explanation=explanation,
        evidence=evidence,
        inputs=input_refs(q.table, q.rows[in_group]),
        confidence=min(0.95, 0.45 + 0.1 * shape + 0.05 * tier),
    )


def _type_names(qtype: pa.Array) -> pa.Array:
    """Record types as upper-case mnemonics (numbers from some sources mapped)."""
    upper = pc.utf8_upper(pc.fill_null(qtype, ""))
    keys = pa.array(list(_TYPE_NUMBERS))
    idx = pc.index_in(upper, keys)
    mapped = pc.take(pa.array(list(_TYPE_NUMBERS.values())), idx)
    return pc.if_else(pc.is_valid(idx), mapped, upper)


def _type_counts(qtype: pa.Array, rows: np.ndarray) -> dict[str, int]:
    values = qtype.take(pa.array(rows))
    counts = pc.value_counts(values).to_pylist()
    return {(c["values"] or "unknown"): int(c["counts"]) for c in counts}


def _plain(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return arr.cast(pa.string())
