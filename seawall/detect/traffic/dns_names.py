"""Vectorized DNS name features: registrable base domain, subdomain part, entropy, label length.

Base domain = the registrable part of a name. A full public-suffix list is large and changes
often; we bundle the multi-label suffixes that cover most real traffic (``co.uk``,
``com.au`` ...) and otherwise take the last two labels. Known limitation: suffixes missing
from the list (e.g. ``pvt.k12.ma.us``) and private suffixes (``cloudfront.net``,
``blogspot.com``) are grouped one level too high, so many customers of one provider count as
subdomains of one base; operators can list such bases in ``ignore_base_domains``.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.traffic.flowshape import as_array

# Second-level public suffixes under country TLDs, the common ones.
MULTI_LABEL_SUFFIXES: tuple[str, ...] = (
    "co.uk",
    "org.uk",
    "ac.uk",
    "gov.uk",
    "me.uk",
    "net.uk",
    "ltd.uk",
    "plc.uk",
    "nhs.uk",
    "com.au",
    "net.au",
    "org.au",
    "edu.au",
    "gov.au",
    "asn.au",
    "id.au",
    "co.nz",
    "net.nz",
    "org.nz",
    "govt.nz",
    "ac.nz",
    "co.jp",
    "ne.jp",
    "or.jp",
    "ac.jp",
    "go.jp",
    "ad.jp",
    "gr.jp",
    "co.kr",
    "or.kr",
    "ne.kr",
    "go.kr",
    "ac.kr",
    "com.br",
    "net.br",
    "org.br",
    "gov.br",
    "edu.br",
    "com.cn",
    "net.cn",
    "org.cn",
    "gov.cn",
    "edu.cn",
    "ac.cn",
    "com.tw",
    "net.tw",
    "org.tw",
    "edu.tw",
    "gov.tw",
    "com.hk",
    "net.hk",
    "org.hk",
    "edu.hk",
    "gov.hk",
    "com.sg",
    "net.sg",
    "org.sg",
    "edu.sg",
    "gov.sg",
    "com.my",
    "net.my",
    "org.my",
    "gov.my",
    "co.in",
    "net.in",
    "org.in",
    "gov.in",
    "ac.in",
    "firm.in",
    "co.za",
    "org.za",
    "gov.za",
    "ac.za",
    "net.za",
    "com.mx",
    "org.mx",
    "gob.mx",
    "net.mx",
    "com.ar",
    "org.ar",
    "gob.ar",
    "net.ar",
    "com.tr",
    "org.tr",
    "gov.tr",
    "net.tr",
    "edu.tr",
    "co.id",
    "or.id",
    "go.id",
    "ac.id",
    "web.id",
    "co.il",
    "org.il",
    "ac.il",
    "gov.il",
    "net.il",
    "com.ua",
    "org.ua",
    "gov.ua",
    "net.ua",
    "com.ru",
    "org.ru",
    "net.ru",
    "com.pl",
    "net.pl",
    "org.pl",
    "co.th",
    "or.th",
    "go.th",
    "ac.th",
    "in.th",
    "com.vn",
    "net.vn",
    "org.vn",
    "gov.vn",
    "com.ph",
    "net.ph",
    "org.ph",
    "gov.ph",
    "com.pk",
    "net.pk",
    "org.pk",
    "gov.pk",
    "com.eg",
    "com.sa",
    "com.ng",
    "co.ke",
    "com.co",
    "com.pe",
    "com.ve",
    "com.ec",
    "co.at",
    "or.at",
    "gv.at",
    "ac.at",
)

# Real TLDs are letters only (or IDN punycode). Anything else in the last label means the
# name is not under a domain at all: a tunnel talking straight to its server (dnscat2
# without a domain) puts encoded data there.
_TLD = r"(^|\.)([a-z]{2,24}|xn--[a-z0-9-]{1,59})$"
_SUFFIX = r"\.(" + "|".join(re.escape(s) for s in MULTI_LABEL_SUFFIXES) + r")$"
_SPLIT2 = r"^(?:(?P<sub>.+)\.)?(?P<base>[^.]+\.[^.]+)$"
_SPLIT3 = r"^(?:(?P<sub>.+)\.)?(?P<base>[^.]+\.[^.]+\.[^.]+)$"
# Characters a hostname label may hold (RFC 952/1123 plus the underscore of SRV names).
_NON_HOSTNAME = r"[^a-z0-9._-]"
# Names that never leave the site or are lookups of addresses, not of a domain.
_LOCAL = r"(^|\.)(arpa|local|localhost|invalid)$"


class NameParts:
    """Per-name features of a column of DNS names, all aligned to the input rows."""

    def __init__(self, names: pa.Array | pa.ChunkedArray) -> None:
        arr = as_array(names).cast(pa.string())
        text = pc.utf8_lower(pc.utf8_rtrim(pc.fill_null(arr, ""), characters="."))
        dots = np.asarray(pc.count_substring(text, ".").to_numpy(zero_copy_only=False))
        has_tld = _mask(pc.match_substring_regex(text, _TLD))
        local = _mask(pc.match_substring_regex(text, _LOCAL))
        multi = _mask(pc.match_substring_regex(text, _SUFFIX)) & (dots >= 2)
        two = pc.extract_regex(text, _SPLIT2)
        three = pc.extract_regex(text, _SPLIT3)
        multi_arr = pa.array(multi)
        base = pc.if_else(multi_arr, three.field("base"), two.field("base"))
        sub = pc.if_else(multi_arr, three.field("sub"), two.field("sub"))
        # Under a domain: at least two labels, a letters-only TLD, not local/reverse lookups.
        self.domain = (dots >= 1) & has_tld & ~local
        # Straight to a server: several labels but no real TLD; the whole name is data.
        self.direct = (dots >= 1) & ~has_tld & ~local
        self.text = text
        self.base = pc.if_else(pa.array(self.domain), pc.fill_null(base, ""), "")
        self.sub = pc.if_else(pa.array(self.direct), text, pc.fill_null(sub, ""))
        self.non_hostname = _mask(pc.match_substring_regex(text, _NON_HOSTNAME))
        self.length = np.asarray(
            pc.binary_length(text).to_numpy(zero_copy_only=False), dtype=np.int64
        )


def _mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(
        pc.fill_null(as_array(values), False).to_numpy(zero_copy_only=False), dtype=bool
    )


def char_entropy(values: pa.Array, block: int = 65536) -> np.ndarray:
    """Shannon entropy (bits per character) of each string, dots ignored.

    Characters are folded into 64 classes (letters, digits, '-', '_', others by value) and
    counted with one ``bincount`` per block of strings, so memory stays bounded."""
    text = pc.replace_substring(pc.fill_null(as_array(values).cast(pa.string()), ""), ".", "")
    arr = as_array(text).cast(pa.large_string())
    n = len(arr)
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data_buf = arr.buffers()[2]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    classes = _CHAR_CLASS[data]
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        start, stop = offsets[lo], offsets[hi]
        lengths = np.diff(offsets[lo : hi + 1])
        rows = np.repeat(np.arange(hi - lo), lengths)
        counts = np.bincount(rows * 64 + classes[start:stop], minlength=(hi - lo) * 64)
        counts = counts.reshape(hi - lo, 64).astype(np.float64)
        plogp = (counts * np.log2(np.maximum(counts, 1.0))).sum(axis=1)
        length = lengths.astype(np.float64)
        safe = np.maximum(length, 1.0)
        out[lo:hi] = np.where(length > 0, np.log2(safe) - plogp / safe, 0.0)
    return out


def longest_label(values: pa.Array) -> np.ndarray:
    """Length of the longest dot-separated label of each string."""
    arr = pc.fill_null(as_array(values).cast(pa.string()), "")
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    parts = pc.split_pattern(arr, ".")
    flat_len = np.asarray(
        pc.binary_length(parts.flatten()).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    starts = np.asarray(parts.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)[:-1]
    starts = starts - starts[0] if len(starts) else starts
    return np.asarray(np.maximum.reduceat(flat_len, starts), dtype=np.int64)


def _char_classes() -> np.ndarray:
    lut = np.empty(256, dtype=np.int64)
    for b in range(256):
        lut[b] = 38 + (b % 26)  # everything else, folded
    for i, b in enumerate(range(ord("a"), ord("z") + 1)):
        lut[b] = i
    for i, b in enumerate(range(ord("A"), ord("Z") + 1)):
        lut[b] = i
    for i, b in enumerate(range(ord("0"), ord("9") + 1)):
        lut[b] = 26 + i
    lut[ord("-")] = 36
    lut[ord("_")] = 37
    return lut


_CHAR_CLASS = _char_classes()
