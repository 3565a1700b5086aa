"""Suricata EVE JSON (one event per line, optionally gzip-compressed).

event_type -> record:
  flow     -> FLOW, bidirectional: *_toserver counters are the source's, *_toclient the
              destination's; flow.start/end -> event.start/end; end reason: RST seen -> rst,
              state closed -> fin, reason shutdown -> capture_end, reason timeout ->
              idle_timeout, otherwise unknown; tcp_flags_ts/_tc (hex) -> tcp flags.
  netflow  -> FLOW. Suricata writes one unidirectional record per direction with the same
              flow_id; the two are merged into one bidirectional flow (the first record is
              the source side, the second record's counters become destination.*). A record
              with no partner stays one-way with destination counters 0. Netflow records whose
              flow_id also has a ``flow`` event in the same file are dropped as duplicates.
  dns      -> TRANSACTION dns_query, one per query. EVE v1 (one event per answer record),
              v2 (``answers`` list or ``grouped``) and v3 (``queries``/``answers`` with type
              request/response) are read; responses are joined to their query by flow_id and
              DNS id to fill the response code and answer count. A response whose query was
              not logged becomes its own row.
  tls      -> TRANSACTION tls_handshake: sni, version, ja3.hash, ja4, fingerprint (SHA-1,
              colon hex -> upper-case plain hex).
  http     -> TRANSACTION http_request: hostname, url, http_method, http_user_agent, status.
  alert    -> TRANSACTION ids_alert: rule.id = signature_id, rule.name = signature,
              event.severity = severity (1 = highest), detail = a JSON object with category,
              gid, rev, action, attack (ATT&CK ids from the rule's mitre_technique_id
              metadata), app_proto, community_id and pcap_cnt.
Other event types (fileinfo, anomaly, stats, ...) are counted in ``stats`` and skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seawall.records import empty, from_columns
from seawall.sources.base import SourceOptions, SourceResult
from seawall.sources.logtext import (
    IssueLog,
    Lines,
    combine,
    ensure_utf8,
    first_line,
    fit_int32,
    ip_version,
    json_string_array,
    null_out_of_range,
    plain_hex_upper,
    read_bytes,
    read_json_block,
    sniff_text,
    text_to_ts,
    tls_version_label,
    transport_columns,
)

_S, _I = pa.string(), pa.int64()
_NAME_TYPE = pa.struct([("rrname", _S), ("rrtype", _S)])
_GROUPED = ("A", "AAAA", "CNAME", "PTR", "NS", "MX", "TXT")


def _struct(spec: str, kind: pa.DataType = _S, **typed: pa.DataType) -> pa.DataType:
    """A struct of the space-separated names in ``spec`` (all of ``kind``) plus ``typed``."""
    return pa.struct([(name, kind) for name in spec.split()] + list(typed.items()))


_FLOW = _struct(
    "start end state reason",
    pkts_toserver=_I,
    pkts_toclient=_I,
    bytes_toserver=_I,
    bytes_toclient=_I,
)
_DNS = _struct(
    "type rrname rrtype rcode",
    version=_I,
    id=_I,
    queries=pa.list_(_NAME_TYPE),
    answers=pa.list_(_NAME_TYPE),
    grouped=_struct(" ".join(_GROUPED), pa.list_(_S)),
)
_TLS = _struct("sni version fingerprint ja4", ja3=_struct("hash"))
_HTTP = _struct("hostname url http_method http_user_agent", status=_I)
_ALERT = _struct(
    "action signature category",
    gid=_I,
    signature_id=_I,
    rev=_I,
    severity=_I,
    metadata=_struct("", mitre_technique_id=pa.list_(_S)),
)

EVE_SCHEMA = pa.schema(
    [
        *[(name, _S) for name in ("timestamp", "event_type", "src_ip", "dest_ip", "proto")],
        *[(name, _S) for name in ("app_proto", "community_id", "host")],
        ("flow_id", pa.uint64()),
        ("src_port", _I),
        ("dest_port", _I),
        ("pcap_cnt", _I),
        ("flow", _FLOW),
        ("netflow", _struct("start end", pkts=_I, bytes=_I)),
        ("tcp", _struct("tcp_flags tcp_flags_ts tcp_flags_tc")),
        ("dns", _DNS),
        ("tls", _TLS),
        ("http", _HTTP),
        ("alert", _ALERT),
    ]
)

TCP_RST = 0x04


class SuricataSource:
    """Suricata EVE JSON logs."""

    name = "suricata"

    def sniff(self, head: bytes, path: str) -> bool:
        line = first_line(sniff_text(head))
        return line.startswith(b"{") and b'"event_type"' in line

    def read(self, path: str, options: SourceOptions) -> SourceResult:
        result = SourceResult(path=path, source=self.name, unit="lines")
        issues = IssueLog(path)
        try:
            data, problem = read_bytes(path)
        except OSError as exc:
            issues.add(f"cannot read file: {exc.strerror or exc}")
            result.issues = issues.finish()
            return result
        if problem:
            issues.add(problem, kind="truncated")
        lines = Lines.split(ensure_utf8(data, issues))
        lines = lines.subset(lines.ends > lines.starts)
        result.units_read = len(lines)
        table, numbers = read_json_block(lines, EVE_SCHEMA, issues)
        table = table.append_column("_line", pa.array(numbers, pa.int64()))
        table = _check_event_types(table, issues)
        for port in ("src_port", "dest_port"):
            table = null_out_of_range(table, port, 0, 65535, issues, "port")
        kinds = pc.value_counts(table.column("event_type")).to_pylist()
        result.stats.update({f"events.{k['values']}": k["counts"] for k in kinds})
        ctx = _Context(path, options, result.stats)
        by_type = {
            k["values"]: table.filter(pc.equal(table.column("event_type"), k["values"]))
            for k in kinds
        }
        flows = [_flows(by_type["flow"], ctx)] if "flow" in by_type else []
        if "netflow" in by_type:
            seen = (
                by_type["flow"].column("flow_id")
                if "flow" in by_type
                else pa.array([], pa.uint64())
            )
            flows.append(_netflows(by_type["netflow"], seen, ctx))
        transactions = []
        for event_type, mapper in _TRANSACTION_MAPPERS.items():
            if event_type in by_type:
                transactions.append(mapper(by_type[event_type], ctx))
        for event_type, sub in by_type.items():
            if event_type not in _TRANSACTION_MAPPERS and event_type not in ("flow", "netflow"):
                result.stats[f"skipped.{event_type}"] = sub.num_rows
        result.tables["flow"] = _sorted(flows, "flow")
        result.tables["transaction"] = _sorted(transactions, "transaction")
        result.stats.update({f"issues.{k}": v for k, v in issues.counts.items()})
        result.issues = issues.finish()
        return result


class _Context:
    def __init__(self, path: str, options: SourceOptions, stats: dict[str, int]) -> None:
        self.path = path
        self.options = options
        self.stats = stats


def _check_event_types(table: pa.Table, issues: IssueLog) -> pa.Table:
    missing = pc.is_null(table.column("event_type"))
    if pc.any(missing).as_py():
        lines = table.column("_line").filter(missing).to_pylist()
        for line in lines[: issues.room()]:
            issues.add("JSON object without event_type; not an EVE record, skipped", line)
        issues.add_unlisted(len(lines) - min(len(lines), issues.room()))
        table = table.filter(pc.invert(missing))
    return table


def _sorted(chunks: list[pa.Table], kind: str) -> pa.Table:
    chunks = [c for c in chunks if c.num_rows]
    if not chunks:
        return empty(kind)
    table = pa.concat_tables(chunks)
    return table.take(pc.sort_indices(table, [("input.line", "ascending")]))


def _field(table: pa.Table, parent: str, name: str) -> pa.Array:
    return pc.struct_field(combine(table.column(parent)), name)


def _const(value: str | None, n: int) -> pa.Array:
    if value is None:
        return pa.nulls(n, pa.string())
    return pa.repeat(pa.scalar(value, pa.string()), n)


def _tuple(table: pa.Table, ctx: _Context) -> dict[str, object]:
    """Addresses, ports, transport and input columns shared by every record kind."""
    src = combine(table.column("src_ip"))
    net_type = ip_version(src)
    transport, iana = transport_columns(combine(table.column("proto")), net_type)
    ported = pc.fill_null(pc.is_in(transport, pa.array(["tcp", "udp", "sctp"])), False)
    zero = pa.scalar(0, pa.int64())
    event_ts, _ = text_to_ts(combine(table.column("timestamp")))
    return {
        "event.start": event_ts,
        "source.ip": src,
        "source.port": pc.if_else(ported, combine(table.column("src_port")), zero),
        "destination.ip": combine(table.column("dest_ip")),
        "destination.port": pc.if_else(ported, combine(table.column("dest_port")), zero),
        "network.transport": transport,
        "network.iana_number": iana,
        "input.file": _const(ctx.path, table.num_rows),
        "input.line": combine(table.column("_line")),
        "_network.type": net_type,
    }


def _hex_flags(text: pa.Array) -> pa.Array:
    """Suricata's hex TCP flag strings ("1b") to integers; parsed once per distinct value."""
    distinct = pc.unique(text).to_pylist()
    values = []
    for value in distinct:
        try:
            values.append(int(value, 16) & 0xFFFF if value is not None else None)
        except ValueError:
            values.append(None)
    return pc.take(pa.array(values, pa.int16()), pc.index_in(text, pa.array(distinct, pa.string())))


def _app_proto(table: pa.Table) -> pa.Array:
    proto = pc.utf8_lower(combine(table.column("app_proto")))
    unknown = pc.fill_null(pc.is_in(proto, pa.array(["failed", "unknown", ""])), False)
    return pc.if_else(unknown, pa.scalar(None, pa.string()), proto)


def _end_reason(state: pa.Array, reason: pa.Array, flags: pa.Array) -> pa.Array:
    rst = pc.fill_null(
        pc.not_equal(pc.bit_wise_and(flags, pa.scalar(TCP_RST, pa.int16())), 0), False
    )
    out = pc.if_else(pc.fill_null(pc.equal(reason, "timeout"), False), "idle_timeout", "unknown")
    out = pc.if_else(pc.fill_null(pc.equal(reason, "shutdown"), False), "capture_end", out)
    out = pc.if_else(pc.fill_null(pc.equal(state, "closed"), False), "fin", out)
    return pc.if_else(rst, "rst", out)


def _flow_common(table: pa.Table, ctx: _Context) -> dict[str, object]:
    columns = _tuple(table, ctx)
    net_type = columns.pop("_network.type")
    tcp = pc.fill_null(pc.equal(columns["network.transport"], "tcp"), False)
    zero = pa.scalar(0, pa.int16())
    src_flags = pc.if_else(tcp, _hex_flags(_field(table, "tcp", "tcp_flags_ts")), zero)
    dst_flags = pc.if_else(tcp, _hex_flags(_field(table, "tcp", "tcp_flags_tc")), zero)
    host = combine(table.column("host"))
    columns.update(
        {
            "network.type": net_type,
            "source.tcp_flags": src_flags,
            "destination.tcp_flags": dst_flags,
            "network.protocol": _app_proto(table),
            "observer.type": _const("suricata", table.num_rows),
            "observer.name": pc.coalesce(host, _const(ctx.options.sensor, table.num_rows)),
        }
    )
    return columns


def _flows(table: pa.Table, ctx: _Context) -> pa.Table:
    columns = _flow_common(table, ctx)
    start, _ = text_to_ts(_field(table, "flow", "start"))
    end, _ = text_to_ts(_field(table, "flow", "end"))
    flags = pc.bit_wise_or(
        pc.fill_null(columns["source.tcp_flags"], 0),
        pc.fill_null(columns["destination.tcp_flags"], 0),
    )
    columns.update(
        {
            "event.start": pc.coalesce(start, columns["event.start"]),
            "event.end": pc.coalesce(end, start, columns["event.start"]),
            "source.bytes": _field(table, "flow", "bytes_toserver"),
            "destination.bytes": _field(table, "flow", "bytes_toclient"),
            "source.packets": _field(table, "flow", "pkts_toserver"),
            "destination.packets": _field(table, "flow", "pkts_toclient"),
            "flow.end_reason": _end_reason(
                _field(table, "flow", "state"), _field(table, "flow", "reason"), flags
            ),
        }
    )
    return from_columns("flow", columns, table.num_rows)


def _netflows(table: pa.Table, flow_ids_with_flow: pa.Array, ctx: _Context) -> pa.Table:
    """Pair the two one-way records of each flow_id (see module docstring)."""
    duplicate = pc.fill_null(
        pc.is_in(table.column("flow_id"), pa.chunked_array([flow_ids_with_flow])), False
    )
    if pc.any(duplicate).as_py():
        ctx.stats["netflow.dropped_with_flow_event"] = int(pc.sum(duplicate).as_py())
        table = table.filter(pc.invert(duplicate))
    n = table.num_rows
    order = pc.sort_indices(table, [("flow_id", "ascending"), ("_line", "ascending")])
    table = table.take(order)
    flow_id = np.asarray(
        pc.fill_null(combine(table.column("flow_id")), 0).to_numpy(zero_copy_only=False)
    )
    has_id = np.asarray(pc.is_valid(combine(table.column("flow_id"))))
    src = combine(table.column("src_ip"))
    dst = combine(table.column("dest_ip"))
    # row i is the reverse half of row i-1: same flow_id, addresses swapped, i-1 a group head
    same_prev = np.zeros(n, dtype=bool)
    if n > 1:
        same_prev[1:] = (flow_id[1:] == flow_id[:-1]) & has_id[1:] & has_id[:-1]
    head = ~same_prev
    swapped = np.zeros(n, dtype=bool)
    if n > 1:
        prev = np.arange(n - 1)
        swapped[1:] = np.asarray(
            pc.fill_null(
                pc.and_(
                    pc.equal(src.slice(1), dst.take(pa.array(prev))),
                    pc.equal(dst.slice(1), src.take(pa.array(prev))),
                ),
                False,
            )
        )
    reverse = same_prev & swapped & np.concatenate(([False], head[:-1]))
    forward_idx = np.flatnonzero(~reverse)
    partner = np.full(len(forward_idx), -1, dtype=np.int64)
    has_partner = np.zeros(len(forward_idx), dtype=bool)
    nxt = forward_idx + 1
    in_range = nxt < n
    has_partner[in_range] = reverse[nxt[in_range]]
    partner[has_partner] = nxt[has_partner]
    ctx.stats["netflow.merged_pairs"] = int(has_partner.sum())

    fwd = table.take(pa.array(forward_idx))
    rev = table.take(pa.array(np.where(has_partner, partner, forward_idx)))
    mask = pa.array(has_partner)
    columns = _flow_common(fwd, ctx)
    zero = pa.scalar(0, pa.int64())
    start_f, _ = text_to_ts(_field(fwd, "netflow", "start"))
    end_f, _ = text_to_ts(_field(fwd, "netflow", "end"))
    start_r, _ = text_to_ts(_field(rev, "netflow", "start"))
    end_r, _ = text_to_ts(_field(rev, "netflow", "end"))
    start = pc.coalesce(start_f, columns["event.start"])
    end = pc.coalesce(end_f, start)
    columns["destination.tcp_flags"] = pc.if_else(
        mask, _flow_common(rev, ctx)["source.tcp_flags"], pa.scalar(0, pa.int16())
    )
    flags = pc.bit_wise_or(
        pc.fill_null(columns["source.tcp_flags"], 0),
        pc.fill_null(columns["destination.tcp_flags"], 0),
    )
    columns.update(
        {
            "event.start": pc.if_else(
                mask, _ts_extreme(pc.min_element_wise, start, pc.coalesce(start_r, start)), start
            ),
            "event.end": pc.if_else(
                mask, _ts_extreme(pc.max_element_wise, end, pc.coalesce(end_r, end)), end
            ),
            "source.bytes": _field(fwd, "netflow", "bytes"),
            "source.packets": _field(fwd, "netflow", "pkts"),
            "destination.bytes": pc.if_else(mask, _field(rev, "netflow", "bytes"), zero),
            "destination.packets": pc.if_else(mask, _field(rev, "netflow", "pkts"), zero),
            "flow.end_reason": _end_reason(
                pa.nulls(fwd.num_rows, _S), pa.nulls(fwd.num_rows, _S), flags
            ),
        }
    )
    return from_columns("flow", columns, fwd.num_rows)


def _ts_extreme(fn: Callable[..., pa.Array], a: pa.Array, b: pa.Array) -> pa.Array:
    """Element-wise min/max of two timestamp arrays (Arrow has no timestamp kernel for it)."""
    return pc.cast(fn(pc.cast(a, pa.int64()), pc.cast(b, pa.int64())), a.type)


def _transaction(table: pa.Table, ctx: _Context, kind: str) -> dict[str, object]:
    columns = _tuple(table, ctx)
    columns.pop("_network.type")
    columns["transaction.kind"] = _const(kind, table.num_rows)
    columns["transaction.direction"] = _const("client", table.num_rows)
    return columns


def _tls(table: pa.Table, ctx: _Context) -> pa.Table:
    columns = _transaction(table, ctx, "tls_handshake")
    fingerprint = plain_hex_upper(_field(table, "tls", "fingerprint"))
    sha1 = pc.fill_null(pc.match_substring_regex(fingerprint, "^[0-9A-F]{40}$"), False)
    ja3 = pc.struct_field(_field(table, "tls", "ja3"), "hash")
    columns.update(
        {
            "tls.client.server_name": _field(table, "tls", "sni"),
            "tls.version": tls_version_label(_field(table, "tls", "version")),
            "tls.client.ja3": ja3,
            "tls.client.ja4": _field(table, "tls", "ja4"),
            "tls.server.hash.sha1": pc.if_else(sha1, fingerprint, pa.scalar(None, _S)),
        }
    )
    return from_columns("transaction", columns, table.num_rows)


def _http(table: pa.Table, ctx: _Context) -> pa.Table:
    columns = _transaction(table, ctx, "http_request")
    columns.update(
        {
            "http.request.method": _field(table, "http", "http_method"),
            "url.domain": _field(table, "http", "hostname"),
            "url.original": _field(table, "http", "url"),
            "user_agent.original": _field(table, "http", "http_user_agent"),
            "http.response.status_code": fit_int32(_field(table, "http", "status")),
        }
    )
    return from_columns("transaction", columns, table.num_rows)


def _alerts(table: pa.Table, ctx: _Context) -> pa.Table:
    columns = _transaction(table, ctx, "ids_alert")
    sid = _field(table, "alert", "signature_id")
    columns.update(
        {
            "rule.id": pc.cast(sid, _S),
            "rule.name": _field(table, "alert", "signature"),
            "event.severity": fit_int32(_field(table, "alert", "severity")),
            "detail": _alert_detail(table),
        }
    )
    return from_columns("transaction", columns, table.num_rows)


def _alert_detail(table: pa.Table) -> pa.Array:
    """A compact JSON object per alert, assembled with Arrow string kernels."""
    attack = pc.struct_field(_field(table, "alert", "metadata"), "mitre_technique_id")
    parts: list[tuple[str, pa.Array]] = [
        ("category", _json_value(_field(table, "alert", "category"))),
        ("gid", _json_value(_field(table, "alert", "gid"))),
        ("rev", _json_value(_field(table, "alert", "rev"))),
        ("action", _json_value(_field(table, "alert", "action"))),
        ("attack", _json_list(attack)),
        ("app_proto", _json_value(combine(table.column("app_proto")))),
        ("community_id", _json_value(combine(table.column("community_id")))),
        ("pcap_cnt", _json_value(combine(table.column("pcap_cnt")))),
    ]
    pieces: list[object] = []
    for i, (key, value) in enumerate(parts):
        pieces += [("{" if i == 0 else ",") + f'"{key}":', value]
    pieces.append("}")
    return pc.binary_join_element_wise(*pieces, "")


def _json_value(values: pa.Array) -> pa.Array:
    text = json_string_array(values) if pa.types.is_string(values.type) else pc.cast(values, _S)
    return pc.fill_null(text, "null")


def _json_list(values: pa.Array) -> pa.Array:
    flat = pc.list_flatten(values)
    quoted = pc.fill_null(json_string_array(flat), "null")
    offsets = pc.fill_null(values.offsets, 0) if len(values) else pa.array([0], pa.int32())
    rebuilt = pa.ListArray.from_arrays(offsets, quoted)
    joined = pc.binary_join(rebuilt, ",")
    return pc.fill_null(pc.binary_join_element_wise("[", joined, "]", ""), "[]")


def _dns(table: pa.Table, ctx: _Context) -> pa.Table:
    dns_type = pc.utf8_lower(_field(table, "dns", "type"))
    queries = _field(table, "dns", "queries")
    has_queries = pc.greater(pc.fill_null(pc.list_value_length(queries), 0), 0)
    padded = pc.if_else(has_queries, queries, pa.scalar([None], pa.list_(_NAME_TYPE)))
    first_query = pc.list_element(padded, 0) if table.num_rows else pa.nulls(0, _NAME_TYPE)
    name = pc.coalesce(pc.struct_field(first_query, "rrname"), _field(table, "dns", "rrname"))
    qtype = pc.coalesce(pc.struct_field(first_query, "rrtype"), _field(table, "dns", "rrtype"))
    is_query = pc.fill_null(pc.is_in(dns_type, pa.array(["query", "request"])), False)
    is_answer = pc.fill_null(pc.is_in(dns_type, pa.array(["answer", "response"])), False)
    answers = pc.list_value_length(_field(table, "dns", "answers"))
    grouped = _field(table, "dns", "grouped")
    grouped_count = pa.repeat(pa.scalar(0, pa.int32()), table.num_rows)
    for key in _GROUPED:
        length = pc.fill_null(pc.list_value_length(pc.struct_field(grouped, key)), 0)
        grouped_count = pc.add(grouped_count, length)
    version = pc.fill_null(_field(table, "dns", "version"), 1)
    # v1: one answer event per record (no rrtype when the response had none)
    v1_count = pc.if_else(pc.is_valid(_field(table, "dns", "rrtype")), 1, 0)
    count = pc.if_else(
        pc.greater_equal(version, 2),
        pc.coalesce(answers, grouped_count),
        pc.cast(v1_count, pa.int32()),
    )
    keyed = pa.table(
        {
            "flow_id": combine(table.column("flow_id")),
            "dns_id": _field(table, "dns", "id"),
            "count": pc.cast(count, pa.int64()),
            "rcode": _field(table, "dns", "rcode"),
            "_row": pa.array(np.arange(table.num_rows)),
        }
    )
    responses = _responses(keyed, is_answer, pc.less(version, 2))
    queries_keyed = _with_rank(keyed.filter(is_query).select(["flow_id", "dns_id", "_row"]))
    joined = queries_keyed.join(
        responses, ["flow_id", "dns_id", "_rank"], join_type="left outer", use_threads=False
    ).sort_by("_row")
    rows = joined.column("_row")
    queries_table = table.take(rows)
    columns = _transaction(queries_table, ctx, "dns_query")
    columns.update(
        {
            "dns.question.name": pc.take(name, rows),
            "dns.question.type": pc.take(qtype, rows),
            "dns.response_code": joined.column("rcode"),
            "dns.answers.count": joined.column("count"),
        }
    )
    out = [from_columns("transaction", columns, queries_table.num_rows)]
    matched = pc.drop_null(joined.column("_resp_row"))
    orphans = responses.filter(pc.invert(pc.is_in(responses.column("_resp_row"), matched)))
    if orphans.num_rows:
        ctx.stats["dns.responses_without_query"] = orphans.num_rows
        orphans = orphans.sort_by("_resp_row")
        orphan_rows = orphans.column("_resp_row")
        columns = _transaction(table.take(orphan_rows), ctx, "dns_query")
        _client_first(columns)
        columns.update(
            {
                "dns.question.name": pc.take(name, orphan_rows),
                "dns.question.type": pc.take(qtype, orphan_rows),
                "dns.response_code": orphans.column("rcode"),
                "dns.answers.count": orphans.column("count"),
            }
        )
        out.append(from_columns("transaction", columns, orphans.num_rows))
    return pa.concat_tables(out)


def _responses(keyed: pa.Table, is_answer: pa.Array, is_v1: pa.Array) -> pa.Table:
    """One row per DNS response: EVE v1 logs one event per answer record, so those are
    summed per (flow_id, DNS id); v2/v3 log one event per response. Responses sharing a key
    (retransmitted queries) are paired with queries in order, via ``_rank``."""
    answers = keyed.filter(is_answer)
    v1_mask = pc.fill_null(pc.filter(is_v1, is_answer), True)
    v1 = (
        answers.filter(v1_mask)
        .group_by(["flow_id", "dns_id"], use_threads=False)
        .aggregate([("count", "sum"), ("rcode", "first"), ("_row", "min")])
        .rename_columns({"count_sum": "count", "rcode_first": "rcode", "_row_min": "_row"})
    )
    later = answers.filter(pc.invert(v1_mask)).select(
        ["flow_id", "dns_id", "count", "rcode", "_row"]
    )
    merged = pa.concat_tables([v1.select(later.column_names), later])
    return _with_rank(merged).rename_columns({"_row": "_resp_row"})


def _with_rank(table: pa.Table) -> pa.Table:
    """Add ``_rank``: 0, 1, ... for rows sharing (flow_id, dns_id), in input order."""
    n = table.num_rows
    order = pc.sort_indices(
        table, [("flow_id", "ascending"), ("dns_id", "ascending"), ("_row", "ascending")]
    )
    ordered = table.take(order)
    same = np.ones(max(n - 1, 0), dtype=bool)
    for key in ("flow_id", "dns_id"):
        raw = ordered.column(key).combine_chunks()
        col = pc.fill_null(raw, 0)
        nulls = np.asarray(pc.is_null(raw))
        if n > 1:
            same &= (
                np.asarray(pc.equal(col.slice(1), col.slice(0, n - 1))) & ~nulls[1:] & ~nulls[:-1]
            )
    new_group = np.concatenate(([True], ~same)) if n else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0)) if n else new_group
    rank = np.empty(n, dtype=np.int64)
    rank[np.asarray(order)] = np.arange(n) - group_start
    return table.append_column("_rank", pa.array(rank))


def _client_first(columns: dict[str, object]) -> None:
    """Responses logged in packet direction: put the client (non-53 side) as source."""
    flip = pc.fill_null(
        pc.and_(
            pc.equal(columns["source.port"], 53), pc.not_equal(columns["destination.port"], 53)
        ),
        False,
    )
    for a, b in (("source.ip", "destination.ip"), ("source.port", "destination.port")):
        left, right = columns[a], columns[b]
        columns[a], columns[b] = pc.if_else(flip, right, left), pc.if_else(flip, left, right)


_TRANSACTION_MAPPERS = {"dns": _dns, "tls": _tls, "http": _http, "alert": _alerts}

SOURCES = [SuricataSource()]
