"""How the risk pages show levels, scales and roles.

``{% level_badge methodology level score %}``: a risk level as a badge in its band's colour,
with its label and score in words (never colour alone). ``{{ colour|band_style }}``: the
background of a band's colour with the text colour (black or white) that reads best on it; a
colour that is not ``#rrggbb`` falls back to grey, so nothing but a colour reaches the style.
``{{ roles|role_labels }}``: role values as their labels. ``{% scale_label methodology
"likelihood" 3 %}``: "3 · Possible".
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html

from annexa.orgs.choices import Role

register = template.Library()

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FALLBACK = "#9aa3b2"


def safe_colour(colour) -> str:
    """``colour`` when it is ``#rrggbb``, else a neutral grey."""
    return colour if isinstance(colour, str) and COLOUR.match(colour) else FALLBACK


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_on(colour: str) -> str:
    """Black or white, whichever contrasts more with ``colour`` (at least 4.5:1 either way)."""
    light = _luminance(safe_colour(colour))
    on_black = (light + 0.05) / 0.05
    on_white = 1.05 / (light + 0.05)
    return "#000000" if on_black >= on_white else "#ffffff"


@register.filter
def band_style(colour) -> str:
    colour = safe_colour(colour)
    return f"background:{colour};color:{text_on(colour)}"


@register.simple_tag
def level_badge(methodology, level: str, score=None, empty: str = "not assessed"):
    """The level ``level`` (a band key) of ``methodology`` as a coloured badge with its score."""
    if not level or methodology is None:
        return format_html('<span class="muted">{}</span>', empty)
    band = next((b for b in methodology.bands if b["key"] == level), None)
    label = band["label"] if band else level.replace("_", " ")
    colour = band.get("colour") if band else None
    text = f"{label} · {score}" if score is not None else label
    return format_html('<span class="badge level" style="{}">{}</span>', band_style(colour), text)


@register.filter
def role_labels(roles) -> str:
    """Role values (one, or a list) as their labels, comma-separated."""
    if isinstance(roles, str):
        roles = [roles]
    labels = []
    for role in roles or ():
        try:
            labels.append(str(Role(role).label))
        except ValueError:
            labels.append(str(role))
    return ", ".join(labels) if labels else "nobody"


@register.simple_tag
def scale_label(methodology, scale: str, value) -> str:
    """``value`` of the ``likelihood`` or ``impact`` scale as "3 · Possible"."""
    if value is None or methodology is None:
        return "—"
    for level in getattr(methodology, scale):
        if level.get("value") == value:
            return f"{value} · {level.get('label', '')}"
    return str(value)


@register.simple_tag
def scale_description(methodology, scale: str, value) -> str:
    if value is None or methodology is None:
        return ""
    return next(
        (lv.get("description", "") for lv in getattr(methodology, scale) if lv["value"] == value),
        "",
    )
