"""Django admin for people and organizations: superusers only.

Memberships and API keys are read-only here: changing them goes through ``services`` so the
last-owner rule holds and the ledger records it (revoking keys is an admin action that does).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.http import HttpRequest

from annexa.core.tenancy import OrgContext
from annexa.orgs import services
from annexa.orgs.models import APIKey, Membership, Organization, User


class SuperuserOnly:
    """Staff without superuser status see none of these models."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


class ReadOnly(SuperuserOnly):
    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class MembershipInline(ReadOnly, admin.TabularInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    extra = 0


class UserCreateForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(SuperuserOnly, DjangoUserAdmin):
    """Accounts by e-mail (Django's default admin assumes a username)."""

    form = UserEditForm
    add_form = UserCreateForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Organization)
class OrganizationAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["uid", "slug", "created_at"]
    inlines = [MembershipInline]

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False  # `annexa org create` validates the slug and starts the ledger

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the ledger protects an organization's history from deletion


@admin.register(Membership)
class MembershipAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "organization__slug"]


@admin.register(APIKey)
class APIKeyAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["prefix", "user", "organization", "name", "status", "expires_at"]
    list_filter = ["organization"]
    search_fields = ["lookup", "user__email", "name"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request: HttpRequest, queryset) -> None:
        revoked = 0
        for key in queryset.select_related("organization", "user"):
            if key.revoked_at is None:
                # A superuser acts outside any role; the ledger still names them.
                ctx = OrgContext(org=key.organization, user=request.user, membership=None)
                services.revoke_api_key(ctx, key)
                revoked += 1
        self.message_user(request, f"Revoked {revoked} API key(s).", messages.SUCCESS)
