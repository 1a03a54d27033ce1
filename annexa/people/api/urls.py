"""The people API, mounted under ``/api/v1/orgs/<org>/``."""

app_name = "people-api"

urlpatterns: list = []
