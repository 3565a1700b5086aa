"""Arrow schemas, one per record kind. Field names follow ECS / IPFIX where they exist.

Every schema carries its kind and SCHEMA_VERSION in the metadata so stored Parquet can be
migrated (see ``migrations.py``). Hot paths build these tables column-wise, never row by row.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 1

TS = pa.timestamp("us", tz="UTC")


def _schema(kind: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={b"seawall.kind": kind.encode(), b"seawall.version": str(SCHEMA_VERSION).encode()},
    )


# Where a record came from: the input file plus frame (captures) or line (logs).
_INPUT_FIELDS = [
    pa.field("input.file", pa.string()),
    pa.field("input.frame", pa.int64()),  # 1-based like Wireshark; first frame of the flow
    pa.field("input.line", pa.int64()),  # 1-based, for text sources
]

_FIVE_TUPLE = [
    pa.field("source.ip", pa.string()),
    pa.field("source.port", pa.int32()),
    pa.field("destination.ip", pa.string()),
    pa.field("destination.port", pa.int32()),
    pa.field("network.transport", pa.string()),  # tcp, udp, icmp, ipv6-icmp, gre, esp, ...
    pa.field("network.iana_number", pa.int16()),
]

# Bidirectional flow. "source" is the initiator (first packet seen, or exporter's view).
FLOW = _schema(
    "flow",
    [
        pa.field("event.start", TS),
        pa.field("event.end", TS),
        *_FIVE_TUPLE,
        pa.field("network.type", pa.string()),  # ipv4 | ipv6
        pa.field("source.bytes", pa.int64()),  # bytes sent by source (IP length)
        pa.field("destination.bytes", pa.int64()),
        pa.field("source.packets", pa.int64()),
        pa.field("destination.packets", pa.int64()),
        pa.field("source.tcp_flags", pa.int16()),  # OR of TCP flags sent by source
        pa.field("destination.tcp_flags", pa.int16()),
        # fin | rst | idle_timeout | active_timeout | capture_end | exporter | unknown.
        # capture_end means the connection was still open when the input ended.
        pa.field("flow.end_reason", pa.string()),
        pa.field("network.protocol", pa.string()),  # application label (dns, http, tls, ssh, ...)
        pa.field("flow.risks", pa.list_(pa.string())),  # e.g. nDPI risk names
        pa.field("tls.version", pa.string()),
        pa.field("tls.client.server_name", pa.string()),
        pa.field("tls.client.ja3", pa.string()),
        pa.field("tls.client.ja4", pa.string()),
        pa.field("tls.server.hash.sha1", pa.string()),  # leaf certificate SHA-1, upper-case hex
        pa.field("dns.question.name", pa.string()),  # first query of the flow
        pa.field("http.request.method", pa.string()),
        pa.field("url.domain", pa.string()),  # HTTP Host
        pa.field("url.original", pa.string()),  # first request URI
        pa.field("user_agent.original", pa.string()),
        # Encapsulation the flow was found in (inner flows keep outer addresses here).
        pa.field("tunnel.type", pa.string()),  # gre | erspan | vxlan | gtp | ipip | ...
        pa.field("tunnel.source.ip", pa.string()),
        pa.field("tunnel.destination.ip", pa.string()),
        pa.field("flow.sampling_rate", pa.int32()),  # exporter sampling (1 = unsampled)
        # Exporter-only context (NetFlow/IPFIX/sFlow): SNMP ifIndex and BGP AS numbers.
        pa.field("observer.ingress.interface.id", pa.int64()),
        pa.field("observer.egress.interface.id", pa.int64()),
        pa.field("source.as.number", pa.int64()),
        pa.field("destination.as.number", pa.int64()),
        pa.field("observer.type", pa.string()),  # pcap | netflow | ipfix | sflow | zeek | suricata
        pa.field("observer.ip", pa.string()),  # exporter / sensor address
        pa.field("observer.name", pa.string()),
        *_INPUT_FIELDS,
    ],
)

# A transaction inside a flow: an HTTP request, a TLS record, a QUIC/UDP burst, a DNS query.
# Their times let beaconing inside ONE long connection be scored.
TRANSACTION = _schema(
    "transaction",
    [
        pa.field("event.start", TS),
        *_FIVE_TUPLE,
        # http_request | tls_handshake | tls_record | quic_burst | udp_burst | tcp_burst |
        # dns_query | snmp | ssh_banner | ssh_kex | websocket_upgrade | ids_alert
        pa.field("transaction.kind", pa.string()),
        pa.field("transaction.direction", pa.string()),  # client | server
        pa.field("transaction.bytes", pa.int64()),  # payload bytes of this transaction
        pa.field("transaction.packets", pa.int32()),
        pa.field("http.request.method", pa.string()),
        pa.field("url.domain", pa.string()),
        pa.field("url.original", pa.string()),
        pa.field("user_agent.original", pa.string()),
        pa.field("http.response.status_code", pa.int32()),
        pa.field("dns.question.name", pa.string()),
        pa.field("dns.question.type", pa.string()),  # A, AAAA, TXT, NULL, CNAME, ...
        pa.field("dns.response_code", pa.string()),
        pa.field("dns.answers.count", pa.int32()),
        pa.field("dns.response.bytes", pa.int32()),  # size of the answer message
        pa.field("tls.version", pa.string()),
        pa.field("tls.client.server_name", pa.string()),
        pa.field("tls.client.ja3", pa.string()),
        pa.field("tls.client.ja4", pa.string()),
        pa.field("tls.server.hash.sha1", pa.string()),
        pa.field("snmp.pdu", pa.string()),  # get | get_next | set | response | trap | ...
        pa.field("snmp.version", pa.string()),  # 1 | 2c | 3
        pa.field("snmp.community", pa.string()),  # redacted on output
        pa.field("ssh.message", pa.string()),  # kexinit | kex_ecdh_init | ... (who sent what)
        pa.field("rule.id", pa.string()),  # ids_alert from a sensor: signature id
        pa.field("rule.name", pa.string()),
        pa.field("event.severity", pa.int32()),  # sensor's own priority (1 = highest)
        pa.field("detail", pa.string()),  # short human text (e.g. an SSH banner)
        pa.field("tunnel.type", pa.string()),
        *_INPUT_FIELDS,
    ],
)

# Packet-level side records for what flow meters drop: ARP, CDP/LLDP, tunnel headers.
PACKET = _schema(
    "packet",
    [
        pa.field("event.start", TS),
        # arp_request | arp_reply | cdp | lldp | gre | erspan | vxlan | gtp | esp | ike | ipip
        pa.field("packet.kind", pa.string()),
        pa.field("source.mac", pa.string()),
        pa.field("destination.mac", pa.string()),
        pa.field("source.ip", pa.string()),  # ARP sender / outer tunnel source
        pa.field("destination.ip", pa.string()),  # ARP target / outer tunnel destination
        pa.field("tunnel.protocol", pa.string()),  # inner payload type, e.g. 0x6558, ipv4
        pa.field("tunnel.id", pa.int64()),  # GRE key, ERSPAN session, VNI, TEID, SPI
        pa.field("device.name", pa.string()),  # CDP device id / LLDP system name
        pa.field("device.platform", pa.string()),
        pa.field("device.address", pa.string()),  # management address advertised
        pa.field("detail", pa.string()),
        pa.field("packet.bytes", pa.int32()),
        *_INPUT_FIELDS,
    ],
)

# One row per device configuration snapshot: identity columns to query with SQL, and the
# whole vendor-neutral model (seawall.records.config.DeviceConfig, secrets redacted) as JSON.
CONFIG = _schema(
    "config",
    [
        pa.field("device.hostname", pa.string()),
        pa.field("device.vendor", pa.string()),
        pa.field("device.os", pa.string()),
        pa.field("device.version", pa.string()),
        pa.field("config.dialect", pa.string()),
        pa.field("config.lines", pa.int64()),
        pa.field("config.unknown_lines", pa.int64()),
        pa.field("config.model_version", pa.int32()),
        pa.field("config.model", pa.string()),  # JSON
        pa.field("input.file", pa.string()),
    ],
)

# One row per device log line (syslog, AAA accounting), normalized. ``event.action`` is the
# vendor-neutral event kind (seawall.records.logevents.EVENT_ACTIONS); ``event.original`` the
# whole line, for keyword rules and for evidence.
LOG = _schema(
    "log",
    [
        pa.field("event.start", TS),  # UTC, after the device's timezone was applied
        pa.field("event.timezone", pa.string()),  # as written (UTC, AEST, +10:00), or null
        pa.field("host.name", pa.string()),  # the device as the line names it
        pa.field("host.ip", pa.string()),  # the device's address where the line gives one
        pa.field("log.source.address", pa.string()),  # syslog sender (live collection)
        pa.field("log.format", pa.string()),  # rfc3164 | rfc5424 | cisco_ios | ... | radius
        pa.field("log.syslog.facility.code", pa.int16()),
        pa.field("log.syslog.severity.code", pa.int16()),
        pa.field("log.syslog.appname", pa.string()),  # RFC 5424 APP-NAME, JunOS daemon
        pa.field("log.sequence", pa.int64()),  # Cisco sequence number
        pa.field("event.code", pa.string()),  # SYS-5-CONFIG_I, SSHD_LOGIN_FAILED, 605005, ...
        pa.field("event.action", pa.string()),  # login_success, command, config_change, ...
        pa.field("event.outcome", pa.string()),  # success | failure | unknown
        pa.field("user.name", pa.string()),
        pa.field("source.ip", pa.string()),  # where the user/session came from
        pa.field("source.port", pa.int32()),
        pa.field("destination.ip", pa.string()),
        pa.field("destination.port", pa.int32()),  # the device's local port (localport 22022)
        pa.field("process.command_line", pa.string()),  # command text (accounting, CFGLOG)
        pa.field("interface.name", pa.string()),
        pa.field("message", pa.string()),  # text after the header
        pa.field("event.original", pa.string()),  # the whole line
        *_INPUT_FIELDS,
    ],
)

SCHEMAS: dict[str, pa.Schema] = {
    "flow": FLOW,
    "transaction": TRANSACTION,
    "packet": PACKET,
    "config": CONFIG,
    "log": LOG,
}


def empty(kind: str) -> pa.Table:
    """An empty table of the given record kind."""
    return SCHEMAS[kind].empty_table()


def conform(table: pa.Table, kind: str) -> pa.Table:
    """Return ``table`` with exactly the columns of ``kind``: missing ones become nulls,
    types are cast, unknown columns are an error (they would be lost silently otherwise)."""
    schema = SCHEMAS[kind]
    unknown = set(table.column_names) - set(schema.names)
    if unknown:
        raise ValueError(f"columns not in the {kind} schema: {sorted(unknown)}")
    columns = []
    for field in schema:
        if field.name in table.column_names:
            col = table.column(field.name)
            if col.type != field.type:
                col = col.cast(field.type)
            columns.append(col)
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def from_columns(kind: str, columns: dict[str, object], num_rows: int | None = None) -> pa.Table:
    """Build a table of ``kind`` from a dict of column arrays (lists, numpy arrays, Arrow arrays).
    Columns not given are null."""
    schema = SCHEMAS[kind]
    n = num_rows
    arrays: list[pa.Array | pa.ChunkedArray | None] = []
    for field in schema:
        if field.name in columns:
            value = columns[field.name]
            arr: pa.Array | pa.ChunkedArray = (
                value
                if isinstance(value, pa.Array | pa.ChunkedArray)
                else pa.array(value, type=field.type)
            )
            if arr.type != field.type:
                arr = arr.cast(field.type)
            n = len(arr) if n is None else n
            arrays.append(arr)
        else:
            arrays.append(None)
    if n is None:
        n = 0
    unknown = set(columns) - set(schema.names)
    if unknown:
        raise ValueError(f"columns not in the {kind} schema: {sorted(unknown)}")
    filled = [
        a if a is not None else pa.nulls(n, f.type) for a, f in zip(arrays, schema, strict=True)
    ]
    return pa.Table.from_arrays(filled, schema=schema)
