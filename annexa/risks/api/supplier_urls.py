"""The supplier register's API, mounted at ``/api/v1/orgs/<org>/suppliers/`` by annexa/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annexa.risks.api import suppliers as views

app_name = "suppliers-api"

router = SimpleRouter()
router.register("", views.SupplierViewSet, basename="supplier")

urlpatterns = [
    path(
        "<int:pk>/assessments/",
        views.SupplierAssessmentsAPI.as_view(),
        name="supplier-assessments",
    ),
    *router.urls,
]
