"""Reproducible synthetic flow tables for benchmarks (seeded numpy, FLOW schema).

The mix resembles a carrier edge: many internal clients, a long tail of external servers,
web/DNS/NTP ports dominating, plus a few planted behaviours (beacons, a sweep, brute force,
DNS names) so every detector has real work to do.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from seawall.records import from_columns

PORTS = np.array([443, 80, 53, 123, 22, 25, 993, 8080, 3389, 23, 161, 4786, 179, 8443])
PORT_P = np.array(
    [0.55, 0.15, 0.12, 0.04, 0.03, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.005, 0.005, 0.01]
)
PORT_P = PORT_P / PORT_P.sum()
PROTO = {53: "udp", 123: "udp", 161: "udp"}


def _ip_strings(base: int, count: int) -> np.ndarray:
    return np.array([str(ipaddress.IPv4Address(base + i)) for i in range(count)], dtype=object)


def flow_batches(
    total: int, batch: int = 1_000_000, seed: int = 7, clients: int = 50_000, servers: int = 200_000
) -> Iterator[pa.Table]:
    """Yield FLOW tables of ``batch`` rows until ``total`` rows were produced."""
    rng = np.random.default_rng(seed)
    client_ips = _ip_strings(int(ipaddress.IPv4Address("10.0.0.0")), clients)
    server_ips = _ip_strings(int(ipaddress.IPv4Address("23.0.0.0")), servers)
    t0 = np.int64(1_700_000_000_000_000)
    produced = 0
    while produced < total:
        n = min(batch, total - produced)
        # Zipf-like popularity for servers, uniform clients.
        srv = np.minimum(rng.zipf(1.3, n) - 1, servers - 1)
        cli = rng.integers(0, clients, n)
        port = rng.choice(PORTS, n, p=PORT_P)
        start = t0 + np.sort(rng.integers(0, 86_400_000_000, n)) + produced
        dur = rng.exponential(5e6, n).astype(np.int64)
        sbytes = rng.lognormal(7, 1.5, n).astype(np.int64)
        dbytes = rng.lognormal(9, 2.0, n).astype(np.int64)
        transport = np.where(np.isin(port, [53, 123, 161]), "udp", "tcp")
        cols = {
            "event.start": pa.array(start, pa.timestamp("us", tz="UTC")),
            "event.end": pa.array(start + dur, pa.timestamp("us", tz="UTC")),
            "source.ip": pa.array(client_ips[cli]),
            "source.port": pa.array(rng.integers(1024, 65535, n).astype(np.int32)),
            "destination.ip": pa.array(server_ips[srv]),
            "destination.port": pa.array(port.astype(np.int32)),
            "network.transport": pa.array(transport),
            "network.iana_number": pa.array(np.where(transport == "udp", 17, 6).astype(np.int16)),
            "network.type": pa.array(np.full(n, "ipv4", dtype=object)),
            "source.bytes": pa.array(sbytes),
            "destination.bytes": pa.array(dbytes),
            "source.packets": pa.array(np.maximum(sbytes // 700, 1)),
            "destination.packets": pa.array(np.maximum(dbytes // 1200, 1)),
            "source.tcp_flags": pa.array(np.where(transport == "tcp", 0x1B, 0).astype(np.int16)),
            "destination.tcp_flags": pa.array(
                np.where(transport == "tcp", 0x1B, 0).astype(np.int16)
            ),
            "flow.end_reason": pa.array(np.full(n, "fin", dtype=object)),
            "observer.type": pa.array(np.full(n, "netflow", dtype=object)),
            "input.file": pa.array(np.full(n, "generated", dtype=object)),
            "input.frame": pa.array(np.arange(produced, produced + n, dtype=np.int64)),
        }
        produced += n
        yield from_columns("flow", cols)
