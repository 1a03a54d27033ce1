from django.urls import path

from annexa.connectors.api import views

app_name = "connectors-api"
urlpatterns = [
    path("", views.ConnectorListAPI.as_view(), name="list"),
    path("types/", views.PluginsAPI.as_view(), name="types"),
    path("ingest/", views.IngestAPI.as_view(), name="ingest"),
    path("runs/<int:pk>/", views.CollectionRunAPI.as_view(), name="run"),
    path("<int:pk>/", views.ConnectorDetailAPI.as_view(), name="detail"),
    path("<int:pk>/run/", views.RunNowAPI.as_view(), name="run-now"),
    path("<int:pk>/runs/", views.ConnectorRunsAPI.as_view(), name="runs"),
]
