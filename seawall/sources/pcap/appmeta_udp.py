"""Payload inspection of datagram protocols: DNS message pairs, SNMP PDUs, QUIC detection."""

from __future__ import annotations

import numpy as np

from seawall.sources.pcap import proto_dns, proto_snmp
from seawall.sources.pcap.appmeta_context import Context

# QUIC long-header versions: v1, v2, IETF drafts (0xff0000xx) are matched separately.
QUIC_VERSIONS = (0x00000001, 0x6B3343CF)


def _direction(ctx: Context, pkt: int) -> str:
    return "client" if bool(ctx.fwd[pkt]) else "server"


def inspect_dns(ctx: Context, pkts: np.ndarray, over_tcp: np.ndarray) -> None:
    """One transaction per query/response pair, matched on (flow, DNS id) in time order."""
    pending: dict[tuple[int, int], list[int]] = {}  # -> rows (index into ``pairs``)
    pairs: list[dict[str, object]] = []
    where: list[tuple[int, int]] = []  # (packet, flow) of each pair's row
    for p, tcp in zip(pkts.tolist(), over_tcp.tolist(), strict=True):
        data = ctx.payload(p)
        if tcp:
            data = data[2:]  # RFC 1035 4.2.2 length prefix
        try:
            msg = proto_dns.parse_dns(data)
        except Exception as exc:
            ctx.malformed("dns", p, f"DNS parser failed: {exc!r}")
            continue
        if msg is None:
            if tcp:
                ctx.stats["dns_tcp_segment_skipped"] += 1  # continuation of a long message
            else:
                ctx.malformed("dns", p, f"{len(data)}-byte payload on port 53 is no DNS message")
            continue
        f = int(ctx.flow_id[p])
        ctx.stats["dns_message"] += 1
        ctx.label(f, "dns")
        ctx.set_flow("dns.question.name", f, msg.name)
        key = (f, msg.id)
        if msg.is_response:
            waiting = pending.get(key)
            if waiting:
                row = pairs[waiting.pop(0)]
                row.update(_response_fields(msg, len(data)))
                row["transaction.packets"] = 2
                continue
            fields = {"transaction.direction": _direction(ctx, p), "transaction.bytes": 0,
                      "transaction.packets": 1, **_response_fields(msg, len(data))}
        else:
            fields = {"transaction.direction": _direction(ctx, p), "transaction.bytes": len(data),
                      "transaction.packets": 1}
            pending.setdefault(key, []).append(len(pairs))
        fields.update({
            "transaction.kind": "dns_query",
            "dns.question.name": msg.name,
            "dns.question.type": msg.qtype_name,
        })
        pairs.append(fields)
        where.append((p, f))
    for (p, f), fields in zip(where, pairs, strict=True):
        ctx.transactions.add(p, f, fields)


def _response_fields(msg: proto_dns.DnsMessage, size: int) -> dict[str, object]:
    return {
        "dns.response_code": msg.rcode_name,
        "dns.answers.count": msg.ancount,
        "dns.response.bytes": size,
    }


def inspect_snmp(ctx: Context, pkts: np.ndarray) -> None:
    for p in pkts.tolist():
        data = ctx.payload(p)
        try:
            msg = proto_snmp.parse_snmp(data)
        except Exception as exc:
            ctx.malformed("snmp", p, f"SNMP parser failed: {exc!r}")
            continue
        if msg is None:
            ctx.malformed("snmp", p, f"{len(data)}-byte payload on an SNMP port is no SNMP message")
            continue
        f = int(ctx.flow_id[p])
        ctx.stats["snmp_pdu"] += 1
        ctx.label(f, "snmp")
        details = []
        if msg.first_oid:
            details.append(f"oid={msg.first_oid}")
        if msg.user is not None:
            details.append(f"user={msg.user}")
        ctx.transactions.add(p, f, {
            "transaction.kind": "snmp",
            "transaction.direction": _direction(ctx, p),
            "transaction.bytes": len(data),
            "transaction.packets": 1,
            "snmp.version": msg.version,
            "snmp.community": msg.community,
            "snmp.pdu": msg.pdu,
            "detail": " ".join(details) or None,
        })


def quic_long_header(ctx: Context, pkts: np.ndarray) -> np.ndarray:
    """Mask of UDP packets whose payload is a QUIC long-header packet of a known version."""
    first = ctx.payload_byte(pkts, 0)
    version = (
        (ctx.payload_byte(pkts, 1) << 24) | (ctx.payload_byte(pkts, 2) << 16)
        | (ctx.payload_byte(pkts, 3) << 8) | ctx.payload_byte(pkts, 4)
    )
    known = np.isin(version, QUIC_VERSIONS) | ((version >> 8) == 0xFF0000)
    return (first >= 0) & ((first & 0xC0) == 0xC0) & known & (ctx.plen[pkts] >= 1200)
