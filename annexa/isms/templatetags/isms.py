"""Template helpers of the isms pages: Markdown for scope statements, status badges."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.safestring import SafeString, mark_safe

from annexa.isms.choices import ImplementationStatus, UnitKind

register = template.Library()

BADGES = {
    ImplementationStatus.IMPLEMENTED: "ok",
    ImplementationStatus.PARTIALLY_IMPLEMENTED: "new",
    ImplementationStatus.PLANNED: "warn",
    ImplementationStatus.NOT_STARTED: "bad",
}


@lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    # Raw HTML off: the text is shown as Markdown, never as markup someone typed in.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@register.filter
def markdown(text: str) -> SafeString:
    """CommonMark to HTML, with raw HTML escaped and unsafe link schemes refused."""
    # nosemgrep: mark-safe-non-literal - CommonMark with raw HTML off
    return mark_safe(_renderer().render(text or ""))  # noqa: S308 - html disabled above  # nosec B308


@register.filter
def status_badge(status: str) -> str:
    """The badge class for an implementation status."""
    return BADGES.get(status, "")


@register.filter
def unit_kind(kind: str) -> str:
    """The label of a unit kind stored in a scope version (``"system"`` → ``"System"``)."""
    return dict(UnitKind.choices).get(kind, kind)
