"""What each Zeek log becomes. Input: a table of the log's columns in Zeek's own names and
types (time as UTC timestamps) plus ``_line``; output: FLOW or TRANSACTION rows.

conn -> FLOW
  ts, ts+duration            -> event.start, event.end
  id.orig_* / id.resp_*      -> source.* / destination.* (the originator is the source);
                                ICMP type/code, which Zeek logs as ports, become port 0 as
                                in the capture reader
  orig_ip_bytes, resp_ip_bytes (IP-level; orig_bytes/resp_bytes payload when absent),
  orig_pkts, resp_pkts       -> source/destination .bytes and .packets
  service                    -> network.protocol (lower case, ssl spelled tls, comma list kept
                                for layered services such as http,websocket,ssh)
  conn_state (+ history)     -> flow.end_reason:
                                SF, S2, S3, SH, SHR -> fin; REJ, RSTO, RSTOS0, RSTR, RSTRH -> rst;
                                S0, S1, OTH -> unknown (Zeek does not say whether an inactivity
                                timeout or the end of input closed it), unless the history
                                holds a FIN (F/f) or RST (R/r)
  history                    -> source/destination.tcp_flags, approximate: upper-case letters
                                are the originator's, lower-case the responder's;
                                S=SYN, H=SYN+ACK, A and D=ACK (data segments carry ACK; PSH
                                cannot be inferred), F=FIN, R=RST; other letters (retransmits,
                                gaps, checksums, zero windows) add nothing. Non-TCP flows get 0.
  tunnel_parents             -> tunnel.type and outer addresses from the parent connection
                                when it is in the same file (service vxlan, gtpv1, teredo,
                                ayiya, geneve; IP protocol 47 = gre, 4/41 = ipip), else
                                tunnel.type "unknown"
dns  -> TRANSACTION dns_query: query, qtype_name, rcode_name, answer count (0 when a response
        code is logged without answers); dns.response.bytes stays unknown (Zeek does not log it)
http -> TRANSACTION http_request: method, host, uri, user_agent, status_code;
        transaction.bytes = request_body_len (what the client sent)
ssl  -> TRANSACTION tls_handshake: version, server_name, ja3/ja4 when a package adds them;
        tls.server.hash.sha1 from the first cert_chain_fps entry when it is a SHA-1 (40 hex
        digits; Zeek's default fingerprint is SHA-256, which is not put there)
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from seawall.records import from_columns
from seawall.sources.base import SourceOptions
from seawall.sources.logtext import (
    ip_version,
    plain_hex_upper,
    tls_version_label,
    transport_columns,
)

_ID = {
    "ts": "time",
    "uid": "string",
    "id.orig_h": "addr",
    "id.orig_p": "port",
    "id.resp_h": "addr",
    "id.resp_p": "port",
}

# The columns Seawall reads from each log, with their Zeek types.
FIELDS: dict[str, dict[str, str]] = {
    "conn": {
        **_ID,
        "proto": "enum",
        "service": "string",
        "duration": "interval",
        "orig_bytes": "count",
        "resp_bytes": "count",
        "conn_state": "string",
        "history": "string",
        "orig_pkts": "count",
        "orig_ip_bytes": "count",
        "resp_pkts": "count",
        "resp_ip_bytes": "count",
        "tunnel_parents": "set[string]",
        "ip_proto": "count",
    },
    "dns": {
        **_ID,
        "proto": "enum",
        "query": "string",
        "qtype_name": "string",
        "rcode_name": "string",
        "answers": "vector[string]",
    },
    "http": {
        **_ID,
        "method": "string",
        "host": "string",
        "uri": "string",
        "user_agent": "string",
        "status_code": "count",
        "request_body_len": "count",
    },
    "ssl": {
        **_ID,
        "version": "string",
        "server_name": "string",
        "ja3": "string",
        "ja4": "string",
        "cert_chain_fps": "vector[string]",
    },
}


def arrow_type(zeek_type: str) -> pa.DataType:
    if zeek_type == "time":
        return pa.timestamp("us", tz="UTC")
    if zeek_type in ("count", "int", "port"):
        return pa.int64()
    if zeek_type in ("interval", "double"):
        return pa.float64()
    if zeek_type == "bool":
        return pa.bool_()
    if zeek_type.startswith(("set[", "vector[")):
        return pa.list_(pa.string())
    return pa.string()


def _col(raw: pa.Table, name: str, zeek_type: str) -> pa.Array:
    """Column ``name`` in its canonical type, nulls when the log lacks it."""
    target = arrow_type(zeek_type)
    if name not in raw.column_names:
        return pa.nulls(raw.num_rows, target)
    column = raw.column(name).combine_chunks()
    return column if column.type == target else pc.cast(column, target)


def _common(raw: pa.Table, path: str, transport_default: str | None = None) -> dict[str, object]:
    src = _col(raw, "id.orig_h", "addr")
    net_type = ip_version(src)
    proto = _col(raw, "proto", "enum")
    if transport_default is not None:
        proto = pc.fill_null(proto, transport_default)
    transport, iana = transport_columns(proto, net_type)
    ported = pc.fill_null(pc.is_in(transport, pa.array(["tcp", "udp", "sctp"])), True)
    zero = pa.scalar(0, pa.int64())
    return {
        "event.start": _col(raw, "ts", "time"),
        "source.ip": src,
        "source.port": pc.if_else(ported, _col(raw, "id.orig_p", "port"), zero),
        "destination.ip": _col(raw, "id.resp_h", "addr"),
        "destination.port": pc.if_else(ported, _col(raw, "id.resp_p", "port"), zero),
        "network.transport": transport,
        "network.iana_number": iana,
        "input.file": _const(path, raw.num_rows),
        "input.line": _col(raw, "_line", "count"),
        "_network.type": net_type,
    }


_FIN_STATES = ["SF", "S2", "S3", "SH", "SHR"]
_RST_STATES = ["REJ", "RSTO", "RSTOS0", "RSTR", "RSTRH"]
# history letter -> TCP flag bits (upper case: originator, lower case: responder)
_HISTORY_FLAGS = {"S": 0x02, "H": 0x12, "A": 0x10, "D": 0x10, "F": 0x01, "R": 0x04}
_TUNNEL_BY_SERVICE = {
    "vxlan": "vxlan",
    "gtpv1": "gtp",
    "teredo": "teredo",
    "ayiya": "ayiya",
    "geneve": "geneve",
}
_TUNNEL_BY_PROTO = {47: "gre", 4: "ipip", 41: "ipip"}


def conn_to_flows(raw: pa.Table, path: str, options: SourceOptions) -> tuple[str, pa.Table]:
    columns = _common(raw, path)
    net_type = columns.pop("_network.type")
    start = columns["event.start"]
    duration = pc.fill_null(_col(raw, "duration", "interval"), 0.0)
    micros = pc.cast(pc.cast(pc.round(pc.multiply(duration, 1e6)), pa.int64()), pa.duration("us"))
    history = _col(raw, "history", "string")
    tcp = pc.fill_null(pc.equal(columns["network.transport"], "tcp"), False)
    state = _col(raw, "conn_state", "string")
    n = raw.num_rows
    columns.update(
        {
            "event.end": pc.add(start, micros),
            "network.type": net_type,
            "source.bytes": pc.coalesce(
                _col(raw, "orig_ip_bytes", "count"), _col(raw, "orig_bytes", "count")
            ),
            "destination.bytes": pc.coalesce(
                _col(raw, "resp_ip_bytes", "count"), _col(raw, "resp_bytes", "count")
            ),
            "source.packets": _col(raw, "orig_pkts", "count"),
            "destination.packets": _col(raw, "resp_pkts", "count"),
            "source.tcp_flags": _history_flags(history, tcp, upper=True),
            "destination.tcp_flags": _history_flags(history, tcp, upper=False),
            "flow.end_reason": _end_reason(state, history),
            "network.protocol": _service(_col(raw, "service", "string")),
            "observer.type": _const("zeek", n),
            "observer.name": _const(options.sensor, n),
        }
    )
    columns.update(_tunnels(raw))
    return "flow", from_columns("flow", columns, n)


def _history_flags(history: pa.Array, tcp: pa.Array, *, upper: bool) -> pa.Array:
    flags = pa.array([0] * len(history), pa.int16()) if len(history) else pa.array([], pa.int16())
    for letter, bits in _HISTORY_FLAGS.items():
        has = pc.fill_null(pc.match_substring(history, letter if upper else letter.lower()), False)
        flags = pc.bit_wise_or(
            flags, pc.if_else(has, pa.scalar(bits, pa.int16()), pa.scalar(0, pa.int16()))
        )
    unknown = pc.and_(tcp, pc.is_null(history))
    flags = pc.if_else(unknown, pa.scalar(None, pa.int16()), flags)
    return pc.if_else(tcp, flags, pa.scalar(0, pa.int16()))


def _end_reason(state: pa.Array, history: pa.Array) -> pa.Array:
    none = pa.scalar(None, pa.string())
    by_state = pc.if_else(pc.is_in(state, pa.array(_FIN_STATES)), "fin", none)
    by_state = pc.coalesce(
        by_state, pc.if_else(pc.is_in(state, pa.array(_RST_STATES)), "rst", none)
    )
    rst = pc.fill_null(pc.match_substring_regex(history, "[Rr]"), False)
    fin = pc.fill_null(pc.match_substring_regex(history, "[Ff]"), False)
    by_history = pc.if_else(rst, "rst", pc.if_else(fin, "fin", "unknown"))
    return pc.coalesce(by_state, by_history)


def _service(service: pa.Array) -> pa.Array:
    """Lower case, ssl -> tls, analyzer names Zeek marks as failed (leading '-') dropped."""
    text = pc.binary_join_element_wise(",", pc.utf8_lower(service), ",", "")
    for _ in range(2):  # adjacent matches share a comma
        text = pc.replace_substring(text, ",ssl,", ",tls,")
        text = pc.replace_substring_regex(text, ",-[^,]*,", ",")
    text = pc.utf8_trim(text, ",")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _tunnels(raw: pa.Table) -> dict[str, pa.Array]:
    parents = _col(raw, "tunnel_parents", "set[string]")
    n = raw.num_rows
    count = pc.fill_null(pc.list_value_length(parents), 0)
    has = pc.greater(count, 0)
    if not pc.any(has).as_py():
        return {
            name: pa.nulls(n, pa.string())
            for name in ("tunnel.type", "tunnel.source.ip", "tunnel.destination.ip")
        }
    padded = pc.if_else(has, parents, pa.scalar([None], pa.list_(pa.string())))
    first = pc.list_element(padded, 0) if n else pa.array([], pa.string())
    where = pc.index_in(first, _col(raw, "uid", "string"))
    service = pc.take(_col(raw, "service", "string"), where)
    ip_proto = pc.take(_col(raw, "ip_proto", "count"), where)
    by_service = pc.take(
        pa.array(list(_TUNNEL_BY_SERVICE.values())),
        pc.index_in(pc.utf8_lower(service), pa.array(list(_TUNNEL_BY_SERVICE))),
    )
    by_proto = pc.take(
        pa.array(list(_TUNNEL_BY_PROTO.values())),
        pc.index_in(ip_proto, pa.array(list(_TUNNEL_BY_PROTO), pa.int64())),
    )
    kind = pc.if_else(
        has, pc.coalesce(by_service, by_proto, pa.scalar("unknown")), pa.scalar(None, pa.string())
    )
    return {
        "tunnel.type": kind,
        "tunnel.source.ip": pc.take(_col(raw, "id.orig_h", "addr"), where),
        "tunnel.destination.ip": pc.take(_col(raw, "id.resp_h", "addr"), where),
    }


def dns_to_transactions(raw: pa.Table, path: str, options: SourceOptions) -> tuple[str, pa.Table]:
    columns = _common(raw, path, transport_default="udp")
    columns.pop("_network.type")
    rcode = _col(raw, "rcode_name", "string")
    answers = pc.list_value_length(_col(raw, "answers", "vector[string]"))
    answers = pc.if_else(
        pc.and_(pc.is_null(answers), pc.is_valid(rcode)),
        pa.scalar(0, pa.int32()),
        pc.cast(answers, pa.int32()),
    )
    columns.update(
        {
            "transaction.kind": _const("dns_query", raw.num_rows),
            "transaction.direction": _const("client", raw.num_rows),
            "dns.question.name": _col(raw, "query", "string"),
            "dns.question.type": _col(raw, "qtype_name", "string"),
            "dns.response_code": rcode,
            "dns.answers.count": answers,
        }
    )
    return "transaction", from_columns("transaction", columns, raw.num_rows)


def http_to_transactions(raw: pa.Table, path: str, options: SourceOptions) -> tuple[str, pa.Table]:
    columns = _common(raw, path, transport_default="tcp")
    columns.pop("_network.type")
    columns.update(
        {
            "transaction.kind": _const("http_request", raw.num_rows),
            "transaction.direction": _const("client", raw.num_rows),
            "transaction.bytes": _col(raw, "request_body_len", "count"),
            "http.request.method": _col(raw, "method", "string"),
            "url.domain": _col(raw, "host", "string"),
            "url.original": _col(raw, "uri", "string"),
            "user_agent.original": _col(raw, "user_agent", "string"),
            "http.response.status_code": _col(raw, "status_code", "count"),
        }
    )
    return "transaction", from_columns("transaction", columns, raw.num_rows)


def ssl_to_transactions(raw: pa.Table, path: str, options: SourceOptions) -> tuple[str, pa.Table]:
    columns = _common(raw, path, transport_default="tcp")
    columns.pop("_network.type")
    fps = _col(raw, "cert_chain_fps", "vector[string]")
    has = pc.greater(pc.fill_null(pc.list_value_length(fps), 0), 0)
    padded = pc.if_else(has, fps, pa.scalar([None], pa.list_(pa.string())))
    leaf = (
        plain_hex_upper(pc.list_element(padded, 0)) if raw.num_rows else pa.array([], pa.string())
    )
    sha1 = pc.if_else(
        pc.fill_null(pc.match_substring_regex(leaf, "^[0-9A-F]{40}$"), False),
        leaf,
        pa.scalar(None, pa.string()),
    )
    columns.update(
        {
            "transaction.kind": _const("tls_handshake", raw.num_rows),
            "transaction.direction": _const("client", raw.num_rows),
            "tls.version": tls_version_label(_col(raw, "version", "string")),
            "tls.client.server_name": _col(raw, "server_name", "string"),
            "tls.client.ja3": _col(raw, "ja3", "string"),
            "tls.client.ja4": _col(raw, "ja4", "string"),
            "tls.server.hash.sha1": sha1,
        }
    )
    return "transaction", from_columns("transaction", columns, raw.num_rows)


def _const(value: str | None, n: int) -> pa.Array:
    if value is None:
        return pa.nulls(n, pa.string())
    return pa.repeat(pa.scalar(value, pa.string()), n)


Mapper = Callable[[pa.Table, str, SourceOptions], tuple[str, pa.Table]]

MAPPERS: dict[str, Mapper] = {
    "conn": conn_to_flows,
    "dns": dns_to_transactions,
    "http": http_to_transactions,
    "ssl": ssl_to_transactions,
}


def concat_kind(kind: str, chunks: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(chunks) if len(chunks) > 1 else chunks[0]
