"""The documents pages, mounted under ``/o/<org>/``."""

app_name = "documents"

urlpatterns: list = []
