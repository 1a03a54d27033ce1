"""Management review pages, mounted at ``/o/<org>/reviews/``."""

from django.urls import path

from annexa.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="list"),
    path("new/", views.ReviewCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ReviewEditView.as_view(), name="edit"),
    path("<int:pk>/assemble/", views.AssembleView.as_view(), name="assemble"),
    path("<int:pk>/hold/", views.HoldView.as_view(), name="hold"),
    path("<int:pk>/sign-off/", views.SignOffView.as_view(), name="sign-off"),
    path("<int:pk>/decisions/", views.DecisionAddView.as_view(), name="decision-add"),
    path("<int:pk>/minutes.pdf", views.MinutesView.as_view(fmt="pdf"), name="minutes-pdf"),
    path("<int:pk>/minutes.docx", views.MinutesView.as_view(fmt="docx"), name="minutes-docx"),
    path("inputs/<int:pk>/", views.InputEditView.as_view(), name="input"),
    path("decisions/<int:pk>/track/", views.DecisionTrackView.as_view(), name="decision-track"),
    path("decisions/<int:pk>/delete/", views.DecisionDeleteView.as_view(), name="decision-delete"),
]
