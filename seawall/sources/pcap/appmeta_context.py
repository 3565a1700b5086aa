"""Shared state of one payload-inspection pass: byte gathers over the capture buffer, flow
endpoints, TCP stream assembly, and column-wise row builders for the output tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.errors import Location, ParseIssue
from seawall.records.schemas import PACKET, TRANSACTION, from_columns
from seawall.sources.base import SourceOptions
from seawall.sources.pcap.index import (
    TUNNEL_NAMES,
    MeteredPackets,
    PacketIndex,
    ips_to_strings,
)

TRANSPORTS = {
    1: "icmp",
    6: "tcp",
    17: "udp",
    47: "gre",
    50: "esp",
    51: "ah",
    58: "ipv6-icmp",
    132: "sctp",
}
_TRANSPORT_TEXT = pa.array([TRANSPORTS.get(k, str(k)) for k in range(256)], pa.string())
MAX_ISSUES = 100  # located samples; the stats count every malformed payload


def _repeated(text: str, n: int) -> pa.Array:
    return pa.array([text], pa.string()).take(pa.array(np.zeros(n, np.int64)))


def _in_capture_order(table: pa.Table, pkts: np.ndarray) -> pa.Table:
    order = np.argsort(pkts, kind="stable")
    if len(order) and (order == np.arange(len(order))).all():
        return table
    return table.take(order)


class Rows:
    """Rows of one output table, kept column-wise in batches of rows that set the same
    columns (no per-row padding). ``pkt`` is the packet each row is about (time, frame and
    tunnel come from it); ``flow`` the flow its 5-tuple comes from (-1: none)."""

    def __init__(self) -> None:
        self._batches: dict[tuple[str, ...], tuple[list[int], list[int], list[list[object]]]] = {}

    def add(self, pkt: int, flow: int, values: dict[str, object]) -> None:
        key = tuple(values)
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = ([], [], [[] for _ in key])
        batch[0].append(pkt)
        batch[1].append(flow)
        for column, value in zip(batch[2], values.values(), strict=True):
            column.append(value)

    def extend(
        self, pkt: np.ndarray, flow: np.ndarray, values: Mapping[str, Sequence[object]]
    ) -> None:
        """Add many rows at once (values: equal-length lists per column)."""
        key = tuple(values)
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = ([], [], [[] for _ in key])
        batch[0].extend(pkt.tolist())
        batch[1].extend(flow.tolist())
        for column, vals in zip(batch[2], values.values(), strict=True):
            column.extend(vals)

    def __len__(self) -> int:
        return sum(len(b[0]) for b in self._batches.values())

    def merged(self, schema: pa.Schema) -> tuple[np.ndarray, np.ndarray, dict[str, pa.Array]]:
        """(packets, flows, columns) over all batches as Arrow arrays of the schema's types;
        a batch without a column contributes nulls (no per-row padding in Python)."""
        names: list[str] = []
        for key in self._batches:
            names.extend(n for n in key if n not in names)
        pkts: list[int] = []
        flows: list[int] = []
        chunks: dict[str, list[pa.Array]] = {n: [] for n in names}
        for key, (bp, bf, bcols) in self._batches.items():
            pkts.extend(bp)
            flows.extend(bf)
            given = dict(zip(key, bcols, strict=True))
            for n in names:
                kind = schema.field(n).type
                values = given.get(n)
                chunks[n].append(
                    pa.array(values, type=kind) if values is not None else pa.nulls(len(bp), kind)
                )
        columns = {
            n: pa.concat_arrays(c) if c else pa.array([], schema.field(n).type)
            for n, c in chunks.items()
        }
        return np.asarray(pkts, np.int64), np.asarray(flows, np.int64), columns


class Context:
    """Arrays and helpers over one PacketIndex plus its flow assignment."""

    def __init__(self, index: PacketIndex, metered: MeteredPackets, options: SourceOptions):
        self.index = index
        self.metered = metered
        self.options = options
        self.n_flows = int(metered.n_flows)
        buf = index.buffer
        self.raw = np.frombuffer(buf, dtype=np.uint8) if len(buf) else np.zeros(1, np.uint8)
        has = index.payload_offset >= 0
        self.plen = np.where(has, np.maximum(index.payload_len, 0), 0).astype(np.int64)
        self.pstart = index.data_offset.astype(np.int64) + np.where(has, index.payload_offset, 0)
        self.flow_id = metered.flow_id
        self.fwd = metered.from_source
        self.stats: Counter[str] = Counter()
        self.issues: list[ParseIssue] = []
        self.transactions = Rows()
        self.packets = Rows()
        self.flow_columns: dict[str, list[object]] = {}
        self.labels: list[str | None] = [None] * self.n_flows  # label from payload
        self._flow_endpoints()

    # ---- flows -------------------------------------------------------------------------
    def _flow_endpoints(self) -> None:
        """Source/destination of each flow from its first packet (swapped when that packet
        travels from the destination, e.g. a capture starting at the SYN-ACK)."""
        ix = self.index
        first = np.full(self.n_flows, -1, np.int64)
        member = np.flatnonzero(self.flow_id >= 0)
        if len(member):
            ids, at = np.unique(self.flow_id[member], return_index=True)
            first[ids] = member[at]
        self.flow_first = first
        p = np.where(first >= 0, first, 0)
        fwd = self.fwd[p] if len(ix) else np.zeros(0, bool)
        self.flow_proto = ix.proto[p].astype(np.int64) if len(ix) else np.zeros(0, np.int64)
        self.flow_sport = np.where(fwd, ix.sport[p], ix.dport[p]).astype(np.int64)
        self.flow_dport = np.where(fwd, ix.dport[p], ix.sport[p]).astype(np.int64)
        self._fwd_first = fwd
        self._first_safe = p

    def set_flow(self, column: str, flow: int, value: object) -> None:
        """Set a flow column once (the first value seen wins)."""
        if flow < 0 or value is None:
            return
        values = self.flow_columns.get(column)
        if values is None:
            values = self.flow_columns[column] = [None] * self.n_flows
        if values[flow] is None:
            values[flow] = value

    def label(self, flow: int, name: str) -> None:
        if 0 <= flow < self.n_flows and self.labels[flow] is None:
            self.labels[flow] = name

    # ---- bytes -------------------------------------------------------------------------
    def payload(self, i: int) -> bytes:
        n = int(self.plen[i])
        if n <= 0:
            return b""
        start = int(self.pstart[i])
        return bytes(self.index.buffer[start : start + n])

    def payload_byte(self, pkts: np.ndarray, k: int) -> np.ndarray:
        """Byte k of each packet's payload, -1 where the payload is shorter."""
        inside = self.plen[pkts] > k
        pos = np.clip(self.pstart[pkts] + k, 0, len(self.raw) - 1)
        return np.where(inside, self.raw[pos].astype(np.int64), -1)

    def payload_head4(self, pkts: np.ndarray) -> np.ndarray:
        """First four payload bytes as a big-endian int (-1 if shorter)."""
        b = [self.payload_byte(pkts, k) for k in range(4)]
        value = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]
        return np.where(b[3] >= 0, value, -1)

    def tcp_seq(self, pkts: np.ndarray) -> np.ndarray:
        ix = self.index
        base = ix.data_offset[pkts].astype(np.int64) + ix.l4_offset[pkts].astype(np.int64) + 4
        pos = np.clip(base[:, None] + np.arange(4), 0, len(self.raw) - 1)
        b = self.raw[pos].astype(np.int64)
        return (b[:, 0] << 24) | (b[:, 1] << 16) | (b[:, 2] << 8) | b[:, 3]

    # ---- TCP streams -------------------------------------------------------------------
    def first_payload_packets(
        self, flows: np.ndarray, per_direction: int, candidates: np.ndarray | None = None
    ) -> dict[tuple[int, bool], np.ndarray]:
        """For the given flows, the first ``per_direction`` payload packets of each direction
        (file order), keyed by (flow, from_source)."""
        wanted = np.zeros(self.n_flows + 1, bool)
        wanted[flows] = True
        pkts = (
            np.flatnonzero((self.plen > 0) & wanted[self.flow_id])
            if candidates is None
            else candidates[wanted[self.flow_id[candidates]] & (self.plen[candidates] > 0)]
        )
        if len(pkts) == 0:
            return {}
        key = self.flow_id[pkts] * 2 + self.fwd[pkts]
        order = np.lexsort((pkts, key))
        pkts, key = pkts[order], key[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        rank = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
        keep = rank < per_direction
        pkts, key = pkts[keep], key[keep]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        out: dict[tuple[int, bool], np.ndarray] = {}
        for group in np.split(np.arange(len(key)), starts[1:]):
            k = int(key[group[0]])
            out[(k // 2, bool(k % 2))] = pkts[group]
        return out

    def group_seqs(
        self, groups: Mapping[tuple[int, bool], np.ndarray]
    ) -> dict[tuple[int, bool], np.ndarray]:
        """TCP sequence numbers of every group's packets, read in one gather for all groups."""
        if not groups:
            return {}
        lengths = [len(g) for g in groups.values()]
        seq = self.tcp_seq(np.concatenate(list(groups.values())))
        parts = np.split(seq, np.cumsum(lengths)[:-1])
        return dict(zip(groups, parts, strict=True))

    def stream(
        self, pkts: np.ndarray, max_bytes: int = 65536, seq: np.ndarray | None = None
    ) -> tuple[bytes, list[tuple[int, int]]]:
        """Join TCP segments of one direction in sequence order, dropping retransmissions and
        stopping at the first hole. Returns the bytes and (stream offset, packet) per segment.
        ``seq``: the packets' sequence numbers when already read (see ``group_seqs``)."""
        if len(pkts) == 0:
            return b"", []
        if seq is None:
            seq = self.tcp_seq(pkts)
        rel = ((seq - seq[0] + (1 << 31)) % (1 << 32)) - (1 << 31)
        order = np.argsort(rel, kind="stable")
        rel_at, pkt_at = rel[order].tolist(), pkts[order].tolist()
        size_at, start_at = self.plen[pkts][order].tolist(), self.pstart[pkts][order].tolist()
        buffer = self.index.buffer
        data = bytearray()
        where: list[tuple[int, int]] = []
        expected = rel_at[0]
        for start, pkt, size, at in zip(rel_at, pkt_at, size_at, start_at, strict=True):
            chunk = bytes(buffer[at : at + size]) if size > 0 else b""
            end = start + len(chunk)
            if end <= expected:
                continue  # retransmitted bytes already joined
            if start > expected:
                break  # missing segment: what follows cannot be trusted
            where.append((len(data), pkt))
            data += chunk[expected - start :]
            expected = end
            if len(data) >= max_bytes:
                break
        return bytes(data), where

    # ---- problems ----------------------------------------------------------------------
    def malformed(self, proto: str, pkt: int, reason: str) -> None:
        self.stats[f"{proto}_malformed"] += 1
        if len(self.issues) < MAX_ISSUES:
            frame = int(self.index.frame[pkt]) if 0 <= pkt < len(self.index) else None
            self.issues.append(
                ParseIssue(Location(self.index.path, frame=frame), f"{proto}: {reason}", "parse")
            )

    def malformed_rows(
        self,
        proto: str,
        pkts: np.ndarray,
        sizes: np.ndarray,
        rows: np.ndarray,
        errors: dict[int, str],
        not_this_protocol: str,
    ) -> None:
        """Report the payloads ``pkts[rows]`` (message sizes ``sizes[rows]``) that did not
        decode: located issues up to MAX_ISSUES, the rest only counted. ``errors`` holds a
        parser's message per row; other rows are "<size>-byte payload <not_this_protocol>"."""
        room = max(MAX_ISSUES - len(self.issues), 0)
        for row in rows[:room].tolist():
            reason = (
                f"{proto.upper()} parser failed: {errors[row]}"
                if row in errors
                else f"{int(sizes[row])}-byte payload {not_this_protocol}"
            )
            self.malformed(proto, int(pkts[row]), reason)
        if len(rows) > room:
            self.stats[f"{proto}_malformed"] += len(rows) - room

    # ---- output ------------------------------------------------------------------------
    def _row_times(self, pkts: np.ndarray) -> pa.Array:
        ts = self.index.ts_us[pkts].astype(np.int64)
        return pa.array(ts, type=pa.int64()).cast(pa.timestamp("us", tz="UTC"))

    def transaction_table(self) -> pa.Table:
        pkts, flows, merged = self.transactions.merged(TRANSACTION)
        cols: dict[str, object] = dict(merged)
        cols.update(self._five_tuple(flows))
        ix = self.index
        cols["event.start"] = self._row_times(pkts)
        cols["input.file"] = _repeated(ix.path, len(pkts))
        cols["input.frame"] = ix.frame[pkts].astype(np.int64)
        names = pa.array([TUNNEL_NAMES.get(k) for k in range(256)], pa.string())
        by_packet = names.take(pa.array(ix.tunnel[pkts].astype(np.int64) & 0xFF))
        given = cols.get("tunnel.type")
        if isinstance(given, pa.Array):  # rows that name their own encapsulation keep it
            by_packet = pc.coalesce(given, by_packet)
        cols["tunnel.type"] = by_packet
        table = from_columns("transaction", cols, len(pkts))
        return _in_capture_order(table, pkts)

    def packet_table(self) -> pa.Table:
        pkts, _, merged = self.packets.merged(PACKET)
        cols: dict[str, object] = dict(merged)
        cols["event.start"] = self._row_times(pkts)
        cols["input.file"] = _repeated(self.index.path, len(pkts))
        cols["input.frame"] = self.index.frame[pkts].astype(np.int64)
        table = from_columns("packet", cols, len(pkts))
        return _in_capture_order(table, pkts)

    def _five_tuple(self, flows: np.ndarray) -> dict[str, object]:
        """Flow source -> destination columns for rows of the given flows."""
        ix = self.index
        uniq, inverse = np.unique(flows, return_inverse=True)
        p = self._first_safe[uniq] if len(uniq) else np.zeros(0, np.int64)
        fwd = self._fwd_first[uniq] if len(uniq) else np.zeros(0, bool)
        version = ix.ip_version[p]
        src = ips_to_strings(
            np.where(fwd, ix.src_hi[p], ix.dst_hi[p]),
            np.where(fwd, ix.src_lo[p], ix.dst_lo[p]),
            version,
        )
        dst = ips_to_strings(
            np.where(fwd, ix.dst_hi[p], ix.src_hi[p]),
            np.where(fwd, ix.dst_lo[p], ix.src_lo[p]),
            version,
        )
        proto = self.flow_proto[uniq] if len(uniq) else np.zeros(0, np.int64)
        rows = pa.array(inverse.reshape(-1).astype(np.int64))
        proto_rows = proto[inverse.reshape(-1)] if len(uniq) else np.zeros(0, np.int64)
        sport = self.flow_sport[uniq][inverse] if len(uniq) else np.zeros(0, np.int64)
        dport = self.flow_dport[uniq][inverse] if len(uniq) else np.zeros(0, np.int64)
        return {
            "source.ip": pa.array(src, pa.string()).take(rows),
            "destination.ip": pa.array(dst, pa.string()).take(rows),
            "source.port": sport.astype(np.int32),
            "destination.port": dport.astype(np.int32),
            "network.transport": _TRANSPORT_TEXT.take(pa.array(proto_rows & 0xFF)),
            "network.iana_number": proto_rows.astype(np.int16),
        }
