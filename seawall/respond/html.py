"""The HTML report: one self-contained page with alerts, evidence and charts."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from jinja2 import Environment, select_autoescape

from seawall import __version__
from seawall.commands import HuntReport
from seawall.respond.charts import histogram_svg, timeline_svg
from seawall.respond.render import redact

COLOURS = {
    "critical": "#8b0000",
    "high": "#c0392b",
    "medium": "#d68910",
    "low": "#2e86c1",
    "info": "#7f8c8d",
}


def render_html(report: HuntReport) -> str:
    template_text = (resources.files("seawall.respond") / "templates" / "report.html.j2").read_text(
        encoding="utf-8"
    )
    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(template_text)
    alerts: list[dict[str, Any]] = []
    for alert in report.alerts:
        body = alert.to_dict()
        evidence = redact(body["evidence"])
        intervals = evidence.pop("intervals_s", None)
        sizes = evidence.pop("sizes_bytes", None)
        body["evidence_json"] = json.dumps(evidence, indent=1)[:4000]
        body["chart"] = (
            histogram_svg(intervals, label="intervals between check-ins (s)") if intervals else ""
        ) + (histogram_svg(sizes, label="bytes sent per check-in") if sizes else "")
        body["colour"] = COLOURS[alert.severity]
        alerts.append(body)
    timeline = timeline_svg(
        [
            (f"{a.severity} {a.title}", a.first_seen, a.last_seen, COLOURS[a.severity])
            for a in report.alerts[:60]
        ]
    )
    return template.render(
        version=__version__,
        summary=report.summary(),
        alerts=alerts,
        timeline=timeline,
        issues=[str(i) for i in report.issues[:200]],
        files=report.files,
        colours=COLOURS,
    )
