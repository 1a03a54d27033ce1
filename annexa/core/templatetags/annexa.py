from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annexa.core.nav import ORG_NAV

register = template.Library()


@register.inclusion_tag("core/_org_nav.html", takes_context=True)
def org_nav(context, org):
    """Links of ORG_NAV for ``org``. An app not installed in this build has no entry
    (``core/tests/test_nav.py`` proves every entry resolves in the full build)."""
    request = context.get("request")
    links = []
    for label, name in ORG_NAV:
        try:
            url = reverse(name, kwargs={"org": org.slug})
        except NoReverseMatch:
            continue
        active = bool(
            request
            and request.path.startswith(url)
            and (url.rstrip("/").count("/") > 2 or request.path == url)
        )
        links.append({"label": label, "url": url, "active": active})
    return {"links": links}


@register.simple_tag(takes_context=True)
def member_options(context, members, selected=None) -> SafeString:
    """``<option>`` elements for ``members`` (users: value = pk, label = their name), the one
    whose pk is ``selected`` marked selected. A page with a picker per row (every requirement's
    owner) draws the same list once per row; the escaped options are built once per render and
    joined per row, instead of a template loop of some 50 options times 130 rows."""
    cache = context.render_context.setdefault("member_options", {})
    built = cache.get(id(members))
    if built is None:
        built = [(m.pk, f'<option value="{m.pk}"', f">{escape(str(m))}</option>") for m in members]
        cache[id(members)] = built
    chosen = getattr(selected, "pk", selected)
    html = "".join(f"{head}{' selected' if pk == chosen else ''}{tail}" for pk, head, tail in built)
    # nosemgrep: mark-safe-non-literal - every label is escaped above; the values are integer pks
    return mark_safe(html)  # noqa: S308 - labels escaped above  # nosec B308 B703
