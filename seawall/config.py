"""The operator's configuration file (YAML): network map, threshold overrides, intel files.

```yaml
network:
  infrastructure: [10.255.0.0/16]     # router loopbacks and management interfaces
  management: [10.250.0.0/16]         # out-of-band management networks
  admin_sources: [10.250.1.10]        # jump hosts, NMS, config backup servers
  aaa_servers: [10.250.1.20]          # TACACS+ / RADIUS servers
  internal: [10.0.0.0/8, 203.0.113.0/24]
  allowed_tunnel_peers: [198.51.100.7]
  dns_resolvers: [10.250.1.53]
thresholds:                           # per detector, overrides of the chosen profile
  bruteforce: {min_attempts: 20}
intel: [iocs.csv]                     # indicator files matched on every hunt
```
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from seawall.detect.base import NetworkContext
from seawall.errors import ConfigError

KNOWN_SECTIONS = ("network", "thresholds", "intel")


@dataclass(slots=True)
class Config:
    network: NetworkContext = field(default_factory=NetworkContext)
    thresholds: dict[str, dict[str, Any]] = field(default_factory=dict)
    intel: list[str] = field(default_factory=list)


def load_config(path: str | None) -> Config:
    """Read a config file; no path gives the built-in behaviour (no network map)."""
    if path is None:
        return Config()
    try:
        with open(path, encoding="utf-8") as handle:
            doc = yaml.safe_load(handle) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {path} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"config {path} must be a YAML mapping with {KNOWN_SECTIONS} sections")
    unknown = set(doc) - set(KNOWN_SECTIONS)
    if unknown:
        raise ConfigError(
            f"config {path}: unknown sections {sorted(unknown)}; known: {list(KNOWN_SECTIONS)}"
        )
    thresholds = doc.get("thresholds") or {}
    if not isinstance(thresholds, dict) or not all(
        isinstance(v, dict) for v in thresholds.values()
    ):
        raise ConfigError(f"config {path}: thresholds must map detector names to mappings")
    base = os.path.dirname(os.path.abspath(path))
    intel = [p if os.path.isabs(p) else os.path.join(base, p) for p in doc.get("intel") or []]
    return Config(
        network=NetworkContext.from_dict(doc.get("network")),
        thresholds=thresholds,
        intel=intel,
    )
