"""The documents pages, mounted under ``/o/<org>/documents/``."""

from django.urls import path

from annexa.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.DocumentListView.as_view(), name="list"),
    path("new/", views.DocumentCreateView.as_view(), name="create"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/<slug:key>/copy/", views.TemplateCopyView.as_view(), name="copy-template"),
    path("<int:pk>/", views.DocumentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.DocumentEditView.as_view(), name="edit"),
    path("<int:pk>/versions/new/", views.VersionCreateView.as_view(), name="add-version"),
    path("<int:pk>/retire/", views.RetireView.as_view(), name="retire"),
    path("<int:pk>/confirm-review/", views.ConfirmReviewView.as_view(), name="confirm-review"),
    path("<int:pk>/campaigns/new/", views.CampaignCreateView.as_view(), name="launch"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version"),
    path("versions/<int:pk>/edit/", views.DraftEditView.as_view(), name="edit-draft"),
    path("versions/<int:pk>/submit/", views.SubmitView.as_view(), name="submit"),
    path("versions/<int:pk>/review/", views.ReviewView.as_view(), name="review"),
    path("versions/<int:pk>/return/", views.ReturnView.as_view(), name="return"),
    path("versions/<int:pk>/approve/", views.ApproveView.as_view(), name="approve"),
    path("acknowledgements/", views.AcknowledgementsView.as_view(), name="acknowledgements"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign"),
    path("campaigns/<int:pk>/close/", views.CampaignCloseView.as_view(), name="close-campaign"),
    path(
        "acknowledgements/<int:pk>/confirm/",
        views.AcknowledgeView.as_view(),
        name="acknowledge",
    ),
]
