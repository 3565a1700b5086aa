"""Helpers shared by the management-plane and tunnel detectors.

Both detectors first cut the big tables down with Arrow compute masks (cheap over millions of
rows), then group the few candidate rows with pandas and turn each group into one alert.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import NetworkContext
from seawall.netaddr import NetworkSet, is_private_column
from seawall.records.alerts import InputRef

MAX_INPUTS = 5


def mask_to_numpy(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An Arrow boolean mask as numpy, nulls counted as False."""
    filled = pc.fill_null(mask, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def lower(table: pa.Table, name: str) -> pa.ChunkedArray:
    return pc.utf8_lower(table.column(name))


def in_values(table: pa.Table, name: str, values: Sequence[Any]) -> np.ndarray:
    col = table.column(name)
    if len(values) == 0 or table.num_rows == 0:
        return np.zeros(table.num_rows, dtype=bool)
    return mask_to_numpy(pc.is_in(col, value_set=pa.array(list(values), type=col.type)))


def in_lower(table: pa.Table, name: str, values: Iterable[str]) -> np.ndarray:
    vals = [v.lower() for v in values]
    if not vals or table.num_rows == 0:
        return np.zeros(table.num_rows, dtype=bool)
    value_set = pa.array(vals, type=pa.string())
    return distinct_mask(table.column(name), lambda v: pc.is_in(pc.utf8_lower(v), value_set))


def frame(table: pa.Table, mask: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """The masked rows of ``table`` as a pandas frame with only ``columns``."""
    sub = table.select(list(columns)).filter(pa.array(mask, type=pa.bool_()))
    return sub.to_pandas()


class Roles:
    """Which addresses play which part, from the operator's network map.

    With no map, every destination of a management protocol counts as a device and nothing is
    an admin source or AAA server, so rules fall back to the shape of the traffic alone.
    """

    def __init__(self, network: NetworkContext) -> None:
        self.network = network
        self.devices: NetworkSet = NetworkSet(
            [*network.infrastructure.networks, *network.management.networks]
        )
        self.has_device_map = bool(self.devices)

    def is_device(self, addresses: pd.Series) -> np.ndarray:
        if not self.has_device_map:
            return np.ones(len(addresses), dtype=bool)
        return self.devices.contains_column(strings(addresses))

    def is_infrastructure(self, addresses: pd.Series) -> np.ndarray:
        return self.network.infrastructure.contains_column(strings(addresses))

    def is_admin(self, addresses: pd.Series) -> np.ndarray:
        return self.network.admin_sources.contains_column(strings(addresses))

    def is_aaa(self, addresses: pd.Series) -> np.ndarray:
        return self.network.aaa_servers.contains_column(strings(addresses))

    def is_internal(self, addresses: pd.Series) -> np.ndarray:
        """Carrier space when configured, else every non-Internet address."""
        arr = strings(addresses)
        private = is_private_column(arr)
        if self.network.internal:
            return private | self.network.internal.contains_column(arr)
        return private

    def is_allowed_peer(self, addresses: pd.Series) -> np.ndarray:
        return self.network.allowed_tunnel_peers.contains_column(strings(addresses))


def strings(series: pd.Series) -> pa.Array:
    values = series.astype(object).where(series.notna(), None).tolist()
    return pa.array(values, type=pa.string())


def to_datetime(value: Any) -> datetime | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime):
        return value
    return None


def first_last(
    group: pd.DataFrame, start: str = "event.start", end: str | None = "event.end"
) -> tuple[datetime | None, datetime | None]:
    starts = group[start].dropna()
    first = to_datetime(starts.min()) if len(starts) else None
    last_candidates = starts
    if end is not None and end in group:
        ends = group[end].dropna()
        if len(ends):
            last_candidates = pd.concat([starts, ends])
    last = to_datetime(last_candidates.max()) if len(last_candidates) else None
    return first, last


def input_refs(group: pd.DataFrame, limit: int = MAX_INPUTS) -> list[InputRef]:
    """A handful of distinct file:frame / file:line references, earliest frames first."""
    refs: list[InputRef] = []
    seen: set[tuple[str, int | None, int | None]] = set()
    cols = [c for c in ("input.file", "input.frame", "input.line") if c in group]
    if "input.file" not in cols:
        return refs
    ordered = group.sort_values([c for c in ("input.file", "input.frame") if c in group])
    for row in ordered[cols].itertuples(index=False, name=None):
        values = dict(zip(cols, row, strict=True))
        file = values.get("input.file")
        if file is None or (isinstance(file, float) and np.isnan(file)):
            continue
        frame_no = _opt_int(values.get("input.frame"))
        line_no = _opt_int(values.get("input.line"))
        key = (str(file), frame_no, line_no)
        if key in seen:
            continue
        seen.add(key)
        refs.append(InputRef(file=str(file), frame=frame_no, line=line_no))
        if len(refs) >= limit:
            break
    return refs


def _opt_int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return int(value)


def total(group: pd.DataFrame, name: str) -> int:
    if name not in group:
        return 0
    return int(pd.to_numeric(group[name], errors="coerce").fillna(0).sum())


def opt_str(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def sorted_unique(series: pd.Series, limit: int = 10) -> list[Any]:
    values = [v for v in series.dropna().unique().tolist()]
    try:
        values.sort()
    except TypeError:
        values.sort(key=str)
    return [v.item() if hasattr(v, "item") else v for v in values[:limit]]


SEVERITY_STEPS = ("info", "low", "medium", "high", "critical")


def step_down(severity: str, steps: int = 1) -> str:
    idx = max(0, SEVERITY_STEPS.index(severity) - steps)
    return SEVERITY_STEPS[idx]


def step_up(severity: str, steps: int = 1) -> str:
    idx = min(len(SEVERITY_STEPS) - 1, SEVERITY_STEPS.index(severity) + steps)
    return SEVERITY_STEPS[idx]


def _label_regex(names: Iterable[str]) -> str:
    alternatives = "|".join(sorted(re.escape(n.lower()) for n in names))
    return rf"(?:^|\.)(?:{alternatives})(?:\.|$)"


def label_mask(table: pa.Table, name: str, labels: Iterable[str]) -> np.ndarray:
    """Rows whose application label has one of ``labels`` as a dotted component: nDPI writes
    master.app names such as ``tls.tor`` or ``openvpn.nordvpn``."""
    return distinct_mask(
        table.column(name),
        lambda v: pc.match_substring_regex(pc.utf8_lower(v), _label_regex(labels)),
    )


def distinct_mask(
    column: pa.ChunkedArray, test: Callable[[pa.Array], pa.Array | pa.ChunkedArray]
) -> np.ndarray:
    """``test`` (a boolean Arrow function of string values) per row, evaluated once per
    distinct value: labels and names repeat over millions of rows. Nulls are False."""
    n = len(column)
    if n == 0 or column.null_count == n:
        return np.zeros(n, dtype=bool)
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    verdict = np.append(mask_to_numpy(test(encoded.dictionary)), False)
    indices = pc.fill_null(encoded.indices, len(encoded.dictionary))
    return verdict[np.asarray(indices.to_numpy(zero_copy_only=False))]


def label_has(series: pd.Series, labels: Iterable[str]) -> pd.Series:
    """Vectorized over the distinct labels only (a few dozen, however many rows)."""
    pattern = re.compile(_label_regex(labels))
    values = series.fillna("").astype(str).str.lower()
    verdict = {v: bool(pattern.search(v)) for v in pd.unique(values)}
    return values.map(verdict).astype(bool)


def label_kind(series: pd.Series, kinds: dict[str, str]) -> pd.Series:
    """First dotted component of each label that ``kinds`` knows, mapped; else NaN."""
    parts = series.fillna("").astype(str).str.lower().str.split(".")
    return parts.map(lambda ps: next((kinds[p] for p in ps if p in kinds), None))


def summarize(
    df: pd.DataFrame,
    keys: list[str],
    sums: Sequence[str] = (),
    anys: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per group: ``n`` rows, ``first_seen``/``last_seen``, summed and any-ed columns
    and ``inputs`` (a few InputRefs). Works in a handful of vectorized groupbys, so many
    thousands of groups cost about as much as a few."""
    if df.empty:
        return pd.DataFrame(columns=[*keys, "n", "first_seen", "last_seen", *sums, *anys, "inputs"])
    by = [df[k] for k in keys]
    grouped = df.groupby(by, dropna=False, sort=True)
    out = grouped.size().rename("n").to_frame()
    out["first_seen"] = grouped["event.start"].min()
    last = df["event.end"].fillna(df["event.start"]) if "event.end" in df else df["event.start"]
    out["last_seen"] = last.groupby(by, dropna=False, sort=True).max()
    for name in sums:
        values = pd.to_numeric(df[name], errors="coerce").fillna(0)
        out[name] = values.groupby(by, dropna=False, sort=True).sum().astype("int64")
    for name in anys:
        out[name] = df[name].astype(bool).groupby(by, dropna=False, sort=True).any()
    out["inputs"] = _grouped_refs(df, keys).reindex(out.index)
    return out.reset_index(names=keys)


def _grouped_refs(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    order = [c for c in ("input.file", "input.frame", "input.line") if c in df]
    head = df.sort_values(order, kind="stable") if order else df
    head = head.groupby([head[k] for k in keys], dropna=False, sort=True).head(MAX_INPUTS)
    files = head["input.file"] if "input.file" in head else pd.Series(None, index=head.index)
    frames = head["input.frame"] if "input.frame" in head else pd.Series(None, index=head.index)
    lines = head["input.line"] if "input.line" in head else pd.Series(None, index=head.index)
    refs = [
        InputRef(file=str(f), frame=_opt_int(fr), line=_opt_int(ln)) if opt_str(f) else None
        for f, fr, ln in zip(files.tolist(), frames.tolist(), lines.tolist(), strict=True)
    ]
    codes = head.groupby([head[k] for k in keys], dropna=False, sort=True).ngroup().to_numpy()
    grouped: dict[int, list[InputRef]] = {}
    for code, ref in zip(codes.tolist(), refs, strict=True):
        bucket = grouped.setdefault(code, [])
        if ref is not None and ref not in bucket:
            bucket.append(ref)
    index = head.groupby([head[k] for k in keys], dropna=False, sort=True).size().index
    return pd.Series([grouped.get(i, []) for i in range(len(index))], index=index, dtype=object)
