from django import template
from django.urls import NoReverseMatch, reverse

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
