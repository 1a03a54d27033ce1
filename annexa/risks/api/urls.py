"""The risks API, mounted at ``/api/v1/orgs/<org>/risks/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annexa.risks.api import views

app_name = "risks-api"

router = SimpleRouter()
router.register("treatment-actions", views.TreatmentActionViewSet, basename="treatment-action")
router.register("", views.RiskViewSet, basename="risk")

urlpatterns = [
    path("methodology/", views.MethodologyView.as_view(), name="methodology"),
    path(
        "methodology/versions/",
        views.MethodologyVersionsView.as_view(),
        name="methodology-versions",
    ),
    path("heat-map/", views.HeatMapView.as_view(), name="heat-map"),
    path("export.xlsx", views.RiskExportXLSXView.as_view(), name="export-xlsx"),
    path("export.csv", views.RiskExportCSVView.as_view(), name="export-csv"),
    path("import/", views.RiskImportView.as_view(), name="import"),
    *router.urls,
]
