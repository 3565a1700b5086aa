"""Cisco IOS / IOS XE / IOS XR / NX-OS and ASA/PIX message bodies: ``%FAC-SEV-MNEMONIC: text``.

The code is read with the header (``syslog.HEADER``); here it becomes the record's
``event.code``, severity, ``log.format`` and, through ``actions.CISCO`` / ``actions.ASA``,
the ``event.action`` and fields.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.sources.logs.actions import ASA, CISCO
from seawall.sources.logs.columns import STR, Scatter
from seawall.sources.logs.mapper import apply_mappings, encode

ASA_FACILITIES = frozenset({"ASA", "PIX", "FWSM", "FTD"})
# Facilities only NX-OS logs (its Linux side, VDCs, fabric), for lines whose stamp does not
# already say NX-OS.
NXOS_FACILITIES = frozenset(
    {
        "VSHD",
        "ETHPORT",
        "ETH_PORT_CHANNEL",
        "AUTHPRIV",
        "DAEMON",
        "KERN",
        "USER",
        "L2FM",
        "HMM",
        "VPC",
        "SYSMGR",
        "VDC_MGR",
        "FEX",
        "NVE",
        "VSH",
        "MODULE",
    }
)


@functools.lru_cache(maxsize=65536)
def split_code(code: str) -> tuple[str, int, str]:
    """``SEC_LOGIN-SW2-5-LOGIN_SUCCESS`` -> (``SEC_LOGIN-SW2``, 5, ``LOGIN_SUCCESS``)."""
    parts = code.split("-")
    return "-".join(parts[:-2]), int(parts[-2]), parts[-1]


def cisco_keys(code: str | None) -> tuple[str, ...]:
    """Lookup keys of a Cisco code, most specific first (see ``actions``)."""
    if code is None:
        return ("*",)
    facility, _, mnemonic = split_code(code)
    first = facility.split("-", 1)[0]
    keys = [f"{facility}-{mnemonic}", f"{first}-{mnemonic}", f"{first}-*", f"*-{mnemonic}", "*"]
    pieces = mnemonic.split("_")
    for i in range(1, len(pieces)):
        prefix = "_".join(pieces[:i])
        keys += [f"{first}-{prefix}_*", f"*-{prefix}_*"]
    return tuple(keys)


def asa_keys(code: str | None) -> tuple[str, ...]:
    if code is None:
        return ("*",)
    number = code.rsplit("-", 1)[-1]
    return (f"ASA-{number}", f"ASA-{number[:3]}*", "*")


_FORMATS = pa.array(["cisco_ios", "cisco_iosxr", "cisco_nxos", "cisco_asa"], type=STR)


def handle(
    out: Scatter,
    rows: np.ndarray,
    codes: pa.Array,
    message: pa.Array,
    iosxr: pa.Array,
    nxos_stamp: pa.Array,
) -> None:
    """Records of Cisco-coded lines. ``iosxr`` / ``nxos_stamp`` are per-row masks from the
    header (an IOS XR node or process tag; an NX-OS style stamp)."""
    uniques, ids = encode(codes)
    known = [c for c in uniques if c is not None]
    facility = [split_code(c)[0].split("-", 1)[0] for c in known] + [""]
    severity = np.array([split_code(c)[1] for c in known] + [0], dtype=np.int16)
    asa_of = np.array([f in ASA_FACILITIES for f in facility])
    nxos_of = np.array([f in NXOS_FACILITIES for f in facility])
    # ASA messages are known by number (605005); others by the whole code as written.
    names = pa.array(
        [c.rsplit("-", 1)[-1] if a else c for c, a in zip(known, asa_of, strict=False)] + [None],
        type=STR,
    )
    asa = asa_of[ids]
    kind = np.where(
        asa,
        3,
        np.where(_np(iosxr), 1, np.where(nxos_of[ids] | _np(nxos_stamp), 2, 0)),
    )
    out.put("log.format", rows, _FORMATS.take(pa.array(kind)))
    out.put("severity_from_code", rows, pa.array(severity[ids]))
    out.put("event.code", rows, names.take(pa.array(ids)))
    out.put("message", rows, message)
    for table, key_fn, pick in ((ASA, asa_keys, asa), (CISCO, cisco_keys, ~asa)):
        if pick.any():
            mask = pa.array(pick)
            apply_mappings(table, key_fn, codes.filter(mask), message.filter(mask), rows[pick], out)


def _np(mask: pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
