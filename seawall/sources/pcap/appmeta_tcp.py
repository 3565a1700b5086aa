"""Payload inspection of TCP flows: TLS handshakes, HTTP requests (and WebSocket upgrades
with what they carry), SSH banners and key exchange. Only pre-selected packets reach these
Python parsers; the selection is done column-wise in ``appmeta.py``."""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from seawall.sources.pcap import proto_http, proto_ssh, proto_tls
from seawall.sources.pcap.appmeta_context import Context

TLS_CLIENT_SEGMENTS = 8  # a ClientHello with post-quantum key shares spans 2-3 segments
TLS_SERVER_SEGMENTS = 16  # ServerHello + certificate chain
SSH_SEGMENTS = 12
WEBSOCKET_PACKETS = 40


def _direction(ctx: Context, pkt: int) -> str:
    return "client" if bool(ctx.fwd[pkt]) else "server"


def _segment_packet(where: list[tuple[int, int]], offset: int) -> int:
    """Packet holding stream byte ``offset`` (``where`` from Context.stream)."""
    i = bisect_right([w[0] for w in where], offset) - 1
    return where[max(i, 0)][1]


# ---- TLS --------------------------------------------------------------------------------
def inspect_tls(ctx: Context, hello_pkts: np.ndarray) -> None:
    if len(hello_pkts) == 0:
        return
    cut_flows = []
    payloads: dict[int, bytes] = {}
    for p in hello_pkts.tolist():
        data = ctx.payload(p)
        payloads[p] = data
        need = proto_tls.client_hello_record_length(data)
        if need is not None and need > len(data):
            cut_flows.append(int(ctx.flow_id[p]))
    if cut_flows:
        groups = ctx.first_payload_packets(np.unique(cut_flows), TLS_CLIENT_SEGMENTS)
        for p, data in payloads.items():
            need = proto_tls.client_hello_record_length(data)
            group = groups.get((int(ctx.flow_id[p]), bool(ctx.fwd[p])))
            if need is not None and need > len(data) and group is not None:
                payloads[p] = ctx.stream(group[group >= p], need)[0]

    hellos: list[tuple[int, proto_tls.ClientHello]] = []
    for p, data in payloads.items():
        ctx.stats["tls_client_hello"] += 1
        try:
            hello = proto_tls.parse_client_hello(data)
        except Exception as exc:  # the parsers return None; this guards against their bugs
            ctx.malformed("tls", p, f"ClientHello parser failed: {exc!r}")
            continue
        if hello is None:
            ctx.malformed("tls", p, "ClientHello record could not be decoded")
            continue
        hellos.append((p, hello))

    flows = np.unique(np.asarray([ctx.flow_id[p] for p, _ in hellos], np.int64))
    server = _server_handshakes(ctx, flows)
    for p, hello in hellos:
        f = int(ctx.flow_id[p])
        ja3 = proto_tls.ja3(hello)
        ja4 = proto_tls.ja4(hello, "t")
        negotiated, sha1 = server.get(f, (None, None))
        version = proto_tls.version_name(negotiated or hello.best_version)
        ctx.transactions.add(
            p,
            f,
            {
                "transaction.kind": "tls_handshake",
                "transaction.direction": _direction(ctx, p),
                "transaction.bytes": len(payloads[p]),
                "transaction.packets": 1,
                "tls.version": version,
                "tls.client.server_name": hello.server_name,
                "tls.client.ja3": ja3,
                "tls.client.ja4": ja4,
                "tls.server.hash.sha1": sha1,
            },
        )
        ctx.label(f, "tls")
        ctx.set_flow("tls.version", f, version)
        ctx.set_flow("tls.client.server_name", f, hello.server_name)
        ctx.set_flow("tls.client.ja3", f, ja3)
        ctx.set_flow("tls.client.ja4", f, ja4)
        ctx.set_flow("tls.server.hash.sha1", f, sha1)


def _server_handshakes(ctx: Context, flows: np.ndarray) -> dict[int, tuple[int | None, str | None]]:
    """(negotiated version, leaf certificate SHA-1) per flow from the responder's first bytes."""
    out: dict[int, tuple[int | None, str | None]] = {}
    if len(flows) == 0:
        return out
    server_side = np.flatnonzero(~ctx.fwd & (ctx.plen > 0))
    groups = ctx.first_payload_packets(flows, TLS_SERVER_SEGMENTS, server_side)
    seqs = ctx.group_seqs(groups)
    for (f, from_source), pkts in groups.items():
        if from_source:
            continue
        data, _ = ctx.stream(pkts, seq=seqs[(f, from_source)])
        if not data.startswith(b"\x16\x03"):
            continue
        try:
            result = proto_tls.parse_server_handshake(data)
        except Exception as exc:
            ctx.malformed("tls", int(pkts[0]), f"server handshake parser failed: {exc!r}")
            continue
        out[f] = (result.version, result.leaf_sha1)
        if result.leaf_sha1:
            ctx.stats["tls_certificate"] += 1
    return out


# ---- HTTP and WebSocket -----------------------------------------------------------------
def inspect_http(ctx: Context, request_pkts: np.ndarray, response_pkts: np.ndarray) -> None:
    if len(request_pkts) == 0:
        return
    statuses: dict[int, list[int | None]] = {}
    for p in response_pkts.tolist():
        statuses.setdefault(int(ctx.flow_id[p]), []).append(proto_http.parse_status(ctx.payload(p)))
    seen: dict[int, int] = {}
    upgrades: dict[int, int] = {}
    for p in request_pkts.tolist():
        f = int(ctx.flow_id[p])
        try:
            request = proto_http.parse_request(ctx.payload(p))
        except Exception as exc:
            ctx.malformed("http", p, f"request parser failed: {exc!r}")
            continue
        if request is None:
            ctx.stats["http_not_request"] += 1
            continue
        ctx.stats["http_request"] += 1
        k = seen.get(f, 0)
        seen[f] = k + 1
        answers = statuses.get(f, [])
        status = answers[k] if k < len(answers) else None
        values: dict[str, object] = {
            "transaction.kind": "http_request",
            "transaction.direction": _direction(ctx, p),
            "transaction.bytes": int(ctx.plen[p]),
            "transaction.packets": 1,
            "http.request.method": request.method,
            "url.domain": request.host,
            "url.original": request.uri,
            "user_agent.original": request.user_agent,
            "http.response.status_code": status,
        }
        ctx.transactions.add(p, f, values)
        if request.upgrade == "websocket" and f not in upgrades:
            upgrades[f] = p
            ctx.transactions.add(
                p,
                f,
                {
                    **values,
                    "transaction.kind": "websocket_upgrade",
                    "detail": f"Upgrade: websocket {request.uri}",
                },
            )
            ctx.label(f, "websocket")
        ctx.label(f, "http")
        ctx.set_flow("http.request.method", f, request.method)
        ctx.set_flow("url.domain", f, request.host)
        ctx.set_flow("url.original", f, request.uri)
        ctx.set_flow("user_agent.original", f, request.user_agent)
    if upgrades:
        _websocket_contents(ctx, upgrades)


def _websocket_contents(ctx: Context, upgrades: dict[int, int]) -> None:
    """SSH (or other banner protocols) carried in WebSocket frames after an upgrade."""
    flows = np.asarray(sorted(upgrades), np.int64)
    for (f, from_source), pkts in ctx.first_payload_packets(flows, WEBSOCKET_PACKETS).items():
        for p in pkts[pkts > upgrades[f]].tolist():
            data = ctx.payload(p)
            if data.startswith(b"HTTP/"):
                continue
            inner = proto_http.websocket_payload(data)
            banner = proto_ssh.parse_banner(inner) if inner else None
            if banner is None:
                continue
            ctx.stats["websocket_ssh_banner"] += 1
            ctx.transactions.add(
                p,
                f,
                {
                    "transaction.kind": "ssh_banner",
                    "transaction.direction": "client" if from_source else "server",
                    "transaction.bytes": len(inner or b""),
                    "transaction.packets": 1,
                    "detail": banner,
                    "tunnel.type": "websocket",
                },
            )
            break


# ---- SSH --------------------------------------------------------------------------------
def inspect_ssh(ctx: Context, banner_pkts: np.ndarray) -> None:
    if len(banner_pkts) == 0:
        return
    flows = np.unique(ctx.flow_id[banner_pkts])
    starts: dict[int, dict[bool, tuple[proto_ssh.SshStart, list[tuple[int, int]]]]] = {}
    groups = ctx.first_payload_packets(flows, SSH_SEGMENTS)
    seqs = ctx.group_seqs(groups)
    for (f, from_source), pkts in groups.items():
        data, where = ctx.stream(pkts, seq=seqs[(f, from_source)])
        if not where:
            continue
        try:
            start = proto_ssh.parse_ssh_start(data)
        except Exception as exc:
            ctx.malformed("ssh", int(pkts[0]), f"SSH parser failed: {exc!r}")
            continue
        starts.setdefault(f, {})[from_source] = (start, where)
    for f, sides in starts.items():
        _ssh_rows(ctx, f, sides)


def _ssh_rows(
    ctx: Context, f: int, sides: dict[bool, tuple[proto_ssh.SshStart, list[tuple[int, int]]]]
) -> None:
    # The SSH client is whoever sends the key-exchange INIT (code 30); normally the TCP
    # client, the other way round in a reverse tunnel.
    init_by = [fs for fs, (s, _) in sides.items() if any(c == 30 for c, _ in s.messages)]
    client_side = init_by[0] if init_by else True
    client = sides.get(client_side)
    server = sides.get(not client_side)
    kex = proto_ssh.negotiated_kex(
        client[0].kexinit if client else None, server[0].kexinit if server else None
    )
    for from_source, (start, where) in sorted(sides.items(), reverse=True):
        direction = "client" if from_source else "server"
        if start.banner is not None:
            ctx.stats["ssh_banner"] += 1
            ctx.label(f, "ssh")
            ctx.transactions.add(
                where[0][1],
                f,
                {
                    "transaction.kind": "ssh_banner",
                    "transaction.direction": direction,
                    "transaction.bytes": len(start.banner),
                    "transaction.packets": 1,
                    "detail": start.banner,
                },
            )
        for code, offset in start.messages:
            name = proto_ssh.message_name(code, kex)
            detail = None
            if code == proto_ssh.MSG_KEXINIT and start.kexinit is not None:
                is_client = from_source == client_side
                label = "hassh" if is_client else "hassh_server"
                detail = f"{label}={start.kexinit.hassh(is_client)}"
                if kex:
                    detail += f" kex={kex}"
            ctx.transactions.add(
                _segment_packet(where, offset),
                f,
                {
                    "transaction.kind": "ssh_kex",
                    "transaction.direction": direction,
                    "transaction.packets": 1,
                    "ssh.message": name,
                    "detail": detail,
                },
            )
