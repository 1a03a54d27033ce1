"""Routes (filled in as the pages and API views are written), mounted by annexa/urls.py."""

app_name = "assets"
urlpatterns: list = []
