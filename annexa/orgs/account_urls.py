"""Account pages outside any organization, mounted under ``/accounts/`` next to allauth's."""

from django.urls import path

from annexa.orgs import views

app_name = "orgs-account"
urlpatterns = [
    path("setup/", views.FirstRunView.as_view(), name="setup"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("invitations/<str:invitation_token>/", views.InvitationView.as_view(), name="invitation"),
]
