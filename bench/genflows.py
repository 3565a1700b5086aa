"""Reproducible synthetic flow tables for benchmarks (seeded numpy, FLOW schema).

The background resembles one day at a carrier edge, mostly benign:

- 50,000 internal clients with heavy-tailed activity (lognormal weights), 200,000 external
  servers with Zipf popularity, four internal DNS resolvers and a handful of NTP servers;
- flows come in *sessions*: a client opens a few flows to one service within seconds to
  minutes (a page load, an app sync), session starts follow a day/night curve;
- a port mix dominated by HTTPS, QUIC, HTTP and DNS, with a small share of failed connection
  attempts (refused or unanswered SYNs), SSH to outside hosts and e-mail;
- DNS flows carry the queried name (``dns.question.name``) from a Zipf vocabulary of ordinary
  host names.

Batch 0 also holds a few planted behaviours, so every detector has something real to find:
beacons at several periods, two long sessions, a host sweep and a port scan, SSH password
guessing, a large upload to a rare peer, management-plane access (Telnet, Smart Install, SSH
on an odd port), a GRE tunnel to an unknown peer and a DNS tunnel. ``PLANTED`` names them.

Every batch spans the same day (more batches = a busier edge), and is reproducible from the
seed and its index alone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.records import from_columns

DAY_US = 86_400_000_000
T0 = 1_700_000_000_000_000  # microseconds; 2023-11-14 22:13:20 UTC

# (destination port, transport, share of sessions, mean flows per session)
SERVICES = (
    (443, "tcp", 0.50, 4.0),
    (443, "udp", 0.07, 2.0),  # QUIC
    (80, "tcp", 0.10, 3.0),
    (53, "udp", 0.22, 1.5),
    (123, "udp", 0.02, 1.0),
    (993, "tcp", 0.02, 1.5),
    (587, "tcp", 0.01, 1.0),
    (5223, "tcp", 0.02, 1.0),  # push notifications
    (8080, "tcp", 0.01, 2.0),
    (22, "tcp", 0.003, 1.0),
    (3478, "udp", 0.027, 2.0),  # STUN / calls
)
RESOLVERS = ("10.255.0.1", "10.255.0.2", "10.255.0.3", "10.255.0.4")
NTP_SERVERS = tuple(f"23.{255}.1.{i}" for i in range(1, 9))
TLDS = ("com", "net", "org", "io", "de", "fr", "co.uk", "cloud", "app", "tv")
WORDS = (
    "mail",
    "cdn",
    "static",
    "img",
    "api",
    "www",
    "login",
    "video",
    "news",
    "shop",
    "edge",
    "media",
    "assets",
    "update",
    "sync",
    "push",
    "auth",
    "data",
    "ads",
    "metrics",
)

PLANTED = {
    "beacon": "10.0.0.11-16 -> 185.220.101.1-6:443 every 60/300/600/900/1800/3600 s (10% jitter)",
    "longconn": "10.0.0.21 -> 45.77.1.1:22 for 6 h; 10.0.0.22 -> 45.77.1.2:443 for 13 h",
    "scan": "10.0.0.31 sweeps 3,000 hosts on 445/tcp; 198.51.100.7 probes 1,000 ports of 10.0.0.5",
    "bruteforce": "203.0.113.50 -> 10.200.0.10:22, 400 short similar attempts in 40 min",
    "exfil": "10.0.0.41 -> 91.219.236.9:443, 20 uploads of 300 MB",
    "mgmt_plane": "Telnet 10.0.0.51 -> 10.200.0.1; Smart Install 198.51.100.9 -> 10.200.0.2; "
    "SSH 10.0.0.52 -> 10.200.0.3:57722",
    "tunnels": "GRE 10.200.0.1 <-> 185.243.115.4",
    "dns_tunnel": "10.0.0.61 asks 2,000 random subdomains of t.exfil-cdn.net in 1 h",
}


def _ip_strings(base: str, count: int) -> pa.Array:
    first = int(ipaddress.IPv4Address(base))
    return pa.array([str(ipaddress.IPv4Address(first + i)) for i in range(count)], pa.string())


def _diurnal_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Microsecond offsets in one day, busy in the evening, quiet at night."""
    grid = np.linspace(0.0, 1.0, 1441)
    density = 1.0 + 0.8 * np.sin(2 * np.pi * (grid - 0.375))
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
    cdf /= cdf[-1]
    return (np.interp(rng.random(n), cdf, grid) * DAY_US).astype(np.int64)


def _domain_names(rng: np.random.Generator, count: int) -> pa.Array:
    words = np.array(WORDS)[rng.integers(0, len(WORDS), count)]
    tlds = np.array(TLDS)[rng.integers(0, len(TLDS), count)]
    names = [f"{w}.site{i}.{t}" for i, (w, t) in enumerate(zip(words, tlds, strict=True))]
    return pa.array(names, pa.string())


class _Population:
    """Hosts and names shared by every batch (same seed, same population)."""

    def __init__(self, seed: int, clients: int, servers: int) -> None:
        rng = np.random.default_rng(seed)
        self.client_ips = _ip_strings("10.1.0.0", clients)
        self.server_ips = _ip_strings("23.0.0.0", servers)
        self.resolver_ips = pa.array(RESOLVERS, pa.string())
        self.ntp_ips = pa.array(NTP_SERVERS, pa.string())
        weights = rng.lognormal(0.0, 1.0, clients)
        self.client_cdf = np.cumsum(weights) / weights.sum()
        self.names = _domain_names(rng, 20_000)
        self.windows = rng.integers(1, 4, clients)
        self.window_start = _diurnal_times(rng, clients * 3).reshape(clients, 3)
        self.window_length = rng.uniform(20, 180, (clients, 3)) * 60e6
        self.servers = servers


def _background(rng: np.random.Generator, pop: _Population, n: int, first_frame: int) -> pa.Table:
    share = np.array([s[2] for s in SERVICES])
    per_session = np.array([s[3] for s in SERVICES])
    # Sessions per service so that flows come out at the service's share of flows.
    session_p = share / per_session
    session_p /= session_p.sum()
    mean_flows = float((session_p * per_session).sum())
    sessions = int(n / mean_flows * 1.05) + 16
    service = rng.choice(len(SERVICES), sessions, p=session_p)
    size = 1 + rng.poisson(per_session[service] - 1.0)
    flows_of = np.repeat(np.arange(sessions), size)[:n]
    if len(flows_of) < n:  # rare: top up with single-flow sessions
        flows_of = np.concatenate([flows_of, np.arange(n - len(flows_of)) % sessions])
    svc = service[flows_of]
    port = np.array([s[0] for s in SERVICES], dtype=np.int32)[svc]
    udp = np.array([s[1] == "udp" for s in SERVICES])[svc]

    session_client = np.minimum(
        np.searchsorted(pop.client_cdf, rng.random(sessions)), len(pop.client_cdf) - 1
    )
    client = session_client[flows_of]
    server = np.minimum(rng.zipf(1.2, sessions) - 1, pop.servers - 1)[flows_of]
    # People use the network in a few active periods a day, not evenly around the clock.
    window = rng.integers(0, pop.windows[session_client])
    session_start = (
        pop.window_start[session_client, window]
        + rng.random(sessions) * pop.window_length[session_client, window]
    ).astype(np.int64) % DAY_US
    session_start = session_start[flows_of]
    # Flows of a session follow each other by a few seconds.
    offset = rng.exponential(8e6, n).astype(np.int64)
    first_of_session = np.ones(n, dtype=bool)
    first_of_session[1:] = flows_of[1:] != flows_of[:-1]
    offset[first_of_session] = 0
    start_group = np.cumsum(offset)
    start_group -= np.maximum.accumulate(np.where(first_of_session, start_group, 0))
    start = T0 + np.minimum(session_start + start_group, DAY_US - 1)

    dns = port == 53
    ntp = port == 123
    dst = pop.server_ips.take(pa.array(server))
    dst_np = np.asarray(dst.to_numpy(zero_copy_only=False), dtype=object)
    dst_np[dns] = np.asarray(pop.resolver_ips.to_numpy(zero_copy_only=False))[client[dns] % 4]
    dst_np[ntp] = np.asarray(pop.ntp_ips.to_numpy(zero_copy_only=False))[server[ntp] % 8]
    failed = (~udp) & (rng.random(n) < 0.01)

    duration = np.minimum(rng.lognormal(14.0, 1.6, n), 1.8e9).astype(np.int64)  # <= 30 min
    duration[dns | ntp] = rng.integers(1_000, 80_000, int((dns | ntp).sum()))
    sbytes = rng.lognormal(7.0, 1.2, n).astype(np.int64) + 60
    dbytes = rng.lognormal(9.5, 2.0, n).astype(np.int64) + 60
    sbytes[dns] = rng.integers(60, 120, int(dns.sum()))
    dbytes[dns] = rng.integers(80, 500, int(dns.sum()))
    spk = np.maximum(sbytes // 600, 1)
    dpk = np.maximum(dbytes // 1200, 1)
    sflags = np.where(udp, 0, 0x1B).astype(np.int16)
    dflags = np.where(udp, 0, 0x1B).astype(np.int16)
    # Failed attempts: a lone SYN, refused (RST) or never answered.
    refused = failed & (rng.random(n) < 0.5)
    sflags[failed] = 0x02
    dflags[failed] = 0
    dflags[refused] = 0x14
    sbytes[failed], spk[failed], duration[failed] = 60, 1, 0
    dbytes[failed], dpk[failed] = 0, 0
    dbytes[refused], dpk[refused] = 40, 1
    reason = np.where(udp, "idle_timeout", "fin").astype(object)
    reason[refused] = "rst"

    names = pop.names.take(pa.array(np.minimum(rng.zipf(1.1, n) - 1, len(pop.names) - 1)))
    names = pc.if_else(pa.array(dns), names, pa.scalar(None, pa.string()))
    cols = {
        "event.start": pa.array(start, pa.timestamp("us", tz="UTC")),
        "event.end": pa.array(start + duration, pa.timestamp("us", tz="UTC")),
        "source.ip": pop.client_ips.take(pa.array(client)),
        "source.port": rng.integers(32768, 65536, n).astype(np.int32),  # ephemeral range
        "destination.ip": pa.array(dst_np, pa.string()),
        "destination.port": port,
        "network.transport": np.where(udp, "udp", "tcp").astype(object),
        "network.iana_number": np.where(udp, 17, 6).astype(np.int16),
        "source.bytes": sbytes,
        "destination.bytes": dbytes,
        "source.packets": spk,
        "destination.packets": dpk,
        "source.tcp_flags": pa.array(sflags, mask=udp),
        "destination.tcp_flags": pa.array(dflags, mask=udp),
        "flow.end_reason": reason,
        "dns.question.name": names,
    }
    return _finish(cols, n, first_frame)


def _finish(cols: dict[str, object], n: int, first_frame: int) -> pa.Table:
    cols.setdefault("network.type", np.full(n, "ipv4", dtype=object))
    cols["observer.type"] = np.full(n, "netflow", dtype=object)
    cols["input.file"] = pa.array(np.full(n, "generated", dtype=object), pa.string())
    cols["input.frame"] = np.arange(first_frame, first_frame + n, dtype=np.int64)
    return from_columns("flow", cols)


def _planted(rng: np.random.Generator, first_frame: int) -> pa.Table:
    rows: dict[str, list[object]] = {
        k: []
        for k in (
            "start",
            "dur",
            "src",
            "sport",
            "dst",
            "dport",
            "transport",
            "sbytes",
            "dbytes",
            "spk",
            "dpk",
            "sflags",
            "dflags",
            "reason",
            "name",
            "label",
        )
    }

    def add(
        start: np.ndarray,
        dur: np.ndarray | int,
        src: str,
        dst: str | list[str],
        dport: object,
        transport: str = "tcp",
        sbytes: object = 600,
        dbytes: object = 4000,
        sflags: int | None = 0x1B,
        dflags: int | None = 0x1B,
        reason: str = "fin",
        name: list[str] | None = None,
        label: str | None = None,
    ) -> None:
        k = len(start)
        rows["start"] += list(T0 + np.asarray(start, dtype=np.int64))
        rows["dur"] += list(np.broadcast_to(np.asarray(dur, dtype=np.int64), k))
        rows["src"] += [src] * k
        rows["sport"] += list(rng.integers(32768, 65536, k))
        rows["dst"] += dst if isinstance(dst, list) else [dst] * k
        rows["dport"] += list(np.broadcast_to(np.asarray(dport), k))
        rows["transport"] += [transport] * k
        rows["sbytes"] += list(np.broadcast_to(np.asarray(sbytes), k))
        rows["dbytes"] += list(np.broadcast_to(np.asarray(dbytes), k))
        rows["spk"] += list(np.maximum(np.broadcast_to(np.asarray(sbytes), k) // 600, 1))
        rows["dpk"] += list(np.broadcast_to(np.asarray(dbytes), k) // 1200)
        rows["sflags"] += [sflags] * k
        rows["dflags"] += [dflags] * k
        rows["reason"] += [reason] * k
        rows["name"] += name if name is not None else [None] * k
        rows["label"] += [label] * k

    for i, period in enumerate((60, 300, 600, 900, 1800, 3600)):
        count = DAY_US // (period * 1_000_000) - 1
        ticks = np.arange(count) * period * 1e6 + rng.uniform(-0.1, 0.1, count) * period * 1e6
        ticks = np.clip(ticks + period * 1e6, 0, DAY_US - 1)
        add(
            ticks,
            400_000,
            f"10.0.0.{11 + i}",
            f"185.220.101.{1 + i}",
            443,
            sbytes=rng.integers(500, 540, count),
            dbytes=rng.integers(900, 1100, count),
        )
    add(
        np.array([3_600e6]),
        int(6 * 3_600e6),
        "10.0.0.21",
        "45.77.1.1",
        22,
        sbytes=40_000_000,
        dbytes=2_000_000,
    )
    add(
        np.array([1_800e6]),
        int(13 * 3_600e6),
        "10.0.0.22",
        "45.77.1.2",
        443,
        sbytes=5_000_000,
        dbytes=90_000_000,
    )
    sweep = [f"23.{(i >> 8) & 255}.{i & 255}.{7}" for i in range(3000)]
    add(
        np.sort(rng.uniform(40_000e6, 40_600e6, 3000)),
        0,
        "10.0.0.31",
        sweep,
        445,
        sbytes=60,
        dbytes=0,
        sflags=0x02,
        dflags=0,
        reason="idle_timeout",
    )
    add(
        np.sort(rng.uniform(50_000e6, 50_120e6, 1000)),
        0,
        "198.51.100.7",
        "10.0.0.5",
        rng.permutation(np.arange(1, 1001)),
        sbytes=60,
        dbytes=40,
        sflags=0x02,
        dflags=0x14,
        reason="rst",
    )
    add(
        np.sort(rng.uniform(30_000e6, 32_400e6, 400)),
        3_000_000,
        "203.0.113.50",
        "10.200.0.10",
        22,
        sbytes=rng.integers(1900, 2100, 400),
        dbytes=rng.integers(2900, 3100, 400),
    )
    add(
        np.sort(rng.uniform(7_200e6, 14_400e6, 20)),
        600_000_000,
        "10.0.0.41",
        "91.219.236.9",
        443,
        sbytes=300_000_000,
        dbytes=20_000,
    )
    add(
        np.array([20_000e6]),
        900_000_000,
        "10.0.0.51",
        "10.200.0.1",
        23,
        sbytes=8_000,
        dbytes=40_000,
    )
    add(
        np.array([21_000e6]),
        2_000_000,
        "198.51.100.9",
        "10.200.0.2",
        4786,
        sbytes=1_500,
        dbytes=300,
    )
    add(
        np.array([22_000e6]),
        600_000_000,
        "10.0.0.52",
        "10.200.0.3",
        57722,
        sbytes=9_000,
        dbytes=60_000,
        label="ssh",
    )
    add(
        np.array([23_000e6]),
        3_000_000_000,
        "10.200.0.1",
        "185.243.115.4",
        0,
        transport="gre",
        sbytes=50_000_000,
        dbytes=4_000_000,
        sflags=None,
        dflags=None,
        reason="idle_timeout",
    )
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyz234567"))
    labels = ["".join(alphabet[rng.integers(0, 32, 52)]) for _ in range(2000)]
    add(
        np.sort(rng.uniform(60_000e6, 63_600e6, 2000)),
        20_000,
        "10.0.0.61",
        RESOLVERS[0],
        53,
        transport="udp",
        sbytes=rng.integers(110, 130, 2000),
        dbytes=rng.integers(200, 300, 2000),
        sflags=None,
        dflags=None,
        reason="idle_timeout",
        name=[f"{label}.t.exfil-cdn.net" for label in labels],
    )

    n = len(rows["start"])
    start = np.array(rows["start"], dtype=np.int64)
    transport = np.array(rows["transport"], dtype=object)
    iana = np.select([transport == "udp", transport == "gre"], [17, 47], 6).astype(np.int16)
    cols = {
        "event.start": pa.array(start, pa.timestamp("us", tz="UTC")),
        "event.end": pa.array(start + np.array(rows["dur"]), pa.timestamp("us", tz="UTC")),
        "source.ip": pa.array(rows["src"], pa.string()),
        "source.port": pa.array(
            np.where(transport == "gre", 0, np.array(rows["sport"])).astype(np.int32),
            mask=transport == "gre",
        ),
        "destination.ip": pa.array(rows["dst"], pa.string()),
        "destination.port": pa.array(
            np.array(rows["dport"], dtype=np.int32), mask=transport == "gre"
        ),
        "network.transport": transport,
        "network.iana_number": iana,
        "source.bytes": np.array(rows["sbytes"], dtype=np.int64),
        "destination.bytes": np.array(rows["dbytes"], dtype=np.int64),
        "source.packets": np.array(rows["spk"], dtype=np.int64),
        "destination.packets": np.array(rows["dpk"], dtype=np.int64),
        "source.tcp_flags": pa.array(rows["sflags"], pa.int16()),
        "destination.tcp_flags": pa.array(rows["dflags"], pa.int16()),
        "flow.end_reason": pa.array(rows["reason"], pa.string()),
        "dns.question.name": pa.array(rows["name"], pa.string()),
        "network.protocol": pa.array(rows["label"], pa.string()),
    }
    return _finish(cols, n, first_frame)


def flow_batches(
    total: int,
    batch: int = 1_000_000,
    seed: int = 7,
    clients: int = 50_000,
    servers: int = 200_000,
    planted: bool = True,
) -> Iterator[pa.Table]:
    """Yield FLOW tables of about ``batch`` rows until ``total`` rows were produced (the
    planted flows, a few thousand, replace background rows of batch 0)."""
    pop = _Population(seed, clients, servers)
    produced = 0
    index = 0
    while produced < total:
        n = min(batch, total - produced)
        rng = np.random.default_rng([seed, index])
        if index == 0 and planted:
            extra = _planted(rng, produced)
            n_background = max(n - extra.num_rows, 0)
            table = pa.concat_tables(
                [_background(rng, pop, n_background, produced + extra.num_rows), extra]
            ).slice(0, n)
        else:
            table = _background(rng, pop, n, produced)
        produced += n
        index += 1
        yield table
