"""``{% actions_summary org as summary %}``: the dashboard's corrective-action numbers."""

from __future__ import annotations

from django import template

from annexa.actions.services import summary

register = template.Library()


@register.simple_tag
def actions_summary(org) -> dict[str, int]:
    """Unresolved, overdue and soon-due actions, and unresolved findings, of ``org``."""
    return summary(org)
