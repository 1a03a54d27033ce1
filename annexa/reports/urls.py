"""Report pages, mounted at ``/o/<org>/reports/``."""

from django.urls import path

from annexa.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="list"),
    path("audits/<int:pk>/", views.ReportView.as_view(), name="audit"),
    path("audits/<int:pk>/preview/", views.PreviewView.as_view(), name="preview"),
    path("audits/<int:pk>/draft/<str:report_format>/", views.DraftView.as_view(), name="draft"),
    path("audits/<int:pk>/issue/", views.IssueView.as_view(), name="issue"),
    path(
        "audits/<int:pk>/review/<str:step>/",
        views.ReviewStepView.as_view(),
        name="review-step",
    ),
    path("audits/<int:pk>/settings/", views.SettingsView.as_view(), name="settings"),
    path(
        "audits/<int:pk>/issued/<int:number>/<str:report_format>/",
        views.IssuedFileView.as_view(),
        name="issued-file",
    ),
]
