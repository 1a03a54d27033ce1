"""Template helpers of the isms pages: Markdown for scope statements, status badges."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annexa.isms.choices import ImplementationStatus, UnitKind

register = template.Library()

BADGES = {
    ImplementationStatus.IMPLEMENTED: "ok",
    ImplementationStatus.PARTIALLY_IMPLEMENTED: "new",
    ImplementationStatus.PLANNED: "warn",
    ImplementationStatus.NOT_STARTED: "bad",
}


# Images may come only from Annexa's own evidence downloads: a scope statement must not make
# its readers' browsers fetch anything from elsewhere (tracking pixels, requests to internal
# addresses made on the viewer's behalf).
IMAGE_VIEWS = {"evidence:download"}


def own_evidence_image(src: str) -> bool:
    """Whether ``src`` is the download URL of an evidence version on this server (a path, or
    an absolute URL under ``BASE_URL``)."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.urls import Resolver404, resolve

    base = urlsplit(settings.BASE_URL)
    parts = urlsplit(src.strip())
    if (parts.scheme, parts.netloc) not in {("", ""), (base.scheme, base.netloc)}:
        return False
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return False
    try:
        match = resolve(parts.path)
    except Resolver404:
        return False
    return match.view_name in IMAGE_VIEWS


def _image(self, tokens, idx, options, env) -> str:
    """An evidence image as ``<img>``; any other image as its description in plain text."""
    token = tokens[idx]
    if own_evidence_image(str(token.attrGet("src") or "")):
        return self.image(tokens, idx, options, env)
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<span class="image-removed">[image: {escape(alt) or "no description"}]</span>'


@lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    # Raw HTML off: the text is shown as Markdown, never as markup someone typed in.
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    renderer.add_render_rule("image", _image)
    return renderer


@register.filter
def markdown(text: str) -> SafeString:
    """CommonMark to HTML, with raw HTML escaped, unsafe link schemes refused and images
    other than this server's evidence downloads replaced by their description."""
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
