"""Port scans, host sweeps and stealth probes (T1046, T1018, T1595).

A *probe* is a flow that exchanged no application data: a refused or unanswered TCP SYN, a
SYN answered then reset by the scanner, a NULL/FIN/Xmas packet, an unanswered UDP datagram, an
ICMP echo. Normal browsing makes few of those; a scanner makes almost nothing else.

- port scan: one source probes many distinct ports of one host within a window;
- host sweep: one source probes many distinct hosts within a window, from flows and from
  broadcast ARP who-has requests (``tables.packets``), which IP flow meters never see;
- stealth probes: TCP packets with none of SYN, ACK, RST set (NULL, FIN, Xmas scans), which
  no ordinary TCP stack sends to open a connection.

Distinct targets are counted as first contacts inside a sliding window (see
``flowshape.first_contacts``), like Zeek's old ``misc/scan.zeek`` thresholds: 15 ports or 25
hosts within 5 minutes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.detect.traffic.flowshape import (
    ACK,
    FIN,
    NOT_A_HOST,
    PSH,
    RST,
    SYN,
    URG,
    Codes,
    by_code,
    combine,
    encode,
    equals,
    first_contacts,
    input_refs,
    internal_mask,
    internal_nets,
    is_null,
    networks_by_code,
    numbers,
    seconds,
    severity_at,
    when,
    window_peaks,
)
from seawall.records.alerts import Alert

NAME = "scan"
ATTACK_PORTS = ("T1046",)
ATTACK_HOSTS = ("T1018", "T1046")
ATTACK_EXTERNAL = "T1595.001"  # active scanning from outside the operator's networks
BROADCAST_MACS = ("ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00")
# Per-packet header bytes (IP + TCP with options) a payload-free flow stays within.
HEADER_BUDGET = {"ipv4": 60, "ipv6": 80}


@register(
    NAME,
    attack=("T1046", "T1018", "T1595.001"),
    description="Port scans (many ports of one host), host sweeps (many hosts, including ARP "
    "who-has sweeps) and NULL/FIN/Xmas stealth probes.",
)
def detect_scan(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    cfg = ctx.thresholds
    flows = tables.flows
    probes = _Probes.from_flows(tables) if flows.num_rows else None
    alerts: list[Alert] = []
    if probes is not None:
        alerts.extend(_port_scans(tables, probes, cfg, ctx))
        alerts.extend(_stealth(flows, probes, cfg, ctx))
    alerts.extend(_host_sweeps(flows, probes, tables.packets, cfg, ctx))
    return alerts


class _Probes:
    """Per-flow classification shared by the three rules."""

    def __init__(
        self,
        probe: np.ndarray,
        stealth: np.ndarray,
        refused: np.ndarray,
        unanswered: np.ndarray,
        sflags: np.ndarray,
        ported: np.ndarray,
        to_host: np.ndarray,
    ) -> None:
        self.probe = probe
        self.stealth = stealth
        self.refused = refused
        self.unanswered = unanswered
        self.sflags = sflags
        self.ported = ported  # TCP or UDP: has a destination port worth counting
        self.to_host = to_host  # destination is a unicast host

    @classmethod
    def from_flows(cls, tables: RecordTables) -> _Probes:
        flows = tables.flows
        transport = flows.column("network.transport")
        ipv6 = equals(flows.column("network.type"), "ipv6")
        budget = np.where(ipv6, HEADER_BUDGET["ipv6"], HEADER_BUDGET["ipv4"])
        sflags = numbers(flows.column("source.tcp_flags")).astype(np.int64)
        dflags = numbers(flows.column("destination.tcp_flags")).astype(np.int64)
        flags_known = ~is_null(flows.column("source.tcp_flags"))
        spk = numbers(flows.column("source.packets"))
        dpk = numbers(flows.column("destination.packets"))
        sby = numbers(flows.column("source.bytes"))
        dby = numbers(flows.column("destination.bytes"))
        dport = numbers(flows.column("destination.port")).astype(np.int64)

        # Transport names tested once per distinct value, not once per row and name.
        kinds = encode(transport)
        names = np.asarray(kinds.values.to_pylist(), dtype=object)
        tcp = by_code(names == "tcp", kinds.codes)
        udp = by_code(names == "udp", kinds.codes)
        icmp = by_code((names == "icmp") | (names == "ipv6-icmp"), kinds.codes)
        unanswered = dpk == 0
        no_payload = (sby <= spk * budget) & (dby <= dpk * budget)
        stealth = tcp & flags_known & ((sflags & (SYN | ACK | RST)) == 0) & (spk > 0)
        refused = tcp & flags_known & ((dflags & RST) > 0) & ((dflags & SYN) == 0)
        tcp_probe = tcp & (stealth | refused | unanswered | no_payload)
        # A lone datagram from a service port to a high port is a reply whose request was not
        # captured (DNS answers at capture start), not a probe.
        sport = numbers(flows.column("source.port")).astype(np.int64)
        reply_like = (sport > 0) & (sport < 1024) & (dport >= 1024)
        udp_probe = udp & unanswered & ~reply_like
        # Exporters put ICMP type*256+code in the port; 0 means unknown or echo reply. Only
        # echo requests (8, 128) or a few unknown-type packets count as discovery probes.
        icmp_type = dport >> 8
        echo = np.where(dport > 0, np.isin(icmp_type, (8, 128)), spk <= 3)
        icmp_probe = icmp & echo
        _, dst_codes, addresses = tables.flow_address_codes()
        to_host = ~networks_by_code(NOT_A_HOST, dst_codes, addresses)
        probe = (tcp_probe | udp_probe | icmp_probe) & to_host
        return cls(probe, stealth & to_host, refused, unanswered, sflags, tcp | udp, to_host)


def _port_scans(
    tables: RecordTables, probes: _Probes, cfg: dict[str, Any], ctx: DetectContext
) -> list[Alert]:
    flows = tables.flows
    rows = np.flatnonzero(probes.probe & probes.ported)
    if len(rows) == 0:
        return []
    src = encode(flows.column("source.ip").take(pa.array(rows)))
    dst = encode(flows.column("destination.ip").take(pa.array(rows)))
    dport = numbers(flows.column("destination.port")).astype(np.int64)[rows]
    t = seconds(flows.column("event.start"))[rows]
    pair = combine(src.codes, dst.codes)
    first = first_contacts(pair, dport, t)
    window = float(cfg["port_window_seconds"])
    peaks = window_peaks(pair[first], t[first], window)
    hit = peaks.count >= int(cfg["port_scan_min_ports"])
    if not hit.any():
        return []
    peaks = window_peaks(pair[first], t[first], window, keep=peaks.group[hit])
    # Share of probes among all flows between the pair: scanners rarely exchange data.
    # Pair ids are numbered by first occurrence, whichever injective address codes go in.
    src_all, dst_all, _ = tables.flow_address_codes()
    all_pair = combine(src_all, dst_all)
    pair_flows = np.bincount(all_pair)
    pair_probes = np.bincount(all_pair, weights=probes.probe.astype(np.float64))
    addresses = tables.flow_address_codes()[2]
    infra = networks_by_code(ctx.network.infrastructure, dst_all, addresses)
    infra |= networks_by_code(ctx.network.management, dst_all, addresses)
    internal_src = networks_by_code(internal_nets(ctx.network), src_all, addresses)
    alerts: list[Alert] = []
    for k in np.flatnonzero(hit):
        gid = int(peaks.group[k])
        win = rows[first[peaks.rows[gid]]]  # flow rows of the window's first contacts
        head = int(win[0])
        src_ip = flows.column("source.ip")[head].as_py()
        dst_ip = flows.column("destination.ip")[head].as_py()
        probe_share = float(pair_probes[all_pair[head]] / pair_flows[all_pair[head]])
        if probe_share < float(cfg["port_scan_min_probe_share"]):
            continue
        ports = np.unique(numbers(flows.column("destination.port")).astype(np.int64)[win])
        refused = int(probes.refused[win].sum())
        unanswered = int(probes.unanswered[win].sum())
        stealth_kinds = _stealth_kinds(probes.sflags[win][probes.stealth[win]])
        external = not bool(internal_src[head])
        level = 2 + int(bool(infra[head]))
        attack = list(ATTACK_PORTS) + ([ATTACK_EXTERNAL] if external else [])
        span = float(peaks.window_end[k] - peaks.window_start[k])
        alerts.append(
            Alert(
                detector=NAME,
                rule_id="scan.port_scan",
                title="Port scan",
                severity=severity_at(level),
                attack=attack,
                entities={"source.ip": src_ip, "destination.ip": dst_ip},
                first_seen=when(float(peaks.window_start[k])),
                last_seen=when(float(peaks.window_end[k])),
                explanation=(
                    f"{src_ip} probed {len(ports)} distinct ports of {dst_ip} within {span:.0f} s "
                    f"(limit {cfg['port_scan_min_ports']} per {cfg['port_window_seconds']} s); "
                    f"{refused} refused, {unanswered} unanswered"
                    + (f", stealth probes: {_kinds_text(stealth_kinds)}" if stealth_kinds else "")
                ),
                evidence={
                    "distinct_ports": len(ports),
                    "ports": [int(p) for p in ports[:50]],
                    "limit": cfg["port_scan_min_ports"],
                    "window_seconds": cfg["port_window_seconds"],
                    "window_span_seconds": round(span, 3),
                    "refused": refused,
                    "unanswered": unanswered,
                    "probe_share": round(probe_share, 3),
                    "stealth_probes": stealth_kinds,
                    "target_is_infrastructure": bool(infra[head]),
                    "external_source": external,
                },
                inputs=input_refs(flows, win),
                confidence=min(0.95, 0.6 + 0.3 * probe_share + (0.05 if stealth_kinds else 0)),
            )
        )
    return alerts


def _stealth(
    flows: pa.Table, probes: _Probes, cfg: dict[str, Any], ctx: DetectContext
) -> list[Alert]:
    rows = np.flatnonzero(probes.stealth)
    if len(rows) < int(cfg["stealth_min_probes"]):
        return []
    src = encode(flows.column("source.ip").take(pa.array(rows)))
    counts = np.bincount(src.codes, minlength=len(src.values))
    internal_src = internal_mask(flows.column("source.ip"), ctx.network)
    t = seconds(flows.column("event.start"))
    alerts: list[Alert] = []
    for code in np.flatnonzero(counts >= int(cfg["stealth_min_probes"])):
        mine = rows[src.codes == code]
        kinds = _stealth_kinds(probes.sflags[mine])
        targets = np.unique(
            np.asarray(
                flows.column("destination.ip").take(pa.array(mine)).to_pylist(), dtype=object
            )
        )
        src_ip = src.value(int(code))
        external = not bool(internal_src[mine[0]])
        attack = list(ATTACK_PORTS) + ([ATTACK_EXTERNAL] if external else [])
        alerts.append(
            Alert(
                detector=NAME,
                rule_id="scan.stealth_probe",
                title="TCP stealth scan probes (NULL/FIN/Xmas)",
                severity="medium",
                attack=attack,
                entities={"source.ip": src_ip}
                | ({"destination.ip": str(targets[0])} if len(targets) == 1 else {}),
                first_seen=when(float(np.nanmin(t[mine]))),
                last_seen=when(float(np.nanmax(t[mine]))),
                explanation=(
                    f"{src_ip} sent {len(mine)} TCP probe(s) without SYN, ACK or RST "
                    f"({_kinds_text(kinds)}) to {len(targets)} host(s); ordinary TCP stacks "
                    "never open a connection this way"
                ),
                evidence={
                    "stealth_probes": kinds,
                    "count": len(mine),
                    "limit": cfg["stealth_min_probes"],
                    "targets": [str(x) for x in targets[:20]],
                    "source_tcp_flags": sorted({int(f) for f in probes.sflags[mine]}),
                    "external_source": external,
                },
                inputs=input_refs(flows, mine),
                confidence=0.8,
            )
        )
    return alerts


def _host_sweeps(
    flows: pa.Table,
    probes: _Probes | None,
    packets: pa.Table,
    cfg: dict[str, Any],
    ctx: DetectContext,
) -> list[Alert]:
    ip_src, ip_dst, ip_t, ip_rows = _ip_probe_events(flows, probes)
    arp_src, arp_dst, arp_t, arp_rows, answered = _arp_events(packets)
    sources = pa.chunked_array([ip_src, arp_src], type=pa.string())
    targets = pa.chunked_array([ip_dst, arp_dst], type=pa.string())
    if len(sources) == 0:
        return []
    is_arp = np.r_[np.zeros(len(ip_src), dtype=bool), np.ones(len(arp_src), dtype=bool)]
    t = np.r_[ip_t, arp_t]
    table_rows = np.r_[ip_rows, arp_rows]
    src = encode(sources)
    dst = encode(targets)
    # Per source and kind (IP probes, ARP who-has): their thresholds differ.
    group = combine(src.codes, is_arp.astype(np.int64))
    first = first_contacts(group, dst.codes, t)
    g, tf = group[first], t[first]
    arp_first = is_arp[first]
    alerts: list[Alert] = []
    for arp, window, limit in (
        (False, float(cfg["host_window_seconds"]), int(cfg["host_sweep_min_hosts"])),
        (True, float(cfg["arp_window_seconds"]), int(cfg["arp_sweep_min_targets"])),
    ):
        sel = np.flatnonzero(arp_first == arp)
        if len(sel) == 0:
            continue
        peaks = window_peaks(g[sel], tf[sel], window)
        hit = peaks.count >= limit
        if not hit.any():
            continue
        peaks = window_peaks(g[sel], tf[sel], window, keep=peaks.group[hit])
        for k in np.flatnonzero(hit):
            events = first[sel[peaks.rows[int(peaks.group[k])]]]
            alerts.append(
                _sweep_alert(
                    arp=arp,
                    events=events,
                    src=src,
                    dst=dst,
                    count=int(peaks.count[k]),
                    window=(float(peaks.window_start[k]), float(peaks.window_end[k])),
                    answered=answered,
                    table=packets if arp else flows,
                    table_rows=table_rows[events],
                    cfg=cfg,
                    ctx=ctx,
                )
            )
    return alerts


def _sweep_alert(
    *,
    arp: bool,
    events: np.ndarray,
    src: Codes,
    dst: Codes,
    count: int,
    window: tuple[float, float],
    answered: set[tuple[str, str]],
    table: pa.Table,
    table_rows: np.ndarray,
    cfg: dict[str, Any],
    ctx: DetectContext,
) -> Alert:
    src_ip = src.value(int(src.codes[events[0]])) or ""
    target_ips = [dst.value(int(c)) or "" for c in np.unique(dst.codes[events])]
    live = sum((src_ip, ip) in answered for ip in target_ips) if arp else None
    infra_nets = ctx.network.infrastructure
    infra_hits = sum(infra_nets.contains(ip) for ip in target_ips) if infra_nets else 0
    external = not bool(internal_mask(pa.array([src_ip]), ctx.network)[0])
    span = window[1] - window[0]
    limit = cfg["arp_sweep_min_targets"] if arp else cfg["host_sweep_min_hosts"]
    win_cfg = cfg["arp_window_seconds"] if arp else cfg["host_window_seconds"]
    what = "ARP who-has requests for" if arp else "probes to"
    attack = list(ATTACK_HOSTS) + ([ATTACK_EXTERNAL] if external else [])
    evidence: dict[str, Any] = {
        "distinct_hosts": count,
        "limit": limit,
        "window_seconds": win_cfg,
        "window_span_seconds": round(span, 3),
        "source": "arp" if arp else "flows",
        "targets_sample": target_ips[:20],
        "infrastructure_targets": infra_hits,
        "external_source": external,
    }
    if live is not None:
        evidence["targets_that_answered"] = live
    return Alert(
        detector=NAME,
        rule_id="scan.arp_sweep" if arp else "scan.host_sweep",
        title="ARP host sweep" if arp else "Host sweep",
        severity=severity_at(2 + int(infra_hits > 0)),
        attack=attack,
        entities={"source.ip": src_ip},
        first_seen=when(window[0]),
        last_seen=when(window[1]),
        explanation=(
            f"{src_ip} sent {what} {count} distinct hosts within {span:.1f} s "
            f"(limit {limit} per {win_cfg} s)" + (f"; {live} answered" if live is not None else "")
        ),
        evidence=evidence,
        inputs=input_refs(table, table_rows),
        confidence=0.85 if arp else 0.75,
    )


def _ip_probe_events(
    flows: pa.Table, probes: _Probes | None
) -> tuple[pa.Array, pa.Array, np.ndarray, np.ndarray]:
    if probes is None or flows.num_rows == 0:
        empty = pa.array([], type=pa.string())
        return empty, empty, np.zeros(0), np.zeros(0, dtype=np.int64)
    rows = np.flatnonzero(probes.probe)
    take = pa.array(rows)
    src = flows.column("source.ip").take(take)
    dst = flows.column("destination.ip").take(take)
    keep = pc.fill_null(pc.not_equal(src, dst), False)
    rows = rows[np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)]
    take = pa.array(rows)
    return (
        _plain(flows.column("source.ip").take(take)),
        _plain(flows.column("destination.ip").take(take)),
        seconds(flows.column("event.start"))[rows],
        rows,
    )


def _arp_events(
    packets: pa.Table,
) -> tuple[pa.Array, pa.Array, np.ndarray, np.ndarray, set[tuple[str, str]]]:
    """Broadcast ARP who-has requests (not gratuitous, not address probes from 0.0.0.0)
    and the set of (requester, target) pairs that got a reply."""
    empty = pa.array([], type=pa.string())
    if packets.num_rows == 0:
        return empty, empty, np.zeros(0), np.zeros(0, dtype=np.int64), set()
    kind = pc.fill_null(packets.column("packet.kind"), "")
    src = packets.column("source.ip")
    dst = packets.column("destination.ip")
    mac = pc.utf8_lower(pc.fill_null(packets.column("destination.mac"), "ff:ff:ff:ff:ff:ff"))
    request = pc.and_(
        pc.equal(kind, "arp_request"),
        pc.and_(pc.is_valid(src), pc.is_valid(dst)),
    )
    request = pc.and_(request, pc.not_equal(pc.fill_null(src, ""), "0.0.0.0"))
    request = pc.and_(request, pc.not_equal(pc.fill_null(src, ""), pc.fill_null(dst, "")))
    request = pc.and_(request, pc.is_in(mac, pa.array(BROADCAST_MACS)))
    rows = np.flatnonzero(np.asarray(request.to_numpy(zero_copy_only=False), dtype=bool))
    reply = np.flatnonzero(
        np.asarray(pc.equal(kind, "arp_reply").to_numpy(zero_copy_only=False), dtype=bool)
    )
    answered: set[tuple[str, str]] = set()
    if len(reply):
        take_r = pa.array(reply)
        # A reply travels from the target back to the requester.
        answered = set(zip(dst.take(take_r).to_pylist(), src.take(take_r).to_pylist(), strict=True))
    take = pa.array(rows)
    return (
        _plain(src.take(take)),
        _plain(dst.take(take)),
        seconds(packets.column("event.start"))[rows],
        rows,
        answered,
    )


def _plain(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return arr.cast(pa.string())


def _stealth_kinds(flags: np.ndarray) -> dict[str, int]:
    """Name the stealth probe types: NULL (no flags), FIN, Xmas (FIN+PSH+URG), other."""
    values, counts = np.unique(np.asarray(flags, dtype=np.int64) & 0x3F, return_counts=True)
    named = {0: "null", FIN: "fin", FIN | PSH | URG: "xmas"}
    return {
        named.get(int(v), f"flags_0x{int(v):02x}"): int(c)
        for v, c in zip(values, counts, strict=True)
    }


def _kinds_text(kinds: dict[str, int]) -> str:
    return ", ".join(
        f"{n} {k.upper() if k in ('null', 'fin', 'xmas') else k}" for k, n in kinds.items()
    )
