"""The dashboard, mounted at ``/o/<org>/``: the organization's landing page."""

from django.urls import path

from annexa.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.ReadinessView.as_view(), name="readiness"),
]
