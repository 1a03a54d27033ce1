"""The audits API, mounted at ``/api/v1/orgs/<org>/audits/``."""

from rest_framework.routers import SimpleRouter

from annexa.audits.api import views
from annexa.audits.api.urls_fieldwork import urlpatterns as fieldwork_urlpatterns

app_name = "audits-api"

router = SimpleRouter()
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("requirement-owners", views.RequirementOwnerViewSet, basename="requirement-owner")
router.register("", views.AuditViewSet, basename="audit")

urlpatterns = router.urls
# Checklists, fieldwork, sampling and evidence requests.
urlpatterns += fieldwork_urlpatterns
