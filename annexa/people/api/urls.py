"""The people API, mounted at ``/api/v1/orgs/<org>/people/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annexa.people.api import views

app_name = "people-api"

router = SimpleRouter()
router.register("", views.PersonViewSet, basename="person")

urlpatterns = [
    path("import/", views.ImportView.as_view(), name="import"),
    path("checks/", views.ChecksView.as_view(), name="checks"),
    path("checks/population/", views.PopulationView.as_view(), name="population"),
    *router.urls,
]
