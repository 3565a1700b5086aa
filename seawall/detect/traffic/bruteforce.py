"""Password guessing against login services, from flow shape alone (T1110).

A failed login is a short TCP connection: the handshake completes, banners and a few
authentication messages go back and forth, the server closes. A guessing tool repeats that
with nearly the same byte count each time. So per (client, server, service port) we count
such attempts inside a sliding window, like Zeek's ``SSH::Password_Guessing`` notice
(``password_guesses_limit`` failures within ``guessing_timeout``) but without decrypting SSH.

A connection that does not look like a failed attempt (long, or carrying much data) right
after the burst is reported as a possible successful login.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.detect.traffic.flowshape import (
    ACK,
    NOT_A_HOST,
    SYN,
    combine,
    encode,
    equals,
    in_networks,
    input_refs,
    internal_mask,
    is_null,
    numbers,
    seconds,
    severity_at,
    when,
    window_peaks,
)
from seawall.records.alerts import Alert

NAME = "bruteforce"
ATTACK = ("T1110", "T1110.001")
SERVICE_NAMES = {21: "FTP", 22: "SSH", 23: "Telnet", 830: "NETCONF over SSH", 2222: "SSH"}


@register(
    NAME,
    attack=ATTACK,
    description="Many short, similar, completed TCP connections from one client to a login "
    "service (SSH, Telnet, FTP, NETCONF) within a window: password guessing.",
)
def detect_bruteforce(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    cfg = ctx.thresholds
    flows = tables.flows
    if flows.num_rows == 0:
        return []
    ports = [int(p) for p in cfg["ports"]]
    dport = numbers(flows.column("destination.port"), -1).astype(np.int64)
    service = np.isin(dport, ports) & equals(flows.column("network.transport"), "tcp")
    if not service.any():
        return []
    rows = np.flatnonzero(service)
    rows = rows[~in_networks(NOT_A_HOST, flows.column("destination.ip").take(pa.array(rows)))]
    if len(rows) == 0:
        return []
    sub = flows.take(pa.array(rows))
    attempt, session = _classify(sub, cfg)

    src = encode(sub.column("source.ip"))
    dst = encode(sub.column("destination.ip"))
    group = combine(src.codes, dst.codes, dport[rows])
    start = seconds(sub.column("event.start"))
    sbytes = numbers(sub.column("source.bytes"))
    total_bytes = sbytes + numbers(sub.column("destination.bytes"))

    att_rows = np.flatnonzero(attempt)
    if len(att_rows) == 0:
        return []
    peaks = window_peaks(group[att_rows], start[att_rows], float(cfg["window_seconds"]))
    hit = peaks.count >= int(cfg["min_attempts"])
    if not hit.any():
        return []
    peaks = window_peaks(
        group[att_rows], start[att_rows], float(cfg["window_seconds"]), keep=peaks.group[hit]
    )
    infra = in_networks(ctx.network.infrastructure, sub.column("destination.ip"))
    infra |= in_networks(ctx.network.management, sub.column("destination.ip"))
    internal_src = internal_mask(sub.column("source.ip"), ctx.network)
    sessions = _Sessions(group, session, start)

    alerts: list[Alert] = []
    for k in np.flatnonzero(peaks.count >= int(cfg["min_attempts"])):
        gid = int(peaks.group[k])
        window_rows = att_rows[peaks.rows[gid]]  # indices into ``sub``
        sizes = total_bytes[window_rows]
        median = float(np.median(sizes))
        similar = float(np.mean(np.abs(sizes - median) <= cfg["similar_bytes_tolerance"] * median))
        if similar < float(cfg["min_similar_share"]):
            continue
        alerts.append(
            _alert(
                sub=sub,
                cfg=cfg,
                window_rows=window_rows,
                count=int(peaks.count[k]),
                total_attempts=int(peaks.total[k]),
                similar=similar,
                median=median,
                src_bytes=sbytes[window_rows],
                window=(float(peaks.window_start[k]), float(peaks.window_end[k])),
                followed=sessions.after(gid, float(peaks.window_start[k])),
                infra=bool(infra[window_rows[0]]),
                external_source=not bool(internal_src[window_rows[0]]),
                port=int(dport[rows[window_rows[0]]]),
            )
        )
    return alerts


def _classify(sub: pa.Table, cfg: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(attempt, session) masks: completed, short, small connections vs real sessions."""
    sflags = numbers(sub.column("source.tcp_flags")).astype(np.int64)
    dflags = numbers(sub.column("destination.tcp_flags")).astype(np.int64)
    spk = numbers(sub.column("source.packets"))
    dpk = numbers(sub.column("destination.packets"))
    flags_known = ~(
        is_null(sub.column("source.tcp_flags")) & is_null(sub.column("destination.tcp_flags"))
    )
    handshake = (
        ((sflags & SYN) > 0) & ((dflags & (SYN | ACK)) == (SYN | ACK)) & ((sflags & ACK) > 0)
    )
    # Exporters without TCP flags: accept a real exchange (packets both ways) as completed.
    exchanged = (spk >= 3) & (dpk >= 3)
    completed = np.where(flags_known, handshake, exchanged)
    duration = seconds(sub.column("event.end")) - seconds(sub.column("event.start"))
    duration = np.where(np.isnan(duration), 0.0, duration)
    total = numbers(sub.column("source.bytes")) + numbers(sub.column("destination.bytes"))
    short = (duration <= float(cfg["max_attempt_seconds"])) & (
        total <= float(cfg["max_attempt_bytes"])
    )
    attempt = completed & short & (dpk > 0)
    session = completed & ~short
    return attempt, session


class _Sessions:
    """Real (long or large) sessions per group, sorted so each lookup is a binary search."""

    def __init__(self, group: np.ndarray, session: np.ndarray, start: np.ndarray) -> None:
        rows = np.flatnonzero(session)
        order = np.lexsort((start[rows], group[rows]))
        self.group = group[rows][order]
        self.start = start[rows][order]

    def after(self, gid: int, since: float) -> int:
        """Sessions on the same service once guessing had started: a guess may have worked."""
        lo = np.searchsorted(self.group, gid, side="left")
        hi = np.searchsorted(self.group, gid, side="right")
        return int(np.count_nonzero(self.start[lo:hi] >= since))


def _alert(
    *,
    sub: pa.Table,
    cfg: dict[str, Any],
    window_rows: np.ndarray,
    count: int,
    total_attempts: int,
    similar: float,
    median: float,
    src_bytes: np.ndarray,
    window: tuple[float, float],
    followed: int,
    infra: bool,
    external_source: bool,
    port: int,
) -> Alert:
    first = int(window_rows[0])
    src_ip = sub.column("source.ip")[first].as_py()
    dst_ip = sub.column("destination.ip")[first].as_py()
    service = SERVICE_NAMES.get(port, f"port {port}")
    level = 2  # medium: repeated failures
    if count >= int(cfg["high_attempts"]) or infra:
        level += 1
    if followed:
        level += 1  # a long session after the guessing: possibly a successful login
    confidence = min(
        0.95, 0.55 + 0.3 * similar + (0.1 if count >= 2 * int(cfg["min_attempts"]) else 0)
    )
    span = window[1] - window[0]
    explanation = (
        f"{src_ip} made {count} short {service} connections to {dst_ip}:{port} within "
        f"{span:.0f} s (limit {cfg['min_attempts']} per {cfg['window_seconds']} s), "
        f"{similar:.0%} of them within {cfg['similar_bytes_tolerance']:.0%} of {median:.0f} bytes"
        + (f"; {followed} longer session(s) followed" if followed else "")
    )
    return Alert(
        detector=NAME,
        rule_id="bruteforce.login_guessing",
        title=f"{service} password guessing",
        severity=severity_at(level),
        attack=list(ATTACK),
        entities={"source.ip": src_ip, "destination.ip": dst_ip, "destination.port": port},
        first_seen=when(window[0]),
        last_seen=when(window[1]),
        explanation=explanation,
        evidence={
            "attempts_in_window": count,
            "attempts_total": total_attempts,
            "window_seconds": cfg["window_seconds"],
            "window_span_seconds": round(span, 3),
            "limit": cfg["min_attempts"],
            "median_bytes_per_attempt": median,
            "similar_share": round(similar, 3),
            "source_bytes_min": int(src_bytes.min()),
            "source_bytes_max": int(src_bytes.max()),
            "longer_sessions_after": followed,
            "target_is_infrastructure": infra,
            "external_source": external_source,
        },
        inputs=input_refs(sub, window_rows),
        confidence=confidence,
    )
