"""Organization pages about people and keys, mounted under ``/o/<org>/``."""

from django.urls import path

from annexa.orgs import views

app_name = "orgs"
urlpatterns = [
    path("members/", views.MembersView.as_view(), name="members"),
    path("members/<int:pk>/role/", views.MemberRoleView.as_view(), name="member-role"),
    path("members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="member-remove"),
    path(
        "members/invitations/<int:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation-revoke",
    ),
    path("api-keys/", views.APIKeysView.as_view(), name="apikeys"),
    path("api-keys/<int:pk>/revoke/", views.APIKeyRevokeView.as_view(), name="apikey-revoke"),
]
