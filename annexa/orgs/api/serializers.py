"""Serializers of the organizations and memberships API."""

from __future__ import annotations

from rest_framework import serializers

from annexa.orgs.choices import Role
from annexa.orgs.models import Invitation, Membership
from annexa.orgs.permissions import permissions_of


class CallerOrganizationSerializer(serializers.ModelSerializer):
    """An organization as the caller sees it: with their own role and what it allows."""

    slug = serializers.CharField(source="organization.slug", read_only=True)
    name = serializers.CharField(source="organization.name", read_only=True)
    uid = serializers.UUIDField(source="organization.uid", read_only=True)
    created_at = serializers.DateTimeField(source="organization.created_at", read_only=True)
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["slug", "name", "uid", "created_at", "role", "permissions"]
        read_only_fields = fields

    def get_permissions(self, membership: Membership) -> list[str]:
        return sorted(permissions_of(membership.role))


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "created_at"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    """Invite a person: they receive a link by e-mail and join by following it."""

    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as its organization sees it: the same whether or not the address has an
    account anywhere. The link's token is never shown: it goes only to the invited mailbox."""

    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)
    status = serializers.ChoiceField(
        choices=["pending", "accepted", "revoked", "expired"], read_only=True
    )

    class Meta:
        model = Invitation
        fields = ["id", "uid", "email", "role", "status", "invited_by", "created_at", "expires_at"]
        read_only_fields = fields


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
