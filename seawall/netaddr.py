"""Vectorized address helpers shared by detectors and the intel matcher.

Columns of IP strings are dictionary-encoded first: a capture has far fewer distinct
addresses than flows, so each distinct address is parsed once.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.intel.ipv4 import parse_dotted

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# RFC 1918, CGNAT, loopback, link-local, ULA and friends: "not the Internet".
PRIVATE_NETWORKS: tuple[str, ...] = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "0.0.0.0/8",
    "224.0.0.0/4",
    "255.255.255.255/32",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
)


def parse_networks(values: Iterable[str]) -> list[Network]:
    """Parse CIDRs or bare addresses; raises ValueError naming the bad entry."""
    networks: list[Network] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not an IP address or CIDR network: {exc}") from None
    return networks


class NetworkSet:
    """A set of CIDR networks answering membership for whole columns at once."""

    def __init__(self, networks: Sequence[Network | str] = ()) -> None:
        parsed = [n if not isinstance(n, str) else parse_networks([n])[0] for n in networks]
        self.networks: list[Network] = parsed
        v4 = sorted(
            (int(n.network_address), int(n.broadcast_address)) for n in parsed if n.version == 4
        )
        merged: list[tuple[int, int]] = []
        for lo, hi in v4:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        self._lo = np.array([m[0] for m in merged], dtype=np.uint64)
        self._hi = np.array([m[1] for m in merged], dtype=np.uint64)
        self._v6 = [n for n in parsed if n.version == 6]

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __len__(self) -> int:
        return len(self.networks)

    def contains_v4_ints(self, values: np.ndarray) -> np.ndarray:
        """Membership for IPv4 addresses given as integers."""
        if len(self._lo) == 0:
            return np.zeros(len(values), dtype=bool)
        vals = values.astype(np.uint64)
        idx = np.searchsorted(self._lo, vals, side="right") - 1
        ok = idx >= 0
        idx_safe = np.where(ok, idx, 0)
        return ok & (vals <= self._hi[idx_safe])

    def contains(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if ip.version == 4:
            return bool(self.contains_v4_ints(np.array([int(ip)], dtype=np.uint64))[0])
        return any(ip in n for n in self._v6)

    def contains_column(
        self, column: pa.Array | pa.ChunkedArray | Sequence[str | None]
    ) -> np.ndarray:
        """Boolean mask: which addresses of a string column fall in the set (nulls: False).

        The column is dictionary-encoded so each distinct address is looked up once; IPv4
        text is parsed with numpy from the Arrow buffers, only IPv6 goes through
        ``ipaddress``."""
        arr = _as_array(column)
        n = len(arr)
        if n == 0 or not self.networks:
            return np.zeros(n, dtype=bool)
        if not pa.types.is_dictionary(arr.type):
            arr = pc.dictionary_encode(arr.cast(pa.string()))
        values = arr.dictionary
        hit = np.zeros(len(values), dtype=bool)
        v4_value, v4 = parse_dotted(values)
        if v4.any():
            hit[v4] = self.contains_v4_ints(v4_value[v4])
        if self._v6 and (~v4).any():
            for i in np.flatnonzero(~v4).tolist():
                hit[i] = self._contains_v6(values[i].as_py())
        idx = np.asarray(pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False))
        return (idx >= 0) & hit[np.maximum(idx, 0)] if len(hit) else np.zeros(n, dtype=bool)

    def _contains_v6(self, text: str | None) -> bool:
        if not text:
            return False
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return False
        return ip.version == 6 and any(ip in net for net in self._v6)


def _as_array(column: pa.Array | pa.ChunkedArray | Sequence[str | None]) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if isinstance(column, pa.Array):
        return column
    return pa.array(list(column), type=pa.string())


PRIVATE = NetworkSet(list(PRIVATE_NETWORKS))


def is_private_column(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where an address is not routable on the Internet."""
    return PRIVATE.contains_column(column)
