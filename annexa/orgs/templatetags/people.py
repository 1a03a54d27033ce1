"""``{{ someone|person }}``: a person as every page shows one, by name with the e-mail address on
hover (the address itself when they gave no name).

``someone`` is a user, anything with ``name`` (or ``full_name``) and ``email`` (a ledger actor),
or plain text (``system (demo data)``), shown as it is.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()


def person_html(name: str, email: str) -> SafeString:
    """``name`` with ``email`` on hover; ``email`` alone when there is no name."""
    if not name:
        return format_html('<span class="person">{}</span>', email)
    return format_html('<span class="person" title="{}">{}</span>', email, name)


@register.filter
def person(someone) -> SafeString | str:
    if someone is None or someone == "":
        return ""
    email = getattr(someone, "email", None)
    if not email:
        return conditional_escape(str(someone))
    name = getattr(someone, "full_name", None) or getattr(someone, "name", "")
    return person_html(name, email)
