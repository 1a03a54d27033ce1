from django.urls import path

from annexa.evidence.api import views

app_name = "evidence-api"
urlpatterns = [
    path("", views.EvidenceListAPI.as_view(), name="list"),
    path("<int:pk>/", views.EvidenceDetailAPI.as_view(), name="detail"),
    path("<int:pk>/versions/", views.VersionsAPI.as_view(), name="versions"),
    path("<int:pk>/links/", views.LinksAPI.as_view(), name="links"),
    path("versions/<int:pk>/download/", views.DownloadAPI.as_view(), name="download"),
]
