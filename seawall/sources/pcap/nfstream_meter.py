"""Flow table from NFStream (nDPI labels), for users who want nDPI application names and
as an independent oracle for the built-in meter. Several times slower than ``meter.py``."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa

from seawall.errors import InputError
from seawall.records.protocols import TRANSPORT_NAMES
from seawall.records.schemas import from_columns
from seawall.sources.base import SourceOptions

# NFStream expiration_id -> flow.end_reason
_EXPIRATION = {0: "idle_timeout", 1: "active_timeout", -1: "capture_end"}
# (NFStream per-direction packet-count column suffix, TCP flag bit)
_FLAG_COUNTS = (
    ("fin", 0x01),
    ("syn", 0x02),
    ("rst", 0x04),
    ("psh", 0x08),
    ("ack", 0x10),
    ("urg", 0x20),
    ("ece", 0x40),
    ("cwr", 0x80),
)
_JA3 = re.compile(r"^[0-9a-f]{32}$")


def nfstream_flows(path: str, options: SourceOptions) -> pa.Table:
    """Meter ``path`` with NFStream at the options' timeouts into the FLOW schema."""
    try:
        import nfstream
    except ImportError as exc:
        raise InputError(
            "the nfstream meter needs the nfstream package: pip install 'seawall[ndpi]' "
            "(or use the default meter='fast')"
        ) from exc
    streamer = nfstream.NFStreamer(
        source=path,
        idle_timeout=max(1, int(options.idle_timeout)),
        active_timeout=max(1, int(options.active_timeout)),
        accounting_mode=1,  # IP-layer bytes, like the built-in meter
        statistical_analysis=True,  # gives per-direction TCP flag counts
        n_meters=1,
    )
    df = streamer.to_pandas()
    if df is None or len(df) == 0:
        return from_columns("flow", {}, 0)
    df = df.sort_values(["bidirectional_first_seen_ms", "id"], kind="stable")
    return _to_flow_table(df, path, options)


def _flags(df: Any, direction: str) -> np.ndarray:
    out = np.zeros(len(df), np.int16)
    for name, bit in _FLAG_COUNTS:
        column = f"{direction}_{name}_packets"
        if column in df:
            out |= np.where(df[column].to_numpy() > 0, bit, 0).astype(np.int16)
    return out


def _end_reasons(df: Any, options: SourceOptions) -> list[str]:
    """NFStream reports flows flushed at the end of a file as idle-expired; like the built-in
    meter, call a flow whose last packet is within the idle timeout of the end capture_end."""
    last = df["bidirectional_last_seen_ms"].to_numpy()
    open_at_end = (last.max() - last) <= options.idle_timeout * 1000
    reasons = []
    for expiration, still_open in zip(df["expiration_id"].tolist(), open_at_end, strict=True):
        reason = _EXPIRATION.get(int(expiration), "unknown")
        reasons.append("capture_end" if reason == "idle_timeout" and still_open else reason)
    return reasons


def _text(values: Any) -> list[str | None]:
    return [v if isinstance(v, str) and v else None for v in values]


def _to_flow_table(df: Any, path: str, options: SourceOptions) -> pa.Table:
    n = len(df)
    app = _text(df["application_name"])
    server_name = _text(df["requested_server_name"])
    fingerprint = _text(df["client_fingerprint"])

    def where_app(prefixes: tuple[str, ...], values: list[str | None]) -> list[str | None]:
        return [
            v if a is not None and a.split(".")[0] in prefixes else None
            for a, v in zip(app, values, strict=True)
        ]

    ja3 = [f if f is not None and _JA3.match(f) else None for f in fingerprint]
    ja4 = [f if f is not None and not _JA3.match(f) else None for f in fingerprint]
    proto = df["protocol"].to_numpy().astype(np.int16)
    ts_type = pa.timestamp("ms", tz="UTC")
    tcp = proto == 6
    columns: dict[str, object] = {
        "event.start": pa.array(df["bidirectional_first_seen_ms"].to_numpy(), ts_type),
        "event.end": pa.array(df["bidirectional_last_seen_ms"].to_numpy(), ts_type),
        "source.ip": _text(df["src_ip"]),
        "source.port": df["src_port"].to_numpy().astype(np.int32),
        "destination.ip": _text(df["dst_ip"]),
        "destination.port": df["dst_port"].to_numpy().astype(np.int32),
        "network.transport": [TRANSPORT_NAMES.get(int(p), str(int(p))) for p in proto],
        "network.iana_number": proto,
        "network.type": ["ipv4" if v == 4 else "ipv6" for v in df["ip_version"].tolist()],
        "source.bytes": df["src2dst_bytes"].to_numpy().astype(np.int64),
        "destination.bytes": df["dst2src_bytes"].to_numpy().astype(np.int64),
        "source.packets": df["src2dst_packets"].to_numpy().astype(np.int64),
        "destination.packets": df["dst2src_packets"].to_numpy().astype(np.int64),
        "source.tcp_flags": np.where(tcp, _flags(df, "src2dst"), 0).astype(np.int16),
        "destination.tcp_flags": np.where(tcp, _flags(df, "dst2src"), 0).astype(np.int16),
        "flow.end_reason": _end_reasons(df, options),
        # nDPI label lower-cased, master.application (e.g. tls.opendns) or one name
        "network.protocol": [a.lower() if a else None for a in app],
        "tls.client.server_name": where_app(("TLS", "QUIC"), server_name),
        "tls.client.ja3": ja3,
        "tls.client.ja4": ja4,
        "dns.question.name": where_app(("DNS", "MDNS", "LLMNR"), server_name),
        "url.domain": where_app(("HTTP",), server_name),
        "user_agent.original": _text(df["user_agent"]),
        "observer.type": ["pcap"] * n,
        "input.file": [path] * n,
    }
    if options.sensor:
        columns["observer.name"] = [options.sensor] * n
    return from_columns("flow", columns, n)
