"""``{{ someone|person }}``: a person as every page shows one, by name with the e-mail address on
hover (the address itself when they gave no name).

``someone`` is a user, anything with ``name`` (or ``full_name``) and ``email`` (a ledger actor),
or plain text (``system (demo data)``), shown as it is. Nobody (``None``) is shown as nothing, or
as the filter's argument: ``{{ review.chair|person:"—" }}``. ``{{ audit.auditees|people }}``:
several, comma-separated.

``{{ someone|actor }}``: who did something; nobody is the system (the demo loader, a scheduled
job, the command line), shown as ``system`` on every page.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

SYSTEM = "system"


def person_html(name: str, email: str) -> SafeString:
    """``name`` with ``email`` on hover; ``email`` alone when there is no name."""
    if not name:
        return format_html('<span class="person">{}</span>', email)
    return format_html('<span class="person" title="{}">{}</span>', email, name)


@register.filter
def person(someone, nobody: str = "") -> SafeString | str:
    if someone is None or someone == "":
        return conditional_escape(nobody)
    email = getattr(someone, "email", None)
    if not email:
        return conditional_escape(str(someone))
    name = getattr(someone, "full_name", None) or getattr(someone, "name", "")
    return person_html(name, email)


@register.filter
def actor(someone) -> SafeString | str:
    """``someone`` as :func:`person` shows them; ``system`` when nobody acted."""
    if someone is None or someone == "":
        return format_html('<span class="person">{}</span>', SYSTEM)
    return person(someone)


@register.filter
def people(persons) -> SafeString:
    """Several people (a list or a related manager), comma-separated, each as :func:`person`."""
    if hasattr(persons, "all"):
        persons = persons.all()
    return format_html_join(", ", "{}", ((person(p),) for p in persons))
