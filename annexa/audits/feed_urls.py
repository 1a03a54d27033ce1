"""The public calendar feed, mounted at ``/feeds/`` (outside any organization: the token
names the organization, and calendar clients have no session)."""

from django.urls import path

from annexa.audits.views.feeds import feed

app_name = "audits-feed"

urlpatterns = [path("<str:feed_token>.ics", feed, name="ics")]
