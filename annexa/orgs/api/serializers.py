"""Serializers of the organizations and memberships API."""

from __future__ import annotations

from rest_framework import serializers

from annexa.orgs.choices import Role
from annexa.orgs.models import Membership
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


class MembershipCreateSerializer(serializers.Serializer):
    """Add a person: an existing account by e-mail, or a new one with a generated password."""

    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class NewMembershipSerializer(MembershipSerializer):
    """The added membership; ``password`` is set only when a new account was created."""

    created_user = serializers.BooleanField(read_only=True)
    password = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The new account's generated password, returned only in this response.",
    )

    class Meta(MembershipSerializer.Meta):
        fields = [*MembershipSerializer.Meta.fields, "created_user", "password"]
        read_only_fields = fields


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
