"""Vectorized IPv4 text parsing and the segment table the intel matcher searches.

Observed address columns are parsed straight from the Arrow string buffers with numpy (no
regex, no Python strings): each distinct value becomes a uint32 from its 16 bytes.
Indicator texts, which may carry a ``/prefix``, use an RE2 pattern instead; they are parsed
once, at build time.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_IPV4_GROUPS = (
    r"^(?P<a>\d{1,3})\.(?P<b>\d{1,3})\.(?P<c>\d{1,3})\.(?P<d>\d{1,3})(?:/(?P<p>\d{1,2}))?$"
)


def _dot_patterns() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every valid layout of a dotted quad in 16 bytes, keyed by the bit pattern of where
    the dots are (bytes past the end count as dots): (pattern -> layout id, length of each
    layout, the 12 byte positions of each layout's octet digits, hundreds to units; a
    missing digit reads the always-zero column 16). Layout 0 is "not an address"."""
    ids = np.zeros(1 << _WIDTH, dtype=np.int32)
    lengths = [0]
    positions = [[_ZERO_COLUMN] * 12]
    for length in range(7, _WIDTH):
        tail = ((1 << _WIDTH) - 1) ^ ((1 << length) - 1)
        for dots in combinations(range(1, length - 1), 3):
            ends = (*dots, length)
            begins = (0, dots[0] + 1, dots[1] + 1, dots[2] + 1)
            if not all(1 <= end - begin <= 3 for begin, end in zip(begins, ends, strict=True)):
                continue
            ids[tail | sum(1 << d for d in dots)] = len(lengths)
            lengths.append(length)
            positions.append(
                [
                    end - 3 + i if end - 3 + i >= begin else _ZERO_COLUMN
                    for begin, end in zip(begins, ends, strict=True)
                    for i in range(3)
                ]
            )
    return ids, np.array(lengths, dtype=np.int32), np.array(positions, dtype=np.int32).T.copy()


_WIDTH = 16  # "255.255.255.255" is 15 bytes; the 16th is always past the end
_ZERO_COLUMN = _WIDTH
_LAYOUT_OF, _LAYOUT_LENGTH, _LAYOUT_DIGITS = _dot_patterns()
_ALL = 0xFFFFFFFFFFFFFFFF
_KEEP_LOW = np.array([(1 << 8 * n) - 1 if n < 8 else _ALL for n in range(17)], dtype=np.uint64)
_KEEP_HIGH = np.array(
    [0 if n <= 8 else (1 << 8 * (n - 8)) - 1 if n < 16 else _ALL for n in range(17)],
    dtype=np.uint64,
)
_BLOCK_SHIFT = 12  # segment search starts from a table of 2**20 blocks of 4096 addresses
_DOTS = np.uint64(0x2E2E2E2E2E2E2E2E)
_ONES = np.uint64(0x0101010101010101)
_GATHER_BITS = np.uint64(0x0102040810204080)  # 8 bytes of 0/1 -> 8 bits in the top byte
_TOP_BYTE = np.uint64(56)


def parse_dotted(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Dotted-quad strings (no prefix) -> (address as int64, valid mask). Nulls, IPv6 and
    anything that is not exactly four 1-3 digit decimal octets <= 255 are invalid.

    Each value is read as 16 bytes (two uint64 words; bytes past its end become dots); the
    dot positions, packed into 16 bits, name one of a few dozen layouts, and the layout
    says where each octet's digits are."""
    n = len(texts)
    value = np.zeros(n, dtype=np.int64)
    if n == 0:
        return value, np.zeros(0, dtype=bool)
    if not pa.types.is_string(texts.type):
        texts = texts.cast(pa.string())
    buffers = texts.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=n + 1, offset=texts.offset * 4)
    data = np.frombuffer(buffers[2], np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    ok = (lengths >= 7) & (lengths < _WIDTH)
    if texts.null_count:
        ok &= texts.is_valid().to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(ok)
    m = len(candidates)
    if m == 0:
        return value, ok
    padded = np.concatenate([data, np.zeros(_WIDTH, dtype=np.uint8)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, _WIDTH)
    length = lengths[candidates]
    raw = windows[offsets[candidates]].view(np.uint64)  # (m, 2) words, a copy
    keep_low, keep_high = _KEEP_LOW[length], _KEEP_HIGH[length]
    words = np.empty((m, 2), dtype=np.uint64)
    words[:, 0] = (raw[:, 0] & keep_low) | (_DOTS & ~keep_low)
    words[:, 1] = (raw[:, 1] & keep_high) | (_DOTS & ~keep_high)
    chars = words.view(np.uint8)  # (m, 16)
    digits = np.empty((m, _WIDTH + 1), dtype=np.uint8)
    np.subtract(chars, np.uint8(48), out=digits[:, :_WIDTH])  # wraps below "0": >= 10
    digits[:, _ZERO_COLUMN] = 0
    is_dot = (chars == ord(".")).view(np.uint64)  # bytes of 0/1
    usable = is_dot | (digits[:, :_WIDTH] < 10).view(np.uint64)
    pattern = ((is_dot[:, 0] * _GATHER_BITS) >> _TOP_BYTE) | (
        ((is_dot[:, 1] * _GATHER_BITS) >> _TOP_BYTE) << np.uint64(8)
    )
    layout = _LAYOUT_OF[pattern]
    good = (usable[:, 0] == _ONES) & (usable[:, 1] == _ONES) & (_LAYOUT_LENGTH[layout] == length)
    at = _LAYOUT_DIGITS[:, layout]  # (12, m)
    at += np.arange(0, m * (_WIDTH + 1), _WIDTH + 1, dtype=np.int32)
    d = digits.ravel()[at].astype(np.int16)
    packed = np.zeros(m, dtype=np.int64)
    for k in range(4):
        octet = d[3 * k] * np.int16(100) + d[3 * k + 1] * np.int16(10) + d[3 * k + 2]
        good &= octet <= 255
        packed = (packed << 8) | octet
    value[candidates] = np.where(good, packed, 0)
    ok[candidates] = good
    return value, ok


def parse_with_prefix(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dotted quads with an optional ``/len``: (value as int64, prefix length, valid mask)."""
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
    ok &= prefix <= 32
    return np.where(ok, value, 0), np.where(ok, prefix, 32), ok


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for int arrays by sorting (the hash-based np.unique is slower here)."""
    out = np.sort(values)
    if len(out) < 2:
        return out
    keep = np.ones(len(out), dtype=bool)
    keep[1:] = out[1:] != out[:-1]
    return out[keep]


def deepest_cover(
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


class SegmentTable:
    """The IPv4 space cut into segments, each owned by one indicator id or -1.

    A lookup is a binary search, narrowed first by a table of where each /20 block starts
    so that every step touches a short, cache-friendly stretch of the segment array."""

    def __init__(self, starts: np.ndarray, owners: np.ndarray) -> None:
        if len(starts) == 0 or starts[0] != 0:  # every address then lies in some segment
            starts = np.concatenate([[0], starts])
            owners = np.concatenate([[-1], owners])
        self.starts = starts.astype(np.int64)
        self.owners = owners.astype(np.int64)
        blocks = np.arange(0, (1 << (32 - _BLOCK_SHIFT)) + 1, dtype=np.int64) << _BLOCK_SHIFT
        # first[b]: index of the segment holding the first address of block b (4 MiB)
        self._first = (np.searchsorted(self.starts, blocks, side="right") - 1).astype(np.int32)
        spans = np.diff(self._first)
        self._steps = int(np.ceil(np.log2(int(spans.max()) + 2))) if len(spans) else 0

    def lookup(self, addresses: np.ndarray) -> np.ndarray:
        """Owner id of each address (int64 values in 0..2**32-1), -1 when uncovered."""
        if len(addresses) == 0:
            return np.zeros(0, dtype=np.int64)
        block = addresses >> _BLOCK_SHIFT
        lo = self._first[block]  # the answer lies in [lo, hi], lo >= 0
        hi = self._first[block + 1]
        starts = self.starts
        for _ in range(self._steps):
            mid = (lo + hi + 1) >> 1
            above = starts[mid] > addresses
            hi = np.where(above, mid - 1, hi)
            lo = np.where(above, lo, mid)
        return self.owners[lo]
