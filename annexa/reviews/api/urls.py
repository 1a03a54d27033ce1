"""The management reviews API, mounted at ``/api/v1/orgs/<org>/reviews/``."""

from rest_framework.routers import SimpleRouter

from annexa.reviews.api import views

app_name = "reviews-api"

router = SimpleRouter()
router.register("", views.ReviewViewSet, basename="review")

urlpatterns = router.urls
