"""NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) messages: header, set walk, and turning a
data set read through its template into flow columns or options state."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from seawall.errors import Location, ParseIssue
from seawall.sources.flowexport import ipfix_fields as ie
from seawall.sources.flowexport.batch import (
    ADDR_VERSION,
    DST_HI,
    DST_LO,
    END_US,
    SAMPLER,
    SAMPLING,
    SRC_HI,
    SRC_LO,
    START_US,
    FlowBatch,
)
from seawall.sources.flowexport.netflow_v5 import uptime_to_us
from seawall.sources.flowexport.templates import (
    FIRST_DATA_SET,
    IPFIX_OPTIONS_SET,
    IPFIX_TEMPLATE_SET,
    V9_OPTIONS_SET,
    V9_TEMPLATE_SET,
    DomainState,
    RawRecords,
    Template,
    parse_template_set,
    read_records,
    unusable_fields,
    view_records,
)

V9_HEADER = struct.Struct(">HHIIII")  # version, count, sysUptime, unix secs, sequence, source id
IPFIX_HEADER = struct.Struct(">HHIII")  # version, length, export time, sequence, domain id
INT64_MAX = np.uint64(np.iinfo(np.int64).max)


@dataclass(frozen=True, slots=True)
class MessageContext:
    """What the data records of one message need from its header."""

    version: int  # 9 or 10
    exporter: str
    domain_id: int
    export_s: int
    sys_uptime_ms: int | None  # v9 only
    location: Location

    @property
    def observer_type(self) -> str:
        return "netflow" if self.version == 9 else "ipfix"


class MessageSink(Protocol):
    """The collector side of a message walk: template state and pending data."""

    def domain(self, exporter: str, version: int, domain_id: int) -> DomainState: ...

    def learn(self, domain: DomainState, template: Template, ctx: MessageContext) -> None: ...

    def withdraw(self, domain: DomainState, template_id: int, set_id: int) -> None: ...

    def data_set(
        self, domain: DomainState, set_id: int, body: bytes, where: int, ctx: MessageContext
    ) -> int | None:
        """Records decoded from the set, or None when it waits for its template."""

    def issue(self, issue: ParseIssue) -> None: ...


def walk_message(datagram: bytes, exporter: str, location: Location, sink: MessageSink) -> None:
    """Read one v9 or IPFIX message; every problem becomes an issue given to the sink."""
    version = struct.unpack_from(">H", datagram, 0)[0] if len(datagram) >= 2 else 0
    header = V9_HEADER if version == 9 else IPFIX_HEADER
    name = "NetFlow v9" if version == 9 else "IPFIX"
    if len(datagram) < header.size:
        sink.issue(
            ParseIssue(
                location,
                f"{name} header cut at {len(datagram)} of {header.size} bytes; datagram skipped",
                "truncated",
            )
        )
        return
    end = len(datagram)
    if version == 9:
        _, count, uptime, unix_s, _, domain_id = V9_HEADER.unpack_from(datagram, 0)
        ctx = MessageContext(9, exporter, domain_id, unix_s, uptime, location)
    else:
        _, length, export_s, _, domain_id = IPFIX_HEADER.unpack_from(datagram, 0)
        ctx = MessageContext(10, exporter, domain_id, export_s, None, location)
        if length > len(datagram):
            sink.issue(
                ParseIssue(
                    location,
                    f"IPFIX message length {length} exceeds the {len(datagram)}-byte datagram; "
                    "only complete sets are read",
                    "truncated",
                )
            )
        elif length < header.size:
            sink.issue(ParseIssue(location, f"IPFIX message length {length} below 16; skipped"))
            return
        else:
            end = length
            if length < len(datagram):
                sink.issue(
                    ParseIssue(
                        location,
                        f"{len(datagram) - length} bytes after the {length}-byte IPFIX message "
                        "ignored (one message per datagram expected)",
                        "unsupported",
                    )
                )
    domain = sink.domain(exporter, version, domain_id)
    pos = header.size
    records: int | None = 0  # None once a set waits for its template (count unknown)
    while end - pos >= 4:
        set_id, set_len = struct.unpack_from(">HH", datagram, pos)
        if set_len < 4 or pos + set_len > end:
            if version == 9 and set_id == 0 and set_len == 0:
                break  # trailing padding some v9 exporters send
            sink.issue(
                ParseIssue(
                    location,
                    f"{name} set {set_id} at datagram byte {pos} claims {set_len} bytes, "
                    f"{end - pos} left; rest of the message skipped",
                    "truncated" if set_len >= 4 else "parse",
                )
            )
            return
        body = datagram[pos + 4 : pos + set_len]
        if set_id >= FIRST_DATA_SET:
            decoded = sink.data_set(domain, set_id, body, pos + 4, ctx)
            records = None if decoded is None or records is None else records + decoded
        elif (version == 9 and set_id in (V9_TEMPLATE_SET, V9_OPTIONS_SET)) or (
            version == 10 and set_id in (IPFIX_TEMPLATE_SET, IPFIX_OPTIONS_SET)
        ):
            issues: list[ParseIssue] = []
            templates, withdrawn = parse_template_set(body, set_id, location, pos + 4, issues)
            for issue in issues:
                sink.issue(issue)
            for template_id in withdrawn:
                sink.withdraw(domain, template_id, set_id)
            for template in templates:
                for problem in unusable_fields(template):
                    sink.issue(
                        ParseIssue(
                            location,
                            f"template {template.template_id}: {problem} has an unexpected "
                            "length; that field is not decoded",
                            "unsupported",
                        )
                    )
                sink.learn(domain, template, ctx)
            if records is not None:
                records += len(templates) + len(withdrawn)
        else:
            sink.issue(
                ParseIssue(
                    location,
                    f"{name} set id {set_id} at datagram byte {pos} is reserved; set skipped",
                    "unsupported",
                )
            )
        pos += set_len
    if version == 9 and records is not None and records < count:
        # v9 has no message length: a datagram cut at a set boundary shows only here.
        sink.issue(
            ParseIssue(
                location,
                f"NetFlow v9 header announces {count} records, the datagram holds {records}; "
                "it was probably cut (check the capture's snap length)",
                "truncated",
            )
        )


def apply_options_set(
    template: Template,
    body: bytes,
    where: int,
    ctx: MessageContext,
    domain: DomainState,
    issues: list[ParseIssue],
) -> int:
    """Read an options data set into ``domain`` (sampling, init time); returns its records."""
    raw = read_records(template, body, ctx.location, where, issues)
    apply_options(raw, domain)
    return raw.n


def decode_queued(
    template: Template,
    domain: DomainState,
    bodies: list[bytes],
    contexts: list[MessageContext],
    counts: list[int],
) -> FlowBatch | None:
    """Flow records of many data sets of one template at once: their packed rows are
    joined and read through the template's dtype in one pass; header values (export
    time, sysUptime) become per-record columns."""
    n = sum(counts)
    if n == 0:
        return None
    raw = view_records(template, b"".join(bodies), n)
    repeat = np.asarray(counts, dtype=np.int64)
    export_s = np.repeat(np.array([c.export_s for c in contexts], dtype=np.int64), repeat)
    uptime = None
    if contexts[0].sys_uptime_ms is not None:
        uptime = np.repeat(
            np.array([c.sys_uptime_ms or 0 for c in contexts], dtype=np.int64), repeat
        )
    columns = flow_columns(raw, export_s, uptime, domain)
    segments = [(c.location, k) for c, k in zip(contexts, counts, strict=True) if k]
    first = contexts[0]
    return FlowBatch(n, columns, first.observer_type, first.exporter, segments, domain)


def _rates(raw: RawRecords) -> np.ndarray | None:
    """Per-record sampling rate from whichever sampling elements the records carry."""
    v = raw.values
    if ie.SAMPLING_INTERVAL in v:
        return v[ie.SAMPLING_INTERVAL]
    if ie.SAMPLING_PKT_INTERVAL in v and ie.SAMPLING_PKT_SPACE in v:
        interval = v[ie.SAMPLING_PKT_INTERVAL]
        safe = np.maximum(interval, 1)
        return np.where(interval > 0, (interval + v[ie.SAMPLING_PKT_SPACE]) // safe, 0)
    if ie.SAMPLING_SIZE in v and ie.SAMPLING_POPULATION in v:
        size = v[ie.SAMPLING_SIZE]
        return np.where(size > 0, v[ie.SAMPLING_POPULATION] // np.maximum(size, 1), 0)
    return None


def apply_options(raw: RawRecords, domain: DomainState) -> None:
    """Remember sampling rates (per sampler id) and the system init time."""
    rates = _rates(raw)
    if rates is not None:
        samplers = raw.values.get(ie.SAMPLER_ID)
        for i in range(raw.n):
            rate = int(min(rates[i], INT64_MAX))
            if rate > 0:
                sampler = int(samplers[i]) if samplers is not None else -1
                domain.sampler_rates[sampler] = rate
    init = raw.values.get(ie.SYSTEM_INIT_MS)
    if init is not None and raw.n:
        domain.system_init_ms = int(init[-1])


def _signed(values: np.ndarray) -> np.ndarray:
    return np.minimum(values, INT64_MAX).astype(np.int64)


def _times(
    raw: RawRecords,
    export_s: np.ndarray,
    uptime: np.ndarray | None,
    domain: DomainState,
    start: bool,
) -> np.ndarray | None:
    v = raw.values
    ms_key, s_key, ntp_key, delta_key, up_key = (
        (ie.START_MS, ie.START_S, ie.START_NTP, ie.START_DELTA_US, ie.START_SYSUPTIME)
        if start
        else (ie.END_MS, ie.END_S, ie.END_NTP, ie.END_DELTA_US, ie.END_SYSUPTIME)
    )
    if ms_key in v:
        return _signed(v[ms_key]) * 1000
    if s_key in v:
        return _signed(v[s_key]) * 1_000_000
    if ntp_key in v:
        ntp = v[ntp_key]
        seconds = (ntp >> np.uint64(32)).astype(np.int64) - ie.NTP_UNIX_OFFSET_S
        fraction = ((ntp & np.uint64(0xFFFFFFFF)) * np.uint64(1_000_000)) >> np.uint64(32)
        return seconds * 1_000_000 + fraction.astype(np.int64)
    if delta_key in v:
        return export_s * 1_000_000 - _signed(v[delta_key])
    if up_key in v:
        if uptime is not None:
            return uptime_to_us(export_s * 1_000_000, uptime, v[up_key])
        init = v.get(ie.SYSTEM_INIT_MS)
        if init is not None:
            return (_signed(init) + _signed(v[up_key])) * 1000
        if domain.system_init_ms is not None:
            return (domain.system_init_ms + _signed(v[up_key])) * 1000
    return None


def flow_columns(
    raw: RawRecords, export_s: np.ndarray, uptime: np.ndarray | None, domain: DomainState
) -> dict[str, np.ndarray]:
    """Batch columns of flow records. ``export_s`` (and for v9 ``uptime``, the header's
    sysUptime in ms) hold each record's message header value; records without a usable
    time element take the export time."""
    n = raw.n
    v = raw.values
    cols: dict[str, np.ndarray] = {}
    start = _times(raw, export_s, uptime, domain, start=True)
    end = _times(raw, export_s, uptime, domain, start=False)
    export_us = export_s * 1_000_000
    cols[START_US] = start if start is not None else (end if end is not None else export_us)
    cols[END_US] = end if end is not None else cols[START_US]

    zeros = np.zeros(n, dtype=np.uint64)
    has_v4 = ie.SRC_V4 in v or ie.DST_V4 in v
    has_v6 = ie.SRC_V6 in raw.pairs or ie.DST_V6 in raw.pairs
    if ie.IP_VERSION in v and has_v4 and has_v6:
        is_v6 = v[ie.IP_VERSION] == 6
    elif has_v4 and has_v6:
        is_v6 = v.get(ie.SRC_V4, zeros) == 0
    else:
        is_v6 = np.full(n, has_v6 and not has_v4)
    src6 = raw.pairs.get(ie.SRC_V6, (zeros, zeros))
    dst6 = raw.pairs.get(ie.DST_V6, (zeros, zeros))
    cols[SRC_HI] = np.where(is_v6, src6[0], 0).astype(np.uint64)
    cols[SRC_LO] = np.where(is_v6, src6[1], v.get(ie.SRC_V4, zeros)).astype(np.uint64)
    cols[DST_HI] = np.where(is_v6, dst6[0], 0).astype(np.uint64)
    cols[DST_LO] = np.where(is_v6, dst6[1], v.get(ie.DST_V4, zeros)).astype(np.uint64)
    cols[ADDR_VERSION] = np.where(is_v6, 6, 4 if has_v4 else 0).astype(np.int8)

    for key in (
        ie.SPORT, ie.DPORT, ie.PROTO, ie.BYTES, ie.PACKETS, ie.REV_BYTES, ie.REV_PACKETS,
        ie.TCP_FLAGS, ie.REV_TCP_FLAGS, ie.IN_IF, ie.OUT_IF, ie.SRC_AS, ie.DST_AS,
    ):  # fmt: skip
        if key in v:
            cols[key] = _signed(v[key])
    rates = _rates(raw)
    if rates is not None:
        cols[SAMPLING] = _signed(rates)
    if ie.SAMPLER_ID in v:
        cols[SAMPLER] = _signed(v[ie.SAMPLER_ID])
    return cols
