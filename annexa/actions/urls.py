"""Corrective-action pages, mounted at ``/o/<org>/actions/``."""

from django.urls import path

from annexa.actions import views

app_name = "actions"

urlpatterns = [
    path("", views.ActionListView.as_view(), name="list"),
    path("new/", views.ActionCreateView.as_view(), name="create"),
    path("export.json", views.ExportView.as_view(fmt="poam"), name="export-poam"),
    path("export.xlsx", views.ExportView.as_view(fmt="xlsx"), name="export-xlsx"),
    path("<int:pk>/", views.ActionDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ActionEditView.as_view(), name="edit"),
    path("<int:pk>/root-cause/", views.RootCauseView.as_view(), name="root-cause"),
    path("<int:pk>/start/", views.StartView.as_view(), name="start"),
    path("<int:pk>/implement/", views.ImplementView.as_view(), name="implement"),
    path("<int:pk>/review/", views.ReviewView.as_view(), name="review"),
    path("<int:pk>/close/", views.CloseView.as_view(), name="close"),
]
