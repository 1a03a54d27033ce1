"""The corrective-actions API, mounted at ``/api/v1/orgs/<org>/actions/``."""

from rest_framework.routers import SimpleRouter

from annexa.actions.api import views

app_name = "actions-api"

router = SimpleRouter()
router.register("", views.ActionViewSet, basename="action")

urlpatterns = router.urls
