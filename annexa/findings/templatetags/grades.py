"""``{% grade_badge grade %}``: a finding's grade as its badge, the same on every screen."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from annexa.findings.choices import GRADE_BADGES, FindingGrade

register = template.Library()


@register.simple_tag
def grade_badge(grade: str, label: str = "") -> SafeString:
    """The badge of ``grade`` (a ``FindingGrade`` value), labelled with its display name unless
    ``label`` says otherwise; an unknown value is shown plain, never as a raw value's colour."""
    if not label:
        label = FindingGrade(grade).label if grade in FindingGrade.values else str(grade)
    return format_html('<span class="badge {}">{}</span>', GRADE_BADGES.get(grade, ""), label)
