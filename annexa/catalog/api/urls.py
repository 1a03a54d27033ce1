from rest_framework.routers import SimpleRouter

from annexa.catalog.api import views

app_name = "catalog-api"

router = SimpleRouter()
router.register("controls", views.ControlViewSet, basename="control")
router.register("requirements", views.RequirementViewSet, basename="requirement")
router.register("legacy-controls", views.LegacyControlViewSet, basename="legacy-control")

urlpatterns = router.urls
