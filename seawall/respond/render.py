"""Alert output for people (rich table) and pipelines (JSON lines)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from seawall.commands import HuntReport
from seawall.records.alerts import Alert

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}

# Secret-bearing evidence keys are never printed in clear.
SECRET_KEYS = ("community", "password", "secret", "key")


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("<redacted>" if _is_secret(k) and isinstance(v, str) else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(s in lowered for s in SECRET_KEYS) and not lowered.endswith(
        ("_length", "_is_default", "_kind")
    )


def alert_json(alert: Alert) -> str:
    body = alert.to_dict()
    body["evidence"] = redact(body["evidence"])
    return json.dumps(body, sort_keys=False, separators=(",", ":"))


def write_json_lines(alerts: Iterable[Alert], out: IO[str]) -> None:
    for alert in alerts:
        out.write(alert_json(alert) + "\n")


def _entities_text(entities: dict[str, Any]) -> str:
    src = entities.get("source.ip")
    dst = entities.get("destination.ip")
    port = entities.get("destination.port")
    parts = []
    if src and dst:
        parts.append(f"{src} → {dst}{':' + str(port) if port else ''}")
    elif src or dst:
        parts.append(f"{'source' if src else 'destination'} {src or dst}")
    for key in ("device", "user", "dns.base_domain", "url.domain"):
        if entities.get(key):
            parts.append(f"{key}={entities[key]}")
    return " ".join(parts) or json.dumps(entities)


def print_table(report: HuntReport, console: Console, max_issues: int = 20) -> None:
    table = Table(title=f"Seawall hunt: {len(report.alerts)} alerts", show_lines=True, expand=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("finding (detector: why)", ratio=3, overflow="fold")
    table.add_column("entities", ratio=2, overflow="fold")
    table.add_column("first seen", no_wrap=True)
    for alert in report.alerts:
        style = SEVERITY_STYLE[alert.severity]
        first = alert.first_seen.strftime("%Y-%m-%d %H:%M:%S") if alert.first_seen else ""
        table.add_row(
            f"[{style}]{alert.severity}[/]",
            f"[bold]{escape(alert.title)}[/]\n"
            f"[dim]{alert.detector}: {escape(alert.explanation)}[/]",
            escape(_entities_text(alert.entities)),
            first,
        )
    console.print(table)
    print_summary(report, console, max_issues)


def print_summary(report: HuntReport, console: Console, max_issues: int = 20) -> None:
    s = report.summary()
    records = ", ".join(f"{n:,} {k}s" for k, n in sorted(s["records"].items())) or "no records"
    severities = ", ".join(f"{n} {k}" for k, n in s["alerts_by_severity"].items() if n) or "none"
    console.print(
        f"[bold]Summary[/]: {s['files']} files ({s['files_cached']} already stored, "
        f"{s['files_skipped']} not recognised), {records}; "
        f"{s['parse_errors_skipped']} parse errors skipped; alerts: {severities}; "
        f"profile {s['profile']}; {s['seconds']:.1f} s",
        soft_wrap=True,
    )
    issues = report.issues
    for issue in issues[:max_issues]:
        console.print(f"  [yellow]skipped[/] {escape(str(issue))}", highlight=False, soft_wrap=True)
    if len(issues) > max_issues:
        more = len(issues) - max_issues
        console.print(f"  … and {more} more (--format json lists all on standard error)")
