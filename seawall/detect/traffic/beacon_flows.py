"""Flow records to connection events for the beacon detector, as numpy columns.

The flow table is read once: addresses are encoded once (one dictionary shared by source and
destination, so a connection seen from either side gets the same key), every later step
works on numpy arrays and row numbers back into the table, which is never filtered or
copied. Rows are put in time order once; each grouping (5-tuple for split records, address
pair for retries and scoring, server name) is then a linear radix pass over that order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.traffic.beacon_columns import (
    IntArray,
    bool_column,
    codes,
    combine,
    int_column,
    regroup,
    time_order,
)

BoolArray = npt.NDArray[np.bool_]
TCP_SYN = 0x02
# IPv4 multicast 224/4, IPv4 addresses ending in .255, IPv6 multicast ff00::/8.
GROUP_ADDRESS = r"^(22[4-9]|23[0-9])\.|^\d+\.\d+\.\d+\.255$|^[fF][fF][0-9a-fA-F]{0,2}:"


@dataclass(slots=True)
class FlowArrays:
    """Usable flows as numpy columns, one entry per flow (``row``: its row in ``table``).
    Folded and retried flows are dropped from ``by_time`` only, so no column is copied."""

    table: pa.Table
    addresses: pa.Array  # address strings; ``src``/``dst`` index it
    row: IntArray
    src: IntArray
    dst: IntArray
    start_us: IntArray
    bytes_sent: IntArray  # source.bytes, split records folded in
    tcp: BoolArray
    failed: BoolArray  # TCP attempt the responder never answered with a SYN
    by_time: IntArray  # positions of the live flows in time order, ties in row order

    def drop(self, dropped: BoolArray) -> None:
        """Forget the flows where ``dropped`` is set (only ``by_time`` lists live flows)."""
        self.by_time = self.by_time[~dropped[self.by_time]]

    def address(self, code: int) -> str:
        return str(self.addresses[int(code)].as_py())


def group_destinations(addresses: pa.Array) -> BoolArray:
    """Per address: one-to-many destinations (mDNS, IGMP, SSDP, LAN-sync broadcasts) that
    are not a C2 server: IPv4 multicast 224/4, IPv6 multicast ff00::/8, and IPv4 addresses
    ending in .255 (the broadcast of any subnet of /24 or smaller; a host on .255 of a larger
    subnet is rare)."""
    return bool_column(pc.match_substring_regex(addresses, pattern=GROUP_ADDRESS))


def telemetry_ports(th: dict[str, Any]) -> list[int]:
    return [int(p) for p in th.get("telemetry_destination_ports", [])]


def address_codes(table: pa.Table) -> tuple[IntArray, IntArray, pa.Array]:
    """Codes of source.ip and destination.ip in one shared dictionary (nulls: "")."""
    n = table.num_rows
    both = pa.chunked_array(
        table["source.ip"].chunks + table["destination.ip"].chunks, type=pa.string()
    )
    encoded = pc.dictionary_encode(pc.fill_null(both, ""))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return indices[:n], indices[n:], encoded.dictionary


def flow_arrays(
    flows: pa.Table,
    skip_group_destinations: bool,
    skipped_ports: list[int],
    shared: tuple[IntArray, IntArray, pa.Array] | None = None,
) -> FlowArrays | None:
    """Flows that can be scored: both addresses and a start time, not to a multicast or
    broadcast address (if asked), not to a device-telemetry collector port.

    ``shared``: the flows' address codes as ``RecordTables.flow_address_codes`` makes them;
    used as they are when no address is null (then they equal ``address_codes``)."""
    if flows.num_rows == 0:
        return None
    if shared is not None and not (shared[0].size and min(shared[0].min(), shared[1].min()) < 0):
        src, dst, addresses = shared
    else:
        src, dst, addresses = address_codes(flows)
    keep = bool_column(
        pc.and_(
            pc.and_(pc.is_valid(flows["source.ip"]), pc.is_valid(flows["destination.ip"])),
            pc.is_valid(flows["event.start"]),
        )
    )
    if skip_group_destinations:
        keep &= ~np.append(group_destinations(addresses), False)[dst]
    if skipped_ports:
        value_set = pa.array(skipped_ports, pa.int32())
        keep &= ~bool_column(pc.is_in(flows["destination.port"], value_set=value_set))
    row = np.flatnonzero(keep).astype(np.int64)
    if row.size == 0:
        return None
    start_us = int_column(pc.cast(flows["event.start"], pa.int64()))[row]
    tcp = bool_column(pc.equal(flows["network.transport"], "tcp"))[row]
    responder = flows["destination.tcp_flags"]
    no_syn_ack = bool_column(
        pc.and_(pc.is_valid(responder), pc.equal(pc.bit_wise_and(responder, TCP_SYN), 0))
    )
    return FlowArrays(
        table=flows,
        addresses=addresses,
        row=row,
        src=src[row],
        dst=dst[row],
        start_us=start_us,
        bytes_sent=int_column(flows["source.bytes"])[row],
        tcp=tcp,
        failed=tcp & no_syn_ack[row],
        by_time=time_order(start_us),
    )


def fold_split_records(flows: FlowArrays) -> FlowArrays:
    """One entry per connection: records the flow meter split off a connection (a TCP record
    with no SYN after an earlier record of the same 5-tuple, or any record after one cut at
    the active timeout) are folded into the first, their bytes added. Otherwise a long
    session cut every 30 min would look like a perfect 30-min beacon. A TCP record that
    opened (SYN) and closed (FIN/RST) is a whole connection by itself."""
    table, row = flows.table, flows.row
    src_flags, dst_flags = table["source.tcp_flags"], table["destination.tcp_flags"]
    flags_known = bool_column(pc.or_(pc.is_valid(src_flags), pc.is_valid(dst_flags)))[row]
    syn = (((int_column(src_flags) | int_column(dst_flags)) & TCP_SYN) != 0)[row]
    reason = pc.fill_null(table["flow.end_reason"], "")
    closed = bool_column(pc.is_in(reason, value_set=pa.array(["fin", "rst"])))[row]
    cut_active = bool_column(pc.equal(reason, "active_timeout"))[row]
    rest = ~(flows.tcp & flags_known & syn & closed)
    # A record can only continue another if it is TCP without a SYN, or follows a record cut
    # at the active timeout: without either, nothing folds and no grouping is needed.
    tcp_continuation = rest & flows.tcp & flags_known & ~syn
    if not tcp_continuation.any() and not (rest & cut_active).any():
        return flows
    key = _directionless_key(flows)
    order = regroup(flows.by_time[rest[flows.by_time]], key)
    k = key[order]
    continues = np.zeros(order.size, dtype=bool)
    continues[1:] = (k[1:] == k[:-1]) & np.where(
        flows.tcp[order][1:], tcp_continuation[order][1:], cut_active[order][:-1]
    )
    if not continues.any():
        return flows
    firsts = np.flatnonzero(~continues)
    # The first record of each connection stands for it, with the bytes of all its records.
    bytes_sent = flows.bytes_sent.copy()
    bytes_sent[order[firsts]] = np.add.reduceat(flows.bytes_sent[order], firsts)
    continuation = np.zeros(flows.row.size, dtype=bool)
    continuation[order[continues]] = True
    folded = replace(flows, bytes_sent=bytes_sent)
    folded.drop(continuation)
    return folded


def _directionless_key(flows: FlowArrays) -> IntArray:
    """Code of each flow's 5-tuple that is the same for both directions of a connection
    (a flow meter may see a continuation first from the server side)."""
    table, row = flows.table, flows.row
    src_end = flows.src * 65_536 + int_column(table["source.port"])[row]
    dst_end = flows.dst * 65_536 + int_column(table["destination.port"])[row]
    low_end, _ = combine(np.minimum(src_end, dst_end))
    high_end, _ = combine(np.maximum(src_end, dst_end))
    transport, _ = codes(table["network.transport"])
    key, _ = combine(low_end, high_end, transport[row])
    return key


def pair_key(flows: FlowArrays) -> IntArray:
    return flows.src * len(flows.addresses) + flows.dst


def drop_tcp_retries(flows: FlowArrays, window: float) -> tuple[FlowArrays, IntArray]:
    """Drop failed or rejected TCP attempts that follow another attempt of the same pair within
    ``window`` seconds: SYN retries and RST bursts would otherwise look like a 1-second
    beacon (rita-legacy#117). Flows without flag information are kept.

    Also returns the positions of the remaining flows sorted by address pair, then time,
    which the pair level scores from."""
    key = pair_key(flows)
    order = regroup(flows.by_time, key)
    if window <= 0 or not flows.failed.any():
        return flows, order
    k = key[order]
    seconds = flows.start_us[order] / 1e6
    retry = np.zeros(order.size, dtype=bool)
    retry[1:] = flows.failed[order][1:] & (k[1:] == k[:-1]) & (np.diff(seconds) <= window)
    if not retry.any():
        return flows, order
    dropped = np.zeros(flows.row.size, dtype=bool)
    dropped[order[retry]] = True
    flows.drop(dropped)
    return flows, order[~retry]
