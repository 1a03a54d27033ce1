"""The findings API, mounted at ``/api/v1/orgs/<org>/findings/``."""

from rest_framework.routers import SimpleRouter

from annexa.findings.api import views

app_name = "findings-api"

router = SimpleRouter()
router.register("", views.FindingViewSet, basename="finding")

urlpatterns = router.urls
