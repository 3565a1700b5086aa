"""IndicatorSet: a million indicators matched against millions of flows.

Observed columns are matched through their distinct values (see ``columns``): dictionary
columns as they come from Parquet, plain strings after dictionary encoding; each distinct
value is looked up once and the answer is gathered back to the rows with numpy. The
structures per kind:

- IPv4 addresses and CIDRs: one sorted array of segment starts (uint32 values held in
  int64) covering the address space with non-overlapping segments, each owned by the MOST
  SPECIFIC indicator covering it; observed addresses are parsed from the Arrow buffers with
  numpy and looked up by a vectorized binary search (see ``ipv4``). Enclosing CIDRs are
  kept as parent links, so a hit can still name every indicator that covers the address.
- IPv6: Python ints, only for the few distinct IPv6 addresses of a batch.
- Domains: a dict; each distinct observed name is checked with all its parent suffixes,
  longest first (``evil.com`` matches ``a.b.evil.com``).
- URLs, hashes (JA3, JA4, SHA-1, SHA-256, MD5), user agents: dicts over canonical values.

Several indicators with the same canonical value (two feeds listing one address) share one
key; ``same_value`` returns all of them for evidence.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.intel import normalize as nz
from seawall.intel.columns import EMPTY_HITS, DictionaryMemo, Hits, as_array, match_column
from seawall.intel.ipv4 import (
    SegmentTable,
    deepest_cover,
    parse_dotted,
    parse_with_prefix,
    sorted_unique,
)

__all__ = ["Hits", "Indicator", "IndicatorColumns", "IndicatorSet"]

_UNSEEN = -2  # a cache miss, distinct from -1 (looked up, no indicator)
_DOMAIN_CACHE_SIZE = 2_000_000  # distinct observed names remembered between batches


@dataclass(slots=True)
class IndicatorColumns:
    """Indicators as parallel columns, canonical values (see ``normalize``)."""

    values: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    descriptions: list[str | None] = field(default_factory=list)
    confidences: list[float | None] = field(default_factory=list)
    ports: list[int | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values)

    def add(
        self,
        value: str,
        kind: str,
        file: str,
        line: int,
        description: str | None = None,
        confidence: float | None = None,
        port: int | None = None,
    ) -> None:
        self.values.append(value)
        self.kinds.append(kind)
        self.files.append(file)
        self.lines.append(line)
        self.descriptions.append(description)
        self.confidences.append(confidence)
        self.ports.append(port)

    def extend(self, other: IndicatorColumns) -> None:
        for name in self.__slots__:
            getattr(self, name).extend(getattr(other, name))


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator, for evidence and explanations."""

    id: int
    value: str
    kind: str
    file: str
    line: int
    description: str | None
    confidence: float | None  # 0..1 when the feed gave one
    port: int | None

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"


class IndicatorSet:
    """Indicators of every kind, built once, matched against whole columns."""

    def __init__(self, columns: IndicatorColumns) -> None:
        self._columns = columns
        n = len(columns)
        self._kind_codes = np.array([nz.KIND_CODE[k] for k in columns.kinds], dtype=np.int8)
        self._dups: dict[int, list[int]] = {}
        self._domains: dict[str, int] = {}
        self._url_full: dict[str, int] = {}
        self._url_hostpath: dict[str, int] = {}
        self._url_site: dict[str, int] = {}
        self._user_agents: dict[str, int] = {}
        self._hashes: dict[str, dict[str, int]] = {kind: {} for kind in nz.HASH_KINDS}
        self._v6_exact: dict[int, int] = {}
        self._v6_nets: dict[int, dict[int, int]] = {}
        self._v4_parent = np.full(n, -1, dtype=np.int64)
        self._build_strings()
        self._build_addresses()
        labels = [d.count(".") + 1 for d in self._domains]
        self._max_domain_labels = max(labels, default=0)
        self._min_domain_labels = min(labels, default=0)
        self._domain_cache: dict[str | None, int] = {}
        self._memo = DictionaryMemo()

    # ----------------------------------------------------------------- construction

    @classmethod
    def from_columns(cls, columns: IndicatorColumns | Iterable[IndicatorColumns]) -> IndicatorSet:
        if isinstance(columns, IndicatorColumns):
            return cls(columns)
        merged = IndicatorColumns()
        for part in columns:
            merged.extend(part)
        return cls(merged)

    def _keep(self, table: dict[str, int], key: str, ident: int) -> None:
        first = table.setdefault(key, ident)
        if first != ident:
            self._dups.setdefault(first, [first]).append(ident)

    def _build_strings(self) -> None:
        values, kinds = self._columns.values, self._columns.kinds
        for ident, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            if kind == nz.DOMAIN:
                self._keep(self._domains, value, ident)
            elif kind in self._hashes:
                self._keep(self._hashes[kind], value, ident)
            elif kind == nz.URL:
                full, host_path = nz.normalize_url(value)
                self._keep(self._url_full, full, ident)
                host, _, path = host_path.partition("/")
                if path == "":  # a bare site: any path on that host
                    self._keep(self._url_site, host, ident)
                else:
                    self._url_hostpath.setdefault(host_path, ident)  # dups tracked on full
            elif kind == nz.USER_AGENT:
                self._keep(self._user_agents, value, ident)

    def _build_addresses(self) -> None:
        codes = self._kind_codes
        address_ids = np.flatnonzero(
            (codes == nz.KIND_CODE[nz.IP]) | (codes == nz.KIND_CODE[nz.CIDR])
        )
        if len(address_ids) == 0:
            self._v4 = SegmentTable(np.zeros(1, dtype=np.int64), np.full(1, -1, dtype=np.int64))
            return
        values = self._columns.values
        texts = pa.array([values[i] for i in address_ids.tolist()], type=pa.string())
        lo, plen, ok = parse_with_prefix(texts)
        v4_ids = address_ids[ok]
        self._build_v4(v4_ids, lo[ok], plen[ok])
        for ident in address_ids[~ok]:
            self._add_v6(int(ident))

    def _add_v6(self, ident: int) -> None:
        net = ipaddress.ip_network(self._columns.values[ident], strict=False)
        if net.version != 6:
            raise ValueError(f"indicator {self._columns.values[ident]!r} is not an address")
        key = int(net.network_address)
        if net.prefixlen == 128:
            table = self._v6_exact
        else:
            table = self._v6_nets.setdefault(net.prefixlen, {})
        first = table.setdefault(key, ident)
        if first != ident:
            self._dups.setdefault(first, [first]).append(ident)

    def _build_v4(self, ids: np.ndarray, lo: np.ndarray, plen: np.ndarray) -> None:
        # one uncovered segment: no IPv4 hits
        self._v4 = SegmentTable(np.zeros(1, dtype=np.int64), np.full(1, -1, dtype=np.int64))
        if len(ids) == 0:
            return
        shift = (32 - plen).astype(np.int64)
        lo = (lo >> shift) << shift  # network form even if the text was not
        # One primary per distinct (network, length); the rest are recorded as duplicates.
        order = np.lexsort((ids, plen, lo))
        lo_s, plen_s, ids_s = lo[order], plen[order], ids[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (lo_s[1:] != lo_s[:-1]) | (plen_s[1:] != plen_s[:-1])
        group = np.cumsum(first) - 1
        primary_of = ids_s[first][group]
        for dup, primary in zip(ids_s[~first].tolist(), primary_of[~first].tolist(), strict=True):
            self._dups.setdefault(primary, [primary]).append(dup)
        u_lo, u_plen, u_ids = lo_s[first], plen_s[first], ids_s[first]
        u_hi = u_lo + (np.int64(1) << (32 - u_plen).astype(np.int64)) - 1
        # Layers per prefix length: keys are the network bits, sorted for searchsorted.
        layers: list[tuple[int, np.ndarray, np.ndarray]] = []
        for length in sorted(set(u_plen.tolist()), reverse=True):
            sel = u_plen == length
            keys = u_lo[sel] >> np.int64(32 - length)
            key_order = np.argsort(keys, kind="stable")
            layers.append((length, keys[key_order], u_ids[sel][key_order]))
        starts = sorted_unique(np.concatenate([u_lo, u_hi + 1]))
        self._v4 = SegmentTable(starts, deepest_cover(starts, layers, shallower_than=33))
        # Parent links: the most specific strictly shorter prefix containing each network.
        for length in sorted(set(u_plen.tolist())):
            sel = u_plen == length
            self._v4_parent[u_ids[sel]] = deepest_cover(u_lo[sel], layers, shallower_than=length)

    # ----------------------------------------------------------------- lookups

    def __len__(self) -> int:
        return len(self._columns)

    def indicator(self, ident: int) -> Indicator:
        c = self._columns
        return Indicator(
            id=int(ident),
            value=c.values[ident],
            kind=c.kinds[ident],
            file=c.files[ident],
            line=c.lines[ident],
            description=c.descriptions[ident],
            confidence=c.confidences[ident],
            port=c.ports[ident],
        )

    def same_value(self, ident: int) -> list[int]:
        """Every indicator sharing the canonical value of ``ident`` (itself included)."""
        return self._dups.get(ident, [ident])

    def enclosing(self, ident: int) -> list[int]:
        """IPv4 CIDR indicators enclosing indicator ``ident``, nearest first."""
        out: list[int] = []
        parent = int(self._v4_parent[ident]) if ident < len(self._v4_parent) else -1
        while parent >= 0:
            out.append(parent)
            parent = int(self._v4_parent[parent])
        return out

    def counts(self) -> dict[str, int]:
        """Indicators per kind."""
        uniq, cnt = np.unique(self._kind_codes, return_counts=True)
        return {nz.KINDS[int(u)]: int(c) for u, c in zip(uniq, cnt, strict=True)}

    def match_addresses(self, column: pa.Array | pa.ChunkedArray) -> Hits:
        """Rows whose address falls in an IP or CIDR indicator (most specific wins)."""
        return match_column(column, "address", self._lookup_addresses, self._memo)

    def _lookup_addresses(self, dictionary: pa.Array) -> np.ndarray:
        v4, ok = parse_dotted(dictionary)
        found = np.full(len(dictionary), -1, dtype=np.int64)
        if ok.any():
            found[ok] = self._v4.lookup(v4[ok])
        if self._v6_exact or self._v6_nets:
            rest = np.flatnonzero(~ok)
            if len(rest):
                texts = dictionary.take(pa.array(rest)).to_pylist()
                for slot, text in zip(rest.tolist(), texts, strict=True):
                    found[slot] = self._lookup_v6(text)
        return found

    def _lookup_v6(self, text: str | None) -> int:
        if not text or ":" not in text:
            return -1
        try:
            address = ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return -1
        value = int(address)
        hit = self._v6_exact.get(value)
        if hit is not None:
            return hit
        for length in sorted(self._v6_nets, reverse=True):
            shift = 128 - length
            hit = self._v6_nets[length].get((value >> shift) << shift)
            if hit is not None:
                return hit
        return -1

    def match_domains(self, column: pa.Array | pa.ChunkedArray) -> Hits:
        """Rows whose name is an indicator domain or one of its subdomains."""
        if not self._domains:
            return EMPTY_HITS
        return match_column(column, "domain", self._lookup_domains, self._memo)

    def _lookup_domains(self, dictionary: pa.Array) -> np.ndarray:
        names = pc.utf8_rtrim(pc.utf8_lower(dictionary), characters=".").to_pylist()
        # Names repeat across batches: most are answered by the cache in one C-level pass.
        known = np.fromiter(
            map(self._domain_cache.get, names, repeat(_UNSEEN)), dtype=np.int64, count=len(names)
        )
        for slot in np.flatnonzero(known == _UNSEEN).tolist():
            known[slot] = self._lookup_domain(names[slot])
        return known

    def _lookup_domain(self, name: str | None) -> int:
        """Indicator id for a lower-cased name or its nearest listed parent, else -1.
        Answers are cached across batches: traffic repeats the same names."""
        if not name:
            return -1
        cached = self._domain_cache.get(name)
        if cached is not None:
            return cached
        key = name
        if not key.isascii():
            try:
                key = nz.normalize_domain(key)
            except ValueError:
                return -1
        hit = -1
        domains, max_labels = self._domains, self._max_domain_labels
        dots = key.count(".")
        while dots >= max_labels:  # parents with more labels than any indicator: skip
            key = key[key.find(".") + 1 :]
            dots -= 1
        while True:  # longest suffix first: the most specific indicator wins
            ident = domains.get(key)
            if ident is not None:
                hit = ident
                break
            dot = key.find(".")
            if dot < 0 or dots < self._min_domain_labels:
                break
            key = key[dot + 1 :]
            dots -= 1
        if len(self._domain_cache) >= _DOMAIN_CACHE_SIZE:
            self._domain_cache.clear()
        self._domain_cache[name] = hit
        return hit

    def match_hashes(self, column: pa.Array | pa.ChunkedArray, kind: str) -> Hits:
        """Rows whose fingerprint equals an indicator of ``kind`` (case and colons ignored)."""
        table = self._hashes.get(kind)
        if not table:
            return EMPTY_HITS

        def lookup(dictionary: pa.Array) -> np.ndarray:
            keys = pc.replace_substring(
                pc.utf8_lower(pc.utf8_trim_whitespace(dictionary)), ":", ""
            ).to_pylist()
            return np.fromiter(map(table.get, keys, repeat(-1)), dtype=np.int64, count=len(keys))

        return match_column(column, f"hash:{kind}", lookup, self._memo)

    def match_user_agents(self, column: pa.Array | pa.ChunkedArray) -> Hits:
        if not self._user_agents:
            return EMPTY_HITS
        table = self._user_agents

        def lookup(dictionary: pa.Array) -> np.ndarray:
            texts = pc.utf8_trim_whitespace(dictionary).to_pylist()
            return np.fromiter(map(table.get, texts, repeat(-1)), dtype=np.int64, count=len(texts))

        return match_column(column, "user_agent", lookup, self._memo)

    def match_urls(
        self, hosts: pa.Array | pa.ChunkedArray, uris: pa.Array | pa.ChunkedArray
    ) -> Hits:
        """Rows whose request (Host header + URI, or an absolute URI) matches a URL indicator:
        full URL, host+path (query ignored when the indicator has none), or a bare-site URL."""
        if not (self._url_full or self._url_hostpath or self._url_site):
            return EMPTY_HITS
        host_arr = _plain(hosts)
        uri_arr = _plain(uris)
        if pc.all(pc.is_null(uri_arr)).as_py() and pc.all(pc.is_null(host_arr)).as_py():
            return EMPTY_HITS
        # "\n" cannot occur in either field, so the pair survives the join.
        joined = pc.binary_join_element_wise(
            pc.fill_null(host_arr, ""), pc.fill_null(uri_arr, ""), "\n"
        )
        joined = pc.if_else(
            pc.and_(pc.is_null(host_arr), pc.is_null(uri_arr)), pa.scalar(None, pa.string()), joined
        )
        return match_column(joined, "url", self._lookup_urls, self._memo)

    def _lookup_urls(self, dictionary: pa.Array) -> np.ndarray:
        found = np.full(len(dictionary), -1, dtype=np.int64)
        for slot, pair in enumerate(dictionary.to_pylist()):
            if pair:
                found[slot] = self._lookup_url(*pair.split("\n", 1))
        return found

    def _lookup_url(self, host: str, uri: str) -> int:
        if "://" in uri[:12]:
            try:
                full, host_path = nz.normalize_url(uri)
            except ValueError:
                return -1
            hit = self._url_full.get(full)
            if hit is not None:
                return hit
        elif host:
            if not uri.startswith("/"):
                uri = "/" + uri
            host_path = nz.url_host_key(host) + uri
        else:
            return -1
        hit = self._url_hostpath.get(host_path)
        if hit is None and "?" in host_path:
            hit = self._url_hostpath.get(host_path.split("?", 1)[0])
        if hit is None:
            hit = self._url_site.get(host_path.split("/", 1)[0])
        return -1 if hit is None else hit


def _plain(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One plain string array (dictionary columns decoded: URLs are joined per row)."""
    arr = as_array(column)
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    return arr
