"""The documents API, mounted under ``/api/v1/orgs/<org>/``."""

app_name = "documents-api"

urlpatterns: list = []
