"""The coverage matrix picture: one row per audit, a cycle row, red gaps, escaped text."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from annexa.audits.charts import ACCEPTED_GAP, GAP, coverage_matrix
from annexa.audits.services.coverage import CONTROL, REQUIREMENT, Coverage, CoverageItem


def matrix() -> Coverage:
    audits = [
        SimpleNamespace(pk=1, reference="IA-2026-01"),
        SimpleNamespace(pk=2, reference="IA-2026-02"),
    ]
    items = [
        CoverageItem(REQUIREMENT, "4.1", "Context <of> the organization", "Clause 4"),
        CoverageItem(CONTROL, "A.5.1", "Policies", "Organizational"),
        CoverageItem(CONTROL, "A.5.2", "Roles", "Organizational"),
    ]
    reasons = {"A.5.2": SimpleNamespace(reason="Left to the certification body", item_id="A.5.2")}
    programme = SimpleNamespace(start_date=dt.date(2026, 1, 1))
    return Coverage(
        programme=programme,
        items=items,
        audits=audits,
        cells={"4.1": {1, 2}, "A.5.1": set()},
        reasons=reasons,
    )


def test_it_draws_a_row_per_audit_and_colours_gaps():
    svg = str(coverage_matrix(matrix()))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="audit-row"') == 2 and 'class="cycle-row"' in svg
    assert 'data-item="A.5.1" x=' in svg and GAP in svg
    assert ACCEPTED_GAP in svg and "gap accepted: Left to the certification body" in svg
    assert "audited 2 time(s)" in svg


def test_it_escapes_titles():
    svg = str(coverage_matrix(matrix()))
    assert "Context &lt;of&gt; the organization" in svg
    assert "<of>" not in svg


def test_a_full_cycle_fits_the_page_with_its_text_at_11px_or_more():
    """131 requirements and 93 controls: in two bands the picture is narrow enough for a page
    (about 1,150 px of content) without shrinking its text, so nothing is clipped."""
    import re

    clauses = {"4": 14, "5": 13, "6": 25, "7": 27, "8": 9, "9": 30, "10": 13}
    themes = {"Organizational": 37, "People": 8, "Physical": 14, "Technological": 34}
    items = [
        CoverageItem(REQUIREMENT, f"{clause}.{n}", "r", f"Clause {clause}")
        for clause, count in clauses.items()
        for n in range(count)
    ] + [
        CoverageItem(CONTROL, f"A.{theme[:3]}.{n}", "c", theme)
        for theme, count in themes.items()
        for n in range(count)
    ]
    audits = [SimpleNamespace(pk=1, reference="IA-2026-01")]
    coverage = Coverage(
        programme=SimpleNamespace(start_date=dt.date(2026, 1, 1)),
        items=items,
        audits=audits,
        cells={item.id: {1} for item in items},
        reasons={},
    )
    svg = str(coverage_matrix(coverage))
    least = int(re.search(r"min-width:(\d+)px", svg)[1])
    assert least <= 1150
    assert min(int(size) for size in re.findall(r'font-size="(\d+)"', svg)) >= 11
    assert svg.count('class="covered"') == len(items)
