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
from seawall.sources.logs.mapper import apply_mappings

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


def _per_code(codes: pa.Array, fn: object, type_: pa.DataType) -> pa.Array:
    encoded = pc.dictionary_encode(codes)
    values = pa.array([fn(c) for c in encoded.dictionary.to_pylist()], type=type_)  # type: ignore[operator]
    return values.take(encoded.indices)


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
    facility = _per_code(codes, lambda c: split_code(c)[0].split("-", 1)[0], STR)
    severity = _per_code(codes, lambda c: split_code(c)[1], pa.int16())
    is_asa = pc.is_in(facility, value_set=pa.array(sorted(ASA_FACILITIES), type=STR))
    is_nxos = pc.or_(
        nxos_stamp, pc.is_in(facility, value_set=pa.array(sorted(NXOS_FACILITIES), type=STR))
    )
    fmt = pc.if_else(
        is_asa,
        "cisco_asa",
        pc.if_else(iosxr, "cisco_iosxr", pc.if_else(is_nxos, "cisco_nxos", "cisco_ios")),
    )
    out.put("log.format", rows, fmt)
    out.put("severity_from_code", rows, severity)
    asa = is_asa.to_numpy(zero_copy_only=False)
    # ASA messages are known by number (605005); others by the whole code as written.
    number = pc.utf8_slice_codeunits(codes, -6)
    out.put("event.code", rows, pc.if_else(is_asa, number, codes))
    out.put("message", rows, message)
    if asa.any():
        pick = pa.array(asa)
        apply_mappings(ASA, asa_keys, codes.filter(pick), message.filter(pick), rows[asa], out)
    if (~asa).any():
        pick = pa.array(~asa)
        apply_mappings(CISCO, cisco_keys, codes.filter(pick), message.filter(pick), rows[~asa], out)
