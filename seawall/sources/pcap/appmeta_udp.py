"""Payload inspection of datagram protocols: DNS message pairs, SNMP PDUs, QUIC detection."""

from __future__ import annotations

import numpy as np

from seawall.sources.pcap import dns_columns, snmp_columns
from seawall.sources.pcap.appmeta_context import Context

# QUIC long-header versions: v1, v2, IETF drafts (0xff0000xx) are matched separately.
QUIC_VERSIONS = (0x00000001, 0x6B3343CF)


def _direction(ctx: Context, pkt: int) -> str:
    return "client" if bool(ctx.fwd[pkt]) else "server"


def inspect_dns(ctx: Context, pkts: np.ndarray, over_tcp: np.ndarray) -> None:
    """One transaction per query/response pair, matched on (flow, DNS id) in time order:
    a response answers the oldest unanswered query of its (flow, id)."""
    if len(pkts) == 0:
        return
    skip = np.where(over_tcp, 2, 0)  # RFC 1035 4.2.2 length prefix
    size = np.maximum(ctx.plen[pkts] - skip, 0)
    cols = dns_columns.decode_dns(ctx.raw, ctx.pstart[pkts] + skip, size)
    _dns_problems(ctx, pkts, over_tcp, size, cols)
    ok = np.flatnonzero(cols.ok)
    if len(ok) == 0:
        return
    p, f = pkts[ok], ctx.flow_id[pkts[ok]]
    ctx.stats["dns_message"] += len(ok)
    for flow in np.unique(f).tolist():
        ctx.label(flow, "dns")
    names = np.asarray(cols.name, object)[ok]
    has_name = np.flatnonzero(names != None)  # noqa: E711
    first_named, at = np.unique(f[has_name], return_index=True)
    for flow, name in zip(first_named.tolist(), names[has_name[at]].tolist(), strict=True):
        ctx.set_flow("dns.question.name", flow, name)

    answer = _match_responses(f, cols.ident[ok], cols.is_response[ok])
    is_query = ~cols.is_response[ok]
    direction = np.where(ctx.fwd[p], "client", "server")
    qtype = dns_columns.qtype_names(cols.qtype[ok])
    rcode = dns_columns.rcode_names(cols.rcode[ok])
    ancount, msg_size = cols.ancount[ok], size[ok]
    answered = np.flatnonzero(is_query & (answer >= 0))
    unanswered = np.flatnonzero(is_query & (answer < 0))
    unmatched = np.flatnonzero(~is_query & ~np.isin(np.arange(len(ok)), answer))
    # One batch per row shape, created in the order the first row of each shape appears.
    shapes = [(rows, kind) for kind, rows in enumerate((answered, unanswered, unmatched))]
    for rows, kind in sorted(shapes, key=lambda s: int(s[0][0]) if len(s[0]) else len(ok)):
        if len(rows) == 0:
            continue
        head = {"transaction.direction": direction[rows].tolist()}
        question = {
            "transaction.kind": ["dns_query"] * len(rows),
            "dns.question.name": names[rows].tolist(),
            "dns.question.type": qtype[rows].tolist(),
        }
        by = answer[rows] if kind == 0 else rows  # whose response fields the row carries
        response = {
            "dns.response_code": rcode[by].tolist(),
            "dns.answers.count": ancount[by].tolist(),
            "dns.response.bytes": msg_size[by].tolist(),
        }
        if kind == 0:
            values = {
                **head,
                "transaction.bytes": msg_size[rows].tolist(),
                "transaction.packets": [2] * len(rows),
                **question,
                **response,
            }
        elif kind == 1:
            values = {
                **head,
                "transaction.bytes": msg_size[rows].tolist(),
                "transaction.packets": [1] * len(rows),
                **question,
            }
        else:
            values = {
                **head,
                "transaction.bytes": [0] * len(rows),
                "transaction.packets": [1] * len(rows),
                **response,
                **question,
            }
        ctx.transactions.extend(p[rows], f[rows], values)


def _dns_problems(
    ctx: Context,
    pkts: np.ndarray,
    over_tcp: np.ndarray,
    size: np.ndarray,
    cols: dns_columns.DnsColumns,
) -> None:
    """Count and locate payloads that are no DNS message (a TCP segment continuing a long
    message is only counted)."""
    not_dns = ~cols.ok
    not_dns[list(cols.error)] = False
    skipped = int((not_dns & over_tcp).sum())
    if skipped:
        ctx.stats["dns_tcp_segment_skipped"] += skipped
    bad = np.flatnonzero(not_dns & ~over_tcp)
    failed = np.asarray(sorted(cols.error), np.int64)
    rows = np.sort(np.r_[bad, failed])
    ctx.malformed_rows("dns", pkts, size, rows, cols.error, "on port 53 is no DNS message")


def _match_responses(flow: np.ndarray, ident: np.ndarray, is_response: np.ndarray) -> np.ndarray:
    """For each message (in capture order), the position of the response that answers it
    (queries only; -1: none). Per (flow, id) a response takes the oldest query still
    unanswered; the k-th response of a key answers query number M_k, where
    M_k = min(M_(k-1) + 1, queries before it), i.e. k + min(0, min_j<=k(Q_j - j))."""
    m = len(flow)
    answer = np.full(m, -1, np.int64)
    order = np.lexsort((np.arange(m), ident, flow))
    fo, io = flow[order], ident[order]
    new = np.r_[True, (fo[1:] != fo[:-1]) | (io[1:] != io[:-1])]
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)[group]  # sorted position where the row's key starts
    query = ~is_response[order]
    cq = np.cumsum(query)
    queries_before = cq - query - (cq[first] - query[first])  # within the key
    queries_ahead = cq[first] - query[first]  # queries of earlier keys
    resp = np.flatnonzero(~query)
    if len(resp) == 0:
        return answer
    g = group[resp]
    k = np.arange(len(resp)) - np.searchsorted(g, g)  # 0-based rank among the key's responses
    big = 4 * (m + 2)
    lowest = np.minimum.accumulate(queries_before[resp] - (k + 1) - g * big) + g * big
    matched_count = (k + 1) + np.minimum(0, lowest)
    previous = np.where(k > 0, np.r_[0, matched_count[:-1]], 0)
    hit = matched_count > previous
    query_sorted = np.flatnonzero(query)
    q_at = query_sorted[queries_ahead[resp[hit]] + matched_count[hit] - 1]
    answer[order[q_at]] = order[resp[hit]]
    return answer


def inspect_snmp(ctx: Context, pkts: np.ndarray) -> None:
    if len(pkts) == 0:
        return
    size = ctx.plen[pkts]
    cols = snmp_columns.decode_snmp(ctx.raw, ctx.pstart[pkts], size)
    bad = np.flatnonzero(~cols.ok)
    ctx.malformed_rows("snmp", pkts, size, bad, cols.error, "on an SNMP port is no SNMP message")
    ok = np.flatnonzero(cols.ok)
    if len(ok) == 0:
        return
    p, f = pkts[ok], ctx.flow_id[pkts[ok]]
    ctx.stats["snmp_pdu"] += len(ok)
    for flow in np.unique(f).tolist():
        ctx.label(flow, "snmp")
    details = []
    for row in ok.tolist():
        oid, user = cols.first_oid[row], cols.user[row]
        if user is None:
            details.append(f"oid={oid}" if oid else None)
        else:
            details.append(" ".join([f"oid={oid}", f"user={user}"] if oid else [f"user={user}"]))
    ctx.transactions.extend(
        p,
        f,
        {
            "transaction.kind": ["snmp"] * len(ok),
            "transaction.direction": np.where(ctx.fwd[p], "client", "server").tolist(),
            "transaction.bytes": size[ok].tolist(),
            "transaction.packets": [1] * len(ok),
            "snmp.version": [cols.version[r] for r in ok.tolist()],
            "snmp.community": [cols.community[r] for r in ok.tolist()],
            "snmp.pdu": [cols.pdu[r] for r in ok.tolist()],
            "detail": details,
        },
    )


def quic_long_header(ctx: Context, pkts: np.ndarray) -> np.ndarray:
    """Mask of UDP packets whose payload is a QUIC long-header packet of a known version."""
    first = ctx.payload_byte(pkts, 0)
    version = (
        (ctx.payload_byte(pkts, 1) << 24)
        | (ctx.payload_byte(pkts, 2) << 16)
        | (ctx.payload_byte(pkts, 3) << 8)
        | ctx.payload_byte(pkts, 4)
    )
    known = np.isin(version, QUIC_VERSIONS) | ((version >> 8) == 0xFF0000)
    return (first >= 0) & ((first & 0xC0) == 0xC0) & known & (ctx.plen[pkts] >= 1200)
