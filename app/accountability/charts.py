"""Charts drawn on the server as SVG: no script, no inline style, no CDN.

Each chart is an ``<svg role="img">`` with a title and a description; the same
numbers are always printed in a table beside it (the chart is a picture of the
table, never the only place a number appears). Colours come from classes in
static/css/site.css.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 36


@dataclass
class Series:
    """One named row of values; ``css`` picks its colour."""

    name: str
    values: list[float | None]
    css: str


def _scale(maximum: float) -> float:
    """A round top for the axis."""
    if maximum <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000):
        if maximum <= step * 4:
            return step * 4
    return maximum


def _frame(chart_id: str, title: str, description: str, top: float, body: list[str], labels: list[str],
           legend: list[Series], suffix: str = "") -> Markup:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + 22 * len(legend)}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        label = f"{value:.0f}{suffix}"
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>')
    parts += body
    slot = plot_w / max(1, len(labels))
    for i, label in enumerate(labels):
        x = LEFT + slot * (i + 0.5)
        # A month is written out with its four-digit year ("sentyabr 2026"): two lines, so twelve of them fit.
        first, _, second = label.rpartition(" ")
        if first and len(second) == 4 and second.isdigit():
            parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 20}" text-anchor="middle">{escape(first)}'
                         f'<tspan x="{x:.1f}" dy="13">{escape(second)}</tspan></text>')
        else:
            parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 14}" text-anchor="middle">{escape(label)}</text>')
    for i, series in enumerate(legend):
        y = HEIGHT + 4 + 22 * i
        parts.append(f'<rect class="{series.css}" x="{LEFT}" y="{y}" width="14" height="14"/>')
        parts.append(f'<text class="legend" x="{LEFT + 20}" y="{y + 12}">{escape(series.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(chart_id: str, title: str, description: str, labels: list[str], series: list[Series]) -> Markup:
    """Grouped bars: one group per label, one bar per series."""
    top = _scale(max([v or 0 for s in series for v in s.values] + [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(labels))
    bar_w = slot * 0.8 / max(1, len(series))
    body = []
    for i in range(len(labels)):
        for j, s in enumerate(series):
            value = s.values[i] or 0
            h = plot_h * value / top
            x = LEFT + slot * i + slot * 0.1 + bar_w * j
            body.append(f'<rect class="{s.css}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                        f'height="{h:.1f}"><title>{escape(labels[i])}: {escape(s.name)} {value:g}</title></rect>')
    return _frame(chart_id, title, description, top, body, labels, series)


def line(chart_id: str, title: str, description: str, labels: list[str], series: list[Series],
         top: float = 100, suffix: str = "%") -> Markup:
    """Lines with dots; a missing value breaks the line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(labels))
    body = []
    for s in series:
        points, runs = [], []
        for i, value in enumerate(s.values):
            if value is None:
                if points:
                    runs.append(points)
                points = []
                continue
            points.append((LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * value / top, labels[i], value))
        if points:
            runs.append(points)
        for run in runs:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _l, _v in run)
            body.append(f'<polyline class="{s.css}-line" points="{path}"/>')
            for x, y, label, value in run:
                body.append(f'<circle class="{s.css}" cx="{x:.1f}" cy="{y:.1f}" r="3.5">'
                            f'<title>{escape(label)}: {value:.0f}{suffix}</title></circle>')
    return _frame(chart_id, title, description, top, body, labels, series, suffix)


def hbars(chart_id: str, title: str, description: str, labels: list[str], values: list[float],
          css: str = "series-a") -> Markup:
    """Horizontal bars, one row per label with the label above its bar and the value after it (long labels fit)."""
    row, label_h, bar_h, value_w = 44, 16, 18, 56
    left, plot_w = 8, WIDTH - 16 - value_w
    top = max([v or 0 for v in values] + [0]) or 1
    height = row * max(1, len(labels)) + 8
    parts = [
        f'<svg class="chart chart-hbars" id="{chart_id}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + row * i
        shown = label if len(label) <= 90 else label[:89] + "…"
        width = plot_w * (value or 0) / top
        parts.append(f'<text class="legend" x="{left}" y="{y + label_h - 4}">{escape(shown)}</text>')
        parts.append(f'<rect class="track" x="{left}" y="{y + label_h}" width="{plot_w}" height="{bar_h}"/>')
        parts.append(f'<rect class="{css}" x="{left}" y="{y + label_h}" width="{width:.1f}" height="{bar_h}">'
                     f'<title>{escape(label)}: {value:g}</title></rect>')
        parts.append(f'<text class="axis" x="{left + plot_w + 6}" y="{y + label_h + 13}">{value:g}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
