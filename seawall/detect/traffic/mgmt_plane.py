"""Management-plane abuse of network devices: the campaign's way in and way around.

CISA AA25-239A and Cisco Talos (Feb 2025) describe intruders who log in to routers with valid
credentials, run SSH on extra high ports (22x22 / xxx22, 57722 on the IOS XR host OS), change
configs over SNMP, capture TACACS+/RADIUS, and exploit Smart Install (CVE-2018-0171) and web-UI
bugs (CVE-2023-20198/20273, Ivanti, PAN-OS). Each rule here looks for one of those traces in
flows and transactions. SNMP rules live in ``mgmt_snmp.py``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seawall.detect.base import DetectContext, RecordTables, load_thresholds, register
from seawall.detect.traffic import mgmt_snmp, mgmt_webui_paths
from seawall.detect.traffic.mgmt_rules import (
    AAA_CLIENT,
    AAA_SEEN,
    AAA_SERVER,
    NON_ADMIN,
    REVERSE_SSH,
    SMART_INSTALL,
    SSH_PORT,
    TELNET,
    WEBUI,
    Rule,
    make_alert,
)
from seawall.detect.traffic.mgmt_tunnel_support import (
    Roles,
    distinct_mask,
    frame,
    in_values,
    label_has,
    label_mask,
    mask_to_numpy,
    opt_str,
    sorted_unique,
    step_down,
    summarize,
)
from seawall.records.alerts import Alert

DETECTOR = "mgmt_plane"

FLOW_COLUMNS = (
    "event.start",
    "event.end",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "network.transport",
    "network.protocol",
    "source.packets",
    "destination.packets",
    "source.bytes",
    "destination.bytes",
    "destination.tcp_flags",
    "input.file",
    "input.frame",
    "input.line",
)
TX_COLUMNS = (
    "event.start",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "transaction.kind",
    "transaction.direction",
    "http.request.method",
    "url.domain",
    "url.original",
    "http.response.status_code",
    "ssh.message",
    "detail",
    "input.file",
    "input.frame",
    "input.line",
)

RULES: tuple[Rule, ...] = (
    TELNET,
    SSH_PORT,
    REVERSE_SSH,
    AAA_SERVER,
    AAA_CLIENT,
    AAA_SEEN,
    SMART_INSTALL,
    WEBUI,
    NON_ADMIN,
    *mgmt_snmp.RULES,
)


@register(
    DETECTOR,
    attack=tuple(sorted({t for rule in RULES for t in rule.attack})),
    description="Telnet, SNMP writes/walks/v1-v2c, SSH on odd ports and reverse SSH, rogue "
    "TACACS+/RADIUS, Smart Install and web-UI exploit paths against network devices",
)
def detect_mgmt_plane(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    thresholds = ctx.thresholds or load_thresholds(DETECTOR, ctx.profile)
    roles = Roles(ctx.network)
    flows = _flow_candidates(tables.flows, roles, thresholds)
    txs = _tx_candidates(tables.transactions)
    alerts: list[Alert] = []
    alerts += _telnet(flows, roles, thresholds)
    alerts += _ssh_nonstandard(flows, txs, roles, thresholds)
    alerts += _reverse_ssh(txs, roles, thresholds)
    alerts += _aaa(flows, roles, thresholds)
    alerts += _smart_install(flows, roles, thresholds)
    alerts += _webui(txs, tables.flows, thresholds)
    alerts += _non_admin_access(flows, roles, thresholds)
    alerts += mgmt_snmp.detect(tables.transactions, roles, thresholds, DETECTOR)
    return alerts


# --- candidate selection (columnar, over the whole table) ---------------------------------


def _flow_candidates(flows: pa.Table, roles: Roles, th: dict[str, Any]) -> pd.DataFrame:
    if flows.num_rows == 0:
        return pd.DataFrame(columns=list(FLOW_COLUMNS))
    ports = sorted(
        {
            *th["telnet_ports"],
            *th["tacacs_ports"],
            *th["radius_ports"],
            *th["smart_install_ports"],
        }
    )
    mask = in_values(flows, "destination.port", ports)
    mask |= label_mask(flows, "network.protocol", ["ssh", "telnet", "tacacs", "radius"])
    if roles.has_device_map and roles.network.admin_sources:
        # Web and SSH ports are most of all traffic: keep only sessions to known devices.
        to_device = roles.devices.contains_column(flows.column("destination.ip"))
        mask |= in_values(flows, "destination.port", list(th["management_ports"])) & to_device
    return frame(flows, mask, FLOW_COLUMNS)


def _tx_candidates(txs: pa.Table) -> pd.DataFrame:
    if txs.num_rows == 0:
        return pd.DataFrame(columns=list(TX_COLUMNS))
    mask = in_values(txs, "transaction.kind", ["ssh_banner", "ssh_kex", "websocket_upgrade"])
    urls = pc.utf8_lower(txs.column("url.original"))
    mask |= in_values(txs, "transaction.kind", ["http_request"]) & mask_to_numpy(
        pc.match_substring_regex(urls, mgmt_webui_paths.PREFILTER_REGEX)
    )
    return frame(txs, mask, TX_COLUMNS)


def _transport_is(df: pd.DataFrame, name: str) -> pd.Series:
    return df["network.transport"].fillna("").str.lower() == name


def _established(df: pd.DataFrame) -> pd.Series:
    """The server answered: SYN-ACK seen, or (no flags exported) packets came back."""
    flags = pd.to_numeric(df["destination.tcp_flags"], errors="coerce")
    back = pd.to_numeric(df["destination.packets"], errors="coerce").fillna(0) > 0
    synack = flags.notna() & ((flags.fillna(0).astype(int) & 0x12) == 0x12)
    return synack | (flags.isna() & back) | (back & ~_transport_is(df, "tcp"))


def _groups(df: pd.DataFrame, keys: list[str]) -> list[tuple[tuple[Any, ...], pd.DataFrame]]:
    """Row groups for rules whose groups are few (transactions matching exploit shapes)."""
    if df.empty:
        return []
    return [
        (key if isinstance(key, tuple) else (key,), grp)
        for key, grp in df.groupby(keys, dropna=False, sort=True)
    ]


FLOW_SUMS = ("source.packets", "destination.packets", "source.bytes", "destination.bytes")
PAIR = ["source.ip", "destination.ip", "destination.port"]


def _pair_summary(
    df: pd.DataFrame, keys: list[str] = PAIR, anys: tuple[str, ...] = ()
) -> pd.DataFrame:
    return summarize(df, keys, sums=FLOW_SUMS, anys=anys)


def _flow_evidence(row: Any) -> dict[str, Any]:
    return {
        "flows": int(row["n"]),
        "packets_to_device": int(row["source.packets"]),
        "packets_from_device": int(row["destination.packets"]),
        "bytes_to_device": int(row["source.bytes"]),
        "bytes_from_device": int(row["destination.bytes"]),
    }


def _summary_alert(rule: Rule, row: Any, **kwargs: Any) -> Alert:
    return make_alert(
        DETECTOR,
        rule,
        None,
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        inputs=row["inputs"],
        **kwargs,
    )


def _rows(summary: pd.DataFrame) -> list[dict[str, Any]]:
    return summary.to_dict("records")


def _pair_entities(src: Any, dst: Any, port: Any) -> dict[str, Any]:
    return {
        "source.ip": opt_str(src),
        "destination.ip": opt_str(dst),
        "destination.port": int(port) if pd.notna(port) else None,
        "device": opt_str(dst),
    }


# --- rules --------------------------------------------------------------------------------


def _telnet(flows: pd.DataFrame, roles: Roles, th: dict[str, Any]) -> list[Alert]:
    if flows.empty:
        return []
    proto_telnet = label_has(flows["network.protocol"], ["telnet"])
    is_telnet = (
        _transport_is(flows, "tcp") & flows["destination.port"].isin(th["telnet_ports"])
    ) | proto_telnet
    cand = flows[is_telnet & _established(flows)]
    cand = cand[roles.is_device(cand["destination.ip"])]
    cand = cand.assign(admin=roles.is_admin(cand["source.ip"]))
    alerts = []
    for row in _rows(_pair_summary(cand, anys=("admin",))):
        src, dst, port = row["source.ip"], row["destination.ip"], row["destination.port"]
        admin = bool(row["admin"])
        alerts.append(
            _summary_alert(
                TELNET,
                row,
                severity="medium" if admin else "high",
                confidence=0.9,
                entities=_pair_entities(src, dst, port),
                explanation=f"{src} opened {row['n']} Telnet session(s) to device {dst}:{port}; "
                "login and commands crossed the network in clear text.",
                evidence=_flow_evidence(row) | {"from_admin_source": admin},
            )
        )
    return alerts


def _campaign_port(port: int, patterns: list[str]) -> str | None:
    text = str(port)
    for pattern in patterns:
        if re.fullmatch(pattern, text):
            return pattern
    return None


def _ssh_nonstandard(
    flows: pd.DataFrame, txs: pd.DataFrame, roles: Roles, th: dict[str, Any]
) -> list[Alert]:
    standard = set(th["ssh_standard_ports"])
    parts = []
    if not flows.empty:
        labelled = flows[label_has(flows["network.protocol"], ["ssh"]) & _established(flows)]
        parts.append(labelled.assign(basis="flow label ssh"))
    if not txs.empty:
        banners = txs[txs["transaction.kind"].isin(["ssh_banner", "ssh_kex"])]
        parts.append(banners.assign(basis="ssh protocol seen in payload"))
    if not parts:
        return []
    cand = (
        pd.concat([p for p in parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in parts)
        else pd.DataFrame()
    )
    if cand.empty:
        return []
    cand = cand[~_inside_web_tunnel(cand, txs)]
    dport = pd.to_numeric(cand["destination.port"], errors="coerce")
    sport = pd.to_numeric(cand["source.port"], errors="coerce")
    # A flow seen from its second packet can look reversed (source port 22): not a new listener.
    cand = cand[dport.notna() & ~dport.isin(standard) & ~sport.isin(standard)]
    cand = cand[roles.is_device(cand["destination.ip"])]
    cand = cand.assign(from_flow=cand["basis"] == "flow label ssh")
    summary = summarize(cand, PAIR, sums=("from_flow",))
    alerts = []
    patterns = list(th["ssh_campaign_port_patterns"])
    for row in _rows(summary):
        src, dst, port = row["source.ip"], row["destination.ip"], row["destination.port"]
        port_i = int(port)
        matched = _campaign_port(port_i, patterns)
        if port_i in set(th["ssh_critical_ports"]):
            severity, why = "critical", "TCP/57722 is the IOS XR host-OS sshd the campaign started"
        elif matched:
            severity, why = "high", f"port {port_i} fits the campaign's SSH port pattern {matched}"
        else:
            severity, why = "medium", f"port {port_i} is not a standard SSH port"
        flows_n = int(row["from_flow"])
        alerts.append(
            _summary_alert(
                SSH_PORT,
                row,
                severity=severity,
                confidence=0.8 if matched or severity == "critical" else 0.6,
                entities=_pair_entities(src, dst, port),
                explanation=f"SSH from {src} to device {dst} on TCP/{port_i}; {why}.",
                evidence={
                    "port": port_i,
                    "campaign_pattern": matched,
                    "flows": flows_n,
                    "ssh_transactions": int(row["n"]) - flows_n,
                },
            )
        )
    return alerts


def _conn_key(df: pd.DataFrame) -> pd.Series:
    return (
        df["source.ip"].astype(str)
        + "|"
        + df["source.port"].astype(str)
        + "|"
        + df["destination.ip"].astype(str)
        + "|"
        + df["destination.port"].astype(str)
    )


def _inside_web_tunnel(cand: pd.DataFrame, txs: pd.DataFrame) -> pd.Series:
    """SSH whose connection began as a WebSocket upgrade: the tunnels detector reports it."""
    if txs.empty:
        return pd.Series(False, index=cand.index)
    upgraded = set(_conn_key(txs[txs["transaction.kind"] == "websocket_upgrade"]))
    return _conn_key(cand).isin(upgraded)


def _reverse_ssh(txs: pd.DataFrame, roles: Roles, th: dict[str, Any]) -> list[Alert]:
    if txs.empty:
        return []
    msg = txs["ssh.message"].fillna("").str.lower()
    direction = txs["transaction.direction"].fillna("").str.lower()
    cand = txs[
        (txs["transaction.kind"] == "ssh_kex")
        & msg.isin([m.lower() for m in th["ssh_client_only_kex_messages"]])
        & (direction == "server")
    ]
    alerts = []
    for (src, dst, port), grp in _groups(cand, ["source.ip", "destination.ip", "destination.port"]):
        infra = bool(
            roles.is_infrastructure(pd.Series([src]))[0]
            or roles.is_infrastructure(pd.Series([dst]))[0]
        )
        alerts.append(
            make_alert(
                DETECTOR,
                REVERSE_SSH,
                grp,
                severity="critical" if infra else "high",
                confidence=0.85,
                entities=_pair_entities(src, dst, port),
                explanation=f"In the SSH session {src} -> {dst}:{port} the server sent "
                f"{', '.join(sorted_unique(grp['ssh.message']))}, a message only the TCP client "
                "sends: the session runs backwards (reverse SSH).",
                evidence={
                    "messages": sorted_unique(grp["ssh.message"]),
                    "transactions": len(grp),
                    "endpoint_is_infrastructure": infra,
                },
            )
        )
    return alerts


def _aaa(flows: pd.DataFrame, roles: Roles, th: dict[str, Any]) -> list[Alert]:
    if flows.empty:
        return []
    tcp, udp = _transport_is(flows, "tcp"), _transport_is(flows, "udp")
    dport = flows["destination.port"]
    tacacs = (tcp & dport.isin(th["tacacs_ports"]) & _established(flows)) | label_has(
        flows["network.protocol"], ["tacacs"]
    )
    radius = (udp & dport.isin(th["radius_ports"])) | label_has(
        flows["network.protocol"], ["radius"]
    )
    cand = flows[tacacs | radius].copy()
    if cand.empty:
        return []
    cand["aaa_protocol"] = np.where(tacacs[tacacs | radius], "tacacs+", "radius")
    configured = bool(roles.network.aaa_servers)
    server_known = roles.is_aaa(cand["destination.ip"])
    server_internal = roles.is_internal(cand["destination.ip"])
    client_ok = (
        roles.is_aaa(cand["source.ip"])
        | roles.is_admin(cand["source.ip"])
        | (roles.devices.contains_column(_arr(cand["source.ip"])) if roles.has_device_map else True)
    )
    cand = cand.assign(
        server_known=server_known, server_internal=server_internal, client_ok=client_ok
    )
    alerts: list[Alert] = []
    keys = [*PAIR, "aaa_protocol"]
    rogue = cand[~cand["server_known"] & (configured | ~cand["server_internal"])]
    why = (
        "is not in network.aaa_servers"
        if configured
        else "is on the Internet (no AAA servers configured)"
    )
    for row in _rows(_pair_summary(rogue, keys, anys=("server_internal",))):
        src, dst, port, proto_name = (row[k] for k in keys)
        internal = bool(row["server_internal"])
        alerts.append(
            _summary_alert(
                AAA_SERVER,
                row,
                severity="high" if internal else "critical",
                confidence=0.8 if configured else 0.6,
                entities={**_pair_entities(src, dst, port), "device": opt_str(src)},
                explanation=f"{src} sent {proto_name.upper()} to {dst}:{port}, which {why}; "
                "device logins may be checked or captured by a server the operator does not run.",
                evidence=_flow_evidence(row)
                | {
                    "protocol": proto_name,
                    "server_internal": internal,
                    "aaa_servers_configured": configured,
                },
            )
        )
    if configured and roles.has_device_map:
        odd = cand[cand["server_known"] & ~cand["client_ok"]]
        for row in _rows(_pair_summary(odd, keys)):
            src, dst, port, proto_name = (row[k] for k in keys)
            alerts.append(
                _summary_alert(
                    AAA_CLIENT,
                    row,
                    severity="high",
                    confidence=0.7,
                    entities=_pair_entities(src, dst, port) | {"device": None},
                    explanation=f"{src} is neither a device nor an AAA server, yet spoke "
                    f"{proto_name.upper()} to AAA server {dst}:{port}.",
                    evidence=_flow_evidence(row) | {"protocol": proto_name},
                )
            )
    if not configured:
        seen = cand[cand["server_internal"]]
        server_keys = ["destination.ip", "destination.port", "aaa_protocol"]
        summary = _pair_summary(seen, server_keys)
        if not summary.empty:
            clients = seen.groupby(server_keys, sort=True)["source.ip"].agg(
                lambda v: sorted(v.dropna().unique().tolist())
            )
            summary = summary.merge(clients.rename("clients").reset_index(), on=server_keys)
        for row in _rows(summary):
            dst, port, proto_name = (row[k] for k in server_keys)
            clients_all = row["clients"]
            alerts.append(
                _summary_alert(
                    AAA_SEEN,
                    row,
                    severity="info",
                    confidence=0.5,
                    entities={"destination.ip": opt_str(dst), "destination.port": int(port)},
                    explanation=f"{dst}:{port} answers {proto_name.upper()} for "
                    f"{len(clients_all)} client(s); list the approved AAA servers in "
                    "network.aaa_servers to have rogue ones flagged.",
                    evidence=_flow_evidence(row)
                    | {
                        "protocol": proto_name,
                        "clients": clients_all[:20],
                        "client_count": len(clients_all),
                    },
                )
            )
    return alerts


def _arr(series: pd.Series) -> pa.Array:
    return pa.array(series.astype(object).where(series.notna(), None).tolist(), type=pa.string())


def _smart_install(flows: pd.DataFrame, roles: Roles, th: dict[str, Any]) -> list[Alert]:
    if flows.empty:
        return []
    cand = flows[
        _transport_is(flows, "tcp") & flows["destination.port"].isin(th["smart_install_ports"])
    ]
    cand = cand[roles.is_device(cand["destination.ip"])]
    if cand.empty:
        return []
    cand = cand.assign(established=_established(cand).to_numpy())
    alerts = []
    for row in _rows(summarize(cand, PAIR, sums=(*FLOW_SUMS, "established"))):
        src, dst, port = row["source.ip"], row["destination.ip"], row["destination.port"]
        answered = int(row["established"])
        state = (
            f"the device answered on {answered} of {row['n']} connection(s)"
            if answered
            else "no answer (probe)"
        )
        alerts.append(
            _summary_alert(
                SMART_INSTALL,
                row,
                severity="critical" if answered else "medium",
                confidence=0.85 if answered else 0.5,
                entities=_pair_entities(src, dst, port),
                explanation=f"{src} connected to Smart Install TCP/{port} on {dst}: {state}. "
                "Smart Install has no authentication (CVE-2018-0171, config copy/replace).",
                evidence=_flow_evidence(row) | {"answered_connections": answered},
            )
        )
    return alerts


def _webui(txs: pd.DataFrame, all_flows: pa.Table, th: dict[str, Any]) -> list[Alert]:
    requests = txs[txs["transaction.kind"] == "http_request"] if not txs.empty else txs
    if requests.empty and all_flows.num_rows:
        # Sources without transactions (flow exports, conn logs) may still carry the first URI.
        mask = distinct_mask(
            all_flows.column("url.original"),
            lambda v: pc.match_substring_regex(pc.utf8_lower(v), mgmt_webui_paths.PREFILTER_REGEX),
        )
        if mask.any():
            requests = frame(
                all_flows, mask, [c for c in TX_COLUMNS if c in all_flows.column_names]
            )
    if requests.empty:
        return []
    rows = []
    for idx, uri in requests["url.original"].items():
        if uri is None or (isinstance(uri, float) and np.isnan(uri)):
            continue
        for entry in mgmt_webui_paths.match(str(uri)):
            rows.append((idx, entry.id))
    if not rows:
        return []
    hits = requests.loc[[r[0] for r in rows]].assign(path_id=[r[1] for r in rows])
    entries = {e.id: e for e in mgmt_webui_paths.EXPLOIT_PATHS}
    alerts = []
    for (src, dst, port, path_id), grp in _groups(
        hits, ["source.ip", "destination.ip", "destination.port", "path_id"]
    ):
        entry = entries[path_id]
        methods = [
            str(m).upper() for m in grp.get("http.request.method", pd.Series(dtype=object)).dropna()
        ]
        severity = entry.severity
        if entry.methods and methods and not any(m in entry.methods for m in methods):
            severity = step_down(severity)
        statuses = sorted_unique(grp.get("http.response.status_code", pd.Series(dtype=object)))
        cves = "/".join(entry.cves) or "no CVE"
        alerts.append(
            make_alert(
                DETECTOR,
                WEBUI,
                grp,
                severity=severity,
                confidence=0.85,
                title=f"{entry.product}: {entry.what}",
                entities=_pair_entities(src, dst, port),
                explanation=f"{src} sent {len(grp)} request(s) to {dst}:{port} matching the "
                f"{entry.product} exploit path '{path_id}' ({cves}).",
                evidence={
                    "path_id": path_id,
                    "cves": list(entry.cves),
                    "product": entry.product,
                    "requests": len(grp),
                    "methods": sorted(set(methods)),
                    "uris": sorted_unique(grp["url.original"], limit=5),
                    "status_codes": statuses,
                    "path_sources": list(entry.sources),
                },
            )
        )
    return alerts


def _non_admin_access(flows: pd.DataFrame, roles: Roles, th: dict[str, Any]) -> list[Alert]:
    if flows.empty or not roles.has_device_map or not roles.network.admin_sources:
        return []
    ports = set(th["management_ports"]) | set(th["telnet_ports"])
    cand = flows[flows["destination.port"].isin(ports) & _established(flows)]
    if cand.empty:
        return []
    cand = cand[roles.is_device(cand["destination.ip"])]
    cand = cand[
        ~roles.is_admin(cand["source.ip"])
        & ~roles.is_device(cand["source.ip"])
        & ~roles.is_aaa(cand["source.ip"])
    ]
    alerts = []
    for row in _rows(_pair_summary(cand)):
        src, dst, port = row["source.ip"], row["destination.ip"], row["destination.port"]
        alerts.append(
            _summary_alert(
                NON_ADMIN,
                row,
                severity="medium",
                confidence=0.6,
                entities=_pair_entities(src, dst, port),
                explanation=f"{src} is not in network.admin_sources but reached management port "
                f"{port} on device {dst} ({row['n']} session(s)).",
                evidence=_flow_evidence(row),
            )
        )
    return alerts
