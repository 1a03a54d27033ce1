from django.urls import path

from annexa.connectors import views

app_name = "connectors"
urlpatterns = [
    path("", views.ConnectorListView.as_view(), name="list"),
    path("new/", views.ConnectorCreateView.as_view(), name="create"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("<int:pk>/", views.ConnectorDetailView.as_view(), name="detail"),
    path("<int:pk>/run/", views.RunNowView.as_view(), name="run-now"),
    path("<int:pk>/delete/", views.ConnectorDeleteView.as_view(), name="delete"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run"),
]
