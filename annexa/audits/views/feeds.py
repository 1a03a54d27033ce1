"""The calendar feed: the managers' page to issue or revoke it, and the public feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from annexa.audits import ical
from annexa.audits.models import CalendarFeed
from annexa.audits.services import export, feeds
from annexa.audits.services.common import MANAGE
from annexa.core.views import OrgViewMixin


class FeedView(OrgViewMixin, TemplateView):
    """Whether the feed is on; managers rotate (issue a new address) or revoke it."""

    template_name = "audits/feed.html"
    model = CalendarFeed
    permission_required = MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            feed=self.get_queryset().first(),
            can_manage=self.ctx.can(MANAGE),
            feed_url=self.request.session.pop("audits_feed_url", None),
        )
        return context

    def post(self, request, **kwargs):
        url = reverse("audits:feed", kwargs={"org": self.ctx.org.slug})
        if request.POST.get("action") == "revoke":
            feeds.revoke(self.ctx)
            messages.success(request, "The calendar feed is off; its address no longer works.")
            return redirect(url)
        token = feeds.rotate(self.ctx)
        # Shown once on the next page, never stored: only its hash is in the database.
        request.session["audits_feed_url"] = request.build_absolute_uri(
            reverse("audits-feed:ics", kwargs={"feed_token": token})
        )
        messages.success(request, "A new feed address was issued; the old one stopped working.")
        return redirect(url)


@require_GET
def feed(request, feed_token: str) -> HttpResponse:
    """The organization's audit calendar for subscribers: no session, the token is the key."""
    found = feeds.resolve(feed_token)
    if found is None:
        raise Http404("no such calendar feed")
    content = export.organization_ics(found.organization)
    response = HttpResponse(content, content_type=ical.MEDIA_TYPE)
    response["Cache-Control"] = "private, max-age=300"
    return response
