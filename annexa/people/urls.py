"""The people pages, mounted under ``/o/<org>/``."""

app_name = "people"

urlpatterns: list = []
