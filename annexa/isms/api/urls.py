"""The isms API, mounted at ``/api/v1/orgs/<org>/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annexa.isms.api import views

app_name = "isms-api"

router = SimpleRouter()
router.register("context-issues", views.ContextIssueViewSet, basename="context-issue")
router.register("interested-parties", views.InterestedPartyViewSet, basename="interested-party")
router.register("units", views.OrgUnitViewSet, basename="unit")
router.register("soa", views.SoAViewSet, basename="soa")
router.register("objectives", views.ObjectiveViewSet, basename="objective")

# The export and import routes come first: "soa/export.xlsx" must not be read as a control id.
urlpatterns = [
    path("scope/", views.ScopeView.as_view(), name="scope"),
    path("scope/approve/", views.ScopeApproveView.as_view(), name="scope-approve"),
    path("scope/versions/<int:version>/", views.ScopeVersionView.as_view(), name="scope-version"),
    path("soa/export.xlsx", views.SoAExportXLSXView.as_view(), name="soa-export-xlsx"),
    path("soa/export.csv", views.SoAExportCSVView.as_view(), name="soa-export-csv"),
    path("soa/import", views.SoAImportView.as_view(), name="soa-import"),
    path("soa/approve", views.SoAApproveView.as_view(), name="soa-approve"),
    path("soa/document.<str:fmt>", views.SoADocumentView.as_view(), name="soa-document"),
    *router.urls,
]
