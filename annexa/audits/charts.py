"""The coverage matrix as a server-side SVG heat map (conventions of ``annexa.core.charts``).

Columns are the items a cycle must cover, grouped by clause and theme, in two bands one above
the other (clause requirements, then applicable controls: side by side they would not fit a
page at a readable size); rows are the programme's audits, plus a last row for the whole
cycle. A cell is coloured when the audit covers the item; the cycle row's shade grows with the
number of audits covering the item, and is red for a gap (amber once a reason is recorded).
Every cell carries a ``<title>`` tooltip, and all text is escaped here.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annexa.audits.services.coverage import Coverage, CoverageItem
from annexa.core.charts import FONT, _legend, _num, min_width

CELL_W, CELL_H, GROUP_GAP, LABEL_W, TOP, BAND_GAP = 7, 18, 5, 120, 22, 14
EMPTY = "#eef1f5"
COVERED = "#7fb0e0"
HEAT = ("#7fb0e0", "#3d7cc9", "#1d4f91")  # covered by 1, 2, 3 or more audits
GAP = "#d93025"
ACCEPTED_GAP = "#f0a030"


def _header(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    """As ``annexa.core.charts``: never narrower than readable text; its box scrolls."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px;min-width:{min_width(width)}px" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _heat(count: int) -> str:
    return HEAT[min(count, len(HEAT)) - 1]


def _bands(items: list[CoverageItem]) -> list[list[CoverageItem]]:
    """The items in bands drawn one above the other, one per kind (clause requirements, then
    Annex A controls): side by side they would be too wide for a page at a readable size."""
    return [list(members) for _kind, members in groupby(items, key=lambda i: i.kind)]


def _columns(items: list[CoverageItem]) -> list[tuple[CoverageItem, float]]:
    """Each item of one band with its x position: groups are separated by a small gap."""
    positions, x = [], float(LABEL_W)
    for _group, members in groupby(items, key=lambda i: i.group):
        for item in members:
            positions.append((item, x))
            x += CELL_W
        x += GROUP_GAP
    return positions


@dataclass(frozen=True)
class _Band:
    columns: list[tuple[CoverageItem, float]]
    top: float  # where the band's group labels start

    def row_y(self, index: int) -> float:
        return self.top + TOP + index * (CELL_H + 2)


def coverage_matrix(coverage: Coverage, *, chart_id: str = "coverage") -> SafeString:
    """The SVG heat map of ``coverage`` (see the module docstring)."""
    rows = [(a.reference, a.pk) for a in coverage.audits]
    band_height = TOP + (len(rows) + 1) * (CELL_H + 2) + 2 + BAND_GAP
    bands = [
        _Band(_columns(members), index * band_height)
        for index, members in enumerate(_bands(coverage.items))
    ]
    ends = [band.columns[-1][1] + CELL_W + 10 for band in bands if band.columns]
    width = int(max(ends)) if ends else LABEL_W + 200
    grid_height = max(len(bands), 1) * band_height - BAND_GAP
    legend_items = [
        ("in the audit's scope", COVERED),
        ("cycle: audited more than once", HEAT[-1]),
        ("gap", GAP),
        ("gap with a recorded reason", ACCEPTED_GAP),
    ]
    legend, legend_rows = _legend(legend_items, 0, 0, width)
    height = grid_height + 8 + legend_rows * 20
    summary = coverage.summary()
    description = (
        f"{summary['requirements']} requirements and {summary['controls']} controls across "
        f"{summary['audits']} audits; {summary['gaps']} gap(s), "
        f"{summary['unexplained_gaps']} without a reason."
    )
    parts = [_header(chart_id, width, height, "Coverage matrix", description)]
    parts.extend(_group_labels(band) for band in bands)
    for index, (reference, audit_pk) in enumerate(rows):
        parts.append(_audit_row(coverage, bands, reference, audit_pk, index))
    parts.append(_cycle_row(coverage, bands, len(rows)))
    parts.append(f'<g class="legend" transform="translate(0 {grid_height + 8})">{legend}</g>')
    parts.append("</svg>")
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped  # nosec B308


def _group_labels(band: _Band) -> str:
    parts = []
    for group, members in groupby(band.columns, key=lambda c: c[0].group):
        first = next(members)
        short = group.replace("Clause ", "").replace("Organizational", "Org.")
        parts.append(
            f'<text x="{_num(first[1])}" y="{_num(band.top + TOP - 8)}" '
            f'font-family="system-ui, sans-serif" font-size="11">{escape(short)}</text>'
        )
    return f'<g class="groups">{"".join(parts)}</g>'


def _row_label(text: str, y: float) -> str:
    return (
        f'<text x="{LABEL_W - 8}" y="{_num(y + CELL_H - 5)}" text-anchor="end" {FONT}>'
        f"{escape(text)}</text>"
    )


def _audit_row(
    coverage: Coverage, bands: list[_Band], reference: str, audit_pk: int, index: int
) -> str:
    parts = [f'<g class="audit-row" data-audit="{escape(reference)}">']
    for band in bands:
        y = band.row_y(index)
        parts.append(_row_label(reference, y))
        for item, x in band.columns:
            if audit_pk in coverage.audits_of(item.id):
                tip = f"{item.id} {item.title} — in {reference}"
                parts.append(_cell(x, y, COVERED, tip, item.id))
            else:
                parts.append(
                    f'<rect x="{_num(x)}" y="{_num(y)}" width="{CELL_W - 1}" height="{CELL_H}" '
                    f'fill="{EMPTY}"/>'
                )
    parts.append("</g>")
    return "".join(parts)


def _cycle_row(coverage: Coverage, bands: list[_Band], index: int) -> str:
    parts = ['<g class="cycle-row">']
    for band in bands:
        y = band.row_y(index) + 2
        parts.append(_row_label("Cycle", y))
        for item, x in band.columns:
            count = coverage.count(item.id)
            if count:
                color, tip = _heat(count), f"{item.id} {item.title} — audited {count} time(s)"
            elif item.id in coverage.reasons:
                reason = coverage.reasons[item.id].reason
                color, tip = ACCEPTED_GAP, f"{item.id} {item.title} — gap accepted: {reason}"
            else:
                color, tip = GAP, f"{item.id} {item.title} — GAP: audited in no audit of the cycle"
            css = "gap" if not count else "covered"
            parts.append(_cell(x, y, color, tip, item.id, css))
    parts.append("</g>")
    return "".join(parts)


def _cell(x: float, y: float, color: str, tip: str, item_id: str, css: str = "cell") -> str:
    return (
        f'<rect class="{css}" data-item="{escape(item_id)}" x="{_num(x)}" y="{_num(y)}" '
        f'width="{CELL_W - 1}" height="{CELL_H}" fill="{color}"><title>{escape(tip)}</title></rect>'
    )
