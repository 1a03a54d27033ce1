"""Small server-rendered SVG charts: stacked bars and a donut, no JavaScript.

The SVG is inline in the page, so it prints, works without scripts and needs no chart library.
Each chart is an image with a ``<title>`` and ``<desc>`` (what a screen reader announces), and
every bar segment carries its own ``<title>`` (the tooltip: label and count). All text is
escaped here, so callers may pass user-entered labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT_SIZE = 12
FONT = f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}"'
EMPTY_COLOR = "#e3e7ee"
# Text is never drawn smaller than this on screen: a chart does not shrink below the width at
# which its FONT_SIZE text would be MIN_TEXT_PX; a narrower screen scrolls it in its own box
# (annexa.css).
MIN_TEXT_PX = 11


@dataclass(frozen=True)
class Series:
    """One stacked layer: its label and colour, and one value per category."""

    label: str
    color: str
    values: Sequence[int]


@dataclass(frozen=True)
class Segment:
    """One slice of a donut."""

    label: str
    value: int
    color: str


def _chart_id(kind: str, title: str, chart_id: str | None) -> str:
    if chart_id:
        return chart_id
    return f"{kind}-{hashlib.sha256(title.encode()).hexdigest()[:8]}"


def _num(value: float) -> str:
    """Coordinates with at most two decimals and no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def min_width(width: int) -> int:
    """The narrowest a ``width``-wide chart may be drawn with its text still MIN_TEXT_PX."""
    return -(-width * MIN_TEXT_PX // FONT_SIZE)


def readable_on(fill: str) -> str:
    """Near-black or white, whichever contrasts more with the ``#rrggbb`` colour ``fill``
    (WCAG relative luminance): the colour of a label drawn on it."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(fill.lstrip("#")[i : i + 2]) for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    dark = 0.0144  # the relative luminance of #1d2430, the page's text colour
    on_white = 1.05 / (luminance + 0.05)
    on_dark = (luminance + 0.05) / (dark + 0.05)
    return "#fff" if on_white >= on_dark else "#1d2430"


def _header(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px;min-width:{min_width(width)}px" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _text_width(text: str) -> float:
    """About how wide ``text`` is in 12px system-ui: narrow letters, capitals and the rest."""
    narrow = sum(c in "fijlrt .,:;'()" for c in text)
    capitals = sum(c.isupper() for c in text)
    return 4.0 * narrow + 9.0 * capitals + 7.6 * (len(text) - narrow - capitals)


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, width: int) -> tuple[str, int]:
    """Legend swatches laid out left to right, wrapping; returns the SVG and the rows used."""
    parts, cursor, row = [], x, 0
    for label, color in items:
        item_width = 30 + _text_width(label)
        if cursor + item_width > width and cursor > x:
            cursor, row = x, row + 1
        top = y + row * 20
        parts.append(
            f'<rect x="{_num(cursor)}" y="{_num(top)}" width="12" height="12" rx="2" '
            f'fill="{escape(color)}"/><text x="{_num(cursor + 17)}" y="{_num(top + 10)}" '
            f"{FONT}>{escape(label)}</text>"
        )
        cursor += item_width
    return "".join(parts), row + 1


def stacked_bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    width: int = 640,
    bar_height: int = 24,
    label_width: int = 130,
    chart_id: str | None = None,
) -> SafeString:
    """Horizontal stacked bars, one per category, scaled to the largest total."""
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(
                f"series {s.label!r} has {len(s.values)} values, expected {len(categories)}"
            )
        if any(v < 0 for v in s.values):
            raise ValueError(f"series {s.label!r} has a negative value")
    cid = _chart_id("bars", title, chart_id)
    # Room for the longest category label: a label is never cut at the left edge.
    label_width = max(label_width, *(int(_text_width(c)) + 14 for c in categories), 0)
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    scale = (width - label_width - 50) / max([*totals, 1])
    gap = 10
    legend, legend_rows = _legend([(s.label, s.color) for s in series], 0, 0, width)
    bars_height = len(categories) * (bar_height + gap)
    height = bars_height + legend_rows * 20 + 10
    parts = [_header(cid, width, height, title, description or title)]
    for index, category in enumerate(categories):
        y = index * (bar_height + gap)
        parts.append(
            _bar(category, series, index, totals[index], y, scale, unit, bar_height, label_width)
        )
    parts.append(f'<g class="legend" transform="translate(0 {bars_height + 6})">{legend}</g>')
    parts.append("</svg>")
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above  # nosec B308


def _bar(
    category: str,
    series: Sequence[Series],
    index: int,
    total: int,
    y: float,
    scale: float,
    unit: str,
    bar_height: int,
    label_width: int,
) -> str:
    suffix = f" {unit}" if unit else ""
    summary = ", ".join(f"{s.label} {s.values[index]}" for s in series)
    parts = [
        f'<g class="bar" data-category="{escape(category)}" '
        f'aria-label="{escape(category)}: {total}{escape(suffix)} ({escape(summary)})">',
        f'<text x="{label_width - 8}" y="{_num(y + bar_height / 2 + 4)}" text-anchor="end" '
        f"{FONT}>{escape(category)}</text>",
    ]
    x = float(label_width)
    for s in series:
        value = s.values[index]
        if value <= 0:
            continue
        w = value * scale
        parts.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{bar_height}" '
            f'fill="{escape(s.color)}"><title>{escape(category)} — {escape(s.label)}: '
            f"{value}{escape(suffix)}</title></rect>"
        )
        x += w
    parts.append(
        f'<text x="{_num(x + 6)}" y="{_num(y + bar_height / 2 + 4)}" {FONT}>{total}</text></g>'
    )
    return "".join(parts)


def donut_chart(
    segments: Sequence[Segment],
    *,
    title: str,
    description: str = "",
    center_label: str = "",
    size: int = 180,
    chart_id: str | None = None,
) -> SafeString:
    """A ring split into segments proportional to their values, with a legend beside it."""
    if any(s.value < 0 for s in segments):
        raise ValueError("donut segments cannot be negative")
    cid = _chart_id("donut", title, chart_id)
    total = sum(s.value for s in segments)
    radius, stroke = size / 2 - 16, 22
    circumference = 2 * 3.141592653589793 * radius
    centre = size / 2
    legend_width = max(220, *(int(_text_width(f"{s.label}: {s.value}")) + 40 for s in segments), 0)
    height = max(size, 20 * len(segments) + 10)
    parts = [_header(cid, size + legend_width, height, title, description or title)]
    ring = (
        f'cx="{_num(centre)}" cy="{_num(centre)}" r="{_num(radius)}" fill="none" '
        f'stroke-width="{stroke}"'
    )
    parts.append(f'<circle {ring} stroke="{EMPTY_COLOR}"/>')
    offset = 0.0
    for s in segments:
        if s.value <= 0 or total == 0:
            continue
        length = circumference * s.value / total
        parts.append(
            f'<circle class="segment" {ring} stroke="{escape(s.color)}" '
            f'stroke-dasharray="{_num(length)} {_num(circumference - length)}" '
            f'stroke-dashoffset="{_num(-offset)}" transform="rotate(-90 {_num(centre)} '
            f'{_num(centre)})"><title>{escape(s.label)}: {s.value}</title></circle>'
        )
        offset += length
    if center_label:
        parts.append(
            f'<text x="{_num(centre)}" y="{_num(centre + 6)}" text-anchor="middle" '
            f'font-family="system-ui, sans-serif" font-size="18" font-weight="600">'
            f"{escape(center_label)}</text>"
        )
    for index, s in enumerate(segments):
        y = 10 + index * 20
        parts.append(
            f'<rect x="{size + 10}" y="{y}" width="12" height="12" rx="2" '
            f'fill="{escape(s.color)}"/><text x="{size + 28}" y="{y + 10}" {FONT}>'
            f"{escape(s.label)}: {s.value}</text>"
        )
    parts.append("</svg>")
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above  # nosec B308


@dataclass(frozen=True)
class Line:
    """One line of a line chart: its label and colour, one value per point; ``area`` shades
    the space below it. A ``None`` value is a gap (no data): the line breaks there."""

    label: str
    color: str
    values: Sequence[int | None]
    area: bool = False


def line_chart(
    labels: Sequence[str],
    lines: Sequence[Line],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    width: int = 640,
    plot_height: int = 180,
    label_every: int = 4,
    chart_id: str | None = None,
    peak: int | None = None,
) -> SafeString:
    """Lines over ``labels`` (e.g. dates), scaled to the largest value (or to ``peak``, e.g.
    100 for percentages); every point carries a ``<title>`` (label, line, value). The last
    label and every ``label_every``-th one before it are written under the axis."""
    for line in lines:
        if len(line.values) != len(labels):
            raise ValueError(
                f"line {line.label!r} has {len(line.values)} values, expected {len(labels)}"
            )
        if any(v is not None and v < 0 for v in line.values):
            raise ValueError(f"line {line.label!r} has a negative value")
    cid = _chart_id("line", title, chart_id)
    left, right, top = 40, 24, 10  # the last date label, centred on the last point, fits
    plot_width = width - left - right
    base = top + plot_height
    peak = peak or max([v for line in lines for v in line.values if v is not None] + [1])
    step = plot_width / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return base - v * plot_height / peak

    legend, legend_rows = _legend([(line.label, line.color) for line in lines], 0, 0, width)
    height = base + 24 + legend_rows * 20 + 6
    parts = [_header(cid, width, height, title, description or title)]
    for tick in sorted({0, round(peak / 2), peak}):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y(tick))}" y2="{_num(y(tick))}" '
            f'stroke="{EMPTY_COLOR}"/><text x="{left - 6}" y="{_num(y(tick) + 4)}" '
            f'text-anchor="end" {FONT}>{tick}</text>'
        )
    for index, label in enumerate(labels):
        if (len(labels) - 1 - index) % label_every == 0:
            parts.append(
                f'<text x="{_num(x(index))}" y="{base + 16}" text-anchor="middle" {FONT}>'
                f"{escape(label)}</text>"
            )
    suffix = f" {unit}" if unit else ""
    for line in lines:
        parts.append(f'<g class="line" data-series="{escape(line.label)}">')
        for run in _runs(line.values):
            points = " ".join(f"{_num(x(i))},{_num(y(line.values[i]))}" for i in run)
            if line.area:
                parts.append(
                    f'<polygon points="{_num(x(run[0]))},{base} {points} {_num(x(run[-1]))},'
                    f'{base}" fill="{escape(line.color)}" fill-opacity="0.2"/>'
                )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{escape(line.color)}" '
                f'stroke-width="2"/>'
            )
        for i, v in enumerate(line.values):
            if v is None:
                continue
            parts.append(
                f'<circle class="point" cx="{_num(x(i))}" cy="{_num(y(v))}" r="3" '
                f'fill="{escape(line.color)}"><title>{escape(labels[i])} — {escape(line.label)}: '
                f"{v}{escape(suffix)}</title></circle>"
            )
        parts.append("</g>")
    parts.append(f'<g class="legend" transform="translate(0 {base + 28})">{legend}</g>')
    parts.append("</svg>")
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above  # nosec B308


def _runs(values: Sequence[int | None]) -> list[list[int]]:
    """The indexes of ``values`` in unbroken stretches without ``None``."""
    runs: list[list[int]] = []
    for i, v in enumerate(values):
        if v is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
