"""The documents API, mounted under ``/api/v1/orgs/<org>/documents/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annexa.documents.api import views

app_name = "documents-api"

router = SimpleRouter()
router.register("versions", views.VersionViewSet, basename="version")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("acknowledgements", views.AcknowledgementViewSet, basename="acknowledgement")
router.register("", views.DocumentViewSet, basename="document")

urlpatterns = [
    path("<int:pk>/versions/", views.DocumentVersionsAPI.as_view(), name="document-versions"),
    *router.urls,
]
