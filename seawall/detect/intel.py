"""Threat-intel detector: flows and transactions matched against an IndicatorSet.

Matching is columnar (see ``seawall.intel.matcher``); only the hits, normally a handful,
become Python objects here. One alert per (indicator, source address, destination address),
aggregated over every flow and transaction that hit it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from seawall.detect.base import DetectContext, RecordTables, register
from seawall.intel import normalize as nz
from seawall.intel.matcher import Hits, IndicatorSet
from seawall.records.alerts import Alert, InputRef

ATTACK_BY_KIND: dict[str, list[str]] = {
    nz.IP: ["T1071"],  # Application Layer Protocol: traffic to/from C2 infrastructure
    nz.CIDR: ["T1071"],
    nz.DOMAIN: ["T1071"],
    nz.URL: ["T1071.001"],  # Web Protocols
    nz.USER_AGENT: ["T1071.001"],
    nz.JA3: ["T1071.001", "T1573.002"],  # Encrypted Channel: Asymmetric Cryptography
    nz.JA4: ["T1071.001", "T1573.002"],
    nz.SHA1: ["T1573.002"],
    nz.SHA256: ["T1573.002"],
    nz.MD5: ["T1071"],
}
# A domain seen in a DNS question adds the DNS sub-technique.
_DNS_FIELDS = {"dns.question.name"}

Matcher = Callable[[IndicatorSet, pa.Table], Hits]


@dataclass(frozen=True, slots=True)
class _Field:
    name: str  # the column (or "url.domain+url.original") reported as matched
    match: Matcher


def _column(table: pa.Table, name: str) -> pa.ChunkedArray:
    return table.column(name)


def _domains(name: str) -> _Field:
    return _Field(name, lambda s, t: s.match_domains(_column(t, name)))


def _hashes(name: str, kind: str) -> _Field:
    return _Field(name, lambda s, t: s.match_hashes(_column(t, name), kind))


def _addresses(name: str) -> _Field:
    return _Field(name, lambda s, t: s.match_addresses(_column(t, name)))


_URL = _Field(
    "url.original", lambda s, t: s.match_urls(_column(t, "url.domain"), _column(t, "url.original"))
)
_UA = _Field(
    "user_agent.original", lambda s, t: s.match_user_agents(_column(t, "user_agent.original"))
)
_TLS = [
    _domains("tls.client.server_name"),
    _hashes("tls.client.ja3", nz.JA3),
    _hashes("tls.client.ja4", nz.JA4),
    _hashes("tls.server.hash.sha1", nz.SHA1),
]

FLOW_FIELDS: tuple[_Field, ...] = (
    _addresses("source.ip"),
    _addresses("destination.ip"),
    *_TLS,
    _domains("dns.question.name"),
    _domains("url.domain"),
    _URL,
    _UA,
)
# Addresses are matched on flows only: every transaction belongs to a flow with the same
# addresses, so matching them again would only double the counts.
TRANSACTION_FIELDS: tuple[_Field, ...] = (
    *_TLS,
    _domains("dns.question.name"),
    _domains("url.domain"),
    _URL,
    _UA,
)


def match_table(intel: IndicatorSet, table: pa.Table, fields: tuple[_Field, ...]) -> pd.DataFrame:
    """Hits of one table: columns row, indicator, field."""
    parts = []
    for spec in fields:
        hits = spec.match(intel, table)
        if len(hits):
            observed = table.column(spec.name).take(pa.array(hits.rows)).to_pylist()
            parts.append(
                pd.DataFrame(
                    {
                        "row": hits.rows,
                        "indicator": hits.ids,
                        "field": spec.name,
                        "observed": observed,
                    }
                )
            )
    if not parts:
        return pd.DataFrame({"row": [], "indicator": [], "field": [], "observed": []})
    return pd.concat(parts, ignore_index=True)


_CONTEXT_COLUMNS = (
    "source.ip",
    "destination.ip",
    "destination.port",
    "event.start",
    "event.end",
    "input.file",
    "input.frame",
    "input.line",
)


def _hit_frame(
    intel: IndicatorSet, table: pa.Table, fields: tuple[_Field, ...], kind: str
) -> pd.DataFrame:
    if table.num_rows == 0:
        return pd.DataFrame()
    hits = match_table(intel, table, fields)
    if hits.empty:
        return pd.DataFrame()
    rows = np.unique(hits["row"].to_numpy(dtype=np.int64))
    names = [c for c in _CONTEXT_COLUMNS if c in table.column_names]
    context = table.select(names).take(pa.array(rows)).to_pandas()
    if "event.end" not in context:
        context["event.end"] = context["event.start"]
    context["row"] = rows
    merged = hits.merge(context, on="row", how="left")
    merged["record"] = kind
    return merged


@register(
    "intel",
    attack=("T1071", "T1071.001", "T1071.004", "T1573.002"),
    description="Flows and transactions that touch an address, domain, URL, JA3/JA4, "
    "certificate hash or user agent from the loaded indicator files.",
)
def detect_intel(tables: RecordTables, ctx: DetectContext) -> list[Alert]:
    intel = ctx.intel
    if intel is None or len(intel) == 0:
        return []
    if not isinstance(intel, IndicatorSet):
        raise TypeError("DetectContext.intel must be a seawall.intel.matcher.IndicatorSet")
    frames = [
        _hit_frame(intel, tables.flows, FLOW_FIELDS, "flow"),
        _hit_frame(intel, tables.transactions, TRANSACTION_FIELDS, "transaction"),
    ]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return []
    hits = pd.concat(frames, ignore_index=True)
    hits["source.ip"] = hits["source.ip"].fillna("")
    hits["destination.ip"] = hits["destination.ip"].fillna("")
    alerts = [
        _alert(intel, int(ident), src, dst, group, ctx.thresholds)
        for (ident, src, dst), group in hits.groupby(
            ["indicator", "source.ip", "destination.ip"], sort=True
        )
    ]
    return alerts


def _severity(kind: str, confidence: float | None, th: dict[str, Any]) -> str:
    if confidence is None:
        return str(th["severity_by_kind"].get(kind, "medium"))
    if confidence >= th["high_confidence"]:
        return "high"
    if confidence >= th["medium_confidence"]:
        return "medium"
    return "low"


def _ts(value: Any) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime()


def _alert(
    intel: IndicatorSet, ident: int, src: str, dst: str, group: pd.DataFrame, th: dict[str, Any]
) -> Alert:
    ind = intel.indicator(ident)
    limit = int(th["max_listed"])
    records = group.drop_duplicates(["record", "row"]).sort_values("event.start", kind="stable")
    counts = records["record"].value_counts()
    fields = sorted(set(group["field"]))
    ports = sorted({int(p) for p in records["destination.port"].dropna()})
    same = intel.same_value(ident)
    also = [intel.indicator(i).source for i in same if i != ident]
    enclosing = (
        [intel.indicator(i).value for i in intel.enclosing(ident)]
        if ind.kind in (nz.IP, nz.CIDR)
        else []
    )
    inputs = []
    for _, rec in records.head(int(th["max_inputs"])).iterrows():
        if not isinstance(rec.get("input.file"), str):
            continue
        frame = rec.get("input.frame")
        line = rec.get("input.line")
        ref = InputRef(
            file=rec["input.file"],
            frame=None if frame is None or pd.isna(frame) else int(frame),
            line=None if line is None or pd.isna(line) else int(line),
        )
        if ref not in inputs:  # a flow and its transaction often start on the same frame
            inputs.append(ref)
    attack = list(ATTACK_BY_KIND.get(ind.kind, ["T1071"]))
    if set(fields) & _DNS_FIELDS and "T1071.004" not in attack:
        attack.append("T1071.004")
    confidence = (
        ind.confidence
        if ind.confidence is not None
        else float(th["confidence_by_kind"].get(ind.kind, 0.5))
    )
    severity = _severity(ind.kind, ind.confidence, th)
    n_flows, n_tx = int(counts.get("flow", 0)), int(counts.get("transaction", 0))
    entities: dict[str, Any] = {"source.ip": src or None, "destination.ip": dst or None}
    if len(ports) == 1:
        entities["destination.port"] = ports[0]
    label = f" ({ind.description})" if ind.description else ""
    seen = ", ".join(
        f"{n} {name}{'s' if n != 1 else ''}"
        for n, name in ((n_flows, "flow"), (n_tx, "transaction"))
        if n
    )
    explanation = (
        f"{src or '?'} -> {dst or '?'}: {', '.join(fields)} matched {ind.kind} indicator "
        f"{ind.value} from {ind.source}{label} in {seen}"
    )
    evidence: dict[str, Any] = {
        "indicator": ind.value,
        "indicator_kind": ind.kind,
        "indicator_source": ind.source,
        "indicator_description": ind.description,
        "indicator_confidence": ind.confidence,
        "matched_fields": fields,
        "observed_values": sorted({str(v) for v in group["observed"].dropna()})[:limit],
        "flows": n_flows,
        "transactions": n_tx,
        "destination_ports": ports[:limit],
    }
    if ind.port is not None:
        evidence["indicator_port"] = ind.port
        evidence["indicator_port_seen"] = ind.port in ports
    if also:
        evidence["also_listed_in"] = also[:limit]
    if enclosing:
        evidence["enclosing_indicators"] = enclosing[:limit]
    return Alert(
        detector="intel",
        rule_id=f"intel.{ind.kind}",
        title=f"Traffic matches {ind.kind} indicator {ind.value}",
        severity=severity,
        attack=attack,
        entities=entities,
        first_seen=_ts(records["event.start"].min()),
        last_seen=_ts(records["event.end"].max()),
        explanation=explanation,
        evidence=evidence,
        inputs=inputs,
        confidence=float(confidence),
    )
