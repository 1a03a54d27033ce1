from django.urls import path

from annexa.evidence import views

app_name = "evidence"
urlpatterns = [
    path("", views.EvidenceListView.as_view(), name="list"),
    path("upload/", views.EvidenceUploadView.as_view(), name="upload"),
    path("<int:pk>/", views.EvidenceDetailView.as_view(), name="detail"),
    path("<int:pk>/versions/new/", views.NewVersionView.as_view(), name="new-version"),
    path("<int:pk>/links/", views.LinkView.as_view(), name="links"),
    path("versions/<int:pk>/download/", views.DownloadView.as_view(), name="download"),
    path("controls/<str:control_id>/", views.ControlEvidenceView.as_view(), name="control"),
]
