"""The ledger API, mounted under ``/api/v1/orgs/<org>/ledger/``."""

from django.urls import path

from annexa.ledger.api import views

app_name = "ledger-api"
urlpatterns = [
    path("entries/", views.EntryListView.as_view(), name="entry-list"),
    path("entries/<int:seq>/", views.EntryDetailView.as_view(), name="entry-detail"),
    path("entries/<int:seq>/proof/", views.InclusionProofView.as_view(), name="entry-proof"),
    path("checkpoints/", views.CheckpointListView.as_view(), name="checkpoint-list"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("public-key/", views.PublicKeyView.as_view(), name="public-key"),
]
