"""The reports API, mounted at ``/api/v1/orgs/<org>/reports/``."""

from django.urls import path

from annexa.reports.api import views

app_name = "reports-api"

urlpatterns = [
    path("audits/<int:pk>/issued/", views.IssuedListView.as_view(), name="issued"),
    path("audits/<int:pk>/issue/", views.IssueView.as_view(), name="issue"),
    path("audits/<int:pk>/review/", views.ReviewView.as_view(), name="review"),
    path("audits/<int:pk>/review/<str:step>/", views.ReviewStepView.as_view(), name="review-step"),
    path("audits/<int:pk>/settings/", views.SettingsView.as_view(), name="settings"),
    path("audits/<int:pk>/draft/<str:report_format>/", views.DraftView.as_view(), name="draft"),
    path(
        "audits/<int:pk>/issued/<int:number>/<str:report_format>/",
        views.IssuedFileView.as_view(),
        name="issued-file",
    ),
]
