"""Account pages outside any organization, mounted under ``/accounts/`` next to allauth's."""

from django.urls import path

from annexa.orgs import views

app_name = "orgs-account"
urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("invitations/<str:invitation_token>/", views.InvitationView.as_view(), name="invitation"),
]
