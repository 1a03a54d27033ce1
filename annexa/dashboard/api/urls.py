"""The dashboard API, mounted at ``/api/v1/orgs/<org>/dashboard/``."""

from django.urls import path

from annexa.dashboard.api import views

app_name = "dashboard-api"

urlpatterns = [
    path("", views.ReadinessAPI.as_view(), name="readiness"),
]
