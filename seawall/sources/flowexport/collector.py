"""The export collector: one object per run that receives every export datagram (from any
file), keeps template and sampling state per exporter + observation domain, parks data
sets whose template has not arrived yet, and yields FLOW tables.

Use ``drain()`` after each input file to take what was decoded so far (records decoded
late carry the file and frame of their own datagram), and ``finish()`` at the end of the
run: it also reports every data set still waiting for its template.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass, field

import pyarrow as pa

from seawall.errors import Location, ParseIssue
from seawall.sources.base import SourceOptions
from seawall.sources.flowexport.batch import FlowBatch, build_table
from seawall.sources.flowexport.netflow_v5 import V5Chunk, decode_v5_chunks, split_v5
from seawall.sources.flowexport.sflow import SflowRows, SflowStats, decode_sflow, sflow_batch
from seawall.sources.flowexport.templates import (
    IPFIX_OPTIONS_SET,
    IPFIX_TEMPLATE_SET,
    DomainState,
    Template,
    split_records,
)
from seawall.sources.flowexport.v9_ipfix import (
    MessageContext,
    apply_options_set,
    decode_queued,
    walk_message,
)

SHARED_KEY = "flowexport"
MAX_PENDING_PER_EXPORTER = 10_000  # data sets waiting for templates, per exporter address
# Decoded-but-unread record bytes held before they are turned into columns in one pass.
MAX_QUEUED_BYTES = 32 * 1024 * 1024

DomainKey = tuple[str, int, int]  # exporter, version (9 | 10), domain / source id


@dataclass(slots=True)
class _Pending:
    domain: DomainState
    template_id: int
    body: bytes
    where: int
    ctx: MessageContext
    done: bool = False


@dataclass(slots=True)
class _Queue:
    """Packed records of one template, read through its dtype in one pass when flushed."""

    domain: DomainState
    template: Template
    bodies: list[bytes] = field(default_factory=list)
    contexts: list[MessageContext] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Counters:
    datagrams: int = 0
    records_decoded: int = 0
    templates_learnt: int = 0
    options_records: int = 0
    sets_decoded_late: int = 0
    missing_template: int = 0  # data sets still without template at finish()
    # Datagrams of no export format, sets evicted from a full pending buffer, and
    # datagrams a decoder failed on; malformed parts are counted by issue kind instead.
    dropped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class ExportCollector:
    """Stateful NetFlow v5/v9, IPFIX and sFlow v5 collector (see module docstring)."""

    max_pending_per_exporter: int = MAX_PENDING_PER_EXPORTER
    domains: dict[DomainKey, DomainState] = field(default_factory=dict)
    _pending: dict[tuple[DomainKey, int], list[_Pending]] = field(default_factory=dict)
    _order: dict[str, deque[_Pending]] = field(default_factory=dict)  # eviction order
    _pending_count: dict[str, int] = field(default_factory=dict)
    _batches: list[FlowBatch] = field(default_factory=list)
    _queues: dict[tuple[DomainKey, int], _Queue] = field(default_factory=dict)
    _v5: dict[str, list[V5Chunk]] = field(default_factory=dict)
    _sflow_rows: dict[str, SflowRows] = field(default_factory=dict)
    _queued_bytes: int = 0
    _issues: list[ParseIssue] = field(default_factory=list)
    _counters: _Counters = field(default_factory=_Counters)
    _drained: dict[str, int] = field(default_factory=dict)
    _sflow: SflowStats = field(default_factory=SflowStats)
    # Internal columns (interfaces, AS numbers) of the table last returned by drain/finish.
    extra: dict[str, pa.Array] = field(default_factory=dict)

    # -- input ---------------------------------------------------------------------------

    def feed(self, datagram: bytes, exporter_ip: str, received_us: int, location: Location) -> None:
        """Decode one export datagram (UDP payload). Never raises on its content."""
        self._counters.datagrams += 1
        datagram = bytes(datagram)
        try:
            self._dispatch(datagram, exporter_ip, received_us, location)
        except Exception as exc:  # a decoder bug must not stop the run
            self._counters.dropped += 1
            self._issues.append(
                ParseIssue(
                    location,
                    f"decoder error on the export datagram from {exporter_ip} "
                    f"({type(exc).__name__}: {exc}); datagram skipped, please report the sample",
                )
            )

    def _dispatch(
        self, datagram: bytes, exporter: str, received_us: int, location: Location
    ) -> None:
        version = struct.unpack_from(">H", datagram, 0)[0] if len(datagram) >= 4 else -1
        if version == 5:
            chunk = split_v5(datagram, location, self._issues)
            if chunk is not None and chunk.count:
                self._v5.setdefault(exporter, []).append(chunk)
                self._queued(chunk.count, len(chunk.records))
        elif version in (9, 10):
            walk_message(datagram, exporter, location, self)
        elif version == 0 and struct.unpack_from(">H", datagram, 2)[0] == 5:
            added = decode_sflow(
                datagram, exporter, received_us, location, self._issues, self._sflow,
                self._sflow_rows,
            )  # fmt: skip
            self._queued(added, 64 * added)
        else:
            self._counters.dropped += 1
            self._issues.append(
                ParseIssue(
                    location,
                    f"datagram from {exporter} is not NetFlow v5/v9, IPFIX or sFlow v5 "
                    f"(version field {version}); skipped",
                    "unsupported",
                )
            )

    def _queued(self, records: int, size: int) -> None:
        self._counters.records_decoded += records
        self._queued_bytes += size
        if self._queued_bytes > MAX_QUEUED_BYTES:
            self._flush_all()

    def _flush(self, key: tuple[DomainKey, int]) -> None:
        queue = self._queues.pop(key, None)
        if queue is not None:
            batch = decode_queued(
                queue.template, queue.domain, queue.bodies, queue.contexts, queue.counts
            )
            if batch is not None:
                self._batches.append(batch)

    def _flush_all(self) -> None:
        for key in list(self._queues):
            self._flush(key)
        for exporter, chunks in self._v5.items():
            batch = decode_v5_chunks(chunks, exporter)
            if batch is not None:
                self._batches.append(batch)
        for agent, rows in self._sflow_rows.items():
            batch = sflow_batch(agent, rows)
            if batch is not None:
                self._batches.append(batch)
        self._v5 = {}
        self._sflow_rows = {}
        self._queued_bytes = 0

    # -- MessageSink (called by the v9/IPFIX walk) ----------------------------------------

    def domain(self, exporter: str, version: int, domain_id: int) -> DomainState:
        key = (exporter, version, domain_id)
        state = self.domains.get(key)
        if state is None:
            state = self.domains[key] = DomainState(exporter, version, domain_id)
        return state

    def learn(self, domain: DomainState, template: Template, ctx: MessageContext) -> None:
        known = domain.templates.get(template.template_id)
        if known is not None and known.same_layout(template):
            return  # periodic refresh
        self._flush((_key(domain), template.template_id))  # records of the old layout
        domain.templates[template.template_id] = template
        self._counters.templates_learnt += 1
        waiting = self._pending.pop((_key(domain), template.template_id), [])
        for item in waiting:
            item.done = True
            self._pending_count[domain.exporter] -= 1
            self._counters.sets_decoded_late += 1
            self._decode(domain, template, item.body, item.where, item.ctx)

    def withdraw(self, domain: DomainState, template_id: int, set_id: int) -> None:
        if template_id == set_id and set_id in (IPFIX_TEMPLATE_SET, IPFIX_OPTIONS_SET):
            options = set_id == IPFIX_OPTIONS_SET
            ids = [t for t, tpl in domain.templates.items() if tpl.options == options]
        else:
            ids = [template_id]
        for tid in ids:
            self._flush((_key(domain), tid))
            domain.templates.pop(tid, None)

    def data_set(
        self, domain: DomainState, set_id: int, body: bytes, where: int, ctx: MessageContext
    ) -> int | None:
        template = domain.templates.get(set_id)
        if template is not None:
            return self._decode(domain, template, body, where, ctx)
        item = _Pending(domain, set_id, body, where, ctx)
        self._pending.setdefault((_key(domain), set_id), []).append(item)
        order = self._order.setdefault(domain.exporter, deque())
        order.append(item)
        self._pending_count[domain.exporter] = self._pending_count.get(domain.exporter, 0) + 1
        while self._pending_count[domain.exporter] > self.max_pending_per_exporter:
            self._evict(order)
        return None

    def issue(self, issue: ParseIssue) -> None:
        self._issues.append(issue)

    def _evict(self, order: deque[_Pending]) -> None:
        oldest = order.popleft()
        if oldest.done:
            return
        oldest.done = True
        self._pending_count[oldest.domain.exporter] -= 1
        self._pending[(_key(oldest.domain), oldest.template_id)].remove(oldest)
        self._counters.dropped += 1
        self._issues.append(
            ParseIssue(
                oldest.ctx.location,
                f"data set for template {oldest.template_id} from exporter "
                f"{oldest.domain.exporter} (domain {oldest.domain.domain_id}) dropped: more than "
                f"{self.max_pending_per_exporter} data sets were waiting for templates from this "
                "exporter; check that the exporter sends its templates to this collector",
                "missing-template",
            )
        )

    def _decode(
        self, domain: DomainState, template: Template, body: bytes, where: int, ctx: MessageContext
    ) -> int:
        """Options data updates the domain at once; flow records are queued per template."""
        if template.options:
            n = apply_options_set(template, body, where, ctx, domain, self._issues)
            self._counters.options_records += n
            return n
        packed, n = split_records(template, body, ctx.location, where, self._issues)
        if n:
            key = (_key(domain), template.template_id)
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = _Queue(domain, template)
            queue.bodies.append(packed)
            queue.contexts.append(ctx)
            queue.counts.append(n)
            self._queued(n, len(packed))
        return n

    # -- output --------------------------------------------------------------------------

    @property
    def sets_pending(self) -> int:
        return sum(self._pending_count.values())

    def totals(self) -> dict[str, int]:
        """Counters since the collector was created; ``sets_pending`` is the current gauge."""
        totals = self._counters.as_dict()
        totals.update(
            flow_samples=self._sflow.flow_samples,
            counter_samples=self._sflow.counter_samples,
            sflow_other_samples=self._sflow.other_samples,
            sflow_non_ip_samples=self._sflow.non_ip_samples,
        )
        totals["sets_pending"] = self.sets_pending
        return totals

    def drain(self) -> tuple[pa.Table, list[ParseIssue], dict[str, int]]:
        """Records decoded and issues raised since the last drain, and the counters' growth
        over the same span (``sets_pending`` is the current number waiting)."""
        self._flush_all()
        table, self.extra = build_table(self._batches)
        self._batches = []
        issues, self._issues = self._issues, []
        totals = self.totals()
        stats = {k: v - self._drained.get(k, 0) for k, v in totals.items()}
        for kind in ("parse", "truncated", "unsupported", "missing-template"):
            stats[f"issues_{kind.replace('-', '_')}"] = sum(i.kind == kind for i in issues)
        stats["sets_pending"] = totals["sets_pending"]
        self._drained = totals
        return table, issues, stats

    def finish(self) -> tuple[pa.Table, list[ParseIssue], dict[str, int]]:
        """Drain, then report every data set still waiting as a "missing-template" issue, one
        per datagram and domain. The template state is kept (a later run may reuse it)."""
        groups: dict[tuple[Location, DomainKey], list[_Pending]] = {}
        for items in self._pending.values():
            for item in items:
                groups.setdefault((item.ctx.location, _key(item.domain)), []).append(item)
        for (location, (exporter, version, domain_id)), items in sorted(
            groups.items(), key=lambda kv: (kv[0][0].file, kv[0][0].frame or 0)
        ):
            ids = sorted({item.template_id for item in items})
            label = "source id" if version == 9 else "observation domain"
            self._counters.missing_template += len(items)
            self._issues.append(
                ParseIssue(
                    location,
                    f"{len(items)} data set(s) from exporter {exporter} ({label} {domain_id}) "
                    f"for template id(s) {', '.join(map(str, ids))} never got their template; "
                    "the exporter sent them before this input started. Include a file with the "
                    "templates (exporters resend them periodically) to decode them",
                    "missing-template",
                )
            )
        stats_pending = self.sets_pending
        self._pending.clear()
        self._order.clear()
        self._pending_count.clear()
        table, issues, stats = self.drain()
        stats["sets_pending"] = stats_pending
        return table, issues, stats


def _key(domain: DomainState) -> DomainKey:
    return (domain.exporter, domain.version, domain.domain_id)


def collector_for(options: SourceOptions) -> ExportCollector:
    """The run's collector, shared by every input file through ``options.shared``."""
    collector = options.shared.get(SHARED_KEY)
    if not isinstance(collector, ExportCollector):
        collector = ExportCollector()
        options.shared[SHARED_KEY] = collector
    return collector
