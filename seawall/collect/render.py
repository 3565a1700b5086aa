"""Text for the collect command's output: alert rows, the stats line, the final summary."""

from __future__ import annotations

from typing import Any

from seawall.records.alerts import Alert


def alert_row(alert: Alert) -> str:
    """One line per alert: when, severity, rule, device/user/source, explanation."""
    when = alert.first_seen.strftime("%Y-%m-%d %H:%M:%S") if alert.first_seen else "-"
    entities = alert.entities
    who = " ".join(
        f"{key}={entities[key]}"
        for key in ("device", "user", "source.ip")
        if entities.get(key) not in (None, "")
    )
    return (
        f"{when} {alert.severity.upper():8} {alert.detector}/{alert.rule_id} "
        f"{alert.title} [{who}] {alert.explanation}"
    )


def stats_line(stats: dict[str, Any]) -> str:
    """The periodic figures, one line."""
    drops = ", ".join(f"{t} {n}" for t, n in sorted(stats["dropped_by_transport"].items()))
    return (
        f"collect: received {stats['received']} parsed {stats['parsed']} "
        f"unknown {stats['unknown']} junk {stats['junk']} oversize {stats['oversize']} "
        f"dropped {stats['dropped']} ({drops}) waiting {stats['waiting']} "
        f"alerts {stats['alerts']}"
    )


def summary_lines(stats: dict[str, Any]) -> list[str]:
    """The final summary: totals, then per transport, then senders with unknown lines."""
    lines = [stats_line(stats).replace("collect: ", "collect summary: ", 1)]
    for transport, counts in sorted(stats["transports"].items()):
        extra = ""
        if transport == "tcp":
            extra = (
                f" connections {counts['connections']} (octet-counted frames "
                f"{counts['octet_frames']}, line frames {counts['line_frames']}, "
                f"truncated {counts['truncated']})"
            )
        lines.append(
            f"  {transport}: received {counts['received']} queued {counts['queued']} "
            f"junk {counts['junk']} oversize {counts['oversize']} "
            f"dropped {counts['dropped']}{extra}"
        )
    for sender, count in stats["unknown_by_sender"].items():
        lines.append(f"  unknown lines from {sender}: {count}")
    if stats.get("receiver_failure"):
        lines.append(f"  {stats['receiver_failure']}")
    batcher = stats["batcher"]
    if batcher["errors"]:
        lines.append(f"  batches that failed: {batcher['errors']} (see the errors above)")
    if not stats["detectors"]:
        lines.append("  no log detector ran: events were stored, no rule evaluated them")
    return lines
