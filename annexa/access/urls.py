"""The access pages, mounted under ``/o/<org>/``."""

app_name = "access"

urlpatterns: list = []
