"""Markdown written in Annexa as safe HTML.

CommonMark through markdown-it-py with raw HTML switched off: typed tags (``<script>``, an
``<img onerror=…>``) come out as escaped text, never as markup, so no attribute a person typed
reaches the page. Links keep only the web and mail schemes (no ``javascript:`` or ``data:``),
and images are not rendered (a policy page fetches nothing from elsewhere); tables are on,
since policies use them.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe

ALLOWED_LINKS = ("https://", "http://", "mailto:", "#")


def _link_allowed(url: str) -> bool:
    return url.strip().lower().startswith(ALLOWED_LINKS)


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable("table").disable("image")
    parser.validateLink = _link_allowed
    return parser


def to_html(text: str) -> SafeString:
    """``text`` (Markdown) as HTML that carries no script, handler or unsafe link."""
    # nosemgrep: mark-safe-non-literal - raw HTML is off, links limited to safe schemes
    return mark_safe(_parser().render(text or ""))  # noqa: S308  # nosec B308
