"""Template helpers of the checklist pages: safe Markdown notes, badges, the audit's panel."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.safestring import SafeString, mark_safe

from annexa.audits.choices import ChecklistResult
from annexa.findings.choices import GRADE_BADGES

register = template.Library()

SAFE_SCHEMES = ("http://", "https://", "mailto:")
RESULT_BADGES = {ChecklistResult.CONFORMING: "ok", ChecklistResult.NOT_AUDITED: "", **GRADE_BADGES}


def safe_link(url: str) -> bool:
    """Only web and mail links: no javascript:, data:, file: or relative paths."""
    return url.strip().lower().startswith(SAFE_SCHEMES)


@lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    # Raw HTML off (typed markup is shown as text), images off (no tracking pixels or remote
    # fetches, also when the checklist is printed), and links limited to safe schemes.
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
    renderer.validateLink = safe_link
    return renderer


def render_markdown(text: str) -> str:
    """Notes as HTML: CommonMark without raw HTML or images, links to http/https/mailto."""
    return _renderer().render(text or "")


@register.filter
def notes_markdown(text: str) -> SafeString:
    # nosemgrep: mark-safe-non-literal - CommonMark with raw HTML off, safe link schemes only
    return mark_safe(render_markdown(text))  # noqa: S308 - html and unsafe links disabled above  # nosec B308


@register.filter
def result_badge(result: str) -> str:
    """The badge class of a checklist result."""
    return RESULT_BADGES.get(result, "")


@register.inclusion_tag("audits/checklist/_audit_panel.html", takes_context=True)
def checklist_panel(context, audit) -> dict:
    """The checklist's progress and the evidence requests, for the audit's page."""
    from annexa.audits.services import checklist_rows, requests

    return {
        "audit": audit,
        "org": context.get("org"),
        "progress": checklist_rows.progress(audit),
        "requests": requests.counts(audit),
    }


@register.filter
def method_labels(methods) -> str:
    """A checklist item's audit methods as a person reads them: "Document review, Interview"."""
    from annexa.audits.choices import AuditMethod

    labels = dict(AuditMethod.choices)
    return ", ".join(str(labels.get(m, m)) for m in methods or ())


@register.simple_tag(takes_context=True)
def checklist_item(context, r) -> SafeString:
    """One item's block of the checklist page (``views.checklist_html``)."""
    from annexa.audits.views.checklist_html import csrf_input, item_html

    csrf = context.get("_checklist_csrf")
    if csrf is None:
        # One token for the whole page, as ``{% csrf_token %}`` writes it.
        csrf = context["_checklist_csrf"] = csrf_input(context.get("csrf_token"))
    return item_html(r, csrf)
