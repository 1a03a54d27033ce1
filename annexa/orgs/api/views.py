"""The caller's organizations, and the members of one (changes by managers only)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annexa.core.api import OrgAPIMixin
from annexa.orgs import services
from annexa.orgs.api.serializers import (
    CallerOrganizationSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
)
from annexa.orgs.models import APIKey, Invitation, Membership


def _call(function, *args, **kwargs):
    """Run a service; a refusal it explains becomes a 400 with its message."""
    try:
        return function(*args, **kwargs)
    except services.OrgsError as exc:
        raise ValidationError({"detail": str(exc)}) from None


def _invite(ctx, request: Request) -> Response:
    serializer = InvitationCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    invitation, _token = _call(services.invite, ctx, **serializer.validated_data)
    return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class OrganizationListView(generics.ListAPIView):
    """The organizations the caller belongs to (only the key's own with an API key)."""

    serializer_class = CallerOrganizationSerializer

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        memberships = Membership.objects.filter(user=self.request.user)
        if isinstance(self.request.auth, APIKey):
            memberships = memberships.filter(organization=self.request.auth.organization)
        return memberships.select_related("organization").order_by("organization__name")


class OrganizationDetailView(OrgAPIMixin, generics.RetrieveAPIView):
    """One organization of the caller, with the caller's role in it."""

    queryset = Membership.objects.all()
    serializer_class = CallerOrganizationSerializer

    def get_object(self) -> Membership:
        return self.ctx.membership


class MembershipViewSet(
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Members and their roles; adding, changing and removing needs ``members.manage``."""

    queryset = Membership.objects.all()
    serializer_class = MembershipSerializer
    permission_required = "members.manage"

    def get_queryset(self) -> QuerySet[Membership]:
        return super().get_queryset().select_related("user").order_by("user__email")

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer},
        description="Invites the person (the same as POST invitations/): nobody is added "
        "until they follow the e-mailed link.",
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        return _invite(self.ctx, request)

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        membership = self.get_object()
        serializer = MembershipRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        role = serializer.validated_data["role"]
        membership = _call(services.change_role, self.ctx, membership, role)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        _call(services.remove_member, self.ctx, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Invitations to join the organization; managers create and withdraw them."""

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    permission_required = "members.manage"

    def get_queryset(self) -> QuerySet[Invitation]:
        return super().get_queryset().select_related("invited_by")

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        return _invite(self.ctx, request)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        _call(services.revoke_invitation, self.ctx, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
