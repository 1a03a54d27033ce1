"""The access-review pages, mounted at ``/o/<org>/access-reviews/``."""

from django.urls import path

from annexa.access import views

app_name = "access"

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="list"),
    path("new/", views.ReviewCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="detail"),
    path("<int:pk>/import/", views.ImportView.as_view(), name="import"),
    path("<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("<int:pk>/record.json", views.RecordView.as_view(fmt="json"), name="record-json"),
    path("<int:pk>/record.csv", views.RecordView.as_view(fmt="csv"), name="record-csv"),
    path("items/<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
    path("items/<int:pk>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("items/<int:pk>/revoked/", views.RevokedView.as_view(), name="revoked"),
]
