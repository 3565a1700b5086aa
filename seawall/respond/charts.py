"""Small inline SVG charts for the self-contained HTML report (no scripts, no downloads)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

import numpy as np


def histogram_svg(
    values: Sequence[float], *, label: str, width: int = 360, height: int = 120
) -> str:
    """A bar histogram of ``values`` (e.g. beacon intervals in seconds)."""
    data = np.asarray([v for v in values if v is not None], dtype=float)
    if data.size == 0:
        return ""
    bins = int(min(30, max(5, np.sqrt(data.size) * 2)))
    counts, edges = np.histogram(data, bins=bins)
    top = counts.max() or 1
    pad = 24
    bar_w = (width - 2 * pad) / len(counts)
    bars = []
    for i, count in enumerate(counts):
        h = (height - 2 * pad) * count / top
        x = pad + i * bar_w
        y = height - pad - h
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
            f'fill="#3b6ea8"><title>{edges[i]:.1f}–{edges[i + 1]:.1f}: {count}</title></rect>'
        )
    return (
        f'<svg class="chart" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}">'
        f'<text x="{pad}" y="14" font-size="11">{escape(label)}</text>'
        + "".join(bars)
        + f'<text x="{pad}" y="{height - 6}" font-size="10">{edges[0]:.1f}</text>'
        f'<text x="{width - pad}" y="{height - 6}" font-size="10" text-anchor="end">'
        f"{edges[-1]:.1f}</text></svg>"
    )


def timeline_svg(
    spans: Sequence[tuple[str, datetime | None, datetime | None, str]],
    *,
    width: int = 900,
    gap_seconds: float = 86400.0,
) -> str:
    """One horizontal bar per (label, start, end, colour): when each finding was active.

    Findings separated by more than ``gap_seconds`` get their own chart, so captures taken
    years apart do not squeeze each other into slivers."""
    rows = sorted(
        ((lab, s, e or s, c) for lab, s, e, c in spans if s is not None), key=lambda r: r[1]
    )
    charts: list[str] = []
    group: list[tuple[str, datetime, datetime, str]] = []
    group_end = 0.0
    for row in rows:
        if group and row[1].timestamp() - group_end > gap_seconds:
            charts.append(_timeline_group(group, width))
            group = []
        group.append(row)
        group_end = max(group_end, row[2].timestamp()) if len(group) > 1 else row[2].timestamp()
    if group:
        charts.append(_timeline_group(group, width))
    return "".join(charts)


def _timeline_group(rows: Sequence[tuple[str, datetime, datetime, str]], width: int) -> str:
    if not rows:
        return ""
    t0 = min(s.timestamp() for _, s, _, _ in rows)
    t1 = max(e.timestamp() for _, _, e, _ in rows if e is not None)
    span = max(t1 - t0, 1.0)
    left, row_h = 260, 16
    height = row_h * len(rows) + 30
    parts = []
    for i, (lab, s, e, colour) in enumerate(rows):
        assert e is not None
        x = left + (width - left - 10) * (s.timestamp() - t0) / span
        w = max((width - left - 10) * (e.timestamp() - s.timestamp()) / span, 3)
        y = 20 + i * row_h
        parts.append(
            f'<text x="{left - 6}" y="{y + 11}" font-size="10" text-anchor="end">'
            f"{escape(lab[:48])}</text>"
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 4}" fill="{colour}">'
            f"<title>{escape(lab)}: {s.isoformat()} – {e.isoformat()}</title></rect>"
        )
    start = datetime.fromtimestamp(t0).isoformat(timespec="seconds")
    return (
        f'<svg class="chart" width="{width}" height="{height}" role="img" aria-label="timeline">'
        f'<text x="{left}" y="12" font-size="10">{escape(start)} UTC, span {span:,.0f} s</text>'
        + "".join(parts)
        + "</svg>"
    )
