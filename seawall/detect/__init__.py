"""Detectors: pure functions from record tables to alerts, registered by name."""

from __future__ import annotations

import importlib

# Each module registers its detectors on import.
DETECTOR_MODULES = (
    "seawall.detect.traffic.beacon",
    "seawall.detect.traffic.longconn",
    "seawall.detect.traffic.dns_tunnel",
    "seawall.detect.traffic.exfil",
    "seawall.detect.traffic.bruteforce",
    "seawall.detect.traffic.scan",
    "seawall.detect.traffic.mgmt_plane",
    "seawall.detect.traffic.tunnels",
    "seawall.detect.traffic.ids",
    "seawall.detect.intel",
    "seawall.detect.audit.run",
    "seawall.detect.logs.sigma",
    "seawall.detect.logs.native",
)


def load_all() -> None:
    """Import every detector module so the registry is complete."""
    for name in DETECTOR_MODULES:
        importlib.import_module(name)
