"""Monitoring pictures as inline SVG: the control status grid and the pass-rate trend.

The grid shows the 93 Annex A controls by theme, one square each; each square links to the
control's monitoring page and carries a ``<title>`` (its id, title and status) for tooltips
and screen readers. All text is escaped here. The trend is ``core.charts.line_chart``, one
line per theme on a fixed 0–100 % scale, broken on days without results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annexa.catalog.choices import Theme
from annexa.core.charts import Line, _legend, line_chart, min_width, readable_on
from annexa.monitoring.choices import STATUS_COLORS, ControlStatus
from annexa.monitoring.status import ControlView
from annexa.monitoring.trends import Trend

CELL = 30
GAP = 4
LABEL_WIDTH = 130
PER_ROW = 19
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
THEME_COLORS = {
    Theme.ORGANIZATIONAL: "#2f6fb0",
    Theme.PEOPLE: "#8e44ad",
    Theme.PHYSICAL: "#c77700",
    Theme.TECHNOLOGICAL: "#2e8540",
}


def status_grid(views: Iterable[ControlView], url_for: Callable[[str], str]) -> SafeString:
    """The grid SVG; ``url_for(control_id)`` gives each square's link."""
    by_theme: dict[str, list[ControlView]] = {theme: [] for theme in Theme.values}
    for view in views:
        by_theme.setdefault(view.theme, []).append(view)
    parts: list[str] = []
    y = 0
    for theme, label in Theme.choices:
        controls = by_theme.get(theme, [])
        rows = max(1, -(-len(controls) // PER_ROW))
        parts.append(f'<text x="0" y="{y + 17}" {FONT} font-weight="600">{escape(label)}</text>')
        for index, view in enumerate(controls):
            x = LABEL_WIDTH + (index % PER_ROW) * (CELL + GAP)
            top = y + (index // PER_ROW) * (CELL + GAP)
            parts.append(_cell(view, x, top, url_for(view.control_id)))
        y += rows * (CELL + GAP) + 10
    width = LABEL_WIDTH + PER_ROW * (CELL + GAP)
    items = [(label, STATUS_COLORS[status]) for status, label in ControlStatus.choices]
    legend, legend_rows = _legend(items, 0, y + 4, width)
    y += 4 + legend_rows * 20
    header = (
        # A group, not an image: its squares are links (an image's content is not reachable).
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart status-grid" role="group" '
        f'viewBox="0 0 {width} {y}" width="100%" '
        f'style="max-width:{width}px;min-width:{min_width(width)}px" '
        f'aria-labelledby="grid-title"><title id="grid-title">Annex A controls by status</title>'
    )
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe(header + "".join(parts) + legend + "</svg>")  # noqa: S308 - escaped above  # nosec B308


def _cell(view: ControlView, x: int, y: int, url: str) -> str:
    color = STATUS_COLORS.get(view.status, STATUS_COLORS[ControlStatus.NOT_COVERED])
    status = ControlStatus(view.status).label
    title = escape(f"{view.control_id} {view.title} — {status}")
    short = escape(view.control_id.split(".", 1)[1])
    return (
        f'<a href="{escape(url)}" aria-label="{title}">'
        f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="4" '
        f'fill="{color}" data-status="{escape(view.status)}"><title>{title}</title></rect>'
        f'<text x="{x + CELL / 2}" y="{y + 19}" text-anchor="middle" fill="{readable_on(color)}" '
        f'font-family="system-ui, sans-serif" font-size="11" pointer-events="none">{short}'
        "</text></a>"
    )


def trend_chart(trend: Trend) -> SafeString:
    """Pass rate per theme and day (``monitoring.trends.pass_rates``) as a line chart."""
    days = len(trend.days)
    return line_chart(
        [day.strftime("%m-%d") for day in trend.days],
        [Line(t.label, THEME_COLORS.get(t.theme, "#555"), t.rates) for t in trend.themes],
        title=f"Pass rate by theme, last {days} days",
        description="Share of automated test results that passed each day, per Annex A theme; "
        "days without results leave a gap.",
        unit="%",
        peak=100,
        label_every=max(1, days // 6),
        chart_id="pass-rate-trend",
    )
