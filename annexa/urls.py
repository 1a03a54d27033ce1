from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from annexa.core import views as core_views

# Every organization page lives under /o/<org>/ and every organization API under
# /api/v1/orgs/<org>/: the ``org`` kwarg is what the tenancy layer resolves.
org_web = [
    path("", include("annexa.dashboard.urls")),
    path("", include("annexa.isms.urls")),
    path("evidence/", include("annexa.evidence.urls")),
    path("ledger/", include("annexa.ledger.urls")),
    path("audits/", include("annexa.audits.urls")),
    path("findings/", include("annexa.findings.urls")),
    path("actions/", include("annexa.actions.urls")),
    path("risks/", include("annexa.risks.urls")),
    path("assets/", include("annexa.risks.asset_urls")),
    path("suppliers/", include("annexa.risks.supplier_urls")),
    path("people/", include("annexa.people.urls")),
    path("documents/", include("annexa.documents.urls")),
    path("access-reviews/", include("annexa.access.urls")),
    path("reviews/", include("annexa.reviews.urls")),
    path("connectors/", include("annexa.connectors.urls")),
    path("monitoring/", include("annexa.monitoring.urls")),
    path("reports/", include("annexa.reports.urls")),
    path("", include("annexa.orgs.urls")),
]
org_api = [
    path("", include("annexa.isms.api.urls")),
    path("evidence/", include("annexa.evidence.api.urls")),
    path("ledger/", include("annexa.ledger.api.urls")),
    path("audits/", include("annexa.audits.api.urls")),
    path("findings/", include("annexa.findings.api.urls")),
    path("actions/", include("annexa.actions.api.urls")),
    path("risks/", include("annexa.risks.api.urls")),
    path("assets/", include("annexa.risks.api.asset_urls")),
    path("suppliers/", include("annexa.risks.api.supplier_urls")),
    path("people/", include("annexa.people.api.urls")),
    path("documents/", include("annexa.documents.api.urls")),
    path("access-reviews/", include("annexa.access.api.urls")),
    path("reviews/", include("annexa.reviews.api.urls")),
    path("connectors/", include("annexa.connectors.api.urls")),
    path("monitoring/", include("annexa.monitoring.api.urls")),
    path("reports/", include("annexa.reports.api.urls")),
    path("dashboard/", include("annexa.dashboard.api.urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("annexa.orgs.account_urls")),
    path("accounts/", include("allauth.urls")),
    # The admin signs in through allauth's login page, with its failed-login limits (and the
    # second factor); its own login form, which has neither, is never served.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("catalog/", include("annexa.catalog.urls")),
    path("feeds/", include("annexa.audits.feed_urls")),
    path("o/<slug:org>/", include(org_web)),
    path("api/v1/catalog/", include("annexa.catalog.api.urls")),
    path("api/v1/orgs/", include("annexa.orgs.api.urls")),
    path("api/v1/orgs/<slug:org>/", include(org_api)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script), so the CSP needs no inline
    # script; Swagger UI draws a few icons as data: images.
    path(
        "api/docs/",
        csp_update({"img-src": ["'self'", "data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
]

# The styled 500 page, and 503/507 for a database outage or a full disk outside a view.
handler500 = "annexa.core.errors.server_error"
# Under /api/, a URL that matches no route answers JSON like every other API error.
handler404 = "annexa.core.errors.not_found"
