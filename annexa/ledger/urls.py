"""The ledger's pages, mounted under ``/o/<org>/ledger/``."""

from django.urls import path

from annexa.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.LedgerView.as_view(), name="list"),
    path("checkpoints/", views.CheckpointCreateView.as_view(), name="checkpoint"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("public-key.pem", views.PublicKeyView.as_view(), name="public-key"),
]
