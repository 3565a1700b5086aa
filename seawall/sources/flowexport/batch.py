"""Decoded export records held column-wise until they are turned into a FLOW table.

Every decoder (v5, v9/IPFIX data sets, sFlow samples) yields a FlowBatch: numpy columns
keyed by the semantic names of ``ipfix_fields`` plus the datagram's provenance. Columns a
template does not carry are simply absent and become nulls in the table.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.errors import Location
from seawall.records.protocols import TRANSPORT_NAMES
from seawall.records.schemas import from_columns

# Columns of a batch that are not information elements.
START_US = "start_us"
END_US = "end_us"
SRC_HI = "src_hi"
SRC_LO = "src_lo"
DST_HI = "dst_hi"
DST_LO = "dst_lo"
ADDR_VERSION = "addr_version"  # 4, 6 or 0 (no address)
SAMPLING = "sampling"  # int64 rate; 0 = not known (yet)
SAMPLER = "sampler"  # int64 sampler/selector id; -1 = none

# Names proposed for the FLOW schema; kept internal until the schema has them.
EXTRA_COLUMNS = {
    "in_if": "observer.ingress.interface.id",
    "out_if": "observer.egress.interface.id",
    "src_as": "source.as.number",
    "dst_as": "destination.as.number",
}


class SamplingLookup:
    """Where a batch whose records carry no sampling rate asks for one later (the options
    data defining it may arrive after the data)."""

    def sampling_rate(self, sampler_id: int) -> int:
        return 0


@dataclass(slots=True)
class FlowBatch:
    """Records of one exporter and format; ``segments`` gives, in row order, the datagram
    each run of rows came from."""

    n: int
    columns: dict[str, np.ndarray]
    observer_type: str  # netflow | ipfix | sflow
    exporter: str
    segments: list[tuple[Location, int]]
    sampling_source: SamplingLookup | None = None

    def resolve_sampling(self) -> None:
        """Fill rates still unknown from the exporter's current sampler table."""
        if self.sampling_source is None or self.n == 0:
            return
        rates = self.columns.get(SAMPLING)
        if rates is None:
            rates = np.zeros(self.n, dtype=np.int64)
        missing = rates == 0
        if not missing.any():
            return
        samplers = self.columns.get(SAMPLER)
        rates = rates.copy()
        if samplers is None:
            rates[missing] = self.sampling_source.sampling_rate(-1)
        else:
            for sampler in np.unique(samplers[missing]).tolist():
                rates[missing & (samplers == sampler)] = self.sampling_source.sampling_rate(
                    int(sampler)
                )
        self.columns[SAMPLING] = rates


def _column(
    batches: list[FlowBatch], name: str, dtype: type | np.dtype
) -> tuple[np.ndarray, np.ndarray | None]:
    """Concatenate one column over batches; mask marks rows of batches without it."""
    values = []
    masks = []
    any_missing = False
    for batch in batches:
        col = batch.columns.get(name)
        if col is None:
            values.append(np.zeros(batch.n, dtype=dtype))
            masks.append(np.ones(batch.n, dtype=bool))
            any_missing = True
        else:
            values.append(col.astype(dtype, copy=False))
            masks.append(np.zeros(batch.n, dtype=bool))
    joined = np.concatenate(values) if values else np.zeros(0, dtype=dtype)
    mask = np.concatenate(masks) if any_missing else None
    return joined, mask


def _arrow(values: np.ndarray, mask: np.ndarray | None, type_: pa.DataType) -> pa.Array:
    return pa.array(values, type=type_, mask=mask)


def render_addresses(hi: np.ndarray, lo: np.ndarray, version: np.ndarray) -> pa.Array:
    """Text form of (hi, lo, version) addresses. IPv4 is formatted column-wise; each
    distinct IPv6 address is formatted once."""
    n = len(lo)
    if n == 0:
        return pa.array([], type=pa.string())
    v4 = lo.astype(np.uint32)
    octets = [pc.cast(pa.array((v4 >> shift) & 0xFF), pa.string()) for shift in (24, 16, 8, 0)]
    text = pc.binary_join_element_wise(*octets, ".")
    is_v6 = version == 6
    if is_v6.any():
        rows = np.flatnonzero(is_v6)
        order = np.lexsort((lo[rows], hi[rows]))
        hi_sorted, lo_sorted = hi[rows][order], lo[rows][order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (hi_sorted[1:] != hi_sorted[:-1]) | (lo_sorted[1:] != lo_sorted[:-1])
        group = np.cumsum(first) - 1
        uniques = [
            str(ipaddress.IPv6Address((int(h) << 64) | int(low)))
            for h, low in zip(hi_sorted[first].tolist(), lo_sorted[first].tolist(), strict=True)
        ]
        slot = np.full(n, -1, dtype=np.int64)
        slot[rows[order]] = group
        v6_text = pa.array(uniques, type=pa.string()).take(pa.array(slot, mask=slot < 0))
        text = pc.if_else(pa.array(is_v6), v6_text, text)
    absent = ~((version == 4) | is_v6)
    if absent.any():
        text = pc.if_else(pa.array(absent), pa.scalar(None, pa.string()), text)
    return text


def _broadcast(batches: list[FlowBatch], pick: str) -> pa.Array:
    """A per-segment value repeated over its rows, via take (no per-row objects)."""
    values: list[object] = []
    sizes: list[int] = []
    for batch in batches:
        for location, count in batch.segments:
            if pick == "file":
                values.append(location.file)
            elif pick == "frame":
                values.append(location.frame)
            elif pick == "exporter":
                values.append(batch.exporter)
            else:
                values.append(batch.observer_type)
            sizes.append(count)
    index = np.repeat(np.arange(len(values)), np.asarray(sizes, dtype=np.int64))
    type_ = pa.int64() if pick == "frame" else pa.string()
    return pa.array(values, type=type_).take(pa.array(index))


_EMPTY_FLOW = from_columns("flow", {}, num_rows=0)
_EMPTY_EXTRAS = {name: pa.array([], type=pa.int64()) for name in EXTRA_COLUMNS.values()}


def build_table(batches: list[FlowBatch]) -> tuple[pa.Table, dict[str, pa.Array]]:
    """The FLOW table of all batches, plus the internal columns (interfaces, AS numbers)
    aligned with its rows under their proposed ECS names."""
    batches = [b for b in batches if b.n > 0]
    for batch in batches:
        batch.resolve_sampling()
    total = sum(b.n for b in batches)
    if total == 0:
        return _EMPTY_FLOW, dict(_EMPTY_EXTRAS)  # Arrow tables are immutable: safe to share

    start, start_mask = _column(batches, START_US, np.int64)
    end, end_mask = _column(batches, END_US, np.int64)
    version, _ = _column(batches, ADDR_VERSION, np.int8)
    proto, proto_mask = _column(batches, "proto", np.int16)
    src_hi, _ = _column(batches, SRC_HI, np.uint64)
    src_lo, _ = _column(batches, SRC_LO, np.uint64)
    dst_hi, _ = _column(batches, DST_HI, np.uint64)
    dst_lo, _ = _column(batches, DST_LO, np.uint64)
    sampling, sampling_mask = _column(batches, SAMPLING, np.int64)
    unknown_rate = sampling == 0
    sampling_mask = unknown_rate if sampling_mask is None else (sampling_mask | unknown_rate)

    type_names = np.array([None, "ipv4", "ipv6"], dtype=object)
    version_slot = np.where(version == 4, 1, np.where(version == 6, 2, 0))
    transport = [TRANSPORT_NAMES.get(p) for p in range(256)]
    proto_text = pa.array(transport, type=pa.string()).take(
        pa.array(np.clip(proto, 0, 255).astype(np.int64), mask=proto_mask)
    )

    columns: dict[str, object] = {
        "event.start": _arrow(start, start_mask, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "event.end": _arrow(end, end_mask, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "source.ip": render_addresses(src_hi, src_lo, version),
        "destination.ip": render_addresses(dst_hi, dst_lo, version),
        "network.type": pa.array(type_names[version_slot], type=pa.string()),
        "network.transport": proto_text,
        "network.iana_number": _arrow(proto, proto_mask, pa.int16()),
        "flow.sampling_rate": _arrow(
            np.clip(sampling, 0, np.iinfo(np.int32).max), sampling_mask, pa.int32()
        ),
        "flow.end_reason": pa.repeat(pa.scalar("exporter", pa.string()), total),
        "observer.type": _broadcast(batches, "type"),
        "observer.ip": _broadcast(batches, "exporter"),
        "input.file": _broadcast(batches, "file"),
        "input.frame": _broadcast(batches, "frame"),
    }
    simple = {
        "source.port": ("sport", np.int32, pa.int32()),
        "destination.port": ("dport", np.int32, pa.int32()),
        "source.bytes": ("bytes", np.int64, pa.int64()),
        "source.packets": ("packets", np.int64, pa.int64()),
        "destination.bytes": ("rev_bytes", np.int64, pa.int64()),
        "destination.packets": ("rev_packets", np.int64, pa.int64()),
        "source.tcp_flags": ("tcp_flags", np.int16, pa.int16()),
        "destination.tcp_flags": ("rev_tcp_flags", np.int16, pa.int16()),
    }
    for out_name, (key, dtype, arrow_type) in simple.items():
        values, mask = _column(batches, key, dtype)
        columns[out_name] = _arrow(values, mask, arrow_type)
    extras = {}
    for key, out_name in EXTRA_COLUMNS.items():
        values, mask = _column(batches, key, np.int64)
        # Decoders mark a value absent from some of their records with -1.
        absent = values < 0
        mask = absent if mask is None else (mask | absent)
        extras[out_name] = _arrow(values, mask, pa.int64())
        columns[out_name] = extras[out_name]
    table = from_columns("flow", columns, num_rows=total)
    return table, extras
