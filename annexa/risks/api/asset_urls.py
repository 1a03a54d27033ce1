"""The asset inventory API, mounted at ``/api/v1/orgs/<org>/assets/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annexa.risks.api import views

app_name = "assets-api"

router = SimpleRouter()
router.register("", views.AssetViewSet, basename="asset")

urlpatterns = [
    path("export.xlsx", views.AssetExportXLSXView.as_view(), name="export-xlsx"),
    path("export.csv", views.AssetExportCSVView.as_view(), name="export-csv"),
    path("import/", views.AssetImportView.as_view(), name="import"),
    *router.urls,
]
