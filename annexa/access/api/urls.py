"""The access API, mounted under ``/api/v1/orgs/<org>/``."""

app_name = "access-api"

urlpatterns: list = []
