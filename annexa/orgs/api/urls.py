"""``/api/v1/orgs/``: the caller's organizations, and each one's memberships.

Mounted before the per-app organization APIs, so ``<org>/`` here is the organization itself.
"""

from django.urls import path

from annexa.orgs.api import views

app_name = "orgs-api"

memberships = views.MembershipViewSet.as_view({"get": "list", "post": "create"})
membership = views.MembershipViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
invitations = views.InvitationViewSet.as_view({"get": "list", "post": "create"})
invitation = views.InvitationViewSet.as_view({"get": "retrieve", "delete": "destroy"})

urlpatterns = [
    path("", views.OrganizationListView.as_view(), name="org-list"),
    path("<slug:org>/", views.OrganizationDetailView.as_view(), name="org-detail"),
    path("<slug:org>/memberships/", memberships, name="membership-list"),
    path("<slug:org>/memberships/<int:pk>/", membership, name="membership-detail"),
    path("<slug:org>/invitations/", invitations, name="invitation-list"),
    path("<slug:org>/invitations/<int:pk>/", invitation, name="invitation-detail"),
]
