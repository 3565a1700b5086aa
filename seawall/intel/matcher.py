"""IndicatorSet: a million indicators matched against millions of flows.

Observed columns are dictionary-encoded first (a batch has far fewer distinct addresses and
names than rows), each distinct value is looked up once, and the answer is gathered back
to the rows with numpy. The structures per kind:

- IPv4 addresses and CIDRs: one sorted array of segment starts (uint32 values held in
  int64) covering the address space with non-overlapping segments, each owned by the MOST
  SPECIFIC indicator covering it; a lookup is one ``np.searchsorted``. Enclosing CIDRs are
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.intel import normalize as nz

_IPV4_GROUPS = (
    r"^(?P<a>\d{1,3})\.(?P<b>\d{1,3})\.(?P<c>\d{1,3})\.(?P<d>\d{1,3})(?:/(?P<p>\d{1,2}))?$"
)
_NO_MATCH = np.int64(-1)
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


@dataclass(frozen=True, slots=True)
class Hits:
    """Rows of an observed column that matched, and the indicator each matched."""

    rows: np.ndarray  # int64 row numbers
    ids: np.ndarray  # int64 indicator ids (the primary id of the matched value)

    def __len__(self) -> int:
        return len(self.rows)


_EMPTY_HITS = Hits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


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
        self._domain_cache: dict[str, int] = {}

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
            self._v4_starts = np.zeros(1, dtype=np.int64)
            self._v4_owner = np.full(1, -1, dtype=np.int64)
            return
        texts = pa.array([self._columns.values[i] for i in address_ids], type=pa.string())
        lo, plen, ok = _parse_ipv4(texts, with_prefix=True)
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
        self._v4_starts = np.zeros(1, dtype=np.int64)  # one uncovered segment: no IPv4 hits
        self._v4_owner = np.full(1, -1, dtype=np.int64)
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
        starts = np.unique(np.concatenate([u_lo, u_hi + 1]))
        self._v4_starts = starts
        self._v4_owner = _deepest_cover(starts, layers, shallower_than=33)
        # Parent links: the most specific strictly shorter prefix containing each network.
        for length in sorted(set(u_plen.tolist())):
            sel = u_plen == length
            self._v4_parent[u_ids[sel]] = _deepest_cover(u_lo[sel], layers, shallower_than=length)

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
        dictionary, indices = _distinct(column)
        if dictionary is None or len(dictionary) == 0:
            return _EMPTY_HITS
        v4, _, ok = _parse_ipv4(dictionary, with_prefix=False)
        found = np.full(len(dictionary), -1, dtype=np.int64)
        if ok.any():
            pos = np.searchsorted(self._v4_starts, v4[ok], side="right") - 1
            found[ok] = np.where(pos >= 0, self._v4_owner[np.maximum(pos, 0)], -1)
        if self._v6_exact or self._v6_nets:
            rest = np.flatnonzero(~ok)
            if len(rest):
                texts = dictionary.take(pa.array(rest)).to_pylist()
                for slot, text in zip(rest.tolist(), texts, strict=True):
                    found[slot] = self._lookup_v6(text)
        return _gather(found, indices)

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
            return _EMPTY_HITS
        dictionary, indices = _distinct(column)
        if dictionary is None or len(dictionary) == 0:
            return _EMPTY_HITS
        names = pc.utf8_rtrim(pc.utf8_lower(dictionary), characters=".").to_pylist()
        found = np.fromiter(map(self._lookup_domain, names), dtype=np.int64, count=len(names))
        return _gather(found, indices)

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
            return _EMPTY_HITS
        dictionary, indices = _distinct(column)
        if dictionary is None or len(dictionary) == 0:
            return _EMPTY_HITS
        keys = pc.replace_substring(pc.utf8_lower(pc.utf8_trim_whitespace(dictionary)), ":", "")
        found = np.fromiter(
            (table.get(k, -1) if k else -1 for k in keys.to_pylist()),
            dtype=np.int64,
            count=len(keys),
        )
        return _gather(found, indices)

    def match_user_agents(self, column: pa.Array | pa.ChunkedArray) -> Hits:
        if not self._user_agents:
            return _EMPTY_HITS
        dictionary, indices = _distinct(column)
        if dictionary is None or len(dictionary) == 0:
            return _EMPTY_HITS
        table = self._user_agents
        texts = pc.utf8_trim_whitespace(dictionary).to_pylist()
        found = np.fromiter(
            (table.get(t, -1) if t else -1 for t in texts), dtype=np.int64, count=len(texts)
        )
        return _gather(found, indices)

    def match_urls(
        self, hosts: pa.Array | pa.ChunkedArray, uris: pa.Array | pa.ChunkedArray
    ) -> Hits:
        """Rows whose request (Host header + URI, or an absolute URI) matches a URL indicator:
        full URL, host+path (query ignored when the indicator has none), or a bare-site URL."""
        if not (self._url_full or self._url_hostpath or self._url_site):
            return _EMPTY_HITS
        host_arr = _as_array(hosts)
        uri_arr = _as_array(uris)
        if pc.all(pc.is_null(uri_arr)).as_py() and pc.all(pc.is_null(host_arr)).as_py():
            return _EMPTY_HITS
        # "\n" cannot occur in either field, so the pair survives the join.
        joined = pc.binary_join_element_wise(
            pc.fill_null(host_arr, ""), pc.fill_null(uri_arr, ""), "\n"
        )
        joined = pc.if_else(
            pc.and_(pc.is_null(host_arr), pc.is_null(uri_arr)), pa.scalar(None, pa.string()), joined
        )
        dictionary, indices = _distinct(joined)
        if dictionary is None or len(dictionary) == 0:
            return _EMPTY_HITS
        found = np.full(len(dictionary), -1, dtype=np.int64)
        for slot, pair in enumerate(dictionary.to_pylist()):
            if pair:
                found[slot] = self._lookup_url(*pair.split("\n", 1))
        return _gather(found, indices)

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


def _as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def _distinct(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array | None, np.ndarray]:
    """(distinct values, per-row index into them; -1 for nulls). Dictionary columns are
    used as they are."""
    arr = _as_array(column)
    if len(arr) == 0 or arr.null_count == len(arr):
        return None, np.zeros(0, dtype=np.int64)
    encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    dictionary = encoded.dictionary
    if pa.types.is_large_string(dictionary.type):
        dictionary = dictionary.cast(pa.string())
    indices = encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    return dictionary, indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def _gather(found: np.ndarray, indices: np.ndarray) -> Hits:
    """Spread per-distinct-value results back to rows."""
    if not (found >= 0).any():
        return _EMPTY_HITS
    extended = np.append(found, _NO_MATCH)  # index -1 (null rows) lands on the sentinel
    per_row = extended[indices]
    rows = np.flatnonzero(per_row >= 0)
    return Hits(rows.astype(np.int64), per_row[rows])


def _parse_ipv4(texts: pa.Array, with_prefix: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorized dotted-quad parse: (value as int64, prefix length, valid mask)."""
    n = len(texts)
    extracted = pc.extract_regex(texts, _IPV4_GROUPS)
    ok = extracted.is_valid().to_numpy(zero_copy_only=False).copy()
    value = np.zeros(n, dtype=np.int64)
    for name in "abcd":
        digits = pc.fill_null(extracted.field(name), "0")
        octet = pc.cast(pc.if_else(pc.equal(digits, ""), "0", digits), pa.int64())
        octet_np = octet.to_numpy(zero_copy_only=False)
        ok &= octet_np <= 255
        value = (value << 8) | octet_np
    prefix_text = pc.fill_null(extracted.field("p"), "")
    no_prefix = pc.equal(prefix_text, "")  # an unmatched optional group comes back empty
    prefix = pc.cast(pc.if_else(no_prefix, "32", prefix_text), pa.int64()).to_numpy(
        zero_copy_only=False
    )
    if not with_prefix:
        ok &= no_prefix.to_numpy(zero_copy_only=False)
    ok &= prefix <= 32
    return np.where(ok, value, 0), np.where(ok, prefix, 32), ok


def _deepest_cover(
    points: np.ndarray, layers: Sequence[tuple[int, np.ndarray, np.ndarray]], shallower_than: int
) -> np.ndarray:
    """For each IPv4 point, the id of the longest-prefix network (prefix length below
    ``shallower_than``) containing it, or -1. ``layers`` run longest prefix first."""
    owner = np.full(len(points), -1, dtype=np.int64)
    pending = np.ones(len(points), dtype=bool)
    for length, keys, ids in layers:
        if length >= shallower_than or not pending.any():
            continue
        sel = np.flatnonzero(pending)
        key = points[sel] >> np.int64(32 - length)
        pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        hit = keys[pos] == key
        owner[sel[hit]] = ids[pos[hit]]
        pending[sel[hit]] = False
    return owner
