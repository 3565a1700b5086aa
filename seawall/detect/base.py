"""The detector contract and registry.

A detector is a pure function: record tables plus its configuration in, alerts out. No IO,
no storage, no global state; the engine decides where and on which partition it runs.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from seawall.errors import ConfigError
from seawall.netaddr import NetworkSet
from seawall.records import empty
from seawall.records.alerts import Alert

PROFILES = ("default", "lab")


@dataclass(slots=True)
class RecordTables:
    """The record tables a detector may read. Missing kinds are empty tables, never None."""

    flows: pa.Table = field(default_factory=lambda: empty("flow"))
    transactions: pa.Table = field(default_factory=lambda: empty("transaction"))
    packets: pa.Table = field(default_factory=lambda: empty("packet"))
    configs: pa.Table = field(default_factory=lambda: empty("config"))
    logs: pa.Table = field(default_factory=lambda: empty("log"))
    # Encodings several detectors need, computed on first use: (table it was made from, value).
    _cache: dict[str, tuple[pa.Table, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def flow_address_codes(self) -> tuple[np.ndarray, np.ndarray, pa.Array]:
        """``source.ip`` and ``destination.ip`` of the flows as codes into one dictionary
        (-1 for null), numbered by first occurrence over all source addresses, then all
        destination addresses: a host has the same code on either side. Computed once per
        tables; the arrays are read-only, copy them to change them."""
        hit = self._cache.get("flow_addresses")
        if hit is not None and hit[0] is self.flows:
            value: tuple[np.ndarray, np.ndarray, pa.Array] = hit[1]
            return value
        n = self.flows.num_rows
        both = pa.chunked_array(
            self.flows["source.ip"].chunks + self.flows["destination.ip"].chunks, pa.string()
        )
        encoded = pc.dictionary_encode(both)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = (
                encoded.combine_chunks()
                if encoded.num_chunks
                else pa.array([], pa.dictionary(pa.int32(), pa.string()))
            )
        codes = np.asarray(
            pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64
        )
        codes.flags.writeable = False
        value = (codes[:n], codes[n:], encoded.dictionary)
        self._cache["flow_addresses"] = (self.flows, value)
        return value


@dataclass(slots=True)
class NetworkContext:
    """What the operator tells Seawall about its network (YAML ``network:`` section).

    With nothing configured, detectors fall back to behaviour that needs no map: any
    destination of a management protocol is treated as a device, every private address
    is internal, no tunnel peer is allowed.
    """

    infrastructure: NetworkSet = field(default_factory=NetworkSet)  # routers, switches, LI gear
    management: NetworkSet = field(default_factory=NetworkSet)  # out-of-band management nets
    admin_sources: NetworkSet = field(default_factory=NetworkSet)  # jump hosts, NMS, AAA
    internal: NetworkSet = field(default_factory=NetworkSet)  # the carrier's own space
    allowed_tunnel_peers: NetworkSet = field(default_factory=NetworkSet)
    aaa_servers: NetworkSet = field(default_factory=NetworkSet)  # TACACS+/RADIUS servers
    dns_resolvers: NetworkSet = field(default_factory=NetworkSet)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> NetworkContext:
        data = data or {}
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(
                f"unknown keys in network config: {sorted(unknown)}; known keys: {sorted(known)}"
            )
        kwargs: dict[str, NetworkSet] = {}
        for key, value in data.items():
            if not isinstance(value, list):
                raise ConfigError(f"network.{key} must be a list of CIDRs or addresses")
            try:
                kwargs[key] = NetworkSet([str(v) for v in value])
            except ValueError as exc:
                raise ConfigError(f"network.{key}: {exc}") from None
        return cls(**kwargs)


@dataclass(slots=True)
class DetectContext:
    """Configuration handed to a detector: its thresholds for the chosen profile and the
    network context."""

    profile: str = "default"
    thresholds: dict[str, Any] = field(default_factory=dict)
    network: NetworkContext = field(default_factory=NetworkContext)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Indicator set for the intel detector (seawall.intel.matcher.IndicatorSet), if any.
    intel: Any = None
    # Known-exploited vulnerabilities catalog for the config audit (seawall.intel.kev), if any.
    kev: Any = None

    def for_detector(self, name: str) -> DetectContext:
        """A context whose ``thresholds`` are that detector's, profile and overrides applied."""
        return DetectContext(
            profile=self.profile,
            thresholds=load_thresholds(name, self.profile, self.overrides.get(name)),
            network=self.network,
            overrides=self.overrides,
            intel=self.intel,
            kev=self.kev,
        )


DetectorFn = Callable[[RecordTables, DetectContext], list[Alert]]


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    name: str
    fn: DetectorFn
    attack: tuple[str, ...]
    description: str


REGISTRY: dict[str, DetectorSpec] = {}


def register(
    name: str, *, attack: tuple[str, ...], description: str
) -> Callable[[DetectorFn], DetectorFn]:
    """Class the decorated function as detector ``name``."""

    def wrap(fn: DetectorFn) -> DetectorFn:
        if name in REGISTRY and REGISTRY[name].fn is not fn:
            raise ValueError(f"detector {name!r} registered twice")
        REGISTRY[name] = DetectorSpec(name=name, fn=fn, attack=attack, description=description)
        return fn

    return wrap


def load_thresholds(
    name: str, profile: str = "default", overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Thresholds of detector ``name`` from ``profiles/<name>.yaml``.

    The file has a ``default:`` mapping (each value documented in comments) and a ``lab:``
    mapping holding only what differs for short captures.
    """
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    # A copy of the parsed file: the engine asks again for every partition, and callers
    # may change what they get.
    doc = copy.deepcopy(_profile_doc(name))
    values: dict[str, Any] = dict(doc.get("default") or {})
    if profile != "default":
        values.update(doc.get(profile) or {})
    if overrides:
        unknown = set(overrides) - set(values)
        if unknown:
            raise ConfigError(
                f"unknown thresholds for detector {name}: {sorted(unknown)}; "
                f"known: {sorted(values)}"
            )
        values.update(overrides)
    return values


@functools.cache
def _profile_doc(name: str) -> dict[str, Any]:
    """The parsed ``profiles/<name>.yaml`` (empty if the detector has none)."""
    path = resources.files("seawall.detect") / "profiles" / f"{name}.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
