"""Supplier register pages, mounted at ``/o/<org>/suppliers/`` by annexa/urls.py."""

from django.urls import path

from annexa.risks import supplier_views as views

app_name = "suppliers"

urlpatterns = [
    path("", views.SupplierListView.as_view(), name="list"),
    path("new/", views.SupplierCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SupplierDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SupplierEditView.as_view(), name="edit"),
    path("<int:pk>/assessments/new/", views.AssessmentCreateView.as_view(), name="assess"),
    path("<int:pk>/retire/", views.RetireView.as_view(), name="retire"),
    path("<int:pk>/reinstate/", views.ReinstateView.as_view(), name="reinstate"),
]
