"""The access-review API, mounted at ``/api/v1/orgs/<org>/access-reviews/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annexa.access.api import views

app_name = "access-api"

router = SimpleRouter()
router.register("", views.ReviewViewSet, basename="review")

urlpatterns = [
    path("accounts/import/", views.SystemImportAPI.as_view(), name="accounts-import"),
    path("<int:pk>/import/", views.ImportAPI.as_view(), name="review-import"),
    path("items/<int:pk>/decide/", views.DecideAPI.as_view(), name="item-decide"),
    path("items/<int:pk>/confirm/", views.ConfirmAPI.as_view(), name="item-confirm"),
    path("items/<int:pk>/revoked/", views.RevokedAPI.as_view(), name="item-revoked"),
    *router.urls,
]
