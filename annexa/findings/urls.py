"""Findings pages, mounted at ``/o/<org>/findings/``."""

from django.urls import path

from annexa.findings import views

app_name = "findings"

urlpatterns = [
    path("", views.FindingListView.as_view(), name="list"),
    path("new/", views.FindingCreateView.as_view(), name="create"),
    path("from-item/<int:item_pk>/", views.RaiseFromItemView.as_view(), name="raise-from-item"),
    path("<int:pk>/", views.FindingDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.FindingEditView.as_view(), name="edit"),
    path("<int:pk>/open/", views.OpenView.as_view(), name="open"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("<int:pk>/close/", views.CloseView.as_view(), name="close"),
]
